//! The metrics, one module per family of METRICS.md.

pub mod surveys;
pub mod tickets;
