//! One ticket's history replayed on its own, for engines that group events by ticket
//! (SQL's `GROUP BY ticket_id`): the facts a tracker would file for it.

use super::*;

/// How a ticket's history ends (so far).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum TicketOutcome {
    /// Not solved: in the backlog.
    Open,
    /// Solved and not closed.
    Solved,
    /// Closed after being solved.
    Closed,
    /// Closed without ever being solved (out of the backlog, no resolution).
    ClosedUnresolved,
    /// Merged into another ticket: counted as created, no other figure.
    Merged,
    /// Marked as spam: no figure at all.
    Spam,
}

impl TicketOutcome {
    /// A short lower-case name: `open`, `solved`, `closed`, `closed_unresolved`, `merged`,
    /// `spam`.
    pub fn as_str(self) -> &'static str {
        match self {
            TicketOutcome::Open => "open",
            TicketOutcome::Solved => "solved",
            TicketOutcome::Closed => "closed",
            TicketOutcome::ClosedUnresolved => "closed_unresolved",
            TicketOutcome::Merged => "merged",
            TicketOutcome::Spam => "spam",
        }
    }
}

/// What one ticket's history comes to: exactly the figures a [`TicketTracker`] files for
/// it, so that feeding the facts of every ticket to
/// [`TicketLifecycle::observe_facts`] gives the tracker's overall aggregate.
///
/// A figure the tracker does not file is absent: a merged or spam ticket has no response or
/// resolution, an unsolved one no [`solved`](Self::solved) facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketFacts {
    /// The ticket.
    pub ticket: TicketId,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// How its history ends.
    pub outcome: TicketOutcome,
    /// First response time, seconds (inbound tickets with a public agent reply).
    pub first_response: Option<u64>,
    /// The same in business seconds, when the configuration has a calendar.
    pub business_first_response: Option<u64>,
    /// Inbound, not solved and never answered.
    pub unanswered: bool,
    /// The resolution facts, while it is solved (or closed after a solve).
    pub solved: Option<SolvedFacts>,
    /// Next reply times after the first response, seconds.
    pub next_replies: Vec<u64>,
    /// Open → solved cycle times, seconds (one per solve).
    pub cycles: Vec<u64>,
    /// Public agent messages (responses).
    pub replies: u32,
    /// Times it went from solved back to an unsolved status.
    pub reopens: u32,
    /// Interactions applied.
    pub accepted: u32,
    /// Interactions seen again at the same instant, counted once.
    pub duplicates: u32,
    /// Interactions turned away (before creation, out of order, after the ticket was
    /// closed…), by the tracker's rules; the reasons are counted in
    /// [`TicketReplay::ingest`].
    pub rejected: u32,
}

impl TicketFacts {
    /// Whether it counts among created tickets (everything but spam).
    pub fn counted(&self) -> bool {
        self.outcome != TicketOutcome::Spam
    }
}

/// A grouping that files nothing: the replay reads each ticket's own state instead.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Unfiled;

impl TicketGrouping for Unfiled {
    type Key = ();
    const ONE_KEY_PER_TICKET: bool = true;
    #[inline]
    fn for_each_key<F: FnMut(())>(&self, _: &TicketView<'_>, _: F) {}
}

/// Replays one ticket's history at a time through the tracker's rules and returns its
/// [`TicketFacts`]: for engines that collect a ticket's events before computing anything
/// (a SQL aggregate grouped by ticket, a batch job keyed by ticket).
///
/// The rules are the tracker's own (the same code runs): events in time order (or
/// [`TrackerConfig::resequence`]), duplicates counted once, records before creation or
/// after a close turned away and counted, business time on the configuration's calendar
/// (or the creation team's). One replay holds one ticket's state at a time; it is reused
/// from ticket to ticket.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use csm_metrics::{AgentId, CustomerId, Interaction, Status, Ticket, TicketId};
/// use csm_metrics::metrics::tickets::{TicketOutcome, TicketReplay, TrackerConfig};
///
/// let t0 = Utc.with_ymd_and_hms(2025, 3, 3, 9, 0, 0).unwrap();
/// let minutes = |m| t0 + chrono::TimeDelta::minutes(m);
/// let id = TicketId(1);
/// let mut replay = TicketReplay::new(TrackerConfig::default())?;
/// let facts = replay.replay(
///     &Ticket::new(id, t0, CustomerId(5)),
///     &[
///         Interaction::agent_reply(id, minutes(30), AgentId(2)),
///         Interaction::status(id, minutes(45), Status::Solved),
///     ],
/// )?;
/// assert_eq!(facts.outcome, TicketOutcome::Solved);
/// assert_eq!(facts.first_response, Some(1_800));
/// assert_eq!(facts.solved.map(|s| s.full_resolution), Some(2_700));
/// # Ok::<(), csm_metrics::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct TicketReplay {
    tracker: TicketTracker<Unfiled>,
}

impl TicketReplay {
    /// A replay under a tracker configuration (calendar, team calendars, clock start,
    /// response filter, re-sequencing).
    pub fn new(config: TrackerConfig) -> Result<Self> {
        let mut tracker = TicketTracker::new(config, Unfiled)?;
        tracker.tickets.keep_removed = true;
        Ok(TicketReplay { tracker })
    }

    /// What every replay so far was offered and what it did with it, rejections by reason.
    pub fn ingest(&self) -> &IngestReport {
        self.tracker.ingest()
    }

    /// Replays a ticket's creation and its interactions (in time order) and returns its
    /// facts. An interaction the tracker would turn away is counted in
    /// [`TicketFacts::rejected`] (and by reason in [`ingest`](Self::ingest)), as is one of
    /// another ticket; the ticket itself turned away (created outside the calendar) is the
    /// tracker's error.
    pub fn replay<'a>(
        &mut self,
        ticket: &Ticket,
        events: impl IntoIterator<Item = &'a Interaction>,
    ) -> Result<TicketFacts> {
        let id = ticket.id;
        // Whatever an earlier replay left (nothing, unless it was interrupted by a panic).
        self.tracker.tickets.remove(id);
        self.tracker.tickets.removed = None;
        self.tracker.observe_ticket(ticket)?;
        // Counted from the ingest report: a late event put in its place can turn away
        // events accepted before it (they now follow a close).
        let counts = |i: &IngestReport| {
            (
                i.interactions,
                i.duplicates,
                i.rejected.values().sum::<u64>(),
            )
        };
        let before = counts(&self.tracker.ingest);
        let mut outcome = None;
        for e in events {
            // A rejection is counted in the ingest report.
            let _ = self.tracker.observe_interaction(e);
            if outcome.is_none() && !self.tracker.tickets.contains(id) {
                outcome = Some(match e.kind {
                    InteractionKind::Status(Status::Merged { .. }) => TicketOutcome::Merged,
                    InteractionKind::Status(Status::Spam) => TicketOutcome::Spam,
                    _ => TicketOutcome::Closed,
                });
            }
        }
        if outcome.is_none() {
            self.tracker.tickets.remove(id);
        }
        let after = counts(&self.tracker.ingest);
        let delta = |a: u64, b: u64| u32::try_from(a - b).unwrap_or(u32::MAX);
        let (accepted, duplicates, rejected) = (
            delta(after.0, before.0),
            delta(after.1, before.1),
            delta(after.2, before.2),
        );
        let Some(state) = self.tracker.tickets.removed.take() else {
            return Err(Error::corrupt(WHAT, "a replayed ticket's state was lost"));
        };
        let outcome = match outcome {
            Some(TicketOutcome::Closed) if state.phase != Phase::Solved => {
                TicketOutcome::ClosedUnresolved
            }
            Some(o) => o,
            None if state.phase == Phase::Solved => TicketOutcome::Solved,
            None => TicketOutcome::Open,
        };
        let clock = self.tracker.clock_for(state.calendar);
        let filed = !matches!(outcome, TicketOutcome::Merged | TicketOutcome::Spam);
        let answered =
            filed && state.first_reply != UNSET && state.clock_start != UNSET && state.inbound;
        Ok(TicketFacts {
            ticket: id,
            created_at: ticket.created_at,
            outcome,
            first_response: answered.then(|| secs(state.clock_start, state.first_reply)),
            business_first_response: answered.then(|| state.business_response(clock)).flatten(),
            unanswered: outcome == TicketOutcome::Open && state.unanswered(),
            solved: (filed && state.phase == Phase::Solved).then(|| state.solved_facts(clock)),
            next_replies: if filed {
                state.next_replies().collect()
            } else {
                Vec::new()
            },
            cycles: if filed {
                state.cycles().collect()
            } else {
                Vec::new()
            },
            replies: state.replies,
            reopens: state.reopens,
            accepted,
            duplicates,
            rejected,
        })
    }
}
