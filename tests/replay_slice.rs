//! Replays a slice of the sample history (tests/data/sample_slice: 400 tickets with their
//! events, surveys and 500 calls) and compares every count, rate and mean with figures
//! computed independently from the contract by tests/data/expected.py.

use std::collections::HashMap;
use std::path::Path;

use csm_metrics::metrics::calls::CallCenter;
use csm_metrics::metrics::tickets::TrackerConfig;
use csm_metrics::metrics::tickets::{ByTeam, LifecycleSnapshot, TicketTracker};
use csm_metrics::{Calculator, SurveySuite, TeamId};
use csm_metrics_synth::format::{
    Event, Names, fields, parse_calendar, parse_call, parse_event, parse_survey, parse_ticket,
};
use serde_json::Value;

fn rows(dir: &Path, name: &str) -> Vec<String> {
    std::fs::read_to_string(dir.join(name))
        .unwrap()
        .lines()
        .skip(1)
        .map(String::from)
        .collect()
}

fn close(path: &str, got: f64, want: &Value) {
    let want = want
        .as_f64()
        .unwrap_or_else(|| panic!("{path}: no expected number"));
    assert!(
        (got - want).abs() <= 1e-9 * want.abs().max(1.0),
        "{path}: got {got}, expected {want}"
    );
}

fn check(path: &str, s: &LifecycleSnapshot, want: &Value) {
    close(
        &format!("{path}.tickets"),
        s.tickets as f64,
        &want["tickets"],
    );
    close(
        &format!("{path}.answered"),
        s.answered as f64,
        &want["answered"],
    );
    close(&format!("{path}.solved"), s.solved as f64, &want["solved"]);
    close(
        &format!("{path}.frt.count"),
        s.first_response.count as f64,
        &want["first_response"]["count"],
    );
    close(
        &format!("{path}.frt.mean"),
        s.first_response.mean.unwrap(),
        &want["first_response"]["mean"],
    );
    close(
        &format!("{path}.first_resolution"),
        s.first_resolution.mean.unwrap(),
        &want["first_resolution"]["mean"],
    );
    close(
        &format!("{path}.full_resolution"),
        s.full_resolution.mean.unwrap(),
        &want["full_resolution"]["mean"],
    );
    close(
        &format!("{path}.requester_wait"),
        s.requester_wait.mean.unwrap(),
        &want["requester_wait"]["mean"],
    );
    close(
        &format!("{path}.reopen_rate"),
        s.reopen_rate.unwrap(),
        &want["reopen_rate"],
    );
    close(
        &format!("{path}.one_touch_rate"),
        s.one_touch_rate.unwrap(),
        &want["one_touch_rate"],
    );
    close(
        &format!("{path}.replies"),
        s.replies_per_resolution.unwrap(),
        &want["replies_per_resolution"],
    );
    close(
        &format!("{path}.within_24h"),
        s.resolved_within_target.unwrap(),
        &want["resolved_within_24h"],
    );
}

/// Replays the slice's tickets and events into a tracker; returns it with the team names.
fn replay(dir: &Path, config: TrackerConfig) -> (TicketTracker<ByTeam>, Names, u64) {
    let mut teams = Names::default();
    let tickets: HashMap<u64, _> = rows(dir, "tickets.csv")
        .iter()
        .map(|r| {
            let t = parse_ticket(&fields(r), &mut teams).unwrap();
            (t.id.0, t)
        })
        .collect();
    let mut tracker = TicketTracker::new(config, ByTeam).unwrap();
    let mut offered = 0;
    for row in rows(dir, "events.csv") {
        offered += 1;
        // A rejected record is counted in the tracker's ingest report.
        let _ = match parse_event(&fields(&row)).unwrap() {
            (tid, Event::Created) => tracker.observe_ticket(&tickets[&tid]),
            (_, Event::Interaction(i)) => tracker.observe_interaction(&i),
        };
    }
    (tracker, teams, offered)
}

#[test]
fn slice_matches_the_independent_figures() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sample_slice");
    let want: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();

    let (tracker, teams, offered) = replay(&dir, TrackerConfig::default());
    let report = tracker.snapshot();
    // Every record is accounted for: created tickets, accepted interactions, and the late
    // events after a close, counted by reason.
    assert_eq!(report.ingest.offered(), offered);
    check("overall", &report.overall, &want["tickets"]["overall"]);
    for (i, name) in teams.0.iter().enumerate() {
        let team = Some(TeamId(i as u64 + 1));
        check(
            name,
            &report.groups[&team],
            &want["tickets"]["by_team"][name],
        );
    }

    let mut surveys = SurveySuite::default();
    for (i, row) in rows(&dir, "surveys.csv").iter().enumerate() {
        surveys
            .observe(&parse_survey(&fields(row), i as u64 + 1).unwrap())
            .unwrap();
    }
    let s = surveys.snapshot();
    let w = &want["surveys"];
    close(
        "nps.responses",
        s.nps.responses as f64,
        &w["nps"]["responses"],
    );
    close("nps.score", s.nps.score.unwrap(), &w["nps"]["score"]);
    close("enps.score", s.enps.score.unwrap(), &w["enps"]["score"]);
    close("csat.score", s.csat.score.unwrap(), &w["csat"]["score"]);
    close("csat.mean", s.csat.mean.unwrap().mean, &w["csat"]["mean"]);
    close("ces.mean", s.ces.mean.unwrap().mean, &w["ces"]["mean"]);

    let mut calls = CallCenter::default();
    let mut queues = Names::default();
    for row in rows(&dir, "calls.csv") {
        calls
            .observe(&parse_call(&fields(&row), &mut queues).unwrap())
            .unwrap();
    }
    let c = calls.snapshot();
    let w = &want["calls"];
    close("calls.offered", c.offered as f64, &w["offered"]);
    close("calls.answered", c.answered as f64, &w["answered"]);
    close("calls.short", c.short_abandons as f64, &w["short_abandons"]);
    close("calls.asa", c.asa.mean.unwrap(), &w["asa"]);
    close("calls.aht", c.aht.mean.unwrap(), &w["aht"]);
    close(
        "calls.abandon_rate",
        c.abandonment_rate.unwrap(),
        &w["abandon_rate"],
    );
    close(
        "calls.service_level",
        c.service_level.unwrap(),
        &w["service_level_20s"],
    );
}

#[test]
fn slice_in_new_york_business_hours_matches_the_day_by_day_walk() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("tests/data/sample_slice");
    let want: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("expected_business_new_york.json")).unwrap(),
    )
    .unwrap();
    let calendar =
        parse_calendar(&std::fs::read_to_string(root.join("examples/new_york_2025.json")).unwrap())
            .unwrap();
    let config = TrackerConfig {
        calendar: Some(std::sync::Arc::new(calendar)),
        ..TrackerConfig::default()
    };
    let (tracker, teams, _) = replay(&dir, config);
    let report = tracker.snapshot();
    let mut groups = vec![(
        "overall".to_string(),
        report.overall.clone(),
        &want["tickets"]["overall"],
    )];
    for (i, name) in teams.0.iter().enumerate() {
        let snap = report.groups[&Some(TeamId(i as u64 + 1))].clone();
        groups.push((
            name.clone(),
            snap,
            &want["tickets"]["by_team"][name.as_str()],
        ));
    }
    for (name, snap, w) in groups {
        // The calendar-time figures are unchanged by the calendar.
        check(&name, &snap, w);
        let b = snap.business.expect("business figures");
        close(
            &format!("{name}.bfrt.count"),
            b.first_response.count as f64,
            &w["first_response_business"]["count"],
        );
        close(
            &format!("{name}.bfrt.mean"),
            b.first_response.mean.unwrap(),
            &w["first_response_business"]["mean"],
        );
        close(
            &format!("{name}.bfull.mean"),
            b.full_resolution.mean.unwrap(),
            &w["full_resolution_business"]["mean"],
        );
        close(
            &format!("{name}.within_8h"),
            b.responded_within_target.unwrap(),
            &w["first_response_within_8h_business"],
        );
    }
}
