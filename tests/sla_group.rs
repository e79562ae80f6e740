//! Group SLAs (operational level agreements): ownership time per group, worked by hand.
//! Zendesk: "Ownership time measures the length of time the ticket is assigned to a group.
//! It starts when a group is assigned to a ticket and ends when the ticket is reassigned or
//! solved. If the ticket is reopened, a new group ownership time is started for the group."

mod common;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use csm_metrics::metrics::sla::{
    Basis, Condition, Policy, SlaMetric, SlaPolicies, SlaTracker, Target, TargetSnapshot,
};
use csm_metrics::*;

fn t(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 3, 9, 0, 0).unwrap() + TimeDelta::minutes(minutes)
}

/// A group SLA policy: team `team` owns its tickets within `hours`.
fn tier(name: &str, team: u64, hours: u64) -> Policy {
    Policy {
        name: name.into(),
        condition: Condition {
            teams: vec![TeamId(team)],
            ..Condition::default()
        },
        targets: vec![Target::new(
            SlaMetric::GroupOwnership,
            hours * 3600,
            Basis::Calendar,
        )],
    }
}

fn policies() -> SlaPolicies {
    SlaPolicies::new(vec![tier("Tier 1", 1, 2), tier("Tier 2", 2, 4)], None).unwrap()
}

fn ticket(id: u64, team: Option<u64>) -> Ticket {
    let mut t = Ticket::new(TicketId(id), t(0), CustomerId(id));
    t.team = team.map(TeamId);
    t
}

fn team(id: u64, at: i64, team: Option<u64>) -> Interaction {
    Interaction::field(TicketId(id), t(at), FieldChange::Team(team.map(TeamId)))
}

fn find<'a>(targets: &'a [TargetSnapshot], policy: &str) -> &'a TargetSnapshot {
    targets.iter().find(|x| x.policy == policy).unwrap()
}

#[test]
fn ownership_by_hand() {
    let mut sla = SlaTracker::new(policies());
    // A: team 1 from creation; to team 2 at 1 h (Tier 1 owned 1 h: achieved, 1 h to
    // spare); solved at 6 h (Tier 2 owned 5 h: breached by 1 h); reopened at 7 h (a new
    // Tier 2 instance); to team 1 at 8 h (Tier 2 owned 1 h: achieved); solved at 11 h
    // (Tier 1 owned 3 h: breached by 1 h).
    sla.observe_ticket(&ticket(1, Some(1))).unwrap();
    sla.observe_interaction(&team(1, 60, Some(2))).unwrap();
    sla.observe_interaction(&Interaction::status(TicketId(1), t(360), Status::Solved))
        .unwrap();
    sla.observe_interaction(&Interaction::status(TicketId(1), t(420), Status::Open))
        .unwrap();
    sla.observe_interaction(&team(1, 480, Some(1))).unwrap();
    sla.observe_interaction(&Interaction::status(TicketId(1), t(660), Status::Solved))
        .unwrap();
    // B: no group at creation, none owns it; team 1 at 30 min, still there at 12 h: past
    // its 2 h deadline, so breached (an active target past its deadline counts as
    // breached) and active.
    sla.observe_ticket(&ticket(2, None)).unwrap();
    sla.observe_interaction(&team(2, 30, Some(1))).unwrap();
    // C: team 1; another agent of the same group at 1 h changes no ownership; solved at
    // 1.5 h: Tier 1 owned 1.5 h, achieved.
    sla.observe_ticket(&ticket(3, Some(1))).unwrap();
    sla.observe_interaction(&Interaction::field(
        TicketId(3),
        t(60),
        FieldChange::Assignee(Some(AgentId(7))),
    ))
    .unwrap();
    sla.observe_interaction(&Interaction::status(TicketId(3), t(90), Status::Solved))
        .unwrap();
    // D: team 2, out of every group at 2 h (Tier 2 owned 2 h: achieved), solved later
    // with no owner (nothing more).
    sla.observe_ticket(&ticket(4, Some(2))).unwrap();
    sla.observe_interaction(&team(4, 120, None)).unwrap();
    sla.observe_interaction(&Interaction::status(TicketId(4), t(300), Status::Solved))
        .unwrap();

    // At 1 h 40 min: B (70 min of its 2 h) is Tier 1's running instance; A (40 min) and D
    // (100 min of 4 h) are Tier 2's. (This snapshot is taken after the whole history was
    // observed, so A's and C's later outcomes are in it too.)
    let early = sla.snapshot_at(t(100));
    assert_eq!(find(&early.targets, "Tier 1").active, 1);
    let snap = sla.snapshot_at(t(720));
    let tier1 = find(&snap.targets, "Tier 1");
    assert_eq!(tier1.metric, SlaMetric::GroupOwnership);
    // Achieved: A's first 1 h and C's 1.5 h; breached: A's last 3 h and B's running one
    // (past its deadline: counted breached, no longer active).
    assert_eq!((tier1.achieved, tier1.breached, tier1.active), (2, 2, 0));
    assert_eq!(tier1.spare.count, 2);
    assert_eq!(tier1.spare.mean, Some((3600.0 + 1800.0) / 2.0));
    let tier2 = find(&snap.targets, "Tier 2");
    // Achieved: A's 1 h after the reopen, D's 2 h; breached: A's 5 h.
    assert_eq!((tier2.achieved, tier2.breached, tier2.active), (2, 1, 0));
    assert_eq!(tier2.attainment, Some(2.0 / 3.0));
    // The breach by A's 5 h is 1 h; the running B is past its deadline by 9.5 h but its
    // breach amount is filed only when it ends.
    assert_eq!(tier2.breach_by.mean, Some(3600.0));
}

#[test]
fn a_merged_ticket_leaves_the_ownership_figures() {
    let mut sla = SlaTracker::new(policies());
    sla.observe_ticket(&ticket(1, Some(1))).unwrap();
    sla.observe_interaction(&team(1, 60, Some(2))).unwrap();
    sla.observe_interaction(&Interaction::status(
        TicketId(1),
        t(90),
        Status::Merged { into: TicketId(9) },
    ))
    .unwrap();
    let snap = sla.snapshot_at(t(600));
    for target in &snap.targets {
        assert_eq!(
            (target.achieved, target.breached, target.active),
            (0, 0, 0),
            "{target:?}"
        );
    }
}

mod laws {
    //! Ownership under generated histories with team changes: shards merge into one pass,
    //! late events put in their place give the in-order figures, save and restore.

    use super::*;
    use csm_metrics::metrics::sla::SlaConfig;
    use csm_metrics::metrics::tickets::ByTeam;
    use proptest::prelude::*;

    fn group_policies() -> SlaPolicies {
        let policies = [(0, 1), (1, 2), (2, 4)]
            .map(|(team, hours)| tier(&format!("team {team}"), team, hours));
        SlaPolicies::new(policies.to_vec(), None).unwrap()
    }

    fn run(
        records: &[(u64, i64, Option<InteractionKind>)],
        resequence: bool,
    ) -> SlaTracker<ByTeam> {
        let config = SlaConfig {
            resequence,
            ..SlaConfig::new(group_policies())
        };
        let mut sla = SlaTracker::with_config(config, ByTeam);
        let base = t(0).timestamp();
        for (id, s, kind) in records {
            let when = DateTime::from_timestamp(base + s, 0).unwrap();
            let _ = match kind {
                None => {
                    let mut x = Ticket::new(TicketId(*id), when, CustomerId(1));
                    x.team = (id % 4 != 3).then_some(TeamId(id % 4));
                    sla.observe_ticket(&x)
                }
                Some(kind) => sla.observe_interaction(&Interaction {
                    ticket: TicketId(*id),
                    at: when,
                    kind: *kind,
                }),
            };
        }
        sla
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(common::cases(128)))]

        #[test]
        fn ownership_obeys_the_laws(records in common::records(), shards in 1u64..4, shuffle in any::<u64>()) {
            let end = t(0) + TimeDelta::days(2);
            let whole = run(&records, false);
            let mut merged = SlaTracker::with_config(SlaConfig::new(group_policies()), ByTeam);
            for k in 0..shards {
                let part: Vec<_> = records.iter().filter(|r| r.0 % shards == k).copied().collect();
                merged.merge(&run(&part, false)).unwrap();
            }
            for when in [t(180), end] {
                let (a, b) = (whole.snapshot_at(when), merged.snapshot_at(when));
                prop_assert!(common::same_targets(&a.targets, &b.targets));
            }
            let late = run(&common::webhook_order(&records, shuffle), true).snapshot_at(end);
            let in_order = run(&records, true).snapshot_at(end);
            prop_assert!(common::same_targets(&late.targets, &in_order.targets));
            #[cfg(feature = "serde")]
            {
                let json = serde_json::to_string(&whole.save()).unwrap();
                let back = SlaTracker::restore(
                    SlaConfig::new(group_policies()),
                    ByTeam,
                    serde_json::from_str(&json).unwrap(),
                )
                .unwrap();
                prop_assert_eq!(back.snapshot_at(end), whole.snapshot_at(end));
            }
        }
    }
}

mod team_calendars {
    //! Several business calendars for one policy set: each ticket's business targets
    //! count on the calendar of the team it is created with.

    use super::*;
    use csm_metrics::metrics::sla::SlaConfig;
    use csm_metrics::metrics::tickets::ByTeam;
    use std::collections::BTreeMap;
    use std::sync::Arc;

    fn hours(from: u32, to: u32) -> Arc<dyn BusinessClock> {
        Arc::new(
            BusinessCalendar::builder(Utc)
                .open_weekdays(DayTime::hm(from, 0), DayTime::hm(to, 0))
                .years(2024, 2026)
                .build()
                .unwrap(),
        )
    }

    fn policies() -> SlaPolicies {
        SlaPolicies::new(
            vec![Policy::all(
                "all",
                vec![Target::new(SlaMetric::FirstReply, 3600, Basis::Business)],
            )],
            Some(hours(9, 17)),
        )
        .unwrap()
        .with_team_calendars(BTreeMap::from([(TeamId(2), hours(13, 21))]))
        .unwrap()
    }

    #[test]
    fn each_team_on_its_calendar() {
        let mut sla = SlaTracker::with_config(SlaConfig::new(policies()), ByTeam);
        // Monday 2025-03-03 09:00 UTC, all three answered at 11:00 and a fourth not.
        // Team 1 (the policies' 09-17): 2 business hours, breached by 1 h. Team 2 (13-21):
        // 0 business hours, achieved with 1 h to spare. No team: the policies' calendar,
        // breached. Team 2 created 09:00 unanswered: at 14:30 it has counted 1.5 h, so
        // breached too (past its deadline, 14:00).
        for (id, team) in [(1, Some(1)), (2, Some(2)), (3, None), (4, Some(2))] {
            sla.observe_ticket(&ticket(id, team)).unwrap();
        }
        for id in 1..=3 {
            sla.observe_interaction(&Interaction::agent_reply(TicketId(id), t(120), AgentId(1)))
                .unwrap();
        }
        let snap = sla.snapshot_at(t(330));
        let all = &snap.targets[0];
        assert_eq!((all.achieved, all.breached, all.active), (1, 3, 0));
        assert_eq!(all.spare.mean, Some(3600.0));
        assert_eq!(all.breach_by.mean, Some(3600.0));
        let team2 = &snap.groups[&Some(TeamId(2))][0];
        assert_eq!((team2.achieved, team2.breached), (1, 1));
        // At 13:30 the unanswered team-2 ticket has 30 min left.
        let early = sla.snapshot_at(t(270));
        assert_eq!(early.about_to_breach[0].ticket, TicketId(4));
        assert_eq!(early.about_to_breach[0].time_left, 1800);
        // A save restores only under the same team calendars.
        #[cfg(feature = "serde")]
        {
            let saved = sla.save();
            let json = serde_json::to_string(&saved).unwrap();
            let back = SlaTracker::restore(
                SlaConfig::new(policies()),
                ByTeam,
                serde_json::from_str(&json).unwrap(),
            )
            .unwrap();
            assert_eq!(back.snapshot_at(t(330)), snap);
            let other = SlaPolicies::new(
                vec![Policy::all(
                    "all",
                    vec![Target::new(SlaMetric::FirstReply, 3600, Basis::Business)],
                )],
                Some(hours(9, 17)),
            )
            .unwrap();
            assert!(
                SlaTracker::restore(
                    SlaConfig::new(other),
                    ByTeam,
                    serde_json::from_str(&json).unwrap()
                )
                .is_err()
            );
        }
    }
}
