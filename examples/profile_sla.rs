//! Profiling aid: the SLA tracker (three calendar targets) over generated tickets,
//! time-ordered.
//!
//! `cargo run --release --example profile_sla [TICKETS [RUNS]]`
use csm_metrics::metrics::sla::{Basis, Policy, SlaMetric, SlaPolicies, SlaTracker, Target};
use csm_metrics::{Interaction, Ticket};
use csm_metrics_synth::{Config, Generator};

fn main() {
    let numbers: Vec<u64> = std::env::args().filter_map(|a| a.parse().ok()).collect();
    let n = numbers.first().copied().unwrap_or(1_000_000);
    let runs = numbers.get(1).copied().unwrap_or(4) as usize;
    let mut tickets: Vec<Ticket> = Vec::new();
    let mut ev: Vec<(i64, u8, u32, Option<Interaction>)> = Vec::new();
    for (i, h) in Generator::new(Config::new(42, n, (n / 400).max(1) as u32)).enumerate() {
        ev.push((h.ticket.created_at.timestamp(), 0, i as u32, None));
        ev.extend(
            h.interactions
                .iter()
                .map(|x| (x.at.timestamp(), 1, i as u32, Some(*x))),
        );
        tickets.push(h.ticket);
    }
    ev.sort_by_key(|e| (e.0, e.1));
    let target = |m, h: u64| Target::new(m, h * 3_600, Basis::Calendar);
    let policies = SlaPolicies::new(
        vec![Policy::all(
            "standard",
            vec![
                target(SlaMetric::FirstReply, 4),
                target(SlaMetric::NextReply, 8),
                target(SlaMetric::TotalResolution, 48),
            ],
        )],
        None,
    )
    .expect("valid policies");
    for _ in 0..runs {
        let start = std::time::Instant::now();
        let mut sla = SlaTracker::new(policies.clone());
        for (_, _, i, x) in &ev {
            let _ = match x {
                None => sla.observe_ticket(&tickets[*i as usize]),
                Some(x) => sla.observe_interaction(x),
            };
        }
        let t = start.elapsed();
        eprintln!(
            "{t:?} for {} records ({:.1} M/s), in play {}",
            ev.len(),
            ev.len() as f64 / t.as_secs_f64() / 1e6,
            sla.in_play()
        );
    }
}
