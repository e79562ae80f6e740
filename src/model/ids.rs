//! Identifier newtypes: a ticket id can never be passed where an agent id is expected.

use core::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $label:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
        #[cfg_attr(feature = "serde", serde(transparent))]
        pub struct $name(pub u64);

        impl $name {
            /// The raw number of this id.
            #[inline]
            pub const fn get(self) -> u64 {
                self.0
            }
        }

        impl From<u64> for $name {
            #[inline]
            fn from(raw: u64) -> Self {
                Self(raw)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!($label, " {}"), self.0)
            }
        }
    };
}

id_type!(
    /// A ticket (a conversation with a customer about one request).
    TicketId,
    "ticket"
);
id_type!(
    /// A support agent (an employee who answers tickets and calls).
    AgentId,
    "agent"
);
id_type!(
    /// A team of agents (a group, in Zendesk's words).
    TeamId,
    "team"
);
id_type!(
    /// A customer: the requester of a ticket, the caller of a call, an account.
    CustomerId,
    "customer"
);
id_type!(
    /// A survey response.
    SurveyId,
    "survey"
);
id_type!(
    /// A call or live-chat contact offered to a queue.
    CallId,
    "call"
);
id_type!(
    /// A contact-center queue.
    QueueId,
    "queue"
);
id_type!(
    /// An engagement survey item (one Likert question).
    ItemId,
    "item"
);
