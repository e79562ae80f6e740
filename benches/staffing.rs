//! Staffing: Erlang C agents-needed searches.

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

criterion_group!(benches, search);
criterion_main!(benches);
