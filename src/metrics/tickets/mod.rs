//! Ticket lifecycle metrics in calendar time (METRICS.md "Time metrics", "Rates and
//! counts"): first response, next reply, first and full resolution, per-cycle resolution,
//! requester wait, agent work, agent wait, on-hold; resolution within a target, reopen
//! rate and distribution, zero-, one- and two-touch resolution, replies per resolution;
//! volume and backlog; unanswered tickets with their ages.
//!
//! A [`TicketTracker`] streams tickets and interactions and files every fact in a
//! [`TicketLifecycle`] aggregate, overall and per group.

mod lifecycle;
mod tracker;

pub use lifecycle::{
    DEFAULT_RESOLUTION_TARGET, LifecycleSnapshot, REOPEN_SLOTS, SolvedFacts, TicketLifecycle,
};
pub use tracker::{
    ByAssignee, ByChannel, ByPriority, ByRequester, ByTag, ByTeam, FrtStart, IngestReport, Overall,
    RejectReason, TicketEvent, TicketGrouping, TicketTracker, TicketView, TrackerConfig,
    TrackerSnapshot,
};
