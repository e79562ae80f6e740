//! `csm-metrics staffing`: how many agents a queue needs (Erlang C, or Erlang A with a
//! mean patience), for one interval or for every interval of a forecast file.

use std::io::Write;
use std::path::PathBuf;

use chrono::{Datelike, NaiveDate};
use clap::Args;
use csm_metrics::Zone;
use csm_metrics::metrics::staffing::{
    ErlangA, ErlangC, IntervalForecast, Prediction, Targets, plan, positions,
};
use csm_metrics_schedule::{Options, Schedule, ShiftTemplate, schedule};
use serde_json::{Value, json};

use crate::{Failure, Format, parse_instant};

/// The question.
#[derive(Args)]
pub struct StaffingArgs {
    /// Contacts arriving in one interval (with --aht-seconds; or give --forecast).
    #[arg(long, required_unless_present_any = ["forecast", "calls"])]
    contacts: Option<f64>,
    /// Mean handle time, seconds.
    #[arg(long, required_unless_present_any = ["forecast", "calls"])]
    aht_seconds: Option<f64>,
    /// A forecast: a CSV file with a header and the columns `start` (RFC 3339 or Unix
    /// seconds), `contacts` and `aht_seconds`, one row per interval; the plan of every
    /// interval is printed.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["contacts", "aht_seconds", "agents"])]
    forecast: Option<PathBuf>,
    /// Interval length, minutes.
    #[arg(long, default_value_t = 30.0)]
    interval_minutes: f64,
    /// Share of contacts to answer within --target-seconds.
    #[arg(long, default_value_t = 0.8)]
    target_level: f64,
    /// The answer-time target, seconds.
    #[arg(long, default_value_t = 20.0)]
    target_seconds: f64,
    /// The highest occupancy allowed (0 to 1).
    #[arg(long, default_value_t = 1.0)]
    max_occupancy: f64,
    /// Share of paid time off the phones (breaks, training), 0 to 1: positions to
    /// schedule = agents / (1 − shrinkage).
    #[arg(long, default_value_t = 0.0)]
    shrinkage: f64,
    /// Mean patience of callers, seconds: Erlang A (abandons) instead of Erlang C.
    #[arg(long)]
    patience_seconds: Option<f64>,
    /// What this many agents would achieve, instead of the smallest count meeting the
    /// targets.
    #[arg(long)]
    agents: Option<u32>,
    /// A call log (the history format's calls.csv): forecast the days after it, plan them
    /// and schedule shifts (see --next-week, --shifts).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["contacts", "aht_seconds", "agents", "forecast"])]
    calls: Option<PathBuf>,
    /// With --calls: the interval length as 15m, 30m or 60m (instead of --interval-minutes).
    #[arg(
        long,
        value_name = "LENGTH",
        requires = "calls",
        conflicts_with = "interval_minutes"
    )]
    interval: Option<String>,
    /// With --calls: plan the local calendar week (Monday to Sunday) after the one the log
    /// ends in, rather than the seven days right after the log.
    #[arg(long, requires = "calls")]
    next_week: bool,
    /// With --calls: learn from the calls offered before this instant only.
    #[arg(long, value_name = "INSTANT", requires = "calls")]
    until: Option<String>,
    /// The local time zone of the intervals and shift start times; UTC by default.
    #[arg(long, value_name = "AREA/CITY")]
    zone: Option<String>,
    /// With --calls: Erlang A with the mean patience estimated from the log's abandons
    /// (answered calls censored at their wait).
    #[arg(long, requires = "calls", conflicts_with = "patience_seconds")]
    patience_from_calls: bool,
    /// Local dates that are holidays (YYYY-MM-DD, comma-separated), for the forecast.
    #[arg(long, value_delimiter = ',', value_name = "DATES", requires = "calls")]
    holidays: Vec<NaiveDate>,
    /// Contacts an agent handles at once (chats); agents = slots / concurrency.
    #[arg(long, default_value_t = 1)]
    concurrency: u32,
    /// Shift templates (a JSON list: name, starts ["06:00:00", …], minutes, days, breaks
    /// [{minutes, earliest, latest, step, paid}], cost_per_hour): schedule the plan with
    /// them. With --calls and no file: 8.5-hour shifts with a 30-minute unpaid break 3–5
    /// hours in and 4-hour shifts, starting on any half hour.
    #[arg(long, value_name = "FILE")]
    shifts: Option<PathBuf>,
    /// Branch and bound's time limit for the schedule, seconds (0: the rounded relaxation).
    #[arg(long, default_value_t = 10.0)]
    time_limit: f64,
    /// Stop branch and bound once within this relative gap of its bound (0: prove optimal).
    #[arg(long, default_value_t = 0.01)]
    mip_gap: f64,
    /// Write a chart of positions needed against scheduled per interval (SVG).
    #[arg(long, value_name = "FILE")]
    chart: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

pub fn run(args: &StaffingArgs) -> Result<(), Failure> {
    if let Some(path) = &args.calls {
        return run_calls(args, path);
    }
    if let Some(path) = &args.forecast {
        return run_plan(args, path);
    }
    let (Some(contacts), Some(aht)) = (args.contacts, args.aht_seconds) else {
        return Err("--contacts and --aht-seconds are required without --forecast".into());
    };
    let rate = contacts / (args.interval_minutes * 60.0);
    let (p, positions) = match (args.patience_seconds, args.agents) {
        (None, None) => {
            let s = ErlangC::new(rate, aht)?.agents_for(
                args.target_level,
                args.target_seconds,
                args.max_occupancy,
                args.shrinkage,
            )?;
            (s.prediction, s.positions)
        }
        (Some(patience), None) => {
            let s = ErlangA::new(rate, aht, patience)?.agents_for(
                args.target_level,
                args.target_seconds,
                args.max_occupancy,
                args.shrinkage,
            )?;
            (s.prediction, s.positions)
        }
        (None, Some(n)) => (
            ErlangC::new(rate, aht)?.with_agents(n, args.target_seconds)?,
            positions(n, args.shrinkage),
        ),
        (Some(patience), Some(n)) => (
            ErlangA::new(rate, aht, patience)?.with_agents(n, args.target_seconds)?,
            positions(n, args.shrinkage),
        ),
    };
    let mut out = std::io::stdout().lock();
    let model = model(args);
    match args.format {
        Format::Html => return Err("staffing prints json, table or csv; html is for report".into()),
        Format::Json => writeln!(out, "{}", prediction_json(model, &p, positions))?,
        Format::Csv => {
            writeln!(out, "{}", COLUMNS[1..].join(","))?;
            writeln!(out, "{}", csv_row(&p, positions))?;
        }
        Format::Table => writeln!(
            out,
            "{model}: {:.2} Erlangs → {} agents ({} positions after {:.0} % shrinkage): service level {:.1} % in {} s, P(wait) {:.1} %, occupancy {:.1} %, ASA {:.1} s{}",
            p.traffic,
            p.agents,
            positions,
            args.shrinkage * 100.0,
            p.service_level * 100.0,
            args.target_seconds,
            p.waiting_probability * 100.0,
            p.occupancy * 100.0,
            p.asa,
            if args.patience_seconds.is_some() {
                format!(", abandons {:.1} %", p.abandon_probability * 100.0)
            } else {
                String::new()
            }
        )?,
    }
    Ok(())
}

fn model(args: &StaffingArgs) -> &'static str {
    if args.patience_seconds.is_some() {
        "erlang_a"
    } else {
        "erlang_c"
    }
}

fn prediction_json(model: &str, p: &Prediction, positions: u32) -> Value {
    let mut v = json!({
        "model": model,
        "traffic_erlangs": p.traffic,
        "agents": p.agents,
        "positions": positions,
        "service_level": p.service_level,
        "waiting_probability": p.waiting_probability,
        "occupancy": p.occupancy,
        "asa_seconds": p.asa,
    });
    if model == "erlang_a" {
        v["abandon_probability"] = json!(p.abandon_probability);
    }
    v
}

const COLUMNS: [&str; 10] = [
    "start",
    "traffic_erlangs",
    "agents",
    "positions",
    "service_level",
    "waiting_probability",
    "occupancy",
    "asa_seconds",
    "abandon_probability",
    "contacts",
];

fn csv_row(p: &Prediction, positions: u32) -> String {
    format!(
        "{},{},{},{},{},{},{},{}",
        p.traffic,
        p.agents,
        positions,
        p.service_level,
        p.waiting_probability,
        p.occupancy,
        p.asa,
        p.abandon_probability
    )
}

/// The forecast file's rows; an error naming the line and the rule.
fn read_forecast(path: &std::path::Path) -> Result<Vec<IntervalForecast>, Failure> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut lines = text.lines().enumerate();
    let Some((_, header)) = lines.next() else {
        return Err(format!("{}: empty file: no header row", path.display()).into());
    };
    let names: Vec<&str> = header
        .trim_start_matches('\u{feff}')
        .split(',')
        .map(str::trim)
        .collect();
    let column = |name: &str| {
        names.iter().position(|n| *n == name).ok_or_else(|| {
            format!(
                "{}, line 1: no column {name:?} (columns: {})",
                path.display(),
                names.join(",")
            )
        })
    };
    let (start, contacts, aht) = (
        column("start")?,
        column("contacts")?,
        column("aht_seconds")?,
    );
    let mut rows = Vec::new();
    for (i, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        let at = |rule: &str| format!("{}, line {}: {rule}", path.display(), i + 1);
        if fields.len() != names.len() {
            return Err(at(&format!(
                "{} fields where the header has {}",
                fields.len(),
                names.len()
            ))
            .into());
        }
        let number = |c: usize, what: &str| -> Result<f64, String> {
            fields[c]
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && *v >= 0.0)
                .ok_or_else(|| at(&format!("{what} {:?} is not a number ≥ 0", fields[c])))
        };
        rows.push(IntervalForecast {
            start: parse_instant(fields[start]).map_err(|e| at(&format!("start: {e}")))?,
            contacts: number(contacts, "contacts")?,
            aht: number(aht, "aht_seconds")?,
        });
    }
    Ok(rows)
}

fn targets(args: &StaffingArgs, patience: Option<f64>) -> Targets {
    Targets {
        service_level: args.target_level,
        answer_seconds: args.target_seconds,
        max_occupancy: args.max_occupancy,
        shrinkage: args.shrinkage,
        patience,
        concurrency: args.concurrency,
    }
}

fn run_plan(args: &StaffingArgs, path: &std::path::Path) -> Result<(), Failure> {
    let forecast = read_forecast(path)?;
    if !(args.interval_minutes.is_finite() && args.interval_minutes >= 1.0) {
        return Err("--interval-minutes must be at least 1".into());
    }
    let week = plan(
        &forecast,
        (args.interval_minutes * 60.0).round() as u64,
        targets(args, args.patience_seconds),
    )?;
    let zone = crate::forecast::zone_of(&args.zone)?;
    let shifts = match &args.shifts {
        Some(file) => Some(scheduled(args, &week, &zone, read_templates(file)?)?),
        None => None,
    };
    print_plan(args, &week, shifts.as_ref(), json!({}), &zone)
}

/// Forecast the log's next days, plan them, schedule them.
fn run_calls(args: &StaffingArgs, path: &std::path::Path) -> Result<(), Failure> {
    let zone = crate::forecast::zone_of(&args.zone)?;
    let interval = match (&args.interval, args.interval_minutes) {
        (Some(length), _) => crate::forecast::interval_of(length)?,
        (None, m) if m == 15.0 || m == 30.0 || m == 60.0 => (m * 60.0) as u32,
        (None, m) => {
            return Err(format!("--interval-minutes {m}: 15, 30 or 60 with --calls").into());
        }
    };
    let until = args
        .until
        .as_deref()
        .map(|u| crate::parse_instant(u).map_err(|e| format!("--until: {e}")))
        .transpose()?;
    let learned = crate::forecast::learn(&crate::forecast::LogQuestion {
        calls: path,
        zone,
        interval,
        until,
        horizon: 14 * 86_400,
    })?;
    let model = crate::forecast::model_of(&learned, &args.holidays)?;
    let end = learned.series.end();
    let (from, to) = if args.next_week {
        let last_day = (end - chrono::TimeDelta::seconds(1))
            .with_timezone(&zone)
            .date_naive();
        let monday = last_day
            - chrono::TimeDelta::days(i64::from(last_day.weekday().num_days_from_monday()));
        let local = |d: NaiveDate| d.and_hms_opt(0, 0, 0).and_then(|m| zone.instant_of(m));
        let start =
            local(monday + chrono::TimeDelta::days(7)).ok_or("the next week is out of range")?;
        let stop =
            local(monday + chrono::TimeDelta::days(14)).ok_or("the next week is out of range")?;
        (start, stop)
    } else {
        (end, end + chrono::TimeDelta::days(7))
    };
    let steps = ((to - end).num_seconds() / i64::from(interval)) as usize;
    let forecast: Vec<IntervalForecast> = model
        .forecast(steps)
        .intervals
        .into_iter()
        .filter(|f| f.start >= from)
        .collect();
    let patience =
        if args.patience_from_calls {
            Some(learned.patience.mean.ok_or(
                "--patience-from-calls: the log has no abandoned call (plan with Erlang C)",
            )?)
        } else {
            args.patience_seconds
        };
    let week = plan(&forecast, u64::from(interval), targets(args, patience))?;
    let templates = match &args.shifts {
        Some(file) => read_templates(file)?,
        None => csm_metrics_schedule::any_half_hour(),
    };
    let shifts = scheduled(args, &week, &zone, templates)?;
    let about = json!({
        "forecast": {
            "model": csm_metrics::metrics::forecast::Model::<chrono_tz::Tz>::NAME,
            "learned_from": learned.series.start().timestamp(),
            "learned_until": end.timestamp(),
            "calls": learned.calls,
        },
        "patience": crate::forecast::patience_json(&learned.patience),
    });
    print_plan(args, &week, Some(&shifts), about, &zone)
}

fn read_templates(path: &std::path::Path) -> Result<Vec<ShiftTemplate>, Failure> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()).into())
}

fn scheduled(
    args: &StaffingArgs,
    week: &csm_metrics::metrics::staffing::Plan,
    zone: &chrono_tz::Tz,
    templates: Vec<ShiftTemplate>,
) -> Result<Schedule, Failure> {
    let options = Options {
        time_limit: args.time_limit,
        mip_gap: args.mip_gap,
        ..Options::default()
    };
    let s = schedule(week, zone, &templates, &options)?;
    if let Some(file) = &args.chart {
        let labels = week
            .rows
            .iter()
            .map(|r| {
                r.forecast
                    .start
                    .with_timezone(zone)
                    .format("%a %H:%M")
                    .to_string()
            })
            .collect();
        let need = s.coverage.iter().map(|c| f64::from(c.needed)).collect();
        let have = s.coverage.iter().map(|c| c.scheduled).collect();
        std::fs::write(file, crate::html::need_vs_scheduled_svg(labels, need, have))
            .map_err(|e| format!("{}: {e}", file.display()))?;
    }
    Ok(s)
}

fn schedule_json(s: &Schedule) -> Value {
    json!({
        "method": s.method,
        "paid_hours": s.paid_hours,
        "cost": s.cost,
        "lower_bound": s.lower_bound,
        "gap": s.gap,
        "short_hours": s.short_hours,
        "variants": s.variants,
        "shifts": s.assignments.iter().map(|a| json!({
            "template": a.template,
            "start": a.start.timestamp(),
            "end": a.end.timestamp(),
            "breaks": a.breaks.iter().map(|(b, e)| json!([b.timestamp(), e.timestamp()])).collect::<Vec<_>>(),
            "agents": a.agents,
        })).collect::<Vec<_>>(),
    })
}

fn print_plan(
    args: &StaffingArgs,
    week: &csm_metrics::metrics::staffing::Plan,
    shifts: Option<&Schedule>,
    about: Value,
    zone: &chrono_tz::Tz,
) -> Result<(), Failure> {
    let erlang = if week.targets.patience.is_some() {
        "erlang_a"
    } else {
        "erlang_c"
    };
    let scheduled_at = |i: usize| shifts.and_then(|s| s.coverage.get(i)).map(|c| c.scheduled);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match args.format {
        Format::Html => return Err("staffing prints json, table or csv; html is for report".into()),
        Format::Json => {
            let rows: Vec<Value> = week
                .rows
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    let mut v = match &r.staffing {
                        Some(s) => prediction_json(erlang, &s.prediction, s.positions),
                        None => json!({"agents": 0, "positions": 0}),
                    };
                    v["start"] = json!(r.forecast.start.with_timezone(zone).to_rfc3339());
                    v["contacts"] = json!(r.forecast.contacts);
                    v["aht_seconds"] = json!(r.forecast.aht);
                    if let Some(have) = scheduled_at(i) {
                        v["scheduled"] = json!(have);
                    }
                    v
                })
                .collect();
            let mut v = json!({
                "model": erlang,
                "interval_seconds": week.interval_seconds,
                "agent_hours": week.agent_hours,
                "position_hours": week.position_hours,
                "intervals": rows,
            });
            if let (Some(o), Some(extra)) = (v.as_object_mut(), about.as_object()) {
                o.extend(extra.clone());
            }
            if let Some(s) = shifts {
                v["schedule"] = schedule_json(s);
            }
            serde_json::to_writer_pretty(&mut out, &v)?;
            writeln!(out)?;
        }
        Format::Csv => {
            let extra = if shifts.is_some() { ",scheduled" } else { "" };
            writeln!(out, "{}{extra}", COLUMNS.join(","))?;
            for (i, r) in week.rows.iter().enumerate() {
                let start = r.forecast.start.timestamp();
                let have = scheduled_at(i).map_or(String::new(), |v| format!(",{v}"));
                match &r.staffing {
                    Some(s) => writeln!(
                        out,
                        "{start},{},{}{have}",
                        csv_row(&s.prediction, s.positions),
                        r.forecast.contacts
                    )?,
                    None => writeln!(out, "{start},0,0,0,,,,,,{}{have}", r.forecast.contacts)?,
                }
            }
        }
        Format::Table => {
            writeln!(
                out,
                "{:<25} {:>8} {:>9} {:>7} {:>9} {:>7} {:>10}{}",
                "interval",
                "contacts",
                "Erlangs",
                "agents",
                "positions",
                "SL",
                "occupancy",
                if shifts.is_some() { " scheduled" } else { "" }
            )?;
            for (i, r) in week.rows.iter().enumerate() {
                let start = r.forecast.start.with_timezone(zone).to_rfc3339();
                let have = scheduled_at(i).map_or(String::new(), |v| format!(" {v:>9.1}"));
                let contacts = if r.forecast.contacts.fract() == 0.0 {
                    format!("{}", r.forecast.contacts)
                } else {
                    format!("{:.2}", r.forecast.contacts)
                };
                match &r.staffing {
                    Some(s) => writeln!(
                        out,
                        "{start:<25} {contacts:>8} {:>9.2} {:>7} {:>9} {:>6.1}% {:>9.1}%{have}",
                        s.prediction.traffic,
                        s.agents,
                        s.positions,
                        s.prediction.service_level * 100.0,
                        s.prediction.occupancy * 100.0
                    )?,
                    None => writeln!(
                        out,
                        "{start:<25} {contacts:>8} {:>9} {:>7} {:>9} {:>7} {:>10}{have}",
                        0, 0, 0, "", ""
                    )?,
                }
            }
            writeln!(
                out,
                "{:.1} agent-hours on the phones, {:.1} scheduled",
                week.agent_hours, week.position_hours
            )?;
            if let Some(s) = shifts {
                writeln!(
                    out,
                    "schedule: {} shifts, {} agents, {:.1} paid hours ({:?}; within {:.1} % of the best possible, bound {:.1}){}",
                    s.assignments.len(),
                    s.assignments.iter().map(|a| a.agents).sum::<u32>(),
                    s.paid_hours,
                    s.method,
                    s.gap * 100.0,
                    s.lower_bound,
                    if s.short_hours > 0.0 {
                        format!(", {:.1} position-hours short", s.short_hours)
                    } else {
                        String::new()
                    }
                )?;
                for a in &s.assignments {
                    let breaks: Vec<String> = a
                        .breaks
                        .iter()
                        .map(|(b, e)| {
                            format!(
                                "{}–{}",
                                b.with_timezone(zone).format("%H:%M"),
                                e.with_timezone(zone).format("%H:%M")
                            )
                        })
                        .collect();
                    writeln!(
                        out,
                        "  {} × {:<10} {} → {}{}",
                        a.agents,
                        a.template,
                        a.start.with_timezone(zone).format("%a %Y-%m-%d %H:%M"),
                        a.end.with_timezone(zone).format("%H:%M"),
                        if breaks.is_empty() {
                            String::new()
                        } else {
                            format!(", break {}", breaks.join(", "))
                        }
                    )?;
                }
            }
        }
    }
    out.flush()?;
    Ok(())
}
