//! Replays a help-desk history in the crate's format and prints one JSON report: a thin
//! program over the `csm-metrics` command (`csm-metrics report --from csv DIR …`, package
//! `csm-metrics-cli`), kept for the command lines written before the command existed.
//!
//! ```text
//! cargo run --release --example replay -- DIR [--format json|table] [--threads N] [--stats]
//!     [--calendar FILE]
//! ```
//!
//! DIR holds `tickets.csv` and `events.csv` (and optionally `surveys.csv`, `calls.csv`,
//! `agent_states.csv`, `schedule.csv`, `accounts.csv`) in the history format
//! (`docs/HISTORY_FORMAT.md`). The report has the replay report's shape: `input` (rows
//! read, rows turned away by table and rule), `tickets` (overall and `by_team`), `surveys`,
//! `calls`, `compute_seconds`, and where DIR has their tables `agents` (occupancy, adherence
//! and conformance against the schedule) and `retention` (per month and by cohort).
//! `--calendar FILE` (a JSON spec, as `examples/new_york_2025.json`) adds business-time
//! figures; `--threads N` shards tickets over N threads (the figures are the same for every
//! N); `--stats` prints wall time and peak memory to stderr. Any other option of
//! `csm-metrics report` is passed on as it is.

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut arguments: Vec<std::ffi::OsString> = vec!["csm-metrics".into(), "report".into()];
    let given: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    // The history format in CSV unless the arguments name another input.
    if !given.iter().any(|a| a == "--from") {
        arguments.extend(["--from".into(), "csv".into()]);
    }
    arguments.extend(given);
    csm_metrics_cli::run(arguments)
}
