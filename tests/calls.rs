//! Contact-center figures: service-level bases, and first contact resolution (hand-worked,
//! shard merge, settling).

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use csm_metrics::metrics::calls::{
    CallCenter, CallConfig, FirstContactResolution, ServiceLevelBase,
};
use csm_metrics::*;
use proptest::prelude::*;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 3, 9, 0, 0).unwrap()
}

fn call(id: u64, customer: u64, at: i64, wait: Option<i64>, abandon_after: i64) -> Call {
    let offered = t0() + TimeDelta::seconds(at);
    let answered = wait.map(|w| offered + TimeDelta::seconds(w));
    Call {
        id: CallId(id),
        queue: QueueId(1),
        offered_at: offered,
        answered_at: answered,
        ended_at: answered.map_or(offered + TimeDelta::seconds(abandon_after), |a| {
            a + TimeDelta::seconds(120)
        }),
        hold: 0,
        wrap: if answered.is_some() { 10 } else { 0 },
        agent: answered.map(|_| AgentId(1)),
        customer: Some(CustomerId(customer)),
        transferred: false,
    }
}

#[test]
fn service_level_bases() {
    // Answered in 10 s and 30 s; abandoned after 3 s (short) and after 40 s (late).
    let calls = [
        call(1, 1, 0, Some(10), 0),
        call(2, 2, 0, Some(30), 0),
        call(3, 3, 0, None, 3),
        call(4, 4, 0, None, 40),
    ];
    let sl = |base| {
        let mut c = CallCenter::new(CallConfig {
            base,
            ..CallConfig::default()
        });
        c.observe_all(&calls).unwrap();
        c.snapshot().service_level.unwrap()
    };
    assert_eq!(sl(ServiceLevelBase::OfferedLessShortAbandons), 1.0 / 3.0);
    assert_eq!(sl(ServiceLevelBase::Answered), 1.0 / 2.0);
    assert_eq!(sl(ServiceLevelBase::AnsweredAndLateAbandons), 1.0 / 3.0);
}

#[test]
fn fcr_by_hand() {
    let day = 86_400;
    let mut fcr = FirstContactResolution::default();
    // Customer 1: answered at day 0, abandons a call on day 3 (a further contact: not
    // resolved), answered again on day 20 (pending until day 27).
    for c in [
        call(1, 1, 0, Some(5), 0),
        call(2, 1, 3 * day, None, 60),
        call(3, 1, 20 * day, Some(5), 0),
    ] {
        fcr.observe(&c).unwrap();
    }
    // Customer 2: two answered calls 8 days apart: the first is resolved.
    for c in [call(4, 2, 0, Some(5), 0), call(5, 2, 8 * day, Some(5), 0)] {
        fcr.observe(&c).unwrap();
    }
    let at = |d: i64| t0() + TimeDelta::seconds(d * day);
    let s = fcr.snapshot_at(at(21));
    assert_eq!((s.resolved, s.repeated, s.pending), (2, 1, 1)); // call 4; call 5 (day 8 + 7 < 21)
    let s = fcr.snapshot_at(at(30));
    assert_eq!((s.resolved, s.repeated, s.pending), (3, 1, 0));
    fcr.settle(at(30));
    assert_eq!(fcr.snapshot_at(at(30)), s);
}

fn calls() -> impl Strategy<Value = Vec<Call>> {
    proptest::collection::vec(
        (1u64..6, 0i64..2_000_000, proptest::option::of(0i64..60)),
        0..60,
    )
    .prop_map(|v| {
        let mut calls: Vec<Call> = v
            .into_iter()
            .enumerate()
            .map(|(i, (customer, at, wait))| call(i as u64, customer, at, wait, 30))
            .collect();
        calls.sort_by_key(|c| c.offered_at);
        calls
    })
}

proptest! {
    #[test]
    fn fcr_shards_by_customer_merge_into_one_pass(calls in calls(), shards in 1u64..4) {
        let mut one = FirstContactResolution::default();
        for c in &calls {
            one.observe(c).unwrap();
        }
        let mut parts = vec![FirstContactResolution::default(); shards as usize];
        for c in &calls {
            parts[(c.customer.unwrap().0 % shards) as usize].observe(c).unwrap();
        }
        let mut merged = FirstContactResolution::default();
        for p in &parts {
            merged.merge(p).unwrap();
        }
        let at = t0() + TimeDelta::days(60);
        prop_assert_eq!(merged.snapshot_at(at), one.snapshot_at(at));
        let mut settled = one.clone();
        settled.settle(at);
        prop_assert_eq!(settled.snapshot_at(at), one.snapshot_at(at));
    }
}

#[test]
fn calls_per_half_hour_interval() {
    // Offered at 09:05, 09:29, 09:30 and 10:10: three half-hour intervals.
    let calls = [
        call(1, 1, 300, Some(5), 0),
        call(2, 2, 1_740, Some(25), 0),
        call(3, 3, 1_800, Some(5), 0),
        call(4, 4, 4_200, None, 60),
    ];
    let mut per_interval = Windowed::<CallCenter>::new(Granularity::HalfHour, Utc);
    per_interval.observe_all(&calls).unwrap();
    let windows = per_interval.snapshot();
    let shape: Vec<(DateTime<Utc>, u64, u64)> = windows
        .iter()
        .map(|w| (w.start, w.value.offered, w.value.answered_within_target))
        .collect();
    assert_eq!(
        shape,
        vec![
            (t0(), 2, 1),
            (t0() + TimeDelta::minutes(30), 1, 1),
            (t0() + TimeDelta::minutes(60), 1, 0),
        ]
    );
    let mut quarters = Windowed::<CallCenter>::new(Granularity::QuarterHour, Utc);
    quarters.observe_all(&calls).unwrap();
    assert_eq!(quarters.len(), 4);
}

/// Found by the hostile property suite: an after-call work time near `u64::MAX` overflowed
/// the handle time (a panic in debug builds). It is now an overflow error and changes
/// nothing.
#[test]
fn a_handle_time_past_u64_is_an_overflow() {
    use chrono::{TimeZone, Utc};
    let at = Utc.with_ymd_and_hms(2025, 3, 7, 12, 0, 0).unwrap();
    let call = Call {
        id: CallId(1),
        queue: QueueId(1),
        offered_at: at,
        answered_at: Some(at),
        ended_at: at + chrono::TimeDelta::seconds(10),
        hold: 0,
        wrap: u64::MAX,
        agent: Some(AgentId(1)),
        customer: None,
        transferred: false,
    };
    let mut cc = csm_metrics::metrics::calls::CallCenter::default();
    let before = cc.snapshot();
    assert!(matches!(cc.observe(&call), Err(Error::Overflow { .. })));
    assert_eq!(cc.snapshot(), before);
}
