//! Replays a ServiceNow incident event log and prints a JSON report by priority: a thin
//! program over the `csm-metrics` command (`csm-metrics report --from servicenow FILE
//! --group-by priority,team …`, package `csm-metrics-cli`).
//!
//! ```text
//! cargo run --release --example servicenow -- FILE [--zone Area/City]
//! ```
//!
//! FILE is the CSV export (plain or gzip) of a ServiceNow incident audit table, as the
//! public "Incident management process enriched event log" (UCI Machine Learning Repository
//! 498, CC BY 4.0: Amaral, Fantinato, Peres, 2018). Its times are local wall-clock times
//! without a zone: they are read in `--zone` (an IANA name; UTC by default). The mapping of
//! ServiceNow states and fields onto tickets, and every rule by which a row is turned away
//! (each counted under `input.rejected`), are in `csm_metrics_io::servicenow`. The report
//! is `csm-metrics report`'s: every ticket figure overall, `by_priority` and `by_team`
//! (reopen and reassignment figures, resolution times); any other option of the command
//! (`--sla FILE` for attainment against SLA policies, `--format table`) is passed on.

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut arguments: Vec<std::ffi::OsString> = ["csm-metrics", "report", "--from", "servicenow"]
        .map(Into::into)
        .to_vec();
    let given: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    if !given.iter().any(|a| a == "--group-by") {
        arguments.extend(["--group-by".into(), "priority,team".into()]);
    }
    arguments.extend(given);
    csm_metrics_cli::run(arguments)
}
