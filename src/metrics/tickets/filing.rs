//! The lifecycle consumer: files each ticket's facts in the aggregates of its groups, as the
//! machine's transitions say. The aggregates' counters are written here and in
//! [`TicketLifecycle`]'s own methods only.

use core::hash::Hash;
use std::collections::HashMap;
use std::sync::Arc;

use crate::aggregate::FastHash;
use crate::calendar::BusinessClock;
use crate::error::Result;
use crate::model::{FieldChange, InteractionKind, Phase, TagId};

use super::grouping::TicketGrouping;
use super::handling;
use super::lifecycle::TicketLifecycle;
use super::machine::{Attributes, TicketState, Transition, UNSET};

/// "No group" for a ticket's cached group slot.
pub(super) const NO_GROUP: u32 = u32::MAX;

/// The aggregates of the groups, in a vector (so a ticket can keep its group's slot) with
/// an index by key.
#[derive(Debug, Clone)]
pub(super) struct Groups<K> {
    pub(super) index: HashMap<K, u32, FastHash>,
    pub(super) list: Vec<(K, TicketLifecycle)>,
}

impl<K> Default for Groups<K> {
    fn default() -> Self {
        Groups {
            index: HashMap::default(),
            list: Vec::new(),
        }
    }
}

impl<K: Eq + Hash + Clone> Groups<K> {
    /// The slot of `key`, made from `template` if new.
    pub(super) fn slot(&mut self, key: K, template: &TicketLifecycle) -> u32 {
        if let Some(slot) = self.index.get(&key) {
            return *slot;
        }
        self.list.push((key.clone(), template.clone()));
        let slot = (self.list.len() - 1) as u32;
        self.index.insert(key, slot);
        slot
    }
}

/// Adds (`add`) or retracts every figure a ticket contributes.
#[inline]
pub(super) fn file_all(
    agg: &mut TicketLifecycle,
    s: &TicketState,
    add: bool,
    count_created: bool,
    clock: Option<&dyn BusinessClock>,
) -> Result<()> {
    agg.put_ticket(s, add, count_created, clock)
}

/// The parts of a tracker that filing touches, borrowed apart from the ticket store.
pub(super) struct Filing<'a, G: TicketGrouping> {
    pub(super) overall: &'a mut TicketLifecycle,
    pub(super) groups: &'a mut Groups<G::Key>,
    pub(super) template: &'a TicketLifecycle,
    pub(super) grouping: &'a G,
    pub(super) clock: Option<&'a dyn BusinessClock>,
    pub(super) team_clocks: &'a [Arc<dyn BusinessClock>],
    /// The team calendars when a ticket's calendar follows its team
    /// ([`TrackerConfig::calendar_follows_team`](super::TrackerConfig::calendar_follows_team)).
    pub(super) follow:
        Option<&'a std::collections::BTreeMap<crate::model::TeamId, Arc<dyn BusinessClock>>>,
    /// Whether the handling consumer is on.
    pub(super) handling: bool,
    /// Whether it keeps replies for a reply-credit table.
    pub(super) reply_credit: bool,
}

impl<'a, G: TicketGrouping> Filing<'a, G> {
    /// The business calendar of a ticket.
    #[inline]
    pub(super) fn clock_of(&self, s: &TicketState) -> Option<&'a dyn BusinessClock> {
        self.clock_at(s.calendar)
    }

    /// The business calendar of a calendar slot (0: the tracker's, 1 + i: the i-th team
    /// calendar).
    #[inline]
    fn clock_at(&self, calendar: u8) -> Option<&'a dyn BusinessClock> {
        match calendar {
            0 => self.clock,
            i => self.team_clocks.get(usize::from(i) - 1).map(|c| &**c),
        }
    }

    /// Applies `f` to the overall aggregate (when `overall`) and to the aggregate of each of
    /// the ticket's groups.
    #[inline]
    pub(super) fn file(
        &mut self,
        overall: bool,
        state: &TicketState,
        mut f: impl FnMut(&mut TicketLifecycle) -> Result<()>,
    ) -> Result<()> {
        if overall && !G::ONE_KEY_PER_TICKET {
            f(self.overall)?;
        }
        if G::ONE_KEY_PER_TICKET {
            return match self.groups.list.get_mut(state.group as usize) {
                Some((_, agg)) => f(agg),
                None => Ok(()),
            };
        }
        let mut result = Ok(());
        let (groups, template) = (&mut *self.groups, self.template);
        self.grouping.for_each_key(&state.view(), |k| {
            if result.is_err() {
                return;
            }
            let slot = groups.slot(k, template);
            result = f(&mut groups.list[slot as usize].1);
        });
        result
    }

    /// The group slot of a ticket under a one-key grouping (`NO_GROUP` otherwise).
    pub(super) fn group_of(&mut self, state: &TicketState) -> u32 {
        if !G::ONE_KEY_PER_TICKET {
            return NO_GROUP;
        }
        let mut slot = NO_GROUP;
        let (groups, template) = (&mut *self.groups, self.template);
        self.grouping
            .for_each_key(&state.view(), |k| slot = groups.slot(k, template));
        slot
    }

    /// Files a ticket under the solve `solve` (an offset, `UNSET` for none) for groupings by
    /// solve window, moving its figures when its keys change.
    pub(super) fn resolve_under(&mut self, state: &mut TicketState, solve: u32) -> Result<()> {
        if !G::USES_SOLVE || state.filed_solve == solve {
            state.filed_solve = solve;
            return Ok(());
        }
        let clock = self.clock_of(state);
        let s: &TicketState = state;
        self.file(false, s, |a| file_all(a, s, false, true, clock))?;
        state.filed_solve = solve;
        state.group = self.group_of(state);
        let s: &TicketState = state;
        self.file(false, s, |a| file_all(a, s, true, true, clock))
    }

    /// Gives an unsolved ticket its latest team and assignee, moving every figure it filed
    /// to the groups of the new attributes when the keys change (the overall aggregate does
    /// not change).
    pub(super) fn refile(&mut self, state: &mut TicketState, latest: Attributes) -> Result<()> {
        // Tags changed while it was solved take effect now, with the attributes.
        let tags = match state.extra.as_mut() {
            Some(e) if G::USES_TAGS => e.pending_tags.take(),
            _ => None,
        };
        self.regroup(state, latest, tags)
    }

    /// A tag added to or removed from a ticket, for groupings by tag: an unsolved ticket
    /// moves to the groups of its new tags; a solved one keeps them for its reopen.
    fn retag(&mut self, state: &mut TicketState, tag: TagId, add: bool) -> Result<()> {
        let extra = state.extra();
        let mut tags = extra
            .pending_tags
            .clone()
            .unwrap_or_else(|| extra.tags.clone());
        if !super::machine::retag(&mut tags, tag, add) {
            return Ok(());
        }
        if state.phase == Phase::Solved {
            let extra = state.extra();
            extra.pending_tags = (tags != extra.tags).then_some(tags);
            return Ok(());
        }
        let latest = state.attributes();
        self.regroup(state, latest, Some(tags))
    }

    /// Gives the ticket the attributes `latest` (and the tags `tags`, where given), moving
    /// its figures when its group keys change.
    fn regroup(
        &mut self,
        state: &mut TicketState,
        latest: Attributes,
        mut tags: Option<Vec<TagId>>,
    ) -> Result<()> {
        let filed = state.attributes();
        if let Some(teams) = self.follow.filter(|_| latest.team != filed.team) {
            // The calendar of the new team, else the tracker's; kept when that is none or
            // does not cover the instant.
            let to = super::config::calendar_slot(teams, latest.team);
            let now = state.created + i64::from(state.last_event);
            if self.clock_at(to).is_some_and(|c| c.covers(now)) {
                state.change_calendar(to, self.clock_of(state));
            }
        }
        if latest == filed && tags.is_none() {
            return Ok(());
        }
        // Swaps the ticket's tags with those given (no-op without).
        let swap = |state: &mut TicketState, tags: &mut Option<Vec<TagId>>| {
            if let Some(t) = tags.as_mut() {
                core::mem::swap(&mut state.extra().tags, t);
            }
        };
        // Only a change of group keys moves anything (a new assignee does not move a
        // ticket grouped by team).
        let same = if G::ONE_KEY_PER_TICKET {
            let mut old_key = None;
            self.grouping
                .for_each_key(&state.view(), |k| old_key = Some(k));
            state.set_attributes(latest);
            swap(state, &mut tags);
            let mut new_key = None;
            self.grouping
                .for_each_key(&state.view(), |k| new_key = Some(k));
            old_key == new_key
        } else {
            let mut old_keys = Vec::new();
            self.grouping
                .for_each_key(&state.view(), |k| old_keys.push(k));
            state.set_attributes(latest);
            swap(state, &mut tags);
            let mut new_keys = Vec::new();
            self.grouping
                .for_each_key(&state.view(), |k| new_keys.push(k));
            old_keys == new_keys
        };
        if same {
            return Ok(());
        }
        state.set_attributes(filed);
        swap(state, &mut tags);
        let clock = self.clock_of(state);
        let s: &TicketState = state;
        self.file(false, s, |a| file_all(a, s, false, true, clock))?;
        state.set_attributes(latest);
        swap(state, &mut tags);
        state.group = self.group_of(state);
        let s: &TicketState = state;
        self.file(false, s, |a| file_all(a, s, true, true, clock))
    }

    /// Files what a transition of a ticket (by an event of `kind`) changed (the state
    /// already changed), with the handling consumer when it is on.
    #[inline(always)]
    pub(super) fn consume(
        &mut self,
        state: &mut TicketState,
        change: &Transition,
        kind: &InteractionKind,
    ) -> Result<()> {
        if !self.handling {
            return self.file_change(state, change);
        }
        let from = state.attributes();
        handling::follow(state, change, kind, from, true, self.reply_credit);
        if let Transition::HandedOff = change {
            self.file(true, state, |a| {
                a.handed_off();
                Ok(())
            })?;
        }
        self.file_change(state, change)?;
        handling::follow(state, change, kind, from, false, self.reply_credit);
        Ok(())
    }

    /// Files what a transition changed in the lifecycle aggregates.
    #[inline(always)]
    fn file_change(&mut self, state: &mut TicketState, change: &Transition) -> Result<()> {
        if G::USES_TAGS {
            match *change {
                Transition::Field(FieldChange::TagAdded(t)) => return self.retag(state, t, true),
                Transition::Field(FieldChange::TagRemoved(t)) => {
                    return self.retag(state, t, false);
                }
                _ => {}
            }
        }
        if matches!(
            change,
            Transition::Nothing
                | Transition::AwaitsReply
                | Transition::PhaseChanged
                | Transition::ClosedAfterSolve
                | Transition::Field(_)
                | Transition::HandedOff
        ) {
            return Ok(());
        }
        let clock = self.clock_of(state);
        let created = state.created;
        match *change {
            Transition::Nothing
            | Transition::AwaitsReply
            | Transition::PhaseChanged
            | Transition::ClosedAfterSolve
            | Transition::Field(_)
            | Transition::HandedOff => Ok(()),
            Transition::Replied(r) => {
                let resolved = r
                    .while_solved
                    .then(|| (state.facts_before_reply(clock), state.solved_facts(clock)));
                self.file(true, state, |a| a.replied(&r, created, resolved.as_ref()))
            }
            Transition::Reassigned { to } => self.refile(state, to),
            Transition::Cancelled { spam } => {
                let s: &TicketState = state;
                self.file(true, s, |a| file_all(a, s, false, spam, clock))
            }
            Transition::ClosedUnresolved { was_unanswered } => {
                self.file(true, state, |a| a.closed_unsolved(was_unanswered, created))
            }
            Transition::Solved {
                was_unanswered,
                cycle,
                ..
            } => {
                let facts = &state.solved_facts(clock);
                // Filed as it stood before the solve, then moved under the solve (for
                // groupings by solve window).
                let solve = core::mem::replace(&mut state.filed_solve, UNSET);
                let s: &TicketState = state;
                self.file(true, s, |a| {
                    a.solved(was_unanswered, cycle, facts, created)?;
                    a.put_handling(s, true)
                })?;
                self.resolve_under(state, solve)
            }
            Transition::Reopened {
                unanswered,
                moves_to,
            } => {
                let retracted = &state.facts_before_reopen(clock);
                // Filed as it stood before the reopen (under its solve), then moved.
                state.filed_solve = state.last_solved;
                let s: &TicketState = state;
                self.file(true, s, |a| {
                    a.reopened(retracted, unanswered, created)?;
                    a.put_handling(s, false)
                })?;
                self.resolve_under(state, UNSET)?;
                self.refile(state, moves_to)
            }
        }
    }
}
