//! The Kaplan-Meier estimate against lifelines 0.30 (`tests/reference/km_lifelines.py`
//! wrote `tests/data/survival/lifelines.json`: the data and lifelines' figures), and a
//! worked example by hand.

use csm_metrics::{Calculator, Observation, SurvivalSketch};

struct Case {
    name: String,
    durations: Vec<f64>,
    observed: Vec<u8>,
    at: Vec<f64>,
    survival: Vec<f64>,
    low: Vec<f64>,
    high: Vec<f64>,
    median: Option<f64>,
    median_low: Option<f64>,
    median_high: Option<f64>,
    p90: Option<f64>,
    p90_low: Option<f64>,
    p90_high: Option<f64>,
    restricted_mean: Vec<(f64, f64)>,
}

fn cases() -> Vec<Case> {
    use serde_json::Value;
    let text = include_str!("data/survival/lifelines.json");
    let root: Value = serde_json::from_str(text).unwrap();
    let floats = |v: &Value| -> Vec<f64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect()
    };
    root["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| Case {
            name: c["name"].as_str().unwrap().to_string(),
            durations: floats(&c["durations"]),
            observed: floats(&c["observed"]).iter().map(|o| *o as u8).collect(),
            at: floats(&c["at"]),
            survival: floats(&c["survival"]),
            low: floats(&c["low"]),
            high: floats(&c["high"]),
            median: c["median"].as_f64(),
            median_low: c["median_low"].as_f64(),
            median_high: c["median_high"].as_f64(),
            p90: c["p90"].as_f64(),
            p90_low: c["p90_low"].as_f64(),
            p90_high: c["p90_high"].as_f64(),
            restricted_mean: c["restricted_mean"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| (p[0].as_f64().unwrap(), p[1].as_f64().unwrap()))
                .collect(),
        })
        .collect()
}

fn sketch(c: &Case) -> SurvivalSketch {
    let mut s = SurvivalSketch::default();
    for (d, o) in c.durations.iter().zip(&c.observed) {
        let obs = if *o == 1 {
            Observation::Event(*d)
        } else {
            Observation::Censored(*d)
        };
        s.observe(&obs).unwrap();
    }
    s
}

/// A duration the crate reports for lifelines' `want`: both `None` (not reached), or
/// within `tol` relative.
fn close(name: &str, what: &str, got: Option<f64>, want: Option<f64>, tol: f64) {
    match (got, want) {
        (None, None) => {}
        (Some(g), Some(w)) => assert!(
            (g - w).abs() <= tol * w.max(1.0),
            "{name} {what}: {g} against lifelines' {w}"
        ),
        _ => panic!("{name} {what}: {got:?} against lifelines' {want:?}"),
    }
}

#[test]
fn whole_seconds_are_lifelines_figures_exactly() {
    // Whole seconds below 50 each have a bin: probabilities equal to rounding, durations
    // within the bins' α = 1 %.
    let c = cases()
        .into_iter()
        .find(|c| c.name == "whole_seconds")
        .unwrap();
    let s = sketch(&c);
    let curve = s.curve();
    for (i, t) in c.at.iter().enumerate() {
        let step = curve
            .steps
            .iter()
            .find(|s| (s.time - t).abs() <= 0.01 * t.max(1.0));
        let (sv, lo, hi) = match step {
            Some(st) => (st.survival, st.low, st.high),
            None => {
                assert_eq!(*t, 0.0, "lifelines' time {t} has no bin");
                (1.0, 1.0, 1.0)
            }
        };
        assert!(
            (sv - c.survival[i]).abs() < 1e-12,
            "S({t}) {sv} vs {}",
            c.survival[i]
        );
        assert!(
            (lo - c.low[i]).abs() < 1e-12,
            "low({t}) {lo} vs {}",
            c.low[i]
        );
        assert!(
            (hi - c.high[i]).abs() < 1e-12,
            "high({t}) {hi} vs {}",
            c.high[i]
        );
    }
    let snap = s.snapshot();
    close(&c.name, "median", snap.median, c.median, 0.01);
    close(&c.name, "median_low", snap.median_low, c.median_low, 0.01);
    close(
        &c.name,
        "median_high",
        snap.median_high,
        c.median_high,
        0.01,
    );
    close(&c.name, "p90", snap.p90, c.p90, 0.01);
    close(&c.name, "p90_low", snap.p90_low, c.p90_low, 0.01);
    close(&c.name, "p90_high", snap.p90_high, c.p90_high, 0.01);
    for (h, want) in &c.restricted_mean {
        let got = curve.restricted_mean(*h).unwrap();
        assert!(
            (got - want).abs() <= 0.01 * want,
            "RMST({h}) {got} vs {want}"
        );
    }
}

#[test]
fn binned_figures_are_within_the_bins_accuracy() {
    for c in cases() {
        let s = sketch(&c);
        let curve = s.curve();
        let snap = s.snapshot();
        assert_eq!(
            snap.events,
            c.observed.iter().filter(|o| **o == 1).count() as u64
        );
        assert_eq!(snap.censored + snap.events, c.durations.len() as u64);
        // Durations within one bin (2 α) of lifelines', probabilities within what one
        // bin's interleaved censorings can move them.
        for (what, got, want) in [
            ("median", snap.median, c.median),
            ("median_low", snap.median_low, c.median_low),
            ("median_high", snap.median_high, c.median_high),
            ("p90", snap.p90, c.p90),
            ("p90_low", snap.p90_low, c.p90_low),
            ("p90_high", snap.p90_high, c.p90_high),
        ] {
            close(&c.name, what, got, want, 0.021);
        }
        for (i, t) in c.at.iter().enumerate() {
            let got = curve.survival_at(*t * 1.0101);
            let before = curve.survival_at(*t / 1.0101);
            let (lo, hi) = (got.min(before), got.max(before));
            assert!(
                c.survival[i] >= lo - 0.005 && c.survival[i] <= hi + 0.005,
                "{} S({t}): lifelines {} outside [{lo}, {hi}]",
                c.name,
                c.survival[i]
            );
        }
        for (h, want) in &c.restricted_mean {
            // Each step moves by at most α: the area moves by at most α of the area above
            // the curve, h − RMST.
            let got = curve.restricted_mean(*h).unwrap();
            let tol = 0.0101 * (h - want) + 1e-9 * h;
            assert!(
                (got - want).abs() <= tol,
                "{} RMST({h}) {got} vs {want}",
                c.name
            );
        }
    }
}

#[test]
fn a_cohort_read_early_by_hand() {
    // Ten tickets: solved after 1, 2, 3 hours; seven still open at 4 hours of age. The
    // naive median is 2 h; the share still waiting after 3 h is (9/10)(8/9)(7/8) = 0.7,
    // so the median is not reached, nor the p90.
    let mut s = SurvivalSketch::default();
    for h in [1.0, 2.0, 3.0] {
        s.observe(&Observation::Event(h * 3600.0)).unwrap();
    }
    for _ in 0..7 {
        s.observe(&Observation::Censored(4.0 * 3600.0)).unwrap();
    }
    let snap = s.snapshot();
    assert!((snap.naive_median.unwrap() - 7200.0).abs() <= 72.0);
    assert_eq!(snap.median, None);
    assert_eq!(snap.p90, None);
    let curve = s.curve();
    assert!((curve.survival_at(3.5 * 3600.0) - 0.7).abs() < 1e-12);
    // Greenwood at 3 h: Σ d/(n(n−d)) = 1/90 + 1/72 + 1/56.
    let v: f64 = 1.0 / 90.0 + 1.0 / 72.0 + 1.0 / 56.0;
    let ln = 0.7f64.ln();
    let w = 1.959_963_984_540_054 * v.sqrt() / ln;
    let step = curve.steps[2];
    assert_eq!((step.at_risk, step.events, step.censored), (8, 1, 0));
    assert!((step.low - (ln * (-w).exp()).exp()).abs() < 1e-12);
    assert!((step.high - (ln * w.exp()).exp()).abs() < 1e-12);
    // Restricted mean to 4 h: 1 + 0.9 + 0.8 + 0.7 hours.
    let rmst = curve.restricted_mean(4.0 * 3600.0).unwrap();
    assert!((rmst - 3.4 * 3600.0).abs() <= 0.01 * 3.4 * 3600.0);
    // Once they are all solved at 5 h, the median is 5 h.
    let mut done = SurvivalSketch::default();
    for h in [1.0, 2.0, 3.0] {
        done.observe(&Observation::Event(h * 3600.0)).unwrap();
    }
    for _ in 0..7 {
        done.observe(&Observation::Event(5.0 * 3600.0)).unwrap();
    }
    let m = done.snapshot().median.unwrap();
    assert!((m - 5.0 * 3600.0).abs() <= 0.01 * 5.0 * 3600.0);
}

#[test]
fn bad_values_and_mixed_accuracies_are_errors() {
    let mut s = SurvivalSketch::default();
    assert!(s.observe(&Observation::Event(-1.0)).is_err());
    assert!(s.observe(&Observation::Censored(f64::NAN)).is_err());
    assert!(s.remove_event(10.0).is_err());
    assert_eq!(s, SurvivalSketch::default());
    let mut coarse = SurvivalSketch::new(0.05).unwrap();
    coarse.add_event(10.0).unwrap();
    s.add_event(10.0).unwrap();
    let before = s.clone();
    assert!(s.merge(&coarse).is_err());
    assert_eq!(s, before);
}

mod tracker {
    //! The tracker's censoring-aware figures equal a [`SurvivalSketch`] fed by hand from
    //! each ticket's history as it stands at the "as of" instant.

    use chrono::{DateTime, TimeDelta, Utc};
    use csm_metrics::metrics::tickets::{ByTeam, TicketTracker};
    use csm_metrics::{
        AgentId, Calculator, CustomerId, Interaction, Observation, Status, SurvivalSketch, TeamId,
        Ticket, TicketId,
    };
    use proptest::prelude::*;

    /// One ticket: created at `at`, maybe answered after `reply`, solved after `solve`
    /// (past the reply), reopened `reopen` after that.
    #[derive(Debug, Clone)]
    struct Life {
        at: i64,
        team: u64,
        reply: Option<i64>,
        solve: Option<i64>,
        reopen: Option<i64>,
    }

    fn life() -> impl Strategy<Value = Life> {
        (
            0i64..400_000,
            1u64..4,
            proptest::option::of(1i64..200_000),
            proptest::option::of(1i64..300_000),
            proptest::option::of(1i64..100_000),
        )
            .prop_map(|(at, team, reply, solve, reopen)| Life {
                at,
                team,
                reply,
                solve,
                reopen,
            })
    }

    fn t(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_750_000_000 + s, 0).unwrap() + TimeDelta::zero()
    }

    /// The events of each life up to `as_of`, ticket by ticket.
    fn feed(tr: &mut TicketTracker<ByTeam>, lives: &[(u64, Life)], as_of: i64) {
        for (id, l) in lives {
            if l.at > as_of {
                continue;
            }
            let id = TicketId(*id);
            let mut ticket = Ticket::new(id, t(l.at), CustomerId(1));
            ticket.team = Some(TeamId(l.team));
            tr.observe_ticket(&ticket).unwrap();
            let mut events = Vec::new();
            if let Some(r) = l.reply {
                events.push(Interaction::agent_reply(id, t(l.at + r), AgentId(9)));
            }
            if let Some(s) = l.solve {
                let solved = l.at + l.reply.unwrap_or(0) + s;
                events.push(Interaction::status(id, t(solved), Status::Solved));
                if let Some(o) = l.reopen {
                    events.push(Interaction::status(id, t(solved + o), Status::Open));
                }
            }
            for e in events
                .iter()
                .filter(|e| e.at.timestamp() <= t(as_of).timestamp())
            {
                tr.observe_interaction(e).unwrap();
            }
        }
    }

    /// The same figures worked out from each life directly: (first response, full
    /// resolution) sketches, overall.
    fn by_hand(lives: &[(u64, Life)], as_of: i64) -> (SurvivalSketch, SurvivalSketch) {
        let (mut frt, mut res) = (SurvivalSketch::default(), SurvivalSketch::default());
        for (_, l) in lives.iter().filter(|(_, l)| l.at <= as_of) {
            let age = (as_of - l.at) as f64;
            let solved = l.solve.map(|s| l.at + l.reply.unwrap_or(0) + s);
            let reopened = solved.and_then(|s| l.reopen.map(|o| s + o));
            // Solved at `as_of`: solved by then and not reopened by then.
            let solved_now = match (solved, reopened) {
                (Some(s), Some(o)) => s <= as_of && o > as_of,
                (Some(s), None) => s <= as_of,
                _ => false,
            };
            match l.reply {
                Some(r) if l.at + r <= as_of => frt.observe(&Observation::Event(r as f64)),
                // Solved without an answer: out of the unanswered, not waiting (until a
                // reopen makes it wait again).
                _ if solved_now => Ok(()),
                _ => frt.observe(&Observation::Censored(age)),
            }
            .unwrap();
            let obs = if solved_now {
                Observation::Event((solved.unwrap() - l.at) as f64)
            } else {
                Observation::Censored(age)
            };
            res.observe(&obs).unwrap();
        }
        (frt, res)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn the_tracker_censors_what_is_open_at_as_of(
            lives in proptest::collection::vec(life(), 1..80),
            as_of in 0i64..700_000,
            shards in 1u64..4,
        ) {
            let lives: Vec<(u64, Life)> =
                lives.into_iter().enumerate().map(|(i, l)| (i as u64 + 1, l)).collect();
            let mut one = TicketTracker::<ByTeam>::default();
            feed(&mut one, &lives, as_of);
            let snap = one.snapshot_at(t(as_of));
            let (frt, res) = by_hand(&lives, as_of);
            prop_assert_eq!(snap.overall.first_response_survival, Some(frt.snapshot()));
            prop_assert_eq!(snap.overall.full_resolution_survival, Some(res.snapshot()));
            // Shards by ticket merge to the same figures, in every group.
            let mut merged = TicketTracker::<ByTeam>::default();
            for k in 0..shards {
                let mine: Vec<_> =
                    lives.iter().filter(|(id, _)| id % shards == k).cloned().collect();
                let mut part = TicketTracker::<ByTeam>::default();
                feed(&mut part, &mine, as_of);
                merged.merge(&part).unwrap();
            }
            let m = merged.snapshot_at(t(as_of));
            prop_assert_eq!(&m.overall, &snap.overall);
            prop_assert_eq!(&m.groups, &snap.groups);
        }
    }
}

proptest::proptest! {
    /// The snapshot's quick crossings are the curve's.
    #[test]
    fn snapshot_crossings_are_the_curves(
        obs in proptest::collection::vec((0.0f64..1e6, proptest::bool::ANY), 0..400),
    ) {
        let mut s = SurvivalSketch::default();
        for (v, event) in obs {
            let o = if event { Observation::Event(v) } else { Observation::Censored(v) };
            s.observe(&o).unwrap();
        }
        let (snap, curve) = (s.snapshot(), s.curve());
        let (m, p) = (curve.at_level(0.5), curve.at_level(0.1));
        proptest::prop_assert_eq!(
            (snap.median, snap.median_low, snap.median_high),
            (m.estimate, m.low, m.high)
        );
        proptest::prop_assert_eq!((snap.p90, snap.p90_low, snap.p90_high), (p.estimate, p.low, p.high));
    }
}
