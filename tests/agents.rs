//! Occupancy, adherence and conformance worked by hand; tolerance; days in a zone; merges.

mod common;

use chrono::{DateTime, TimeZone, Utc};
use csm_metrics::metrics::agents::{Adherence, AgentStates};
use csm_metrics::*;
use proptest::prelude::*;

fn t(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 3, h, m, 0).unwrap()
}

fn plan(agent: u64, activity: Activity, a: DateTime<Utc>, b: DateTime<Utc>) -> ScheduledActivity {
    ScheduledActivity {
        agent: AgentId(agent),
        activity,
        start: a,
        end: b,
    }
}

fn was(agent: u64, state: AgentState, a: DateTime<Utc>, b: DateTime<Utc>) -> StateInterval {
    StateInterval {
        agent: AgentId(agent),
        state,
        start: a,
        end: b,
    }
}

fn day_schedule(agent: u64) -> Vec<ScheduledActivity> {
    vec![
        plan(agent, Activity::Work, t(9, 0), t(12, 0)),
        plan(agent, Activity::Break, t(12, 0), t(12, 30)),
        plan(agent, Activity::Work, t(12, 30), t(14, 0)),
    ]
}

#[test]
fn occupancy_by_hand() {
    // Available 60 min, on contact 45, after-call work 15, break 15, offline 30.
    let mut s = AgentStates::default();
    for (state, a, b) in [
        (AgentState::Available, t(9, 0), t(10, 0)),
        (AgentState::OnContact, t(10, 0), t(10, 45)),
        (AgentState::AfterCallWork, t(10, 45), t(11, 0)),
        (AgentState::Break, t(11, 0), t(11, 15)),
        (AgentState::Offline, t(11, 15), t(11, 45)),
    ] {
        s.observe(&was(1, state, a, b)).unwrap();
    }
    let snap = s.snapshot();
    // (45 + 15) / (45 + 15 + 60) = 0.5.
    assert_eq!(snap.occupancy, Some(0.5));
    assert_eq!(snap.logged_in, 135 * 60);
    assert_eq!(snap.seconds[&AgentState::Offline], 30 * 60);
    assert!(
        s.observe(&was(1, AgentState::Available, t(12, 0), t(11, 0)))
            .is_err()
    );
    // By agent.
    let mut by_agent = Grouped::<_, AgentStates, ByAgent>::default();
    by_agent
        .observe(&was(1, AgentState::OnContact, t(9, 0), t(9, 30)))
        .unwrap();
    by_agent
        .observe(&was(2, AgentState::Available, t(9, 0), t(9, 30)))
        .unwrap();
    let g = by_agent.snapshot();
    assert_eq!(g[&AgentId(1)].occupancy, Some(1.0));
    assert_eq!(g[&AgentId(2)].occupancy, Some(0.0));
}

#[test]
fn a_late_break_within_tolerance_adheres() {
    // Break taken 12:03-12:33 instead of 12:00-12:30.
    let actual = [
        was(1, AgentState::Available, t(9, 0), t(12, 3)),
        was(1, AgentState::Break, t(12, 3), t(12, 33)),
        was(1, AgentState::OnContact, t(12, 33), t(14, 0)),
    ];
    let mut strict = Adherence::new(day_schedule(1), 0, Utc).unwrap();
    let mut lenient = Adherence::new(day_schedule(1), 5 * 60, Utc).unwrap();
    for a in &actual {
        strict.observe(a).unwrap();
        lenient.observe(a).unwrap();
    }
    // Strict: out of adherence 12:00-12:03 and 12:30-12:33: 294 of 300 minutes.
    let s = strict.snapshot().overall;
    assert_eq!((s.scheduled, s.in_adherence), (300 * 60, 294 * 60));
    assert_eq!(s.adherence, Some(294.0 / 300.0));
    // Worked 183 + 87 = 270 min of 270 scheduled: conformance 1.
    assert_eq!(
        (s.scheduled_work, s.worked, s.conformance),
        (270 * 60, 270 * 60, Some(1.0))
    );
    // Five minutes' tolerance forgives both.
    let l = lenient.snapshot().overall;
    assert_eq!(l.in_adherence, 300 * 60);
    assert_eq!(l.adherence, Some(1.0));
}

#[test]
fn days_in_a_zone_and_teams() {
    // A night shift in New York: work 22:00-02:00 local on 3-4 March 2025 (03:00-07:00 UTC).
    let ny = chrono_tz::America::New_York;
    let utc = |d, h| Utc.with_ymd_and_hms(2025, 3, d, h, 0, 0).unwrap();
    let schedule = vec![plan(7, Activity::Work, utc(4, 3), utc(4, 7))];
    let mut a = Adherence::new(schedule, 0, ny).unwrap();
    a.observe(&was(7, AgentState::Available, utc(4, 3), utc(4, 6)))
        .unwrap();
    a.observe(&was(7, AgentState::Offline, utc(4, 6), utc(4, 7)))
        .unwrap();
    let s = a.snapshot();
    // Two local days: 22:00-24:00 on the 3rd (2 h, all in adherence), 00:00-02:00 on the
    // 4th (2 h, 1 h in adherence).
    let days: Vec<_> = s
        .by_agent_day
        .iter()
        .map(|((_, d), r)| (*d, r.scheduled, r.in_adherence))
        .collect();
    assert_eq!(
        days,
        vec![
            (utc(3, 5), 7_200, 7_200), // 3 March 00:00 EST = 05:00 UTC
            (utc(4, 5), 7_200, 3_600),
        ]
    );
    let teams = s.by_team(|agent| Some(TeamId(agent.0 % 2)));
    assert_eq!(teams[&Some(TeamId(1))].adherence, Some(0.75));
}

#[test]
fn overlaps_are_refused_and_agents_merge() {
    let mut one = Adherence::new([day_schedule(1), day_schedule(2)].concat(), 0, Utc).unwrap();
    let mut a = one.clone();
    let mut b = one.clone();
    let first = [was(1, AgentState::Available, t(9, 0), t(14, 0))];
    let second = [
        was(2, AgentState::Training, t(9, 0), t(10, 0)),
        was(2, AgentState::Available, t(10, 0), t(14, 0)),
    ];
    for r in first.iter().chain(&second) {
        one.observe(r).unwrap();
    }
    for r in &first {
        a.observe(r).unwrap();
    }
    for r in &second {
        b.observe(r).unwrap();
    }
    // An interval overlapping the agent's last one is refused and counted.
    let err = a
        .observe(&was(1, AgentState::Break, t(13, 0), t(13, 30)))
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidRecord {
                rule: Rule::OverlapsEarlier,
                ..
            }
        ),
        "{err}"
    );
    a.merge(&b).unwrap();
    let (m, o) = (a.snapshot(), one.snapshot());
    assert_eq!(m.by_agent_day, o.by_agent_day);
    assert_eq!(m.rejected, 1);
    // An agent in both shards is refused.
    assert!(a.merge(&b).is_err());
    // Agent 2: trained 9-10 during work (out), available 10-12 and 12:30-14 in, 12:00-12:30
    // available in a break (out): 210 of 300 minutes.
    assert_eq!(o.by_agent[&AgentId(2)].in_adherence, 210 * 60);
    // Schedules that overlap are refused.
    assert!(
        Adherence::new(
            vec![
                plan(1, Activity::Work, t(9, 0), t(12, 0)),
                plan(1, Activity::Break, t(11, 0), t(12, 30)),
            ],
            0,
            Utc
        )
        .is_err()
    );
}

proptest! {
    /// Occupancy sums split anywhere merge to one pass.
    #[test]
    fn agent_states_split_and_merge(lengths in proptest::collection::vec((0usize..6, 0i64..7_200), 0..50), cut in any::<prop::sample::Index>()) {
        let mut at = t(0, 0);
        let records: Vec<StateInterval> = lengths.iter().map(|(s, len)| {
            let r = was(1, AgentState::ALL[*s], at, at + chrono::TimeDelta::seconds(*len));
            at = r.end;
            r
        }).collect();
        let k = if records.is_empty() { 0 } else { cut.index(records.len() + 1) };
        let mut one = AgentStates::default();
        one.observe_all(&records).unwrap();
        let (mut x, mut y) = (AgentStates::default(), AgentStates::default());
        x.observe_all(&records[..k]).unwrap();
        y.observe_all(&records[k..]).unwrap();
        y.merge(&x).unwrap();
        prop_assert_eq!(y.snapshot(), one.snapshot());
        let mut with_default = one.clone();
        with_default.merge(&AgentStates::default()).unwrap();
        prop_assert_eq!(with_default, one);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(crate::common::cases(16)))]

    /// Agents split into shards any way merge, in any order, into one pass; an agent's
    /// intervals may come interleaved with other agents'.
    #[test]
    fn adherence_shards_merge_into_one_pass(seed in any::<u64>(), shards in 1usize..4) {
        let config = csm_metrics_synth::Config::new(seed, 100, 3);
        let (schedule, states) = csm_metrics_synth::agent_days(&config);
        let mut one = Adherence::new(schedule.clone(), 120, Utc).unwrap();
        // Interleaved in time across agents.
        let mut by_time = states.clone();
        by_time.sort_by_key(|s| (s.start, s.agent));
        for s in &by_time {
            one.observe(s).unwrap();
        }
        let mut parts = vec![Adherence::new(schedule.clone(), 120, Utc).unwrap(); shards];
        for s in &states {
            parts[(s.agent.0 as usize) % shards].observe(s).unwrap();
        }
        let mut merged = parts.pop().unwrap();
        for p in parts.iter().rev() {
            merged.merge(p).unwrap();
        }
        prop_assert_eq!(merged.snapshot(), one.snapshot());
    }
}
