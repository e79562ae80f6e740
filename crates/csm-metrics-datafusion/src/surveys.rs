//! Survey scores: `nps(score)`, `csat(score[, satisfied_from])`, `ces(score)`.
//!
//! The state of each is the core calculator's: the count of responses per score 0..=10,
//! eleven `UInt64` columns. Scores retract, so all three work over sliding window frames.

use std::sync::Arc;

use csm_metrics::{
    Calculator, CesScale, CsatScale, CustomerEffortScore, CustomerSatisfaction, NetPromoterScore,
};
use datafusion::arrow::array::{Array, ArrayRef, Float64Array, StructArray, UInt64Array};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Fields};
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{Accumulator, AggregateUDFImpl, Signature};

use crate::{error, integer_signature, integers, literal_i64};

/// Which survey metric a [`Scores`] function computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Nps,
    Csat,
    Ces,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Nps => "nps",
            Kind::Csat => "csat",
            Kind::Ces => "ces",
        }
    }

    fn fields(self) -> Fields {
        let u = |n: &str| Field::new(n, DataType::UInt64, false);
        let f = |n: &str| Field::new(n, DataType::Float64, true);
        Fields::from(match self {
            Kind::Nps => vec![
                u("responses"),
                u("promoters"),
                u("passives"),
                u("detractors"),
                f("score"),
                f("margin_of_error"),
            ],
            Kind::Csat => vec![
                u("responses"),
                u("satisfied"),
                f("score"),
                f("ci_low"),
                f("ci_high"),
                f("mean"),
            ],
            Kind::Ces => vec![
                u("responses"),
                u("agreeing"),
                f("mean"),
                f("ci_low"),
                f("ci_high"),
                f("agree"),
            ],
        })
    }
}

/// A survey metric over a column of scores: [`nps`](Scores::nps), [`csat`](Scores::csat)
/// or [`ces`](Scores::ces).
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Scores {
    kind: Kind,
    signature: Signature,
}

impl Scores {
    /// `nps(score)`: the Net Promoter Score of 0..=10 scores, a struct of `responses`,
    /// `promoters`, `passives`, `detractors`, `score` (points, −100..=100) and
    /// `margin_of_error` (points, 95 %): the fields of the core
    /// [`NpsSnapshot`](csm_metrics::NpsSnapshot). eNPS is the same function over employee
    /// responses.
    pub fn nps() -> Self {
        Scores {
            kind: Kind::Nps,
            signature: integer_signature(&[1]),
        }
    }

    /// `csat(score[, satisfied_from])`: customer satisfaction on the 1..=5 scale, satisfied
    /// from 4 (top-two-box) unless the second argument (a literal) says otherwise; a struct
    /// of `responses`, `satisfied`, `score` (% satisfied), `ci_low`/`ci_high` (Wilson 95 %,
    /// percent) and `mean`.
    pub fn csat() -> Self {
        Scores {
            kind: Kind::Csat,
            signature: integer_signature(&[1, 2]),
        }
    }

    /// `ces(score)`: customer effort on the 1..=7 scale; a struct of `responses`,
    /// `agreeing` (5-7), `mean` with `ci_low`/`ci_high` (95 %), and `agree` (% agreeing).
    pub fn ces() -> Self {
        Scores {
            kind: Kind::Ces,
            signature: integer_signature(&[1]),
        }
    }
}

impl AggregateUDFImpl for Scores {
    fn name(&self) -> &str {
        self.kind.name()
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Struct(self.kind.fields()))
    }

    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        let name = self.kind.name();
        let scale = match self.kind {
            Kind::Nps => Scale::Nps,
            Kind::Csat => {
                let satisfied_from = match args.exprs.get(1) {
                    Some(e) => literal_i64(name, e, "satisfied_from")?,
                    None => 4,
                };
                let satisfied_from = u8::try_from(satisfied_from)
                    .ok()
                    .filter(|s| (1..=5).contains(s))
                    .ok_or_else(|| {
                        error(
                            name,
                            format!("satisfied_from {satisfied_from} is outside 1..=5"),
                        )
                    })?;
                Scale::Csat(CsatScale::Points {
                    max: 5,
                    satisfied_from,
                })
            }
            Kind::Ces => Scale::Ces(CesScale::default()),
        };
        Ok(Box::new(ScoreAccumulator {
            scale,
            counts: [0; 11],
        }))
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

#[derive(Debug, Clone, Copy)]
enum Scale {
    Nps,
    Csat(CsatScale),
    Ces(CesScale),
}

impl Scale {
    fn name(self) -> &'static str {
        match self {
            Scale::Nps => "nps",
            Scale::Csat(_) => "csat",
            Scale::Ces(_) => "ces",
        }
    }

    fn range(self) -> (i64, i64) {
        match self {
            Scale::Nps => (0, 10),
            Scale::Csat(_) => (1, 5),
            Scale::Ces(s) => (1, i64::from(s.max)),
        }
    }
}

/// Counts of responses per score 0..=10.
#[derive(Debug)]
struct ScoreAccumulator {
    scale: Scale,
    counts: [u64; 11],
}

impl ScoreAccumulator {
    /// Adds (`sign` +1) or retracts (−1) a column of scores, each checked: not NULL, on the
    /// scale. Nothing changes on an error.
    fn apply(&mut self, values: &[ArrayRef], add: bool) -> Result<()> {
        let name = self.scale.name();
        let column = values
            .first()
            .ok_or_else(|| error(name, "a score argument expected"))?;
        let column = integers(name, column)?;
        let (low, high) = self.scale.range();
        let mut counts = self.counts;
        for (row, v) in column.iter().enumerate() {
            let s = match v {
                None => return Err(error(name, format!("row {row}: a NULL score"))),
                Some(s) if (low..=high).contains(&s) => s as usize,
                Some(s) => {
                    return Err(error(
                        name,
                        format!("row {row}: score {s} is outside {low}..={high}"),
                    ));
                }
            };
            counts[s] = if add {
                counts[s]
                    .checked_add(1)
                    .ok_or_else(|| error(name, "count overflow"))?
            } else {
                counts[s]
                    .checked_sub(1)
                    .ok_or_else(|| error(name, "retracting a score that was not added"))?
            };
        }
        self.counts = counts;
        Ok(())
    }
}

fn struct_scalar(fields: Fields, columns: Vec<ArrayRef>) -> Result<ScalarValue> {
    Ok(ScalarValue::Struct(Arc::new(StructArray::try_new(
        fields, columns, None,
    )?)))
}

fn u(v: u64) -> ArrayRef {
    Arc::new(UInt64Array::from(vec![v]))
}

fn f(v: Option<f64>) -> ArrayRef {
    Arc::new(Float64Array::from(vec![v]))
}

impl Accumulator for ScoreAccumulator {
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
        let name = self.scale.name();
        if states.len() != 11 {
            return Err(error(
                name,
                format!("{} state columns, 11 expected", states.len()),
            ));
        }
        let mut counts = self.counts;
        for (score, column) in states.iter().enumerate() {
            let column = column
                .as_any()
                .downcast_ref::<UInt64Array>()
                .ok_or_else(|| error(name, "a state column that is not UInt64"))?;
            for v in column.iter() {
                let v = v.ok_or_else(|| error(name, "a NULL in the state"))?;
                counts[score] = counts[score]
                    .checked_add(v)
                    .ok_or_else(|| error(name, "count overflow"))?;
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
        let name = self.scale.name();
        let core = |e: csm_metrics::Error| error(name, e);
        match self.scale {
            Scale::Nps => {
                let s = NetPromoterScore::from_distribution(self.counts)
                    .map_err(core)?
                    .snapshot();
                struct_scalar(
                    Kind::Nps.fields(),
                    vec![
                        u(s.responses),
                        u(s.promoters),
                        u(s.passives),
                        u(s.detractors),
                        f(s.score),
                        f(s.margin_of_error),
                    ],
                )
            }
            Scale::Csat(scale) => {
                let s = CustomerSatisfaction::from_distribution(scale, self.counts)
                    .map_err(core)?
                    .snapshot();
                struct_scalar(
                    Kind::Csat.fields(),
                    vec![
                        u(s.responses),
                        u(s.satisfied),
                        f(s.score),
                        f(s.interval.map(|i| i.low)),
                        f(s.interval.map(|i| i.high)),
                        f(s.mean.map(|m| m.mean)),
                    ],
                )
            }
            Scale::Ces(scale) => {
                let s = CustomerEffortScore::from_distribution(scale, self.counts)
                    .map_err(core)?
                    .snapshot();
                let interval = s.mean.and_then(|m| m.interval);
                struct_scalar(
                    Kind::Ces.fields(),
                    vec![
                        u(s.responses),
                        u(s.agreeing),
                        f(s.mean.map(|m| m.mean)),
                        f(interval.map(|i| i.low)),
                        f(interval.map(|i| i.high)),
                        f(s.agree.map(|a| a.percent)),
                    ],
                )
            }
        }
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self)
    }
}
