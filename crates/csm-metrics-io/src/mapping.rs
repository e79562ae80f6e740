//! How a help desk's names for statuses, priorities, channels and roles map onto the
//! crate's.

use std::collections::HashMap;

use csm_metrics::{Channel, Priority, Status};

/// How a help desk's names map onto the crate's: statuses, priorities, channels and the
/// user roles that count as agents. [`Mapping::zendesk`] (also [`Mapping::default`]) and
/// [`Mapping::freshdesk`] are the vendors' own; change any entry (a custom status name, a
/// channel of your own).
#[derive(Debug, Clone, PartialEq)]
pub struct Mapping {
    /// Status names (`ticket_field_history.value` where `field_name = status`).
    pub statuses: HashMap<String, Status>,
    /// Priority names; a name not here is turned away ([`Rule::UnknownPriority`](crate::Rule::UnknownPriority)).
    pub priorities: HashMap<String, Priority>,
    /// `via_channel` names; a name not here is [`Channel::Other`].
    pub channels: HashMap<String, Channel>,
    /// User roles whose comments are an agent's (`agent`, `admin`); every other role is the
    /// customer's.
    pub agent_roles: Vec<String>,
}

impl Default for Mapping {
    /// Zendesk's.
    fn default() -> Self {
        Mapping::zendesk()
    }
}

impl Mapping {
    /// Zendesk's names: `new`, `open`, `pending`, `hold` (`on-hold`), `solved`, `closed`,
    /// `deleted` (spam); `low` … `urgent`; `via_channel` names; roles `agent`, `admin`.
    pub fn zendesk() -> Self {
        Mapping {
            statuses: map(&[
                ("new", Status::New),
                ("open", Status::Open),
                ("pending", Status::Pending),
                ("hold", Status::OnHold),
                ("on-hold", Status::OnHold),
                ("solved", Status::Solved),
                ("closed", Status::Closed),
                ("deleted", Status::Spam),
            ]),
            priorities: map(&[
                ("low", Priority::Low),
                ("normal", Priority::Normal),
                ("high", Priority::High),
                ("urgent", Priority::Urgent),
            ]),
            channels: map(&[
                ("email", Channel::Email),
                ("web", Channel::Web),
                ("chat", Channel::Chat),
                ("native_messaging", Channel::Chat),
                ("messaging", Channel::Chat),
                ("voice", Channel::Phone),
                ("phone", Channel::Phone),
                ("api", Channel::Api),
                ("twitter", Channel::Social),
                ("facebook", Channel::Social),
                ("instagram_dm", Channel::Social),
                ("whatsapp", Channel::Social),
            ]),
            agent_roles: vec!["agent".into(), "admin".into()],
        }
    }
}

impl Mapping {
    /// Freshdesk's names and codes (the API gives codes, the activities export names):
    /// status 2 `Open`, 3 `Pending`, 4 `Resolved` (solved), 5 `Closed`, and the usual
    /// custom ones `Waiting on Customer` (pending) and `Waiting on Third Party` (on hold);
    /// `spam` for a ticket marked as spam or deleted;
    /// priority 1 `Low`, 2 `Medium` (normal), 3 `High`, 4 `Urgent`; source 1 email, 2
    /// portal (web), 3 phone, 7 chat, 9 feedback widget (web), 10 outbound email. Freshdesk
    /// tells agents apart by its agents list, so `agent_roles` is empty.
    pub fn freshdesk() -> Self {
        Mapping {
            statuses: map(&[
                ("2", Status::Open),
                ("Open", Status::Open),
                ("3", Status::Pending),
                ("Pending", Status::Pending),
                ("4", Status::Solved),
                ("Resolved", Status::Solved),
                ("5", Status::Closed),
                ("Closed", Status::Closed),
                ("Waiting on Customer", Status::Pending),
                ("Waiting on Third Party", Status::OnHold),
                ("spam", Status::Spam),
            ]),
            priorities: map(&[
                ("1", Priority::Low),
                ("Low", Priority::Low),
                ("2", Priority::Normal),
                ("Medium", Priority::Normal),
                ("3", Priority::High),
                ("High", Priority::High),
                ("4", Priority::Urgent),
                ("Urgent", Priority::Urgent),
            ]),
            channels: map(&[
                ("1", Channel::Email),
                ("2", Channel::Web),
                ("3", Channel::Phone),
                ("7", Channel::Chat),
                ("9", Channel::Web),
                ("10", Channel::Email),
            ]),
            agent_roles: Vec::new(),
        }
    }
}

impl Mapping {
    /// ServiceNow's incident states and priorities: New → new, Active → open, Awaiting
    /// User Info → pending, Awaiting Vendor / Problem / Evidence → on hold, Resolved →
    /// solved, Closed → closed; priority 1 urgent, 2 high, 3 normal, 4 low (the leading
    /// digit of `1 - Critical`); contact types Phone, Email, Self service (web).
    pub fn servicenow() -> Self {
        Mapping {
            statuses: map(&[
                ("New", Status::New),
                ("Active", Status::Open),
                ("Awaiting User Info", Status::Pending),
                ("Awaiting Vendor", Status::OnHold),
                ("Awaiting Problem", Status::OnHold),
                ("Awaiting Evidence", Status::OnHold),
                ("Resolved", Status::Solved),
                ("Closed", Status::Closed),
            ]),
            priorities: map(&[
                ("1", Priority::Urgent),
                ("2", Priority::High),
                ("3", Priority::Normal),
                ("4", Priority::Low),
            ]),
            channels: map(&[
                ("Phone", Channel::Phone),
                ("Email", Channel::Email),
                ("Self service", Channel::Web),
            ]),
            agent_roles: Vec::new(),
        }
    }
}

/// A map from `(name, value)` pairs.
fn map<T: Copy>(pairs: &[(&str, T)]) -> HashMap<String, T> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}
