//! The ServiceNow replay on a slice of the real log (tests/data/servicenow), against the
//! figures of `tests/data/servicenow/expected.py`, an independent computation.

use csm_metrics_synth::servicenow::Replay;
use serde_json::{Value, json};

const SLICE: &str = include_str!("data/servicenow/incidents_slice.csv");

fn report() -> Value {
    let mut replay = Replay::new(chrono::Utc);
    for line in SLICE.lines().skip(1) {
        replay.row(line);
    }
    replay.report()
}

fn close(a: &Value, b: f64) {
    let a = a.as_f64().unwrap_or(f64::NAN);
    assert!((a - b).abs() <= 1e-9 * b.abs().max(1.0), "{a} != {b}");
}

#[test]
fn slice_matches_the_independent_figures() {
    let r = report();
    assert_eq!(r["events"], json!(367));
    assert_eq!(r["incidents"], json!(57));
    assert_eq!(
        r["rejected"],
        json!({"out_of_order": 1, "unknown_state": 2})
    );
    assert_eq!(
        r["corrected"],
        json!({"priority_changed": 2, "resolved_without_resolved_at": 1, "unknown_caller": 1})
    );
    close(&r["made_sla_share"], 45.0 / 57.0);
    close(&r["reassigned_share"], 29.0 / 57.0);
    close(&r["reopened_share"], 1.0 / 57.0);
    let p = &r["by_priority"];
    for (priority, incidents, made, count, mean, min, max) in [
        (
            "2 - High",
            2,
            0.0,
            2,
            17.833333333333336,
            8.883333333333333,
            26.783333333333335,
        ),
        (
            "3 - Moderate",
            47,
            40.0 / 47.0,
            47,
            102.3368794326241,
            0.0,
            1014.2666666666667,
        ),
        (
            "4 - Low",
            8,
            0.625,
            8,
            201.30624999999998,
            0.11666666666666667,
            1038.1166666666666,
        ),
    ] {
        let g = &p[priority];
        assert_eq!(g["incidents"], json!(incidents), "{priority}");
        close(&g["made_sla_share"], made);
        let d = &g["resolution_hours"];
        assert_eq!(d["count"], json!(count), "{priority}");
        close(&d["mean"], mean);
        close(&d["min"], min);
        close(&d["max"], max);
        // Quantiles within the sketch's 1 % of a value between min and max.
        let p50 = d["p50"].as_f64().unwrap();
        assert!(
            p50 >= min * 0.99 && p50 <= max * 1.01,
            "{priority}: p50 {p50}"
        );
    }
    assert_eq!(p.as_object().unwrap().len(), 3);
}

#[test]
fn hostile_rows_are_counted_never_a_panic() {
    let mut replay = Replay::new(chrono::Utc);
    let good = SLICE.lines().nth(1).unwrap();
    let fields: Vec<&str> = good.split(',').collect();
    let with = |i: usize, v: &str| {
        let mut f = fields.clone();
        f[i] = v;
        f.join(",")
    };
    for line in [
        String::new(),
        "just,three,fields".to_string(),
        with(0, "INCX"),
        with(1, "-100"),
        with(9, "?"),
        with(13, "31/2/2016 25:61"),
        with(13, "1/1/99999999 00:00"),
        good.to_string(),
        good.to_string(),
    ] {
        replay.row(&line);
    }
    let r = replay.report();
    assert_eq!(r["events"], json!(9));
    assert_eq!(
        r["rejected"],
        json!({"malformed_row": 2, "bad_number": 1, "unknown_state": 1,
               "missing_opened_at": 1, "missing_updated_at": 2})
    );
    assert_eq!(r["incidents"], json!(1));
}
