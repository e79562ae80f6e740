//! The SLA engine: policies, per-ticket targets, achieved / breached / active, attainment.
//!
//! A policy maps a ticket (by priority, channel, team, tags; the first matching policy
//! wins, chosen when the ticket is created) to targets, each in calendar or business time
//! (METRICS.md "SLA", as Zendesk):
//!
//! | metric | its clock runs | an instance ends |
//! |---|---|---|
//! | first reply | from creation | at the first public agent reply |
//! | next reply | from each customer public message awaiting an answer (after the first reply) | at the next public agent reply |
//! | periodic update | from each public agent reply | at the next one |
//! | pausable update | from each public agent reply, while new or open (pauses in pending and on-hold) | at the next one |
//! | requester wait | while new, open or on-hold (pauses in pending) | at the solve; a reopen resumes it where it stood |
//! | agent work | while new or open | at the solve; a reopen resumes it |
//! | total resolution | always, from creation (never pauses) | at the solve; a reopen resumes it, the solved period included |
//!
//! A solved ticket stops every clock: the targets then running or paused are fulfilled,
//! achieved if within target. Each instance of each target is **achieved** (with the time
//! to spare), **breached** (with by how much), **active** (with the time left), or
//! **cancelled** (the ticket was merged or marked as spam: its outcomes leave every
//! figure). A reply exactly at the deadline is on time. A target is breached the moment its
//! deadline passes, whether or not the reply comes later: snapshots count the active
//! targets past their deadline as breached.
//!
//! **Attainment** = achieved / (achieved + breached), per policy and metric.
//!
//! ```
//! use chrono::{TimeDelta, TimeZone, Utc};
//! use csm_metrics::sla::{Basis, Policy, SlaMetric, SlaPolicies, SlaTracker, Target};
//! use csm_metrics::{AgentId, CustomerId, Interaction, Ticket, TicketId};
//!
//! let policies = SlaPolicies::new(
//!     vec![Policy::all("standard", vec![Target::new(SlaMetric::FirstReply, 3_600, Basis::Calendar)])],
//!     None,
//! )?;
//! let mut sla = SlaTracker::new(policies);
//! let t0 = Utc.with_ymd_and_hms(2025, 3, 3, 9, 0, 0).unwrap();
//! let at = |m| t0 + TimeDelta::minutes(m);
//! sla.observe_ticket(&Ticket::new(TicketId(1), t0, CustomerId(1)))?;
//! sla.observe_ticket(&Ticket::new(TicketId(2), t0, CustomerId(2)))?;
//! // Ticket 1 is answered exactly at the deadline: on time.
//! sla.observe_interaction(&Interaction::agent_reply(TicketId(1), at(60), AgentId(7)))?;
//! // Ticket 2 is not answered; at 09:30 it has 30 minutes left, at 10:30 it is breached.
//! let early = sla.snapshot_at(at(30), 5);
//! assert_eq!(early.about_to_breach[0].time_left, 1_800);
//! let late = sla.snapshot_at(at(90), 5);
//! let first_reply = &late.targets[0];
//! assert_eq!((first_reply.achieved, first_reply.breached), (1, 1));
//! assert_eq!(first_reply.attainment, Some(0.5));
//! # Ok::<(), csm_metrics::Error>(())
//! ```

//! # A worked example: one ticket, its business clock and its SLA states
//!
//! New York hours, Monday to Friday 09:00-17:00. Policy "standard": first reply within
//! 2 business hours, requester wait within 4 business hours. The ticket arrives on Friday
//! 2025-03-07 at 16:00 (local time).
//!
//! ```text
//! local time      Fri 16:00   Fri 17:00   weekend   Mon 09:00    Mon 10:30         Mon 11:00   Mon 14:00   Mon 15:00
//! events          created     .           closed    .            reply, pending    customer    open        solved
//! open hours      [==== 1 h ====]                   [==== 1.5 h ====]                          [==== 1 h ====]
//! first reply     running ........................................ deadline Mon 10:00; the reply at 10:30
//!                 ends it: 2.5 business hours > 2 h, breached by 30 min (breached since 10:00)
//! requester wait  running (2.5 h) ................................ paused in pending ........ running (1 h)
//!                 3.5 business hours ≤ 4 h at the solve: achieved, 30 min to spare
//! ```
//!
//! ```
//! # #[cfg(feature = "tz")] {
//! use std::sync::Arc;
//! use chrono::{TimeZone, Utc};
//! use chrono_tz::America::New_York;
//! use csm_metrics::sla::{Basis, Policy, SlaMetric, SlaPolicies, SlaTracker, Target};
//! use csm_metrics::{AgentId, BusinessCalendar, CustomerId, DayTime, Interaction, Status, Ticket, TicketId};
//!
//! let calendar = BusinessCalendar::builder(New_York)
//!     .open_weekdays(DayTime::hm(9, 0), DayTime::hm(17, 0))
//!     .years(2025, 2025)
//!     .build()?;
//! let policies = SlaPolicies::new(
//!     vec![Policy::all("standard", vec![
//!         Target::new(SlaMetric::FirstReply, 2 * 3_600, Basis::Business),
//!         Target::new(SlaMetric::RequesterWait, 4 * 3_600, Basis::Business),
//!     ])],
//!     Some(Arc::new(calendar)),
//! )?;
//! let mut sla = SlaTracker::new(policies);
//! let ny = |d, h, m| New_York.with_ymd_and_hms(2025, 3, d, h, m, 0).unwrap().with_timezone(&Utc);
//! let id = TicketId(1);
//! sla.observe_ticket(&Ticket::new(id, ny(7, 16, 0), CustomerId(9)))?;
//! // Over the weekend the first reply has 1 business hour left: its deadline is Monday 10:00.
//! let weekend = sla.snapshot_at(ny(8, 12, 0), 5);
//! assert_eq!(weekend.about_to_breach[0].deadline, ny(10, 10, 0));
//! sla.observe_interaction(&Interaction::agent_reply(id, ny(10, 10, 30), AgentId(2)))?;
//! sla.observe_interaction(&Interaction::status(id, ny(10, 10, 30), Status::Pending))?;
//! sla.observe_interaction(&Interaction::customer_message(id, ny(10, 11, 0)))?;
//! sla.observe_interaction(&Interaction::status(id, ny(10, 14, 0), Status::Open))?;
//! sla.observe_interaction(&Interaction::status(id, ny(10, 15, 0), Status::Solved))?;
//! let report = sla.snapshot_at(ny(10, 16, 0), 5);
//! let (first_reply, wait) = (&report.targets[0], &report.targets[1]);
//! assert_eq!((first_reply.achieved, first_reply.breached), (0, 1));
//! assert_eq!(first_reply.breach_by.mean, Some(1_800.0)); // 30 business minutes late
//! assert_eq!((wait.achieved, wait.breached), (1, 0));
//! assert_eq!(wait.spare.mean, Some(1_800.0)); // 3.5 of 4 business hours used
//! # }
//! # Ok::<(), csm_metrics::Error>(())
//! ```

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::aggregate::FastHash;
use crate::calculator::Calculator;
use crate::calendar::BusinessClock;
use crate::error::{Error, RecordRef, Result, Rule};
use crate::metrics::tickets::{Overall, TicketGrouping, TicketView};
use crate::model::{
    Author, Channel, Interaction, InteractionKind, Phase, Priority, Status, TeamId, Ticket,
    TicketId, Visibility,
};
use crate::stats::{DurationSnapshot, DurationSummary};

const WHAT: &str = "SLA";
const NO_POLICY: u8 = u8::MAX;

#[cfg(feature = "serde")]
mod saved;
#[cfg(feature = "serde")]
pub use saved::SavedSla;

/// What an SLA target measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum SlaMetric {
    /// Creation → first public agent reply.
    FirstReply,
    /// Customer message awaiting an answer → next public agent reply.
    NextReply,
    /// Public agent reply → the next one.
    PeriodicUpdate,
    /// Public agent reply → the next one, paused while the ticket is pending or on-hold
    /// (Zendesk's "pausable update").
    PausableUpdate,
    /// Time in new, open and on-hold.
    RequesterWait,
    /// Time in new and open.
    AgentWork,
    /// Creation → solve, never paused.
    TotalResolution,
}

/// Whether a target counts calendar or business time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Basis {
    /// Every second counts.
    Calendar,
    /// Only the open seconds of the policies' business calendar count.
    Business,
}

/// One target of a policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Target {
    /// What it measures.
    pub metric: SlaMetric,
    /// The target, seconds (of the basis).
    pub seconds: u64,
    /// Calendar or business time.
    pub basis: Basis,
}

impl Target {
    /// A target.
    pub fn new(metric: SlaMetric, seconds: u64, basis: Basis) -> Self {
        Target {
            metric,
            seconds,
            basis,
        }
    }
}

/// Which tickets a policy applies to: each list, when not empty, must contain the ticket's
/// value (for tags: any of the ticket's tags).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Condition {
    /// Priorities (empty: any).
    pub priorities: Vec<Priority>,
    /// Channels (empty: any).
    pub channels: Vec<Channel>,
    /// Teams (empty: any).
    pub teams: Vec<TeamId>,
    /// Tags, any of which matches (empty: any).
    pub tags: Vec<String>,
}

impl Condition {
    fn matches(&self, t: &Ticket) -> bool {
        (self.priorities.is_empty() || self.priorities.contains(&t.priority))
            && (self.channels.is_empty() || self.channels.contains(&t.channel))
            && (self.teams.is_empty() || t.team.is_some_and(|x| self.teams.contains(&x)))
            && (self.tags.is_empty() || t.tags.iter().any(|x| self.tags.contains(x)))
    }
}

/// An SLA policy: a condition and its targets.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Policy {
    /// Its name, as reports show it.
    pub name: String,
    /// Which tickets it applies to.
    pub condition: Condition,
    /// Its targets, at most one per metric.
    pub targets: Vec<Target>,
}

impl Policy {
    /// A policy for every ticket.
    pub fn all(name: &str, targets: Vec<Target>) -> Self {
        Policy {
            name: name.to_string(),
            condition: Condition::default(),
            targets,
        }
    }
}

/// Ordered policies (the first match wins) and the business calendar of business targets.
#[derive(Debug, Clone)]
pub struct SlaPolicies {
    policies: Vec<Policy>,
    calendar: Option<Arc<dyn BusinessClock>>,
}

impl SlaPolicies {
    /// Validated policies: each target above 0 s, at most one target per metric in a
    /// policy, at most 64 policies, and a calendar when any target counts business time.
    pub fn new(policies: Vec<Policy>, calendar: Option<Arc<dyn BusinessClock>>) -> Result<Self> {
        if policies.len() > 64 {
            return Err(Error::config(WHAT, "more than 64 policies"));
        }
        for p in &policies {
            let mut seen = Vec::new();
            for t in &p.targets {
                if t.seconds == 0 {
                    return Err(Error::config(
                        WHAT,
                        format!("{}: a {:?} target of 0 s", p.name, t.metric),
                    ));
                }
                if seen.contains(&t.metric) {
                    return Err(Error::config(
                        WHAT,
                        format!("{}: two {:?} targets", p.name, t.metric),
                    ));
                }
                if t.basis == Basis::Business && calendar.is_none() {
                    return Err(Error::config(
                        WHAT,
                        format!(
                            "{}: a business-time target needs a business calendar",
                            p.name
                        ),
                    ));
                }
                seen.push(t.metric);
            }
        }
        Ok(SlaPolicies { policies, calendar })
    }

    fn choose(&self, t: &Ticket) -> Option<u8> {
        self.policies
            .iter()
            .position(|p| p.condition.matches(t))
            .map(|i| i as u8)
    }
}

/// One target instance of a ticket.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
struct Clock {
    metric: SlaMetric,
    target: u64,
    basis: Basis,
    /// Whether an instance exists (started and not yet ended).
    live: bool,
    /// Basis seconds counted before `since`.
    elapsed: u64,
    /// Running since (Unix seconds), with its deadline.
    running: Option<(i64, i64)>,
    /// Where the clock stood when the solve stopped it (resolution targets, for a reopen).
    stopped: Option<(i64, u64)>,
}

#[derive(Debug, Clone)]
struct SlaTicket {
    policy: u8,
    /// The books its outcomes are kept in: 0 (every ticket), then 1 + each group slot.
    books: Box<[u32]>,
    phase: Phase,
    replied: bool,
    awaiting: bool,
    last_event: i64,
    clocks: Vec<Clock>,
    /// Outcomes filed for this ticket: (clock index, achieved, amount), for a cancellation.
    filed: Vec<(u8, bool, u64)>,
}

/// Outcomes of one policy's target.
#[derive(Debug, Clone, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
struct Outcomes {
    achieved: u64,
    breached: u64,
    breach: DurationSummary,
    spare: DurationSummary,
    /// Paused instances already past their target.
    paused_overdue: u64,
    /// Live instances (running or paused).
    live: u64,
}

/// A target about to breach: still running, deadline ahead.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct AtRisk {
    /// The ticket.
    pub ticket: TicketId,
    /// Its policy's name.
    pub policy: String,
    /// The metric.
    pub metric: SlaMetric,
    /// The deadline.
    pub deadline: DateTime<Utc>,
    /// Seconds left (calendar seconds to the deadline).
    pub time_left: i64,
}

/// The figures of one policy's target.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TargetSnapshot {
    /// The policy's name.
    pub policy: String,
    /// The metric.
    pub metric: SlaMetric,
    /// The target.
    pub target: Target,
    /// Instances achieved.
    pub achieved: u64,
    /// Instances breached: ended late, or still live past their deadline.
    pub breached: u64,
    /// Live instances not yet past their deadline.
    pub active: u64,
    /// achieved / (achieved + breached).
    pub attainment: Option<f64>,
    /// By how much the ended breaches missed, seconds of the basis.
    pub breach_by: DurationSnapshot,
    /// The time to spare of the achieved instances, seconds of the basis.
    pub spare: DurationSnapshot,
}

/// What an [`SlaTracker`] reports at an instant.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SlaSnapshot<K: Ord = ()> {
    /// The instant.
    pub as_of: DateTime<Utc>,
    /// Every policy's targets, in policy order then target order, over every ticket.
    pub targets: Vec<TargetSnapshot>,
    /// The same per group (team, priority … as the tracker's grouping says).
    pub groups: BTreeMap<K, Vec<TargetSnapshot>>,
    /// The running targets nearest to their deadline, soonest first.
    pub about_to_breach: Vec<AtRisk>,
    /// Records rejected (unknown ticket, out of order, outside the calendar), by rule.
    pub rejected: BTreeMap<String, u64>,
}

/// Streams tickets and interactions through SLA policies (see the [module docs](self)).
///
/// Events must come in time order per ticket. Trackers over disjoint sets of tickets
/// (shards by ticket id) [`merge`](Self::merge) into the result of one pass; with the
/// feature `serde` a tracker [`save`](Self::save)s its whole state and goes on after
/// [`restore`](Self::restore). Memory: one small state per ticket in play
/// (released when closed, merged or marked as spam) and one index entry per running
/// target; a snapshot costs in proportion to the policies' targets, the overdue targets
/// and `k`.
#[derive(Debug, Clone)]
pub struct SlaTracker<G: TicketGrouping = Overall> {
    policies: SlaPolicies,
    grouping: G,
    tickets: HashMap<TicketId, SlaTicket, FastHash>,
    /// Outcomes by book (0: every ticket; 1 + n: group n), policy and target.
    outcomes: Vec<Vec<Vec<Outcomes>>>,
    group_index: HashMap<G::Key, u32, FastHash>,
    group_keys: Vec<G::Key>,
    /// Running instances by deadline: (deadline, ticket, clock index).
    running: BTreeSet<(i64, TicketId, u8)>,
    rejected: BTreeMap<String, u64>,
}

impl SlaTracker<Overall> {
    /// A tracker for `policies`, over every ticket.
    pub fn new(policies: SlaPolicies) -> Self {
        Self::with_grouping(policies, Overall)
    }
}

/// Applies `f` to the outcomes of clock `i` of ticket `s` in each of its books.
fn each_book(
    outcomes: &mut [Vec<Vec<Outcomes>>],
    s: &SlaTicket,
    i: usize,
    mut f: impl FnMut(&mut Outcomes) -> Result<()>,
) -> Result<()> {
    for b in s.books.iter() {
        f(&mut outcomes[*b as usize][s.policy as usize][i])?;
    }
    Ok(())
}

impl<G: TicketGrouping> SlaTracker<G> {
    fn empty_book(policies: &SlaPolicies) -> Vec<Vec<Outcomes>> {
        policies
            .policies
            .iter()
            .map(|p| vec![Outcomes::default(); p.targets.len()])
            .collect()
    }

    /// A tracker for `policies` with outcomes also kept per group of `grouping` (a
    /// ticket's groups are those of its attributes at creation).
    pub fn with_grouping(policies: SlaPolicies, grouping: G) -> Self {
        let outcomes = vec![Self::empty_book(&policies)];
        SlaTracker {
            grouping,
            group_index: HashMap::default(),
            group_keys: Vec::new(),
            policies,
            tickets: HashMap::default(),
            outcomes,
            running: BTreeSet::new(),
            rejected: BTreeMap::new(),
        }
    }

    fn reject<T>(&mut self, record: RecordRef, rule: Rule) -> Result<T> {
        *self.rejected.entry(rule.to_string()).or_insert(0) += 1;
        Err(Error::InvalidRecord { record, rule })
    }

    /// Seconds of `basis` from `a` to `b`.
    fn measure(calendar: Option<&dyn BusinessClock>, basis: Basis, a: i64, b: i64) -> u64 {
        match basis {
            Basis::Calendar => u64::try_from(b - a).unwrap_or(0),
            Basis::Business => calendar.and_then(|c| c.business_between(a, b)).unwrap_or(0),
        }
    }

    fn deadline(calendar: Option<&dyn BusinessClock>, basis: Basis, since: i64, left: u64) -> i64 {
        match basis {
            Basis::Calendar => since.saturating_add(i64::try_from(left).unwrap_or(i64::MAX)),
            Basis::Business => calendar
                .and_then(|c| c.deadline_after(since, left))
                .unwrap_or(i64::MAX),
        }
    }

    /// Observes a ticket's creation: its policy is chosen now.
    pub fn observe_ticket(&mut self, ticket: &Ticket) -> Result<()> {
        let at = ticket.created_at.timestamp();
        if self.tickets.contains_key(&ticket.id) {
            return self.reject(RecordRef::Ticket(ticket.id), Rule::DuplicateTicket);
        }
        if let Some(c) = &self.policies.calendar {
            if !c.covers(at) {
                return self.reject(RecordRef::Ticket(ticket.id), Rule::OutsideCalendar);
            }
        }
        // A ticket no policy applies to is tracked with no targets (its events are valid).
        let policy = self.policies.choose(ticket).unwrap_or(NO_POLICY);
        let targets: &[Target] = match self.policies.policies.get(policy as usize) {
            Some(p) => &p.targets,
            None => &[],
        };
        let clocks = targets
            .iter()
            .map(|t| Clock {
                metric: t.metric,
                target: t.seconds,
                basis: t.basis,
                live: false,
                elapsed: 0,
                running: None,
                stopped: None,
            })
            .collect();
        let view = TicketView {
            id: ticket.id,
            created_at: at,
            channel: ticket.channel,
            priority: ticket.priority,
            requester: ticket.requester,
            team: ticket.team,
            assignee: ticket.assignee,
            tags: &ticket.tags,
            // SLA books are keyed at creation: a grouping by solve window sees no solve.
            solved_at: None,
        };
        let mut books = vec![0u32];
        if policy != NO_POLICY {
            let (index, keys, outcomes, policies) = (
                &mut self.group_index,
                &mut self.group_keys,
                &mut self.outcomes,
                &self.policies,
            );
            self.grouping.for_each_key(&view, |k| {
                let slot = *index.entry(k.clone()).or_insert_with(|| {
                    keys.push(k);
                    outcomes.push(Self::empty_book(policies));
                    keys.len() as u32
                });
                books.push(slot);
            });
        }
        let mut state = SlaTicket {
            policy,
            books: books.into_boxed_slice(),
            phase: Phase::New,
            replied: false,
            awaiting: false,
            last_event: at,
            clocks,
            filed: Vec::new(),
        };
        // Instances that exist from creation.
        for i in 0..state.clocks.len() {
            if matches!(
                state.clocks[i].metric,
                SlaMetric::FirstReply
                    | SlaMetric::RequesterWait
                    | SlaMetric::AgentWork
                    | SlaMetric::TotalResolution
            ) {
                self.start(&mut state, ticket.id, i, at);
            }
        }
        self.tickets.insert(ticket.id, state);
        Ok(())
    }

    /// Whether a live clock of `metric` runs in the ticket's current state.
    fn runs(metric: SlaMetric, s: &SlaTicket) -> bool {
        match metric {
            SlaMetric::FirstReply | SlaMetric::NextReply | SlaMetric::PeriodicUpdate => {
                s.phase != Phase::Solved
            }
            SlaMetric::PausableUpdate => matches!(s.phase, Phase::New | Phase::Open),
            SlaMetric::RequesterWait => matches!(s.phase, Phase::New | Phase::Open | Phase::OnHold),
            SlaMetric::AgentWork => matches!(s.phase, Phase::New | Phase::Open),
            SlaMetric::TotalResolution => s.phase != Phase::Solved,
        }
    }

    /// Starts a fresh instance of clock `i` at `at`.
    fn start(&mut self, s: &mut SlaTicket, id: TicketId, i: usize, at: i64) {
        let c = &mut s.clocks[i];
        c.live = true;
        c.elapsed = 0;
        c.running = None;
        c.stopped = None;
        let _ = each_book(&mut self.outcomes, s, i, |o| {
            o.live += 1;
            Ok(())
        });
        self.sync(s, id, i, at);
    }

    /// Brings clock `i`'s running state in line with the ticket's state at `at`.
    fn sync(&mut self, s: &mut SlaTicket, id: TicketId, i: usize, at: i64) {
        let calendar = self.policies.calendar.as_deref();
        let should_run = s.clocks[i].live && Self::runs(s.clocks[i].metric, s);
        let c = &mut s.clocks[i];
        let paused_overdue: i8 = match (c.running, should_run) {
            (Some((since, deadline)), false) => {
                c.elapsed += Self::measure(calendar, c.basis, since, at);
                c.running = None;
                self.running.remove(&(deadline, id, i as u8));
                i8::from(c.live && c.elapsed > c.target)
            }
            (None, true) => {
                let was_overdue = c.elapsed > c.target;
                let left = c.target.saturating_sub(c.elapsed);
                let deadline = Self::deadline(calendar, c.basis, at, left);
                c.running = Some((at, deadline));
                self.running.insert((deadline, id, i as u8));
                -i8::from(was_overdue)
            }
            _ => 0,
        };
        if paused_overdue != 0 {
            let _ = each_book(&mut self.outcomes, s, i, |o| {
                if paused_overdue > 0 {
                    o.paused_overdue += 1;
                } else {
                    o.paused_overdue -= 1;
                }
                Ok(())
            });
        }
    }

    /// Ends the live instance of clock `i` at `at`, filing its outcome.
    fn end(&mut self, s: &mut SlaTicket, id: TicketId, i: usize, at: i64) -> Result<()> {
        if !s.clocks[i].live {
            return Ok(());
        }
        // Stop it first (this accounts for its running time).
        s.clocks[i].live = false;
        let was_paused_overdue =
            s.clocks[i].running.is_none() && s.clocks[i].elapsed > s.clocks[i].target;
        if let Some((since, deadline)) = s.clocks[i].running.take() {
            let calendar = self.policies.calendar.as_deref();
            let c = &mut s.clocks[i];
            c.elapsed += Self::measure(calendar, c.basis, since, at);
            self.running.remove(&(deadline, id, i as u8));
        }
        let c = &s.clocks[i];
        let achieved = c.elapsed <= c.target;
        let amount = if achieved {
            c.target - c.elapsed
        } else {
            c.elapsed - c.target
        };
        each_book(&mut self.outcomes, s, i, |out| {
            if was_paused_overdue {
                out.paused_overdue -= 1;
            }
            out.live -= 1;
            file(out, achieved, amount, true)
        })?;
        s.filed.push((i as u8, achieved, amount));
        Ok(())
    }

    /// Observes an interaction of a ticket.
    pub fn observe_interaction(&mut self, e: &Interaction) -> Result<()> {
        let at = e.at.timestamp();
        let record = RecordRef::Interaction(e.ticket, e.at);
        if let Some(c) = &self.policies.calendar {
            if !c.covers(at) {
                return self.reject(record, Rule::OutsideCalendar);
            }
        }
        let Some(mut s) = self.tickets.remove(&e.ticket) else {
            return self.reject(record, Rule::TicketNotInPlay);
        };
        if at < s.last_event {
            self.tickets.insert(e.ticket, s);
            return self.reject(record, Rule::OutOfOrder);
        }
        s.last_event = at;
        let id = e.ticket;
        let n = s.clocks.len();
        let result = (|| -> Result<bool> {
            match e.kind {
                InteractionKind::Message {
                    author: Author::Agent(_),
                    visibility: Visibility::Public,
                } => {
                    s.replied = true;
                    s.awaiting = false;
                    for i in 0..n {
                        match s.clocks[i].metric {
                            SlaMetric::FirstReply | SlaMetric::NextReply => {
                                self.end(&mut s, id, i, at)?
                            }
                            SlaMetric::PeriodicUpdate | SlaMetric::PausableUpdate => {
                                self.end(&mut s, id, i, at)?;
                                if s.phase != Phase::Solved {
                                    self.start(&mut s, id, i, at);
                                }
                            }
                            _ => {}
                        }
                    }
                }
                InteractionKind::Message {
                    author: Author::Customer,
                    visibility: Visibility::Public,
                } => {
                    if s.replied && !s.awaiting {
                        s.awaiting = true;
                        for i in 0..n {
                            if s.clocks[i].metric == SlaMetric::NextReply {
                                self.start(&mut s, id, i, at);
                            }
                        }
                    }
                }
                InteractionKind::Message { .. } | InteractionKind::Assignment { .. } => {}
                InteractionKind::Status(status) => match status {
                    Status::Merged { .. } | Status::Spam => {
                        self.cancel(&mut s, id)?;
                        return Ok(false);
                    }
                    Status::Solved | Status::Closed => {
                        if s.phase != Phase::Solved {
                            s.phase = Phase::Solved;
                            s.awaiting = false;
                            for i in 0..n {
                                let was_live = s.clocks[i].live;
                                self.end(&mut s, id, i, at)?;
                                if was_live && is_resolution(s.clocks[i].metric) {
                                    s.clocks[i].stopped = Some((at, s.clocks[i].elapsed));
                                }
                            }
                        }
                        if status == Status::Closed {
                            return Ok(false);
                        }
                    }
                    Status::New | Status::Open | Status::Pending | Status::OnHold => {
                        let phase = Phase::of(status).unwrap_or(Phase::OnHold);
                        let reopen = s.phase == Phase::Solved;
                        s.phase = phase;
                        if reopen {
                            self.resume(&mut s, id, at)?;
                        }
                        for i in 0..n {
                            self.sync(&mut s, id, i, at);
                        }
                    }
                },
            }
            Ok(true)
        })();
        match result {
            Ok(true) => {
                self.tickets.insert(id, s);
                Ok(())
            }
            Ok(false) => Ok(()),
            Err(err) => {
                self.tickets.insert(id, s);
                Err(err)
            }
        }
    }

    /// A reopen: the resolution targets stopped by the solve resume where they stood (total
    /// resolution counts the solved period too), their outcomes retracted.
    fn resume(&mut self, s: &mut SlaTicket, id: TicketId, at: i64) -> Result<()> {
        let calendar = self.policies.calendar.clone();
        for i in 0..s.clocks.len() {
            let Some((stopped_at, elapsed)) = s.clocks[i].stopped.take() else {
                continue;
            };
            // Retract the outcome the solve filed for this clock.
            if let Some(pos) = s.filed.iter().rposition(|f| f.0 as usize == i) {
                let (_, achieved, amount) = s.filed.remove(pos);
                each_book(&mut self.outcomes, s, i, |o| {
                    file(o, achieved, amount, false)
                })?;
            }
            let c = &mut s.clocks[i];
            c.elapsed = elapsed;
            if c.metric == SlaMetric::TotalResolution {
                c.elapsed += Self::measure(calendar.as_deref(), c.basis, stopped_at, at);
            }
            c.live = true;
            // It will be running or paused: account as paused-overdue until synced.
            let overdue = c.elapsed > c.target;
            each_book(&mut self.outcomes, s, i, |o| {
                o.live += 1;
                o.paused_overdue += u64::from(overdue);
                Ok(())
            })?;
            self.sync(s, id, i, at);
        }
        Ok(())
    }

    /// A merge or spam: every outcome of the ticket leaves the figures, its live targets
    /// are cancelled.
    fn cancel(&mut self, s: &mut SlaTicket, id: TicketId) -> Result<()> {
        for (i, achieved, amount) in std::mem::take(&mut s.filed) {
            each_book(&mut self.outcomes, s, i as usize, |o| {
                file(o, achieved, amount, false)
            })?;
        }
        for i in 0..s.clocks.len() {
            let c = &mut s.clocks[i];
            if !c.live {
                continue;
            }
            let paused_overdue = match c.running.take() {
                Some((_, deadline)) => {
                    self.running.remove(&(deadline, id, i as u8));
                    false
                }
                None => c.elapsed > c.target,
            };
            c.live = false;
            each_book(&mut self.outcomes, s, i, |o| {
                o.live -= 1;
                o.paused_overdue -= u64::from(paused_overdue);
                Ok(())
            })?;
        }
        Ok(())
    }

    /// Every target's figures at `as_of`, and the `k` running targets nearest to their
    /// deadline.
    pub fn snapshot_at(&self, as_of: DateTime<Utc>, k: usize) -> SlaSnapshot<G::Key> {
        let t = as_of.timestamp();
        // Running instances past their deadline count as breached, in each of their books.
        let mut overdue: HashMap<(u32, u8, u8), u64> = HashMap::new();
        for (deadline, id, i) in &self.running {
            if *deadline >= t {
                break;
            }
            if let Some(s) = self.tickets.get(id) {
                for b in s.books.iter() {
                    *overdue.entry((*b, s.policy, *i)).or_insert(0) += 1;
                }
            }
        }
        let book = |b: usize| -> Vec<TargetSnapshot> {
            let mut targets = Vec::new();
            for (p, policy) in self.policies.policies.iter().enumerate() {
                for (i, target) in policy.targets.iter().enumerate() {
                    let o = &self.outcomes[b][p][i];
                    let late = overdue
                        .get(&(b as u32, p as u8, i as u8))
                        .copied()
                        .unwrap_or(0)
                        + o.paused_overdue;
                    let breached = o.breached + late;
                    targets.push(TargetSnapshot {
                        policy: policy.name.clone(),
                        metric: target.metric,
                        target: *target,
                        achieved: o.achieved,
                        breached,
                        active: o.live - late,
                        attainment: (o.achieved + breached > 0)
                            .then(|| o.achieved as f64 / (o.achieved + breached) as f64),
                        breach_by: o.breach.snapshot(),
                        spare: o.spare.snapshot(),
                    });
                }
            }
            targets
        };
        let targets = book(0);
        let groups = self
            .group_keys
            .iter()
            .enumerate()
            .map(|(g, key)| (key.clone(), book(g + 1)))
            .collect();
        let about_to_breach = self
            .running
            .range((t, TicketId(0), 0)..)
            .take(k)
            .filter_map(|(deadline, id, i)| {
                let s = self.tickets.get(id)?;
                let policy = &self.policies.policies[s.policy as usize];
                Some(AtRisk {
                    ticket: *id,
                    policy: policy.name.clone(),
                    metric: policy.targets[*i as usize].metric,
                    deadline: DateTime::from_timestamp(*deadline, 0)?,
                    time_left: deadline - t,
                })
            })
            .collect();
        SlaSnapshot {
            as_of,
            targets,
            groups,
            about_to_breach,
            rejected: self.rejected.clone(),
        }
    }

    /// Tickets tracked (in play under a policy).
    pub fn in_play(&self) -> usize {
        self.tickets.len()
    }

    /// Whether both trackers run the same policies on the same calendar.
    fn same_policies(&self, other: &SlaPolicies) -> bool {
        let print = |c: &Option<Arc<dyn BusinessClock>>| c.as_ref().map(|c| c.fingerprint());
        self.policies.policies == other.policies
            && print(&self.policies.calendar) == print(&other.calendar)
    }

    /// Nothing observed yet.
    fn is_empty(&self) -> bool {
        self.tickets.is_empty()
            && self.rejected.is_empty()
            && self.outcomes.iter().flatten().flatten().all(|o| {
                o.achieved + o.breached + o.live == 0
                    && o.breach.is_pristine()
                    && o.spare.is_pristine()
            })
    }

    /// Merges the tracker of a disjoint set of tickets (another shard) into this one: the
    /// result of one pass over both. Different policies or calendars, or a ticket in play
    /// in both, are an error and change nothing. An empty tracker takes the other's state.
    pub fn merge(&mut self, other: &Self) -> Result<()> {
        if other.is_empty() {
            return Ok(());
        }
        if self.is_empty() {
            *self = other.clone();
            return Ok(());
        }
        if !self.same_policies(&other.policies) {
            return Err(Error::incompatible(
                WHAT,
                "the shards run different policies or calendars",
            ));
        }
        if let Some(id) = other
            .tickets
            .keys()
            .find(|id| self.tickets.contains_key(id))
        {
            return Err(Error::incompatible(
                WHAT,
                format!("{id} is in play in both shards"),
            ));
        }
        let mut m = self.clone();
        // Their books (0: every ticket, 1 + g: group g) → ours.
        let mut book_of = vec![0u32];
        for key in &other.group_keys {
            let slot = *m.group_index.entry(key.clone()).or_insert_with(|| {
                m.group_keys.push(key.clone());
                m.outcomes.push(Self::empty_book(&m.policies));
                m.group_keys.len() as u32
            });
            book_of.push(slot);
        }
        for (b, book) in other.outcomes.iter().enumerate() {
            let ours = &mut m.outcomes[book_of[b] as usize];
            for (p, targets) in book.iter().enumerate() {
                for (i, o) in targets.iter().enumerate() {
                    let x = &mut ours[p][i];
                    let add =
                        |a: u64, b: u64| a.checked_add(b).ok_or(Error::Overflow { what: WHAT });
                    x.achieved = add(x.achieved, o.achieved)?;
                    x.breached = add(x.breached, o.breached)?;
                    x.paused_overdue = add(x.paused_overdue, o.paused_overdue)?;
                    x.live = add(x.live, o.live)?;
                    x.breach.merge(&o.breach)?;
                    x.spare.merge(&o.spare)?;
                }
            }
        }
        for (id, s) in &other.tickets {
            let mut s = s.clone();
            s.books = s.books.iter().map(|b| book_of[*b as usize]).collect();
            for (i, c) in s.clocks.iter().enumerate() {
                if let Some((_, deadline)) = c.running {
                    m.running.insert((deadline, *id, i as u8));
                }
            }
            m.tickets.insert(*id, s);
        }
        for (rule, n) in &other.rejected {
            *m.rejected.entry(rule.clone()).or_insert(0) += n;
        }
        *self = m;
        Ok(())
    }
}

fn is_resolution(m: SlaMetric) -> bool {
    matches!(
        m,
        SlaMetric::RequesterWait | SlaMetric::AgentWork | SlaMetric::TotalResolution
    )
}

/// Files (or retracts) one outcome.
fn file(out: &mut Outcomes, achieved: bool, amount: u64, add: bool) -> Result<()> {
    let (count, summary) = if achieved {
        (&mut out.achieved, &mut out.spare)
    } else {
        (&mut out.breached, &mut out.breach)
    };
    if add {
        summary.add(amount)?;
        *count += 1;
    } else {
        summary.remove(amount)?;
        *count -= 1;
    }
    Ok(())
}
