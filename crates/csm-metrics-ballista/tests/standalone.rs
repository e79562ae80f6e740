//! A Ballista standalone cluster in process (scheduler and executor on loopback, the
//! functions registered on both sides) runs the ticket, survey and call suites on the
//! test slice and gets the same results as single-process DataFusion.

use std::path::PathBuf;
use std::sync::Arc;

use ballista::prelude::{SessionConfigExt, SessionContextExt};
use csm_metrics_datafusion::suite;
use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::prelude::{SessionConfig, SessionContext};

fn slice() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/sample_slice")
}

fn calendar() -> Arc<dyn csm_metrics::BusinessClock> {
    let spec = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/new_york_2025.json"),
    )
    .unwrap();
    Arc::new(csm_metrics_synth::format::parse_calendar(&spec).unwrap())
}

async fn run(ctx: &SessionContext, sql: &str) -> String {
    let batches: Vec<RecordBatch> = ctx.sql(sql).await.unwrap().collect().await.unwrap();
    pretty_format_batches(&batches).unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_suites_on_a_standalone_cluster_equal_single_process_datafusion() {
    let business = Some(calendar());

    let local = SessionContext::new_with_config(SessionConfig::new().with_target_partitions(2));
    csm_metrics_datafusion::register_with_calendar(&local, calendar());
    suite::register_history(&local, &slice()).await.unwrap();

    // The state the in-process scheduler and executor are built from has the functions;
    // the client's context, upgraded for Ballista, gets them registered again.
    let state = csm_metrics_ballista::session_state(
        SessionConfig::new_with_ballista().with_target_partitions(2),
        business,
    )
    .unwrap();
    let cluster = SessionContext::standalone_with_state(state).await.unwrap();
    csm_metrics_datafusion::register_with_calendar(&cluster, calendar());
    suite::register_history(&cluster, &slice()).await.unwrap();

    for sql in [
        suite::ticket_suite(true),
        suite::SURVEY_SUITE.to_string(),
        suite::CALL_SUITE.to_string(),
    ] {
        let (want, got) = (run(&local, &sql).await, run(&cluster, &sql).await);
        assert_eq!(got, want, "{sql}");
    }
}
