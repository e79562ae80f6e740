//! The replay report of a help-desk history, computed by SQL on DataFusion.
//!
//! ```sh
//! cargo run --release -p csm-metrics-datafusion --example sql -- DIR [--partitions N] [--calendar SPEC.json] [--stats]
//! ```
//!
//! DIR holds a history in the format of the repository's `docs/HISTORY_FORMAT.md`
//! (`tickets`, `events`, `surveys`, `calls`, each as `.parquet` if present, else `.csv`).
//! Prints the `input`, `tickets`, `surveys` and `calls` sections of the core `replay`
//! example's JSON report, computed by the crate's SQL suites ([`csm_metrics_datafusion::suite`])
//! with `--partitions` target partitions (default: the machine's cores). `--calendar` adds
//! the business-time figures (New York's spec in the repository's `examples/`).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use csm_metrics_datafusion::suite;
use datafusion::arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use datafusion::arrow::datatypes::{DataType, Float64Type, Int64Type, UInt64Type};
use datafusion::prelude::{SessionConfig, SessionContext};
use serde_json::{Map, Value, json};

struct Options {
    dir: PathBuf,
    partitions: usize,
    calendar: Option<PathBuf>,
    stats: bool,
}

fn parse_args() -> Result<Options, String> {
    let mut args = std::env::args().skip(1);
    let mut dir = None;
    let mut partitions = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut calendar = None;
    let mut stats = false;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--partitions" => {
                partitions = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .filter(|n| *n > 0)
                    .ok_or("--partitions needs a positive number")?;
            }
            "--calendar" => calendar = Some(args.next().ok_or("--calendar needs a file")?.into()),
            "--stats" => stats = true,
            _ if dir.is_none() && !a.starts_with("--") => dir = Some(PathBuf::from(a)),
            _ => return Err(format!("unknown argument {a}")),
        }
    }
    Ok(Options {
        dir: dir.ok_or("usage: sql DIR [--partitions N] [--calendar SPEC.json] [--stats]")?,
        partitions,
        calendar,
        stats,
    })
}

/// One value of a column as JSON.
fn value(column: &ArrayRef, row: usize) -> Value {
    if column.is_null(row) {
        return Value::Null;
    }
    match column.data_type() {
        DataType::UInt64 => json!(column.as_primitive::<UInt64Type>().value(row)),
        DataType::Int64 => json!(column.as_primitive::<Int64Type>().value(row)),
        DataType::Float64 => json!(column.as_primitive::<Float64Type>().value(row)),
        DataType::Boolean => json!(column.as_boolean().value(row)),
        DataType::Utf8 => json!(column.as_string::<i32>().value(row)),
        DataType::Utf8View => json!(column.as_string_view().value(row)),
        DataType::Struct(_) => {
            let s = column.as_struct();
            Value::Object(
                s.column_names()
                    .iter()
                    .zip(s.columns())
                    .map(|(n, c)| (n.to_string(), value(c, row)))
                    .collect(),
            )
        }
        t => json!(format!("({t})")),
    }
}

/// Every row of a result as JSON objects keyed by column name.
fn rows(batches: &[RecordBatch]) -> Vec<Map<String, Value>> {
    let mut out = Vec::new();
    for b in batches {
        let schema = b.schema();
        for row in 0..b.num_rows() {
            out.push(
                schema
                    .fields()
                    .iter()
                    .zip(b.columns())
                    .map(|(f, c)| (f.name().clone(), value(c, row)))
                    .collect(),
            );
        }
    }
    out
}

/// A duration summary as the replay prints it.
fn duration(v: &Value) -> Value {
    let keys = ["count", "mean", "min", "max", "p50", "p90", "p95", "p99"];
    Value::Object(
        keys.iter()
            .map(|k| (k.to_string(), v.get(*k).cloned().unwrap_or(Value::Null)))
            .collect(),
    )
}

fn lifecycle(r: &Map<String, Value>) -> Value {
    let mut t = json!({
        "tickets": r["tickets"], "answered": r["answered"], "unanswered": r["unanswered"],
        "solved": r["solved"],
        "first_response": duration(&r["first_response"]),
        "first_resolution": duration(&r["first_resolution"]),
        "full_resolution": duration(&r["full_resolution"]),
        "requester_wait": duration(&r["requester_wait"]),
        "reopen_rate": r["reopen_rate"], "one_touch_rate": r["one_touch_rate"],
        "replies_per_resolution": r["replies_per_resolution"],
        "resolved_within_24h": r["resolved_within_24h"],
    });
    if let Some(b) = r.get("first_response_business") {
        t["first_response_business"] = duration(b);
        t["full_resolution_business"] = duration(&r["full_resolution_business"]);
        t["first_response_within_8h_business"] = r["first_response_within_8h_business"].clone();
    }
    t
}

async fn count(ctx: &SessionContext, table: &str) -> datafusion::error::Result<Value> {
    let b = ctx
        .sql(&format!("SELECT count(*) AS n FROM {table}"))
        .await?
        .collect()
        .await?;
    Ok(rows(&b).first().map_or(Value::Null, |r| r["n"].clone()))
}

async fn run(options: &Options) -> datafusion::error::Result<Value> {
    let ctx = SessionContext::new_with_config(
        SessionConfig::new().with_target_partitions(options.partitions),
    );
    let business = match &options.calendar {
        Some(path) => {
            let spec = std::fs::read_to_string(path)?;
            let calendar = csm_metrics_synth::format::parse_calendar(&spec)
                .map_err(datafusion::error::DataFusionError::Plan)?;
            csm_metrics_datafusion::register_with_calendar(&ctx, Arc::new(calendar));
            true
        }
        None => {
            csm_metrics_datafusion::register(&ctx);
            false
        }
    };
    let tables = suite::register_history(&ctx, &options.dir).await?;
    let mut input = Map::new();
    let mut out = Map::new();
    let has = |t: &str| tables.iter().any(|(n, _)| *n == t);
    if has("tickets") && has("events") {
        input.insert("tickets".into(), count(&ctx, "tickets").await?);
        input.insert("events".into(), count(&ctx, "events").await?);
        let r = rows(
            &ctx.sql(&suite::ticket_suite(business))
                .await?
                .collect()
                .await?,
        );
        let mut by_team = Map::new();
        let mut overall = Value::Null;
        let mut rejected = Map::new();
        for row in &r {
            if row["overall"] == json!(true) {
                overall = lifecycle(row);
                if let Some(n) = row["rejected"].as_i64().filter(|n| *n > 0) {
                    rejected.insert("events: rejected".into(), json!(n));
                }
                if let Some(n) = row["not_created"].as_i64().filter(|n| *n > 0) {
                    rejected.insert("tickets: no created event".into(), json!(n));
                }
            } else {
                let team = row["team"].as_str().unwrap_or("(none)").to_string();
                by_team.insert(team, lifecycle(row));
            }
        }
        input.insert("rejected".into(), Value::Object(rejected));
        out.insert(
            "tickets".into(),
            json!({"overall": overall, "by_team": by_team}),
        );
    }
    if has("surveys") {
        input.insert("surveys".into(), count(&ctx, "surveys").await?);
        let r = rows(&ctx.sql(suite::SURVEY_SUITE).await?.collect().await?);
        let s = r.first().cloned().unwrap_or_default();
        let nps = |v: &Value| {
            json!({"responses": v["responses"], "score": v["score"], "promoters": v["promoters"],
                   "passives": v["passives"], "detractors": v["detractors"],
                   "margin_of_error": v["margin_of_error"]})
        };
        out.insert(
            "surveys".into(),
            json!({
                "nps": nps(&s["nps"]),
                "enps": nps(&s["enps"]),
                "csat": {"responses": s["csat"]["responses"], "score": s["csat"]["score"],
                         "mean": s["csat"]["mean"], "ci_low": s["csat"]["ci_low"],
                         "ci_high": s["csat"]["ci_high"]},
                "ces": {"responses": s["ces"]["responses"], "mean": s["ces"]["mean"]},
            }),
        );
    }
    if has("calls") {
        input.insert("calls".into(), count(&ctx, "calls").await?);
        let r = rows(&ctx.sql(suite::CALL_SUITE).await?.collect().await?);
        let c = r.first().map_or(Value::Null, |r| r["calls"].clone());
        out.insert(
            "calls".into(),
            json!({"offered": c["offered"], "answered": c["answered"],
                   "short_abandons": c["short_abandons"], "asa": c["asa"],
                   "abandon_rate": c["abandon_rate"], "service_level_20s": c["service_level"],
                   "aht": c["aht"]}),
        );
    }
    out.insert("input".into(), Value::Object(input));
    Ok(Value::Object(out))
}

fn main() -> ExitCode {
    let options = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(options.partitions)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("sql: {e}");
            return ExitCode::from(1);
        }
    };
    let start = Instant::now();
    match runtime.block_on(run(&options)) {
        Ok(mut report) => {
            let seconds = start.elapsed().as_secs_f64();
            report["compute_seconds"] = json!(seconds);
            println!(
                "{}",
                serde_json::to_string_pretty(&report).unwrap_or_default()
            );
            if options.stats {
                let events = report["input"]["events"].as_f64().unwrap_or(0.0);
                eprintln!(
                    "wall {seconds:.3} s with {} partitions: {:.2} M events/s (every suite, files read included)",
                    options.partitions,
                    events / seconds / 1e6
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("sql: {e}");
            ExitCode::from(1)
        }
    }
}
