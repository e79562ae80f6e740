//! The streamed read: `events.csv` cut into chunks by one thread, parsed by
//! [`ReadOptions::parsers`] threads, each chunk's rows routed to the shard of their ticket;
//! each shard's thread takes its chunks back in file order, reads its own rows of
//! `tickets.csv` as it needs them, and feeds its sink. Nothing waits on the whole file:
//! memory is the chunks in flight (a few per thread) and the tickets in play.
//!
//! An event earlier than one its shard delivered, or a ticket row created before the one
//! read before it, stops every thread: the caller sorts instead.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use super::assemble::Assembler;
use super::rows::{self, Columns, EVENT_COLUMNS, EventRow, Names, TICKET_COLUMNS, TicketRow};
use super::{History, ReadOptions, TicketSink, csv_reader, read_record};
use crate::chunks::Chunker;
use crate::error::{Error, Result};
use crate::report::{ImportReport, Rule, Table};

/// Chunks queued per channel.
const DEPTH: usize = 2;

type Batch = Vec<EventRow>;

pub(super) fn read<S, F>(
    history: &History,
    options: &ReadOptions,
    make: &F,
) -> Result<Option<(Vec<S>, ImportReport, Names)>>
where
    S: TicketSink,
    F: Fn(usize) -> S + Sync,
{
    let events_path = history.path("events.csv");
    let (mut chunker, header) =
        Chunker::open(&events_path, options.chunk_bytes, options.max_row_bytes)?;
    let columns = Columns::find(&events_path, &header, EVENT_COLUMNS)?;
    // The tickets' header is checked before any thread starts.
    let tickets_path = history.path("tickets.csv");
    let (_, ticket_header) =
        Chunker::open(&tickets_path, options.chunk_bytes, options.max_row_bytes)?;
    let ticket_columns = Columns::find(&tickets_path, &ticket_header, TICKET_COLUMNS)?;

    let shards = options.shards;
    let parsers = options.parsers;
    let stop = AtomicBool::new(false);
    let disorder = AtomicBool::new(false);
    std::thread::scope(|scope| {
        // Planner → parser p, and parser p → shard s.
        let mut to_parsers = Vec::new();
        let mut from_planner = Vec::new();
        for _ in 0..parsers {
            let (tx, rx) = sync_channel::<Vec<u8>>(DEPTH);
            to_parsers.push(tx);
            from_planner.push(rx);
        }
        let mut to_shards: Vec<Vec<SyncSender<Batch>>> = (0..parsers).map(|_| Vec::new()).collect();
        let mut from_parsers: Vec<Vec<Receiver<Batch>>> = (0..shards).map(|_| Vec::new()).collect();
        for row in to_shards.iter_mut() {
            for from in from_parsers.iter_mut() {
                let (tx, rx) = sync_channel::<Batch>(DEPTH);
                row.push(tx);
                from.push(rx);
            }
        }
        let stop = &stop;
        let disorder = &disorder;
        let progress = options.progress.clone();
        let planner = scope.spawn(move || -> Result<u64> {
            let mut k = 0;
            while let Some(chunk) = chunker.next_chunk()? {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                if let Some(p) = &progress {
                    p.fetch_add(chunk.len() as u64, Ordering::Relaxed);
                }
                if to_parsers[k % parsers].send(chunk).is_err() {
                    break;
                }
                k += 1;
            }
            Ok(chunker.too_long)
        });
        let parser_handles: Vec<_> = from_planner
            .into_iter()
            .zip(to_shards)
            .map(|(rx, tx)| {
                let columns = columns.clone();
                scope.spawn(move || parse_events(&columns, shards, &rx, &tx, stop))
            })
            .collect();
        let shard_handles: Vec<_> = from_parsers
            .into_iter()
            .enumerate()
            .map(|(shard, rx)| {
                let ticket_columns = ticket_columns.clone();
                let tickets_path = &tickets_path;
                scope.spawn(move || -> Result<Option<(S, ImportReport, Names)>> {
                    let tickets =
                        TicketRows::open(tickets_path, options, ticket_columns, shard, disorder)?;
                    let mut a = Assembler::new(make(shard), tickets);
                    'chunks: for k in 0.. {
                        let Ok(batch) = rx[k % rx.len()].recv() else {
                            break;
                        };
                        for e in &batch {
                            a.push(e);
                        }
                        if a.disorder || disorder.load(Ordering::Relaxed) {
                            disorder.store(true, Ordering::Relaxed);
                            stop.store(true, Ordering::Relaxed);
                            break 'chunks;
                        }
                    }
                    drop(rx);
                    if disorder.load(Ordering::Relaxed) {
                        return Ok(None);
                    }
                    let (sink, mut report, tickets) = a.finish();
                    if let Some(e) = tickets.error {
                        return Err(e);
                    }
                    if tickets.disorder {
                        disorder.store(true, Ordering::Relaxed);
                        return Ok(None);
                    }
                    report.merge(&tickets.report);
                    Ok(Some((sink, report, tickets.teams)))
                })
            })
            .collect();
        let mut report = ImportReport::default();
        let mut teams = Names::default();
        let mut sinks = Vec::with_capacity(shards);
        let mut first_error = None;
        for h in shard_handles {
            match h.join().map_err(|_| Error::Worker("a shard".into())) {
                Ok(Ok(Some((sink, r, names)))) => {
                    report.merge(&r);
                    if let Err(e) = teams.merge("team", &names) {
                        first_error.get_or_insert(e);
                    }
                    sinks.push(sink);
                }
                Ok(Ok(None)) => {}
                Ok(Err(e)) | Err(e) => {
                    stop.store(true, Ordering::Relaxed);
                    first_error.get_or_insert(e);
                }
            }
        }
        for h in parser_handles {
            match h.join() {
                Ok(r) => report.merge(&r),
                Err(_) => {
                    first_error.get_or_insert(Error::Worker("a parser".into()));
                }
            }
        }
        match planner.join() {
            Ok(Ok(too_long)) => {
                report.read(Table::Events, too_long);
                report.reject_n(Table::Events, Rule::RowTooLong, too_long);
            }
            Ok(Err(e)) => {
                first_error.get_or_insert(e);
            }
            Err(_) => {
                first_error.get_or_insert(Error::Worker("the chunk planner".into()));
            }
        }
        if let Some(e) = first_error {
            return Err(e);
        }
        if disorder.load(Ordering::Relaxed) {
            return Ok(None);
        }
        Ok(Some((sinks, report, teams)))
    })
}

/// Parses the chunks a parser is given, and sends each shard its rows of each chunk (an
/// empty batch too: the shards count chunks to keep file order).
fn parse_events(
    columns: &Columns<7>,
    shards: usize,
    rx: &Receiver<Vec<u8>>,
    tx: &[SyncSender<Batch>],
    stop: &AtomicBool,
) -> ImportReport {
    let mut report = ImportReport::default();
    let mut record = csv::ByteRecord::new();
    let mut rows = 0;
    while let Ok(chunk) = rx.recv() {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let mut out: Vec<Batch> = (0..shards)
            .map(|_| Vec::with_capacity(chunk.len() / 40 / shards + 16))
            .collect();
        let mut reader = csv_reader(&chunk);
        while read_record(&mut reader, &mut record) {
            rows += 1;
            match rows::parse_event(columns, &record) {
                Ok(e) => out[(e.ticket % shards as u64) as usize].push(e),
                Err(rule) => report.reject(Table::Events, rule),
            }
        }
        for (s, batch) in out.into_iter().enumerate() {
            // A closed shard has stopped (out of order, or an error): stop too.
            if tx[s].send(batch).is_err() {
                stop.store(true, Ordering::Relaxed);
            }
        }
    }
    report.read(Table::Events, rows);
    report
}

/// One shard's rows of `tickets.csv`, read a chunk at a time as the shard needs them.
/// Shard 0 counts every row read and the rows whose id cannot be read; each shard counts
/// its own rows' rejections.
pub(super) struct TicketRows<'a> {
    chunks: Chunker,
    columns: Columns<6>,
    shard: u64,
    shards: u64,
    rows: VecDeque<TicketRow>,
    last: i64,
    pub(super) teams: Names,
    pub(super) report: ImportReport,
    pub(super) error: Option<Error>,
    pub(super) disorder: bool,
    others_disorder: &'a AtomicBool,
    progress: Option<Arc<AtomicU64>>,
}

impl<'a> TicketRows<'a> {
    fn open(
        path: &std::path::Path,
        options: &ReadOptions,
        columns: Columns<6>,
        shard: usize,
        others: &'a AtomicBool,
    ) -> Result<Self> {
        let (chunks, _) = Chunker::open(path, options.chunk_bytes, options.max_row_bytes)?;
        Ok(TicketRows {
            chunks,
            columns,
            shard: shard as u64,
            shards: options.shards as u64,
            rows: VecDeque::new(),
            last: i64::MIN,
            teams: Names::default(),
            report: ImportReport::default(),
            error: None,
            disorder: false,
            others_disorder: others,
            progress: if shard == 0 {
                options.progress.clone()
            } else {
                None
            },
        })
    }

    fn refill(&mut self) -> bool {
        let chunk = match self.chunks.next_chunk() {
            Ok(Some(chunk)) => chunk,
            Ok(None) => {
                if self.shard == 0 {
                    let long = std::mem::take(&mut self.chunks.too_long);
                    self.report.read(Table::Tickets, long);
                    self.report.reject_n(Table::Tickets, Rule::RowTooLong, long);
                }
                return false;
            }
            Err(e) => {
                self.error = Some(e);
                return false;
            }
        };
        if let Some(p) = &self.progress {
            p.fetch_add(chunk.len() as u64, Ordering::Relaxed);
        }
        let mut reader = csv_reader(&chunk);
        let mut record = csv::ByteRecord::new();
        let mut rows = 0;
        while read_record(&mut reader, &mut record) {
            rows += 1;
            let mine = match rows::ticket_key(&self.columns, &record) {
                Some((id, _)) => id % self.shards == self.shard,
                None => self.shard == 0,
            };
            if !mine {
                continue;
            }
            match rows::parse_ticket(&self.columns, &record, &mut self.teams) {
                Err(e) => {
                    self.error = Some(e);
                    return false;
                }
                Ok(Ok(row)) => {
                    if row.created_at < self.last {
                        self.disorder = true;
                        self.others_disorder.store(true, Ordering::Relaxed);
                    }
                    self.last = row.created_at;
                    self.rows.push_back(row);
                }
                Ok(Err(rule)) => self.report.reject(Table::Tickets, rule),
            }
        }
        if self.shard == 0 {
            self.report.read(Table::Tickets, rows);
        }
        true
    }
}

impl Iterator for TicketRows<'_> {
    type Item = TicketRow;

    fn next(&mut self) -> Option<TicketRow> {
        loop {
            if let Some(row) = self.rows.pop_front() {
                return Some(row);
            }
            if self.disorder || !self.refill() {
                return None;
            }
        }
    }
}
