//! Staffing: how many agents does a queue need?
//!
//! ```text
//! cargo run --release --example staffing -- --contacts 100 --interval-minutes 30 \
//!     --aht-seconds 180 --target-level 0.8 --target-seconds 20 --max-occupancy 0.85 \
//!     --shrinkage 0.3 [--patience-seconds P] [--agents N] [--json]
//! ```
//!
//! prints the smallest agent count meeting the targets (Erlang C; Erlang A when a mean
//! patience is given), or, with `--agents N`, what N agents would achieve. With no
//! arguments it plans a sample week of 30-minute intervals and prints the plan table.

use std::process::ExitCode;

use csm_metrics::metrics::staffing::{
    ErlangA, ErlangC, IntervalForecast, Prediction, Targets, plan, positions,
};
use serde_json::json;

#[derive(Debug)]
struct Question {
    contacts: f64,
    interval_minutes: f64,
    aht: f64,
    target_level: f64,
    target_seconds: f64,
    max_occupancy: f64,
    shrinkage: f64,
    patience: Option<f64>,
    agents: Option<u32>,
    json: bool,
}

fn parse() -> Result<Option<Question>, String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() {
        return Ok(None);
    }
    let mut q = Question {
        contacts: f64::NAN,
        interval_minutes: 30.0,
        aht: f64::NAN,
        target_level: 0.8,
        target_seconds: 20.0,
        max_occupancy: 1.0,
        shrinkage: 0.0,
        patience: None,
        agents: None,
        json: false,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut num = |name: &str| -> Result<f64, String> {
            it.next()
                .and_then(|v| v.parse().ok())
                .ok_or(format!("{name} takes a number"))
        };
        match a.as_str() {
            "--contacts" => q.contacts = num(a)?,
            "--interval-minutes" => q.interval_minutes = num(a)?,
            "--aht-seconds" => q.aht = num(a)?,
            "--target-level" => q.target_level = num(a)?,
            "--target-seconds" => q.target_seconds = num(a)?,
            "--max-occupancy" => q.max_occupancy = num(a)?,
            "--shrinkage" => q.shrinkage = num(a)?,
            "--patience-seconds" => q.patience = Some(num(a)?),
            "--agents" => {
                let n = num(a)?;
                if !(n >= 1.0 && n.fract() == 0.0 && n <= 100_000.0) {
                    return Err("--agents takes a whole number from 1 to 100000".into());
                }
                q.agents = Some(n as u32)
            }
            "--json" => q.json = true,
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if q.contacts.is_nan() || q.aht.is_nan() {
        return Err("--contacts and --aht-seconds are required".into());
    }
    Ok(Some(q))
}

fn answer(q: &Question) -> Result<(Prediction, Option<u32>), csm_metrics::Error> {
    let rate = q.contacts / (q.interval_minutes * 60.0);
    let positions = |agents: u32| positions(agents, q.shrinkage);
    match (q.patience, q.agents) {
        (None, None) => {
            let s = ErlangC::new(rate, q.aht)?.agents_for(
                q.target_level,
                q.target_seconds,
                q.max_occupancy,
                q.shrinkage,
            )?;
            Ok((s.prediction, Some(s.positions)))
        }
        (Some(p), None) => {
            let s = ErlangA::new(rate, q.aht, p)?.agents_for(
                q.target_level,
                q.target_seconds,
                q.max_occupancy,
                q.shrinkage,
            )?;
            Ok((s.prediction, Some(s.positions)))
        }
        (None, Some(n)) => Ok((
            ErlangC::new(rate, q.aht)?.with_agents(n, q.target_seconds)?,
            Some(positions(n)),
        )),
        (Some(p), Some(n)) => Ok((
            ErlangA::new(rate, q.aht, p)?.with_agents(n, q.target_seconds)?,
            Some(positions(n)),
        )),
    }
}

fn print(q: &Question, p: &Prediction, positions: Option<u32>) {
    let model = if q.patience.is_some() {
        "erlang_a"
    } else {
        "erlang_c"
    };
    if q.json {
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
        if q.patience.is_some() {
            v["abandon_probability"] = json!(p.abandon_probability);
        }
        println!("{v}");
    } else {
        println!(
            "{model}: {:.2} Erlangs → {} agents ({} positions after {:.0} % shrinkage): service level {:.1} % in {} s, P(wait) {:.1} %, occupancy {:.1} %, ASA {:.1} s{}",
            p.traffic,
            p.agents,
            positions.unwrap_or(p.agents),
            q.shrinkage * 100.0,
            p.service_level * 100.0,
            q.target_seconds,
            p.waiting_probability * 100.0,
            p.occupancy * 100.0,
            p.asa,
            if q.patience.is_some() {
                format!(", abandons {:.1} %", p.abandon_probability * 100.0)
            } else {
                String::new()
            }
        );
    }
}

/// A sample week: 30-minute intervals, busy weekday afternoons, quiet nights and weekends.
fn week_plan() -> Result<(), csm_metrics::Error> {
    println!(
        "A week's plan: 80 % of contacts answered in 20 s, AHT 300 s, occupancy ≤ 85 %, shrinkage 30 %"
    );
    println!(
        "{:<10} {:>8} {:>9} {:>7} {:>9} {:>7} {:>10}",
        "interval", "contacts", "Erlangs", "agents", "positions", "SL", "occupancy"
    );
    let monday = chrono::DateTime::from_timestamp(1_741_564_800, 0).unwrap_or_default(); // 2025-03-10
    let forecast: Vec<IntervalForecast> = (0..7 * 48)
        .map(|i| {
            let (d, slot) = (i / 48, i % 48);
            let hour = slot as f64 / 2.0;
            let daytime = (-((hour - 13.0) / 4.0).powi(2)).exp();
            let weekly = if d >= 5 { 0.35 } else { 1.0 };
            IntervalForecast {
                start: monday + chrono::TimeDelta::minutes(30 * i as i64),
                contacts: (10.0 + 240.0 * daytime * weekly).round(),
                aht: 300.0,
            }
        })
        .collect();
    let targets = Targets::default();
    let week = plan(&forecast, 1_800, targets)?;
    for row in week.rows.iter().step_by(4) {
        let Some(s) = row.staffing else { continue };
        println!(
            "{} {:>8} {:>9.2} {:>7} {:>9} {:>6.1}% {:>9.1}%",
            row.forecast.start.format("%a %H:%M"),
            row.forecast.contacts,
            s.prediction.traffic,
            s.agents,
            s.positions,
            s.prediction.service_level * 100.0,
            s.prediction.occupancy * 100.0
        );
    }
    println!(
        "(every other hour shown) the week needs {:.0} agent-hours on the phones, {:.0} scheduled",
        week.agent_hours, week.position_hours
    );
    Ok(())
}

fn main() -> ExitCode {
    let q = match parse() {
        Ok(q) => q,
        Err(e) => {
            eprintln!("staffing: {e}");
            return ExitCode::from(2);
        }
    };
    let result = match q {
        None => week_plan(),
        Some(q) => answer(&q).map(|(p, positions)| print(&q, &p, positions)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(1)
        }
    }
}
