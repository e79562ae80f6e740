//! A ticket's calendar following its team (`TrackerConfig::calendar_follows_team`,
//! `SlaPolicies::with_calendar_following_team`): business time split across the
//! calendars a ticket had, as dbt_zendesk's schedule history does; worked by hand.
//!
//! Team 1 works 08:00–12:00 UTC on weekdays ("early"), team 2 12:00–18:00 ("late"); team 3
//! has no calendar and the tracker none of its own. Monday 2025-03-03.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use csm_metrics::metrics::sla::{Basis, Policy, SlaMetric, SlaPolicies, SlaTracker, Target};
use csm_metrics::metrics::tickets::{Overall, TicketTracker, TrackerConfig};
use csm_metrics::*;
use proptest::prelude::*;

fn at(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 3, h, m, 0).unwrap()
}

fn hours(from: u32, to: u32) -> Arc<dyn BusinessClock> {
    Arc::new(
        BusinessCalendar::builder(Utc)
            .open_weekdays(
                DayTime::hm(from, 0),
                if to == 24 {
                    DayTime::END_OF_DAY
                } else {
                    DayTime::hm(to, 0)
                },
            )
            .years(2024, 2026)
            .build()
            .unwrap(),
    )
}

fn calendars() -> BTreeMap<TeamId, Arc<dyn BusinessClock>> {
    BTreeMap::from([(TeamId(1), hours(8, 12)), (TeamId(2), hours(12, 18))])
}

fn team(id: u64, when: DateTime<Utc>, to: u64) -> Interaction {
    Interaction::field(TicketId(id), when, FieldChange::Team(Some(TeamId(to))))
}

/// Ticket 1 (team 1 at 09:00) moves to team 2 at 10:00, is answered at 15:00 and solved at
/// 16:00. Ticket 2 (team 1 at 09:00) moves to team 3 (no calendar) at 10:00 and is solved
/// at 16:00.
fn history() -> (Vec<Ticket>, Vec<Interaction>) {
    let mut tickets = Vec::new();
    for id in [1, 2] {
        let mut t = Ticket::new(TicketId(id), at(9, 0), CustomerId(id));
        t.team = Some(TeamId(1));
        tickets.push(t);
    }
    let events = vec![
        team(1, at(10, 0), 2),
        team(2, at(10, 0), 3),
        Interaction::agent_reply(TicketId(1), at(15, 0), AgentId(7)),
        Interaction::status(TicketId(1), at(16, 0), Status::Solved),
        Interaction::status(TicketId(2), at(16, 0), Status::Solved),
    ];
    (tickets, events)
}

fn tracker(follows: bool, resequence: bool) -> TicketTracker<Overall> {
    let config = TrackerConfig {
        team_calendars: calendars(),
        calendar_follows_team: follows,
        resequence,
        ..TrackerConfig::default()
    };
    TicketTracker::new(config, Overall).unwrap()
}

fn replay(follows: bool, order: &[usize]) -> metrics::tickets::BusinessSnapshot {
    let (tickets, events) = history();
    let mut tr = tracker(follows, order.windows(2).any(|w| w[0] > w[1]));
    for t in &tickets {
        tr.observe_ticket(t).unwrap();
    }
    for &i in order {
        tr.observe_interaction(&events[i]).unwrap();
    }
    tr.snapshot_at(at(17, 0)).overall.business.unwrap()
}

#[test]
fn business_time_is_split_across_the_calendars_a_ticket_had() {
    let b = replay(true, &[0, 1, 2, 3, 4]);
    // Ticket 1: early 09:00–10:00 (3,600 s), then late 10:00–15:00 (12:00–15:00: 10,800 s):
    // a first response of 14,400 business seconds; solved at 16:00 after 3,600 + 14,400.
    // At creation's calendar it would be early 09:00–15:00: 10,800 s and 10,800 s.
    assert_eq!(b.first_response.count, 1);
    assert_eq!(b.first_response.mean, Some(14_400.0));
    // Ticket 2 moved to a team without a calendar (and the tracker has none): it keeps
    // early, 09:00–16:00 = 10,800 s.
    assert_eq!(b.full_resolution.count, 2);
    assert_eq!(b.full_resolution.mean, Some((18_000.0 + 10_800.0) / 2.0));
    // New the whole time: agent work is the same split.
    assert_eq!(b.agent_work.mean, Some((18_000.0 + 10_800.0) / 2.0));
    // Off, the calendar of the team at creation.
    let off = replay(false, &[0, 1, 2, 3, 4]);
    assert_eq!(off.first_response.mean, Some(10_800.0));
    assert_eq!(off.full_resolution.mean, Some(10_800.0));
}

#[test]
fn a_late_move_put_in_its_place_gives_the_in_order_split() {
    // The move arrives after the reply; re-sequencing replays the ticket from its creation
    // calendar.
    let late = replay(true, &[1, 2, 3, 0, 4]);
    assert_eq!(late, replay(true, &[0, 1, 2, 3, 4]));
}

#[cfg(feature = "serde")]
#[test]
fn a_saved_tracker_keeps_the_calendars_a_ticket_had() {
    let (tickets, events) = history();
    let mut tr = tracker(true, false);
    for t in &tickets {
        tr.observe_ticket(t).unwrap();
    }
    tr.observe_interaction(&events[0]).unwrap();
    let json = serde_json::to_string(&tr.save()).unwrap();
    let config = TrackerConfig {
        team_calendars: calendars(),
        calendar_follows_team: true,
        ..TrackerConfig::default()
    };
    let mut back =
        TicketTracker::restore(config, Overall, serde_json::from_str(&json).unwrap()).unwrap();
    for e in &events[1..] {
        back.observe_interaction(e).unwrap();
    }
    let b = back.snapshot_at(at(17, 0)).overall.business.unwrap();
    assert_eq!(b.first_response.mean, Some(14_400.0));
}

#[test]
fn sla_clocks_count_on_the_new_teams_calendar_from_the_move() {
    // A first reply within 3.5 business hours. Ticket 1 moved at 10:00 with 1 h counted
    // (early); the 2.5 h left count on late from 12:00: due at 14:30, answered at 15:00:
    // breached by 30 min. On its creation calendar: 3 h by 12:00 Monday, due Tuesday
    // 08:30: achieved.
    let policy = Policy::all(
        "reply",
        vec![Target::new(SlaMetric::FirstReply, 12_600, Basis::Business)],
    );
    let run = |follows: bool| {
        let mut p = SlaPolicies::new(vec![policy.clone()], Some(hours(0, 24)))
            .unwrap()
            .with_team_calendars(calendars())
            .unwrap();
        if follows {
            p = p.with_calendar_following_team();
        }
        let (tickets, events) = history();
        let mut sla = SlaTracker::new(p);
        sla.observe_ticket(&tickets[0]).unwrap();
        sla.observe_interaction(&events[0]).unwrap();
        sla.observe_interaction(&events[2]).unwrap();
        let snap = sla.snapshot_at(at(17, 0));
        let t = &snap.targets[0];
        (t.achieved, t.breached, t.breach_by.mean)
    };
    assert_eq!(run(true), (0, 1, Some(1_800.0)));
    assert_eq!(run(false), (1, 0, None));
}

fn run(
    records: &[(u64, i64, Option<InteractionKind>)],
    config: &TrackerConfig,
) -> TicketTracker<metrics::tickets::ByTeam> {
    common::tracked(records, at(9, 0), config)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(common::cases(256)))]

    /// With calendars following teams (teams moving among three calendars), shards merge
    /// into one pass, and a late event put in its place gives the in-order figures.
    #[test]
    fn calendars_that_follow_teams_obey_the_laws(records in common::records(), shards in 1u64..4, shuffle in any::<u64>()) {
        let config = TrackerConfig {
            calendar: Some(hours(0, 24)),
            team_calendars: calendars(),
            calendar_follows_team: true,
            ..TrackerConfig::default()
        };
        let end = at(9, 0) + chrono::TimeDelta::days(2);
        let whole = run(&records, &config).snapshot_at(end);
        let mut merged = TicketTracker::new(config.clone(), metrics::tickets::ByTeam).unwrap();
        for k in 0..shards {
            let part: Vec<_> = records.iter().filter(|r| r.0 % shards == k).copied().collect();
            merged.merge_shard(&run(&part, &config)).unwrap();
        }
        prop_assert!(common::same_but_extremes(&whole.overall, &merged.snapshot_at(end).overall));
        let late = TrackerConfig { resequence: true, ..config.clone() };
        let shuffled = common::webhook_order(&records, shuffle);
        let resequenced = run(&shuffled, &late).snapshot_at(end);
        let in_order = run(&records, &late).snapshot_at(end);
        prop_assert!(common::same_but_extremes(&resequenced.overall, &in_order.overall));
        prop_assert!(common::same_but_extremes(&in_order.overall, &whole.overall));
    }
}

fn sla_run(
    records: &[(u64, i64, Option<InteractionKind>)],
    resequence: bool,
) -> Vec<(u64, u64, u64, u64)> {
    use csm_metrics::metrics::sla::SlaConfig;
    let policies = SlaPolicies::new(
        vec![Policy::all(
            "business",
            vec![
                Target::new(SlaMetric::FirstReply, 2 * 3_600, Basis::Business),
                Target::new(SlaMetric::RequesterWait, 6 * 3_600, Basis::Business),
                Target::new(SlaMetric::TotalResolution, 8 * 3_600, Basis::Business),
            ],
        )],
        Some(hours(0, 24)),
    )
    .unwrap()
    .with_team_calendars(calendars())
    .unwrap()
    .with_calendar_following_team();
    let mut sla = SlaTracker::with_config(
        SlaConfig {
            resequence,
            ..SlaConfig::new(policies)
        },
        metrics::tickets::Overall,
    );
    common::feed_records(records, at(9, 0), |r| {
        let _ = match r {
            common::Fed::Ticket(t) => sla.observe_ticket(&t),
            common::Fed::Interaction(i) => sla.observe_interaction(&i),
        };
    });
    sla.snapshot_at(at(9, 0) + chrono::TimeDelta::days(2))
        .targets
        .iter()
        .map(|t| (t.achieved, t.breached, t.active, t.spare.count))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(common::cases(256)))]

    /// The SLA clocks with calendars that follow teams: a late event put in its place gives
    /// the in-order outcomes.
    #[test]
    fn sla_calendars_that_follow_teams_resequence(records in common::records(), shuffle in any::<u64>()) {
        let shuffled = common::webhook_order(&records, shuffle);
        prop_assert_eq!(sla_run(&shuffled, true), sla_run(&records, true));
        prop_assert_eq!(sla_run(&records, true), sla_run(&records, false));
    }
}
