//! Goals: a scorecard of targets on snapshot figures, evaluated per group ([contract](crate::contract)
//! "Goals").
//!
//! A [`Scorecard`] holds a team's targets ("CSAT ≥ 85 %", "FRT p90 ≤ 4 h", "service level ≥
//! 80 %") and evaluates the figures of a group (an agent, a team, the whole desk) against
//! them: each goal is **met**, **missed**, or **not enough data** — when the group has
//! fewer responses, tickets or calls than the goal's minimum sample, or when the figure's
//! 95 % interval straddles the target, so that the sample cannot tell which side the true
//! value lies on. The margin (how far the figure is on the good side of the target,
//! negative when on the bad side) is reported in every case where there is a figure.
//!
//! Figures with an interval: NPS (Wald), CSAT (Wilson), CES mean (normal), and every rate
//! of the ticket and call snapshots (Wilson, from its counts), and duration medians (the
//! distribution-free interval of [`DurationSnapshot::p50_interval`]: "FRT median ≤ 1 h"
//! is met only when the whole interval is). Other duration statistics (means, p90…)
//! carry none: only the minimum sample applies to them.
//!
//! A scorecard is data (serde with the feature `serde`), so a service can store its
//! targets.
//!
//! ```
//! use csm_metrics::goals::{Comparison, Figures, Goal, Metric, Scorecard, Stat, Verdict};
//! use csm_metrics::{Calculator, CustomerSatisfaction, SurveyId, SurveyResponse, SurveyScore};
//!
//! let card = Scorecard::new(vec![
//!     Goal::new("CSAT at least 80 %", Metric::Csat, Comparison::AtLeast, 80.0),
//!     Goal::new("FRT p90 within 4 h", Metric::FirstResponse(Stat::P90), Comparison::AtMost, 14_400.0),
//! ])?;
//!
//! let at = chrono::DateTime::from_timestamp(1_740_000_000, 0).unwrap();
//! let mut csat = CustomerSatisfaction::default();
//! for (id, score) in (0..400).map(|i| (i, if i % 10 < 9 { 5 } else { 2 })) {
//!     csat.observe(&SurveyResponse::new(SurveyId(id), at, SurveyScore::Csat(score)))?;
//! }
//! let csat = csat.snapshot();
//! let results = card.evaluate(&Figures { csat: Some(&csat), ..Figures::default() });
//! assert_eq!(results[0].verdict, Verdict::Met); // 90 % [86.7, 92.5], all above 80
//! assert!((results[0].margin.unwrap() - 10.0).abs() < 1e-9);
//! assert_eq!(results[1].verdict, Verdict::NotEnoughData); // no ticket figures given
//! # Ok::<(), csm_metrics::Error>(())
//! ```

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::metrics::calls::CallSnapshot;
use crate::metrics::surveys::{CesSnapshot, CsatSnapshot, NpsSnapshot};
use crate::metrics::tickets::LifecycleSnapshot;
use crate::stats::{DurationSnapshot, Interval, wilson_interval};

const WHAT: &str = "scorecard";

/// Which statistic of a duration summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Stat {
    /// The exact mean.
    Mean,
    /// The median (within the sketch's α).
    P50,
    /// The 90th percentile.
    P90,
    /// The 95th percentile.
    P95,
    /// The 99th percentile.
    P99,
    /// The maximum.
    Max,
}

/// A figure a goal can be set on. Rates are fractions 0..=1, as the snapshots give them;
/// NPS is in points, CSAT in percent, durations in seconds (business seconds for the
/// business variants).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Metric {
    /// NPS, points.
    Nps,
    /// CSAT, percent.
    Csat,
    /// The mean CES score.
    CesMean,
    /// First response time.
    FirstResponse(Stat),
    /// Next reply time.
    NextReply(Stat),
    /// First resolution time.
    FirstResolution(Stat),
    /// Full resolution time.
    FullResolution(Stat),
    /// Requester wait time.
    RequesterWait(Stat),
    /// First response time in business seconds.
    FirstResponseBusiness(Stat),
    /// Full resolution time in business seconds.
    FullResolutionBusiness(Stat),
    /// Solved tickets resolved within the tracker's target.
    ResolvedWithinTarget,
    /// Answered tickets answered within the business response target.
    RespondedWithinBusinessTarget,
    /// Solved tickets solved with one public reply.
    OneTouchRate,
    /// Solved tickets reopened at least once.
    ReopenRate,
    /// Calls answered within the answer target, over the service level's base.
    ServiceLevel,
    /// Abandoned calls over offered calls (short abandons left out).
    AbandonmentRate,
    /// Speed of answer, seconds.
    Asa(Stat),
    /// Handle time, seconds.
    Aht(Stat),
}

/// Which side of the target is good.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Comparison {
    /// The figure must be at least the target (CSAT, service level).
    AtLeast,
    /// The figure must be at most the target (response times, abandonment).
    AtMost,
}

/// One goal: a figure, a side and a target, and the smallest sample that can judge it.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Goal {
    /// Its name, as reports show it.
    pub name: String,
    /// The figure.
    pub metric: Metric,
    /// Which side is good.
    pub comparison: Comparison,
    /// The target, in the figure's unit.
    pub target: f64,
    /// The fewest responses, tickets or calls behind the figure for a verdict (default 1).
    #[cfg_attr(feature = "serde", serde(default = "one"))]
    pub min_sample: u64,
}

#[cfg(feature = "serde")]
fn one() -> u64 {
    1
}

impl Goal {
    /// A goal with a minimum sample of 1.
    pub fn new(name: &str, metric: Metric, comparison: Comparison, target: f64) -> Self {
        Goal {
            name: name.to_string(),
            metric,
            comparison,
            target,
            min_sample: 1,
        }
    }

    /// The same goal with a minimum sample.
    pub fn with_min_sample(mut self, n: u64) -> Self {
        self.min_sample = n;
        self
    }
}

/// The snapshots of one group that goals are read from; leave out what the group has not.
#[derive(Debug, Clone, Copy, Default)]
pub struct Figures<'a> {
    /// Ticket figures.
    pub tickets: Option<&'a LifecycleSnapshot>,
    /// NPS figures.
    pub nps: Option<&'a NpsSnapshot>,
    /// CSAT figures.
    pub csat: Option<&'a CsatSnapshot>,
    /// CES figures.
    pub ces: Option<&'a CesSnapshot>,
    /// Call figures.
    pub calls: Option<&'a CallSnapshot>,
}

/// A figure as read for a goal: its value, its 95 % interval if it has one, and the size of
/// the sample behind it.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Reading {
    /// The value.
    pub value: f64,
    /// The 95 % interval.
    pub interval: Option<Interval>,
    /// Responses, tickets or calls behind it.
    pub sample: u64,
}

/// A goal's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Verdict {
    /// On the good side of the target (the whole interval, where there is one).
    Met,
    /// On the bad side (the whole interval, where there is one).
    Missed,
    /// No figure, a sample below the goal's minimum, or an interval across the target.
    NotEnoughData,
}

/// A goal evaluated on a group's figures.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct GoalResult {
    /// The goal's name.
    pub goal: String,
    /// The figure read, if the group has it.
    pub reading: Option<Reading>,
    /// How far the figure is on the good side of the target (negative: the bad side), in
    /// the figure's unit.
    pub margin: Option<f64>,
    /// Met, missed or not enough data.
    pub verdict: Verdict,
}

fn duration(d: &DurationSnapshot, stat: Stat) -> Option<Reading> {
    let value = match stat {
        Stat::Mean => d.mean,
        Stat::P50 => d.p50,
        Stat::P90 => d.p90,
        Stat::P95 => d.p95,
        Stat::P99 => d.p99,
        Stat::Max => d.max,
    }?;
    // A median has a distribution-free interval (the order statistics around it): a
    // median goal is met only with confidence. Other statistics are read as they stand.
    let interval = match stat {
        Stat::P50 => d.p50_interval,
        _ => None,
    };
    Some(Reading {
        value,
        interval,
        sample: d.count,
    })
}

/// A rate of `n` trials with its Wilson interval (`rate` = successes / n).
fn rate(rate: Option<f64>, n: u64) -> Option<Reading> {
    let value = rate?;
    let successes = (value * n as f64).round() as u64;
    Some(Reading {
        value,
        interval: wilson_interval(successes, n, 0.95),
        sample: n,
    })
}

impl Metric {
    /// The figure in a group's snapshots, if they hold it.
    pub fn read(&self, f: &Figures<'_>) -> Option<Reading> {
        let t = f.tickets;
        let business = t.and_then(|t| t.business.as_ref());
        match *self {
            Metric::Nps => f.nps.and_then(|n| {
                Some(Reading {
                    value: n.score?,
                    interval: n.interval,
                    sample: n.responses,
                })
            }),
            Metric::Csat => f.csat.and_then(|c| {
                Some(Reading {
                    value: c.score?,
                    interval: c.interval,
                    sample: c.responses,
                })
            }),
            Metric::CesMean => f.ces.and_then(|c| {
                let m = c.mean.as_ref()?;
                Some(Reading {
                    value: m.mean,
                    interval: m.interval,
                    sample: c.responses,
                })
            }),
            Metric::FirstResponse(s) => duration(&t?.first_response, s),
            Metric::NextReply(s) => duration(&t?.next_reply, s),
            Metric::FirstResolution(s) => duration(&t?.first_resolution, s),
            Metric::FullResolution(s) => duration(&t?.full_resolution, s),
            Metric::RequesterWait(s) => duration(&t?.requester_wait, s),
            Metric::FirstResponseBusiness(s) => duration(&business?.first_response, s),
            Metric::FullResolutionBusiness(s) => duration(&business?.full_resolution, s),
            Metric::ResolvedWithinTarget => rate(t?.resolved_within_target, t?.solved),
            Metric::RespondedWithinBusinessTarget => {
                let b = business?;
                rate(b.responded_within_target, b.first_response.count)
            }
            Metric::OneTouchRate => rate(t?.one_touch_rate, t?.solved),
            Metric::ReopenRate => rate(t?.reopen_rate, t?.solved),
            Metric::ServiceLevel => {
                let c = f.calls?;
                let sl = c.service_level?;
                // The base: the calls the level is a share of.
                let base = if sl > 0.0 {
                    (c.answered_within_target as f64 / sl).round() as u64
                } else {
                    c.offered - c.short_abandons
                };
                rate(Some(sl), base)
            }
            Metric::AbandonmentRate => {
                let c = f.calls?;
                rate(c.abandonment_rate, c.offered - c.short_abandons)
            }
            Metric::Asa(s) => duration(&f.calls?.asa, s),
            Metric::Aht(s) => duration(&f.calls?.aht, s),
        }
    }
}

/// A set of goals: see the [module docs](self).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "Vec<Goal>", into = "Vec<Goal>"))]
pub struct Scorecard {
    goals: Vec<Goal>,
}

impl TryFrom<Vec<Goal>> for Scorecard {
    type Error = Error;
    fn try_from(goals: Vec<Goal>) -> Result<Self> {
        Scorecard::new(goals)
    }
}

impl From<Scorecard> for Vec<Goal> {
    fn from(s: Scorecard) -> Self {
        s.goals
    }
}

impl Scorecard {
    /// A scorecard; an error for a target that is not a finite number or two goals with
    /// the same name.
    pub fn new(goals: Vec<Goal>) -> Result<Self> {
        for (i, g) in goals.iter().enumerate() {
            if !g.target.is_finite() {
                return Err(Error::config(
                    WHAT,
                    format!("{}: target {}", g.name, g.target),
                ));
            }
            if goals[..i].iter().any(|h| h.name == g.name) {
                return Err(Error::config(WHAT, format!("two goals named {:?}", g.name)));
            }
        }
        Ok(Scorecard { goals })
    }

    /// The goals.
    pub fn goals(&self) -> &[Goal] {
        &self.goals
    }

    /// Every goal evaluated on one group's figures, in the scorecard's order.
    pub fn evaluate(&self, figures: &Figures<'_>) -> Vec<GoalResult> {
        self.goals
            .iter()
            .map(|g| {
                let reading = g.metric.read(figures);
                let margin = reading.map(|r| match g.comparison {
                    Comparison::AtLeast => r.value - g.target,
                    Comparison::AtMost => g.target - r.value,
                });
                let verdict = match reading {
                    None => Verdict::NotEnoughData,
                    Some(r) if r.sample < g.min_sample.max(1) => Verdict::NotEnoughData,
                    Some(Reading {
                        interval: Some(i), ..
                    }) if i.low < g.target && g.target < i.high => Verdict::NotEnoughData,
                    Some(_) if margin.is_some_and(|m| m >= 0.0) => Verdict::Met,
                    Some(_) => Verdict::Missed,
                };
                GoalResult {
                    goal: g.name.clone(),
                    reading,
                    margin,
                    verdict,
                }
            })
            .collect()
    }

    /// Every goal evaluated on each group's figures.
    pub fn evaluate_groups<'a, K: Ord>(
        &self,
        groups: impl IntoIterator<Item = (K, Figures<'a>)>,
    ) -> BTreeMap<K, Vec<GoalResult>> {
        groups
            .into_iter()
            .map(|(k, f)| (k, self.evaluate(&f)))
            .collect()
    }
}
