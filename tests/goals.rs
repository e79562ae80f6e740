//! Goals worked by hand: met, missed, and not enough data (small samples, intervals across
//! the target), per group, and a scorecard stored and read back.

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use csm_metrics::goals::{Comparison, Figures, Goal, Metric, Scorecard, Stat, Verdict};
use csm_metrics::metrics::calls::CallCenter;
use csm_metrics::metrics::tickets::{ByTeam, TicketTracker};
use csm_metrics::*;

fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 3, 9, 0, 0).unwrap()
}

fn csat(satisfied: u64, n: u64) -> csm_metrics::metrics::surveys::CsatSnapshot {
    let mut c = CustomerSatisfaction::default();
    for i in 0..n {
        let score = if i < satisfied { 5 } else { 1 };
        c.observe(&SurveyResponse::new(
            SurveyId(i),
            at(),
            SurveyScore::Csat(score),
        ))
        .unwrap();
    }
    c.snapshot()
}

#[test]
fn an_interval_across_the_target_is_not_enough_data() {
    let card = Scorecard::new(vec![Goal::new(
        "CSAT ≥ 80 %",
        Metric::Csat,
        Comparison::AtLeast,
        80.0,
    )])
    .unwrap();
    // 41 of 50 = 82 %: Wilson [69.2, 90.2] straddles 80.
    let s = csat(41, 50);
    let r = &card.evaluate(&Figures {
        csat: Some(&s),
        ..Figures::default()
    })[0];
    assert_eq!(r.verdict, Verdict::NotEnoughData);
    assert!((r.margin.unwrap() - 2.0).abs() < 1e-9);
    // 820 of 1,000 = 82 %: [79.5, 84.3] still straddles; 850 of 1,000: [82.6, 87.1] met.
    let s = csat(820, 1_000);
    let r = &card.evaluate(&Figures {
        csat: Some(&s),
        ..Figures::default()
    })[0];
    assert_eq!(r.verdict, Verdict::NotEnoughData);
    let s = csat(850, 1_000);
    let r = &card.evaluate(&Figures {
        csat: Some(&s),
        ..Figures::default()
    })[0];
    assert_eq!(r.verdict, Verdict::Met);
    // 600 of 1,000 = 60 %: missed by 20 points.
    let s = csat(600, 1_000);
    let r = &card.evaluate(&Figures {
        csat: Some(&s),
        ..Figures::default()
    })[0];
    assert_eq!(r.verdict, Verdict::Missed);
    assert!((r.margin.unwrap() + 20.0).abs() < 1e-9);
    assert_eq!(r.reading.unwrap().sample, 1_000);
}

#[test]
fn service_level_and_speed_of_answer() {
    // 1,000 calls: 750 answered within 20 s (wait 10 s), 250 after (wait 60 s).
    let mut cc = CallCenter::default();
    for i in 0..1_000u64 {
        let offered = at() + TimeDelta::minutes(i as i64);
        let wait = if i < 750 { 10 } else { 60 };
        cc.observe(&Call {
            id: CallId(i),
            queue: QueueId(1),
            offered_at: offered,
            answered_at: Some(offered + TimeDelta::seconds(wait)),
            ended_at: offered + TimeDelta::seconds(wait + 200),
            hold: 0,
            wrap: 0,
            agent: Some(AgentId(1)),
            customer: None,
            transferred: false,
        })
        .unwrap();
    }
    let calls = cc.snapshot();
    let card = Scorecard::new(vec![
        Goal::new("SL 80/20", Metric::ServiceLevel, Comparison::AtLeast, 0.8),
        Goal::new(
            "ASA ≤ 30 s",
            Metric::Asa(Stat::Mean),
            Comparison::AtMost,
            30.0,
        ),
        Goal::new(
            "AHT ≤ 180 s",
            Metric::Aht(Stat::Mean),
            Comparison::AtMost,
            180.0,
        ),
    ])
    .unwrap();
    let r = card.evaluate(&Figures {
        calls: Some(&calls),
        ..Figures::default()
    });
    // SL 0.75, Wilson [0.722, 0.776]: wholly below 0.8.
    assert_eq!(r[0].verdict, Verdict::Missed);
    assert!((r[0].margin.unwrap() + 0.05).abs() < 1e-9);
    // ASA = (750·10 + 250·60) / 1000 = 22.5 s: 7.5 s to spare.
    assert_eq!(r[1].verdict, Verdict::Met);
    assert!((r[1].margin.unwrap() - 7.5).abs() < 1e-9);
    // AHT 200 s: 20 s over.
    assert_eq!(r[2].verdict, Verdict::Missed);
    assert!((r[2].margin.unwrap() + 20.0).abs() < 1e-9);
}

#[test]
fn per_team_with_a_minimum_sample() {
    // Team 1: 40 tickets answered in 30 min; team 2: 5 tickets answered in 6 h.
    let mut tr = TicketTracker::<ByTeam>::default();
    for (team, n, minutes) in [(1u64, 40u64, 30i64), (2, 5, 360)] {
        for i in 0..n {
            let id = TicketId(team * 1_000 + i);
            let mut t = Ticket::new(id, at(), CustomerId(i));
            t.team = Some(TeamId(team));
            tr.observe_ticket(&t).unwrap();
            tr.observe_interaction(&Interaction::agent_reply(
                id,
                at() + TimeDelta::minutes(minutes),
                AgentId(team),
            ))
            .unwrap();
        }
    }
    let snap = tr.snapshot_at(at() + TimeDelta::days(1));
    let card = Scorecard::new(vec![
        Goal::new(
            "FRT p90 ≤ 4 h",
            Metric::FirstResponse(Stat::P90),
            Comparison::AtMost,
            14_400.0,
        )
        .with_min_sample(20),
    ])
    .unwrap();
    let by_team = card.evaluate_groups(snap.groups.iter().map(|(k, g)| {
        (
            *k,
            Figures {
                tickets: Some(g),
                ..Figures::default()
            },
        )
    }));
    assert_eq!(by_team[&Some(TeamId(1))][0].verdict, Verdict::Met);
    // Team 2 misses by 2 h on its figure, but 5 tickets are below the minimum of 20.
    let two = &by_team[&Some(TeamId(2))][0];
    assert_eq!(two.verdict, Verdict::NotEnoughData);
    assert!(two.margin.unwrap() < -7_000.0);
    // Overall, 45 tickets: type-7 p90 at rank 0.9 · 44 = 39.6, between the 40th value
    // (30 min) and the 41st (6 h): 1,800 + 0.6 · 19,800 = 13,680 s, 720 s within the
    // target (the sketch's 1 % is 137 s).
    let all = card.evaluate(&Figures {
        tickets: Some(&snap.overall),
        ..Figures::default()
    });
    assert_eq!(all[0].verdict, Verdict::Met);
    assert!(
        (all[0].margin.unwrap() - 720.0).abs() <= 137.0,
        "{:?}",
        all[0]
    );
}

#[test]
fn a_scorecard_is_checked() {
    let goal = |name: &str, target| Goal::new(name, Metric::Nps, Comparison::AtLeast, target);
    assert!(Scorecard::new(vec![goal("a", f64::NAN)]).is_err());
    assert!(Scorecard::new(vec![goal("a", 30.0), goal("a", 40.0)]).is_err());
    #[cfg(feature = "serde")]
    {
        let card = Scorecard::new(vec![
            goal("NPS ≥ 30", 30.0),
            Goal::new(
                "resolved within 24 h ≥ 90 %",
                Metric::ResolvedWithinTarget,
                Comparison::AtLeast,
                0.9,
            )
            .with_min_sample(50),
        ])
        .unwrap();
        let json = serde_json::to_string(&card).unwrap();
        assert!(json.contains("\"resolved_within_target\""), "{json}");
        let back: Scorecard = serde_json::from_str(&json).unwrap();
        assert_eq!(back, card);
        // Stored targets are checked again.
        let twice = json.replace("NPS ≥ 30", "resolved within 24 h ≥ 90 %");
        assert!(serde_json::from_str::<Scorecard>(&twice).is_err());
        // The minimum sample defaults to 1.
        let plain: Scorecard = serde_json::from_str(
            r#"[{"name": "CSAT", "metric": "csat", "comparison": "at_least", "target": 85}]"#,
        )
        .unwrap();
        assert_eq!(plain.goals()[0].min_sample, 1);
    }
}

#[test]
fn a_median_goal_is_met_only_with_confidence() {
    let card = Scorecard::new(vec![Goal::new(
        "FRT median ≤ 1 h",
        Metric::FirstResponse(Stat::P50),
        Comparison::AtMost,
        3600.0,
    )])
    .unwrap();
    let verdict = |waits: &[u64]| {
        let mut tr = TicketTracker::<ByTeam>::default();
        for (i, w) in waits.iter().enumerate() {
            let id = TicketId(i as u64 + 1);
            tr.observe_ticket(&Ticket::new(id, at(), CustomerId(1)))
                .unwrap();
            let reply = at() + TimeDelta::seconds(*w as i64);
            tr.observe_interaction(&Interaction::agent_reply(id, reply, AgentId(1)))
                .unwrap();
        }
        let s = tr.snapshot().overall;
        card.evaluate(&Figures {
            tickets: Some(&s),
            ..Figures::default()
        })[0]
            .verdict
    };
    // Eleven replies, the median 50 min; c = round(6 − 1.96·√11/2) = 3, so the interval
    // is [x₃, x₉] = [30, 80 min], across the hour: not enough data.
    let mixed = [
        600, 1200, 1800, 2400, 2700, 3000, 3300, 4200, 4800, 6000, 7200,
    ];
    assert_eq!(verdict(&mixed), Verdict::NotEnoughData);
    // Every reply within 40 min: the whole interval is below the hour.
    let fast = [
        600, 900, 1200, 1500, 1800, 2000, 2100, 2200, 2300, 2400, 2400,
    ];
    assert_eq!(verdict(&fast), Verdict::Met);
    // Every reply after 2 h: missed.
    let slow = [
        7300, 7400, 7500, 7600, 7700, 7800, 7900, 8000, 8100, 8200, 8300,
    ];
    assert_eq!(verdict(&slow), Verdict::Missed);
}
