//! Where rows come from, one format or another: the planner that cuts `events` into jobs
//! in file order, the parser of a job, and the ticket rows a batch at a time. The streamed
//! and the sorted read are written once over these.

use std::collections::VecDeque;

use super::rows::{self, Columns, EVENT_COLUMNS, EventRow, Names, TICKET_COLUMNS, TicketRow};
use super::{History, ReadOptions};
use crate::chunks::{Chunker, Pool};
use crate::error::Result;
use crate::report::{ImportReport, Rule, Table};

/// A format of the history's files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// `NAME.csv`: RFC 4180 CSV with a header row.
    Csv,
    /// `NAME.parquet`: Apache Parquet, the columns of the CSV typed (feature `parquet`).
    #[cfg(feature = "parquet")]
    Parquet,
    /// Apache Arrow record batches in memory, the columns of the Parquet format
    /// ([`History::from_arrow`](super::History::from_arrow); feature `parquet`).
    #[cfg(feature = "parquet")]
    Arrow,
}

impl Format {
    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            #[cfg(feature = "parquet")]
            Format::Parquet => "parquet",
            #[cfg(feature = "parquet")]
            Format::Arrow => "arrow",
        }
    }
}

/// A unit of work on the events: a chunk of whole CSV rows, or a Parquet row group or an
/// in-memory batch by its index.
pub(super) enum Job {
    Bytes(Vec<u8>),
    #[cfg(feature = "parquet")]
    Part(usize),
}

/// Cuts the events into jobs, in file order.
pub(super) enum Planner {
    Csv(Chunker),
    #[cfg(feature = "parquet")]
    Parts(super::parquet::Groups),
}

impl Planner {
    pub(super) fn open(history: &History, options: &ReadOptions) -> Result<(Planner, EventParser)> {
        let path = history.path("events");
        match history.format {
            Format::Csv => {
                let (mut chunks, header) =
                    Chunker::open(&path, options.chunk_bytes, options.max_row_bytes)?;
                let columns = Columns::find(&path, &header, EVENT_COLUMNS, options.max_row_bytes)?;
                let pool = Pool::default();
                chunks.pool = Some(pool.clone());
                Ok((Planner::Csv(chunks), EventParser::Csv(columns, pool)))
            }
            #[cfg(feature = "parquet")]
            Format::Parquet => {
                let (groups, parser) = super::parquet::events(&path)?;
                Ok((Planner::Parts(groups), EventParser::Parquet(parser)))
            }
            #[cfg(feature = "parquet")]
            Format::Arrow => {
                let memory = history.memory()?;
                let sizes = memory
                    .events
                    .batches()
                    .iter()
                    .map(|b| b.get_array_memory_size() as u64)
                    .collect();
                Ok((
                    Planner::Parts(super::parquet::Groups::new(sizes)),
                    EventParser::Arrow(memory, path),
                ))
            }
        }
    }

    /// The next job and its size in bytes (for progress).
    pub(super) fn next(&mut self) -> Result<Option<(Job, u64)>> {
        match self {
            Planner::Csv(c) => Ok(c.next_chunk()?.map(|b| {
                let n = b.len() as u64;
                (Job::Bytes(b), n)
            })),
            #[cfg(feature = "parquet")]
            Planner::Parts(g) => Ok(g.next().map(|(k, n)| (Job::Part(k), n))),
        }
    }

    /// Rows skipped whole for their length (CSV).
    pub(super) fn too_long(&self) -> u64 {
        match self {
            Planner::Csv(c) => c.too_long,
            #[cfg(feature = "parquet")]
            Planner::Parts(_) => 0,
        }
    }
}

/// Parses event jobs (one per parser thread).
#[derive(Clone)]
pub(super) enum EventParser {
    Csv(Columns<7>, Pool),
    #[cfg(feature = "parquet")]
    Parquet(super::parquet::EventColumns),
    #[cfg(feature = "parquet")]
    Arrow(std::sync::Arc<super::arrow::Memory>, std::path::PathBuf),
}

impl EventParser {
    /// Parses a job into rows (or the rule a row breaks), in order; returns the rows read.
    #[inline]
    pub(super) fn parse(
        &self,
        job: Job,
        teams: &mut Names,
        mut f: impl FnMut(Result<EventRow, Rule>),
    ) -> Result<u64> {
        match (self, job) {
            (EventParser::Csv(columns, pool), Job::Bytes(chunk)) => {
                let rows = super::split::each_row(&chunk, |row| match columns.row(row) {
                    Ok(fields) => f(rows::event_of(fields, teams)),
                    Err(rule) => f(Err(rule)),
                });
                pool.give(chunk);
                Ok(rows)
            }
            #[cfg(feature = "parquet")]
            (EventParser::Parquet(p), Job::Part(k)) => p.parse(k, teams, f),
            #[cfg(feature = "parquet")]
            (EventParser::Arrow(m, path), Job::Part(k)) => match m.events.batches().get(k) {
                Some(batch) => {
                    super::arrow::parse_events(super::arrow::Columns(path), batch, teams, f)
                }
                None => Ok(0),
            },
            #[cfg(feature = "parquet")]
            _ => Ok(0),
        }
    }
}

/// Ticket rows in file order, a batch at a time.
pub(super) enum TicketBatches {
    Csv {
        chunks: Chunker,
        columns: Columns<6>,
    },
    #[cfg(feature = "parquet")]
    Parquet(super::parquet::Tickets),
    #[cfg(feature = "parquet")]
    Arrow {
        memory: std::sync::Arc<super::arrow::Memory>,
        path: std::path::PathBuf,
        next: usize,
    },
}

/// What one batch of ticket rows held.
pub(super) struct Batch {
    /// Rows read (all shards').
    pub rows: u64,
    /// Bytes read (for progress).
    pub bytes: u64,
}

impl TicketBatches {
    pub(super) fn open(history: &History, options: &ReadOptions) -> Result<TicketBatches> {
        let path = history.path("tickets");
        match history.format {
            Format::Csv => {
                let (mut chunks, header) =
                    Chunker::open(&path, options.chunk_bytes, options.max_row_bytes)?;
                let columns = Columns::find(&path, &header, TICKET_COLUMNS, options.max_row_bytes)?;
                chunks.pool = Some(Pool::default());
                Ok(TicketBatches::Csv { chunks, columns })
            }
            #[cfg(feature = "parquet")]
            Format::Parquet => Ok(TicketBatches::Parquet(super::parquet::Tickets::open(
                &path,
            )?)),
            #[cfg(feature = "parquet")]
            Format::Arrow => Ok(TicketBatches::Arrow {
                memory: history.memory()?,
                path,
                next: 0,
            }),
        }
    }

    /// Reads the next batch: its rows into `out`, their rejections into `report`. `None` at
    /// the end (rows skipped for their length are counted then).
    pub(super) fn next_batch(
        &mut self,
        teams: &mut Names,
        out: &mut VecDeque<TicketRow>,
        report: &mut ImportReport,
    ) -> Result<Option<Batch>> {
        match self {
            TicketBatches::Csv { chunks, columns } => {
                let Some(chunk) = chunks.next_chunk()? else {
                    let long = std::mem::take(&mut chunks.too_long);
                    report.read(Table::Tickets, long);
                    report.reject_n(Table::Tickets, Rule::RowTooLong, long);
                    return Ok(None);
                };
                let mut failed = None;
                let rows = super::split::each_row(&chunk, |row| {
                    match rows::ticket_of(columns.row(row), teams) {
                        Ok(Ok(row)) => out.push_back(row),
                        Ok(Err(rule)) => report.reject(Table::Tickets, rule),
                        Err(e) => {
                            failed.get_or_insert(e);
                        }
                    }
                });
                if let Some(e) = failed {
                    return Err(e);
                }
                let bytes = chunk.len() as u64;
                if let Some(pool) = &chunks.pool {
                    pool.give(chunk);
                }
                Ok(Some(Batch { rows, bytes }))
            }
            #[cfg(feature = "parquet")]
            TicketBatches::Parquet(t) => t.next_batch(teams, out, report),
            #[cfg(feature = "parquet")]
            TicketBatches::Arrow { memory, path, next } => {
                let Some(batch) = memory.tickets.batches().get(*next) else {
                    return Ok(None);
                };
                *next += 1;
                super::arrow::parse_tickets(super::arrow::Columns(path), batch, teams, out, report)
                    .map(Some)
            }
        }
    }
}

/// Whether a history's table exists in a format.
#[cfg(feature = "parquet")]
pub(super) fn exists(dir: &std::path::Path, name: &str, format: Format) -> bool {
    dir.join(format!("{name}.{}", format.extension())).is_file()
}
