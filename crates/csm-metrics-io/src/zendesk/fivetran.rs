//! The Fivetran Zendesk warehouse schema as CSV: a directory with one file per table, named
//! as the table (`ticket.csv`, `ticket_field_history.csv`, `ticket_comment.csv`,
//! `user.csv`, `group.csv`, and for SLAs `sla_policy_metric_history.csv` and
//! `ticket_sla_policy.csv`; the `_data` suffix of the fivetran/dbt_zendesk seeds,
//! `ticket_data.csv`, is accepted too). `ticket` and `user` are required; without
//! `ticket_field_history` tickets keep the group and priority `ticket` gives them, without
//! `ticket_comment` they have no messages.
//!
//! Columns are found by name (any order, extra columns ignored). Instants are UTC as the
//! warehouse stores them (`2020-02-19 01:54:52`, fractions and a `T`, `Z` or `+00:00`
//! accepted; fractions of a second are dropped). Ids are the numbers Zendesk gives.
//!
//! # Order, repeats and memory
//! The rows of all tables go through the external sort of the history reader (runs of at
//! most [`ReadOptions::sort_memory_bytes`], spilled to temporary files), then each shard
//! merges its tickets' rows by instant, creations first. Memory: one run, the `user` table
//! (one entry per user: whether an agent) and the group names. A repeated comment or field
//! row is the tracker's duplicate (counted once).
//!
//! # Against dbt_zendesk
//! The fivetran/dbt_zendesk package computes per-ticket figures from the same tables.
//! **Checked**: on the export in `tests/data/zendesk_fivetran_dbt/` (four tickets that cross
//! the ends of a Pacific-time schedule, a reopen, an on-hold night, an agent-opened ticket,
//! a deleted one) the package's `zendesk__ticket_metrics`, run on PostgreSQL, and
//! `csm-metrics tickets` agree on every first reply, first and full resolution, requester
//! wait, agent work, agent wait and on-hold figure, calendar and business, and on reopens
//! and agent replies (the CLI test `per_ticket_figures_equal_dbt_zendesks`; that
//! directory's README says how to rerun the package). Where the crate's
//! [contract](csm_metrics::contract) and the package differ:
//! - **First reply**: the package measures from creation to the first public agent comment
//!   after the ticket's first comment; the crate from creation to the first public agent
//!   message. On inbound tickets (the description is the requester's) they agree; on
//!   tickets an agent opened, set `OutboundReplies::SecondAgentComment` to skip the
//!   description as the package does (the command does for Zendesk sources).
//! - **Minutes**: the package reports minutes (calendar: minute boundaries crossed, so a
//!   ticket created at 10:00:59 and solved at 10:01:00 took a minute; business: minutes of
//!   schedule crossed); the crate reports seconds, exact.
//! - **Deleted tickets**: here `deleted` is spam, which takes the ticket out of every
//!   figure; the package keeps a deleted ticket's row, its minutes new or open counted as
//!   requester wait and agent work, and no resolution.
//! - **On hold**: the package counts only the status `hold` as on hold (and in requester
//!   wait); a field history that spells it `on-hold` counts there as no status at all.
//!   The crate reads both as on hold.
//! - **Before creation**: a status the field history dates before the ticket's
//!   `created_at` (the package's seeds have one) starts the package's durations; the crate
//!   starts every duration at creation.
//! - **Touches**: the package's one- and two-touch flags count every public agent comment,
//!   an agent's description included; the crate's touches are the replies
//!   (`agent_replies`), so an agent-opened ticket with two replies is two-touch here and
//!   multi-touch there.
//! - **Requester wait / agent work**: the same statuses (new, open, hold / new, open).
//! - **Schedules** (`schedule`, `schedule_holiday`, `ticket_schedule`) become business
//!   calendars ([`schedule`](super::schedule)); the trackers count business time in one
//!   calendar, so one schedule is used for every ticket (the named one, or the one most
//!   tickets are on), where dbt_zendesk follows each ticket's schedule and its changes.
//!   Daylight saving time comes from the zone's rules (IANA), not from the export's
//!   `time_zone` and `daylight_time` tables.
//! - **SLA policies** (`sla_policy_metric_history`, `ticket_sla_policy`) become the SLA
//!   engine's policies ([`sla_policies`](super::sla_policies), which says how): first-reply
//!   verdicts agree with the package's; next replies are timed per customer message after
//!   a reply, where the package times one instance from the policy's application.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use csm_metrics::{FieldId, ValueId};

use crate::error::{Error, Result};
use crate::export::{
    HAS_A, HAS_B, KIND_ASSIGNEE, KIND_COMMENT, KIND_CREATED, KIND_CUSTOM, KIND_GROUP,
    KIND_PRIORITY, KIND_STATUS, OUTBOUND, Palette, Row, boolean, deliver_all, each_csv_row,
    file_bytes, instant, int, open_counted,
};
use crate::history::sorted::Runs;
use crate::history::{Names, ReadOptions, TicketSink};
use crate::mapping::Mapping;
use crate::report::{ImportReport, Ordering, Rule, Table};

const EXPORT: &str = "Fivetran Zendesk";
const TICKET: Table = Table::Source("ticket");
const COMMENT: Table = Table::Source("ticket_comment");
const FIELD_HISTORY: Table = Table::Source("ticket_field_history");
const USER: Table = Table::Source("user");
const GROUP: Table = Table::Source("group");

/// A Fivetran Zendesk export on disk.
///
/// ```no_run
/// use csm_metrics::metrics::tickets::{ByTeam, TicketTracker};
/// use csm_metrics_io::history::ReadOptions;
/// use csm_metrics_io::zendesk::fivetran::Fivetran;
///
/// let export = Fivetran::open("exports/zendesk")?;
/// let (trackers, report, groups) =
///     export.read_tickets(&ReadOptions::default(), |_| TicketTracker::<ByTeam>::default())?;
/// println!("{} groups, {} rows turned away", groups.len(), report.rejected_total());
/// # Ok::<(), csm_metrics_io::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Fivetran {
    dir: PathBuf,
    tables: BTreeMap<&'static str, PathBuf>,
    pub(super) mapping: Mapping,
}

impl Fivetran {
    /// The bytes its tickets are read from (the tables of users, groups, comments, field
    /// history and tickets; a progress bar's length, what [`ReadOptions::progress`]
    /// counts up to).
    pub fn bytes(&self) -> u64 {
        let tables = [
            "user",
            "group",
            "ticket_comment",
            "ticket_field_history",
            "ticket",
            "sla_policy_metric_history",
            "ticket_sla_policy",
        ];
        file_bytes(tables.iter().filter_map(|t| self.tables.get(t)))
    }

    /// The export in `dir`: an error naming the table if `ticket` or `user` is missing.
    pub fn open(dir: impl AsRef<Path>) -> Result<Self> {
        let dir = dir.as_ref().to_path_buf();
        let mut tables = BTreeMap::new();
        for table in [
            "ticket",
            "ticket_field_history",
            "ticket_comment",
            "user",
            "group",
            "schedule",
            "schedule_holiday",
            "ticket_schedule",
            "sla_policy_metric_history",
            "ticket_sla_policy",
        ] {
            let found = [format!("{table}.csv"), format!("{table}_data.csv")]
                .into_iter()
                .map(|name| dir.join(name))
                .find(|p| p.is_file());
            match found {
                Some(path) => {
                    tables.insert(table, path);
                }
                None if matches!(table, "ticket" | "user") => {
                    return Err(Error::MissingTable {
                        dir,
                        table,
                        looked_for: format!("{table}.csv or {table}_data.csv"),
                        export: EXPORT,
                    });
                }
                None => {}
            }
        }
        Ok(Fivetran {
            dir,
            tables,
            mapping: Mapping::default(),
        })
    }

    /// The same export read with another mapping of Zendesk's names.
    pub fn with_mapping(mut self, mapping: Mapping) -> Self {
        self.mapping = mapping;
        self
    }

    /// The export's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Whether the export has a table (`ticket_comment`, …).
    pub fn has(&self, table: &str) -> bool {
        self.tables.contains_key(table)
    }

    /// Reads the tickets, comments and field changes into one sink per shard
    /// ([`ReadOptions::shards`], tickets split by id modulo shards; `make(shard)` builds
    /// each), in time order per ticket. Returns the sinks, the import report (rows per
    /// table, rows turned away by rule) and the group names by group id (the tickets'
    /// [`TeamId`](csm_metrics::TeamId)s).
    pub fn read_tickets<S, F>(
        &self,
        options: &ReadOptions,
        make: F,
    ) -> Result<(Vec<S>, ImportReport, Names)>
    where
        S: TicketSink,
        F: Fn(usize) -> S + Sync,
    {
        let mut report = ImportReport::default();
        let agents = self.users(options, &mut report)?;
        let groups = self.groups(options, &mut report)?;
        let palette = Palette::of(&self.mapping);
        let mut runs = Runs::<Row>::new(options.sort_memory_bytes);
        // Comments before field changes: at one instant (one Zendesk update) the reply
        // goes before the solve (equal keys keep push order through the sort).
        self.comments(&agents, options, &mut runs, &mut report)?;
        let history = self.field_history(&palette, options, &mut runs, &mut report)?;
        // After the field history: at a creation instant the priority is set first.
        self.sla_rows(options, &mut runs, &mut report)?;
        self.tickets(&agents, &palette, history, options, &mut runs, &mut report)?;
        let runs = runs.finish();
        report.ordering = Ordering::Sorted { runs: runs.len() };
        let (sinks, shards) = deliver_all(&runs, options.shards, &palette, FIELD_HISTORY, &make)?;
        report.merge(&shards);
        Ok((sinks, report, groups.into_iter().collect()))
    }

    /// `user`: whether each user is an agent.
    fn users(
        &self,
        options: &ReadOptions,
        report: &mut ImportReport,
    ) -> Result<HashMap<u64, bool>> {
        let mut agents = HashMap::new();
        let agent_roles = &self.mapping.agent_roles;
        self.each_row(
            "user",
            USER,
            ["id", "role"],
            options,
            report,
            |f, report| match int(f[0]) {
                Some(id) => {
                    let role = String::from_utf8_lossy(f[1]);
                    agents.insert(id, agent_roles.iter().any(|r| *r == role));
                }
                None => report.reject(USER, Rule::BadIdOrInstant),
            },
        )?;
        Ok(agents)
    }

    /// `group`: names by id (an export without it has no names).
    fn groups(
        &self,
        options: &ReadOptions,
        report: &mut ImportReport,
    ) -> Result<BTreeMap<u64, String>> {
        let mut names = BTreeMap::new();
        if self.has("group") {
            self.each_row(
                "group",
                GROUP,
                ["id", "name"],
                options,
                report,
                |f, report| match int(f[0]) {
                    Some(id) => {
                        names.insert(id, String::from_utf8_lossy(f[1]).into_owned());
                    }
                    None => report.reject(GROUP, Rule::BadIdOrInstant),
                },
            )?;
        }
        Ok(names)
    }

    /// `ticket_comment`: messages.
    fn comments(
        &self,
        agents: &HashMap<u64, bool>,
        options: &ReadOptions,
        runs: &mut Runs<Row>,
        report: &mut ImportReport,
    ) -> Result<()> {
        if !self.has("ticket_comment") {
            return Ok(());
        }
        let columns = ["ticket_id", "created", "public", "user_id"];
        let mut failed = None;
        self.each_row(
            "ticket_comment",
            COMMENT,
            columns,
            options,
            report,
            |f, report| {
                let (Some(ticket), Some(at)) = (int(f[0]), instant(f[1])) else {
                    return report.reject(COMMENT, Rule::BadTicketIdOrInstant);
                };
                let Some(public) = boolean(f[2]) else {
                    return report.reject(COMMENT, Rule::Refused("public is not a boolean".into()));
                };
                let Some(&agent) = int(f[3]).and_then(|u| agents.get(&u)) else {
                    return report.reject(COMMENT, Rule::UnknownAuthor);
                };
                let row = Row {
                    at,
                    ticket,
                    a: int(f[3]).unwrap_or(0),
                    kind: KIND_COMMENT,
                    code: u8::from(agent),
                    flags: u8::from(public),
                    ..Row::default()
                };
                if let Err(e) = runs.push(row) {
                    failed.get_or_insert(e);
                }
            },
        )?;
        failed.map_or(Ok(()), Err)
    }

    /// `ticket_field_history`: status, assignee, group, priority and other field changes.
    /// Says whether the table is there (then it gives each ticket's group and priority).
    fn field_history(
        &self,
        palette: &Palette,
        options: &ReadOptions,
        runs: &mut Runs<Row>,
        report: &mut ImportReport,
    ) -> Result<bool> {
        if !self.has("ticket_field_history") {
            return Ok(false);
        }
        let columns = ["ticket_id", "updated", "field_name", "value"];
        let mut failed = None;
        self.each_row(
            "ticket_field_history",
            FIELD_HISTORY,
            columns,
            options,
            report,
            |f, report| {
                let (Some(ticket), Some(at)) = (int(f[0]), instant(f[1])) else {
                    return report.reject(FIELD_HISTORY, Rule::BadTicketIdOrInstant);
                };
                let value = f[3];
                let mut row = Row {
                    at,
                    ticket,
                    ..Row::default()
                };
                match f[2] {
                    b"status" => match palette.status(value) {
                        Some(code) => (row.kind, row.code) = (KIND_STATUS, code),
                        None => return report.reject(FIELD_HISTORY, Rule::UnknownStatus),
                    },
                    b"priority" => match palette.priority(value) {
                        Some(code) => (row.kind, row.code) = (KIND_PRIORITY, code),
                        None => return report.reject(FIELD_HISTORY, Rule::UnknownPriority),
                    },
                    name @ (b"assignee_id" | b"group_id") => {
                        row.kind = if name == b"group_id" {
                            KIND_GROUP
                        } else {
                            KIND_ASSIGNEE
                        };
                        match (value.is_empty(), int(value)) {
                            (true, _) => {}
                            (false, Some(id)) => (row.a, row.flags) = (id, HAS_A),
                            (false, None) => {
                                return report.reject(FIELD_HISTORY, Rule::BadIdOrInstant);
                            }
                        }
                    }
                    name => {
                        let (Ok(name), Ok(value)) =
                            (std::str::from_utf8(name), std::str::from_utf8(value))
                        else {
                            return report.reject(FIELD_HISTORY, Rule::NotUtf8);
                        };
                        row.kind = KIND_CUSTOM;
                        row.a = FieldId::named(name).0;
                        if !value.is_empty() {
                            (row.b, row.flags) = (ValueId::named(value).0, HAS_B);
                        }
                    }
                }
                if let Err(e) = runs.push(row) {
                    failed.get_or_insert(e);
                }
            },
        )?;
        failed.map_or(Ok(true), Err)
    }

    /// `ticket`: creations. With a field history the history gives the group and priority
    /// (the `ticket` row holds the latest ones, not those at creation).
    fn tickets(
        &self,
        agents: &HashMap<u64, bool>,
        palette: &Palette,
        history: bool,
        options: &ReadOptions,
        runs: &mut Runs<Row>,
        report: &mut ImportReport,
    ) -> Result<()> {
        let columns = [
            "id",
            "created_at",
            "requester_id",
            "submitter_id",
            "group_id",
            "priority",
            "via_channel",
        ];
        let mut failed = None;
        self.each_row("ticket", TICKET, columns, options, report, |f, report| {
            let (Some(ticket), Some(at)) = (int(f[0]), instant(f[1])) else {
                return report.reject(TICKET, Rule::BadTicketIdOrInstant);
            };
            let requester = int(f[2]).unwrap_or(0);
            let submitter = int(f[3]);
            let mut row = Row {
                at,
                ticket,
                a: requester,
                kind: KIND_CREATED,
                code: palette.channel(f[6]),
                code2: palette.priority(b"normal").unwrap_or(0),
                ..Row::default()
            };
            if let Some(s) = submitter.filter(|s| *s != requester && agents.get(s) == Some(&true)) {
                (row.c, row.flags) = (s, OUTBOUND);
            }
            if !history {
                if let Some(g) = int(f[4]) {
                    (row.b, row.flags) = (g, row.flags | HAS_B);
                }
                if let Some(p) = palette.priority(f[5]) {
                    row.code2 = p;
                }
            }
            if let Err(e) = runs.push(row) {
                failed.get_or_insert(e);
            }
        })?;
        failed.map_or(Ok(()), Err)
    }

    /// Calls `f` with the named columns of every row of `table`, in order. Rows are read in
    /// chunks of whole rows, as the history reader reads them (a row longer than
    /// [`ReadOptions::max_row_bytes`] is skipped as it streams by, counted as too long; a
    /// row with more or fewer fields than the header is turned away).
    pub(crate) fn each_row<const N: usize>(
        &self,
        name: &str,
        table: Table,
        columns: [&'static str; N],
        options: &ReadOptions,
        report: &mut ImportReport,
        f: impl FnMut(&[&[u8]; N], &mut ImportReport),
    ) -> Result<()> {
        let Some(path) = self.tables.get(name) else {
            return Ok(());
        };
        let file = open_counted(path, &options.progress)?;
        each_csv_row(file, path, table, columns, options, report, f)
    }
}
