//! Replays a help-desk history in CSV and prints one JSON report.
//!
//! ```text
//! cargo run --release --example replay -- DIR [--format json|table] [--threads N] [--stats]
//!     [--calendar FILE]
//! ```
//!
//! `--calendar FILE` (a JSON spec, as `examples/new_york_2025.json`: zone, weekly hours,
//! holidays, date overrides, years) adds business-time figures to every ticket report:
//! `first_response_business`, `full_resolution_business` and
//! `first_response_within_8h_business`.
//!
//! DIR holds `tickets.csv`, `events.csv`, `surveys.csv` and `calls.csv` in the format of
//! the crate's sample history (see `docs/HISTORY_FORMAT.md`): a header row, comma-separated
//! fields, text in double quotes, empty fields as null, instants as Unix seconds UTC.
//! Rows that break a rule are counted by reason under `input.rejected`, never dropped
//! silently, and never stop the run. `--threads N` shards tickets by id over N threads
//! and merges the shards; the output is identical for every N. `compute_seconds` is the
//! time spent in the crate (parsing excluded). `--stats` prints peak memory to stderr.
//!
//! Where DIR also holds `agent_states.csv` (and `schedule.csv`), the report gains an
//! `agents` section (occupancy, and adherence and conformance against the schedule); where
//! it holds `accounts.csv`, a `retention` section (per month: customers at start, new, at
//! end, churned, retention and churn rates, net and gross revenue retention, at-risk
//! accounts saved and lost; and the cohort table by start month). Their formats are in
//! `docs/HISTORY_FORMAT.md`; `examples/generate.rs` writes them.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use csm_metrics::metrics::calls::{CallCenter, CallSnapshot};
use csm_metrics::metrics::tickets::{
    ByTeam, LifecycleSnapshot, TicketTracker, TrackerConfig, TrackerSnapshot,
};
use csm_metrics::{
    BusinessClock, Calculator, DurationSnapshot, SurveySuite, SurvivalSnapshot, TeamId, Ticket,
};
use csm_metrics_synth::format::{
    Event, Names, fields, id, parse_calendar, parse_call, parse_event, parse_survey, parse_ticket,
};
use serde_json::{Value, json};

struct Options {
    dir: PathBuf,
    table: bool,
    threads: usize,
    stats: bool,
    calendar: Option<Arc<dyn BusinessClock>>,
}

fn parse_args() -> Result<Options, String> {
    let mut args = std::env::args().skip(1);
    let mut dir = None;
    let mut table = false;
    let mut threads = 1;
    let mut stats = false;
    let mut calendar: Option<Arc<dyn BusinessClock>> = None;
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
            "--calendar" => {
                let path = args.next().ok_or("--calendar takes a file")?;
                let text = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
                calendar = Some(Arc::new(parse_calendar(&text)?));
            }
            "-h" | "--help" => {
                return Err(
                    "usage: replay DIR [--format json|table] [--threads N] [--stats] [--calendar FILE]".into(),
                );
            }
            _ if dir.is_none() && !a.starts_with("--") => dir = Some(PathBuf::from(a)),
            _ => return Err(format!("unknown argument {a:?}")),
        }
    }
    Ok(Options {
        dir: dir.ok_or(
            "usage: replay DIR [--format json|table] [--threads N] [--stats] [--calendar FILE]",
        )?,
        table,
        threads,
        stats,
        calendar,
    })
}

/// Counts rejected rows by reason.
#[derive(Default)]
struct Rejected(BTreeMap<String, u64>);

impl Rejected {
    fn add(&mut self, reason: impl Into<String>) {
        *self.0.entry(reason.into()).or_insert(0) += 1;
    }
}

/// Lines of a CSV file after its header, read as they are needed.
struct Rows {
    lines: std::io::Lines<BufReader<File>>,
    row: u64,
}

impl Rows {
    fn open(path: &Path) -> Result<Self, String> {
        let file = File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut lines = BufReader::with_capacity(1 << 20, file).lines();
        lines.next();
        Ok(Rows { lines, row: 0 })
    }

    fn next_line(&mut self) -> Option<String> {
        // An unreadable line ends the file (an I/O error is no data to count).
        let line = self.lines.next()?.ok()?;
        self.row += 1;
        Some(line)
    }
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

/// What one shard computed.
struct Shard {
    tracker: Tracker,
    surveys: SurveySuite,
    calls: CallCenter,
    rejected: Rejected,
    teams: Names,
    rows: [u64; 4],
    compute: Duration,
}

const BATCH: usize = 65_536;

/// Streams the history and computes the figures of the tickets whose id is `shard` modulo
/// `shards` (and, in shard 0, the surveys and calls). Rows are parsed in batches and only
/// the crate's work on each batch is timed.
fn run_shard(
    dir: &Path,
    calendar: Option<Arc<dyn BusinessClock>>,
    shard: u64,
    shards: u64,
    progress: bool,
) -> Result<Shard, String> {
    let mine = |tid: u64| tid % shards == shard;
    let mut out = Shard {
        tracker: Tracker::new(
            TrackerConfig {
                calendar,
                ..TrackerConfig::default()
            },
            ByTeam,
        )
        .map_err(|e| e.to_string())?,
        surveys: SurveySuite::default(),
        calls: CallCenter::default(),
        rejected: Rejected::default(),
        teams: Names::default(),
        rows: [0; 4],
        compute: Duration::ZERO,
    };
    let size = std::fs::metadata(dir.join("events.csv")).map_or(0, |m| m.len());
    let mut tickets = Rows::open(&dir.join("tickets.csv"))?;
    let mut events = Rows::open(&dir.join("events.csv"))?;
    // Tickets read ahead of their creation event, in this shard.
    let mut ahead: HashMap<u64, Ticket> = HashMap::new();
    let mut bar = Progress::new(size as usize);
    let mut read = 0usize;
    let mut batch: Vec<Result<Event, Ticket>> = Vec::with_capacity(BATCH);
    loop {
        batch.clear();
        while batch.len() < BATCH {
            let Some(line) = events.next_line() else {
                break;
            };
            read += line.len() + 1;
            let f = fields(&line);
            match parse_event(&f) {
                Ok((tid, _)) if !mine(tid) => {}
                Ok((tid, Event::Created)) => {
                    // Find the ticket's row: tickets.csv is in creation order too.
                    let mut found = ahead.remove(&tid);
                    while found.is_none() {
                        let Some(row) = tickets.next_line() else {
                            break;
                        };
                        let f = fields(&row);
                        let owner = id(f[0]).unwrap_or(0);
                        if !mine(owner) && id(f[0]).is_some() {
                            // Still parsed for team names, so ids agree across shards.
                            if f.len() == 6 && !f[4].is_empty() {
                                out.teams.id(f[4]);
                            }
                            continue;
                        }
                        match parse_ticket(&f, &mut out.teams) {
                            Ok(t) if t.id.0 == tid => found = Some(t),
                            Ok(t) => {
                                if ahead.insert(t.id.0, t).is_some() {
                                    out.rejected.add("tickets: duplicate ticket id");
                                }
                            }
                            Err(reason) => out.rejected.add(reason),
                        }
                    }
                    match found {
                        Some(t) => batch.push(Err(t)),
                        None => out
                            .rejected
                            .add("events: created for a ticket not in tickets.csv"),
                    }
                }
                Ok((_, e)) => batch.push(Ok(e)),
                Err(reason) if shard == 0 => out.rejected.add(reason),
                Err(_) => {}
            }
        }
        if batch.is_empty() {
            break;
        }
        let start = Instant::now();
        for e in &batch {
            // A rejected record is counted in the tracker's ingest report.
            let _ = match e {
                Err(ticket) => out.tracker.observe_ticket(ticket),
                Ok(Event::Interaction(i)) => out.tracker.observe_interaction(i),
                Ok(Event::Created) => Ok(()),
            };
        }
        out.compute += start.elapsed();
        if progress {
            bar.tick(read);
        }
    }
    if progress {
        bar.finish();
    }
    // Tickets with no creation event were never observed: counted.
    for _ in ahead.drain() {
        out.rejected.add("tickets: no created event");
    }
    while let Some(row) = tickets.next_line() {
        if id(fields(&row)[0]).is_some_and(mine) {
            out.rejected.add("tickets: no created event");
        }
    }
    out.rows[0] = tickets.row;
    out.rows[1] = events.row;
    if shard == 0 {
        if let Ok(mut rows) = Rows::open(&dir.join("surveys.csv")) {
            while let Some(line) = rows.next_line() {
                let start = Instant::now();
                match parse_survey(&fields(&line), rows.row) {
                    Ok(r) => {
                        if let Err(e) = out.surveys.observe(&r) {
                            out.rejected.add(format!(
                                "surveys: {}",
                                e.rule().map_or("invalid".into(), |r| r.to_string())
                            ));
                        }
                    }
                    Err(reason) => out.rejected.add(reason),
                }
                out.compute += start.elapsed();
            }
            out.rows[2] = rows.row;
        }
        if let Ok(mut rows) = Rows::open(&dir.join("calls.csv")) {
            let mut queues = Names::default();
            while let Some(line) = rows.next_line() {
                match parse_call(&fields(&line), &mut queues) {
                    Ok(c) => {
                        if let Err(e) = out.calls.observe(&c) {
                            out.rejected.add(format!(
                                "calls: {}",
                                e.rule().map_or("invalid".into(), |r| r.to_string())
                            ));
                        }
                    }
                    Err(reason) => out.rejected.add(reason),
                }
            }
            out.rows[3] = rows.row;
        }
    }
    Ok(out)
}

fn duration_json(d: &DurationSnapshot) -> Value {
    json!({
        "count": d.count, "mean": d.mean, "min": d.min, "max": d.max,
        "p50": d.p50, "p90": d.p90, "p95": d.p95, "p99": d.p99,
    })
}

fn lifecycle_json(s: &LifecycleSnapshot) -> Value {
    let mut t = json!({
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
        "first_response_survival": survival(s.first_response_survival.as_ref()),
        "full_resolution_survival": survival(s.full_resolution_survival.as_ref()),
    });
    if let Some(b) = &s.business {
        t["first_response_business"] = duration_json(&b.first_response);
        t["full_resolution_business"] = duration_json(&b.full_resolution);
        t["first_response_within_8h_business"] = json!(b.responded_within_target);
        t["first_response_business_survival"] = survival(b.first_response_survival.as_ref());
        t["full_resolution_business_survival"] = survival(b.full_resolution_survival.as_ref());
    }
    t
}

/// A censoring-aware duration (seconds; null where not reached).
fn survival(s: Option<&SurvivalSnapshot>) -> Value {
    s.map_or(Value::Null, |s| {
        json!({
            "events": s.events, "censored": s.censored,
            "median": s.median, "median_low": s.median_low, "median_high": s.median_high,
            "p90": s.p90, "p90_low": s.p90_low, "p90_high": s.p90_high,
            "naive_median": s.naive_median,
        })
    })
}

fn calls_json(c: &CallSnapshot) -> Value {
    // In this CSV format ended − answered already includes the hold: AHT = that + wrap,
    // which is the crate's definition (hold lies inside the connected time).
    json!({
        "offered": c.offered,
        "answered": c.answered,
        "short_abandons": c.short_abandons,
        "asa": c.asa.mean,
        "abandon_rate": c.abandonment_rate,
        "service_level_20s": c.service_level,
        "aht": c.aht.mean,
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
    let wall = Instant::now();
    let shards = options.threads as u64;
    let results: Vec<Result<Shard, String>> = if shards == 1 {
        vec![run_shard(
            &options.dir,
            options.calendar.clone(),
            0,
            1,
            true,
        )]
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..shards)
                .map(|shard| {
                    let dir = &options.dir;
                    let calendar = options.calendar.clone();
                    scope.spawn(move || run_shard(dir, calendar, shard, shards, shard == 0))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err("a shard thread panicked".into()))
                })
                .collect()
        })
    };
    let mut shards_done = Vec::with_capacity(results.len());
    for r in results {
        match r {
            Ok(s) => shards_done.push(s),
            Err(e) => {
                eprintln!("replay: {e}");
                return ExitCode::from(1);
            }
        }
    }
    // The shards ran side by side: the crate's time is the slowest shard's, plus the merge.
    let mut compute = shards_done
        .iter()
        .map(|s| s.compute)
        .max()
        .unwrap_or_default();
    let mut first = shards_done.remove(0);
    let merge = Instant::now();
    for other in &shards_done {
        if let Err(e) = first.tracker.merge(&other.tracker) {
            eprintln!("replay: {e}");
            return ExitCode::from(1);
        }
        for (reason, n) in &other.rejected.0 {
            *first.rejected.0.entry(reason.clone()).or_insert(0) += n;
        }
        if other.teams.0.len() > first.teams.0.len() {
            first.teams.0.clone_from(&other.teams.0);
        }
    }
    let report: TrackerSnapshot<Option<TeamId>> = first.tracker.snapshot();
    let s = first.surveys.snapshot();
    compute += merge.elapsed();

    let mut rejected = first.rejected;
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
                .and_then(|t| first.teams.0.get(t.0 as usize - 1).cloned())
                .unwrap_or_else(|| "(none)".into());
            (name, lifecycle_json(snap))
        })
        .collect();
    let [tickets, events, survey_rows, call_rows] = first.rows;
    let extra = Instant::now();
    let extras = extras(&options.dir, &mut rejected);
    compute += extra.elapsed();
    let compute_seconds = compute.as_secs_f64();
    let mut out = json!({
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
        "calls": calls_json(&first.calls.snapshot()),
        "compute_seconds": compute_seconds,
    });
    if let Some(map) = out.as_object_mut() {
        map.extend(extras);
    }

    let mut stdout = io::stdout().lock();
    let written = if options.table {
        print_table(&mut stdout, &out)
    } else {
        serde_json::to_writer_pretty(&mut stdout, &out)
            .map_err(io::Error::other)
            .and_then(|_| writeln!(stdout))
    };
    if let Err(e) = written {
        if e.kind() != io::ErrorKind::BrokenPipe {
            eprintln!("replay: {e}");
            return ExitCode::from(1);
        }
    }
    if options.stats {
        eprintln!(
            "wall {:.3} s, compute {:.3} s ({:.1} M events/s in the crate), threads {}, tickets in play at the end {}, peak resident memory {} MiB",
            wall.elapsed().as_secs_f64(),
            compute_seconds,
            events as f64 / compute_seconds / 1e6,
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

/// The agents and retention sections, from the optional files of DIR.
fn extras(dir: &Path, rejected: &mut Rejected) -> serde_json::Map<String, Value> {
    use csm_metrics::Granularity;
    use csm_metrics::metrics::agents::{Adherence, AgentStates};
    use csm_metrics::metrics::retention::Accounts;
    use csm_metrics_synth::format::{parse_account, parse_agent_state, parse_scheduled};
    let mut out = serde_json::Map::new();
    let read = |name: &str| -> Option<Vec<String>> {
        let mut rows = Rows::open(&dir.join(name)).ok()?;
        let mut all = Vec::new();
        while let Some(line) = rows.next_line() {
            all.push(line);
        }
        Some(all)
    };
    if let Some(lines) = read("agent_states.csv") {
        let mut schedule = Vec::new();
        for line in read("schedule.csv").unwrap_or_default() {
            match parse_scheduled(&fields(&line)) {
                Ok(a) => schedule.push(a),
                Err(reason) => rejected.add(reason),
            }
        }
        let adherence = Adherence::new(schedule, 0, chrono::Utc);
        let mut adherence = match adherence {
            Ok(a) => Some(a),
            Err(e) => {
                rejected.add(format!("schedule: {e}"));
                None
            }
        };
        let mut states = AgentStates::default();
        for line in &lines {
            match parse_agent_state(&fields(line)) {
                Ok(r) => {
                    if let Err(e) = states.observe(&r) {
                        rejected.add(format!(
                            "agent_states: {}",
                            e.rule().map_or("invalid".into(), |r| r.to_string())
                        ));
                        continue;
                    }
                    if let Some(a) = adherence.as_mut() {
                        if let Err(e) = a.observe(&r) {
                            rejected.add(format!(
                                "agent_states: {}",
                                e.rule().map_or("invalid".into(), |r| r.to_string())
                            ));
                        }
                    }
                }
                Err(reason) => rejected.add(reason),
            }
        }
        let s = states.snapshot();
        let a = adherence.map(|a| a.snapshot().overall);
        out.insert(
            "agents".into(),
            json!({
                "states": lines.len(),
                "occupancy": s.occupancy,
                "logged_in_hours": s.logged_in as f64 / 3_600.0,
                "adherence": a.and_then(|a| a.adherence),
                "conformance": a.and_then(|a| a.conformance),
                "scheduled_hours": a.map(|a| a.scheduled as f64 / 3_600.0),
            }),
        );
    }
    if let Some(lines) = read("accounts.csv") {
        let mut accounts = Accounts::default();
        let (mut first, mut last) = (i64::MAX, i64::MIN);
        for line in &lines {
            match parse_account(&fields(line)) {
                Ok(e) => match accounts.observe(&e) {
                    Ok(()) => {
                        first = first.min(e.at.timestamp());
                        last = last.max(e.at.timestamp());
                    }
                    Err(err) => rejected.add(format!(
                        "accounts: {}",
                        err.rule().map_or("invalid".into(), |r| r.to_string())
                    )),
                },
                Err(reason) => rejected.add(reason),
            }
        }
        let month_of = |t: i64| {
            use chrono::Datelike;
            let at = chrono::DateTime::from_timestamp(t, 0).unwrap_or_default();
            chrono::NaiveDate::from_ymd_opt(at.year(), at.month(), 1)
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map_or(at, |d| d.and_utc())
        };
        let mut months = Vec::new();
        if first <= last {
            let mut m = month_of(first);
            let end = last;
            while m.timestamp() <= end {
                let next = month_of(m.timestamp() + 32 * 86_400);
                let p = accounts.period(m, next);
                months.push(json!({
                    "month": m.format("%Y-%m").to_string(),
                    "at_start": p.at_start, "new": p.new, "at_end": p.at_end, "churned": p.churned,
                    "retention_rate": p.retention_rate, "churn_rate": p.churn_rate,
                    "net_revenue_retention": p.net_revenue_retention,
                    "gross_revenue_retention": p.gross_revenue_retention,
                    "saved": p.saved, "lost": p.lost,
                }));
                m = next;
            }
        }
        let until = chrono::DateTime::from_timestamp(last.max(0), 0).unwrap_or_default();
        let cohorts: Vec<Value> = accounts
            .cohorts(Granularity::Month, &chrono::Utc, until)
            .into_iter()
            .map(|r| json!({"cohort": r.cohort.format("%Y-%m").to_string(), "customers": r.customers, "retained": r.retained}))
            .collect();
        out.insert(
            "retention".into(),
            json!({"customers": accounts.customers(), "months": months, "cohorts": cohorts}),
        );
    }
    out
}
