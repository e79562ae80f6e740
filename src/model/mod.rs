//! Records: the typed rows a help desk hands the crate.
//!
//! Records are plain data with public fields, so a service builds one from its own row in a
//! line. Instants are [`chrono::DateTime<Utc>`]. **Durations are whole seconds in `u64`**
//! everywhere in the crate (records, statistics, snapshots): help desks export second
//! precision, integer sums and sums of squares stay exact and merge exactly, and a `u64`
//! cannot hold a negative duration. Fractions appear only where a mean or a quantile is one.
//!
//! Each record has a `validate` method for the rules it can check alone (a score on its
//! scale, a call answered after it was offered); calculators call it before they observe.

mod account;
mod agent;
mod call;
mod ids;
mod survey;
mod ticket;

pub use account::{AccountEvent, AccountEventKind};
pub use agent::{Activity, AgentState, ScheduledActivity, StateInterval};
pub use call::Call;
pub use ids::{
    AgentId, CallId, CustomerId, FieldId, ItemId, QueueId, StatusId, SurveyId, TagId, TeamId,
    TicketId, ValueId,
};
pub use survey::{Happiness, SurveyKind, SurveyResponse, SurveyScore};
pub(crate) use ticket::Phase;
pub use ticket::{
    Author, Channel, CreatedBy, CustomStatus, FieldChange, Interaction, InteractionKind, Priority,
    Status, StatusCategory, Ticket, Visibility,
};

use chrono::{DateTime, Utc};

/// A record that happened at one instant: the instant calendar windows bucket it by.
pub trait Timestamped {
    /// The instant of the record.
    fn at(&self) -> DateTime<Utc>;
}
