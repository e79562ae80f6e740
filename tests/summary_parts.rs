//! A `DurationSummary` holds recent values in a small batch before folding them into its
//! parts (moments, sketch, buckets). These laws check that the batch is invisible: under
//! any mix of adds, removals, merges, copies and byte round trips, the summary reports what
//! its three parts fed one value at a time report.

use csm_metrics::{Calculator, DurationBuckets, DurationMoments, DurationSummary, QuantileSketch};
use proptest::prelude::*;

/// The three parts, fed one value at a time (no batch).
#[derive(Default, Clone)]
struct Parts {
    moments: DurationMoments,
    sketch: QuantileSketch,
    buckets: DurationBuckets,
}

impl Parts {
    fn add(&mut self, v: u64) {
        self.sketch.add(v as f64).unwrap();
        self.moments.add(v).unwrap();
        self.buckets.add(v);
    }
    fn remove(&mut self, v: u64) -> bool {
        let (mut m, mut b, mut s) = (
            self.moments.clone(),
            self.buckets.clone(),
            self.sketch.clone(),
        );
        if m.remove(v).is_err() || b.remove(v).is_err() || s.remove(v as f64).is_err() {
            return false;
        }
        (self.moments, self.buckets, self.sketch) = (m, b, s);
        true
    }
}

#[derive(Debug, Clone)]
enum Op {
    Add(u64),
    Remove(u64),
    /// Merge the other side's summary in (and the parts alike).
    Merge,
    /// Replace by its byte round trip.
    Bytes,
}

fn value() -> impl Strategy<Value = u64> {
    prop_oneof![
        Just(0u64),
        1u64..5_000,
        5_000u64..2_000_000,
        Just(u64::from(u32::MAX)),
        (1u64 << 32)..(1u64 << 40),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        8 => value().prop_map(Op::Add),
        2 => value().prop_map(Op::Remove),
        1 => Just(Op::Merge),
        1 => Just(Op::Bytes),
    ]
}

fn check(s: &DurationSummary, p: &Parts) -> Result<(), TestCaseError> {
    prop_assert_eq!(s.count(), p.moments.count());
    prop_assert_eq!(&*s.moments(), &p.moments);
    prop_assert_eq!(&*s.sketch(), &p.sketch);
    let snap = s.snapshot();
    prop_assert_eq!(snap.buckets, p.buckets.buckets());
    prop_assert_eq!(snap.mean, p.moments.mean());
    prop_assert_eq!(s.quantile(0.5), p.sketch.quantile(0.5));
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn the_batch_is_invisible(ops in prop::collection::vec(op(), 0..120), other in prop::collection::vec(value(), 0..40)) {
        let mut s = DurationSummary::default();
        let mut p = Parts::default();
        let mut o = DurationSummary::default();
        let mut op_parts = Parts::default();
        for v in &other {
            o.add(*v).unwrap();
            op_parts.add(*v);
        }
        for op in ops {
            match op {
                Op::Add(v) => {
                    s.add(v).unwrap();
                    p.add(v);
                }
                Op::Remove(v) => {
                    let before = s.clone();
                    let taken = p.remove(v);
                    prop_assert_eq!(s.remove(v).is_ok(), taken);
                    if !taken {
                        // A refused removal changes nothing.
                        prop_assert_eq!(&s, &before);
                    }
                }
                Op::Merge => {
                    s.merge(&o).unwrap();
                    p.moments.merge(&op_parts.moments).unwrap();
                    p.sketch.merge(&op_parts.sketch).unwrap();
                    p.buckets.merge(&op_parts.buckets).unwrap();
                }
                Op::Bytes => {
                    let mut bytes = Vec::new();
                    s.to_bytes(&mut bytes).unwrap();
                    let back = DurationSummary::from_bytes(&bytes).unwrap();
                    prop_assert_eq!(&back, &s);
                    s = back;
                }
            }
            check(&s, &p)?;
            // A copy equals the original, and so does one built from the same values.
            prop_assert_eq!(&s.clone(), &s);
        }
    }
}

#[test]
fn equal_whether_values_are_pending_or_folded() {
    // 7 values (pending) against the same 7 after a merge into an empty summary (folded).
    let mut a = DurationSummary::default();
    for v in [1, 60, 3_600, 7_200, 86_400, 90_000, 1 << 33] {
        a.add(v).unwrap();
    }
    let mut b = DurationSummary::default();
    b.merge(&a).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.snapshot(), b.snapshot());
    #[cfg(feature = "serde")]
    {
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(json, serde_json::to_string(&b).unwrap());
        let back: DurationSummary = serde_json::from_str(&json).unwrap();
        assert_eq!(back, a);
    }
}
