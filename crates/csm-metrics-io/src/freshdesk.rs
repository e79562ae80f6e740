//! Freshdesk: tickets, conversations, agents and groups as the Freshdesk API (v2) returns
//! them, saved as JSON, mapped onto the crate's records through [`Mapping::freshdesk`].
//!
//! A directory with one or more files per resource, read in name order: `tickets*`
//! (`GET /api/v2/tickets?include=stats`, every page), `conversations*` (`GET
//! /api/v2/tickets/{id}/conversations` of each ticket; each conversation names its
//! `ticket_id`), `agents*` (`GET /api/v2/agents`), `groups*` (`GET /api/v2/groups`) and,
//! optionally, `ticket_activities*` (the ticket activities export, `GET
//! /api/v2/export/ticket_activities`: `{"activities_data": [...]}`). A `.json` file holds
//! an array (a page) or an array of pages; a `.jsonl` file one object or page per line.
//! `tickets` and `agents` are required.
//!
//! What is read:
//! - a ticket: `id`, `created_at`, `requester_id`, `group_id`, `priority`, `source` (10,
//!   outbound email, is a ticket an agent opened: `responder_id`); `spam` or `deleted`
//!   true takes it out of every figure (it counts as spam);
//! - a conversation: `ticket_id`, `created_at`, `user_id`, `incoming`, `private`, `source`:
//!   an agent's message when `user_id` is an agent and it is not `incoming`, else the
//!   customer's; public unless `private`, or a note (`source` 2: Freshdesk's first
//!   response is a reply, never a note);
//! - status history: from the activities export when it is there (`performed_at`,
//!   `ticket_id`, and `activity.status`, `activity.priority`, `activity.group_id`,
//!   `activity.agent_id`); otherwise from each ticket's `stats` (the API keeps only the
//!   latest of each: `resolved_at` a solve, `reopened_at` a reopen, `closed_at` a close,
//!   `pending_since` the pending period going on), which misses earlier solves and
//!   statuses of a ticket reopened more than once: export the activities for exact
//!   resolution figures. Without the activities export the ticket's group, priority and
//!   responder as they stand are taken as its own from creation.
//!
//! Satisfaction ratings (`satisfaction_ratings*`, optional: `GET
//! /api/v2/surveys/satisfaction_ratings`) are CSAT responses on a 1..=7 scale, satisfied
//! from 5: Freshdesk's `ratings.default_question` values −103 … −101 (extremely unhappy …
//! unhappy) are 1 … 3, 100 (neutral) is 4, 101 … 103 (happy … extremely happy) 5 … 7 (a
//! three-point survey's −103, 100, 103 are 1, 4, 7); `id`, `updated_at` (else
//! `created_at`), `ticket_id`, `agent_id`, `user_id` (the customer). A rating seen again
//! counts once, as last updated.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use csm_metrics::Calculator;
use serde_json::Value;

use crate::error::Result;
use crate::export::{
    HAS_A, HAS_B, KIND_ASSIGNEE, KIND_COMMENT, KIND_CREATED, KIND_GROUP, KIND_PRIORITY,
    KIND_STATUS, OUTBOUND, Palette, Row, deliver_all, each_json, file_bytes, id, ratings,
    resource_files, suite, when,
};
use crate::history::sorted::Runs;
use crate::history::{Names, ReadOptions, TicketSink};
use crate::mapping::Mapping;
use crate::report::{ImportReport, Ordering, Rule, Table};
use csm_metrics::{
    AgentId, CsatScale, CustomerId, SurveyId, SurveyResponse, SurveyScore, SurveySuite, TicketId,
};

const EXPORT: &str = "Freshdesk";
const TICKETS: Table = Table::Source("tickets");
const CONVERSATIONS: Table = Table::Source("conversations");
const ACTIVITIES: Table = Table::Source("ticket_activities");
const AGENTS: Table = Table::Source("agents");
const GROUPS: Table = Table::Source("groups");
const RATINGS: Table = Table::Source("satisfaction_ratings");

/// A Freshdesk API export on disk.
///
/// ```no_run
/// use csm_metrics::metrics::tickets::{ByTeam, TicketTracker};
/// use csm_metrics_io::freshdesk::Freshdesk;
/// use csm_metrics_io::history::ReadOptions;
///
/// let export = Freshdesk::open("exports/freshdesk")?;
/// let (trackers, report, groups) =
///     export.read_tickets(&ReadOptions::default(), |_| TicketTracker::<ByTeam>::default())?;
/// println!("{} groups, {} rows turned away", groups.len(), report.rejected_total());
/// # Ok::<(), csm_metrics_io::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Freshdesk {
    files: HashMap<&'static str, Vec<PathBuf>>,
    mapping: Mapping,
}

impl Freshdesk {
    /// The bytes its tickets are read from (agents, groups, conversations, activities and
    /// tickets; a progress bar's length, what [`ReadOptions::progress`] counts up to).
    pub fn bytes(&self) -> u64 {
        let resources = [
            "agents",
            "groups",
            "conversations",
            "ticket_activities",
            "tickets",
        ];
        file_bytes(resources.iter().filter_map(|r| self.files.get(r)).flatten())
    }

    /// The export in `dir`: an error naming the resource if `tickets` or `agents` has no
    /// file.
    pub fn open(dir: impl AsRef<Path>) -> Result<Self> {
        let files = resource_files(
            dir.as_ref(),
            &[
                "ticket_activities",
                "tickets",
                "conversations",
                "agents",
                "groups",
                "satisfaction_ratings",
            ],
            &["tickets", "agents"],
            EXPORT,
        )?;
        Ok(Freshdesk {
            files,
            mapping: Mapping::freshdesk(),
        })
    }

    /// The same export read with another mapping (custom statuses, say).
    pub fn with_mapping(mut self, mapping: Mapping) -> Self {
        self.mapping = mapping;
        self
    }

    /// Freshdesk's CSAT scale: 1..=7, satisfied from 5 (happy).
    pub const CSAT_SCALE: CsatScale = CsatScale::Points {
        max: 7,
        satisfied_from: 5,
    };

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
        let parse = |o: &Value| {
            let rating = o
                .get("ratings")
                .and_then(|r| r.get("default_question"))
                .and_then(Value::as_i64);
            let score = match rating {
                Some(v @ -103..=-101) => (v + 104) as u8,
                Some(100) => 4,
                Some(v @ 101..=103) => (v - 96) as u8,
                _ => return Err(Rule::BadInstantOrScore),
            };
            let (Some(id_), Some(at)) = (
                id(o.get("id")),
                when(o.get("updated_at")).or_else(|| when(o.get("created_at"))),
            ) else {
                return Err(Rule::BadInstantOrScore);
            };
            let at = chrono::DateTime::from_timestamp(at, 0).ok_or(Rule::BadInstantOrScore)?;
            let mut r = SurveyResponse::new(SurveyId(id_), at, SurveyScore::Csat(score));
            r.ticket = id(o.get("ticket_id")).map(TicketId);
            r.agent = id(o.get("agent_id")).map(AgentId);
            r.customer = id(o.get("user_id")).map(CustomerId);
            Ok((id_, at.timestamp(), r))
        };
        ratings(
            files,
            "satisfaction_ratings",
            RATINGS,
            report,
            parse,
            observe,
        )
    }

    /// Reads tickets and their conversations and status history into one sink per shard,
    /// in time order per ticket; returns the sinks, the import report and the group names
    /// by group id.
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
        let files = |r: &str| self.files.get(r).map_or(&[][..], Vec::as_slice);
        let mut agents = std::collections::HashSet::new();
        each_json(
            files("agents"),
            "agents",
            AGENTS,
            &options.progress,
            &mut report,
            |a, report| match id(a.get("id")) {
                Some(id) => {
                    agents.insert(id);
                }
                None => report.reject(AGENTS, Rule::NotJson),
            },
        )?;
        let mut groups = Vec::new();
        each_json(
            files("groups"),
            "groups",
            GROUPS,
            &options.progress,
            &mut report,
            |g, report| match (id(g.get("id")), g.get("name").and_then(Value::as_str)) {
                (Some(id), Some(name)) => groups.push((id, name.to_string())),
                _ => report.reject(GROUPS, Rule::NotJson),
            },
        )?;
        let palette = Palette::of(&self.mapping);
        let mut runs = Runs::<Row>::new(options.sort_memory_bytes);
        let mut failed = None;
        let mut push = |row: Row| {
            if let Err(e) = runs.push(row) {
                failed.get_or_insert(e);
            }
        };
        // Conversations first: at one instant a reply goes before the status it set.
        each_json(
            files("conversations"),
            "conversations",
            CONVERSATIONS,
            &options.progress,
            &mut report,
            |c, report| match conversation(c, &agents) {
                Some(row) => push(row),
                None => report.reject(CONVERSATIONS, Rule::BadTicketIdOrInstant),
            },
        )?;
        let activities = !files("ticket_activities").is_empty();
        each_json(
            files("ticket_activities"),
            "activities_data",
            ACTIVITIES,
            &options.progress,
            &mut report,
            |a, report| {
                activity(a, &palette, report, &mut push);
            },
        )?;
        each_json(
            files("tickets"),
            "tickets",
            TICKETS,
            &options.progress,
            &mut report,
            |t, report| {
                ticket(t, &palette, activities, report, &mut push);
            },
        )?;
        if let Some(e) = failed {
            return Err(e);
        }
        let runs = runs.finish();
        report.ordering = Ordering::Sorted { runs: runs.len() };
        let (sinks, shards) = deliver_all(&runs, options.shards, &palette, TICKETS, &make)?;
        report.merge(&shards);
        Ok((sinks, report, groups.into_iter().collect()))
    }
}

/// A code or a name as the mapping's key (`2` or `"Open"`).
fn key(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

fn conversation(c: &Value, agents: &std::collections::HashSet<u64>) -> Option<Row> {
    let user = id(c.get("user_id")).unwrap_or(0);
    let incoming = c.get("incoming").and_then(Value::as_bool).unwrap_or(false);
    let private = c.get("private").and_then(Value::as_bool).unwrap_or(false);
    let note = c.get("source").and_then(Value::as_u64) == Some(2);
    Some(Row {
        at: when(c.get("created_at"))?,
        ticket: id(c.get("ticket_id"))?,
        a: user,
        kind: KIND_COMMENT,
        code: u8::from(!incoming && agents.contains(&user)),
        flags: u8::from(!private && !note),
        ..Row::default()
    })
}

/// The rows of one activity of the activities export.
fn activity(a: &Value, palette: &Palette, report: &mut ImportReport, push: &mut impl FnMut(Row)) {
    let (Some(ticket), Some(at)) = (id(a.get("ticket_id")), when(a.get("performed_at"))) else {
        return report.reject(ACTIVITIES, Rule::BadTicketIdOrInstant);
    };
    let base = Row {
        at,
        ticket,
        ..Row::default()
    };
    let Some(act) = a.get("activity") else { return };
    if let Some(s) = key(act.get("status")) {
        match palette.status(s.as_bytes()) {
            Some(code) => push(Row {
                kind: KIND_STATUS,
                code,
                ..base
            }),
            None => report.reject(ACTIVITIES, Rule::UnknownStatus),
        }
    }
    if let Some(p) = key(act.get("priority")) {
        match palette.priority(p.as_bytes()) {
            Some(code) => push(Row {
                kind: KIND_PRIORITY,
                code,
                ..base
            }),
            None => report.reject(ACTIVITIES, Rule::UnknownPriority),
        }
    }
    for (field, kind) in [("group_id", KIND_GROUP), ("agent_id", KIND_ASSIGNEE)] {
        match act.get(field) {
            None => {}
            Some(Value::Null) => push(Row { kind, ..base }),
            Some(v) => match id(Some(v)) {
                Some(a) => push(Row {
                    kind,
                    a,
                    flags: HAS_A,
                    ..base
                }),
                None => report.reject(ACTIVITIES, Rule::BadIdOrInstant),
            },
        }
    }
}

/// A ticket's creation and, without the activities export, its statuses from `stats`.
fn ticket(
    t: &Value,
    palette: &Palette,
    activities: bool,
    report: &mut ImportReport,
    push: &mut impl FnMut(Row),
) {
    let (Some(ticket), Some(at)) = (id(t.get("id")), when(t.get("created_at"))) else {
        return report.reject(TICKETS, Rule::BadTicketIdOrInstant);
    };
    let source = key(t.get("source")).unwrap_or_default();
    let mut row = Row {
        at,
        ticket,
        a: id(t.get("requester_id")).unwrap_or(0),
        kind: KIND_CREATED,
        code: palette.channel(source.as_bytes()),
        code2: palette.priority(b"2").unwrap_or(0),
        ..Row::default()
    };
    if source == "10" {
        (row.c, row.flags) = (id(t.get("responder_id")).unwrap_or(0), OUTBOUND);
    }
    // A ticket marked as spam or deleted leaves every figure.
    let flag = |name: &str| t.get(name).and_then(Value::as_bool) == Some(true);
    let spam = (flag("spam") || flag("deleted"))
        .then(|| palette.status(b"spam"))
        .flatten()
        .map(|code| Row {
            at,
            ticket,
            kind: KIND_STATUS,
            code,
            ..Row::default()
        });
    if activities {
        push(row);
        spam.into_iter().for_each(push);
        return;
    }
    if let Some(g) = id(t.get("group_id")) {
        (row.b, row.flags) = (g, row.flags | HAS_B);
    }
    if let Some(p) = key(t.get("priority")).and_then(|p| palette.priority(p.as_bytes())) {
        row.code2 = p;
    }
    push(row);
    if let Some(a) = id(t.get("responder_id")) {
        push(Row {
            at,
            ticket,
            kind: KIND_ASSIGNEE,
            a,
            flags: HAS_A,
            ..Row::default()
        });
    }
    // The latest of each status instant the API keeps, in time order.
    let stats = t.get("stats");
    let stat = |name: &str| stats.and_then(|s| when(s.get(name)));
    let mut statuses: Vec<(i64, &str)> = [
        ("pending_since", "3"),
        ("reopened_at", "2"),
        ("resolved_at", "4"),
        ("closed_at", "5"),
    ]
    .into_iter()
    .filter_map(|(name, status)| Some((stat(name)?, status)))
    .collect();
    statuses.sort_by_key(|(at, _)| *at);
    for (at, status) in statuses {
        if let Some(code) = palette.status(status.as_bytes()) {
            push(Row {
                at,
                ticket,
                kind: KIND_STATUS,
                code,
                ..Row::default()
            });
        }
    }
    spam.into_iter().for_each(push);
}
