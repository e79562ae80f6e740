//! The `csm-metrics` command on the repository's sample slice: every figure of the
//! independently computed `expected.json` (tests/data/expected.py: standard-library
//! Python from the contract, no part of the crate), in calendar and business time; the
//! same report with any thread count and sorted; the per-ticket table; clear errors.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_csm-metrics"))
        .args(args)
        .current_dir(repo())
        .output()
        .unwrap()
}

fn report(args: &[&str]) -> Value {
    let out = run(args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Every number of `want` at the same path in `got`: quantiles within 2 % (the sketch's
/// error plus interpolation), the rest within 1e-9 relative. Returns how many.
fn compare(want: &Value, got: &Value, path: &str) -> usize {
    match want {
        Value::Object(m) => m
            .iter()
            .map(|(k, v)| compare(v, &got[k], &format!("{path}.{k}")))
            .sum(),
        Value::Number(n) => {
            let w = n.as_f64().unwrap();
            let g = got
                .as_f64()
                .unwrap_or_else(|| panic!("{path}: missing (expected {w})"));
            let quantile = ["p50", "p90", "p95", "p99"]
                .iter()
                .any(|q| path.ends_with(q));
            let tol = if quantile { 0.02 } else { 1e-9 };
            assert!(
                (g - w).abs() <= tol * w.abs().max(1e-12) + 1e-12,
                "{path}: expected {w}, got {g}"
            );
            1
        }
        _ => 0,
    }
}

fn load(path: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(repo().join(path)).unwrap()).unwrap()
}

#[test]
fn the_report_has_every_expected_figure() {
    let got = report(&["report", "--from", "csv", "tests/data/sample_slice"]);
    assert_eq!(
        compare(&load("tests/data/sample_slice/expected.json"), &got, ""),
        68
    );
    let got = report(&[
        "report",
        "tests/data/sample_slice",
        "--calendar",
        "examples/new_york_2025.json",
    ]);
    let n = compare(
        &load("tests/data/sample_slice/expected_business_new_york.json"),
        &got,
        "",
    );
    assert!(n > 10, "{n}");
}

fn without_timing(mut v: Value) -> Value {
    v["compute_seconds"] = Value::Null;
    v["input"]["ordering"] = Value::Null;
    v
}

#[test]
fn threads_and_sorting_change_nothing() {
    let one = without_timing(report(&["report", "tests/data/sample_slice"]));
    for args in [
        &["report", "tests/data/sample_slice", "--threads", "3"][..],
        &[
            "report",
            "tests/data/sample_slice",
            "--threads",
            "2",
            "--sort",
        ][..],
    ] {
        assert_eq!(without_timing(report(args)), one, "{args:?}");
    }
}

#[test]
fn several_groupings_and_formats() {
    let v = report(&[
        "report",
        "tests/data/sample_slice",
        "--group-by",
        "team,channel,priority",
    ]);
    let t = &v["tickets"];
    let sum = |section: &str| -> u64 {
        t[section]
            .as_object()
            .unwrap()
            .values()
            .map(|g| g["tickets"].as_u64().unwrap())
            .sum()
    };
    // Each dimension partitions the tickets.
    for section in ["by_team", "by_channel", "by_priority"] {
        assert_eq!(
            sum(section),
            t["overall"]["tickets"].as_u64().unwrap(),
            "{section}"
        );
    }
    let table = run(&["report", "tests/data/sample_slice", "--format", "table"]);
    assert!(String::from_utf8_lossy(&table.stdout).contains("overall.first_response.p90"));
    let csv = run(&["report", "tests/data/sample_slice", "--format", "csv"]);
    let csv = String::from_utf8(csv.stdout).unwrap();
    assert!(csv.starts_with("key,value\n"));
    assert!(
        csv.lines()
            .any(|l| l.starts_with("tickets.overall.solved,"))
    );
}

#[test]
fn one_row_per_ticket() {
    let out = run(&["tickets", "tests/data/sample_slice", "--threads", "2"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    assert!(header.starts_with("ticket_id,created_at,status,first_reply_seconds,"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 400);
    // The rows add up to the report's figures.
    let v = report(&["report", "tests/data/sample_slice"]);
    let overall = &v["tickets"]["overall"];
    let answered = rows.iter().filter(|r| !r[3].is_empty()).count() as u64;
    assert_eq!(answered, overall["answered"].as_u64().unwrap());
    let full: Vec<f64> = rows
        .iter()
        .filter(|r| !r[6].is_empty())
        .map(|r| r[6].parse().unwrap())
        .collect();
    assert_eq!(full.len() as u64, overall["solved"].as_u64().unwrap());
    let mean = full.iter().sum::<f64>() / full.len() as f64;
    let want = overall["full_resolution"]["mean"].as_f64().unwrap();
    assert!((mean - want).abs() < 1e-6 * want, "{mean} vs {want}");
    let frt: f64 = rows
        .iter()
        .filter(|r| !r[3].is_empty())
        .map(|r| r[3].parse::<f64>().unwrap())
        .sum();
    let want = overall["first_response"]["mean"].as_f64().unwrap() * answered as f64;
    assert!((frt - want).abs() < 1e-6 * want);
}

#[test]
fn clear_errors_without_panics() {
    for (args, says) in [
        (
            &["report", "/nonexistent/history"][..],
            "tickets.csv: no such file",
        ),
        (
            &[
                "report",
                "tests/data/sample_slice",
                "--calendar",
                "/nonexistent.json",
            ][..],
            "/nonexistent.json",
        ),
        (
            &[
                "report",
                "tests/data/sample_slice",
                "--calendar",
                "tests/data/sample_slice/tickets.csv",
            ][..],
            "calendar",
        ),
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(says) && !err.contains("panicked"),
            "{args:?}: {err}"
        );
    }
    // Usage errors are clap's: exit code 2.
    for args in [
        &["report"][..],
        &["report", "x", "--threads", "0"][..],
        &["report", "x", "--as-of", "soon"][..],
    ] {
        assert_eq!(run(args).status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn convert_then_report_from_parquet() {
    let out = std::env::temp_dir().join(format!("csm-metrics-cli-test-{}", std::process::id()));
    let done = run(&[
        "convert",
        "tests/data/sample_slice",
        "--to",
        out.to_str().unwrap(),
    ]);
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let csv = without_timing(report(&["report", "tests/data/sample_slice"]));
    let pq = without_timing(report(&[
        "report",
        "--from",
        "parquet",
        out.to_str().unwrap(),
        "--threads",
        "2",
    ]));
    assert_eq!(pq, csv);
    let rows = run(&["tickets", "--from", "parquet", out.to_str().unwrap()]);
    assert_eq!(
        rows.stdout,
        run(&["tickets", "tests/data/sample_slice"]).stdout
    );
    std::fs::remove_dir_all(&out).unwrap();
    // A CSV directory read as Parquet: a clear error.
    let wrong = run(&["report", "--from", "parquet", "tests/data/sample_slice"]);
    assert_eq!(wrong.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("tickets.parquet: no such file"));
}

/// Per ticket, the figures the fivetran/dbt_zendesk package computes from the same export:
/// `zendesk_fivetran_dbt/dbt_ticket_metrics.csv` is the package's `zendesk__ticket_metrics`
/// (dbt_zendesk 0baeb69 on PostgreSQL 15; how to rerun it is in that directory's README),
/// every calendar and business minute column against ours in seconds. The differences the
/// reader documents show on ticket 3 (deleted: out of every figure here, where the package
/// still counts its 5 minutes new) and in the touches (the package counts ticket 2's
/// admin description as a touch).
#[test]
fn per_ticket_figures_equal_dbt_zendesks() {
    let dir = "crates/csm-metrics-io/tests/data/zendesk_fivetran_dbt";
    let out = run(&["tickets", "--from", "fivetran-zendesk", dir]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table = |text: &str| -> Vec<std::collections::HashMap<String, String>> {
        let mut lines = text.lines();
        let head: Vec<String> = lines.next().unwrap().split(',').map(String::from).collect();
        lines
            .map(|l| {
                head.iter()
                    .cloned()
                    .zip(l.split(',').map(String::from))
                    .collect()
            })
            .collect()
    };
    let ours = table(&String::from_utf8(out.stdout).unwrap());
    let dbt =
        table(&std::fs::read_to_string(repo().join(dir).join("dbt_ticket_metrics.csv")).unwrap());
    assert_eq!(ours.len(), 4);
    assert_eq!(dbt.len(), 4);
    // Our column (seconds), dbt_zendesk's (minutes).
    let pairs = [
        ("first_reply_seconds", "first_reply_time_calendar_minutes"),
        (
            "first_reply_business_seconds",
            "first_reply_time_business_minutes",
        ),
        (
            "first_resolution_seconds",
            "first_resolution_calendar_minutes",
        ),
        (
            "first_resolution_business_seconds",
            "first_resolution_business_minutes",
        ),
        (
            "full_resolution_seconds",
            "final_resolution_calendar_minutes",
        ),
        (
            "full_resolution_business_seconds",
            "full_resolution_business_minutes",
        ),
        (
            "requester_wait_seconds",
            "requester_wait_time_in_calendar_minutes",
        ),
        (
            "requester_wait_business_seconds",
            "requester_wait_time_in_business_minutes",
        ),
        ("agent_work_seconds", "agent_work_time_in_calendar_minutes"),
        (
            "agent_work_business_seconds",
            "agent_work_time_in_business_minutes",
        ),
        ("agent_wait_seconds", "agent_wait_time_in_calendar_minutes"),
        (
            "agent_wait_business_seconds",
            "agent_wait_time_in_business_minutes",
        ),
        ("on_hold_seconds", "on_hold_time_in_calendar_minutes"),
        (
            "on_hold_business_seconds",
            "on_hold_time_in_business_minutes",
        ),
    ];
    let minutes = |v: &str| v.parse::<f64>().unwrap();
    let mut compared = 0;
    for (o, d) in ours.iter().zip(&dbt) {
        assert_eq!(o["ticket_id"], d["ticket_id"]);
        if d["status"] == "deleted" {
            // Spam here: no figure, no solve.
            assert_eq!(o["status"], "spam");
            assert!(pairs.iter().all(|(ours, _)| o[*ours].is_empty()));
            continue;
        }
        assert_eq!(o["status"], d["status"]);
        for (ours, theirs) in pairs {
            let got = o[ours].parse::<f64>().unwrap() / 60.0;
            assert_eq!(got, minutes(&d[theirs]), "ticket {} {ours}", o["ticket_id"]);
            compared += 1;
        }
        assert_eq!(
            o["reopens"], d["count_reopens"],
            "ticket {}",
            o["ticket_id"]
        );
        assert_eq!(
            o["agent_replies"], d["total_agent_replies"],
            "ticket {}",
            o["ticket_id"]
        );
        compared += 2;
    }
    assert_eq!(compared, 3 * 16);
    // Business time is not calendar time here: the tickets cross the schedule's ends.
    assert_ne!(
        ours[0]["full_resolution_business_seconds"],
        ours[0]["full_resolution_seconds"]
    );
    assert_eq!(ours[3]["on_hold_business_seconds"], "8100");
}

/// The SLA policies a Fivetran export carries (`sla_policy_metric_history`,
/// `ticket_sla_policy`), against dbt_zendesk's `zendesk__sla_policies` for the same export
/// (`dbt_sla_policies.csv`): policy 5001, business hours, first reply 20 min (normal) and
/// 60 min (high). First replies agree: tickets 1 (30 business minutes) and 4 (45) breach,
/// ticket 2 (high, Zendesk's rule: 0 business minutes) is on time. Next replies differ by
/// the documented rule: the package times one instance per ticket, from the policy's
/// application to the first reply (tickets 1, 2, 4 on time); the crate one per customer
/// message after a reply: ticket 1's 20:00 → 20:20 PST (no business time) and ticket 2's
/// on time, ticket 4's Thursday 15:00 → 21:00 PST (300 business minutes) breached.
#[test]
fn a_fivetran_exports_sla_policies_agree_with_dbt_zendesk_on_first_replies() {
    let dir = "crates/csm-metrics-io/tests/data/zendesk_fivetran_dbt";
    let out = run(&[
        "report",
        "--from",
        "fivetran-zendesk",
        dir,
        "--format",
        "json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("the export's 2 SLA policies"));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let t = &r["sla"]["targets"];
    let counts = |key: &str| {
        let x = &t[key];
        assert_eq!(x["basis"], "business", "{key}");
        (
            x["achieved"].as_u64().unwrap(),
            x["breached"].as_u64().unwrap(),
        )
    };
    // dbt_zendesk's verdicts, by priority.
    let dbt = std::fs::read_to_string(repo().join(dir).join("dbt_sla_policies.csv")).unwrap();
    let verdicts = |metric: &str, priority: &str| {
        let rows: Vec<Vec<&str>> = dbt
            .lines()
            .skip(1)
            .map(|l| l.split(',').collect())
            .collect();
        let mine = rows.iter().filter(|r| r[2] == metric && r[6] == priority);
        let breached = mine.clone().filter(|r| r[10] == "t").count() as u64;
        (mine.count() as u64 - breached, breached)
    };
    assert_eq!(counts("Zendesk SLA 5001, normal: first_reply"), (0, 2));
    assert_eq!(
        counts("Zendesk SLA 5001, normal: first_reply"),
        verdicts("first_reply_time", "normal")
    );
    assert_eq!(counts("Zendesk SLA 5001, high: first_reply"), (1, 0));
    assert_eq!(
        counts("Zendesk SLA 5001, high: first_reply"),
        verdicts("first_reply_time", "high")
    );
    assert_eq!(
        t["Zendesk SLA 5001, normal: first_reply"]["target_seconds"],
        1_200
    );
    assert_eq!(counts("Zendesk SLA 5001, high: next_reply"), (1, 0));
    assert_eq!(verdicts("next_reply_time", "high"), (1, 0));
    assert_eq!(counts("Zendesk SLA 5001, normal: next_reply"), (1, 1));
    assert_eq!(verdicts("next_reply_time", "normal"), (2, 0));
    // `--sla` replaces the export's policies.
    let spec = r#"{"policies": [{"name": "All", "targets": {"first_reply": "1h"}}]}"#;
    let spec_file =
        std::env::temp_dir().join(format!("csm-sla-export-{}.json", std::process::id()));
    std::fs::write(&spec_file, spec).unwrap();
    let r = report(&[
        "report",
        "--from",
        "fivetran-zendesk",
        dir,
        "--sla",
        spec_file.to_str().unwrap(),
    ]);
    assert_eq!(r["sla"]["targets"]["All: first_reply"]["achieved"], 2);
    std::fs::remove_file(&spec_file).unwrap();
}

/// Business hours from the Zendesk API's schedules: the hand-made API export (the
/// Fivetran hand export's tickets, Monday 2025-03-03 from 09:00 UTC) with two schedules.
/// The first listed, Mondays 09:00–10:00 in London (UTC until 30 March), is the default:
/// ticket 1's first reply at 09:30 is 1,800 business seconds, its resolution at 10:20 is
/// 3,600, its new half hour 1,800 of requester wait and agent work, its pending half hour
/// 1,800 of agent wait; ticket 2, from 10:00, has none. The second, all Monday but a
/// holiday that Monday, leaves nothing. A bad interval is counted.
#[test]
fn zendesk_api_schedules_give_business_time() {
    let dir = std::env::temp_dir().join(format!("csm-api-schedules-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let hand = repo().join("crates/csm-metrics-io/tests/data/zendesk_api_hand");
    for e in std::fs::read_dir(&hand).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dir.join(e.file_name())).unwrap();
    }
    std::fs::write(
        dir.join("schedules.json"),
        r#"{"schedules": [
            {"id": 1, "name": "Short", "time_zone": "London",
             "intervals": [{"start_time": 1980, "end_time": 2040}, {"start_time": 3000, "end_time": 2000}]},
            {"id": 2, "name": "Holiday", "time_zone": "Europe/London",
             "intervals": [{"start_time": 1440, "end_time": 2880}],
             "holidays": [{"name": "A Monday off", "start_date": "2025-03-03", "end_date": "2025-03-03"}]}
        ], "next_page": null}"#,
    )
    .unwrap();
    let path = dir.to_str().unwrap();
    let out = run(&["tickets", "--from", "zendesk", path]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("schedule 1 (Short, Europe/London)"), "{err}");
    let rows = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<&str> = rows.lines().collect();
    assert_eq!(
        rows[1],
        "1,1740992400,solved,1800,1800,4800,4800,3600,3000,3000,1800,0,0,2,3600,1800,1800,1800,0"
    );
    assert_eq!(
        rows[2],
        "2,1740996000,closed,4500,0,4500,9000,0,6300,6300,0,0,1,2,0,0,0,0,0"
    );
    assert!(err.contains("schedules: bad id or instant: 1"), "{err}");
    let out = run(&[
        "tickets",
        "--from",
        "zendesk",
        path,
        "--schedule",
        "Holiday",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        rows.lines().nth(1).unwrap(),
        "1,1740992400,solved,1800,0,4800,4800,0,3000,3000,1800,0,0,2,0,0,0,0,0"
    );
    let out = run(&["tickets", "--from", "zendesk", path, "--schedule", "Nope"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 (Short), 2 (Holiday)"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_fivetran_zendesk_export_reports_by_group_name() {
    // The hand-made export of csm-metrics-io's tests, figures worked out there: with
    // Zendesk's first-reply rule (the command's default for Zendesk), ticket 2's first
    // reply is the second agent comment.
    let dir = "crates/csm-metrics-io/tests/data/zendesk_fivetran_hand";
    let r = report(&[
        "report",
        "--from",
        "fivetran-zendesk",
        dir,
        "--threads",
        "2",
    ]);
    assert_eq!(r["input"]["tickets"], 3);
    assert_eq!(r["input"]["events"], 32);
    assert_eq!(
        r["input"]["rejected"]["ticket_comment: message without a known author"],
        1
    );
    let t = &r["tickets"];
    assert_eq!(t["overall"]["tickets"], 2);
    assert_eq!(t["overall"]["first_response"]["mean"], 3_150.0);
    assert_eq!(
        t["by_team"]["Billing, EU"]["full_resolution"]["mean"],
        4_800.0
    );
    assert_eq!(t["by_team"]["Tier 2"]["full_resolution"]["mean"], 9_000.0);
    let out = run(&["tickets", "--from", "fivetran-zendesk", dir]);
    assert!(out.status.success());
    let rows = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<&str> = rows.lines().collect();
    assert_eq!(
        rows[1],
        "1,1740992400,solved,1800,,4800,4800,,3000,3000,1800,0,0,2,,,,,"
    );
    assert_eq!(
        rows[2],
        "2,1740996000,closed,4500,,4500,9000,,6300,6300,0,0,1,2,,,,,"
    );
    assert_eq!(rows[3], "3,1740999600,spam,,,,,,,,,,0,0,,,,,");
    // The same export in the API's shapes: the same rows per ticket.
    let api = "crates/csm-metrics-io/tests/data/zendesk_api_hand";
    let out = run(&["tickets", "--from", "zendesk", api, "--threads", "2"]);
    assert!(out.status.success());
    let api_rows = String::from_utf8(out.stdout).unwrap();
    assert_eq!(api_rows.lines().collect::<Vec<_>>(), rows);
    // A directory without the Zendesk tables: an error naming the table, exit code 1.
    let out = run(&["report", "--from", "fivetran-zendesk", "tests/data"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no ticket table"));
}

#[test]
fn a_freshdesk_export_reports() {
    // The hand-made export of csm-metrics-io's tests (figures worked out in its
    // tests/freshdesk.rs).
    let dir = "crates/csm-metrics-io/tests/data/freshdesk_hand";
    let r = report(&["report", "--from", "freshdesk", dir]);
    assert_eq!(r["input"]["tickets"], 3);
    assert_eq!(r["tickets"]["overall"]["first_response"]["mean"], 1_800.0);
    assert_eq!(
        r["tickets"]["by_team"]["Tier 2"]["full_resolution"]["mean"],
        9_000.0
    );
}

#[test]
fn a_servicenow_export_reports_by_priority() {
    // The slice of the UCI log; figures worked out in csm-metrics-io's tests/servicenow.rs.
    let file = "crates/csm-metrics-io/tests/data/servicenow/incidents_slice.csv";
    let r = report(&[
        "report",
        "--from",
        "servicenow",
        file,
        "--group-by",
        "priority",
        "--zone",
        "UTC",
    ]);
    assert_eq!(r["input"]["tickets"], 367);
    assert_eq!(r["tickets"]["overall"]["solved"], 56);
    assert_eq!(r["input"]["rejected"]["incidents: unknown status"], 2);
    let out = run(&[
        "report",
        "--from",
        "servicenow",
        file,
        "--zone",
        "Mars/Olympus",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no time zone named"));
}

#[test]
fn an_xes_log_reports_through_its_mapping() {
    // The hand-made log; figures worked out in csm-metrics-io's tests/xes.rs.
    let log = "crates/csm-metrics-io/tests/data/xes_hand/log.xes";
    let mapping = "crates/csm-metrics-io/tests/data/xes_hand/mapping.toml";
    let r = report(&[
        "report",
        "--from",
        "xes",
        log,
        "--mapping",
        mapping,
        "--group-by",
        "team,assignee",
    ]);
    assert_eq!(r["input"]["tickets"], 5, "traces");
    assert_eq!(r["input"]["events"], 19);
    assert_eq!(r["tickets"]["overall"]["tickets"], 3);
    assert_eq!(r["tickets"]["overall"]["solved"], 2);
    assert_eq!(r["input"]["rejected"]["events: repeated event"], 1);
    assert!(
        r["tickets"]["by_team"]["R&D"].is_object(),
        "{}",
        r["tickets"]["by_team"]
    );

    let out = run(&["tickets", "--from", "xes", log, "--mapping", mapping]);
    assert!(out.status.success());
    let rows = String::from_utf8(out.stdout).unwrap();
    let ids: Vec<&str> = rows
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(ids, ["A-1", "B-2", "C-3"]);
    assert!(rows.contains("B-2,1704182400,solved,3600,"), "{rows}");

    let out = run(&["report", "--from", "xes", log]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs --mapping"));
    let out = run(&["report", "--from", "xes", log, "--mapping", log]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("mapping"));
}

#[test]
fn api_exports_report_their_satisfaction_ratings() {
    let dir = "crates/csm-metrics-io/tests/data/zendesk_api_hand";
    let r = report(&["report", "--from", "zendesk", dir]);
    assert_eq!(r["input"]["surveys"], 6);
    assert_eq!(r["surveys"]["csat"]["responses"], 3);
    let dir = "crates/csm-metrics-io/tests/data/freshdesk_hand";
    let r = report(&["report", "--from", "freshdesk", dir]);
    assert_eq!(r["surveys"]["csat"]["responses"], 3);
}

#[test]
fn api_exports_chart_their_ratings_per_week() {
    // All three ratings of each hand-made export fall in the ISO week of 2025-03-03:
    // Zendesk 2 good of 3 (501 as changed to good, 502, 505 bad); Freshdesk 1 satisfied of
    // 3 on its 7-point scale (9001 happy as last given; 9002 neutral; 9003 unhappy).
    for (from, dir, csat) in [
        (
            "zendesk",
            "crates/csm-metrics-io/tests/data/zendesk_api_hand",
            "66.67",
        ),
        (
            "freshdesk",
            "crates/csm-metrics-io/tests/data/freshdesk_hand",
            "33.33",
        ),
    ] {
        let out = run(&["report", "--from", from, dir, "--format", "html"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let html = String::from_utf8(out.stdout).unwrap();
        let at = html.find("id=\"surveys\"").expect(from);
        let row = "<tr><td>2025-03-03</td><td>";
        let week = &html[at + html[at..].find(row).expect(from) + row.len()..];
        assert!(
            week.starts_with(&format!("{csat}</td>")),
            "{from}: {}",
            &week[..40]
        );
    }
}

// Erlang C by hand (a few lines of Python from the textbook formula): 100 contacts in 30
// minutes at 180 s is 10 Erlangs; 13 agents answer 79.56 % in 20 s, 14 agents 88.835 %
// (P(wait) 0.174132, occupancy 10/14); 14 agents at 30 % shrinkage are 20 positions.
#[test]
fn staffing_answers_one_interval_and_a_forecast() {
    let args = [
        "staffing",
        "--contacts",
        "100",
        "--aht-seconds",
        "180",
        "--target-level",
        "0.8",
        "--target-seconds",
        "20",
        "--max-occupancy",
        "0.85",
        "--shrinkage",
        "0.3",
        "--format",
        "json",
    ];
    let r = report(&args);
    assert_eq!(r["agents"], 14);
    assert_eq!(r["positions"], 20);
    let sl = r["service_level"].as_f64().unwrap();
    assert!((sl - 0.888_350_019_179_466_9).abs() < 1e-9, "{sl}");
    let pw = r["waiting_probability"].as_f64().unwrap();
    assert!((pw - 0.174_131_933_595_049_83).abs() < 1e-9, "{pw}");

    let dir = std::env::temp_dir().join(format!("csm-staffing-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("forecast.csv");
    std::fs::write(
        &file,
        "start,contacts,aht_seconds\n2025-03-10T09:00:00Z,100,180\n1741599000,0,180\n",
    )
    .unwrap();
    let f = file.to_str().unwrap();
    let mut plan_args = vec!["staffing", "--forecast", f];
    plan_args.extend_from_slice(&args[7..]);
    let r = report(&plan_args);
    assert_eq!(r["intervals"][0]["agents"], 14);
    assert_eq!(r["intervals"][1]["agents"], 0);
    assert_eq!(r["agent_hours"], 7.0);
    assert_eq!(r["position_hours"], 10.0);

    std::fs::write(&file, "start,contacts\n2025-03-10T09:00:00Z,100\n").unwrap();
    let out = run(&["staffing", "--forecast", f]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no column \"aht_seconds\""));
    std::fs::write(&file, "start,contacts,aht_seconds\nmonday,100,180\n").unwrap();
    let out = run(&["staffing", "--forecast", f]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 2: start"));
    let out = run(&["staffing", "--contacts", "100"]);
    assert_eq!(out.status.code(), Some(2), "clap's usage error");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn windows_are_creation_cohorts_that_partition_the_tickets() {
    for (length, monday) in [("day", false), ("week", true)] {
        let r = report(&[
            "report",
            "tests/data/sample_slice",
            "--window",
            length,
            "--zone",
            "America/New_York",
            "--group-by",
            "channel",
        ]);
        let overall = r["tickets"]["overall"]["tickets"].as_u64().unwrap();
        let windows = r["tickets"]["by_window"].as_object().unwrap();
        assert!(!monday || windows.len() == 1 || windows.len() == 2);
        assert!(monday || windows.len() > 1, "{windows:?}");
        let sum: u64 = windows
            .values()
            .map(|w| w["tickets"].as_u64().unwrap())
            .sum();
        assert_eq!(sum, overall);
        // Keys are the windows' local first days (a week's Monday).
        for key in windows.keys() {
            let day = chrono::NaiveDate::parse_from_str(key, "%Y-%m-%d").unwrap();
            if monday {
                assert_eq!(
                    chrono::Datelike::weekday(&day),
                    chrono::Weekday::Mon,
                    "{key}"
                );
            }
        }
        assert!(r["tickets"]["by_channel"].is_object());
    }
}

#[test]
fn a_fivetran_export_counts_business_time_in_its_own_schedule() {
    let dir = "crates/csm-metrics-io/tests/data/zendesk_fivetran_seeds";
    let out = run(&["report", "--from", "fivetran-zendesk", dir]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("schedule 360000310393 (SupportCA, America/Los_Angeles)"),
        "{stderr}"
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let o = &r["tickets"]["overall"];
    assert_eq!(o["full_resolution_business"]["count"], 1, "{o}");
    // 60 open hours of the week's 168: business time is well under calendar time.
    let (business, calendar) = (
        o["full_resolution_business"]["max"].as_f64().unwrap(),
        o["full_resolution"]["max"].as_f64().unwrap(),
    );
    assert!(
        business < calendar * 60.0 / 168.0 + 86_400.0,
        "{business} {calendar}"
    );
    let out = run(&[
        "report",
        "--from",
        "fivetran-zendesk",
        dir,
        "--schedule",
        "Nope",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no schedule \"Nope\""));
    let out = run(&[
        "report",
        "tests/data/sample_slice",
        "--schedule",
        "SupportCA",
    ]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn sla_policies_report_attainment_that_agrees_with_the_per_ticket_table() {
    let dir = std::env::temp_dir().join(format!("csm-sla-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let spec = dir.join("sla.json");
    std::fs::write(
        &spec,
        r#"{"policies": [{"name": "All", "targets": {"first_reply": "1h", "total_resolution": "1d"}}]}"#,
    )
    .unwrap();
    let r = report(&[
        "report",
        "tests/data/sample_slice",
        "--sla",
        spec.to_str().unwrap(),
    ]);
    let t = &r["sla"]["targets"]["All: first_reply"];
    assert_eq!(t["target_seconds"], 3600);
    assert_eq!(t["basis"], "calendar");
    // The per-ticket table: first replies within the hour are the target's achieved
    // instances, later ones breaches.
    let out = run(&["tickets", "tests/data/sample_slice"]);
    let rows = String::from_utf8(out.stdout).unwrap();
    let first_replies: Vec<u64> = rows
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').nth(3).and_then(|v| v.parse().ok()))
        .collect();
    let within = first_replies.iter().filter(|s| **s <= 3600).count() as u64;
    let late = first_replies.len() as u64 - within;
    // Plus tickets 87 and 353, closed unanswered 475 s and 2,980 s after creation: a close
    // ends every live instance, on time here (the contract's SLA rule).
    assert_eq!(t["achieved"].as_u64().unwrap(), within + 2);
    assert!(t["breached"].as_u64().unwrap() >= late);
    let full: Vec<u64> = rows
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').nth(6).and_then(|v| v.parse().ok()))
        .collect();
    let within_day = full.iter().filter(|s| **s <= 86_400).count() as u64;
    let resolution = &r["sla"]["targets"]["All: total_resolution"];
    assert_eq!(
        resolution["achieved"].as_u64().unwrap(),
        within_day + 2,
        "87 and 353 again"
    );
    assert!(r["sla"]["about_to_breach"].is_array());

    std::fs::write(
        &spec,
        r#"{"policies": [{"name": "B", "basis": "business", "targets": {"first_reply": "1h"}}]}"#,
    )
    .unwrap();
    let out = run(&[
        "report",
        "tests/data/sample_slice",
        "--sla",
        spec.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "business targets need a calendar"
    );
    let r = report(&[
        "report",
        "tests/data/sample_slice",
        "--sla",
        spec.to_str().unwrap(),
        "--calendar",
        "examples/new_york_2025.json",
    ]);
    assert_eq!(r["sla"]["targets"]["B: first_reply"]["basis"], "business");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn any_source_converts_to_parquet_with_the_same_figures() {
    let dir = std::env::temp_dir().join(format!("csm-convert-{}", std::process::id()));
    // ServiceNow: statuses, group, assignee and priority changes, through version 2 of the
    // format and Parquet, give the export's own report.
    let file = "crates/csm-metrics-io/tests/data/servicenow/incidents_slice.csv";
    let out = run(&[
        "convert",
        "--from",
        "servicenow",
        file,
        "--to",
        dir.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let direct = report(&[
        "report",
        "--from",
        "servicenow",
        file,
        "--group-by",
        "team,priority",
    ]);
    let converted = report(&[
        "report",
        "--from",
        "parquet",
        dir.to_str().unwrap(),
        "--group-by",
        "team,priority",
    ]);
    assert_eq!(
        direct["tickets"]["overall"],
        converted["tickets"]["overall"]
    );
    assert_eq!(
        direct["tickets"]["by_team"],
        converted["tickets"]["by_team"]
    );
    // Groups every ticket left (12, 15, 50 …: incidents reassigned away) are not listed.
    for (name, g) in direct["tickets"]["by_team"].as_object().unwrap() {
        let n = g["tickets"].as_u64().unwrap() + g["solved"].as_u64().unwrap();
        assert!(n > 0, "{name} is empty");
    }
    assert_eq!(
        direct["tickets"]["by_priority"],
        converted["tickets"]["by_priority"]
    );
    // Fivetran Zendesk: groups keep their names.
    let export = "crates/csm-metrics-io/tests/data/zendesk_fivetran_hand";
    std::fs::remove_dir_all(&dir).unwrap();
    let out = run(&[
        "convert",
        "--from",
        "fivetran-zendesk",
        export,
        "--to",
        dir.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let direct = report(&["report", "--from", "fivetran-zendesk", export]);
    let converted = report(&["report", "--from", "parquet", dir.to_str().unwrap()]);
    let names = |r: &Value| {
        let mut k: Vec<String> = r["tickets"]["by_team"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        k.sort();
        k
    };
    assert_eq!(names(&direct), names(&converted));
    for key in ["tickets", "solved", "full_resolution", "reopen_rate"] {
        assert_eq!(
            direct["tickets"]["overall"][key], converted["tickets"]["overall"][key],
            "{key}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn windows_compare_with_the_one_before_and_durations_are_censoring_aware() {
    let r = report(&["report", "tests/data/sample_slice", "--window", "hour"]);
    let windows = r["tickets"]["by_window"].as_object().unwrap();
    let mut keys: Vec<&String> = windows.keys().collect();
    keys.sort();
    assert!(keys.len() > 2);
    // The first window has no window before it; every later one has a verdict per figure.
    assert!(windows[keys[0]].get("vs_previous").is_none());
    for k in &keys[1..] {
        let v = &windows[*k]["vs_previous"];
        for figure in [
            "first_response_median",
            "full_resolution_median",
            "one_touch_rate",
            "reopen_rate",
            "resolved_within_24h",
        ] {
            let change = v[figure]["change"].as_str().unwrap();
            assert!(
                ["better", "worse", "no_detectable_change", "not_enough_data"].contains(&change),
                "{k} {figure}: {change}"
            );
        }
    }
    // Each ticket section carries the censoring-aware figures: events are the answered
    // (solved) tickets, censored the unanswered (backlog) ones.
    let o = &r["tickets"]["overall"];
    let frt = &o["first_response_survival"];
    assert_eq!(frt["events"], o["first_response"]["count"]);
    assert_eq!(frt["censored"], o["unanswered"]);
    let res = &o["full_resolution_survival"];
    assert_eq!(res["events"], o["full_resolution"]["count"]);
    assert!(res["median"].as_f64().unwrap() >= res["median_low"].as_f64().unwrap());
    assert!(res["naive_median"].is_number());
}

#[test]
fn group_slas_report_ownership_apart_from_the_sla() {
    let dir = std::env::temp_dir().join(format!("csm-group-sla-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let spec = dir.join("groups.json");
    std::fs::write(
        &spec,
        r#"{"policies": [
            {"name": "Accounts", "teams": ["accounts"], "targets": {"group_ownership": "8h"}},
            {"name": "Billing", "teams": ["billing"], "targets": {"group_ownership": "8h"}},
            {"name": "Technical", "teams": ["technical"], "targets": {"group_ownership": "1d"}}
        ]}"#,
    )
    .unwrap();
    let r = report(&[
        "report",
        "tests/data/sample_slice",
        "--group-sla",
        spec.to_str().unwrap(),
    ]);
    assert!(r.get("sla").is_none());
    let targets = r["group_sla"]["targets"].as_object().unwrap();
    // Every ticket starts owned by its team (the slice's tickets all have one), so each
    // team's policy has at least as many instances as the team has tickets.
    let mut instances = 0;
    for (name, tickets) in [("Accounts", 141), ("Billing", 142), ("Technical", 117)] {
        let t = &targets[&format!("{name}: group_ownership")];
        let n = ["achieved", "breached", "active"]
            .iter()
            .map(|k| t[*k].as_u64().unwrap())
            .sum::<u64>();
        assert!(n >= tickets, "{name}: {n} instances for {tickets} tickets");
        instances += n;
    }
    assert!(instances >= 400);
}

#[test]
fn an_html_report_is_one_page_with_the_reports_figures() {
    let dir = std::env::temp_dir().join(format!("csm-html-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let page = dir.join("report.html");
    let out = run(&[
        "report",
        "tests/data/sample_slice",
        "--window",
        "hour",
        "--format",
        "html",
        "--output",
        page.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    for id in [
        "headline",
        "distributions",
        "daily",
        "windows",
        "surveys",
        "calls",
        "by_team",
        "import",
    ] {
        assert!(html.contains(&format!("id=\"{id}\"")), "section {id}");
    }
    // The daily table: created sums to the tickets; each day's backlog is the sum of the
    // teams' (they partition the tickets).
    let at = html.find("<details>").unwrap();
    let table = &html[at..html[at..].find("</details>").unwrap() + at];
    let mut created = 0;
    for row in table.split("<tr>").skip(2) {
        let cells: Vec<u64> = row
            .split("<td>")
            .skip(2)
            .filter_map(|c| c.split("</td>").next()?.parse().ok())
            .collect();
        // created, solved, reopened, backlog, then one column per team
        created += cells[0];
        assert_eq!(cells[3], cells[4..].iter().sum::<u64>(), "{row}");
    }
    // Every chart is inline SVG with a title, beside a table of its numbers; nothing is
    // fetched (no script, no external reference).
    let charts = html.matches("<svg").count();
    assert!(charts >= 3, "{charts} charts");
    assert_eq!(html.matches("<title id=").count(), charts);
    assert!(html.matches("<table>").count() >= charts);
    for banned in [
        "<script", "http://", "https://", "src=", "@import", "url(http",
    ] {
        assert!(!html.contains(banned), "{banned}");
    }
    // The headline numbers are the JSON report's.
    let r = report(&["report", "tests/data/sample_slice", "--window", "hour"]);
    let card = |id: &str| {
        let at = html.find(&format!("id=\"{id}\"")).unwrap();
        let b = html[at..].find("<b>").unwrap() + at + 3;
        let e = html[b..].find("</b>").unwrap() + b;
        html[b..e].to_string()
    };
    let o = &r["tickets"]["overall"];
    assert_eq!(created, o["tickets"].as_u64().unwrap());
    assert_eq!(card("h-tickets"), o["tickets"].to_string());
    assert_eq!(card("h-solved"), o["solved"].to_string());
    let csat = r["surveys"]["csat"]["score"].as_f64().unwrap();
    assert_eq!(card("h-csat"), format!("{csat:.1} %"));
    // The surveys' latest week against the one before, with a verdict.
    for id in ["h-csat-week", "h-nps-week"] {
        let at = html.find(&format!("id=\"{id}\"")).expect(id);
        let card = &html[at..at + html[at..].find("</div>").unwrap()];
        assert!(
            ["better", "worse", "no detectable change", "not enough data"]
                .iter()
                .any(|v| card.contains(v)),
            "{card}"
        );
    }
    // The tickets of the latest full window against the window before: the JSON's
    // comparison, each with a verdict.
    let w = r["tickets"]["by_window"].as_object().unwrap();
    let mut keys: Vec<&String> = w.keys().collect();
    keys.sort();
    let latest = &w[keys[keys.len() - 2]]["vs_previous"];
    let one_touch = latest["one_touch_rate"]["difference"].as_f64().unwrap();
    assert_eq!(
        card("h-one-touch-window"),
        format!("{:+.1} pt", one_touch * 100.0)
    );
    for id in [
        "h-frt-window",
        "h-res-window",
        "h-one-touch-window",
        "h-within-window",
    ] {
        let at = html.find(&format!("id=\"{id}\"")).expect(id);
        let card = &html[at..at + html[at..].find("</div>").unwrap()];
        assert!(
            card.contains(&format!("created {}", keys[keys.len() - 2])),
            "{card}"
        );
        assert!(
            ["better", "worse", "no detectable change", "not enough data"]
                .iter()
                .any(|v| card.contains(v)),
            "{card}"
        );
    }
    // Every figure links to its definition in the contract carried at the page's end, and
    // every link lands on an anchor of the page.
    assert!(html.contains("id=\"contract\"") && html.contains("id=\"c-time-metrics\""));
    let links: Vec<&str> = html
        .split("href=\"#")
        .skip(1)
        .map(|rest| &rest[..rest.find('"').unwrap()])
        .collect();
    assert!(links.len() >= charts, "{} links", links.len());
    for target in links {
        assert!(
            html.contains(&format!("id=\"{target}\"")),
            "#{target} lands nowhere"
        );
    }
    // 5,245 s is under two hours: shown in minutes.
    let frt_minutes = o["first_response"]["p50"].as_f64().unwrap() / 60.0;
    assert_eq!(card("h-frt"), format!("{frt_minutes:.1} min"));
}

#[test]
fn an_html_report_on_a_calendar_shows_business_time_too() {
    let out = run(&[
        "report",
        "tests/data/sample_slice",
        "--calendar",
        "examples/new_york_2025.json",
        "--format",
        "html",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = String::from_utf8(out.stdout).unwrap();
    assert!(html.contains("<figcaption>First response time, business hours"));
    // Without --window the page has weekly windows: the slice's one week (2024-12-30),
    // with no week before it to compare with.
    assert!(html.contains("id=\"windows\"") && html.contains("<td>2024-12-30</td>"));
    assert!(!html.contains("id=\"h-res-window\""));
    assert!(html.contains("<figcaption>Full resolution time, business hours"));
    // Without a calendar, none.
    let plain = run(&["report", "tests/data/sample_slice", "--format", "html"]);
    assert!(
        !String::from_utf8(plain.stdout)
            .unwrap()
            .contains(", business hours</figcaption>")
    );
}

/// Six weeks of a generated call log (weekday × hour seasonality): `forecast` learns on
/// five and scores the sixth against seasonal-naive; its CSV feeds `staffing --forecast`;
/// `staffing --calls --next-week` forecasts, plans (Erlang A with the log's patience) and
/// schedules the week after, covering every interval.
#[test]
fn forecast_and_staffing_from_a_call_log() {
    let dir = std::env::temp_dir().join(format!("csm-forecast-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut config = csm_metrics_synth::Config::new(5, 1, 42);
    config.start = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2025, 3, 3, 0, 0, 0).unwrap();
    let calls = dir.join("calls.csv");
    csm_metrics_synth::write::calls_csv(&calls, &config, 40_000).unwrap();
    let f = calls.to_str().unwrap();
    let r = report(&[
        "forecast",
        "--calls",
        f,
        "--until",
        "2025-04-07T00:00:00Z",
        "--format",
        "json",
    ]);
    assert!(r["model"].as_str().unwrap().contains("Taylor"));
    let intervals = r["intervals"].as_array().unwrap();
    assert_eq!(intervals.len(), 7 * 48);
    assert_eq!(intervals[0]["start"], 1_743_984_000); // 2025-04-07T00:00:00Z
    assert!(
        intervals
            .iter()
            .all(|i| i["contacts"].as_f64().unwrap() >= 0.0 && i["aht"].as_f64().unwrap() > 0.0)
    );
    let (ours, naive) = (
        r["accuracy"]["model"]["wape"].as_f64().unwrap(),
        r["accuracy"]["seasonal_naive"]["wape"].as_f64().unwrap(),
    );
    assert!(ours < naive, "WAPE {ours} vs seasonal naive {naive}");
    assert_eq!(r["accuracy"]["by_day"].as_array().unwrap().len(), 7);

    let out = run(&[
        "forecast",
        "--calls",
        f,
        "--until",
        "2025-04-07T00:00:00Z",
        "--format",
        "csv",
    ]);
    assert!(out.status.success());
    let plan_file = dir.join("forecast.csv");
    std::fs::write(&plan_file, &out.stdout).unwrap();
    let plan = report(&[
        "staffing",
        "--forecast",
        plan_file.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(plan["intervals"].as_array().unwrap().len(), 7 * 48);

    let chart = dir.join("week.svg");
    let s = report(&[
        "staffing",
        "--calls",
        f,
        "--next-week",
        "--patience-from-calls",
        "--interval",
        "30m",
        "--shrinkage",
        "0.1",
        "--time-limit",
        "2",
        "--chart",
        chart.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let rows = s["intervals"].as_array().unwrap();
    assert_eq!(rows.len(), 7 * 48);
    // The next week: the Monday after the log's last week, at midnight.
    let first = chrono::DateTime::parse_from_rfc3339(rows[0]["start"].as_str().unwrap()).unwrap();
    let learned_until = s["forecast"]["learned_until"].as_i64().unwrap();
    assert_eq!(chrono::Datelike::weekday(&first), chrono::Weekday::Mon);
    assert_eq!(first.timestamp() % 86_400, 0);
    assert!((learned_until..learned_until + 7 * 86_400).contains(&first.timestamp()));
    for row in rows {
        let need = row["positions"].as_f64().unwrap();
        assert!(row["scheduled"].as_f64().unwrap() >= need - 1e-9, "{row}");
    }
    let mean = s["patience"]["mean_seconds"].as_f64().unwrap();
    assert!(
        (mean - 90.0).abs() < 6.0,
        "the generator's patience is 90 s: {mean}"
    );
    assert_eq!(s["model"], "erlang_a");
    let gap = s["schedule"]["gap"].as_f64().unwrap();
    assert!((0.0..0.1).contains(&gap), "{gap}");
    let svg = std::fs::read_to_string(&chart).unwrap();
    assert!(svg.starts_with("<svg xmlns") && svg.contains("scheduled"));

    // Without --until the learned span ends at the end of the last call's interval.
    let last = std::fs::read_to_string(&calls)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(2).unwrap().parse::<i64>().unwrap())
        .max()
        .unwrap();
    let whole = report(&["forecast", "--calls", f, "--format", "json"]);
    let until = whole["learned"]["until"].as_i64().unwrap();
    assert_eq!(until, (last / 1_800 + 1) * 1_800, "last call at {last}");

    let out = run(&["forecast", "--calls", "no/such/calls.csv"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no/such/calls.csv"));
    let out = run(&["forecast", "--calls", f, "--interval", "7m"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("15m, 30m or 60m"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn group_by_tag_files_tickets_under_their_tags_as_they_stand() {
    // Ticket 1 gets `billing, EU` and `vip` at +10 min, loses `vip` at +20 min, is answered
    // at +30 min (1,800 s) and solved at +60 min; ticket 2 gets `vip` at +5 min, is answered
    // at +60 min (3,600 s) and solved at +90 min.
    let dir = std::env::temp_dir().join(format!("csm-tags-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("tickets.csv"),
        "ticket_id,created_at,channel,priority,team,requester_id\n\
         1,1000,email,normal,Tier 1,7\n\
         2,1000,email,normal,Tier 1,8\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("events.csv"),
        "ticket_id,at,kind,author_kind,public,status_to,agent_id\n\
         1,1000,created,customer,true,,0\n\
         2,1000,created,customer,true,,0\n\
         2,1300,tag_added,,,vip,0\n\
         1,1600,tag_added,,,\"billing, EU\",0\n\
         1,1600,tag_added,,,vip,0\n\
         1,2200,tag_removed,,,vip,0\n\
         1,2800,message,agent,true,,5\n\
         2,4600,message,agent,true,,5\n\
         1,4600,status,,,solved,5\n\
         2,6400,status,,,solved,5\n",
    )
    .unwrap();
    let path = dir.to_str().unwrap();
    let r = report(&["report", path, "--group-by", "tag,team"]);
    let by_tag = &r["tickets"]["by_tag"];
    assert_eq!(
        by_tag["billing, EU"]["first_response"]["mean"], 1_800.0,
        "{by_tag}"
    );
    assert_eq!(by_tag["vip"]["first_response"]["count"], 1, "{by_tag}");
    assert_eq!(by_tag["vip"]["first_response"]["mean"], 3_600.0);
    assert_eq!(by_tag["vip"]["solved"], 1);
    assert_eq!(r["tickets"]["by_team"]["Tier 1"]["solved"], 2);
    assert_eq!(r["tickets"]["overall"]["first_response"]["count"], 2);
    // Without `tag`, no section.
    let r = report(&["report", path, "--group-by", "team,channel"]);
    assert!(r["tickets"]["by_tag"].is_null());
    std::fs::remove_dir_all(&dir).ok();
}

/// The slice's agent_states, schedule and accounts (tests/replay_extras.rs works them by
/// hand): adherence 485/600, conformance 505/540, occupancy 80/505; February: 3 at start,
/// 2 new, 4 at end, 1 churned, net revenue retention 32/60. Rows breaking the format are
/// counted by table and rule, and the figures stay.
#[test]
fn agents_and_retention_sections_from_the_optional_tables() {
    let r = report(&["report", "tests/data/sample_slice"]);
    let a = &r["agents"];
    assert_eq!(a["states"], 5);
    assert_eq!(a["adherence"].as_f64(), Some(485.0 / 600.0));
    assert_eq!(a["conformance"].as_f64(), Some(505.0 / 540.0));
    assert_eq!(a["occupancy"].as_f64(), Some(80.0 / 505.0));
    assert_eq!(a["scheduled_hours"].as_f64(), Some(10.0));
    let feb = &r["retention"]["months"][1];
    assert_eq!(feb["month"], "2025-02");
    let counts = ["at_start", "new", "at_end", "churned", "saved", "lost"].map(|k| &feb[k]);
    assert_eq!(counts, [3, 2, 4, 1, 1, 1].map(Value::from).each_ref());
    assert_eq!(feb["net_revenue_retention"].as_f64(), Some(32.0 / 60.0));
    assert_eq!(r["retention"]["customers"], 5);

    // The same tables with a bad row each.
    let dir = std::env::temp_dir().join(format!("csm-metrics-cli-extras-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let slice = repo().join("tests/data/sample_slice");
    for name in ["tickets.csv", "events.csv", "schedule.csv"] {
        std::fs::copy(slice.join(name), dir.join(name)).unwrap();
    }
    let append = |name: &str, extra: &str| {
        let text = std::fs::read_to_string(slice.join(name)).unwrap();
        std::fs::write(dir.join(name), format!("{text}{extra}")).unwrap();
    };
    append("agent_states.csv", "1,asleep,0,60\n1,break,x,60\n");
    append("accounts.csv", "9,0,left,,\n9,0,started,-x,\n9,0\n");
    let bad = report(&["report", dir.to_str().unwrap()]);
    // Seven rows read, the two bad ones counted; the figures are the clean table's.
    let mut agents = r["agents"].clone();
    agents["states"] = Value::from(7);
    assert_eq!(bad["agents"], agents);
    assert_eq!(bad["retention"], r["retention"]);
    let rejected = &bad["input"]["rejected"];
    assert_eq!(rejected["agent_states: unknown state or activity"], 1);
    assert_eq!(rejected["agent_states: bad id or instant"], 1);
    assert_eq!(rejected["accounts: unknown kind"], 1);
    assert_eq!(rejected["accounts: bad revenue or reason"], 1);
    assert_eq!(rejected["accounts: wrong field count"], 1);
    std::fs::remove_dir_all(&dir).unwrap();
}
