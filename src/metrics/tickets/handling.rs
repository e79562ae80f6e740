//! The handling consumer: how tickets were handled on their way to a solve. Time in each
//! status (custom statuses apart, with their entries), assignment (time to first
//! assignment, unassigned time, first assignment → reply, assignee and group stations,
//! reassignments, hand-offs between groups) and bots (hand-offs, bot resolutions).
//!
//! **Reply credit** ([`ReplyCredit`], [`TrackerConfig::reply_credit`](super::TrackerConfig::reply_credit)):
//! the first responses and next replies of the solved tickets per agent, credited to the
//! assignee at the solve, to the assignee at the moment of each reply, or to the
//! agent who wrote it.
//!
//! Turned on by [`TrackerConfig::handling`](super::TrackerConfig::handling). Each ticket
//! keeps a [`HandlingState`] beside the machine's; its figures are facts of the solved
//! ticket ([contract](crate::contract) "Handling"): filed in its groups when it is solved,
//! retracted when it is reopened, merged or marked as spam, moved with it like every
//! resolution figure. They change only while the ticket is unsolved (a reply to a solved
//! ticket, or an assignment while solved, counts from its reopen).

use crate::calculator::Calculator;
use crate::error::{Error, Result};
use crate::model::{AgentId, Author, InteractionKind, Status, StatusCategory, StatusId, TeamId};
use crate::stats::{DurationSnapshot, DurationSummary};

use super::lifecycle::{WHAT, ratio};
use super::machine::{Attributes, BOT_WROTE, TicketState, Transition, UNSET};

/// A status whose time is counted apart: the four unsolved standard statuses and each
/// custom status of an unsolved category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum StatusKey {
    /// New.
    New,
    /// Open.
    Open,
    /// Pending.
    Pending,
    /// On hold.
    OnHold,
    /// A custom status (counted apart from the standard status of its category).
    Custom(StatusId),
}

impl StatusKey {
    /// The key of an unsolved status (`None` for solved, closed, merged, spam and custom
    /// statuses of the solved category).
    pub fn of(status: Status) -> Option<StatusKey> {
        match status {
            Status::New => Some(StatusKey::New),
            Status::Open => Some(StatusKey::Open),
            Status::Pending => Some(StatusKey::Pending),
            Status::OnHold => Some(StatusKey::OnHold),
            Status::Custom(c) if c.category != StatusCategory::Solved => {
                Some(StatusKey::Custom(c.id))
            }
            _ => None,
        }
    }
}

/// Which agent a reply's time is credited to, in [`HandlingSnapshot::credited`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum ReplyCredit {
    /// The ticket's assignee when it is solved, for every reply of the ticket: the agent
    /// a grouping by assignee files the ticket under (Zendesk's and dbt_zendesk's
    /// ticket-level reply times, which are reported by the ticket's assignee).
    #[default]
    AssigneeAtSolve,
    /// The ticket's assignee at the moment of each reply (Zendesk's reply-time reports
    /// "by assignee" read off the ticket's audit trail; Intercom's "teammate assigned").
    AssigneeAtReply,
    /// The agent who wrote the reply (Front's reply-time analytics; Intercom's "teammate
    /// replied").
    Author,
}

/// A reply of an unsolved ticket that ended a first-response or next-reply wait: who
/// wrote it, who was assigned, and the wait it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub(crate) struct Credit {
    author: AgentId,
    assignee: Option<AgentId>,
    /// A next reply (else the first response).
    next: bool,
    secs: u32,
}

/// One ticket's handling so far (instants and durations in seconds after its creation).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub(crate) struct HandlingState {
    /// The status it is in (while unsolved; the last one before the solve after).
    status: StatusKey,
    since: u32,
    /// Seconds and entries per status, in order of first entry.
    times: Vec<(StatusKey, u32, u32)>,
    first_assigned: u32,
    /// First assignment → the first public agent reply after it.
    assignment_reply: u32,
    unassigned: u32,
    unassigned_since: u32,
    agents: Vec<AgentId>,
    teams: Vec<TeamId>,
    reassignments: u32,
    group_handoffs: u32,
    handoffs: u32,
    /// Set at the solve: what the solved ticket files.
    bot_resolved: bool,
    handed_off: bool,
    /// The replies that ended a wait while unsolved, for [`ReplyCredit`].
    #[cfg_attr(feature = "serde", serde(default))]
    credits: Vec<Credit>,
}

impl HandlingState {
    /// A ticket just created with `a` (in status new).
    pub(crate) fn created(a: Attributes) -> Self {
        let assigned = a.assignee.is_some();
        HandlingState {
            status: StatusKey::New,
            since: 0,
            times: vec![(StatusKey::New, 0, 1)],
            first_assigned: if assigned { 0 } else { UNSET },
            assignment_reply: UNSET,
            unassigned: 0,
            unassigned_since: if assigned { UNSET } else { 0 },
            agents: a.assignee.into_iter().collect(),
            teams: a.team.into_iter().collect(),
            reassignments: 0,
            group_handoffs: 0,
            handoffs: 0,
            bot_resolved: false,
            handed_off: false,
            credits: Vec::new(),
        }
    }

    fn enter(&mut self, key: StatusKey, at: u32) {
        match self.times.iter_mut().find(|t| t.0 == key) {
            Some(t) => t.2 += 1,
            None => self.times.push((key, 0, 1)),
        }
        self.status = key;
        self.since = at;
    }

    /// Closes the period in the current status at `at` (the ticket was unsolved).
    fn close(&mut self, at: u32) {
        let (key, since) = (self.status, self.since);
        if let Some(t) = self.times.iter_mut().find(|t| t.0 == key) {
            t.1 += at - since;
        }
        self.since = at;
    }

    /// A change of attributes of the unsolved ticket at `at`.
    fn reassigned(&mut self, from: Attributes, to: Attributes, at: u32) {
        if from.assignee != to.assignee {
            if let Some(a) = to.assignee {
                if from.assignee.is_some() {
                    self.reassignments += 1;
                }
                if !self.agents.contains(&a) {
                    self.agents.push(a);
                }
            }
        }
        if from.team != to.team {
            if let Some(t) = to.team {
                if from.team.is_some() {
                    self.group_handoffs += 1;
                }
                if !self.teams.contains(&t) {
                    self.teams.push(t);
                }
            }
        }
        self.assignee_now(to.assignee.is_some(), at);
    }

    fn assignee_now(&mut self, assigned: bool, at: u32) {
        if assigned {
            if self.first_assigned == UNSET {
                self.first_assigned = at;
            }
            if self.unassigned_since != UNSET {
                self.unassigned += at - self.unassigned_since;
                self.unassigned_since = UNSET;
            }
        } else if self.unassigned_since == UNSET {
            self.unassigned_since = at;
        }
    }

    fn solve(&mut self, at: u32, bot_resolved: bool) {
        self.close(at);
        if self.unassigned_since != UNSET {
            self.unassigned += at - self.unassigned_since;
            self.unassigned_since = UNSET;
        }
        self.bot_resolved = bot_resolved;
        self.handed_off = self.handoffs > 0;
    }

    /// Whether its durations fit a life of `last` seconds (what a restored state must hold).
    #[cfg(feature = "serde")]
    pub(crate) fn fits(&self, last: u32) -> bool {
        let spent = self
            .times
            .iter()
            .try_fold(0u32, |a, t| a.checked_add(t.1))
            .unwrap_or(u32::MAX);
        let at_most = |v: u32| v == UNSET || v <= last;
        spent <= last
            && self.since <= last
            && self.unassigned <= last
            && at_most(self.first_assigned)
            && at_most(self.assignment_reply)
            && at_most(self.unassigned_since)
            && self.times.iter().any(|t| t.0 == self.status)
            && self.credits.iter().all(|c| c.secs <= last)
    }
}

/// Updates a ticket's handling for a transition, before (`before: true`) or after the
/// lifecycle filed it: what a solve closes must be in the facts it files, what a reopen
/// opens must not be in the facts it retracts. `from` are its attributes before the
/// transition; replies are kept for [`ReplyCredit`] when `credit`.
pub(crate) fn follow(
    state: &mut TicketState,
    change: &Transition,
    kind: &InteractionKind,
    from: Attributes,
    before: bool,
    credit: bool,
) {
    let at = state.last_event;
    let bot_resolved = state.replies == 0 && state.flags & BOT_WROTE != 0;
    let attributes = state.attributes();
    let Some(h) = state.extra.as_mut().and_then(|e| e.handling.as_mut()) else {
        return;
    };
    let key = match *kind {
        InteractionKind::Status(s) => StatusKey::of(s),
        _ => None,
    };
    match (change, before) {
        (Transition::Solved { .. }, true) => h.solve(at, bot_resolved),
        (Transition::PhaseChanged, false) => {
            if let Some(key) = key.filter(|k| *k != h.status) {
                h.close(at);
                h.enter(key, at);
            }
        }
        (Transition::Replied(r), false) if !r.while_solved => {
            if h.first_assigned != UNSET && h.assignment_reply == UNSET {
                h.assignment_reply = at - h.first_assigned;
            }
            if let (
                true,
                InteractionKind::Message {
                    author: Author::Agent(author),
                    ..
                },
            ) = (credit, *kind)
            {
                for (next, secs) in [(false, r.first_response), (true, r.next_reply)] {
                    // A wait is at most the ticket's life, which fits in u32 seconds.
                    if let Some(secs) = secs.and_then(|s| u32::try_from(s).ok()) {
                        h.credits.push(Credit {
                            author,
                            assignee: attributes.assignee,
                            next,
                            secs,
                        });
                    }
                }
            }
        }
        (Transition::Reopened { .. }, false) => {
            if let Some(key) = key {
                h.enter(key, at);
            }
            if from.assignee.is_none() {
                h.unassigned_since = at;
            }
            h.reassigned(from, attributes, at);
        }
        (Transition::Reassigned { .. }, false) => h.reassigned(from, attributes, at),
        (Transition::HandedOff, false) => h.handoffs += 1,
        _ => {}
    }
}

/// The index of `key` in a list sorted by key, inserted with `make()` where missing.
fn slot<K: Ord + Copy, V>(list: &mut Vec<(K, V)>, key: K, make: impl FnOnce() -> V) -> usize {
    match list.binary_search_by_key(&key, |e| e.0) {
        Ok(i) => i,
        Err(i) => {
            list.insert(i, (key, make()));
            i
        }
    }
}

/// The handling figures of one group, filed per solved ticket.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Handling {
    solved: u64,
    /// By status, in status order (a sorted list: status keys are not JSON map keys).
    statuses: Vec<(StatusKey, StatusFigures)>,
    template: DurationSummary,
    first_assignment: DurationSummary,
    unassigned: DurationSummary,
    assignment_reply: DurationSummary,
    assignee_stations: u64,
    group_stations: u64,
    reassigned: u64,
    reassignments: u64,
    group_handoffs: u64,
    handed_off: u64,
    bot_resolved: u64,
    /// Hand-offs of every ticket (solved or not), moving with the ticket.
    handoff_events: u64,
    /// Who replies are credited to (none: no table).
    #[cfg_attr(feature = "serde", serde(default))]
    credit: Option<ReplyCredit>,
    /// The solved tickets' credited replies per agent, in agent order (`None`: a reply
    /// credited to no agent: an unassigned ticket).
    #[cfg_attr(feature = "serde", serde(default))]
    credits: Vec<(Option<AgentId>, CreditFigures)>,
}

/// The replies credited to one agent.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
struct CreditFigures {
    first_response: DurationSummary,
    next_reply: DurationSummary,
}

/// Time in one status of a group's solved tickets.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
struct StatusFigures {
    entries: u64,
    time: DurationSummary,
}

impl Handling {
    /// Empty figures whose durations are summarised like `template`, replies credited by
    /// `credit`.
    pub(crate) fn new(template: DurationSummary, credit: Option<ReplyCredit>) -> Self {
        Handling {
            credit,
            credits: Vec::new(),
            solved: 0,
            statuses: Vec::new(),
            first_assignment: template.clone(),
            unassigned: template.clone(),
            assignment_reply: template.clone(),
            template,
            assignee_stations: 0,
            group_stations: 0,
            reassigned: 0,
            reassignments: 0,
            group_handoffs: 0,
            handed_off: 0,
            bot_resolved: 0,
            handoff_events: 0,
        }
    }

    /// Adds (`add`) or retracts the live part of a ticket (its hand-offs) when `live`,
    /// and the facts of the solved ticket when `solved`.
    pub(crate) fn put(
        &mut self,
        s: &TicketState,
        live: bool,
        solved: bool,
        add: bool,
    ) -> Result<()> {
        let Some(h) = s.extra.as_ref().and_then(|e| e.handling.as_ref()) else {
            return Ok(());
        };
        if live {
            if add {
                self.handoff_events += u64::from(h.handoffs);
            } else {
                self.handoff_events -= u64::from(h.handoffs);
            }
        }
        if solved {
            self.put_solved(h, s.assignee, add)?;
        }
        Ok(())
    }

    fn put_solved(
        &mut self,
        h: &HandlingState,
        assignee: Option<AgentId>,
        add: bool,
    ) -> Result<()> {
        let step = |v: &mut u64, by: u64| {
            if add { *v += by } else { *v -= by }
        };
        let put = |d: &mut DurationSummary, v: u64| if add { d.add(v) } else { d.remove(v) };
        step(&mut self.solved, 1);
        for &(key, secs, entries) in &h.times {
            let i = slot(&mut self.statuses, key, || StatusFigures {
                entries: 0,
                time: self.template.clone(),
            });
            let f = &mut self.statuses[i].1;
            step(&mut f.entries, u64::from(entries));
            put(&mut f.time, u64::from(secs))?;
            if f.entries == 0 {
                self.statuses.remove(i);
            }
        }
        if h.first_assigned != UNSET {
            put(&mut self.first_assignment, u64::from(h.first_assigned))?;
        }
        if h.assignment_reply != UNSET {
            put(&mut self.assignment_reply, u64::from(h.assignment_reply))?;
        }
        put(&mut self.unassigned, u64::from(h.unassigned))?;
        step(&mut self.assignee_stations, h.agents.len() as u64);
        step(&mut self.group_stations, h.teams.len() as u64);
        step(&mut self.reassigned, u64::from(h.reassignments > 0));
        step(&mut self.reassignments, u64::from(h.reassignments));
        step(&mut self.group_handoffs, u64::from(h.group_handoffs));
        step(&mut self.handed_off, u64::from(h.handed_off));
        step(&mut self.bot_resolved, u64::from(h.bot_resolved));
        let Some(rule) = self.credit else {
            return Ok(());
        };
        for c in &h.credits {
            let agent = match rule {
                ReplyCredit::AssigneeAtSolve => assignee,
                ReplyCredit::AssigneeAtReply => c.assignee,
                ReplyCredit::Author => Some(c.author),
            };
            let i = slot(&mut self.credits, agent, || CreditFigures {
                first_response: self.template.clone(),
                next_reply: self.template.clone(),
            });
            let f = &mut self.credits[i].1;
            let d = if c.next {
                &mut f.next_reply
            } else {
                &mut f.first_response
            };
            put(d, u64::from(c.secs))?;
            if f.first_response.count() == 0 && f.next_reply.count() == 0 {
                self.credits.remove(i);
            }
        }
        Ok(())
    }

    /// Adds another group's figures.
    pub(crate) fn merge(&mut self, other: &Handling) -> Result<()> {
        if !self.template.same_config(&other.template) {
            return Err(Error::incompatible(
                WHAT,
                "handling summaries configured apart",
            ));
        }
        if self.credit != other.credit {
            return Err(Error::incompatible(
                WHAT,
                "replies credited by different rules",
            ));
        }
        for (agent, f) in &other.credits {
            match self.credits.binary_search_by_key(agent, |e| e.0) {
                Ok(i) => {
                    let mine = &mut self.credits[i].1;
                    mine.first_response.merge(&f.first_response)?;
                    mine.next_reply.merge(&f.next_reply)?;
                }
                Err(i) => self.credits.insert(i, (*agent, f.clone())),
            }
        }
        let overflow = || Error::Overflow { what: WHAT };
        let add = |a: &mut u64, b: u64| -> Result<()> {
            *a = a.checked_add(b).ok_or_else(overflow)?;
            Ok(())
        };
        for (key, f) in &other.statuses {
            match self.statuses.binary_search_by_key(key, |s| s.0) {
                Ok(i) => {
                    let mine = &mut self.statuses[i].1;
                    add(&mut mine.entries, f.entries)?;
                    mine.time.merge(&f.time)?;
                }
                Err(i) => self.statuses.insert(i, (*key, f.clone())),
            }
        }
        self.first_assignment.merge(&other.first_assignment)?;
        self.unassigned.merge(&other.unassigned)?;
        self.assignment_reply.merge(&other.assignment_reply)?;
        for (a, b) in [
            (&mut self.solved, other.solved),
            (&mut self.assignee_stations, other.assignee_stations),
            (&mut self.group_stations, other.group_stations),
            (&mut self.reassigned, other.reassigned),
            (&mut self.reassignments, other.reassignments),
            (&mut self.group_handoffs, other.group_handoffs),
            (&mut self.handed_off, other.handed_off),
            (&mut self.bot_resolved, other.bot_resolved),
            (&mut self.handoff_events, other.handoff_events),
        ] {
            add(a, b)?;
        }
        Ok(())
    }

    /// The rule its replies are credited by.
    pub(crate) fn credit(&self) -> Option<ReplyCredit> {
        self.credit
    }

    /// A bot hand-off of one of the group's tickets.
    pub(crate) fn handed_off(&mut self) {
        self.handoff_events += 1;
    }

    /// Whether it holds nothing.
    pub(crate) fn is_empty(&self) -> bool {
        self.solved == 0 && self.handoff_events == 0
    }

    /// Checks that its counts agree with `solved` solved tickets (a restored state).
    pub(crate) fn validate(&self, solved: u64) -> Result<()> {
        let bad = |rule: &str| Err(Error::corrupt(WHAT, format!("handling: {rule}")));
        if self.solved != solved || self.unassigned.count() != solved {
            return bad("counts that differ from the solved tickets");
        }
        if self.first_assignment.count() > solved
            || self.assignment_reply.count() > self.first_assignment.count()
            || self.reassigned > solved
            || self.reassignments < self.reassigned
            || self.handed_off > solved
            || self.bot_resolved > solved
            || self
                .statuses
                .iter()
                .any(|(_, f)| f.time.count() > solved || f.entries < f.time.count())
            || self.statuses.windows(2).any(|w| w[0].0 >= w[1].0)
            || self.credits.windows(2).any(|w| w[0].0 >= w[1].0)
            || self
                .credits
                .iter()
                .any(|(_, f)| f.first_response.count() == 0 && f.next_reply.count() == 0)
            || self
                .credits
                .iter()
                .map(|(_, f)| f.first_response.count())
                .sum::<u64>()
                > solved
        {
            return bad("more tickets in a figure than solved");
        }
        Ok(())
    }

    /// Its snapshot.
    pub fn snapshot(&self) -> HandlingSnapshot {
        HandlingSnapshot {
            solved: self.solved,
            statuses: self
                .statuses
                .iter()
                .map(|(key, f)| StatusTime {
                    status: *key,
                    tickets: f.time.count(),
                    entries: f.entries,
                    time: f.time.snapshot(),
                })
                .collect(),
            first_assignment: self.first_assignment.snapshot(),
            never_assigned: self.solved - self.first_assignment.count(),
            unassigned: self.unassigned.snapshot(),
            assignment_to_reply: self.assignment_reply.snapshot(),
            assignee_stations: ratio(self.assignee_stations, self.solved),
            group_stations: ratio(self.group_stations, self.solved),
            reassigned_rate: ratio(self.reassigned, self.solved),
            reassignments: self.reassignments,
            group_handoffs: self.group_handoffs,
            handed_off_rate: ratio(self.handed_off, self.solved),
            bot_resolved: self.bot_resolved,
            bot_resolution_rate: ratio(self.bot_resolved, self.solved),
            bot_handoffs: self.handoff_events,
            reply_credit: self.credit,
            credited: self
                .credits
                .iter()
                .map(|(agent, f)| CreditedReplies {
                    agent: *agent,
                    first_response: f.first_response.snapshot(),
                    next_reply: f.next_reply.snapshot(),
                })
                .collect(),
        }
    }
}

/// What [`Handling`] reports: the handling of a group's solved tickets (durations in
/// seconds, rates `0..=1`), and the bot hand-offs of all its tickets.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct HandlingSnapshot {
    /// Solved tickets (the count every figure but `bot_handoffs` is over).
    pub solved: u64,
    /// Time in each unsolved status, in status order (new, open, pending, on-hold, then
    /// custom statuses by id).
    pub statuses: Vec<StatusTime>,
    /// Creation → first assignment to an agent (0 for tickets created assigned).
    pub first_assignment: DurationSnapshot,
    /// Solved tickets never assigned to an agent before their solve.
    pub never_assigned: u64,
    /// Time without an assignee while unsolved, per solved ticket.
    pub unassigned: DurationSnapshot,
    /// First assignment → the first public agent reply after it.
    pub assignment_to_reply: DurationSnapshot,
    /// Mean distinct assignees a solved ticket had (Zendesk's assignee stations).
    pub assignee_stations: Option<f64>,
    /// Mean distinct teams a solved ticket had (Zendesk's group stations).
    pub group_stations: Option<f64>,
    /// Solved tickets moved at least once from one assignee to another / solved.
    pub reassigned_rate: Option<f64>,
    /// Moves from one assignee to another, over the solved tickets.
    pub reassignments: u64,
    /// Moves from one team to another, over the solved tickets.
    pub group_handoffs: u64,
    /// Solved tickets a bot handed off at least once / solved.
    pub handed_off_rate: Option<f64>,
    /// Solved with no public agent reply after a bot's public message (Chatwoot's bot
    /// resolutions).
    pub bot_resolved: u64,
    /// Bot resolutions / solved.
    pub bot_resolution_rate: Option<f64>,
    /// Bot hand-offs of every ticket of the group, solved or not.
    pub bot_handoffs: u64,
    /// The rule [`credited`](Self::credited) follows (none: the table is not kept).
    #[cfg_attr(feature = "serde", serde(default))]
    pub reply_credit: Option<ReplyCredit>,
    /// The solved tickets' first responses and next replies per agent they are credited
    /// to, in agent order (`None`: credited to no agent, an unassigned ticket). Replies
    /// while a ticket was unsolved: a reply to a solved ticket (which does not reopen it)
    /// is in the ticket's reply count but credited to no one.
    #[cfg_attr(feature = "serde", serde(default))]
    pub credited: Vec<CreditedReplies>,
}

/// The replies credited to one agent ([`ReplyCredit`]): calendar seconds.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CreditedReplies {
    /// The agent (`None`: no agent: the ticket or reply had no assignee).
    pub agent: Option<AgentId>,
    /// The first response times credited.
    pub first_response: DurationSnapshot,
    /// The next reply times credited.
    pub next_reply: DurationSnapshot,
}

/// Time a group's solved tickets spent in one status.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct StatusTime {
    /// The status.
    pub status: StatusKey,
    /// Solved tickets that were in it.
    pub tickets: u64,
    /// Times they entered it.
    pub entries: u64,
    /// Each such ticket's total time in it, seconds.
    pub time: DurationSnapshot,
}
