//! What a tracker was offered and what it did with it.

use std::collections::BTreeMap;

/// Why the tracker turned a record away (counted in the [`IngestReport`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum RejectReason {
    /// An interaction for a ticket not in play: never created, or already closed, merged,
    /// marked as spam or evicted (a late event).
    TicketNotInPlay,
    /// A second creation of a ticket in play.
    DuplicateTicket,
    /// An interaction before its ticket's creation.
    BeforeCreation,
    /// An interaction earlier than one already applied to its ticket.
    OutOfOrder,
    /// A ticket merged into itself.
    MergedIntoItself,
    /// An interaction more than 136 years after its ticket's creation.
    DurationOutOfRange,
    /// A ticket or interaction outside the years of the tracker's business calendar.
    OutsideCalendar,
}

impl RejectReason {
    /// Every reason.
    pub const ALL: [RejectReason; 7] = [
        RejectReason::TicketNotInPlay,
        RejectReason::DuplicateTicket,
        RejectReason::BeforeCreation,
        RejectReason::OutOfOrder,
        RejectReason::MergedIntoItself,
        RejectReason::DurationOutOfRange,
        RejectReason::OutsideCalendar,
    ];

    /// The snake-case name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            RejectReason::TicketNotInPlay => "ticket_not_in_play",
            RejectReason::DuplicateTicket => "duplicate_ticket",
            RejectReason::BeforeCreation => "before_creation",
            RejectReason::OutOfOrder => "out_of_order",
            RejectReason::MergedIntoItself => "merged_into_itself",
            RejectReason::DurationOutOfRange => "duration_out_of_range",
            RejectReason::OutsideCalendar => "outside_calendar",
        }
    }
}

/// What a tracker was offered and what it did with it: accepted + rejected = offered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct IngestReport {
    /// Ticket records accepted.
    pub tickets: u64,
    /// Interactions accepted.
    pub interactions: u64,
    /// Records rejected, by reason.
    pub rejected: BTreeMap<RejectReason, u64>,
    /// Tickets released from memory (closed, merged, spam, evicted).
    pub released: u64,
    /// Duplicates: the same event (ticket, instant, kind, author) seen again, counted once.
    pub duplicates: u64,
    /// Interactions that came late for their ticket and were put in their place (with
    /// [`TrackerConfig::resequence`](super::TrackerConfig::resequence)); they are among the accepted `interactions`.
    #[cfg_attr(feature = "serde", serde(default))]
    pub resequenced: u64,
    /// Status changes to the status the ticket already had when they arrived (solved to
    /// solved, open to open…): accepted, and no figure changes (the period goes on); among
    /// the accepted `interactions`. Late events put in their place are not looked at here.
    #[cfg_attr(feature = "serde", serde(default))]
    pub same_status: u64,
}

impl IngestReport {
    /// Records offered: accepted, duplicates and rejected.
    pub fn offered(&self) -> u64 {
        self.tickets + self.interactions + self.duplicates + self.rejected.values().sum::<u64>()
    }

    /// Events a replay left over after their ticket's release: accepted before, no longer.
    pub(crate) fn left_over(&mut self, n: u64) {
        if n > 0 {
            self.interactions -= n;
            *self
                .rejected
                .entry(RejectReason::TicketNotInPlay)
                .or_insert(0) += n;
        }
    }

    pub(crate) fn reject(&mut self, reason: RejectReason) {
        *self.rejected.entry(reason).or_insert(0) += 1;
    }

    pub(crate) fn merge(&mut self, other: &Self) {
        self.tickets += other.tickets;
        self.interactions += other.interactions;
        self.released += other.released;
        self.duplicates += other.duplicates;
        self.resequenced += other.resequenced;
        self.same_status += other.same_status;
        for (r, n) in &other.rejected {
            *self.rejected.entry(*r).or_insert(0) += n;
        }
    }
}
