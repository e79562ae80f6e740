//! Ticket lifecycle metrics in calendar time ([contract](crate::contract) "Time metrics", "Rates and
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
//! Engines that gather a ticket's events before computing anything (a SQL `GROUP BY
//! ticket_id`, a batch job keyed by ticket) use a [`TicketReplay`] instead: it runs one
//! ticket's history through the same rules and returns its [`TicketFacts`], which
//! [`TicketLifecycle::observe_facts`] files into the same aggregate (the DataFusion
//! integration's `ticket_facts` function is built on it).
//!
//! # One engine: where each rule lives
//!
//! Every ticket figure, here and in the [SLA engine](crate::metrics::sla), reads one
//! per-ticket state machine, so the lifecycle and the SLA clocks agree by construction on
//! what each event means (the [contract](crate::contract)'s "The ticket engine"):
//!
//! | file | what it holds |
//! |---|---|
//! | `machine.rs` | **the meaning of an event**: the per-ticket state (192 bytes) and the transitions an accepted event yields (answered, replied again, awaits a reply, phase changed, solved, reopened, reassigned — team, assignee or priority —, a tag or custom field set, handed off by a bot, closed, cancelled); a custom status counts as its category here |
//! | `admission.rs` | **whether an event is taken**: before creation, out of range, outside the calendar, out of order, the same event twice, a merge into itself; re-sequencing's restart and replay of a late event |
//! | `store.rs` | the tickets in play: a creation-ordered slab and its id index, for any per-ticket state |
//! | `filing.rs` | the lifecycle consumer: files each transition's facts in the aggregates of the ticket's groups, moving them on reassignment |
//! | `lifecycle.rs`, `business.rs` | [`TicketLifecycle`], the aggregate of one group, and its business-time part: they alone write their counters and summaries |
//! | `handling.rs` | the handling consumer ([`TrackerConfig::handling`]): its per-ticket state (statuses, assignees, bots) beside the machine's, and [`Handling`], its part of each group's aggregate |
//! | `tracker.rs` | [`TicketTracker`]: the machine over every ticket in play, the lifecycle consumer, snapshots, shard merge |
//! | `grouping.rs`, `config.rs`, `ingest.rs` | groupings, configuration, the ingest report |
//! | `replay.rs`, `saved.rs` | [`TicketReplay`] (one ticket at a time), save and restore |
//! | `metrics/sla/` | the SLA consumer: policies and their slots (`policy.rs`), clocks and their outcome ledger (`clocks.rs`), what each transition does to the clocks (`consumer.rs`), [`SlaTracker`](crate::metrics::sla::SlaTracker) with the policy chosen again on field changes (`tracker.rs`), its snapshot (`snapshot.rs`) |
//!
//! **Adding a consumer** (a new family of figures on tickets): keep its per-ticket state
//! beside the machine's (in the store, as the SLA tracker's `SlaTicket` does, or in the
//! ticket's `Extra` as the handling consumer does), run each record through
//! `TicketState::admit` (`admission.rs`) and `TicketState::apply`, and react to the
//! transition it returns; nothing about what an event means is decided outside the
//! machine. A new kind of event is a new transition, which every consumer then sees (the
//! handling consumer, `handling.rs`, is the small example: it follows the transitions
//! around the lifecycle filing, files facts with the solve and retracts them on reopen).
//!
//! # The choices, made explicit
//!
//! | question | the crate's answer | where to change it |
//! |---|---|---|
//! | when does the first-response clock start? | at the ticket's creation (Zendesk, Zammad, Freshdesk) | [`TrackerConfig::frt_start`] ([`FrtStart::FirstCustomerMessage`]: Intercom, Front; [`FrtStart::LastHandoff`]: Chatwoot) |
//! | what is a response? | a public message by an agent; bots, triggers and internal notes never are | [`TrackerConfig::is_response`] narrows it |
//! | outbound tickets (created by an agent)? | no first response time; all other figures count | [`TrackerConfig::outbound`] ([`OutboundReplies::SecondAgentComment`]: Zendesk, the first agent message is the description and the first response is the second) |
//! | unanswered tickets? | counted apart with their mean age at the snapshot's "as of" instant (censored), never zero-filled or dropped | — |
//! | what is solved? | a ticket changed to solved (and maybe closed since); a ticket closed without ever being solved leaves the backlog as `closed_unresolved`, no resolution | — |
//! | a reopen? | solved → new, open, pending or on-hold: the resolution figures are retracted, the next solve files new ones; full resolution runs from creation to the latest solve, the per-cycle figure from each reopen | — |
//! | requester wait / agent work? | time in new, open, on-hold / in new and open (Zendesk); pending and solved periods never count | — |
//! | next reply? | from the first unanswered public customer message (after the first response, also the one that reopens a solved ticket) to the next response; a solve stops it uncounted | — |
//! | resolved within target? | full resolution ≤ target (24 h by default), over solved tickets | [`TrackerConfig::resolution_target`] |
//! | which group gets the figures? | the ticket's current team, assignee and priority; reassigning an unsolved ticket (or changing its priority) moves its figures; a solved ticket stays with the team, assignee and priority it was solved with (the assignee at solve time) | a [`TicketGrouping`] of your own; [`ByCreationPriority`] for the priority at creation |
//! | business time on which calendar? | the tracker's [`TrackerConfig::calendar`], or per team ([`TrackerConfig::team_calendars`], e.g. each team's region): the calendar of the team a ticket was created with; with [`TrackerConfig::calendar_follows_team`], the calendar of each team it had, from its move there | dbt_zendesk (schedule history) |
//! | merged and spam tickets? | a merged ticket leaves every figure but volume (`tickets`); a spam ticket leaves every figure | — |
//! | the same event twice (ticket, instant, kind, author)? | counted once; the copy is counted in [`IngestReport::duplicates`] (among the last four distinct events of that second) | — |
//! | events after a close, for unknown tickets, out of order? | see the next table | [`TrackerConfig::resequence`], [`TicketTracker::evict_solved_before`] |
//!
//! # What happens to each record a service may send
//!
//! Webhooks and exports deliver events twice, late, out of order, for tickets never seen.
//! Each case has one defined outcome; nothing is dropped without being counted, and
//! accepted + duplicates + rejected = offered ([`IngestReport::offered`]). A rejected
//! record is an [`Error::InvalidRecord`](crate::Error::InvalidRecord) naming the ticket,
//! the instant and the rule, and changes no figure, so the caller can store it and replay
//! it later.
//!
//! | the record | outcome | counted in the [`IngestReport`] |
//! |---|---|---|
//! | the same event again (ticket, instant, kind, author) | applied once | `duplicates` |
//! | an interaction earlier than one already applied to its ticket | with [`TrackerConfig::resequence`]: put in its place (the ticket's figures retracted, its events replayed in time order; same-second events in arrival order), identical to the in-order stream; without: rejected | `resequenced` (and `interactions`) / `rejected[out_of_order]` |
//! | an interaction for a ticket closed, merged, marked as spam or evicted (released) | rejected: its state is gone (memory follows tickets in play); the caller decides whether to replay | `rejected[ticket_not_in_play]` |
//! | an interaction for a ticket never seen | rejected | `rejected[ticket_not_in_play]` |
//! | an interaction before its ticket's creation, or more than 136 years after it | rejected | `rejected[before_creation]`, `rejected[duration_out_of_range]` |
//! | an interaction outside the years of the business calendar | rejected | `rejected[outside_calendar]` |
//! | a ticket merged into itself | rejected | `rejected[merged_into_itself]` |
//! | a second creation of a ticket in play | rejected, the first kept | `rejected[duplicate_ticket]` |
//! | a creation of a ticket released before | a new ticket (a released ticket's id is not remembered: memory follows tickets in play) | `tickets` |
//! | a status change to the status the ticket has | accepted, no figure changes (the period goes on) | `same_status` (and `interactions`) |
//! | events out of order, late or duplicated in a replay through [`TicketTracker::restore`] | as above: a saved tracker keeps its duplicates' fingerprints and, with re-sequencing, its tickets' events | as above |
//!
//! Outside the tracker: a survey score off its scale or of the wrong kind, a call answered
//! before it was offered or ended before answered, a negative revenue: an
//! [`Error::InvalidRecord`](crate::Error::InvalidRecord) with the rule. A deserialised
//! state that breaks a rule: [`Error::CorruptState`](crate::Error::CorruptState). A merge of
//! states configured differently (accuracy, buckets, targets, calendars):
//! [`Error::IncompatibleMerge`](crate::Error::IncompatibleMerge), and nothing changes.
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

pub(crate) mod admission;
mod business;
mod config;
mod creation;
mod filing;
mod grouping;
mod handling;
mod ingest;
mod lifecycle;
pub(crate) mod machine;
mod merge;
pub(crate) mod store;
mod tracker;

#[cfg(feature = "serde")]
pub(crate) use tracker::SavedTicket;
#[cfg(feature = "serde")]
pub use tracker::SavedTracker;

pub use config::{FrtStart, OutboundReplies, TrackerConfig};
pub use grouping::{
    ByAssignee, ByChannel, ByCreationPriority, ByPriority, ByRequester, ByTag, ByTeam, CreatedIn,
    Overall, SolvedIn, TicketGrouping, TicketView,
};
pub use handling::{
    CreditedReplies, Handling, HandlingSnapshot, ReplyCredit, StatusKey, StatusTime,
};
pub use ingest::{IngestReport, RejectReason};
pub use lifecycle::{
    BusinessFacts, BusinessLifecycle, BusinessSnapshot, DEFAULT_BUSINESS_RESPONSE_TARGET,
    DEFAULT_RESOLUTION_TARGET, LifecycleSnapshot, REOPEN_SLOTS, SolvedFacts, TicketLifecycle,
};
pub(crate) use tracker::AgePair;
pub use tracker::{
    Ages, AgesSnapshot, TicketEvent, TicketFacts, TicketOutcome, TicketReplay, TicketTracker,
    TrackerSnapshot, VolumeCounts,
};
