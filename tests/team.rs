//! Team health worked by hand: turnover with a time-weighted headcount, tenure, per-team,
//! and per-agent scorecards joined from every source.

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use csm_metrics::metrics::agents::AgentStates;
use csm_metrics::metrics::calls::CallCenter;
use csm_metrics::metrics::team::{Employment, Roster, scorecards};
use csm_metrics::metrics::tickets::{ByAssignee, TicketTracker};
use csm_metrics::*;

fn day(m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, m, d, 0, 0, 0).unwrap()
}

fn job(agent: u64, team: u64, hired: DateTime<Utc>, left: Option<DateTime<Utc>>) -> Employment {
    Employment {
        agent: AgentId(agent),
        team: Some(TeamId(team)),
        hired,
        left,
    }
}

fn roster() -> Roster {
    let mut r = Roster::default();
    for e in [
        job(1, 1, day(1, 1) - TimeDelta::days(800), None),
        job(2, 1, day(1, 1) - TimeDelta::days(100), Some(day(2, 1))),
        job(3, 2, day(1, 1) - TimeDelta::days(10), None),
        job(4, 2, day(2, 1), Some(day(3, 1))),
        job(2, 2, day(3, 1), None), // agent 2 comes back, to team 2
    ] {
        r.observe(&e).unwrap();
    }
    r
}

#[test]
fn turnover_over_a_quarter() {
    // Q1 2025: 90 days. Present: 1 (90), 2 (31 + 31), 3 (90), 4 (28): 270 agent-days,
    // mean headcount 3. Left: 2 (1 Feb), 4 (1 Mar).
    let q1 = roster().turnover(day(1, 1), day(4, 1));
    assert_eq!((q1.at_start, q1.at_end, q1.hired, q1.left), (3, 3, 2, 2));
    assert!((q1.mean_headcount.unwrap() - 270.0 / 90.0).abs() < 1e-12);
    assert!((q1.turnover.unwrap() - 2.0 / 3.0).abs() < 1e-12);
    let teams = roster().turnover_by_team(day(1, 1), day(4, 1));
    // Team 1: agents 1 (90 d) and 2 (31 d): one leaver over 121/90 heads.
    assert_eq!(teams[&Some(TeamId(1))].left, 1);
    assert!((teams[&Some(TeamId(1))].mean_headcount.unwrap() - 121.0 / 90.0).abs() < 1e-12);
    assert_eq!(teams[&Some(TeamId(2))].hired, 2);
}

#[test]
fn tenure_at_an_instant() {
    // On 1 Feb 2025 (agent 2 leaves that instant): agents 1 (831 d), 3 (41 d), 4 (0 d).
    let t = roster().tenure_at(day(2, 1));
    assert_eq!(t.count, 3);
    assert_eq!(t.max, Some(831.0 * 86_400.0));
    assert_eq!(t.buckets[0].count, 2); // under 90 days
    assert_eq!(t.buckets[3].count, 1); // 2 to 5 years
}

#[test]
fn overlapping_employments_are_refused() {
    let mut r = roster();
    assert!(r.observe(&job(1, 1, day(6, 1), None)).is_err());
    assert!(r.observe(&job(9, 1, day(6, 1), Some(day(5, 1)))).is_err());
    let mut other = Roster::default();
    other.observe(&job(9, 3, day(1, 15), None)).unwrap();
    r.merge(&other).unwrap();
    assert_eq!(r.turnover(day(1, 1), day(4, 1)).hired, 3);
    assert!(r.merge(&other).is_err(), "agent 9 twice");
}

#[test]
fn scorecards_join_every_source() {
    let t0 = day(3, 3) + TimeDelta::hours(9);
    // Tickets: agent 1 answers in 10 min and solves two; agent 2 none.
    let mut tickets = TicketTracker::<ByAssignee>::default();
    for id in 1..=2u64 {
        let mut t = Ticket::new(TicketId(id), t0, CustomerId(id));
        t.assignee = Some(AgentId(1));
        tickets.observe_ticket(&t).unwrap();
        let at = t0 + TimeDelta::minutes(10);
        tickets
            .observe_interaction(&Interaction::agent_reply(TicketId(id), at, AgentId(1)))
            .unwrap();
        tickets
            .observe_interaction(&Interaction::status(TicketId(id), at, Status::Solved))
            .unwrap();
    }
    // CSAT: agent 1 two 5s; agent 2 one 1.
    let mut csat = Grouped::<_, CustomerSatisfaction, ByAgent>::default();
    for (id, agent, score) in [(1, 1, 5), (2, 1, 5), (3, 2, 1)] {
        csat.observe(&SurveyResponse {
            agent: Some(AgentId(agent)),
            ..SurveyResponse::new(SurveyId(id), t0, SurveyScore::Csat(score))
        })
        .unwrap();
    }
    // Calls: agent 2 answers one call of 300 s + 60 s wrap.
    let mut calls = Grouped::<_, CallCenter, ByAgent>::default();
    calls
        .observe(&Call {
            id: CallId(1),
            queue: QueueId(1),
            offered_at: t0,
            answered_at: Some(t0 + TimeDelta::seconds(5)),
            ended_at: t0 + TimeDelta::seconds(305),
            hold: 0,
            wrap: 60,
            agent: Some(AgentId(2)),
            customer: None,
            transferred: false,
        })
        .unwrap();
    // States: agent 2 on contact 30 min, available 30 min.
    let mut states = Grouped::<_, AgentStates, ByAgent>::default();
    for (state, a, b) in [
        (AgentState::OnContact, 0, 30),
        (AgentState::Available, 30, 60),
    ] {
        states
            .observe(&StateInterval {
                agent: AgentId(2),
                state,
                start: t0 + TimeDelta::minutes(a),
                end: t0 + TimeDelta::minutes(b),
            })
            .unwrap();
    }
    let rows = scorecards(
        &tickets.snapshot_at(t0 + TimeDelta::hours(1)).groups,
        &csat.snapshot(),
        &calls.snapshot(),
        &states.snapshot(),
    );
    let one = &rows[&AgentId(1)];
    assert_eq!(
        (one.solved, one.csat, one.csat_responses),
        (Some(2), Some(100.0), Some(2))
    );
    assert_eq!(one.one_touch_rate, Some(1.0));
    assert!((one.first_response_p50.unwrap() - 600.0).abs() <= 6.0);
    assert_eq!((one.calls_answered, one.occupancy), (None, None));
    let two = &rows[&AgentId(2)];
    assert_eq!((two.solved, two.csat), (None, Some(0.0)));
    assert_eq!((two.calls_answered, two.aht), (Some(1), Some(360.0)));
    assert_eq!(two.occupancy, Some(0.5));
}
