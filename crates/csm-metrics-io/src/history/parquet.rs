//! The history format in Apache Parquet (feature `parquet`): `NAME.parquet` with the
//! columns of `NAME.csv`, typed (ids and instants `Int64`, texts `Utf8`, `public`
//! `Boolean`; other integer, text and dictionary types are cast). Row groups are the jobs
//! of the streamed read, parsed in parallel; columns are read by name, others skipped.

use std::collections::VecDeque;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReader,
    ParquetRecordBatchReaderBuilder,
};

use super::arrow::{self, Columns, arrow_failed};
use super::rows::{EVENT_COLUMNS, EventRow, Names, TICKET_COLUMNS, TicketRow};
use super::source::Batch;
use crate::error::{Error, Result};
use crate::report::{ImportReport, Rule, Table};

const BATCH_ROWS: usize = 1 << 13;

pub(crate) fn failed(path: &Path) -> impl Fn(parquet::errors::ParquetError) -> Error + '_ {
    move |e| Error::Parquet {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// A file's metadata and where the columns it needs are.
#[derive(Clone)]
pub(crate) struct Opened {
    path: PathBuf,
    metadata: ArrowReaderMetadata,
    roots: Vec<usize>,
}

impl Opened {
    /// Opens a file for the `columns` it needs, reading the text columns `coded` as
    /// dictionary arrays where the file stores them dictionary-encoded (each row then costs
    /// a key, not a copy of its text).
    pub(crate) fn open_with(
        path: &Path,
        columns: &[&'static str],
        coded: &[&'static str],
    ) -> Result<Opened> {
        let file = File::open(path).map_err(crate::error::io(path))?;
        let metadata =
            ArrowReaderMetadata::load(&file, ArrowReaderOptions::new()).map_err(failed(path))?;
        let metadata = match dictionary_schema(&metadata, coded) {
            Some(schema) => ArrowReaderMetadata::try_new(
                metadata.metadata().clone(),
                ArrowReaderOptions::new().with_schema(schema),
            )
            .map_err(failed(path))?,
            None => metadata,
        };
        let schema = metadata.schema();
        let found = || arrow::column_names(schema);
        let roots = columns
            .iter()
            .map(|c| {
                schema.index_of(c).map_err(|_| Error::MissingColumn {
                    path: path.to_path_buf(),
                    column: c,
                    found: found(),
                })
            })
            .collect::<Result<_>>()?;
        Ok(Opened {
            path: path.to_path_buf(),
            metadata,
            roots,
        })
    }

    /// A reader of some row groups (all: `None`), the needed columns only.
    pub(crate) fn reader(&self, groups: Option<Vec<usize>>) -> Result<ParquetRecordBatchReader> {
        let file = File::open(&self.path).map_err(crate::error::io(&self.path))?;
        let builder =
            ParquetRecordBatchReaderBuilder::new_with_metadata(file, self.metadata.clone());
        let mask = ProjectionMask::roots(builder.parquet_schema(), self.roots.clone());
        let mut builder = builder.with_projection(mask).with_batch_size(BATCH_ROWS);
        if let Some(groups) = groups {
            builder = builder.with_row_groups(groups);
        }
        builder.build().map_err(failed(&self.path))
    }
}

/// The file's schema with the text columns `coded` read as `Dictionary(Int32, Utf8)`, where
/// every row group stores them dictionary-encoded; `None` when none is.
fn dictionary_schema(metadata: &ArrowReaderMetadata, coded: &[&str]) -> Option<Arc<Schema>> {
    use parquet::basic::Encoding;
    let file = metadata.metadata();
    let columns = file.file_metadata().schema_descr();
    let encoded = |name: &str| {
        let Some(c) = (0..columns.num_columns()).find(|c| columns.column(*c).name() == name) else {
            return false;
        };
        !file.row_groups().is_empty()
            && file.row_groups().iter().all(|g| {
                g.column(c)
                    .encodings()
                    .any(|e| matches!(e, Encoding::RLE_DICTIONARY | Encoding::PLAIN_DICTIONARY))
            })
    };
    let schema = metadata.schema();
    let mut changed = false;
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| {
            let f = f.as_ref().clone();
            if f.data_type() == &DataType::Utf8
                && coded.contains(&f.name().as_str())
                && encoded(f.name())
            {
                changed = true;
                let dict =
                    DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
                f.with_data_type(dict)
            } else {
                f
            }
        })
        .collect();
    changed.then(|| Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone())))
}

/// The row groups of the events, in order.
pub(super) struct Groups {
    sizes: Vec<u64>,
    next: usize,
}

impl Groups {
    /// Parts of these sizes (bytes), in order.
    pub(super) fn new(sizes: Vec<u64>) -> Groups {
        Groups { sizes, next: 0 }
    }

    pub(super) fn next(&mut self) -> Option<(usize, u64)> {
        let k = self.next;
        let size = *self.sizes.get(k)?;
        self.next += 1;
        Some((k, size))
    }
}

/// Parses row groups of the events.
#[derive(Clone)]
pub(super) struct EventColumns(Opened);

pub(super) fn events(path: &Path) -> Result<(Groups, EventColumns)> {
    let opened = Opened::open_with(path, &EVENT_COLUMNS, &["kind", "author_kind", "status_to"])?;
    let sizes = opened
        .metadata
        .metadata()
        .row_groups()
        .iter()
        .map(|g| u64::try_from(g.compressed_size()).unwrap_or(0))
        .collect();
    Ok((Groups { sizes, next: 0 }, EventColumns(opened)))
}

impl EventColumns {
    pub(super) fn parse(
        &self,
        group: usize,
        teams: &mut Names,
        mut f: impl FnMut(Result<EventRow, Rule>),
    ) -> Result<u64> {
        let o = &self.0;
        let mut rows = 0;
        for batch in o.reader(Some(vec![group]))? {
            let batch = batch.map_err(arrow_failed(&o.path))?;
            rows += arrow::parse_events(Columns(&o.path), &batch, teams, &mut f)?;
        }
        Ok(rows)
    }
}

/// The ticket rows, a batch at a time.
pub(super) struct Tickets {
    opened: Opened,
    reader: ParquetRecordBatchReader,
}

impl Tickets {
    pub(super) fn open(path: &Path) -> Result<Tickets> {
        let opened = Opened::open_with(path, &TICKET_COLUMNS, &["channel", "priority", "team"])?;
        let reader = opened.reader(None)?;
        Ok(Tickets { opened, reader })
    }

    pub(super) fn next_batch(
        &mut self,
        teams: &mut Names,
        out: &mut VecDeque<TicketRow>,
        report: &mut ImportReport,
    ) -> Result<Option<Batch>> {
        let o = &self.opened;
        let Some(batch) = self.reader.next() else {
            return Ok(None);
        };
        let batch = batch.map_err(arrow_failed(&o.path))?;
        arrow::parse_tickets(Columns(&o.path), &batch, teams, out, report).map(Some)
    }
}

/// Every row of a small table (surveys, calls) as a CSV record of its columns cast to
/// text (nulls empty), with a header of the file's column names, so the CSV rules apply.
pub(super) fn each_text_record(
    path: &Path,
    mut f: impl FnMut(&[u8], &csv::ByteRecord) -> Result<()>,
) -> Result<()> {
    let file = File::open(path).map_err(crate::error::io(path))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(failed(path))?;
    let header = arrow::header(builder.schema());
    let reader = builder
        .with_batch_size(BATCH_ROWS)
        .build()
        .map_err(failed(path))?;
    let mut record = csv::ByteRecord::new();
    for batch in reader {
        let batch = batch.map_err(arrow_failed(path))?;
        arrow::each_text_record(path, &batch, &header, &mut record, &mut f)?;
    }
    Ok(())
}

/// The schemas the converter writes.
pub(crate) fn schema(table: Table) -> Arc<Schema> {
    let f = |n: &str, t: DataType| Field::new(n, t, true);
    use DataType::{Boolean, Int64, Utf8};
    Arc::new(Schema::new(match table {
        Table::Tickets => vec![
            f("ticket_id", Int64),
            f("created_at", Int64),
            f("channel", Utf8),
            f("priority", Utf8),
            f("team", Utf8),
            f("requester_id", Int64),
        ],
        Table::Events => vec![
            f("ticket_id", Int64),
            f("at", Int64),
            f("kind", Utf8),
            f("author_kind", Utf8),
            f("public", Boolean),
            f("status_to", Utf8),
            f("agent_id", Int64),
        ],
        Table::Surveys => vec![
            f("kind", Utf8),
            f("at", Int64),
            f("ticket_id", Int64),
            f("agent_id", Int64),
            f("score", Int64),
        ],
        Table::Calls => vec![
            f("call_id", Int64),
            f("queue", Utf8),
            f("offered_at", Int64),
            f("answered_at", Int64),
            f("ended_at", Int64),
            f("hold_s", Int64),
            f("wrap_s", Int64),
            f("agent_id", Int64),
        ],
        Table::AgentStates => vec![
            f("agent_id", Int64),
            f("state", Utf8),
            f("start", Int64),
            f("end", Int64),
        ],
        Table::Schedule => vec![
            f("agent_id", Int64),
            f("activity", Utf8),
            f("start", Int64),
            f("end", Int64),
        ],
        Table::Accounts => vec![
            f("customer_id", Int64),
            f("at", Int64),
            f("kind", Utf8),
            f("revenue", Int64),
            f("reason", Int64),
        ],
        // Not a table of the history format.
        Table::Source(_) => vec![],
    }))
}
