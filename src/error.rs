//! The crate's one error type.
//!
//! Every fallible operation returns [`Error`]. A bad record is named ([`RecordRef`]) together
//! with the rule it broke ([`Rule`]), so a message reads like
//! `survey 17: NPS score 11 is outside 0..=10`. No operation of the crate panics on caller
//! input; an operation that fails leaves the calculator's state unchanged.

use core::fmt;

use chrono::{DateTime, Utc};

use crate::model::{AgentId, CallId, CustomerId, SurveyId, SurveyKind, TicketId};

/// Which record broke a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RecordRef {
    /// A ticket record.
    Ticket(TicketId),
    /// An interaction of a ticket, at an instant.
    Interaction(TicketId, DateTime<Utc>),
    /// A survey response.
    Survey(SurveyId),
    /// A call.
    Call(CallId),
    /// An account event of a customer, at an instant.
    Account(CustomerId, DateTime<Utc>),
    /// An agent's state interval or scheduled activity, by its start.
    AgentState(AgentId, DateTime<Utc>),
    /// A row of a column handed over in bulk (0-based), for inputs without record ids.
    Row(u64),
}

impl fmt::Display for RecordRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecordRef::Ticket(id) => write!(f, "{id}"),
            RecordRef::Interaction(id, at) => write!(f, "{id}, interaction at {}", at.to_rfc3339()),
            RecordRef::Survey(id) => write!(f, "{id}"),
            RecordRef::Call(id) => write!(f, "{id}"),
            RecordRef::Account(id, at) => write!(f, "{id}, account event at {}", at.to_rfc3339()),
            RecordRef::AgentState(id, at) => write!(f, "{id}, interval from {}", at.to_rfc3339()),
            RecordRef::Row(row) => write!(f, "row {row}"),
        }
    }
}

/// The rule a record broke.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rule {
    /// A survey score outside the scale of its kind.
    ScoreOutOfRange {
        /// The kind of survey.
        kind: SurveyKind,
        /// The score given.
        score: u8,
        /// The lowest score of the scale.
        min: u8,
        /// The highest score of the scale.
        max: u8,
    },
    /// A survey response given to a calculator of another kind.
    WrongSurveyKind {
        /// The kind the calculator computes.
        expected: SurveyKind,
        /// The kind of the response.
        found: SurveyKind,
    },
    /// A call answered before it was offered.
    AnsweredBeforeOffered,
    /// A call that ended before it was offered or answered.
    EndedBeforeStart,
    /// A call whose hold time is longer than the time it was connected.
    HoldLongerThanConnected {
        /// Seconds on hold.
        hold: u64,
        /// Seconds connected (answered to ended).
        connected: u64,
    },
    /// A call with an agent, hold or wrap time but no answer.
    UnansweredWithWork,
    /// An interaction before its ticket's creation.
    BeforeTicketCreation {
        /// When the ticket was created.
        created_at: DateTime<Utc>,
    },
    /// An interaction or ticket whose instant lies outside the range the crate computes with
    /// (years 1 to 9999 proleptic Gregorian).
    InstantOutOfRange,
    /// A ticket merged into itself.
    MergedIntoItself,
    /// An interaction for a ticket not in play: never created, or already closed, merged,
    /// marked as spam or evicted.
    TicketNotInPlay,
    /// A second creation of a ticket in play.
    DuplicateTicket,
    /// An interaction earlier than one already applied to its ticket.
    OutOfOrder,
    /// A ticket or interaction outside the years of the business calendar in use.
    OutsideCalendar,
    /// Revenue that is negative.
    NegativeRevenue,
    /// An interval that ends before it starts.
    EndsBeforeItStarts,
    /// An interval that overlaps an earlier one of the same agent (or comes before it).
    OverlapsEarlier,
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rule::ScoreOutOfRange {
                kind,
                score,
                min,
                max,
            } => write!(f, "{kind} score {score} is outside {min}..={max}"),
            Rule::WrongSurveyKind { expected, found } => {
                write!(f, "a {found} response given to a {expected} calculator")
            }
            Rule::AnsweredBeforeOffered => f.write_str("answered before it was offered"),
            Rule::EndedBeforeStart => f.write_str("ended before it was offered or answered"),
            Rule::HoldLongerThanConnected { hold, connected } => write!(
                f,
                "hold time {hold} s is longer than the {connected} s it was connected"
            ),
            Rule::UnansweredWithWork => {
                f.write_str("not answered, yet it carries an agent, hold or wrap time")
            }
            Rule::BeforeTicketCreation { created_at } => write!(
                f,
                "happened before the ticket was created at {}",
                created_at.to_rfc3339()
            ),
            Rule::InstantOutOfRange => f.write_str("its instant is outside years 1..=9999"),
            Rule::MergedIntoItself => f.write_str("merged into itself"),
            Rule::TicketNotInPlay => f.write_str(
                "the ticket is not in play (never created, or already closed, merged, spam or evicted)",
            ),
            Rule::DuplicateTicket => f.write_str("the ticket was already created"),
            Rule::OutsideCalendar => {
                f.write_str("its instant is outside the business calendar's years")
            }
            Rule::OutOfOrder => {
                f.write_str("earlier than an interaction already applied to its ticket")
            }
            Rule::NegativeRevenue => f.write_str("revenue is negative"),
            Rule::EndsBeforeItStarts => f.write_str("ends before it starts"),
            Rule::OverlapsEarlier => {
                f.write_str("overlaps or precedes an interval already seen for the agent")
            }
        }
    }
}

/// The crate's error type.
///
/// Use the predicates ([`Error::is_invalid_record`] …) or match on the variants; the enum is
/// `#[non_exhaustive]`, so later versions may add variants.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A record broke a rule of the metric contract; the state was left unchanged.
    #[error("{record}: {rule}")]
    InvalidRecord {
        /// The record.
        record: RecordRef,
        /// The rule it broke.
        rule: Rule,
    },
    /// A value given to a statistic that it cannot hold (negative, NaN or infinite).
    #[error("{what}: value {value} is not a finite non-negative number")]
    InvalidValue {
        /// The statistic.
        what: &'static str,
        /// The value.
        value: f64,
    },
    /// A value removed from a statistic that does not hold it.
    #[error("{what}: cannot remove {value}: no such value was added")]
    NotPresent {
        /// The statistic.
        what: &'static str,
        /// The value.
        value: f64,
    },
    /// A configuration that cannot work (e.g. a relative accuracy of 0, bucket edges out of
    /// order).
    #[error("{what}: invalid configuration: {reason}")]
    InvalidConfig {
        /// The thing configured.
        what: &'static str,
        /// Why it cannot work.
        reason: String,
    },
    /// Two states built with different configurations cannot be merged.
    #[error("{what}: cannot merge states with different configurations: {reason}")]
    IncompatibleMerge {
        /// The calculator.
        what: &'static str,
        /// The configurations that differ.
        reason: String,
    },
    /// A deserialised (or otherwise constructed) state breaks an invariant.
    #[error("{what}: corrupt state: {reason}")]
    CorruptState {
        /// The calculator.
        what: &'static str,
        /// The invariant broken.
        reason: String,
    },
    /// An instant outside the years a business calendar was built for.
    #[error("business calendar: {at} is outside its years ({from} to {to})")]
    OutOfCalendar {
        /// The instant.
        at: DateTime<Utc>,
        /// The first instant covered.
        from: DateTime<Utc>,
        /// The first instant after the covered years.
        to: DateTime<Utc>,
    },
    /// A count or sum would exceed what the state can hold.
    #[error("{what}: overflow")]
    Overflow {
        /// The statistic.
        what: &'static str,
    },
}

impl Error {
    /// The record that broke a rule, if this error is about a record.
    pub fn record(&self) -> Option<RecordRef> {
        match self {
            Error::InvalidRecord { record, .. } => Some(*record),
            _ => None,
        }
    }

    /// The rule broken, if this error is about a record.
    pub fn rule(&self) -> Option<&Rule> {
        match self {
            Error::InvalidRecord { rule, .. } => Some(rule),
            _ => None,
        }
    }

    /// Whether a record broke a rule of the contract.
    pub fn is_invalid_record(&self) -> bool {
        matches!(self, Error::InvalidRecord { .. })
    }

    /// Whether two states of different configurations were merged.
    pub fn is_incompatible_merge(&self) -> bool {
        matches!(self, Error::IncompatibleMerge { .. })
    }

    /// Whether a state (usually a deserialised one) breaks an invariant.
    pub fn is_corrupt_state(&self) -> bool {
        matches!(self, Error::CorruptState { .. })
    }

    pub(crate) fn corrupt(what: &'static str, reason: impl Into<String>) -> Self {
        Error::CorruptState {
            what,
            reason: reason.into(),
        }
    }

    pub(crate) fn config(what: &'static str, reason: impl Into<String>) -> Self {
        Error::InvalidConfig {
            what,
            reason: reason.into(),
        }
    }

    pub(crate) fn incompatible(what: &'static str, reason: impl Into<String>) -> Self {
        Error::IncompatibleMerge {
            what,
            reason: reason.into(),
        }
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = core::result::Result<T, E>;
