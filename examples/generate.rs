//! Writes a generated help-desk history as CSV, in the format `examples/replay.rs` reads.
//!
//! ```text
//! cargo run --release --example generate -- DIR [--tickets N] [--days D] [--seed S]
//! ```
//!
//! Defaults: 20,000 tickets over 50 days, seed 7. Surveys and calls scale with tickets
//! (40 % and 50 % of the ticket count). Events are written in time order, as a live help
//! desk emits them; tickets in creation order.

use std::path::PathBuf;

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let (mut dir, mut tickets, mut days, mut seed) = (None, 20_000u64, 50u32, 7u64);
    while let Some(a) = args.next() {
        let mut num = |what: &str| -> u64 {
            args.next()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{what} takes a number"))
        };
        match a.as_str() {
            "--tickets" => tickets = num("--tickets"),
            "--days" => days = num("--days") as u32,
            "--seed" => seed = num("--seed"),
            _ => dir = Some(PathBuf::from(a)),
        }
    }
    let dir = dir.expect("usage: generate DIR [--tickets N] [--days D] [--seed S]");
    csm_metrics_synth::write::history(&dir, tickets, days, seed)?;
    eprintln!("wrote {tickets} tickets to {}", dir.display());
    Ok(())
}
