//! Schedules solved by hand and against brute force.

use chrono::{DateTime, TimeDelta, TimeZone, Utc, Weekday};
use csm_metrics::metrics::staffing::{
    IntervalForecast, Plan, PlanRow, Prediction, Staffing, Targets,
};
use csm_metrics_schedule::{BreakRule, Method, Options, ScheduleError, ShiftTemplate, schedule};
use proptest::prelude::*;

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 3, 8, 0, 0).unwrap() // a Monday
}

/// A plan of hourly intervals from 08:00 needing exactly `need` positions each.
fn plan_of(need: &[u32], interval: u64) -> Plan {
    let rows = need
        .iter()
        .enumerate()
        .map(|(i, &n)| PlanRow {
            forecast: IntervalForecast {
                start: start() + TimeDelta::seconds(i as i64 * interval as i64),
                contacts: f64::from(n),
                aht: 60.0,
            },
            staffing: (n > 0).then_some(Staffing {
                agents: n,
                positions: n,
                prediction: Prediction {
                    agents: n,
                    traffic: 0.0,
                    waiting_probability: 0.0,
                    service_level: 1.0,
                    asa: 0.0,
                    occupancy: 0.0,
                    abandon_probability: 0.0,
                },
            }),
        })
        .collect();
    Plan {
        interval_seconds: interval,
        targets: Targets::default(),
        rows,
        agent_hours: 0.0,
        position_hours: 0.0,
    }
}

fn at(h: u32) -> (u32, u32) {
    (h, 0)
}

/// Four hours needing 1, 2, 2, 1; two-hour shifts at 08:00, 09:00 or 10:00. By hand: the
/// need is 6 position-hours and a shift gives 2, so at least 3 shifts; 08:00 + 09:00 +
/// 10:00 covers 1, 2, 2, 1 exactly: 6 paid hours, optimal.
#[test]
fn four_intervals_by_hand() {
    let plan = plan_of(&[1, 2, 2, 1], 3_600);
    let t = ShiftTemplate::new("two", 120).starting_at(&[at(8), at(9), at(10)]);
    let s = schedule(&plan, &Utc, &[t], &Options::default()).unwrap();
    assert_eq!(s.paid_hours, 6.0);
    assert_eq!(s.method, Method::Optimal);
    assert_eq!(s.gap, 0.0);
    let starts: Vec<(u32, i64)> = s
        .assignments
        .iter()
        .map(|a| (a.agents, (a.start - start()).num_hours()))
        .collect();
    assert_eq!(starts, vec![(1, 0), (1, 1), (1, 2)]);
    assert!(s.coverage.iter().all(|c| c.gap == 0.0));
}

/// Three hours needing one agent each; shifts {08, 09}, {09, 10} and {08, 10} with an unpaid
/// break at 09:00, each 2 paid hours. The relaxation takes half of each (cost 3); any
/// whole schedule needs two shifts (cost 4): gap of the bound 1/4, branch and bound proves 4.
#[test]
fn a_fractional_relaxation_and_its_gap() {
    let plan = plan_of(&[1, 1, 1], 3_600);
    let short = ShiftTemplate::new("short", 120).starting_at(&[at(8), at(9)]);
    let split = ShiftTemplate::new("split", 180)
        .starting_at(&[at(8)])
        .with_break(BreakRule {
            minutes: 60,
            earliest: 60,
            latest: 60,
            step: 60,
            paid: false,
        });
    let s = schedule(
        &plan,
        &Utc,
        &[short.clone(), split.clone()],
        &Options::default(),
    )
    .unwrap();
    assert!((s.lower_bound - 3.0).abs() < 1e-6, "{}", s.lower_bound);
    assert!((s.cost - 4.0).abs() < 1e-9);
    assert_eq!(s.method, Method::Optimal);
    assert!((s.gap - 0.25).abs() < 1e-6);
    // Without branch and bound: the rounded relaxation, trimmed, is also 4 here.
    let rounded = schedule(
        &plan,
        &Utc,
        &[short, split],
        &Options {
            time_limit: 0.0,
            ..Options::default()
        },
    )
    .unwrap();
    assert_eq!(rounded.method, Method::Rounded);
    assert!(rounded.cost >= 4.0 - 1e-9);
    assert!(rounded.coverage.iter().all(|c| c.gap >= -1e-9));
}

#[test]
fn breaks_are_placed_in_their_window_and_paid_or_not() {
    // Eight 30-minute intervals needing 1; a 4-hour shift with a 30-minute unpaid break
    // 1–2 h in cannot cover all eight alone: two agents, whose breaks differ.
    let plan = plan_of(&[1; 8], 1_800);
    let t = ShiftTemplate::new("four", 240)
        .starting_at(&[at(8)])
        .with_break(BreakRule {
            minutes: 30,
            earliest: 60,
            latest: 120,
            step: 0,
            paid: false,
        });
    let s = schedule(&plan, &Utc, &[t], &Options::default()).unwrap();
    assert_eq!(s.assignments.iter().map(|a| a.agents).sum::<u32>(), 2);
    assert!(
        (s.paid_hours - 7.0).abs() < 1e-9,
        "2 × 3.5 paid hours: {}",
        s.paid_hours
    );
    let breaks: Vec<_> = s.assignments.iter().map(|a| a.breaks[0].0).collect();
    assert_ne!(breaks[0], breaks[1]);
    for b in breaks {
        let into = (b - start()).num_minutes();
        assert!((60..=120).contains(&into));
    }
    assert!(s.coverage.iter().all(|c| c.scheduled >= 1.0));
}

#[test]
fn under_staffing_cost() {
    // 5 positions for an hour; an 8-hour shift costs 8; a short position-hour costs 1: it
    // is cheaper to be short.
    let plan = plan_of(&[5], 3_600);
    let t = ShiftTemplate::new("day", 480).starting_at(&[at(8)]);
    let opts = Options {
        under_cost: Some(1.0),
        ..Options::default()
    };
    let s = schedule(&plan, &Utc, std::slice::from_ref(&t), &opts).unwrap();
    assert!(s.assignments.is_empty());
    assert!((s.short_hours - 5.0).abs() < 1e-9 && (s.cost - 5.0).abs() < 1e-9);
    // At 10 a position-hour, staffing wins.
    let opts = Options {
        under_cost: Some(10.0),
        ..Options::default()
    };
    let s = schedule(&plan, &Utc, &[t], &opts).unwrap();
    assert_eq!(s.assignments[0].agents, 5);
}

#[test]
fn bad_input_is_an_error() {
    let plan = plan_of(&[1, 1], 3_600);
    let at9 = ShiftTemplate::new("nine", 60).starting_at(&[at(9)]);
    assert!(matches!(
        schedule(&plan, &Utc, &[at9], &Options::default()),
        Err(ScheduleError::Uncoverable { needed: 1, .. })
    ));
    let zero = ShiftTemplate::new("zero", 0);
    assert!(matches!(
        schedule(&plan, &Utc, &[zero], &Options::default()),
        Err(ScheduleError::Template { .. })
    ));
    let bad_time = ShiftTemplate::new("t", 60).starting_at(&[(25, 0)]);
    assert!(schedule(&plan, &Utc, &[bad_time], &Options::default()).is_err());
    let long_break = ShiftTemplate::new("b", 60).with_break(BreakRule {
        minutes: 90,
        earliest: 0,
        latest: 0,
        step: 0,
        paid: false,
    });
    assert!(schedule(&plan, &Utc, &[long_break], &Options::default()).is_err());
    let t = ShiftTemplate::new("ok", 60).starting_every((0, 0), (23, 30), 30);
    for opts in [
        Options {
            under_cost: Some(-1.0),
            ..Options::default()
        },
        Options {
            time_limit: f64::NAN,
            ..Options::default()
        },
        Options {
            max_variants: 3,
            ..Options::default()
        },
    ] {
        assert!(schedule(&plan, &Utc, std::slice::from_ref(&t), &opts).is_err());
    }
}

#[test]
fn shift_days_are_local_days() {
    let ny: chrono_tz::Tz = "America/New_York".parse().unwrap();
    // 08:00 UTC on Monday 3 March 2025 is 03:00 in New York; a template starting at 03:00
    // local on Mondays covers it, one on Tuesdays does not.
    let plan = plan_of(&[1], 3_600);
    let monday = ShiftTemplate::new("m", 60)
        .starting_at(&[at(3)])
        .on(&[Weekday::Mon]);
    let tuesday = ShiftTemplate::new("t", 60)
        .starting_at(&[at(3)])
        .on(&[Weekday::Tue]);
    assert!(schedule(&plan, &ny, &[monday], &Options::default()).is_ok());
    assert!(schedule(&plan, &ny, &[tuesday], &Options::default()).is_err());
}

/// The cheapest schedule by enumeration: every count 0..=2 of every variant (needs are at
/// most 2, so no optimum needs more).
fn brute_force(covers: &[Vec<usize>], costs: &[f64], need: &[u32], under: Option<f64>) -> f64 {
    let n = covers.len();
    let mut best = f64::INFINITY;
    let mut counts = vec![0u32; n];
    loop {
        let mut cov = vec![0u32; need.len()];
        for (v, c) in covers.iter().enumerate() {
            for &i in c {
                cov[i] += counts[v];
            }
        }
        let short: u32 = need
            .iter()
            .zip(&cov)
            .map(|(n, c)| n.saturating_sub(*c))
            .sum();
        let cost: f64 = counts
            .iter()
            .zip(costs)
            .map(|(&k, c)| f64::from(k) * c)
            .sum::<f64>();
        let total = match under {
            None if short > 0 => f64::INFINITY,
            None => cost,
            Some(u) => cost + u * f64::from(short),
        };
        best = best.min(total);
        let mut v = 0;
        loop {
            if v == n {
                return best;
            }
            counts[v] += 1;
            if counts[v] <= 2 {
                break;
            }
            counts[v] = 0;
            v += 1;
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// Small programs (up to 5 hourly intervals, templates of 1–3 hours starting at each
    /// hour, costs 1–3 an hour): the schedule's cost equals the brute force optimum.
    #[test]
    fn equals_brute_force(
        need in proptest::collection::vec(0u32..=2, 2..=5),
        lengths in proptest::collection::vec((1u32..=3, 1u32..=3), 1..=2),
        under in proptest::option::of(1u32..=4),
    ) {
        let plan = plan_of(&need, 3_600);
        let h = need.len() as u32;
        let templates: Vec<ShiftTemplate> = lengths
            .iter()
            .enumerate()
            .map(|(k, &(len, cost))| {
                ShiftTemplate::new(&format!("t{k}"), len * 60)
                    .starting_every((8, 0), (8 + h - 1, 0), 60)
                    .costing(f64::from(cost))
            })
            .collect();
        let mut covers = Vec::new();
        let mut costs = Vec::new();
        for &(len, cost) in &lengths {
            for s in 0..h {
                covers.push((s..(s + len).min(h)).map(|i| i as usize).collect::<Vec<_>>());
                costs.push(f64::from(len * cost));
            }
        }
        let under = under.map(f64::from);
        let want = brute_force(&covers, &costs, &need, under);
        let opts = Options { under_cost: under, ..Options::default() };
        match schedule(&plan, &Utc, &templates, &opts) {
            Ok(s) => {
                prop_assert!((s.cost - want).abs() < 1e-6, "{} vs brute force {}", s.cost, want);
                prop_assert!(s.lower_bound <= s.cost + 1e-6);
            }
            Err(e) => prop_assert!(want.is_infinite(), "{e} but brute force found {want}"),
        }
    }
}
