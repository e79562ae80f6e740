//! Replays a ServiceNow incident event log (the "Incident management process enriched
//! event log", UCI 498, CC BY 4.0) into the crate's records and reports on it.
//!
//! Format: CSV with a header, one row per update of an incident, `?` for unknown, local
//! wall-clock times `d/m/yyyy HH:MM` without a zone (the caller names the zone). The
//! columns read: `number`, `incident_state`, `reassignment_count`, `reopen_count`,
//! `sys_mod_count`, `made_sla`, `caller_id`, `opened_at`, `sys_updated_at`,
//! `contact_type`, `priority`, `assignment_group`, `assigned_to`, `resolved_at`.
//!
//! Mapping: New → new, Active → open, Awaiting User Info → pending, Awaiting Vendor /
//! Problem / Evidence → on-hold, Resolved → solved, Closed → closed. Each incident is a
//! [`Ticket`] created at `opened_at`; each update whose state differs from the incident's
//! previous one is a status [`Interaction`] at `sys_updated_at`, and each change of group
//! or assignee an assignment. Everything goes through a [`TicketTracker`], so the crate's
//! own rules decide what is accepted.
//!
//! What is turned away or corrected, and counted (never a panic, never silently):
//! - rejected rows: `malformed_row` (not 36 fields), `bad_number`, `unknown_state`
//!   (`-100` and anything unmapped), `missing_opened_at`, `missing_updated_at` (`?` or
//!   unreadable), and every reason the tracker gives (`out_of_order` for an update whose
//!   clock goes backwards, `before_creation` for an update before `opened_at`, …);
//! - corrections: `resolved_without_resolved_at` (a Resolved or Closed update with
//!   `resolved_at` = `?`: the update's own time is taken), `resolved_before_opened` (left
//!   out of the resolution figures), `unknown_caller` (requester 0), `priority_changed`
//!   (the incident is reported under its latest priority).

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use csm_metrics::metrics::tickets::{ByPriority, TicketTracker};
use csm_metrics::*;
use serde_json::{Value, json};

/// What one incident contributes to the report.
#[derive(Debug, Clone, Default)]
struct Incident {
    id: u64,
    opened_at: i64,
    priority: String,
    state: Option<Status>,
    group: Option<TeamId>,
    assignee: Option<AgentId>,
    first_resolved: Option<i64>,
    made_sla: bool,
    reassigned: bool,
    reopened: bool,
    in_tracker: bool,
}

/// Streams the rows of a ServiceNow incident event log and builds the report.
#[derive(Debug)]
pub struct Replay<Z: Zone> {
    zone: Z,
    tracker: TicketTracker<ByPriority>,
    incidents: HashMap<u64, Incident>,
    /// Data rows read.
    pub events: u64,
    rejected: BTreeMap<String, u64>,
    corrected: BTreeMap<String, u64>,
}

/// The columns the replay reads, by header name.
const COLUMNS: usize = 36;

fn parse_local(s: &str) -> Option<NaiveDateTime> {
    let (date, time) = s.trim().split_once(' ')?;
    let mut d = date.split('/');
    let (day, month, year) = (d.next()?, d.next()?, d.next()?);
    let (hour, minute) = time.split_once(':')?;
    NaiveDate::from_ymd_opt(year.parse().ok()?, month.parse().ok()?, day.parse().ok()?)?
        .and_hms_opt(hour.parse().ok()?, minute.parse().ok()?, 0)
}

/// The number in a field like `Group 56` or `INC0000045`; `None` for `?`.
fn number_in(s: &str) -> Option<u64> {
    let digits: String = s.chars().filter(char::is_ascii_digit).collect();
    digits.parse().ok()
}

fn state(s: &str) -> Option<Status> {
    Some(match s {
        "New" => Status::New,
        "Active" => Status::Open,
        "Awaiting User Info" => Status::Pending,
        "Awaiting Vendor" | "Awaiting Problem" | "Awaiting Evidence" => Status::OnHold,
        "Resolved" => Status::Solved,
        "Closed" => Status::Closed,
        _ => return None,
    })
}

fn priority(s: &str) -> Priority {
    match s.split(' ').next() {
        Some("1") => Priority::Urgent,
        Some("2") => Priority::High,
        Some("4") => Priority::Low,
        _ => Priority::Normal,
    }
}

fn channel(s: &str) -> Channel {
    match s {
        "Phone" => Channel::Phone,
        "Email" => Channel::Email,
        "Self service" => Channel::Web,
        _ => Channel::Other,
    }
}

impl<Z: Zone> Replay<Z> {
    /// A replay with local times read in `zone`.
    pub fn new(zone: Z) -> Self {
        Replay {
            zone,
            tracker: TicketTracker::default(),
            incidents: HashMap::new(),
            events: 0,
            rejected: BTreeMap::new(),
            corrected: BTreeMap::new(),
        }
    }

    fn reject(&mut self, reason: &str) {
        *self.rejected.entry(reason.to_string()).or_default() += 1;
    }

    fn correct(&mut self, reason: &str) {
        *self.corrected.entry(reason.to_string()).or_default() += 1;
    }

    fn instant(&self, s: &str) -> Option<DateTime<Utc>> {
        self.zone.instant_of(parse_local(s)?)
    }

    /// Reads one data row (the header excluded).
    pub fn row(&mut self, line: &str) {
        self.events += 1;
        let f: Vec<&str> = line.trim_end_matches(['\r', '\n']).split(',').collect();
        if f.len() != COLUMNS {
            return self.reject("malformed_row");
        }
        let Some(id) = f[0].strip_prefix("INC").and_then(|n| n.parse::<u64>().ok()) else {
            return self.reject("bad_number");
        };
        let Some(status) = state(f[1]) else {
            return self.reject("unknown_state");
        };
        let Some(opened) = self.instant(f[9]) else {
            return self.reject("missing_opened_at");
        };
        let Some(at) = self.instant(f[13]) else {
            return self.reject("missing_updated_at");
        };
        let resolved_at = self.instant(f[34]);
        let group = number_in(f[23]).map(TeamId);
        let assignee = number_in(f[24]).map(AgentId);
        let ticket = TicketId(id);
        if !self.incidents.contains_key(&id) {
            let caller = number_in(f[7]);
            if caller.is_none() {
                self.correct("unknown_caller");
            }
            let mut t = Ticket::new(ticket, opened, CustomerId(caller.unwrap_or(0)));
            t.team = group;
            t.assignee = assignee;
            t.channel = channel(f[14]);
            t.priority = priority(f[22]);
            // A refused creation is counted by reason in the tracker's ingest report.
            let accepted = self.tracker.observe_ticket(&t).is_ok();
            self.incidents.insert(
                id,
                Incident {
                    id,
                    opened_at: opened.timestamp(),
                    priority: f[22].to_string(),
                    group,
                    assignee,
                    in_tracker: accepted,
                    ..Incident::default()
                },
            );
        }
        let mut events = Vec::new();
        let Some(inc) = self.incidents.get_mut(&id) else {
            return;
        };
        if !inc.in_tracker {
            // Its creation was refused (counted then); its later updates are counted here.
            if inc.state.is_some() {
                return self.reject("incident_not_created");
            }
            inc.state = Some(status);
            return;
        }
        if inc.priority != f[22] {
            inc.priority = f[22].to_string();
            *self.corrected.entry("priority_changed".into()).or_default() += 1;
        }
        if (group, assignee) != (inc.group, inc.assignee) {
            events.push(Interaction {
                ticket,
                at,
                kind: InteractionKind::Assignment {
                    agent: assignee.filter(|a| Some(*a) != inc.assignee),
                    team: group.filter(|g| Some(*g) != inc.group),
                },
            });
            (inc.group, inc.assignee) = (group, assignee);
        }
        if inc.state != Some(status) {
            events.push(Interaction::status(ticket, at, status));
            inc.state = Some(status);
        }
        inc.made_sla = f[6] == "true";
        inc.reassigned = f[3].parse::<u64>().is_ok_and(|n| n > 0);
        inc.reopened = f[4].parse::<u64>().is_ok_and(|n| n > 0);
        let mut notes = Vec::new();
        if matches!(status, Status::Solved | Status::Closed) && inc.first_resolved.is_none() {
            let resolved = match resolved_at {
                Some(r) => r.timestamp(),
                None => {
                    notes.push("resolved_without_resolved_at");
                    at.timestamp()
                }
            };
            if resolved < inc.opened_at {
                notes.push("resolved_before_opened");
            }
            inc.first_resolved = Some(resolved);
        }
        for n in notes {
            self.correct(n);
        }
        for e in events {
            // A refused update is counted by reason in the tracker's ingest report.
            let _ = self.tracker.observe_interaction(&e);
        }
    }

    /// The report: `{"events", "incidents", "rejected", "corrected", "reopened_share",
    /// "reassigned_share", "made_sla_share", "by_priority"}`.
    pub fn report(&self) -> Value {
        let mut rejected = self.rejected.clone();
        for (reason, n) in &self.tracker.ingest().rejected {
            *rejected.entry(reason.as_str().to_string()).or_default() += n;
        }
        let n = self.incidents.len() as f64;
        let share = |f: fn(&Incident) -> bool| {
            (n > 0.0).then(|| self.incidents.values().filter(|i| f(i)).count() as f64 / n)
        };
        let mut by_priority: BTreeMap<&str, (u64, u64, DurationSummary)> = BTreeMap::new();
        let mut ids: Vec<&Incident> = self.incidents.values().collect();
        ids.sort_by_key(|i| i.id);
        for i in ids {
            let e = by_priority.entry(&i.priority).or_default();
            e.0 += 1;
            e.1 += u64::from(i.made_sla);
            if let Some(r) = i.first_resolved.filter(|r| *r >= i.opened_at) {
                // Cannot fail: whole seconds from a parsed time fit the sketch.
                let _ = e.2.add((r - i.opened_at) as u64);
            }
        }
        let by_priority: serde_json::Map<String, Value> = by_priority
            .into_iter()
            .map(|(p, (incidents, made, d))| {
                let s = d.snapshot();
                let hours = |v: Option<f64>| v.map(|v| v / 3600.0);
                (
                    p.to_string(),
                    json!({
                        "incidents": incidents,
                        "made_sla_share": made as f64 / incidents as f64,
                        "resolution_hours": {
                            "count": s.count, "mean": hours(s.mean), "min": hours(s.min),
                            "max": hours(s.max), "p50": hours(s.p50), "p90": hours(s.p90),
                            "p95": hours(s.p95), "p99": hours(s.p99),
                        },
                    }),
                )
            })
            .collect();
        json!({
            "events": self.events,
            "incidents": self.incidents.len(),
            "rejected": rejected,
            "corrected": self.corrected,
            "reopened_share": share(|i| i.reopened),
            "reassigned_share": share(|i| i.reassigned),
            "made_sla_share": share(|i| i.made_sla),
            "by_priority": by_priority,
        })
    }

    /// The tracker the rows went through.
    pub fn tracker(&self) -> &TicketTracker<ByPriority> {
        &self.tracker
    }
}
