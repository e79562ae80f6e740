//! Zendesk's API exports as the API returns them: the incremental exports of tickets and
//! ticket events (with their child events; the `comment_events` sideload gives comment
//! authors), and the users and groups lists, saved as JSON pages or JSON lines.
//!
//! A directory with one or more files per resource, read in name order: `tickets*`,
//! `ticket_events*`, `users*`, `groups*` (`tickets.json`, `ticket_events-0001.json`, …).
//! A `.json` file holds one page as the API sends it (`{"tickets": [...], "next_page": …}`),
//! an array of such pages, or an array of the resource's objects; a `.jsonl` (or
//! `.ndjson`) file holds one page or one object per line. `tickets` and `users` are
//! required.
//!
//! What is read:
//! - a ticket: `id`, `created_at`, `requester_id`, `submitter_id`, `group_id`, `priority`,
//!   `via.channel` (as the Fivetran reader reads its `ticket` table);
//! - a ticket event (an update): `ticket_id`, `timestamp` (Unix seconds) or `created_at`,
//!   `updater_id`, and its `child_events`: `Create` and `Change` events set `status`,
//!   `priority`, `assignee_id`, `group_id`, add tags (`tags`, `added_tags`) or remove them
//!   (`removed_tags`), given as keys of the event or as `field_name` and `value` (the audit
//!   shape); other fields are custom field changes. `Comment` events (the sideload) give
//!   `author_id` and `public`; without the sideload, `comment_present` and
//!   `comment_public` on an event give a comment by the updater;
//! - a user: `id`, `role`; a group: `id`, `name`;
//! - a satisfaction rating (`satisfaction_ratings*`, optional: `GET
//!   /api/v2/satisfaction_ratings`): `id`, `score` (`good` is a thumbs-up CSAT response,
//!   `bad` a thumbs-down; `offered` and `unoffered` are no response, counted as
//!   [`Rule::Unanswered`]), `updated_at` (else `created_at`), `ticket_id`, `assignee_id`
//!   (the agent rated), `requester_id`. A rating seen again (the customer changed their
//!   answer) counts once, as last updated;
//! - a business-hours schedule (`schedules*`, optional: `GET
//!   /api/v2/business_hours/schedules`): `id`, `name`, `time_zone` (a Rails or IANA name),
//!   `intervals` (`start_time` and `end_time` in minutes from Sunday 00:00 local time, as
//!   the [Fivetran tables](super::schedule) hold them), and `holidays` (`start_date`,
//!   `end_date`, both included): the API serves a schedule's holidays apart (`GET
//!   /api/v2/business_hours/schedules/{id}/holidays`), so put its `holidays` list into the
//!   schedule's object (`jq`, or by hand). [`ApiExport::default_schedule`] is the only one,
//!   or the first listed.
//!
//! Comments of an update go before its field changes (a reply, then the solve). Memory:
//! the largest page or line, the users, the group names, and the external sort's run.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use csm_metrics::Calculator;
use csm_metrics::{
    AgentId, CsatScale, CustomerId, FieldId, SurveyId, SurveyResponse, SurveyScore, SurveySuite,
    TagId, TicketId, ValueId,
};
use serde_json::Value;

use super::schedule::{Building, Schedule, date, holiday_days, iana_zone, named, week_interval};
use crate::error::Result;
use crate::export::{
    HAS_A, HAS_B, KIND_ASSIGNEE, KIND_COMMENT, KIND_CREATED, KIND_CUSTOM, KIND_GROUP,
    KIND_PRIORITY, KIND_STATUS, KIND_TAG_ADDED, KIND_TAG_REMOVED, OUTBOUND, Palette, Progress, Row,
    deliver_all, each_json, file_bytes, id, ratings, resource_files, suite, when,
};
use crate::history::sorted::Runs;
use crate::history::{Names, ReadOptions, TicketSink};
use crate::mapping::Mapping;
use crate::report::{ImportReport, Ordering, Rule, Table};

const EXPORT: &str = "Zendesk API";
const TICKETS: Table = Table::Source("tickets");
const EVENTS: Table = Table::Source("ticket_events");
const USERS: Table = Table::Source("users");
const GROUPS: Table = Table::Source("groups");
const RATINGS: Table = Table::Source("satisfaction_ratings");
const SCHEDULES: Table = Table::Source("schedules");

/// A Zendesk API export on disk.
///
/// ```no_run
/// use csm_metrics::metrics::tickets::{ByTeam, TicketTracker};
/// use csm_metrics_io::history::ReadOptions;
/// use csm_metrics_io::zendesk::api::ApiExport;
///
/// let export = ApiExport::open("exports/zendesk-api")?;
/// let (trackers, report, groups) =
///     export.read_tickets(&ReadOptions::default(), |_| TicketTracker::<ByTeam>::default())?;
/// println!("{} groups, {} rows turned away", groups.len(), report.rejected_total());
/// # Ok::<(), csm_metrics_io::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ApiExport {
    files: HashMap<&'static str, Vec<PathBuf>>,
    mapping: Mapping,
}

impl ApiExport {
    /// The bytes its tickets are read from (users, groups, ticket events and tickets; a
    /// progress bar's length, what [`ReadOptions::progress`] counts up to).
    pub fn bytes(&self) -> u64 {
        let resources = ["users", "groups", "ticket_events", "tickets"];
        file_bytes(resources.iter().filter_map(|r| self.files.get(r)).flatten())
    }

    /// The export in `dir`: an error naming the resource if `tickets` or `users` has no
    /// file.
    pub fn open(dir: impl AsRef<Path>) -> Result<Self> {
        let files = resource_files(
            dir.as_ref(),
            &[
                "ticket_events",
                "tickets",
                "users",
                "groups",
                "satisfaction_ratings",
                "schedules",
            ],
            &["tickets", "users"],
            EXPORT,
        )?;
        Ok(ApiExport {
            files,
            mapping: Mapping::default(),
        })
    }

    /// The same export read with another mapping of Zendesk's names.
    pub fn with_mapping(mut self, mapping: Mapping) -> Self {
        self.mapping = mapping;
        self
    }

    /// Reads tickets and their events into one sink per shard, in time order per ticket;
    /// returns the sinks, the import report and the group names by group id.
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
        let mut agents = HashMap::new();
        self.each(
            "users",
            USERS,
            &options.progress,
            &mut report,
            |u, report| match (
                u.get("id").and_then(Value::as_u64),
                u.get("role").and_then(Value::as_str),
            ) {
                (Some(id), Some(role)) => {
                    agents.insert(id, self.mapping.agent_roles.iter().any(|r| r == role));
                }
                _ => report.reject(USERS, Rule::NotJson),
            },
        )?;
        let mut groups = Vec::new();
        self.each(
            "groups",
            GROUPS,
            &options.progress,
            &mut report,
            |g, report| match (
                g.get("id").and_then(Value::as_u64),
                g.get("name").and_then(Value::as_str),
            ) {
                (Some(id), Some(name)) => groups.push((id, name.to_string())),
                _ => report.reject(GROUPS, Rule::NotJson),
            },
        )?;
        let palette = Palette::of(&self.mapping);
        let mut runs = Runs::<Row>::new(options.sort_memory_bytes);
        let mut failed = None;
        let history = self
            .files
            .get("ticket_events")
            .is_some_and(|f| !f.is_empty());
        let mut push = |row: Row| {
            if let Err(e) = runs.push(row) {
                failed.get_or_insert(e);
            }
        };
        self.each(
            "ticket_events",
            EVENTS,
            &options.progress,
            &mut report,
            |e, report| {
                update(e, &agents, &palette, report, &mut push);
            },
        )?;
        self.each(
            "tickets",
            TICKETS,
            &options.progress,
            &mut report,
            |t, report| match ticket(t, &agents, &palette, history) {
                Some(row) => push(row),
                None => report.reject(TICKETS, Rule::BadTicketIdOrInstant),
            },
        )?;
        if let Some(e) = failed {
            return Err(e);
        }
        let runs = runs.finish();
        report.ordering = Ordering::Sorted { runs: runs.len() };
        let (sinks, shards) = deliver_all(&runs, options.shards, &palette, EVENTS, &make)?;
        report.merge(&shards);
        Ok((sinks, report, groups.into_iter().collect()))
    }

    /// Zendesk's CSAT scale: thumbs up or down (good and bad).
    pub const CSAT_SCALE: CsatScale = CsatScale::Thumbs;

    /// Whether the export has files of a resource (`schedules`, `satisfaction_ratings`, …).
    pub fn has(&self, resource: &str) -> bool {
        self.files.get(resource).is_some_and(|f| !f.is_empty())
    }

    /// The export's business-hours schedules (none without `schedules*` files), in the
    /// order listed, each as a business calendar with its holidays. An object, interval or
    /// holiday that cannot be read is counted under `schedules` by rule; a schedule whose
    /// zone is unknown, or whose intervals the calendar refuses, is an
    /// [`Error::Calendar`](crate::Error::Calendar) naming it. A schedule listed again
    /// (a page saved twice) counts as last listed.
    pub fn schedules(
        &self,
        options: &ReadOptions,
        report: &mut ImportReport,
    ) -> Result<Vec<Schedule>> {
        let files = self.files.get("schedules").map_or(&[][..], Vec::as_slice);
        let mut building: Vec<(u64, Building)> = Vec::new();
        let mut unknown_zone = None;
        each_json(
            files,
            "schedules",
            SCHEDULES,
            &options.progress,
            report,
            |o, report| {
                let Some(schedule) = id(o.get("id")) else {
                    return report.reject(SCHEDULES, Rule::BadIdOrInstant);
                };
                let text = |k: &str| o.get(k).and_then(Value::as_str).unwrap_or("").trim();
                let mut b = Building {
                    name: text("name").to_string(),
                    zone: iana_zone(text("time_zone")),
                    ..Building::default()
                };
                if b.zone.is_none() {
                    unknown_zone.get_or_insert((schedule, text("time_zone").to_string()));
                }
                let list = |k: &str| {
                    o.get(k)
                        .and_then(Value::as_array)
                        .map_or(&[][..], Vec::as_slice)
                };
                for i in list("intervals") {
                    let number = |k: &str| i.get(k).and_then(Value::as_u64);
                    match number("start_time")
                        .zip(number("end_time"))
                        .and_then(|(s, e)| week_interval(s, e))
                    {
                        Some(interval) => b.intervals.push(interval),
                        None => report.reject(SCHEDULES, Rule::BadIdOrInstant),
                    }
                }
                for h in list("holidays") {
                    let day = |k: &str| {
                        h.get(k)
                            .and_then(Value::as_str)
                            .and_then(|d| date(d.as_bytes()))
                    };
                    match day("start_date")
                        .zip(day("end_date"))
                        .and_then(|(f, l)| holiday_days(f, l))
                    {
                        Some(days) => b.holidays.extend(days),
                        None => report.reject(SCHEDULES, Rule::BadIdOrInstant),
                    }
                }
                match building.iter_mut().find(|(i, _)| *i == schedule) {
                    Some(seen) => seen.1 = b,
                    None => building.push((schedule, b)),
                }
            },
        )?;
        if let Some((schedule, zone)) = unknown_zone {
            return Err(crate::Error::Calendar(format!(
                "schedule {schedule}: no time zone named {zone:?} (a Rails or IANA name)"
            )));
        }
        building.into_iter().map(|(i, b)| b.build(i)).collect()
    }

    /// The schedule to compute business time in when the caller names none: the first
    /// listed; `None` without `schedules*` files.
    pub fn default_schedule(
        &self,
        options: &ReadOptions,
        report: &mut ImportReport,
    ) -> Result<Option<Schedule>> {
        Ok(self.schedules(options, report)?.into_iter().next())
    }

    /// A schedule by id or name.
    pub fn schedule(
        &self,
        id_or_name: &str,
        options: &ReadOptions,
        report: &mut ImportReport,
    ) -> Result<Schedule> {
        named(self.schedules(options, report)?, id_or_name)
    }

    /// Reads the satisfaction ratings (none without `satisfaction_ratings*` files) into a
    /// survey suite on [`CSAT_SCALE`](Self::CSAT_SCALE).
    pub fn read_surveys(&self, report: &mut ImportReport) -> Result<SurveySuite> {
        let mut suite = suite(Self::CSAT_SCALE)?;
        self.read_surveys_with(report, |r| suite.observe(r))?;
        Ok(suite)
    }

    /// Reads the satisfaction ratings, giving each response to `observe` in time order
    /// (a rating given again once, as last given; a response `observe` refuses counted by
    /// its rule). Responses are on [`CSAT_SCALE`](Self::CSAT_SCALE).
    pub fn read_surveys_with(
        &self,
        report: &mut ImportReport,
        observe: impl FnMut(&SurveyResponse) -> csm_metrics::Result<()>,
    ) -> Result<()> {
        let files = self
            .files
            .get("satisfaction_ratings")
            .map_or(&[][..], Vec::as_slice);
        ratings(
            files,
            "satisfaction_ratings",
            RATINGS,
            report,
            |o| {
                let score = match o.get("score").and_then(Value::as_str) {
                    Some("good") => 1,
                    Some("bad") => 0,
                    Some("offered" | "unoffered") => return Err(Rule::Unanswered),
                    _ => return Err(Rule::BadInstantOrScore),
                };
                let (Some(rating), Some(at)) = (
                    id(o.get("id")),
                    when(o.get("updated_at")).or_else(|| when(o.get("created_at"))),
                ) else {
                    return Err(Rule::BadInstantOrScore);
                };
                let at = chrono::DateTime::from_timestamp(at, 0).ok_or(Rule::BadInstantOrScore)?;
                let mut r = SurveyResponse::new(SurveyId(rating), at, SurveyScore::Csat(score));
                r.ticket = id(o.get("ticket_id")).map(TicketId);
                r.agent = id(o.get("assignee_id")).map(AgentId);
                r.customer = id(o.get("requester_id")).map(CustomerId);
                Ok((rating, at.timestamp(), r))
            },
            observe,
        )
    }

    /// Calls `f` with every object of a resource, in file order (pages unwrapped).
    fn each(
        &self,
        resource: &'static str,
        table: Table,
        progress: &Progress,
        report: &mut ImportReport,
        f: impl FnMut(&Value, &mut ImportReport),
    ) -> Result<()> {
        let files = self.files.get(resource).map_or(&[][..], Vec::as_slice);
        each_json(files, resource, table, progress, report, f)
    }
}

fn ticket(t: &Value, agents: &HashMap<u64, bool>, palette: &Palette, history: bool) -> Option<Row> {
    let requester = id(t.get("requester_id")).unwrap_or(0);
    let channel = t
        .get("via")
        .and_then(|v| v.get("channel"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let mut row = Row {
        at: when(t.get("created_at"))?,
        ticket: id(t.get("id"))?,
        a: requester,
        kind: KIND_CREATED,
        code: palette.channel(channel.as_bytes()),
        code2: palette.priority(b"normal").unwrap_or(0),
        ..Row::default()
    };
    let submitter = id(t.get("submitter_id"));
    if let Some(s) = submitter.filter(|s| *s != requester && agents.get(s) == Some(&true)) {
        (row.c, row.flags) = (s, OUTBOUND);
    }
    if !history {
        if let Some(g) = id(t.get("group_id")) {
            (row.b, row.flags) = (g, row.flags | HAS_B);
        }
        if let Some(p) = t.get("priority").and_then(Value::as_str) {
            row.code2 = palette.priority(p.as_bytes()).unwrap_or(row.code2);
        }
    }
    Some(row)
}

/// The rows of one ticket event (an update): its comments, then its field changes.
fn update(
    e: &Value,
    agents: &HashMap<u64, bool>,
    palette: &Palette,
    report: &mut ImportReport,
    push: &mut impl FnMut(Row),
) {
    let (Some(ticket), Some(at)) = (
        id(e.get("ticket_id")),
        when(e.get("timestamp")).or_else(|| when(e.get("created_at"))),
    ) else {
        return report.reject(EVENTS, Rule::BadTicketIdOrInstant);
    };
    let base = Row {
        at,
        ticket,
        ..Row::default()
    };
    let updater = id(e.get("updater_id"));
    let children: &[Value] = e
        .get("child_events")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice);
    for c in children {
        let comment = kind(c) == "Comment";
        let bare = c.get("comment_present").and_then(Value::as_bool) == Some(true);
        if !comment && !bare {
            continue;
        }
        let author = if comment {
            id(c.get("author_id"))
        } else {
            updater
        };
        let public = c
            .get(if comment { "public" } else { "comment_public" })
            .and_then(Value::as_bool)
            .unwrap_or(true);
        match author.and_then(|a| Some((a, *agents.get(&a)?))) {
            Some((a, agent)) => push(Row {
                a,
                kind: KIND_COMMENT,
                code: u8::from(agent),
                flags: u8::from(public),
                ..base
            }),
            None => report.reject(EVENTS, Rule::UnknownAuthor),
        }
    }
    for c in children
        .iter()
        .filter(|c| matches!(kind(c), "Create" | "Change"))
    {
        let fields: Vec<(&str, &Value)> =
            match (c.get("field_name").and_then(Value::as_str), c.get("value")) {
                (Some(name), Some(value)) => vec![(name, value)],
                _ => c
                    .as_object()
                    .into_iter()
                    .flatten()
                    .filter(|(k, _)| !IGNORED.contains(&k.as_str()))
                    .map(|(k, v)| (k.as_str(), v))
                    .collect(),
            };
        for (name, value) in fields {
            change(base, name, value, palette, report, push);
        }
    }
}

/// A child event's type (`event_type`, or `type` in the audit shape).
fn kind(c: &Value) -> &str {
    c.get("event_type")
        .or_else(|| c.get("type"))
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// Keys of a child event that are not fields.
const IGNORED: [&str; 8] = [
    "id",
    "via",
    "via_reference_id",
    "event_type",
    "type",
    "previous_value",
    "comment_present",
    "comment_public",
];

/// The rows of one field set at an update.
fn change(
    base: Row,
    name: &str,
    value: &Value,
    palette: &Palette,
    report: &mut ImportReport,
    push: &mut impl FnMut(Row),
) {
    let text = value.as_str().unwrap_or("");
    match name {
        "status" => match palette.status(text.as_bytes()) {
            Some(code) => push(Row {
                kind: KIND_STATUS,
                code,
                ..base
            }),
            None => report.reject(EVENTS, Rule::UnknownStatus),
        },
        "priority" => match palette.priority(text.as_bytes()) {
            Some(code) => push(Row {
                kind: KIND_PRIORITY,
                code,
                ..base
            }),
            None => report.reject(EVENTS, Rule::UnknownPriority),
        },
        "assignee_id" | "group_id" => {
            let kind = if name == "group_id" {
                KIND_GROUP
            } else {
                KIND_ASSIGNEE
            };
            match (
                value.is_null() || text.is_empty() && !value.is_number(),
                id(Some(value)),
            ) {
                (_, Some(a)) => push(Row {
                    kind,
                    a,
                    flags: HAS_A,
                    ..base
                }),
                (true, None) => push(Row { kind, ..base }),
                (false, None) => report.reject(EVENTS, Rule::BadIdOrInstant),
            }
        }
        "tags" | "added_tags" | "removed_tags" => {
            let kind = if name == "removed_tags" {
                KIND_TAG_REMOVED
            } else {
                KIND_TAG_ADDED
            };
            for tag in value
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                push(Row {
                    kind,
                    a: TagId::named(tag).0,
                    ..base
                });
            }
        }
        _ => {
            let value = match value {
                Value::Null => None,
                Value::String(s) if s.is_empty() => None,
                Value::String(s) => Some(ValueId::named(s)),
                other => Some(ValueId::named(&other.to_string())),
            };
            push(Row {
                kind: KIND_CUSTOM,
                a: FieldId::named(name).0,
                b: value.map_or(0, |v| v.0),
                flags: if value.is_some() { HAS_B } else { 0 },
                ..base
            });
        }
    }
}
