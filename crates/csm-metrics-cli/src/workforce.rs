//! The `agents` and `retention` sections, from a history's `agent_states`, `schedule` and
//! `accounts` tables (each optional): the replay report's sections of the same names.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use csm_metrics::metrics::agents::{Adherence, AgentStates};
use csm_metrics::metrics::retention::Accounts;
use csm_metrics::{Calculator, Granularity};
use csm_metrics_io::history::{History, ReadOptions};
use csm_metrics_io::{ImportReport, Rule, Table};
use serde_json::{Map, Value, json};

/// The sections the history's optional tables give (none without them).
pub fn sections(
    history: &History,
    options: &ReadOptions,
    report: &mut ImportReport,
) -> csm_metrics_io::Result<Map<String, Value>> {
    let mut out = Map::new();
    if history.has("agent_states") {
        out.insert("agents".into(), agents(history, options, report)?);
    }
    if history.has("accounts") {
        out.insert("retention".into(), retention(history, options, report)?);
    }
    Ok(out)
}

/// Occupancy from the agents' states; adherence and conformance against the schedule.
fn agents(
    history: &History,
    options: &ReadOptions,
    report: &mut ImportReport,
) -> csm_metrics_io::Result<Value> {
    let schedule = history.read_schedule(options, report)?;
    let mut adherence = match Adherence::new(schedule, 0, Utc) {
        Ok(a) => Some(a),
        Err(e) => {
            report.reject(Table::Schedule, refused(&e));
            None
        }
    };
    let mut states = AgentStates::default();
    let mut refusals = Vec::new();
    history.read_agent_states_with(options, report, |r| {
        states.observe(r)?;
        if let Some(a) = adherence.as_mut() {
            // An interval occupancy takes but adherence refuses: counted, occupancy kept.
            if let Err(e) = a.observe(r) {
                refusals.push(refused(&e));
            }
        }
        Ok(())
    })?;
    for rule in refusals {
        report.reject(Table::AgentStates, rule);
    }
    let s = states.snapshot();
    let a = adherence.map(|a| a.snapshot().overall);
    Ok(json!({
        "states": report.rows_of(Table::AgentStates),
        "occupancy": s.occupancy,
        "logged_in_hours": s.logged_in as f64 / 3_600.0,
        "adherence": a.and_then(|a| a.adherence),
        "conformance": a.and_then(|a| a.conformance),
        "scheduled_hours": a.map(|a| a.scheduled as f64 / 3_600.0),
    }))
}

/// The first instant of the UTC month of `t`.
fn month_of(t: i64) -> DateTime<Utc> {
    let at = DateTime::from_timestamp(t, 0).unwrap_or_default();
    NaiveDate::from_ymd_opt(at.year(), at.month(), 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map_or(at, |d| d.and_utc())
}

/// Per UTC month from the first account event to the last: customers, churn and revenue
/// retention; and the cohort table by start month.
fn retention(
    history: &History,
    options: &ReadOptions,
    report: &mut ImportReport,
) -> csm_metrics_io::Result<Value> {
    let mut accounts = Accounts::default();
    let (mut first, mut last) = (i64::MAX, i64::MIN);
    history.read_accounts_with(options, report, |e| {
        accounts.observe(e)?;
        first = first.min(e.at.timestamp());
        last = last.max(e.at.timestamp());
        Ok(())
    })?;
    let mut months = Vec::new();
    if first <= last {
        let mut m = month_of(first);
        while m.timestamp() <= last {
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
    let until = DateTime::from_timestamp(last.max(0), 0).unwrap_or_default();
    let cohorts: Vec<Value> = accounts
        .cohorts(Granularity::Month, &Utc, until)
        .into_iter()
        .map(|r| {
            json!({
                "cohort": r.cohort.format("%Y-%m").to_string(),
                "customers": r.customers,
                "retained": r.retained,
            })
        })
        .collect();
    Ok(json!({"customers": accounts.customers(), "months": months, "cohorts": cohorts}))
}

/// The rule of a calculator's refusal, as the crate displays it.
fn refused(e: &csm_metrics::Error) -> Rule {
    Rule::Refused(e.rule().map_or_else(|| "invalid".into(), |r| r.to_string()))
}
