//! The SLA clocks of a ticket and the ledger of outcomes they file: start, pause, resume,
//! end, cancel. Every outcome counter is written here.

use crate::calendar::BusinessClock;
use crate::error::Result;
use crate::metrics::tickets::machine::TicketState;
use crate::metrics::tickets::store::{InPlay, TicketStore};
use crate::model::{Phase, TicketId};
use crate::stats::DurationSummary;

use super::deadlines::{Deadlines, Running};
use super::policy::{Basis, SlaMetric};

/// "No policy applies" for a ticket's policy index.
pub(super) const NO_POLICY: u8 = u8::MAX;

/// "No target" for a clock the ticket's policy has no target for.
pub(super) const NO_TARGET: u8 = u8::MAX;

/// One clock of a ticket (a slot of the policies: a metric and a basis), and the target of
/// its policy for it, if any.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub(super) struct Clock {
    pub(super) metric: SlaMetric,
    /// The target's seconds (0 without a target).
    pub(super) target: u64,
    pub(super) basis: Basis,
    /// The target's index in the ticket's policy ([`NO_TARGET`]: none; the clock still
    /// counts, so a policy chosen later applies to the time counted).
    pub(super) index: u8,
    /// Whether an instance exists (started and not yet ended).
    pub(super) live: bool,
    /// Basis seconds counted before `since`.
    pub(super) elapsed: u64,
    /// Running since (Unix seconds), with its deadline.
    pub(super) running: Option<(i64, i64)>,
    /// Where the clock stood when the solve stopped it (resolution targets, for a reopen).
    pub(super) stopped: Option<(i64, u64)>,
    /// The run number of the running instance (its entry in the deadline index).
    #[cfg_attr(feature = "serde", serde(default))]
    pub(super) run: u64,
}

impl Clock {
    /// A clock of `metric` in `basis`, with `target` (its index and seconds) or none, with no
    /// instance.
    pub(super) fn of(metric: SlaMetric, basis: Basis, target: Option<(u8, u64)>) -> Self {
        let (index, target) = target.unwrap_or((NO_TARGET, 0));
        Clock {
            metric,
            target,
            basis,
            index,
            live: false,
            elapsed: 0,
            running: None,
            stopped: None,
            run: 0,
        }
    }

    /// Whether the ticket's policy has a target for it.
    #[inline]
    pub(super) fn targeted(&self) -> bool {
        self.index != NO_TARGET
    }

    /// A live instance paused past its target (counted as breached until it ends).
    pub(super) fn paused_overdue(&self) -> bool {
        self.targeted() && self.live && self.running.is_none() && self.elapsed > self.target
    }
}

/// An outcome filed for a ticket: its clock, the policy and target it was filed under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub(super) struct Filed {
    pub(super) clock: u8,
    pub(super) policy: u8,
    pub(super) target: u8,
    pub(super) achieved: bool,
    pub(super) amount: u64,
}

/// One ticket in play: the machine's state (the one meaning of its events) and its clocks.
#[derive(Debug, Clone)]
pub(super) struct SlaTicket {
    pub(super) machine: TicketState,
    pub(super) policy: u8,
    /// The books its outcomes are kept in: 0 (every ticket), then 1 + each group slot.
    pub(super) books: Box<[u32]>,
    pub(super) clocks: Vec<Clock>,
    /// Outcomes filed for this ticket, for a cancellation or a move to other groups.
    pub(super) filed: Vec<Filed>,
    /// Its tags as ids, when a policy's condition names tags (empty otherwise).
    pub(super) tags: Vec<crate::model::TagId>,
}

impl SlaTicket {
    /// Whether the deadline index's entry is this ticket's clock running as it started.
    #[inline]
    pub(super) fn runs(&self, r: &Running) -> bool {
        self.clocks.get(usize::from(r.clock)).is_some_and(|c| {
            c.targeted() && c.run == r.run && c.running.is_some_and(|(_, d)| d == r.deadline)
        })
    }
}

/// The ticket in play whose clock a deadline entry is, running as it started (`None` for
/// a stale entry).
#[inline]
pub(super) fn running_ticket<'a>(
    tickets: &'a TicketStore<SlaTicket>,
    r: &Running,
) -> Option<&'a SlaTicket> {
    let s = tickets.at(tickets.slot(r.ticket)?)?;
    s.runs(r).then_some(s)
}

impl InPlay for SlaTicket {
    #[inline]
    fn ticket(&self) -> TicketId {
        self.machine.id
    }
}

/// Outcomes of one policy's target.
#[derive(Debug, Clone, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub(super) struct Outcomes {
    pub(super) achieved: u64,
    pub(super) breached: u64,
    pub(super) breach: DurationSummary,
    pub(super) spare: DurationSummary,
    /// Paused instances already past their target.
    pub(super) paused_overdue: u64,
    /// Live instances (running or paused).
    pub(super) live: u64,
}

impl Outcomes {
    /// Files (or retracts) one outcome.
    fn file(&mut self, achieved: bool, amount: u64, add: bool) -> Result<()> {
        let (count, summary) = if achieved {
            (&mut self.achieved, &mut self.spare)
        } else {
            (&mut self.breached, &mut self.breach)
        };
        if add {
            summary.add(amount)?;
            *count += 1;
        } else {
            summary.remove(amount)?;
            *count -= 1;
        }
        Ok(())
    }

    /// Counts (or uncounts) a live instance.
    fn count_live(&mut self, paused_overdue: bool, add: bool) {
        if add {
            self.live += 1;
            self.paused_overdue += u64::from(paused_overdue);
        } else {
            self.live -= 1;
            self.paused_overdue -= u64::from(paused_overdue);
        }
    }
}

/// Whether a target of `metric` is a resolution target (stopped by a solve, resumed by a
/// reopen).
pub(super) fn is_resolution(m: SlaMetric) -> bool {
    matches!(
        m,
        SlaMetric::RequesterWait | SlaMetric::AgentWork | SlaMetric::TotalResolution
    )
}

/// Whether a target of `metric` has an instance from the ticket's creation.
pub(super) fn starts_at_creation(m: SlaMetric) -> bool {
    matches!(
        m,
        SlaMetric::FirstReply
            | SlaMetric::RequesterWait
            | SlaMetric::AgentWork
            | SlaMetric::TotalResolution
    )
}

/// Whether a live clock of `metric` runs in `phase`.
fn runs(metric: SlaMetric, phase: Phase) -> bool {
    match metric {
        SlaMetric::FirstReply
        | SlaMetric::NextReply
        | SlaMetric::PeriodicUpdate
        | SlaMetric::TotalResolution
        | SlaMetric::GroupOwnership => phase != Phase::Solved,
        SlaMetric::PausableUpdate | SlaMetric::AgentWork => {
            matches!(phase, Phase::New | Phase::Open)
        }
        SlaMetric::RequesterWait => matches!(phase, Phase::New | Phase::Open | Phase::OnHold),
    }
}

/// Seconds of `basis` from `a` to `b`.
fn measure(calendar: Option<&dyn BusinessClock>, basis: Basis, a: i64, b: i64) -> u64 {
    match basis {
        Basis::Calendar => u64::try_from(b - a).unwrap_or(0),
        Basis::Business => calendar.and_then(|c| c.business_between(a, b)).unwrap_or(0),
    }
}

/// The instant `left` seconds of `basis` after `since`.
fn deadline(calendar: Option<&dyn BusinessClock>, basis: Basis, since: i64, left: u64) -> i64 {
    match basis {
        Basis::Calendar => since.saturating_add(i64::try_from(left).unwrap_or(i64::MAX)),
        Basis::Business => calendar
            .and_then(|c| c.deadline_after(since, left))
            .unwrap_or(i64::MAX),
    }
}

/// The outcomes of every book and the running instances by deadline.
#[derive(Debug, Clone, Default)]
pub(super) struct Ledger {
    /// Outcomes by book (0: every ticket; 1 + n: group n), policy and target.
    pub(super) outcomes: Vec<Vec<Vec<Outcomes>>>,
    /// Running instances by deadline.
    pub(super) running: Deadlines,
}

impl Ledger {
    /// Applies `f` to the outcomes of target `i` of `policy` in each of `books` (nothing
    /// for [`NO_TARGET`] or no policy).
    fn each_book(
        &mut self,
        books: &[u32],
        policy: u8,
        target: u8,
        mut f: impl FnMut(&mut Outcomes) -> Result<()>,
    ) -> Result<()> {
        for b in books {
            if let Some(o) = self
                .outcomes
                .get_mut(*b as usize)
                .and_then(|book| book.get_mut(usize::from(policy)))
                .and_then(|p| p.get_mut(usize::from(target)))
            {
                f(o)?;
            }
        }
        Ok(())
    }

    /// Starts a fresh instance of clock `i` at `at`.
    pub(super) fn start(
        &mut self,
        calendar: Option<&dyn BusinessClock>,
        s: &mut SlaTicket,
        i: usize,
        at: i64,
    ) {
        let c = &mut s.clocks[i];
        if c.running.is_some() && c.targeted() {
            self.running.stopped();
        }
        c.live = true;
        c.elapsed = 0;
        c.running = None;
        c.stopped = None;
        let _ = self.each_book(&s.books, s.policy, c.index, |o| {
            o.count_live(false, true);
            Ok(())
        });
        self.sync(calendar, s, i, at);
    }

    /// Starts the instances that exist from the ticket's creation.
    pub(super) fn start_at_creation(
        &mut self,
        calendar: Option<&dyn BusinessClock>,
        s: &mut SlaTicket,
    ) {
        let at = s.machine.created;
        for i in 0..s.clocks.len() {
            let metric = s.clocks[i].metric;
            let owned = metric == SlaMetric::GroupOwnership && s.machine.team.is_some();
            if starts_at_creation(metric) || owned {
                self.start(calendar, s, i, at);
            }
        }
    }

    /// A group's ownership changes at `at`: the running ownership instance ends (filed
    /// under the group that had it), and, when the ticket goes to a group and is not
    /// solved, a new one starts (filed later under the books and policy it then has).
    pub(super) fn change_owner(
        &mut self,
        calendar: Option<&dyn BusinessClock>,
        s: &mut SlaTicket,
        to_group: bool,
        at: i64,
    ) -> Result<()> {
        for i in 0..s.clocks.len() {
            if s.clocks[i].metric != SlaMetric::GroupOwnership {
                continue;
            }
            self.end(calendar, s, i, at)?;
            if to_group && s.machine.phase != Phase::Solved {
                self.start(calendar, s, i, at);
            }
        }
        Ok(())
    }

    /// Brings clock `i`'s running state in line with the ticket's phase at `at`.
    pub(super) fn sync(
        &mut self,
        calendar: Option<&dyn BusinessClock>,
        s: &mut SlaTicket,
        i: usize,
        at: i64,
    ) {
        let id = s.machine.id;
        let should_run = s.clocks[i].live && runs(s.clocks[i].metric, s.machine.phase);
        let c = &mut s.clocks[i];
        let targeted = c.targeted();
        let paused_overdue: i8 = match (c.running, should_run) {
            (Some((since, _)), false) => {
                c.elapsed += measure(calendar, c.basis, since, at);
                c.running = None;
                if targeted {
                    self.running.stopped();
                }
                i8::from(c.live && c.elapsed > c.target)
            }
            (None, true) if targeted => {
                let was_overdue = c.elapsed > c.target;
                let left = c.target.saturating_sub(c.elapsed);
                let deadline = deadline(calendar, c.basis, at, left);
                c.running = Some((at, deadline));
                c.run = self.running.start(deadline, id, i as u8);
                -i8::from(was_overdue)
            }
            (None, true) => {
                // No target: it counts, with no deadline.
                c.running = Some((at, i64::MAX));
                0
            }
            _ => 0,
        };
        if paused_overdue != 0 {
            let index = s.clocks[i].index;
            let _ = self.each_book(&s.books, s.policy, index, |o| {
                if paused_overdue > 0 {
                    o.paused_overdue += 1;
                } else {
                    o.paused_overdue -= 1;
                }
                Ok(())
            });
        }
    }

    /// Brings every clock in line with the ticket's phase at `at`.
    pub(super) fn sync_all(
        &mut self,
        calendar: Option<&dyn BusinessClock>,
        s: &mut SlaTicket,
        at: i64,
    ) {
        for i in 0..s.clocks.len() {
            self.sync(calendar, s, i, at);
        }
    }

    /// Ends the live instance of clock `i` at `at`, filing its outcome.
    pub(super) fn end(
        &mut self,
        calendar: Option<&dyn BusinessClock>,
        s: &mut SlaTicket,
        i: usize,
        at: i64,
    ) -> Result<()> {
        if !s.clocks[i].live {
            return Ok(());
        }
        let was_paused_overdue = s.clocks[i].paused_overdue();
        // Stop it first (this accounts for its running time).
        s.clocks[i].live = false;
        if let Some((since, _)) = s.clocks[i].running.take() {
            let c = &mut s.clocks[i];
            c.elapsed += measure(calendar, c.basis, since, at);
            if c.targeted() {
                self.running.stopped();
            }
        }
        let c = &s.clocks[i];
        if !c.targeted() || s.policy == NO_POLICY {
            return Ok(());
        }
        let achieved = c.elapsed <= c.target;
        let amount = if achieved {
            c.target - c.elapsed
        } else {
            c.elapsed - c.target
        };
        let index = c.index;
        self.each_book(&s.books, s.policy, index, |out| {
            out.count_live(was_paused_overdue, false);
            out.file(achieved, amount, true)
        })?;
        s.filed.push(Filed {
            clock: i as u8,
            policy: s.policy,
            target: index,
            achieved,
            amount,
        });
        Ok(())
    }

    /// A solve at `at` (or a close of an unsolved ticket): every live instance ends; the
    /// resolution targets remember where they stood, for a reopen.
    pub(super) fn solve(
        &mut self,
        calendar: Option<&dyn BusinessClock>,
        s: &mut SlaTicket,
        at: i64,
    ) -> Result<()> {
        for i in 0..s.clocks.len() {
            let was_live = s.clocks[i].live;
            self.end(calendar, s, i, at)?;
            if was_live && is_resolution(s.clocks[i].metric) {
                s.clocks[i].stopped = Some((at, s.clocks[i].elapsed));
            }
        }
        Ok(())
    }

    /// A reopen at `at`: the resolution targets stopped by the solve resume where they
    /// stood (total resolution counts the solved period too), their outcomes retracted.
    pub(super) fn resume(
        &mut self,
        calendar: Option<&dyn BusinessClock>,
        s: &mut SlaTicket,
        at: i64,
    ) -> Result<()> {
        for i in 0..s.clocks.len() {
            let Some((stopped_at, elapsed)) = s.clocks[i].stopped.take() else {
                continue;
            };
            // Retract the outcome the solve filed for this clock.
            if let Some(pos) = s.filed.iter().rposition(|f| usize::from(f.clock) == i) {
                let f = s.filed.remove(pos);
                self.each_book(&s.books, f.policy, f.target, |o| {
                    o.file(f.achieved, f.amount, false)
                })?;
            }
            let c = &mut s.clocks[i];
            c.elapsed = elapsed;
            if c.metric == SlaMetric::TotalResolution {
                c.elapsed += measure(calendar, c.basis, stopped_at, at);
            }
            c.live = true;
            // It is paused until synced.
            let overdue = c.elapsed > c.target;
            let index = c.index;
            self.each_book(&s.books, s.policy, index, |o| {
                o.count_live(overdue, true);
                Ok(())
            })?;
            self.sync(calendar, s, i, at);
        }
        Ok(())
    }

    /// Withdraws the live instances (no outcome): an instance that the ticket's close or
    /// cancellation leaves without an end.
    pub(super) fn withdraw_live(&mut self, s: &mut SlaTicket) -> Result<()> {
        for i in 0..s.clocks.len() {
            if !s.clocks[i].live {
                continue;
            }
            let paused_overdue = s.clocks[i].paused_overdue();
            if s.clocks[i].running.take().is_some() && s.clocks[i].targeted() {
                self.running.stopped();
            }
            s.clocks[i].live = false;
            let index = s.clocks[i].index;
            self.each_book(&s.books, s.policy, index, |o| {
                o.count_live(paused_overdue, false);
                Ok(())
            })?;
        }
        Ok(())
    }

    /// A merge or spam: every outcome of the ticket leaves the figures, its live instances
    /// are withdrawn.
    pub(super) fn cancel(&mut self, s: &mut SlaTicket) -> Result<()> {
        for f in std::mem::take(&mut s.filed) {
            self.each_book(&s.books, f.policy, f.target, |o| {
                o.file(f.achieved, f.amount, false)
            })?;
        }
        self.withdraw_live(s)
    }

    /// Gives the ticket another policy at `at` (its fields changed): each clock keeps what it
    /// counted and takes the new policy's target for it, or none (Zendesk's "apply SLA" on
    /// a running metric: the target changes, the time already counted stays). A live
    /// instance leaves the old target's live count for the new one's; outcomes already
    /// filed stay under the policy they were filed under. `targets`: the new policy's
    /// target (index, seconds) for each clock.
    pub(super) fn repolicy(
        &mut self,
        calendar: Option<&dyn BusinessClock>,
        s: &mut SlaTicket,
        policy: u8,
        targets: impl Fn(usize) -> Option<(u8, u64)>,
        at: i64,
    ) -> Result<()> {
        self.repolicy_on([calendar, calendar], s, policy, targets, at)
    }

    /// Moves a ticket's running clocks from the calendar `old` to `new` at `at` (its team
    /// moved, and its calendar follows): the time counted so far on `old` stays, what is
    /// left counts on `new` (its deadlines computed again).
    pub(super) fn recalendar(
        &mut self,
        old: Option<&dyn BusinessClock>,
        new: Option<&dyn BusinessClock>,
        s: &mut SlaTicket,
        at: i64,
    ) -> Result<()> {
        let targets: Vec<Option<(u8, u64)>> = s
            .clocks
            .iter()
            .map(|c| c.targeted().then_some((c.index, c.target)))
            .collect();
        let policy = s.policy;
        self.repolicy_on([old, new], s, policy, |i| targets[i], at)
    }

    /// [`repolicy`](Self::repolicy) with the time so far counted on `calendars[0]` and
    /// the clocks restarted on `calendars[1]`.
    fn repolicy_on(
        &mut self,
        [calendar, next]: [Option<&dyn BusinessClock>; 2],
        s: &mut SlaTicket,
        policy: u8,
        targets: impl Fn(usize) -> Option<(u8, u64)>,
        at: i64,
    ) -> Result<()> {
        for i in 0..s.clocks.len() {
            let c = &mut s.clocks[i];
            let was_overdue = c.paused_overdue();
            if let Some((since, _)) = c.running.take() {
                c.elapsed += measure(calendar, c.basis, since, at);
                if c.targeted() {
                    self.running.stopped();
                }
            }
            let (live, old) = (c.live, c.index);
            (c.index, c.target) = targets(i).unwrap_or((NO_TARGET, 0));
            let overdue = c.paused_overdue();
            if live {
                self.each_book(&s.books, s.policy, old, |o| {
                    o.count_live(was_overdue, false);
                    Ok(())
                })?;
                self.each_book(&s.books, policy, s.clocks[i].index, |o| {
                    o.count_live(overdue, true);
                    Ok(())
                })?;
            }
        }
        s.policy = policy;
        self.sync_all(next, s, at);
        Ok(())
    }

    /// Moves the ticket's filed outcomes and live instances from its group books to
    /// `books` (book 0, every ticket, is the same for both and stays as it is).
    pub(super) fn move_books(&mut self, s: &mut SlaTicket, books: Box<[u32]>) -> Result<()> {
        let old = core::mem::replace(&mut s.books, books);
        for (groups, add) in [(&old[..], false), (&s.books[..], true)] {
            let groups: Vec<u32> = groups.iter().copied().filter(|b| *b != 0).collect();
            for f in &s.filed {
                self.each_book(&groups, f.policy, f.target, |o| {
                    o.file(f.achieved, f.amount, add)
                })?;
            }
            for c in &s.clocks {
                if c.live {
                    let overdue = c.paused_overdue();
                    self.each_book(&groups, s.policy, c.index, |o| {
                        o.count_live(overdue, add);
                        Ok(())
                    })?;
                }
            }
        }
        Ok(())
    }
}
