//! `csm-metrics staffing`: how many agents a queue needs (Erlang C, or Erlang A with a
//! mean patience), for one interval or for every interval of a forecast file.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use csm_metrics::metrics::staffing::{
    ErlangA, ErlangC, IntervalForecast, Prediction, Targets, plan, positions,
};
use serde_json::{Value, json};

use crate::{Failure, Format, parse_instant};

/// The question.
#[derive(Args)]
pub struct StaffingArgs {
    /// Contacts arriving in one interval (with --aht-seconds; or give --forecast).
    #[arg(long, required_unless_present = "forecast")]
    contacts: Option<f64>,
    /// Mean handle time, seconds.
    #[arg(long, required_unless_present = "forecast")]
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
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

pub fn run(args: &StaffingArgs) -> Result<(), Failure> {
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
        Format::Json => writeln!(out, "{}", prediction_json(model, &p, positions, args))?,
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

fn prediction_json(model: &str, p: &Prediction, positions: u32, args: &StaffingArgs) -> Value {
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
    if args.patience_seconds.is_some() {
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

fn run_plan(args: &StaffingArgs, path: &std::path::Path) -> Result<(), Failure> {
    let forecast = read_forecast(path)?;
    if !(args.interval_minutes.is_finite() && args.interval_minutes >= 1.0) {
        return Err("--interval-minutes must be at least 1".into());
    }
    let targets = Targets {
        service_level: args.target_level,
        answer_seconds: args.target_seconds,
        max_occupancy: args.max_occupancy,
        shrinkage: args.shrinkage,
        patience: args.patience_seconds,
    };
    let week = plan(
        &forecast,
        (args.interval_minutes * 60.0).round() as u64,
        targets,
    )?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match args.format {
        Format::Html => return Err("staffing prints json, table or csv; html is for report".into()),
        Format::Json => {
            let rows: Vec<Value> = week
                .rows
                .iter()
                .map(|r| {
                    let mut v = match &r.staffing {
                        Some(s) => prediction_json(model(args), &s.prediction, s.positions, args),
                        None => json!({"agents": 0, "positions": 0}),
                    };
                    v["start"] = json!(r.forecast.start.to_rfc3339());
                    v["contacts"] = json!(r.forecast.contacts);
                    v
                })
                .collect();
            let v = json!({
                "model": model(args),
                "interval_seconds": week.interval_seconds,
                "agent_hours": week.agent_hours,
                "position_hours": week.position_hours,
                "intervals": rows,
            });
            serde_json::to_writer_pretty(&mut out, &v)?;
            writeln!(out)?;
        }
        Format::Csv => {
            writeln!(out, "{}", COLUMNS.join(","))?;
            for r in &week.rows {
                let start = r.forecast.start.timestamp();
                match &r.staffing {
                    Some(s) => writeln!(
                        out,
                        "{start},{},{}",
                        csv_row(&s.prediction, s.positions),
                        r.forecast.contacts
                    )?,
                    None => writeln!(out, "{start},0,0,0,,,,,,{}", r.forecast.contacts)?,
                }
            }
        }
        Format::Table => {
            writeln!(
                out,
                "{:<25} {:>8} {:>9} {:>7} {:>9} {:>7} {:>10}",
                "interval", "contacts", "Erlangs", "agents", "positions", "SL", "occupancy"
            )?;
            for r in &week.rows {
                let start = r.forecast.start.to_rfc3339();
                match &r.staffing {
                    Some(s) => writeln!(
                        out,
                        "{start:<25} {:>8} {:>9.2} {:>7} {:>9} {:>6.1}% {:>9.1}%",
                        r.forecast.contacts,
                        s.prediction.traffic,
                        s.agents,
                        s.positions,
                        s.prediction.service_level * 100.0,
                        s.prediction.occupancy * 100.0
                    )?,
                    None => writeln!(
                        out,
                        "{start:<25} {:>8} {:>9} {:>7} {:>9}",
                        r.forecast.contacts, 0, 0, 0
                    )?,
                }
            }
            writeln!(
                out,
                "{:.1} agent-hours on the phones, {:.1} scheduled",
                week.agent_hours, week.position_hours
            )?;
        }
    }
    out.flush()?;
    Ok(())
}
