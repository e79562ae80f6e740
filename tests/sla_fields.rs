//! SLA policies chosen again when a ticket's priority, team or tags change, worked by hand;
//! and the laws on hostile histories with field-conditioned policies.

mod common;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use csm_metrics::metrics::sla::{
    Basis, Condition, Policy, SlaConfig, SlaMetric, SlaPolicies, SlaSnapshot, SlaTracker, Target,
    TargetSnapshot,
};
use csm_metrics::metrics::tickets::ByTeam;
use csm_metrics::*;
use proptest::prelude::*;

fn at(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 3, h, m, 0).unwrap()
}

const HOUR: u64 = 3_600;

/// "urgent" (urgent priority): first reply 1 h, requester wait 4 h. "vip" (tag vip): first
/// reply 30 min. "standard" (every other ticket): first reply 8 h, next reply 4 h.
fn policies() -> SlaPolicies {
    let cal = |m, s| Target::new(m, s, Basis::Calendar);
    SlaPolicies::new(
        vec![
            Policy {
                name: "urgent".into(),
                condition: Condition {
                    priorities: vec![Priority::Urgent],
                    ..Condition::default()
                },
                targets: vec![
                    cal(SlaMetric::FirstReply, HOUR),
                    cal(SlaMetric::RequesterWait, 4 * HOUR),
                ],
            },
            Policy {
                name: "vip".into(),
                condition: Condition {
                    tags: vec!["vip".into()],
                    ..Condition::default()
                },
                targets: vec![cal(SlaMetric::FirstReply, HOUR / 2)],
            },
            Policy::all(
                "standard",
                vec![
                    cal(SlaMetric::FirstReply, 8 * HOUR),
                    cal(SlaMetric::NextReply, 4 * HOUR),
                ],
            ),
        ],
        None,
    )
    .unwrap()
}

fn target<'a>(s: &'a SlaSnapshot<()>, policy: &str, metric: SlaMetric) -> &'a TargetSnapshot {
    s.targets
        .iter()
        .find(|t| t.policy == policy && t.metric == metric)
        .unwrap()
}

fn priority(t: u64, when: DateTime<Utc>, p: Priority) -> Interaction {
    Interaction::field(TicketId(t), when, FieldChange::Priority(p))
}

#[test]
fn a_priority_change_applies_the_new_targets_to_the_time_counted() {
    let mut sla = SlaTracker::new(policies());
    sla.observe_ticket(&Ticket::new(TicketId(1), at(9, 0), CustomerId(1)))
        .unwrap();
    // 09:30 urgent: first reply now 1 h with 30 min counted (deadline 10:00); requester
    // wait 4 h with 30 min counted (deadline 13:00).
    sla.observe_interaction(&priority(1, at(9, 30), Priority::Urgent))
        .unwrap();
    let s = sla.snapshot_at(at(9, 45));
    assert_eq!(target(&s, "urgent", SlaMetric::FirstReply).active, 1);
    assert_eq!(target(&s, "standard", SlaMetric::FirstReply).active, 0);
    assert_eq!(s.about_to_breach[0].deadline, at(10, 0));
    assert_eq!(s.about_to_breach[1].deadline, at(13, 0));
    // Past 10:00 the first reply is breached before the reply comes.
    assert_eq!(
        target(&sla.snapshot_at(at(10, 5)), "urgent", SlaMetric::FirstReply).breached,
        1
    );
    // 10:30 reply: breached by 30 min. 10:40 pending: requester wait paused at 100 min.
    // 11:00 normal again: requester wait has no target (no outcome, not live);
    // 11:10 the customer writes (next reply, 4 h); 11:20 open; 12:00 solved: the next reply
    // is achieved with 3 h 10 min to spare.
    for e in [
        Interaction::agent_reply(TicketId(1), at(10, 30), AgentId(7)),
        Interaction::status(TicketId(1), at(10, 40), Status::Pending),
        priority(1, at(11, 0), Priority::Normal),
        Interaction::customer_message(TicketId(1), at(11, 10)),
        Interaction::status(TicketId(1), at(11, 20), Status::Open),
        Interaction::status(TicketId(1), at(12, 0), Status::Solved),
    ] {
        sla.observe_interaction(&e).unwrap();
    }
    let s = sla.snapshot_at(at(13, 0));
    let first = target(&s, "urgent", SlaMetric::FirstReply);
    assert_eq!((first.breached, first.achieved, first.active), (1, 0, 0));
    assert_eq!(first.breach_by.mean, Some(1_800.0));
    let wait = target(&s, "urgent", SlaMetric::RequesterWait);
    assert_eq!((wait.breached, wait.achieved, wait.active), (0, 0, 0));
    let next = target(&s, "standard", SlaMetric::NextReply);
    assert_eq!((next.achieved, next.breached), (1, 0));
    assert_eq!(next.spare.mean, Some(11_400.0));
    assert_eq!(target(&s, "standard", SlaMetric::FirstReply).achieved, 0);
}

#[test]
fn a_paused_clock_takes_the_new_target_when_it_resumes() {
    let mut sla = SlaTracker::new(policies());
    sla.observe_ticket(&Ticket::new(TicketId(1), at(9, 0), CustomerId(1)))
        .unwrap();
    // Pending at 09:30 (requester wait, untargeted, paused at 30 min); urgent at 10:00
    // (4 h target, 30 min counted, paused: active); open at 10:15 (deadline 13:45).
    for e in [
        Interaction::status(TicketId(1), at(9, 30), Status::Pending),
        priority(1, at(10, 0), Priority::Urgent),
    ] {
        sla.observe_interaction(&e).unwrap();
    }
    let wait = |s: &SlaSnapshot<()>| target(s, "urgent", SlaMetric::RequesterWait).clone();
    assert_eq!(wait(&sla.snapshot_at(at(10, 5))).active, 1);
    sla.observe_interaction(&Interaction::status(TicketId(1), at(10, 15), Status::Open))
        .unwrap();
    let s = sla.snapshot_at(at(10, 20));
    let risk = s
        .about_to_breach
        .iter()
        .find(|r| r.metric == SlaMetric::RequesterWait)
        .unwrap();
    assert_eq!(risk.deadline, at(13, 45));
    // Solved at 14:00: 30 + 225 min counted, breached by 15 min.
    sla.observe_interaction(&Interaction::status(TicketId(1), at(14, 0), Status::Solved))
        .unwrap();
    let w = wait(&sla.snapshot_at(at(15, 0)));
    assert_eq!((w.breached, w.active), (1, 0));
    assert_eq!(w.breach_by.mean, Some(900.0));
}

#[test]
fn a_tag_chooses_its_policy_and_changes_while_solved_wait_for_the_reopen() {
    let mut sla = SlaTracker::new(policies());
    sla.observe_ticket(&Ticket::new(TicketId(1), at(9, 0), CustomerId(1)))
        .unwrap();
    // 09:40 tagged vip: first reply 30 min with 40 min counted: breached at once.
    sla.observe_interaction(&Interaction::field(
        TicketId(1),
        at(9, 40),
        FieldChange::TagAdded(TagId::named("vip")),
    ))
    .unwrap();
    let s = sla.snapshot_at(at(9, 45));
    assert_eq!(target(&s, "vip", SlaMetric::FirstReply).breached, 1);
    sla.observe_interaction(&Interaction::agent_reply(
        TicketId(1),
        at(10, 0),
        AgentId(7),
    ))
    .unwrap();
    sla.observe_interaction(&Interaction::status(TicketId(1), at(10, 0), Status::Solved))
        .unwrap();
    let s = sla.snapshot_at(at(10, 5));
    let vip = target(&s, "vip", SlaMetric::FirstReply);
    assert_eq!((vip.breached, vip.active), (1, 0));
    assert_eq!(vip.breach_by.mean, Some(1_800.0));
    // While solved the tag goes: nothing moves. Reopened at 11:00 by the customer, the
    // ticket is standard again: its next reply (4 h) runs from the customer's message.
    sla.observe_interaction(&Interaction::field(
        TicketId(1),
        at(10, 30),
        FieldChange::TagRemoved(TagId::named("vip")),
    ))
    .unwrap();
    assert_eq!(sla.snapshot_at(at(10, 35)).targets, s.targets);
    sla.observe_interaction(&Interaction::customer_message(TicketId(1), at(11, 0)))
        .unwrap();
    sla.observe_interaction(&Interaction::status(TicketId(1), at(11, 0), Status::Open))
        .unwrap();
    let s = sla.snapshot_at(at(11, 5));
    assert_eq!(target(&s, "standard", SlaMetric::NextReply).active, 1);
    // The outcome filed under vip stays there.
    assert_eq!(target(&s, "vip", SlaMetric::FirstReply).breached, 1);
}

fn run(records: &[(u64, i64, Option<InteractionKind>)], resequence: bool) -> SlaTracker<ByTeam> {
    let config = SlaConfig {
        resequence,
        ..SlaConfig::new(policies())
    };
    let mut sla = SlaTracker::with_config(config, ByTeam);
    let base = at(9, 0).timestamp();
    for (id, s, kind) in records {
        let when = DateTime::from_timestamp(base + s, 0).unwrap();
        let _ = match kind {
            None => {
                let mut t = Ticket::new(TicketId(*id), when, CustomerId(1));
                t.team = Some(TeamId(id % 3));
                t.priority = Priority::ALL[(*id % 4) as usize];
                if id % 3 == 0 {
                    t.tags = vec!["vip".into()];
                }
                sla.observe_ticket(&t)
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
    #![proptest_config(ProptestConfig::with_cases(common::cases(256)))]

    /// With policies chosen by priority and tags and fields changing: shards merge into the
    /// one pass; late events put in their place give the in-order figures; a saved and
    /// restored tracker is the one that never stopped.
    #[test]
    fn reevaluated_policies_obey_the_laws(records in common::records(), shards in 1u64..4, shuffle in any::<u64>()) {
        let end = at(9, 0) + TimeDelta::days(2);
        let whole = run(&records, false);
        let mut merged = SlaTracker::with_config(SlaConfig::new(policies()), ByTeam);
        for k in 0..shards {
            let part: Vec<_> = records.iter().filter(|r| r.0 % shards == k).copied().collect();
            merged.merge(&run(&part, false)).unwrap();
        }
        for when in [at(12, 0), end] {
            let (a, b) = (whole.snapshot_at(when), merged.snapshot_at(when));
            prop_assert!(common::same_targets(&a.targets, &b.targets));
        }
        let late = run(&common::webhook_order(&records, shuffle), true).snapshot_at(end);
        let in_order = run(&records, true).snapshot_at(end);
        prop_assert!(common::same_targets(&late.targets, &in_order.targets));
        prop_assert!(common::same_targets(&in_order.targets, &whole.snapshot_at(end).targets));
        #[cfg(feature = "serde")]
        {
            let json = serde_json::to_string(&whole.save()).unwrap();
            let back = SlaTracker::restore(
                SlaConfig::new(policies()),
                ByTeam,
                serde_json::from_str(&json).unwrap(),
            )
            .unwrap();
            prop_assert_eq!(back.snapshot_at(end), whole.snapshot_at(end));
        }
    }
}
