//! Tickets and their interactions.

use core::fmt;

use chrono::{DateTime, Utc};

use super::{
    AgentId, CustomerId, FieldId, StatusId, TagId, TeamId, TicketId, Timestamped, ValueId,
};
use crate::error::{Error, RecordRef, Rule};

/// The channel a ticket came in by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Channel {
    /// Email.
    #[default]
    Email,
    /// Live chat or messaging.
    Chat,
    /// Phone (a ticket made from a call).
    Phone,
    /// A web form.
    Web,
    /// Social media.
    Social,
    /// An API integration.
    Api,
    /// Anything else.
    Other,
}

impl Channel {
    /// Every channel, in declaration order.
    pub const ALL: [Channel; 7] = [
        Channel::Email,
        Channel::Chat,
        Channel::Phone,
        Channel::Web,
        Channel::Social,
        Channel::Api,
        Channel::Other,
    ];

    /// The lower-case name (`"email"`, `"chat"` …).
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Chat => "chat",
            Channel::Phone => "phone",
            Channel::Web => "web",
            Channel::Social => "social",
            Channel::Api => "api",
            Channel::Other => "other",
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A ticket's priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Priority {
    /// Low.
    Low,
    /// Normal (the default).
    #[default]
    Normal,
    /// High.
    High,
    /// Urgent.
    Urgent,
}

impl Priority {
    /// Every priority, lowest first.
    pub const ALL: [Priority; 4] = [
        Priority::Low,
        Priority::Normal,
        Priority::High,
        Priority::Urgent,
    ];

    /// The lower-case name (`"low"` …).
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who created a ticket. Tickets created by an agent (outbound) have no first response time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum CreatedBy {
    /// The customer (inbound; the default).
    #[default]
    Customer,
    /// An agent (outbound).
    Agent(AgentId),
    /// Automation (an integration, a monitoring alert).
    Automation,
}

/// A ticket: one request of a customer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Ticket {
    /// The ticket's id.
    pub id: TicketId,
    /// When the ticket was created.
    pub created_at: DateTime<Utc>,
    /// The channel it came in by.
    pub channel: Channel,
    /// Its priority at creation.
    pub priority: Priority,
    /// The customer who asked.
    pub requester: CustomerId,
    /// Who created it.
    pub created_by: CreatedBy,
    /// The team it was first routed to, if any.
    pub team: Option<TeamId>,
    /// The agent it was first assigned to, if any.
    pub assignee: Option<AgentId>,
    /// Free tags.
    pub tags: Vec<String>,
}

impl Ticket {
    /// An inbound email ticket of normal priority with no team, assignee or tags; set the
    /// other fields as needed.
    pub fn new(id: TicketId, created_at: DateTime<Utc>, requester: CustomerId) -> Self {
        Ticket {
            id,
            created_at,
            channel: Channel::default(),
            priority: Priority::default(),
            requester,
            created_by: CreatedBy::default(),
            team: None,
            assignee: None,
            tags: Vec::new(),
        }
    }
}

impl Timestamped for Ticket {
    #[inline]
    fn at(&self) -> DateTime<Utc> {
        self.created_at
    }
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Author {
    /// An agent.
    Agent(AgentId),
    /// The customer.
    Customer,
    /// Automation: a bot, a trigger, an auto-responder. Never a response.
    Automation,
}

/// Whether the customer sees a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Visibility {
    /// A public message (a reply).
    Public,
    /// An internal note.
    Internal,
}

/// A ticket status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Status {
    /// New: not yet touched by an agent.
    New,
    /// Open: an agent is working on it.
    Open,
    /// Pending: waiting on the customer.
    Pending,
    /// On hold: waiting on a third party.
    OnHold,
    /// Solved.
    Solved,
    /// Closed (solved and locked).
    Closed,
    /// Merged into another ticket: it leaves every metric but volume.
    Merged {
        /// The ticket it was merged into.
        into: TicketId,
    },
    /// Deleted or marked as spam: it leaves every metric.
    Spam,
    /// A custom status of the help desk (Zendesk's custom ticket statuses, Freshdesk's
    /// custom statuses), which counts as its category: a custom status in the pending
    /// category pauses what pending pauses, one in the solved category solves.
    Custom(CustomStatus),
}

/// The standard status a custom status counts as (Zendesk's status categories).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum StatusCategory {
    /// New.
    New,
    /// Open: an agent is working on it.
    Open,
    /// Pending: waiting on the customer.
    Pending,
    /// On hold: waiting on a third party.
    OnHold,
    /// Solved.
    Solved,
}

/// A custom status: the caller's id for it and the category it counts as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CustomStatus {
    /// The status.
    pub id: StatusId,
    /// What it counts as.
    pub category: StatusCategory,
}

impl StatusCategory {
    /// The standard status of this category.
    pub const fn status(self) -> Status {
        match self {
            StatusCategory::New => Status::New,
            StatusCategory::Open => Status::Open,
            StatusCategory::Pending => Status::Pending,
            StatusCategory::OnHold => Status::OnHold,
            StatusCategory::Solved => Status::Solved,
        }
    }
}

impl CustomStatus {
    /// A custom status `id` counting as `category`.
    pub const fn new(id: StatusId, category: StatusCategory) -> Self {
        CustomStatus { id, category }
    }
}

/// A change of one of a ticket's fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum FieldChange {
    /// The priority changed.
    Priority(Priority),
    /// The team (group) changed; `None` takes the ticket out of every team.
    Team(Option<TeamId>),
    /// The assignee changed; `None` unassigns the ticket.
    Assignee(Option<AgentId>),
    /// A tag was added.
    TagAdded(TagId),
    /// A tag was removed.
    TagRemoved(TagId),
    /// A custom field was set (`Some`) or cleared (`None`).
    Custom {
        /// The field.
        field: FieldId,
        /// Its new value.
        value: Option<ValueId>,
    },
}

impl Status {
    /// A short lower-case name, as exports and the serde form spell it: `new`, `open`,
    /// `pending`, `on_hold`, `solved`, `closed`, `merged`, `spam`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Open => "open",
            Status::Pending => "pending",
            Status::OnHold => "on_hold",
            Status::Solved => "solved",
            Status::Closed => "closed",
            Status::Merged { .. } => "merged",
            Status::Spam => "spam",
            Status::Custom(_) => "custom",
        }
    }

    /// Whether this status counts as resolved (solved or closed, or a custom status of the
    /// solved category).
    #[inline]
    pub fn is_resolved(self) -> bool {
        match self {
            Status::Solved | Status::Closed => true,
            Status::Custom(c) => c.category == StatusCategory::Solved,
            _ => false,
        }
    }
}

/// An open status as the calculators track it (merged and spam end a ticket instead).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    New,
    Open,
    Pending,
    OnHold,
    Solved,
}

impl Phase {
    /// The status a phase stands for (solved for `Solved`), as saved states store it.
    #[cfg(feature = "serde")]
    pub(crate) fn status(self) -> Status {
        match self {
            Phase::New => Status::New,
            Phase::Open => Status::Open,
            Phase::Pending => Status::Pending,
            Phase::OnHold => Status::OnHold,
            Phase::Solved => Status::Solved,
        }
    }

    /// The phase a status change leads to (`None` for merged and spam; closed is solved).
    pub(crate) fn of(status: Status) -> Option<Phase> {
        match status {
            Status::New => Some(Phase::New),
            Status::Open => Some(Phase::Open),
            Status::Pending => Some(Phase::Pending),
            Status::OnHold => Some(Phase::OnHold),
            Status::Solved | Status::Closed => Some(Phase::Solved),
            Status::Merged { .. } | Status::Spam => None,
            Status::Custom(c) => Some(match c.category {
                StatusCategory::New => Phase::New,
                StatusCategory::Open => Phase::Open,
                StatusCategory::Pending => Phase::Pending,
                StatusCategory::OnHold => Phase::OnHold,
                StatusCategory::Solved => Phase::Solved,
            }),
        }
    }
}

/// What happened in an interaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum InteractionKind {
    /// A message.
    Message {
        /// Who wrote it.
        author: Author,
        /// Public reply or internal note.
        visibility: Visibility,
    },
    /// A change of status.
    Status(Status),
    /// An assignment to an agent and/or team (`None` leaves that side as it was; to
    /// unassign, use [`FieldChange::Assignee`] or [`FieldChange::Team`] with `None`).
    Assignment {
        /// The agent assigned.
        agent: Option<AgentId>,
        /// The team assigned.
        team: Option<TeamId>,
    },
    /// A field changed: priority, team, assignee, tags, a custom field.
    Field(FieldChange),
    /// A bot (automation) handed the conversation to a human: with
    /// [`FrtStart::LastHandoff`](crate::metrics::tickets::FrtStart::LastHandoff) the
    /// first-response clock starts here (Chatwoot's `conversation_bot_handoff`).
    BotHandoff,
}

/// One thing that happened to a ticket at an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Interaction {
    /// The ticket.
    pub ticket: TicketId,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// What happened.
    pub kind: InteractionKind,
}

impl Interaction {
    /// A public message by an agent.
    pub fn agent_reply(ticket: TicketId, at: DateTime<Utc>, agent: AgentId) -> Self {
        Interaction {
            ticket,
            at,
            kind: InteractionKind::Message {
                author: Author::Agent(agent),
                visibility: Visibility::Public,
            },
        }
    }

    /// A public message by the customer.
    pub fn customer_message(ticket: TicketId, at: DateTime<Utc>) -> Self {
        Interaction {
            ticket,
            at,
            kind: InteractionKind::Message {
                author: Author::Customer,
                visibility: Visibility::Public,
            },
        }
    }

    /// A change of status.
    pub fn status(ticket: TicketId, at: DateTime<Utc>, status: Status) -> Self {
        Interaction {
            ticket,
            at,
            kind: InteractionKind::Status(status),
        }
    }

    /// A change of one of the ticket's fields.
    pub fn field(ticket: TicketId, at: DateTime<Utc>, change: FieldChange) -> Self {
        Interaction {
            ticket,
            at,
            kind: InteractionKind::Field(change),
        }
    }

    /// A bot's hand-off of the conversation to a human.
    pub fn bot_handoff(ticket: TicketId, at: DateTime<Utc>) -> Self {
        Interaction {
            ticket,
            at,
            kind: InteractionKind::BotHandoff,
        }
    }

    /// Checks this interaction against its ticket: same ticket is the caller's business,
    /// this checks it is not before the ticket's creation and not a merge into itself.
    pub fn validate_against(&self, created_at: DateTime<Utc>) -> Result<(), Error> {
        let record = RecordRef::Interaction(self.ticket, self.at);
        if self.at < created_at {
            return Err(Error::InvalidRecord {
                record,
                rule: Rule::BeforeTicketCreation { created_at },
            });
        }
        if let InteractionKind::Status(Status::Merged { into }) = self.kind {
            if into == self.ticket {
                return Err(Error::InvalidRecord {
                    record,
                    rule: Rule::MergedIntoItself,
                });
            }
        }
        Ok(())
    }
}

impl Timestamped for Interaction {
    #[inline]
    fn at(&self) -> DateTime<Utc> {
        self.at
    }
}
