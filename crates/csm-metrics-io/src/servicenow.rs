//! ServiceNow incident audit exports: one CSV row per update of an incident, each row the
//! incident as it stood after that update (the layout of the public "Incident management
//! process enriched event log", UCI 498, CC BY 4.0: Amaral, Fantinato, Peres, 2018), plain
//! or gzip.
//!
//! Columns read (by name, any order): `number` (`INC0000045`), `incident_state`,
//! `sys_mod_count`, `caller_id`, `opened_at`, `sys_updated_at`, `contact_type`, `priority`,
//! `assignment_group`, `assigned_to`. Times are local wall-clock times `d/m/yyyy HH:MM`
//! without a zone, read in the zone the caller names ([`ServiceNow::in_zone`]; UTC by
//! default), by the crate's DST rule (a time in a spring gap is the first instant after it,
//! one in an autumn fold the earlier). `?` is unknown.
//!
//! Each incident is a ticket created at `opened_at` with its first row's caller, group,
//! assignee, channel and priority. Its rows are put in time order (`sys_updated_at`, then
//! `sys_mod_count`: the export's clocks and counters disagree now and then) and compared
//! one with the next: a change of state is a status change, of group or assignee a field
//! change, of priority a priority change, at the row's `sys_updated_at`. States: New → new,
//! Active → open, Awaiting User Info → pending, Awaiting Vendor / Problem / Evidence → on
//! hold, Resolved → solved, Closed → closed; anything else (the log's `-100`) is turned
//! away ([`Rule::UnknownStatus`]). Priorities: 1 urgent, 2 high, 3 normal, 4 low. Channels:
//! Phone, Email, Self service (web), others.
//!
//! Rows of the whole file are sorted externally by incident (runs of at most
//! [`ReadOptions::sort_memory_bytes`]), so row order does not matter and memory holds one
//! run and one incident; the derived events are sorted again by instant for the shards.
//! A repeated row changes nothing (it repeats the state it follows).

use std::path::{Path, PathBuf};

use chrono::{NaiveDate, NaiveDateTime};
use csm_metrics::Zone;

use crate::error::{Error, Result};
use crate::export::{
    HAS_A, HAS_B, KIND_ASSIGNEE, KIND_CREATED, KIND_GROUP, KIND_PRIORITY, KIND_STATUS, Palette,
    Row, deliver_all, each_csv_row, file_bytes, open_maybe_gzip,
};
use crate::history::sorted::{Merge, Packed, Runs};
use crate::history::{ReadOptions, TicketSink};
use crate::mapping::Mapping;
use crate::report::{ImportReport, Ordering, Rule, Table};

const INCIDENTS: Table = Table::Source("incidents");

const COLUMNS: [&str; 10] = [
    "number",
    "incident_state",
    "sys_mod_count",
    "caller_id",
    "opened_at",
    "sys_updated_at",
    "contact_type",
    "priority",
    "assignment_group",
    "assigned_to",
];

/// A ServiceNow incident export on disk.
///
/// ```no_run
/// use csm_metrics::metrics::tickets::{ByPriority, TicketTracker};
/// use csm_metrics_io::history::ReadOptions;
/// use csm_metrics_io::servicenow::ServiceNow;
///
/// let log = ServiceNow::open("incident_event_log.csv.gz")?.in_zone(chrono_tz::Europe::Rome);
/// let (trackers, report) =
///     log.read_tickets(&ReadOptions::default(), |_| TicketTracker::<ByPriority>::default())?;
/// println!("{} rows, {} turned away", report.rows_of(csm_metrics_io::Table::Source("incidents")), report.rejected_total());
/// # Ok::<(), csm_metrics_io::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ServiceNow {
    path: PathBuf,
    zone: chrono_tz::Tz,
}

impl ServiceNow {
    /// The bytes its tickets are read from (a progress bar's length; what
    /// [`ReadOptions::progress`] counts up to).
    pub fn bytes(&self) -> u64 {
        file_bytes([&self.path])
    }

    /// The export at `path` (plain CSV or gzip, told by its first bytes).
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        if !path.is_file() {
            return Err(Error::MissingFile {
                path,
                what: "ServiceNow incident export",
            });
        }
        Ok(ServiceNow {
            path,
            zone: chrono_tz::UTC,
        })
    }

    /// The same export with its local times read in `zone`.
    pub fn in_zone(mut self, zone: chrono_tz::Tz) -> Self {
        self.zone = zone;
        self
    }

    /// Reads the incidents into one sink per shard (tickets split by incident number
    /// modulo shards), each incident's creation first and its changes in time order.
    pub fn read_tickets<S, F>(
        &self,
        options: &ReadOptions,
        make: F,
    ) -> Result<(Vec<S>, ImportReport)>
    where
        S: TicketSink,
        F: Fn(usize) -> S + Sync,
    {
        let mut report = ImportReport::default();
        let palette = Palette::of(&Mapping::servicenow());
        let mut updates = Runs::<Update>::new(options.sort_memory_bytes);
        let mut failed = None;
        self.each_row(options, &mut report, |f, report| {
            match update(f, &self.zone, &palette) {
                Ok(u) => {
                    if let Err(e) = updates.push(u) {
                        failed.get_or_insert(e);
                    }
                }
                Err(rule) => report.reject(INCIDENTS, rule),
            }
        })?;
        if let Some(e) = failed {
            return Err(e);
        }
        // One incident at a time, its rows in time order: the changes between them.
        let mut events = Runs::<Row>::new(options.sort_memory_bytes);
        let mut last: Option<Update> = None;
        let mut merged = Merge::new(&updates.finish(), 0, 1)?;
        for u in merged.by_ref() {
            for row in changes(last.filter(|l| l.incident == u.incident).as_ref(), &u) {
                events.push(row)?;
            }
            last = Some(u);
        }
        if let Some(e) = merged.error {
            return Err(e);
        }
        let runs = events.finish();
        report.ordering = Ordering::Sorted { runs: runs.len() };
        let (sinks, shards) = deliver_all(&runs, options.shards, &palette, INCIDENTS, &make)?;
        report.merge(&shards);
        Ok((sinks, report))
    }

    fn each_row(
        &self,
        options: &ReadOptions,
        report: &mut ImportReport,
        f: impl FnMut(&[&[u8]; 10], &mut ImportReport),
    ) -> Result<()> {
        let path = &self.path;
        let source = open_maybe_gzip(path, &options.progress)?;
        each_csv_row(source, path, INCIDENTS, COLUMNS, options, report, f)
    }
}

/// One row: the incident as it stood after an update.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Update {
    incident: u64,
    at: i64,
    mod_count: u64,
    opened: i64,
    caller: u64,
    group: u64,
    assignee: u64,
    state: u8,
    priority: u8,
    channel: u8,
    /// 1: a group, 2: an assignee.
    known: u8,
}

impl Packed for Update {
    const SIZE: usize = 60;
    type Key = (u64, i64, u64);
    fn key(&self) -> (u64, i64, u64) {
        (self.incident, self.at, self.mod_count)
    }
    fn shard(&self, _: u64) -> usize {
        0
    }
    fn pack(&self, out: &mut Vec<u8>) {
        for v in [
            self.incident,
            self.at as u64,
            self.mod_count,
            self.opened as u64,
            self.caller,
            self.group,
            self.assignee,
        ] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&[self.state, self.priority, self.channel, self.known]);
    }
    fn unpack(b: &[u8]) -> Self {
        let w = |i: usize| {
            let mut a = [0u8; 8];
            a.copy_from_slice(&b[i * 8..i * 8 + 8]);
            u64::from_le_bytes(a)
        };
        Update {
            incident: w(0),
            at: w(1) as i64,
            mod_count: w(2),
            opened: w(3) as i64,
            caller: w(4),
            group: w(5),
            assignee: w(6),
            state: b[56],
            priority: b[57],
            channel: b[58],
            known: b[59],
        }
    }
}

fn text(b: &[u8]) -> &str {
    std::str::from_utf8(b).unwrap_or("")
}

/// `d/m/yyyy HH:MM`.
fn local(b: &[u8]) -> Option<NaiveDateTime> {
    let (date, time) = text(b).trim().split_once(' ')?;
    let mut d = date.split('/');
    let (day, month, year) = (d.next()?, d.next()?, d.next()?);
    let (hour, minute) = time.split_once(':')?;
    NaiveDate::from_ymd_opt(year.parse().ok()?, month.parse().ok()?, day.parse().ok()?)?
        .and_hms_opt(hour.parse().ok()?, minute.parse().ok()?, 0)
}

/// The number in `Group 56`, `Caller 2403`; `None` for `?`.
fn number_in(b: &[u8]) -> Option<u64> {
    let digits: String = text(b).chars().filter(char::is_ascii_digit).collect();
    digits.parse().ok()
}

fn update(
    f: &[&[u8]; 10],
    zone: &chrono_tz::Tz,
    palette: &Palette,
) -> core::result::Result<Update, Rule> {
    let incident = text(f[0])
        .strip_prefix("INC")
        .and_then(|n| n.parse::<u64>().ok())
        .ok_or(Rule::BadTicketIdOrInstant)?;
    let state = palette.status(f[1]).ok_or(Rule::UnknownStatus)?;
    let instant = |b: &[u8]| Some(zone.instant_of(local(b)?)?.timestamp());
    let (Some(opened), Some(at)) = (instant(f[4]), instant(f[5])) else {
        return Err(Rule::BadTicketIdOrInstant);
    };
    let (group, assignee) = (number_in(f[8]), number_in(f[9]));
    Ok(Update {
        incident,
        at,
        mod_count: number_in(f[2]).unwrap_or(0),
        opened,
        caller: number_in(f[3]).unwrap_or(0),
        group: group.unwrap_or(0),
        assignee: assignee.unwrap_or(0),
        state,
        priority: text(f[7])
            .split(' ')
            .next()
            .and_then(|p| palette.priority(p.as_bytes()))
            .or_else(|| palette.priority(b"3"))
            .unwrap_or(0),
        channel: palette.channel(f[6]),
        known: u8::from(group.is_some()) | (u8::from(assignee.is_some()) << 1),
    })
}

/// The rows an update makes after the one before it (`None`: the incident's first row,
/// which also creates it).
fn changes(before: Option<&Update>, u: &Update) -> Vec<Row> {
    let base = Row {
        at: u.at,
        ticket: u.incident,
        ..Row::default()
    };
    let mut rows = Vec::new();
    let group = |x: &Update| (x.known & 1 != 0).then_some(x.group);
    let assignee = |x: &Update| (x.known & 2 != 0).then_some(x.assignee);
    let Some(b) = before else {
        let mut created = Row {
            at: u.opened,
            ticket: u.incident,
            a: u.caller,
            kind: KIND_CREATED,
            code: u.channel,
            code2: u.priority,
            ..Row::default()
        };
        if let Some(g) = group(u) {
            (created.b, created.flags) = (g, HAS_B);
        }
        rows.push(created);
        if let Some(a) = assignee(u) {
            rows.push(Row {
                kind: KIND_ASSIGNEE,
                a,
                flags: HAS_A,
                at: u.opened,
                ..base
            });
        }
        rows.push(Row {
            kind: KIND_STATUS,
            code: u.state,
            ..base
        });
        return rows;
    };
    if group(b) != group(u) {
        rows.push(match group(u) {
            Some(a) => Row {
                kind: KIND_GROUP,
                a,
                flags: HAS_A,
                ..base
            },
            None => Row {
                kind: KIND_GROUP,
                ..base
            },
        });
    }
    if assignee(b) != assignee(u) {
        rows.push(match assignee(u) {
            Some(a) => Row {
                kind: KIND_ASSIGNEE,
                a,
                flags: HAS_A,
                ..base
            },
            None => Row {
                kind: KIND_ASSIGNEE,
                ..base
            },
        });
    }
    if b.priority != u.priority {
        rows.push(Row {
            kind: KIND_PRIORITY,
            code: u.priority,
            ..base
        });
    }
    if b.state != u.state {
        rows.push(Row {
            kind: KIND_STATUS,
            code: u.state,
            ..base
        });
    }
    rows
}
