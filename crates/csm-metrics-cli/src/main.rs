//! `csm-metrics`: every support metric from a help desk's history on disk (the library
//! `csm_metrics_cli` holds the subcommands).

#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    csm_metrics_cli::main()
}
