//! The lifecycle aggregate as a calculator: merge, configuration checks and the validation
//! of a restored state.

use crate::calculator::Calculator;
use crate::error::{Error, Result};
use crate::stats::DurationSummary;

use super::lifecycle::{LifecycleSnapshot, SolvedFacts, TicketLifecycle, WHAT};

impl TicketLifecycle {
    pub(super) fn is_empty(&self) -> bool {
        self.created == 0
            && self.answered == 0
            && self.solved == 0
            && self.backlog == 0
            && self.unanswered == 0
            && self.solve_events == 0
            && self.closed_unresolved == 0
            && self.reopen_events == 0
            && summaries(self).iter().all(|d| d.is_pristine())
            && self.business.as_ref().is_none_or(|b| {
                [
                    &b.first_response,
                    &b.first_resolution,
                    &b.full_resolution,
                    &b.requester_wait,
                    &b.agent_work,
                    &b.agent_wait,
                    &b.on_hold,
                ]
                .iter()
                .all(|d| d.is_pristine())
            })
            && self.handling.as_ref().is_none_or(|h| h.is_empty())
    }
}

impl Calculator for TicketLifecycle {
    /// Facts are fed by a [`TicketTracker`](super::TicketTracker); on its own the
    /// aggregate observes the facts of solved tickets (each counted as created and solved).
    type Record = SolvedFacts;
    type Snapshot = LifecycleSnapshot;

    fn observe(&mut self, facts: &SolvedFacts) -> Result<()> {
        let mut next = self.clone();
        next.add_solved(facts)?;
        // On its own, each fact is one ticket, created and solved.
        next.created += 1;
        next.solve_events += 1;
        *self = next;
        Ok(())
    }

    fn merge(&mut self, other: &Self) -> Result<()> {
        if other.is_empty() {
            return Ok(());
        }
        if self.is_empty() {
            *self = other.clone();
            return Ok(());
        }
        if self.target != other.target {
            return Err(Error::incompatible(
                WHAT,
                format!(
                    "resolution targets {} s and {} s",
                    self.target, other.target
                ),
            ));
        }
        let mut m = self.clone();
        for (a, b) in [
            (&mut m.first_response, &other.first_response),
            (&mut m.next_reply, &other.next_reply),
            (&mut m.first_resolution, &other.first_resolution),
            (&mut m.full_resolution, &other.full_resolution),
            (&mut m.cycle_resolution, &other.cycle_resolution),
            (&mut m.requester_wait, &other.requester_wait),
            (&mut m.agent_work, &other.agent_work),
            (&mut m.agent_wait, &other.agent_wait),
            (&mut m.on_hold, &other.on_hold),
        ] {
            a.merge(b)?;
        }
        let overflow = || Error::Overflow { what: WHAT };
        let add = |a: u64, b: u64| a.checked_add(b).ok_or_else(overflow);
        m.created = add(m.created, other.created)?;
        m.answered = add(m.answered, other.answered)?;
        m.solved = add(m.solved, other.solved)?;
        m.reopened = add(m.reopened, other.reopened)?;
        for (a, b) in m.reopen_counts.iter_mut().zip(other.reopen_counts) {
            *a = add(*a, b)?;
        }
        for (a, b) in m.touches.iter_mut().zip(other.touches) {
            *a = add(*a, b)?;
        }
        m.replies = add(m.replies, other.replies)?;
        m.within_target = add(m.within_target, other.within_target)?;
        m.unanswered = add(m.unanswered, other.unanswered)?;
        m.unanswered_created_sum += other.unanswered_created_sum;
        m.backlog = add(m.backlog, other.backlog)?;
        m.backlog_created_sum += other.backlog_created_sum;
        m.solve_events = add(m.solve_events, other.solve_events)?;
        m.reopen_events = add(m.reopen_events, other.reopen_events)?;
        m.closed_unresolved = add(m.closed_unresolved, other.closed_unresolved)?;
        match (&mut m.business, &other.business) {
            (Some(a), Some(b)) => a.merge(b)?,
            (None, None) => {}
            _ => {
                return Err(Error::incompatible(
                    WHAT,
                    "one side has business-time figures, the other none",
                ));
            }
        }
        match (&mut m.handling, &other.handling) {
            (Some(a), Some(b)) => a.merge(b)?,
            (None, None) => {}
            _ => {
                return Err(Error::incompatible(
                    WHAT,
                    "one side has handling figures, the other none",
                ));
            }
        }
        *self = m;
        Ok(())
    }

    /// The snapshot with ages dated at the Unix epoch; use
    /// [`snapshot_at`](TicketLifecycle::snapshot_at) (or the tracker's snapshot) for ages.
    fn snapshot(&self) -> LifecycleSnapshot {
        self.snapshot_at(0)
    }
}

impl TicketLifecycle {
    /// Whether two aggregates are configured alike (summaries, targets, business time),
    /// whatever they hold.
    pub(crate) fn same_config(&self, other: &Self) -> bool {
        let business = match (&self.business, &other.business) {
            (None, None) => true,
            (Some(a), Some(b)) => {
                a.response_target == b.response_target
                    && a.resolution_target == b.resolution_target
                    && a.first_response.same_config(&b.first_response)
                    && a.full_resolution.same_config(&b.full_resolution)
            }
            _ => false,
        };
        self.target == other.target
            && business
            && match (&self.handling, &other.handling) {
                (None, None) => true,
                (Some(a), Some(b)) => a.credit() == b.credit(),
                _ => false,
            }
            && summaries(self)
                .iter()
                .zip(summaries(other))
                .all(|(a, b)| a.same_config(b))
    }

    /// Checks that the counts of a state agree with each other (what a deserialised state
    /// must satisfy).
    pub fn validate(&self) -> Result<()> {
        let bad = |rule: &str| Err(Error::corrupt(WHAT, rule.to_string()));
        let n = self.solved;
        for (name, d) in [
            ("first resolution", &self.first_resolution),
            ("full resolution", &self.full_resolution),
            ("requester wait", &self.requester_wait),
            ("agent work", &self.agent_work),
            ("agent wait", &self.agent_wait),
            ("on-hold", &self.on_hold),
        ] {
            if d.count() != n {
                return Err(Error::corrupt(
                    WHAT,
                    format!("{} {name} durations for {n} solved tickets", d.count()),
                ));
            }
        }
        let sum = |v: &[u64]| v.iter().try_fold(0u64, |a, b| a.checked_add(*b));
        if sum(&self.reopen_counts) != Some(n) || sum(&self.touches) != Some(n) {
            return bad("reopen or touch counts do not add up to the solved tickets");
        }
        if self.reopened != n - self.reopen_counts[0] || self.within_target > n {
            return bad("reopened or within-target tickets do not agree with the solved ones");
        }
        let least_replies = self.touches[1] + 2 * self.touches[2] + 3 * self.touches[3];
        if self.replies < least_replies {
            return bad("fewer replies than the touch counts need");
        }
        if self.answered != self.first_response.count() {
            return bad("answered tickets and first responses differ");
        }
        if self
            .backlog
            .saturating_add(n)
            .saturating_add(self.closed_unresolved)
            > self.created
            || self.unanswered > self.backlog
        {
            return bad("more tickets solved, open or closed than created");
        }
        if let Some(b) = &self.business {
            if b.full_resolution.count() != n
                || b.first_resolution.count() != n
                || b.first_response.count() != self.answered
                || b.responded_within > b.first_response.count()
                || b.resolved_within > n
            {
                return bad("business-time counts do not agree with the calendar ones");
            }
        }
        match &self.handling {
            Some(h) => h.validate(n),
            None => Ok(()),
        }
    }
}

/// The nine calendar-time summaries of an aggregate.
fn summaries(a: &TicketLifecycle) -> [&DurationSummary; 9] {
    [
        &a.first_response,
        &a.next_reply,
        &a.first_resolution,
        &a.full_resolution,
        &a.cycle_resolution,
        &a.requester_wait,
        &a.agent_work,
        &a.agent_wait,
        &a.on_hold,
    ]
}

#[cfg(feature = "serde")]
validated_serde!(TicketLifecycle);
