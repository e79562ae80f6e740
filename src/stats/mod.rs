//! Statistics blocks: exact moments, proportions with intervals, a quantile sketch,
//! bucketed distributions, and the duration summary that bundles them.
//!
//! Every block adds values, merges with another of its kind, and (where a metric needs to
//! retract a value, as when a solved ticket is reopened) removes values again.

mod buckets;
pub(crate) mod codec;
pub mod compare;
mod gamma;
mod moments;
mod proportion;
pub(crate) mod sketch;
mod summary;
mod survival;

pub use buckets::{Bucket, DEFAULT_BUCKET_EDGES, DurationBuckets};
pub(crate) use gamma::chi_square_quantile_even;
pub use moments::DurationMoments;
pub use proportion::{Interval, Proportion, Z_95, normal_quantile, wilson_interval};
pub(crate) use proportion::{binomial_half_cdf, ln_factorial};
pub use sketch::{
    DEFAULT_MAX_BINS, DEFAULT_RELATIVE_ACCURACY, MIN_INDEXABLE, QuantileSketch, SketchSnapshot,
};
pub use summary::{DurationSnapshot, DurationSummary, SummaryConfig};
pub use survival::{
    Observation, SurvivalCurve, SurvivalQuantile, SurvivalSketch, SurvivalSnapshot, SurvivalStep,
};
