//! Callers' patience: the censored exponential estimate, by hand and on a generated log.

use chrono::{TimeZone, Utc};
use csm_metrics::Calculator;
use csm_metrics::metrics::patience::Patience;
use csm_metrics::model::{AgentId, Call, CallId, QueueId};

fn call(id: u64, answered: Option<i64>, ended: i64) -> Call {
    let t = |s| Utc.timestamp_opt(1_700_000_000 + s, 0).unwrap();
    Call {
        id: CallId(id),
        queue: QueueId(1),
        offered_at: t(0),
        answered_at: answered.map(t),
        ended_at: t(ended),
        hold: 0,
        wrap: 0,
        agent: answered.map(|_| AgentId(1)),
        customer: None,
        transferred: false,
    }
}

/// Two abandons (60 s, 120 s) and an answer after 30 s: T = 210 s, d = 2, mean 105 s.
/// Interval: 2T / χ²(4) at 0.975 and 0.025 = 420 / 11.143287 and 420 / 0.4844186
/// (SciPy's `chi2.ppf`): 37.690 to 867.018 s.
#[test]
fn by_hand() {
    let mut p = Patience::default();
    for c in [
        call(1, None, 60),
        call(2, None, 120),
        call(3, Some(30), 300),
    ] {
        p.observe(&c).unwrap();
    }
    let s = p.snapshot();
    assert_eq!((s.abandons, s.answered, s.waited_seconds), (2, 1, 210));
    assert_eq!(s.mean, Some(105.0));
    assert!((s.mean_low.unwrap() - 420.0 / 11.143_286_781_877_8).abs() < 1e-6);
    assert!((s.mean_high.unwrap() - 420.0 / 0.484_418_557_087_93).abs() < 1e-6);
    // Kaplan-Meier: one abandon of three at 60 s, the answered one censored at 30 s before
    // it: S(60) = 1 − 1/2 (two still waiting at 60 s), so the median is 60 s (within α).
    let km = s.survival.median.unwrap();
    assert!((km - 60.0).abs() <= 0.01 * 60.0, "{km}");
}

#[test]
fn no_abandon_means_no_estimate() {
    let mut p = Patience::default();
    p.observe(&call(1, Some(10), 100)).unwrap();
    let s = p.snapshot();
    assert_eq!((s.mean, s.mean_low, s.mean_high), (None, None, None));
    assert_eq!(s.waited_seconds, 10);
}

#[test]
fn an_invalid_call_is_an_error_and_changes_nothing() {
    let mut p = Patience::default();
    p.observe(&call(1, None, 60)).unwrap();
    let before = p.clone();
    assert!(p.observe(&call(2, Some(50), 40)).is_err());
    assert_eq!(p, before);
}

/// The generated log's callers have an exponential patience of mean 90 s and waits of mean
/// 35 s (the answered are censored at their wait): the estimate's interval holds 90 s, and
/// the Kaplan-Meier median is near 90 · ln 2 = 62.4 s.
#[test]
fn recovers_the_generated_patience() {
    let config = csm_metrics_synth::Config::new(11, 1, 90);
    let mut p = Patience::default();
    for c in csm_metrics_synth::calls(&config, 200_000) {
        p.observe(&c).unwrap();
    }
    let s = p.snapshot();
    let (low, high) = (s.mean_low.unwrap(), s.mean_high.unwrap());
    // Whole seconds (the generator truncates both clocks) bias the mean down by under 1 s.
    assert!(
        low - 1.0 < 90.0 && 90.0 < high + 1.0,
        "{low}..{high} (mean {:?})",
        s.mean
    );
    let km = s.survival.median.unwrap();
    assert!((km - 90.0 * std::f64::consts::LN_2).abs() < 3.0, "{km}");
}
