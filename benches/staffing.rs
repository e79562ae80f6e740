//! Staffing: Erlang C agents-needed searches; forecasts learned from a call log.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use csm_metrics::metrics::staffing::{ErlangC, IntervalForecast, Targets, plan};

fn search(c: &mut Criterion) {
    let mut group = c.benchmark_group("staffing");
    let big = ErlangC::new(1_000.0 / 180.0, 180.0).unwrap();
    group.bench_function("Erlang C agents needed, 1,000 Erlangs, 80/20", |b| {
        b.iter(|| black_box(big.agents_for(0.8, 20.0, 0.95, 0.3).unwrap()))
    });
    // A week of 30-minute intervals (336), 1 to 500 agents each, planned by the crate.
    let start = chrono::DateTime::from_timestamp(1_741_564_800, 0).unwrap();
    let forecast: Vec<IntervalForecast> = (0..336)
        .map(|i| IntervalForecast {
            start: start + chrono::TimeDelta::minutes(30 * i),
            contacts: 20.0
                + 2_400.0 * (0.5 + 0.5 * ((i as f64) / 48.0 * std::f64::consts::TAU).sin()).powi(2),
            aht: 300.0,
        })
        .collect();
    let targets = Targets::default();
    group.bench_function("a week's plan, 336 intervals", |b| {
        b.iter(|| black_box(plan(&forecast, 1_800, targets).unwrap().agent_hours))
    });
    group.finish();
}

/// Eight weeks of a generated call log (200,000 calls) in 15-minute intervals: counted,
/// learned (the weights chosen over the grid) and a week forecast.
fn forecast(c: &mut Criterion) {
    use chrono::{TimeDelta, TimeZone, Utc};
    use csm_metrics::metrics::forecast::{ContactSeries, ForecastConfig};
    let mut config = csm_metrics_synth::Config::new(3, 1, 56);
    config.start = Utc.with_ymd_and_hms(2025, 3, 3, 0, 0, 0).unwrap();
    let calls = csm_metrics_synth::calls(&config, 200_000);
    let end = config.start + TimeDelta::weeks(8);
    let mut group = c.benchmark_group("forecast");
    group.sample_size(10);
    group.bench_function("count 200,000 calls into 15-minute intervals", |b| {
        b.iter(|| {
            let mut s = ContactSeries::new(&Utc, 900, config.start, end).unwrap();
            for call in &calls {
                s.add_call(call).unwrap();
            }
            black_box(s.len())
        })
    });
    let mut series = ContactSeries::new(&Utc, 900, config.start, end).unwrap();
    for call in &calls {
        series.add_call(call).unwrap();
    }
    group.bench_function(
        "learn 8 weeks of 15-minute intervals and forecast a week",
        |b| {
            b.iter(|| {
                let model = series.fit(&Utc, &ForecastConfig::default()).unwrap();
                black_box(model.forecast(7 * 96).intervals.len())
            })
        },
    );
    group.finish();
}

criterion_group!(benches, search, forecast);
criterion_main!(benches);
