//! Hostile input: instants at chrono's limits and anywhere in `i64`, scores off every
//! scale, values at `u64::MAX`, empty and single inputs, a ticket with 10⁵ events, a
//! million groups, DST gaps and folds, counts at 10⁹. Never a panic; every record either
//! counted or refused with an error; the figures that can be exact are exact.
//!
//! `PROPTEST_CASES=N` runs every property N times (the long run).

mod common;

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use csm_metrics::metrics::calls::CallCenter;
use csm_metrics::metrics::tickets::{
    ByTeam, SolvedIn, TicketLifecycle, TicketTracker, TrackerConfig,
};
use csm_metrics::*;
use proptest::prelude::*;

fn base() -> i64 {
    Utc.with_ymd_and_hms(2025, 3, 7, 12, 0, 0)
        .unwrap()
        .timestamp()
}

/// Instants a hostile feed sends: chrono's limits, any `i64` second chrono can hold, and
/// many near each other (so events of one ticket meet).
fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    prop_oneof![
        1 => Just(DateTime::<Utc>::MIN_UTC),
        1 => Just(DateTime::<Utc>::MAX_UTC),
        2 => any::<i64>().prop_map(|s| DateTime::from_timestamp(s, 0).unwrap_or(DateTime::<Utc>::MAX_UTC)),
        12 => (0i64..200_000).prop_map(|s| DateTime::from_timestamp(base() + s, 0).unwrap()),
    ]
}

/// A record: a creation (`None`) or an interaction, for one of six tickets.
fn record() -> impl Strategy<Value = (u64, DateTime<Utc>, Option<InteractionKind>)> {
    (
        0u64..6,
        instant(),
        proptest::option::weighted(0.8, common::interaction_kind()),
    )
}

fn ny_calendar() -> BusinessCalendar<chrono_tz::Tz> {
    BusinessCalendar::builder(chrono_tz::America::New_York)
        .open_weekdays(DayTime::hm(9, 0), DayTime::hm(17, 0))
        .years(2024, 2027)
        .build()
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(common::cases(256)))]

    /// Any sequence of records: never a panic, accepted + duplicates + rejected = offered,
    /// and the state still saves, restores and merges.
    #[test]
    fn the_tracker_takes_anything(
        records in proptest::collection::vec(record(), 0..60),
        resequence in any::<bool>(),
        calendar in any::<bool>(),
        handling in any::<bool>(),
    ) {
        let config = TrackerConfig {
            resequence,
            handling,
            calendar: calendar.then(|| Arc::new(ny_calendar()) as Arc<dyn BusinessClock>),
            ..TrackerConfig::default()
        };
        let grouping = (ByTeam, SolvedIn::<Utc>::default());
        let mut tr = TicketTracker::new(config.clone(), grouping.clone()).unwrap();
        for (id, at, kind) in &records {
            let result = match kind {
                None => tr.observe_ticket(&Ticket::new(TicketId(*id), *at, CustomerId(1))),
                Some(kind) => tr.observe_interaction(&Interaction { ticket: TicketId(*id), at: *at, kind: *kind }),
            };
            if let Err(e) = result {
                prop_assert!(matches!(e, Error::InvalidRecord { .. }), "{}", e);
            }
        }
        let snap = tr.snapshot_at(DateTime::<Utc>::MAX_UTC);
        prop_assert_eq!(snap.ingest.offered(), records.len() as u64);
        let _ = tr.ages_at(DateTime::<Utc>::MIN_UTC);
        #[cfg(feature = "serde")]
        {
            let json = serde_json::to_string(&tr.save()).unwrap();
            let back = TicketTracker::restore(config, grouping, serde_json::from_str(&json).unwrap()).unwrap();
            prop_assert_eq!(back.snapshot(), tr.snapshot());
        }
        let mut merged = TicketTracker::default();
        merged.merge(&tr).unwrap();
        prop_assert_eq!(merged.snapshot(), tr.snapshot());
    }

    /// Any whole number of seconds, `u64::MAX` included: the mean is the exact mean.
    #[test]
    fn summaries_take_any_seconds(values in proptest::collection::vec(
        prop_oneof![Just(0u64), Just(u64::MAX), Just(u64::MAX - 1), any::<u64>(), 0u64..100], 0..40)
    ) {
        // Sums of squares beyond u128 (two values near u64::MAX) are refused as an
        // overflow, changing nothing; every duration under 136 years fits 2⁶⁴ times.
        let mut s = DurationSummary::default();
        let mut values_kept = Vec::new();
        for v in &values {
            let before = s.clone();
            match s.add(*v) {
                Ok(()) => values_kept.push(*v),
                Err(e) => {
                    prop_assert!(matches!(e, Error::Overflow { .. }), "{}", e);
                    prop_assert_eq!(&s, &before);
                }
            }
        }
        let values = values_kept;
        let snap = s.snapshot();
        prop_assert_eq!(snap.count, values.len() as u64);
        let sum: u128 = values.iter().map(|v| u128::from(*v)).sum();
        let exact = (!values.is_empty()).then(|| sum as f64 / values.len() as f64);
        prop_assert_eq!(snap.mean, exact);
        prop_assert_eq!(snap.max, values.iter().max().map(|v| *v as f64));
        for v in &values {
            s.remove(*v).unwrap();
        }
        prop_assert_eq!(s.count(), 0);
        prop_assert!(s.remove(1).is_err());
    }

    /// Any `f64`: a sketch takes finite values ≥ 0 and refuses the rest, changing nothing.
    #[test]
    fn the_sketch_refuses_what_is_not_a_duration(v in any::<f64>()) {
        let mut s = QuantileSketch::default();
        let ok = s.add(v).is_ok();
        prop_assert_eq!(ok, v.is_finite() && v >= 0.0);
        prop_assert_eq!(s.count(), u64::from(ok));
    }

    /// Every score 0..=255 of every kind: accepted exactly when on the scale.
    #[test]
    fn scores_off_their_scale_are_refused(score in any::<u8>(), kind in 0u8..4) {
        let at = DateTime::from_timestamp(base(), 0).unwrap();
        let make = |s| SurveyResponse::new(SurveyId(1), at, s);
        let (ok_nps, ok_csat, ok_ces) = (score <= 10, (1..=5).contains(&score), (1..=7).contains(&score));
        match kind {
            0 => {
                let mut m = NetPromoterScore::default();
                prop_assert_eq!(m.observe(&make(SurveyScore::Nps(score))).is_ok(), ok_nps);
                prop_assert_eq!(m.snapshot().responses, u64::from(ok_nps));
            }
            1 => {
                let mut m = CustomerSatisfaction::default();
                prop_assert_eq!(m.observe(&make(SurveyScore::Csat(score))).is_ok(), ok_csat);
                prop_assert_eq!(m.snapshot().responses, u64::from(ok_csat));
            }
            2 => {
                let mut m = CustomerEffortScore::default();
                prop_assert_eq!(m.observe(&make(SurveyScore::Ces(score))).is_ok(), ok_ces);
                prop_assert_eq!(m.snapshot().responses, u64::from(ok_ces));
            }
            _ => {
                // The wrong kind for the calculator is refused whatever the score.
                let mut m = NetPromoterScore::default();
                prop_assert!(m.observe(&make(SurveyScore::Ces(score))).is_err());
                prop_assert_eq!(m.snapshot().responses, 0);
            }
        }
    }

    /// Calls with any instants and durations: refused when impossible, never a panic.
    #[test]
    fn calls_with_any_instants(
        offered in instant(), answered in proptest::option::of(instant()), ended in instant(),
        hold in prop_oneof![Just(u64::MAX), any::<u64>(), 0u64..600],
        wrap in prop_oneof![Just(u64::MAX), 0u64..600],
    ) {
        let call = Call {
            id: CallId(1), queue: QueueId(1), offered_at: offered, answered_at: answered,
            ended_at: ended, hold, wrap, agent: None, customer: Some(CustomerId(1)), transferred: false,
        };
        let mut cc = CallCenter::default();
        let result = cc.observe(&call);
        let accepted = result.is_ok();
        let s = cc.snapshot();
        prop_assert_eq!(s.offered, u64::from(accepted));
        // Refused: an impossible call, or a handle time past u64 (an overflow).
        let overflow = matches!(result, Err(Error::Overflow { .. }));
        prop_assert!(accepted || call.validate().is_err() || overflow);
    }

    /// Business time across instants at chrono's limits: an error, never a panic; inside
    /// the calendar, never longer than the span.
    #[test]
    fn calendars_at_the_edges(a in instant(), b in instant()) {
        let cal = ny_calendar();
        let (a, b) = (a.min(b), a.max(b));
        match cal.business_seconds(a, b) {
            Ok(s) => prop_assert!(s >= 0 && s <= (b - a).num_seconds()),
            Err(e) => prop_assert!(matches!(e, Error::OutOfCalendar { .. }), "{}", e),
        }
        let _ = cal.is_open(a);
        let _ = cal.next_open(b);
        let _ = cal.deadline(a, u64::MAX);
    }
}

/// Empty and single inputs: snapshots of nothing are empty, not zero.
#[test]
fn empty_and_single_inputs() {
    let tr = TicketTracker::<ByTeam>::default();
    let s = tr.snapshot();
    assert_eq!(s.overall.first_response.mean, None);
    assert_eq!(s.overall.one_touch_rate, None);
    assert_eq!(s.ingest.offered(), 0);
    assert_eq!(NetPromoterScore::default().snapshot().score, None);
    assert_eq!(DurationSummary::default().snapshot().p50, None);
    let mut one = DurationSummary::default();
    one.add(42).unwrap();
    let s = one.snapshot();
    assert_eq!(
        (s.mean, s.min, s.max, s.std_dev),
        (Some(42.0), Some(42.0), Some(42.0), None)
    );
    assert!((s.p99.unwrap() - 42.0).abs() <= 0.42);
}

/// DST gaps and folds in a business calendar open through the night: a wall time in the
/// gap does not exist, one in the fold happens twice, and business time counts real
/// seconds.
#[test]
fn dst_gap_and_fold_instants() {
    let ny = chrono_tz::America::New_York;
    let cal = BusinessCalendar::builder(ny)
        .open(chrono::Weekday::Sun, DayTime::hm(0, 0), DayTime::END_OF_DAY)
        .years(2025, 2025)
        .build()
        .unwrap();
    let utc = |h, m| Utc.with_ymd_and_hms(2025, 3, 9, h, m, 0).unwrap();
    // Sunday 9 March 2025: 00:00 EST (05:00 UTC) to 24:00 EDT (04:00 UTC Monday) is 23 h.
    let day = cal
        .business_seconds(utc(5, 0), utc(5, 0) + TimeDelta::hours(23))
        .unwrap();
    assert_eq!(day, 23 * 3_600);
    // Sunday 2 November 2025 (fold) is 25 h long.
    let start = Utc.with_ymd_and_hms(2025, 11, 2, 4, 0, 0).unwrap();
    assert_eq!(
        cal.business_seconds(start, start + TimeDelta::hours(25))
            .unwrap(),
        25 * 3_600
    );
    assert!(
        cal.is_open(Utc.with_ymd_and_hms(2025, 11, 2, 6, 30, 0).unwrap())
            .unwrap()
    );
}

/// A ticket with 10⁵ events (a bot loop): solved and reopened 25,000 times.
#[test]
fn a_ticket_with_a_hundred_thousand_events() {
    let t0 = DateTime::from_timestamp(base(), 0).unwrap();
    let id = TicketId(1);
    let mut tr = TicketTracker::<ByTeam>::default();
    tr.observe_ticket(&Ticket::new(id, t0, CustomerId(1)))
        .unwrap();
    for i in 0..25_000i64 {
        let at = |k| t0 + TimeDelta::seconds(4 * i + k);
        tr.observe_interaction(&Interaction::customer_message(id, at(1)))
            .unwrap();
        tr.observe_interaction(&Interaction::agent_reply(id, at(2), AgentId(1)))
            .unwrap();
        tr.observe_interaction(&Interaction::status(id, at(3), Status::Solved))
            .unwrap();
        tr.observe_interaction(&Interaction::status(id, at(4), Status::Open))
            .unwrap();
    }
    let s = tr.snapshot();
    assert_eq!(s.ingest.interactions, 100_000);
    assert_eq!(s.overall.reopen_events, 25_000);
    assert_eq!(s.overall.solve_events, 25_000);
    assert_eq!(s.overall.cycle_resolution.count, 25_000);
    assert_eq!(s.overall.backlog, 1);
    assert_eq!(s.overall.solved, 0);
}

/// A million groups (agents), each with one response.
#[test]
fn a_million_groups() {
    let at = DateTime::from_timestamp(base(), 0).unwrap();
    let mut by_agent = Grouped::<_, NetPromoterScore, ByAgent>::default();
    for i in 0..1_000_000u64 {
        let r = SurveyResponse {
            agent: Some(AgentId(i)),
            ..SurveyResponse::new(SurveyId(i), at, SurveyScore::Nps((i % 11) as u8))
        };
        by_agent.observe(&r).unwrap();
    }
    let s = by_agent.snapshot();
    assert_eq!(s.len(), 1_000_000);
    assert_eq!(s[&Some(AgentId(10))].promoters, 1);
}

/// Counts and sums at 10⁹ tickets: an aggregate doubled by merging into itself 30 times
/// holds 2³⁰ ≈ 1.07·10⁹ tickets, its mean still exact (u64 counts, u128 sums).
#[test]
fn counts_at_a_billion_tickets() {
    let mut agg = TicketLifecycle::default();
    agg.observe(&csm_metrics::metrics::tickets::SolvedFacts {
        first_resolution: 3_600,
        full_resolution: 7_200,
        requester_wait: 3_000,
        agent_work: 3_000,
        agent_wait: 4_200,
        on_hold: 0,
        replies: 2,
        reopens: 1,
        business: None,
    })
    .unwrap();
    for _ in 0..30 {
        let copy = agg.clone();
        agg.merge(&copy).unwrap();
    }
    let s = agg.snapshot();
    assert_eq!(s.solved, 1 << 30);
    assert_eq!(s.full_resolution.mean, Some(7_200.0));
    assert_eq!(s.reopen_rate, Some(1.0));
    assert_eq!(s.replies_per_resolution, Some(2.0));
    // 2⁶⁴ durations would overflow the count: refused, never wrapped.
    let mut d = DurationSummary::default();
    d.add(1).unwrap();
    for _ in 0..63 {
        let copy = d.clone();
        d.merge(&copy).unwrap();
    }
    assert_eq!(d.count(), 1 << 63);
    let copy = d.clone();
    assert!(matches!(d.merge(&copy), Err(Error::Overflow { .. })));
    assert_eq!(d.count(), 1 << 63, "a failed merge changes nothing");
}
