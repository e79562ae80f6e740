//! The streamed read: `events.csv` cut into chunks by one thread, parsed by
//! [`ReadOptions::parsers`] threads, each chunk's rows routed to the shard of their ticket;
//! each shard's thread takes its pieces back in file order, takes its rows of
//! `tickets.csv` from the one ticket reader they share as it needs them, and feeds its
//! sink. Nothing waits on the whole file: memory is the chunks and pieces in flight (a few
//! per thread) and the tickets in play.
//!
//! An event earlier than one its shard delivered, or a ticket row created before the one
//! read before it, stops every thread: the caller sorts instead.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use super::assemble::Assembler;
use super::rows::{EventRow, Names, TicketRow};
use super::source::{EventParser, Job, Planner, TicketBatches};
use super::{History, ReadOptions, TicketSink};
use crate::chunks::Pool;
use crate::error::{Error, Result};
use crate::report::{ImportReport, Rule, Table};

/// Pieces queued per channel.
const DEPTH: usize = 4;

/// Rows of one job for one shard, in order; `end` on the job's last piece (sent even when
/// empty: the shards count jobs to keep file order). A job's rows reach a shard in pieces
/// of at most [`ReadOptions::piece_rows`], so the memory in flight is small whatever a
/// job's size (a Parquet row group holds a million rows), a shard starts on a job before
/// its parser ends it, and the pieces' buffers go round through a pool instead of faulting
/// in fresh pages each job.
struct Piece {
    rows: Vec<EventRow>,
    end: bool,
}

pub(super) fn read<S, F>(
    history: &History,
    options: &ReadOptions,
    make: &F,
) -> Result<Option<(Vec<S>, ImportReport, Names)>>
where
    S: TicketSink,
    F: Fn(usize) -> S + Sync,
{
    let (mut planner, parser) = Planner::open(history, options)?;
    // The tickets' header is checked before any thread starts.
    let shared = std::sync::Mutex::new(SharedTickets::open(history, options)?);
    let shards = options.shards;
    let parsers = options.parsers;
    let stop = AtomicBool::new(false);
    let disorder = AtomicBool::new(false);
    std::thread::scope(|scope| {
        // Planner → parser p, and parser p → shard s.
        let mut to_parsers = Vec::new();
        let mut from_planner = Vec::new();
        for _ in 0..parsers {
            let (tx, rx) = sync_channel::<Job>(DEPTH);
            to_parsers.push(tx);
            from_planner.push(rx);
        }
        let mut to_shards: Vec<Vec<SyncSender<Piece>>> = (0..parsers).map(|_| Vec::new()).collect();
        let mut from_parsers: Vec<Vec<Receiver<Piece>>> = (0..shards).map(|_| Vec::new()).collect();
        let pool = Pool::<EventRow>::default();
        for row in to_shards.iter_mut() {
            for from in from_parsers.iter_mut() {
                let (tx, rx) = sync_channel::<Piece>(DEPTH);
                row.push(tx);
                from.push(rx);
            }
        }
        let stop = &stop;
        let disorder = &disorder;
        let shared = &shared;
        let progress = options.progress.clone();
        let planner = scope.spawn(move || -> Result<u64> {
            let mut k = 0;
            while let Some((job, bytes)) = planner.next()? {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                if let Some(p) = &progress {
                    p.fetch_add(bytes, Ordering::Relaxed);
                }
                if to_parsers[k % parsers].send(job).is_err() {
                    break;
                }
                k += 1;
            }
            Ok(planner.too_long())
        });
        let parser_handles: Vec<_> = from_planner
            .into_iter()
            .zip(to_shards)
            .map(|(rx, tx)| {
                let (parser, pool) = (parser.clone(), pool.clone());
                let piece = options.piece_rows;
                scope.spawn(move || parse_events(&parser, shards, piece, &rx, &tx, &pool, stop))
            })
            .collect();
        let shard_handles: Vec<_> = from_parsers
            .into_iter()
            .enumerate()
            .map(|(shard, rx)| {
                let pool = pool.clone();
                scope.spawn(move || -> Result<Option<(S, ImportReport)>> {
                    let tickets = TicketRows::new(shared, shard, disorder);
                    let mut a = Assembler::new(make(shard), tickets);
                    // The job whose pieces come next, from parser `job % parsers`.
                    let mut job = 0;
                    while let Ok(piece) = rx[job % rx.len()].recv() {
                        for e in &piece.rows {
                            a.push(e);
                        }
                        job += usize::from(piece.end);
                        pool.give(piece.rows);
                        if a.disorder || disorder.load(Ordering::Relaxed) {
                            disorder.store(true, Ordering::Relaxed);
                            stop.store(true, Ordering::Relaxed);
                            break;
                        }
                    }
                    drop(rx);
                    if disorder.load(Ordering::Relaxed) {
                        return Ok(None);
                    }
                    let (sink, report, tickets) = a.finish();
                    if tickets.disorder {
                        disorder.store(true, Ordering::Relaxed);
                        return Ok(None);
                    }
                    Ok(Some((sink, report)))
                })
            })
            .collect();
        let mut report = ImportReport::default();
        let mut teams = Names::default();
        let mut sinks = Vec::with_capacity(shards);
        let mut first_error = None;
        for h in shard_handles {
            match h.join().map_err(|_| Error::Worker("a shard".into())) {
                Ok(Ok(Some((sink, r)))) => {
                    report.merge(&r);
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
                Ok(Ok((r, names))) => {
                    report.merge(&r);
                    if let Err(e) = teams.merge("team", &names) {
                        first_error.get_or_insert(e);
                    }
                }
                Ok(Err(e)) => {
                    first_error.get_or_insert(e);
                }
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
        match shared.lock() {
            Ok(mut t) => {
                if let Some(e) = t.error.take() {
                    first_error.get_or_insert(e);
                }
                report.merge(&t.report);
                if let Err(e) = teams.merge("team", &t.teams) {
                    first_error.get_or_insert(e);
                }
            }
            Err(_) => {
                first_error.get_or_insert(Error::Worker("the ticket reader".into()));
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

/// Parses the jobs a parser is given, and sends each shard its rows of each job in
/// pieces, the last marked (sent even when empty).
fn parse_events(
    parser: &EventParser,
    shards: usize,
    piece: usize,
    rx: &Receiver<Job>,
    tx: &[SyncSender<Piece>],
    pool: &Pool<EventRow>,
    stop: &AtomicBool,
) -> Result<(ImportReport, Names)> {
    let mut report = ImportReport::default();
    let mut teams = Names::default();
    let mut rows = 0;
    let fresh = || pool.take().unwrap_or_else(|| Vec::with_capacity(piece));
    // A closed shard has stopped (out of order, or an error): stop too.
    let send = |s: usize, piece: Piece| {
        if tx[s].send(piece).is_err() {
            stop.store(true, Ordering::Relaxed);
        }
    };
    let mut out: Vec<Vec<EventRow>> = (0..shards).map(|_| fresh()).collect();
    while let Ok(job) = rx.recv() {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        rows += parser.parse(job, &mut teams, |row| match row {
            Ok(e) => {
                let s = (e.ticket % shards as u64) as usize;
                out[s].push(e);
                if out[s].len() >= piece {
                    let rows = std::mem::replace(&mut out[s], fresh());
                    send(s, Piece { rows, end: false });
                }
            }
            Err(rule) => report.reject(Table::Events, rule),
        })?;
        for (s, rows) in out.iter_mut().enumerate() {
            let rows = std::mem::replace(rows, fresh());
            send(s, Piece { rows, end: true });
        }
    }
    report.read(Table::Events, rows);
    Ok((report, teams))
}

/// The ticket rows, read once for every shard: the shard that runs out of rows reads the
/// next batch and deals its rows out by id, so each batch is decoded once whatever the
/// number of shards. Shards move through time together (their events come from one
/// pipeline), so the rows waiting for another shard are a few batches at most.
pub(super) struct SharedTickets {
    batches: TicketBatches,
    shards: u64,
    queues: Vec<VecDeque<TicketRow>>,
    /// Rows of the batch being dealt out.
    all: VecDeque<TicketRow>,
    /// Rows read, and the rows turned away, all shards'.
    report: ImportReport,
    teams: Names,
    error: Option<Error>,
    done: bool,
    progress: Option<Arc<AtomicU64>>,
}

impl SharedTickets {
    fn open(history: &History, options: &ReadOptions) -> Result<Self> {
        Ok(SharedTickets {
            batches: TicketBatches::open(history, options)?,
            shards: options.shards as u64,
            queues: (0..options.shards).map(|_| VecDeque::new()).collect(),
            all: VecDeque::new(),
            report: ImportReport::default(),
            teams: Names::default(),
            error: None,
            done: false,
            progress: options.progress.clone(),
        })
    }

    /// Moves `shard`'s waiting rows into `out`, reading batches until there are some or
    /// the rows end; false at the end.
    fn take(&mut self, shard: usize, out: &mut VecDeque<TicketRow>) -> bool {
        while self.queues[shard].is_empty() {
            if self.done || !self.read() {
                self.done = true;
                return false;
            }
        }
        std::mem::swap(&mut self.queues[shard], out);
        true
    }

    /// Reads one batch and deals it out; false at the end or on an error.
    fn read(&mut self) -> bool {
        let batch = self
            .batches
            .next_batch(&mut self.teams, &mut self.all, &mut self.report);
        let batch = match batch {
            Ok(Some(b)) => b,
            Ok(None) => return false,
            Err(e) => {
                self.error = Some(e);
                return false;
            }
        };
        if let Some(p) = &self.progress {
            p.fetch_add(batch.bytes, Ordering::Relaxed);
        }
        self.report.read(Table::Tickets, batch.rows);
        for row in self.all.drain(..) {
            self.queues[(row.id % self.shards) as usize].push_back(row);
        }
        true
    }
}

/// One shard's ticket rows, taken from the shared reader as the shard needs them.
pub(super) struct TicketRows<'a> {
    shared: &'a std::sync::Mutex<SharedTickets>,
    shard: usize,
    rows: VecDeque<TicketRow>,
    last: i64,
    pub(super) disorder: bool,
    others_disorder: &'a AtomicBool,
}

impl<'a> TicketRows<'a> {
    fn new(
        shared: &'a std::sync::Mutex<SharedTickets>,
        shard: usize,
        others: &'a AtomicBool,
    ) -> Self {
        TicketRows {
            shared,
            shard,
            rows: VecDeque::new(),
            last: i64::MIN,
            disorder: false,
            others_disorder: others,
        }
    }

    fn refill(&mut self) -> bool {
        let Ok(mut shared) = self.shared.lock() else {
            return false;
        };
        if !shared.take(self.shard, &mut self.rows) {
            return false;
        }
        drop(shared);
        for row in &self.rows {
            if row.created_at < self.last {
                self.disorder = true;
                self.others_disorder.store(true, Ordering::Relaxed);
            }
            self.last = row.created_at;
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
