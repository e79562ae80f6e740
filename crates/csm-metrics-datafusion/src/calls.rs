//! Calls: `call_center(offered_at, answered_at, ended_at, hold_s, wrap_s)` and
//! `service_level(offered_at, answered_at, ended_at[, target_s, short_abandon_s])`.
//!
//! The state is the core [`CallCenter`] in its documented binary form
//! ([`CallCenter::to_bytes`]) plus the count of calls turned away, so partitions merge
//! exactly.

use std::sync::Arc;

use chrono::DateTime;
use csm_metrics::metrics::calls::{CallCenter, CallConfig};
use csm_metrics::{AgentId, Calculator, Call, CallId, QueueId};
use datafusion::arrow::array::{
    Array, ArrayRef, BinaryArray, Float64Array, Int64Array, StructArray, UInt64Array,
};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Fields};
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{Accumulator, AggregateUDFImpl, Signature, Volatility};

use crate::{error, literal_i64};

/// `call_center(...)` or `service_level(...)`.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Calls {
    service_level: bool,
    signature: Signature,
}

impl Calls {
    /// `call_center(offered_at, answered_at, ended_at, hold_s, wrap_s)`: the core
    /// [`CallCenter`] with its default targets (80/20 with 5 s short abandons) as a struct
    /// of `offered`, `answered`, `abandoned`, `short_abandons`, `service_level` (fraction
    /// answered within 20 s of offered less short abandons), `abandon_rate`, `asa` and
    /// `aht` (means, seconds) and `rejected` (calls that break a rule: answered before
    /// offered, ended before answered, hold beyond the call; counted, not used).
    ///
    /// Instants are Unix seconds (integers) or timestamps; `answered_at` is NULL for an
    /// abandoned call; `hold_s` and `wrap_s` are seconds (NULL as 0).
    pub fn center() -> Self {
        Calls {
            service_level: false,
            signature: Signature::any(5, Volatility::Immutable),
        }
    }

    /// `service_level(offered_at, answered_at, ended_at[, target_s, short_abandon_s])`:
    /// the share of calls answered within `target_s` (a literal, default 20) of those
    /// offered, less abandons under `short_abandon_s` (default 5), as a `Float64`.
    pub fn service_level() -> Self {
        Calls {
            service_level: true,
            signature: Signature::variadic_any(Volatility::Immutable),
        }
    }

    fn fields() -> Fields {
        let u = |n: &str| Field::new(n, DataType::UInt64, false);
        let f = |n: &str| Field::new(n, DataType::Float64, true);
        Fields::from(vec![
            u("offered"),
            u("answered"),
            u("abandoned"),
            u("short_abandons"),
            f("service_level"),
            f("abandon_rate"),
            f("asa"),
            f("aht"),
            u("rejected"),
        ])
    }

    fn function(&self) -> &'static str {
        if self.service_level {
            "service_level"
        } else {
            "call_center"
        }
    }
}

fn instant_type(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Int64 | DataType::Int32 | DataType::Timestamp(_, _) | DataType::Null
    )
}

impl AggregateUDFImpl for Calls {
    fn name(&self) -> &str {
        self.function()
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        let name = self.function();
        let arity_ok = if self.service_level {
            (3..=5).contains(&arg_types.len())
        } else {
            arg_types.len() == 5
        };
        if !arity_ok {
            return Err(error(name, format!("{} arguments", arg_types.len())));
        }
        for (i, t) in arg_types.iter().take(3).enumerate() {
            if !instant_type(t) {
                return Err(error(
                    name,
                    format!(
                        "argument {} must be Unix seconds or a timestamp, not {t}",
                        i + 1
                    ),
                ));
            }
        }
        if !self.service_level {
            for t in &arg_types[3..] {
                if !crate::INTEGERS.contains(t) && *t != DataType::Null {
                    return Err(error(
                        name,
                        format!("hold and wrap must be integers, not {t}"),
                    ));
                }
            }
        }
        Ok(if self.service_level {
            DataType::Float64
        } else {
            DataType::Struct(Self::fields())
        })
    }

    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        let name = self.function();
        let mut config = CallConfig::default();
        if self.service_level {
            let seconds = |i: usize, what: &str| -> Result<Option<u64>> {
                args.exprs
                    .get(i)
                    .map(|e| {
                        let v = literal_i64(name, e, what)?;
                        u64::try_from(v)
                            .map_err(|_| error(name, format!("`{what}` {v} is negative")))
                    })
                    .transpose()
            };
            if let Some(t) = seconds(3, "target_s")? {
                config.answer_target = t;
            }
            if let Some(s) = seconds(4, "short_abandon_s")? {
                config.short_abandon = s;
            }
        }
        Ok(Box::new(CallsAccumulator {
            name,
            service_level: self.service_level,
            center: CallCenter::new(config),
            rejected: 0,
        }))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![
            Arc::new(Field::new(
                format!("{}_calls", args.name),
                DataType::Binary,
                false,
            )),
            Arc::new(Field::new(
                format!("{}_rejected", args.name),
                DataType::UInt64,
                false,
            )),
        ])
    }
}

#[derive(Debug)]
struct CallsAccumulator {
    name: &'static str,
    service_level: bool,
    center: CallCenter,
    rejected: u64,
}

impl Accumulator for CallsAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let name = self.name;
        let [offered, answered, ended, rest @ ..] = values else {
            return Err(error(name, "three instants expected"));
        };
        let (offered, answered, ended) = (
            crate::unix_seconds(offered)?,
            crate::unix_seconds(answered)?,
            crate::unix_seconds(ended)?,
        );
        let extra = |i: usize| -> Result<Option<Int64Array>> {
            match (self.service_level, rest.get(i)) {
                (false, Some(c)) => Ok(Some(crate::integers(name, c)?)),
                _ => Ok(None),
            }
        };
        let (hold, wrap) = (extra(0)?, extra(1)?);
        for row in 0..offered.len() {
            let at = |a: &Int64Array| {
                (!a.is_null(row))
                    .then(|| DateTime::from_timestamp(a.value(row), 0))
                    .flatten()
            };
            let (Some(offered_at), Some(ended_at)) = (at(&offered), at(&ended)) else {
                return Err(error(
                    name,
                    format!("row {row}: offered_at and ended_at must be instants, not NULL"),
                ));
            };
            let answered_at = at(&answered);
            let get = |c: &Option<Int64Array>| -> Result<u64> {
                match c {
                    Some(c) if !c.is_null(row) => u64::try_from(c.value(row))
                        .map_err(|_| error(name, format!("row {row}: negative seconds"))),
                    _ => Ok(0),
                }
            };
            let call = Call {
                id: CallId(row as u64),
                queue: QueueId(0),
                offered_at,
                answered_at,
                ended_at,
                hold: get(&hold)?,
                wrap: get(&wrap)?,
                agent: answered_at.map(|_| AgentId(0)),
                customer: None,
                transferred: false,
            };
            if self.center.observe(&call).is_err() {
                self.rejected += 1;
            }
        }
        Ok(())
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let name = self.name;
        let (Some(bytes), Some(rejected)) = (
            states
                .first()
                .and_then(|c| c.as_any().downcast_ref::<BinaryArray>()),
            states
                .get(1)
                .and_then(|c| c.as_any().downcast_ref::<UInt64Array>()),
        ) else {
            return Err(error(name, "state columns of the wrong types"));
        };
        for (b, r) in bytes.iter().zip(rejected.iter()) {
            let (Some(b), Some(r)) = (b, r) else {
                return Err(error(name, "a NULL in the state"));
            };
            let other = CallCenter::from_bytes(b).map_err(|e| error(name, e))?;
            self.center.merge(&other).map_err(|e| error(name, e))?;
            self.rejected = self
                .rejected
                .checked_add(r)
                .ok_or_else(|| error(name, "count overflow"))?;
        }
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let mut bytes = Vec::new();
        self.center
            .to_bytes(&mut bytes)
            .map_err(|e| error(self.name, e))?;
        Ok(vec![
            ScalarValue::Binary(Some(bytes)),
            ScalarValue::UInt64(Some(self.rejected)),
        ])
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let s = self.center.snapshot();
        if self.service_level {
            return Ok(ScalarValue::Float64(s.service_level));
        }
        let u = |v: u64| -> ArrayRef { Arc::new(UInt64Array::from(vec![v])) };
        let f = |v: Option<f64>| -> ArrayRef { Arc::new(Float64Array::from(vec![v])) };
        let columns = vec![
            u(s.offered),
            u(s.answered),
            u(s.abandoned),
            u(s.short_abandons),
            f(s.service_level),
            f(s.abandonment_rate),
            f(s.asa.mean),
            f(s.aht.mean),
            u(self.rejected),
        ];
        Ok(ScalarValue::Struct(Arc::new(StructArray::try_new(
            Calls::fields(),
            columns,
            None,
        )?)))
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self)
    }
}
