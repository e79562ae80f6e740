//! The binary form of a duration summary: round trips, and damage is an error.

mod common;

use csm_metrics::{Calculator, DurationSummary, Error, SummaryConfig};
use proptest::prelude::*;

fn filled(values: &[u64], removed: usize, config: &SummaryConfig) -> DurationSummary {
    let mut s = DurationSummary::with_config(config).unwrap();
    for v in values {
        s.add(*v).unwrap();
    }
    for v in values.iter().take(removed) {
        s.remove(*v).unwrap();
    }
    s
}

fn bytes(s: &DurationSummary) -> Vec<u8> {
    let mut out = Vec::new();
    s.to_bytes(&mut out).unwrap();
    out
}

#[test]
fn empty_and_default_round_trip() {
    let s = DurationSummary::default();
    let b = bytes(&s);
    // 138 bytes plus 16 per bucket edge, no bins.
    assert_eq!(b.len(), 138 + 16 * 5);
    assert_eq!(DurationSummary::from_bytes(&b).unwrap(), s);
}

#[test]
fn size_is_as_documented() {
    let s = filled(&[0, 1, 2, 3, 3_600], 0, &SummaryConfig::default());
    // Bins trimmed to the range from the bin of 1 s to the bin of 3,600 s.
    let indices: Vec<i32> = s.sketch().nonempty_bins().map(|(i, _)| i).collect();
    let span = (indices[indices.len() - 1] - indices[0] + 1) as usize;
    assert_eq!(bytes(&s).len(), 138 + 16 * 5 + 8 * span);
}

#[test]
fn appends_to_what_is_there() {
    let s = filled(&[5, 6], 0, &SummaryConfig::default());
    let mut out = vec![1, 2, 3];
    s.to_bytes(&mut out).unwrap();
    assert_eq!(&out[..3], &[1, 2, 3]);
    assert_eq!(DurationSummary::from_bytes(&out[3..]).unwrap(), s);
}

#[test]
fn not_a_summary() {
    for b in [&b""[..], b"CSMS", b"XXXX\x01", b"CSMS\x02"] {
        assert!(matches!(
            DurationSummary::from_bytes(b),
            Err(Error::CorruptState { .. })
        ));
    }
    let mut b = bytes(&filled(&[1, 2], 0, &SummaryConfig::default()));
    b.push(0);
    let e = DurationSummary::from_bytes(&b).unwrap_err();
    assert!(e.to_string().contains("checksum"), "{e}");
}

#[test]
fn a_huge_bin_count_is_refused_before_allocating() {
    let s = filled(&[10], 0, &SummaryConfig::default());
    let mut b = bytes(&s);
    // The bin count follows the sketch's fixed fields: 5 + 72 + 37 bytes in.
    let at = 5 + 72 + 37;
    b[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(DurationSummary::from_bytes(&b).is_err());
}

fn config() -> impl Strategy<Value = SummaryConfig> {
    prop_oneof![
        Just(SummaryConfig::default()),
        Just(SummaryConfig {
            relative_accuracy: 0.02,
            max_bins: 64,
            bucket_edges: vec![60, 600],
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(common::cases(256)))]

    #[test]
    fn round_trip(
        values in proptest::collection::vec(prop_oneof![0u64..10, 0u64..5_000, 0u64..100_000_000], 0..200),
        removed in 0usize..50,
        config in config(),
    ) {
        let removed = removed.min(values.len());
        let s = filled(&values, removed, &config);
        let back = DurationSummary::from_bytes(&bytes(&s)).unwrap();
        prop_assert_eq!(back.snapshot(), s.snapshot());
        prop_assert_eq!(back, s);
    }

    /// Any single damaged byte or truncation is an error (the checksum), never a panic.
    #[test]
    fn damage_is_refused_or_harmless(
        values in proptest::collection::vec(0u64..1_000_000, 0..40),
        at in any::<prop::sample::Index>(),
        xor in 1u8..=255,
        cut in any::<prop::sample::Index>(),
    ) {
        let s = filled(&values, 0, &SummaryConfig::default());
        let b = bytes(&s);
        let mut damaged = b.clone();
        let i = at.index(damaged.len());
        damaged[i] ^= xor;
        prop_assert!(DurationSummary::from_bytes(&damaged).is_err());
        let cut = cut.index(b.len());
        prop_assert!(DurationSummary::from_bytes(&b[..cut]).is_err());
    }
}

mod calls {
    use chrono::{TimeDelta, TimeZone, Utc};
    use csm_metrics::metrics::calls::CallCenter;
    use csm_metrics::{AgentId, Calculator, Call, CallId, QueueId};
    use proptest::prelude::*;

    fn center(calls: &[(i64, Option<i64>, i64, u64)]) -> CallCenter {
        let t0 = Utc.with_ymd_and_hms(2025, 3, 3, 9, 0, 0).unwrap();
        let mut c = CallCenter::default();
        for (i, &(wait, talk, after, wrap)) in calls.iter().enumerate() {
            let offered_at = t0 + TimeDelta::seconds(i as i64 * 60);
            let answered_at = talk.map(|_| offered_at + TimeDelta::seconds(wait));
            let ended_at =
                answered_at.unwrap_or(offered_at) + TimeDelta::seconds(talk.unwrap_or(after));
            let _ = c.observe(&Call {
                id: CallId(i as u64),
                queue: QueueId(1),
                offered_at,
                answered_at,
                ended_at,
                hold: 0,
                wrap: if talk.is_some() { wrap } else { 0 },
                agent: talk.map(|_| AgentId(1)),
                customer: None,
                transferred: false,
            });
        }
        c
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(super::common::cases(128)))]

        #[test]
        fn round_trip_and_damage(
            calls in proptest::collection::vec((0i64..300, proptest::option::of(1i64..2_000), 1i64..200, 0u64..300), 0..60),
            at in any::<prop::sample::Index>(),
            xor in 1u8..=255,
        ) {
            let c = center(&calls);
            let mut bytes = Vec::new();
            c.to_bytes(&mut bytes).unwrap();
            let back = CallCenter::from_bytes(&bytes).unwrap();
            prop_assert_eq!(back.snapshot(), c.snapshot());
            let mut damaged = bytes.clone();
            let i = at.index(damaged.len());
            damaged[i] ^= xor;
            prop_assert!(CallCenter::from_bytes(&damaged).is_err());
            prop_assert!(CallCenter::from_bytes(&bytes[..bytes.len() - 1]).is_err());
        }
    }
}

/// Found by the damage property: a sketch holding values next to f64::MAX interpolated
/// through an infinite bin value (inf, then NaN). Bin values stay finite now.
#[test]
fn quantiles_next_to_the_largest_float_are_finite() {
    let mut s = csm_metrics::QuantileSketch::default();
    s.add(0.0).unwrap();
    s.add(f64::MAX).unwrap();
    s.add(f64::MAX / 3.0).unwrap();
    for q in [0.0, 0.25, 0.5, 0.9, 0.99, 1.0] {
        let v = s.quantile(q).unwrap();
        assert!(v.is_finite(), "q {q}: {v}");
    }
}
