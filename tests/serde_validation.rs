//! Deserialising a tampered state is an error, never a wrong number.
#![cfg(feature = "serde")]

use csm_metrics::Calculator as _;
use csm_metrics::*;
use serde_json::{Value, json};

fn sketch_json() -> Value {
    let mut s = QuantileSketch::default();
    for v in [1.0, 10.0, 100.0, 0.0] {
        s.add(v).unwrap();
    }
    serde_json::to_value(&s).unwrap()
}

fn rejects<T: serde::de::DeserializeOwned + std::fmt::Debug>(v: Value, needle: &str) {
    let err = serde_json::from_value::<T>(v).unwrap_err().to_string();
    assert!(err.contains(needle), "{err:?} does not mention {needle:?}");
}

#[test]
fn sketch_tampering() {
    let good = sketch_json();
    serde_json::from_value::<QuantileSketch>(good.clone()).unwrap();

    let mut v = good.clone();
    v["count"] = json!(5);
    rejects::<QuantileSketch>(v, "count 5 is not the sum of its bins 4");

    let mut v = good.clone();
    v["relative_accuracy"] = json!(0.7);
    rejects::<QuantileSketch>(v, "relative accuracy");

    let mut v = good.clone();
    v["offset"] = json!(i32::MAX - 1);
    rejects::<QuantileSketch>(v, "bin indices");

    let mut v = good.clone();
    v["max_bins"] = json!(16);
    v["bins"] = json!(vec![1u64; 20]);
    v["count"] = json!(21);
    rejects::<QuantileSketch>(v, "exceed the limit");

    let mut v = good.clone();
    v["collapsed_below"] = json!(-5);
    rejects::<QuantileSketch>(v, "folded below");

    let mut v = good;
    v["bins"] = json!([u64::MAX, 5]);
    rejects::<QuantileSketch>(v, "overflow");
}

#[test]
fn moments_and_summary_tampering() {
    let mut d = DurationSummary::default();
    d.observe_all(&[10, 20, 30]).unwrap();
    let good = serde_json::to_value(&d).unwrap();
    assert_eq!(
        serde_json::from_value::<DurationSummary>(good.clone()).unwrap(),
        d
    );

    let mut v = good.clone();
    v["moments"]["min"] = json!(40);
    rejects::<DurationSummary>(v, "do not agree");

    let mut v = good.clone();
    v["moments"]["sum"] = json!(1000);
    rejects::<DurationSummary>(v, "do not agree");

    let mut v = good.clone();
    // Moments of 10, 20, 30, 10 (consistent alone), but the sketch holds three values.
    v["moments"]["count"] = json!(4);
    v["moments"]["sum"] = json!(70);
    v["moments"]["sum_sq"] = json!(1500);
    rejects::<DurationSummary>(v, "moments hold 4 values");

    let mut v = good.clone();
    v["buckets"]["edges"] = json!([100, 50]);
    rejects::<DurationSummary>(v, "strictly increasing");

    let mut v = good;
    v["buckets"]["counts"] = json!([3, 0]);
    rejects::<DurationSummary>(v, "counts for");
}

#[test]
fn survey_and_proportion_tampering() {
    rejects::<NetPromoterScore>(json!([1, 2, 3]), "3 counts where 11 are kept");
    rejects::<CustomerSatisfaction>(
        json!({"scale": {"points": {"max": 5, "satisfied_from": 4}}, "counts": [1,0,0,0,0,0,0,0,0,0,0]}),
        "outside the scale",
    );
    rejects::<CustomerSatisfaction>(
        json!({"scale": {"points": {"max": 12, "satisfied_from": 4}}, "counts": [0,0,0,0,0,0,0,0,0,0,0]}),
        "max must be 2..=10",
    );
    rejects::<Proportion>(
        json!({"successes": 3, "trials": 2}),
        "3 successes out of 2 trials",
    );
    rejects::<Engagement>(json!([[1, [1, 0, 0, 0, 0, 0]]]), "score 0");
    rejects::<Engagement>(
        json!([[1, [0, 1, 0, 0, 0, 0]], [1, [0, 1, 0, 0, 0, 0]]]),
        "appears twice",
    );
}

#[test]
fn window_and_group_tampering() {
    let at = chrono::DateTime::from_timestamp(1_735_700_000, 0).unwrap();
    let mut w = Windowed::<NetPromoterScore>::new(Granularity::Day, chrono::Utc);
    w.observe(&SurveyResponse::new(SurveyId(1), at, SurveyScore::Nps(9)))
        .unwrap();
    let good = serde_json::to_value(&w).unwrap();
    assert_eq!(
        serde_json::from_value::<Windowed<NetPromoterScore>>(good.clone()).unwrap(),
        w
    );

    let mut v = good.clone();
    v["windows"][0][0] = json!(1_735_700_000);
    rejects::<Windowed<NetPromoterScore>>(v, "is not a day window");

    let mut v = good;
    v["zone"] = json!("Mars/Olympus");
    rejects::<Windowed<NetPromoterScore>>(v, "unknown zone");

    rejects::<Grouped<TeamId, NetPromoterScore>>(
        json!({"template": [0,0,0,0,0,0,0,0,0,0,0],
               "groups": [[1, [0,0,0,0,0,0,0,0,0,0,1]], [1, [0,0,0,0,0,0,0,0,0,0,1]]]}),
        "appears twice",
    );
}

#[test]
fn ticket_lifecycle_tampering() {
    use csm_metrics::metrics::tickets::{SolvedFacts, TicketLifecycle};
    let mut agg = TicketLifecycle::default();
    for f in [(600, 1, 0), (7_200, 2, 1)] {
        agg.observe(&SolvedFacts {
            first_resolution: f.0,
            full_resolution: f.0,
            requester_wait: f.0,
            agent_work: f.0,
            agent_wait: 0,
            on_hold: 0,
            replies: f.1,
            reopens: f.2,
            business: None,
        })
        .unwrap();
    }
    let good = serde_json::to_value(&agg).unwrap();
    assert_eq!(
        serde_json::from_value::<TicketLifecycle>(good.clone()).unwrap(),
        agg
    );

    let mut v = good.clone();
    v["solved"] = json!(3);
    rejects::<TicketLifecycle>(v, "durations for 3 solved tickets");

    let mut v = good.clone();
    v["touches"] = json!([0, 2, 0, 0]);
    v["replies"] = json!(1);
    rejects::<TicketLifecycle>(v, "fewer replies");

    let mut v = good.clone();
    v["reopened"] = json!(0);
    rejects::<TicketLifecycle>(v, "reopened");

    let mut v = good;
    v["answered"] = json!(5);
    rejects::<TicketLifecycle>(v, "answered tickets and first responses differ");
}

mod tracker {
    use super::*;
    use chrono::{TimeDelta, TimeZone, Utc};
    use csm_metrics::metrics::tickets::{ByTeam, SavedTracker, TicketTracker, TrackerConfig};

    fn saved() -> Value {
        let t0 = Utc.with_ymd_and_hms(2025, 3, 3, 9, 0, 0).unwrap();
        let mut tr = TicketTracker::<ByTeam>::default();
        for id in 1..=3 {
            tr.observe_ticket(&Ticket::new(TicketId(id), t0, CustomerId(id)))
                .unwrap();
        }
        let later = t0 + TimeDelta::hours(2);
        tr.observe_interaction(&Interaction::agent_reply(TicketId(1), later, AgentId(7)))
            .unwrap();
        tr.observe_interaction(&Interaction::status(TicketId(1), later, Status::Solved))
            .unwrap();
        serde_json::to_value(tr.save()).unwrap()
    }

    fn restore(v: Value, config: TrackerConfig) -> Result<TicketTracker<ByTeam>> {
        let saved: SavedTracker<Option<TeamId>> = serde_json::from_value(v).unwrap();
        TicketTracker::restore(config, ByTeam, saved)
    }

    fn refused(v: Value, needle: &str) {
        let err = restore(v, TrackerConfig::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains(needle), "{err:?} does not mention {needle:?}");
    }

    #[test]
    fn a_saved_tracker_is_checked_before_use() {
        let good = saved();
        let back = restore(good.clone(), TrackerConfig::default()).unwrap();
        assert_eq!(back.in_play(), 3);

        // A ticket in play twice.
        let mut v = good.clone();
        let t = v["tickets"][1].clone();
        v["tickets"].as_array_mut().unwrap().push(t);
        refused(v, "in play twice");

        // A ticket dropped: the backlog no longer matches the tickets in play.
        let mut v = good.clone();
        v["tickets"].as_array_mut().unwrap().pop();
        refused(v, "unsolved tickets in play");

        // An instant after the ticket's latest event.
        let mut v = good.clone();
        v["tickets"][0]["first_reply"] = json!(999_999);
        refused(v, "after its latest event");

        // More time in statuses than the ticket lived.
        let mut v = good.clone();
        v["tickets"][0]["work"] = json!(999_999);
        refused(v, "more time in its statuses");

        // A solved ticket without a solve.
        let mut v = good.clone();
        let i = (0..3)
            .find(|&i| v["tickets"][i]["status"] == json!("solved"))
            .unwrap();
        v["tickets"][i]["last_solved"] = Value::Null;
        refused(v, "solve instants");

        // A closed ticket cannot be in play.
        let mut v = good.clone();
        v["tickets"][0]["status"] = json!("closed");
        refused(v, "cannot be in play");

        // A group twice.
        let mut v = good.clone();
        let g = v["groups"][0].clone();
        v["groups"].as_array_mut().unwrap().push(g);
        refused(v, "twice");

        // Another format version.
        let mut v = good.clone();
        v["version"] = json!(2);
        refused(v, "format version 2");

        // Restored under another configuration.
        let other = TrackerConfig {
            resolution_target: 3_600,
            ..TrackerConfig::default()
        };
        let err = restore(good.clone(), other).unwrap_err().to_string();
        assert!(err.contains("configured unlike"), "{err}");
        let cal = BusinessCalendar::builder(Utc)
            .open_weekdays(DayTime::hm(9, 0), DayTime::hm(17, 0))
            .build()
            .unwrap();
        let with_calendar = TrackerConfig {
            calendar: Some(std::sync::Arc::new(cal)),
            ..TrackerConfig::default()
        };
        let err = restore(good, with_calendar).unwrap_err().to_string();
        assert!(err.contains("another business calendar"), "{err}");
    }
}

#[test]
fn first_contact_resolution_round_trip_and_tampering() {
    use chrono::{TimeDelta, TimeZone, Utc};
    use csm_metrics::metrics::calls::FirstContactResolution;
    let t0 = Utc.with_ymd_and_hms(2025, 3, 3, 9, 0, 0).unwrap();
    let call = |id, customer, day| {
        let at = t0 + TimeDelta::days(day);
        Call {
            id: CallId(id),
            queue: QueueId(1),
            agent: Some(AgentId(1)),
            customer: Some(CustomerId(customer)),
            offered_at: at,
            answered_at: Some(at + TimeDelta::seconds(10)),
            ended_at: at + TimeDelta::seconds(300),
            hold: 0,
            wrap: 30,
            transferred: false,
        }
    };
    let mut fcr = FirstContactResolution::default();
    for (id, customer, day) in [(1, 7, 0), (2, 7, 2), (3, 8, 0)] {
        fcr.observe(&call(id, customer, day)).unwrap();
    }
    let v = serde_json::to_value(&fcr).unwrap();
    let back: FirstContactResolution = serde_json::from_value(v.clone()).unwrap();
    assert_eq!(back, fcr);

    let mut t = v.clone();
    let first = t["pending"][0].clone();
    t["pending"].as_array_mut().unwrap().push(first);
    rejects::<FirstContactResolution>(t, "pending twice");

    let mut t = v.clone();
    t["pending"][0][1] = json!(i64::MAX);
    rejects::<FirstContactResolution>(t, "out of range");

    let mut t = v;
    t["resolved"] = json!(u64::MAX);
    t["repeated"] = json!(1);
    rejects::<FirstContactResolution>(t, "counts out of range");
}

#[test]
fn a_calendar_round_trips_through_its_definition_and_is_checked_again() {
    use chrono::NaiveDate;
    let ny: chrono_tz::Tz = "America/New_York".parse().unwrap();
    let cal = BusinessCalendar::builder(ny)
        .open_weekdays(DayTime::hm(9, 0), DayTime::hm(17, 0))
        .open(chrono::Weekday::Sat, DayTime::hm(22, 0), DayTime::hm(2, 0))
        .holiday(NaiveDate::from_ymd_opt(2025, 7, 4).unwrap())
        .hours_on(
            NaiveDate::from_ymd_opt(2025, 12, 24).unwrap(),
            &[(DayTime::hm(9, 0), DayTime::hm(13, 0))],
        )
        .years(2024, 2026)
        .build()
        .unwrap();
    let v = serde_json::to_value(&cal).unwrap();
    let back: BusinessCalendar<chrono_tz::Tz> = serde_json::from_value(v.clone()).unwrap();
    assert_eq!(back, cal);
    assert_eq!(back.fingerprint(), cal.fingerprint());

    let mut t = v.clone();
    t["zone"] = json!("Mars/Olympus_Mons");
    rejects::<BusinessCalendar<chrono_tz::Tz>>(t, "unknown zone");
    let mut t = v.clone();
    t["week"][0][0][1] = json!(90_000);
    rejects::<BusinessCalendar<chrono_tz::Tz>>(t, "past 24:00");
    let mut t = v.clone();
    t["holidays"]
        .as_array_mut()
        .unwrap()
        .push(json!("2025-07-04"));
    rejects::<BusinessCalendar<chrono_tz::Tz>>(t, "given twice");
    let mut t = v.clone();
    t["holidays"]
        .as_array_mut()
        .unwrap()
        .push(json!("2025-12-24"));
    rejects::<BusinessCalendar<chrono_tz::Tz>>(t, "a holiday with its own hours");
    let mut t = v.clone();
    t["years"] = json!([2026, 2024]);
    rejects::<BusinessCalendar<chrono_tz::Tz>>(t, "must be ordered");
    let mut t = v;
    t["week"][1] = json!([[36_000, 39_600], [37_800, 43_200]]);
    rejects::<BusinessCalendar<chrono_tz::Tz>>(t, "overlap");
}

mod sla {
    use super::*;
    use chrono::{TimeDelta, TimeZone, Utc};
    use csm_metrics::metrics::sla::{
        Basis, Policy, SavedSla, SlaMetric, SlaPolicies, SlaTracker, Target,
    };

    fn policies(first_reply: u64) -> SlaPolicies {
        SlaPolicies::new(
            vec![Policy::all(
                "standard",
                vec![
                    Target::new(SlaMetric::FirstReply, first_reply, Basis::Calendar),
                    Target::new(SlaMetric::RequesterWait, 7_200, Basis::Calendar),
                ],
            )],
            None,
        )
        .unwrap()
    }

    fn saved() -> Value {
        let t0 = Utc.with_ymd_and_hms(2025, 3, 3, 9, 0, 0).unwrap();
        let mut sla = SlaTracker::new(policies(3_600));
        for id in 1..=3 {
            sla.observe_ticket(&Ticket::new(TicketId(id), t0, CustomerId(id)))
                .unwrap();
        }
        let later = t0 + TimeDelta::minutes(30);
        sla.observe_interaction(&Interaction::agent_reply(TicketId(1), later, AgentId(1)))
            .unwrap();
        sla.observe_interaction(&Interaction::status(TicketId(2), later, Status::Pending))
            .unwrap();
        serde_json::to_value(sla.save()).unwrap()
    }

    fn refused(v: Value, policies: SlaPolicies, needle: &str) {
        let saved: SavedSla<()> = serde_json::from_value(v).unwrap();
        let config = csm_metrics::metrics::sla::SlaConfig::new(policies);
        let err = SlaTracker::restore(config, csm_metrics::metrics::tickets::Overall, saved)
            .unwrap_err()
            .to_string();
        assert!(err.contains(needle), "{err:?} does not mention {needle:?}");
    }

    #[test]
    fn a_saved_sla_tracker_is_checked_before_use() {
        let good = saved();
        let back: SavedSla<()> = serde_json::from_value(good.clone()).unwrap();
        let sla = SlaTracker::restore(
            csm_metrics::metrics::sla::SlaConfig::new(policies(3_600)),
            csm_metrics::metrics::tickets::Overall,
            back,
        )
        .unwrap();
        assert_eq!(sla.in_play(), 3);

        refused(good.clone(), policies(1_800), "other policies");

        let mut v = good.clone();
        let t = v["tickets"][0].clone();
        v["tickets"].as_array_mut().unwrap().push(t);
        refused(v, policies(3_600), "in play twice");

        let mut v = good.clone();
        v["tickets"].as_array_mut().unwrap().pop();
        refused(v, policies(3_600), "live targets");

        let mut v = good.clone();
        v["tickets"][0]["clocks"][0]["metric"] = json!("next_reply");
        refused(v, policies(3_600), "clocks that do not match");

        let mut v = good.clone();
        v["tickets"][0]["policy"] = json!(3);
        refused(v, policies(3_600), "a policy that does not exist");

        let mut v = good.clone();
        v["outcomes"][0][0][0]["achieved"] = json!(5);
        refused(v, policies(3_600), "do not add up");

        let mut v = good;
        v["tickets"][2]["machine"]["status"] = json!("closed");
        refused(v, policies(3_600), "cannot be in play");
    }
}

#[test]
fn call_center_tampering() {
    use chrono::{TimeDelta, TimeZone, Utc};
    use csm_metrics::metrics::calls::CallCenter;
    let t0 = Utc.with_ymd_and_hms(2025, 3, 3, 9, 0, 0).unwrap();
    let mut cc = CallCenter::default();
    for (i, answered) in [(1, true), (2, false), (3, true)] {
        cc.observe(&Call {
            id: CallId(i),
            queue: QueueId(1),
            offered_at: t0,
            answered_at: answered.then(|| t0 + TimeDelta::seconds(12)),
            ended_at: t0 + TimeDelta::seconds(300),
            hold: 0,
            wrap: 0,
            agent: answered.then_some(AgentId(1)),
            customer: None,
            transferred: false,
        })
        .unwrap();
    }
    let v = serde_json::to_value(&cc).unwrap();
    let back: CallCenter = serde_json::from_value(v.clone()).unwrap();
    assert_eq!(back.snapshot(), cc.snapshot());
    let mut t = v.clone();
    t["offered"] = json!(7);
    rejects::<CallCenter>(t, "do not add up to the offered");
    let mut t = v.clone();
    t["answered_within"] = json!(9);
    t["offered"] = json!(3);
    rejects::<CallCenter>(t, "more calls answered in time");
    let mut t = v.clone();
    t["short_abandons"] = json!(2);
    rejects::<CallCenter>(t, "more short and late abandons");
    let mut t = v;
    t["answered"] = json!(1);
    t["answered_within"] = json!(1);
    t["abandoned"] = json!(2);
    rejects::<CallCenter>(t, "wait or handle times");
}
