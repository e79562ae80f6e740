//! The service end to end (requests straight into the router): a generated history posted
//! in webhook order — shuffled across tickets, retried, events before their ticket — gives
//! the snapshot of the clean replay.

use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::TimeDelta;
use csm_metrics::metrics::desk::{Desk, DeskConfig, DeskEvent, DeskSnapshot, PendingLimits};
use csm_metrics::metrics::tickets::{ByTeam, LifecycleSnapshot, TicketTracker, TrackerConfig};
use csm_metrics::{Interaction, InteractionKind, Status, TeamId};
use csm_metrics_service::{Taken, router};
use csm_metrics_synth::{Config, Generator, Rng, TicketHistory};
use http_body_util::BodyExt;
use tower::ServiceExt;

fn config() -> TrackerConfig {
    TrackerConfig {
        resequence: true,
        ..TrackerConfig::default()
    }
}

/// Webhook order: in time, but shuffled within blocks of 32 deliveries (events overtake
/// each other and their ticket), a quarter retried, each ticket's release and what follows
/// it last; returns the feed and each ticket's clean order (arrival without retries,
/// stably by time).
fn webhook(h: &[TicketHistory], seed: u64) -> (Vec<DeskEvent>, Vec<Vec<Interaction>>) {
    let mut rng = Rng::new(seed);
    let (mut body, mut tails) = (Vec::new(), Vec::new());
    for t in h {
        body.push(DeskEvent::Ticket(t.ticket.clone()));
        let release = |i: &Interaction| {
            matches!(
                i.kind,
                InteractionKind::Status(Status::Closed | Status::Merged { .. } | Status::Spam)
            )
        };
        let cut = t.interactions.iter().position(release);
        let (events, tail) = t.interactions.split_at(cut.unwrap_or(t.interactions.len()));
        for i in events {
            body.push(DeskEvent::Interaction(*i));
            if rng.below(4) == 0 {
                body.push(DeskEvent::Interaction(*i));
            }
        }
        tails.extend(tail.iter().map(|i| DeskEvent::Interaction(*i)));
    }
    let at = |e: &DeskEvent| match e {
        DeskEvent::Ticket(t) => t.created_at,
        DeskEvent::Interaction(i) => i.at,
        DeskEvent::Survey(r) => r.at,
        DeskEvent::Call(c) => c.ended_at,
    };
    body.sort_by_key(at);
    for block in body.chunks_mut(32) {
        for i in (1..block.len()).rev() {
            block.swap(i, rng.below(i as u64 + 1) as usize);
        }
    }
    body.extend(tails);
    let clean = h
        .iter()
        .map(|t| {
            let mut order: Vec<Interaction> = Vec::new();
            for e in &body {
                if let DeskEvent::Interaction(i) = e {
                    if i.ticket == t.ticket.id && !order.contains(i) {
                        order.push(*i);
                    }
                }
            }
            order.sort_by_key(|i| i.at);
            order
        })
        .collect();
    (body, clean)
}

/// The figures that are exact whatever was retracted (extremes may be the sketch's).
fn exact(s: &LifecycleSnapshot) -> impl PartialEq + std::fmt::Debug {
    let d = |d: &csm_metrics::DurationSnapshot| (d.count, d.mean, d.buckets.clone());
    (
        (s.tickets, s.answered, s.unanswered, s.solved, s.backlog),
        (
            d(&s.first_response),
            d(&s.next_reply),
            d(&s.full_resolution),
            d(&s.requester_wait),
        ),
        (
            s.reopen_rate,
            s.one_touch_rate,
            s.resolved_within_target,
            s.solve_events,
        ),
    )
}

#[tokio::test]
async fn posted_in_webhook_order_the_snapshot_is_the_replay() {
    let h: Vec<TicketHistory> = Generator::new(Config::new(11, 400, 5)).collect();
    let (feed, clean) = webhook(&h, 3);
    let desk = Desk::new(
        DeskConfig {
            tickets: config(),
            // An event may wait a day for its ticket.
            pending: PendingLimits {
                wait: 86_400,
                ..PendingLimits::default()
            },
            ..DeskConfig::default()
        },
        ByTeam,
    )
    .unwrap();
    let app = router(Arc::new(Mutex::new(desk)));
    let mut taken = 0;
    for batch in feed.chunks(97) {
        let request = Request::post("/events")
            .header("content-type", "application/json")
            .body(Body::from(serde_json::to_vec(batch).unwrap()))
            .unwrap();
        let response = app.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let answer: Taken = serde_json::from_slice(&bytes).unwrap();
        taken += answer.taken;
    }
    assert!(taken > 0);
    let end = h
        .iter()
        .flat_map(|t| t.interactions.iter().map(|i| i.at))
        .max()
        .unwrap()
        + TimeDelta::days(1);
    let uri = format!(
        "/snapshot?as_of={}",
        end.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    );
    let response = app
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let snap: DeskSnapshot<Option<TeamId>> = serde_json::from_slice(&bytes).unwrap();

    let mut replay = TicketTracker::new(config(), ByTeam).unwrap();
    for (t, order) in h.iter().zip(&clean) {
        replay.observe_ticket(&t.ticket).unwrap();
        for i in order {
            let _ = replay.observe_interaction(i);
        }
    }
    let want = replay.snapshot_at(end);
    assert_eq!(snap.pending, 0);
    assert!(snap.report.buffered > 0, "no event came before its ticket");
    assert_eq!(snap.report.expired + snap.report.overflowed, 0);
    assert_eq!(exact(&snap.tickets.overall), exact(&want.overall));
    assert_eq!(snap.tickets.groups.len(), want.groups.len());
    for (k, g) in &snap.tickets.groups {
        assert_eq!(exact(g), exact(&want.groups[k]), "team {k:?}");
    }
    assert!(snap.tickets.ingest.duplicates > 0);
}
