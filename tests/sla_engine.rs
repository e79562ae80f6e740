//! The SLA engine and the ticket lifecycle run one per-ticket machine: they take and turn
//! away the same records for the same reasons, agree on every ticket's replies, phases and
//! solves, and a duplicated or late event changes no SLA figure.
//!
//! `PROPTEST_CASES=N` runs every property N times (the long run).

mod common;

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use csm_metrics::metrics::sla::{
    Basis, Policy, SlaConfig, SlaMetric, SlaPolicies, SlaSnapshot, SlaTracker, Target,
    TargetSnapshot,
};
use csm_metrics::metrics::tickets::{ByTeam, OutboundReplies, TicketTracker, TrackerConfig};
use csm_metrics::*;
use csm_metrics_synth::{Config, Generator, Rng, TicketHistory};
use proptest::prelude::*;

/// A target no ticket misses: every instance that ends is achieved.
const NEVER: u64 = 1_000_000_000;

fn base() -> i64 {
    Utc.with_ymd_and_hms(2025, 3, 7, 12, 0, 0)
        .unwrap()
        .timestamp()
}

fn t(m: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(base() + 60 * m, 0).unwrap()
}

fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    prop_oneof![
        1 => Just(DateTime::<Utc>::MIN_UTC),
        1 => Just(DateTime::<Utc>::MAX_UTC),
        12 => (0i64..200_000).prop_map(|s| DateTime::from_timestamp(base() + s, 0).unwrap()),
    ]
}

/// A creation (`None`) or an interaction, for one of five tickets; some records are sent
/// twice (a webhook retry).
fn records() -> impl Strategy<Value = Vec<(u64, DateTime<Utc>, Option<InteractionKind>)>> {
    proptest::collection::vec(
        (
            0u64..5,
            instant(),
            proptest::option::weighted(0.85, common::interaction_kind()),
            0u8..5,
        ),
        0..60,
    )
    .prop_map(|v| {
        v.into_iter()
            .flat_map(|(id, at, kind, retry)| {
                let n = if retry == 0 { 2 } else { 1 };
                std::iter::repeat_n((id, at, kind), n)
            })
            .collect()
    })
}

fn ny_calendar() -> Arc<dyn BusinessClock> {
    Arc::new(
        BusinessCalendar::builder(chrono_tz::America::New_York)
            .open_weekdays(DayTime::hm(9, 0), DayTime::hm(17, 0))
            .years(2024, 2027)
            .build()
            .unwrap(),
    )
}

/// Targets that reveal the machine: total resolution (every solve, reopen and close),
/// requester wait (time in new, open and on-hold), first reply and periodic update (every
/// reply), none ever missed.
fn revealing(calendar: Option<Arc<dyn BusinessClock>>) -> SlaPolicies {
    SlaPolicies::new(
        vec![Policy::all(
            "all",
            vec![
                Target::new(SlaMetric::TotalResolution, NEVER, Basis::Calendar),
                Target::new(SlaMetric::RequesterWait, NEVER, Basis::Calendar),
                Target::new(SlaMetric::FirstReply, NEVER, Basis::Calendar),
                Target::new(SlaMetric::PeriodicUpdate, NEVER, Basis::Calendar),
            ],
        )],
        calendar,
    )
    .unwrap()
}

fn target(s: &SlaSnapshot<impl Ord>, metric: SlaMetric) -> &TargetSnapshot {
    s.targets.iter().find(|t| t.metric == metric).unwrap()
}

/// Sum of a summary's values (exact mean times count).
fn sum(d: &csm_metrics::DurationSnapshot) -> f64 {
    d.mean.unwrap_or(0.0) * d.count as f64
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(common::cases(256)))]

    /// Any records, retries among them, with and without re-sequencing and a calendar: the
    /// SLA engine and the lifecycle take and refuse each record alike (the same error), end
    /// with the same ingest report and tickets in play, and count the same solves, closes
    /// and time waited.
    #[test]
    fn sla_and_lifecycle_agree_on_any_records(
        records in records(),
        resequence in any::<bool>(),
        calendar in any::<bool>(),
        zendesk_rule in any::<bool>(),
    ) {
        let calendar = calendar.then(ny_calendar);
        // Every third ticket opened by an agent; with Zendesk's rule its description is
        // no reply, in both.
        let outbound = if zendesk_rule {
            OutboundReplies::SecondAgentComment
        } else {
            OutboundReplies::NoFirstResponse
        };
        let config = TrackerConfig {
            resequence,
            calendar: calendar.clone(),
            outbound,
            ..TrackerConfig::default()
        };
        let mut tracker = TicketTracker::new(config, ByTeam).unwrap();
        let mut sla = SlaTracker::with_config(
            SlaConfig { resequence, outbound, ..SlaConfig::new(revealing(calendar)) },
            ByTeam,
        );
        for (id, at, kind) in &records {
            let (a, b) = match kind {
                None => {
                    let mut ticket = Ticket::new(TicketId(*id), *at, CustomerId(1));
                    if id % 3 == 0 {
                        ticket.created_by = CreatedBy::Agent(AgentId(9));
                    }
                    (tracker.observe_ticket(&ticket), sla.observe_ticket(&ticket))
                }
                Some(kind) => {
                    let i = Interaction { ticket: TicketId(*id), at: *at, kind: *kind };
                    (tracker.observe_interaction(&i), sla.observe_interaction(&i))
                }
            };
            prop_assert_eq!(a.map_err(|e| e.to_string()), b.map_err(|e| e.to_string()));
        }
        prop_assert_eq!(tracker.ingest(), sla.ingest());
        prop_assert_eq!(tracker.in_play(), sla.in_play());
        let end = DateTime::<Utc>::MAX_UTC;
        let (life, clocks) = (tracker.snapshot_at(end), sla.snapshot_at(end));
        // Solves: each solved ticket's total resolution ended once (a reopen retracts it),
        // and so did each ticket closed without a solve.
        let total = target(&clocks, SlaMetric::TotalResolution);
        prop_assert_eq!(total.achieved, life.overall.solved + life.overall.closed_unresolved);
        // Replies: every first reply the lifecycle times is an achieved first-reply target
        // (the target never breaches); the SLA also ends one at a close without a reply.
        let first = target(&clocks, SlaMetric::FirstReply);
        prop_assert!(first.achieved >= life.overall.first_response.count,
            "{} < {}", first.achieved, life.overall.first_response.count);
        // Phases: the requester wait of the solved tickets is the lifecycle's (when no
        // ticket was closed unsolved, whose wait the lifecycle does not file).
        if life.overall.closed_unresolved == 0 {
            let wait = target(&clocks, SlaMetric::RequesterWait);
            let sla_wait = NEVER as f64 * wait.achieved as f64 - sum(&wait.spare);
            let life_wait = sum(&life.overall.requester_wait);
            prop_assert_eq!(wait.achieved, life.overall.requester_wait.count);
            prop_assert!((sla_wait - life_wait).abs() <= 1e-3 * life_wait.max(1.0),
                "{} vs {}", sla_wait, life_wait);
        }
        // The groups partition the tickets in both, by the same rule.
        prop_assert_eq!(
            clocks.groups.keys().collect::<Vec<_>>().len() >= life.groups.len(),
            true
        );
        for (team, figures) in &life.groups {
            let sla_total = target_in(&clocks, team, SlaMetric::TotalResolution);
            prop_assert_eq!(sla_total, figures.solved + figures.closed_unresolved, "team {:?}", team);
        }
    }

    /// A webhook feed: each ticket's events shuffled (the release kept last) and some sent
    /// twice. With re-sequencing the SLA figures are those of the clean, time-ordered stream.
    #[test]
    fn a_duplicated_or_late_event_changes_no_sla_figure(
        seed in any::<u64>(),
        n in 1u64..120,
        shuffle in any::<u64>(),
    ) {
        let h: Vec<TicketHistory> = Generator::new(Config::new(seed, n, 3)).collect();
        let policies = || {
            SlaPolicies::new(
                vec![Policy::all(
                    "standard",
                    vec![
                        Target::new(SlaMetric::FirstReply, 4 * 3_600, Basis::Calendar),
                        Target::new(SlaMetric::NextReply, 2 * 3_600, Basis::Calendar),
                        Target::new(SlaMetric::PeriodicUpdate, 8 * 3_600, Basis::Calendar),
                        Target::new(SlaMetric::PausableUpdate, 8 * 3_600, Basis::Calendar),
                        Target::new(SlaMetric::RequesterWait, 24 * 3_600, Basis::Calendar),
                        Target::new(SlaMetric::AgentWork, 12 * 3_600, Basis::Calendar),
                        Target::new(SlaMetric::TotalResolution, 48 * 3_600, Basis::Calendar),
                    ],
                )],
                None,
            )
            .unwrap()
        };
        let mut clean = SlaTracker::with_grouping(policies(), ByTeam);
        let mut webhook = SlaTracker::with_config(
            SlaConfig { resequence: true, ..SlaConfig::new(policies()) },
            ByTeam,
        );
        let mut rng = Rng::new(shuffle);
        let (mut duplicates, mut offered) = (0u64, 0u64);
        for t in &h {
            let release = |i: &Interaction| matches!(
                i.kind,
                InteractionKind::Status(Status::Closed | Status::Merged { .. } | Status::Spam)
            );
            let cut = t.interactions.iter().position(release).map_or(t.interactions.len(), |p| p + 1);
            let mut body = t.interactions[..cut].to_vec();
            let last = body.last().filter(|i| release(i)).copied();
            if last.is_some() {
                body.pop();
            }
            for i in (1..body.len()).rev() {
                body.swap(i, rng.below(i as u64 + 1) as usize);
            }
            // Retries of everything but the release (a retry of a close comes for a ticket
            // no longer in play: turned away as such, counted).
            let mut arrival = Vec::new();
            for i in body.iter().copied() {
                arrival.push(i);
                if rng.below(4) == 0 {
                    arrival.push(i);
                    duplicates += 1;
                }
            }
            arrival.extend(last);
            // The clean stream: the arrival without its retries, stably sorted by time
            // (same-second events keep their arrival order, as re-sequencing keeps them).
            let mut ordered: Vec<Interaction> = body.iter().copied().chain(last).collect();
            ordered.sort_by_key(|i| i.at);
            clean.observe_ticket(&t.ticket).unwrap();
            webhook.observe_ticket(&t.ticket).unwrap();
            for i in &ordered {
                let _ = clean.observe_interaction(i);
            }
            for i in &arrival {
                offered += 1;
                let _ = webhook.observe_interaction(i);
            }
        }
        // Only extremes of retracted values may differ (the sketch's, within α).
        let end = h.iter().flat_map(|t| t.interactions.iter().map(|i| i.at)).max().unwrap_or(t(0));
        for at in [end, end + TimeDelta::days(30)] {
            let (a, b) = (webhook.snapshot_at(at), clean.snapshot_at(at));
            prop_assert!(common::same_targets(&a.targets, &b.targets), "{}", diff(&a.targets, &b.targets));
            prop_assert_eq!(a.groups.len(), b.groups.len());
            for (k, g) in &a.groups {
                prop_assert!(common::same_targets(g, &b.groups[k]), "group {:?}", k);
            }
            prop_assert_eq!(&a.about_to_breach, &b.about_to_breach);
        }
        prop_assert_eq!(webhook.ingest().duplicates, duplicates);
        prop_assert!(webhook.ingest().offered() >= offered);
    }
}

/// Total resolution instances filed under a team.
fn target_in(s: &SlaSnapshot<Option<TeamId>>, team: &Option<TeamId>, metric: SlaMetric) -> u64 {
    s.groups.get(team).map_or(0, |g| {
        g.iter()
            .find(|t| t.metric == metric)
            .map_or(0, |t| t.achieved)
    })
}

fn periodic(seconds: u64) -> SlaTracker<ByTeam> {
    let policies = SlaPolicies::new(
        vec![Policy::all(
            "p",
            vec![
                Target::new(SlaMetric::PeriodicUpdate, seconds, Basis::Calendar),
                Target::new(SlaMetric::TotalResolution, NEVER, Basis::Calendar),
            ],
        )],
        None,
    )
    .unwrap();
    SlaTracker::with_config(
        SlaConfig {
            resequence: true,
            ..SlaConfig::new(policies)
        },
        ByTeam,
    )
}

/// A webhook retry of an agent reply, at once or after a later event, restarts no
/// periodic-update instance: worked by hand.
#[test]
fn a_retried_reply_restarts_no_instance() {
    let mut sla = periodic(3_600);
    let id = TicketId(1);
    sla.observe_ticket(&Ticket::new(id, t(0), CustomerId(1)))
        .unwrap();
    let reply = |m| Interaction::agent_reply(id, t(m), AgentId(7));
    sla.observe_interaction(&reply(10)).unwrap(); // instance 1 starts at 10
    sla.observe_interaction(&reply(10)).unwrap(); // the retry: counted once
    sla.observe_interaction(&reply(40)).unwrap(); // instance 1 ends: 30 min, 30 to spare
    sla.observe_interaction(&Interaction::customer_message(id, t(50)))
        .unwrap();
    sla.observe_interaction(&reply(10)).unwrap(); // a late retry: a duplicate in the log
    let s = sla.snapshot_at(t(60));
    let p = target(&s, SlaMetric::PeriodicUpdate);
    // One ended instance (10 → 40), one running since 40 (20 of 60 minutes used).
    assert_eq!((p.achieved, p.breached, p.active), (1, 0, 1));
    assert_eq!(p.spare.mean, Some(1_800.0));
    assert_eq!(sla.ingest().duplicates, 2);
    assert_eq!(sla.ingest().interactions, 3);
}

fn assign(
    ticket: TicketId,
    at: DateTime<Utc>,
    agent: Option<AgentId>,
    team: Option<TeamId>,
) -> Interaction {
    Interaction {
        ticket,
        at,
        kind: InteractionKind::Assignment { agent, team },
    }
}

/// Outcomes follow the ticket's current team, as the lifecycle's figures do: worked by hand.
#[test]
fn outcomes_follow_the_team_like_the_lifecycle() {
    let mut sla = periodic(3_600);
    let mut life = TicketTracker::<ByTeam>::default();
    let id = TicketId(1);
    let mut ticket = Ticket::new(id, t(0), CustomerId(1));
    ticket.team = Some(TeamId(1));
    let events = [
        Interaction::agent_reply(id, t(10), AgentId(7)), // periodic instance starts
        Interaction::agent_reply(id, t(20), AgentId(7)), // ends (10 min), team 1; the next starts
        // Moved while unsolved: its outcomes go to team 2.
        assign(id, t(30), Some(AgentId(8)), Some(TeamId(2))),
        // The solve ends the running periodic instance (20 min) and total resolution (40).
        Interaction::status(id, t(40), Status::Solved),
        // Moved while solved: stays with team 2 until reopened.
        assign(id, t(50), None, Some(TeamId(3))),
    ];
    sla.observe_ticket(&ticket).unwrap();
    life.observe_ticket(&ticket).unwrap();
    for e in &events {
        sla.observe_interaction(e).unwrap();
        life.observe_interaction(e).unwrap();
    }
    let team = |n| Some(TeamId(n));
    let s = sla.snapshot_at(t(60));
    assert_eq!(target_in(&s, &team(1), SlaMetric::PeriodicUpdate), 0);
    assert_eq!(target_in(&s, &team(2), SlaMetric::PeriodicUpdate), 2);
    assert_eq!(target_in(&s, &team(2), SlaMetric::TotalResolution), 1);
    assert_eq!(target_in(&s, &team(3), SlaMetric::TotalResolution), 0);
    assert_eq!(life.snapshot_at(t(60)).groups[&team(2)].solved, 1);
    // The reopen moves it to team 3 (the solve's outcome retracted, the clock resumed).
    let reopen = Interaction::status(id, t(70), Status::Open);
    sla.observe_interaction(&reopen).unwrap();
    life.observe_interaction(&reopen).unwrap();
    let s = sla.snapshot_at(t(80));
    assert_eq!(target_in(&s, &team(2), SlaMetric::TotalResolution), 0);
    assert_eq!(target_in(&s, &team(3), SlaMetric::PeriodicUpdate), 2);
    let g3 = &s.groups[&team(3)];
    let total = g3
        .iter()
        .find(|t| t.metric == SlaMetric::TotalResolution)
        .unwrap();
    assert_eq!(total.active, 1);
    assert_eq!(life.snapshot_at(t(80)).groups[&team(3)].backlog, 1);
}

/// A next-reply instance started on a solved ticket (the customer wrote) that is then
/// closed is withdrawn: it never ran, and it leaves no live instance behind.
#[test]
fn an_instance_awaiting_on_a_closed_ticket_is_withdrawn() {
    let policies = SlaPolicies::new(
        vec![Policy::all(
            "p",
            vec![Target::new(SlaMetric::NextReply, 3_600, Basis::Calendar)],
        )],
        None,
    )
    .unwrap();
    let mut sla = SlaTracker::new(policies);
    let id = TicketId(1);
    sla.observe_ticket(&Ticket::new(id, t(0), CustomerId(1)))
        .unwrap();
    for e in [
        Interaction::agent_reply(id, t(10), AgentId(7)),
        Interaction::status(id, t(20), Status::Solved),
        Interaction::customer_message(id, t(30)), // awaits a reply, paused (solved)
        Interaction::status(id, t(40), Status::Closed),
    ] {
        sla.observe_interaction(&e).unwrap();
    }
    let s = sla.snapshot_at(t(200));
    let next = target(&s, SlaMetric::NextReply);
    assert_eq!((next.achieved, next.breached, next.active), (0, 0, 0));
    assert_eq!(sla.in_play(), 0);
    #[cfg(feature = "serde")]
    {
        // The saved state's live counts agree with the clocks in play (none).
        let saved = sla.save();
        let config = SlaConfig::new(sla.config().policies.clone());
        let back = SlaTracker::restore(config, csm_metrics::metrics::tickets::Overall, saved);
        assert!(back.is_ok());
    }
}

fn diff(a: &[TargetSnapshot], b: &[TargetSnapshot]) -> String {
    let mut out = String::new();
    for (x, y) in a.iter().zip(b) {
        if !common::same_targets(std::slice::from_ref(x), std::slice::from_ref(y)) {
            out += &format!(
                "{:?}\n  {:?}\n  {:?}\n",
                x.metric,
                (x.achieved, x.breached, x.active, &x.spare, &x.breach_by),
                (y.achieved, y.breached, y.active, &y.spare, &y.breach_by)
            );
        }
    }
    out
}

/// `Default` is the identity of the SLA tracker's merge, as of every calculator's.
#[test]
fn default_is_the_identity() {
    let mut sla = periodic(3_600);
    let id = TicketId(1);
    sla.observe_ticket(&Ticket::new(id, t(0), CustomerId(1)))
        .unwrap();
    sla.observe_interaction(&Interaction::agent_reply(id, t(5), AgentId(1)))
        .unwrap();
    let mut left = SlaTracker::<ByTeam>::default();
    Calculator::merge(&mut left, &sla).unwrap();
    let mut right = sla.clone();
    Calculator::merge(&mut right, &SlaTracker::default()).unwrap();
    assert_eq!(left.snapshot(), sla.snapshot());
    assert_eq!(right.snapshot(), sla.snapshot());
    assert_eq!(sla.snapshot().as_of, t(5));
}

/// Enough tickets that the deadline index drops its stale entries many times: fed in time
/// order, fed ticket by ticket, and restored from a saved state, the figures and the targets
/// about to breach are the same at every instant.
#[test]
fn the_deadline_index_compacts_without_changing_a_figure() {
    let h: Vec<TicketHistory> = Generator::new(Config::new(7, 3_000, 20)).collect();
    let policies = SlaPolicies::new(
        vec![Policy::all(
            "standard",
            vec![
                Target::new(SlaMetric::FirstReply, 4 * 3_600, Basis::Calendar),
                Target::new(SlaMetric::NextReply, 2 * 3_600, Basis::Calendar),
                Target::new(SlaMetric::PeriodicUpdate, 3 * 3_600, Basis::Calendar),
                Target::new(SlaMetric::PausableUpdate, 3 * 3_600, Basis::Calendar),
                Target::new(SlaMetric::RequesterWait, 24 * 3_600, Basis::Calendar),
            ],
        )],
        None,
    )
    .unwrap();
    let config = || SlaConfig {
        at_risk: 50,
        ..SlaConfig::new(policies.clone())
    };
    let mut grouped = SlaTracker::with_config(config(), ByTeam);
    for t in &h {
        grouped.observe_ticket(&t.ticket).unwrap();
        for i in &t.interactions {
            grouped.observe_interaction(i).unwrap();
        }
    }
    let mut timed: Vec<(DateTime<Utc>, u8, usize, Option<Interaction>)> = Vec::new();
    for (n, t) in h.iter().enumerate() {
        timed.push((t.ticket.created_at, 0, n, None));
        timed.extend(t.interactions.iter().map(|i| (i.at, 1, n, Some(*i))));
    }
    timed.sort_by_key(|e| (e.0, e.1));
    let mut interleaved = SlaTracker::with_config(config(), ByTeam);
    let (first, last) = (timed[0].0, timed[timed.len() - 1].0);
    for (_, _, n, i) in &timed {
        match i {
            None => interleaved.observe_ticket(&h[*n].ticket).unwrap(),
            Some(i) => interleaved.observe_interaction(i).unwrap(),
        }
    }
    let span = (last - first).num_seconds();
    for k in 0..=10 {
        let at = first + TimeDelta::seconds(span * k / 10);
        assert_eq!(
            interleaved.snapshot_at(at),
            grouped.snapshot_at(at),
            "at {at}"
        );
    }
    #[cfg(feature = "serde")]
    {
        let json = serde_json::to_string(&interleaved.save()).unwrap();
        let back =
            SlaTracker::restore(config(), ByTeam, serde_json::from_str(&json).unwrap()).unwrap();
        for k in 0..=10 {
            let at = first + TimeDelta::seconds(span * k / 10);
            assert_eq!(back.snapshot_at(at), interleaved.snapshot_at(at));
        }
    }
}

/// Zendesk's first-reply rule holds for the SLA as for the lifecycle: on a ticket an agent
/// opened, the agent's description is no reply, so a first-reply target of 200 s breaches
/// at the reply 300 s after creation (the lifecycle's first response). By the default rule
/// the lifecycle times no first response for such a ticket, while its first-reply target
/// ends, achieved, at the agent's first public message (the contract's SLA section).
#[test]
fn an_outbound_description_is_no_first_reply_for_the_sla_either() {
    let t0 = Utc.with_ymd_and_hms(2025, 3, 3, 9, 0, 0).unwrap();
    let mut ticket = Ticket::new(TicketId(1), t0, CustomerId(1));
    ticket.created_by = CreatedBy::Agent(AgentId(9));
    let message = |s: i64, author| Interaction {
        ticket: TicketId(1),
        at: t0 + TimeDelta::seconds(s),
        kind: InteractionKind::Message {
            author,
            visibility: Visibility::Public,
        },
    };
    let events = [
        message(60, Author::Agent(AgentId(9))),
        message(120, Author::Customer),
        message(300, Author::Agent(AgentId(9))),
    ];
    for (outbound, first_response, breached) in [
        (OutboundReplies::SecondAgentComment, Some(300.0), 1),
        (OutboundReplies::NoFirstResponse, None, 0),
    ] {
        let achieved = 1 - breached;
        let config = TrackerConfig {
            outbound,
            ..TrackerConfig::default()
        };
        let mut tracker = TicketTracker::new(config, ByTeam).unwrap();
        let policies = SlaPolicies::new(
            vec![Policy::all(
                "p",
                vec![Target::new(SlaMetric::FirstReply, 200, Basis::Calendar)],
            )],
            None,
        )
        .unwrap();
        let mut sla = SlaTracker::with_config(
            SlaConfig {
                outbound,
                ..SlaConfig::new(policies)
            },
            ByTeam,
        );
        tracker.observe_ticket(&ticket).unwrap();
        sla.observe_ticket(&ticket).unwrap();
        for e in &events {
            tracker.observe_interaction(e).unwrap();
            sla.observe_interaction(e).unwrap();
        }
        let end = DateTime::<Utc>::MAX_UTC;
        assert_eq!(
            tracker.snapshot_at(end).overall.first_response.mean,
            first_response
        );
        let first = target(&sla.snapshot_at(end), SlaMetric::FirstReply).clone();
        assert_eq!(
            (first.achieved, first.breached),
            (achieved, breached),
            "{outbound:?}"
        );
    }
}
