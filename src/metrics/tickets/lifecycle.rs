//! The aggregate of ticket lifecycle facts: every calendar-time ticket metric of one group.

use crate::calculator::Calculator;
use crate::calendar::BusinessClock;
use crate::error::Result;
use crate::model::Phase;
use crate::stats::{DurationSnapshot, DurationSummary, SummaryConfig, SurvivalSnapshot};

use super::handling::{Handling, HandlingSnapshot};
use super::machine::{Reply, TicketState, UNSET, secs};

pub use super::business::{
    BusinessFacts, BusinessLifecycle, BusinessSnapshot, DEFAULT_BUSINESS_RESPONSE_TARGET,
};

pub(super) const WHAT: &str = "ticket lifecycle";

/// Reopen counts at or above this share the last slot of the reopen distribution.
pub const REOPEN_SLOTS: usize = 8;

/// The facts a solved ticket contributes while it stays solved. A reopen retracts them; the
/// next solve adds the new ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SolvedFacts {
    /// Created → first change to solved, seconds.
    pub first_resolution: u64,
    /// Created → latest change to solved, seconds.
    pub full_resolution: u64,
    /// Time in new, open and on-hold (Zendesk's requester wait), seconds.
    pub requester_wait: u64,
    /// Time in new and open (Zendesk's agent work time), seconds.
    pub agent_work: u64,
    /// Time in pending (waiting on the customer), seconds.
    pub agent_wait: u64,
    /// Time in on-hold (waiting on a third party), seconds.
    pub on_hold: u64,
    /// Public agent messages over the ticket's life.
    pub replies: u32,
    /// Times it went from solved back to an unsolved status.
    pub reopens: u32,
    /// The same durations in business time, when the tracker has a calendar.
    pub business: Option<BusinessFacts>,
}

/// Every calendar-time ticket metric of one group (or of all tickets), built from the
/// facts a [`TicketTracker`](super::TicketTracker) feeds it. Mergeable like every
/// calculator: merging the aggregates of disjoint ticket sets gives the aggregate of their
/// union.
///
/// Definitions ([contract](crate::contract) "Time metrics" and "Rates and counts"):
/// - **tickets**: tickets created (merged tickets stay counted as volume; spam leaves).
/// - **answered** / **first response**: tickets with a first public agent message, and the
///   time from the FRT clock start (creation by default) to it. Outbound tickets (created
///   by an agent) have none.
/// - **unanswered**: inbound tickets not yet answered and not solved, with their ages at
///   the snapshot's "as of" instant (censored, never zero-filled).
/// - **closed unresolved**: tickets closed without ever being solved (an abandoned request
///   closed by the help desk): they leave the backlog, but are no resolution.
/// - **solved**: tickets solved (and maybe closed since); every resolution figure
///   is over them: first and full resolution, requester wait, agent work, agent wait,
///   on-hold, reopen rate, zero-/one-/two-touch rates, replies per resolution, resolved
///   within the target.
/// - **per-cycle resolution**: each open → solved cycle (from creation, or from the reopen)
///   of solved and reopened tickets.
/// - **next reply**: each customer public message awaiting an answer → the next public agent
///   message (after the first response).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(remote = "Self"))]
pub struct TicketLifecycle {
    pub(crate) created: u64,
    pub(crate) answered: u64,
    pub(crate) first_response: DurationSummary,
    pub(crate) next_reply: DurationSummary,
    pub(crate) first_resolution: DurationSummary,
    pub(crate) full_resolution: DurationSummary,
    pub(crate) cycle_resolution: DurationSummary,
    pub(crate) requester_wait: DurationSummary,
    pub(crate) agent_work: DurationSummary,
    pub(crate) agent_wait: DurationSummary,
    pub(crate) on_hold: DurationSummary,
    pub(crate) solved: u64,
    pub(crate) reopened: u64,
    pub(crate) reopen_counts: [u64; REOPEN_SLOTS],
    pub(crate) touches: [u64; 4],
    pub(crate) replies: u64,
    pub(crate) target: u64,
    pub(crate) within_target: u64,
    pub(crate) unanswered: u64,
    pub(crate) unanswered_created_sum: i128,
    pub(crate) backlog: u64,
    pub(crate) backlog_created_sum: i128,
    pub(crate) solve_events: u64,
    pub(crate) reopen_events: u64,
    pub(crate) closed_unresolved: u64,
    pub(crate) business: Option<Box<BusinessLifecycle>>,
    /// Statuses, assignment and bots, when the tracker computes them.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub(crate) handling: Option<Box<Handling>>,
}

/// The default "resolved within" target: 24 hours.
pub const DEFAULT_RESOLUTION_TARGET: u64 = 86_400;

impl Default for TicketLifecycle {
    fn default() -> Self {
        TicketLifecycle::with_parts(DurationSummary::default(), DEFAULT_RESOLUTION_TARGET)
    }
}

/// What a [`TicketLifecycle`] reports at an instant. Durations in seconds, rates as
/// fractions `0..=1` (`None` with an empty denominator).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct LifecycleSnapshot {
    /// Tickets created (not spam).
    pub tickets: u64,
    /// Tickets with a first response.
    pub answered: u64,
    /// Inbound tickets waiting for a first response (not solved).
    pub unanswered: u64,
    /// Mean age of the unanswered tickets at the "as of" instant.
    pub unanswered_mean_age: Option<f64>,
    /// Tickets currently solved or closed.
    pub solved: u64,
    /// Open tickets (not solved, closed, merged or spam).
    pub backlog: u64,
    /// Mean age of the backlog at the "as of" instant.
    pub backlog_mean_age: Option<f64>,
    /// First response time.
    pub first_response: DurationSnapshot,
    /// Next reply time.
    pub next_reply: DurationSnapshot,
    /// First resolution time.
    pub first_resolution: DurationSnapshot,
    /// Full resolution time.
    pub full_resolution: DurationSnapshot,
    /// Resolution time per open → solved cycle.
    pub cycle_resolution: DurationSnapshot,
    /// Requester wait time.
    pub requester_wait: DurationSnapshot,
    /// Agent work time.
    pub agent_work: DurationSnapshot,
    /// Agent wait time (pending).
    pub agent_wait: DurationSnapshot,
    /// On-hold time.
    pub on_hold: DurationSnapshot,
    /// Solved tickets reopened at least once / solved tickets.
    pub reopen_rate: Option<f64>,
    /// Solved tickets by reopen count 0, 1, …, 7 and 8 or more.
    pub reopen_distribution: [u64; REOPEN_SLOTS],
    /// Solved with no public agent message / solved.
    pub zero_touch_rate: Option<f64>,
    /// Solved with exactly one public agent message / solved.
    pub one_touch_rate: Option<f64>,
    /// Solved with exactly two public agent messages / solved.
    pub two_touch_rate: Option<f64>,
    /// Mean public agent messages per solved ticket.
    pub replies_per_resolution: Option<f64>,
    /// The resolution target, seconds.
    pub resolution_target: u64,
    /// Solved tickets whose full resolution is within the target / solved tickets.
    pub resolved_within_target: Option<f64>,
    /// Changes to solved seen (activity volume, reopened solves included), counted in the
    /// group the ticket is filed in (they move with a reassigned ticket and leave with a
    /// merged or spam one).
    pub solve_events: u64,
    /// Reopens seen (activity volume), filed like `solve_events`.
    pub reopen_events: u64,
    /// Tickets closed without ever being solved (they left the backlog unresolved).
    pub closed_unresolved: u64,
    /// The figures in business time, when the tracker has a calendar.
    pub business: Option<BusinessSnapshot>,
    /// Time in each status, assignment and bot figures, when the tracker computes them
    /// ([`TrackerConfig::handling`](super::TrackerConfig::handling)); absent from the
    /// JSON otherwise.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub handling: Option<HandlingSnapshot>,
    /// First response time with the tickets still unanswered at the "as of" instant as
    /// right-censored at their wait (Kaplan-Meier, see [`SurvivalSketch`](crate::SurvivalSketch)),
    /// beside the naive median of the answered alone. Filled by a
    /// [`TicketTracker`](super::TicketTracker)'s snapshot, which knows the tickets in play;
    /// `None` from an aggregate alone.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub first_response_survival: Option<SurvivalSnapshot>,
    /// Full resolution time with the backlog at the "as of" instant as right-censored at
    /// its age; as `first_response_survival`.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub full_resolution_survival: Option<SurvivalSnapshot>,
}

pub(super) fn ratio(n: u64, d: u64) -> Option<f64> {
    (d > 0).then(|| n as f64 / d as f64)
}

impl TicketLifecycle {
    fn with_parts(summary: DurationSummary, target: u64) -> Self {
        TicketLifecycle {
            created: 0,
            answered: 0,
            first_response: summary.clone(),
            next_reply: summary.clone(),
            first_resolution: summary.clone(),
            full_resolution: summary.clone(),
            cycle_resolution: summary.clone(),
            requester_wait: summary.clone(),
            agent_work: summary.clone(),
            agent_wait: summary.clone(),
            on_hold: summary,
            solved: 0,
            reopened: 0,
            reopen_counts: [0; REOPEN_SLOTS],
            touches: [0; 4],
            replies: 0,
            target,
            within_target: 0,
            unanswered: 0,
            unanswered_created_sum: 0,
            backlog: 0,
            backlog_created_sum: 0,
            solve_events: 0,
            reopen_events: 0,
            closed_unresolved: 0,
            business: None,
            handling: None,
        }
    }

    /// An empty aggregate with the given summary configuration and resolution target.
    pub fn with_config(summary: &SummaryConfig, resolution_target: u64) -> Result<Self> {
        Ok(Self::with_parts(
            DurationSummary::with_config(summary)?,
            resolution_target,
        ))
    }

    /// Files one ticket's facts as a tracker files them, for facts computed ticket by
    /// ticket ([`TicketReplay`](super::TicketReplay)): the facts of every ticket give the
    /// tracker's overall aggregate. Ages of unanswered and backlog tickets are taken from
    /// their creation instants.
    pub fn observe_facts(&mut self, f: &super::TicketFacts) -> Result<()> {
        use super::TicketOutcome;
        if !f.counted() {
            return Ok(());
        }
        self.created += 1;
        if f.outcome == TicketOutcome::Merged {
            return Ok(());
        }
        let created = i128::from(f.created_at.timestamp());
        if f.outcome == TicketOutcome::Open {
            self.backlog += 1;
            self.backlog_created_sum += created;
        }
        if f.unanswered {
            self.unanswered += 1;
            self.unanswered_created_sum += created;
        }
        if f.outcome == TicketOutcome::ClosedUnresolved {
            self.closed_unresolved += 1;
        }
        if let Some(v) = f.first_response {
            self.answered += 1;
            self.first_response.add(v)?;
        }
        if let (Some(b), Some(v)) = (self.business.as_mut(), f.business_first_response) {
            b.put_response(v, true)?;
        }
        for v in &f.next_replies {
            self.next_reply.add(*v)?;
        }
        for v in &f.cycles {
            self.cycle_resolution.add(*v)?;
        }
        self.solve_events += f.cycles.len() as u64;
        self.reopen_events += u64::from(f.reopens);
        match &f.solved {
            Some(s) => self.add_solved(s),
            None => Ok(()),
        }
    }

    /// Adds (`add`) or retracts every figure a ticket in play contributes (when it moves
    /// between groups, is cancelled or re-sequenced).
    pub(super) fn put_ticket(
        &mut self,
        s: &TicketState,
        add: bool,
        count_created: bool,
        clock: Option<&dyn BusinessClock>,
    ) -> Result<()> {
        let agg = self;
        let step = |v: &mut u64| {
            if add { *v += 1 } else { *v -= 1 }
        };
        let created = if add {
            i128::from(s.created)
        } else {
            -i128::from(s.created)
        };
        if count_created {
            step(&mut agg.created);
        }
        if s.phase != Phase::Solved {
            step(&mut agg.backlog);
            agg.backlog_created_sum += created;
        }
        if s.unanswered() {
            step(&mut agg.unanswered);
            agg.unanswered_created_sum += created;
        }
        let put = |d: &mut crate::stats::DurationSummary, v: u64| {
            if add { d.add(v) } else { d.remove(v) }
        };
        if s.first_reply != UNSET && s.clock_start != UNSET && s.inbound {
            step(&mut agg.answered);
            put(&mut agg.first_response, secs(s.clock_start, s.first_reply))?;
            if let (Some(b), Some(v)) = (agg.business.as_mut(), s.business_response(clock)) {
                b.put_response(v, add)?;
            }
        }
        for v in s.next_replies() {
            put(&mut agg.next_reply, v)?;
        }
        for v in s.cycles() {
            put(&mut agg.cycle_resolution, v)?;
        }
        // Activity counters move with the ticket too: its solves (one per cycle) and reopens.
        let solves = u64::from(s.first_cycle != UNSET)
            + s.extra.as_ref().map_or(0, |e| e.cycles.len() as u64);
        if add {
            agg.solve_events += solves;
            agg.reopen_events += u64::from(s.reopens);
        } else {
            agg.solve_events -= solves;
            agg.reopen_events -= u64::from(s.reopens);
        }
        if s.phase == Phase::Solved {
            let f = s.solved_facts(clock);
            if add {
                agg.add_solved(&f)?
            } else {
                agg.retract_solved(&f)?
            }
        }
        match agg.handling.as_mut() {
            Some(h) => h.put(s, true, s.phase == Phase::Solved, add),
            None => Ok(()),
        }
    }

    /// Adds (`add`) or retracts the handling facts of a solved ticket, when computed.
    #[inline]
    pub(super) fn put_handling(&mut self, s: &TicketState, add: bool) -> Result<()> {
        match self.handling.as_mut() {
            Some(h) => h.put(s, false, true, add),
            None => Ok(()),
        }
    }

    /// A bot hand-off of one of its tickets, when handling figures are computed.
    pub(super) fn handed_off(&mut self) {
        if let Some(h) = self.handling.as_mut() {
            h.handed_off();
        }
    }

    /// A response filed: the ticket leaves the unanswered, its first response and next
    /// reply are counted, and a reply to a solved ticket refiles its solved facts
    /// (`resolved`: before, after).
    pub(super) fn replied(
        &mut self,
        r: &Reply,
        created: i64,
        resolved: Option<&(SolvedFacts, SolvedFacts)>,
    ) -> Result<()> {
        if r.was_unanswered {
            self.unanswered -= 1;
            self.unanswered_created_sum -= i128::from(created);
        }
        if let Some(frt) = r.first_response {
            self.answered += 1;
            self.first_response.add(frt)?;
        }
        if let (Some(b), Some(v)) = (self.business.as_mut(), r.business_first_response) {
            b.put_response(v, true)?;
        }
        if let Some(wait) = r.next_reply {
            self.next_reply.add(wait)?;
        }
        if let Some((before, after)) = resolved {
            self.retract_solved(before)?;
            self.add_solved(after)?;
        }
        Ok(())
    }

    /// A ticket closed without a solve: out of the backlog (and the unanswered).
    pub(super) fn closed_unsolved(&mut self, was_unanswered: bool, created: i64) -> Result<()> {
        self.backlog -= 1;
        self.backlog_created_sum -= i128::from(created);
        self.closed_unresolved += 1;
        if was_unanswered {
            self.unanswered -= 1;
            self.unanswered_created_sum -= i128::from(created);
        }
        Ok(())
    }

    /// A solve: out of the backlog, its cycle and solved facts filed.
    pub(super) fn solved(
        &mut self,
        was_unanswered: bool,
        cycle: u32,
        facts: &SolvedFacts,
        created: i64,
    ) -> Result<()> {
        self.solve_events += 1;
        self.backlog -= 1;
        self.backlog_created_sum -= i128::from(created);
        if was_unanswered {
            self.unanswered -= 1;
            self.unanswered_created_sum -= i128::from(created);
        }
        self.cycle_resolution.add(u64::from(cycle))?;
        self.add_solved(facts)
    }

    /// A reopen: the solved facts retracted, back into the backlog.
    pub(super) fn reopened(
        &mut self,
        retracted: &SolvedFacts,
        unanswered: bool,
        created: i64,
    ) -> Result<()> {
        self.reopen_events += 1;
        self.retract_solved(retracted)?;
        self.backlog += 1;
        self.backlog_created_sum += i128::from(created);
        if unanswered {
            self.unanswered += 1;
            self.unanswered_created_sum += i128::from(created);
        }
        Ok(())
    }

    pub(crate) fn add_solved(&mut self, f: &SolvedFacts) -> Result<()> {
        self.first_resolution.add(f.first_resolution)?;
        self.full_resolution.add(f.full_resolution)?;
        self.requester_wait.add(f.requester_wait)?;
        self.agent_work.add(f.agent_work)?;
        self.agent_wait.add(f.agent_wait)?;
        self.on_hold.add(f.on_hold)?;
        self.solved += 1;
        self.reopened += u64::from(f.reopens > 0);
        self.reopen_counts[(f.reopens as usize).min(REOPEN_SLOTS - 1)] += 1;
        self.touches[(f.replies as usize).min(3)] += 1;
        self.replies += u64::from(f.replies);
        self.within_target += u64::from(f.full_resolution <= self.target);
        if let (Some(b), Some(f)) = (self.business.as_mut(), &f.business) {
            b.put_solved(f, true)?;
        }
        Ok(())
    }

    pub(crate) fn retract_solved(&mut self, f: &SolvedFacts) -> Result<()> {
        self.first_resolution.remove(f.first_resolution)?;
        self.full_resolution.remove(f.full_resolution)?;
        self.requester_wait.remove(f.requester_wait)?;
        self.agent_work.remove(f.agent_work)?;
        self.agent_wait.remove(f.agent_wait)?;
        self.on_hold.remove(f.on_hold)?;
        self.solved -= 1;
        self.reopened -= u64::from(f.reopens > 0);
        self.reopen_counts[(f.reopens as usize).min(REOPEN_SLOTS - 1)] -= 1;
        self.touches[(f.replies as usize).min(3)] -= 1;
        self.replies -= u64::from(f.replies);
        self.within_target -= u64::from(f.full_resolution <= self.target);
        if let (Some(b), Some(f)) = (self.business.as_mut(), &f.business) {
            b.put_solved(f, false)?;
        }
        Ok(())
    }

    /// A snapshot at `as_of` (Unix seconds), which dates the ages of unanswered and backlog
    /// tickets.
    pub fn snapshot_at(&self, as_of: i64) -> LifecycleSnapshot {
        let mean_age = |n: u64, sum: i128| {
            (n > 0).then(|| (i128::from(as_of) * i128::from(n) - sum) as f64 / n as f64)
        };
        LifecycleSnapshot {
            tickets: self.created,
            answered: self.answered,
            unanswered: self.unanswered,
            unanswered_mean_age: mean_age(self.unanswered, self.unanswered_created_sum),
            solved: self.solved,
            backlog: self.backlog,
            backlog_mean_age: mean_age(self.backlog, self.backlog_created_sum),
            first_response: self.first_response.snapshot(),
            next_reply: self.next_reply.snapshot(),
            first_resolution: self.first_resolution.snapshot(),
            full_resolution: self.full_resolution.snapshot(),
            cycle_resolution: self.cycle_resolution.snapshot(),
            requester_wait: self.requester_wait.snapshot(),
            agent_work: self.agent_work.snapshot(),
            agent_wait: self.agent_wait.snapshot(),
            on_hold: self.on_hold.snapshot(),
            reopen_rate: ratio(self.reopened, self.solved),
            reopen_distribution: self.reopen_counts,
            zero_touch_rate: ratio(self.touches[0], self.solved),
            one_touch_rate: ratio(self.touches[1], self.solved),
            two_touch_rate: ratio(self.touches[2], self.solved),
            replies_per_resolution: ratio(self.replies, self.solved),
            resolution_target: self.target,
            resolved_within_target: ratio(self.within_target, self.solved),
            solve_events: self.solve_events,
            reopen_events: self.reopen_events,
            closed_unresolved: self.closed_unresolved,
            business: self.business.as_ref().map(|b| b.snapshot()),
            handling: self.handling.as_ref().map(|h| h.snapshot()),
            first_response_survival: None,
            full_resolution_survival: None,
        }
    }
}
