//! Each function on small tables: against the core calculator, over sliding windows, and
//! on bad input (an error naming the function and the rule, never a panic).

use csm_metrics::{Calculator, DurationSummary};
use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::datatypes::{Float64Type, Int64Type, UInt64Type};
use datafusion::prelude::SessionContext;

fn ctx() -> SessionContext {
    let ctx = SessionContext::new();
    csm_metrics_datafusion::register(&ctx);
    ctx
}

async fn run(sql: &str) -> datafusion::error::Result<Vec<RecordBatch>> {
    ctx().sql(sql).await?.collect().await
}

async fn error(sql: &str) -> String {
    match run(sql).await {
        Ok(b) => panic!("expected an error, got {b:?}"),
        Err(e) => e.to_string(),
    }
}

fn f64_field(b: &RecordBatch, column: usize, field: &str) -> Option<f64> {
    let c = b.column(column).as_struct().column_by_name(field).unwrap();
    (!c.is_null(0)).then(|| c.as_primitive::<Float64Type>().value(0))
}

fn values(rows: &[i64]) -> String {
    rows.iter()
        .enumerate()
        .map(|(i, v)| format!("({i}, {v})"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[tokio::test]
async fn csat_and_ces_against_the_core() {
    let scores = [5, 4, 4, 2, 5, 3, 1, 4];
    let b = run(&format!(
        "SELECT csat(s), csat(s, 5), ces(s) FROM (VALUES {}) AS t(i, s)",
        values(&scores)
    ))
    .await
    .unwrap();
    let b = &b[0];
    // 5 of 8 satisfied (4-5); 2 of 8 with satisfied_from 5.
    assert_eq!(f64_field(b, 0, "score"), Some(62.5));
    assert_eq!(f64_field(b, 1, "score"), Some(25.0));
    let mut counts = [0u64; 11];
    for s in scores {
        counts[s as usize] += 1;
    }
    let ces = csm_metrics::CustomerEffortScore::from_distribution(Default::default(), counts)
        .unwrap()
        .snapshot();
    assert_eq!(f64_field(b, 2, "mean"), ces.mean.map(|m| m.mean));
    assert_eq!(f64_field(b, 2, "agree"), ces.agree.map(|a| a.percent));
}

#[tokio::test]
async fn durations_against_the_core() {
    let xs: Vec<i64> = (0..5_000).map(|i| (i * 7_919) % 200_003).collect();
    let b = run(&format!(
        "SELECT duration_summary(d), duration_quantile(d, 0.9) FROM (VALUES {}) AS t(i, d)",
        values(&xs)
    ))
    .await
    .unwrap();
    let mut core = DurationSummary::default();
    for x in &xs {
        core.add(*x as u64).unwrap();
    }
    let s = core.snapshot();
    let b = &b[0];
    assert_eq!(f64_field(b, 0, "mean"), s.mean);
    assert_eq!(f64_field(b, 0, "p50"), s.p50);
    assert_eq!(f64_field(b, 0, "p99"), s.p99);
    assert_eq!(f64_field(b, 0, "max"), s.max);
    assert_eq!(
        b.column(1).as_primitive::<Float64Type>().value(0),
        s.p90.unwrap()
    );
    // NULLs are skipped (a ticket with no first response has none).
    let b = run("SELECT duration_summary(d) FROM (VALUES (1, 10), (2, NULL), (3, 30)) AS t(i, d)")
        .await
        .unwrap();
    assert_eq!(f64_field(&b[0], 0, "mean"), Some(20.0));
}

/// Sliding frames retract: each row's window equals the function over its rows.
#[tokio::test]
async fn windows_retract() {
    let xs: Vec<i64> = (0..300).map(|i| (i * 37 + i / 7) % 5 + 1).collect();
    let b = run(&format!(
        "SELECT csat(s) OVER (ORDER BY i ROWS BETWEEN 19 PRECEDING AND CURRENT ROW) AS c,
                duration_summary(s) OVER (ORDER BY i ROWS BETWEEN 19 PRECEDING AND CURRENT ROW) AS d
         FROM (VALUES {}) AS t(i, s) ORDER BY i",
        values(&xs)
    ))
    .await
    .unwrap();
    let mut row = 0usize;
    for batch in &b {
        let c = batch.column(0).as_struct();
        let d = batch.column(1).as_struct();
        for r in 0..batch.num_rows() {
            let window = &xs[row.saturating_sub(19)..=row];
            let satisfied = window.iter().filter(|s| **s >= 4).count() as f64;
            let score = c
                .column_by_name("score")
                .unwrap()
                .as_primitive::<Float64Type>();
            assert!((score.value(r) - 100.0 * satisfied / window.len() as f64).abs() < 1e-9);
            let mean = d
                .column_by_name("mean")
                .unwrap()
                .as_primitive::<Float64Type>();
            let want = window.iter().sum::<i64>() as f64 / window.len() as f64;
            assert!((mean.value(r) - want).abs() < 1e-9, "row {row}");
            row += 1;
        }
    }
    assert_eq!(row, xs.len());
}

#[tokio::test]
async fn ticket_facts_of_one_ticket() {
    // Created 0; customer at 60; agent reply at 600; solved at 900 (and an assignment at
    // the same second as the solve, which comes first); reopened at 1000; solved at 4000;
    // a reply after the close at 5000 is turned away.
    let b = run(
        "SELECT ticket_facts(at, kind, author, public, status) AS f FROM (VALUES
            (1, 0, 'created', NULL, false, NULL),
            (1, 60, 'message', 'customer', true, NULL),
            (1, 600, 'message', 'agent', true, NULL),
            (1, 900, 'status', NULL, false, 'solved'),
            (1, 900, 'assign', NULL, false, NULL),
            (1, 1000, 'status', NULL, false, 'open'),
            (1, 4000, 'status', NULL, false, 'solved'),
            (1, 4500, 'status', NULL, false, 'closed'),
            (1, 5000, 'message', 'agent', true, NULL),
            (1, 5000, 'bogus', NULL, false, NULL)
         ) AS e(ticket, at, kind, author, public, status) GROUP BY ticket",
    )
    .await
    .unwrap();
    let f = b[0].column(0).as_struct();
    let int = |n: &str| {
        let c = f.column_by_name(n).unwrap().as_primitive::<Int64Type>();
        (!c.is_null(0)).then(|| c.value(0))
    };
    assert_eq!(
        f.column_by_name("status")
            .unwrap()
            .as_string::<i32>()
            .value(0),
        "closed"
    );
    assert_eq!(int("first_response"), Some(600));
    assert_eq!(int("first_resolution"), Some(900));
    assert_eq!(int("full_resolution"), Some(4_000));
    assert_eq!(int("reopens"), Some(1));
    assert_eq!(int("replies"), Some(1));
    assert_eq!(int("accepted"), Some(7));
    assert_eq!(int("rejected"), Some(2));
    assert_eq!(int("business_first_response"), None);
}

#[tokio::test]
async fn a_ticket_without_its_creation_is_counted_not_lost() {
    let b = run(
        "SELECT ticket_facts(at, kind, author, public, status) AS f FROM (VALUES
            (2, 60, 'message', 'customer', true, NULL),
            (2, 600, 'status', NULL, false, 'solved')
         ) AS e(ticket, at, kind, author, public, status) GROUP BY ticket",
    )
    .await
    .unwrap();
    let f = b[0].column(0).as_struct();
    let int = |n: &str| {
        f.column_by_name(n)
            .unwrap()
            .as_primitive::<Int64Type>()
            .value(0)
    };
    let flag = |n: &str| f.column_by_name(n).unwrap().as_boolean().value(0);
    assert_eq!(
        f.column_by_name("status")
            .unwrap()
            .as_string::<i32>()
            .value(0),
        "not_created"
    );
    assert_eq!(
        (int("rejected"), int("accepted"), int("replies")),
        (2, 0, 0)
    );
    assert!(!flag("counted") && !flag("solved"));
    assert!(f.column_by_name("created_at").unwrap().is_null(0));
}

#[tokio::test]
async fn service_level_with_its_targets() {
    // Waits 5, 15, 25 s answered; one abandoned after 3 s (short), one after 40 s.
    let sql = |args: &str| {
        format!(
            "SELECT service_level(o, a, e{args}) FROM (VALUES
                (0, 5, 100), (0, 15, 100), (0, 25, 100), (0, NULL, 3), (0, NULL, 40)
             ) AS c(o, a, e)"
        )
    };
    let level = |b: &[RecordBatch]| b[0].column(0).as_primitive::<Float64Type>().value(0);
    assert_eq!(level(&run(&sql("")).await.unwrap()), 0.5);
    assert_eq!(level(&run(&sql(", 30")).await.unwrap()), 0.75);
    assert_eq!(level(&run(&sql(", 30, 0")).await.unwrap()), 0.6);
    let b = run("SELECT call_center(o, a, e, h, w) AS c FROM (VALUES
                (0, 5, 100, 10, 20), (0, 3, 1, 0, 0)) AS c(o, a, e, h, w)")
    .await
    .unwrap();
    let c = b[0].column(0).as_struct();
    let u = |n: &str| {
        c.column_by_name(n)
            .unwrap()
            .as_primitive::<UInt64Type>()
            .value(0)
    };
    assert_eq!((u("offered"), u("answered"), u("rejected")), (1, 1, 1));
}

#[tokio::test]
async fn bad_input_is_an_error_naming_the_function_and_rule() {
    let cases = [
        (
            "SELECT csat(s) FROM (VALUES (6)) AS t(s)",
            "csat",
            "outside 1..=5",
        ),
        (
            "SELECT csat(s, 9) FROM (VALUES (5)) AS t(s)",
            "csat",
            "satisfied_from",
        ),
        (
            "SELECT ces(s) FROM (VALUES (CAST(NULL AS BIGINT))) AS t(s)",
            "ces",
            "NULL",
        ),
        (
            "SELECT nps(s) FROM (VALUES (-1)) AS t(s)",
            "nps",
            "outside 0..=10",
        ),
        (
            "SELECT duration_summary(d) FROM (VALUES (-5)) AS t(d)",
            "duration_summary",
            "negative",
        ),
        (
            "SELECT duration_quantile(d, 1.5) FROM (VALUES (5)) AS t(d)",
            "duration_quantile",
            "outside 0..=1",
        ),
        (
            "SELECT duration_quantile(d, d * 0.1) FROM (VALUES (5)) AS t(d)",
            "duration_quantile",
            "literal",
        ),
        (
            "SELECT ticket_facts(at, k, k, k, k) FROM (VALUES (1, 'x')) AS t(at, k)",
            "ticket_facts",
            "Boolean",
        ),
        (
            "SELECT ticket_facts(k, k, k, true, k) FROM (VALUES ('x')) AS t(k)",
            "ticket_facts",
            "`at`",
        ),
        (
            "SELECT service_level(o, o, o, o) FROM (VALUES (1)) AS t(o)",
            "service_level",
            "literal",
        ),
        (
            "SELECT call_center(o, o, o) FROM (VALUES (1)) AS t(o)",
            "call_center",
            "arguments",
        ),
        (
            "SELECT call_center(o, NULL, NULL, 0, 0) FROM (VALUES (1)) AS t(o)",
            "call_center",
            "NULL",
        ),
    ];
    for (sql, function, rule) in cases {
        let e = error(sql).await;
        assert!(e.contains(function) && e.contains(rule), "{sql}: {e}");
    }
    // Scores of a text column: no signature matches, an error naming the function.
    let e = error("SELECT csat(s) FROM (VALUES ('5')) AS t(s)").await;
    assert!(e.contains("csat"), "{e}");
}
