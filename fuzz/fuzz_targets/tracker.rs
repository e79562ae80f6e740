//! The ticket tracker fed arbitrary sequences of tickets and interactions (few ticket ids,
//! so events collide; instants near each other or anywhere in chrono's range): never a
//! panic, every record accounted for, and a saved state restores to the same figures.
#![no_main]

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use csm_metrics::metrics::tickets::{ByTeam, SolvedIn, TicketTracker, TrackerConfig};
use csm_metrics::*;
use libfuzzer_sys::fuzz_target;

#[path = "bytes.rs"]
mod bytes;
use bytes::Bytes;

fn instant(b: &mut Bytes, base: i64) -> DateTime<Utc> {
    match b.u8() % 16 {
        0 => DateTime::<Utc>::MIN_UTC,
        1 => DateTime::<Utc>::MAX_UTC,
        2 => DateTime::from_timestamp(b.i64(), 0).unwrap_or(DateTime::<Utc>::MAX_UTC),
        _ => DateTime::from_timestamp(base + i64::from(b.u16()) * 60, 0).unwrap(),
    }
}

fuzz_target!(|data: &[u8]| {
    let mut b = Bytes(data);
    let base = Utc
        .with_ymd_and_hms(2025, 3, 7, 12, 0, 0)
        .unwrap()
        .timestamp();
    let mut config = TrackerConfig {
        resequence: b.u8() % 2 == 0,
        ..TrackerConfig::default()
    };
    if b.u8() % 4 == 0 {
        let cal = BusinessCalendar::builder(chrono_tz::America::New_York)
            .open_weekdays(DayTime::hm(9, 0), DayTime::hm(17, 0))
            .years(2024, 2027)
            .build()
            .unwrap();
        config.calendar = Some(Arc::new(cal));
    }
    let grouping = (ByTeam, SolvedIn::<Utc>::default());
    let mut tracker = TicketTracker::new(config.clone(), grouping.clone()).unwrap();
    let mut offered = 0u64;
    while !b.is_empty() {
        let ticket = TicketId(u64::from(b.u8() % 16));
        let at = instant(&mut b, base);
        offered += 1;
        let kind = match b.u8() % 8 {
            0 => {
                let mut t = Ticket::new(ticket, at, CustomerId(u64::from(b.u8())));
                t.team = (b.u8() % 2 == 0).then(|| TeamId(u64::from(b.u8() % 3)));
                let _ = tracker.observe_ticket(&t);
                continue;
            }
            1 | 2 => InteractionKind::Message {
                author: match b.u8() % 3 {
                    0 => Author::Agent(AgentId(u64::from(b.u8() % 4))),
                    1 => Author::Customer,
                    _ => Author::Automation,
                },
                visibility: if b.u8() % 3 == 0 {
                    Visibility::Internal
                } else {
                    Visibility::Public
                },
            },
            3 => InteractionKind::Assignment {
                agent: (b.u8() % 2 == 0).then(|| AgentId(u64::from(b.u8() % 4))),
                team: (b.u8() % 2 == 0).then(|| TeamId(u64::from(b.u8() % 3))),
            },
            _ => InteractionKind::Status(match b.u8() % 8 {
                0 => Status::New,
                1 => Status::Open,
                2 => Status::Pending,
                3 => Status::OnHold,
                4 => Status::Solved,
                5 => Status::Closed,
                6 => Status::Merged {
                    into: TicketId(u64::from(b.u8() % 16)),
                },
                _ => Status::Spam,
            }),
        };
        let _ = tracker.observe_interaction(&Interaction { ticket, at, kind });
    }
    let snap = tracker.snapshot();
    assert_eq!(
        snap.ingest.offered(),
        offered,
        "a record was lost or counted twice"
    );
    let json = serde_json::to_string(&tracker.save()).unwrap();
    let saved = serde_json::from_str(&json).unwrap();
    let back = TicketTracker::restore(config, grouping, saved).unwrap();
    assert_eq!(back.snapshot(), snap, "a restored tracker differs");
    let mut merged = TicketTracker::default();
    merged.merge(&tracker).unwrap();
    assert_eq!(merged.snapshot().overall, snap.overall);
    tracker.evict_solved_before(DateTime::<Utc>::MAX_UTC);
    let _ = tracker.ages_at(DateTime::<Utc>::MAX_UTC);
});
