//! Ticket lifecycle metrics in calendar time (METRICS.md "Time metrics", "Rates and
//! counts"): first response, next reply, first and full resolution, per-cycle resolution,
//! requester wait, agent work, agent wait, on-hold; resolution within a target, reopen
//! rate and distribution, zero-, one- and two-touch resolution, replies per resolution;
//! volume and backlog; unanswered tickets with their ages.
//!
//! A [`TicketTracker`] streams tickets and interactions and files every fact in a
//! [`TicketLifecycle`] aggregate, overall and per group ([`ByTeam`], [`ByAssignee`],
//! [`ByChannel`], [`ByPriority`], [`ByRequester`], [`ByTag`], or a [`TicketGrouping`] of
//! your own).
//!
//! # The choices, made explicit
//!
//! | question | the crate's answer | where to change it |
//! |---|---|---|
//! | when does the first-response clock start? | at the ticket's creation (Zendesk, Zammad, Freshdesk) | [`TrackerConfig::frt_start`] ([`FrtStart::FirstCustomerMessage`]: Intercom, Front) |
//! | what is a response? | a public message by an agent; bots, triggers and internal notes never are | [`TrackerConfig::is_response`] narrows it |
//! | outbound tickets (created by an agent)? | no first response time; all other figures count | — |
//! | unanswered tickets? | counted apart with their mean age at the snapshot's "as of" instant (censored), never zero-filled or dropped | — |
//! | what is solved? | a ticket changed to solved (and maybe closed since); a ticket closed without ever being solved leaves the backlog as `closed_unresolved`, no resolution | — |
//! | a reopen? | solved → new, open, pending or on-hold: the resolution figures are retracted, the next solve files new ones; full resolution runs from creation to the latest solve, the per-cycle figure from each reopen | — |
//! | requester wait / agent work? | time in new, open, on-hold / in new and open (Zendesk); pending and solved periods never count | — |
//! | next reply? | from the first unanswered public customer message (after the first response, also the one that reopens a solved ticket) to the next response; a solve stops it uncounted | — |
//! | resolved within target? | full resolution ≤ target (24 h by default), over solved tickets | [`TrackerConfig::resolution_target`] |
//! | which group gets the figures? | the ticket's current team and assignee; reassigning an unsolved ticket moves its figures; a solved ticket stays with the team and assignee it was solved by (the assignee at solve time) | a [`TicketGrouping`] of your own |
//! | merged and spam tickets? | a merged ticket leaves every figure but volume (`tickets`); a spam ticket leaves every figure | — |
//! | the same event twice (ticket, instant, kind, author)? | counted once; the copy is counted in [`IngestReport::duplicates`] (among the last four distinct events of that second) | — |
//! | events after a close, for unknown tickets, out of order? | rejected with an error and counted by reason in the [`IngestReport`] | [`TicketTracker::evict_solved_before`] bounds memory |
//!
//! # Windows
//! Cohort windows are a grouping: [`CreatedIn`] files each ticket under the calendar
//! window (hour, day, ISO week, month, in any zone) it was created in, alone or paired with
//! another grouping, as `(ByTeam, CreatedIn)`. Activity windows are the caller's other
//! choice: [`SolvedIn`] files each ticket under the window of its latest solve (the "solved
//! date" of help-desk reports: tickets solved this week and their resolution figures),
//! unsolved tickets under `None`; a reopen moves the ticket back, its next solve forward.
//! Activity volume per window (interactions, replies, status changes by the window they
//! happened in) is a [`Windowed`](crate::Windowed) calculator over the interactions, and
//! the [`TicketLifecycle`] counters `solve_events` and `reopen_events` count solves and
//! reopens as they happen, in whatever group the ticket is filed.

mod lifecycle;
#[cfg(feature = "serde")]
pub use tracker::SavedTracker;
mod tracker;

pub use lifecycle::{
    BusinessFacts, BusinessLifecycle, BusinessSnapshot, DEFAULT_BUSINESS_RESPONSE_TARGET,
    DEFAULT_RESOLUTION_TARGET, LifecycleSnapshot, REOPEN_SLOTS, SolvedFacts, TicketLifecycle,
};
pub use tracker::{
    Ages, AgesSnapshot, ByAssignee, ByChannel, ByPriority, ByRequester, ByTag, ByTeam, CreatedIn,
    FrtStart, IngestReport, Overall, RejectReason, SolvedIn, TicketEvent, TicketGrouping,
    TicketTracker, TicketView, TrackerConfig, TrackerSnapshot,
};
