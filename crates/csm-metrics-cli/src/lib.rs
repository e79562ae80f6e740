//! `csm-metrics`: every support metric from a help desk's history on disk.
//!
//! ```text
//! csm-metrics report  --from csv|parquet|zendesk|fivetran-zendesk|freshdesk|servicenow|xes PATH
//!                     [--calendar FILE] [--zone AREA/CITY] [--mapping FILE]
//!                     [--group-by team,assignee,channel,priority] [--as-of INSTANT]
//!                     [--window hour|day|week|month] [--sla FILE] [--group-sla FILE]
//!                     [--format json|table|csv|html] [--output FILE] [--threads N] [--stats]
//! csm-metrics tickets --from csv|parquet|zendesk|fivetran-zendesk|freshdesk|servicenow|xes PATH
//!                     [--calendar FILE] [--zone AREA/CITY] [--mapping FILE] [--threads N]
//! csm-metrics convert --from csv PATH --to DIR
//! csm-metrics staffing --contacts N --aht-seconds S [--interval-minutes 30] [--target-level 0.8]
//!                     [--target-seconds 20] [--max-occupancy 1] [--shrinkage 0]
//!                     [--patience-seconds P] [--agents N] [--format table|json|csv]
//! csm-metrics staffing --forecast FILE.csv [the same targets] [--shifts FILE] [--chart FILE.svg]
//! csm-metrics staffing --calls calls.csv [--next-week] [--zone AREA/CITY] [--patience-from-calls]
//!                     [--concurrency K] [--shifts FILE] [--time-limit S] [--chart FILE.svg]
//! csm-metrics forecast --calls calls.csv [--until INSTANT] [--horizon 7d] [--interval 30m]
//!                     [--zone AREA/CITY] [--holidays DATES] [--format table|json|csv]
//! ```

#![forbid(unsafe_code)]

mod convert;
mod daily;
mod forecast;
mod groups;
mod html;
mod json;
mod progress;
mod source;
mod staffing;
mod tickets;
mod workforce;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Utc};
use clap::{Args, Parser, Subcommand, ValueEnum};
use csm_metrics::metrics::sla::{SlaConfig, SlaPolicies, SlaSnapshot, SlaTracker};
use csm_metrics::metrics::tickets::{
    ByTeam, Overall, TicketGrouping, TicketTracker, TrackerConfig, TrackerSnapshot,
};
use csm_metrics::{BusinessClock, Calculator};
use csm_metrics_io::history::{Format as Files, History, Names, ReadOptions, TicketSink};
use csm_metrics_io::{ImportReport, Table};
use serde_json::{Value, json};

use csm_metrics_io::freshdesk::Freshdesk;
use csm_metrics_io::servicenow::ServiceNow;
use csm_metrics_io::xes::{Xes, XesMapping};
use csm_metrics_io::zendesk::api::ApiExport;
use csm_metrics_io::zendesk::fivetran::Fivetran;
use groups::{Dim, GroupBy, GroupKey};
use source::Source;

#[derive(Parser)]
#[command(
    name = "csm-metrics",
    version,
    about = "Every support metric from a help desk's history on disk."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Every ticket, survey and call figure of a history, overall and per group.
    Report(ReportArgs),
    /// One row per ticket with its own figures (CSV on stdout).
    Tickets(InputArgs),
    /// Writes any input as the Parquet form of the history format (every row the reader
    /// accepts, typed; an export's team, priority and tag changes kept), for faster
    /// reports and for SQL engines.
    Convert(ConvertArgs),
    /// How many agents a queue needs: Erlang C (Erlang A with --patience-seconds), for one
    /// interval or every interval of a forecast.
    Staffing(staffing::StaffingArgs),
    /// Contacts and handle time per interval for the days after a call log (weekly and
    /// intraday seasonality, level and trend), scored against held-out calls.
    Forecast(forecast::ForecastArgs),
}

#[derive(Args)]
struct ConvertArgs {
    #[command(flatten)]
    input: InputArgs,
    /// The directory to write tickets.parquet, events.parquet (surveys, calls) into.
    #[arg(long, value_name = "DIR")]
    to: PathBuf,
}

/// Where the history is and how to read it.
#[derive(Args)]
struct InputArgs {
    /// The format of PATH.
    #[arg(long, value_enum, default_value_t = From::Csv)]
    from: From,
    /// The history: for `csv`, a directory with tickets.csv and events.csv (surveys.csv
    /// and calls.csv optional); for `fivetran-zendesk`, a directory with ticket.csv and
    /// user.csv (ticket_comment.csv, ticket_field_history.csv, group.csv optional); for
    /// `zendesk`, a directory of API pages (tickets*.json, users*.json required).
    path: PathBuf,
    /// A business calendar (a JSON spec, as examples/new_york_2025.json): business-time
    /// figures are added. A Zendesk export with schedules (a Fivetran schedule table, API
    /// schedules*.json pages) uses its own schedule without this.
    #[arg(long, value_name = "FILE")]
    calendar: Option<PathBuf>,
    /// The schedule of a Zendesk export to count business time in (its id or name);
    /// default: the one most tickets are on (Fivetran), the first listed (API).
    #[arg(long, value_name = "ID|NAME", conflicts_with = "calendar")]
    schedule: Option<String>,
    /// Threads: tickets are split by id over as many shards, events parsed by as many.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=256))]
    threads: u16,
    /// Sort the input even if it looks in time order.
    #[arg(long)]
    sort: bool,
    /// The time zone (IANA name, as Europe/Rome) of an export whose times are local
    /// wall-clock times without an offset (ServiceNow's, an XES log's), and of --window;
    /// UTC by default.
    #[arg(long, value_name = "AREA/CITY")]
    zone: Option<String>,
    /// How an XES log's attributes and activities map onto tickets (a TOML file, as
    /// examples/mappings/helpdesk.toml); required with --from xes.
    #[arg(long, value_name = "FILE")]
    mapping: Option<PathBuf>,
    /// What a binding hands over beside the arguments.
    #[arg(skip)]
    given: Given,
}

/// What a binding hands [`report_json_with`] beside the command's arguments: the history as
/// tables in memory, and the specs as JSON text rather than files.
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct Given {
    /// The history as Arrow tables in memory ([`History::from_arrow`]); PATH is then only
    /// a label.
    pub history: Option<History>,
    /// A business calendar spec (JSON, as `--calendar`'s file holds).
    pub calendar: Option<String>,
    /// SLA policies (JSON, as `--sla`'s file holds).
    pub sla: Option<String>,
    /// Group SLA policies (JSON, as `--group-sla`'s file holds).
    pub group_sla: Option<String>,
}

impl Given {
    /// Nothing given: the arguments say it all.
    pub fn new() -> Given {
        Given::default()
    }

    /// The history as tables in memory.
    pub fn history(self, history: History) -> Given {
        Given {
            history: Some(history),
            ..self
        }
    }

    /// A business calendar spec.
    pub fn calendar(self, json: impl Into<String>) -> Given {
        Given {
            calendar: Some(json.into()),
            ..self
        }
    }

    /// SLA policies.
    pub fn sla(self, json: impl Into<String>) -> Given {
        Given {
            sla: Some(json.into()),
            ..self
        }
    }

    /// Group SLA policies.
    pub fn group_sla(self, json: impl Into<String>) -> Given {
        Given {
            group_sla: Some(json.into()),
            ..self
        }
    }
}

/// A spec (calendar, SLA policies) in a file or as JSON text, or SLA policies an export
/// carries.
#[derive(Clone)]
enum Spec<'a> {
    File(&'a std::path::Path),
    Json(&'a str),
    Policies(Vec<csm_metrics::metrics::sla::Policy>),
}

impl<'a> Spec<'a> {
    /// The JSON text given, else the file named.
    fn either(json: Option<&'a str>, file: Option<&'a std::path::Path>) -> Option<Spec<'a>> {
        json.map(Spec::Json).or(file.map(Spec::File))
    }

    fn policies(&self) -> csm_metrics_io::Result<Vec<csm_metrics::metrics::sla::Policy>> {
        match self {
            Spec::File(path) => csm_metrics_io::sla::read(path),
            Spec::Json(json) => csm_metrics_io::sla::parse(json),
            Spec::Policies(p) => Ok(p.clone()),
        }
    }
}

#[derive(Args)]
struct ReportArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Groups reported beside the overall figures, comma-separated.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "team")]
    group_by: Vec<Dim>,
    /// Figures per window of creation (cohorts: "of tickets created that week…"), in
    /// --zone (UTC by default), as a `by_window` section keyed by the window's local start;
    /// each window against the one before. `--format html` defaults to weeks.
    #[arg(long, value_enum)]
    window: Option<groups::WindowLength>,
    /// The instant ages are dated at (RFC 3339 or Unix seconds); default: the latest
    /// instant in the input.
    #[arg(long, value_name = "INSTANT", value_parser = parse_instant)]
    as_of: Option<DateTime<Utc>>,
    /// SLA policies (a JSON spec; csm_metrics_io::sla documents it): an `sla` section with
    /// each target's attainment, in the report's business calendar for business targets.
    #[arg(long, value_name = "FILE")]
    sla: Option<PathBuf>,
    /// Group SLA policies (operational level agreements: `group_ownership` targets, each
    /// policy's `teams` naming its groups; the same JSON spec): a `group_sla` section with
    /// how long each group owned tickets against its target, tracked apart from `--sla`
    /// (Zendesk's group SLAs are separate policies).
    #[arg(long, value_name = "FILE")]
    group_sla: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Json)]
    format: Format,
    /// Write the report to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Print wall time and peak memory to stderr.
    #[arg(long)]
    stats: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum From {
    /// The crate's own history format in CSV (version 1; docs/HISTORY_FORMAT.md).
    Csv,
    /// The same tables in Apache Parquet (tickets.parquet, events.parquet…), as `convert`
    /// writes them.
    Parquet,
    /// The Fivetran Zendesk warehouse schema as CSV (ticket.csv, ticket_comment.csv,
    /// ticket_field_history.csv, user.csv, group.csv; dbt_zendesk's seed names too).
    FivetranZendesk,
    /// Zendesk's API exports as JSON pages or JSON lines (tickets*, ticket_events* with
    /// the comment_events sideload, users*, groups*).
    Zendesk,
    /// Freshdesk's API exports as JSON (tickets*, conversations*, agents*, groups*, and
    /// the ticket activities export, ticket_activities*, for exact status history).
    Freshdesk,
    /// A ServiceNow incident audit export: PATH is the CSV file (plain or gzip), its local
    /// times read in --zone.
    Servicenow,
    /// An XES event log (IEEE 1849; plain or gzip): PATH is the file, mapped through
    /// --mapping.
    Xes,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Json,
    Table,
    Csv,
    /// One self-contained page with charts (inline SVG, no script, no network fetch).
    Html,
}

fn parse_instant(s: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(n) = s.parse::<i64>() {
        return DateTime::from_timestamp(n, 0).ok_or_else(|| format!("{n} is out of range"));
    }
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("not RFC 3339 nor Unix seconds: {e}"))
}

/// What stops a command.
pub type Failure = Box<dyn std::error::Error>;

/// The command: parses the process's arguments, runs the subcommand, prints errors as
/// `csm-metrics: …` (exit code 1; clap's usage errors exit with 2).
pub fn main() -> ExitCode {
    run(std::env::args_os())
}

/// The command for `arguments` (the program's name first, as `std::env::args_os` gives):
/// what [`main`] runs, for a program that wraps the command (the repository's `replay` and
/// `servicenow` examples). Prints as the command does; usage errors exit with 2.
pub fn run<I, T>(arguments: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match Cli::try_parse_from(arguments) {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version are printed on stdout with success; errors on stderr.
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    let result = match cli.command {
        Command::Report(args) => report(&args),
        Command::Tickets(args) => tickets::run(&args),
        Command::Convert(args) => convert(&args),
        Command::Staffing(args) => staffing::run(&args),
        Command::Forecast(args) => forecast::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if let Some(io) = e.downcast_ref::<std::io::Error>() {
                if io.kind() == std::io::ErrorKind::BrokenPipe {
                    return ExitCode::SUCCESS;
                }
            }
            eprintln!("csm-metrics: {e}");
            ExitCode::from(1)
        }
    }
}

impl InputArgs {
    fn config(&self) -> Result<TrackerConfig, Failure> {
        let spec = Spec::either(self.given.calendar.as_deref(), self.calendar.as_deref());
        let calendar: Option<Arc<dyn BusinessClock>> = match (spec, self.source()?) {
            (Some(Spec::Json(json)), _) => Some(Arc::new(csm_metrics_io::calendar::parse(json)?)),
            (Some(Spec::File(path)), _) => Some(Arc::new(csm_metrics_io::calendar::read(path)?)),
            // A Zendesk export's own schedule (Fivetran tables or API pages): the one
            // named, else the default.
            (None, source) => {
                let (options, mut report) = (self.options(), ImportReport::default());
                match source.zendesk_schedule(self.schedule.as_deref(), &options, &mut report)? {
                    Some(schedule) => Some(Arc::new(announce(schedule, &report)?.calendar)),
                    None => None,
                }
            }
            (Some(Spec::Policies(_)), _) => None,
        };
        if self.schedule.is_some()
            && !matches!(self.source()?, Source::Zendesk(_) | Source::ZendeskApi(_))
        {
            return Err("--schedule names a schedule of a Zendesk export (--from fivetran-zendesk or zendesk)".into());
        }
        let config = TrackerConfig {
            calendar,
            ..TrackerConfig::default()
        };
        Ok(self.source()?.configure(config))
    }

    fn options(&self) -> ReadOptions {
        ReadOptions {
            shards: usize::from(self.threads),
            parsers: usize::from(self.threads),
            always_sort: self.sort,
            ..ReadOptions::default()
        }
    }

    fn source(&self) -> Result<Source, Failure> {
        if let Some(history) = &self.given.history {
            return Ok(Source::History(history.clone()));
        }
        Ok(match self.from {
            From::Csv => Source::History(History::open_as(&self.path, Files::Csv)?),
            From::Parquet => Source::History(History::open_as(&self.path, Files::Parquet)?),
            From::FivetranZendesk => Source::Zendesk(Fivetran::open(&self.path)?),
            From::Zendesk => Source::ZendeskApi(ApiExport::open(&self.path)?),
            From::Freshdesk => Source::Freshdesk(Freshdesk::open(&self.path)?),
            From::Servicenow => {
                Source::ServiceNow(ServiceNow::open(&self.path)?.in_zone(self.zone()?))
            }
            From::Xes => {
                let Some(mapping) = &self.mapping else {
                    return Err("--from xes needs --mapping FILE: how the log's activities map onto tickets (examples/mappings/ has two)".into());
                };
                let mapping = XesMapping::from_toml_file(mapping)?;
                Source::Xes(
                    Xes::open(&self.path)?
                        .with_mapping(mapping)
                        .in_zone(self.zone()?),
                )
            }
        })
    }

    fn zone(&self) -> Result<chrono_tz::Tz, Failure> {
        Ok(match &self.zone {
            Some(name) => name
                .parse::<chrono_tz::Tz>()
                .map_err(|_| format!("--zone: no time zone named {name:?}"))?,
            None => chrono_tz::UTC,
        })
    }
}

/// What [`track`] gives: the merged snapshot, the import report, team names and (where
/// the source names agents) agent names.
struct Tracked<K: Ord> {
    snapshot: TrackerSnapshot<K>,
    /// The snapshot of each SLA policy set, in the order given.
    sla: Vec<SlaSnapshot>,
    import: ImportReport,
    teams: Names,
    agents: Option<Names>,
    /// The daily volume and backlog, when asked.
    daily: Option<daily::Daily<K>>,
}

/// One shard's trackers: the ticket tracker, and the SLA tracker when policies are given.
struct Shard<G: TicketGrouping> {
    tickets: TicketTracker<G>,
    sla: Vec<SlaTracker>,
    daily: Option<daily::Daily<G::Key>>,
}

impl<G: TicketGrouping + Send> TicketSink for Shard<G> {
    fn ticket(&mut self, ticket: &csm_metrics::Ticket, report: &mut ImportReport) {
        if let Some(d) = &mut self.daily {
            d.pass(ticket.created_at.timestamp(), &self.tickets);
        }
        self.tickets.ticket(ticket, report);
        for s in &mut self.sla {
            s.ticket(ticket, report);
        }
    }

    fn interaction(&mut self, i: &csm_metrics::Interaction, report: &mut ImportReport) {
        if let Some(d) = &mut self.daily {
            d.pass(i.at.timestamp(), &self.tickets);
        }
        self.tickets.interaction(i, report);
        for s in &mut self.sla {
            s.interaction(i, report);
        }
    }
}

/// The tickets of a history through one tracker per shard, merged.
fn track<G: TicketGrouping + Sync>(
    input: &InputArgs,
    history: &Source,
    grouping: G,
    as_of: Option<DateTime<Utc>>,
    sla: &[Spec<'_>],
    daily: Option<chrono_tz::Tz>,
) -> Result<Tracked<G::Key>, Failure> {
    let config = input.config()?;
    // Checked once, so the shards' `make` cannot fail.
    TicketTracker::new(config.clone(), grouping.clone())?;
    let mut configs = Vec::new();
    for spec in sla {
        let policies = SlaPolicies::new(spec.policies()?, config.calendar.clone())?;
        // The same first-reply rule as the tickets' (Zendesk's, for a Zendesk export).
        configs.push(SlaConfig {
            outbound: config.outbound,
            ..SlaConfig::new(policies)
        });
    }
    let mut options = input.options();
    let bar = progress::Bar::start(history.ticket_bytes(), &mut options);
    let read = history.read_tickets(&options, |_| Shard {
        tickets: TicketTracker::new(config.clone(), grouping.clone())
            .unwrap_or_else(|_| unreachable!("checked above")),
        sla: configs
            .iter()
            .map(|c| SlaTracker::with_config(c.clone(), Overall))
            .collect(),
        daily: daily.map(daily::Daily::new),
    })?;
    bar.finish();
    let (mut shards, report, teams) = (read.sinks, read.import, read.teams);
    // Each shard's days up to the latest instant of them all, then summed.
    let latest = shards.iter().filter_map(|s| s.tickets.latest()).max();
    if let Some(latest) = latest {
        for s in &mut shards {
            if let Some(d) = &mut s.daily {
                d.finish(latest.timestamp(), &s.tickets);
            }
        }
    }
    let mut all = shards.pop().ok_or("no shard")?;
    for s in &shards {
        all.tickets.merge(&s.tickets)?;
        for (a, b) in all.sla.iter_mut().zip(&s.sla) {
            a.merge(b)?;
        }
        if let (Some(a), Some(b)) = (&mut all.daily, &s.daily) {
            a.merge(b);
        }
    }
    let snapshot = match as_of {
        Some(t) => all.tickets.snapshot_at(t),
        None => all.tickets.snapshot(),
    };
    let sla = all
        .sla
        .iter()
        .map(|s| match as_of {
            Some(t) => s.snapshot_at(t),
            None => s.snapshot(),
        })
        .collect();
    Ok(Tracked {
        snapshot,
        sla,
        import: report,
        teams,
        agents: read.agents,
        daily: all.daily,
    })
}

/// What a report computed, before it is printed.
struct Computed {
    out: Value,
    buckets: Value,
    days: Option<Value>,
    side_windows: Option<source::SideWindows>,
    event_rows: u64,
    in_play: u64,
    wall: Instant,
}

/// The `report` subcommand's JSON (the replay report's shape: `input`, `tickets`,
/// `surveys`, `calls`, and the sections options add) for its command-line arguments after
/// `report` (`["tests/data/sample_slice", "--threads", "2"]`): what `csm-metrics report
/// --format json` prints. For bindings (the Python package's `report_files`).
pub fn report_json<I, T>(arguments: I) -> Result<Value, Failure>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    report_json_with(Given::new(), arguments)
}

/// [`report_json`] with what a binding holds in memory: tables for the history (PATH in
/// `arguments` is then a label), JSON specs for the calendar and the SLA policies (in
/// place of `--calendar`, `--sla`, `--group-sla`). The Python package's `report`.
pub fn report_json_with<I, T>(given: Given, arguments: I) -> Result<Value, Failure>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let argv = ["csm-metrics", "report"]
        .into_iter()
        .map(std::ffi::OsString::from)
        .chain(arguments.into_iter().map(Into::into));
    let cli = Cli::try_parse_from(argv).map_err(|e| e.to_string())?;
    match cli.command {
        Command::Report(mut args) => {
            args.input.given = given;
            Ok(compute(&args)?.out)
        }
        _ => Err("not a report".into()),
    }
}

fn report(args: &ReportArgs) -> Result<(), Failure> {
    let Computed {
        out,
        buckets,
        days,
        side_windows,
        event_rows,
        in_play,
        wall,
    } = compute(args)?;
    print_report(args, &out, &buckets, days, side_windows.as_ref())?;
    if args.stats {
        eprintln!(
            "wall {:.3} s, {:.1} M events/s end to end, threads {}, tickets in play at the end {}, peak resident memory {} MiB",
            wall.elapsed().as_secs_f64(),
            event_rows as f64 / wall.elapsed().as_secs_f64() / 1e6,
            args.input.threads,
            in_play,
            progress::peak_rss_kib().map_or("?".into(), |k| (k / 1024).to_string())
        );
    }
    Ok(())
}

fn compute(args: &ReportArgs) -> Result<Computed, Failure> {
    let wall = Instant::now();
    let history = args.input.source()?;
    let dims = {
        let mut d = args.group_by.clone();
        d.dedup();
        d
    };
    // Surveys and calls on their own thread, beside the tickets.
    let side = {
        let (history, options) = (history.clone(), args.input.options());
        let windows = match args.format {
            Format::Html => Some(args.input.zone()?),
            _ => None,
        };
        std::thread::spawn(move || history.side_in(&options, windows))
    };
    // Each SLA policy set and the report section it fills.
    let given = &args.input.given;
    let (sla_sections, sla_specs): (Vec<&str>, Vec<Spec<'_>>) = [
        (
            "sla",
            Spec::either(given.sla.as_deref(), args.sla.as_deref())
                .map_or_else(|| export_policies(&history, &args.input), |s| Ok(Some(s)))?,
        ),
        (
            "group_sla",
            Spec::either(given.group_sla.as_deref(), args.group_sla.as_deref()),
        ),
    ]
    .into_iter()
    .filter_map(|(name, spec)| Some((name, spec?)))
    .unzip();
    // The HTML page compares the latest full week with the one before unless told otherwise.
    let window = match args
        .window
        .or((args.format == Format::Html).then_some(groups::WindowLength::Week))
    {
        Some(w) => Some((w, args.input.zone()?)),
        None => None,
    };
    // The HTML page plots the volume and backlog per local day.
    let daily_zone = match args.format {
        Format::Html => Some(args.input.zone()?),
        _ => None,
    };
    let ((overall, buckets, days), sections, in_play, mut import, sla) = if dims == [Dim::Team]
        && window.is_none()
    {
        // The common case on its own grouping: one key per ticket, no dispatch.
        let Tracked {
            snapshot: s,
            import,
            teams,
            sla,
            daily,
            ..
        } = track(
            &args.input,
            &history,
            ByTeam,
            args.as_of,
            &sla_specs,
            daily_zone,
        )?;
        let days = daily.map(|d| d.rows(|team| Some(groups::team_name(*team, &teams))));
        let by_team: serde_json::Map<String, Value> = s
            .groups
            .iter()
            .filter(|(_, snap)| !empty(snap))
            .map(|(team, snap)| (groups::team_name(*team, &teams), json::lifecycle(snap)))
            .collect();
        let mut sections = serde_json::Map::new();
        sections.insert("by_team".into(), Value::Object(by_team));
        let import = with_tracker(import, &s.ingest.rejected);
        (
            (json::lifecycle(&s.overall), json::buckets(&s.overall), days),
            sections,
            s.in_play,
            import,
            sla,
        )
    } else {
        // The tracker keeps tickets' tags only when grouping by tag asks for them.
        let run = Grouped {
            args,
            history: &history,
            dims: &dims,
            window,
            sla: &sla_specs,
            daily: daily_zone,
        };
        let tracked = if dims.contains(&Dim::Tag) {
            run.track::<true>()?
        } else {
            run.track::<false>()?
        };
        let Tracked {
            snapshot: s,
            import,
            teams,
            agents,
            sla,
            daily,
        } = tracked;
        // Per team where teams are grouped (the other keys are not plotted per day).
        let days = daily.map(|d| {
            d.rows(|key| match key {
                GroupKey::Team(t) => Some(groups::team_name(*t, &teams)),
                _ => None,
            })
        });
        let mut sections = serde_json::Map::new();
        if window.is_some() {
            sections.insert("by_window".into(), Value::Object(serde_json::Map::new()));
        }
        for d in &dims {
            sections.insert(
                format!("by_{}", d.as_str()),
                Value::Object(serde_json::Map::new()),
            );
        }
        // Windows in time order, each against the one before it.
        let mut windows: Vec<(i64, &csm_metrics::metrics::tickets::LifecycleSnapshot)> = s
            .groups
            .iter()
            .filter_map(|(key, snap)| match key {
                GroupKey::Window(start) if !empty(snap) => Some((*start, snap)),
                _ => None,
            })
            .collect();
        windows.sort_by_key(|(start, _)| *start);
        let previous: std::collections::HashMap<
            i64,
            &csm_metrics::metrics::tickets::LifecycleSnapshot,
        > = windows
            .windows(2)
            .map(|pair| (pair[1].0, pair[0].1))
            .collect();
        for (key, snap) in s.groups.iter().filter(|(_, snap)| !empty(snap)) {
            let (section, name) = match key {
                GroupKey::Team(t) => ("by_team", groups::team_name(*t, &teams)),
                GroupKey::Assignee(a) => ("by_assignee", groups::agent_name(*a, agents.as_ref())),
                GroupKey::Channel(c) => ("by_channel", c.as_str().to_string()),
                GroupKey::Priority(p) => ("by_priority", p.as_str().to_string()),
                GroupKey::Tag(t) => ("by_tag", groups::tag_name(*t, &teams)),
                GroupKey::Window(start) => match window {
                    Some((w, zone)) => ("by_window", w.name(*start, zone)),
                    None => continue,
                },
            };
            let mut figures = json::lifecycle(snap);
            if let GroupKey::Window(start) = key {
                if let Some(before) = previous.get(start) {
                    figures["vs_previous"] = json::versus(snap, before);
                }
            }
            if let Some(Value::Object(m)) = sections.get_mut(section) {
                m.insert(name, figures);
            }
        }
        let import = with_tracker(import, &s.ingest.rejected);
        (
            (json::lifecycle(&s.overall), json::buckets(&s.overall), days),
            sections,
            s.in_play,
            import,
            sla,
        )
    };
    let (surveys, calls, others, side_windows, workforce) = match side.join() {
        Ok(done) => done?,
        Err(_) => return Err("the survey and call reader stopped".into()),
    };
    import.merge(&others);
    let compute_seconds = wall.elapsed().as_secs_f64();

    let mut tickets = serde_json::Map::new();
    tickets.insert("overall".into(), overall);
    tickets.extend(sections);
    let rejected: serde_json::Map<String, Value> = import
        .rejected
        .iter()
        .map(|(r, n)| (r.to_string(), json!(n)))
        .collect();
    let (ticket_rows, event_rows) = history.counts(&import);
    let out = json!({
        "input": {
            "tickets": ticket_rows,
            "events": event_rows,
            "surveys": import.rows_of(Table::Surveys)
                + import.rows_of(Table::Source("satisfaction_ratings")),
            "calls": import.rows_of(Table::Calls),
            "rejected": rejected,
            "ordering": match import.ordering {
                csm_metrics_io::Ordering::Streamed => json!("streamed"),
                csm_metrics_io::Ordering::Sorted { runs } => json!({"sorted_runs": runs}),
            },
        },
        "tickets": tickets,
        "surveys": json::surveys(&surveys.snapshot()),
        "calls": json::calls(&calls.snapshot()),
        "compute_seconds": compute_seconds,
    });
    let mut out = out;
    for (name, snap) in sla_sections.iter().zip(&sla) {
        out[*name] = json::sla(snap);
    }
    if let Value::Object(m) = &mut out {
        m.extend(workforce);
    }
    Ok(Computed {
        out,
        buckets,
        days,
        side_windows,
        event_rows,
        in_play,
        wall,
    })
}

/// What a report grouped by `--group-by` and `--window` tracks with.
struct Grouped<'a> {
    args: &'a ReportArgs,
    history: &'a Source,
    dims: &'a [Dim],
    window: Option<(groups::WindowLength, chrono_tz::Tz)>,
    sla: &'a [Spec<'a>],
    daily: Option<chrono_tz::Tz>,
}

impl Grouped<'_> {
    /// Tracks by the dimensions asked for; `TAGS`: whether tags are among them.
    fn track<const TAGS: bool>(&self) -> Result<Tracked<GroupKey>, Failure> {
        let grouping = GroupBy::<TAGS>::new(self.dims, self.window);
        let a = self.args;
        track(
            &a.input,
            self.history,
            grouping,
            a.as_of,
            self.sla,
            self.daily,
        )
    }
}

fn print_report(
    args: &ReportArgs,
    out: &Value,
    buckets: &Value,
    days: Option<Value>,
    side_windows: Option<&source::SideWindows>,
) -> Result<(), Failure> {
    let sink: Box<dyn Write> = match &args.output {
        Some(path) => {
            Box::new(std::fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))?)
        }
        None => Box::new(std::io::stdout().lock()),
    };
    let mut stdout = std::io::BufWriter::new(sink);
    match args.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut stdout, &out)?;
            writeln!(stdout)?;
        }
        Format::Table => json::table(&mut stdout, out)?,
        Format::Csv => json::csv(&mut stdout, out)?,
        Format::Html => {
            let mut days = days.unwrap_or(Value::Null);
            if let Some(w) = side_windows {
                days = serde_json::json!({"tickets": days, "weeks": json::weeks(&w.weeks), "calls": json::call_days(&w.days)});
            } else {
                days = serde_json::json!({"tickets": days});
            }
            let drawn = Instant::now();
            let page = html::page(out, buckets, &days, "Support report");
            stdout.write_all(page.as_bytes())?;
            if args.stats {
                eprintln!(
                    "html page of {} KiB drawn and written in {:.3} s",
                    page.len() / 1024,
                    drawn.elapsed().as_secs_f64()
                );
            }
        }
    }
    stdout.flush()?;
    Ok(())
}

/// A group every ticket left (moved to another team, say): nothing to report.
fn empty(s: &csm_metrics::metrics::tickets::LifecycleSnapshot) -> bool {
    s.tickets == 0 && s.solved == 0 && s.unanswered == 0 && s.backlog == 0
}

/// The import report with the tracker's refusals under `events`.
fn with_tracker(
    mut import: ImportReport,
    rejected: &std::collections::BTreeMap<csm_metrics::metrics::tickets::RejectReason, u64>,
) -> ImportReport {
    for (reason, n) in rejected {
        import.reject_n(Table::Events, csm_metrics_io::Rule::Tracker(*reason), *n);
    }
    import
}

fn convert(args: &ConvertArgs) -> Result<(), Failure> {
    let source = args.input.source()?;
    let report = convert::run(&source, &args.input.options(), &args.to)?;
    eprintln!(
        "wrote {} tickets and {} events to {} ({} rows turned away)",
        report.rows_of(Table::Tickets),
        report.rows_of(Table::Events),
        args.to.display(),
        report.rejected_total()
    );
    for (r, n) in &report.rejected {
        eprintln!("  {r}: {n}");
    }
    Ok(())
}

/// The schedule business time is counted in, said on stderr with the schedule rows turned
/// away; an error if the export's schedules hold none.
fn announce(
    schedule: Option<csm_metrics_io::zendesk::schedule::Schedule>,
    report: &ImportReport,
) -> Result<csm_metrics_io::zendesk::schedule::Schedule, Failure> {
    let schedule = schedule.ok_or("the export's schedules hold no schedule")?;
    eprintln!(
        "csm-metrics: business time in the Zendesk schedule {} ({}, {})",
        schedule.id,
        schedule.name,
        schedule.zone.name()
    );
    if report.rejected_total() > 0 {
        eprintln!(
            "csm-metrics: {} schedule rows turned away:",
            report.rejected_total()
        );
        for (rule, n) in &report.rejected {
            eprintln!("  {rule}: {n}");
        }
    }
    Ok(schedule)
}

/// The SLA policies a Fivetran Zendesk export carries (`sla_policy_metric_history` and
/// `ticket_sla_policy`), said on stderr, for a report not given `--sla`.
///
/// The policy table is read here and again by the ticket reader (which needs each
/// version's instant to tag tickets): a few rows per policy, so reading it twice costs
/// nothing worth caching, and its turned-away rows are counted once, in the import
/// report the ticket reader fills (this read's report is only for the policies).
fn export_policies(history: &Source, input: &InputArgs) -> Result<Option<Spec<'static>>, Failure> {
    let Source::Zendesk(export) = history else {
        return Ok(None);
    };
    if !export.has_sla_policies() {
        return Ok(None);
    }
    let mut report = ImportReport::default();
    let policies = export.sla_policies(&input.options(), &mut report)?;
    eprintln!(
        "csm-metrics: the export's {} SLA policies (policy × priority; --sla replaces them)",
        policies.len()
    );
    Ok(Some(Spec::Policies(policies)))
}
