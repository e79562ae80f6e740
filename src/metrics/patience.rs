//! Callers' patience from a call log ([contract](crate::contract) "Contact center"):
//! abandoned calls are observed patience, answered calls are censored at their wait.
//!
//! Under the exponential patience Erlang A assumes, the maximum-likelihood mean patience is
//! the time all callers spent waiting divided by the abandons, `θ̂ = T / d`, with the 95 %
//! interval `[2T / χ²₀.₉₇₅(2d), 2T / χ²₀.₀₂₅(2d)]` (exact when the log ends at an abandon,
//! the usual approximation otherwise: Lawless, *Statistical Models and Methods for Lifetime
//! Data*, §2.2). The Kaplan-Meier median beside it needs no assumption: an exponential
//! patience has median `θ ln 2`, so the two disagreeing says the model is off.
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use csm_metrics::metrics::patience::Patience;
//! use csm_metrics::model::{Call, CallId, QueueId};
//! use csm_metrics::Calculator;
//!
//! let t = |s| Utc.timestamp_opt(1_700_000_000 + s, 0).unwrap();
//! let call = |id, answered: Option<i64>, ended| Call {
//!     id: CallId(id), queue: QueueId(1), offered_at: t(0),
//!     answered_at: answered.map(t), ended_at: t(ended),
//!     hold: 0, wrap: 0, agent: None, customer: None, transferred: false,
//! };
//! let mut p = Patience::default();
//! p.observe(&call(1, None, 60))?;       // hung up after 60 s
//! p.observe(&call(2, None, 120))?;      // after 120 s
//! p.observe(&call(3, Some(30), 300))?;  // answered after 30 s: patience > 30 s
//! let s = p.snapshot();
//! assert_eq!((s.abandons, s.answered, s.waited_seconds), (2, 1, 210));
//! assert_eq!(s.mean, Some(105.0));      // 210 s of waiting over 2 abandons
//! # Ok::<(), csm_metrics::Error>(())
//! ```

use crate::calculator::Calculator;
use crate::error::{Error, Result};
use crate::model::Call;
use crate::stats::{SurvivalSketch, SurvivalSnapshot, chi_square_quantile_even};

const WHAT: &str = "patience";

/// The patience calculator: observes calls (abandoned and answered), merges, and reports
/// the mean patience with its interval and the Kaplan-Meier view.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Patience {
    waited: u64,
    survival: SurvivalSketch,
}

/// What [`Patience`] reports. Seconds.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PatienceSnapshot {
    /// Calls abandoned (each an observed patience).
    pub abandons: u64,
    /// Calls answered (each a patience longer than its wait).
    pub answered: u64,
    /// The time every caller waited, abandoned or answered.
    pub waited_seconds: u64,
    /// The mean patience `waited / abandons` (`None` without an abandon: patience beyond
    /// every wait seen; plan with Erlang C).
    pub mean: Option<f64>,
    /// The lower end of its 95 % interval.
    pub mean_low: Option<f64>,
    /// The upper end of its 95 % interval.
    pub mean_high: Option<f64>,
    /// The Kaplan-Meier view of the same waits (median and p90 of patience, censored by
    /// answers).
    pub survival: SurvivalSnapshot,
}

impl Patience {
    /// The wait a call reports: to its answer, or to its abandon (and whether it was one).
    pub fn wait_of(call: &Call) -> (u64, bool) {
        match call.answered_at {
            Some(a) => ((a - call.offered_at).num_seconds().unsigned_abs(), false),
            None => (
                (call.ended_at - call.offered_at)
                    .num_seconds()
                    .unsigned_abs(),
                true,
            ),
        }
    }

    /// Adds one contact's wait: `abandoned` (an observed patience) or answered after
    /// `seconds` (a patience longer than that). For contacts that are not [`Call`] records
    /// (chats of a messaging export, say).
    pub fn add_wait(&mut self, seconds: u64, abandoned: bool) -> Result<()> {
        let waited = self
            .waited
            .checked_add(seconds)
            .ok_or_else(|| Error::config(WHAT, "more than 2⁶⁴ seconds of waiting"))?;
        if abandoned {
            self.survival.add_event(seconds as f64)?;
        } else {
            self.survival.add_censored(seconds as f64)?;
        }
        self.waited = waited;
        Ok(())
    }
}

impl Calculator for Patience {
    type Record = Call;
    type Snapshot = PatienceSnapshot;

    /// Observes a call; an invalid one (see [`Call::validate`]) is an error naming it.
    fn observe(&mut self, call: &Call) -> Result<()> {
        call.validate()?;
        let (wait, abandoned) = Self::wait_of(call);
        self.add_wait(wait, abandoned)
    }

    fn merge(&mut self, other: &Self) -> Result<()> {
        let waited = self
            .waited
            .checked_add(other.waited)
            .ok_or_else(|| Error::config(WHAT, "more than 2⁶⁴ seconds of waiting"))?;
        self.survival.merge(&other.survival)?;
        self.waited = waited;
        Ok(())
    }

    fn snapshot(&self) -> PatienceSnapshot {
        let survival = self.survival.snapshot();
        let (d, total) = (survival.events, self.waited as f64);
        let limit = |p| 2.0 * total / chi_square_quantile_even(d, p);
        let some = d > 0;
        PatienceSnapshot {
            abandons: d,
            answered: survival.censored,
            waited_seconds: self.waited,
            mean: some.then(|| total / d as f64),
            mean_low: some.then(|| limit(0.975)),
            mean_high: some.then(|| limit(0.025)),
            survival,
        }
    }
}
