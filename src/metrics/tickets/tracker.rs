//! The ticket tracker: per-ticket state of tickets in play, feeding finished facts into
//! the aggregates.

use core::fmt::Debug;
use core::hash::Hash;
use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};

use super::lifecycle::{LifecycleSnapshot, SolvedFacts, TicketLifecycle};
use crate::aggregate::FastHash;
use crate::calculator::Calculator;
use crate::error::{Error, RecordRef, Result, Rule};
use crate::model::{
    AgentId, Author, Channel, CreatedBy, CustomerId, Interaction, InteractionKind, Priority,
    Status, TeamId, Ticket, TicketId, Visibility,
};
use crate::stats::SummaryConfig;

const WHAT: &str = "ticket tracker";

/// Where the first-response clock starts (METRICS.md "FRT clock start").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum FrtStart {
    /// At the ticket's creation (Zendesk, Zammad, Freshdesk). The default.
    #[default]
    TicketCreated,
    /// At the first public customer message (Intercom, Front); a ticket whose customer
    /// never wrote has no first response time.
    FirstCustomerMessage,
}

/// How a [`TicketTracker`] computes.
#[derive(Debug, Clone)]
pub struct TrackerConfig {
    /// Accuracy, bin limit and buckets of every duration summary.
    pub summary: SummaryConfig,
    /// The "resolved within" target in seconds (default 24 h).
    pub resolution_target: u64,
    /// Where the first-response clock starts.
    pub frt_start: FrtStart,
    /// Narrows what counts as a response: a public agent message counts only if this
    /// returns true (e.g. to leave out macros marked as auto-acknowledgements). `None`:
    /// every public agent message.
    pub is_response: Option<fn(&Interaction) -> bool>,
}

impl Default for TrackerConfig {
    fn default() -> Self {
        TrackerConfig {
            summary: SummaryConfig::default(),
            resolution_target: super::lifecycle::DEFAULT_RESOLUTION_TARGET,
            frt_start: FrtStart::default(),
            is_response: None,
        }
    }
}

/// A ticket as a grouping sees it: its attributes at the moment its figures are filed.
#[derive(Debug, Clone, Copy)]
pub struct TicketView<'a> {
    /// The ticket.
    pub id: TicketId,
    /// When it was created (Unix seconds).
    pub created_at: i64,
    /// Its channel.
    pub channel: Channel,
    /// Its priority.
    pub priority: Priority,
    /// Its requester.
    pub requester: CustomerId,
    /// Its team as last assigned (frozen while solved).
    pub team: Option<TeamId>,
    /// Its assignee as last assigned (frozen while solved).
    pub assignee: Option<AgentId>,
    /// Its tags.
    pub tags: &'a [String],
}

/// How a [`TicketTracker`] groups tickets: zero, one or several keys per ticket.
///
/// Figures are filed under the keys of the ticket's attributes as they stand; reassigning
/// an unsolved ticket moves all its figures to the new group, while a solved ticket stays
/// credited to the team and assignee it had when solved (a reassignment then takes effect
/// if it is reopened). So grouping by assignee credits resolution figures to the assignee
/// at solve time.
pub trait TicketGrouping: Default + Clone + Send {
    /// The group key.
    type Key: Eq + Hash + Ord + Clone + Send + Debug;
    /// Calls `f` with each key the ticket belongs to.
    fn for_each_key<F: FnMut(Self::Key)>(&self, ticket: &TicketView<'_>, f: F);
}

/// No groups: the tracker computes the overall figures only.
#[derive(Debug, Clone, Copy, Default)]
pub struct Overall;

impl TicketGrouping for Overall {
    type Key = ();
    #[inline]
    fn for_each_key<F: FnMut(())>(&self, _: &TicketView<'_>, _: F) {}
}

macro_rules! ticket_key {
    ($(#[$doc:meta])* $name:ident, $key:ty, |$t:ident| $e:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default)]
        pub struct $name;

        impl TicketGrouping for $name {
            type Key = $key;
            #[inline]
            fn for_each_key<F: FnMut($key)>(&self, $t: &TicketView<'_>, mut f: F) {
                f($e)
            }
        }
    };
}

ticket_key!(
    /// Groups by team (`None` for tickets without one).
    ByTeam,
    Option<TeamId>,
    |t| t.team
);
ticket_key!(
    /// Groups by assignee (`None` for unassigned tickets); resolution figures go to the
    /// assignee at solve time.
    ByAssignee,
    Option<AgentId>,
    |t| t.assignee
);
ticket_key!(
    /// Groups by channel.
    ByChannel,
    Channel,
    |t| t.channel
);
ticket_key!(
    /// Groups by priority.
    ByPriority,
    Priority,
    |t| t.priority
);
ticket_key!(
    /// Groups by requester (customer).
    ByRequester,
    CustomerId,
    |t| t.requester
);

/// Groups by tag: a ticket counts in the group of each of its tags (and in none if it has
/// none), so group figures do not add up to the overall ones.
#[derive(Debug, Clone, Copy, Default)]
pub struct ByTag;

impl TicketGrouping for ByTag {
    type Key = String;
    fn for_each_key<F: FnMut(String)>(&self, t: &TicketView<'_>, mut f: F) {
        for tag in t.tags {
            f(tag.clone());
        }
    }
}

/// Why the tracker turned a record away (counted in the [`IngestReport`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum RejectReason {
    /// An interaction for a ticket not in play: never created, or already closed, merged,
    /// marked as spam or evicted (a late event).
    TicketNotInPlay,
    /// A second creation of a ticket in play.
    DuplicateTicket,
    /// An interaction before its ticket's creation.
    BeforeCreation,
    /// An interaction earlier than one already applied to its ticket.
    OutOfOrder,
    /// A ticket merged into itself.
    MergedIntoItself,
    /// A duration too long to hold (over 136 years).
    DurationOutOfRange,
}

impl RejectReason {
    /// Every reason.
    pub const ALL: [RejectReason; 6] = [
        RejectReason::TicketNotInPlay,
        RejectReason::DuplicateTicket,
        RejectReason::BeforeCreation,
        RejectReason::OutOfOrder,
        RejectReason::MergedIntoItself,
        RejectReason::DurationOutOfRange,
    ];

    /// The snake-case name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            RejectReason::TicketNotInPlay => "ticket_not_in_play",
            RejectReason::DuplicateTicket => "duplicate_ticket",
            RejectReason::BeforeCreation => "before_creation",
            RejectReason::OutOfOrder => "out_of_order",
            RejectReason::MergedIntoItself => "merged_into_itself",
            RejectReason::DurationOutOfRange => "duration_out_of_range",
        }
    }
}

/// What a tracker was offered and what it did with it: accepted + rejected = offered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct IngestReport {
    /// Ticket records accepted.
    pub tickets: u64,
    /// Interactions accepted.
    pub interactions: u64,
    /// Records rejected, by reason.
    pub rejected: BTreeMap<RejectReason, u64>,
    /// Tickets released from memory (closed, merged, spam, evicted).
    pub released: u64,
}

impl IngestReport {
    /// Records offered: accepted and rejected.
    pub fn offered(&self) -> u64 {
        self.tickets + self.interactions + self.rejected.values().sum::<u64>()
    }

    fn reject(&mut self, reason: RejectReason) {
        *self.rejected.entry(reason).or_insert(0) += 1;
    }

    fn merge(&mut self, other: &Self) {
        self.tickets += other.tickets;
        self.interactions += other.interactions;
        self.released += other.released;
        for (r, n) in &other.rejected {
            *self.rejected.entry(*r).or_insert(0) += n;
        }
    }
}

/// A status in the tracker's compact form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    New,
    Open,
    Pending,
    OnHold,
    Solved,
}

const NONE: i64 = i64::MIN;

/// The state of one ticket in play. Instants are Unix seconds; `NONE` marks "not yet".
#[derive(Debug, Clone)]
struct TicketState {
    created: i64,
    last_event: i64,
    status_since: i64,
    /// The FRT clock start (creation, or the first customer message).
    clock_start: i64,
    first_reply: i64,
    first_solved: i64,
    last_solved: i64,
    /// When the current cycle (creation or reopen) began.
    cycle_start: i64,
    /// The customer message awaiting a next reply.
    awaiting: i64,
    work: u64,
    on_hold: u64,
    pending: u64,
    replies: u32,
    reopens: u32,
    phase: Phase,
    inbound: bool,
    channel: Channel,
    priority: Priority,
    requester: CustomerId,
    /// Team and assignee under which the ticket's figures are filed.
    team: Option<TeamId>,
    assignee: Option<AgentId>,
    /// Team and assignee as last assigned (differs from the above only while solved).
    latest_team: Option<TeamId>,
    latest_assignee: Option<AgentId>,
    tags: Box<[String]>,
    /// Durations already filed that a merge or spam must retract: next replies and cycles.
    next_replies: Vec<u64>,
    cycles: Vec<u64>,
}

fn secs(from: i64, to: i64) -> u64 {
    // Callers guarantee to ≥ from (events are in order per ticket).
    (to - from) as u64
}

impl TicketState {
    fn view<'a>(&'a self, id: TicketId) -> TicketView<'a> {
        TicketView {
            id,
            created_at: self.created,
            channel: self.channel,
            priority: self.priority,
            requester: self.requester,
            team: self.team,
            assignee: self.assignee,
            tags: &self.tags,
        }
    }

    fn solved_facts(&self) -> SolvedFacts {
        SolvedFacts {
            first_resolution: secs(self.created, self.first_solved),
            full_resolution: secs(self.created, self.last_solved),
            requester_wait: self.work + self.on_hold,
            agent_work: self.work,
            agent_wait: self.pending,
            on_hold: self.on_hold,
            replies: self.replies,
            reopens: self.reopens,
        }
    }

    fn unanswered(&self) -> bool {
        self.inbound && self.first_reply == NONE && self.phase != Phase::Solved
    }

    /// Accumulates the time since the last status change into the current status.
    fn close_period(&mut self, at: i64) {
        let d = secs(self.status_since, at);
        match self.phase {
            Phase::New | Phase::Open => self.work += d,
            Phase::OnHold => self.on_hold += d,
            Phase::Pending => self.pending += d,
            Phase::Solved => {}
        }
        self.status_since = at;
    }
}

/// Adds (`sign` = 1) or retracts (`sign` = −1) every figure a ticket contributes.
fn file_all(
    agg: &mut TicketLifecycle,
    s: &TicketState,
    sign: i8,
    count_created: bool,
) -> Result<()> {
    let add = sign > 0;
    let step = |v: &mut u64| {
        if add { *v += 1 } else { *v -= 1 }
    };
    if count_created {
        step(&mut agg.created);
    }
    if s.phase != Phase::Solved {
        step(&mut agg.backlog);
        let c = i128::from(s.created);
        agg.backlog_created_sum += if add { c } else { -c };
    }
    if s.unanswered() {
        step(&mut agg.unanswered);
        let c = i128::from(s.created);
        agg.unanswered_created_sum += if add { c } else { -c };
    }
    if s.first_reply != NONE && s.clock_start != NONE && s.inbound {
        step(&mut agg.answered);
        let frt = secs(s.clock_start, s.first_reply);
        if add {
            agg.first_response.add(frt)?
        } else {
            agg.first_response.remove(frt)?
        }
    }
    for v in &s.next_replies {
        if add {
            agg.next_reply.add(*v)?
        } else {
            agg.next_reply.remove(*v)?
        }
    }
    for v in &s.cycles {
        if add {
            agg.cycle_resolution.add(*v)?
        } else {
            agg.cycle_resolution.remove(*v)?
        }
    }
    if s.phase == Phase::Solved {
        let f = s.solved_facts();
        if add {
            agg.add_solved(&f)?
        } else {
            agg.retract_solved(&f)?
        }
    }
    Ok(())
}

/// Streams tickets and their interactions into every calendar-time ticket metric, overall
/// and per group.
///
/// # How it computes
/// The tracker holds the state of the tickets in play (created and not yet closed, merged,
/// marked as spam or evicted) and files each fact in the aggregates as it becomes known: a
/// first response when the agent replies, resolution figures when the ticket is solved. A
/// reopen retracts the ticket's resolution figures (the sketches remove values) and the
/// next solve files the new ones, so a snapshot at any moment is exact for the history
/// seen so far. A snapshot costs a few microseconds per group, whatever the history's
/// length.
///
/// Events must come in time order **per ticket**; the order across tickets does not
/// matter, so a stream interleaved in time and one grouped by ticket give identical
/// results. Trackers over disjoint sets of tickets (shards by ticket id) merge into the
/// result of one pass.
///
/// # Memory
/// One state of about 200 bytes per ticket in play (plus its tags and, after a reopen or a
/// next reply, a few durations); a closed, merged or spam ticket is released at once, and
/// [`evict_solved_before`](Self::evict_solved_before) releases solved tickets that stay
/// unclosed. Memory follows the tickets in play, not the history.
///
/// # Records turned away
/// A record that breaks a rule (an interaction for a ticket not in play, before its
/// ticket's creation, or out of order; a second creation) is an [`Error`] and changes no
/// figure; it is counted by reason in the [`IngestReport`] of every snapshot.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use csm_metrics::{AgentId, CustomerId, Interaction, Status, Ticket, TicketId};
/// use csm_metrics::metrics::tickets::{ByTeam, TicketTracker};
///
/// let t0 = Utc.with_ymd_and_hms(2025, 3, 3, 9, 0, 0).unwrap();
/// let minutes = |m| t0 + chrono::TimeDelta::minutes(m);
/// let mut tracker = TicketTracker::<ByTeam>::default();
/// tracker.observe_ticket(&Ticket::new(TicketId(1), t0, CustomerId(5)))?;
/// tracker.observe_interaction(&Interaction::agent_reply(TicketId(1), minutes(30), AgentId(2)))?;
/// tracker.observe_interaction(&Interaction::status(TicketId(1), minutes(45), Status::Solved))?;
///
/// let report = tracker.snapshot_at(minutes(60));
/// assert_eq!(report.overall.first_response.mean, Some(1800.0));
/// assert_eq!(report.overall.full_resolution.mean, Some(2700.0));
/// assert_eq!(report.overall.one_touch_rate, Some(1.0));
/// # Ok::<(), csm_metrics::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct TicketTracker<G: TicketGrouping = Overall> {
    config: TrackerConfig,
    grouping: G,
    tickets: HashMap<TicketId, TicketState, FastHash>,
    overall: TicketLifecycle,
    groups: HashMap<G::Key, TicketLifecycle, FastHash>,
    template: TicketLifecycle,
    ingest: IngestReport,
    latest: i64,
}

impl<G: TicketGrouping> Default for TicketTracker<G> {
    fn default() -> Self {
        TicketTracker {
            config: TrackerConfig::default(),
            grouping: G::default(),
            tickets: HashMap::default(),
            overall: TicketLifecycle::default(),
            groups: HashMap::default(),
            template: TicketLifecycle::default(),
            ingest: IngestReport::default(),
            latest: NONE,
        }
    }
}

/// What a [`TicketTracker`] reports at an instant.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TrackerSnapshot<K: Ord> {
    /// The instant the ages are dated at.
    pub as_of: DateTime<Utc>,
    /// Every ticket.
    pub overall: LifecycleSnapshot,
    /// Each group.
    pub groups: BTreeMap<K, LifecycleSnapshot>,
    /// What was offered, accepted and rejected.
    pub ingest: IngestReport,
    /// Tickets in play (held in memory).
    pub in_play: u64,
}

/// A ticket's creation or one of its interactions: what a [`TicketTracker`] observes as a
/// [`Calculator`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TicketEvent {
    /// A ticket was created.
    Created(Ticket),
    /// Something happened to a ticket.
    Interaction(Interaction),
}

impl<G: TicketGrouping> TicketTracker<G> {
    /// A tracker with the given configuration and grouping.
    pub fn new(config: TrackerConfig, grouping: G) -> Result<Self> {
        let template = TicketLifecycle::with_config(&config.summary, config.resolution_target)?;
        Ok(TicketTracker {
            overall: template.clone(),
            template,
            config,
            grouping,
            ..TicketTracker::default()
        })
    }

    /// Tickets in play (held in memory).
    pub fn in_play(&self) -> usize {
        self.tickets.len()
    }

    /// The ingest report so far.
    pub fn ingest(&self) -> &IngestReport {
        &self.ingest
    }

    /// The overall aggregate.
    pub fn overall(&self) -> &TicketLifecycle {
        &self.overall
    }

    /// The latest instant seen.
    pub fn latest(&self) -> Option<DateTime<Utc>> {
        (self.latest != NONE).then(|| DateTime::from_timestamp(self.latest, 0))?
    }

    fn reject<T>(&mut self, reason: RejectReason, record: RecordRef, rule: Rule) -> Result<T> {
        self.ingest.reject(reason);
        Err(Error::InvalidRecord { record, rule })
    }

    /// Applies `f` to the overall aggregate (when given) and to the aggregate of each of the
    /// ticket's groups.
    fn file(
        overall: Option<&mut TicketLifecycle>,
        groups: &mut HashMap<G::Key, TicketLifecycle, FastHash>,
        template: &TicketLifecycle,
        grouping: &G,
        view: &TicketView<'_>,
        mut f: impl FnMut(&mut TicketLifecycle) -> Result<()>,
    ) -> Result<()> {
        if let Some(overall) = overall {
            f(overall)?;
        }
        let mut result = Ok(());
        grouping.for_each_key(view, |k| {
            if result.is_err() {
                return;
            }
            let agg = match groups.get_mut(&k) {
                Some(a) => a,
                None => groups.entry(k).or_insert_with(|| template.clone()),
            };
            result = f(agg);
        });
        result
    }

    /// Observes a ticket's creation.
    pub fn observe_ticket(&mut self, ticket: &Ticket) -> Result<()> {
        if self.tickets.contains_key(&ticket.id) {
            return self.reject(
                RejectReason::DuplicateTicket,
                RecordRef::Ticket(ticket.id),
                Rule::DuplicateTicket,
            );
        }
        let created = ticket.created_at.timestamp();
        let inbound = !matches!(ticket.created_by, CreatedBy::Agent(_));
        let state = TicketState {
            created,
            last_event: created,
            status_since: created,
            clock_start: match self.config.frt_start {
                FrtStart::TicketCreated => created,
                FrtStart::FirstCustomerMessage => NONE,
            },
            first_reply: NONE,
            first_solved: NONE,
            last_solved: NONE,
            cycle_start: created,
            awaiting: NONE,
            work: 0,
            on_hold: 0,
            pending: 0,
            replies: 0,
            reopens: 0,
            phase: Phase::New,
            inbound,
            channel: ticket.channel,
            priority: ticket.priority,
            requester: ticket.requester,
            team: ticket.team,
            assignee: ticket.assignee,
            latest_team: ticket.team,
            latest_assignee: ticket.assignee,
            tags: ticket.tags.clone().into_boxed_slice(),
            next_replies: Vec::new(),
            cycles: Vec::new(),
        };
        Self::file(
            Some(&mut self.overall),
            &mut self.groups,
            &self.template,
            &self.grouping,
            &state.view(ticket.id),
            |a| file_all(a, &state, 1, true),
        )?;
        self.tickets.insert(ticket.id, state);
        self.ingest.tickets += 1;
        self.latest = self.latest.max(created);
        Ok(())
    }

    /// Observes one interaction of a ticket in play.
    pub fn observe_interaction(&mut self, event: &Interaction) -> Result<()> {
        let at = event.at.timestamp();
        let record = RecordRef::Interaction(event.ticket, event.at);
        let Some(state) = self.tickets.get(&event.ticket) else {
            return self.reject(RejectReason::TicketNotInPlay, record, Rule::TicketNotInPlay);
        };
        if at < state.created {
            let created_at = DateTime::from_timestamp(state.created, 0).unwrap_or(event.at);
            return self.reject(
                RejectReason::BeforeCreation,
                record,
                Rule::BeforeTicketCreation { created_at },
            );
        }
        if at < state.last_event {
            return self.reject(RejectReason::OutOfOrder, record, Rule::OutOfOrder);
        }
        if let InteractionKind::Status(Status::Merged { into }) = event.kind {
            if into == event.ticket {
                return self.reject(
                    RejectReason::MergedIntoItself,
                    record,
                    Rule::MergedIntoItself,
                );
            }
        }
        self.apply(event, at)?;
        self.ingest.interactions += 1;
        self.latest = self.latest.max(at);
        Ok(())
    }

    fn apply(&mut self, event: &Interaction, at: i64) -> Result<()> {
        let id = event.ticket;
        let Self {
            tickets,
            overall,
            groups,
            template,
            grouping,
            config,
            ingest,
            ..
        } = self;
        let Some(state) = tickets.get_mut(&id) else {
            return Ok(());
        };
        state.last_event = at;
        match event.kind {
            InteractionKind::Message { author, visibility } => {
                if visibility != Visibility::Public {
                    return Ok(());
                }
                match author {
                    Author::Agent(_) => {
                        if config.is_response.is_some_and(|keep| !keep(event)) {
                            return Ok(());
                        }
                        let solved_before =
                            (state.phase == Phase::Solved).then(|| state.solved_facts());
                        let was_unanswered = state.unanswered();
                        let first = state.first_reply == NONE;
                        let mut next_reply = None;
                        state.replies += 1;
                        if first {
                            state.first_reply = at;
                        } else if state.awaiting != NONE {
                            let wait = secs(state.awaiting, at);
                            state.next_replies.push(wait);
                            state.awaiting = NONE;
                            next_reply = Some(wait);
                        }
                        let frt = (first && state.inbound && state.clock_start != NONE)
                            .then(|| secs(state.clock_start, at));
                        let solved_after = solved_before.map(|_| state.solved_facts());
                        let created = i128::from(state.created);
                        Self::file(
                            Some(overall),
                            groups,
                            template,
                            grouping,
                            &state.view(id),
                            |a| {
                                if was_unanswered {
                                    a.unanswered -= 1;
                                    a.unanswered_created_sum -= created;
                                }
                                if let Some(frt) = frt {
                                    a.answered += 1;
                                    a.first_response.add(frt)?;
                                }
                                if let Some(wait) = next_reply {
                                    a.next_reply.add(wait)?;
                                }
                                if let (Some(b), Some(f)) = (&solved_before, &solved_after) {
                                    a.retract_solved(b)?;
                                    a.add_solved(f)?;
                                }
                                Ok(())
                            },
                        )
                    }
                    Author::Customer => {
                        if state.clock_start == NONE {
                            state.clock_start = at;
                        } else if state.first_reply != NONE
                            && state.awaiting == NONE
                            && state.phase != Phase::Solved
                        {
                            state.awaiting = at;
                        }
                        Ok(())
                    }
                    Author::Automation => Ok(()),
                }
            }
            InteractionKind::Assignment { agent, team } => {
                if agent.is_some() {
                    state.latest_assignee = agent;
                }
                if team.is_some() {
                    state.latest_team = team;
                }
                if state.phase != Phase::Solved {
                    Self::refile(groups, template, grouping, id, state)?;
                }
                Ok(())
            }
            InteractionKind::Status(status) => {
                state.close_period(at);
                match status {
                    Status::Merged { .. } | Status::Spam => {
                        let spam = status == Status::Spam;
                        let s: &TicketState = state;
                        Self::file(
                            Some(overall),
                            groups,
                            template,
                            grouping,
                            &s.view(id),
                            |a| file_all(a, s, -1, spam),
                        )?;
                        tickets.remove(&id);
                        ingest.released += 1;
                        Ok(())
                    }
                    Status::Closed if state.phase != Phase::Solved => {
                        // Closed without ever being solved (an abandoned request closed by
                        // the help desk): it leaves the backlog, but is no resolution.
                        let was_unanswered = state.unanswered();
                        let created = i128::from(state.created);
                        Self::file(
                            Some(overall),
                            groups,
                            template,
                            grouping,
                            &state.view(id),
                            |a| {
                                a.backlog -= 1;
                                a.backlog_created_sum -= created;
                                a.closed_unresolved += 1;
                                if was_unanswered {
                                    a.unanswered -= 1;
                                    a.unanswered_created_sum -= created;
                                }
                                Ok(())
                            },
                        )?;
                        tickets.remove(&id);
                        ingest.released += 1;
                        Ok(())
                    }
                    Status::Solved | Status::Closed => {
                        if state.phase != Phase::Solved {
                            let was_unanswered = state.unanswered();
                            state.phase = Phase::Solved;
                            if state.first_solved == NONE {
                                state.first_solved = at;
                            }
                            state.last_solved = at;
                            state.awaiting = NONE;
                            let cycle = secs(state.cycle_start, at);
                            state.cycles.push(cycle);
                            let facts = state.solved_facts();
                            let created = i128::from(state.created);
                            Self::file(
                                Some(overall),
                                groups,
                                template,
                                grouping,
                                &state.view(id),
                                |a| {
                                    a.solve_events += 1;
                                    a.backlog -= 1;
                                    a.backlog_created_sum -= created;
                                    if was_unanswered {
                                        a.unanswered -= 1;
                                        a.unanswered_created_sum -= created;
                                    }
                                    a.cycle_resolution.add(cycle)?;
                                    a.add_solved(&facts)
                                },
                            )?;
                        }
                        if status == Status::Closed {
                            tickets.remove(&id);
                            ingest.released += 1;
                        }
                        Ok(())
                    }
                    Status::New | Status::Open | Status::Pending | Status::OnHold => {
                        let phase = match status {
                            Status::New => Phase::New,
                            Status::Open => Phase::Open,
                            Status::Pending => Phase::Pending,
                            _ => Phase::OnHold,
                        };
                        if state.phase != Phase::Solved {
                            state.phase = phase;
                            return Ok(());
                        }
                        // A reopen: retract the resolution figures, back into the backlog.
                        let facts = state.solved_facts();
                        state.phase = phase;
                        state.reopens += 1;
                        state.cycle_start = at;
                        let unanswered = state.unanswered();
                        let created = i128::from(state.created);
                        Self::file(
                            Some(overall),
                            groups,
                            template,
                            grouping,
                            &state.view(id),
                            |a| {
                                a.reopen_events += 1;
                                a.retract_solved(&facts)?;
                                a.backlog += 1;
                                a.backlog_created_sum += created;
                                if unanswered {
                                    a.unanswered += 1;
                                    a.unanswered_created_sum += created;
                                }
                                Ok(())
                            },
                        )?;
                        Self::refile(groups, template, grouping, id, state)
                    }
                }
            }
        }
    }

    /// Moves every figure of an unsolved ticket from the groups of its filed attributes to
    /// those of its latest ones (the overall aggregate does not change).
    fn refile(
        groups: &mut HashMap<G::Key, TicketLifecycle, FastHash>,
        template: &TicketLifecycle,
        grouping: &G,
        id: TicketId,
        state: &mut TicketState,
    ) -> Result<()> {
        if state.latest_team == state.team && state.latest_assignee == state.assignee {
            return Ok(());
        }
        // Only a change of group keys moves anything (a new assignee does not move a
        // ticket grouped by team).
        let mut old_keys = Vec::new();
        grouping.for_each_key(&state.view(id), |k| old_keys.push(k));
        let filed = (state.team, state.assignee);
        (state.team, state.assignee) = (state.latest_team, state.latest_assignee);
        let mut new_keys = Vec::new();
        grouping.for_each_key(&state.view(id), |k| new_keys.push(k));
        if old_keys == new_keys {
            return Ok(());
        }
        (state.team, state.assignee) = filed;
        let s: &TicketState = state;
        Self::file(None, groups, template, grouping, &s.view(id), |a| {
            file_all(a, s, -1, true)
        })?;
        state.team = state.latest_team;
        state.assignee = state.latest_assignee;
        let s: &TicketState = state;
        Self::file(None, groups, template, grouping, &s.view(id), |a| {
            file_all(a, s, 1, true)
        })
    }

    /// Releases solved (not closed) tickets last solved before `before`: their figures stay
    /// filed, their state leaves memory. A later event for one of them is a late event
    /// ([`RejectReason::TicketNotInPlay`]). Returns how many were released.
    pub fn evict_solved_before(&mut self, before: DateTime<Utc>) -> usize {
        let limit = before.timestamp();
        let n = self.tickets.len();
        self.tickets
            .retain(|_, s| !(s.phase == Phase::Solved && s.last_solved < limit));
        let released = n - self.tickets.len();
        self.ingest.released += released as u64;
        released
    }

    /// Every figure at `as_of`, which dates the ages of unanswered and backlog tickets.
    pub fn snapshot_at(&self, as_of: DateTime<Utc>) -> TrackerSnapshot<G::Key> {
        let t = as_of.timestamp();
        TrackerSnapshot {
            as_of,
            overall: self.overall.snapshot_at(t),
            groups: self
                .groups
                .iter()
                .map(|(k, a)| (k.clone(), a.snapshot_at(t)))
                .collect(),
            ingest: self.ingest.clone(),
            in_play: self.tickets.len() as u64,
        }
    }

    /// Merges the tracker of a disjoint set of tickets (another shard) into this one. A
    /// ticket in play in both is an error, and nothing changes.
    pub fn merge_shard(&mut self, other: &Self) -> Result<()> {
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
        let mut overall = self.overall.clone();
        overall.merge(&other.overall)?;
        let mut groups = self.groups.clone();
        for (k, theirs) in &other.groups {
            match groups.get_mut(k) {
                Some(mine) => mine.merge(theirs)?,
                None => {
                    groups.insert(k.clone(), theirs.clone());
                }
            }
        }
        self.overall = overall;
        self.groups = groups;
        self.tickets
            .extend(other.tickets.iter().map(|(k, v)| (*k, v.clone())));
        self.ingest.merge(&other.ingest);
        self.latest = self.latest.max(other.latest);
        Ok(())
    }
}

impl<G: TicketGrouping> Calculator for TicketTracker<G> {
    type Record = TicketEvent;
    type Snapshot = TrackerSnapshot<G::Key>;

    fn observe(&mut self, event: &TicketEvent) -> Result<()> {
        match event {
            TicketEvent::Created(t) => self.observe_ticket(t),
            TicketEvent::Interaction(i) => self.observe_interaction(i),
        }
    }

    fn merge(&mut self, other: &Self) -> Result<()> {
        self.merge_shard(other)
    }

    /// The snapshot dated at the latest instant seen.
    fn snapshot(&self) -> TrackerSnapshot<G::Key> {
        let as_of = self.latest().unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
        self.snapshot_at(as_of)
    }
}
