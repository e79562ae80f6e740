//! Censoring-aware durations: the Kaplan-Meier estimate on the quantile sketch's bins.

use crate::calculator::Calculator;
use crate::error::{Error, Result};

use super::proportion::Z_95;
use super::sketch::QuantileSketch;

const WHAT: &str = "survival sketch";

/// One observation of a duration: the event happened after so many seconds, or the
/// subject was still waiting after so many seconds (right-censored).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Observation {
    /// The event happened (a ticket answered, solved) after this many seconds.
    Event(f64),
    /// Still waiting after this many seconds (a ticket open at the "as of" instant).
    Censored(f64),
}

/// The Kaplan-Meier estimate of a duration's distribution when some subjects are still
/// waiting: the state is the events and the censorings on the bins of two
/// [`QuantileSketch`]es of the same accuracy.
///
/// # Why
/// A cohort's median resolution time read while many of its tickets are still open is
/// biased low: the slow tickets have not finished yet, and the naive median (over solved
/// tickets only) never sees them. The Kaplan-Meier estimator counts each open ticket as
/// "not solved after its age" and estimates the share still waiting at every duration,
/// `S(t) = Π (1 − dᵢ / nᵢ)` over the bins up to `t` (`dᵢ` events in bin `i`, `nᵢ` at risk
/// at its start). Its median is the first duration where `S ≤ 0.5`; where the curve never
/// falls that low, the median is **not reached** (`None`): more than half the cohort is
/// still waiting, and no number pulled from the finished tickets alone can say more.
///
/// # Accuracy
/// Durations are binned as the sketch bins them (relative accuracy α): every time the
/// curve reports is within α of the durations of its bin. Within a bin, events are taken
/// before censorings (the usual convention for ties, as lifelines takes them). When no bin
/// holds both an event and a censoring that interleave, the survival probabilities are
/// exactly those of the unbinned Kaplan-Meier estimate at the bins' edges; otherwise they
/// differ by at most the censorings of one bin over those at risk. Whole seconds below
/// about 50 each have a bin of their own, so for them the estimate is exact.
///
/// # Intervals
/// Greenwood's variance with the log-log ("exponential Greenwood") transform, 95 %:
/// `S^exp(±z·√V / ln S)` with `V = Σ dᵢ / (nᵢ (nᵢ − dᵢ))` (Kalbfleisch & Prentice 2002,
/// §1.4; lifelines' default). A quantile's interval is read off the bands: its lower end is
/// where the lower band crosses the level, its upper end where the upper band does (`None`
/// when it never does: not reached).
///
/// # Merge
/// Bins add, so merging the sketches of disjoint sets of subjects is exactly the sketch of
/// their union: merge is associative and commutative, [`Default`] is the identity.
///
/// ```
/// use csm_metrics::{Observation, SurvivalSketch, Calculator};
///
/// // Six tickets solved after 1..=6 hours, and four still open at 2 hours of age.
/// let mut s = SurvivalSketch::default();
/// for h in 1..=6 {
///     s.observe(&Observation::Event(h as f64 * 3600.0))?;
/// }
/// for _ in 0..4 {
///     s.observe(&Observation::Censored(7200.0))?;
/// }
/// let snap = s.snapshot();
/// // The naive median (solved tickets only) is 3.5 h; the censoring-aware one is later.
/// assert!((snap.naive_median.unwrap() - 12_600.0).abs() < 0.01 * 12_600.0);
/// assert!(snap.median.unwrap() > snap.naive_median.unwrap());
/// # Ok::<(), csm_metrics::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SurvivalSketch {
    events: QuantileSketch,
    censored: QuantileSketch,
}

/// One step of a [`SurvivalCurve`]: a bin holding events or censorings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SurvivalStep {
    /// The bin's duration (within α of every duration in it), seconds.
    pub time: f64,
    /// Subjects at risk at the start of the bin.
    pub at_risk: u64,
    /// Events in the bin.
    pub events: u64,
    /// Censorings in the bin (taken after its events).
    pub censored: u64,
    /// The share still waiting after the bin, `S(t)`.
    pub survival: f64,
    /// The lower end of its 95 % interval.
    pub low: f64,
    /// The upper end of its 95 % interval.
    pub high: f64,
}

/// The Kaplan-Meier curve of a [`SurvivalSketch`]: one step per non-empty bin, ascending.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SurvivalCurve {
    /// The steps, by ascending duration.
    pub steps: Vec<SurvivalStep>,
}

/// A quantile of a [`SurvivalCurve`] with its 95 % interval; `None` means "not reached".
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SurvivalQuantile {
    /// The estimate, seconds.
    pub estimate: Option<f64>,
    /// The lower end of its 95 % interval.
    pub low: Option<f64>,
    /// The upper end of its 95 % interval.
    pub high: Option<f64>,
}

/// What a [`SurvivalSketch`] reports: the censoring-aware median and p90 beside the naive
/// median of the events alone. Seconds; `None` means "not reached" (or no data).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SurvivalSnapshot {
    /// Subjects with the event.
    pub events: u64,
    /// Subjects still waiting (right-censored).
    pub censored: u64,
    /// The Kaplan-Meier median: the first duration where the share still waiting is ≤ ½.
    pub median: Option<f64>,
    /// The lower end of the median's 95 % interval.
    pub median_low: Option<f64>,
    /// The upper end of the median's 95 % interval.
    pub median_high: Option<f64>,
    /// The Kaplan-Meier 90th percentile: the first duration where ≤ 10 % still wait.
    pub p90: Option<f64>,
    /// The lower end of the p90's 95 % interval.
    pub p90_low: Option<f64>,
    /// The upper end of the p90's 95 % interval.
    pub p90_high: Option<f64>,
    /// The median of the events alone (type 7, as [`QuantileSketch::quantile`]): what a
    /// report that ignores the subjects still waiting shows.
    pub naive_median: Option<f64>,
}

impl SurvivalSketch {
    /// An empty sketch whose bins have relative accuracy `alpha` (see [`QuantileSketch::new`]).
    pub fn new(alpha: f64) -> Result<Self> {
        let sketch = QuantileSketch::new(alpha)?;
        Ok(SurvivalSketch {
            events: sketch.clone(),
            censored: sketch,
        })
    }

    /// The sketch of these events and censorings. Sketches of different accuracy or bin
    /// limit are an error (unless one is empty).
    pub fn from_parts(events: QuantileSketch, censored: QuantileSketch) -> Result<Self> {
        let s = SurvivalSketch { events, censored };
        s.check()?;
        Ok(s)
    }

    fn check(&self) -> Result<()> {
        let (e, c) = (&self.events, &self.censored);
        if e.is_empty() || c.is_empty() {
            return Ok(());
        }
        if e.relative_accuracy() != c.relative_accuracy() || e.max_bins() != c.max_bins() {
            return Err(Error::incompatible(
                WHAT,
                "events and censorings are binned with different accuracies",
            ));
        }
        Ok(())
    }

    /// Adds an event after `seconds` (finite, ≥ 0).
    pub fn add_event(&mut self, seconds: f64) -> Result<()> {
        self.events.add(seconds)
    }

    /// Adds a subject still waiting after `seconds` (finite, ≥ 0).
    pub fn add_censored(&mut self, seconds: f64) -> Result<()> {
        self.censored.add(seconds)
    }

    /// Takes an event out again (a reopened ticket's resolution); never added is an error.
    pub fn remove_event(&mut self, seconds: f64) -> Result<()> {
        self.events.remove(seconds)
    }

    /// Takes a censoring out again; never added is an error.
    pub fn remove_censored(&mut self, seconds: f64) -> Result<()> {
        self.censored.remove(seconds)
    }

    /// The events' sketch.
    pub fn events(&self) -> &QuantileSketch {
        &self.events
    }

    /// The censorings' sketch.
    pub fn censorings(&self) -> &QuantileSketch {
        &self.censored
    }

    /// Walks the bins in ascending order with the estimate after each, until `visit`
    /// returns `false`.
    fn scan(&self, mut visit: impl FnMut(&Raw) -> bool) {
        let mut at_risk = self.events.count() + self.censored.count();
        let (mut survival, mut greenwood) = (1.0f64, 0.0f64);
        let mut events = self.events.weighted_bins().peekable();
        let mut censored = self.censored.weighted_bins().peekable();
        loop {
            let (e, c) = (events.peek().copied(), censored.peek().copied());
            let index = match (e, c) {
                (None, None) => break,
                (Some(e), None) => e.0,
                (None, Some(c)) => c.0,
                (Some(e), Some(c)) => e.0.min(c.0),
            };
            let d = match e {
                Some(e) if e.0 == index => {
                    events.next();
                    e.1
                }
                _ => 0,
            };
            let k = match c {
                Some(c) if c.0 == index => {
                    censored.next();
                    c.1
                }
                _ => 0,
            };
            let n = at_risk;
            if d > 0 {
                survival *= 1.0 - d as f64 / n as f64;
                greenwood += if d < n {
                    d as f64 / (n as f64 * (n - d) as f64)
                } else {
                    f64::INFINITY
                };
            }
            let raw = Raw {
                index,
                n,
                d,
                k,
                survival,
                greenwood,
            };
            if !visit(&raw) {
                return;
            }
            at_risk = n - d - k;
        }
    }

    /// The duration of a bin (both sketches bin alike).
    fn time_of(&self, index: i32) -> f64 {
        if self.events.is_empty() {
            self.censored.order_value(index)
        } else {
            self.events.order_value(index)
        }
    }

    /// The Kaplan-Meier curve.
    pub fn curve(&self) -> SurvivalCurve {
        let mut steps = Vec::new();
        self.scan(|r| {
            steps.push(SurvivalStep {
                time: self.time_of(r.index),
                at_risk: r.n,
                events: r.d,
                censored: r.k,
                survival: r.survival,
                low: band_low(r.survival, r.greenwood),
                high: band_high(r.survival, r.greenwood),
            });
            true
        });
        SurvivalCurve { steps }
    }

    /// The median's and the p90's crossings without building the curve: only bins with
    /// events can cross (a censoring alone changes neither the estimate nor its band), and
    /// a band is computed only while one of its crossings is still ahead. The same
    /// expressions as [`curve`](Self::curve), so the same answers.
    fn crossings(&self) -> [SurvivalQuantile; 2] {
        const LEVELS: [f64; 2] = [0.5, 0.1];
        let mut out = [SurvivalQuantile::default(); 2];
        self.scan(|r| {
            if r.d == 0 {
                return true;
            }
            let open_low = out.iter().any(|q| q.low.is_none());
            let open_high = out.iter().any(|q| q.high.is_none());
            let low = if open_low {
                band_low(r.survival, r.greenwood)
            } else {
                1.0
            };
            let high = if open_high {
                band_high(r.survival, r.greenwood)
            } else {
                1.0
            };
            for (q, level) in out.iter_mut().zip(LEVELS) {
                if q.estimate.is_none() && r.survival <= level {
                    q.estimate = Some(self.time_of(r.index));
                }
                if q.low.is_none() && open_low && low <= level {
                    q.low = Some(self.time_of(r.index));
                }
                if q.high.is_none() && open_high && high <= level {
                    q.high = Some(self.time_of(r.index));
                }
            }
            out.iter()
                .any(|q| q.estimate.is_none() || q.low.is_none() || q.high.is_none())
        });
        out
    }
}

/// One bin as [`SurvivalSketch::scan`] walks it: at risk, events, censorings, and the
/// estimate and Greenwood's sum after it.
struct Raw {
    /// The bin (see `QuantileSketch::weighted_bins`).
    index: i32,
    n: u64,
    d: u64,
    k: u64,
    survival: f64,
    greenwood: f64,
}

/// The 95 % band of `S` with Greenwood's sum `v` on the log-log scale (its lower end): 1
/// before any event, 0 once the curve reached 0.
fn band_low(s: f64, v: f64) -> f64 {
    band(s, v, -1.0)
}

/// The upper end of the band.
fn band_high(s: f64, v: f64) -> f64 {
    band(s, v, 1.0)
}

fn band(s: f64, v: f64, side: f64) -> f64 {
    if s >= 1.0 {
        return 1.0;
    }
    if s <= 0.0 {
        return 0.0;
    }
    let ln = s.ln();
    // ln < 0, so w < 0: exp(−w) > 1 gives the lower end.
    let w = Z_95 * v.sqrt() / ln;
    (ln * (side * w).exp()).exp()
}

impl SurvivalCurve {
    /// The share still waiting after `seconds`: 1 before the first bin.
    pub fn survival_at(&self, seconds: f64) -> f64 {
        self.steps
            .iter()
            .take_while(|s| s.time <= seconds)
            .last()
            .map_or(1.0, |s| s.survival)
    }

    /// The first duration where `level(step) ≤ threshold`.
    fn crossing(&self, threshold: f64, level: impl Fn(&SurvivalStep) -> f64) -> Option<f64> {
        self.steps
            .iter()
            .find(|s| level(s) <= threshold)
            .map(|s| s.time)
    }

    /// The first duration where the share still waiting is ≤ `level` (in `0..=1`), with
    /// its 95 % interval: `quantile(q)` is `at_level(1 − q)`, without the rounding of
    /// `1 − q` (the p90 is `at_level(0.1)`).
    pub fn at_level(&self, level: f64) -> SurvivalQuantile {
        if !(0.0..=1.0).contains(&level) {
            return SurvivalQuantile::default();
        }
        SurvivalQuantile {
            estimate: self.crossing(level, |s| s.survival),
            low: self.crossing(level, |s| s.low),
            high: self.crossing(level, |s| s.high),
        }
    }

    /// The `q`-quantile of the duration (`q` in `0..=1`: 0.5 the median, 0.9 the p90):
    /// the first duration where the share still waiting is ≤ `1 − q`, with its 95 %
    /// interval; `None` where the curve (or its band) never falls that low: not reached.
    pub fn quantile(&self, q: f64) -> SurvivalQuantile {
        if !(0.0..=1.0).contains(&q) {
            return SurvivalQuantile::default();
        }
        self.at_level(1.0 - q)
    }

    /// The restricted mean: the mean duration up to `horizon` seconds, `∫₀^horizon S(t) dt`
    /// (the area under the step curve, as lifelines' `restricted_mean_survival_time`).
    /// `None` without subjects or with a horizon that is not finite and ≥ 0.
    pub fn restricted_mean(&self, horizon: f64) -> Option<f64> {
        if self.steps.is_empty() || !horizon.is_finite() || horizon < 0.0 {
            return None;
        }
        let (mut area, mut from, mut level) = (0.0, 0.0, 1.0);
        for s in &self.steps {
            if s.time >= horizon {
                break;
            }
            area += level * (s.time - from);
            from = s.time;
            level = s.survival;
        }
        Some(area + level * (horizon - from))
    }
}

impl Calculator for SurvivalSketch {
    type Record = Observation;
    type Snapshot = SurvivalSnapshot;

    fn observe(&mut self, record: &Observation) -> Result<()> {
        match *record {
            Observation::Event(v) => self.add_event(v),
            Observation::Censored(v) => self.add_censored(v),
        }
    }

    /// Merges the sketch of a disjoint set of subjects; of another accuracy it is an error
    /// and nothing changes.
    fn merge(&mut self, other: &Self) -> Result<()> {
        let mut events = self.events.clone();
        events.merge(&other.events)?;
        let mut censored = self.censored.clone();
        censored.merge(&other.censored)?;
        let merged = SurvivalSketch { events, censored };
        merged.check()?;
        *self = merged;
        Ok(())
    }

    fn snapshot(&self) -> SurvivalSnapshot {
        let [median, p90] = self.crossings();
        SurvivalSnapshot {
            events: self.events.count(),
            censored: self.censored.count(),
            median: median.estimate,
            median_low: median.low,
            median_high: median.high,
            p90: p90.estimate,
            p90_low: p90.low,
            p90_high: p90.high,
            naive_median: self.events.quantile(0.5),
        }
    }
}
