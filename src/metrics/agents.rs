//! Agent states: occupancy, and schedule adherence and conformance ([contract](crate::contract) "Contact
//! center").
//!
//! - [`AgentStates`] sums the seconds agents spend in each [`AgentState`]; **occupancy** =
//!   (on contact + after-call work) / (on contact + after-call work + available). Group it by
//!   agent with [`Grouped`](crate::Grouped) and [`ByAgent`], by interval or day
//!   with [`Windowed`](crate::Windowed) (an interval counts in the window of its start: split
//!   intervals at window boundaries for exact per-window figures).
//! - [`Adherence`] compares agents' state intervals with their schedule: **adherence** =
//!   seconds in a state the scheduled activity admits / scheduled seconds; **conformance** =
//!   seconds worked (available, on a contact, after-call work) / seconds scheduled to work;
//!   per agent and day (in a time zone), per team, overall. A tolerance forgives early and
//!   late state changes: within `tolerance` seconds after a scheduled change the previous
//!   activity still adheres, and within `tolerance` seconds before one the next activity
//!   already does.
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use csm_metrics::metrics::agents::Adherence;
//! use csm_metrics::{Activity, AgentId, AgentState, ScheduledActivity, StateInterval};
//!
//! let t = |h, m| Utc.with_ymd_and_hms(2025, 3, 3, h, m, 0).unwrap();
//! let plan = |activity, a, b| ScheduledActivity { agent: AgentId(1), activity, start: a, end: b };
//! let was = |state, a, b| StateInterval { agent: AgentId(1), state, start: a, end: b };
//! // Planned: work 9:00-12:00, break 12:00-12:30, work 12:30-14:00.
//! let schedule = vec![
//!     plan(Activity::Work, t(9, 0), t(12, 0)),
//!     plan(Activity::Break, t(12, 0), t(12, 30)),
//!     plan(Activity::Work, t(12, 30), t(14, 0)),
//! ];
//! let mut adherence = Adherence::new(schedule, 0, Utc)?;
//! // Logged in at 9:05, broke at 12:10 for 30 minutes, worked until 14:00.
//! adherence.observe(&was(AgentState::Available, t(9, 5), t(12, 10)))?;
//! adherence.observe(&was(AgentState::Break, t(12, 10), t(12, 40)))?;
//! adherence.observe(&was(AgentState::OnContact, t(12, 40), t(14, 0)))?;
//! let day = adherence.snapshot().overall;
//! // Scheduled 300 min; out of adherence 9:00-9:05, 12:00-12:10, 12:30-12:40: 275 min in.
//! assert_eq!((day.scheduled, day.in_adherence), (300 * 60, 275 * 60));
//! // Scheduled to work 270 min; worked 185 + 80 = 265 min.
//! assert_eq!((day.scheduled_work, day.worked), (270 * 60, 265 * 60));
//! # Ok::<(), csm_metrics::Error>(())
//! ```

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};

use crate::aggregate::{ByAgent, FastHash, Granularity, GroupBy, PerGroup, window_bounds};
use crate::calculator::Calculator;
use crate::error::{Error, RecordRef, Result, Rule};
use crate::model::{Activity, AgentId, AgentState, ScheduledActivity, StateInterval, TeamId};
use crate::zone::Zone;

const STATES: &str = "agent states";
const ADHERENCE: &str = "schedule adherence";

/// Seconds in each agent state, and occupancy. See the [module docs](self).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct AgentStates {
    /// Seconds per state, in [`AgentState::ALL`] order.
    seconds: [u64; 6],
}

/// What [`AgentStates`] reports.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct AgentStatesSnapshot {
    /// Seconds per state.
    pub seconds: BTreeMap<AgentState, u64>,
    /// (on contact + after-call work) / (that + available); `None` with none of them.
    pub occupancy: Option<f64>,
    /// Seconds logged in (every state but offline).
    pub logged_in: u64,
}

impl AgentStates {
    /// Seconds in `state`.
    pub fn seconds(&self, state: AgentState) -> u64 {
        self.seconds[state as usize]
    }
}

impl Calculator for AgentStates {
    type Record = StateInterval;
    type Snapshot = AgentStatesSnapshot;

    fn observe(&mut self, r: &StateInterval) -> Result<()> {
        r.validate()?;
        let slot = &mut self.seconds[r.state as usize];
        *slot = slot
            .checked_add(r.seconds())
            .ok_or(Error::Overflow { what: STATES })?;
        Ok(())
    }

    fn merge(&mut self, other: &Self) -> Result<()> {
        let mut m = self.seconds;
        for (a, b) in m.iter_mut().zip(other.seconds) {
            *a = a.checked_add(b).ok_or(Error::Overflow { what: STATES })?;
        }
        self.seconds = m;
        Ok(())
    }

    fn snapshot(&self) -> AgentStatesSnapshot {
        let s = |st: AgentState| u128::from(self.seconds(st));
        let handle = s(AgentState::OnContact) + s(AgentState::AfterCallWork);
        let base = handle + s(AgentState::Available);
        AgentStatesSnapshot {
            seconds: AgentState::ALL
                .iter()
                .map(|st| (*st, self.seconds(*st)))
                .collect(),
            occupancy: (base > 0).then(|| handle as f64 / base as f64),
            logged_in: AgentState::ALL
                .iter()
                .filter(|st| **st != AgentState::Offline)
                .map(|st| self.seconds(*st))
                .sum(),
        }
    }
}

impl GroupBy<StateInterval> for ByAgent {
    type Key = AgentId;
    #[inline]
    fn key(&self, r: &StateInterval) -> AgentId {
        r.agent
    }
}

/// Adherence and conformance seconds of one agent-day, agent, team or the whole floor.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct AdherenceRow {
    /// Seconds scheduled (every activity).
    pub scheduled: u64,
    /// Scheduled seconds spent in a state the activity admits.
    pub in_adherence: u64,
    /// in_adherence / scheduled.
    pub adherence: Option<f64>,
    /// Seconds scheduled to work.
    pub scheduled_work: u64,
    /// Seconds worked (available, on a contact, after-call work), scheduled or not.
    pub worked: u64,
    /// worked / scheduled_work.
    pub conformance: Option<f64>,
}

impl AdherenceRow {
    fn add(&mut self, o: &Counts) {
        self.scheduled += o.scheduled;
        self.in_adherence += o.in_adherence;
        self.scheduled_work += o.scheduled_work;
        self.worked += o.worked;
        self.adherence = ratio(self.in_adherence, self.scheduled);
        self.conformance = ratio(self.worked, self.scheduled_work);
    }
}

fn ratio(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
struct Counts {
    scheduled: u64,
    in_adherence: u64,
    scheduled_work: u64,
    worked: u64,
}

/// What [`Adherence`] reports.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct AdherenceSnapshot {
    /// Per agent and day (the day's first instant in the tracker's zone).
    pub by_agent_day: PerGroup<(AgentId, DateTime<Utc>), AdherenceRow>,
    /// Per agent.
    pub by_agent: PerGroup<AgentId, AdherenceRow>,
    /// Every agent.
    pub overall: AdherenceRow,
    /// Intervals refused (overlapping an agent's earlier interval, ending before starting).
    pub rejected: u64,
}

impl AdherenceSnapshot {
    /// The rows summed per team (`team_of` maps an agent to its team).
    pub fn by_team(
        &self,
        team_of: impl Fn(AgentId) -> Option<TeamId>,
    ) -> BTreeMap<Option<TeamId>, AdherenceRow> {
        let mut out: BTreeMap<Option<TeamId>, AdherenceRow> = BTreeMap::new();
        for (agent, row) in &self.by_agent {
            out.entry(team_of(*agent)).or_default().add(&Counts {
                scheduled: row.scheduled,
                in_adherence: row.in_adherence,
                scheduled_work: row.scheduled_work,
                worked: row.worked,
            });
        }
        out
    }
}

/// Schedule adherence and conformance: see the [module docs](self).
///
/// Each agent's intervals must come in time order and must not overlap (an interval that
/// overlaps or precedes one already seen for the agent is refused with
/// [`Rule::OverlapsEarlier`] and counted). Trackers over disjoint sets of agents, on the
/// same schedule, merge into the result of one pass.
#[derive(Debug, Clone, PartialEq)]
pub struct Adherence<Z: Zone = Utc> {
    zone: Z,
    tolerance: i64,
    /// Each agent's schedule, sorted by start, without overlaps.
    schedule: HashMap<AgentId, Vec<ScheduledActivity>, FastHash>,
    /// Per agent and day.
    counts: BTreeMap<(AgentId, i64), Counts>,
    /// Each agent's latest interval end.
    last_end: HashMap<AgentId, i64, FastHash>,
    rejected: u64,
}

impl<Z: Zone> Default for Adherence<Z> {
    /// No schedule (every interval counts as worked only), no tolerance, days in UTC.
    fn default() -> Self {
        Adherence {
            zone: Z::utc(),
            tolerance: 0,
            schedule: HashMap::default(),
            counts: BTreeMap::new(),
            last_end: HashMap::default(),
            rejected: 0,
        }
    }
}

impl<Z: Zone> Calculator for Adherence<Z> {
    type Record = StateInterval;
    type Snapshot = AdherenceSnapshot;

    fn observe(&mut self, r: &StateInterval) -> Result<()> {
        Adherence::observe(self, r)
    }

    fn merge(&mut self, other: &Self) -> Result<()> {
        Adherence::merge(self, other)
    }

    fn snapshot(&self) -> AdherenceSnapshot {
        Adherence::snapshot(self)
    }
}

impl<Z: Zone> Adherence<Z> {
    /// A tracker of `schedule` (any order), forgiving state changes up to `tolerance`
    /// seconds early or late, with days in `zone`. An error for an activity that ends
    /// before it starts or overlaps another of the same agent.
    pub fn new(schedule: Vec<ScheduledActivity>, tolerance: u64, zone: Z) -> Result<Self> {
        let mut by_agent: HashMap<AgentId, Vec<ScheduledActivity>, FastHash> = HashMap::default();
        for a in schedule {
            if a.end < a.start {
                return Err(Error::InvalidRecord {
                    record: RecordRef::AgentState(a.agent, a.start),
                    rule: Rule::EndsBeforeItStarts,
                });
            }
            by_agent.entry(a.agent).or_default().push(a);
        }
        let mut counts: BTreeMap<(AgentId, i64), Counts> = BTreeMap::new();
        for list in by_agent.values_mut() {
            list.sort_by_key(|a| (a.start, a.end));
            if let Some(w) = list.windows(2).find(|w| w[1].start < w[0].end) {
                return Err(Error::InvalidRecord {
                    record: RecordRef::AgentState(w[1].agent, w[1].start),
                    rule: Rule::OverlapsEarlier,
                });
            }
        }
        let tolerance = i64::try_from(tolerance).unwrap_or(i64::MAX);
        let mut me = Adherence {
            zone,
            tolerance,
            schedule: HashMap::default(),
            counts: BTreeMap::new(),
            last_end: HashMap::default(),
            rejected: 0,
        };
        // Scheduled seconds per agent-day come from the schedule itself.
        for (agent, list) in &by_agent {
            for a in list {
                me.by_day(a.start.timestamp(), a.end.timestamp(), |day, secs| {
                    let c = counts.entry((*agent, day)).or_default();
                    c.scheduled += secs;
                    if a.activity == Activity::Work {
                        c.scheduled_work += secs;
                    }
                });
            }
        }
        me.schedule = by_agent;
        me.counts = counts;
        Ok(me)
    }

    /// Calls `f(day start, seconds)` for each day piece of `[a, b)`.
    fn by_day(&self, mut a: i64, b: i64, mut f: impl FnMut(i64, u64)) {
        while a < b {
            let Some(at) = DateTime::from_timestamp(a, 0) else {
                return;
            };
            let (start, end) = window_bounds(Granularity::Day, &self.zone, at);
            let piece_end = end.min(b).max(a + 1);
            f(start, (piece_end - a) as u64);
            a = piece_end;
        }
    }

    /// Observes one state interval of an agent.
    pub fn observe(&mut self, r: &StateInterval) -> Result<()> {
        if let Err(e) = r.validate() {
            self.rejected += 1;
            return Err(e);
        }
        let (a, b) = (r.start.timestamp(), r.end.timestamp());
        if self.last_end.get(&r.agent).is_some_and(|last| a < *last) {
            self.rejected += 1;
            return Err(Error::InvalidRecord {
                record: RecordRef::AgentState(r.agent, r.start),
                rule: Rule::OverlapsEarlier,
            });
        }
        self.last_end.insert(r.agent, b);
        let mut pieces: Vec<(i64, i64, bool)> = Vec::new();
        if r.state.is_work() {
            pieces.push((a, b, false));
        }
        if let Some(list) = self.schedule.get(&r.agent) {
            let first = list.partition_point(|s| s.end.timestamp() <= a);
            for (k, s) in list.iter().enumerate().skip(first) {
                let (s0, s1) = (s.start.timestamp(), s.end.timestamp());
                if s0 >= b {
                    break;
                }
                // Head, middle and tail of the scheduled activity, each with the activities
                // that adhere there (the neighbours only when they touch it).
                let prev = k
                    .checked_sub(1)
                    .map(|j| list[j])
                    .filter(|p| p.end == s.start)
                    .map(|p| p.activity);
                let next = list
                    .get(k + 1)
                    .filter(|n| n.start == s.end)
                    .map(|n| n.activity);
                let half = (s1 - s0) / 2;
                let tol = self.tolerance.min(half);
                let parts = [
                    (s0, s0 + tol, prev),
                    (s0 + tol, s1 - tol, None),
                    (s1 - tol, s1, next),
                ];
                for (p0, p1, other) in parts {
                    let (lo, hi) = (p0.max(a), p1.min(b));
                    if lo < hi
                        && (s.activity.admits(r.state) || other.is_some_and(|o| o.admits(r.state)))
                    {
                        pieces.push((lo, hi, true));
                    }
                }
            }
        }
        for (lo, hi, adherent) in pieces {
            let mut add = Vec::new();
            self.by_day(lo, hi, |day, secs| add.push((day, secs)));
            for (day, secs) in add {
                let c = self.counts.entry((r.agent, day)).or_default();
                if adherent {
                    c.in_adherence += secs;
                } else {
                    c.worked += secs;
                }
            }
        }
        Ok(())
    }

    /// Never observed an interval nor given a schedule (the [`Default`] state).
    fn is_pristine(&self) -> bool {
        self.schedule.is_empty()
            && self.counts.is_empty()
            && self.last_end.is_empty()
            && self.rejected == 0
    }

    /// Merges the tracker of another set of agents on the same schedule, tolerance and
    /// zone. An agent seen in both is an error (its intervals' order could not be checked).
    /// A tracker with no schedule that observed nothing merges with any (the identity).
    pub fn merge(&mut self, other: &Self) -> Result<()> {
        if other.is_pristine() {
            return Ok(());
        }
        if self.is_pristine() {
            *self = other.clone();
            return Ok(());
        }
        if self.zone != other.zone
            || self.tolerance != other.tolerance
            || self.schedule != other.schedule
        {
            return Err(Error::incompatible(
                ADHERENCE,
                "different schedules, tolerances or zones",
            ));
        }
        if let Some(agent) = other
            .last_end
            .keys()
            .find(|a| self.last_end.contains_key(a))
        {
            return Err(Error::incompatible(
                ADHERENCE,
                format!("{agent} is in both"),
            ));
        }
        for (key, c) in &other.counts {
            let mine = self.counts.entry(*key).or_default();
            // Scheduled seconds come from the shared schedule: counted once.
            mine.in_adherence += c.in_adherence;
            mine.worked += c.worked;
        }
        self.last_end
            .extend(other.last_end.iter().map(|(k, v)| (*k, *v)));
        self.rejected += other.rejected;
        Ok(())
    }

    /// Rows per agent-day, per agent and overall.
    pub fn snapshot(&self) -> AdherenceSnapshot {
        let mut by_agent_day = BTreeMap::new();
        let mut by_agent: BTreeMap<AgentId, AdherenceRow> = BTreeMap::new();
        let mut overall = AdherenceRow::default();
        for ((agent, day), c) in &self.counts {
            let mut row = AdherenceRow::default();
            row.add(c);
            if let Some(d) = DateTime::from_timestamp(*day, 0) {
                by_agent_day.insert((*agent, d), row);
            }
            by_agent.entry(*agent).or_default().add(c);
            overall.add(c);
        }
        AdherenceSnapshot {
            by_agent_day: by_agent_day.into(),
            by_agent: by_agent.into(),
            overall,
            rejected: self.rejected,
        }
    }
}
