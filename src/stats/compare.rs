//! Comparisons with a verdict: is a difference between two periods, or between a group and
//! the rest, more than noise?
//!
//! Each function compares `a` with `b` (this period with the one before, a team with the
//! rest) and answers with a [`Difference`]: `a − b` in the figure's unit, its 95 %
//! interval, and a [`Change`]: **better**, **worse**, **no detectable change** (the interval
//! holds 0), or **not enough data** (a side below [`CompareOptions::min_sample`]), with the
//! sample each side would need to detect a chosen difference.
//!
//! | figure | interval for `a − b` | source |
//! |---|---|---|
//! | a share (CSAT, SLA attainment, one-touch, resolved within target) | Newcombe's hybrid score interval from the two Wilson intervals ("method 10") | Newcombe, *Statistics in Medicine* 17 (1998) 873–890 |
//! | NPS | adjusted-Wald: each side with 3 more responses, ¾ more promoters and ¾ more detractors; the variances of the two NPS added | Rocks, *The American Statistician* 70 (2016) 365–372; Lewis & Sauro, MeasuringU (2021) |
//! | NPS, plain | Wald: `(p + d − (p − d)²)/n` per side, added | — |
//! | a duration's median | the medians' difference ± z·√(SE²ₐ + SE²ᵦ), each SE Price & Bonett's distribution-free one from two order statistics around the median, read from the sketch | Price & Bonett, *J. Stat. Comput. Simul.* 72 (2002) 119–124; Bonett's `statpsych::ci.median2` |
//!
//! Why that method for medians: a sketch keeps every order statistic within α, so
//! Price & Bonett's standard error of each median ([`DurationSnapshot::p50_se`](super::DurationSnapshot::p50_se):
//! the order statistics at ranks `a` and `n + 1 − a`, `a = round(n/2 − √n)`, over twice
//! the normal quantile of their binomial coverage) is available from any sketch, merged or
//! not, without assuming a distribution; two independent medians' errors add in
//! quadrature. The sketch's α moves both order statistics by at most α, so the standard
//! error is within about α·(x₍ₙ₋ₐ₊₁₎ + x₍ₐ₎)/(2z₀) of the exact one. Checked against the
//! worked example published with Bonett's R package (`tests/compare.rs`).
//!
//! **Sample needed** ([`Difference::needed_per_side`], when
//! [`CompareOptions::detectable`] is set): responses per side for a difference of that
//! size to be detected at 95 % with 80 % power (by default),
//! `n = (z₀.₉₇₅ + z_power)² (vₐ + vᵦ) / δ²`, with `v` each side's variance per response as the
//! data estimate it.
//!
//! ```
//! use csm_metrics::compare::{self, Change, CompareOptions};
//!
//! // CSAT: 172 satisfied of 200 this month against 166 of 200 last month.
//! let d = compare::proportions((172, 200), (166, 200), &CompareOptions::default())?;
//! assert_eq!(d.change, Change::NoDetectableChange);
//! assert!(d.interval.unwrap().low < 0.0 && d.interval.unwrap().high > 0.0);
//! # Ok::<(), csm_metrics::Error>(())
//! ```

use crate::error::{Error, Result};

use super::proportion::{Interval, Z_95, normal_quantile, wilson_interval};
use super::summary::DurationSnapshot;

const WHAT: &str = "comparison";

/// Which way is good for a figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Direction {
    /// Higher is better (CSAT, NPS, attainment, one-touch).
    #[default]
    HigherIsBetter,
    /// Lower is better (response and resolution times, reopens, abandonment).
    LowerIsBetter,
}

/// A comparison's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Change {
    /// `a` is better than `b`: the whole 95 % interval of `a − b` is on the good side of 0.
    Better,
    /// `a` is worse than `b`: the whole interval is on the bad side.
    Worse,
    /// The interval holds 0: no change this data can tell from noise.
    NoDetectableChange,
    /// A side has fewer than [`CompareOptions::min_sample`] responses (or no figure).
    NotEnoughData,
}

/// How to compare.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CompareOptions {
    /// Which way is good.
    pub direction: Direction,
    /// The fewest responses (tickets, calls) a side needs for a verdict (default 30).
    pub min_sample: u64,
    /// A difference worth detecting, in the figure's unit (a share's fraction, NPS points,
    /// seconds): the comparison then says how many responses per side would detect it.
    pub detectable: Option<f64>,
    /// The power for that sample size (default 0.8).
    pub power: f64,
}

impl Default for CompareOptions {
    fn default() -> Self {
        CompareOptions {
            direction: Direction::HigherIsBetter,
            min_sample: 30,
            detectable: None,
            power: 0.8,
        }
    }
}

impl CompareOptions {
    /// The same options with lower as the good side.
    pub fn lower_is_better(mut self) -> Self {
        self.direction = Direction::LowerIsBetter;
        self
    }

    /// The same options asking for the sample that detects `difference`.
    pub fn detecting(mut self, difference: f64) -> Self {
        self.detectable = Some(difference);
        self
    }

    fn check(&self) -> Result<()> {
        if !(self.power > 0.0 && self.power < 1.0) {
            return Err(Error::config(
                WHAT,
                format!("power {} is not in (0, 1)", self.power),
            ));
        }
        match self.detectable {
            Some(d) if !(d.is_finite() && d > 0.0) => Err(Error::config(
                WHAT,
                format!("detectable difference {d} is not a positive number"),
            )),
            _ => Ok(()),
        }
    }
}

/// The answer of a comparison of `a` with `b`.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Difference {
    /// `a − b` in the figure's unit; `None` when a side has no figure.
    pub difference: Option<f64>,
    /// Its 95 % interval.
    pub interval: Option<Interval>,
    /// The verdict.
    pub change: Change,
    /// The responses behind each side, `[a, b]`.
    pub samples: [u64; 2],
    /// Responses per side that would detect [`CompareOptions::detectable`].
    pub needed_per_side: Option<u64>,
}

impl Difference {
    fn judge(
        difference: f64,
        interval: Interval,
        samples: [u64; 2],
        variances: [f64; 2],
        o: &CompareOptions,
    ) -> Self {
        let change = if samples[0] < o.min_sample.max(1) || samples[1] < o.min_sample.max(1) {
            Change::NotEnoughData
        } else if interval.low > 0.0 {
            match o.direction {
                Direction::HigherIsBetter => Change::Better,
                Direction::LowerIsBetter => Change::Worse,
            }
        } else if interval.high < 0.0 {
            match o.direction {
                Direction::HigherIsBetter => Change::Worse,
                Direction::LowerIsBetter => Change::Better,
            }
        } else {
            Change::NoDetectableChange
        };
        let needed = o.detectable.and_then(|delta| {
            let z = Z_95 + normal_quantile(o.power)?;
            let n = z * z * (variances[0] + variances[1]) / (delta * delta);
            (n.is_finite()).then(|| n.ceil().max(1.0) as u64)
        });
        Difference {
            difference: Some(difference),
            interval: Some(interval),
            change,
            samples,
            needed_per_side: needed,
        }
    }

    /// The same difference in a unit `k` times as large (a fraction as percentage points).
    pub(crate) fn scaled(mut self, k: f64) -> Self {
        self.difference = self.difference.map(|d| d * k);
        self.interval = self.interval.map(|i| Interval {
            low: i.low * k,
            high: i.high * k,
        });
        self
    }

    fn no_figure(samples: [u64; 2]) -> Self {
        Difference {
            difference: None,
            interval: None,
            change: Change::NotEnoughData,
            samples,
            needed_per_side: None,
        }
    }
}

fn check_counts(successes: u64, trials: u64) -> Result<()> {
    if successes > trials {
        return Err(Error::config(
            WHAT,
            format!("{successes} successes of {trials} trials"),
        ));
    }
    Ok(())
}

/// Compares two shares given as `(successes, trials)`: `a − b` as a fraction with
/// Newcombe's hybrid score interval (see the [module docs](self)). More successes than
/// trials, or bad options, are an error.
pub fn proportions(a: (u64, u64), b: (u64, u64), o: &CompareOptions) -> Result<Difference> {
    o.check()?;
    check_counts(a.0, a.1)?;
    check_counts(b.0, b.1)?;
    let samples = [a.1, b.1];
    let (Some(wa), Some(wb)) = (
        wilson_interval(a.0, a.1, 0.95),
        wilson_interval(b.0, b.1, 0.95),
    ) else {
        return Ok(Difference::no_figure(samples));
    };
    let (pa, pb) = (a.0 as f64 / a.1 as f64, b.0 as f64 / b.1 as f64);
    let d = pa - pb;
    let low = d - ((pa - wa.low).powi(2) + (wb.high - pb).powi(2)).sqrt();
    let high = d + ((wa.high - pa).powi(2) + (pb - wb.low).powi(2)).sqrt();
    let interval = Interval {
        low: low.max(-1.0),
        high: high.min(1.0),
    };
    Ok(Difference::judge(
        d,
        interval,
        samples,
        [pa * (1.0 - pa), pb * (1.0 - pb)],
        o,
    ))
}

/// The responses of one side of an NPS comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct NpsCounts {
    /// Scores 9-10.
    pub promoters: u64,
    /// Scores 7-8.
    pub passives: u64,
    /// Scores 0-6.
    pub detractors: u64,
}

impl NpsCounts {
    fn n(&self) -> u64 {
        self.promoters + self.passives + self.detractors
    }

    /// NPS as a share in −1..=1 and its variance per response, after adding `extra`
    /// pseudo-responses (¾ promoter, ¾ detractor, 1½ passive per 3).
    fn score(&self, extra: f64) -> Option<(f64, f64)> {
        let n = self.n() as f64 + extra;
        if n <= 0.0 {
            return None;
        }
        let p = (self.promoters as f64 + extra / 4.0) / n;
        let d = (self.detractors as f64 + extra / 4.0) / n;
        let nps = p - d;
        Some((nps, p + d - nps * nps))
    }
}

fn nps_with(a: NpsCounts, b: NpsCounts, extra: f64, o: &CompareOptions) -> Result<Difference> {
    o.check()?;
    let samples = [a.n(), b.n()];
    let (Some((sa, va)), Some((sb, vb))) = (a.score(extra), b.score(extra)) else {
        return Ok(Difference::no_figure(samples));
    };
    if a.n() == 0 || b.n() == 0 {
        return Ok(Difference::no_figure(samples));
    }
    let (na, nb) = (a.n() as f64 + extra, b.n() as f64 + extra);
    // The interval is centred on the adjusted scores' difference; the difference reported
    // is the plain one.
    let centre = (sa - sb) * 100.0;
    let se = (va / na + vb / nb).sqrt() * 100.0;
    let interval = Interval {
        low: (centre - Z_95 * se).max(-200.0),
        high: (centre + Z_95 * se).min(200.0),
    };
    let plain = |c: &NpsCounts| (c.promoters as f64 - c.detractors as f64) / c.n() as f64;
    let d = (plain(&a) - plain(&b)) * 100.0;
    // Variances per response in points².
    Ok(Difference::judge(
        d,
        interval,
        samples,
        [va * 1e4, vb * 1e4],
        o,
    ))
}

/// Compares two NPS: `a − b` in points (−200..=200) with the adjusted-Wald interval (see
/// the [module docs](self)), which is centred on the adjusted scores' difference; the
/// difference reported is the plain NPS difference. A side without responses has no
/// figure (not enough data).
pub fn nps(a: NpsCounts, b: NpsCounts, o: &CompareOptions) -> Result<Difference> {
    nps_with(a, b, 3.0, o)
}

/// Compares two NPS with the plain Wald interval (the variance of each NPS as the crate's
/// margin of error has it, added).
pub fn nps_wald(a: NpsCounts, b: NpsCounts, o: &CompareOptions) -> Result<Difference> {
    nps_with(a, b, 0.0, o)
}

/// Compares two durations' medians: `a − b` in seconds, with each median's
/// distribution-free standard error ([`DurationSnapshot::p50_se`], Price & Bonett 2002). For times,
/// lower is better: pass [`CompareOptions::lower_is_better`].
pub fn medians(
    a: &DurationSnapshot,
    b: &DurationSnapshot,
    o: &CompareOptions,
) -> Result<Difference> {
    o.check()?;
    let samples = [a.count, b.count];
    let parts = |s: &DurationSnapshot| {
        let (m, se) = (s.p50?, s.p50_se?);
        se.is_finite().then_some((m, se))
    };
    let (Some((ma, sa)), Some((mb, sb))) = (parts(a), parts(b)) else {
        return Ok(Difference::no_figure(samples));
    };
    let d = ma - mb;
    let se = (sa * sa + sb * sb).sqrt();
    let interval = Interval {
        low: d - Z_95 * se,
        high: d + Z_95 * se,
    };
    Ok(Difference::judge(
        d,
        interval,
        samples,
        [sa * sa * a.count as f64, sb * sb * b.count as f64],
        o,
    ))
}
