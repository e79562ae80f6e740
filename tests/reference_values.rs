//! Published and hand-computed reference values, checked to 1e-6.

use chrono::{DateTime, TimeZone, Utc};
use csm_metrics::*;

fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 1, 12, 0, 0).unwrap()
}

fn responses(scores: impl IntoIterator<Item = SurveyScore>) -> Vec<SurveyResponse> {
    scores
        .into_iter()
        .enumerate()
        .map(|(i, s)| SurveyResponse::new(SurveyId(i as u64 + 1), at(), s))
        .collect()
}

fn close(a: f64, b: f64) {
    assert!((a - b).abs() < 1e-6, "{a} != {b}");
}

#[test]
fn nps_50_20_30() {
    // 50 promoters, 20 passives, 30 detractors: NPS = 50 % − 30 % = 20.
    // SE = sqrt((0.5 + 0.3 − 0.2²) / 100) = sqrt(0.0076) = 0.087178;
    // MoE = 1.959964 · 0.087178 · 100 = 17.0866 → [2.9134, 37.0866].
    let mut scores = Vec::new();
    scores.extend(std::iter::repeat_n(SurveyScore::Nps(9), 25));
    scores.extend(std::iter::repeat_n(SurveyScore::Nps(10), 25));
    scores.extend(std::iter::repeat_n(SurveyScore::Nps(7), 10));
    scores.extend(std::iter::repeat_n(SurveyScore::Nps(8), 10));
    scores.extend((0..30).map(|i| SurveyScore::Nps(i % 7)));
    let mut nps = NetPromoterScore::default();
    nps.observe_all(&responses(scores)).unwrap();
    let s = nps.snapshot();
    assert_eq!(
        (s.responses, s.promoters, s.passives, s.detractors),
        (100, 50, 20, 30)
    );
    close(s.score.unwrap(), 20.0);
    close(s.standard_error.unwrap(), 0.087178);
    let ci = s.interval.unwrap();
    // The published figures, to their four decimals …
    assert!((ci.low - 2.9134).abs() < 5e-5 && (ci.high - 37.0866).abs() < 5e-5);
    // … and to 1e-6 from z = 1.959963985: MoE = 17.086570.
    close(ci.low, 2.913_430);
    close(ci.high, 37.086_570);
    close(s.margin_of_error.unwrap(), 17.086_570);
    assert!(s.small_sample, "±17 points is wider than ±10");
    // At 90 %: z = 1.644854 → MoE = 14.339501.
    close(s.at_confidence(0.90).unwrap().margin_of_error, 14.339_501);
}

#[test]
fn nps_interval_is_clamped() {
    let mut nps = NetPromoterScore::default();
    nps.observe_all(&responses([
        SurveyScore::Nps(10),
        SurveyScore::Nps(10),
        SurveyScore::Nps(3),
    ]))
    .unwrap();
    let s = nps.snapshot();
    close(s.score.unwrap(), 100.0 / 3.0);
    // p = 2/3, d = 1/3: SE = sqrt((1 − 1/9) / 3) = 0.544331; MoE = 106.686926 → clamped.
    close(s.margin_of_error.unwrap(), 106.686_926);
    assert_eq!(s.interval.unwrap().high, 100.0);
    close(s.interval.unwrap().low, -73.353_593);
}

#[test]
fn wilson_reference_values() {
    for (k, n, low, high) in [
        (8, 10, 0.490_162, 0.943_318),
        (80, 100, 0.711_171, 0.866_633),
        (10, 10, 0.722_467, 1.0),
        (0, 10, 0.0, 0.277_533),
    ] {
        let ci = wilson_interval(k, n, 0.95).unwrap();
        close(ci.low, low);
        close(ci.high, high);
    }
    assert!(wilson_interval(1, 0, 0.95).is_none());
    assert!(wilson_interval(2, 1, 0.95).is_none());
}

#[test]
fn csat_top_two_box_with_wilson() {
    // 8 satisfied (4-5) of 10: CSAT 80 %, Wilson [49.0162, 94.3318] %.
    let scores = [5, 5, 5, 4, 4, 4, 4, 4, 2, 1].map(SurveyScore::Csat);
    let mut csat = CustomerSatisfaction::default();
    csat.observe_all(&responses(scores)).unwrap();
    let s = csat.snapshot();
    assert_eq!((s.responses, s.satisfied), (10, 8));
    close(s.score.unwrap(), 80.0);
    // 1e-6 on the share is 1e-4 in percent.
    assert!((s.interval.unwrap().low - 49.016_2).abs() < 1e-4);
    assert!((s.interval.unwrap().high - 94.331_8).abs() < 1e-4);
    // Mean (3·5 + 5·4 + 2 + 1) / 10 = 3.8; sd = sqrt((Σx² − n·mean²)/(n − 1))
    // Σx² = 75 + 80 + 4 + 1 = 160 → (160 − 144.4)/9 = 1.733333 → sd 1.316561.
    let m = s.mean.unwrap();
    close(m.mean, 3.8);
    close(m.std_dev.unwrap(), 1.316_561);
    close(
        m.interval.unwrap().low,
        3.8 - 1.959_964 * 1.316_561 / 10f64.sqrt(),
    );
    assert_eq!(s.distribution, vec![1, 1, 0, 5, 3]);
    assert!(s.small_sample);
}

#[test]
fn csat_on_a_ten_point_scale() {
    let mut csat = CustomerSatisfaction::new(CsatScale::Points {
        max: 10,
        satisfied_from: 9,
    })
    .unwrap();
    csat.observe_all(&responses([10, 9, 8, 1].map(SurveyScore::Csat)))
        .unwrap();
    close(csat.snapshot().score.unwrap(), 50.0);
    assert!(
        CustomerSatisfaction::new(CsatScale::Points {
            max: 11,
            satisfied_from: 4
        })
        .is_err()
    );
    assert!(
        CustomerSatisfaction::new(CsatScale::Points {
            max: 5,
            satisfied_from: 6
        })
        .is_err()
    );
}

#[test]
fn ces_mean_and_agreement() {
    // Scores 7, 6, 5, 4, 1: mean 4.6; agreeing (5-7) 3 of 5 = 60 %.
    let mut ces = CustomerEffortScore::default();
    ces.observe_all(&responses([7, 6, 5, 4, 1].map(SurveyScore::Ces)))
        .unwrap();
    let s = ces.snapshot();
    close(s.mean.unwrap().mean, 4.6);
    assert_eq!(s.agreeing, 3);
    close(s.agree.unwrap().percent, 60.0);
    assert_eq!(s.distribution, vec![1, 0, 0, 1, 1, 1, 1]);
}

#[test]
fn enps_is_nps_over_employees() {
    // 30 employees: 5 promoters, 7 passives, 18 detractors → (5 − 18) / 30 = −43.33.
    let mut scores = Vec::new();
    scores.extend(std::iter::repeat_n(SurveyScore::Enps(9), 5));
    scores.extend(std::iter::repeat_n(SurveyScore::Enps(7), 7));
    scores.extend(std::iter::repeat_n(SurveyScore::Enps(5), 18));
    let mut enps = EmployeeNetPromoterScore::default();
    enps.observe_all(&responses(scores)).unwrap();
    close(enps.snapshot().score.unwrap(), -130.0 / 3.0);
    let nps_response = &responses([SurveyScore::Nps(9)])[0];
    let err = enps.observe(nps_response).unwrap_err();
    assert_eq!(
        err.to_string(),
        "survey 1: a NPS response given to a eNPS calculator"
    );
}

#[test]
fn happiness_score() {
    // 7 great, 2 okay, 1 not good → 70 − 10 = 60.
    let mut scores = Vec::new();
    scores.extend(std::iter::repeat_n(
        SurveyScore::Happiness(Happiness::Great),
        7,
    ));
    scores.extend(std::iter::repeat_n(
        SurveyScore::Happiness(Happiness::Okay),
        2,
    ));
    scores.push(SurveyScore::Happiness(Happiness::NotGood));
    let mut h = HappinessScore::default();
    h.observe_all(&responses(scores)).unwrap();
    let s = h.snapshot();
    close(s.score.unwrap(), 60.0);
    // SE = sqrt((0.7 + 0.1 − 0.36) / 10) = 0.209762; MoE = 41.112551.
    close(s.net.unwrap().margin_of_error, 41.112_551);
}

#[test]
fn engagement_per_item_and_pooled() {
    // Item 1: 5, 4, 3 (mean 4, favourable 2/3); item 2: 2, 2 (mean 2, favourable 0).
    // Pooled: 16 / 5 = 3.2, favourable 2/5 = 40 %.
    let scores = [(1, 5), (1, 4), (1, 3), (2, 2), (2, 2)].map(|(i, s)| SurveyScore::Engagement {
        item: ItemId(i),
        score: s,
    });
    let mut e = Engagement::default();
    e.observe_all(&responses(scores)).unwrap();
    let s = e.snapshot();
    close(s.items[&ItemId(1)].mean.unwrap().mean, 4.0);
    close(s.items[&ItemId(1)].favourable.unwrap().percent, 200.0 / 3.0);
    close(s.items[&ItemId(2)].mean.unwrap().mean, 2.0);
    close(s.overall.mean.unwrap().mean, 3.2);
    close(s.overall.favourable.unwrap().percent, 40.0);
    assert_eq!(s.overall.distribution, [0, 2, 1, 1, 1]);
}

#[test]
fn errors_name_the_record_and_rule() {
    let r = |id, s| SurveyResponse::new(SurveyId(id), at(), s);
    let cases = [
        (
            r(17, SurveyScore::Nps(11)),
            "survey 17: NPS score 11 is outside 0..=10",
        ),
        (
            r(3, SurveyScore::Ces(0)),
            "survey 3: CES score 0 is outside 1..=7",
        ),
        (
            r(4, SurveyScore::Enps(12)),
            "survey 4: eNPS score 12 is outside 0..=10",
        ),
        (
            r(
                5,
                SurveyScore::Engagement {
                    item: ItemId(1),
                    score: 6,
                },
            ),
            "survey 5: engagement score 6 is outside 1..=5",
        ),
    ];
    let mut suite = SurveySuite::default();
    for (record, message) in cases {
        assert_eq!(record.validate().unwrap_err().to_string(), message);
        let before = suite.clone();
        let err = suite.observe(&record).unwrap_err();
        assert_eq!(err.to_string(), message);
        assert_eq!(err.record(), Some(RecordRef::Survey(record.id)));
        assert_eq!(suite, before);
    }
    let err = suite.observe(&r(9, SurveyScore::Csat(6))).unwrap_err();
    assert_eq!(err.to_string(), "survey 9: CSAT score 6 is outside 1..=5");
    assert!(matches!(
        err.rule(),
        Some(Rule::ScoreOutOfRange { score: 6, .. })
    ));
}

#[test]
fn empty_snapshots_say_so() {
    let s = NetPromoterScore::default().snapshot();
    assert_eq!((s.responses, s.score, s.interval), (0, None, None));
    assert!(s.small_sample);
    let c = CustomerSatisfaction::default().snapshot();
    assert_eq!((c.score, c.mean), (None, None));
    let d = DurationSummary::default().snapshot();
    assert_eq!((d.count, d.mean, d.p50, d.min), (0, None, None, None));
}

#[test]
fn duration_summary_hand_computed() {
    // 60, 120, 3600, 7200, 90000 s: mean 20196; sorted p50 = 3600;
    // p90 (type 7): h = 0.9 · 4 = 3.6 → 7200 + 0.6 · (90000 − 7200) = 56880.
    let mut d = DurationSummary::default();
    d.observe_all(&[60, 120, 3_600, 7_200, 90_000]).unwrap();
    let s = d.snapshot();
    close(s.mean.unwrap(), 20_196.0);
    assert_eq!((s.min, s.max), (Some(60.0), Some(90_000.0)));
    assert!((s.p50.unwrap() - 3_600.0).abs() <= 0.01 * 3_600.0);
    assert!((s.p90.unwrap() - 56_880.0).abs() <= 0.01 * 56_880.0);
    let counts: Vec<u64> = s.buckets.iter().map(|b| b.count).collect();
    assert_eq!(counts, vec![2, 2, 0, 1, 0, 0]); // 0-1h, 1-8h, 8-24h, 1-3d, 3-7d, >7d
    // Variance: Σx² = 3600 + 14400 + 12960000 + 51840000 + 8100000000 = 8164818000;
    // (5 · 8164818000 − 100980²) / 20 = (40824090000 − 10196960400) / 20 = 1531356480.
    close(s.std_dev.unwrap(), 1_531_356_480f64.sqrt());
    // Removing the maximum: exact moments, max now from the sketch.
    d.remove(90_000).unwrap();
    let s = d.snapshot();
    close(s.mean.unwrap(), 2_745.0);
    assert!((s.max.unwrap() - 7_200.0).abs() <= 0.01 * 7_200.0);
    assert!(d.remove(5).is_err());
}

#[test]
fn moments_do_not_overflow_at_a_billion_billion_second_values() {
    // 10⁹ values of 10⁹ s, added as merged shards of equal states.
    let mut one = DurationMoments::default();
    for _ in 0..1_000 {
        one.add(1_000_000_000).unwrap();
    }
    let mut all = one.clone();
    for _ in 0..999 {
        all.merge(&one).unwrap();
    } // 10⁶ values
    let million = all.clone();
    for _ in 0..999 {
        all.merge(&million).unwrap();
    } // 10⁹ values
    assert_eq!(all.count(), 1_000_000_000);
    assert_eq!(all.sum(), 1_000_000_000u128 * 1_000_000_000);
    assert_eq!(all.mean(), Some(1e9));
    assert_eq!(all.variance(), Some(0.0));
}

#[test]
fn record_sizes() {
    eprintln!(
        "SurveyResponse {} B, Interaction {} B, Call {} B, SurveyScore {} B",
        std::mem::size_of::<SurveyResponse>(),
        std::mem::size_of::<Interaction>(),
        std::mem::size_of::<Call>(),
        std::mem::size_of::<SurveyScore>()
    );
}

#[test]
fn score_columns_equal_records() {
    let scores: Vec<u8> = (0..1_003u32).map(|i| (i * 7 % 11) as u8).collect();
    let mut by_column = NetPromoterScore::default();
    by_column.observe_scores(&scores).unwrap();
    let mut by_record = NetPromoterScore::default();
    by_record
        .observe_all(&responses(scores.iter().map(|s| SurveyScore::Nps(*s))))
        .unwrap();
    assert_eq!(by_column, by_record);

    let before = by_column.clone();
    let err = by_column.observe_scores(&[3, 10, 11, 2]).unwrap_err();
    assert_eq!(err.to_string(), "row 2: NPS score 11 is outside 0..=10");
    assert_eq!(by_column, before);

    let mut csat = CustomerSatisfaction::default();
    assert_eq!(
        csat.observe_scores(&[5, 0]).unwrap_err().to_string(),
        "row 1: CSAT score 0 is outside 1..=5"
    );
    csat.observe_scores(&[5, 4, 1, 2]).unwrap();
    assert_eq!(csat.snapshot().score, Some(50.0));
    let mut ces = CustomerEffortScore::default();
    ces.observe_scores(&[7, 1]).unwrap();
    assert_eq!(ces.snapshot().mean.unwrap().mean, 4.0);
}
