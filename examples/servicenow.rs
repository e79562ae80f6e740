//! Replays a ServiceNow incident event log and prints a JSON report.
//!
//! ```text
//! cargo run --release --example servicenow -- FILE [--zone Area/City]
//! ```
//!
//! FILE is the CSV export (plain or gzip) of the public "Incident management process
//! enriched event log" (UCI Machine Learning Repository 498, CC BY 4.0: Amaral, Fantinato,
//! Peres, 2018). Its times are local wall-clock times without a zone: they are read in
//! `--zone` (an IANA name; UTC by default), a time in a DST gap taken as the first instant
//! after it and one in a fold as the earlier. The mapping of ServiceNow states onto the
//! crate's statuses, and every rule by which a row is turned away or corrected (each
//! counted in the report), are in `csm_metrics_synth::servicenow`.
//!
//! The report: `{"events", "incidents", "rejected": {"<reason>": n}, "corrected":
//! {"<reason>": n}, "reopened_share", "reassigned_share", "made_sla_share", "by_priority":
//! {"<priority>": {"incidents", "made_sla_share", "resolution_hours": D}}}`, with D the
//! duration summary of the replay report (count, mean, min, max, p50, p90, p95, p99), in
//! hours, from `opened_at` to the incident's first `resolved_at`.
use std::io::{BufRead, BufReader, Read};

use csm_metrics::Zone;
use csm_metrics_synth::servicenow::Replay;

fn main() {
    if let Err(e) = run() {
        eprintln!("servicenow: {e}");
        std::process::exit(2);
    }
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let (mut path, mut zone) = (None, chrono_tz::UTC);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--zone" => {
                let name = args.next().ok_or("--zone needs a zone name")?;
                zone = chrono_tz::Tz::from_name(&name).ok_or(format!("unknown zone {name}"))?;
            }
            _ if path.is_none() => path = Some(a),
            _ => return Err(format!("unexpected argument {a}")),
        }
    }
    let path = path.ok_or("usage: servicenow FILE [--zone Area/City]")?;
    let mut file = std::fs::File::open(&path).map_err(|e| format!("{path}: {e}"))?;
    let mut magic = [0u8; 2];
    let n = file.read(&mut magic).map_err(|e| e.to_string())?;
    let file = std::fs::File::open(&path).map_err(|e| format!("{path}: {e}"))?;
    let input: Box<dyn Read> = if n == 2 && magic == [0x1f, 0x8b] {
        Box::new(flate2::read::MultiGzDecoder::new(file))
    } else {
        Box::new(file)
    };
    let mut replay = Replay::new(zone);
    for (i, line) in BufReader::new(input).lines().enumerate() {
        let line = line.map_err(|e| format!("{path}: line {}: {e}", i + 1))?;
        if i == 0 || line.is_empty() {
            continue; // the header
        }
        replay.row(&line);
    }
    let report = replay.report();
    println!(
        "{}",
        serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?
    );
    Ok(())
}
