//! Team health ([contract](crate::contract) "Retention and team health"): agent turnover, tenure, and
//! per-agent scorecards that join an agent's ticket, survey, call and state figures into
//! one row. eNPS and engagement are survey metrics ([`EmployeeNetPromoterScore`],
//! [`Engagement`](crate::Engagement)).
//!
//! - **Turnover** over `[from, to)` = agents who left in the period / mean headcount, the
//!   mean taken over time (each agent counts for the share of the period they were
//!   employed), so hires and leavers mid-period weigh what they were present.
//! - **Tenure** at an instant: the duration summary of the employed agents' time since hire.
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use csm_metrics::metrics::team::{Employment, Roster};
//! use csm_metrics::{AgentId, TeamId};
//!
//! let day = |m, d| Utc.with_ymd_and_hms(2025, m, d, 0, 0, 0).unwrap();
//! let mut roster = Roster::default();
//! for (agent, hired, left) in [
//!     (1, day(1, 1), None),
//!     (2, day(1, 1), Some(day(7, 1))), // leaves halfway through the year
//!     (3, day(1, 1), None),
//!     (4, day(7, 1), None),            // replaces agent 2
//! ] {
//!     roster.observe(&Employment { agent: AgentId(agent), team: Some(TeamId(1)), hired, left })?;
//! }
//! let h1 = roster.turnover(day(1, 1), day(12, 31) + chrono::TimeDelta::days(1));
//! // Headcount 3 all year long; one leaver: turnover 1/3.
//! assert_eq!(h1.left, 1);
//! assert!((h1.mean_headcount.unwrap() - 3.0).abs() < 0.01);
//! # Ok::<(), csm_metrics::Error>(())
//! ```
//!
//! [`EmployeeNetPromoterScore`]: crate::EmployeeNetPromoterScore

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::calculator::Calculator;
use crate::error::{Error, RecordRef, Result, Rule};
use crate::metrics::agents::AgentStatesSnapshot;
use crate::metrics::calls::CallSnapshot;
use crate::metrics::surveys::CsatSnapshot;
use crate::metrics::tickets::LifecycleSnapshot;
use crate::model::{AgentId, TeamId};
use crate::stats::{DurationSnapshot, DurationSummary, SummaryConfig};

/// One agent's employment: hired, and left if they did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Employment {
    /// The agent.
    pub agent: AgentId,
    /// Their team.
    pub team: Option<TeamId>,
    /// When they were hired.
    pub hired: DateTime<Utc>,
    /// When they left, if they did.
    pub left: Option<DateTime<Utc>>,
}

/// The agents' employments. See the [module docs](self).
#[derive(Debug, Clone, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Roster {
    employments: Vec<Employment>,
}

/// Turnover over a period, overall or for a team.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Turnover {
    /// Employed at the period's start.
    pub at_start: u64,
    /// Employed just before the period's end.
    pub at_end: u64,
    /// Hired in the period.
    pub hired: u64,
    /// Left in the period.
    pub left: u64,
    /// Headcount averaged over the period's time.
    pub mean_headcount: Option<f64>,
    /// left / mean headcount.
    pub turnover: Option<f64>,
}

impl Roster {
    /// Observes an employment (an agent may have several, one after the other). An
    /// employment that ends before it starts, or overlaps another of the same agent, is an
    /// error.
    pub fn observe(&mut self, e: &Employment) -> Result<()> {
        let e = *e;
        let record = RecordRef::AgentState(e.agent, e.hired);
        if e.left.is_some_and(|l| l < e.hired) {
            return Err(Error::InvalidRecord {
                record,
                rule: Rule::EndsBeforeItStarts,
            });
        }
        let end = |x: &Employment| x.left.unwrap_or(DateTime::<Utc>::MAX_UTC);
        if self
            .employments
            .iter()
            .any(|x| x.agent == e.agent && x.hired < end(&e) && e.hired < end(x))
        {
            return Err(Error::InvalidRecord {
                record,
                rule: Rule::OverlapsEarlier,
            });
        }
        // Kept in order, so that rosters holding the same employments are equal however
        // they were filled or merged.
        let key = |x: &Employment| (x.agent, x.hired);
        let at = self.employments.partition_point(|x| key(x) < key(&e));
        self.employments.insert(at, e);
        Ok(())
    }

    /// Merges another roster (of other agents or later employments).
    pub fn merge(&mut self, other: &Self) -> Result<()> {
        let mut m = self.clone();
        for e in &other.employments {
            m.observe(e)?;
        }
        *self = m;
        Ok(())
    }

    fn turnover_of<'a>(
        employments: impl Iterator<Item = &'a Employment>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Turnover {
        let (a, b) = (from.timestamp(), to.timestamp());
        let (mut at_start, mut at_end, mut hired, mut left) = (0, 0, 0, 0);
        let mut present: i128 = 0;
        for e in employments {
            let (h, l) = (
                e.hired.timestamp(),
                e.left.map_or(i64::MAX, |l| l.timestamp()),
            );
            at_start += u64::from(h <= a && a < l);
            at_end += u64::from(h < b && b <= l);
            hired += u64::from(a <= h && h < b);
            left += u64::from(a <= l && l < b);
            let (s, t) = (h.max(a), l.min(b));
            if s < t {
                present += i128::from(t - s);
            }
        }
        let mean = (b > a).then(|| present as f64 / (b - a) as f64);
        Turnover {
            at_start,
            at_end,
            hired,
            left,
            mean_headcount: mean,
            turnover: mean.filter(|m| *m > 0.0).map(|m| left as f64 / m),
        }
    }

    /// Turnover over `[from, to)`, every agent.
    pub fn turnover(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Turnover {
        Self::turnover_of(self.employments.iter(), from, to)
    }

    /// Turnover over `[from, to)` per team (an employment counts in its own team).
    pub fn turnover_by_team(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> BTreeMap<Option<TeamId>, Turnover> {
        let mut teams: Vec<Option<TeamId>> = self.employments.iter().map(|e| e.team).collect();
        teams.sort_unstable();
        teams.dedup();
        teams
            .into_iter()
            .map(|t| {
                let mine = self.employments.iter().filter(move |e| e.team == t);
                (t, Self::turnover_of(mine, from, to))
            })
            .collect()
    }

    /// The tenure of the agents employed at `at` (since their hire), with buckets of
    /// 90 days, 1, 2 and 5 years.
    pub fn tenure_at(&self, at: DateTime<Utc>) -> DurationSnapshot {
        const DAY: u64 = 86_400;
        let config = SummaryConfig {
            bucket_edges: vec![90 * DAY, 365 * DAY, 730 * DAY, 1_826 * DAY],
            ..SummaryConfig::default()
        };
        // Cannot fail: the configuration is valid and whole seconds fit the summary.
        let Ok(mut summary) = DurationSummary::with_config(&config) else {
            return DurationSummary::default().snapshot();
        };
        for e in &self.employments {
            if e.hired <= at && e.left.is_none_or(|l| at < l) {
                let _ = summary.add((at - e.hired).num_seconds().unsigned_abs());
            }
        }
        summary.snapshot()
    }
}

/// What a [`Roster`] reports over the span it has seen.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RosterSnapshot {
    /// The first hire.
    pub from: DateTime<Utc>,
    /// The latest instant seen (a hire or a departure).
    pub to: DateTime<Utc>,
    /// Turnover over `[from, to)`.
    pub turnover: Turnover,
    /// The tenure of the agents employed at `to`.
    pub tenure: DurationSnapshot,
}

impl Calculator for Roster {
    type Record = Employment;
    type Snapshot = RosterSnapshot;

    fn observe(&mut self, e: &Employment) -> Result<()> {
        Roster::observe(self, e)
    }

    fn merge(&mut self, other: &Self) -> Result<()> {
        Roster::merge(self, other)
    }

    /// Turnover from the first hire to the latest instant seen, and the tenure then (use
    /// [`turnover`](Roster::turnover) and [`tenure_at`](Roster::tenure_at) for any other
    /// period).
    fn snapshot(&self) -> RosterSnapshot {
        let from = self
            .employments
            .iter()
            .map(|e| e.hired)
            .min()
            .unwrap_or_default();
        let to = self
            .employments
            .iter()
            .flat_map(|e| [Some(e.hired), e.left])
            .flatten()
            .max()
            .unwrap_or_default();
        RosterSnapshot {
            from,
            to,
            turnover: self.turnover(from, to),
            tenure: self.tenure_at(to),
        }
    }
}

/// One agent's figures side by side: tickets, satisfaction, calls and states.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct AgentScorecard {
    /// Tickets solved while assigned to the agent.
    pub solved: Option<u64>,
    /// Median first response time, seconds.
    pub first_response_p50: Option<f64>,
    /// Median full resolution time, seconds.
    pub full_resolution_p50: Option<f64>,
    /// One-touch resolution rate.
    pub one_touch_rate: Option<f64>,
    /// Reopen rate.
    pub reopen_rate: Option<f64>,
    /// CSAT, percent, and its responses.
    pub csat: Option<f64>,
    /// CSAT responses.
    pub csat_responses: Option<u64>,
    /// Calls answered.
    pub calls_answered: Option<u64>,
    /// Mean handle time, seconds.
    pub aht: Option<f64>,
    /// Occupancy.
    pub occupancy: Option<f64>,
}

/// Joins per-agent snapshots (as grouped calculators give them, keyed by `Option<AgentId>`
/// or `AgentId`) into one scorecard per agent; an agent missing from a source has `None`
/// in its columns. Unassigned groups (`None` keys) are left out.
pub fn scorecards(
    tickets: &BTreeMap<Option<AgentId>, LifecycleSnapshot>,
    csat: &BTreeMap<Option<AgentId>, CsatSnapshot>,
    calls: &BTreeMap<Option<AgentId>, CallSnapshot>,
    states: &BTreeMap<AgentId, AgentStatesSnapshot>,
) -> BTreeMap<AgentId, AgentScorecard> {
    let mut rows: BTreeMap<AgentId, AgentScorecard> = BTreeMap::new();
    for (agent, t) in tickets.iter().filter_map(|(k, v)| Some(((*k)?, v))) {
        let r = rows.entry(agent).or_default();
        r.solved = Some(t.solved);
        r.first_response_p50 = t.first_response.p50;
        r.full_resolution_p50 = t.full_resolution.p50;
        r.one_touch_rate = t.one_touch_rate;
        r.reopen_rate = t.reopen_rate;
    }
    for (agent, c) in csat.iter().filter_map(|(k, v)| Some(((*k)?, v))) {
        let r = rows.entry(agent).or_default();
        r.csat = c.score;
        r.csat_responses = Some(c.responses);
    }
    for (agent, c) in calls.iter().filter_map(|(k, v)| Some(((*k)?, v))) {
        let r = rows.entry(agent).or_default();
        r.calls_answered = Some(c.answered);
        r.aht = c.aht.mean;
    }
    for (agent, s) in states {
        rows.entry(*agent).or_default().occupancy = s.occupancy;
    }
    rows
}
