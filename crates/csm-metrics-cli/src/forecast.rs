//! `csm-metrics forecast`: contacts and handle time per interval for the days after a call
//! log, from its weekly and intraday cycles; scored against the calls after `--until`
//! where the file has them.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use clap::Args;
use csm_metrics::metrics::forecast::{
    Accuracy, ContactSeries, DayAccuracy, Forecast, ForecastConfig, Model, next_boundary,
};
use csm_metrics::metrics::patience::{Patience, PatienceSnapshot};
use csm_metrics::{Calculator, Zone};
use csm_metrics_io::ImportReport;
use csm_metrics_io::history::{History, ReadOptions};
use serde_json::{Value, json};

use crate::{Failure, Format, parse_instant};

/// What to learn from and what to forecast.
#[derive(Args, Clone)]
pub struct ForecastArgs {
    /// The call log: the history format's calls.csv (or calls.parquet).
    #[arg(long, value_name = "FILE")]
    calls: PathBuf,
    /// Learn from the calls offered before this instant (RFC 3339 or Unix seconds) and
    /// forecast from it; default: the end of the log. Calls from it on, within the
    /// horizon, score the forecast (WAPE and bias against the seasonal-naive forecast).
    #[arg(long, value_name = "INSTANT")]
    until: Option<String>,
    /// How far to forecast: a number with d, h or m (7d, 36h).
    #[arg(long, default_value = "7d")]
    horizon: String,
    /// Interval length: 15m, 30m or 60m (1h).
    #[arg(long, default_value = "30m")]
    interval: String,
    /// The local time zone of the intervals (IANA name); UTC by default.
    #[arg(long, value_name = "AREA/CITY")]
    zone: Option<String>,
    /// Local dates that are holidays (YYYY-MM-DD, comma-separated): not learned from;
    /// forecast as a Sunday when ahead.
    #[arg(long, value_delimiter = ',', value_name = "DATES")]
    holidays: Vec<NaiveDate>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

/// A length like `7d`, `36h`, `30m` in seconds.
pub(crate) fn parse_span(s: &str, what: &str) -> Result<i64, Failure> {
    let s = s.trim();
    let (number, unit) = s.split_at(s.len().saturating_sub(1));
    let n: i64 = number
        .parse()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("{what} {s:?}: a whole number with d, h or m (7d, 36h, 30m)"))?;
    let unit = match unit {
        "d" => 86_400,
        "h" => 3_600,
        "m" => 60,
        _ => {
            return Err(
                format!("{what} {s:?}: a whole number with d, h or m (7d, 36h, 30m)").into(),
            );
        }
    };
    n.checked_mul(unit)
        .filter(|v| *v <= 400 * 86_400)
        .ok_or_else(|| format!("{what} {s:?}: at most 400 days").into())
}

/// A call log turned into interval counts: the part learned from, the part after it (for
/// scoring), and the callers' patience over the learned part.
pub(crate) struct Learned {
    pub zone: chrono_tz::Tz,
    pub series: ContactSeries,
    pub held: ContactSeries,
    pub patience: PatienceSnapshot,
    pub calls: u64,
    pub report: ImportReport,
}

pub(crate) struct LogQuestion<'a> {
    pub calls: &'a Path,
    pub zone: chrono_tz::Tz,
    pub interval: u32,
    pub until: Option<DateTime<Utc>>,
    pub horizon: i64,
}

/// A call as the forecast needs it (40 bytes): offered, handle seconds (`None`
/// unanswered), the wait to answer or abandon.
struct Row {
    offered: i64,
    handle: Option<f64>,
    wait: u64,
    abandoned: bool,
}

/// Reads the log once, every call kept as a [`Row`], then counts them into the learned and
/// held-out series.
pub(crate) fn learn(q: &LogQuestion) -> Result<Learned, Failure> {
    let mut report = ImportReport::default();
    let mut calls: Vec<Row> = Vec::new();
    History::read_calls_file(q.calls, &ReadOptions::default(), &mut report, |c| {
        c.validate()?;
        let (wait, abandoned) = Patience::wait_of(c);
        calls.push(Row {
            offered: c.offered_at.timestamp(),
            handle: c.handle_seconds(),
            wait,
            abandoned,
        });
        Ok(())
    })?;
    let instant = |s: i64| DateTime::from_timestamp(s, 0).unwrap_or_default();
    let (Some(first), Some(last)) = (
        calls.iter().map(|c| c.offered).min().map(instant),
        calls.iter().map(|c| c.offered).max().map(instant),
    ) else {
        return Err(format!("{}: no calls to learn from", q.calls.display()).into());
    };
    let midnight = first
        .with_timezone(&q.zone)
        .date_naive()
        .and_hms_opt(0, 0, 0);
    let from = midnight.and_then(|m| q.zone.instant_of(m)).unwrap_or(first);
    let until = match q.until {
        Some(u) => u,
        // The end of the last call's interval: no empty intervals after the log ends.
        None => next_boundary(&q.zone, last + TimeDelta::seconds(1), q.interval)?,
    };
    if until <= from {
        return Err(format!("--until {until}: before the log's first call ({first})").into());
    }
    let series_of = |a, b| ContactSeries::new(&q.zone, q.interval, a, b);
    let mut series = series_of(from, until)?;
    let mut held = series_of(series.end(), series.end() + TimeDelta::seconds(q.horizon))?;
    let mut patience = Patience::default();
    for c in &calls {
        let handle = c.handle;
        if c.offered < series.end().timestamp() {
            series.add(instant(c.offered), handle, 1)?;
            patience.add_wait(c.wait, c.abandoned)?;
        } else {
            held.add(instant(c.offered), handle, 1)?;
        }
    }
    Ok(Learned {
        zone: q.zone,
        series,
        held,
        patience: patience.snapshot(),
        calls: calls.len() as u64,
        report,
    })
}

pub(crate) fn zone_of(name: &Option<String>) -> Result<chrono_tz::Tz, Failure> {
    Ok(match name {
        Some(n) => n
            .parse::<chrono_tz::Tz>()
            .map_err(|_| format!("--zone: no time zone named {n:?}"))?,
        None => chrono_tz::UTC,
    })
}

pub(crate) fn interval_of(s: &str) -> Result<u32, Failure> {
    let seconds = parse_span(s, "--interval")?;
    match seconds {
        900 | 1_800 | 3_600 => Ok(seconds as u32),
        _ => Err(format!("--interval {s:?}: 15m, 30m or 60m").into()),
    }
}

pub(crate) fn model_of(
    learned: &Learned,
    holidays: &[NaiveDate],
) -> Result<Model<chrono_tz::Tz>, Failure> {
    let config = ForecastConfig {
        holidays: holidays.to_vec(),
        ..ForecastConfig::default()
    };
    Ok(learned.series.fit(&learned.zone, &config)?)
}

pub fn run(args: &ForecastArgs) -> Result<(), Failure> {
    let zone = zone_of(&args.zone)?;
    let interval = interval_of(&args.interval)?;
    let horizon = parse_span(&args.horizon, "--horizon")?;
    let until = args
        .until
        .as_deref()
        .map(|u| parse_instant(u).map_err(|e| format!("--until: {e}")))
        .transpose()?;
    let learned = learn(&LogQuestion {
        calls: &args.calls,
        zone,
        interval,
        until,
        horizon,
    })?;
    let model = model_of(&learned, &args.holidays)?;
    let steps = (horizon / i64::from(interval)) as usize;
    let forecast = model.forecast(steps);
    let scored = learned.held.contacts().iter().any(|c| *c > 0.0).then(|| {
        let naive = learned.series.seasonal_naive(&zone, steps);
        (
            Accuracy::of(&forecast, &learned.held),
            Accuracy::of(&naive, &learned.held),
        )
    });
    let scored = match scored {
        Some((Ok(a), Ok(b))) => Some((a, b)),
        Some((Err(e), _)) | Some((_, Err(e))) => return Err(e.into()),
        None => None,
    };
    print(args, &learned, &forecast, scored.as_ref())
}

fn accuracy_json(a: &DayAccuracy) -> Value {
    json!({
        "date": a.date.map(|d| d.to_string()),
        "intervals": a.intervals,
        "actual": a.actual,
        "forecast": a.forecast,
        "wape": a.wape,
        "bias": a.bias,
    })
}

pub(crate) fn patience_json(p: &PatienceSnapshot) -> Value {
    json!({
        "abandons": p.abandons,
        "answered": p.answered,
        "mean_seconds": p.mean,
        "mean_low_seconds": p.mean_low,
        "mean_high_seconds": p.mean_high,
        "km_median_seconds": p.survival.median,
    })
}

fn print(
    args: &ForecastArgs,
    learned: &Learned,
    forecast: &Forecast,
    scored: Option<&(Accuracy, Accuracy)>,
) -> Result<(), Failure> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let local = |t: DateTime<Utc>| t.with_timezone(&learned.zone).to_rfc3339();
    match args.format {
        Format::Html => return Err("forecast prints json, table or csv".into()),
        Format::Json => {
            let intervals: Vec<Value> = forecast
                .intervals
                .iter()
                .map(
                    |f| json!({"start": f.start.timestamp(), "contacts": f.contacts, "aht": f.aht}),
                )
                .collect();
            let mut v = json!({
                "model": forecast.model,
                "smoothing": forecast.smoothing.map(|s| json!({
                    "level": s.level, "trend": s.trend, "daily": s.daily, "weekly": s.weekly, "damping": s.damping,
                })),
                "interval_seconds": forecast.interval_seconds,
                "zone": learned.zone.name(),
                "learned": {
                    "from": learned.series.start().timestamp(),
                    "until": learned.series.end().timestamp(),
                    "intervals": learned.series.len(),
                    "calls": learned.calls,
                    "rejected_rows": learned.report.rejected_total(),
                },
                "patience": patience_json(&learned.patience),
                "intervals": intervals,
            });
            if let Some((ours, naive)) = scored {
                v["accuracy"] = json!({
                    "model": accuracy_json(&ours.overall),
                    "seasonal_naive": accuracy_json(&naive.overall),
                    "by_day": ours.by_day.iter().zip(&naive.by_day).map(|(a, b)| json!({
                        "model": accuracy_json(a), "seasonal_naive": accuracy_json(b),
                    })).collect::<Vec<_>>(),
                });
            }
            serde_json::to_writer_pretty(&mut out, &v)?;
            writeln!(out)?;
        }
        // The columns `csm-metrics staffing --forecast FILE` reads.
        Format::Csv => {
            writeln!(out, "start,contacts,aht_seconds")?;
            for f in &forecast.intervals {
                writeln!(out, "{},{},{}", f.start.timestamp(), f.contacts, f.aht)?;
            }
        }
        Format::Table => {
            writeln!(
                out,
                "{} — learned from {} calls, {} to {}",
                forecast.model,
                learned.calls,
                local(learned.series.start()),
                local(learned.series.end())
            )?;
            writeln!(
                out,
                "{:<27} {:>9} {:>9}",
                "interval (local)", "contacts", "AHT (s)"
            )?;
            for f in &forecast.intervals {
                writeln!(
                    out,
                    "{:<27} {:>9.2} {:>9.1}",
                    local(f.start),
                    f.contacts,
                    f.aht
                )?;
            }
            if let Some((ours, naive)) = scored {
                let pct =
                    |v: Option<f64>| v.map_or("–".into(), |v| format!("{:.1} %", v * 100.0));
                writeln!(
                    out,
                    "held out: {} intervals, {:.0} contacts",
                    ours.overall.intervals, ours.overall.actual
                )?;
                writeln!(
                    out,
                    "  this model:     WAPE {}, bias {}",
                    pct(ours.overall.wape),
                    pct(ours.overall.bias)
                )?;
                writeln!(
                    out,
                    "  seasonal naive: WAPE {}, bias {}",
                    pct(naive.overall.wape),
                    pct(naive.overall.bias)
                )?;
            }
        }
    }
    out.flush()?;
    Ok(())
}
