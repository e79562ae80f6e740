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
