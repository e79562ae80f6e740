//! Replays a help-desk history in CSV and prints one JSON report.
//!
//! ```text
//! cargo run --release --example replay -- DIR [--format json|table] [--threads N] [--stats]
//! ```
//!
//! DIR holds `tickets.csv`, `events.csv`, `surveys.csv` and `calls.csv` in the format of
//! the crate's sample history (see `tests/data/README.md`): a header row, comma-separated
//! fields, text in double quotes, empty fields as null, instants as Unix seconds UTC.
//! Rows that break a rule are counted by reason under `input.rejected`, never dropped
//! silently, and never stop the run. `--threads N` shards tickets by id over N threads
//! and merges the shards; the output is identical for every N. `compute_seconds` is the
//! time spent in the crate (parsing excluded). `--stats` prints peak memory to stderr.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use csm_metrics::metrics::tickets::{
    ByTeam, LifecycleSnapshot, TicketTracker, TrackerConfig, TrackerSnapshot,
};
use csm_metrics::{
    AgentId, Author, Calculator, Call, CallId, Channel, CustomerId, DurationSnapshot, Interaction,
    InteractionKind, Priority, QueueId, Status, SurveyId, SurveyResponse, SurveyScore, SurveySuite,
    TeamId, Ticket, TicketId, Visibility,
};
use serde_json::{Value, json};

struct Options {
    dir: PathBuf,
    table: bool,
    threads: usize,
    stats: bool,
}

fn parse_args() -> Result<Options, String> {
    let mut args = std::env::args().skip(1);
    let mut dir = None;
    let mut table = false;
    let mut threads = 1;
    let mut stats = false;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--format" => match args.next().as_deref() {
                Some("json") => table = false,
                Some("table") => table = true,
                other => return Err(format!("--format takes json or table, not {other:?}")),
            },
            "--threads" => {
                threads = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|n| *n >= 1)
                    .ok_or("--threads takes a number ≥ 1")?
            }
            "--stats" => stats = true,
            "-h" | "--help" => {
                return Err(
                    "usage: replay DIR [--format json|table] [--threads N] [--stats]".into(),
                );
            }
            _ if dir.is_none() && !a.starts_with("--") => dir = Some(PathBuf::from(a)),
            _ => return Err(format!("unknown argument {a:?}")),
        }
    }
    Ok(Options {
        dir: dir.ok_or("usage: replay DIR [--format json|table] [--threads N] [--stats]")?,
        table,
        threads,
        stats,
    })
}

/// Splits one CSV line of this format (no quoted commas or quotes inside fields).
fn fields(line: &str) -> Vec<&str> {
    line.split(',')
        .map(|f| f.trim().trim_matches('"'))
        .collect()
}

fn read_rows(path: &Path) -> Result<(Vec<String>, Vec<String>), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut lines = text.lines();
    let header = lines
        .next()
        .map(|h| fields(h).into_iter().map(String::from).collect())
        .unwrap_or_default();
    Ok((header, lines.map(String::from).collect()))
}

/// Counts rejected rows by reason.
#[derive(Default)]
struct Rejected(BTreeMap<String, u64>);

impl Rejected {
    fn add(&mut self, reason: impl Into<String>) {
        *self.0.entry(reason.into()).or_insert(0) += 1;
    }
}

fn instant(s: &str) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(s.parse().ok()?, 0)
}

fn id(s: &str) -> Option<u64> {
    s.parse().ok()
}

/// Parsed input: tickets by id, events in file order, surveys, calls, and team names.
struct History {
    tickets: HashMap<u64, Ticket>,
    /// Events in file order; `None` marks a ticket's `created` event.
    events: Vec<(u64, Option<Interaction>)>,
    surveys: Vec<SurveyResponse>,
    calls: Vec<Call>,
    teams: Vec<String>,
    rows: [u64; 4],
}

fn parse(dir: &Path, rejected: &mut Rejected) -> Result<History, String> {
    let mut teams: Vec<String> = Vec::new();
    let mut team_id = |name: &str| -> TeamId {
        let i = teams.iter().position(|t| t == name).unwrap_or_else(|| {
            teams.push(name.to_string());
            teams.len() - 1
        });
        TeamId(i as u64 + 1)
    };

    let (_, rows) = read_rows(&dir.join("tickets.csv"))?;
    let mut tickets = HashMap::with_capacity(rows.len());
    let ticket_rows = rows.len() as u64;
    for row in &rows {
        let f = fields(row);
        if f.len() != 6 {
            rejected.add("tickets: wrong field count");
            continue;
        }
        let (Some(tid), Some(created), Some(requester)) = (id(f[0]), instant(f[1]), id(f[5]))
        else {
            rejected.add("tickets: bad id or instant");
            continue;
        };
        let channel = match f[2] {
            "email" => Channel::Email,
            "chat" => Channel::Chat,
            "phone" => Channel::Phone,
            "web" => Channel::Web,
            "social" => Channel::Social,
            "api" => Channel::Api,
            _ => Channel::Other,
        };
        let Some(priority) = Priority::ALL.into_iter().find(|p| p.as_str() == f[3]) else {
            rejected.add("tickets: unknown priority");
            continue;
        };
        let mut t = Ticket::new(TicketId(tid), created, CustomerId(requester));
        t.channel = channel;
        t.priority = priority;
        t.team = (!f[4].is_empty()).then(|| team_id(f[4]));
        if tickets.insert(tid, t).is_some() {
            rejected.add("tickets: duplicate ticket id");
        }
    }

    let (_, rows) = read_rows(&dir.join("events.csv"))?;
    let event_rows = rows.len() as u64;
    let mut events = Vec::with_capacity(rows.len());
    for row in &rows {
        let f = fields(row);
        if f.len() != 7 {
            rejected.add("events: wrong field count");
            continue;
        }
        let (Some(tid), Some(at)) = (id(f[0]), instant(f[1])) else {
            rejected.add("events: bad ticket id or instant");
            continue;
        };
        let agent = id(f[6]).filter(|a| *a != 0).map(AgentId);
        let kind = match f[2] {
            "created" => {
                events.push((tid, None));
                continue;
            }
            "message" => {
                let author = match (f[3], agent) {
                    ("agent", Some(a)) => Author::Agent(a),
                    ("customer", _) => Author::Customer,
                    ("bot", _) => Author::Automation,
                    _ => {
                        rejected.add("events: message without a known author");
                        continue;
                    }
                };
                let visibility = if f[4] == "true" {
                    Visibility::Public
                } else {
                    Visibility::Internal
                };
                InteractionKind::Message { author, visibility }
            }
            "status" => InteractionKind::Status(match f[5] {
                "new" => Status::New,
                "open" => Status::Open,
                "pending" => Status::Pending,
                "hold" | "on_hold" | "on-hold" => Status::OnHold,
                "solved" => Status::Solved,
                "closed" => Status::Closed,
                "spam" | "deleted" => Status::Spam,
                _ => {
                    rejected.add("events: unknown status");
                    continue;
                }
            }),
            "assign" => InteractionKind::Assignment { agent, team: None },
            _ => {
                rejected.add("events: unknown kind");
                continue;
            }
        };
        events.push((
            tid,
            Some(Interaction {
                ticket: TicketId(tid),
                at,
                kind,
            }),
        ));
    }

    let (_, rows) = read_rows(&dir.join("surveys.csv")).unwrap_or_default();
    let survey_rows = rows.len() as u64;
    let mut surveys = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let f = fields(row);
        if f.len() != 5 {
            rejected.add("surveys: wrong field count");
            continue;
        }
        let (Some(at), Some(score)) = (instant(f[1]), f[4].parse::<u8>().ok()) else {
            rejected.add("surveys: bad instant or score");
            continue;
        };
        let score = match f[0] {
            "nps" => SurveyScore::Nps(score),
            "csat" => SurveyScore::Csat(score),
            "ces" => SurveyScore::Ces(score),
            "enps" => SurveyScore::Enps(score),
            _ => {
                rejected.add("surveys: unknown kind");
                continue;
            }
        };
        let mut r = SurveyResponse::new(SurveyId(i as u64 + 1), at, score);
        r.ticket = id(f[2]).filter(|t| *t != 0).map(TicketId);
        r.agent = id(f[3]).filter(|a| *a != 0).map(AgentId);
        surveys.push(r);
    }

    let (_, rows) = read_rows(&dir.join("calls.csv")).unwrap_or_default();
    let call_rows = rows.len() as u64;
    let mut queues: Vec<String> = Vec::new();
    let mut calls = Vec::with_capacity(rows.len());
    for row in &rows {
        let f = fields(row);
        if f.len() != 8 {
            rejected.add("calls: wrong field count");
            continue;
        }
        let (Some(cid), Some(offered), Some(ended)) = (id(f[0]), instant(f[2]), instant(f[4]))
        else {
            rejected.add("calls: bad id or instant");
            continue;
        };
        let answered = if f[3].is_empty() {
            None
        } else if let Some(a) = instant(f[3]) {
            Some(a)
        } else {
            rejected.add("calls: bad answered_at");
            continue;
        };
        let (Some(hold), Some(wrap)) = (id(f[5]), id(f[6])) else {
            rejected.add("calls: bad hold or wrap");
            continue;
        };
        let queue = queues.iter().position(|q| q == f[1]).unwrap_or_else(|| {
            queues.push(f[1].to_string());
            queues.len() - 1
        });
        calls.push(Call {
            id: CallId(cid),
            queue: QueueId(queue as u64 + 1),
            offered_at: offered,
            answered_at: answered,
            ended_at: ended,
            hold,
            wrap,
            agent: id(f[7]).filter(|a| *a != 0).map(AgentId),
            customer: None,
            transferred: false,
        });
    }
    Ok(History {
        tickets,
        events,
        surveys,
        calls,
        teams,
        rows: [ticket_rows, event_rows, survey_rows, call_rows],
    })
}

/// Shows progress on stderr once a run has taken more than a second.
struct Progress {
    start: Instant,
    last: Instant,
    total: usize,
    shown: bool,
}

impl Progress {
    fn new(total: usize) -> Self {
        let now = Instant::now();
        Progress {
            start: now,
            last: now,
            total,
            shown: false,
        }
    }

    fn tick(&mut self, done: usize) {
        if done % 65_536 != 0 {
            return;
        }
        let now = Instant::now();
        if now - self.start < Duration::from_secs(1) || now - self.last < Duration::from_millis(250)
        {
            return;
        }
        self.last = now;
        self.shown = true;
        let pct = done as f64 / self.total.max(1) as f64;
        let bar = (pct * 30.0) as usize;
        eprint!(
            "\r[{}{}] {:>5.1} %  {} / {} events",
            "#".repeat(bar),
            " ".repeat(30 - bar.min(30)),
            pct * 100.0,
            done,
            self.total
        );
    }

    fn finish(&self) {
        if self.shown {
            eprintln!("\r{:60}\r", "");
        }
    }
}

type Tracker = TicketTracker<ByTeam>;

/// Runs one shard of the ticket events; records that break a rule are counted.
fn run_shard(
    history: &History,
    shard: usize,
    shards: usize,
    progress: bool,
) -> Result<Tracker, csm_metrics::Error> {
    let mut tracker = Tracker::new(TrackerConfig::default(), ByTeam)?;
    let mut bar = Progress::new(history.events.len());
    for (i, (tid, event)) in history.events.iter().enumerate() {
        if progress {
            bar.tick(i);
        }
        if (*tid as usize) % shards != shard {
            continue;
        }
        // A rejected record is counted in the tracker's ingest report.
        let _ = match event {
            None => match history.tickets.get(tid) {
                Some(t) => tracker.observe_ticket(t),
                None => Ok(()),
            },
            Some(interaction) => tracker.observe_interaction(interaction),
        };
    }
    if progress {
        bar.finish();
    }
    Ok(tracker)
}

fn duration_json(d: &DurationSnapshot) -> Value {
    json!({
        "count": d.count, "mean": d.mean, "min": d.min, "max": d.max,
        "p50": d.p50, "p90": d.p90, "p95": d.p95, "p99": d.p99,
    })
}

fn lifecycle_json(s: &LifecycleSnapshot) -> Value {
    json!({
        "tickets": s.tickets,
        "answered": s.answered,
        "unanswered": s.unanswered,
        "solved": s.solved,
        "first_response": duration_json(&s.first_response),
        "first_resolution": duration_json(&s.first_resolution),
        "full_resolution": duration_json(&s.full_resolution),
        "requester_wait": duration_json(&s.requester_wait),
        "reopen_rate": s.reopen_rate,
        "one_touch_rate": s.one_touch_rate,
        "replies_per_resolution": s.replies_per_resolution,
        "resolved_within_24h": s.resolved_within_target,
    })
}

fn call_json(calls: &[Call], rejected: &mut Rejected) -> Value {
    const SHORT: i64 = 5;
    const TARGET: i64 = 20;
    let (mut offered, mut answered, mut short, mut abandoned, mut within) = (0u64, 0, 0, 0, 0);
    let (mut wait_sum, mut handle_sum) = (0i64, 0i64);
    for c in calls {
        if let Err(e) = c.validate() {
            rejected.add(format!(
                "calls: {}",
                e.rule().map_or("invalid".into(), |r| r.to_string())
            ));
            continue;
        }
        offered += 1;
        match c.answered_at {
            Some(a) => {
                answered += 1;
                let wait = (a - c.offered_at).num_seconds();
                wait_sum += wait;
                within += u64::from(wait <= TARGET);
                handle_sum += (c.ended_at - a).num_seconds() + c.wrap as i64;
            }
            None if (c.ended_at - c.offered_at).num_seconds() < SHORT => short += 1,
            None => abandoned += 1,
        }
    }
    let base = offered - short;
    let ratio = |n: u64, d: u64| (d > 0).then(|| n as f64 / d as f64);
    json!({
        "offered": offered,
        "answered": answered,
        "short_abandons": short,
        "asa": (answered > 0).then(|| wait_sum as f64 / answered as f64),
        "abandon_rate": ratio(abandoned, base),
        "service_level_20s": ratio(within, base),
        "aht": (answered > 0).then(|| handle_sum as f64 / answered as f64),
    })
}

fn nps_json(s: &csm_metrics::NpsSnapshot) -> Value {
    json!({
        "responses": s.responses, "score": s.score, "promoters": s.promoters,
        "passives": s.passives, "detractors": s.detractors,
        "margin_of_error": s.margin_of_error,
    })
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() -> ExitCode {
    let options = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let mut rejected = Rejected::default();
    let parse_start = Instant::now();
    let history = match parse(&options.dir, &mut rejected) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("replay: {e}");
            return ExitCode::from(1);
        }
    };
    let parse_time = parse_start.elapsed();

    let compute = Instant::now();
    let trackers: Result<Vec<Tracker>, _> = if options.threads == 1 {
        run_shard(&history, 0, 1, true).map(|t| vec![t])
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..options.threads)
                .map(|shard| {
                    let h = &history;
                    let n = options.threads;
                    scope.spawn(move || run_shard(h, shard, n, shard == 0))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("a shard thread panicked"))
                .collect()
        })
    };
    let mut trackers = match trackers {
        Ok(t) => t,
        Err(e) => {
            eprintln!("replay: {e}");
            return ExitCode::from(1);
        }
    };
    let mut tracker = trackers.remove(0);
    for other in &trackers {
        if let Err(e) = tracker.merge(other) {
            eprintln!("replay: {e}");
            return ExitCode::from(1);
        }
    }
    let report: TrackerSnapshot<Option<TeamId>> = tracker.snapshot();

    let mut surveys = SurveySuite::default();
    for r in &history.surveys {
        if let Err(e) = surveys.observe(r) {
            rejected.add(format!(
                "surveys: {}",
                e.rule().map_or("invalid".into(), |r| r.to_string())
            ));
        }
    }
    let s = surveys.snapshot();
    let calls = call_json(&history.calls, &mut rejected);
    let compute_seconds = compute.elapsed().as_secs_f64();

    for (reason, n) in &report.ingest.rejected {
        *rejected
            .0
            .entry(format!("events: {}", reason.as_str()))
            .or_insert(0) += n;
    }
    let by_team: serde_json::Map<String, Value> = report
        .groups
        .iter()
        .map(|(team, snap)| {
            let name = team
                .and_then(|t| history.teams.get(t.0 as usize - 1).cloned())
                .unwrap_or_else(|| "(none)".into());
            (name, lifecycle_json(snap))
        })
        .collect();
    let [tickets, events, survey_rows, call_rows] = history.rows;
    let out = json!({
        "input": {
            "tickets": tickets, "events": events, "surveys": survey_rows, "calls": call_rows,
            "rejected": rejected.0,
        },
        "tickets": {"overall": lifecycle_json(&report.overall), "by_team": by_team},
        "surveys": {
            "nps": nps_json(&s.nps),
            "enps": nps_json(&s.enps),
            "csat": {
                "responses": s.csat.responses, "score": s.csat.score,
                "mean": s.csat.mean.map(|m| m.mean),
                "ci_low": s.csat.interval.map(|i| i.low),
                "ci_high": s.csat.interval.map(|i| i.high),
            },
            "ces": {"responses": s.ces.responses, "mean": s.ces.mean.map(|m| m.mean)},
        },
        "calls": calls,
        "compute_seconds": compute_seconds,
    });

    let mut stdout = io::stdout().lock();
    let written = if options.table {
        print_table(&mut stdout, &out)
    } else {
        serde_json::to_writer_pretty(&mut stdout, &out)
            .map_err(io::Error::other)
            .and_then(|_| writeln!(stdout))
    };
    if let Err(e) = written {
        eprintln!("replay: {e}");
        return ExitCode::from(1);
    }
    if options.stats {
        eprintln!(
            "parse {:.3} s, compute {:.3} s ({:.1} M events/s), threads {}, tickets in play at the end {}, peak resident memory {} MiB",
            parse_time.as_secs_f64(),
            compute_seconds,
            history.events.len() as f64 / compute_seconds / 1e6,
            options.threads,
            report.in_play,
            peak_rss_kib().map_or("?".into(), |k| (k / 1024).to_string())
        );
    }
    ExitCode::SUCCESS
}

fn print_table(out: &mut impl Write, report: &Value) -> io::Result<()> {
    fn cell(v: &Value) -> String {
        match v {
            Value::Number(n) if n.is_f64() => format!("{:.4}", n.as_f64().unwrap_or(0.0)),
            Value::Null => "-".into(),
            other => other.to_string(),
        }
    }
    fn flat(prefix: &str, v: &Value, rows: &mut Vec<(String, String)>) {
        match v {
            Value::Object(m) => {
                for (k, v) in m {
                    let key = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    flat(&key, v, rows);
                }
            }
            other => rows.push((prefix.to_string(), cell(other))),
        }
    }
    for section in ["input", "tickets", "surveys", "calls"] {
        writeln!(out, "{section}")?;
        writeln!(out, "{}", "-".repeat(section.len()))?;
        let mut rows = Vec::new();
        flat("", &report[section], &mut rows);
        let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
        for (k, v) in rows {
            writeln!(out, "{k:<width$}  {v:>14}")?;
        }
        writeln!(out)?;
    }
    writeln!(out, "compute_seconds  {}", cell(&report["compute_seconds"]))
}
