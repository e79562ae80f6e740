//! The sorted read, for files out of order: every row into sorted runs (an in-memory
//! buffer of at most [`ReadOptions::sort_memory_bytes`], sorted, and written to a
//! temporary file when another run follows), then each shard merges the runs, keeping its
//! own tickets, through the same [`Assembler`] as the streamed read. Memory: one run's
//! buffer while reading; while merging, a read buffer per run and shard.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::sync::Arc;

use super::assemble::Assembler;
use super::rows::{EventRow, KIND_CREATED, Names, TicketRow};
use super::source::{Planner, TicketBatches};
use super::{History, ReadOptions, TicketSink};
use crate::error::{Error, Result, io};
use crate::report::{ImportReport, Ordering, Rule, Table};

/// A row the sort handles: packed to fixed bytes, ordered by a key.
pub(crate) trait Packed: Copy + Send + Sync {
    const SIZE: usize;
    type Key: Ord + Copy;
    fn key(&self) -> Self::Key;
    fn shard(&self, shards: u64) -> usize;
    fn pack(&self, out: &mut Vec<u8>);
    fn unpack(b: &[u8]) -> Self;
}

impl Packed for TicketRow {
    const SIZE: usize = TicketRow::SIZE;
    /// Creation order; rows created at one instant keep file order (the sort is stable).
    type Key = i64;
    fn key(&self) -> i64 {
        self.created_at
    }
    fn shard(&self, shards: u64) -> usize {
        (self.id % shards) as usize
    }
    fn pack(&self, out: &mut Vec<u8>) {
        self.encode(out);
    }
    fn unpack(b: &[u8]) -> Self {
        let mut a = [0; TicketRow::SIZE];
        a.copy_from_slice(b);
        TicketRow::decode(&a)
    }
}

impl Packed for EventRow {
    const SIZE: usize = EventRow::SIZE;
    /// By instant; at one instant creations first, then by ticket (file order within a
    /// ticket: the sort is stable).
    type Key = (i64, bool, u64);
    fn key(&self) -> (i64, bool, u64) {
        (self.at, self.kind != KIND_CREATED, self.ticket)
    }
    fn shard(&self, shards: u64) -> usize {
        (self.ticket % shards) as usize
    }
    fn pack(&self, out: &mut Vec<u8>) {
        self.encode(out);
    }
    fn unpack(b: &[u8]) -> Self {
        let mut a = [0; EventRow::SIZE];
        a.copy_from_slice(b);
        EventRow::decode(&a)
    }
}

/// A sorted run: in memory (the last, or the only one) or in a temporary file.
pub(crate) enum Run<T> {
    Memory(Arc<Vec<T>>),
    File {
        file: Arc<tempfile::NamedTempFile>,
        rows: u64,
    },
}

/// Rows sorted into runs.
pub(crate) struct Runs<T: Packed> {
    buffer: Vec<T>,
    cap: usize,
    runs: Vec<Run<T>>,
}

impl<T: Packed> Runs<T> {
    pub(crate) fn new(memory_bytes: usize) -> Self {
        Runs {
            buffer: Vec::new(),
            cap: (memory_bytes / std::mem::size_of::<T>().max(1)).max(1),
            runs: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, row: T) -> Result<()> {
        if self.buffer.len() == self.cap {
            self.spill()?;
        }
        self.buffer.push(row);
        Ok(())
    }

    fn spill(&mut self) -> Result<()> {
        self.buffer.sort_by_key(T::key);
        let mut file = tempfile::NamedTempFile::new().map_err(|e| Error::Io {
            path: std::env::temp_dir(),
            source: e,
        })?;
        let path = file.path().to_path_buf();
        let mut out = BufWriter::with_capacity(1 << 20, file.as_file_mut());
        let mut bytes = Vec::with_capacity(T::SIZE);
        for row in &self.buffer {
            bytes.clear();
            row.pack(&mut bytes);
            out.write_all(&bytes).map_err(io(&path))?;
        }
        out.flush().map_err(io(&path))?;
        drop(out);
        self.runs.push(Run::File {
            file: Arc::new(file),
            rows: self.buffer.len() as u64,
        });
        self.buffer.clear();
        Ok(())
    }

    /// The runs, the last one kept in memory.
    pub(crate) fn finish(mut self) -> Vec<Run<T>> {
        self.buffer.sort_by_key(T::key);
        self.runs
            .push(Run::Memory(Arc::new(std::mem::take(&mut self.buffer))));
        self.runs
    }
}

/// Reads one run in order.
enum Cursor<T> {
    Memory { rows: Arc<Vec<T>>, next: usize },
    File { reader: BufReader<File>, left: u64 },
}

impl<T: Packed> Cursor<T> {
    fn open(run: &Run<T>) -> Result<Self> {
        Ok(match run {
            Run::Memory(rows) => Cursor::Memory {
                rows: Arc::clone(rows),
                next: 0,
            },
            Run::File { file, rows } => Cursor::File {
                reader: BufReader::with_capacity(1 << 16, file.reopen().map_err(io(file.path()))?),
                left: *rows,
            },
        })
    }

    fn next(&mut self) -> Result<Option<T>> {
        match self {
            Cursor::Memory { rows, next } => {
                let row = rows.get(*next).copied();
                *next += 1;
                Ok(row)
            }
            Cursor::File { reader, left } => {
                if *left == 0 {
                    return Ok(None);
                }
                *left -= 1;
                let mut b = [0u8; 64];
                let b = &mut b[..T::SIZE];
                reader.read_exact(b).map_err(|e| Error::Io {
                    path: std::env::temp_dir(),
                    source: e,
                })?;
                Ok(Some(T::unpack(b)))
            }
        }
    }
}

/// One shard's rows of all runs, merged in key order (ties: earlier run first).
pub(crate) struct Merge<T: Packed> {
    cursors: Vec<Cursor<T>>,
    heap: BinaryHeap<Reverse<(T::Key, usize)>>,
    heads: Vec<Option<T>>,
    shard: usize,
    shards: u64,
    pub(crate) error: Option<Error>,
}

impl<T: Packed> Merge<T> {
    pub(crate) fn new(runs: &[Run<T>], shard: usize, shards: u64) -> Result<Self> {
        let mut m = Merge {
            cursors: runs.iter().map(Cursor::open).collect::<Result<_>>()?,
            heap: BinaryHeap::new(),
            heads: vec![None; runs.len()],
            shard,
            shards,
            error: None,
        };
        for i in 0..m.cursors.len() {
            m.advance(i);
        }
        Ok(m)
    }

    /// Loads run `i`'s next row of this shard.
    fn advance(&mut self, i: usize) {
        loop {
            match self.cursors[i].next() {
                Ok(Some(row)) if row.shard(self.shards) == self.shard => {
                    self.heap.push(Reverse((row.key(), i)));
                    self.heads[i] = Some(row);
                    return;
                }
                Ok(Some(_)) => {}
                Ok(None) => return,
                Err(e) => {
                    self.error.get_or_insert(e);
                    return;
                }
            }
        }
    }
}

impl<T: Packed> Iterator for Merge<T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        let Reverse((_, i)) = self.heap.pop()?;
        let row = self.heads[i].take();
        self.advance(i);
        row
    }
}

pub(super) fn read<S, F>(
    history: &History,
    options: &ReadOptions,
    make: &F,
) -> Result<(Vec<S>, ImportReport, Names)>
where
    S: TicketSink,
    F: Fn(usize) -> S + Sync,
{
    let mut report = ImportReport::default();
    let mut teams = Names::default();
    let mut tickets = Runs::<TicketRow>::new(options.sort_memory_bytes);
    let mut batches = TicketBatches::open(history, options)?;
    let mut rows = VecDeque::new();
    while let Some(batch) = batches.next_batch(&mut teams, &mut rows, &mut report)? {
        report.read(Table::Tickets, batch.rows);
        for row in rows.drain(..) {
            tickets.push(row)?;
        }
    }
    let mut events = Runs::<EventRow>::new(options.sort_memory_bytes);
    let (mut planner, parser) = Planner::open(history, options)?;
    let mut failed = None;
    while let Some((job, _)) = planner.next()? {
        let n = parser.parse(job, &mut teams, |row| match row {
            Ok(row) => {
                if let Err(e) = events.push(row) {
                    failed.get_or_insert(e);
                }
            }
            Err(rule) => report.reject(Table::Events, rule),
        })?;
        if let Some(e) = failed.take() {
            return Err(e);
        }
        report.read(Table::Events, n);
    }
    report.read(Table::Events, planner.too_long());
    report.reject_n(Table::Events, Rule::RowTooLong, planner.too_long());
    let tickets = tickets.finish();
    let events = events.finish();
    report.ordering = Ordering::Sorted { runs: events.len() };
    let shards = options.shards;
    let (sinks, shard_reports) = on_shards(shards, |shard| {
        let ticket_rows = Merge::new(&tickets, shard, shards as u64)?;
        let mut event_rows = Merge::new(&events, shard, shards as u64)?;
        let mut a = Assembler::new(make(shard), ticket_rows);
        for e in event_rows.by_ref() {
            a.push(&e);
        }
        if let Some(e) = event_rows.error {
            return Err(e);
        }
        let (sink, report, ticket_rows) = a.finish();
        match ticket_rows.error {
            Some(e) => Err(e),
            None => Ok((sink, report)),
        }
    })?;
    report.merge(&shard_reports);
    Ok((sinks, report, teams))
}

/// Runs `work(shard)` for each shard on its own thread; returns the sinks in shard order
/// and their reports merged (the first error, or a thread that stopped, is the error).
pub(crate) fn on_shards<S: Send>(
    shards: usize,
    work: impl Fn(usize) -> Result<(S, ImportReport)> + Sync,
) -> Result<(Vec<S>, ImportReport)> {
    let results: Vec<Result<(S, ImportReport)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..shards)
            .map(|shard| {
                let work = &work;
                scope.spawn(move || work(shard))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(Error::Worker("a shard".into())))
            })
            .collect()
    });
    let mut sinks = Vec::with_capacity(shards);
    let mut report = ImportReport::default();
    for r in results {
        let (sink, r) = r?;
        report.merge(&r);
        sinks.push(sink);
    }
    Ok((sinks, report))
}
