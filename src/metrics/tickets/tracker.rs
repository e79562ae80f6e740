//! The ticket tracker: the machine over every ticket in play, its transitions filed by the
//! lifecycle consumer.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::aggregate::PerGroup;
use crate::calculator::Calculator;
use crate::calendar::BusinessClock;
use crate::error::{Error, RecordRef, Result, Rule};
use crate::model::{Interaction, InteractionKind, Phase, Status, TeamId, Ticket, TicketId};
use crate::stats::{DurationSnapshot, DurationSummary};

use super::admission::{Admission, Admitted, replay_log};
use super::config::{FrtStart, OutboundReplies, TrackerConfig};
use super::filing::{Filing, Groups, file_all};
use super::grouping::{Overall, TicketGrouping, TicketView};
use super::handling::Handling;
use super::ingest::{IngestReport, RejectReason};
use super::lifecycle::{BusinessLifecycle, LifecycleSnapshot, SolvedFacts, TicketLifecycle};
use super::machine::{Creation, Extra, TicketState, UNSET, secs};
use super::store::TicketStore;

const WHAT: &str = "ticket tracker";

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
/// Events must come in time order **per ticket**, or be put in their place with
/// [`TrackerConfig::resequence`]; the order across tickets does not matter, so a stream
/// interleaved in time and one grouped by ticket give identical results. Trackers over disjoint sets of tickets (shards by ticket id) merge into the
/// result of one pass.
///
/// # Memory
/// One state of 192 bytes per ticket in play, plus about 20 bytes of index; tags are kept
/// only for groupings by tag, and a ticket reopened or answered more than once keeps a few
/// more durations. A closed, merged or spam ticket is released at once, and
/// [`evict_solved_before`](Self::evict_solved_before) releases solved tickets that stay
/// unclosed. Memory follows the tickets in play, not the history.
///
/// # Records turned away
/// A record that breaks a rule (an interaction for a ticket not in play, before its
/// ticket's creation, out of order, or more than 136 years after it; a second creation) is
/// an [`Error`] and changes no figure; it is counted by reason in the [`IngestReport`] of
/// every snapshot.
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
    tickets: TicketStore,
    overall: TicketLifecycle,
    groups: Groups<G::Key>,
    template: TicketLifecycle,
    ingest: IngestReport,
    latest: i64,
    epoch: crate::zone::EpochCache,
    /// The team calendars of the configuration, in team order.
    team_clocks: Vec<Arc<dyn BusinessClock>>,
}

impl<G: TicketGrouping> Default for TicketTracker<G> {
    fn default() -> Self {
        TicketTracker {
            config: TrackerConfig::default(),
            grouping: G::default(),
            tickets: TicketStore::default(),
            overall: TicketLifecycle::default(),
            groups: Groups::default(),
            template: TicketLifecycle::default(),
            ingest: IngestReport::default(),
            latest: i64::MIN,
            epoch: crate::zone::EpochCache::default(),
            team_clocks: Vec::new(),
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
    pub groups: PerGroup<K, LifecycleSnapshot>,
    /// What was offered, accepted and rejected.
    pub ingest: IngestReport,
    /// Tickets in play (held in memory).
    pub in_play: u64,
}

/// Ages of the backlog and of the unanswered tickets, as mergeable summaries.
pub(crate) type AgePair = (DurationSummary, DurationSummary);

/// Age distributions of open tickets at an instant.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Ages {
    /// Ages of the backlog: tickets not solved, closed, merged or spam.
    pub backlog: DurationSnapshot,
    /// Ages of the inbound tickets still waiting for a first response.
    pub unanswered: DurationSnapshot,
}

/// What [`TicketTracker::ages_at`] reports.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct AgesSnapshot<K: Ord> {
    /// The instant the ages are measured at.
    pub as_of: DateTime<Utc>,
    /// Every open ticket.
    pub overall: Ages,
    /// Each group.
    pub groups: PerGroup<K, Ages>,
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
        let mut template = TicketLifecycle::with_config(&config.summary, config.resolution_target)?;
        if config.team_calendars.len() > 255 {
            return Err(Error::config(WHAT, "more than 255 team calendars"));
        }
        if config.calendar.is_some() || !config.team_calendars.is_empty() {
            template.business = Some(Box::new(BusinessLifecycle::new(
                DurationSummary::with_config(&config.summary)?,
                config.business_response_target,
                config.business_resolution_target,
            )));
        }
        if config.handling {
            template.handling = Some(Box::new(Handling::new(
                DurationSummary::with_config(&config.summary)?,
                config.reply_credit,
            )));
        }
        Ok(TicketTracker {
            overall: template.clone(),
            template,
            team_clocks: config.team_calendars.values().cloned().collect(),
            config,
            grouping,
            ..TicketTracker::default()
        })
    }

    /// Never offered a record, and configured as by default.
    fn is_pristine_default(&self) -> bool {
        self.ingest.offered() == 0
            && self.config.calendar.is_none()
            && self.config.team_calendars.is_empty()
            && self.config.frt_start == FrtStart::default()
            && self.template.same_config(&TicketLifecycle::default())
    }

    /// Whether a ticket is in play (created, not yet closed, merged, marked as spam or
    /// evicted).
    pub fn is_in_play(&self, id: TicketId) -> bool {
        self.tickets.contains(id)
    }

    /// Tickets in play (held in memory).
    pub fn in_play(&self) -> usize {
        self.tickets.len()
    }

    /// Bytes of the state of one ticket in play (without its index entry, tags and extra
    /// durations).
    pub const fn state_bytes() -> usize {
        core::mem::size_of::<TicketState>()
    }

    /// The ingest report so far.
    pub fn ingest(&self) -> &IngestReport {
        &self.ingest
    }

    /// The overall aggregate (for a grouping whose groups partition the tickets, the merge
    /// of the groups).
    pub fn overall(&self) -> TicketLifecycle {
        if !G::ONE_KEY_PER_TICKET {
            return self.overall.clone();
        }
        let mut all = self.template.clone();
        for (_, g) in &self.groups.list {
            // Cannot fail: the groups share the template's configuration, and their counts
            // add up to counts of tickets that each fit in a u64.
            let _ = all.merge(g);
        }
        all
    }

    /// The keys of the groups a ticket in play is filed under now (for a solved ticket, as
    /// it was solved); `None` when it is not in play.
    pub(crate) fn keys_of(&self, id: TicketId) -> Option<Vec<G::Key>> {
        let s = self.tickets.at(self.tickets.slot(id)?)?;
        let mut keys = Vec::new();
        self.grouping.for_each_key(&s.view(), |k| keys.push(k));
        Some(keys)
    }

    /// The latest instant seen.
    pub fn latest(&self) -> Option<DateTime<Utc>> {
        (self.latest != i64::MIN).then(|| DateTime::from_timestamp(self.latest, 0))?
    }

    /// The business calendar of a ticket's calendar slot (0: the tracker's, 1 + i: the
    /// i-th team calendar).
    fn clock_for(&self, calendar: u8) -> Option<&dyn BusinessClock> {
        match calendar {
            0 => self.config.calendar.as_deref(),
            i => self.team_clocks.get(usize::from(i) - 1).map(|c| &**c),
        }
    }

    fn reject<T>(&mut self, reason: RejectReason, record: RecordRef, rule: Rule) -> Result<T> {
        self.ingest.reject(reason);
        Err(Error::InvalidRecord { record, rule })
    }

    fn parts(
        &mut self,
    ) -> (
        &mut TicketStore,
        Filing<'_, G>,
        &TrackerConfig,
        &mut IngestReport,
    ) {
        (
            &mut self.tickets,
            Filing {
                overall: &mut self.overall,
                groups: &mut self.groups,
                template: &self.template,
                grouping: &self.grouping,
                clock: self.config.calendar.as_deref(),
                team_clocks: &self.team_clocks,
                follow: self
                    .config
                    .calendar_follows_team
                    .then_some(&self.config.team_calendars),
                handling: self.config.handling,
                reply_credit: self.config.reply_credit.is_some(),
            },
            &self.config,
            &mut self.ingest,
        )
    }

    /// Observes a ticket's creation.
    pub fn observe_ticket(&mut self, ticket: &Ticket) -> Result<()> {
        if self.tickets.contains(ticket.id) {
            return self.reject(
                RejectReason::DuplicateTicket,
                RecordRef::Ticket(ticket.id),
                Rule::DuplicateTicket,
            );
        }
        let created = ticket.created_at.timestamp();
        // The calendar of the team it is created with, else the tracker's.
        let calendar = super::config::calendar_slot(&self.config.team_calendars, ticket.team);
        let clock = self.clock_for(calendar);
        if clock.is_some_and(|c| !c.covers(created)) {
            return self.reject(
                RejectReason::OutsideCalendar,
                RecordRef::Ticket(ticket.id),
                Rule::OutsideCalendar,
            );
        }
        let extra = Extra::at_creation(
            ticket,
            G::USES_TAGS,
            self.config.resequence,
            self.config.handling,
        );
        let mut creation = Creation::of(ticket, calendar);
        creation.description_first =
            !creation.inbound && self.config.outbound == OutboundReplies::SecondAgentComment;
        let mut state = TicketState::created(creation, self.config.frt_start, extra);
        let (tickets, mut filing, _, ingest) = self.parts();
        state.group = filing.group_of(&state);
        let clock = filing.clock_of(&state);
        filing.file(true, &state, |a| file_all(a, &state, true, true, clock))?;
        tickets.insert(state);
        ingest.tickets += 1;
        self.latest = self.latest.max(created);
        Ok(())
    }

    /// Observes one interaction of a ticket in play.
    pub fn observe_interaction(&mut self, event: &Interaction) -> Result<()> {
        let at = self.epoch.seconds(&event.at);
        let record = RecordRef::Interaction(event.ticket, event.at);
        let Some((slot, state)) = self
            .tickets
            .slot(event.ticket)
            .and_then(|slot| Some((slot, self.tickets.at(slot)?)))
        else {
            return self.reject(RejectReason::TicketNotInPlay, record, Rule::TicketNotInPlay);
        };
        let admitted = match state.admit(event, at, self.clock_for(state.calendar)) {
            Ok(admitted) => admitted,
            Err(reason) => {
                let rule = state.rule(reason);
                return self.reject(reason, record, rule);
            }
        };
        let Admitted { how, offset, print } = admitted;
        match how {
            Admission::Duplicate => {
                self.ingest.duplicates += 1;
                return Ok(());
            }
            Admission::Late => return self.resequence(event, slot, offset),
            Admission::InOrder => {}
        }
        let same_status = state.same_status(&event.kind);
        let keeps_log = self.config.resequence && state.keeps_log();
        self.apply(event, slot, offset, print)?;
        self.ingest.same_status += u64::from(same_status);
        if keeps_log {
            if let Some(s) = self.tickets.at_mut(slot).filter(|s| s.id == event.ticket) {
                s.log(offset, event.kind);
            }
        }
        self.ingest.interactions += 1;
        self.latest = self.latest.max(at);
        Ok(())
    }

    /// Puts a late interaction in its place: retracts the ticket's figures, starts it again
    /// from its creation and replays its events in time order with the late one among them.
    fn resequence(&mut self, event: &Interaction, slot: u32, offset: u32) -> Result<()> {
        let id = event.ticket;
        let frt_start = self.config.frt_start;
        let (tickets, mut filing, _, _) = self.parts();
        let Some(state) = tickets.at_mut(slot) else {
            return Ok(());
        };
        let clock = filing.clock_of(state);
        let s: &TicketState = state;
        filing.file(true, s, |a| file_all(a, s, false, true, clock))?;
        // The ticket as created, its figures filed again as at its creation.
        let (mut fresh, log) = state.restarted(frt_start, (offset, event.kind));
        fresh.group = filing.group_of(&fresh);
        filing.file(true, &fresh, |a| file_all(a, &fresh, true, true, clock))?;
        let created = fresh.created;
        *state = fresh;
        self.ingest.interactions += 1;
        self.ingest.resequenced += 1;
        let (replayed, left_over) = replay_log(id, created, log, |e, o, print| {
            self.apply(e, slot, o, print)?;
            Ok(self.tickets.slot(id) == Some(slot))
        })?;
        self.ingest.left_over(left_over);
        if let Some(s) = self.tickets.at_mut(slot) {
            s.set_log(replayed);
        }
        Ok(())
    }

    /// Runs an in-order interaction through the machine and hands its transition to the
    /// consumers.
    #[inline]
    fn apply(&mut self, event: &Interaction, slot: u32, at: u32, print: u64) -> Result<()> {
        let (tickets, mut filing, config, ingest) = self.parts();
        let Some(state) = tickets.at_mut(slot) else {
            return Ok(());
        };
        let clock = filing.clock_of(state);
        let change = state.apply(event, at, print, config.is_response, clock);
        filing.consume(state, &change, &event.kind)?;
        if change.releases() {
            tickets.remove(event.ticket);
            ingest.released += 1;
        }
        Ok(())
    }

    /// Releases solved (not closed) tickets last solved before `before`: their figures stay
    /// filed, their state leaves memory. A later event for one of them is a late event
    /// ([`RejectReason::TicketNotInPlay`]). Returns how many were released.
    pub fn evict_solved_before(&mut self, before: DateTime<Utc>) -> usize {
        let limit = before.timestamp();
        let released = self.tickets.retain(|s| {
            !(s.phase == Phase::Solved && s.created + i64::from(s.last_solved) < limit)
        });
        self.ingest.released += released as u64;
        released
    }

    /// Every figure at `as_of`, which dates the ages of unanswered and backlog tickets.
    ///
    /// The censoring-aware durations (`first_response_survival`, `full_resolution_survival`)
    /// walk the tickets in play, as [`ages_at`](Self::ages_at) does: a snapshot costs a few
    /// microseconds per group plus about 70 ns per open ticket.
    pub fn snapshot_at(&self, as_of: DateTime<Utc>) -> TrackerSnapshot<G::Key> {
        let t = as_of.timestamp();
        let (all_waiting, mut waiting) = self.waiting_at(t);
        let overall = self.overall();
        let mut overall_snapshot = overall.snapshot_at(t);
        all_waiting.fill(&mut overall_snapshot, &overall);
        let none = self.waiting_template();
        TrackerSnapshot {
            as_of,
            overall: overall_snapshot,
            groups: self
                .groups
                .list
                .iter()
                .map(|(k, a)| {
                    let mut snap = a.snapshot_at(t);
                    waiting
                        .remove(k)
                        .unwrap_or_else(|| none.clone())
                        .fill(&mut snap, a);
                    (k.clone(), snap)
                })
                .collect(),
            ingest: self.ingest.clone(),
            in_play: self.tickets.len() as u64,
        }
    }

    /// Merges the tracker of a disjoint set of tickets (another shard) into this one. A
    /// ticket in play in both is an error, and nothing changes. A tracker that was never
    /// offered a record takes the other's configuration (so `Default` is the identity):
    /// an empty tracker with the default configuration changes nothing, any other empty
    /// tracker is replaced by what it merges.
    pub fn merge_shard(&mut self, other: &Self) -> Result<()> {
        if other.is_pristine_default() {
            return Ok(());
        }
        if self.ingest.offered() == 0 {
            *self = other.clone();
            return Ok(());
        }
        let print = |c: &TrackerConfig| {
            let teams: Vec<(TeamId, u64)> = c
                .team_calendars
                .iter()
                .map(|(t, c)| (*t, c.fingerprint()))
                .collect();
            (c.calendar.as_ref().map(|c| c.fingerprint()), teams)
        };
        if print(&self.config) != print(&other.config)
            && other.ingest.offered() > 0
            && self.ingest.offered() > 0
        {
            return Err(Error::incompatible(
                WHAT,
                "the shards use different business calendars",
            ));
        }
        if !self.template.same_config(&other.template)
            && other.ingest.offered() > 0
            && self.ingest.offered() > 0
        {
            return Err(Error::incompatible(
                WHAT,
                "the shards use different summaries or targets",
            ));
        }
        if let Some(s) = other.tickets.iter().find(|s| self.tickets.contains(s.id)) {
            return Err(Error::incompatible(
                WHAT,
                format!("{} is in play in both shards", s.id),
            ));
        }
        let mut overall = self.overall.clone();
        overall.merge(&other.overall)?;
        let mut groups = self.groups.clone();
        for (k, theirs) in &other.groups.list {
            let slot = groups.slot(k.clone(), &self.template);
            groups.list[slot as usize].1.merge(theirs)?;
        }
        self.overall = overall;
        self.groups = groups;
        for s in other.tickets.iter() {
            let mut s = s.clone();
            // Their group slots are the other tracker's: find ours by key.
            let (_, mut filing, _, _) = self.parts();
            s.group = filing.group_of(&s);
            self.tickets.insert(s);
        }
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

#[path = "ages.rs"]
mod ages;
pub use ages::VolumeCounts;
#[path = "replay.rs"]
mod replay;
pub use replay::{TicketFacts, TicketOutcome, TicketReplay};

#[cfg(feature = "serde")]
#[path = "saved.rs"]
mod saved;
#[cfg(feature = "serde")]
pub(crate) use saved::SavedTicket;
#[cfg(feature = "serde")]
pub use saved::SavedTracker;
