//! `csm-metrics tickets`: one row per ticket with its own figures, the drill-down behind
//! every aggregate ("which tickets are behind this p90?"), in the shape of a warehouse
//! package's ticket-metrics table.
//!
//! Each shard keeps the events of its open tickets and replays a ticket through the
//! tracker's rules ([`TicketReplay`]) when it closes (or is marked spam), or at the end of
//! the input; rows come out sorted by creation, then id.

use std::collections::HashMap;
use std::io::Write;

use csm_metrics::metrics::tickets::{RejectReason, TicketFacts, TicketReplay};
use csm_metrics::{Interaction, InteractionKind, Status, Ticket, TicketId};
use csm_metrics_io::history::TicketSink;
use csm_metrics_io::{ImportReport, Rule, Table};

use crate::{Failure, InputArgs, progress};

/// The columns, in order: the warehouse shape's first, then the business-time figures
/// of the solve (empty without a calendar), as dbt_zendesk's `*_business_minutes` columns.
pub const COLUMNS: [&str; 19] = [
    "ticket_id",
    "created_at",
    "status",
    "first_reply_seconds",
    "first_reply_business_seconds",
    "first_resolution_seconds",
    "full_resolution_seconds",
    "full_resolution_business_seconds",
    "requester_wait_seconds",
    "agent_work_seconds",
    "agent_wait_seconds",
    "on_hold_seconds",
    "reopens",
    "agent_replies",
    "first_resolution_business_seconds",
    "requester_wait_business_seconds",
    "agent_work_business_seconds",
    "agent_wait_business_seconds",
    "on_hold_business_seconds",
];

struct PerTicket {
    replay: TicketReplay,
    open: HashMap<TicketId, (Ticket, Vec<Interaction>)>,
    rows: Vec<TicketFacts>,
    failed: Option<csm_metrics::Error>,
}

impl PerTicket {
    fn close(&mut self, id: TicketId) {
        if let Some((ticket, events)) = self.open.remove(&id) {
            match self.replay.replay(&ticket, &events) {
                Ok(facts) => self.rows.push(facts),
                Err(e) => {
                    self.failed.get_or_insert(e);
                }
            }
        }
    }
}

impl TicketSink for PerTicket {
    fn ticket(&mut self, ticket: &Ticket, report: &mut ImportReport) {
        if self.open.contains_key(&ticket.id) {
            report.reject(Table::Events, Rule::Tracker(RejectReason::DuplicateTicket));
            return;
        }
        self.open.insert(ticket.id, (ticket.clone(), Vec::new()));
    }

    fn interaction(&mut self, i: &Interaction, report: &mut ImportReport) {
        let Some((_, events)) = self.open.get_mut(&i.ticket) else {
            report.reject(Table::Events, Rule::Tracker(RejectReason::TicketNotInPlay));
            return;
        };
        events.push(*i);
        if matches!(
            i.kind,
            InteractionKind::Status(Status::Closed | Status::Spam | Status::Merged { .. })
        ) {
            self.close(i.ticket);
        }
    }
}

pub fn run(input: &InputArgs) -> Result<(), Failure> {
    let history = input.source()?;
    let config = input.config()?;
    TicketReplay::new(config.clone())?;
    let mut options = input.options();
    let bar = progress::Bar::start(history.ticket_bytes(), &mut options);
    let read = history.read_tickets(&options, |_| PerTicket {
        replay: TicketReplay::new(config.clone()).unwrap_or_else(|_| unreachable!("checked above")),
        open: HashMap::new(),
        rows: Vec::new(),
        failed: None,
    })?;
    bar.finish();
    let (import, names) = (read.import, read.tickets);
    let mut rows = Vec::new();
    for mut shard in read.sinks {
        let open: Vec<TicketId> = shard.open.keys().copied().collect();
        for id in open {
            shard.close(id);
        }
        if let Some(e) = shard.failed {
            return Err(e.into());
        }
        rows.append(&mut shard.rows);
    }
    rows.sort_by_key(|f| (f.created_at, f.ticket));
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    writeln!(out, "{}", COLUMNS.join(","))?;
    let opt = |v: Option<u64>| v.map_or(String::new(), |v| v.to_string());
    // Ids as the source spells them: a name (an XES case id) quoted as CSV needs.
    let id = |t: TicketId| match names.as_ref().and_then(|n| n.get(t.0)) {
        Some(name) if name.contains([',', '"', '\n', '\r']) => {
            format!("\"{}\"", name.replace('"', "\"\""))
        }
        Some(name) => name.to_string(),
        None => t.0.to_string(),
    };
    for f in &rows {
        let s = f.solved.as_ref();
        let b = s.and_then(|s| s.business.as_ref());
        writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            id(f.ticket),
            f.created_at.timestamp(),
            f.outcome.as_str(),
            opt(f.first_response),
            opt(f.business_first_response),
            opt(s.map(|s| s.first_resolution)),
            opt(s.map(|s| s.full_resolution)),
            opt(b.map(|b| b.full_resolution)),
            opt(s.map(|s| s.requester_wait)),
            opt(s.map(|s| s.agent_work)),
            opt(s.map(|s| s.agent_wait)),
            opt(s.map(|s| s.on_hold)),
            f.reopens,
            f.replies,
            opt(b.map(|b| b.first_resolution)),
            opt(b.map(|b| b.requester_wait)),
            opt(b.map(|b| b.agent_work)),
            opt(b.map(|b| b.agent_wait)),
            opt(b.map(|b| b.on_hold)),
        )?;
    }
    out.flush()?;
    if import.rejected_total() > 0 {
        eprintln!("csm-metrics: {} rows turned away:", import.rejected_total());
        for (r, n) in &import.rejected {
            eprintln!("  {r}: {n}");
        }
    }
    Ok(())
}
