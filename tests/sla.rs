//! SLA targets worked by hand: pauses, reopens, restarts, breaches without a reply,
//! business time, cancellation. t0 = Monday 2025-03-03 09:00 UTC; times in minutes.

mod common;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use csm_metrics::metrics::sla::{
    Basis, Condition, Policy, SlaMetric, SlaPolicies, SlaSnapshot, SlaTracker, Target,
};
use csm_metrics::*;

fn t(m: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 3, 9, 0, 0).unwrap() + TimeDelta::minutes(m)
}

fn tracker(targets: Vec<Target>) -> SlaTracker {
    SlaTracker::new(SlaPolicies::new(vec![Policy::all("p", targets)], None).unwrap())
}

fn created(sla: &mut SlaTracker, id: u64, m: i64) {
    sla.observe_ticket(&Ticket::new(TicketId(id), t(m), CustomerId(id)))
        .unwrap();
}

fn reply(sla: &mut SlaTracker, id: u64, m: i64) {
    sla.observe_interaction(&Interaction::agent_reply(TicketId(id), t(m), AgentId(1)))
        .unwrap();
}

fn customer(sla: &mut SlaTracker, id: u64, m: i64) {
    sla.observe_interaction(&Interaction::customer_message(TicketId(id), t(m)))
        .unwrap();
}

fn status(sla: &mut SlaTracker, id: u64, m: i64, s: Status) {
    sla.observe_interaction(&Interaction::status(TicketId(id), t(m), s))
        .unwrap();
}

fn counts<K: Ord>(s: &SlaSnapshot<K>, i: usize) -> (u64, u64, u64) {
    let x = &s.targets[i];
    (x.achieved, x.breached, x.active)
}

#[test]
fn requester_wait_pauses_in_pending_and_resumes_on_reopen() {
    let mut sla = tracker(vec![Target::new(
        SlaMetric::RequesterWait,
        3_600,
        Basis::Calendar,
    )]);
    created(&mut sla, 1, 0);
    status(&mut sla, 1, 20, Status::Pending); // 20 min counted
    customer(&mut sla, 1, 50);
    status(&mut sla, 1, 50, Status::Open); // resumes
    status(&mut sla, 1, 80, Status::Solved); // 20 + 30 = 50 min: achieved, 10 min spare
    let s = sla.snapshot_at(t(90));
    assert_eq!(counts(&s, 0), (1, 0, 0));
    assert_eq!(s.targets[0].spare.mean, Some(600.0));
    status(&mut sla, 1, 100, Status::Open); // reopen: resumes at 50 min, outcome retracted
    let s = sla.snapshot_at(t(105));
    assert_eq!(counts(&s, 0), (0, 0, 1));
    // 55 min counted at minute 105: the deadline is minute 110.
    assert_eq!(s.about_to_breach[0].time_left, 300);
    assert_eq!(s.about_to_breach[0].deadline, t(110));
    // Past the deadline with no event: breached already.
    let s = sla.snapshot_at(t(112));
    assert_eq!(counts(&s, 0), (0, 1, 0));
    assert_eq!(s.targets[0].attainment, Some(0.0));
    status(&mut sla, 1, 115, Status::Solved); // 65 min: breached by 5 min
    let s = sla.snapshot_at(t(120));
    assert_eq!(counts(&s, 0), (0, 1, 0));
    assert_eq!(s.targets[0].breach_by.mean, Some(300.0));
}

#[test]
fn next_reply_restarts_and_a_solve_fulfils() {
    let mut sla = tracker(vec![Target::new(
        SlaMetric::NextReply,
        1_800,
        Basis::Calendar,
    )]);
    created(&mut sla, 1, 0);
    reply(&mut sla, 1, 10); // the first reply: no next-reply instance yet
    customer(&mut sla, 1, 20);
    customer(&mut sla, 1, 25); // does not restart the clock
    reply(&mut sla, 1, 40); // 20 min: achieved, 10 min spare
    customer(&mut sla, 1, 60);
    status(&mut sla, 1, 100, Status::Solved); // 40 min running when solved: breached by 10 min
    let s = sla.snapshot_at(t(100));
    assert_eq!(counts(&s, 0), (1, 1, 0));
    assert_eq!(s.targets[0].spare.mean, Some(600.0));
    assert_eq!(s.targets[0].breach_by.mean, Some(600.0));
}

#[test]
fn total_resolution_never_pauses() {
    let mut sla = tracker(vec![Target::new(
        SlaMetric::TotalResolution,
        7_200,
        Basis::Calendar,
    )]);
    created(&mut sla, 1, 0);
    status(&mut sla, 1, 10, Status::Pending); // no pause
    status(&mut sla, 1, 60, Status::Solved); // 60 min: achieved
    assert_eq!(counts(&sla.snapshot_at(t(60)), 0), (1, 0, 0));
    status(&mut sla, 1, 90, Status::Open); // reopen: 60 + 30 solved minutes = 90
    status(&mut sla, 1, 150, Status::Solved); // 150 min: breached by 30
    let s = sla.snapshot_at(t(150));
    assert_eq!(counts(&s, 0), (0, 1, 0));
    assert_eq!(s.targets[0].breach_by.mean, Some(1_800.0));
}

#[test]
fn agent_work_paused_past_its_target_counts_as_breached() {
    let mut sla = tracker(vec![Target::new(
        SlaMetric::AgentWork,
        600,
        Basis::Calendar,
    )]);
    created(&mut sla, 1, 0);
    status(&mut sla, 1, 15, Status::Pending); // 15 min > 10: breached, paused
    assert_eq!(counts(&sla.snapshot_at(t(20)), 0), (0, 1, 0));
    status(&mut sla, 1, 30, Status::Solved); // still 15 min: breached by 5
    let s = sla.snapshot_at(t(30));
    assert_eq!(counts(&s, 0), (0, 1, 0));
    assert_eq!(s.targets[0].breach_by.mean, Some(300.0));
}

#[test]
fn first_reply_at_the_deadline_is_on_time_and_spam_cancels() {
    let mut sla = tracker(vec![
        Target::new(SlaMetric::FirstReply, 3_600, Basis::Calendar),
        Target::new(SlaMetric::PeriodicUpdate, 7_200, Basis::Calendar),
    ]);
    created(&mut sla, 1, 0);
    reply(&mut sla, 1, 60); // exactly at the deadline
    created(&mut sla, 2, 0);
    reply(&mut sla, 2, 90); // late by 30 min
    let s = sla.snapshot_at(t(100));
    assert_eq!(counts(&s, 0), (1, 1, 0));
    // Periodic updates: one instance per ticket since its reply.
    assert_eq!(counts(&s, 1), (0, 0, 2));
    status(&mut sla, 2, 110, Status::Spam); // ticket 2's outcomes leave
    let s = sla.snapshot_at(t(120));
    assert_eq!(counts(&s, 0), (1, 0, 0));
    assert_eq!(counts(&s, 1), (0, 0, 1));
    assert_eq!(s.targets[0].attainment, Some(1.0));
}

#[test]
fn policies_match_in_order() {
    let urgent = Policy {
        name: "urgent".into(),
        condition: Condition {
            priorities: vec![Priority::Urgent],
            ..Condition::default()
        },
        targets: vec![Target::new(SlaMetric::FirstReply, 900, Basis::Calendar)],
    };
    let rest = Policy::all(
        "rest",
        vec![Target::new(SlaMetric::FirstReply, 14_400, Basis::Calendar)],
    );
    let mut sla = SlaTracker::new(SlaPolicies::new(vec![urgent, rest], None).unwrap());
    let mut u = Ticket::new(TicketId(1), t(0), CustomerId(1));
    u.priority = Priority::Urgent;
    sla.observe_ticket(&u).unwrap();
    created(&mut sla, 2, 0);
    reply(&mut sla, 1, 20);
    reply(&mut sla, 2, 20);
    let s = sla.snapshot_at(t(30));
    assert_eq!(
        (s.targets[0].policy.as_str(), counts(&s, 0)),
        ("urgent", (0, 1, 0))
    );
    assert_eq!(
        (s.targets[1].policy.as_str(), counts(&s, 1)),
        ("rest", (1, 0, 0))
    );
}

#[test]
fn bad_policies_and_records_are_refused() {
    let zero = Policy::all(
        "z",
        vec![Target::new(SlaMetric::FirstReply, 0, Basis::Calendar)],
    );
    assert!(SlaPolicies::new(vec![zero], None).is_err());
    let business = Policy::all(
        "b",
        vec![Target::new(SlaMetric::FirstReply, 60, Basis::Business)],
    );
    assert!(
        SlaPolicies::new(vec![business], None)
            .unwrap_err()
            .to_string()
            .contains("calendar")
    );
    let mut sla = tracker(vec![Target::new(
        SlaMetric::FirstReply,
        60,
        Basis::Calendar,
    )]);
    assert!(
        sla.observe_interaction(&Interaction::agent_reply(TicketId(9), t(1), AgentId(1)))
            .is_err()
    );
    created(&mut sla, 1, 10);
    reply(&mut sla, 1, 20);
    assert!(
        sla.observe_interaction(&Interaction::agent_reply(TicketId(1), t(15), AgentId(1)))
            .is_err()
    );
    assert_eq!(
        sla.snapshot_at(t(30)).ingest.rejected.values().sum::<u64>(),
        2
    );
}

#[cfg(feature = "tz")]
#[test]
fn business_time_targets() {
    use chrono::NaiveDate;
    use chrono_tz::America::New_York;
    let calendar = BusinessCalendar::builder(New_York)
        .open_weekdays(DayTime::hm(9, 0), DayTime::hm(17, 0))
        .holiday(NaiveDate::from_ymd_opt(2025, 2, 17).unwrap())
        .years(2025, 2025)
        .build()
        .unwrap();
    let policies = SlaPolicies::new(
        vec![Policy::all(
            "biz",
            vec![Target::new(SlaMetric::FirstReply, 7_200, Basis::Business)],
        )],
        Some(std::sync::Arc::new(calendar)),
    )
    .unwrap();
    let mut sla = SlaTracker::new(policies);
    let ny = |d, h| {
        New_York
            .with_ymd_and_hms(2025, 2, d, h, 0, 0)
            .unwrap()
            .with_timezone(&Utc)
    };
    // Friday 2025-02-14 16:00; Monday the 17th is a holiday: 2 business hours end Tuesday 10:00.
    sla.observe_ticket(&Ticket::new(TicketId(1), ny(14, 16), CustomerId(1)))
        .unwrap();
    let s = sla.snapshot_at(ny(15, 12));
    assert_eq!(s.about_to_breach[0].deadline, ny(18, 10));
    sla.observe_interaction(&Interaction::agent_reply(
        TicketId(1),
        ny(18, 10),
        AgentId(1),
    ))
    .unwrap();
    let s = sla.snapshot_at(ny(18, 11));
    assert_eq!(counts(&s, 0), (1, 0, 0));
    assert_eq!(s.targets[0].spare.mean, Some(0.0));
}

#[test]
fn attainment_per_team() {
    use csm_metrics::metrics::tickets::ByTeam;
    let policies = SlaPolicies::new(
        vec![Policy::all(
            "p",
            vec![Target::new(SlaMetric::FirstReply, 3_600, Basis::Calendar)],
        )],
        None,
    )
    .unwrap();
    let mut sla = SlaTracker::with_grouping(policies, ByTeam);
    for (id, team, reply) in [(1, 1, 30), (2, 1, 90), (3, 2, 10), (4, 2, 20)] {
        let mut tk = Ticket::new(TicketId(id), t(0), CustomerId(id));
        tk.team = Some(TeamId(team));
        sla.observe_ticket(&tk).unwrap();
        reply_at(&mut sla, id, reply);
    }
    // Ticket 5 (team 2) is still waiting at minute 100: breached already.
    let mut tk = Ticket::new(TicketId(5), t(0), CustomerId(5));
    tk.team = Some(TeamId(2));
    sla.observe_ticket(&tk).unwrap();
    let s = sla.snapshot_at(t(100));
    assert_eq!(counts(&s, 0), (3, 2, 0));
    let team = |n| &s.groups[&Some(TeamId(n))][0];
    assert_eq!((team(1).achieved, team(1).breached), (1, 1));
    assert_eq!((team(2).achieved, team(2).breached), (2, 1));
    assert_eq!(team(2).attainment, Some(2.0 / 3.0));
}

fn reply_at<G: csm_metrics::metrics::tickets::TicketGrouping>(
    sla: &mut SlaTracker<G>,
    id: u64,
    m: i64,
) {
    sla.observe_interaction(&Interaction::agent_reply(TicketId(id), t(m), AgentId(1)))
        .unwrap();
}

/// Periodic and pausable update side by side: reply at 09:00 starts both (target 2 h);
/// pending 09:30–10:30; the next reply at 11:30. Periodic: 2.5 h, breached by 30 min.
/// Pausable: 2.5 h − 1 h pending = 1.5 h, achieved with 30 min to spare. The second reply
/// starts new instances, which the solve at 12:00 fulfils (30 min each).
#[test]
fn pausable_update_pauses_in_pending() {
    let mut sla = tracker(vec![
        Target::new(SlaMetric::PeriodicUpdate, 7_200, Basis::Calendar),
        Target::new(SlaMetric::PausableUpdate, 7_200, Basis::Calendar),
    ]);
    created(&mut sla, 1, -10);
    reply(&mut sla, 1, 0);
    status(&mut sla, 1, 30, Status::Pending);
    status(&mut sla, 1, 90, Status::Open);
    // At 10:45 the pausable clock has run 30 + 15 = 45 min: 75 min left.
    let s = sla.snapshot_at(t(105));
    let pausable = s
        .about_to_breach
        .iter()
        .find(|a| a.metric == SlaMetric::PausableUpdate)
        .unwrap();
    assert_eq!(pausable.time_left, 75 * 60);
    reply(&mut sla, 1, 150);
    status(&mut sla, 1, 180, Status::Solved);
    let s = sla.snapshot_at(t(200));
    assert_eq!(counts(&s, 0), (1, 1, 0));
    assert_eq!(counts(&s, 1), (2, 0, 0));
    assert_eq!(s.targets[0].breach_by.mean, Some(1_800.0));
    // Spare: 30 min (first instance) and 90 min (second: 30 min used of 2 h).
    assert_eq!(s.targets[1].spare.mean, Some(3_600.0));
}

mod shards {
    use super::*;
    use csm_metrics::metrics::tickets::ByTeam;
    use csm_metrics_synth::{Config, Generator};
    use proptest::prelude::*;

    fn policies() -> SlaPolicies {
        SlaPolicies::new(
            vec![
                Policy {
                    name: "urgent".into(),
                    condition: Condition {
                        priorities: vec![Priority::Urgent, Priority::High],
                        ..Condition::default()
                    },
                    targets: vec![
                        Target::new(SlaMetric::FirstReply, 3_600, Basis::Calendar),
                        Target::new(SlaMetric::NextReply, 7_200, Basis::Calendar),
                        Target::new(SlaMetric::TotalResolution, 86_400, Basis::Calendar),
                    ],
                },
                Policy::all(
                    "standard",
                    vec![
                        Target::new(SlaMetric::FirstReply, 14_400, Basis::Calendar),
                        Target::new(SlaMetric::PausableUpdate, 28_800, Basis::Calendar),
                        Target::new(SlaMetric::RequesterWait, 172_800, Basis::Calendar),
                    ],
                ),
            ],
            None,
        )
        .unwrap()
    }

    fn feed(sla: &mut SlaTracker<ByTeam>, h: &[csm_metrics_synth::TicketHistory]) {
        for t in h {
            sla.observe_ticket(&t.ticket).unwrap();
            for i in &t.interactions {
                sla.observe_interaction(i).unwrap();
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(crate::common::cases(24)))]

        /// Shards by ticket merge, in any order, into the result of one pass.
        #[test]
        fn shards_merge_into_one_pass(seed in any::<u64>(), n in 1u64..300, shards in 1u64..5) {
            let h: Vec<_> = Generator::new(Config::new(seed, n, 3)).collect();
            let mut one = SlaTracker::with_grouping(policies(), ByTeam);
            feed(&mut one, &h);
            let mut parts = vec![SlaTracker::with_grouping(policies(), ByTeam); shards as usize];
            for t in &h {
                feed(&mut parts[(t.ticket.id.0 % shards) as usize], std::slice::from_ref(t));
            }
            let mut merged = SlaTracker::with_grouping(policies(), ByTeam);
            for p in parts.iter().rev() {
                merged.merge(p).unwrap();
            }
            let end = h.iter().flat_map(|t| t.interactions.iter().map(|i| i.at)).max()
                .unwrap_or(t(0));
            for at in [t(0), end, end + TimeDelta::days(30)] {
                prop_assert_eq!(merged.snapshot_at(at), one.snapshot_at(at));
            }
            prop_assert_eq!(merged.in_play(), one.in_play());
            // Saved half-way, restored, and fed the rest: the same as one pass.
            #[cfg(feature = "serde")]
            {
                use csm_metrics::metrics::sla::SavedSla;
                let half = h.len() / 2;
                let mut first = SlaTracker::with_grouping(policies(), ByTeam);
                feed(&mut first, &h[..half]);
                let json = serde_json::to_string(&first.save()).unwrap();
                let saved: SavedSla<Option<TeamId>> = serde_json::from_str(&json).unwrap();
                let mut second = SlaTracker::restore(csm_metrics::metrics::sla::SlaConfig::new(policies()), ByTeam, saved).unwrap();
                feed(&mut second, &h[half..]);
                for at in [t(0), end, end + TimeDelta::days(30)] {
                    prop_assert_eq!(second.snapshot_at(at), one.snapshot_at(at));
                }
            }
            // A shard with a ticket in play in both is refused, changing nothing.
            if one.in_play() > 0 {
                let before = merged.snapshot_at(end);
                prop_assert!(merged.merge(&one).is_err());
                prop_assert_eq!(merged.snapshot_at(end), before);
            }
        }
    }
}

/// Property-test finding (seed 1824511992409585731): a shard whose only ticket was marked as
/// spam had its outcomes retracted, leaving emptied summaries that still remember their
/// extremes; the merge skipped the shard as empty, so the merged extremes were exact where
/// one pass gave the sketch's. An emptied shard now merges like any other.
#[test]
fn a_shard_emptied_by_spam_still_merges() {
    let policies = || {
        SlaPolicies::new(
            vec![Policy::all(
                "p",
                vec![Target::new(SlaMetric::FirstReply, 14_400, Basis::Calendar)],
            )],
            None,
        )
        .unwrap()
    };
    let mut one = SlaTracker::new(policies());
    let mut spam_shard = SlaTracker::new(policies());
    let mut other = SlaTracker::new(policies());
    for sla in [&mut one, &mut spam_shard] {
        created(sla, 2, 0);
        reply(sla, 2, 30); // 3.5 h to spare: the largest
        status(sla, 2, 60, Status::Spam);
    }
    for sla in [&mut one, &mut other] {
        created(sla, 3, 0);
        reply(sla, 3, 90); // 2.5 h to spare
    }
    let mut merged = SlaTracker::new(policies());
    merged.merge(&other).unwrap();
    merged.merge(&spam_shard).unwrap();
    assert_eq!(merged.snapshot_at(t(200)), one.snapshot_at(t(200)));
}
