//! The SLA tracker: the ticket machine over every ticket in play, its transitions driving
//! the SLA clocks.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::aggregate::FastHash;
use crate::calculator::Calculator;
use crate::error::{Error, RecordRef, Result, Rule};
use crate::metrics::tickets::admission::{Admission, Admitted, replay_log};
use crate::metrics::tickets::machine::{Attributes, Creation, Extra, TicketState, Transition};
use crate::metrics::tickets::store::TicketStore;
use crate::metrics::tickets::{
    FrtStart, IngestReport, OutboundReplies, Overall, RejectReason, TicketEvent, TicketGrouping,
};
use crate::model::{FieldChange, Interaction, Phase, TagId, Ticket};

use super::WHAT;
use super::clocks::{Clock, Ledger, NO_POLICY, Outcomes, SlaTicket, running_ticket};
use super::policy::{Fields, SlaPolicies};
use super::snapshot::SlaSnapshot;

/// How an [`SlaTracker`] computes: its policies and the ticket machine's options, which
/// mean what they mean for a [`TicketTracker`](crate::metrics::tickets::TicketTracker)
/// (so the two agree on every ticket's replies, phases and solves).
#[derive(Debug, Clone)]
pub struct SlaConfig {
    /// The policies and the calendar of their business-time targets.
    pub policies: SlaPolicies,
    /// Re-sequence late events (as [`TrackerConfig::resequence`]; default off).
    ///
    /// [`TrackerConfig::resequence`]: crate::metrics::tickets::TrackerConfig::resequence
    pub resequence: bool,
    /// Narrows what counts as a reply (as
    /// [`TrackerConfig::is_response`](crate::metrics::tickets::TrackerConfig::is_response)).
    pub is_response: Option<fn(&Interaction) -> bool>,
    /// What counts as the first reply of a ticket an agent opened (as
    /// [`TrackerConfig::outbound`]; default none: such a ticket has no first-reply target).
    ///
    /// [`TrackerConfig::outbound`]: crate::metrics::tickets::TrackerConfig::outbound
    pub outbound: OutboundReplies,
    /// How many running targets nearest to their deadline a snapshot lists (default 10).
    pub at_risk: usize,
}

impl Default for SlaConfig {
    fn default() -> Self {
        SlaConfig {
            policies: SlaPolicies::default(),
            resequence: false,
            is_response: None,
            outbound: OutboundReplies::NoFirstResponse,
            at_risk: 10,
        }
    }
}

impl SlaConfig {
    /// The default options with `policies`.
    pub fn new(policies: SlaPolicies) -> Self {
        SlaConfig {
            policies,
            ..SlaConfig::default()
        }
    }
}

/// Streams tickets and interactions through SLA policies (see the [module docs](super)).
///
/// Each ticket runs through the same per-ticket machine as the
/// [`TicketTracker`](crate::metrics::tickets::TicketTracker): the same event counted once
/// (a webhook retry restarts no instance), events before creation or after a close, for
/// unknown tickets or out of order turned away and counted by [`RejectReason`] in the
/// [`IngestReport`], late events put in their place with [`SlaConfig::resequence`], and the
/// same group attribution: outcomes are kept under the ticket's current team and assignee,
/// so reassigning an unsolved ticket moves them, while a solved ticket stays where it was
/// solved (a reassignment then takes effect if it is reopened).
///
/// Trackers over disjoint sets of tickets (shards by ticket id) [`merge`](Self::merge)
/// into the result of one pass; with the feature `serde` a tracker [`save`](Self::save)s
/// its whole state and goes on after [`restore`](Self::restore). Memory: one state per
/// ticket in play (released when closed, merged or marked as spam) and one index entry per
/// running target; a snapshot costs in proportion to the policies' targets, the overdue
/// targets and [`SlaConfig::at_risk`].
#[derive(Debug, Clone)]
pub struct SlaTracker<G: TicketGrouping = Overall> {
    pub(super) config: SlaConfig,
    pub(super) grouping: G,
    pub(super) tickets: TicketStore<SlaTicket>,
    pub(super) ledger: Ledger,
    pub(super) group_index: HashMap<G::Key, u32, FastHash>,
    pub(super) group_keys: Vec<G::Key>,
    pub(super) ingest: IngestReport,
    pub(super) latest: i64,
    /// A ticket's books as they would be, compared with the ones it has.
    pub(super) scratch: Vec<u32>,
}

impl<G: TicketGrouping> Default for SlaTracker<G> {
    fn default() -> Self {
        SlaTracker::with_config(SlaConfig::default(), G::default())
    }
}

impl SlaTracker<Overall> {
    /// A tracker for `policies`, over every ticket.
    pub fn new(policies: SlaPolicies) -> Self {
        Self::with_grouping(policies, Overall)
    }
}

/// The books of a ticket with these attributes: 0 (every ticket), then one per group key,
/// made as needed.
fn books_of<G: TicketGrouping>(
    grouping: &G,
    index: &mut HashMap<G::Key, u32, FastHash>,
    keys: &mut Vec<G::Key>,
    ledger: &mut Ledger,
    policies: &SlaPolicies,
    state: &TicketState,
    books: &mut Vec<u32>,
) {
    books.clear();
    books.push(0);
    grouping.for_each_key(&state.view(), |k| {
        let slot = *index.entry(k.clone()).or_insert_with(|| {
            keys.push(k);
            ledger.outcomes.push(empty_book(policies));
            keys.len() as u32
        });
        books.push(slot);
    });
}

/// Whether the ticket in `slot` is unsolved.
fn s_phase_unsolved(tickets: &TicketStore<SlaTicket>, slot: u32) -> bool {
    tickets
        .at(slot)
        .is_some_and(|s| s.machine.phase != Phase::Solved)
}

/// Outcomes for every target of every policy.
pub(super) fn empty_book(policies: &SlaPolicies) -> Vec<Vec<Outcomes>> {
    policies
        .policies
        .iter()
        .map(|p| vec![Outcomes::default(); p.targets.len()])
        .collect()
}

impl<G: TicketGrouping> SlaTracker<G> {
    /// A tracker for `policies` with outcomes also kept per group of `grouping`.
    pub fn with_grouping(policies: SlaPolicies, grouping: G) -> Self {
        Self::with_config(SlaConfig::new(policies), grouping)
    }

    /// A tracker with `config` and outcomes also kept per group of `grouping`.
    pub fn with_config(config: SlaConfig, grouping: G) -> Self {
        let ledger = Ledger {
            outcomes: vec![empty_book(&config.policies)],
            ..Ledger::default()
        };
        SlaTracker {
            config,
            grouping,
            tickets: TicketStore::default(),
            ledger,
            group_index: HashMap::default(),
            group_keys: Vec::new(),
            ingest: IngestReport::default(),
            latest: i64::MIN,
            scratch: Vec::new(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &SlaConfig {
        &self.config
    }

    /// What was offered and what the tracker did with it.
    pub fn ingest(&self) -> &IngestReport {
        &self.ingest
    }

    /// The latest instant seen.
    pub fn latest(&self) -> Option<DateTime<Utc>> {
        (self.latest != i64::MIN).then(|| DateTime::from_timestamp(self.latest, 0))?
    }

    fn reject<T>(&mut self, reason: RejectReason, record: RecordRef, rule: Rule) -> Result<T> {
        self.ingest.reject(reason);
        Err(Error::InvalidRecord { record, rule })
    }

    /// The books of a ticket's current attributes (only every ticket's without a policy).
    fn books(&mut self, policy: u8, state: &TicketState) -> Box<[u32]> {
        if policy == NO_POLICY {
            return Box::new([0]);
        }
        let mut books = Vec::new();
        books_of(
            &self.grouping,
            &mut self.group_index,
            &mut self.group_keys,
            &mut self.ledger,
            &self.config.policies,
            state,
            &mut books,
        );
        books.into_boxed_slice()
    }

    /// Fresh clocks of every slot, with a policy's targets.
    fn clocks(&self, policy: u8) -> Vec<Clock> {
        let policies = &self.config.policies;
        (policies.slots.iter().enumerate())
            .map(|(k, &(metric, basis))| Clock::of(metric, basis, policies.target_of(policy, k)))
            .collect()
    }

    /// The policy of a machine's ticket as its fields stand, with `tags`.
    fn policy_now(&self, m: &TicketState, tags: &[TagId]) -> u8 {
        let fields = Fields {
            priority: m.priority,
            channel: m.channel,
            team: m.team,
            tags,
        };
        self.config.policies.choose(&fields).unwrap_or(NO_POLICY)
    }

    /// Chooses a ticket's policy again at `at` (its priority, team or tags changed): the
    /// new policy's targets apply from now to what each clock counted.
    fn reevaluate(&mut self, slot: u32, at: i64) -> Result<()> {
        let Some(s) = self.tickets.at(slot) else {
            return Ok(());
        };
        let policy = self.policy_now(&s.machine, &s.tags);
        if policy == s.policy {
            return Ok(());
        }
        let had_books = s.policy != NO_POLICY || !s.filed.is_empty();
        if !had_books {
            let machine = s.machine.clone();
            let books = self.books(policy, &machine);
            if let Some(s) = self.tickets.at_mut(slot) {
                s.books = books;
            }
        }
        let SlaTracker {
            tickets,
            ledger,
            config,
            ..
        } = self;
        let Some(s) = tickets.at_mut(slot) else {
            return Ok(());
        };
        let policies = &config.policies;
        let calendar = policies.calendar_at(s.machine.calendar);
        ledger.repolicy(calendar, s, policy, |k| policies.target_of(policy, k), at)
    }

    /// Observes a ticket's creation: its policy is chosen now.
    pub fn observe_ticket(&mut self, ticket: &Ticket) -> Result<()> {
        let at = ticket.created_at.timestamp();
        if self.tickets.contains(ticket.id) {
            return self.reject(
                RejectReason::DuplicateTicket,
                RecordRef::Ticket(ticket.id),
                Rule::DuplicateTicket,
            );
        }
        // The calendar of the team it is created with, else the policies'.
        let calendar = self.config.policies.calendar_index(ticket.team);
        if self
            .config
            .policies
            .calendar_at(calendar)
            .is_some_and(|c| !c.covers(at))
        {
            return self.reject(
                RejectReason::OutsideCalendar,
                RecordRef::Ticket(ticket.id),
                Rule::OutsideCalendar,
            );
        }
        // A ticket no policy applies to is tracked with no targets (its events are valid).
        let uses_tags = self.config.policies.uses_tags();
        let tags = if uses_tags {
            crate::metrics::tickets::machine::tags_of(ticket)
        } else {
            Vec::new()
        };
        // With re-sequencing, its tags at creation stay with the machine (for a restart).
        let keep_tags = G::USES_TAGS || (uses_tags && self.config.resequence);
        let extra = Extra::at_creation(ticket, keep_tags, self.config.resequence, false);
        let mut creation = Creation::of(ticket, calendar);
        creation.description_first =
            !creation.inbound && self.config.outbound == OutboundReplies::SecondAgentComment;
        // SLA first-reply targets run from creation, whatever a lifecycle's clock start.
        let machine = TicketState::created(creation, FrtStart::TicketCreated, extra);
        let policy = self.policy_now(&machine, &tags);
        let books = self.books(policy, &machine);
        let mut state = SlaTicket {
            machine,
            policy,
            books,
            clocks: self.clocks(policy),
            filed: Vec::new(),
            tags,
        };
        self.ledger.start_at_creation(
            self.config.policies.calendar_at(state.machine.calendar),
            &mut state,
        );
        self.tickets.insert(state);
        self.ingest.tickets += 1;
        self.latest = self.latest.max(at);
        Ok(())
    }

    /// Observes an interaction of a ticket.
    pub fn observe_interaction(&mut self, e: &Interaction) -> Result<()> {
        let at = e.at.timestamp();
        let record = RecordRef::Interaction(e.ticket, e.at);
        let Some((slot, state)) = self
            .tickets
            .slot(e.ticket)
            .and_then(|slot| Some((slot, self.tickets.at(slot)?)))
        else {
            return self.reject(RejectReason::TicketNotInPlay, record, Rule::TicketNotInPlay);
        };
        let Admitted { how, offset, print } = match state.machine.admit(
            e,
            at,
            self.config.policies.calendar_at(state.machine.calendar),
        ) {
            Ok(admitted) => admitted,
            Err(reason) => {
                let rule = state.machine.rule(reason);
                return self.reject(reason, record, rule);
            }
        };
        match how {
            Admission::Duplicate => {
                self.ingest.duplicates += 1;
                return Ok(());
            }
            Admission::Late => return self.resequence(e, slot, offset),
            Admission::InOrder => {}
        }
        let same_status = state.machine.same_status(&e.kind);
        let keeps_log = self.config.resequence && state.machine.keeps_log();
        self.apply(e, slot, offset, print)?;
        self.ingest.same_status += u64::from(same_status);
        if keeps_log {
            if let Some(s) = self
                .tickets
                .at_mut(slot)
                .filter(|s| s.machine.id == e.ticket)
            {
                s.machine.log(offset, e.kind);
            }
        }
        self.ingest.interactions += 1;
        self.latest = self.latest.max(at);
        Ok(())
    }

    /// Runs an in-order interaction through the machine and its transition through the
    /// clocks.
    fn apply(&mut self, e: &Interaction, slot: u32, offset: u32, print: u64) -> Result<()> {
        let is_response = self.config.is_response;
        let Some(s) = self.tickets.at_mut(slot) else {
            return Ok(());
        };
        let change = s.machine.apply(e, offset, print, is_response, None);
        let uses_tags = self.config.policies.uses_tags();
        let at = s.machine.created + i64::from(offset);
        let calendar = self.config.policies.calendar_at(s.machine.calendar);
        let ledger = &mut self.ledger;
        let moves_to = ledger.follow(calendar, s, &change, at, uses_tags, G::USES_SOLVE)?;
        // A calendar that follows the team: the clocks count on the new team's from now.
        let policies = &self.config.policies;
        if let (true, Some(to), Transition::Reassigned { .. } | Transition::Reopened { .. }) =
            (policies.follows_team(), moves_to, change)
        {
            let index = policies.calendar_index(to.team);
            let next = policies.calendar_at(index);
            if to.team != s.machine.team
                && s.machine.phase != Phase::Solved
                && index != s.machine.calendar
                && next.is_some_and(|c| c.covers(at))
            {
                ledger.recalendar(calendar, next, s, at)?;
                // The machine's own business figures are not the SLA's: no clock.
                s.machine.change_calendar(index, None);
            }
        }
        if let Some(to) = moves_to {
            self.regroup(slot, to)?;
        }
        // The fields a policy is chosen by changed on an unsolved ticket (while solved, they
        // take effect at the reopen).
        let refields = match change {
            Transition::Reassigned { .. } | Transition::Reopened { .. } => true,
            Transition::Field(FieldChange::TagAdded(_) | FieldChange::TagRemoved(_)) => {
                uses_tags && s_phase_unsolved(&self.tickets, slot)
            }
            _ => false,
        };
        if refields {
            self.reevaluate(slot, at)?;
        }
        if change.releases() {
            self.tickets.remove(e.ticket);
            self.ingest.released += 1;
        }
        if self.ledger.running.wants_compaction() {
            let tickets = &self.tickets;
            self.ledger
                .running
                .compact(|r| running_ticket(tickets, r).is_some());
        }
        Ok(())
    }

    /// Gives a ticket a team and assignee, moving its outcomes when its groups change (also
    /// on a solve or a reopen, for groupings by solve window).
    fn regroup(&mut self, slot: u32, to: Attributes) -> Result<()> {
        let SlaTracker {
            tickets,
            grouping,
            group_index,
            group_keys,
            ledger,
            config,
            scratch,
            ..
        } = self;
        let Some(s) = tickets.at_mut(slot) else {
            return Ok(());
        };
        if s.machine.attributes() == to && !G::USES_SOLVE {
            return Ok(());
        }
        s.machine.set_attributes(to);
        if s.policy == NO_POLICY && s.filed.is_empty() {
            return Ok(());
        }
        books_of(
            grouping,
            group_index,
            group_keys,
            ledger,
            &config.policies,
            &s.machine,
            scratch,
        );
        if scratch[..] != s.books[..] {
            ledger.move_books(s, scratch.as_slice().into())?;
        }
        Ok(())
    }

    /// Puts a late interaction in its place: withdraws the ticket's outcomes, starts it
    /// again from its creation and replays its events in time order with the late one
    /// among them.
    fn resequence(&mut self, e: &Interaction, slot: u32, offset: u32) -> Result<()> {
        let id = e.ticket;
        let Some(s) = self.tickets.at_mut(slot) else {
            return Ok(());
        };
        self.ledger.cancel(s)?;
        let (fresh, log) = s
            .machine
            .restarted(FrtStart::TicketCreated, (offset, e.kind));
        let created = fresh.created;
        // As created: its fields (and tags) at creation choose the policy.
        let tags: Vec<TagId> = match (self.config.policies.uses_tags(), fresh.extra.as_ref()) {
            (true, Some(x)) => x.tags.clone(),
            _ => Vec::new(),
        };
        let policy = self.policy_now(&fresh, &tags);
        let books = self.books(policy, &fresh);
        let clocks = self.clocks(policy);
        let Some(s) = self.tickets.at_mut(slot) else {
            return Ok(());
        };
        *s = SlaTicket {
            machine: fresh,
            policy,
            books,
            clocks,
            filed: Vec::new(),
            tags,
        };
        let calendar = self.config.policies.calendar_at(s.machine.calendar);
        self.ledger.start_at_creation(calendar, s);
        self.ingest.interactions += 1;
        self.ingest.resequenced += 1;
        let (replayed, left_over) = replay_log(id, created, log, |e, o, print| {
            self.apply(e, slot, o, print)?;
            Ok(self.tickets.slot(id) == Some(slot))
        })?;
        self.ingest.left_over(left_over);
        if let Some(s) = self.tickets.at_mut(slot) {
            s.machine.set_log(replayed);
        }
        Ok(())
    }

    /// Tickets in play (held in memory), under a policy or none.
    pub fn in_play(&self) -> usize {
        self.tickets.len()
    }

    /// Never offered a record.
    fn is_empty(&self) -> bool {
        self.tickets.len() == 0 && self.ingest.offered() == 0
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
        if !self.config.policies.same_as(&other.config.policies) {
            return Err(Error::incompatible(
                WHAT,
                "the shards run different policies or calendars",
            ));
        }
        if let Some(s) = other
            .tickets
            .iter()
            .find(|s| self.tickets.contains(s.machine.id))
        {
            return Err(Error::incompatible(
                WHAT,
                format!("{} is in play in both shards", s.machine.id),
            ));
        }
        let mut m = self.clone();
        // Their books (0: every ticket, 1 + g: group g) → ours.
        let mut book_of = vec![0u32];
        for key in &other.group_keys {
            let slot = *m.group_index.entry(key.clone()).or_insert_with(|| {
                m.group_keys.push(key.clone());
                m.ledger.outcomes.push(empty_book(&m.config.policies));
                m.group_keys.len() as u32
            });
            book_of.push(slot);
        }
        for (b, book) in other.ledger.outcomes.iter().enumerate() {
            let ours = &mut m.ledger.outcomes[book_of[b] as usize];
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
        for s in other.tickets.iter() {
            let mut s = s.clone();
            s.books = s.books.iter().map(|b| book_of[*b as usize]).collect();
            // Run numbers are the index's own: theirs are renumbered into ours.
            for (i, c) in s.clocks.iter_mut().enumerate() {
                if let Some((_, deadline)) = c.running {
                    c.run = m.ledger.running.start(deadline, s.machine.id, i as u8);
                }
            }
            m.tickets.insert(s);
        }
        m.ingest.merge(&other.ingest);
        m.latest = m.latest.max(other.latest);
        *self = m;
        Ok(())
    }
}

impl<G: TicketGrouping> Calculator for SlaTracker<G> {
    type Record = TicketEvent;
    type Snapshot = SlaSnapshot<G::Key>;

    fn observe(&mut self, event: &TicketEvent) -> Result<()> {
        match event {
            TicketEvent::Created(t) => self.observe_ticket(t),
            TicketEvent::Interaction(i) => self.observe_interaction(i),
        }
    }

    fn merge(&mut self, other: &Self) -> Result<()> {
        SlaTracker::merge(self, other)
    }

    /// The snapshot dated at the latest instant seen.
    fn snapshot(&self) -> SlaSnapshot<G::Key> {
        let as_of = self.latest().unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
        self.snapshot_at(as_of)
    }
}
