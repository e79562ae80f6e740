//! The whole report of a help-desk history as SQL: the ticket, survey and call suites over
//! the tables of the history format (`docs/HISTORY_FORMAT.md` of the repository), registered
//! from CSV or Parquet files.
//!
//! The ticket suite is two steps, each one SQL statement: facts per ticket, then figures
//! per team (and overall, in the same statement by grouping sets):
//!
//! ```sql
//! WITH facts AS (
//!   SELECT ticket_id, ticket_facts(at, kind, author_kind, public, status_to) AS f
//!   FROM events GROUP BY ticket_id)
//! SELECT t.team, count(*) FILTER (WHERE f['counted']) AS tickets,
//!   duration_summary(f['first_response']) AS first_response,
//!   avg(CASE WHEN f['reopens'] > 0 THEN 1.0 ELSE 0.0 END) FILTER (WHERE f['solved']) AS reopen_rate
//! FROM facts JOIN tickets t USING (ticket_id)
//! GROUP BY GROUPING SETS ((t.team), ())
//! ```

use std::path::Path;
use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::common::Result;
use datafusion::prelude::{CsvReadOptions, SessionContext};

/// The tables of a history and their columns.
pub fn schemas() -> [(&'static str, SchemaRef); 4] {
    let f = |n: &str, t: DataType| Field::new(n, t, true);
    use DataType::{Boolean, Int64, Utf8};
    [
        (
            "tickets",
            Arc::new(Schema::new(vec![
                f("ticket_id", Int64),
                f("created_at", Int64),
                f("channel", Utf8),
                f("priority", Utf8),
                f("team", Utf8),
                f("requester_id", Int64),
            ])),
        ),
        (
            "events",
            Arc::new(Schema::new(vec![
                f("ticket_id", Int64),
                f("at", Int64),
                f("kind", Utf8),
                f("author_kind", Utf8),
                f("public", Boolean),
                f("status_to", Utf8),
                f("agent_id", Int64),
            ])),
        ),
        (
            "surveys",
            Arc::new(Schema::new(vec![
                f("kind", Utf8),
                f("at", Int64),
                f("ticket_id", Int64),
                f("agent_id", Int64),
                f("score", Int64),
            ])),
        ),
        (
            "calls",
            Arc::new(Schema::new(vec![
                f("call_id", Int64),
                f("queue", Utf8),
                f("offered_at", Int64),
                f("answered_at", Int64),
                f("ended_at", Int64),
                f("hold_s", Int64),
                f("wrap_s", Int64),
                f("agent_id", Int64),
            ])),
        ),
    ]
}

/// Registers the tables of the history in `dir`: `NAME.parquet` when there is one, else
/// `NAME.csv` (with a header row), for `tickets`, `events`, `surveys` and `calls`. A table
/// with neither file is not registered. Returns the names registered and their format.
pub async fn register_history(
    ctx: &SessionContext,
    dir: &Path,
) -> Result<Vec<(&'static str, &'static str)>> {
    let mut registered = Vec::new();
    for (name, schema) in schemas() {
        let parquet = dir.join(format!("{name}.parquet"));
        let csv = dir.join(format!("{name}.csv"));
        #[cfg(feature = "parquet")]
        if parquet.exists() {
            ctx.register_parquet(
                name,
                parquet.to_string_lossy().as_ref(),
                datafusion::prelude::ParquetReadOptions::default(),
            )
            .await?;
            registered.push((name, "parquet"));
            continue;
        }
        #[cfg(not(feature = "parquet"))]
        if parquet.exists() && !csv.exists() {
            return Err(crate::error(
                "register_history",
                format!("{} needs the `parquet` feature", parquet.display()),
            ));
        }
        if csv.exists() {
            ctx.register_csv(
                name,
                csv.to_string_lossy().as_ref(),
                CsvReadOptions::new().has_header(true).schema(&schema),
            )
            .await?;
            registered.push((name, "csv"));
        }
    }
    Ok(registered)
}

/// The ticket suite: one row per team and one overall row (`overall` true), with
/// `tickets`, `answered`, `unanswered`, `solved`, the duration summaries
/// `first_response`, `first_resolution`, `full_resolution`, `requester_wait`, the rates
/// `reopen_rate`, `one_touch_rate`, `resolved_within_24h`, `replies_per_resolution`, and
/// with `business` the business-time `first_response_business`,
/// `full_resolution_business` and `first_response_within_8h_business` (registered with a
/// calendar). Plus `not_created` (tickets with events but no creation) and the event
/// counts `accepted`, `duplicates`, `rejected`.
pub fn ticket_suite(business: bool) -> String {
    let business = if business {
        "duration_summary(f['business_first_response']) AS first_response_business,
  duration_summary(f['business_full_resolution']) AS full_resolution_business,
  avg(CASE WHEN f['business_first_response'] <= 28800 THEN 1.0 ELSE 0.0 END)
    FILTER (WHERE f['business_first_response'] IS NOT NULL) AS first_response_within_8h_business,
  "
    } else {
        ""
    };
    format!(
        "WITH facts AS (
  SELECT ticket_id, ticket_facts(at, kind, author_kind, public, status_to) AS f
  FROM events GROUP BY ticket_id)
SELECT
  grouping(t.team) = 1 AS overall,
  t.team AS team,
  count(*) FILTER (WHERE f['counted']) AS tickets,
  count(*) FILTER (WHERE f['answered']) AS answered,
  count(*) FILTER (WHERE f['unanswered']) AS unanswered,
  count(*) FILTER (WHERE f['solved']) AS solved,
  duration_summary(f['first_response']) AS first_response,
  duration_summary(f['first_resolution']) AS first_resolution,
  duration_summary(f['full_resolution']) AS full_resolution,
  duration_summary(f['requester_wait']) AS requester_wait,
  avg(CASE WHEN f['reopens'] > 0 THEN 1.0 ELSE 0.0 END) FILTER (WHERE f['solved']) AS reopen_rate,
  avg(CASE WHEN f['replies'] = 1 THEN 1.0 ELSE 0.0 END) FILTER (WHERE f['solved']) AS one_touch_rate,
  avg(f['replies']) FILTER (WHERE f['solved']) AS replies_per_resolution,
  avg(CASE WHEN f['full_resolution'] <= 86400 THEN 1.0 ELSE 0.0 END)
    FILTER (WHERE f['solved']) AS resolved_within_24h,
  {business}count(*) FILTER (WHERE f['status'] = 'not_created') AS not_created,
  sum(f['accepted']) AS accepted,
  sum(f['duplicates']) AS duplicates,
  sum(f['rejected']) AS rejected
FROM facts JOIN tickets t USING (ticket_id)
GROUP BY GROUPING SETS ((t.team), ())
ORDER BY overall, team"
    )
}

/// The survey suite: one row of `nps`, `enps`, `csat` and `ces` structs.
pub const SURVEY_SUITE: &str = "SELECT
  nps(score) FILTER (WHERE kind = 'nps') AS nps,
  nps(score) FILTER (WHERE kind = 'enps') AS enps,
  csat(score) FILTER (WHERE kind = 'csat') AS csat,
  ces(score) FILTER (WHERE kind = 'ces') AS ces
FROM surveys";

/// The call suite: one row, the `call_center` struct of every call.
pub const CALL_SUITE: &str = "SELECT
  call_center(offered_at, answered_at, ended_at, hold_s, wrap_s) AS calls
FROM calls";
