//! csm-metrics' calculators as Apache DataFusion aggregate functions.
//!
//! The intermediate state of each function is the core calculator's state laid out in
//! Arrow columns (for NPS: eleven `UInt64` columns, the count of responses per score), so
//! partitions merge exactly and the answer does not depend on how the data is split.
//! Functions that can retract (NPS) also work as window functions over sliding frames.
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
//! score off the 0..=10 scale, a column that is not of an integer type.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::sync::Arc;

use csm_metrics::{Calculator, NetPromoterScore};
use datafusion::arrow::array::{Array, ArrayRef, AsArray, Float64Array, StructArray, UInt64Array};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Fields, Int64Type};
use datafusion::common::{DataFusionError, Result, ScalarValue};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, Signature, TypeSignature, Volatility,
};
use datafusion::prelude::SessionContext;

/// Registers every function of the crate on `ctx`.
pub fn register(ctx: &SessionContext) {
    ctx.register_udaf(AggregateUDF::from(Nps::new()));
}

/// The integer types a score column may have.
const INTEGERS: [DataType; 8] = [
    DataType::Int8,
    DataType::Int16,
    DataType::Int32,
    DataType::Int64,
    DataType::UInt8,
    DataType::UInt16,
    DataType::UInt32,
    DataType::UInt64,
];

fn error(function: &str, rule: impl std::fmt::Display) -> DataFusionError {
    DataFusionError::Execution(format!("{function}: {rule}"))
}

/// `nps(score)`: the Net Promoter Score of a column of 0..=10 scores, as a struct of
/// `responses`, `promoters`, `passives`, `detractors`, `score` (points) and
/// `margin_of_error` (points, 95 %), the fields of the core [`NetPromoterScore`].
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Nps {
    signature: Signature,
}

impl Nps {
    /// The function.
    pub fn new() -> Self {
        Nps {
            signature: Signature::one_of(
                INTEGERS
                    .iter()
                    .map(|t| TypeSignature::Exact(vec![t.clone()]))
                    .collect(),
                Volatility::Immutable,
            ),
        }
    }

    fn fields() -> Fields {
        Fields::from(vec![
            Field::new("responses", DataType::UInt64, false),
            Field::new("promoters", DataType::UInt64, false),
            Field::new("passives", DataType::UInt64, false),
            Field::new("detractors", DataType::UInt64, false),
            Field::new("score", DataType::Float64, true),
            Field::new("margin_of_error", DataType::Float64, true),
        ])
    }
}

impl Default for Nps {
    fn default() -> Self {
        Nps::new()
    }
}

impl AggregateUDFImpl for Nps {
    fn name(&self) -> &str {
        "nps"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Struct(Self::fields()))
    }

    fn accumulator(&self, _args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(NpsAccumulator::default()))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok((0..=10)
            .map(|s| {
                Arc::new(Field::new(
                    format!("{}_score_{s}", args.name),
                    DataType::UInt64,
                    false,
                ))
            })
            .collect())
    }
}

/// Counts of responses per score 0..=10.
#[derive(Debug, Default)]
struct NpsAccumulator {
    counts: [u64; 11],
}

impl NpsAccumulator {
    /// The scores of a column, each checked: not NULL, on the scale.
    fn scores(values: &[ArrayRef]) -> Result<Vec<usize>> {
        let column = values
            .first()
            .ok_or_else(|| error("nps", "one argument expected"))?;
        let column = cast(column, &DataType::Int64)?;
        let column = column.as_primitive::<Int64Type>();
        let mut out = Vec::with_capacity(column.len());
        for (row, v) in column.iter().enumerate() {
            match v {
                None => return Err(error("nps", format!("row {row}: a NULL score"))),
                Some(s @ 0..=10) => out.push(s as usize),
                Some(s) => {
                    return Err(error(
                        "nps",
                        format!("row {row}: NPS score {s} is outside 0..=10"),
                    ));
                }
            }
        }
        Ok(out)
    }

    fn snapshot(&self) -> Result<csm_metrics::NpsSnapshot> {
        NetPromoterScore::from_distribution(self.counts)
            .map(|n| n.snapshot())
            .map_err(|e| error("nps", e))
    }
}

impl Accumulator for NpsAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let mut counts = self.counts;
        for s in Self::scores(values)? {
            counts[s] = counts[s]
                .checked_add(1)
                .ok_or_else(|| error("nps", "count overflow"))?;
        }
        self.counts = counts;
        Ok(())
    }

    fn retract_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let mut counts = self.counts;
        for s in Self::scores(values)? {
            counts[s] = counts[s]
                .checked_sub(1)
                .ok_or_else(|| error("nps", "retracting a score that was not added"))?;
        }
        self.counts = counts;
        Ok(())
    }

    fn supports_retract_batch(&self) -> bool {
        true
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        if states.len() != 11 {
            return Err(error(
                "nps",
                format!("{} state columns, 11 expected", states.len()),
            ));
        }
        let mut counts = self.counts;
        for (score, column) in states.iter().enumerate() {
            let column = column
                .as_any()
                .downcast_ref::<UInt64Array>()
                .ok_or_else(|| error("nps", "a state column that is not UInt64"))?;
            for v in column.iter() {
                let v = v.ok_or_else(|| error("nps", "a NULL in the state"))?;
                counts[score] = counts[score]
                    .checked_add(v)
                    .ok_or_else(|| error("nps", "count overflow"))?;
            }
        }
        self.counts = counts;
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(self
            .counts
            .iter()
            .map(|c| ScalarValue::UInt64(Some(*c)))
            .collect())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let s = self.snapshot()?;
        let columns: Vec<ArrayRef> = vec![
            Arc::new(UInt64Array::from(vec![s.responses])),
            Arc::new(UInt64Array::from(vec![s.promoters])),
            Arc::new(UInt64Array::from(vec![s.passives])),
            Arc::new(UInt64Array::from(vec![s.detractors])),
            Arc::new(Float64Array::from(vec![s.score])),
            Arc::new(Float64Array::from(vec![s.margin_of_error])),
        ];
        let array = StructArray::try_new(Nps::fields(), columns, None)?;
        Ok(ScalarValue::Struct(Arc::new(array)))
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self)
    }
}
