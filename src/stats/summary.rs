//! The duration summary every time metric reports.

use super::buckets::BucketsRepr as BucketsReprOf;
use super::moments::MomentsRepr as MomentsReprOf;
use super::sketch::SketchRepr as SketchReprOf;
use super::{Bucket, DurationBuckets, DurationMoments, QuantileSketch};
use crate::calculator::Calculator;
use crate::error::Error;
use crate::error::Result;

/// How a [`DurationSummary`] is configured: the sketch's accuracy and bin limit, and the
/// bucket edges.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryConfig {
    /// The sketch's relative accuracy α (default 0.01).
    pub relative_accuracy: f64,
    /// The sketch's bin limit (default 4,096).
    pub max_bins: u32,
    /// Bucket edges in seconds (default 1 h, 8 h, 24 h, 3 d, 7 d).
    pub bucket_edges: Vec<u64>,
}

impl Default for SummaryConfig {
    fn default() -> Self {
        SummaryConfig {
            relative_accuracy: super::sketch::DEFAULT_RELATIVE_ACCURACY,
            max_bins: super::sketch::DEFAULT_MAX_BINS,
            bucket_edges: super::DEFAULT_BUCKET_EDGES.to_vec(),
        }
    }
}

/// Count, exact mean, min and max, quantiles within α, and buckets of whole-second
/// durations: one bundle, as every time metric reports them.
///
/// Mean, count, sum and standard deviation are exact; p50/p90/p95/p99 come from a
/// [`QuantileSketch`] (type 7 quantiles within α = 1 % by default); min and max are exact
/// unless the extreme value was removed, when they come from the sketch (within α).
///
/// ```
/// use csm_metrics::{Calculator, DurationSummary};
///
/// let mut frt = DurationSummary::default();
/// for seconds in [60, 120, 3_600, 7_200] {
///     frt.observe(&seconds)?;
/// }
/// let s = frt.snapshot();
/// assert_eq!(s.count, 4);
/// assert_eq!(s.mean, Some(2_745.0));
/// assert_eq!(s.buckets[0].count, 2); // under 1 h
/// # Ok::<(), csm_metrics::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(try_from = "SummaryRepr", into = "SummaryRepr")
)]
pub struct DurationSummary {
    moments: DurationMoments,
    sketch: QuantileSketch,
    buckets: DurationBuckets,
    /// Values added but not yet folded into the parts (see [`Pending`]).
    pending: Pending,
}

/// Values under 2³² s added to a [`DurationSummary`] and not yet folded into its parts:
/// adding is then a store, and the parts take the values in batches (a tight loop, no
/// call per value). Every other operation folds them first, in the order they came, so the
/// summary's state is the one adding them one by one gives. They are held only while the
/// parts have room for them, so folding cannot fail.
#[derive(Debug, Clone, Copy, Default)]
struct Pending {
    len: u8,
    values: [u32; PENDING],
}

/// How many values a summary holds before folding them in.
const PENDING: usize = 15;

impl PartialEq for DurationSummary {
    /// Equal when they hold the same values in the same configuration (values not yet
    /// folded in count as folded).
    fn eq(&self, other: &Self) -> bool {
        let (a, b) = (self.folded(), other.folded());
        a.moments == b.moments && a.sketch == b.sketch && a.buckets == b.buckets
    }
}

/// What a [`DurationSummary`] reports. Durations in seconds.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DurationSnapshot {
    /// How many durations.
    pub count: u64,
    /// The exact mean.
    pub mean: Option<f64>,
    /// The exact sample standard deviation.
    pub std_dev: Option<f64>,
    /// The minimum (exact unless it was removed; then within α).
    pub min: Option<f64>,
    /// The maximum (exact unless it was removed; then within α).
    pub max: Option<f64>,
    /// The median, within α.
    pub p50: Option<f64>,
    /// A distribution-free 95 % interval for the median: the order statistics at ranks
    /// `c` and `n + 1 − c`, `c = round((n + 1)/2 − 1.96·√n/2)` (the binomial interval),
    /// each within α; `None` below 6 values. The goals' median targets use it.
    #[cfg_attr(feature = "serde", serde(default))]
    pub p50_interval: Option<super::Interval>,
    /// The median's distribution-free standard error (Price & Bonett, 2002):
    /// `(x₍ₙ₋ₐ₊₁₎ − x₍ₐ₎) / (2·z₀)` with `a = max(1, round(n/2 − √n))` and
    /// `z₀ = Φ⁻¹(1 − P(B ≤ a − 1))`, `B ~ Binomial(n, ½)`; the two order statistics within
    /// α. `None` below 2 values. Comparisons of medians
    /// ([`compare::medians`](crate::compare::medians)) use it.
    #[cfg_attr(feature = "serde", serde(default))]
    pub p50_se: Option<f64>,
    /// The 90th percentile, within α.
    pub p90: Option<f64>,
    /// The 95th percentile, within α.
    pub p95: Option<f64>,
    /// The 99th percentile, within α.
    pub p99: Option<f64>,
    /// The bucketed distribution.
    pub buckets: Vec<Bucket>,
}

impl DurationSummary {
    /// A summary with the given configuration.
    pub fn with_config(config: &SummaryConfig) -> Result<Self> {
        Ok(DurationSummary {
            moments: DurationMoments::default(),
            sketch: QuantileSketch::with_max_bins(config.relative_accuracy, config.max_bins)?,
            buckets: DurationBuckets::new(&config.bucket_edges)?,
            pending: Pending::default(),
        })
    }

    /// Adds one duration in seconds.
    #[inline]
    pub fn add(&mut self, seconds: u64) -> Result<()> {
        if seconds >> 32 == 0 && self.has_room() {
            let n = usize::from(self.pending.len);
            self.pending.values[n] = seconds as u32;
            self.pending.len += 1;
            if n + 1 == PENDING {
                self.fold();
            }
            return Ok(());
        }
        self.fold();
        self.add_checked(seconds)
    }

    /// Whether the parts have room for a whole batch of pending values (so that folding
    /// them in cannot fail: the parts do not change while values are pending).
    #[inline]
    fn has_room(&self) -> bool {
        self.moments.has_room(PENDING as u64) && self.sketch.has_room(PENDING as u64)
    }

    /// Folds the pending values into the parts, in the order they came.
    #[inline]
    fn fold(&mut self) {
        let n = usize::from(self.pending.len);
        for &v in &self.pending.values[..n] {
            self.moments.add_small(v);
            self.sketch.add_small(v);
            self.buckets.add(u64::from(v));
        }
        self.pending.len = 0;
    }

    /// The summary with its pending values folded in (a copy only when some are pending).
    #[inline]
    fn folded(&self) -> std::borrow::Cow<'_, DurationSummary> {
        if self.pending.len == 0 {
            return std::borrow::Cow::Borrowed(self);
        }
        let mut s = self.clone();
        s.fold();
        std::borrow::Cow::Owned(s)
    }

    /// Adds one duration, every part checked (the parts hold no pending value).
    fn add_checked(&mut self, seconds: u64) -> Result<()> {
        // The sketch is checked first: it is the only part that can refuse (overflow).
        self.sketch.add_seconds(seconds)?;
        if let Err(e) = self.moments.add(seconds) {
            let _ = self.sketch.remove(seconds as f64);
            return Err(e);
        }
        self.buckets.add(seconds);
        Ok(())
    }

    /// Removes one duration added before (a reopened ticket retracting its resolution time).
    /// An error, changing nothing, if it was not added.
    pub fn remove(&mut self, seconds: u64) -> Result<()> {
        self.fold();
        // Every part is checked before any changes (the sketch checks and changes at once,
        // and changes nothing when it refuses), so a refused removal changes nothing.
        self.moments.check_remove(seconds)?;
        self.buckets.check_remove(seconds)?;
        self.sketch.remove_seconds(seconds)?;
        // Cannot fail: both were checked above.
        self.moments.remove(seconds)?;
        self.buckets.remove(seconds)
    }

    /// How many durations it holds.
    #[inline]
    pub fn count(&self) -> u64 {
        self.moments.count() + u64::from(self.pending.len)
    }

    /// Whether nothing was ever added. A summary emptied by removals is not pristine: it
    /// remembers the extremes it held, so that merging it gives what one pass gives.
    pub fn is_pristine(&self) -> bool {
        self.pending.len == 0 && self.moments.is_pristine() && self.sketch.is_empty()
    }

    /// The exact moments.
    pub fn moments(&self) -> std::borrow::Cow<'_, DurationMoments> {
        match self.folded() {
            std::borrow::Cow::Borrowed(s) => std::borrow::Cow::Borrowed(&s.moments),
            std::borrow::Cow::Owned(s) => std::borrow::Cow::Owned(s.moments),
        }
    }

    /// The sketch.
    pub fn sketch(&self) -> std::borrow::Cow<'_, QuantileSketch> {
        match self.folded() {
            std::borrow::Cow::Borrowed(s) => std::borrow::Cow::Borrowed(&s.sketch),
            std::borrow::Cow::Owned(s) => std::borrow::Cow::Owned(s.sketch),
        }
    }

    /// Any quantile `q` in `0.0..=1.0`, within α.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        self.folded().sketch.quantile(q)
    }

    /// Whether two summaries are configured alike (accuracy, bin limit, bucket edges),
    /// whatever they hold.
    pub(crate) fn same_config(&self, other: &Self) -> bool {
        self.sketch.relative_accuracy() == other.sketch.relative_accuracy()
            && self.sketch.max_bins() == other.sketch.max_bins()
            && self.buckets.edges() == other.buckets.edges()
    }
}

impl Calculator for DurationSummary {
    type Record = u64;
    type Snapshot = DurationSnapshot;

    #[inline]
    fn observe(&mut self, seconds: &u64) -> Result<()> {
        self.add(*seconds)
    }

    fn merge(&mut self, other: &Self) -> Result<()> {
        self.fold();
        let other = other.folded();
        // Check every part before changing any, so a failed merge changes nothing.
        let mut sketch = self.sketch.clone();
        sketch.merge(&other.sketch)?;
        let mut buckets = self.buckets.clone();
        buckets.merge(&other.buckets)?;
        let mut moments = self.moments.clone();
        moments.merge(&other.moments)?;
        *self = DurationSummary {
            moments,
            sketch,
            buckets,
            pending: Pending::default(),
        };
        Ok(())
    }

    fn snapshot(&self) -> DurationSnapshot {
        let this = self.folded();
        let this = &*this;
        let m = &this.moments;
        let [p50, p90, p95, p99] = this.sketch.quantiles([0.5, 0.9, 0.95, 0.99]);
        let (exact_min, exact_max) = (m.min().map(|v| v as f64), m.max().map(|v| v as f64));
        // An extreme that was removed comes from the sketch, within α; it is kept on the
        // right side of what is known exactly (the mean, the other extreme), which only
        // brings it closer to the truth.
        let known_low = [m.mean(), exact_max].into_iter().flatten().reduce(f64::min);
        let known_high = [m.mean(), exact_min].into_iter().flatten().reduce(f64::max);
        DurationSnapshot {
            count: m.count(),
            mean: m.mean(),
            std_dev: m.std_dev(),
            min: exact_min.or_else(|| {
                let s = this.sketch.min_value()?;
                Some(known_low.map_or(s, |k| s.min(k)))
            }),
            max: exact_max.or_else(|| {
                let s = this.sketch.max_value()?;
                Some(known_high.map_or(s, |k| s.max(k)))
            }),
            p50,
            p50_interval: this.sketch.median_interval(),
            p50_se: this.sketch.median_standard_error(),
            p90,
            p95,
            p99,
            buckets: this.buckets.buckets(),
        }
    }
}

#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
struct SummaryRepr {
    moments: DurationMoments,
    sketch: QuantileSketch,
    buckets: DurationBuckets,
}

impl DurationSummary {
    /// The summary in the compact binary form documented below, appended to `out`: for
    /// engines that carry states between processes in a byte column (the DataFusion
    /// integration does). [`from_bytes`](Self::from_bytes) reads it back, equal.
    ///
    /// Layout (little-endian): magic `CSMS` and version `1`; the moments (count `u64`, sum
    /// and sum of squares `u128`, min, copies of min held, max, copies of max held `u64`);
    /// the sketch (relative accuracy `f64`, bin limit `u32`, count and zero count `u64`,
    /// first index `i32`, folded-below flag `u8` and index `i32`, bin count `u32` and the
    /// counts `u64`, empty bins at both ends trimmed); the buckets (edge count `u32`, the
    /// edges, then one more count than edges, `u64`); an FNV-1a 64 checksum of all that
    /// (`u64`), so any single damaged byte is detected. 138 bytes plus 8 per sketch bin
    /// and 16 per bucket edge: about 1 KB for a month of first response times at α = 1 %.
    ///
    /// ```
    /// use csm_metrics::DurationSummary;
    ///
    /// let mut s = DurationSummary::default();
    /// for v in [30, 600, 86_400] {
    ///     s.add(v)?;
    /// }
    /// let mut bytes = Vec::new();
    /// s.to_bytes(&mut bytes)?;
    /// assert_eq!(DurationSummary::from_bytes(&bytes)?, s);
    /// // A damaged value is an error, not a wrong number.
    /// assert!(DurationSummary::from_bytes(&bytes[..bytes.len() - 1]).is_err());
    /// # Ok::<(), csm_metrics::Error>(())
    /// ```
    pub fn to_bytes(&self, out: &mut Vec<u8>) -> Result<()> {
        let mut w = super::codec::Writer(out);
        let start = w.header(super::codec::SUMMARY);
        let r = SummaryRepr::from(self.clone());
        MomentsReprOf::from(r.moments).write(&mut w);
        SketchReprOf::from(r.sketch).write(&mut w)?;
        BucketsReprOf::from(r.buckets).write(&mut w)?;
        w.seal(start);
        Ok(())
    }

    /// Reads a summary written by [`to_bytes`](Self::to_bytes), checking every rule of
    /// its state; an error ([`Error::CorruptState`]) for anything damaged or left over.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let mut r = super::codec::Reader::new(bytes, "duration summary bytes")?;
        r.header(super::codec::SUMMARY)?;
        let moments = DurationMoments::try_from(MomentsReprOf::read(&mut r)?)?;
        let sketch = QuantileSketch::try_from(SketchReprOf::read(&mut r)?)?;
        let buckets = DurationBuckets::try_from(BucketsReprOf::read(&mut r)?)?;
        r.finish()?;
        DurationSummary::try_from(SummaryRepr {
            moments,
            sketch,
            buckets,
        })
    }
}

impl From<DurationSummary> for SummaryRepr {
    fn from(mut s: DurationSummary) -> Self {
        s.fold();
        SummaryRepr {
            moments: s.moments,
            sketch: s.sketch,
            buckets: s.buckets,
        }
    }
}

impl TryFrom<SummaryRepr> for DurationSummary {
    type Error = Error;
    fn try_from(r: SummaryRepr) -> Result<Self> {
        let n = r.moments.count();
        let b: u64 = r.buckets.buckets().iter().map(|b| b.count).sum();
        if r.sketch.count() != n || b != n {
            return Err(Error::corrupt(
                "duration summary",
                format!(
                    "moments hold {n} values, the sketch {}, the buckets {b}",
                    r.sketch.count()
                ),
            ));
        }
        Ok(DurationSummary {
            moments: r.moments,
            sketch: r.sketch,
            buckets: r.buckets,
            pending: Pending::default(),
        })
    }
}
