//! The sketch against exact quantiles of sorted data: 10⁶ values per distribution, every
//! tested quantile within α relative error, and shard merges equal to one pass bin for bin.

use csm_metrics::{Calculator, QuantileSketch};
use csm_metrics_synth::Rng;

const N: usize = 1_000_000;

/// Type 7 (linear interpolation between order statistics) on sorted data.
fn exact(sorted: &[f64], q: f64) -> f64 {
    let h = q * (sorted.len() - 1) as f64;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

fn distributions() -> Vec<(&'static str, Vec<f64>)> {
    let mut rng = Rng::new(42);
    let uniform = (0..N).map(|_| 1.0 + rng.unit() * 2_592_000.0).collect();
    let lognormal = (0..N).map(|_| rng.lognormal(5_400.0, 1.5)).collect();
    // Pareto with shape 1.1 from 1 s: a heavy tail spanning many decades.
    let pareto = (0..N)
        .map(|_| (1.0 - rng.unit()).powf(-1.0 / 1.1))
        .collect();
    // Whole seconds with many zeros and ties, as help-desk durations are.
    let seconds = (0..N)
        .map(|_| {
            if rng.chance(0.05) {
                0.0
            } else {
                rng.lognormal(600.0, 2.0).floor()
            }
        })
        .collect();
    vec![
        ("uniform", uniform),
        ("lognormal", lognormal),
        ("pareto", pareto),
        ("seconds", seconds),
    ]
}

fn quantiles_to_test() -> Vec<f64> {
    let mut qs: Vec<f64> = (0..=100).map(|i| i as f64 / 100.0).collect();
    qs.extend([0.001, 0.005, 0.995, 0.999, 0.9999]);
    qs
}

#[test]
fn every_quantile_within_alpha() {
    for alpha in [0.01, 0.02, 0.005] {
        for (name, values) in distributions() {
            let mut sketch = QuantileSketch::new(alpha).unwrap();
            for v in &values {
                sketch.add(*v).unwrap();
            }
            assert!(!sketch.is_collapsed());
            let mut sorted = values.clone();
            sorted.sort_by(f64::total_cmp);
            for q in quantiles_to_test() {
                let want = exact(&sorted, q);
                let got = sketch.quantile(q).unwrap();
                let err = if want == 0.0 {
                    got.abs()
                } else {
                    ((got - want) / want).abs()
                };
                assert!(
                    err <= alpha * (1.0 + 1e-9),
                    "{name} α={alpha} q={q}: got {got}, exact {want}, error {err}"
                );
            }
        }
    }
}

#[test]
fn shards_merge_to_one_pass_bin_for_bin() {
    for (name, values) in distributions() {
        let mut one = QuantileSketch::default();
        values.iter().for_each(|v| one.add(*v).unwrap());
        for shards in 2..=16 {
            // Round-robin shards (no shard sees a contiguous range), merged in a tree.
            let mut parts = vec![QuantileSketch::default(); shards];
            for (i, v) in values.iter().enumerate() {
                parts[i % shards].add(*v).unwrap();
            }
            while parts.len() > 1 {
                let right = parts.split_off(parts.len() / 2);
                for (l, r) in parts.iter_mut().zip(&right) {
                    Calculator::merge(l, r).unwrap();
                }
                if right.len() > parts.len() {
                    parts.push(right[right.len() - 1].clone());
                }
            }
            assert_eq!(parts[0], one, "{name}: {shards} shards");
            assert!(parts[0].nonempty_bins().eq(one.nonempty_bins()));
        }
    }
}

#[test]
fn memory_for_one_second_to_thirty_days() {
    let mut sketch = QuantileSketch::default();
    let mut v = 1.0;
    while v <= 2_592_000.0 {
        sketch.add(v).unwrap();
        v *= 1.001;
    }
    sketch.add(2_592_000.0).unwrap();
    assert_eq!(sketch.bin_count(), 746);
    assert!(
        sketch.heap_bytes() <= 8 * 1024,
        "{} bytes",
        sketch.heap_bytes()
    );
}

/// 10⁸ durations (whole seconds, lognormal with a heavy tail and 5 % zeros): every tested
/// quantile within α. Long (about a minute in release, 400 MB): run with
/// `cargo test --release --all-features --test sketch_accuracy -- --ignored`.
#[test]
#[ignore = "long: 10^8 values; run with --ignored in release"]
fn a_hundred_million_values_within_alpha() {
    const BIG: usize = 100_000_000;
    let mut rng = Rng::new(7);
    let mut values: Vec<u32> = Vec::with_capacity(BIG);
    let mut sketch = QuantileSketch::default();
    for _ in 0..BIG {
        let v = if rng.chance(0.05) {
            0
        } else {
            rng.lognormal(3_600.0, 2.0).floor().min(f64::from(u32::MAX)) as u32
        };
        values.push(v);
        sketch.add_seconds(u64::from(v)).unwrap();
    }
    values.sort_unstable();
    let sorted = |i: usize| f64::from(values[i]);
    let alpha = sketch.relative_accuracy();
    for q in quantiles_to_test() {
        let h = q * (BIG - 1) as f64;
        let lo = h.floor() as usize;
        let hi = (lo + 1).min(BIG - 1);
        let want = sorted(lo) + (h - lo as f64) * (sorted(hi) - sorted(lo));
        let got = sketch.quantile(q).unwrap();
        assert!(
            (got - want).abs() <= alpha * want + 1e-9,
            "q {q}: {got} vs exact {want}"
        );
    }
    assert_eq!(sketch.count(), BIG as u64);
}

/// Whole seconds take a table for short durations: the same bins as the formula, for
/// every value the table covers and beyond it, at the default and another accuracy.
#[test]
fn whole_seconds_land_in_the_formulas_bins() {
    for alpha in [0.01, 0.02] {
        let (mut table, mut formula) = (
            QuantileSketch::new(alpha).unwrap(),
            QuantileSketch::new(alpha).unwrap(),
        );
        for v in (0..5_000u64).chain([10_000, 86_400, u64::from(u32::MAX)]) {
            table.add_seconds(v).unwrap();
            formula.add(v as f64).unwrap();
        }
        assert_eq!(table, formula, "alpha {alpha}");
        assert!(table.nonempty_bins().eq(formula.nonempty_bins()));
    }
}
