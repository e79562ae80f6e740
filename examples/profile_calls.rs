//! Profiling aid: call metrics over 1M generated calls, eight times.
//!
//! `cargo run --release --example profile_calls`
use csm_metrics::Calculator;
use csm_metrics::metrics::calls::CallCenter;
use csm_metrics_synth::{Config, calls};

fn main() {
    let data = calls(&Config::new(3, 1_000_000, 365), 1_000_000);
    for _ in 0..8 {
        let start = std::time::Instant::now();
        let mut m = CallCenter::default();
        for c in &data {
            let _ = m.observe(c);
        }
        let t = start.elapsed();
        eprintln!(
            "{t:?} ({:.1} M calls/s), service level {:?}",
            data.len() as f64 / t.as_secs_f64() / 1e6,
            m.snapshot().service_level
        );
    }
}
