//! A ticket's state at its creation: what the machine takes from the ticket record, and
//! what few tickets keep beside it.

use crate::model::{Channel, CustomerId, Phase, Priority, TicketId};

use super::config::FrtStart;
use super::machine::{
    Attributes, CLOCK_FOLLOWS_HANDOFF, DESCRIPTION_FIRST, DESCRIPTION_PENDING, Extra, TicketState,
    UNSET,
};

/// The facts of a ticket at its creation that the machine needs.
pub(crate) struct Creation {
    pub(crate) id: TicketId,
    pub(crate) created: i64,
    pub(crate) requester: CustomerId,
    pub(crate) attributes: Attributes,
    pub(crate) channel: Channel,
    pub(crate) created_priority: Priority,
    pub(crate) inbound: bool,
    /// An outbound ticket whose first public agent message is its description, and whose
    /// first response is the second ([`OutboundReplies::SecondAgentComment`]).
    ///
    /// [`OutboundReplies::SecondAgentComment`]: super::OutboundReplies::SecondAgentComment
    pub(crate) description_first: bool,
    pub(crate) calendar: u8,
}

impl Creation {
    /// The facts of `ticket` the machine needs, its business calendar being `calendar`.
    pub(crate) fn of(ticket: &crate::model::Ticket, calendar: u8) -> Self {
        Creation {
            id: ticket.id,
            created: ticket.created_at.timestamp(),
            requester: ticket.requester,
            attributes: Attributes {
                team: ticket.team,
                assignee: ticket.assignee,
                priority: ticket.priority,
            },
            channel: ticket.channel,
            created_priority: ticket.priority,
            inbound: !matches!(ticket.created_by, crate::model::CreatedBy::Agent(_)),
            description_first: false,
            calendar,
        }
    }
}

impl Extra {
    /// What a ticket needs beyond its state at creation: its tags (for groupings by tag),
    /// with re-sequencing the attributes it was created with (its events are kept), and
    /// the handling consumer's state when it is on.
    pub(crate) fn at_creation(
        ticket: &crate::model::Ticket,
        keep_tags: bool,
        resequence: bool,
        handling: bool,
    ) -> Option<Box<Extra>> {
        let attributes = Attributes {
            team: ticket.team,
            assignee: ticket.assignee,
            priority: ticket.priority,
        };
        ((keep_tags && !ticket.tags.is_empty()) || resequence || handling).then(|| {
            let tags = if keep_tags {
                super::machine::tags_of(ticket)
            } else {
                Vec::new()
            };
            Box::new(Extra {
                origin_tags: if resequence {
                    tags.clone().into_boxed_slice()
                } else {
                    Box::default()
                },
                tags,
                origin: resequence.then_some(attributes),
                handling: handling.then(|| super::handling::HandlingState::created(attributes)),
                ..Extra::default()
            })
        })
    }
}

impl TicketState {
    /// The state of a ticket just created.
    pub(crate) fn created(c: Creation, frt_start: FrtStart, extra: Option<Box<Extra>>) -> Self {
        TicketState {
            id: c.id,
            created: c.created,
            requester: c.requester,
            team: c.attributes.team,
            assignee: c.attributes.assignee,
            last_event: 0,
            status_since: 0,
            clock_start: match frt_start {
                FrtStart::TicketCreated | FrtStart::LastHandoff => 0,
                FrtStart::FirstCustomerMessage => UNSET,
            },
            first_reply: UNSET,
            first_solved: UNSET,
            last_solved: UNSET,
            cycle_start: 0,
            awaiting: UNSET,
            work: 0,
            on_hold: 0,
            pending: 0,
            business_work: 0,
            business_on_hold: 0,
            business_pending: 0,
            business_first_solved: 0,
            business_last_solved: 0,
            first_next_reply: UNSET,
            first_cycle: UNSET,
            replies: 0,
            reopens: 0,
            group: super::filing::NO_GROUP,
            filed_solve: UNSET,
            recent: [0; 4],
            phase: Phase::New,
            inbound: c.inbound || c.description_first,
            channel: c.channel,
            priority: c.attributes.priority,
            created_priority: c.created_priority,
            flags: if frt_start == FrtStart::LastHandoff {
                CLOCK_FOLLOWS_HANDOFF
            } else {
                0
            } | if c.description_first {
                DESCRIPTION_FIRST | DESCRIPTION_PENDING
            } else {
                0
            },
            calendar: c.calendar,
            extra,
        }
    }
}
