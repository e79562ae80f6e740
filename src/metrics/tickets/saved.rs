//! A ticket tracker's whole state, saved and restored (feature `serde`).

use serde::{Deserialize, Serialize};

use super::*;
use crate::metrics::tickets::filing::NO_GROUP;
use crate::metrics::tickets::handling::HandlingState;
use crate::metrics::tickets::machine::{
    Attributes, BOT_WROTE, CLOCK_FOLLOWS_HANDOFF, CalendarShift, DESCRIPTION_FIRST,
    DESCRIPTION_PENDING,
};
use crate::model::{AgentId, Channel, CustomerId, Priority, TagId};

/// The saved state of a [`TicketTracker`]: its aggregates, its groups, the state of every
/// ticket in play and its ingest report, in a form `serde` writes and reads. A service
/// saves it at shutdown (or checkpoints it) and restores it with
/// [`TicketTracker::restore`] to go on where it stopped; the restored tracker gives the
/// same figures as one that never stopped.
///
/// What is not data is not saved: the business calendar and the `is_response` filter are
/// the configuration's, given again on restore. The calendar's fingerprint is saved, so a
/// state restored under another calendar is an error, never a silently wrong figure.
///
/// Everything read is checked before it is used: configuration (summaries, targets,
/// calendar, clock start), each ticket's instants (ordered, within range), that no ticket
/// is in play twice, and that the aggregates' backlog and unanswered counts are the
/// tickets in play that are unsolved and unanswered. A state that fails a check is an
/// [`Error::CorruptState`] naming the rule.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use csm_metrics::{AgentId, CustomerId, Interaction, Status, Ticket, TicketId};
/// use csm_metrics::metrics::tickets::{ByTeam, SavedTracker, TicketTracker, TrackerConfig};
///
/// let t0 = Utc.with_ymd_and_hms(2025, 3, 3, 9, 0, 0).unwrap();
/// let mut tracker = TicketTracker::<ByTeam>::default();
/// tracker.observe_ticket(&Ticket::new(TicketId(1), t0, CustomerId(5)))?;
///
/// let json = serde_json::to_string(&tracker.save()).unwrap();
/// let saved: SavedTracker<_> = serde_json::from_str(&json).unwrap();
/// let mut restored = TicketTracker::restore(TrackerConfig::default(), ByTeam, saved)?;
///
/// let later = t0 + chrono::TimeDelta::hours(1);
/// restored.observe_interaction(&Interaction::agent_reply(TicketId(1), later, AgentId(2)))?;
/// restored.observe_interaction(&Interaction::status(TicketId(1), later, Status::Solved))?;
/// assert_eq!(restored.snapshot_at(later).overall.full_resolution.mean, Some(3600.0));
/// # Ok::<(), csm_metrics::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedTracker<K> {
    /// The format's version (1).
    version: u32,
    frt_start: FrtStart,
    /// The fingerprint of the business calendar, if any.
    calendar: Option<u64>,
    /// The fingerprints of the team calendars.
    #[serde(default)]
    team_calendars: Vec<(TeamId, u64)>,
    overall: TicketLifecycle,
    groups: Vec<(K, TicketLifecycle)>,
    tickets: Vec<SavedTicket>,
    ingest: IngestReport,
    latest: Option<i64>,
}

const VERSION: u32 = 1;

/// One ticket in play. Instants are seconds after the ticket's creation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SavedTicket {
    id: TicketId,
    created: i64,
    requester: CustomerId,
    team: Option<TeamId>,
    assignee: Option<AgentId>,
    channel: Channel,
    priority: Priority,
    inbound: bool,
    /// New, open, pending, on-hold or solved.
    status: Status,
    last_event: u32,
    status_since: u32,
    clock_start: Option<u32>,
    first_reply: Option<u32>,
    first_solved: Option<u32>,
    last_solved: Option<u32>,
    cycle_start: u32,
    awaiting: Option<u32>,
    work: u32,
    on_hold: u32,
    pending: u32,
    business_work: u32,
    business_on_hold: u32,
    business_pending: u32,
    business_first_solved: u32,
    business_last_solved: u32,
    next_replies: Vec<u32>,
    cycles: Vec<u32>,
    replies: u32,
    reopens: u32,
    filed_solve: Option<u32>,
    /// Fingerprints of the last distinct events at `last_event` (duplicate detection).
    recent: [u64; 4],
    /// Tags as names (what saves before tags were ids held; read, never written).
    #[serde(default, skip_serializing)]
    tags: Vec<String>,
    /// Its tags as they stand (with a tag grouping).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    tag_ids: Vec<TagId>,
    /// With re-sequencing: the tags it was created with.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    origin_tags: Vec<TagId>,
    /// Tags changed while solved, for its reopen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pending_tags: Option<Vec<TagId>>,
    /// Team and assignee given while solved, taking effect on a reopen.
    latest: Option<SavedPair>,
    /// Its business calendar: 0 the tracker's, 1 + i the i-th team calendar.
    #[serde(default)]
    calendar: u8,
    /// With re-sequencing: the team and assignee it was created with, and its events.
    #[serde(default)]
    origin: Option<SavedPair>,
    #[serde(default)]
    log: Vec<(u32, InteractionKind)>,
    /// The priority it was created with, when it differs from `priority`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    created_priority: Option<Priority>,
    /// The priorities of `latest` and `origin` (absent: `priority`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    latest_priority: Option<Priority>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    origin_priority: Option<Priority>,
    /// A bot wrote a public message.
    #[serde(default, skip_serializing_if = "core::ops::Not::not")]
    bot_wrote: bool,
    /// An outbound ticket whose first agent message is its description: whether that is
    /// still to come.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    description_pending: Option<bool>,
    /// The handling consumer's state, when it is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    handling: Option<HandlingState>,
    /// Its last change of calendar (a calendar that follows its team).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    shift: Option<CalendarShift>,
}

/// Team and assignee as saved (the priority apart, for states saved before it moved).
type SavedPair = (Option<TeamId>, Option<AgentId>);

fn pair(a: Attributes) -> (SavedPair, Option<Priority>) {
    ((a.team, a.assignee), Some(a.priority))
}

fn attributes(pair: SavedPair, priority: Option<Priority>, otherwise: Priority) -> Attributes {
    Attributes {
        team: pair.0,
        assignee: pair.1,
        priority: priority.unwrap_or(otherwise),
    }
}

fn opt(v: u32) -> Option<u32> {
    (v != UNSET).then_some(v)
}

fn corrupt(rule: String) -> Error {
    Error::corrupt(WHAT, rule)
}

impl SavedTicket {
    /// The ticket.
    pub(crate) fn id(&self) -> TicketId {
        self.id
    }

    pub(crate) fn of(s: &TicketState) -> Self {
        let extra = s.extra.as_deref();
        SavedTicket {
            id: s.id,
            created: s.created,
            requester: s.requester,
            team: s.team,
            assignee: s.assignee,
            channel: s.channel,
            priority: s.priority,
            inbound: s.inbound,
            status: s.phase.status(),
            last_event: s.last_event,
            status_since: s.status_since,
            clock_start: opt(s.clock_start),
            first_reply: opt(s.first_reply),
            first_solved: opt(s.first_solved),
            last_solved: opt(s.last_solved),
            cycle_start: s.cycle_start,
            awaiting: opt(s.awaiting),
            work: s.work,
            on_hold: s.on_hold,
            pending: s.pending,
            business_work: s.business_work,
            business_on_hold: s.business_on_hold,
            business_pending: s.business_pending,
            business_first_solved: s.business_first_solved,
            business_last_solved: s.business_last_solved,
            next_replies: opt(s.first_next_reply)
                .into_iter()
                .chain(extra.map_or(&[][..], |e| &e.next_replies).iter().copied())
                .collect(),
            cycles: opt(s.first_cycle)
                .into_iter()
                .chain(extra.map_or(&[][..], |e| &e.cycles).iter().copied())
                .collect(),
            replies: s.replies,
            reopens: s.reopens,
            filed_solve: opt(s.filed_solve),
            recent: s.recent,
            tags: Vec::new(),
            tag_ids: extra.map_or(Vec::new(), |e| e.tags.clone()),
            origin_tags: extra.map_or(Vec::new(), |e| e.origin_tags.to_vec()),
            pending_tags: extra.and_then(|e| e.pending_tags.clone()),
            latest: extra.and_then(|e| e.latest).map(|a| pair(a).0),
            calendar: s.calendar,
            origin: extra.and_then(|e| e.origin).map(|a| pair(a).0),
            log: extra.map_or(Vec::new(), |e| e.log.clone()),
            created_priority: (s.created_priority != s.priority).then_some(s.created_priority),
            latest_priority: extra.and_then(|e| e.latest).and_then(|a| pair(a).1),
            origin_priority: extra.and_then(|e| e.origin).and_then(|a| pair(a).1),
            bot_wrote: s.flags & BOT_WROTE != 0,
            description_pending: (s.flags & DESCRIPTION_FIRST != 0)
                .then_some(s.flags & DESCRIPTION_PENDING != 0),
            handling: extra.and_then(|e| e.handling.clone()),
            shift: extra.and_then(|e| e.shift),
        }
    }

    /// Its periods, durations and event log fit its life and its solves.
    fn check_periods(&self, first_solved: u32, last_solved: u32, solved: bool) -> Result<()> {
        let id = self.id;
        let bad = |rule: &str| corrupt(format!("{id}: {rule}"));
        let last = self.last_event;
        if self.status_since > last || self.cycle_start > last {
            return Err(bad("a period starting after its latest event"));
        }
        let spent = u64::from(self.work) + u64::from(self.on_hold) + u64::from(self.pending);
        if spent > u64::from(self.status_since)
            || self.business_work > self.work
            || self.business_on_hold > self.on_hold
            || self.business_pending > self.pending
            || self.business_first_solved > first_solved.min(last)
            || self.business_last_solved > last_solved.min(last)
        {
            return Err(bad("more time in its statuses than it lived"));
        }
        if self
            .next_replies
            .iter()
            .chain(&self.cycles)
            .any(|&d| d > last)
        {
            return Err(bad("a duration longer than its life"));
        }
        let solves = if first_solved == UNSET {
            0
        } else {
            u64::from(self.reopens) + u64::from(solved)
        };
        if self.cycles.len() as u64 != solves
            || self.next_replies.len() as u64 > u64::from(self.replies)
        {
            return Err(bad(
                "cycles or next replies that do not agree with its solves and replies",
            ));
        }
        if self.log.windows(2).any(|w| w[0].0 > w[1].0) || self.log.iter().any(|(o, _)| *o > last) {
            return Err(bad("an event log out of order or after its latest event"));
        }
        if self.handling.as_ref().is_some_and(|h| !h.fits(last)) {
            return Err(bad("handling durations longer than its life"));
        }
        if self.shift.is_some_and(|s| {
            s.at > last
                || s.from_creation > s.at
                || (s.clock_start != UNSET
                    && (s.clock_start > s.at || s.from_clock_start > s.at - s.clock_start))
                || (s.response != UNSET && s.response > s.at)
        }) {
            return Err(bad(
                "a calendar change after its latest event or longer than its life",
            ));
        }
        if !self.log.is_empty() && self.origin.is_none() {
            return Err(bad(
                "an event log without the attributes it was created with",
            ));
        }
        Ok(())
    }

    /// The state, if every rule holds.
    pub(crate) fn into_state(self) -> Result<TicketState> {
        let id = self.id;
        let bad = |rule: &str| corrupt(format!("{id}: {rule}"));
        let last = self.last_event;
        let set = |v: Option<u32>| match v {
            Some(UNSET) => Err(bad("an instant out of range")),
            Some(v) if v > last => Err(bad("an instant after its latest event")),
            Some(v) => Ok(v),
            None => Ok(UNSET),
        };
        let phase = Phase::of(self.status)
            .filter(|_| !matches!(self.status, Status::Closed))
            .ok_or_else(|| bad("a status that cannot be in play"))?;
        DateTime::from_timestamp(self.created, 0)
            .and_then(|c| c.checked_add_signed(chrono::TimeDelta::seconds(i64::from(last))))
            .ok_or_else(|| bad("created out of range"))?;
        let (first_solved, last_solved) = (set(self.first_solved)?, set(self.last_solved)?);
        let filed_solve = set(self.filed_solve)?;
        let solved = phase == Phase::Solved;
        if (first_solved == UNSET) != (last_solved == UNSET)
            || (last_solved != UNSET && first_solved > last_solved)
            || (solved && (last_solved == UNSET || filed_solve != last_solved))
            || (!solved && filed_solve != UNSET)
        {
            return Err(bad("solve instants that do not agree with its status"));
        }
        self.check_periods(first_solved, last_solved, solved)?;
        let (first_cycle, more_cycles) = split(self.cycles);
        let (first_next_reply, more_replies) = split(self.next_replies);
        let extra = Extra {
            tags: if self.tag_ids.is_empty() {
                self.tags.iter().map(|t| TagId::named(t)).collect()
            } else {
                self.tag_ids
            },
            origin_tags: self.origin_tags.into_boxed_slice(),
            pending_tags: self.pending_tags,
            latest: (self.latest).map(|p| attributes(p, self.latest_priority, self.priority)),
            next_replies: more_replies,
            cycles: more_cycles,
            origin: (self.origin).map(|p| attributes(p, self.origin_priority, self.priority)),
            log: self.log,
            handling: self.handling,
            shift: self.shift,
        };
        let extra = (!extra.is_empty()).then(|| Box::new(extra));
        Ok(TicketState {
            id,
            created: self.created,
            requester: self.requester,
            team: self.team,
            assignee: self.assignee,
            last_event: last,
            status_since: self.status_since,
            clock_start: set(self.clock_start)?,
            first_reply: set(self.first_reply)?,
            first_solved,
            last_solved,
            cycle_start: self.cycle_start,
            awaiting: set(self.awaiting)?,
            work: self.work,
            on_hold: self.on_hold,
            pending: self.pending,
            business_work: self.business_work,
            business_on_hold: self.business_on_hold,
            business_pending: self.business_pending,
            business_first_solved: self.business_first_solved,
            business_last_solved: self.business_last_solved,
            first_next_reply,
            first_cycle,
            replies: self.replies,
            reopens: self.reopens,
            group: NO_GROUP,
            filed_solve,
            recent: self.recent,
            phase,
            inbound: self.inbound,
            channel: self.channel,
            priority: self.priority,
            created_priority: self.created_priority.unwrap_or(self.priority),
            flags: (u8::from(self.bot_wrote) * BOT_WROTE)
                | match self.description_pending {
                    Some(true) => DESCRIPTION_FIRST | DESCRIPTION_PENDING,
                    Some(false) => DESCRIPTION_FIRST,
                    None => 0,
                },
            calendar: self.calendar,
            extra,
        })
    }
}

/// The first value (`UNSET` if none) and the rest.
fn split(mut v: Vec<u32>) -> (u32, Vec<u32>) {
    if v.is_empty() {
        return (UNSET, v);
    }
    let first = v.remove(0);
    (first, v)
}

impl<G: TicketGrouping> TicketTracker<G> {
    /// The tracker's whole state, to serialise (see [`SavedTracker`]). Its size follows the
    /// tickets in play and the groups, not the history.
    pub fn save(&self) -> SavedTracker<G::Key> {
        SavedTracker {
            version: VERSION,
            frt_start: self.config.frt_start,
            calendar: self.config.calendar.as_ref().map(|c| c.fingerprint()),
            team_calendars: self
                .config
                .team_calendars
                .iter()
                .map(|(t, c)| (*t, c.fingerprint()))
                .collect(),
            overall: self.overall.clone(),
            groups: self.groups.list.clone(),
            tickets: self.tickets.iter().map(SavedTicket::of).collect(),
            ingest: self.ingest.clone(),
            latest: (self.latest != i64::MIN).then_some(self.latest),
        }
    }

    /// A tracker with `config` and `grouping` that goes on from a saved state; an
    /// [`Error::CorruptState`] if the state breaks a rule or was saved under another
    /// configuration (see [`SavedTracker`]).
    pub fn restore(
        config: TrackerConfig,
        grouping: G,
        saved: SavedTracker<G::Key>,
    ) -> Result<Self> {
        let mut tracker = TicketTracker::new(config, grouping)?;
        if saved.version != VERSION {
            return Err(corrupt(format!(
                "format version {} (this is {VERSION})",
                saved.version
            )));
        }
        if saved.frt_start != tracker.config.frt_start {
            return Err(corrupt(
                "saved with another first-response clock start".into(),
            ));
        }
        let teams: Vec<(TeamId, u64)> = tracker
            .config
            .team_calendars
            .iter()
            .map(|(t, c)| (*t, c.fingerprint()))
            .collect();
        if saved.calendar != tracker.config.calendar.as_ref().map(|c| c.fingerprint())
            || saved.team_calendars != teams
        {
            return Err(corrupt(
                "saved with another business calendar (or none)".into(),
            ));
        }
        let template = &tracker.template;
        if std::iter::once(&saved.overall)
            .chain(saved.groups.iter().map(|(_, g)| g))
            .any(|a| !a.same_config(template))
        {
            return Err(corrupt(
                "an aggregate configured unlike the tracker's".into(),
            ));
        }
        let mut groups = Groups::default();
        for (key, agg) in saved.groups {
            if groups.index.contains_key(&key) {
                return Err(corrupt(format!("the group {key:?} twice")));
            }
            let slot = groups.slot(key, template);
            groups.list[slot as usize].1 = agg;
        }
        tracker.groups = groups;
        tracker.overall = saved.overall;
        let (backlog, unanswered) = tracker.restore_tickets(saved.tickets)?;
        let all = tracker.overall();
        if all.backlog != backlog || all.unanswered != unanswered {
            return Err(corrupt(format!(
                "a backlog of {} with {} unanswered, but {backlog} unsolved tickets in play with \
                 {unanswered} unanswered",
                all.backlog, all.unanswered
            )));
        }
        if tracker.tickets.len() as u64 > saved.ingest.tickets {
            return Err(corrupt(
                "more tickets in play than were ever accepted".into(),
            ));
        }
        tracker.ingest = saved.ingest;
        tracker.latest = saved.latest.unwrap_or(i64::MIN);
        Ok(tracker)
    }

    /// Puts saved tickets in play; returns how many are unsolved and unanswered.
    fn restore_tickets(&mut self, tickets: Vec<SavedTicket>) -> Result<(u64, u64)> {
        let (mut backlog, mut unanswered) = (0u64, 0u64);
        for t in tickets {
            let mut state = t.into_state()?;
            if self.config.frt_start == FrtStart::LastHandoff {
                state.flags |= CLOCK_FOLLOWS_HANDOFF;
            }
            let handling = state.extra.as_ref().is_some_and(|e| e.handling.is_some());
            if handling != self.config.handling {
                return Err(corrupt(format!(
                    "{}: handling figures kept or not unlike the tracker's",
                    state.id
                )));
            }
            let origin = state.extra.as_ref().and_then(|e| e.shift).map(|s| s.origin);
            if usize::from(state.calendar.max(origin.unwrap_or(0))) > self.team_clocks.len() {
                return Err(corrupt(format!(
                    "{}: a calendar that does not exist",
                    state.id
                )));
            }
            if self.tickets.contains(state.id) {
                return Err(corrupt(format!("{} in play twice", state.id)));
            }
            backlog += u64::from(state.phase != Phase::Solved);
            unanswered += u64::from(state.unanswered());
            let (_, mut filing, _, _) = self.parts();
            state.group = filing.group_of(&state);
            self.tickets.insert(state);
        }
        Ok((backlog, unanswered))
    }
}
