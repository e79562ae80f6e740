//! A small history written by hand, every figure worked out in the comments.
//!
//! t0 = 2025-03-03 09:00 UTC; times below are minutes after t0. Teams 1 and 2. The
//! snapshot is taken at minute 120 with a resolution target of 1 h.
//!
//! | ticket | team | what happens (minutes) |
//! |---|---|---|
//! | T1  | 1 | bot greeting 1; agent reply 10; solved 20 |
//! | T2  | 1 | internal note 5; reply 30; open 30; pending 31; customer 91; open 91; reply 100; solved 110 |
//! | T3  | 2 | reply 60; solved 70; customer 100; open 100 (reopen); reply 115; solved 118 |
//! | T4  | 2 | outbound (created by an agent); reply 5; solved 10 |
//! | T5  | 1 | nothing: unanswered at 120 |
//! | T6  | 1 | created 30; internal note 40: unanswered at 120 |
//! | T7  | 2 | closed 100 without being solved |
//! | T8  | 2 | reply 15; on-hold 15; open 75; solved 80 |
//! | T9  | 1 | reply 20; spam 25 (leaves every metric) |
//! | T10 | 1 | reply 5; merged into T1 at 6 (leaves all but volume) |
//! | T11 | 2 | solved 50 with no reply (zero-touch) |
//! | T12 | 2 | reply 10; solved 20; open 30; solved 40; pending 50; solved 60 (two reopens) |
//! | T13 | 1→2 | assigned agent 7 at 2; reply 3; moved to team 2 at 4; solved 10 |
//! | T14-T22 | 1 | reply 10; solved 60 |
//! | T23-T30 | 2 | reply 10; solved 60 |

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use csm_metrics::metrics::tickets::{
    ByTeam, LifecycleSnapshot, RejectReason, TicketTracker, TrackerConfig,
};
use csm_metrics::*;

fn t(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 3, 9, 0, 0).unwrap() + TimeDelta::minutes(minutes)
}

enum Step {
    Bot,
    Note,
    Reply(u64),
    Customer,
    St(Status),
    Assign(Option<u64>, Option<u64>),
}
use Step::*;

struct Spec {
    id: u64,
    team: u64,
    created: i64,
    outbound: bool,
    steps: Vec<(i64, Step)>,
}

fn spec(id: u64, team: u64, steps: Vec<(i64, Step)>) -> Spec {
    Spec {
        id,
        team,
        created: 0,
        outbound: false,
        steps,
    }
}

fn history() -> Vec<Spec> {
    use Status::*;
    let mut h = vec![
        spec(1, 1, vec![(1, Bot), (10, Reply(1)), (20, St(Solved))]),
        spec(
            2,
            1,
            vec![
                (5, Note),
                (30, Reply(2)),
                (30, St(Open)),
                (31, St(Pending)),
                (91, Customer),
                (91, St(Open)),
                (100, Reply(2)),
                (110, St(Solved)),
            ],
        ),
        spec(
            3,
            2,
            vec![
                (60, Reply(3)),
                (70, St(Solved)),
                (100, Customer),
                (100, St(Open)),
                (115, Reply(3)),
                (118, St(Solved)),
            ],
        ),
        Spec {
            outbound: true,
            ..spec(4, 2, vec![(5, Reply(4)), (10, St(Solved))])
        },
        spec(5, 1, vec![]),
        Spec {
            created: 30,
            ..spec(6, 1, vec![(40, Note)])
        },
        spec(7, 2, vec![(100, St(Closed))]),
        spec(
            8,
            2,
            vec![
                (15, Reply(8)),
                (15, St(OnHold)),
                (75, St(Open)),
                (80, St(Solved)),
            ],
        ),
        spec(9, 1, vec![(20, Reply(9)), (25, St(Spam))]),
        spec(
            10,
            1,
            vec![(5, Reply(10)), (6, St(Merged { into: TicketId(1) }))],
        ),
        spec(11, 2, vec![(50, St(Solved))]),
        spec(
            12,
            2,
            vec![
                (10, Reply(12)),
                (20, St(Solved)),
                (30, St(Open)),
                (40, St(Solved)),
                (50, St(Pending)),
                (60, St(Solved)),
            ],
        ),
        spec(
            13,
            1,
            vec![
                (2, Assign(Some(7), None)),
                (3, Reply(7)),
                (4, Assign(None, Some(2))),
                (10, St(Solved)),
            ],
        ),
    ];
    for id in 14..=30 {
        let team = if id <= 22 { 1 } else { 2 };
        h.push(spec(id, team, vec![(10, Reply(id)), (60, St(Solved))]));
    }
    h
}

fn records(h: &[Spec]) -> Vec<(Option<Ticket>, Option<Interaction>)> {
    let mut out = Vec::new();
    for s in h {
        let mut ticket = Ticket::new(TicketId(s.id), t(s.created), CustomerId(100 + s.id));
        ticket.team = Some(TeamId(s.team));
        if s.outbound {
            ticket.created_by = CreatedBy::Agent(AgentId(s.id));
        }
        out.push((Some(ticket), None));
        for (m, step) in &s.steps {
            let kind = match step {
                Bot => InteractionKind::Message {
                    author: Author::Automation,
                    visibility: Visibility::Public,
                },
                Note => InteractionKind::Message {
                    author: Author::Agent(AgentId(s.id)),
                    visibility: Visibility::Internal,
                },
                Reply(a) => InteractionKind::Message {
                    author: Author::Agent(AgentId(*a)),
                    visibility: Visibility::Public,
                },
                Customer => InteractionKind::Message {
                    author: Author::Customer,
                    visibility: Visibility::Public,
                },
                St(status) => InteractionKind::Status(*status),
                Assign(agent, team) => InteractionKind::Assignment {
                    agent: agent.map(AgentId),
                    team: team.map(TeamId),
                },
            };
            out.push((
                None,
                Some(Interaction {
                    ticket: TicketId(s.id),
                    at: t(*m),
                    kind,
                }),
            ));
        }
    }
    out
}

fn tracker() -> TicketTracker<ByTeam> {
    let config = TrackerConfig {
        resolution_target: 3_600,
        ..TrackerConfig::default()
    };
    TicketTracker::new(config, ByTeam).unwrap()
}

fn feed(tr: &mut TicketTracker<ByTeam>, recs: &[(Option<Ticket>, Option<Interaction>)]) {
    for (ticket, interaction) in recs {
        if let Some(ticket) = ticket {
            tr.observe_ticket(ticket).unwrap();
        }
        if let Some(i) = interaction {
            tr.observe_interaction(i).unwrap();
        }
    }
}

fn close(a: Option<f64>, b: f64) {
    let a = a.expect("a value");
    assert!((a - b).abs() < 1e-6, "{a} != {b}");
}

fn within(a: Option<f64>, b: f64) {
    let a = a.expect("a value");
    assert!((a - b).abs() <= 0.01 * b, "{a} not within 1 % of {b}");
}

fn check_overall(s: &LifecycleSnapshot) {
    // Volume: 30 created, T9 (spam) leaves: 29. T10 (merged) stays in volume only.
    assert_eq!(s.tickets, 29);
    // Answered: T1, T2, T3, T8, T12, T13 and the 17 plain tickets (T4 is outbound, T9/T10
    // left, T11 has no reply, T5-T7 none).
    assert_eq!(s.answered, 23);
    // FRT: 600 + 1800 + 3600 + 900 + 600 + 180 + 17·600 = 17880 s over 23.
    assert_eq!(s.first_response.count, 23);
    close(s.first_response.mean, 17_880.0 / 23.0);
    assert_eq!(
        (s.first_response.min, s.first_response.max),
        (Some(180.0), Some(3_600.0))
    );
    within(s.first_response.p50, 600.0);
    // Unanswered at minute 120: T5 (age 7200) and T6 (age 5400); backlog the same two.
    assert_eq!(s.unanswered, 2);
    close(s.unanswered_mean_age, 6_300.0);
    assert_eq!(s.backlog, 2);
    close(s.backlog_mean_age, 6_300.0);
    // Solved: T1, T2, T3, T4, T8, T11, T12, T13 and 17 plain = 25 (T7 closed unsolved).
    assert_eq!(s.solved, 25);
    assert_eq!(s.closed_unresolved, 1);
    // Full resolution: 1200 + 6600 + 7080 + 600 + 4800 + 3000 + 3600 + 600 + 17·3600.
    //   T3: solved 70, reopened 100, solved 118 → 118 min = 7080 s.
    let full = 1_200.0 + 6_600.0 + 7_080.0 + 600.0 + 4_800.0 + 3_000.0 + 3_600.0 + 600.0 + 61_200.0;
    assert_eq!(full, 88_680.0);
    close(s.full_resolution.mean, full / 25.0);
    // First resolution: T3 4200 instead of 7080, T12 1200 instead of 3600.
    close(s.first_resolution.mean, (full - 2_880.0 - 2_400.0) / 25.0);
    // Requester wait (new + open + on-hold): T1 1200, T2 3000 (new 30 + open 1 + open 19
    // min), T3 new 0-70 + open 100-118 = 88 min = 5280, T4 600, T8 4800 (new 15 + hold 60
    // + open 5), T11 3000, T12 1800 (new 20 + open 10; pending 50-60 is not), T13 600,
    // plain 17·3600.
    let wait = 1_200.0 + 3_000.0 + 5_280.0 + 600.0 + 4_800.0 + 3_000.0 + 1_800.0 + 600.0 + 61_200.0;
    close(s.requester_wait.mean, wait / 25.0);
    // Agent work (new + open): as requester wait but T8's hour on hold: − 3600.
    close(s.agent_work.mean, (wait - 3_600.0) / 25.0);
    // Agent wait (pending): T2 60 min, T12 10 min.
    close(s.agent_wait.mean, 4_200.0 / 25.0);
    close(s.on_hold.mean, 3_600.0 / 25.0);
    // Reopened: T3 and T12 → 2/25; distribution 23 never, 1 once, 1 twice.
    close(s.reopen_rate, 0.08);
    assert_eq!(s.reopen_distribution[..3], [23, 1, 1]);
    // Touches: zero T11; two T2 and T3; one all 22 others. Replies 26 over 25.
    close(s.zero_touch_rate, 1.0 / 25.0);
    close(s.one_touch_rate, 22.0 / 25.0);
    close(s.two_touch_rate, 2.0 / 25.0);
    close(s.replies_per_resolution, 26.0 / 25.0);
    // Within 1 h (at or before): all but T2 (6600), T3 (7080), T8 (4800): 22/25.
    close(s.resolved_within_target, 22.0 / 25.0);
    // Next reply: T2 customer 91 → reply 100 (540 s); T3 customer 100 → reply 115 (900 s).
    assert_eq!(s.next_reply.count, 2);
    close(s.next_reply.mean, 720.0);
    // Cycles: T3 70 min and 18 min; T12 20, 10, 10 min; others one cycle each.
    assert_eq!(s.cycle_resolution.count, 28);
    close(
        s.cycle_resolution.mean,
        (full - 7_080.0 + 4_200.0 + 1_080.0 - 3_600.0 + 2_400.0) / 28.0,
    );
    // Solves seen: 25 tickets, T3 twice, T12 three times = 28; reopens 3.
    assert_eq!((s.solve_events, s.reopen_events), (28, 3));
}

#[test]
fn hand_worked_figures() {
    let recs = records(&history());
    let mut tr = tracker();
    feed(&mut tr, &recs);
    let report = tr.snapshot_at(t(120));
    check_overall(&report.overall);

    // By team. T13 moved from team 1 to team 2 before it was solved: all its figures
    // moved. Team 1: T1, T2, T5, T6, T10, T14-T22 = 14 tickets; team 2: 15.
    let one = &report.groups[&Some(TeamId(1))];
    let two = &report.groups[&Some(TeamId(2))];
    assert_eq!((one.tickets, two.tickets), (14, 15));
    // Answered: team 1 T1, T2 + 9 plain = 11 (FRT 600 + 1800 + 5400 = 7800);
    // team 2 T3, T8, T12, T13 + 8 plain = 12 (3600 + 900 + 600 + 180 + 4800 = 10080).
    assert_eq!((one.answered, two.answered), (11, 12));
    close(one.first_response.mean, 7_800.0 / 11.0);
    close(two.first_response.mean, 840.0);
    // Solved: team 1 T1, T2 + 9 = 11 (1200 + 6600 + 32400 = 40200);
    // team 2 the other 14 (88680 − 40200 = 48480).
    assert_eq!((one.solved, two.solved), (11, 14));
    close(one.full_resolution.mean, 40_200.0 / 11.0);
    close(two.full_resolution.mean, 48_480.0 / 14.0);
    assert_eq!((one.unanswered, two.unanswered), (2, 0));
    assert_eq!(two.closed_unresolved, 1);

    // Age distributions at minute 120: T5 (2 h) and T6 (1.5 h), both in team 1.
    let ages = tr.ages_at(t(120));
    assert_eq!(ages.overall.backlog.count, 2);
    assert_eq!(ages.overall.backlog.mean, Some(6_300.0));
    assert_eq!(
        (ages.overall.unanswered.min, ages.overall.unanswered.max),
        (Some(5_400.0), Some(7_200.0))
    );
    assert_eq!(ages.groups[&Some(TeamId(1))].backlog.count, 2);
    assert!(!ages.groups.contains_key(&Some(TeamId(2))));

    assert_eq!(report.ingest.tickets, 30);
    assert_eq!(report.ingest.rejected.values().sum::<u64>(), 0);
    // T5 and T6 are open, T1, T3, T8 … solved but not closed: still in play; T7, T9, T10
    // released.
    assert_eq!(report.in_play, 27);
}

#[test]
fn interleaved_in_time_equals_grouped_by_ticket() {
    let recs = records(&history());
    let mut timed = recs.clone();
    // A stable sort by instant: creations (no interaction) sort by their ticket's creation.
    timed.sort_by_key(|(ticket, i)| match (ticket, i) {
        (Some(tk), _) => tk.created_at,
        (_, Some(i)) => i.at,
        _ => unreachable!(),
    });
    let mut a = tracker();
    feed(&mut a, &recs);
    let mut b = tracker();
    feed(&mut b, &timed);
    assert_eq!(a.snapshot_at(t(120)), b.snapshot_at(t(120)));
}

#[test]
fn shards_merge_into_one_pass() {
    let recs = records(&history());
    let mut one = tracker();
    feed(&mut one, &recs);
    let mut shards = [tracker(), tracker(), tracker()];
    for r in &recs {
        let id =
            r.0.as_ref()
                .map(|t| t.id)
                .or(r.1.map(|i| i.ticket))
                .unwrap();
        feed(&mut shards[(id.0 % 3) as usize], std::slice::from_ref(r));
    }
    let [mut a, b, c] = shards;
    a.merge(&c).unwrap();
    a.merge(&b).unwrap();
    assert_eq!(a.snapshot_at(t(120)), one.snapshot_at(t(120)));
    // A ticket in play in both shards cannot merge.
    assert!(a.merge(&one).unwrap_err().is_incompatible_merge());
}

#[test]
fn rejected_records_are_counted_and_change_nothing() {
    let recs = records(&history());
    let mut tr = tracker();
    feed(&mut tr, &recs);
    let before = tr.snapshot_at(t(120));
    let reply = |id, m| Interaction::agent_reply(TicketId(id), t(m), AgentId(1));
    // T7 was closed (released): a late event.
    let e = tr.observe_interaction(&reply(7, 110)).unwrap_err();
    assert_eq!(e.rule(), Some(&Rule::TicketNotInPlay));
    // A ticket never created.
    tr.observe_interaction(&reply(99, 110)).unwrap_err();
    // Before its ticket's creation (T6 was created at 30).
    let e = tr.observe_interaction(&reply(6, 20)).unwrap_err();
    assert!(matches!(e.rule(), Some(Rule::BeforeTicketCreation { .. })));
    // Earlier than an event already applied to T5… T5 has none; T2's last was at 110.
    tr.observe_interaction(&reply(2, 100)).unwrap_err();
    // A second creation of T1.
    tr.observe_ticket(&Ticket::new(TicketId(1), t(0), CustomerId(1)))
        .unwrap_err();
    // The same reply twice at the same instant (T2's last reply at 100 was followed by a
    // solve at 110): a new ticket to show it, T31.
    tr.observe_ticket(&Ticket::new(TicketId(31), t(0), CustomerId(31)))
        .unwrap();
    tr.observe_interaction(&reply(31, 5)).unwrap();
    tr.observe_interaction(&reply(31, 5)).unwrap(); // a duplicate: counted once
    let with_31 = tr.snapshot_at(t(120));
    assert_eq!(with_31.ingest.duplicates, 1);
    assert_eq!(with_31.overall.answered, before.overall.answered + 1);
    // A different event at the same instant is not a duplicate.
    tr.observe_interaction(&Interaction::status(TicketId(31), t(5), Status::Solved))
        .unwrap();
    assert_eq!(
        tr.snapshot_at(t(120)).overall.solved,
        before.overall.solved + 1
    );
    let replies = tr
        .snapshot_at(t(120))
        .overall
        .replies_per_resolution
        .unwrap();
    assert!(
        (replies - 27.0 / 26.0).abs() < 1e-12,
        "the duplicate reply was counted: {replies}"
    );
    let after = tr.snapshot_at(t(120));
    let r = &after.ingest.rejected;
    assert_eq!(r[&RejectReason::TicketNotInPlay], 2);
    assert_eq!(r[&RejectReason::BeforeCreation], 1);
    assert_eq!(r[&RejectReason::OutOfOrder], 1);
    assert_eq!(r[&RejectReason::DuplicateTicket], 1);
    let offered = recs.len() as u64 + 5 + 4;
    assert_eq!(after.ingest.offered(), offered);
}

#[test]
fn eviction_bounds_memory_and_keeps_figures() {
    let recs = records(&history());
    let mut tr = tracker();
    feed(&mut tr, &recs);
    let before = tr.snapshot_at(t(120));
    // Every solved ticket was last solved by minute 118.
    assert_eq!(tr.evict_solved_before(t(119)), 25);
    assert_eq!(tr.in_play(), 2);
    let after = tr.snapshot_at(t(120));
    assert_eq!(after.overall, before.overall);
    // A customer reply to an evicted ticket is a late event, counted.
    assert!(
        tr.observe_interaction(&Interaction::customer_message(TicketId(1), t(130)))
            .is_err()
    );
    assert_eq!(tr.ingest().rejected[&RejectReason::TicketNotInPlay], 1);
}

#[test]
fn cohorts_by_team_and_day() {
    use csm_metrics::metrics::tickets::CreatedIn;
    let recs = records(&history());
    let grouping = (ByTeam, CreatedIn::<Utc>::new(Granularity::Day, Utc));
    let config = TrackerConfig {
        resolution_target: 3_600,
        ..TrackerConfig::default()
    };
    let mut tr = TicketTracker::new(config, grouping).unwrap();
    for (ticket, interaction) in &recs {
        if let Some(ticket) = ticket {
            tr.observe_ticket(ticket).unwrap();
        }
        if let Some(i) = interaction {
            tr.observe_interaction(i).unwrap();
        }
    }
    let report = tr.snapshot_at(t(120));
    let day = Utc.with_ymd_and_hms(2025, 3, 3, 0, 0, 0).unwrap();
    let keys: Vec<_> = report.groups.keys().cloned().collect();
    assert_eq!(keys, vec![(Some(TeamId(1)), day), (Some(TeamId(2)), day)]);
    // The groups partition the tickets: the overall figures are those of one pass.
    check_overall(&report.overall);
    assert_eq!(report.groups[&(Some(TeamId(2)), day)].solved, 14);
}

#[test]
fn state_per_ticket_is_small() {
    let bytes = TicketTracker::<ByTeam>::state_bytes();
    eprintln!("state per ticket in play: {bytes} bytes");
    assert!(bytes <= 256, "{bytes} bytes");
}

/// A reply delivered after the solve it preceded (a webhook's usual mess), worked by hand:
/// created 09:00, agent reply 10:00, solved 11:00, arriving as creation, solve, reply.
#[test]
fn a_late_reply_is_put_in_its_place() {
    let id = TicketId(7);
    let created = Ticket::new(id, t(0), CustomerId(1));
    let reply = Interaction::agent_reply(id, t(60), AgentId(3));
    let solve = Interaction::status(id, t(120), Status::Solved);

    // Without re-sequencing the reply is rejected and counted: no first response.
    let mut strict = TicketTracker::<ByTeam>::default();
    strict.observe_ticket(&created).unwrap();
    strict.observe_interaction(&solve).unwrap();
    let err = strict.observe_interaction(&reply).unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidRecord {
                rule: Rule::OutOfOrder,
                ..
            }
        ),
        "{err}"
    );
    let s = strict.snapshot();
    assert_eq!(s.overall.answered, 0);
    assert_eq!(s.overall.zero_touch_rate, Some(1.0));
    assert_eq!(s.ingest.rejected[&RejectReason::OutOfOrder], 1);

    // With it, the figures of the in-order stream: FRT 1 h, resolution 2 h, one touch.
    let config = TrackerConfig {
        resequence: true,
        ..TrackerConfig::default()
    };
    let mut late = TicketTracker::new(config, ByTeam).unwrap();
    late.observe_ticket(&created).unwrap();
    late.observe_interaction(&solve).unwrap();
    late.observe_interaction(&reply).unwrap();
    // The same late reply again is a duplicate.
    late.observe_interaction(&reply).unwrap();
    let s = late.snapshot();
    assert_eq!(s.overall.answered, 1);
    assert_eq!(s.overall.first_response.mean, Some(3_600.0));
    assert_eq!(s.overall.full_resolution.mean, Some(7_200.0));
    assert_eq!(s.overall.one_touch_rate, Some(1.0));
    assert_eq!(s.overall.solve_events, 1);
    assert_eq!(s.ingest.resequenced, 1);
    assert_eq!(s.ingest.duplicates, 1);
    assert_eq!(s.ingest.interactions, 2);
    assert_eq!(s.ingest.offered(), 4);

    let mut in_order = TicketTracker::<ByTeam>::default();
    in_order.observe_ticket(&created).unwrap();
    in_order.observe_interaction(&reply).unwrap();
    in_order.observe_interaction(&solve).unwrap();
    assert_eq!(in_order.snapshot().overall, s.overall);
}

/// A late close puts the events after it out of play: they are counted as late for a
/// released ticket, and accepted + duplicates + rejected still equals offered.
#[test]
fn a_late_close_releases_the_ticket_and_counts_what_followed() {
    let id = TicketId(8);
    let config = TrackerConfig {
        resequence: true,
        ..TrackerConfig::default()
    };
    let mut tr = TicketTracker::new(config, ByTeam).unwrap();
    tr.observe_ticket(&Ticket::new(id, t(0), CustomerId(1)))
        .unwrap();
    tr.observe_interaction(&Interaction::status(id, t(10), Status::Solved))
        .unwrap();
    tr.observe_interaction(&Interaction::agent_reply(id, t(30), AgentId(3)))
        .unwrap();
    // Closed at 00:20, delivered last: the reply at 00:30 followed a close.
    tr.observe_interaction(&Interaction::status(id, t(20), Status::Closed))
        .unwrap();
    let s = tr.snapshot();
    assert_eq!(s.in_play, 0);
    assert_eq!(s.overall.solved, 1);
    assert_eq!(s.overall.answered, 0);
    assert_eq!(s.ingest.rejected[&RejectReason::TicketNotInPlay], 1);
    assert_eq!(s.ingest.interactions, 2);
    assert_eq!(s.ingest.offered(), 4);
}

/// A status change to the status the ticket has changes no figure and is counted.
#[test]
fn a_repeated_status_is_counted_and_changes_nothing() {
    let id = TicketId(9);
    let mut tr = TicketTracker::<ByTeam>::default();
    tr.observe_ticket(&Ticket::new(id, t(0), CustomerId(1)))
        .unwrap();
    tr.observe_interaction(&Interaction::status(id, t(10), Status::Open))
        .unwrap();
    let before = tr.snapshot_at(t(100));
    tr.observe_interaction(&Interaction::status(id, t(20), Status::Open))
        .unwrap();
    let after = tr.snapshot_at(t(100));
    assert_eq!(before.overall, after.overall);
    assert_eq!(after.ingest.same_status, 1);
    tr.observe_interaction(&Interaction::status(id, t(30), Status::Solved))
        .unwrap();
    tr.observe_interaction(&Interaction::status(id, t(40), Status::Solved))
        .unwrap();
    let s = tr.snapshot_at(t(100));
    assert_eq!(s.ingest.same_status, 2);
    assert_eq!(s.overall.solved, 1);
    assert_eq!(s.overall.full_resolution.mean, Some(1_800.0));
}
