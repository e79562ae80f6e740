//! The laws of every calculator (see `Calculator`'s docs), checked by proptest:
//! identity, associativity, commutativity, split-merge equals one pass, serde round trip,
//! and "a rejected record changes nothing".

mod common;

use chrono::{DateTime, Utc};
use csm_metrics::*;
use proptest::prelude::*;

fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    // 2024-01-01 .. 2026-01-01: spans DST changes, month and year ends.
    (1_704_067_200i64..1_767_225_600).prop_map(|t| DateTime::from_timestamp(t, 0).unwrap())
}

fn score() -> impl Strategy<Value = SurveyScore> {
    prop_oneof![
        (0u8..=12).prop_map(SurveyScore::Nps),
        (0u8..=6).prop_map(SurveyScore::Csat),
        (0u8..=8).prop_map(SurveyScore::Ces),
        (0u8..=11).prop_map(SurveyScore::Enps),
        (1u64..4, 0u8..=6).prop_map(|(i, s)| SurveyScore::Engagement {
            item: ItemId(i),
            score: s
        }),
        prop_oneof![
            Just(Happiness::Great),
            Just(Happiness::Okay),
            Just(Happiness::NotGood)
        ]
        .prop_map(SurveyScore::Happiness),
    ]
}

fn response() -> impl Strategy<Value = SurveyResponse> {
    (
        0u64..1_000,
        instant(),
        score(),
        proptest::option::of(1u64..6),
    )
        .prop_map(|(id, at, score, agent)| SurveyResponse {
            agent: agent.map(AgentId),
            ..SurveyResponse::new(SurveyId(id), at, score)
        })
}

fn duration() -> impl Strategy<Value = u64> {
    prop_oneof![0u64..120, 0u64..100_000, 0u64..40_000_000]
}

/// Observes what it accepts; checks a rejected record changed nothing.
fn fill<C>(records: &[C::Record]) -> C
where
    C: Calculator + PartialEq + std::fmt::Debug,
    C::Record: Sized,
{
    let mut c = C::default();
    for r in records {
        let before = c.clone();
        if c.observe(r).is_err() {
            assert_eq!(c, before, "a rejected record changed the state");
        }
    }
    c
}

/// Observes every record; a rejected one may change the state's own counts of rejections
/// (the calculators that report what they turned away).
fn fill_counted<C>(records: &[C::Record]) -> C
where
    C: Calculator,
    C::Record: Sized,
{
    let mut c = C::default();
    for r in records {
        let _ = c.observe(r);
    }
    c
}

fn merged<C: Calculator>(a: &C, b: &C) -> C {
    let mut m = a.clone();
    m.merge(b).expect("merge of same-configured states");
    m
}

macro_rules! laws {
    ($name:ident, $calc:ty, $record:expr) => {
        mod $name {
            use super::*;

            proptest! {
                #![proptest_config(ProptestConfig::with_cases(common::cases(64)))]

                #[test]
                fn identity(xs in proptest::collection::vec($record, 0..60)) {
                    let a: $calc = fill(&xs);
                    prop_assert_eq!(&merged(&a, &<$calc>::default()), &a);
                    prop_assert_eq!(&merged(&<$calc>::default(), &a), &a);
                }

                #[test]
                fn associative_and_commutative(
                    xs in proptest::collection::vec($record, 0..40),
                    ys in proptest::collection::vec($record, 0..40),
                    zs in proptest::collection::vec($record, 0..40),
                ) {
                    let (a, b, c): ($calc, $calc, $calc) = (fill(&xs), fill(&ys), fill(&zs));
                    let left = merged(&merged(&a, &b), &c);
                    let right = merged(&a, &merged(&b, &c));
                    prop_assert_eq!(&left, &right);
                    prop_assert_eq!(left.snapshot(), right.snapshot());
                    prop_assert_eq!(merged(&a, &b), merged(&b, &a));
                }

                #[test]
                fn split_merge_is_one_pass(
                    xs in proptest::collection::vec($record, 0..120),
                    cut in 0usize..120,
                ) {
                    let cut = cut.min(xs.len());
                    let one: $calc = fill(&xs);
                    let parts = merged(&fill::<$calc>(&xs[..cut]), &fill::<$calc>(&xs[cut..]));
                    prop_assert_eq!(&parts, &one);
                    prop_assert_eq!(parts.snapshot(), one.snapshot());
                }

                #[cfg(feature = "serde")]
                #[test]
                fn serde_round_trip(xs in proptest::collection::vec($record, 0..80)) {
                    let a: $calc = fill(&xs);
                    let json = serde_json::to_string(&a).unwrap();
                    let back: $calc = serde_json::from_str(&json).unwrap();
                    prop_assert_eq!(&back, &a);
                    prop_assert_eq!(back.snapshot(), a.snapshot());
                    // The snapshot too: what a dashboard reads, through JSON and back.
                    let json = serde_json::to_string(&a.snapshot()).unwrap();
                    let snapshot: <$calc as Calculator>::Snapshot = serde_json::from_str(&json).unwrap();
                    prop_assert_eq!(snapshot, a.snapshot());
                }
            }
        }
    };
}

fn call() -> impl Strategy<Value = Call> {
    (
        0u64..1_000,
        instant(),
        proptest::option::of(0i64..300),
        0i64..2_000,
        0u64..100,
        0u64..200,
        1u64..4,
        any::<bool>(),
    )
        .prop_map(
            |(id, offered, answer, len, hold, wrap, queue, transferred)| {
                let answered = answer.map(|a| offered + chrono::TimeDelta::seconds(a));
                let ended = answered.unwrap_or(offered) + chrono::TimeDelta::seconds(len);
                Call {
                    id: CallId(id),
                    queue: QueueId(queue),
                    offered_at: offered,
                    answered_at: answered,
                    ended_at: ended,
                    hold: if answered.is_some() {
                        hold.min(len as u64)
                    } else {
                        0
                    },
                    wrap: if answered.is_some() { wrap } else { 0 },
                    agent: answered.map(|_| AgentId(id % 7)),
                    customer: None,
                    transferred: transferred && answered.is_some(),
                }
            },
        )
}

laws!(call_center, metrics::calls::CallCenter, call());
laws!(call_center_by_queue, Grouped<QueueId, metrics::calls::CallCenter, ByQueue>, call());
laws!(patience, metrics::patience::Patience, call());
fn solved_facts() -> impl Strategy<Value = metrics::tickets::SolvedFacts> {
    (
        0u64..400_000,
        0u64..400_000,
        0u64..100_000,
        0u64..100_000,
        0u32..6,
        0u32..3,
    )
        .prop_map(|(first, extra, wait, pending, replies, reopens)| {
            metrics::tickets::SolvedFacts {
                first_resolution: first,
                full_resolution: first + extra,
                requester_wait: wait,
                agent_work: wait / 2,
                agent_wait: pending,
                on_hold: wait - wait / 2,
                replies,
                reopens,
                business: None,
            }
        })
}

laws!(
    ticket_lifecycle,
    metrics::tickets::TicketLifecycle,
    solved_facts()
);
laws!(nps, NetPromoterScore, response());
laws!(enps, EmployeeNetPromoterScore, response());
laws!(csat, CustomerSatisfaction, response());
laws!(ces, CustomerEffortScore, response());
laws!(engagement, Engagement, response());
laws!(happiness, HappinessScore, response());
laws!(survey_suite, SurveySuite, response());
laws!(
    grouped_nps_by_agent,
    Grouped<Option<AgentId>, NetPromoterScore, ByAgent>,
    response()
);
laws!(
    grouped_suite_by_agent,
    Grouped<Option<AgentId>, SurveySuite, ByAgent>,
    response()
);
laws!(daily_csat, Windowed<CustomerSatisfaction>, response());
laws!(duration_summary, DurationSummary, duration());
laws!(duration_moments, DurationMoments, duration());
laws!(
    quantile_sketch,
    QuantileSketch,
    prop_oneof![0.0f64..1.0, 0.0f64..1e7, Just(0.0), -1.0f64..0.0]
);
laws!(proportion, Proportion, any::<bool>());
laws!(
    survival_sketch,
    SurvivalSketch,
    prop_oneof![
        (0.0f64..1e7).prop_map(Observation::Event),
        (0.0f64..1e7).prop_map(Observation::Censored),
        Just(Observation::Censored(0.0)),
        (-1.0f64..0.0).prop_map(Observation::Event),
    ]
);

#[cfg(feature = "tz")]
laws!(
    weekly_nps_new_york,
    Windowed<NetPromoterScore, chrono_tz::Tz>,
    response()
);

mod configured {
    //! The laws with non-default configurations, which the empty state must adopt.
    use super::*;

    fn thumbs() -> CustomerSatisfaction {
        CustomerSatisfaction::new(CsatScale::Thumbs).unwrap()
    }

    fn fill_thumbs(xs: &[SurveyResponse]) -> CustomerSatisfaction {
        let mut c = thumbs();
        for r in xs {
            let _ = c.observe(r);
        }
        c
    }

    proptest! {
        #[test]
        fn thumbs_split_merge(xs in proptest::collection::vec(response(), 0..80), cut in 0usize..80) {
            let cut = cut.min(xs.len());
            let one = fill_thumbs(&xs);
            let parts = merged(&fill_thumbs(&xs[..cut]), &fill_thumbs(&xs[cut..]));
            prop_assert_eq!(&parts, &one);
            // An empty default adopts the configuration of a state with data.
            if one.snapshot().responses > 0 {
                prop_assert_eq!(merged(&CustomerSatisfaction::default(), &one), one.clone());
            }
        }

        #[test]
        fn sketch_at_two_percent(xs in proptest::collection::vec(0.0f64..1e6, 1..200), cut in 0usize..200) {
            let cut = cut.min(xs.len());
            let make = |v: &[f64]| {
                let mut s = QuantileSketch::new(0.02).unwrap();
                v.iter().for_each(|x| s.add(*x).unwrap());
                s
            };
            prop_assert_eq!(merged(&make(&xs[..cut]), &make(&xs[cut..])), make(&xs));
            prop_assert_eq!(merged(&QuantileSketch::default(), &make(&xs)), make(&xs));
        }

        #[test]
        fn folded_sketch_split_merge(xs in proptest::collection::vec(0.001f64..1e9, 1..300), cut in 0usize..300) {
            let cut = cut.min(xs.len());
            let make = |v: &[f64]| {
                let mut s = QuantileSketch::with_max_bins(0.01, 64).unwrap();
                v.iter().for_each(|x| s.add(*x).unwrap());
                s
            };
            let one = make(&xs);
            prop_assert_eq!(merged(&make(&xs[..cut]), &make(&xs[cut..])), one.clone());
            prop_assert_eq!(one.count(), xs.len() as u64);
        }

        #[test]
        fn remove_undoes_add(xs in proptest::collection::vec(0u64..10_000_000, 1..100), k in 0usize..100) {
            let k = k.min(xs.len() - 1);
            let mut all = DurationSummary::default();
            xs.iter().for_each(|x| all.add(*x).unwrap());
            all.remove(xs[k]).unwrap();
            let mut rest = DurationSummary::default();
            xs.iter().enumerate().filter(|(i, _)| *i != k).for_each(|(_, x)| rest.add(*x).unwrap());
            let (a, b) = (all.snapshot(), rest.snapshot());
            prop_assert_eq!(a.count, b.count);
            prop_assert_eq!(a.mean, b.mean);
            prop_assert_eq!(a.p50, b.p50);
            prop_assert_eq!(a.p99, b.p99);
            prop_assert_eq!(a.buckets, b.buckets);
            prop_assert_eq!(all.sketch(), rest.sketch());
        }
    }

    #[test]
    fn different_configurations_do_not_merge() {
        let at = DateTime::from_timestamp(1_735_689_600, 0).unwrap();
        let mut a = thumbs();
        a.observe(&SurveyResponse::new(SurveyId(1), at, SurveyScore::Csat(1)))
            .unwrap();
        let mut b = CustomerSatisfaction::default();
        b.observe(&SurveyResponse::new(SurveyId(2), at, SurveyScore::Csat(5)))
            .unwrap();
        let before = a.clone();
        assert!(a.merge(&b).unwrap_err().is_incompatible_merge());
        assert_eq!(a, before);

        let mut s1 = QuantileSketch::new(0.01).unwrap();
        s1.add(1.0).unwrap();
        let mut s2 = QuantileSketch::new(0.02).unwrap();
        s2.add(1.0).unwrap();
        assert!(s1.merge(&s2).unwrap_err().is_incompatible_merge());

        let mut d1 = Windowed::<NetPromoterScore>::new(Granularity::Day, Utc);
        d1.observe(&SurveyResponse::new(SurveyId(1), at, SurveyScore::Nps(9)))
            .unwrap();
        let mut d2 = Windowed::<NetPromoterScore>::new(Granularity::Month, Utc);
        d2.observe(&SurveyResponse::new(SurveyId(1), at, SurveyScore::Nps(9)))
            .unwrap();
        assert!(d1.merge(&d2).unwrap_err().is_incompatible_merge());
    }
}

/// States built with different configurations never merge into a silently wrong figure:
/// bucket edges, call-center targets, ticket targets, business calendars. A failed merge
/// changes nothing.
#[test]
fn configurations_that_differ_refuse_to_merge() {
    use chrono::TimeZone;
    use csm_metrics::metrics::calls::{CallCenter, CallConfig};
    use csm_metrics::metrics::tickets::{TicketTracker, TrackerConfig};

    let summary = |edges: &[u64]| {
        let mut d = DurationSummary::with_config(&SummaryConfig {
            bucket_edges: edges.to_vec(),
            ..SummaryConfig::default()
        })
        .unwrap();
        d.add(60).unwrap();
        d
    };
    let mut a = summary(&[3_600]);
    let before = a.clone();
    assert!(
        a.merge(&summary(&[7_200]))
            .unwrap_err()
            .is_incompatible_merge()
    );
    assert_eq!(a, before);

    let t0 = Utc.with_ymd_and_hms(2025, 3, 3, 9, 0, 0).unwrap();
    let call = Call {
        id: CallId(1),
        queue: QueueId(1),
        offered_at: t0,
        answered_at: Some(t0 + chrono::TimeDelta::seconds(15)),
        ended_at: t0 + chrono::TimeDelta::seconds(300),
        hold: 0,
        wrap: 0,
        agent: Some(AgentId(1)),
        customer: None,
        transferred: false,
    };
    let mut c1 = CallCenter::default();
    c1.observe(&call).unwrap();
    let mut c2 = CallCenter::new(CallConfig {
        answer_target: 30,
        ..CallConfig::default()
    });
    c2.observe(&call).unwrap();
    let before = c1.snapshot();
    assert!(c1.merge(&c2).unwrap_err().is_incompatible_merge());
    assert_eq!(c1.snapshot(), before);

    let tracker = |calendar: BusinessCalendar<Utc>| {
        let config = TrackerConfig {
            calendar: Some(std::sync::Arc::new(calendar)),
            ..TrackerConfig::default()
        };
        let mut t = TicketTracker::<csm_metrics::metrics::tickets::Overall>::new(
            config,
            Default::default(),
        )
        .unwrap();
        t.observe_ticket(&Ticket::new(
            TicketId(t0.timestamp() as u64 % 1000),
            t0,
            CustomerId(1),
        ))
        .unwrap();
        t
    };
    let nine_to_five = BusinessCalendar::builder(Utc)
        .open_weekdays(DayTime::hm(9, 0), DayTime::hm(17, 0))
        .build()
        .unwrap();
    let eight_to_four = BusinessCalendar::builder(Utc)
        .open_weekdays(DayTime::hm(8, 0), DayTime::hm(16, 0))
        .build()
        .unwrap();
    let mut x = tracker(nine_to_five);
    let mut y = tracker(eight_to_four);
    y.observe_ticket(&Ticket::new(TicketId(5_000), t0, CustomerId(2)))
        .unwrap();
    let before = x.snapshot();
    let err = x.merge(&y).unwrap_err();
    assert!(err.is_incompatible_merge(), "{err}");
    assert_eq!(x.snapshot(), before);
}

/// The laws of calculators over shards of a key (customers, agents): states merge when
/// their keys are disjoint, so the records are split by key into up to three shards.
macro_rules! shard_laws {
    ($name:ident, $calc:ty, $record:expr, $key:expr, $($serde:ident)?) => {
        mod $name {
            use super::*;

            /// The records whose key falls in shard `i` of `n`, in their order.
            fn shard<R: Clone>(xs: &[R], key: fn(&R) -> u64, i: u64, n: u64) -> Vec<R> {
                xs.iter().filter(|r| key(r) % n == i).cloned().collect()
            }

            proptest! {
                #![proptest_config(ProptestConfig::with_cases(common::cases(64)))]

                #[test]
                fn identity(xs in proptest::collection::vec($record, 0..60)) {
                    let a: $calc = fill_counted(&xs);
                    prop_assert_eq!(&merged(&a, &<$calc>::default()), &a);
                    prop_assert_eq!(&merged(&<$calc>::default(), &a), &a);
                    prop_assert_eq!(merged(&<$calc>::default(), &a).snapshot(), a.snapshot());
                }

                #[test]
                fn shards_merge_in_any_order_into_one_pass(
                    xs in proptest::collection::vec($record, 0..120),
                ) {
                    let key = $key;
                    let one: $calc = fill_counted(&xs);
                    let (a, b, c): ($calc, $calc, $calc) = (
                        fill_counted(&shard(&xs, key, 0, 3)),
                        fill_counted(&shard(&xs, key, 1, 3)),
                        fill_counted(&shard(&xs, key, 2, 3)),
                    );
                    let left = merged(&merged(&a, &b), &c);
                    let right = merged(&a, &merged(&b, &c));
                    prop_assert_eq!(&left, &right);
                    prop_assert_eq!(merged(&a, &b), merged(&b, &a));
                    prop_assert_eq!(&left, &one);
                    prop_assert_eq!(left.snapshot(), one.snapshot());
                }

                #[cfg(feature = "serde")]
                #[test]
                fn snapshot_through_json(xs in proptest::collection::vec($record, 0..80)) {
                    let a: $calc = fill_counted(&xs);
                    let json = serde_json::to_string(&a.snapshot()).unwrap();
                    let snapshot: <$calc as Calculator>::Snapshot = serde_json::from_str(&json).unwrap();
                    prop_assert_eq!(snapshot, a.snapshot());
                    $(
                        let $serde = serde_json::to_string(&a).unwrap();
                        let back: $calc = serde_json::from_str(&$serde).unwrap();
                        prop_assert_eq!(&back, &a);
                    )?
                }
            }
        }
    };
}

fn customer_call() -> impl Strategy<Value = Call> {
    (call(), 0u64..7).prop_map(|(mut c, customer)| {
        c.customer = (customer < 6).then_some(CustomerId(customer));
        c
    })
}

fn account_event() -> impl Strategy<Value = AccountEvent> {
    (
        0u64..6,
        0i64..400,
        0u8..6,
        proptest::option::of(0i64..100_000),
        proptest::option::of(0u16..4),
    )
        .prop_map(|(customer, day, kind, revenue, reason)| AccountEvent {
            customer: CustomerId(customer),
            at: DateTime::from_timestamp(1_735_689_600 + day * 86_400, 0).unwrap(),
            kind: match kind {
                0 => AccountEventKind::Started,
                1 => AccountEventKind::Renewed,
                2 => AccountEventKind::Expanded,
                3 => AccountEventKind::Contracted,
                4 => AccountEventKind::CancellationIntent,
                _ => AccountEventKind::Churned,
            },
            revenue,
            reason,
        })
}

fn employment() -> impl Strategy<Value = metrics::team::Employment> {
    (
        0u64..6,
        proptest::option::of(0u64..3),
        0i64..2_000,
        proptest::option::of(-50i64..1_000),
    )
        .prop_map(|(agent, team, hired, stay)| {
            let day = |d: i64| DateTime::from_timestamp(1_600_000_000 + d * 86_400, 0).unwrap();
            metrics::team::Employment {
                agent: AgentId(agent),
                team: team.map(TeamId),
                hired: day(hired),
                left: stay.map(|s| day(hired + s)),
            }
        })
}

fn state_interval() -> impl Strategy<Value = StateInterval> {
    (0u64..6, 0usize..6, 0i64..200_000, -60i64..7_200).prop_map(|(agent, state, start, len)| {
        let start = DateTime::from_timestamp(1_741_000_000 + start, 0).unwrap();
        StateInterval {
            agent: AgentId(agent),
            state: AgentState::ALL[state],
            start,
            end: start + chrono::TimeDelta::seconds(len),
        }
    })
}

shard_laws!(
    first_contact_resolution,
    metrics::calls::FirstContactResolution,
    customer_call(),
    |c: &Call| c.customer.map_or(0, |c| c.0),
    state
);
shard_laws!(
    accounts,
    metrics::retention::Accounts,
    account_event(),
    |e: &AccountEvent| e.customer.0,
    state
);
shard_laws!(
    roster,
    metrics::team::Roster,
    employment(),
    |e: &metrics::team::Employment| e.agent.0,
    state
);
shard_laws!(
    adherence,
    metrics::agents::Adherence,
    state_interval(),
    |s: &StateInterval| s.agent.0,
);

proptest! {
    #![proptest_config(ProptestConfig::with_cases(common::cases(256)))]

    /// Retraction takes back exactly what was counted: every response observed, some taken
    /// back, equals observing the rest; taking back a response not counted is an error that
    /// changes nothing.
    #[test]
    fn survey_retraction_is_exact(responses in proptest::collection::vec(response(), 0..80), keep in any::<u64>()) {
        let mut all = SurveySuite::default();
        let mut rest = SurveySuite::default();
        let mut counted = Vec::new();
        for r in &responses {
            if all.observe(r).is_ok() {
                counted.push(*r);
            }
        }
        for (k, r) in counted.iter().enumerate() {
            if (keep >> (k % 64)) & 1 == 1 {
                rest.observe(r).unwrap();
            } else {
                all.retract(r).unwrap();
            }
        }
        prop_assert_eq!(&all, &rest);
        let before = all.clone();
        let mut empty = SurveySuite::default();
        for r in &counted {
            prop_assert!(empty.retract(r).is_err());
        }
        prop_assert_eq!(empty, SurveySuite::default());
        prop_assert_eq!(all, before);
    }
}
