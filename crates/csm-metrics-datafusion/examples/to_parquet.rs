//! Writes the CSV tables of a history as Parquet beside them, through DataFusion.
//!
//! ```sh
//! cargo run --release -p csm-metrics-datafusion --example to_parquet -- DIR
//! ```
//!
//! Each of `tickets.csv`, `events.csv`, `surveys.csv`, `calls.csv` found in DIR becomes
//! `NAME.parquet` (one file, the columns and types of [`csm_metrics_datafusion::suite::schemas`]),
//! which the `sql` example then reads instead of the CSV.

use std::path::PathBuf;
use std::process::ExitCode;

use csm_metrics_datafusion::suite;
use datafusion::dataframe::DataFrameWriteOptions;
use datafusion::prelude::{CsvReadOptions, SessionContext};

async fn convert(dir: PathBuf) -> datafusion::error::Result<()> {
    let ctx = SessionContext::new();
    for (name, schema) in suite::schemas() {
        let csv = dir.join(format!("{name}.csv"));
        if !csv.exists() {
            continue;
        }
        let out = dir.join(format!("{name}.parquet"));
        let df = ctx
            .read_csv(
                csv.to_string_lossy().as_ref(),
                CsvReadOptions::new().has_header(true).schema(&schema),
            )
            .await?;
        df.write_parquet(
            out.to_string_lossy().as_ref(),
            DataFrameWriteOptions::new().with_single_file_output(true),
            None,
        )
        .await?;
        eprintln!("wrote {}", out.display());
    }
    Ok(())
}

fn main() -> ExitCode {
    let Some(dir) = std::env::args().nth(1).map(PathBuf::from) else {
        eprintln!("usage: to_parquet DIR");
        return ExitCode::from(2);
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("to_parquet: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(convert(dir)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("to_parquet: {e}");
            ExitCode::from(1)
        }
    }
}
