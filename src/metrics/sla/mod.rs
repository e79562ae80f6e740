//! The SLA engine: policies, per-ticket targets, achieved / breached / active, attainment.
//!
//! A policy maps a ticket (by priority, channel, team, tags; the first matching policy
//! wins) to targets, each in calendar or business time ([contract](crate::contract)
//! "SLA", as Zendesk). The policy is chosen at creation and **chosen again whenever the
//! ticket's priority, team or tags change** (as Zendesk applies SLAs on every ticket
//! update): each metric's clock counts from its own start whatever the policy, and the new
//! policy's target applies to what it counted, from that instant. So a running first reply
//! of 30 minutes made urgent (1 h) has its deadline 30 minutes later; a paused requester
//! wait takes the new target when it resumes; a target the new policy lacks leaves the
//! figures (no outcome) while its clock goes on counting, in case a later change brings it
//! back; outcomes already filed stay under the policy they were filed under. Changes while
//! the ticket is solved take effect at its reopen.
//!
//!
//! | metric | its clock runs | an instance ends |
//! |---|---|---|
//! | first reply | from creation | at the first public agent reply |
//! | next reply | from each customer public message awaiting an answer (after the first reply) | at the next public agent reply |
//! | periodic update | from each public agent reply | at the next one |
//! | pausable update | from each public agent reply, while new or open (pauses in pending and on-hold) | at the next one |
//! | requester wait | while new, open or on-hold (pauses in pending) | at the solve; a reopen resumes it where it stood |
//! | agent work | while new or open | at the solve; a reopen resumes it |
//! | total resolution | always, from creation (never pauses) | at the solve; a reopen resumes it, the solved period included |
//! | group ownership (group SLAs) | from the assignment to a group (or the creation with one), in every unsolved status | at the reassignment to another group (or to none) or the solve; a reopen starts a new instance for the group it has |
//!
//! Group SLAs (operational level agreements) are policies of their own, as Zendesk keeps
//! them: put the [`SlaMetric::GroupOwnership`] targets, one policy per group (chosen by its
//! team condition), in a second [`SlaPolicies`] tracked by a second tracker; each group's
//! ownership is filed under its policy, so the per-policy figures are the per-group ones.
//!
//! A solved ticket stops every clock: the targets then running or paused are fulfilled,
//! achieved if within target. Each instance of each target is **achieved** (with the time
//! to spare), **breached** (with by how much), **active** (with the time left), or
//! **cancelled** (the ticket was merged or marked as spam: its outcomes leave every
//! figure). A reply exactly at the deadline is on time. A target is breached the moment its
//! deadline passes, whether or not the reply comes later: snapshots count the active
//! targets past their deadline as breached.
//!
//! **Attainment** = achieved / (achieved + breached), per policy and metric.
//!
//! ```
//! use chrono::{TimeDelta, TimeZone, Utc};
//! use csm_metrics::metrics::sla::{Basis, Policy, SlaMetric, SlaPolicies, SlaTracker, Target};
//! use csm_metrics::{AgentId, CustomerId, Interaction, Ticket, TicketId};
//!
//! let policies = SlaPolicies::new(
//!     vec![Policy::all("standard", vec![Target::new(SlaMetric::FirstReply, 3_600, Basis::Calendar)])],
//!     None,
//! )?;
//! let mut sla = SlaTracker::new(policies);
//! let t0 = Utc.with_ymd_and_hms(2025, 3, 3, 9, 0, 0).unwrap();
//! let at = |m| t0 + TimeDelta::minutes(m);
//! sla.observe_ticket(&Ticket::new(TicketId(1), t0, CustomerId(1)))?;
//! sla.observe_ticket(&Ticket::new(TicketId(2), t0, CustomerId(2)))?;
//! // Ticket 1 is answered exactly at the deadline: on time.
//! sla.observe_interaction(&Interaction::agent_reply(TicketId(1), at(60), AgentId(7)))?;
//! // Ticket 2 is not answered; at 09:30 it has 30 minutes left, at 10:30 it is breached.
//! let early = sla.snapshot_at(at(30));
//! assert_eq!(early.about_to_breach[0].time_left, 1_800);
//! let late = sla.snapshot_at(at(90));
//! let first_reply = &late.targets[0];
//! assert_eq!((first_reply.achieved, first_reply.breached), (1, 1));
//! assert_eq!(first_reply.attainment, Some(0.5));
//! # Ok::<(), csm_metrics::Error>(())
//! ```

//! # A worked example: one ticket, its business clock and its SLA states
//!
//! New York hours, Monday to Friday 09:00-17:00. Policy "standard": first reply within
//! 2 business hours, requester wait within 4 business hours. The ticket arrives on Friday
//! 2025-03-07 at 16:00 (local time).
//!
//! ```text
//! local time      Fri 16:00   Fri 17:00   weekend   Mon 09:00    Mon 10:30         Mon 11:00   Mon 14:00   Mon 15:00
//! events          created     .           closed    .            reply, pending    customer    open        solved
//! open hours      [==== 1 h ====]                   [==== 1.5 h ====]                          [==== 1 h ====]
//! first reply     running ........................................ deadline Mon 10:00; the reply at 10:30
//!                 ends it: 2.5 business hours > 2 h, breached by 30 min (breached since 10:00)
//! requester wait  running (2.5 h) ................................ paused in pending ........ running (1 h)
//!                 3.5 business hours ≤ 4 h at the solve: achieved, 30 min to spare
//! ```
//!
//! ```
//! # #[cfg(feature = "tz")] {
//! use std::sync::Arc;
//! use chrono::{TimeZone, Utc};
//! use chrono_tz::America::New_York;
//! use csm_metrics::metrics::sla::{Basis, Policy, SlaMetric, SlaPolicies, SlaTracker, Target};
//! use csm_metrics::{AgentId, BusinessCalendar, CustomerId, DayTime, Interaction, Status, Ticket, TicketId};
//!
//! let calendar = BusinessCalendar::builder(New_York)
//!     .open_weekdays(DayTime::hm(9, 0), DayTime::hm(17, 0))
//!     .years(2025, 2025)
//!     .build()?;
//! let policies = SlaPolicies::new(
//!     vec![Policy::all("standard", vec![
//!         Target::new(SlaMetric::FirstReply, 2 * 3_600, Basis::Business),
//!         Target::new(SlaMetric::RequesterWait, 4 * 3_600, Basis::Business),
//!     ])],
//!     Some(Arc::new(calendar)),
//! )?;
//! let mut sla = SlaTracker::new(policies);
//! let ny = |d, h, m| New_York.with_ymd_and_hms(2025, 3, d, h, m, 0).unwrap().with_timezone(&Utc);
//! let id = TicketId(1);
//! sla.observe_ticket(&Ticket::new(id, ny(7, 16, 0), CustomerId(9)))?;
//! // Over the weekend the first reply has 1 business hour left: its deadline is Monday 10:00.
//! let weekend = sla.snapshot_at(ny(8, 12, 0));
//! assert_eq!(weekend.about_to_breach[0].deadline, ny(10, 10, 0));
//! sla.observe_interaction(&Interaction::agent_reply(id, ny(10, 10, 30), AgentId(2)))?;
//! sla.observe_interaction(&Interaction::status(id, ny(10, 10, 30), Status::Pending))?;
//! sla.observe_interaction(&Interaction::customer_message(id, ny(10, 11, 0)))?;
//! sla.observe_interaction(&Interaction::status(id, ny(10, 14, 0), Status::Open))?;
//! sla.observe_interaction(&Interaction::status(id, ny(10, 15, 0), Status::Solved))?;
//! let report = sla.snapshot_at(ny(10, 16, 0));
//! let (first_reply, wait) = (&report.targets[0], &report.targets[1]);
//! assert_eq!((first_reply.achieved, first_reply.breached), (0, 1));
//! assert_eq!(first_reply.breach_by.mean, Some(1_800.0)); // 30 business minutes late
//! assert_eq!((wait.achieved, wait.breached), (1, 0));
//! assert_eq!(wait.spare.mean, Some(1_800.0)); // 3.5 of 4 business hours used
//! # }
//! # Ok::<(), csm_metrics::Error>(())
//! ```

mod clocks;
mod consumer;
mod deadlines;
mod policy;
#[cfg(feature = "serde")]
mod saved;
mod snapshot;
mod tracker;

const WHAT: &str = "SLA";

pub use policy::{Basis, Condition, Policy, SlaMetric, SlaPolicies, Target};
#[cfg(feature = "serde")]
pub use saved::SavedSla;
pub use snapshot::{AtRisk, SlaSnapshot, TargetSnapshot};
pub use tracker::{SlaConfig, SlaTracker};
