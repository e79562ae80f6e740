//! One shard's stream put together: event rows in order, each ticket's row joined at its
//! `created` event, creations first at an instant. The same code serves the streamed and
//! the sorted read, so both deliver the same order.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use super::TicketSink;
use super::rows::{Days, EventRow, KIND_CREATED, TicketRow};
use crate::report::{ImportReport, Rule, Table};

pub(super) struct Assembler<S, T: Iterator<Item = TicketRow>> {
    pub(super) sink: S,
    tickets: T,
    /// The next ticket row, read and not yet taken.
    peeked: Option<TicketRow>,
    /// Ticket rows read ahead of their `created` event.
    ahead: HashMap<u64, TicketRow>,
    pub(super) report: ImportReport,
    /// The instant of the events held.
    instant: i64,
    /// Interactions at `instant`, held until it passes (creations at it go first).
    held: Vec<EventRow>,
    /// An event came earlier than one delivered: the stream is not in order.
    pub(super) disorder: bool,
    days: Days,
}

impl<S: TicketSink, T: Iterator<Item = TicketRow>> Assembler<S, T> {
    pub(super) fn new(sink: S, tickets: T) -> Self {
        Assembler {
            sink,
            tickets,
            peeked: None,
            ahead: HashMap::new(),
            report: ImportReport::default(),
            instant: i64::MIN,
            held: Vec::new(),
            disorder: false,
            days: Days::default(),
        }
    }

    /// Takes the next event row of the shard.
    #[inline]
    pub(super) fn push(&mut self, e: &EventRow) {
        if e.at != self.instant {
            if e.at < self.instant {
                self.disorder = true;
                return;
            }
            self.flush();
            self.instant = e.at;
        }
        if e.kind == KIND_CREATED {
            self.create(e);
        } else {
            self.held.push(*e);
        }
    }

    fn flush(&mut self) {
        for e in self.held.drain(..) {
            if let Some(i) = e.interaction(&mut self.days) {
                self.sink.interaction(&i, &mut self.report);
            }
        }
    }

    fn create(&mut self, e: &EventRow) {
        let row = match self.ahead.remove(&e.ticket) {
            Some(row) => Some(row),
            None => self.pull(e.ticket, e.at),
        };
        match row {
            Some(row) => self.sink.ticket(&row.ticket(), &mut self.report),
            None => self
                .report
                .reject(Table::Events, Rule::CreatedWithoutTicket),
        }
    }

    /// Reads ticket rows created up to `at` until `id`'s; the others wait ahead.
    fn pull(&mut self, id: u64, at: i64) -> Option<TicketRow> {
        loop {
            let row = match self.peeked.take().or_else(|| self.tickets.next()) {
                Some(row) if row.created_at <= at => row,
                later => {
                    self.peeked = later;
                    return None;
                }
            };
            if row.id == id {
                return Some(row);
            }
            match self.ahead.entry(row.id) {
                Entry::Occupied(_) => self.report.reject(Table::Tickets, Rule::DuplicateTicketId),
                Entry::Vacant(v) => {
                    v.insert(row);
                }
            }
        }
    }

    /// Delivers what is held; counts the ticket rows that never had a `created` event,
    /// reading the ticket rows to their end.
    pub(super) fn finish(mut self) -> (S, ImportReport, T) {
        self.flush();
        let mut never = self.ahead.len() as u64 + u64::from(self.peeked.is_some());
        for _ in self.tickets.by_ref() {
            never += 1;
        }
        self.report
            .reject_n(Table::Tickets, Rule::NoCreatedEvent, never);
        (self.sink, self.report, self.tickets)
    }
}
