//! `TicketReplay`: one ticket at a time through the tracker's rules. The facts of every
//! ticket, filed with `TicketLifecycle::observe_facts`, equal the tracker's overall
//! aggregate, on generated histories (with and without a calendar) and on hostile ones
//! (records before creation, after a close, duplicates, merges, spam).

mod common;

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use csm_metrics::metrics::tickets::{
    Overall, TicketOutcome, TicketReplay, TicketTracker, TrackerConfig,
};
use csm_metrics::*;
use csm_metrics_synth::{Config, Generator, TicketHistory};
use proptest::prelude::*;

fn new_york() -> Arc<dyn BusinessClock> {
    Arc::new(
        BusinessCalendar::builder(chrono_tz::America::New_York)
            .open_weekdays(DayTime::hm(9, 0), DayTime::hm(17, 0))
            .years(2020, 2030)
            .build()
            .unwrap(),
    )
}

/// The tracker fed ticket by ticket, and the facts of a replay filed one by one: the same
/// lifecycle, the same ingest report (but for releases, which a replay does not count).
fn check(histories: &[(Ticket, Vec<Interaction>)], config: TrackerConfig) {
    let mut tracker = TicketTracker::new(config.clone(), Overall).unwrap();
    let mut replay = TicketReplay::new(config).unwrap();
    let mut filed = tracker.overall();
    let mut latest = i64::MIN;
    for (ticket, events) in histories {
        let _ = tracker.observe_ticket(ticket);
        for e in events {
            let _ = tracker.observe_interaction(e);
        }
        if let Ok(f) = replay.replay(ticket, events) {
            assert_eq!(f.ticket, ticket.id);
            assert_eq!(
                f.accepted + f.duplicates + f.rejected,
                events.len() as u32,
                "every event is accounted for"
            );
            filed.observe_facts(&f).unwrap();
        }
        latest = latest.max(
            events
                .iter()
                .map(|e| e.at.timestamp())
                .max()
                .unwrap_or(i64::MIN),
        );
    }
    let as_of = tracker.latest().map_or(0, |t| t.timestamp());
    let (a, b) = (
        filed.snapshot_at(as_of),
        tracker.overall().snapshot_at(as_of),
    );
    assert!(common::same_but_extremes(&a, &b), "{a:#?}\n{b:#?}");
    let (mut a, mut b) = (tracker.ingest().clone(), replay.ingest().clone());
    a.released = 0;
    b.released = 0;
    assert_eq!(a, b);
}

fn generated(seed: u64, n: u64) -> Vec<(Ticket, Vec<Interaction>)> {
    Generator::new(Config::new(seed, n, 3))
        .map(|h: TicketHistory| (h.ticket, h.interactions))
        .collect()
}

#[test]
fn generated_histories_in_calendar_and_business_time() {
    let h = generated(11, 2_000);
    check(&h, TrackerConfig::default());
    check(
        &h,
        TrackerConfig {
            calendar: Some(new_york()),
            ..TrackerConfig::default()
        },
    );
}

#[test]
fn outcomes() {
    let t0 = Utc.with_ymd_and_hms(2025, 3, 3, 9, 0, 0).unwrap();
    let at = |m: i64| t0 + TimeDelta::minutes(m);
    let id = TicketId(7);
    let ticket = Ticket::new(id, t0, CustomerId(1));
    let mut replay = TicketReplay::new(TrackerConfig::default()).unwrap();
    let reply = Interaction::agent_reply(id, at(10), AgentId(3));
    let cases = [
        (vec![], TicketOutcome::Open),
        (
            vec![reply, Interaction::status(id, at(20), Status::Solved)],
            TicketOutcome::Solved,
        ),
        (
            vec![
                Interaction::status(id, at(20), Status::Solved),
                Interaction::status(id, at(30), Status::Closed),
            ],
            TicketOutcome::Closed,
        ),
        (
            vec![Interaction::status(id, at(20), Status::Closed)],
            TicketOutcome::ClosedUnresolved,
        ),
        (
            vec![
                reply,
                Interaction::status(id, at(20), Status::Merged { into: TicketId(1) }),
            ],
            TicketOutcome::Merged,
        ),
        (
            vec![Interaction::status(id, at(20), Status::Spam)],
            TicketOutcome::Spam,
        ),
    ];
    for (events, outcome) in cases {
        let f = replay.replay(&ticket, &events).unwrap();
        assert_eq!(f.outcome, outcome, "{events:?}");
        assert_eq!(f.counted(), outcome != TicketOutcome::Spam);
        assert_eq!(
            f.first_response.is_some(),
            events.contains(&reply) && outcome != TicketOutcome::Merged
        );
        assert_eq!(f.unanswered, outcome == TicketOutcome::Open);
    }
    // After the close: turned away and counted; before creation: the same.
    let f = replay
        .replay(
            &ticket,
            &[
                Interaction::status(id, at(-5), Status::Open),
                Interaction::status(id, at(20), Status::Closed),
                reply,
                Interaction::agent_reply(TicketId(8), at(30), AgentId(3)),
            ],
        )
        .unwrap();
    assert_eq!((f.accepted, f.rejected), (1, 3));
    // The same event twice at one instant counts once.
    let f = replay.replay(&ticket, &[reply, reply]).unwrap();
    assert_eq!((f.accepted, f.duplicates, f.replies), (1, 1, 1));
}

/// A hostile history of one ticket: instants around (and before) its creation, every kind.
fn hostile_ticket() -> impl Strategy<Value = Vec<(i64, u8, u8)>> {
    proptest::collection::vec((-600i64..40_000, 0u8..14, 0u8..3), 0..14)
}

fn build(id: u64, created: DateTime<Utc>, raw: &[(i64, u8, u8)]) -> (Ticket, Vec<Interaction>) {
    let ticket = Ticket::new(TicketId(id), created, CustomerId(id));
    let mut events: Vec<Interaction> = raw
        .iter()
        .map(|&(s, k, a)| {
            let at = created + TimeDelta::seconds(s);
            let t = TicketId(id);
            let status = |s| Interaction::status(t, at, s);
            match k {
                0 | 1 => Interaction::agent_reply(t, at, AgentId(u64::from(a))),
                2 => Interaction::customer_message(t, at),
                3 => Interaction {
                    ticket: t,
                    at,
                    kind: InteractionKind::Message {
                        author: Author::Agent(AgentId(1)),
                        visibility: Visibility::Internal,
                    },
                },
                4 => status(Status::Open),
                5 => status(Status::Pending),
                6 => status(Status::OnHold),
                7 | 8 => status(Status::Solved),
                9 => status(Status::Closed),
                10 => status(Status::Merged {
                    into: TicketId(id + 1),
                }),
                11 => status(Status::Spam),
                12 => status(Status::New),
                _ => Interaction {
                    ticket: t,
                    at,
                    kind: InteractionKind::Assignment {
                        agent: Some(AgentId(u64::from(a))),
                        team: None,
                    },
                },
            }
        })
        .collect();
    // Mostly in time order (a stable sort keeps same-instant events as drawn); a few late.
    if id % 4 != 0 {
        events.sort_by_key(|e| e.at);
    }
    (ticket, events)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(common::cases(128)))]

    #[test]
    fn facts_file_into_the_tracker_aggregate(
        tickets in proptest::collection::vec(hostile_ticket(), 1..40),
        business in any::<bool>(),
        resequence in any::<bool>(),
    ) {
        let t0 = Utc.with_ymd_and_hms(2025, 3, 3, 8, 0, 0).unwrap();
        let h: Vec<_> = tickets
            .iter()
            .enumerate()
            .map(|(i, raw)| build(i as u64 + 1, t0 + TimeDelta::minutes(37 * i as i64), raw))
            .collect();
        let config = TrackerConfig {
            calendar: business.then(new_york),
            resequence,
            ..TrackerConfig::default()
        };
        check(&h, config);
    }
}
