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
use super::rows::{EventRow, Names, TicketRow};
use super::source::{EventParser, Job, Planner, TicketBatches};
use super::{History, ReadOptions, TicketSink};
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
    let (mut planner, parser) = Planner::open(history, options)?;
    // The tickets' header is checked before any thread starts.
    TicketBatches::check(history, options)?;
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
                let parser = parser.clone();
                scope.spawn(move || parse_events(&parser, shards, &rx, &tx, stop))
            })
            .collect();
        let shard_handles: Vec<_> = from_parsers
            .into_iter()
            .enumerate()
            .map(|(shard, rx)| {
                scope.spawn(move || -> Result<Option<(S, ImportReport, Names)>> {
                    let tickets = TicketRows::open(history, options, shard, disorder)?;
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
        if let Some(e) = first_error {
            return Err(e);
        }
        if disorder.load(Ordering::Relaxed) {
            return Ok(None);
        }
        Ok(Some((sinks, report, teams)))
    })
}

/// Parses the jobs a parser is given, and sends each shard its rows of each job (an
/// empty batch too: the shards count jobs to keep file order).
fn parse_events(
    parser: &EventParser,
    shards: usize,
    rx: &Receiver<Job>,
    tx: &[SyncSender<Batch>],
    stop: &AtomicBool,
) -> Result<(ImportReport, Names)> {
    let mut report = ImportReport::default();
    let mut teams = Names::default();
    let mut rows = 0;
    while let Ok(job) = rx.recv() {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let mut out: Vec<Batch> = (0..shards).map(|_| Vec::with_capacity(1 << 14)).collect();
        rows += parser.parse(job, &mut teams, |row| match row {
            Ok(e) => out[(e.ticket % shards as u64) as usize].push(e),
            Err(rule) => report.reject(Table::Events, rule),
        })?;
        for (s, batch) in out.into_iter().enumerate() {
            // A closed shard has stopped (out of order, or an error): stop too.
            if tx[s].send(batch).is_err() {
                stop.store(true, Ordering::Relaxed);
            }
        }
    }
    report.read(Table::Events, rows);
    Ok((report, teams))
}

/// One shard's ticket rows, read a batch at a time as the shard needs them. Shard 0
/// counts every row read and the rows whose id cannot be read; each shard counts its own
/// rows' rejections.
pub(super) struct TicketRows<'a> {
    batches: TicketBatches,
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
        history: &History,
        options: &ReadOptions,
        shard: usize,
        others: &'a AtomicBool,
    ) -> Result<Self> {
        Ok(TicketRows {
            batches: TicketBatches::open(history, options)?,
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
        let (shard, shards) = (self.shard, self.shards);
        let before = self.rows.len();
        let batch = self.batches.next_batch(
            |id| id % shards == shard,
            shard == 0,
            &mut self.teams,
            &mut self.rows,
            &mut self.report,
        );
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
        if shard == 0 {
            self.report.read(Table::Tickets, batch.rows);
        }
        for row in self.rows.range(before..) {
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
