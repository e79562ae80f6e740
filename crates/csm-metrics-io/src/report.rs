//! The import report: rows read per table, rows turned away per table and rule, and how
//! the input was ordered.

use std::collections::BTreeMap;
use std::fmt;

/// A table of a history (a file of the history format).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Table {
    /// `tickets.csv`: one row per ticket.
    Tickets,
    /// `events.csv`: one row per thing that happened to a ticket.
    Events,
    /// `surveys.csv`: one row per survey response.
    Surveys,
    /// `calls.csv`: one row per call.
    Calls,
    /// `agent_states.csv`: one row per interval an agent spent in one state.
    AgentStates,
    /// `schedule.csv`: one row per planned activity of an agent.
    Schedule,
    /// `accounts.csv`: one row per account event of a customer.
    Accounts,
    /// A table of a help desk's export, by its name (`ticket_comment` of the Fivetran
    /// Zendesk schema).
    Source(&'static str),
}

impl Table {
    /// The table's name, as in its file name.
    pub fn as_str(self) -> &'static str {
        match self {
            Table::Tickets => "tickets",
            Table::Events => "events",
            Table::Surveys => "surveys",
            Table::Calls => "calls",
            Table::AgentStates => "agent_states",
            Table::Schedule => "schedule",
            Table::Accounts => "accounts",
            Table::Source(name) => name,
        }
    }
}

/// Why a row was turned away. Each is counted in the [`ImportReport`] under its table.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Rule {
    /// Fewer or more fields than the header has.
    WrongFieldCount,
    /// An id or instant that is not a number of the right range.
    BadIdOrInstant,
    /// An event's ticket id or instant that is not a number of the right range.
    BadTicketIdOrInstant,
    /// A priority the format does not name.
    UnknownPriority,
    /// A message whose author is not agent (with an agent id), customer or bot.
    UnknownAuthor,
    /// A status the format does not name.
    UnknownStatus,
    /// An event kind the format does not name.
    UnknownKind,
    /// A survey score that is not a number, or an instant that is not.
    BadInstantOrScore,
    /// An agent state or a scheduled activity the format does not name.
    UnknownState,
    /// An account event's revenue or reason code that is not a number.
    BadRevenueOrReason,
    /// A call's `answered_at` that is neither empty nor an instant.
    BadAnsweredAt,
    /// A call's hold or wrap that is not a number of seconds.
    BadHoldOrWrap,
    /// A text field that is not UTF-8.
    NotUtf8,
    /// A line or a file that is not the JSON the format expects (an object with the
    /// fields it needs).
    NotJson,
    /// A row longer than the reader's row limit (skipped whole).
    RowTooLong,
    /// A second row for a ticket id already read.
    DuplicateTicketId,
    /// A ticket's `created` event whose ticket is not in `tickets.csv`.
    CreatedWithoutTicket,
    /// A ticket row without a `created` event.
    NoCreatedEvent,
    /// An event whose activity the mapping does not name.
    UnmappedActivity,
    /// An event whose activity the mapping says to ignore.
    IgnoredActivity,
    /// An event repeating another of its ticket at the same instant exactly.
    RepeatedEvent,
    /// An event of a trace without a case id (or the trace itself).
    NoCaseId,
    /// Cut off by the end of the file.
    Truncated,
    /// A survey offered (or not offered) but not answered: no response.
    Unanswered,
    /// A rating given again later: the earlier answer is superseded by the later one.
    Superseded,
    /// A row the source marks deleted (Fivetran's `_fivetran_deleted`).
    Deleted,
    /// A row naming a record that is not in the export (a holiday of an unknown schedule).
    UnknownReference,
    /// Refused by the crate's calculator, by its rule as it displays (a survey or call
    /// record: `csat score 9 is outside 1..=5`).
    Refused(String),
    /// Refused by the ticket tracker, by its reason.
    Tracker(csm_metrics::metrics::tickets::RejectReason),
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Rule::WrongFieldCount => "wrong field count",
            Rule::BadIdOrInstant => "bad id or instant",
            Rule::BadTicketIdOrInstant => "bad ticket id or instant",
            Rule::UnknownPriority => "unknown priority",
            Rule::UnknownAuthor => "message without a known author",
            Rule::UnknownStatus => "unknown status",
            Rule::UnknownKind => "unknown kind",
            Rule::BadInstantOrScore => "bad instant or score",
            Rule::UnknownState => "unknown state or activity",
            Rule::BadRevenueOrReason => "bad revenue or reason",
            Rule::BadAnsweredAt => "bad answered_at",
            Rule::BadHoldOrWrap => "bad hold or wrap",
            Rule::NotUtf8 => "text not UTF-8",
            Rule::NotJson => "not the expected JSON",
            Rule::RowTooLong => "row too long",
            Rule::DuplicateTicketId => "duplicate ticket id",
            Rule::CreatedWithoutTicket => "created for a ticket not in tickets.csv",
            Rule::NoCreatedEvent => "no created event",
            Rule::UnmappedActivity => "activity not in the mapping",
            Rule::IgnoredActivity => "activity ignored by the mapping",
            Rule::RepeatedEvent => "repeated event",
            Rule::NoCaseId => "no case id",
            Rule::Truncated => "cut off by the end of the file",
            Rule::Unanswered => "survey not answered",
            Rule::Superseded => "rating superseded by a later answer",
            Rule::Deleted => "deleted in the source",
            Rule::UnknownReference => "names a record not in the export",
            Rule::Refused(rule) => rule,
            Rule::Tracker(reason) => reason.as_str(),
        })
    }
}

/// A rejection's key: the table and the rule. Displays as `table: rule`, the keys of the
/// replay report's `input.rejected`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Rejection {
    /// The table of the row.
    pub table: Table,
    /// The rule it broke.
    pub rule: Rule,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.table.as_str(), self.rule)
    }
}

/// How the reader put the events in time order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Ordering {
    /// The files were in time order: streamed as they are.
    #[default]
    Streamed,
    /// They were not: sorted first, in `runs` sorted runs (more than one: spilled to
    /// temporary files, the external sort).
    Sorted {
        /// Sorted runs merged.
        runs: usize,
    },
}

/// What a read did: rows per table, rows turned away by table and rule. Mergeable: the
/// reports of two shards add up.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImportReport {
    /// Data rows read per table (the header excluded).
    pub rows: BTreeMap<Table, u64>,
    /// Rows turned away, by table and rule.
    pub rejected: BTreeMap<Rejection, u64>,
    /// How the events were put in time order.
    pub ordering: Ordering,
}

impl ImportReport {
    /// Counts one rejected row.
    pub fn reject(&mut self, table: Table, rule: Rule) {
        self.reject_n(table, rule, 1);
    }

    /// Counts `n` rejected rows.
    pub fn reject_n(&mut self, table: Table, rule: Rule, n: u64) {
        if n > 0 {
            *self.rejected.entry(Rejection { table, rule }).or_insert(0) += n;
        }
    }

    /// Counts `n` rows read.
    pub fn read(&mut self, table: Table, n: u64) {
        *self.rows.entry(table).or_insert(0) += n;
    }

    /// Data rows read from a table.
    pub fn rows_of(&self, table: Table) -> u64 {
        self.rows.get(&table).copied().unwrap_or(0)
    }

    /// Rows turned away in all.
    pub fn rejected_total(&self) -> u64 {
        self.rejected.values().sum()
    }

    /// Adds another report's counts (the ordering stays this one's unless it is the
    /// default).
    pub fn merge(&mut self, other: &ImportReport) {
        for (t, n) in &other.rows {
            self.read(*t, *n);
        }
        for (r, n) in &other.rejected {
            self.reject_n(r.table, r.rule.clone(), *n);
        }
        if self.ordering == Ordering::Streamed {
            self.ordering = other.ordering;
        }
    }
}
