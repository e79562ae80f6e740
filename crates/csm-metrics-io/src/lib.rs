//! Readers for [`csm_metrics`]: help-desk histories on disk into the crate's records,
//! streaming, in bounded memory, with a report of every row turned away.
//!
//! The crate's core computes from typed records and does no I/O; this crate is the way in
//! from files. Each reader yields records in the order the trackers need (per ticket: its
//! creation, then its interactions in time order), whatever order the file has, and counts
//! every row it turns away by table and rule in an [`ImportReport`]: nothing is dropped
//! silently, and a bad row never stops a read (a missing file or column does, with an
//! [`Error`] naming it).
//!
//! - [`history`]: the crate's own history format (CSV, version 1): the format the
//!   generator writes and `csm-metrics report --from csv` reads. Parsed in parallel
//!   chunks with a real CSV parser (the `csv` crate: quoted fields, escaped quotes,
//!   embedded newlines, CRLF, a byte-order mark); sorted externally when out of order.
//! - [`zendesk`]: Zendesk exports — the Fivetran Zendesk warehouse schema as CSV
//!   ([`zendesk::fivetran`]) and the API's JSON exports ([`zendesk::api`]), mapped through
//!   an overridable [`zendesk::Mapping`].
//! - [`servicenow`]: ServiceNow incident audit exports (one row per update), diffed into
//!   changes.
//! - [`freshdesk`]: Freshdesk's API exports (tickets, conversations, agents, groups, the
//!   ticket activities export) through [`mapping::Mapping::freshdesk`].
//! - [`xes`]: XES event logs (IEEE 1849) through an [`xes::XesMapping`] of activities to
//!   statuses and replies, read from TOML.
//! - [`calendar`]: business calendars from a JSON spec; [`sla`]: SLA policies from one.
//!
//! ```no_run
//! use csm_metrics::Calculator;
//! use csm_metrics::metrics::tickets::{ByTeam, TicketTracker, TrackerConfig};
//! use csm_metrics_io::history::{History, ReadOptions};
//!
//! let history = History::open("/tmp/history")?;
//! let options = ReadOptions { shards: 2, parsers: 2, ..ReadOptions::default() };
//! let (mut trackers, report, teams) = history.read_tickets(&options, |_| {
//!     TicketTracker::new(TrackerConfig::default(), ByTeam).expect("a valid configuration")
//! })?;
//! let mut all = trackers.remove(0);
//! for other in &trackers {
//!     all.merge(other)?;
//! }
//! let snapshot = all.snapshot();
//! println!("{} tickets, {} rows turned away", snapshot.overall.tickets, report.rejected_total());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Memory
//! A streamed read holds the chunks in flight (a few of [`history::ReadOptions::chunk_bytes`]
//! per thread), the ticket rows read ahead of their creation event (none when the files
//! are in order) and what the sinks keep (the tickets in play). A row is never held past
//! [`history::ReadOptions::max_row_bytes`]: a longer one is skipped as it streams by, and
//! counted. A sorted read holds one run of at most
//! [`history::ReadOptions::sort_memory_bytes`] and spills the others to temporary files.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod calendar;
mod chunks;
mod error;
mod export;
pub mod freshdesk;
pub mod history;
pub mod mapping;
mod report;
pub mod servicenow;
pub mod sla;
pub mod xes;
pub mod zendesk;

pub use error::{Error, Result};
pub use report::{ImportReport, Ordering, Rejection, Rule, Table};
