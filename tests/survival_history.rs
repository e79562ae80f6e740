//! The tracker's censoring-aware figures on a generated history's six-hour cohort read at
//! its end (heavy censoring: its tickets still open), against lifelines 0.30 on the same
//! per-ticket data. The data come from each ticket's own replay (`TicketReplay`: events
//! up to the cut), the tracker's figures from its snapshot (its tickets in play);
//! lifelines' answer is in `tests/data/survival/history_lifelines.json`, written by
//!
//! ```text
//! CSM_WRITE_SURVIVAL_DATA=/tmp/history_km.json cargo test --test survival_history
//! python3 tests/reference/km_lifelines.py --history /tmp/history_km.json \
//!     > tests/data/survival/history_lifelines.json
//! ```

use chrono::TimeDelta;
use csm_metrics::metrics::tickets::{ByTeam, TicketReplay, TicketTracker, TrackerConfig};
use csm_metrics::{Interaction, SurvivalSnapshot};
use csm_metrics_synth::{Config, Generator};
use serde_json::{Value, json};

/// The per-ticket (duration, observed) lists for first response and full resolution, and
/// the tracker's overall snapshot figures, at the cut.
fn at_the_cut() -> (Value, SurvivalSnapshot, SurvivalSnapshot) {
    let config = Config::new(20_261_203, 60_000, 20);
    let cut = config.start + TimeDelta::days(10) + TimeDelta::hours(18);
    let tickets: Vec<_> = Generator::new(config).collect();
    let mut tracker = TicketTracker::<ByTeam>::default();
    let mut replay = TicketReplay::new(TrackerConfig::default()).unwrap();
    let (mut frt, mut res) = ((Vec::new(), Vec::new()), (Vec::new(), Vec::new()));
    // The cohort of the six hours before the cut, read at the cut: many still open.
    let cohort = |h: &&csm_metrics_synth::TicketHistory| {
        h.ticket.created_at <= cut && h.ticket.created_at > cut - TimeDelta::hours(6)
    };
    for h in tickets.iter().filter(cohort) {
        let seen: Vec<&Interaction> = h.interactions.iter().filter(|i| i.at <= cut).collect();
        tracker.observe_ticket(&h.ticket).unwrap();
        for i in &seen {
            let _ = tracker.observe_interaction(i);
        }
        let f = replay.replay(&h.ticket, seen.iter().copied()).unwrap();
        let age = (cut - h.ticket.created_at).num_seconds() as f64;
        if let Some(v) = f.first_response {
            frt.0.push(v as f64);
            frt.1.push(1);
        } else if f.unanswered {
            frt.0.push(age);
            frt.1.push(0);
        }
        match (&f.solved, f.outcome) {
            (Some(s), _) => {
                res.0.push(s.full_resolution as f64);
                res.1.push(1);
            }
            (None, csm_metrics::metrics::tickets::TicketOutcome::Open) => {
                res.0.push(age);
                res.1.push(0);
            }
            _ => {}
        }
    }
    let snap = tracker.snapshot_at(cut).overall;
    let data = json!({
        "first_response": {"durations": frt.0, "observed": frt.1},
        "full_resolution": {"durations": res.0, "observed": res.1},
    });
    (
        data,
        snap.first_response_survival.unwrap(),
        snap.full_resolution_survival.unwrap(),
    )
}

#[test]
fn the_tracker_reads_a_history_as_lifelines_does() {
    let (data, frt, res) = at_the_cut();
    if let Some(path) = std::env::var_os("CSM_WRITE_SURVIVAL_DATA") {
        std::fs::write(path, serde_json::to_string(&data).unwrap()).unwrap();
        return;
    }
    let want: Value =
        serde_json::from_str(include_str!("data/survival/history_lifelines.json")).unwrap();
    for (name, got) in [("first_response", frt), ("full_resolution", res)] {
        let (d, w) = (&data[name], &want[name]);
        let observed: Vec<u64> = d["observed"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o.as_u64().unwrap())
            .collect();
        let events = observed.iter().sum::<u64>();
        // The same tickets as lifelines saw (the data were written from this history).
        assert_eq!(w["n"].as_u64().unwrap(), observed.len() as u64, "{name}");
        assert_eq!(
            (got.events, got.censored),
            (events, observed.len() as u64 - events)
        );
        // Heavy censoring: a fifth of the cohort or more still waiting.
        assert!(
            got.censored * 5 >= observed.len() as u64,
            "{name}: censoring too light"
        );
        for (what, g) in [
            ("median", got.median),
            ("median_low", got.median_low),
            ("median_high", got.median_high),
            ("p90", got.p90),
            ("p90_low", got.p90_low),
            ("p90_high", got.p90_high),
        ] {
            match (g, w[what].as_f64()) {
                (None, None) => {}
                (Some(g), Some(l)) => assert!(
                    (g - l).abs() <= 0.021 * l.max(1.0),
                    "{name} {what}: {g} against lifelines' {l}"
                ),
                (g, l) => panic!("{name} {what}: {g:?} against lifelines' {l:?}"),
            }
        }
    }
}
