//! The optional files of a history (tests/data/sample_slice: schedule.csv,
//! agent_states.csv, accounts.csv), parsed as the replay parses them, against figures
//! worked by hand. Monday 6 January 2025, both agents scheduled 09:00-12:00 work,
//! 12:00-12:30 break, 12:30-14:00 work (600 minutes, 540 of work):
//! - agent 1: available 09:05-12:10, break 12:10-12:40, on a contact 12:40-14:00: out of
//!   adherence 09:00-09:05, 12:00-12:10, 12:30-12:40 (275 min in); worked 265 min;
//! - agent 2: training 09:00-10:00, available 10:00-14:00: out 09:00-10:00 and
//!   12:00-12:30 (210 min in); worked 240 min.
//!
//! Adherence 485/600, conformance 505/540, occupancy 80/(80 + 185 + 240).

use std::path::Path;

use csm_metrics::metrics::agents::{Adherence, AgentStates};
use csm_metrics::metrics::retention::Accounts;
use csm_metrics::*;
use csm_metrics_synth::format::{fields, parse_account, parse_agent_state, parse_scheduled};

fn rows(name: &str) -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/sample_slice")
        .join(name);
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .skip(1)
        .map(String::from)
        .collect()
}

#[test]
fn agents_by_hand() {
    let schedule: Vec<_> = rows("schedule.csv")
        .iter()
        .map(|l| parse_scheduled(&fields(l)).unwrap())
        .collect();
    let mut adherence = Adherence::new(schedule, 0, chrono::Utc).unwrap();
    let mut states = AgentStates::default();
    for line in rows("agent_states.csv") {
        let r = parse_agent_state(&fields(&line)).unwrap();
        states.observe(&r).unwrap();
        adherence.observe(&r).unwrap();
    }
    let a = adherence.snapshot();
    assert_eq!(a.by_agent[&AgentId(1)].in_adherence, 275 * 60);
    assert_eq!(a.by_agent[&AgentId(2)].in_adherence, 210 * 60);
    assert_eq!(a.overall.adherence, Some(485.0 / 600.0));
    assert_eq!(a.overall.conformance, Some(505.0 / 540.0));
    assert_eq!(states.snapshot().occupancy, Some(80.0 / 505.0));
    assert!(parse_agent_state(&["1", "asleep", "0", "1"]).is_err());
    assert!(parse_scheduled(&["1", "work", "x", "1"]).is_err());
}

#[test]
fn retention_by_hand() {
    let mut accounts = Accounts::default();
    for line in rows("accounts.csv") {
        accounts
            .observe(&parse_account(&fields(&line)).unwrap())
            .unwrap();
    }
    let day = |m, d| chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2025, m, d, 0, 0, 0).unwrap();
    let feb = accounts.period(day(2, 1), day(3, 1));
    assert_eq!(
        (feb.at_start, feb.new, feb.at_end, feb.churned),
        (3, 2, 4, 1)
    );
    assert_eq!(feb.net_revenue_retention, Some(32.0 / 60.0));
    assert_eq!((feb.saved, feb.lost), (1, 1));
    assert!(parse_account(&["1", "0", "started", "-x", ""]).is_err());
    assert!(parse_account(&["1", "0", "left", "", ""]).is_err());
}
