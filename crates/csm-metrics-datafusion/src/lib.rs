//! csm-metrics' calculators as Apache DataFusion aggregate functions: the same
//! definitions, exact and mergeable across partitions, from SQL.
//!
//! | function | returns |
//! |---|---|
//! | `nps(score)` | struct: responses, promoters, passives, detractors, score, margin_of_error |
//! | `csat(score[, satisfied_from])` | struct: responses, satisfied, score, ci_low, ci_high, mean |
//! | `ces(score)` | struct: responses, agreeing, mean, ci_low, ci_high, agree |
//! | `duration_summary(seconds)` | struct: count, mean, std_dev, min, max, p50, p90, p95, p99 |
//! | `duration_quantile(seconds, q)` | the quantile, within α = 1 % |
//! | `ticket_facts(at, kind, author_kind, public, status_to)` | one ticket's lifecycle facts (grouped by ticket) |
//! | `call_center(offered_at, answered_at, ended_at, hold_s, wrap_s)` | struct: offered, answered, abandoned, short_abandons, service_level, abandon_rate, asa, aht, rejected |
//! | `service_level(offered_at, answered_at, ended_at[, target_s, short_abandon_s])` | the service level |
//!
//! The intermediate state of each function is the core calculator's state in Arrow
//! columns: for the surveys the count of responses per score (eleven `UInt64` columns),
//! for durations the [`DurationSummary`](csm_metrics::DurationSummary) in its documented
//! binary form (one `Binary` column), for calls the
//! [`CallCenter`](csm_metrics::metrics::calls::CallCenter) likewise, for `ticket_facts` the ticket's events packed one per
//! `Int64` (a `List<Int64>` column). So partitions merge exactly and the answer does not
//! depend on how the data is split. Functions that can retract (the surveys, durations)
//! also work as window functions over sliding frames.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> datafusion::error::Result<()> {
//! use datafusion::prelude::SessionContext;
//!
//! let ctx = SessionContext::new();
//! csm_metrics_datafusion::register(&ctx);
//! let df = ctx
//!     .sql("SELECT nps(score) AS nps FROM (VALUES (10), (9), (7), (3)) AS t(score)")
//!     .await?;
//! let batches = df.collect().await?;
//! assert_eq!(batches[0].num_rows(), 1);
//! # Ok(())
//! # }
//! ```
//!
//! Bad input is an error naming the function and the rule, never a panic: a NULL score, a
//! score off its scale, a negative duration, a column of the wrong type. Ticket events
//! that break the tracker's rules (before creation, after a close, unreadable) are counted
//! in the ticket's facts, never dropped.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::sync::Arc;

use csm_metrics::BusinessClock;
use datafusion::arrow::array::{Array, ArrayRef, AsArray, Int64Array};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Int64Type};
use datafusion::common::{DataFusionError, Result, ScalarValue};
use datafusion::logical_expr::{AggregateUDF, Signature, TypeSignature, Volatility};
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_expr::expressions::Literal;
use datafusion::prelude::SessionContext;

mod calls;
mod durations;
pub mod suite;
mod surveys;
mod tickets;

pub use calls::Calls;
pub use durations::Durations;
pub use surveys::Scores;
pub use tickets::TicketFacts;

/// Registers every function of the crate on `ctx`, `ticket_facts` in calendar time.
pub fn register(ctx: &SessionContext) {
    for f in functions(None) {
        ctx.register_udaf(f);
    }
}

/// Registers every function, with `ticket_facts` counting business time on `calendar`
/// (its `business_*` fields are then filled).
pub fn register_with_calendar(ctx: &SessionContext, calendar: Arc<dyn BusinessClock>) {
    for f in functions(Some(calendar)) {
        ctx.register_udaf(f);
    }
}

/// Every function of the crate, for registries other than a `SessionContext` (a Ballista
/// executor's session state, a function registry).
pub fn functions(calendar: Option<Arc<dyn BusinessClock>>) -> Vec<AggregateUDF> {
    vec![
        AggregateUDF::from(Scores::nps()),
        AggregateUDF::from(Scores::csat()),
        AggregateUDF::from(Scores::ces()),
        AggregateUDF::from(Durations::summary()),
        AggregateUDF::from(Durations::quantile()),
        AggregateUDF::from(TicketFacts::new(calendar)),
        AggregateUDF::from(Calls::center()),
        AggregateUDF::from(Calls::service_level()),
    ]
}

/// The integer types a score or duration column may have.
pub(crate) const INTEGERS: [DataType; 8] = [
    DataType::Int8,
    DataType::Int16,
    DataType::Int32,
    DataType::Int64,
    DataType::UInt8,
    DataType::UInt16,
    DataType::UInt32,
    DataType::UInt64,
];

pub(crate) fn error(function: &str, rule: impl std::fmt::Display) -> DataFusionError {
    DataFusionError::Execution(format!("{function}: {rule}"))
}

/// A signature of integer arguments, with any of the given counts.
pub(crate) fn integer_signature(arities: &[usize]) -> Signature {
    let mut variants = Vec::new();
    for n in arities {
        for t in &INTEGERS {
            let mut args = vec![t.clone()];
            args.extend(std::iter::repeat_n(DataType::Int64, n - 1));
            variants.push(TypeSignature::Exact(args));
        }
    }
    Signature::one_of(variants, Volatility::Immutable)
}

/// An integer column as `Int64` (a `UInt64` above `i64::MAX` is an error).
pub(crate) fn integers(function: &str, column: &ArrayRef) -> Result<Int64Array> {
    if !INTEGERS.contains(column.data_type()) {
        return Err(error(
            function,
            format!("an integer column expected, not {}", column.data_type()),
        ));
    }
    let c = cast(column, &DataType::Int64)?;
    let c = c.as_primitive::<Int64Type>().clone();
    if c.null_count() != column.null_count() {
        return Err(error(function, "a value too large for Int64"));
    }
    Ok(c)
}

/// Instants as Unix seconds: an integer column as it is, a timestamp column of any unit
/// floored to whole seconds.
pub(crate) fn unix_seconds(column: &ArrayRef) -> Result<Int64Array> {
    use datafusion::arrow::datatypes::TimeUnit;
    let per_second = match column.data_type() {
        DataType::Timestamp(TimeUnit::Millisecond, _) => 1_000,
        DataType::Timestamp(TimeUnit::Microsecond, _) => 1_000_000,
        DataType::Timestamp(TimeUnit::Nanosecond, _) => 1_000_000_000,
        _ => 1,
    };
    let ints = cast(column, &DataType::Int64)?;
    let ints = ints.as_primitive::<Int64Type>();
    Ok(if per_second > 1 {
        ints.unary(|v| v.div_euclid(per_second))
    } else {
        ints.clone()
    })
}

fn literal(function: &str, expr: &Arc<dyn PhysicalExpr>, what: &str) -> Result<ScalarValue> {
    expr.downcast_ref::<Literal>()
        .map(|l| l.value().clone())
        .ok_or_else(|| error(function, format!("`{what}` must be a literal")))
}

pub(crate) fn literal_i64(function: &str, expr: &Arc<dyn PhysicalExpr>, what: &str) -> Result<i64> {
    match literal(function, expr, what)?.cast_to(&DataType::Int64)? {
        ScalarValue::Int64(Some(v)) => Ok(v),
        _ => Err(error(function, format!("`{what}` must be an integer"))),
    }
}

pub(crate) fn literal_f64(function: &str, expr: &Arc<dyn PhysicalExpr>, what: &str) -> Result<f64> {
    match literal(function, expr, what)?.cast_to(&DataType::Float64)? {
        ScalarValue::Float64(Some(v)) => Ok(v),
        _ => Err(error(function, format!("`{what}` must be a number"))),
    }
}
