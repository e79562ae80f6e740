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
id_type!(
    /// A tag, by a caller's id or interned from its name with [`TagId::named`].
    TagId,
    "tag"
);
id_type!(
    /// A custom ticket field (a help desk's custom field), by the caller's id.
    FieldId,
    "field"
);
id_type!(
    /// A value of a custom field (an option of a drop-down, an interned text), by the
    /// caller's id.
    ValueId,
    "value"
);
id_type!(
    /// A custom ticket status (Zendesk's custom ticket statuses), by the caller's id.
    StatusId,
    "status"
);

/// FNV-1a, 64 bits: a stable hash of a name, the same on every machine and in every
/// release, so that ids interned in two processes agree.
const fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325_u64;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        i += 1;
    }
    hash
}

macro_rules! named {
    ($($name:ident),*) => {$(
        impl $name {
            /// The id of a name: a stable 64-bit hash (FNV-1a) of its UTF-8 bytes, the same
            /// in every process and release, so events can carry a `Copy` id where the
            /// help desk has a string. Two names share an id with probability about
            /// n² / 2⁶⁵ among n names (10⁻⁹ for 190,000 names).
            pub const fn named(name: &str) -> Self {
                Self(fnv1a(name.as_bytes()))
            }
        }
    )*};
}

named!(
    TicketId, AgentId, TeamId, CustomerId, SurveyId, CallId, QueueId, ItemId, TagId, FieldId,
    ValueId, StatusId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_hash_to_stable_ids() {
        // FNV-1a's published test vectors: "" and "a".
        assert_eq!(TagId::named("").0, 0xcbf2_9ce4_8422_2325);
        assert_eq!(TagId::named("a").0, 0xaf63_dc4c_8601_ec8c);
        assert_eq!(TagId::named("vip"), TagId::named("vip"));
        assert_ne!(TagId::named("vip"), TagId::named("VIP"));
        assert_eq!(StatusId::named("foobar").0, 0x8594_4171_f739_67e8);
    }
}
