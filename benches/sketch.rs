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

criterion_group!(benches, insert, merge_and_query);
criterion_main!(benches);
