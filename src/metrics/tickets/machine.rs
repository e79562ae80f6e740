//! The per-ticket state machine: the one place where the meaning of an event lives.
//!
//! [`TicketState::admit`] decides whether an interaction is taken (the rules of the
//! ingest table in the module docs: before creation, out of range, outside the calendar,
//! out of order, a duplicate, a merge into itself), and [`TicketState::apply`] applies a
//! taken interaction and says what changed as a [`Transition`]: answered, replied again,
//! phase changed, solved with its facts, reopened, reassigned, released. The machine knows
//! no aggregate; its consumers (the lifecycle filing in `filing.rs`) react to the
//! transitions, so every consumer sees one meaning of each event.

use crate::calendar::BusinessClock;
use crate::model::{
    AgentId, Author, Channel, CustomerId, FieldChange, Interaction, InteractionKind, Phase,
    Priority, Status, TagId, TeamId, TicketId, Visibility,
};

pub(crate) use super::creation::Creation;
use super::grouping::TicketView;
use super::lifecycle::{BusinessFacts, SolvedFacts};

/// "Not yet" for an instant stored as an offset from the ticket's creation.
pub(crate) const UNSET: u32 = u32::MAX;

/// What few tickets need: tags (for tag groupings), attributes assigned while solved, and
/// next-reply and cycle durations past the first (a merge or spam must retract them).
#[derive(Debug, Clone, Default)]
pub(crate) struct Extra {
    /// Its tags as they stand (kept for tag groupings and, with re-sequencing, for SLA
    /// policies naming tags): those it was created with, then added and removed.
    pub(crate) tags: Vec<TagId>,
    /// With re-sequencing: the tags it was created with (a restart starts from them).
    pub(crate) origin_tags: Box<[TagId]>,
    /// Tags as they will stand once reopened: changed while solved, they take effect at
    /// the reopen (as a reassignment does).
    pub(crate) pending_tags: Option<Vec<TagId>>,
    /// Attributes given while solved, which take effect if it is reopened.
    pub(crate) latest: Option<Attributes>,
    pub(crate) next_replies: Vec<u32>,
    pub(crate) cycles: Vec<u32>,
    /// With re-sequencing: the team and assignee the ticket was created with, and its
    /// events applied so far, in time order.
    pub(crate) origin: Option<Attributes>,
    pub(crate) log: Vec<(u32, InteractionKind)>,
    /// The handling consumer's state (statuses, assignments, bots), when it is on.
    pub(crate) handling: Option<super::handling::HandlingState>,
    /// Where a ticket whose calendar follows its team last changed calendar.
    pub(crate) shift: Option<CalendarShift>,
}

/// A ticket's last change of business calendar (its team moved to one with another
/// calendar): the business seconds it had counted up to then, on the calendars it had.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub(crate) struct CalendarShift {
    /// The calendar it was created with (a re-sequenced ticket starts on it again).
    pub(crate) origin: u8,
    /// When it last changed (seconds after creation).
    pub(crate) at: u32,
    /// Business seconds from creation to `at`.
    pub(crate) from_creation: u32,
    /// The first-response clock start at `at` (`UNSET`: not started), and the business
    /// seconds from it to `at`.
    pub(crate) clock_start: u32,
    pub(crate) from_clock_start: u32,
    /// The business first response, when it was answered by `at` (else `UNSET`).
    pub(crate) response: u32,
}

/// A ticket's tag set at creation: [`TagId::named`] of each of its tags, each once, in the
/// order given.
pub(crate) fn tags_of(ticket: &crate::model::Ticket) -> Vec<TagId> {
    let mut tags = Vec::with_capacity(ticket.tags.len());
    for t in &ticket.tags {
        retag(&mut tags, TagId::named(t), true);
    }
    tags
}

/// Adds or removes `tag` in a ticket's tag set (each tag once, in the order added); whether
/// the set changed. The lifecycle's tag groupings and the SLA policies' tag conditions
/// both keep their sets through it.
pub(crate) fn retag(tags: &mut Vec<TagId>, tag: TagId, add: bool) -> bool {
    match (tags.iter().position(|t| *t == tag), add) {
        (None, true) => tags.push(tag),
        (Some(i), false) => {
            tags.remove(i);
        }
        _ => return false,
    }
    true
}

impl Extra {
    /// Whether it holds nothing (a ticket then needs none).
    #[cfg(feature = "serde")]
    pub(crate) fn is_empty(&self) -> bool {
        self.tags.is_empty()
            && self.origin_tags.is_empty()
            && self.pending_tags.is_none()
            && self.latest.is_none()
            && self.next_replies.is_empty()
            && self.cycles.is_empty()
            && self.origin.is_none()
            && self.log.is_empty()
            && self.handling.is_none()
            && self.shift.is_none()
    }
}

/// [`TicketState::flags`]: a bot (automation) wrote a public message.
pub(crate) const BOT_WROTE: u8 = 1;
/// [`TicketState::flags`]: the first-response clock restarts at each bot hand-off and
/// reopen while unanswered ([`FrtStart::LastHandoff`]).
pub(crate) const CLOCK_FOLLOWS_HANDOFF: u8 = 2;
/// [`TicketState::flags`]: an outbound ticket whose first public agent message is its
/// description (Zendesk): its first response is the second.
pub(crate) const DESCRIPTION_FIRST: u8 = 4;
/// [`TicketState::flags`]: the description has not come yet.
pub(crate) const DESCRIPTION_PENDING: u8 = 8;

/// The state of one ticket in play: 192 bytes. Instants are seconds after the ticket's
/// creation (`UNSET` for "not yet"), which bounds a ticket's life to 136 years.
#[derive(Debug, Clone)]
pub(crate) struct TicketState {
    pub(crate) id: TicketId,
    pub(crate) created: i64,
    pub(crate) requester: CustomerId,
    /// Team and assignee under which the ticket's figures are filed.
    pub(crate) team: Option<TeamId>,
    pub(crate) assignee: Option<AgentId>,
    pub(crate) last_event: u32,
    pub(crate) status_since: u32,
    /// The FRT clock start (creation, or the first customer message).
    pub(crate) clock_start: u32,
    pub(crate) first_reply: u32,
    pub(crate) first_solved: u32,
    pub(crate) last_solved: u32,
    /// When the current cycle (creation or reopen) began.
    pub(crate) cycle_start: u32,
    /// The customer message awaiting a next reply.
    pub(crate) awaiting: u32,
    pub(crate) work: u32,
    pub(crate) on_hold: u32,
    pub(crate) pending: u32,
    /// The same three in business time (0 without a calendar).
    pub(crate) business_work: u32,
    pub(crate) business_on_hold: u32,
    pub(crate) business_pending: u32,
    /// Business seconds from creation to the first and to the latest solve.
    pub(crate) business_first_solved: u32,
    pub(crate) business_last_solved: u32,
    pub(crate) first_next_reply: u32,
    pub(crate) first_cycle: u32,
    pub(crate) replies: u32,
    pub(crate) reopens: u32,
    /// The slot of the ticket's group, for groupings with one key per ticket (the
    /// lifecycle consumer's).
    pub(crate) group: u32,
    /// The solve the ticket is credited to (`UNSET` while not solved), which groupings by
    /// solve window see as [`TicketView::solved_at`].
    pub(crate) filed_solve: u32,
    /// Fingerprints of the last distinct events at `last_event` (0: none), to recognise a
    /// duplicate.
    pub(crate) recent: [u64; 4],
    pub(crate) phase: Phase,
    pub(crate) inbound: bool,
    pub(crate) channel: Channel,
    /// The priority its figures are filed under (as it stands; frozen while solved).
    pub(crate) priority: Priority,
    pub(crate) created_priority: Priority,
    /// [`BOT_WROTE`], [`CLOCK_FOLLOWS_HANDOFF`].
    pub(crate) flags: u8,
    /// The ticket's business calendar: 0 the tracker's, 1 + i the i-th team calendar.
    pub(crate) calendar: u8,
    pub(crate) extra: Option<Box<Extra>>,
}

#[inline]
pub(crate) fn secs(from: u32, to: u32) -> u64 {
    // Callers guarantee to ≥ from: events are applied in order per ticket.
    u64::from(to - from)
}

impl TicketState {
    #[inline]
    pub(crate) fn view(&self) -> TicketView<'_> {
        TicketView {
            id: self.id,
            created_at: self.created,
            channel: self.channel,
            priority: self.priority,
            created_priority: self.created_priority,
            requester: self.requester,
            team: self.team,
            assignee: self.assignee,
            tags: self.extra.as_ref().map_or(&[], |e| &e.tags),
            solved_at: (self.filed_solve != UNSET)
                .then(|| self.created + i64::from(self.filed_solve)),
        }
    }

    pub(crate) fn extra(&mut self) -> &mut Extra {
        self.extra.get_or_insert_with(Box::default)
    }

    /// Business seconds between two offsets of this ticket (0 without a calendar; the
    /// tracker checked that the calendar covers every instant it accepted).
    #[inline]
    pub(crate) fn business(&self, clock: Option<&dyn BusinessClock>, from: u32, to: u32) -> u64 {
        clock.map_or(0, |c| {
            c.business_between(self.created + i64::from(from), self.created + i64::from(to))
                .unwrap_or(0)
        })
    }

    /// The business first response time, if answered and a calendar is set.
    pub(crate) fn business_response(&self, clock: Option<&dyn BusinessClock>) -> Option<u64> {
        (clock.is_some() && self.first_reply != UNSET && self.clock_start != UNSET && self.inbound)
            .then(|| match self.shift() {
                Some(s) if s.response != UNSET && self.first_reply <= s.at => u64::from(s.response),
                _ => self.business_from_clock_start(clock, self.first_reply),
            })
    }

    #[inline]
    fn shift(&self) -> Option<&CalendarShift> {
        self.extra.as_ref()?.shift.as_ref()
    }

    /// Business seconds from creation to `to`, on the calendars the ticket had.
    #[inline]
    pub(crate) fn business_from_creation(&self, clock: Option<&dyn BusinessClock>, to: u32) -> u64 {
        match self.shift() {
            Some(s) if to >= s.at => u64::from(s.from_creation) + self.business(clock, s.at, to),
            _ => self.business(clock, 0, to),
        }
    }

    /// Business seconds from the first-response clock start to `to`, on the calendars the
    /// ticket had.
    #[inline]
    pub(crate) fn business_from_clock_start(
        &self,
        clock: Option<&dyn BusinessClock>,
        to: u32,
    ) -> u64 {
        match self.shift() {
            Some(s)
                if to >= s.at && s.clock_start == self.clock_start && s.clock_start != UNSET =>
            {
                u64::from(s.from_clock_start) + self.business(clock, s.at, to)
            }
            _ => self.business(clock, self.clock_start, to),
        }
    }

    /// Moves the unsolved ticket to `calendar` at `at` (its last event): closes the period
    /// in its status on the calendar it had and keeps what it had counted, so that every
    /// business duration is split across the calendars (the one-engine contract's "a
    /// team's calendar follows the ticket").
    pub(crate) fn change_calendar(&mut self, calendar: u8, old: Option<&dyn BusinessClock>) {
        if calendar == self.calendar {
            return;
        }
        let at = self.last_event;
        self.close_period(at, old);
        let shift = CalendarShift {
            origin: self.shift().map_or(self.calendar, |s| s.origin),
            at,
            // Business seconds fit a u32: at most the calendar seconds.
            from_creation: self.business_from_creation(old, at) as u32,
            clock_start: self.clock_start,
            from_clock_start: if self.clock_start != UNSET && self.clock_start <= at {
                self.business_from_clock_start(old, at) as u32
            } else {
                0
            },
            response: self.business_response(old).map_or(UNSET, |v| v as u32),
        };
        self.extra().shift = Some(shift);
        self.calendar = calendar;
    }

    pub(crate) fn solved_facts(&self, clock: Option<&dyn BusinessClock>) -> SolvedFacts {
        SolvedFacts {
            business: clock.is_some().then(|| BusinessFacts {
                first_resolution: u64::from(self.business_first_solved),
                full_resolution: u64::from(self.business_last_solved),
                requester_wait: u64::from(self.business_work) + u64::from(self.business_on_hold),
                agent_work: u64::from(self.business_work),
                agent_wait: u64::from(self.business_pending),
                on_hold: u64::from(self.business_on_hold),
            }),
            first_resolution: u64::from(self.first_solved),
            full_resolution: u64::from(self.last_solved),
            requester_wait: u64::from(self.work) + u64::from(self.on_hold),
            agent_work: u64::from(self.work),
            agent_wait: u64::from(self.pending),
            on_hold: u64::from(self.on_hold),
            replies: self.replies,
            reopens: self.reopens,
        }
    }

    /// The solved facts it had before the reply that [`Transition::Replied`] reports
    /// (`while_solved`): the same with one reply fewer.
    pub(crate) fn facts_before_reply(&self, clock: Option<&dyn BusinessClock>) -> SolvedFacts {
        SolvedFacts {
            replies: self.replies.saturating_sub(1),
            ..self.solved_facts(clock)
        }
    }

    /// The solved facts it had before the reopen that [`Transition::Reopened`] reports:
    /// the same with one reopen fewer (a solved period adds no time to any status).
    pub(crate) fn facts_before_reopen(&self, clock: Option<&dyn BusinessClock>) -> SolvedFacts {
        SolvedFacts {
            reopens: self.reopens.saturating_sub(1),
            ..self.solved_facts(clock)
        }
    }

    pub(crate) fn unanswered(&self) -> bool {
        self.inbound && self.first_reply == UNSET && self.phase != Phase::Solved
    }

    /// Accumulates the time since the last status change into the current status.
    #[inline]
    pub(crate) fn close_period(&mut self, at: u32, clock: Option<&dyn BusinessClock>) {
        let d = at - self.status_since;
        if self.phase != Phase::Solved {
            // Business seconds fit a u32: they are at most the calendar seconds.
            let b = self.business(clock, self.status_since, at) as u32;
            let (calendar, business) = match self.phase {
                Phase::New | Phase::Open => (&mut self.work, &mut self.business_work),
                Phase::OnHold => (&mut self.on_hold, &mut self.business_on_hold),
                _ => (&mut self.pending, &mut self.business_pending),
            };
            *calendar += d;
            *business += b;
        }
        self.status_since = at;
    }

    pub(crate) fn next_replies(&self) -> impl Iterator<Item = u64> + '_ {
        let more = self.extra.as_ref().map_or(&[][..], |e| &e.next_replies);
        (self.first_next_reply != UNSET)
            .then_some(self.first_next_reply)
            .into_iter()
            .chain(more.iter().copied())
            .map(u64::from)
    }

    pub(crate) fn cycles(&self) -> impl Iterator<Item = u64> + '_ {
        let more = self.extra.as_ref().map_or(&[][..], |e| &e.cycles);
        (self.first_cycle != UNSET)
            .then_some(self.first_cycle)
            .into_iter()
            .chain(more.iter().copied())
            .map(u64::from)
    }

    /// The attributes it has as last given (those given while solved included).
    pub(crate) fn latest(&self) -> Attributes {
        self.extra
            .as_ref()
            .and_then(|e| e.latest)
            .unwrap_or_else(|| self.attributes())
    }

    /// The attributes its figures are filed under.
    #[inline]
    pub(crate) fn attributes(&self) -> Attributes {
        Attributes {
            team: self.team,
            assignee: self.assignee,
            priority: self.priority,
        }
    }
}

/// What a ticket's figures are filed under and a field change can move: team, assignee,
/// priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Attributes {
    pub(crate) team: Option<TeamId>,
    pub(crate) assignee: Option<AgentId>,
    pub(crate) priority: Priority,
}

/// What one taken interaction changed in its ticket: what the consumers react to. The
/// state is already changed when they see it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Transition {
    /// Nothing a consumer counts: an internal note, a bot's message, a message the response
    /// filter leaves out, a customer message that starts no wait, a reassignment or a
    /// priority change of a solved ticket (it takes effect if the ticket is reopened), a
    /// solve of a solved ticket.
    Nothing,
    /// A public customer message that now awaits a next reply (after the first response;
    /// also on a solved ticket, where the message that reopens it awaits an answer).
    AwaitsReply,
    /// A public agent message counted as a response.
    Replied(Reply),
    /// An unsolved ticket moved to another unsolved phase (or stayed in its phase).
    PhaseChanged,
    /// Solved from an unsolved phase; `closed` when closed at once (then released).
    Solved {
        /// It was waiting for a first response.
        was_unanswered: bool,
        /// This cycle's resolution time (creation or reopen to this solve), seconds.
        cycle: u32,
        /// Closed (released).
        closed: bool,
    },
    /// A solved ticket closed: released, its figures stay.
    ClosedAfterSolve,
    /// Closed without ever being solved: out of the backlog, no resolution; released.
    ClosedUnresolved {
        /// It was waiting for a first response.
        was_unanswered: bool,
    },
    /// Solved → an unsolved phase. The solved facts it had are the state's
    /// [`solved_facts`](TicketState::solved_facts) with one reopen fewer
    /// ([`TicketState::facts_before_reopen`]).
    Reopened {
        /// It waits for a first response again (never answered).
        unanswered: bool,
        /// The team and assignee it was given while solved, which now take effect.
        moves_to: Attributes,
    },
    /// An unsolved ticket was given a team, assignee or priority (maybe the ones it has;
    /// the ticket's attributes are not yet changed: the consumer moves its figures, then
    /// sets them).
    Reassigned {
        /// The new team, assignee and priority.
        to: Attributes,
    },
    /// A tag was added or removed, or a custom field set: for consumers that keep fields
    /// (the ticket's figures do not move).
    Field(FieldChange),
    /// A bot handed the conversation to a human.
    HandedOff,
    /// Merged into another ticket (`spam: false`) or marked as spam: its figures leave
    /// (all of them for spam; all but volume for a merge); released.
    Cancelled {
        /// Marked as spam.
        spam: bool,
    },
}

/// What a response changed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Reply {
    /// The ticket was waiting for its first response.
    pub(crate) was_unanswered: bool,
    /// The first response time, seconds (the first reply of an inbound ticket whose clock
    /// had started).
    pub(crate) first_response: Option<u64>,
    /// The same in business seconds.
    pub(crate) business_first_response: Option<u64>,
    /// The next reply time this reply ended, seconds.
    pub(crate) next_reply: Option<u64>,
    /// A reply to a solved ticket: its solved facts change (one more reply; the facts
    /// before are [`TicketState::facts_before_reply`]).
    pub(crate) while_solved: bool,
}

impl Transition {
    /// Whether the ticket leaves memory (closed, merged, spam).
    #[inline]
    pub(crate) fn releases(&self) -> bool {
        matches!(
            self,
            Transition::Solved { closed: true, .. }
                | Transition::ClosedAfterSolve
                | Transition::ClosedUnresolved { .. }
                | Transition::Cancelled { .. }
        )
    }
}

impl TicketState {
    /// Applies a taken, in-order interaction at offset `at` (with fingerprint `print`) and
    /// says what changed. `is_response` narrows what counts as a response.
    #[inline(always)]
    pub(crate) fn apply(
        &mut self,
        event: &Interaction,
        at: u32,
        print: u64,
        is_response: Option<fn(&Interaction) -> bool>,
        clock: Option<&dyn BusinessClock>,
    ) -> Transition {
        if self.last_event != at {
            self.recent = [0; 4];
        }
        self.recent.rotate_right(1);
        self.recent[0] = print;
        self.last_event = at;
        match event.kind {
            InteractionKind::Message { visibility, .. } if visibility != Visibility::Public => {
                Transition::Nothing
            }
            InteractionKind::Message { author, .. } => match author {
                Author::Agent(_) if self.flags & DESCRIPTION_PENDING != 0 => {
                    // An outbound ticket's description: not a reply.
                    self.flags &= !DESCRIPTION_PENDING;
                    Transition::Nothing
                }
                Author::Agent(_) if is_response.is_some_and(|keep| !keep(event)) => {
                    Transition::Nothing
                }
                Author::Agent(_) => Transition::Replied(self.reply(at, clock)),
                Author::Customer => {
                    if self.clock_start == UNSET {
                        self.clock_start = at;
                    } else if self.first_reply != UNSET && self.awaiting == UNSET {
                        // Also on a solved ticket: the message that reopens it awaits an
                        // answer (a solve stops the clock uncounted).
                        self.awaiting = at;
                        return Transition::AwaitsReply;
                    }
                    Transition::Nothing
                }
                Author::Automation => {
                    self.flags |= BOT_WROTE;
                    Transition::Nothing
                }
            },
            InteractionKind::Assignment { agent, team } => {
                let mut to = self.latest();
                if agent.is_some() {
                    to.assignee = agent;
                }
                if team.is_some() {
                    to.team = team;
                }
                self.move_to(to)
            }
            InteractionKind::Field(change) => {
                let mut to = self.latest();
                match change {
                    FieldChange::Priority(p) => to.priority = p,
                    FieldChange::Team(t) => to.team = t,
                    FieldChange::Assignee(a) => to.assignee = a,
                    FieldChange::TagAdded(_)
                    | FieldChange::TagRemoved(_)
                    | FieldChange::Custom { .. } => return Transition::Field(change),
                }
                self.move_to(to)
            }
            InteractionKind::BotHandoff => {
                if self.flags & CLOCK_FOLLOWS_HANDOFF != 0 && self.first_reply == UNSET {
                    self.clock_start = at;
                }
                Transition::HandedOff
            }
            InteractionKind::Status(status) => self.change_status(status, at, clock),
        }
    }

    /// Gives the ticket the attributes `to`: an unsolved ticket moves (the consumers move
    /// its figures); a solved one stays credited where it was solved, and the new
    /// attributes take effect if it is reopened.
    #[inline]
    fn move_to(&mut self, to: Attributes) -> Transition {
        if self.phase != Phase::Solved {
            return Transition::Reassigned { to };
        }
        if to != self.attributes() {
            self.extra().latest = Some(to);
        } else if let Some(e) = self.extra.as_mut() {
            e.latest = None;
        }
        Transition::Nothing
    }

    /// A response at `at`.
    #[inline]
    fn reply(&mut self, at: u32, clock: Option<&dyn BusinessClock>) -> Reply {
        let was_unanswered = self.unanswered();
        let first = self.first_reply == UNSET;
        let mut next_reply = None;
        self.replies += 1;
        if first {
            self.first_reply = at;
        } else if self.awaiting != UNSET {
            let wait = at - self.awaiting;
            if self.first_next_reply == UNSET {
                self.first_next_reply = wait;
            } else {
                self.extra().next_replies.push(wait);
            }
            self.awaiting = UNSET;
            next_reply = Some(u64::from(wait));
        }
        let first_response = (first && self.inbound && self.clock_start != UNSET)
            .then(|| secs(self.clock_start, at));
        Reply {
            was_unanswered,
            first_response,
            business_first_response: first_response.and_then(|_| self.business_response(clock)),
            next_reply,
            while_solved: self.phase == Phase::Solved,
        }
    }

    /// A change of status at `at`.
    #[inline]
    fn change_status(
        &mut self,
        status: Status,
        at: u32,
        clock: Option<&dyn BusinessClock>,
    ) -> Transition {
        self.close_period(at, clock);
        let status = match status {
            Status::Custom(c) => c.category.status(),
            s => s,
        };
        match status {
            Status::Merged { .. } | Status::Spam => Transition::Cancelled {
                spam: status == Status::Spam,
            },
            Status::Closed if self.phase != Phase::Solved => Transition::ClosedUnresolved {
                was_unanswered: self.unanswered(),
            },
            Status::Solved | Status::Closed if self.phase == Phase::Solved => {
                if status == Status::Closed {
                    Transition::ClosedAfterSolve
                } else {
                    Transition::Nothing
                }
            }
            Status::Solved | Status::Closed => {
                let was_unanswered = self.unanswered();
                self.phase = Phase::Solved;
                // Business seconds fit a u32: at most the calendar seconds.
                let business = self.business_from_creation(clock, at) as u32;
                if self.first_solved == UNSET {
                    self.first_solved = at;
                    self.business_first_solved = business;
                }
                self.last_solved = at;
                self.business_last_solved = business;
                self.filed_solve = at;
                self.awaiting = UNSET;
                let cycle = at - self.cycle_start;
                if self.first_cycle == UNSET {
                    self.first_cycle = cycle;
                } else {
                    self.extra().cycles.push(cycle);
                }
                Transition::Solved {
                    was_unanswered,
                    cycle,
                    closed: status == Status::Closed,
                }
            }
            Status::New | Status::Open | Status::Pending | Status::OnHold | Status::Custom(_) => {
                let phase = Phase::of(status).unwrap_or(Phase::OnHold);
                if self.phase != Phase::Solved {
                    self.phase = phase;
                    return Transition::PhaseChanged;
                }
                self.phase = phase;
                self.filed_solve = UNSET;
                self.reopens += 1;
                self.cycle_start = at;
                if self.flags & CLOCK_FOLLOWS_HANDOFF != 0 && self.first_reply == UNSET {
                    self.clock_start = at;
                }
                let moves_to = self.latest();
                if let Some(e) = self.extra.as_mut() {
                    e.latest = None;
                }
                Transition::Reopened {
                    unanswered: self.unanswered(),
                    moves_to,
                }
            }
        }
    }
}
