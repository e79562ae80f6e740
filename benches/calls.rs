//! Contact-center metrics over generated calls.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use csm_metrics::metrics::calls::CallCenter;
use csm_metrics::{ByQueue, Calculator, Grouped};
use csm_metrics_synth::{Config, calls};

fn call_metrics(c: &mut Criterion) {
    let data = calls(&Config::new(3, 1_000_000, 365), 1_000_000);
    let mut group = c.benchmark_group("calls");
    group.throughput(Throughput::Elements(data.len() as u64));
    group.bench_function("call metrics overall", |b| {
        b.iter(|| {
            let mut m = CallCenter::default();
            for call in &data {
                m.observe(call).unwrap();
            }
            black_box(m.snapshot().service_level)
        })
    });
    group.bench_function("call metrics by queue", |b| {
        b.iter(|| {
            let mut m = Grouped::<_, CallCenter, ByQueue>::default();
            for call in &data {
                m.observe(call).unwrap();
            }
            black_box(m.len())
        })
    });
    group.finish();
}

criterion_group!(benches, call_metrics);
criterion_main!(benches);
