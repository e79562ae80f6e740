//! The history's tables as Apache Arrow record batches: what a Parquet file decodes to, and
//! what a caller holding the tables in memory (a pyarrow table, a Polars or pandas data
//! frame through the Arrow C stream interface) hands over without writing a file. Columns
//! are found by name (others ignored) and read as the format's types: ids and instants as
//! `Int64` (any integer type is cast; an instant may also be an Arrow `Timestamp` of any
//! unit and zone, read as Unix seconds, rounded down), texts as `Utf8` (`LargeUtf8`,
//! `Utf8View` and dictionaries of them are cast; `Dictionary(Int32, Utf8)` is read as
//! keys), `public` as `Boolean` (integers and `true`/`false` texts are cast). Floats (an
//! integer column with gaps, as pandas holds one) are read where whole; an instant's
//! fraction of a second is rounded down, any other fraction breaks the column's rule.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Int32Type, Int64Type};
use arrow_array::{
    Array, ArrayRef, BooleanArray, Int32Array, Int64Array, RecordBatch, StringArray,
};
use arrow_schema::{DataType, SchemaRef, TimeUnit};

use csm_metrics::{Call, SurveyResponse};

use super::rows::{self, EventRow, MAX_SECONDS, MIN_SECONDS, Names, TicketRow};
use super::source::Batch;
use crate::error::{Error, Result};
use crate::report::{ImportReport, Rule, Table};

/// An Arrow error, named by the file or table it came from.
pub(super) fn arrow_failed(path: &Path) -> impl Fn(arrow_schema::ArrowError) -> Error + '_ {
    move |e| Error::Parquet {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// One table of the history as record batches in memory.
#[derive(Debug, Clone)]
pub struct ArrowTable {
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
}

impl ArrowTable {
    /// A table of `batches`, each of the `schema` (by column names: a batch whose columns
    /// differ in name or order from the schema's is an error, naming the batch).
    pub fn new(schema: SchemaRef, batches: Vec<RecordBatch>) -> Result<ArrowTable> {
        let names = |s: &arrow_schema::Schema| {
            s.fields()
                .iter()
                .map(|f| f.name().clone())
                .collect::<Vec<_>>()
        };
        let expected = names(&schema);
        for (k, b) in batches.iter().enumerate() {
            if names(&b.schema()) != expected {
                return Err(Error::Parquet {
                    path: PathBuf::from("record batches"),
                    message: format!(
                        "batch {k} has the columns {:?}, the table's schema {expected:?}",
                        names(&b.schema())
                    ),
                });
            }
        }
        Ok(ArrowTable { schema, batches })
    }

    /// A table of one or more batches, the first's schema the table's; `None` for none.
    pub fn from_batches(batches: Vec<RecordBatch>) -> Option<Result<ArrowTable>> {
        let schema = batches.first()?.schema();
        Some(ArrowTable::new(schema, batches))
    }

    /// Its schema.
    pub fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    /// Its batches.
    pub fn batches(&self) -> &[RecordBatch] {
        &self.batches
    }

    /// Rows in all.
    pub fn num_rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }

    /// Bytes its arrays take (for progress).
    pub(super) fn bytes(&self) -> u64 {
        self.batches
            .iter()
            .map(|b| b.get_array_memory_size() as u64)
            .sum()
    }

    /// Checks that the table has the `columns` the format requires.
    pub(super) fn require(&self, path: &Path, columns: &[&'static str]) -> Result<()> {
        for c in columns {
            if self.schema.index_of(c).is_err() {
                return Err(Error::MissingColumn {
                    path: path.to_path_buf(),
                    column: c,
                    found: column_names(&self.schema),
                });
            }
        }
        Ok(())
    }
}

/// The tables of a history held in memory.
#[derive(Debug, Clone)]
pub(super) struct Memory {
    pub tickets: ArrowTable,
    pub events: ArrowTable,
    pub surveys: Option<ArrowTable>,
    pub calls: Option<ArrowTable>,
}

impl Memory {
    pub(super) fn table(&self, name: &str) -> Option<&ArrowTable> {
        match name {
            "tickets" => Some(&self.tickets),
            "events" => Some(&self.events),
            "surveys" => self.surveys.as_ref(),
            "calls" => self.calls.as_ref(),
            _ => None,
        }
    }
}

/// Reads a batch's columns by name; errors name `path` (a file, or a table in memory).
#[derive(Clone, Copy)]
pub(super) struct Columns<'a>(pub &'a Path);

impl Columns<'_> {
    fn raw<'b>(&self, batch: &'b RecordBatch, name: &str) -> Result<&'b ArrayRef> {
        batch.column_by_name(name).ok_or_else(|| Error::Parquet {
            path: self.0.to_path_buf(),
            message: format!("no column {name:?} in a batch"),
        })
    }

    fn cast(&self, column: &ArrayRef, to: &DataType) -> Result<ArrayRef> {
        arrow_cast::cast(column, to).map_err(arrow_failed(self.0))
    }

    /// An integer column (floats, as pandas holds an integer column with gaps, where
    /// whole: a fraction is a null, so the row breaks the format's rule).
    pub(super) fn ints(&self, batch: &RecordBatch, name: &str) -> Result<Int64Array> {
        let column = self.raw(batch, name)?;
        if let Some(floats) = floats(column, self.0)? {
            return Ok(floats
                .iter()
                .map(|v| v.and_then(|v| whole(v, false)))
                .collect());
        }
        Ok(self
            .cast(column, &DataType::Int64)?
            .as_primitive::<Int64Type>()
            .clone())
    }

    /// An instant column as Unix seconds: integers as they are, Arrow timestamps of any
    /// unit rounded down to the second.
    pub(super) fn instants(&self, batch: &RecordBatch, name: &str) -> Result<Int64Array> {
        let column = self.raw(batch, name)?;
        seconds_of(column, self.0)
    }

    /// A text column as it came: dictionary keys and values, or plain texts.
    pub(super) fn coded_texts(&self, batch: &RecordBatch, name: &str) -> Result<Texts> {
        let column = self.raw(batch, name)?;
        if let DataType::Dictionary(key, value) = column.data_type() {
            if **key == DataType::Int32 && **value == DataType::Utf8 {
                let d = column.as_dictionary::<Int32Type>();
                let values = d.values().as_string::<i32>();
                // A batch's few distinct texts, trimmed once.
                let values = (0..values.len())
                    .map(|k| text(values, k).to_vec())
                    .collect();
                return Ok(Texts::Coded(d.keys().clone(), values));
            }
        }
        Ok(Texts::Plain(
            self.cast(column, &DataType::Utf8)?
                .as_string::<i32>()
                .clone(),
        ))
    }

    /// A boolean column.
    pub(super) fn bools(&self, batch: &RecordBatch, name: &str) -> Result<BooleanArray> {
        let column = self.raw(batch, name)?;
        Ok(self.cast(column, &DataType::Boolean)?.as_boolean().clone())
    }
}

/// A float column as `Float64`; `None` for any other type.
fn floats(column: &ArrayRef, path: &Path) -> Result<Option<arrow_array::Float64Array>> {
    Ok(match column.data_type() {
        DataType::Float16 | DataType::Float32 | DataType::Float64 => Some(
            arrow_cast::cast(column, &DataType::Float64)
                .map_err(arrow_failed(path))?
                .as_primitive::<arrow_array::types::Float64Type>()
                .clone(),
        ),
        _ => None,
    })
}

/// A float as an integer: whole values (or, for an instant, any value rounded down to
/// its second) within the range of Unix seconds the format reads; `None` otherwise.
fn whole(v: f64, instant: bool) -> Option<i64> {
    let v = if instant { v.floor() } else { v };
    // Beyond 2^53 a float no longer tells integers apart.
    (v.is_finite() && v.fract() == 0.0 && v.abs() <= 9_007_199_254_740_992.0).then_some(v as i64)
}

/// Unix seconds of an instant column: an integer column cast, a timestamp divided down,
/// floats rounded down.
fn seconds_of(column: &ArrayRef, path: &Path) -> Result<Int64Array> {
    if let Some(floats) = floats(column, path)? {
        return Ok(floats
            .iter()
            .map(|v| v.and_then(|v| whole(v, true)))
            .collect());
    }
    let per_second = match column.data_type() {
        DataType::Timestamp(unit, _) => match unit {
            TimeUnit::Second => 1,
            TimeUnit::Millisecond => 1_000,
            TimeUnit::Microsecond => 1_000_000,
            TimeUnit::Nanosecond => 1_000_000_000,
        },
        _ => 0,
    };
    let ints = arrow_cast::cast(column, &DataType::Int64).map_err(arrow_failed(path))?;
    let ints = ints.as_primitive::<Int64Type>();
    Ok(if per_second > 1 {
        ints.iter()
            .map(|v| v.map(|v| v.div_euclid(per_second)))
            .collect()
    } else {
        ints.clone()
    })
}

pub(super) fn id(a: &Int64Array, i: usize) -> Option<u64> {
    a.is_valid(i)
        .then(|| a.value(i))
        .and_then(|v| u64::try_from(v).ok())
}

pub(super) fn seconds(a: &Int64Array, i: usize) -> Option<i64> {
    a.is_valid(i)
        .then(|| a.value(i))
        .filter(|s| (MIN_SECONDS..=MAX_SECONDS).contains(s))
}

/// A text column of a batch: plain, or dictionary keys into their values.
pub(super) enum Texts {
    Plain(StringArray),
    Coded(Int32Array, Vec<Vec<u8>>),
}

impl Texts {
    #[inline]
    pub(super) fn at(&self, i: usize) -> &[u8] {
        match self {
            Texts::Plain(a) => text(a, i),
            Texts::Coded(keys, values) => {
                if !keys.is_valid(i) {
                    return b"";
                }
                usize::try_from(keys.value(i))
                    .ok()
                    .and_then(|k| values.get(k))
                    .map_or(b"", |v| v.as_slice())
            }
        }
    }
}

impl Texts {
    /// Each distinct text's code by `classify` (a null row's: the empty text's), where the
    /// column is dictionary-coded; `None` for plain texts.
    fn codes(&self, classify: impl Fn(&[u8]) -> u8) -> Option<Codes<'_>> {
        match self {
            Texts::Plain(_) => None,
            Texts::Coded(keys, values) => Some(Codes {
                keys,
                codes: values.iter().map(|v| classify(v)).collect(),
                null: classify(b""),
            }),
        }
    }
}

/// The codes of a dictionary-coded text column's rows.
struct Codes<'a> {
    keys: &'a Int32Array,
    codes: Vec<u8>,
    null: u8,
}

impl Codes<'_> {
    #[inline]
    fn at(&self, i: usize) -> u8 {
        if self.keys.is_null(i) {
            return self.null;
        }
        usize::try_from(self.keys.value(i))
            .ok()
            .and_then(|k| self.codes.get(k))
            .copied()
            .unwrap_or(self.null)
    }
}

pub(super) fn text(a: &StringArray, i: usize) -> &[u8] {
    if a.is_valid(i) {
        a.value(i).as_bytes().trim_ascii()
    } else {
        b""
    }
}

/// Parses a batch of event rows, in order; returns the rows read.
pub(super) fn parse_events(
    o: Columns<'_>,
    batch: &RecordBatch,
    teams: &mut Names,
    mut f: impl FnMut(Result<EventRow, Rule>),
) -> Result<u64> {
    let (ticket, at, agent) = (
        o.ints(batch, "ticket_id")?,
        o.instants(batch, "at")?,
        o.ints(batch, "agent_id")?,
    );
    let (kind, author, status) = (
        o.coded_texts(batch, "kind")?,
        o.coded_texts(batch, "author_kind")?,
        o.coded_texts(batch, "status_to")?,
    );
    let public = o.bools(batch, "public")?;
    // Dictionary-coded texts (what the converter writes) are classified once per distinct
    // text, not compared per row.
    let codes = match (
        kind.codes(rows::kind_code),
        author.codes(rows::author_code),
        status.codes(rows::status_code),
    ) {
        (Some(k), Some(a), Some(s)) => Some([k, a, s]),
        _ => None,
    };
    for i in 0..batch.num_rows() {
        let row = match (id(&ticket, i), seconds(&at, i)) {
            (Some(t), Some(a)) => {
                let public = public.is_valid(i) && public.value(i);
                let agent = id(&agent, i).unwrap_or(0);
                let coded = codes.as_ref().and_then(|[k, a_, s]| {
                    rows::event_of_codes(t, a, [k.at(i), a_.at(i), s.at(i)], public, agent)
                });
                match coded {
                    Some(row) => row,
                    None => rows::event(
                        t,
                        a,
                        [kind.at(i), author.at(i), status.at(i)],
                        public,
                        agent,
                        teams,
                    ),
                }
            }
            _ => Err(Rule::BadTicketIdOrInstant),
        };
        f(row);
    }
    Ok(batch.num_rows() as u64)
}

/// Parses a batch of ticket rows into `out`, their rejections into `report`.
pub(super) fn parse_tickets(
    o: Columns<'_>,
    batch: &RecordBatch,
    teams: &mut Names,
    out: &mut VecDeque<TicketRow>,
    report: &mut ImportReport,
) -> Result<Batch> {
    let (ids, created, requester) = (
        o.ints(batch, "ticket_id")?,
        o.instants(batch, "created_at")?,
        o.ints(batch, "requester_id")?,
    );
    let (channel, priority, team) = (
        o.coded_texts(batch, "channel")?,
        o.coded_texts(batch, "priority")?,
        o.coded_texts(batch, "team")?,
    );
    for i in 0..batch.num_rows() {
        let (Some(t), Some(c), Some(r)) = (id(&ids, i), seconds(&created, i), id(&requester, i))
        else {
            report.reject(Table::Tickets, Rule::BadIdOrInstant);
            continue;
        };
        match rows::ticket(t, c, r, [channel.at(i), priority.at(i), team.at(i)]) {
            Ok((mut row, name)) => {
                if let Some(name) = name {
                    row.team = Some(teams.team(name)?);
                }
                out.push_back(row);
            }
            Err(rule) => report.reject(Table::Tickets, rule),
        }
    }
    Ok(Batch {
        rows: batch.num_rows() as u64,
        bytes: batch.get_array_memory_size() as u64 / 4,
    })
}

/// Parses a batch of survey rows, in order, numbering them on from `row` (a response's
/// id is its row, from 1).
pub(super) fn parse_surveys(
    o: Columns<'_>,
    batch: &RecordBatch,
    row: &mut u64,
    mut f: impl FnMut(std::result::Result<SurveyResponse, Rule>),
) -> Result<()> {
    let kind = o.coded_texts(batch, "kind")?;
    let at = o.instants(batch, "at")?;
    let (ticket, agent, score) = (
        o.ints(batch, "ticket_id")?,
        o.ints(batch, "agent_id")?,
        o.ints(batch, "score")?,
    );
    for i in 0..batch.num_rows() {
        *row += 1;
        f(rows::survey(
            kind.at(i),
            seconds(&at, i),
            id(&ticket, i),
            id(&agent, i),
            id(&score, i),
            *row,
        ));
    }
    Ok(())
}

/// Parses a batch of call rows, in order (queues named in `queues`).
pub(super) fn parse_calls(
    o: Columns<'_>,
    batch: &RecordBatch,
    queues: &mut Names,
    mut f: impl FnMut(std::result::Result<Call, Rule>),
) -> Result<()> {
    let (ids, queue) = (o.ints(batch, "call_id")?, o.coded_texts(batch, "queue")?);
    let (offered, answered, ended) = (
        o.instants(batch, "offered_at")?,
        o.instants(batch, "answered_at")?,
        o.instants(batch, "ended_at")?,
    );
    let (hold, wrap, agent) = (
        o.ints(batch, "hold_s")?,
        o.ints(batch, "wrap_s")?,
        o.ints(batch, "agent_id")?,
    );
    for i in 0..batch.num_rows() {
        // Null: not answered; a value out of range: unreadable.
        let answer = if answered.is_valid(i) {
            seconds(&answered, i).map(Some)
        } else {
            Some(None)
        };
        let instants = (seconds(&offered, i), answer, seconds(&ended, i));
        let counts = [id(&hold, i), id(&wrap, i), id(&agent, i)];
        f(rows::call(
            id(&ids, i),
            queue.at(i),
            instants,
            counts,
            queues,
        )?);
    }
    Ok(())
}

/// A schema's column names, comma-separated (a CSV header row; an error's list).
pub(super) fn column_names(schema: &arrow_schema::Schema) -> String {
    schema
        .fields()
        .iter()
        .map(|f| f.name().as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// The header of a small table's batches as a CSV header row: its column names.
pub(super) fn header(schema: &arrow_schema::Schema) -> Vec<u8> {
    column_names(schema).into_bytes()
}

/// Every row of a batch of a small table (surveys, calls) as a CSV record of its columns
/// cast to text (nulls empty; timestamps as Unix seconds), so the CSV rules apply.
pub(super) fn each_text_record(
    path: &Path,
    batch: &RecordBatch,
    header: &[u8],
    record: &mut csv::ByteRecord,
    mut f: impl FnMut(&[u8], &csv::ByteRecord) -> Result<()>,
) -> Result<()> {
    let columns: Vec<StringArray> = batch
        .columns()
        .iter()
        .map(|c| {
            let c = match (c.data_type(), floats(c, path)?) {
                (DataType::Timestamp(..), _) => Arc::new(seconds_of(c, path)?) as ArrayRef,
                // Whole floats as integers (an integer column with gaps, from pandas); a
                // fraction stays, and breaks the column's rule as in a CSV file.
                (_, Some(floats)) => {
                    let texts: StringArray = floats
                        .iter()
                        .map(|v| {
                            v.map(|v| match whole(v, false) {
                                Some(i) => i.to_string(),
                                None => v.to_string(),
                            })
                        })
                        .collect();
                    Arc::new(texts) as ArrayRef
                }
                _ => c.clone(),
            };
            Ok(arrow_cast::cast(&c, &DataType::Utf8)
                .map_err(arrow_failed(path))?
                .as_string::<i32>()
                .clone())
        })
        .collect::<Result<_>>()?;
    for i in 0..batch.num_rows() {
        record.clear();
        for c in &columns {
            record.push_field(text(c, i));
        }
        f(header, record)?;
    }
    Ok(())
}
