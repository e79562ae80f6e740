//! Admission: whether an interaction is taken, turned away or a duplicate, and where a
//! late one goes (re-sequencing's restart and replay). Part of the one machine.

use crate::error::Rule;
use crate::model::{Interaction, InteractionKind, Phase, Status, TicketId};

use super::config::FrtStart;
use super::ingest::RejectReason;
use super::machine::{Attributes, Creation, DESCRIPTION_FIRST, Extra, TicketState, UNSET};
use crate::calendar::BusinessClock;
use crate::model::{Author, FieldChange, Visibility};

/// A 64-bit fingerprint of what an interaction did and who did it (never 0): the kind, the
/// author or assignee ids, mixed. Two events of a ticket at the same instant with equal
/// fingerprints are taken for the same event.
#[inline(always)]
pub(crate) fn fingerprint(kind: &InteractionKind) -> u64 {
    let (tag, a, b) = parts(kind);
    mix(tag, a, b)
}

/// The tag of a merge in [`parts`] (its first value is the ticket merged into).
const MERGED_TAG: u64 = 16 + 6;

/// What a fingerprint mixes: a tag for the kind and two ids.
#[inline(always)]
fn parts(kind: &InteractionKind) -> (u64, u64, u64) {
    match *kind {
        InteractionKind::Message { author, visibility } => {
            let (who, id) = match author {
                Author::Agent(a) => (0, a.0),
                Author::Customer => (1, 0),
                Author::Automation => (2, 0),
            };
            (
                1 + who * 2 + 8 * u64::from(visibility == Visibility::Public),
                id,
                0,
            )
        }
        InteractionKind::Status(s) => {
            let (code, into) = match s {
                Status::New => (0, 0),
                Status::Open => (1, 0),
                Status::Pending => (2, 0),
                Status::OnHold => (3, 0),
                Status::Solved => (4, 0),
                Status::Closed => (5, 0),
                Status::Merged { into } => (6, into.0),
                Status::Spam => (7, 0),
                Status::Custom(c) => (8 + c.category as u64, c.id.0),
            };
            (16 + code, into, 0)
        }
        InteractionKind::Assignment { agent, team } => (
            32 + u64::from(agent.is_some()) + 2 * u64::from(team.is_some()),
            agent.map_or(0, |a| a.0),
            team.map_or(0, |t| t.0),
        ),
        InteractionKind::Field(change) => match change {
            FieldChange::Priority(p) => (40 + p as u64, 0, 0),
            FieldChange::Team(t) => (44 + u64::from(t.is_some()), t.map_or(0, |t| t.0), 0),
            FieldChange::Assignee(a) => (46 + u64::from(a.is_some()), a.map_or(0, |a| a.0), 0),
            FieldChange::TagAdded(t) => (48, t.0, 0),
            FieldChange::TagRemoved(t) => (49, t.0, 0),
            FieldChange::Custom { field, value } => (
                50 + u64::from(value.is_some()),
                field.0,
                value.map_or(0, |v| v.0),
            ),
        },
        InteractionKind::BotHandoff => (52, 0, 0),
    }
}

#[inline(always)]
fn mix(tag: u64, a: u64, b: u64) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut x = tag.wrapping_mul(K) ^ a;
    x = (x ^ (x >> 31)).wrapping_mul(K) ^ b;
    x = (x ^ (x >> 29)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    (x ^ (x >> 32)) | 1
}

/// How the machine takes an interaction that breaks no rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admission {
    /// In order: apply it.
    InOrder,
    /// Earlier than an event already applied: put it in its place (re-sequencing on).
    Late,
    /// The same event again at the instant of the last one: counted once.
    Duplicate,
}

/// An interaction the machine takes: how, at which offset, with which fingerprint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Admitted {
    pub(crate) how: Admission,
    pub(crate) offset: u32,
    pub(crate) print: u64,
}

impl TicketState {
    /// Whether the ticket keeps its events for re-sequencing.
    #[inline]
    pub(crate) fn keeps_log(&self) -> bool {
        self.extra.as_ref().is_some_and(|e| e.origin.is_some())
    }

    /// Decides whether the interaction at Unix second `at` is taken, and how; or the reason
    /// it is turned away ([`rule`](Self::rule) names the rule; a rejection changes nothing).
    #[inline(always)]
    pub(crate) fn admit(
        &self,
        event: &Interaction,
        at: i64,
        clock: Option<&dyn BusinessClock>,
    ) -> Result<Admitted, RejectReason> {
        if at < self.created {
            return Err(RejectReason::BeforeCreation);
        }
        let since = at.wrapping_sub(self.created);
        if since >= i64::from(UNSET) {
            return Err(RejectReason::DurationOutOfRange);
        }
        if clock.is_some_and(|c| !c.covers(at)) {
            return Err(RejectReason::OutsideCalendar);
        }
        let offset = since as u32;
        let late = offset < self.last_event;
        if late && !self.keeps_log() {
            return Err(RejectReason::OutOfOrder);
        }
        let (tag, a, b) = parts(&event.kind);
        let print = mix(tag, a, b);
        let duplicate = if late {
            self.extra.as_ref().is_some_and(|e| {
                e.log
                    .iter()
                    .any(|(o, k)| *o == offset && fingerprint(k) == print)
            })
        } else {
            offset == self.last_event && self.recent.contains(&print)
        };
        let how = if duplicate {
            Admission::Duplicate
        } else if late {
            Admission::Late
        } else {
            Admission::InOrder
        };
        if tag == MERGED_TAG && a == event.ticket.0 && how != Admission::Duplicate {
            return Err(RejectReason::MergedIntoItself);
        }
        Ok(Admitted { how, offset, print })
    }

    /// The rule an interaction turned away for `reason` broke.
    #[cold]
    pub(crate) fn rule(&self, reason: RejectReason) -> Rule {
        match reason {
            RejectReason::BeforeCreation => Rule::BeforeTicketCreation {
                created_at: chrono::DateTime::from_timestamp(self.created, 0).unwrap_or_default(),
            },
            RejectReason::DurationOutOfRange => Rule::InstantOutOfRange,
            RejectReason::OutsideCalendar => Rule::OutsideCalendar,
            RejectReason::OutOfOrder => Rule::OutOfOrder,
            RejectReason::MergedIntoItself => Rule::MergedIntoItself,
            RejectReason::DuplicateTicket => Rule::DuplicateTicket,
            RejectReason::TicketNotInPlay => Rule::TicketNotInPlay,
        }
    }

    /// Whether a taken status change leaves the ticket in the phase it has.
    #[inline]
    pub(crate) fn same_status(&self, kind: &InteractionKind) -> bool {
        match *kind {
            InteractionKind::Status(Status::Closed | Status::Merged { .. } | Status::Spam) => false,
            InteractionKind::Status(s) => Phase::of(s) == Some(self.phase),
            _ => false,
        }
    }
}

/// A ticket's events, in time order, as offsets from its creation.
pub(crate) type EventLog = Vec<(u32, InteractionKind)>;

impl TicketState {
    /// For re-sequencing: the ticket as created (with the team and assignee it was created
    /// with, its tags kept) and its event log with the late event `(offset, kind)` in its
    /// place (after the events of the same second). The state's log is taken.
    pub(crate) fn restarted(
        &mut self,
        frt_start: FrtStart,
        late: (u32, InteractionKind),
    ) -> (TicketState, EventLog) {
        let (origin, mut log, tags, handling) = match self.extra.as_mut() {
            Some(e) => (
                e.origin,
                core::mem::take(&mut e.log),
                e.origin_tags.clone(),
                e.handling.is_some(),
            ),
            None => (None, Vec::new(), Box::<[crate::TagId]>::default(), false),
        };
        let attributes = origin.unwrap_or_else(|| self.attributes());
        let creation = Creation {
            id: self.id,
            created: self.created,
            requester: self.requester,
            attributes,
            channel: self.channel,
            created_priority: self.created_priority,
            inbound: self.inbound && self.flags & DESCRIPTION_FIRST == 0,
            description_first: self.flags & DESCRIPTION_FIRST != 0,
            calendar: self
                .extra
                .as_ref()
                .and_then(|e| e.shift)
                .map_or(self.calendar, |s| s.origin),
        };
        let extra = Box::new(Extra {
            tags: tags.to_vec(),
            origin_tags: tags,
            origin,
            handling: handling.then(|| super::handling::HandlingState::created(attributes)),
            ..Extra::default()
        });
        let at = log.partition_point(|(o, _)| *o <= late.0);
        log.insert(at, late);
        (TicketState::created(creation, frt_start, Some(extra)), log)
    }

    /// Keeps an applied event in the ticket's log (with re-sequencing).
    #[inline]
    pub(crate) fn log(&mut self, offset: u32, kind: InteractionKind) {
        if let Some(e) = self.extra.as_mut().filter(|e| e.origin.is_some()) {
            e.log.push((offset, kind));
        }
    }

    /// After a replay: the ticket's new log.
    pub(crate) fn set_log(&mut self, log: EventLog) {
        if let Some(e) = self.extra.as_mut() {
            e.log = log;
        }
    }

    /// Gives the ticket a team and assignee (a consumer moves its figures first).
    #[inline]
    pub(crate) fn set_attributes(&mut self, to: Attributes) {
        (self.team, self.assignee, self.priority) = (to.team, to.assignee, to.priority);
    }
}

/// Replays a re-sequenced ticket's log: `apply` runs one event (interaction, offset,
/// fingerprint) and says whether the ticket is still in play. Returns the events applied
/// (the ticket's new log) and how many came after its release (no longer accepted: they
/// follow a close, a merge or a spam mark).
pub(crate) fn replay_log(
    id: TicketId,
    created: i64,
    log: EventLog,
    mut apply: impl FnMut(&Interaction, u32, u64) -> crate::error::Result<bool>,
) -> crate::error::Result<(EventLog, u64)> {
    let mut replayed = Vec::with_capacity(log.len());
    let mut events = log.into_iter();
    for (o, kind) in events.by_ref() {
        let Some(at) = chrono::DateTime::from_timestamp(created + i64::from(o), 0) else {
            continue;
        };
        let e = Interaction {
            ticket: id,
            at,
            kind,
        };
        let in_play = apply(&e, o, fingerprint(&kind))?;
        replayed.push((o, kind));
        if !in_play {
            break;
        }
    }
    Ok((replayed, events.len() as u64))
}
