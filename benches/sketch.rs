//! The quantile sketch: insert, merge, quantile query.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use csm_metrics::QuantileSketch;
use csm_metrics_synth::Rng;

fn values(n: usize, seed: u64) -> Vec<f64> {
    let mut rng = Rng::new(seed);
    // Durations from about 1 s to 30 days, log-normally spread around 1.5 h.
    (0..n)
        .map(|_| rng.lognormal(5_400.0, 1.6).clamp(1.0, 2_592_000.0))
        .collect()
}

fn insert(c: &mut Criterion) {
    let data = values(1_000_000, 1);
    let mut group = c.benchmark_group("sketch");
    group.throughput(Throughput::Elements(data.len() as u64));
    group.bench_function("insert 1M values", |b| {
        b.iter(|| {
            let mut s = QuantileSketch::default();
            for v in &data {
                s.add(*v).unwrap();
            }
            black_box(s.count())
        })
    });
    let seconds: Vec<u64> = data.iter().map(|v| *v as u64).collect();
    group.bench_function("insert 1M whole seconds", |b| {
        b.iter(|| {
            let mut s = QuantileSketch::default();
            for v in &seconds {
                s.add(*v as f64).unwrap();
            }
            black_box(s.count())
        })
    });
    group.finish();
}

fn merge_and_query(c: &mut Criterion) {
    let fill = |seed| {
        let mut s = QuantileSketch::default();
        for v in values(1_000_000, seed) {
            s.add(v).unwrap();
        }
        s
    };
    let (a, b) = (fill(2), fill(3));
    eprintln!(
        "sketch of 1M values from 1 s to 30 days: {} bins, {} bytes",
        a.bin_count(),
        a.heap_bytes()
    );
    let mut group = c.benchmark_group("sketch");
    group.bench_function("merge two 1M-value sketches", |bench| {
        bench.iter_batched_ref(
            || a.clone(),
            |m| m.merge(black_box(&b)).unwrap(),
            criterion::BatchSize::SmallInput,
        )
    });
    group.bench_function("quantile p99", |bench| {
        bench.iter(|| black_box(&a).quantile(black_box(0.99)))
    });
    group.bench_function("quantile p50", |bench| {
        bench.iter(|| black_box(&a).quantile(black_box(0.5)))
    });
    group.finish();
}

/// The honest-statistics figures: a Kaplan-Meier curve from 100k subjects (40 % still
/// waiting), and comparisons with a verdict.
fn honest(c: &mut Criterion) {
    use csm_metrics::compare::{self, CompareOptions, NpsCounts};
    use csm_metrics::{Calculator, DurationSummary, Observation, SurvivalSketch};
    let xs = values(100_000, 11);
    let mut survival = SurvivalSketch::default();
    for (i, x) in xs.iter().enumerate() {
        let o = if i % 5 < 2 {
            Observation::Censored(*x)
        } else {
            Observation::Event(*x)
        };
        survival.observe(&o).unwrap();
    }
    let mut group = c.benchmark_group("honest");
    group.bench_function("Kaplan-Meier snapshot, 100k subjects", |b| {
        b.iter(|| black_box(survival.snapshot()))
    });
    let o = CompareOptions::default().detecting(0.03);
    group.bench_function("compare two shares (Newcombe)", |b| {
        b.iter(|| black_box(compare::proportions(black_box((172, 200)), (166, 200), &o)))
    });
    let (a, z) = (
        NpsCounts {
            promoters: 60,
            passives: 25,
            detractors: 15,
        },
        NpsCounts {
            promoters: 45,
            passives: 30,
            detractors: 25,
        },
    );
    group.bench_function("compare two NPS (adjusted Wald)", |b| {
        b.iter(|| black_box(compare::nps(black_box(a), z, &o)))
    });
    let summary = |seed| {
        let mut s = DurationSummary::default();
        for x in values(100_000, seed) {
            s.add(x as u64).unwrap();
        }
        s.snapshot()
    };
    let mut million = DurationSummary::default();
    for x in values(1_000_000, 14) {
        million.add(x as u64).unwrap();
    }
    // The snapshot reads the median's Price–Bonett standard error (a binomial tail of
    // about 2.5·√n terms) beside the quantiles.
    group.bench_function("duration snapshot, 1M values", |b| {
        b.iter(|| black_box(million.snapshot()))
    });
    let (m1, m2) = (summary(12), summary(13));
    let lower = CompareOptions::default().lower_is_better();
    group.bench_function("compare two medians (from snapshots)", |b| {
        b.iter(|| black_box(compare::medians(black_box(&m1), &m2, &lower)))
    });
    group.finish();
}

criterion_group!(benches, insert, merge_and_query, honest);
criterion_main!(benches);
