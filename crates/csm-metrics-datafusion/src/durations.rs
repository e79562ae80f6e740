//! Durations: `duration_summary(seconds)` and `duration_quantile(seconds, q)`.
//!
//! The state is the core [`DurationSummary`]: exact count, sums, minimum and maximum, the
//! quantile sketch and the buckets, in one `Binary` column in the documented form of
//! [`DurationSummary::to_bytes`] (about 1 KB for a month of response times). Partitions
//! merge exactly (the sketch merges bin by bin), so the answer does not depend on the
//! partitioning: counts, means and extremes are exact, quantiles are within the sketch's
//! relative accuracy α = 1 % and identical however the rows are split.

use std::sync::Arc;

use csm_metrics::{Calculator, DurationSummary};
use datafusion::arrow::array::{
    Array, ArrayRef, BinaryArray, Float64Array, StructArray, UInt64Array,
};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Fields};
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDFImpl, Signature, TypeSignature, Volatility,
};

use crate::{INTEGERS, error, integers, literal_f64};

/// `duration_summary(seconds)` or `duration_quantile(seconds, q)`.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Durations {
    quantile: bool,
    signature: Signature,
}

impl Durations {
    /// `duration_summary(seconds)`: a struct of `count`, `mean`, `std_dev`, `min`, `max`,
    /// `p50`, `p90`, `p95`, `p99` of whole-second durations (an integer column), the
    /// fields of the core [`DurationSnapshot`](csm_metrics::DurationSnapshot). NULLs are
    /// skipped (a ticket with no first response has none); a negative duration is an error.
    pub fn summary() -> Self {
        Durations {
            quantile: false,
            signature: Signature::one_of(
                INTEGERS
                    .iter()
                    .map(|t| TypeSignature::Exact(vec![t.clone()]))
                    .collect(),
                Volatility::Immutable,
            ),
        }
    }

    /// `duration_quantile(seconds, q)`: the type 7 quantile `q` (a literal in 0..=1) of
    /// the durations, within α = 1 %, as a `Float64`.
    pub fn quantile() -> Self {
        Durations {
            quantile: true,
            signature: Signature::one_of(
                INTEGERS
                    .iter()
                    .map(|t| TypeSignature::Exact(vec![t.clone(), DataType::Float64]))
                    .collect(),
                Volatility::Immutable,
            ),
        }
    }

    fn fields() -> Fields {
        let f = |n: &str| Field::new(n, DataType::Float64, true);
        Fields::from(vec![
            Field::new("count", DataType::UInt64, false),
            f("mean"),
            f("std_dev"),
            f("min"),
            f("max"),
            f("p50"),
            f("p90"),
            f("p95"),
            f("p99"),
        ])
    }
}

impl AggregateUDFImpl for Durations {
    fn name(&self) -> &str {
        if self.quantile {
            "duration_quantile"
        } else {
            "duration_summary"
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(if self.quantile {
            DataType::Float64
        } else {
            DataType::Struct(Self::fields())
        })
    }

    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        let name = if self.quantile {
            "duration_quantile"
        } else {
            "duration_summary"
        };
        let q = if self.quantile {
            let e = args
                .exprs
                .get(1)
                .ok_or_else(|| error(name, "a quantile argument expected"))?;
            let q = literal_f64(name, e, "q")?;
            if !(0.0..=1.0).contains(&q) {
                return Err(error(name, format!("quantile {q} is outside 0..=1")));
            }
            Some(q)
        } else {
            None
        };
        Ok(Box::new(DurationAccumulator {
            name,
            q,
            summary: DurationSummary::default(),
        }))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![Arc::new(Field::new(
            format!("{}_summary", args.name),
            DataType::Binary,
            false,
        ))])
    }
}

#[derive(Debug)]
struct DurationAccumulator {
    name: &'static str,
    q: Option<f64>,
    summary: DurationSummary,
}

impl DurationAccumulator {
    fn apply(&mut self, values: &[ArrayRef], add: bool) -> Result<()> {
        let name = self.name;
        let column = values
            .first()
            .ok_or_else(|| error(name, "a duration argument expected"))?;
        let column = integers(name, column)?;
        // An error fails the query, so the state it leaves behind is never read.
        for (row, v) in column.iter().enumerate() {
            let Some(v) = v else { continue };
            let v = u64::try_from(v)
                .map_err(|_| error(name, format!("row {row}: negative duration {v}")))?;
            if add {
                self.summary.add(v)
            } else {
                self.summary.remove(v)
            }
            .map_err(|e| error(name, format!("row {row}: {e}")))?;
        }
        Ok(())
    }
}

impl Accumulator for DurationAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        self.apply(values, true)
    }

    fn retract_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        self.apply(values, false)
    }

    fn supports_retract_batch(&self) -> bool {
        true
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let name = self.name;
        let column = states
            .first()
            .and_then(|c| c.as_any().downcast_ref::<BinaryArray>())
            .ok_or_else(|| error(name, "a state column that is not Binary"))?;
        for bytes in column.iter() {
            let bytes = bytes.ok_or_else(|| error(name, "a NULL in the state"))?;
            let other = DurationSummary::from_bytes(bytes).map_err(|e| error(name, e))?;
            self.summary.merge(&other).map_err(|e| error(name, e))?;
        }
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let mut bytes = Vec::new();
        self.summary
            .to_bytes(&mut bytes)
            .map_err(|e| error(self.name, e))?;
        Ok(vec![ScalarValue::Binary(Some(bytes))])
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        if let Some(q) = self.q {
            return Ok(ScalarValue::Float64(self.summary.quantile(q)));
        }
        let s = self.summary.snapshot();
        let f = |v: Option<f64>| -> ArrayRef { Arc::new(Float64Array::from(vec![v])) };
        let columns: Vec<ArrayRef> = vec![
            Arc::new(UInt64Array::from(vec![s.count])),
            f(s.mean),
            f(s.std_dev),
            f(s.min),
            f(s.max),
            f(s.p50),
            f(s.p90),
            f(s.p95),
            f(s.p99),
        ];
        Ok(ScalarValue::Struct(Arc::new(StructArray::try_new(
            Durations::fields(),
            columns,
            None,
        )?)))
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self) + self.summary.sketch().heap_bytes()
    }
}
