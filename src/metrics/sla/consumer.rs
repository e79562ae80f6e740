//! The SLA consumer of the machine's transitions: what each transition does to a
//! ticket's clocks (the table in the [module docs](super)).

use crate::calendar::BusinessClock;
use crate::error::Result;
use crate::metrics::tickets::machine::{Attributes, Transition};
use crate::model::{FieldChange, Phase, TagId};

use super::clocks::{Ledger, SlaTicket};
use super::policy::SlaMetric;

impl Ledger {
    /// Moves a ticket's clocks as `change` (at `at`) says; returns the attributes the
    /// ticket moves to when its groups may change (also at a solve when `by_solve`: the
    /// grouping is by solve window). Tags are kept when `uses_tags`.
    pub(super) fn follow(
        &mut self,
        calendar: Option<&dyn BusinessClock>,
        s: &mut SlaTicket,
        change: &Transition,
        at: i64,
        uses_tags: bool,
        by_solve: bool,
    ) -> Result<Option<Attributes>> {
        Ok(match *change {
            Transition::Nothing => None,
            Transition::AwaitsReply => {
                for i in 0..s.clocks.len() {
                    if s.clocks[i].metric == SlaMetric::NextReply {
                        self.start(calendar, s, i, at);
                    }
                }
                None
            }
            Transition::Replied(_) => {
                for i in 0..s.clocks.len() {
                    match s.clocks[i].metric {
                        SlaMetric::FirstReply | SlaMetric::NextReply => {
                            self.end(calendar, s, i, at)?
                        }
                        SlaMetric::PeriodicUpdate | SlaMetric::PausableUpdate => {
                            self.end(calendar, s, i, at)?;
                            if s.machine.phase != Phase::Solved {
                                self.start(calendar, s, i, at);
                            }
                        }
                        _ => {}
                    }
                }
                None
            }
            Transition::PhaseChanged => {
                self.sync_all(calendar, s, at);
                None
            }
            Transition::Solved { .. } | Transition::ClosedUnresolved { .. } => {
                self.solve(calendar, s, at)?;
                // Groupings by solve window move the ticket under its solve.
                by_solve.then_some(s.machine.attributes())
            }
            Transition::ClosedAfterSolve => {
                // An instance started on the solved ticket (a next reply awaited) never ran.
                self.withdraw_live(s)?;
                None
            }
            Transition::Reopened { moves_to, .. } => {
                self.resume(calendar, s, at)?;
                self.sync_all(calendar, s, at);
                // A new ownership instance for the group the ticket reopens with.
                self.change_owner(calendar, s, moves_to.team.is_some(), at)?;
                Some(moves_to)
            }
            Transition::Reassigned { to } => {
                // Another group (not another agent of the same group) ends the ownership;
                // while solved, changes wait for the reopen.
                if to.team != s.machine.team && s.machine.phase != Phase::Solved {
                    self.change_owner(calendar, s, to.team.is_some(), at)?;
                }
                Some(to)
            }
            Transition::Field(FieldChange::TagAdded(tag)) => {
                retag(&mut s.tags, tag, true, uses_tags);
                None
            }
            Transition::Field(FieldChange::TagRemoved(tag)) => {
                retag(&mut s.tags, tag, false, uses_tags);
                None
            }
            // Custom fields and hand-offs move no clock.
            Transition::Field(_) | Transition::HandedOff => None,
            Transition::Cancelled { .. } => {
                self.cancel(s)?;
                None
            }
        })
    }
}

/// Adds or removes a tag of a ticket's (kept only when a policy names tags).
fn retag(tags: &mut Vec<TagId>, tag: TagId, add: bool, kept: bool) {
    if kept {
        crate::metrics::tickets::machine::retag(tags, tag, add);
    }
}
