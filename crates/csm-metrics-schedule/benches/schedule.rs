//! A week of 30-minute intervals scheduled: the plan of a generated week (weekday ×
//! intraday seasonality, Erlang C at 80/20), full-time and part-time templates with breaks.

use chrono::{TimeDelta, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use csm_metrics::metrics::staffing::{IntervalForecast, Targets, plan};
use csm_metrics_schedule::{BreakRule, Options, ShiftTemplate, schedule};

fn week_plan() -> csm_metrics::metrics::staffing::Plan {
    let start = Utc.with_ymd_and_hms(2025, 3, 3, 0, 0, 0).unwrap();
    let forecast: Vec<IntervalForecast> = (0..7 * 48)
        .map(|i| {
            let (day, slot) = (i / 48, i % 48);
            let hour = slot as f64 / 2.0;
            let open = (7.0..21.0).contains(&hour);
            let shape = (std::f64::consts::PI * (hour - 7.0) / 14.0).sin().max(0.0);
            let weekday = if day < 5 { 1.0 } else { 0.45 };
            IntervalForecast {
                start: start + TimeDelta::minutes(30 * i as i64),
                contacts: if open {
                    20.0 + 180.0 * shape * weekday
                } else {
                    0.0
                },
                aht: 240.0,
            }
        })
        .collect();
    plan(
        &forecast,
        1_800,
        Targets {
            shrinkage: 0.1,
            ..Targets::default()
        },
    )
    .unwrap()
}

fn templates() -> Vec<ShiftTemplate> {
    let lunch = BreakRule {
        minutes: 30,
        earliest: 180,
        latest: 300,
        step: 30,
        paid: false,
    };
    vec![
        ShiftTemplate::new("full time", 510)
            .starting_every((6, 0), (13, 0), 30)
            .with_break(lunch),
        ShiftTemplate::new("part time", 240)
            .starting_every((7, 0), (17, 0), 30)
            .costing(1.1),
    ]
}

fn bench(c: &mut Criterion) {
    let plan = week_plan();
    let templates = templates();
    let s = schedule(&plan, &Utc, &templates, &Options::default()).unwrap();
    eprintln!(
        "a week: {} variants, {:?}, cost {:.1} paid hours against a bound of {:.1} (gap {:.4})",
        s.variants, s.method, s.cost, s.lower_bound, s.gap
    );
    let mut g = c.benchmark_group("schedule");
    g.sample_size(10);
    g.bench_function("a week of 30-minute intervals, rounded relaxation", |b| {
        let opts = Options {
            time_limit: 0.0,
            ..Options::default()
        };
        b.iter(|| schedule(&plan, &Utc, &templates, &opts).unwrap())
    });
    g.bench_function(
        "a week of 30-minute intervals, branch and bound (10 s limit)",
        |b| b.iter(|| schedule(&plan, &Utc, &templates, &Options::default()).unwrap()),
    );
    // Any half hour of the day: 8.5-hour shifts (5 lunch positions) and 4-hour ones, the
    // command's default templates (`csm-metrics staffing --calls`), stopping within 1 %.
    let any_time = csm_metrics_schedule::any_half_hour();
    let opts = Options {
        mip_gap: 0.01,
        ..Options::default()
    };
    let s = schedule(&plan, &Utc, &any_time, &opts).unwrap();
    eprintln!(
        "any half hour: {} variants, {:?}, cost {:.1} against a bound of {:.1} (gap {:.4})",
        s.variants, s.method, s.cost, s.lower_bound, s.gap
    );
    g.bench_function(
        "a week, shifts on any half hour (2,016 variants), 1 % MIP gap",
        |b| b.iter(|| schedule(&plan, &Utc, &any_time, &opts).unwrap()),
    );
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
