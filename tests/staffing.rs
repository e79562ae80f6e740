//! Erlang B, C and A against hand-computed and published values, limits and bad input.

use csm_metrics::metrics::staffing::{ErlangA, ErlangC, erlang_b, erlang_c};

fn close(a: f64, b: f64, tol: f64) {
    assert!((a - b).abs() <= tol, "{a} != {b} (±{tol})");
}

#[test]
fn erlang_b_and_c_by_hand() {
    // B(2, 3): 1 → 2/3 → 0.4 → 0.8/3.8 = 0.2105263.
    close(erlang_b(2.0, 3).unwrap(), 0.8 / 3.8, 1e-12);
    // C(2, 3) = 3B / (3 − 2(1 − B)) = 4/9.
    close(erlang_c(2.0, 3).unwrap(), 4.0 / 9.0, 1e-12);
    // The classic table value E1(10 Erlangs, 10 lines) = 0.21458.
    close(erlang_b(10.0, 10).unwrap(), 0.214_58, 5e-6);
}

#[test]
fn the_published_check() {
    // 100 contacts per 30 min, AHT 180 s = 10 Erlangs; 14 agents, 20 s target.
    let m = ErlangC::new(100.0 / 1_800.0, 180.0).unwrap();
    assert!((m.traffic() - 10.0).abs() < 1e-12);
    let p = m.with_agents(14, 20.0).unwrap();
    close(p.service_level, 0.888, 5e-4);
    close(p.waiting_probability, 0.174, 5e-4);
    close(p.occupancy, 0.714, 5e-4);
    let s = m.agents_for(0.8, 20.0, 0.85, 0.3).unwrap();
    assert_eq!((s.agents, s.positions), (14, 20));
    // 13 agents would miss 80/20.
    assert!(m.with_agents(13, 20.0).unwrap().service_level < 0.8);
}

#[test]
fn stable_at_scale() {
    // 1,000 Erlangs on up to 2,000 agents: finite, in range, monotone.
    let mut last = 1.0;
    for n in [1_001, 1_050, 1_100, 1_500, 2_000] {
        let c = erlang_c(1_000.0, n).unwrap();
        assert!(c.is_finite() && (0.0..=1.0).contains(&c));
        assert!(c <= last);
        last = c;
    }
    let m = ErlangC::new(1_000.0 / 180.0, 180.0).unwrap();
    let s = m.agents_for(0.8, 20.0, 0.95, 0.3).unwrap();
    assert!(s.agents > 1_000 && s.agents < 1_100, "{}", s.agents);
    assert!(s.prediction.service_level >= 0.8);
}

#[test]
fn impossible_inputs_are_errors() {
    assert!(ErlangC::new(1.0, 0.0).is_err());
    assert!(ErlangC::new(-1.0, 10.0).is_err());
    assert!(ErlangC::new(f64::NAN, 10.0).is_err());
    let m = ErlangC::new(0.1, 100.0).unwrap();
    assert!(m.agents_for(1.0, 20.0, 0.9, 0.3).is_err());
    assert!(m.agents_for(1.2, 20.0, 0.9, 0.3).is_err());
    assert!(m.agents_for(0.8, 20.0, 0.9, 1.0).is_err());
    assert!(erlang_c(10.0, 10).is_err()); // N = A: no steady state
    assert!(ErlangA::new(0.1, 100.0, 0.0).is_err());
}

#[test]
fn erlang_a_tends_to_erlang_c_with_endless_patience() {
    let c = ErlangC::new(100.0 / 1_800.0, 180.0)
        .unwrap()
        .with_agents(12, 20.0)
        .unwrap();
    let a = ErlangA::new(100.0 / 1_800.0, 180.0, 1e9)
        .unwrap()
        .with_agents(12, 20.0)
        .unwrap();
    close(a.waiting_probability, c.waiting_probability, 1e-4);
    close(a.service_level, c.service_level, 1e-4);
    close(a.asa, c.asa, 1e-2);
    assert!(a.abandon_probability < 1e-6);
}

#[test]
fn erlang_a_with_impatient_callers() {
    let m = ErlangA::new(100.0 / 1_800.0, 180.0, 60.0).unwrap();
    // Even with fewer agents than Erlangs the queue settles: callers leave.
    let p = m.with_agents(9, 20.0).unwrap();
    assert!(p.abandon_probability > 0.05 && p.abandon_probability < 0.5);
    assert!(p.occupancy < 1.0);
    // More agents: fewer abandons, better service level.
    let q = m.with_agents(12, 20.0).unwrap();
    assert!(q.abandon_probability < p.abandon_probability);
    assert!(q.service_level > p.service_level);
    // Carried traffic = offered × (1 − P(abandon)) = agents × occupancy.
    close(
        q.occupancy * 12.0,
        10.0 * (1.0 - q.abandon_probability),
        1e-9,
    );
    let s = m.agents_for(0.8, 20.0, 0.9, 0.3).unwrap();
    assert!(s.prediction.service_level >= 0.8);
    // The fewest: one agent less misses a target.
    let fewer = m.with_agents(s.agents - 1, 20.0).unwrap();
    assert!(fewer.service_level < 0.8 || fewer.occupancy > 0.9);
}

mod plans {
    use chrono::{DateTime, TimeDelta, TimeZone, Utc};
    use csm_metrics::metrics::calls::CallCenter;
    use csm_metrics::metrics::staffing::{
        IntervalForecast, Shift, Targets, forecast_from_history, plan,
    };
    use csm_metrics::*;

    fn t(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 3, 4, h, m, 0).unwrap()
    }

    fn targets() -> Targets {
        Targets::default()
    }

    /// Chats, three at once: 100 chats in 30 minutes of 180 s each need the 14 servers
    /// (chat slots) of the published case, so ⌈14 / 3⌉ = 5 agents and, at 30 % shrinkage,
    /// ⌈5 / 0.7⌉ = 8 positions; the prediction stays the slots' (88.8 % in 20 s).
    #[test]
    fn chats_held_three_at_a_time() {
        let forecast = [IntervalForecast {
            start: t(9, 0),
            contacts: 100.0,
            aht: 180.0,
        }];
        let chats = Targets {
            concurrency: 3,
            ..targets()
        };
        let p = plan(&forecast, 1_800, chats).unwrap();
        let s = p.rows[0].staffing.unwrap();
        assert_eq!((s.agents, s.positions, s.prediction.agents), (5, 8, 14));
        assert!((s.prediction.service_level - 0.888).abs() < 5e-4);
        assert!((p.agent_hours - 2.5).abs() < 1e-12);
        let none = Targets {
            concurrency: 0,
            ..targets()
        };
        assert!(plan(&forecast, 1_800, none).is_err());
    }

    #[test]
    fn a_plan_and_its_coverage() {
        let forecast = [
            // The published case: 100 contacts in 30 min, AHT 180 s → 14 agents, 20 positions.
            IntervalForecast {
                start: t(9, 0),
                contacts: 100.0,
                aht: 180.0,
            },
            IntervalForecast {
                start: t(9, 30),
                contacts: 0.0,
                aht: 180.0,
            },
            IntervalForecast {
                start: t(10, 0),
                contacts: 100.0,
                aht: 180.0,
            },
        ];
        let p = plan(&forecast, 1_800, targets()).unwrap();
        let s = p.rows[0].staffing.unwrap();
        assert_eq!((s.agents, s.positions), (14, 20));
        assert!(p.rows[1].staffing.is_none());
        // 14 agents for two half-hours: 14 agent-hours; 20 positions: 20 position-hours.
        assert!((p.agent_hours - 14.0).abs() < 1e-12);
        assert!((p.position_hours - 20.0).abs() < 1e-12);
        // A roster: 18 agents 9:00-10:15, 10 more from 10:00.
        let roster = [
            Shift {
                start: t(9, 0),
                end: t(10, 15),
                agents: 18,
            },
            Shift {
                start: t(10, 0),
                end: t(18, 0),
                agents: 10,
            },
        ];
        let c = p.coverage(&roster);
        assert_eq!((c[0].needed, c[0].scheduled, c[0].gap), (20, 18.0, -2.0));
        assert_eq!((c[1].needed, c[1].gap), (0, 18.0));
        // 10:00-10:30: 18 agents for half of it (9) + 10.
        assert_eq!((c[2].scheduled, c[2].gap), (19.0, -1.0));
        // Impossible inputs are errors.
        assert!(plan(&forecast, 0, targets()).is_err());
        let bad = [IntervalForecast {
            start: t(9, 0),
            contacts: -1.0,
            aht: 180.0,
        }];
        assert!(plan(&bad, 1_800, targets()).is_err());
        let with_patience = Targets {
            patience: Some(120.0),
            ..targets()
        };
        let a = plan(&forecast[..1], 1_800, with_patience).unwrap();
        assert!(
            a.rows[0].staffing.unwrap().agents <= 14,
            "abandonment lightens the load"
        );
    }

    #[test]
    fn what_last_tuesday_needed() {
        // Tuesday's calls in 30-minute windows: 9:00-9:30 sixty calls of 240 s, 9:30-10:00
        // thirty calls of 120 s (and two short abandons, left out).
        let mut history = Windowed::<CallCenter>::new(Granularity::HalfHour, Utc);
        let mut id = 0;
        let mut call = |offered: DateTime<Utc>, answered: Option<i64>, talk: i64| {
            id += 1;
            Call {
                id: CallId(id),
                queue: QueueId(1),
                offered_at: offered,
                answered_at: answered.map(|w| offered + TimeDelta::seconds(w)),
                ended_at: offered + TimeDelta::seconds(answered.unwrap_or(2) + talk),
                hold: 0,
                wrap: 0,
                agent: answered.map(|_| AgentId(1)),
                customer: None,
                transferred: false,
            }
        };
        for i in 0..60 {
            history
                .observe(&call(t(9, 0) + TimeDelta::seconds(i * 29), Some(10), 240))
                .unwrap();
        }
        for i in 0..30 {
            history
                .observe(&call(t(9, 30) + TimeDelta::seconds(i * 59), Some(10), 120))
                .unwrap();
        }
        for _ in 0..2 {
            history.observe(&call(t(9, 40), None, 0)).unwrap();
        }
        let forecast = forecast_from_history(&history.snapshot(), 300.0);
        assert_eq!(forecast.len(), 2);
        assert_eq!((forecast[0].contacts, forecast[0].aht), (60.0, 240.0));
        assert_eq!((forecast[1].contacts, forecast[1].aht), (30.0, 120.0));
        let p = plan(&forecast, 1_800, targets()).unwrap();
        // 8 Erlangs then 2 Erlangs: each interval's agents meet 80/20.
        for r in &p.rows {
            let s = r.staffing.unwrap();
            assert!(s.prediction.service_level >= 0.8);
            assert!(s.prediction.occupancy <= 0.85);
        }
        assert!(p.rows[0].staffing.unwrap().agents > p.rows[1].staffing.unwrap().agents);
    }
}
