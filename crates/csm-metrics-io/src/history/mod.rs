//! The crate's own history format (version 2): a directory of CSV files, `tickets.csv`
//! and `events.csv` (required), `surveys.csv`, `calls.csv`, `agent_states.csv`,
//! `schedule.csv` and `accounts.csv` (optional). The format is
//! specified in the repository's `docs/HISTORY_FORMAT.md`; in short:
//!
//! | file | one row is | columns |
//! |---|---|---|
//! | tickets.csv | a ticket | `ticket_id`, `created_at`, `channel`, `priority`, `team`, `requester_id` |
//! | events.csv | one thing that happened to a ticket | `ticket_id`, `at`, `kind` (created, message, status, assign), `author_kind`, `public`, `status_to`, `agent_id` |
//! | surveys.csv | a survey response | `kind` (csat, nps, ces, enps), `at`, `ticket_id`, `agent_id`, `score` |
//! | calls.csv | a call | `call_id`, `queue`, `offered_at`, `answered_at`, `ended_at`, `hold_s`, `wrap_s`, `agent_id` |
//! | agent_states.csv | an interval of one agent in one state | `agent_id`, `state`, `start`, `end` |
//! | schedule.csv | a planned activity of an agent | `agent_id`, `activity`, `start`, `end` |
//! | accounts.csv | an account event of a customer | `customer_id`, `at`, `kind`, `revenue`, `reason` |
//!
//! RFC 4180 CSV: a header row naming the columns (in any order; extra columns ignored),
//! quoted fields with doubled quotes and embedded newlines, LF or CRLF row ends, a UTF-8
//! byte-order mark allowed. Instants are Unix seconds, UTC.
//!
//! # Order
//! Rows may come in any order and repeat. When `events.csv` is in time order per ticket
//! shard and `tickets.csv` in creation order (what a help desk's export and the
//! generator write), the files stream through in one pass, parsed in parallel chunks,
//! memory bounded by the tickets in play. When they are not, the reader notices (an
//! instant earlier than one already delivered), drops the pass and sorts: rows go into
//! sorted runs of at most [`ReadOptions::sort_memory_bytes`], spilled to temporary files
//! when there are several, and merged (an external merge sort). Either way every shard
//! sees its events in the same order: by instant; at one instant, creations first, then
//! the file's order. A repeated row is the crate's to count: a second ticket row is
//! [`Rule::DuplicateTicketId`](crate::Rule), a second interaction at
//! the same instant a duplicate in the tracker's ingest report (counted once).
//!
//! ```no_run
//! use csm_metrics::metrics::tickets::{ByTeam, TicketTracker, TrackerConfig};
//! use csm_metrics_io::history::{History, ReadOptions};
//!
//! let history = History::open("/tmp/history")?;
//! let (trackers, report, teams) = history.read_tickets(&ReadOptions::default(), |_shard| {
//!     TicketTracker::new(TrackerConfig::default(), ByTeam).expect("a valid configuration")
//! })?;
//! # Ok::<(), csm_metrics_io::Error>(())
//! ```

#[cfg(feature = "parquet")]
mod arrow;
mod assemble;
#[cfg(feature = "parquet")]
mod convert;
mod fast;
#[cfg(feature = "parquet")]
mod parquet;
pub(crate) mod rows;
pub(crate) mod sorted;
mod source;
mod split;
mod workforce;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use csm_metrics::metrics::calls::CallCenter;
use csm_metrics::metrics::tickets::{TicketGrouping, TicketTracker};
use csm_metrics::{Calculator, Call, Interaction, SurveyResponse, SurveySuite, Ticket};

use crate::chunks::Chunker;
use crate::error::{Error, Result};
use crate::report::{ImportReport, Rule, Table};

#[cfg(feature = "parquet")]
pub use arrow::ArrowTable;
#[cfg(feature = "parquet")]
pub use convert::to_parquet;
pub use rows::Names;
use rows::{CALL_COLUMNS, Columns, SURVEY_COLUMNS};
pub use source::Format;

/// What takes the tickets of one shard: a tracker, a replay, a desk, a test's recorder.
/// Called in the order the module documents (per ticket: creation, then its interactions
/// in time order).
pub trait TicketSink: Send {
    /// A ticket was created.
    fn ticket(&mut self, ticket: &Ticket, report: &mut ImportReport);
    /// Something happened to a ticket.
    fn interaction(&mut self, interaction: &Interaction, report: &mut ImportReport);
}

/// A tracker takes its shard's tickets; what it refuses is counted under `events` by the
/// tracker's reason.
impl<G: TicketGrouping + Send> TicketSink for TicketTracker<G> {
    fn ticket(&mut self, ticket: &Ticket, _: &mut ImportReport) {
        // Refusals are counted in the tracker's own ingest report.
        let _ = self.observe_ticket(ticket);
    }

    fn interaction(&mut self, interaction: &Interaction, _: &mut ImportReport) {
        let _ = self.observe_interaction(interaction);
    }
}

/// An SLA tracker takes its shard's tickets as a ticket tracker does; refusals are counted
/// in its own ingest report.
impl<G: TicketGrouping + Send> TicketSink for csm_metrics::metrics::sla::SlaTracker<G> {
    fn ticket(&mut self, ticket: &Ticket, _: &mut ImportReport) {
        let _ = self.observe_ticket(ticket);
    }

    fn interaction(&mut self, interaction: &Interaction, _: &mut ImportReport) {
        let _ = self.observe_interaction(interaction);
    }
}

/// How to read.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Ticket shards (threads computing, tickets split by id modulo this), at least 1.
    pub shards: usize,
    /// Threads parsing `events.csv`, at least 1.
    pub parsers: usize,
    /// Bytes per parsed chunk (4 MiB).
    pub chunk_bytes: usize,
    /// Event rows a parser hands a shard at a time (8,192, about 256 KiB): the memory in
    /// flight between threads is a few of these per parser and shard, whatever the size of
    /// a chunk or a Parquet row group. At least 1.
    pub piece_rows: usize,
    /// A row longer than this is skipped and counted ([`Rule::RowTooLong`]); 1 MiB.
    pub max_row_bytes: usize,
    /// Memory for one sorted run when the input must be sorted (256 MiB); more runs spill
    /// to temporary files.
    pub sort_memory_bytes: usize,
    /// Sort even when the files look ordered.
    pub always_sort: bool,
    /// Bytes of the ticket files read so far, for a progress bar (added to as it goes).
    pub progress: Option<Arc<AtomicU64>>,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            shards: 1,
            parsers: 1,
            chunk_bytes: 4 << 20,
            piece_rows: 8 << 10,
            max_row_bytes: 1 << 20,
            sort_memory_bytes: 256 << 20,
            always_sort: false,
            progress: None,
        }
    }
}

/// A history directory: its tables in one format.
#[derive(Debug, Clone)]
pub struct History {
    dir: PathBuf,
    format: Format,
    /// The tables, when they are in memory ([`Format::Arrow`]).
    #[cfg(feature = "parquet")]
    memory: Option<Arc<arrow::Memory>>,
}

impl History {
    /// A history in `dir`, in the format its files have: `tickets.csv` and `events.csv`,
    /// or (feature `parquet`) `tickets.parquet` and `events.parquet`.
    pub fn open(dir: impl AsRef<Path>) -> Result<Self> {
        let dir = dir.as_ref();
        #[cfg(feature = "parquet")]
        if !source::exists(dir, "tickets", Format::Csv)
            && source::exists(dir, "tickets", Format::Parquet)
        {
            return Self::open_as(dir, Format::Parquet);
        }
        Self::open_as(dir, Format::Csv)
    }

    /// A history in `dir` in a given format; `tickets` and `events` must be there.
    pub fn open_as(dir: impl AsRef<Path>, format: Format) -> Result<Self> {
        let dir = dir.as_ref().to_path_buf();
        for (table, what) in [("tickets", "tickets"), ("events", "ticket events")] {
            let path = dir.join(format!("{table}.{}", format.extension()));
            if !path.is_file() {
                return Err(Error::MissingFile { path, what });
            }
        }
        Ok(History {
            dir,
            format,
            #[cfg(feature = "parquet")]
            memory: None,
        })
    }

    /// A history whose tables are Arrow record batches in memory (a pyarrow table, a
    /// Polars or pandas data frame through the Arrow C stream interface, batches a
    /// service built): the columns of the Parquet format, read as the files are (the
    /// same rules, the same import report; errors name the table, `events (Arrow
    /// table)`). Each batch of `events` is a job of the parallel parse, as a row group
    /// is. `tickets` and `events` must have the format's columns; the batches are shared,
    /// not copied. Feature `parquet`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use arrow_array::{ArrayRef, BooleanArray, Int64Array, RecordBatch, StringArray};
    /// use csm_metrics::Calculator;
    /// use csm_metrics::metrics::tickets::{ByTeam, TicketTracker, TrackerConfig};
    /// use csm_metrics_io::history::{ArrowTable, History, ReadOptions};
    ///
    /// let ints = |v: &[i64]| Arc::new(Int64Array::from(v.to_vec())) as ArrayRef;
    /// let texts = |v: &[&str]| Arc::new(StringArray::from(v.to_vec())) as ArrayRef;
    /// let tickets = RecordBatch::try_from_iter([
    ///     ("ticket_id", ints(&[1])),
    ///     ("created_at", ints(&[1_700_000_000])),
    ///     ("channel", texts(&["email"])),
    ///     ("priority", texts(&["normal"])),
    ///     ("team", texts(&["billing"])),
    ///     ("requester_id", ints(&[42])),
    /// ])?;
    /// let events = RecordBatch::try_from_iter([
    ///     ("ticket_id", ints(&[1, 1, 1])),
    ///     ("at", ints(&[1_700_000_000, 1_700_000_600, 1_700_003_600])),
    ///     ("kind", texts(&["created", "message", "status"])),
    ///     ("author_kind", texts(&["customer", "agent", "agent"])),
    ///     ("public", Arc::new(BooleanArray::from(vec![true, true, false])) as ArrayRef),
    ///     ("status_to", texts(&["", "", "solved"])),
    ///     ("agent_id", ints(&[0, 7, 7])),
    /// ])?;
    /// let history = History::from_arrow(
    ///     ArrowTable::from_batches(vec![tickets]).unwrap()?,
    ///     ArrowTable::from_batches(vec![events]).unwrap()?,
    ///     None,
    ///     None,
    /// )?;
    /// let (trackers, _report, _teams) = history.read_tickets(&ReadOptions::default(), |_| {
    ///     TicketTracker::new(TrackerConfig::default(), ByTeam).expect("a valid configuration")
    /// })?;
    /// let frt = trackers[0].snapshot().overall.first_response;
    /// assert_eq!((frt.count, frt.max), (1, Some(600.0)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(feature = "parquet")]
    pub fn from_arrow(
        tickets: ArrowTable,
        events: ArrowTable,
        surveys: Option<ArrowTable>,
        calls: Option<ArrowTable>,
    ) -> Result<Self> {
        let mut history = History {
            dir: PathBuf::new(),
            format: Format::Arrow,
            memory: None,
        };
        tickets.require(&history.path("tickets"), &rows::TICKET_COLUMNS)?;
        events.require(&history.path("events"), &rows::EVENT_COLUMNS)?;
        history.memory = Some(Arc::new(arrow::Memory {
            tickets,
            events,
            surveys,
            calls,
        }));
        Ok(history)
    }

    /// The tables in memory.
    #[cfg(feature = "parquet")]
    fn memory(&self) -> Result<Arc<arrow::Memory>> {
        self.memory.clone().ok_or_else(|| Error::Parquet {
            path: self.dir.clone(),
            message: "no tables in memory".into(),
        })
    }

    /// Whether the history has a table (`surveys` and `calls` are optional).
    pub fn has(&self, table: &str) -> bool {
        #[cfg(feature = "parquet")]
        if let Some(m) = &self.memory {
            return m.table(table).is_some();
        }
        self.path(table).is_file()
    }

    /// The format of its files.
    pub fn format(&self) -> Format {
        self.format
    }

    /// The file of a table (`tickets`, `events`, `surveys`, `calls`) in the history's format.
    pub fn path(&self, table: &str) -> PathBuf {
        #[cfg(feature = "parquet")]
        if self.format == Format::Arrow {
            return PathBuf::from(format!("{table} (Arrow table)"));
        }
        self.dir
            .join(format!("{table}.{}", self.format.extension()))
    }

    /// Bytes of the tickets and events files together (for progress).
    pub fn ticket_bytes(&self) -> u64 {
        #[cfg(feature = "parquet")]
        if let Some(m) = &self.memory {
            return m.tickets.bytes() + m.events.bytes();
        }
        ["tickets", "events"]
            .iter()
            .filter_map(|f| std::fs::metadata(self.path(f)).ok())
            .map(|m| m.len())
            .sum()
    }

    /// Reads the tickets and their events into one sink per shard (`make(shard)`), and
    /// returns the sinks, the import report and the names of teams and tags (a tag's id
    /// is [`TagId::named`](csm_metrics::TagId::named) of its name, as a team's). Where the
    /// files are out of order, the first pass is dropped (its sinks with it) and the input
    /// sorted; the sinks returned have seen every ticket exactly once.
    pub fn read_tickets<S, F>(
        &self,
        options: &ReadOptions,
        make: F,
    ) -> Result<(Vec<S>, ImportReport, Names)>
    where
        S: TicketSink,
        F: Fn(usize) -> S + Sync,
    {
        let options = ReadOptions {
            shards: options.shards.max(1),
            parsers: options.parsers.max(1),
            piece_rows: options.piece_rows.max(1),
            ..options.clone()
        };
        if !options.always_sort {
            if let Some(done) = fast::read(self, &options, &make)? {
                return Ok(done);
            }
        }
        sorted::read(self, &options, &make)
    }

    /// Reads the surveys table (absent: nothing) into a survey suite; refused responses are
    /// counted under `surveys` by the crate's rule.
    pub fn read_surveys(
        &self,
        options: &ReadOptions,
        report: &mut ImportReport,
    ) -> Result<SurveySuite> {
        let mut suite = SurveySuite::default();
        self.read_surveys_with(options, report, |s| suite.observe(s))?;
        Ok(suite)
    }

    /// Reads `surveys.csv` (or `.parquet`), giving each response to `observe` (a response
    /// it refuses is counted as refused, by its rule).
    pub fn read_surveys_with(
        &self,
        options: &ReadOptions,
        report: &mut ImportReport,
        mut observe: impl FnMut(&SurveyResponse) -> csm_metrics::Result<()>,
    ) -> Result<()> {
        let path = self.path("surveys");
        if !self.has("surveys") {
            return Ok(());
        }
        let mut row = 0;
        let mut take = |s: std::result::Result<SurveyResponse, Rule>, report: &mut ImportReport| {
            take(Table::Surveys, s, &mut observe, report)
        };
        // Typed columns read as they are (no text in between).
        #[cfg(feature = "parquet")]
        if self.format != Format::Csv {
            return self.each_batch(&path, Table::Surveys, &["kind"], report, |o, b, report| {
                arrow::parse_surveys(o, b, &mut row, |s| take(s, report))
            });
        }
        self.each_record(
            &path,
            options,
            SURVEY_COLUMNS,
            report,
            Table::Surveys,
            |fields, report| {
                row += 1;
                take(rows::parse_survey(fields, row), report);
                Ok(())
            },
        )
    }

    /// Reads the calls table (absent: nothing) into a call center; returns it and the queue
    /// names.
    pub fn read_calls(
        &self,
        options: &ReadOptions,
        report: &mut ImportReport,
    ) -> Result<(CallCenter, Names)> {
        let mut calls = CallCenter::default();
        let queues = self.read_calls_with(options, report, |c| calls.observe(c))?;
        Ok((calls, queues))
    }

    /// Reads the calls table (absent: nothing), giving each call to `observe` (a call it
    /// refuses is counted as refused, by its rule); returns the queue names.
    pub fn read_calls_with(
        &self,
        options: &ReadOptions,
        report: &mut ImportReport,
        observe: impl FnMut(&Call) -> csm_metrics::Result<()>,
    ) -> Result<Names> {
        let path = self.path("calls");
        if !self.has("calls") {
            return Ok(Names::default());
        }
        self.calls_at(&path, options, report, observe)
    }

    /// Reads a calls table on its own (`calls.csv`, or a `.parquet` file of the same
    /// columns), as [`read_calls_with`](Self::read_calls_with) does in a history: for a
    /// call log without tickets (`csm-metrics forecast --calls FILE`). A missing file is
    /// an error.
    pub fn read_calls_file(
        path: impl AsRef<Path>,
        options: &ReadOptions,
        report: &mut ImportReport,
        observe: impl FnMut(&Call) -> csm_metrics::Result<()>,
    ) -> Result<Names> {
        let path = path.as_ref();
        if !path.is_file() {
            return Err(Error::MissingFile {
                path: path.to_path_buf(),
                what: "calls",
            });
        }
        let format = match path.extension().and_then(|e| e.to_str()) {
            #[cfg(feature = "parquet")]
            Some("parquet") => Format::Parquet,
            _ => Format::Csv,
        };
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        History {
            dir,
            format,
            #[cfg(feature = "parquet")]
            memory: None,
        }
        .calls_at(path, options, report, observe)
    }

    fn calls_at(
        &self,
        path: &Path,
        options: &ReadOptions,
        report: &mut ImportReport,
        mut observe: impl FnMut(&Call) -> csm_metrics::Result<()>,
    ) -> Result<Names> {
        let mut queues = Names::default();
        let mut take = |c: std::result::Result<Call, Rule>, report: &mut ImportReport| {
            take(Table::Calls, c, &mut observe, report)
        };
        // Typed columns read as they are (no text in between).
        #[cfg(feature = "parquet")]
        if self.format != Format::Csv {
            self.each_batch(path, Table::Calls, &["queue"], report, |o, b, report| {
                arrow::parse_calls(o, b, &mut queues, |c| take(c, report))
            })?;
            return Ok(queues);
        }
        self.each_record(
            path,
            options,
            CALL_COLUMNS,
            report,
            Table::Calls,
            |fields, report| {
                take(rows::parse_call(fields, &mut queues)?, report);
                Ok(())
            },
        )?;
        Ok(queues)
    }
}

impl History {
    /// Reads a small table (surveys, calls) of a Parquet file or in memory a batch at a
    /// time, its format's columns checked (the texts `coded` read as dictionary keys where
    /// the file stores them so), and counts its rows.
    #[cfg(feature = "parquet")]
    fn each_batch(
        &self,
        path: &Path,
        table: Table,
        coded: &[&'static str],
        report: &mut ImportReport,
        mut f: impl FnMut(
            arrow::Columns<'_>,
            &arrow_array::RecordBatch,
            &mut ImportReport,
        ) -> Result<()>,
    ) -> Result<()> {
        let columns: &[&'static str] = match table {
            Table::Surveys => &SURVEY_COLUMNS,
            _ => &CALL_COLUMNS,
        };
        let mut rows = 0;
        let o = arrow::Columns(path);
        match &self.memory {
            Some(memory) => {
                let name = if table == Table::Surveys {
                    "surveys"
                } else {
                    "calls"
                };
                if let Some(t) = memory.table(name) {
                    t.require(path, columns)?;
                    for batch in t.batches() {
                        rows += batch.num_rows() as u64;
                        f(o, batch, report)?;
                    }
                }
            }
            None => {
                let opened = parquet::Opened::open_with(path, columns, coded)?;
                for batch in opened.reader(None)? {
                    let batch = batch.map_err(arrow::arrow_failed(path))?;
                    rows += batch.num_rows() as u64;
                    f(o, &batch, report)?;
                }
            }
        }
        report.read(table, rows);
        Ok(())
    }

    /// Reads a small table's rows in order, as the fields of its format's columns (or the
    /// rule a row breaks), and counts them (CSV split by the fast path where a row is
    /// simple; Parquet: each row's columns as text, so the CSV rules apply).
    fn each_record<const N: usize>(
        &self,
        path: &Path,
        options: &ReadOptions,
        columns: [&'static str; N],
        report: &mut ImportReport,
        table: Table,
        mut f: impl FnMut(std::result::Result<[&[u8]; N], Rule>, &mut ImportReport) -> Result<()>,
    ) -> Result<()> {
        let mut rows = 0;
        match self.format {
            Format::Csv => {
                let (mut chunks, header) =
                    Chunker::open(path, options.chunk_bytes, options.max_row_bytes)?;
                let columns = Columns::find(path, &header, columns, options.max_row_bytes)?;
                let mut failed = None;
                while let Some(chunk) = chunks.next_chunk()? {
                    rows += split::each_row(&chunk, |row| {
                        if failed.is_some() {
                            return;
                        }
                        if let Err(e) = f(columns.row(row), report) {
                            failed = Some(e);
                        }
                    });
                    if let Some(e) = failed {
                        return Err(e);
                    }
                }
                rows += chunks.too_long;
                report.reject_n(table, Rule::RowTooLong, chunks.too_long);
            }
            #[cfg(feature = "parquet")]
            Format::Parquet => {
                let mut found: Option<Columns<N>> = None;
                parquet::each_text_record(path, |header, record| {
                    let c = match &found {
                        Some(c) => c,
                        None => found.insert(Columns::find(
                            path,
                            header,
                            columns,
                            options.max_row_bytes,
                        )?),
                    };
                    rows += 1;
                    f(c.fields(record), report)
                })?;
            }
            #[cfg(feature = "parquet")]
            Format::Arrow => {
                let memory = self.memory()?;
                let name = table.as_str();
                if let Some(t) = memory.table(name) {
                    let header = arrow::header(t.schema());
                    let c = Columns::find(path, &header, columns, options.max_row_bytes)?;
                    let mut record = csv::ByteRecord::new();
                    for batch in t.batches() {
                        arrow::each_text_record(path, batch, &header, &mut record, |_, r| {
                            rows += 1;
                            f(c.fields(r), report)
                        })?;
                    }
                }
            }
        }
        report.read(table, rows);
        Ok(())
    }
}

/// A record parsed, given to `observe`; a parse failure counted by its rule, a refusal by
/// the calculator's.
pub(crate) fn take<T>(
    table: Table,
    parsed: std::result::Result<T, Rule>,
    observe: &mut impl FnMut(&T) -> csm_metrics::Result<()>,
    report: &mut ImportReport,
) {
    match parsed {
        Ok(record) => {
            if let Err(e) = observe(&record) {
                report.reject(table, refused(&e));
            }
        }
        Err(rule) => report.reject(table, rule),
    }
}

/// The rule of a refused record, as the crate displays it.
pub(crate) fn refused(e: &csm_metrics::Error) -> Rule {
    Rule::Refused(
        e.rule()
            .map_or_else(|| "invalid".to_string(), ToString::to_string),
    )
}

/// A CSV reader over one chunk of whole rows.
pub(crate) fn csv_reader(chunk: &[u8]) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(1 << 16)
        .from_reader(chunk)
}

/// The next record of a chunk (a slice never fails to read: an error ends it).
#[inline]
pub(crate) fn read_record(reader: &mut csv::Reader<&[u8]>, record: &mut csv::ByteRecord) -> bool {
    reader.read_byte_record(record).unwrap_or(false)
}
