//! Comparisons with a verdict against published values (Newcombe 1998, Table II, method
//! 10; Rocks's R package NPS for the NPS intervals; the worked example of Bonett's
//! statpsych for the medians), worked by hand, and their laws.

use csm_metrics::compare::{self, Change, CompareOptions, NpsCounts};
use csm_metrics::{Calculator, DurationSummary, SummaryConfig};
use proptest::prelude::*;

fn any_options() -> CompareOptions {
    CompareOptions {
        min_sample: 1,
        ..CompareOptions::default()
    }
}

#[test]
fn newcombe_1998_method_10() {
    // Newcombe, "Interval estimation for the difference between independent proportions:
    // comparison of eleven methods", Statistics in Medicine 17 (1998), Table II, method 10
    // (score interval without continuity correction), to 4 decimals.
    let cases = [
        ((56, 70), (48, 80), (0.0524, 0.3339)),
        ((9, 10), (3, 10), (0.1705, 0.8090)),
        ((6, 7), (2, 7), (0.0582, 0.8062)),
        ((5, 56), (0, 29), (-0.0381, 0.1926)),
        ((0, 10), (0, 20), (-0.1611, 0.2775)),
        ((10, 10), (0, 20), (0.6791, 1.0000)),
    ];
    for (a, b, (low, high)) in cases {
        let d = compare::proportions(a, b, &any_options()).unwrap();
        let i = d.interval.unwrap();
        assert!(
            (i.low - low).abs() < 5e-5,
            "{a:?} − {b:?}: low {} vs {low}",
            i.low
        );
        assert!(
            (i.high - high).abs() < 5e-5,
            "{a:?} − {b:?}: high {} vs {high}",
            i.high
        );
        let diff = a.0 as f64 / a.1 as f64 - b.0 as f64 / b.1 as f64;
        assert!((d.difference.unwrap() - diff).abs() < 1e-12);
    }
    // (a): the interval excludes 0 → better; (d) holds it → no detectable change.
    let a = compare::proportions((56, 70), (48, 80), &any_options()).unwrap();
    assert_eq!(a.change, Change::Better);
    let d = compare::proportions((5, 56), (0, 29), &any_options()).unwrap();
    assert_eq!(d.change, Change::NoDetectableChange);
    // With the default minimum of 30 per side, (b) is not enough data.
    let b = compare::proportions((9, 10), (3, 10), &CompareOptions::default()).unwrap();
    assert_eq!(b.change, Change::NotEnoughData);
}

#[test]
fn nps_adjusted_wald_by_hand() {
    // a: 60 promoters, 25 passives, 15 detractors (NPS 45); b: 45, 30, 25 (NPS 20).
    // Adjusted: n' = 103, a: p' = 60.75/103, d' = 15.75/103; b: p' = 45.75/103,
    // d' = 25.75/103; var = p' + d' − (p' − d')²; the interval is
    // 100·(s'ₐ − s'ᵦ) ± 1.96·100·√(varₐ/103 + varᵦ/103) = [3.0433437, 45.5003456].
    let a = NpsCounts {
        promoters: 60,
        passives: 25,
        detractors: 15,
    };
    let b = NpsCounts {
        promoters: 45,
        passives: 30,
        detractors: 25,
    };
    let d = compare::nps(a, b, &CompareOptions::default()).unwrap();
    let i = d.interval.unwrap();
    assert!((i.low - 3.043_343_701_652_997).abs() < 1e-9, "{}", i.low);
    assert!((i.high - 45.500_345_618_735_34).abs() < 1e-9, "{}", i.high);
    assert!((d.difference.unwrap() - 25.0).abs() < 1e-12);
    assert_eq!(d.change, Change::Better);
    assert_eq!(d.samples, [100, 100]);
    // Plain Wald: (p + d − (p − d)²)/n per side.
    let w = compare::nps_wald(a, b, &CompareOptions::default()).unwrap();
    let i = w.interval.unwrap();
    assert!((i.low - 3.462_680_004_261_997_6).abs() < 1e-9, "{}", i.low);
    assert!((i.high - 46.537_319_995_737_99).abs() < 1e-9, "{}", i.high);
    // The other way round: worse, the interval mirrored.
    let back = compare::nps(b, a, &CompareOptions::default()).unwrap();
    assert_eq!(back.change, Change::Worse);
    assert!((back.interval.unwrap().low + 45.500_345_618_735_34).abs() < 1e-9);
    // A side without responses: no figure.
    let none = compare::nps(a, NpsCounts::default(), &any_options()).unwrap();
    assert_eq!(
        (none.difference, none.change),
        (None, Change::NotEnoughData)
    );
}

/// Category counts in the R package's order: (detractors, passives, promoters).
fn npc(d: u64, p: u64, pr: u64) -> NpsCounts {
    NpsCounts {
        promoters: pr,
        passives: p,
        detractors: d,
    }
}

/// (detractors, passives, promoters).
type Counts = (u64, u64, u64);

#[test]
fn nps_against_rocks_r_package() {
    // Reference: `NPS::nps_test_(x, y, test = "adjusted.wald" | "wald")` from Rocks's own
    // R package (github.com/brendan-r/NPS at cd9473e, the implementation behind Rocks,
    // The American Statistician 70 (2016)), run in R 4.2 by `tests/reference/nps_rocks.R`;
    // default pseudo-observations c(0.75, 1.5, 0.75). It reports |Δ| ± z·se; every case
    // here has a ≥ b, so its interval is ours. Units there are fractions, here points.
    #[rustfmt::skip]
    let cases: [(Counts, Counts, [f64; 2], [f64; 2]); 6] = [
        ((15, 25, 60), (25, 30, 45),
         [0.030_433_437_016_530, 0.455_003_456_187_353], [0.034_626_800_042_620, 0.465_373_199_957_380]),
        ((3, 4, 13), (6, 5, 9),
         [-0.156_612_840_652_288, 0.765_308_492_826_202], [-0.145_351_574_310_446, 0.845_351_574_310_446]),
        ((0, 0, 10), (10, 0, 0),
         [1.122_406_620_576_013, 1.954_516_456_347_064], [2.0, 2.0]),
        ((120, 310, 570), (150, 320, 530),
         [0.007_163_648_197_780, 0.132_417_608_033_526], [0.007_308_720_547_016, 0.132_691_279_452_984]),
        ((2, 1, 2), (1, 3, 1),
         [-0.734_986_494_202_520, 0.734_986_494_202_520], [-0.960_182_335_271_062, 0.960_182_335_271_062]),
        ((40, 20, 40), (35, 30, 35),
         [-0.235_372_966_912_576, 0.235_372_966_912_576], [-0.240_045_583_817_765, 0.240_045_583_817_765]),
    ];
    for ((ad, ap, apr), (bd, bp, bpr), adjusted, wald) in cases {
        let (a, b) = (npc(ad, ap, apr), npc(bd, bp, bpr));
        let o = any_options();
        for (got, want) in [
            (compare::nps(a, b, &o).unwrap(), adjusted),
            (compare::nps_wald(a, b, &o).unwrap(), wald),
        ] {
            let i = got.interval.unwrap();
            assert!(
                (i.low - 100.0 * want[0]).abs() < 1e-9 && (i.high - 100.0 * want[1]).abs() < 1e-9,
                "{a:?} vs {b:?}: {i:?}, R {want:?}"
            );
        }
    }
}

#[test]
fn medians_against_bonett_published_example() {
    // The worked example published with Bonett's R package statpsych (`ci.median2`,
    // Price & Bonett's 2002 interval for a difference of medians; its documentation gives
    // "Median1 75.5, Median2 160.5, Median1-Median2 −85, SE 37.11502, LL −157.7441,
    // UL −12.25589").
    let y1 = [
        70, 394, 43, 95, 62, 128, 2, 203, 81, 436, 85, 35, 156, 1, 3, 27, 63, 181, 184, 18,
    ];
    let y2 = [
        102, 120, 78, 78, 417, 124, 86, 171, 176, 129, 230, 194, 100, 157, 306, 411, 164, 103, 193,
        312,
    ];
    let fine = |values: &[u64], alpha: f64| {
        let mut s = DurationSummary::with_config(&SummaryConfig {
            relative_accuracy: alpha,
            max_bins: 1 << 20,
            ..SummaryConfig::default()
        })
        .unwrap();
        for v in values {
            s.add(*v).unwrap();
        }
        s.snapshot()
    };
    let o = any_options().lower_is_better();
    // Nearly exact order statistics (α = 10⁻⁵, every value within 0.005 s): the published
    // figures to their last digits but one.
    let (a, b) = (fine(&y1, 1e-5), fine(&y2, 1e-5));
    let se = (a.p50_se.unwrap().powi(2) + b.p50_se.unwrap().powi(2)).sqrt();
    assert!((se - 37.115_02).abs() < 0.01, "{se}");
    let d = compare::medians(&a, &b, &o).unwrap();
    let i = d.interval.unwrap();
    assert!(
        (d.difference.unwrap() + 85.0).abs() < 0.01,
        "{:?}",
        d.difference
    );
    assert!(
        (i.low + 157.744_1).abs() < 0.02 && (i.high + 12.255_89).abs() < 0.02,
        "{i:?}"
    );
    assert_eq!(d.change, Change::Better);
    // The default α = 1 %: every order statistic within 1 %, so the ends move by at most
    // 1 % of the values they are read from (the largest here 436 s).
    let (a, b) = (fine(&y1, 0.01), fine(&y2, 0.01));
    let i = compare::medians(&a, &b, &o).unwrap().interval.unwrap();
    assert!(
        (i.low + 157.744_1).abs() < 8.0 && (i.high + 12.255_89).abs() < 8.0,
        "{i:?}"
    );
}

#[test]
fn sample_needed_by_hand() {
    // Both sides at 85 %, to detect 5 points at 95 % with 80 % power:
    // (1.959964 + 0.841621)² · 2 · 0.85 · 0.15 / 0.05² = 800.59 → 801 per side.
    let o = CompareOptions::default().detecting(0.05);
    let d = compare::proportions((170, 200), (170, 200), &o).unwrap();
    assert_eq!(d.needed_per_side, Some(801));
    assert_eq!(d.change, Change::NoDetectableChange);
    assert!(compare::proportions((3, 2), (1, 2), &o).is_err());
    let bad = CompareOptions {
        power: 1.0,
        ..CompareOptions::default()
    };
    assert!(compare::proportions((1, 2), (1, 2), &bad).is_err());
}

fn summary(values: impl IntoIterator<Item = u64>) -> DurationSummary {
    let mut s = DurationSummary::default();
    for v in values {
        s.add(v).unwrap();
    }
    s
}

#[test]
fn medians_by_hand() {
    // 1..=101 s: median 51, c = round(51 − 1.96·√101/2) = round(41.15) = 41, so the
    // interval is [x₄₁, x₆₁] = [41, 61] within α; SE = 20/(2·1.96).
    let a = summary(1..=101).snapshot();
    let i = a.p50_interval.unwrap();
    assert!(
        (i.low - 41.0).abs() <= 0.41 && (i.high - 61.0).abs() <= 0.61,
        "{i:?}"
    );
    // 51..=151 s: 50 s slower. With lower better, a is better than b.
    let b = summary(51..=151).snapshot();
    let o = CompareOptions::default().lower_is_better();
    let d = compare::medians(&a, &b, &o).unwrap();
    assert!(
        (d.difference.unwrap() + 50.0).abs() <= 1.1,
        "{:?}",
        d.difference
    );
    assert_eq!(d.change, Change::Better);
    assert_eq!(compare::medians(&b, &a, &o).unwrap().change, Change::Worse);
    // Too few values for an interval: no figure.
    let few = summary([1, 2, 3]).snapshot();
    assert_eq!(few.p50_interval, None);
    assert_eq!(
        compare::medians(&few, &a, &o).unwrap().change,
        Change::NotEnoughData
    );
}

proptest! {
    #[test]
    fn equal_sides_show_no_change(s in 0u64..500, extra in 0u64..500, p in 0u64..200, q in 0u64..200, r in 0u64..200) {
        let n = s + extra;
        let d = compare::proportions((s, n), (s, n), &any_options()).unwrap();
        if n > 0 {
            let i = d.interval.unwrap();
            prop_assert!(i.low <= 0.0 && i.high >= 0.0);
            prop_assert!((i.low + i.high).abs() < 1e-12);
            prop_assert_eq!(d.change, Change::NoDetectableChange);
        } else {
            prop_assert_eq!(d.change, Change::NotEnoughData);
        }
        let c = NpsCounts { promoters: p, passives: q, detractors: r };
        let d = compare::nps(c, c, &any_options()).unwrap();
        if p + q + r > 0 {
            let i = d.interval.unwrap();
            prop_assert!(i.low <= 0.0 && i.high >= 0.0);
            prop_assert_eq!(d.change, Change::NoDetectableChange);
        }
    }

    #[test]
    fn swapping_sides_mirrors(a in (0u64..300, 1u64..300), b in (0u64..300, 1u64..300)) {
        let (a, b) = ((a.0.min(a.1), a.1), (b.0.min(b.1), b.1));
        let x = compare::proportions(a, b, &any_options()).unwrap();
        let y = compare::proportions(b, a, &any_options()).unwrap();
        let (ix, iy) = (x.interval.unwrap(), y.interval.unwrap());
        prop_assert!((ix.low + iy.high).abs() < 1e-12 && (ix.high + iy.low).abs() < 1e-12);
        let flipped = match x.change {
            Change::Better => Change::Worse,
            Change::Worse => Change::Better,
            c => c,
        };
        prop_assert_eq!(y.change, flipped);
        prop_assert!(ix.low <= x.difference.unwrap() && x.difference.unwrap() <= ix.high);
    }
}
