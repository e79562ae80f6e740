//! `nps(score)` against the core calculator: any partitioning, sliding windows, bad input.

use std::sync::Arc;

use csm_metrics::{Calculator, NetPromoterScore};
use datafusion::arrow::array::{Array, AsArray, Int64Array, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Float64Type, Schema, UInt64Type};
use datafusion::datasource::MemTable;
use datafusion::prelude::{SessionConfig, SessionContext};

fn scores(n: usize) -> Vec<i64> {
    // A deterministic spread over 0..=10.
    (0..n).map(|i| ((i * 7 + i / 3) % 11) as i64).collect()
}

fn context(partitions: usize, values: &[i64]) -> SessionContext {
    let ctx =
        SessionContext::new_with_config(SessionConfig::new().with_target_partitions(partitions));
    csm_metrics_datafusion::register(&ctx);
    let schema = Arc::new(Schema::new(vec![
        Field::new("at", DataType::Int64, false),
        Field::new("score", DataType::Int64, true),
    ]));
    let chunk = values.len().div_ceil(partitions).max(1);
    let parts: Vec<Vec<RecordBatch>> = values
        .chunks(chunk)
        .enumerate()
        .map(|(p, c)| {
            let at: Vec<i64> = (0..c.len()).map(|i| (p * chunk + i) as i64).collect();
            vec![
                RecordBatch::try_new(
                    schema.clone(),
                    vec![
                        Arc::new(Int64Array::from(at)),
                        Arc::new(Int64Array::from(c.to_vec())),
                    ],
                )
                .unwrap(),
            ]
        })
        .collect();
    let table = MemTable::try_new(schema, parts).unwrap();
    ctx.register_table("responses", Arc::new(table)).unwrap();
    ctx
}

fn core(values: &[i64]) -> csm_metrics::NpsSnapshot {
    let mut counts = [0u64; 11];
    for v in values {
        counts[*v as usize] += 1;
    }
    NetPromoterScore::from_distribution(counts)
        .unwrap()
        .snapshot()
}

#[tokio::test]
async fn partitioning_does_not_change_the_answer() {
    let values = scores(10_000);
    let want = core(&values);
    for partitions in [1, 2, 8] {
        let ctx = context(partitions, &values);
        let batches = ctx
            .sql("SELECT nps(score) AS n FROM responses")
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
        let n = batches[0].column(0).as_struct();
        let get_u = |name: &str| {
            n.column_by_name(name)
                .unwrap()
                .as_primitive::<UInt64Type>()
                .value(0)
        };
        let get_f = |name: &str| {
            n.column_by_name(name)
                .unwrap()
                .as_primitive::<Float64Type>()
                .value(0)
        };
        assert_eq!(
            get_u("responses"),
            want.responses,
            "{partitions} partitions"
        );
        assert_eq!(get_u("promoters"), want.promoters);
        assert_eq!(get_u("detractors"), want.detractors);
        assert!((get_f("score") - want.score.unwrap()).abs() < 1e-9);
        assert!((get_f("margin_of_error") - want.margin_of_error.unwrap()).abs() < 1e-9);
    }
}

#[tokio::test]
async fn a_sliding_window_equals_recomputation() {
    let values = scores(300);
    let ctx = context(1, &values);
    let batches = ctx
        .sql(
            "SELECT at, nps(score) OVER (ORDER BY at ROWS BETWEEN 99 PRECEDING AND CURRENT ROW) AS n \
             FROM responses ORDER BY at",
        )
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    let mut row = 0usize;
    for b in &batches {
        let n = b.column(1).as_struct();
        let score = n
            .column_by_name("score")
            .unwrap()
            .as_primitive::<Float64Type>();
        for i in 0..b.num_rows() {
            let from = row.saturating_sub(99);
            let want = core(&values[from..=row]).score.unwrap();
            assert!((score.value(i) - want).abs() < 1e-9, "row {row}");
            row += 1;
        }
    }
    assert_eq!(row, values.len());
}

#[tokio::test]
async fn bad_input_names_the_function_and_the_rule() {
    // A score off the scale.
    let ctx = context(2, &[3, 11, 9]);
    let err = ctx
        .sql("SELECT nps(score) FROM responses")
        .await
        .unwrap()
        .collect()
        .await;
    let err = err.unwrap_err().to_string();
    assert!(
        err.contains("nps") && err.contains("outside 0..=10"),
        "{err}"
    );
    // A NULL.
    let ctx = context(1, &[3]);
    let err = ctx
        .sql("SELECT nps(CAST(NULL AS BIGINT)) FROM responses")
        .await
        .unwrap()
        .collect()
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("nps") && err.contains("NULL"), "{err}");
    // A column of text.
    let ctx = context(1, &[3]);
    let names = Arc::new(StringArray::from(vec!["a"]));
    assert_eq!(names.len(), 1);
    let err = ctx.sql("SELECT nps('ten') FROM responses").await;
    let err = match err {
        Ok(df) => df.collect().await.unwrap_err().to_string(),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("nps"), "{err}");
}
