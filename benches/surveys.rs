//! Survey metrics: overall, mixed, and grouped by agent.

use std::hint::black_box;

use chrono::{DateTime, Utc};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use csm_metrics::{
    AgentId, ByAgent, Calculator, CustomerSatisfaction, Grouped, NetPromoterScore, SurveyId,
    SurveyResponse, SurveyScore, SurveySuite,
};
use csm_metrics_synth::{Config, Rng, surveys};

const N: usize = 1_000_000;

fn of_kind(make: impl Fn(&mut Rng) -> SurveyScore, agents: u64) -> Vec<SurveyResponse> {
    let mut rng = Rng::new(9);
    let at = DateTime::<Utc>::from_timestamp(1_735_689_600, 0).unwrap();
    (0..N as u64)
        .map(|i| {
            let mut r = SurveyResponse::new(SurveyId(i), at, make(&mut rng));
            r.agent = Some(AgentId(1 + rng.below(agents)));
            r
        })
        .collect()
}

fn overall(c: &mut Criterion) {
    let nps = of_kind(|r| SurveyScore::Nps(r.below(11) as u8), 10_000);
    let csat = of_kind(|r| SurveyScore::Csat(1 + r.below(5) as u8), 10_000);
    let mixed = surveys(&Config::new(9, 100_000, 50), N as u64);
    let mut group = c.benchmark_group("surveys");
    group.throughput(Throughput::Elements(N as u64));
    // The floor: reading every record once and doing nothing with it but a sum of ids.
    group.bench_function("scan only (memory floor)", |b| {
        b.iter(|| black_box(nps.iter().map(|r| r.id.0).fold(0u64, u64::wrapping_add)))
    });
    group.bench_function("NPS overall", |b| {
        b.iter(|| {
            let mut m = NetPromoterScore::default();
            for r in &nps {
                m.observe(r).unwrap();
            }
            black_box(m.snapshot().score)
        })
    });
    group.bench_function("CSAT overall", |b| {
        b.iter(|| {
            let mut m = CustomerSatisfaction::default();
            for r in &csat {
                m.observe(r).unwrap();
            }
            black_box(m.snapshot().score)
        })
    });
    // The same work on a batch that stays in cache (64k responses, 5.6 MB): the
    // calculator's own cost, without the memory bandwidth of streaming 88 MB of records.
    let hot = &nps[..65_536];
    group.throughput(Throughput::Elements(hot.len() as u64));
    group.bench_function("NPS overall, in cache", |b| {
        b.iter(|| {
            let mut m = NetPromoterScore::default();
            for r in hot {
                m.observe(r).unwrap();
            }
            black_box(m.snapshot().score)
        })
    });
    let hot = &csat[..65_536];
    group.bench_function("CSAT overall, in cache", |b| {
        b.iter(|| {
            let mut m = CustomerSatisfaction::default();
            for r in hot {
                m.observe(r).unwrap();
            }
            black_box(m.snapshot().score)
        })
    });
    group.throughput(Throughput::Elements(N as u64));
    // Columnar input (what an Arrow or Parquet reader hands over): one byte per response.
    let nps_column: Vec<u8> = nps
        .iter()
        .map(|r| match r.score {
            SurveyScore::Nps(s) => s,
            _ => 0,
        })
        .collect();
    group.bench_function("NPS overall, score column", |b| {
        b.iter(|| {
            let mut m = NetPromoterScore::default();
            m.observe_scores(black_box(&nps_column)).unwrap();
            black_box(m.snapshot().score)
        })
    });
    let csat_column: Vec<u8> = nps_column.iter().map(|s| 1 + s % 5).collect();
    group.bench_function("CSAT overall, score column", |b| {
        b.iter(|| {
            let mut m = CustomerSatisfaction::default();
            m.observe_scores(black_box(&csat_column)).unwrap();
            black_box(m.snapshot().score)
        })
    });
    group.bench_function("suite, mixed kinds", |b| {
        b.iter(|| {
            let mut m = SurveySuite::default();
            for r in &mixed {
                m.observe(r).unwrap();
            }
            black_box(m.snapshot().nps.score)
        })
    });
    group.bench_function("NPS by agent (10k agents)", |b| {
        b.iter(|| {
            let mut m = Grouped::<_, NetPromoterScore, ByAgent>::default();
            for r in &nps {
                m.observe(r).unwrap();
            }
            black_box(m.len())
        })
    });
    group.bench_function("CSAT by agent (10k agents)", |b| {
        b.iter(|| {
            let mut m = Grouped::<_, CustomerSatisfaction, ByAgent>::default();
            for r in &csat {
                m.observe(r).unwrap();
            }
            black_box(m.len())
        })
    });
    group.finish();
}

criterion_group!(benches, overall);
criterion_main!(benches);
