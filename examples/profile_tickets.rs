//! Profiling aid: replays 1M generated tickets, time-ordered, eight times.
//!
//! `cargo run --release --example profile_tickets [team] [handling] [TICKETS [RUNS]]`
//! (`handling`: with the handling figures on).
use csm_metrics::metrics::tickets::{
    ByTeam, Overall, TicketGrouping, TicketTracker, TrackerConfig,
};
use csm_metrics::{Interaction, Ticket};
use csm_metrics_synth::{Config, Generator};

fn run<G: TicketGrouping>(
    tickets: &[Ticket],
    ev: &[(i64, u8, u32, Option<Interaction>)],
    runs: usize,
    handling: bool,
) {
    for _ in 0..runs {
        let start = std::time::Instant::now();
        let config = TrackerConfig {
            handling,
            ..TrackerConfig::default()
        };
        let mut tr = TicketTracker::<G>::new(config, G::default()).expect("a valid configuration");
        for (_, _, i, x) in ev {
            let _ = match x {
                None => tr.observe_ticket(&tickets[*i as usize]),
                Some(x) => tr.observe_interaction(x),
            };
        }
        let t = start.elapsed();
        eprintln!(
            "{t:?} for {} records ({:.1} M/s), in play {}",
            ev.len(),
            ev.len() as f64 / t.as_secs_f64() / 1e6,
            tr.in_play()
        );
    }
}

fn main() {
    let mut tickets = Vec::new();
    let mut ev = Vec::new();
    let numbers: Vec<u64> = std::env::args().filter_map(|a| a.parse().ok()).collect();
    let n = numbers.first().copied().unwrap_or(1_000_000);
    let runs = numbers.get(1).copied().unwrap_or(8) as usize;
    for (i, h) in Generator::new(Config::new(42, n, (n / 400).max(1) as u32)).enumerate() {
        ev.push((h.ticket.created_at.timestamp(), 0u8, i as u32, None));
        ev.extend(
            h.interactions
                .iter()
                .map(|x| (x.at.timestamp(), 1, i as u32, Some(*x))),
        );
        tickets.push(h.ticket);
    }
    ev.sort_by_key(|e| (e.0, e.1));
    let handling = std::env::args().any(|a| a == "handling");
    if std::env::args().any(|a| a == "team") {
        run::<ByTeam>(&tickets, &ev, runs, handling)
    } else {
        run::<Overall>(&tickets, &ev, runs, handling)
    }
}
