//! The report as JSON: the shape of the replay report (`input`, `tickets`, `surveys`,
//! `calls`, `compute_seconds`), with the same keys and units.

use csm_metrics::Calculator;
use csm_metrics::compare::{self, Change, CompareOptions, Difference};
use csm_metrics::metrics::calls::CallSnapshot;
use csm_metrics::metrics::surveys::SurveySnapshot;
use csm_metrics::metrics::tickets::LifecycleSnapshot;
use csm_metrics::{DurationSnapshot, NpsSnapshot, SurvivalSnapshot};
use serde_json::{Value, json};

pub fn duration(d: &DurationSnapshot) -> Value {
    json!({
        "count": d.count, "mean": d.mean, "min": d.min, "max": d.max,
        "p50": d.p50, "p90": d.p90, "p95": d.p95, "p99": d.p99,
    })
}

pub fn lifecycle(s: &LifecycleSnapshot) -> Value {
    let mut t = json!({
        "tickets": s.tickets,
        "answered": s.answered,
        "unanswered": s.unanswered,
        "solved": s.solved,
        "first_response": duration(&s.first_response),
        "first_resolution": duration(&s.first_resolution),
        "full_resolution": duration(&s.full_resolution),
        "requester_wait": duration(&s.requester_wait),
        "reopen_rate": s.reopen_rate,
        "one_touch_rate": s.one_touch_rate,
        "replies_per_resolution": s.replies_per_resolution,
        "resolved_within_24h": s.resolved_within_target,
        "first_response_survival": survival(s.first_response_survival.as_ref()),
        "full_resolution_survival": survival(s.full_resolution_survival.as_ref()),
    });
    if let Some(b) = &s.business {
        t["first_response_business"] = duration(&b.first_response);
        t["full_resolution_business"] = duration(&b.full_resolution);
        t["first_response_within_8h_business"] = json!(b.responded_within_target);
        t["first_response_business_survival"] = survival(b.first_response_survival.as_ref());
        t["full_resolution_business_survival"] = survival(b.full_resolution_survival.as_ref());
    }
    t
}

/// A censoring-aware duration (seconds; null where not reached).
pub fn survival(s: Option<&SurvivalSnapshot>) -> Value {
    s.map_or(Value::Null, |s| {
        json!({
            "events": s.events, "censored": s.censored,
            "median": s.median, "median_low": s.median_low, "median_high": s.median_high,
            "p90": s.p90, "p90_low": s.p90_low, "p90_high": s.p90_high,
            "naive_median": s.naive_median,
        })
    })
}

/// One comparison: the difference, its 95 % interval and the verdict.
fn difference(d: csm_metrics::Result<Difference>) -> Value {
    match d {
        Ok(d) => json!({
            "difference": d.difference,
            "low": d.interval.map(|i| i.low),
            "high": d.interval.map(|i| i.high),
            "change": change_name(d.change),
            "samples": d.samples,
        }),
        Err(e) => json!({"error": e.to_string()}),
    }
}

fn change_name(c: Change) -> &'static str {
    match c {
        Change::Better => "better",
        Change::Worse => "worse",
        Change::NoDetectableChange => "no_detectable_change",
        Change::NotEnoughData => "not_enough_data",
    }
}

/// A share's successes back from its rate and denominator.
fn count(rate: Option<f64>, n: u64) -> (u64, u64) {
    ((rate.unwrap_or(0.0) * n as f64).round() as u64, n)
}

/// Ticket figures of `a` against those of `b` (a window against the one before) with
/// verdicts: medians (lower is better) and shares of solved tickets.
pub fn versus(a: &LifecycleSnapshot, b: &LifecycleSnapshot) -> Value {
    let higher = CompareOptions::default();
    let lower = CompareOptions::default().lower_is_better();
    let share = |ra: Option<f64>, rb: Option<f64>, o: &CompareOptions| {
        difference(compare::proportions(
            count(ra, a.solved),
            count(rb, b.solved),
            o,
        ))
    };
    json!({
        "first_response_median": difference(compare::medians(&a.first_response, &b.first_response, &lower)),
        "full_resolution_median": difference(compare::medians(&a.full_resolution, &b.full_resolution, &lower)),
        "one_touch_rate": share(a.one_touch_rate, b.one_touch_rate, &higher),
        "reopen_rate": share(a.reopen_rate, b.reopen_rate, &lower),
        "resolved_within_24h": share(a.resolved_within_target, b.resolved_within_target, &higher),
    })
}

/// The overall distributions' buckets, `[from, to (null: open), count]` in seconds, for
/// the HTML page.
pub fn buckets(s: &LifecycleSnapshot) -> Value {
    let rows = |d: &DurationSnapshot| -> Vec<Value> {
        d.buckets
            .iter()
            .map(|b| json!([b.from, b.to, b.count]))
            .collect()
    };
    let mut out = json!({
        "first_response": rows(&s.first_response),
        "full_resolution": rows(&s.full_resolution),
    });
    if let Some(b) = &s.business {
        out["first_response_business"] = json!(rows(&b.first_response));
        out["full_resolution_business"] = json!(rows(&b.full_resolution));
    }
    out
}

/// CSAT and NPS per window with their intervals, for the HTML page.
pub fn weeks(w: &csm_metrics::Windowed<csm_metrics::SurveySuite, chrono_tz::Tz>) -> Value {
    let windows = w.snapshot();
    let rows: Vec<Value> = windows
        .iter()
        .enumerate()
        .map(|(i, x)| {
            let (c, n) = (&x.value.csat, &x.value.nps);
            // Against the window before: CSAT in points (Newcombe), NPS (adjusted Wald).
            let before = i.checked_sub(1).map(|j| &windows[j].value);
            let options = CompareOptions::default();
            let csat_vs = before.map_or(Value::Null, |b| difference(c.compare(&b.csat, &options)));
            let nps_vs = before.map_or(Value::Null, |b| difference(n.compare(&b.nps, &options)));
            json!({
                "csat_vs_previous": csat_vs, "nps_vs_previous": nps_vs,
                "start": x.start.with_timezone(w.zone()).format("%Y-%m-%d").to_string(),
                "csat": c.score, "csat_low": c.interval.map(|i| i.low),
                "csat_high": c.interval.map(|i| i.high), "csat_responses": c.responses,
                "nps": n.score, "nps_low": n.interval.map(|i| i.low),
                "nps_high": n.interval.map(|i| i.high), "nps_responses": n.responses,
            })
        })
        .collect();
    Value::Array(rows)
}

/// Service level and abandonment per window, for the HTML page.
pub fn call_days(
    w: &csm_metrics::Windowed<csm_metrics::metrics::calls::CallCenter, chrono_tz::Tz>,
) -> Value {
    let rows: Vec<Value> = w
        .snapshot()
        .iter()
        .map(|x| {
            let c = &x.value;
            json!({
                "start": x.start.with_timezone(w.zone()).format("%Y-%m-%d").to_string(),
                "offered": c.offered, "service_level": c.service_level,
                "abandon_rate": c.abandonment_rate,
            })
        })
        .collect();
    Value::Array(rows)
}

pub fn calls(c: &CallSnapshot) -> Value {
    // In the history format ended − answered includes the hold: AHT = that + wrap, the
    // crate's definition (hold lies inside the connected time).
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

fn nps(s: &NpsSnapshot) -> Value {
    json!({
        "responses": s.responses, "score": s.score, "promoters": s.promoters,
        "passives": s.passives, "detractors": s.detractors,
        "margin_of_error": s.margin_of_error,
    })
}

pub fn surveys(s: &SurveySnapshot) -> Value {
    json!({
        "nps": nps(&s.nps),
        "enps": nps(&s.enps),
        "csat": {
            "responses": s.csat.responses, "score": s.csat.score,
            "mean": s.csat.mean.map(|m| m.mean),
            "ci_low": s.csat.interval.map(|i| i.low),
            "ci_high": s.csat.interval.map(|i| i.high),
        },
        "ces": {"responses": s.ces.responses, "mean": s.ces.mean.map(|m| m.mean)},
    })
}

/// The report as a table: each section's figures flattened to `key  value` lines.
pub fn table(out: &mut impl std::io::Write, report: &Value) -> std::io::Result<()> {
    let sections: Vec<&String> = report
        .as_object()
        .map(|m| {
            m.keys()
                .filter(|k| report[k.as_str()].is_object())
                .collect()
        })
        .unwrap_or_default();
    for section in sections {
        writeln!(out, "{section}")?;
        writeln!(out, "{}", "-".repeat(section.len()))?;
        let mut rows = Vec::new();
        flatten("", &report[section.as_str()], &mut rows);
        let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
        for (k, v) in rows {
            writeln!(out, "{k:<width$}  {v:>14}")?;
        }
        writeln!(out)?;
    }
    writeln!(out, "compute_seconds  {}", cell(&report["compute_seconds"]))
}

/// The report as CSV: one `key,value` row per figure, keys dotted (`tickets.overall.solved`).
pub fn csv(out: &mut impl std::io::Write, report: &Value) -> std::io::Result<()> {
    let mut rows = Vec::new();
    flatten("", report, &mut rows);
    writeln!(out, "key,value")?;
    for (k, v) in rows {
        let v = if v == "-" { String::new() } else { v };
        writeln!(out, "{},{}", quote(&k), quote(&v))?;
    }
    Ok(())
}

fn quote(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn cell(v: &Value) -> String {
    match v {
        Value::Number(n) if n.is_f64() => format!("{:.4}", n.as_f64().unwrap_or(0.0)),
        Value::Null => "-".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn flatten(prefix: &str, v: &Value, rows: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, rows);
            }
        }
        other => rows.push((prefix.to_string(), cell(other))),
    }
}

/// The SLA section: each policy's targets keyed `policy: metric`, and the running targets
/// nearest their deadline.
pub fn sla(s: &csm_metrics::metrics::sla::SlaSnapshot) -> Value {
    use csm_metrics::metrics::sla::Basis;
    let targets: serde_json::Map<String, Value> = s
        .targets
        .iter()
        .map(|t| {
            let metric = csm_metrics_io::sla::metric_name(t.metric);
            (
                format!("{}: {metric}", t.policy),
                json!({
                    "target_seconds": t.target.seconds,
                    "basis": match t.target.basis {
                        Basis::Calendar => "calendar",
                        Basis::Business => "business",
                    },
                    "achieved": t.achieved,
                    "breached": t.breached,
                    "active": t.active,
                    "attainment": t.attainment,
                    "breach_by_mean": t.breach_by.mean,
                    "spare_mean": t.spare.mean,
                }),
            )
        })
        .collect();
    let at_risk: Vec<Value> = s
        .about_to_breach
        .iter()
        .map(|a| {
            json!({
                "ticket": a.ticket.0,
                "policy": a.policy,
                "metric": csm_metrics_io::sla::metric_name(a.metric),
                "deadline": a.deadline.timestamp(),
                "seconds_left": a.time_left,
            })
        })
        .collect();
    json!({"targets": targets, "about_to_breach": at_risk})
}
