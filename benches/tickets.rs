//! The ticket lifecycle suite on a generated history of 1M tickets, time-ordered.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use csm_metrics::metrics::tickets::{ByTeam, Overall, TicketGrouping, TicketTracker};
use csm_metrics::{Interaction, Ticket};
use csm_metrics_synth::{Config, Generator};

/// One record of a time-ordered stream: a ticket's creation (by index) or an interaction.
enum Event {
    Created(u32),
    Interaction(Interaction),
}

struct Stream {
    tickets: Vec<Ticket>,
    events: Vec<Event>,
    interactions: usize,
}

fn stream(tickets: u64, teams: u64) -> Stream {
    let mut config = Config::new(42, tickets, (tickets / 20_000).max(1) as u32 * 50);
    config.teams = teams;
    config.agents = teams.max(50);
    let mut all = Vec::with_capacity(tickets as usize);
    let mut timed: Vec<(i64, u8, Event)> = Vec::new();
    for (i, h) in Generator::new(config).enumerate() {
        timed.push((h.ticket.created_at.timestamp(), 0, Event::Created(i as u32)));
        for x in &h.interactions {
            timed.push((x.at.timestamp(), 1, Event::Interaction(*x)));
        }
        all.push(h.ticket);
    }
    timed.sort_by_key(|e| (e.0, e.1));
    let interactions = timed.len() - all.len();
    Stream {
        tickets: all,
        events: timed.into_iter().map(|e| e.2).collect(),
        interactions,
    }
}

fn replay<G: TicketGrouping>(s: &Stream, tracker: &mut TicketTracker<G>) {
    for e in &s.events {
        let _ = match e {
            Event::Created(i) => tracker.observe_ticket(&s.tickets[*i as usize]),
            Event::Interaction(x) => tracker.observe_interaction(x),
        };
    }
}

fn suite(c: &mut Criterion) {
    let s = stream(1_000_000, 3);
    eprintln!(
        "history: {} tickets, {} interactions, {} records",
        s.tickets.len(),
        s.interactions,
        s.events.len()
    );
    let mut group = c.benchmark_group("tickets");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.throughput(Throughput::Elements(s.interactions as u64));
    group.bench_function("calendar suite, overall and by team, 1M tickets", |b| {
        b.iter(|| {
            let mut t = TicketTracker::<ByTeam>::default();
            replay(&s, &mut t);
            black_box(t.in_play())
        })
    });
    // The same read at the end: the snapshot (with the censoring-aware figures, which walk
    // the tickets in play) as a dashboard or report takes it.
    let end = s.tickets[s.tickets.len() - 1].created_at;
    group.bench_function(
        "calendar suite by team, 1M tickets, then its snapshot",
        |b| {
            b.iter(|| {
                let mut t = TicketTracker::<ByTeam>::default();
                replay(&s, &mut t);
                black_box(t.snapshot_at(end))
            })
        },
    );
    // The same with the handling figures (time in each status, assignment, bots) on.
    let handling = csm_metrics::metrics::tickets::TrackerConfig {
        handling: true,
        ..Default::default()
    };
    group.bench_function("calendar suite + handling, by team, 1M tickets", |b| {
        b.iter(|| {
            let mut t = TicketTracker::new(handling.clone(), ByTeam).unwrap();
            replay(&s, &mut t);
            black_box(t.in_play())
        })
    });
    // And a reply-credit table (each reply credited to its author).
    let credit = csm_metrics::metrics::tickets::TrackerConfig {
        reply_credit: Some(csm_metrics::metrics::tickets::ReplyCredit::Author),
        ..handling.clone()
    };
    group.bench_function(
        "calendar suite + handling + reply credit, by team, 1M tickets",
        |b| {
            b.iter(|| {
                let mut t = TicketTracker::new(credit.clone(), ByTeam).unwrap();
                replay(&s, &mut t);
                black_box(t.in_play())
            })
        },
    );
    group.bench_function("calendar suite, overall only, 1M tickets", |b| {
        b.iter(|| {
            let mut t = TicketTracker::<Overall>::default();
            replay(&s, &mut t);
            black_box(t.in_play())
        })
    });
    // The same with every figure also in business time, on a New York Monday-Friday
    // 09:00-17:00 calendar with the 2025 federal holidays.
    let calendar = csm_metrics_synth::format::new_york_2025().unwrap();
    let config = csm_metrics::metrics::tickets::TrackerConfig {
        calendar: Some(std::sync::Arc::new(calendar)),
        ..Default::default()
    };
    group.bench_function("calendar and business suite, by team, 1M tickets", |b| {
        b.iter(|| {
            let mut t = TicketTracker::new(config.clone(), ByTeam).unwrap();
            replay(&s, &mut t);
            black_box(t.in_play())
        })
    });
    // SLA evaluation: three targets per ticket (first reply, next reply, total resolution).
    let sla_policies = csm_metrics::metrics::sla::SlaPolicies::new(
        vec![csm_metrics::metrics::sla::Policy::all(
            "standard",
            vec![
                csm_metrics::metrics::sla::Target::new(
                    csm_metrics::metrics::sla::SlaMetric::FirstReply,
                    4 * 3_600,
                    csm_metrics::metrics::sla::Basis::Calendar,
                ),
                csm_metrics::metrics::sla::Target::new(
                    csm_metrics::metrics::sla::SlaMetric::NextReply,
                    8 * 3_600,
                    csm_metrics::metrics::sla::Basis::Calendar,
                ),
                csm_metrics::metrics::sla::Target::new(
                    csm_metrics::metrics::sla::SlaMetric::TotalResolution,
                    48 * 3_600,
                    csm_metrics::metrics::sla::Basis::Calendar,
                ),
            ],
        )],
        None,
    )
    .unwrap();
    group.bench_function("SLA, 3 targets per ticket, 1M tickets", |b| {
        b.iter(|| {
            let mut sla = csm_metrics::metrics::sla::SlaTracker::new(sla_policies.clone());
            for e in &s.events {
                let _ = match e {
                    Event::Created(i) => sla.observe_ticket(&s.tickets[*i as usize]),
                    Event::Interaction(x) => sla.observe_interaction(x),
                };
            }
            black_box(sla.in_play())
        })
    });
    // The suite by team and three SLA targets in the same pass over the stream: the two
    // consumers of the ticket machine, each with its own state per ticket.
    group.bench_function(
        "calendar suite by team + SLA 3 targets, same pass, 1M tickets",
        |b| {
            b.iter(|| {
                let mut t = TicketTracker::<ByTeam>::default();
                let mut sla = csm_metrics::metrics::sla::SlaTracker::new(sla_policies.clone());
                for e in &s.events {
                    let _ = match e {
                        Event::Created(i) => {
                            let ticket = &s.tickets[*i as usize];
                            (t.observe_ticket(ticket), sla.observe_ticket(ticket))
                        }
                        Event::Interaction(x) => {
                            (t.observe_interaction(x), sla.observe_interaction(x))
                        }
                    };
                }
                black_box((t.in_play(), sla.in_play()))
            })
        },
    );
    // The desk: the suite by team with handling, three SLA targets, one front end.
    let desk_config = csm_metrics::metrics::desk::DeskConfig {
        tickets: handling.clone(),
        sla: Some(csm_metrics::metrics::sla::SlaConfig::new(
            sla_policies.clone(),
        )),
        ..Default::default()
    };
    group.bench_function(
        "desk: suite by team + handling + SLA 3 targets, 1M tickets",
        |b| {
            b.iter(|| {
                let mut desk =
                    csm_metrics::metrics::desk::Desk::new(desk_config.clone(), ByTeam).unwrap();
                for e in &s.events {
                    let event = match e {
                        Event::Created(i) => csm_metrics::metrics::desk::DeskEvent::Ticket(
                            s.tickets[*i as usize].clone(),
                        ),
                        Event::Interaction(x) => {
                            csm_metrics::metrics::desk::DeskEvent::Interaction(*x)
                        }
                    };
                    let _ = desk.observe(&event);
                }
                black_box(desk.tickets().in_play())
            })
        },
    );
    // The floor: a linear scan touching every record.
    group.bench_function("scan only (floor)", |b| {
        b.iter(|| {
            let mut n = 0u64;
            for e in &s.events {
                n = n.wrapping_add(match e {
                    Event::Created(i) => u64::from(*i),
                    Event::Interaction(x) => x.ticket.0,
                });
            }
            black_box(n)
        })
    });
    group.finish();
}

fn snapshot(c: &mut Criterion) {
    // 1M tickets in play in 100 groups: creations only, none solved.
    let s = stream(1_000_000, 100);
    let mut tracker = TicketTracker::<ByTeam>::default();
    for t in &s.tickets {
        tracker.observe_ticket(t).unwrap();
    }
    // And their lifecycles, so the aggregates are full.
    let mut full = TicketTracker::<ByTeam>::default();
    replay(&s, &mut full);
    eprintln!(
        "tickets in play: {} (creations only), {} (full history)",
        tracker.in_play(),
        full.in_play()
    );
    let at = s.tickets[s.tickets.len() - 1].created_at;
    let mut group = c.benchmark_group("tickets");
    group.bench_function("snapshot, 1M tickets in play, 100 groups", |b| {
        b.iter(|| black_box(tracker.snapshot_at(at)))
    });
    group.bench_function("snapshot, full 1M-ticket history, 100 groups", |b| {
        b.iter(|| black_box(full.snapshot_at(at)))
    });
    group.bench_function("backlog ages, 1M tickets in play, 100 groups", |b| {
        b.iter(|| black_box(tracker.ages_at(at)))
    });
    #[cfg(feature = "serde")]
    {
        // Checkpointing: the full history's tracker (its tickets in play and 100 groups)
        // saved to JSON and restored, every rule checked.
        let json = serde_json::to_vec(&full.save()).unwrap();
        eprintln!(
            "saved tracker: {} tickets in play, {} KiB of JSON",
            full.in_play(),
            json.len() / 1024
        );
        group.bench_function("save to JSON, full 1M-ticket history", |b| {
            b.iter(|| black_box(serde_json::to_vec(&full.save()).unwrap()))
        });
        group.bench_function("restore from JSON, full 1M-ticket history", |b| {
            b.iter(|| {
                let saved = serde_json::from_slice(&json).unwrap();
                black_box(TicketTracker::restore(Default::default(), ByTeam, saved).unwrap())
            })
        });
    }
    group.finish();
}

criterion_group!(benches, suite, snapshot);
criterion_main!(benches);
