//! One front end for a service: [`Desk`] takes one stream of tickets, interactions (field
//! changes among them), survey responses and calls, in any order across tickets, and feeds
//! the ticket engine, the SLA engine and the survey and call calculators; one snapshot
//! answers with every section.
//!
//! ```
//! use chrono::{TimeDelta, TimeZone, Utc};
//! use csm_metrics::metrics::desk::{Desk, DeskConfig, DeskEvent};
//! use csm_metrics::metrics::tickets::ByTeam;
//! use csm_metrics::*;
//!
//! let t0 = Utc.with_ymd_and_hms(2025, 3, 3, 9, 0, 0).unwrap();
//! let mut desk = Desk::new(DeskConfig::default(), ByTeam)?;
//! // A webhook may bring a reply before its ticket: it waits in the desk's buffer.
//! let reply = Interaction::agent_reply(TicketId(1), t0 + TimeDelta::minutes(30), AgentId(2));
//! desk.observe(&DeskEvent::Interaction(reply))?;
//! desk.observe(&DeskEvent::Ticket(Ticket::new(TicketId(1), t0, CustomerId(5))))?;
//! let report = desk.snapshot_at(t0 + TimeDelta::hours(1));
//! assert_eq!(report.tickets.overall.first_response.mean, Some(1800.0));
//! assert_eq!((report.report.buffered, report.pending), (1, 0));
//! # Ok::<(), csm_metrics::Error>(())
//! ```

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};

use crate::calculator::Calculator;
use crate::error::{Error, Result};
use crate::metrics::calls::{CallCenter, CallConfig, CallSnapshot};
use crate::metrics::sla::{SlaConfig, SlaSnapshot, SlaTracker};
use crate::metrics::surveys::{CesScale, CsatScale, SurveySnapshot, SurveySuite};
use crate::metrics::tickets::{TicketGrouping, TicketTracker, TrackerConfig, TrackerSnapshot};
use crate::model::{
    Call, Interaction, InteractionKind, Status, SurveyId, SurveyResponse, Ticket, TicketId,
};

mod backlog;
#[cfg(feature = "serde")]
mod saved;
mod surveys;

use backlog::DayAges;
pub use backlog::{BacklogDay, BacklogDays};
#[cfg(feature = "serde")]
pub use saved::SavedDesk;

const WHAT: &str = "desk";

/// How long events may wait for their ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PendingLimits {
    /// At most this many events wait (default 10,000); one more is offered at once (and
    /// turned away as for a ticket not in play), counted as overflowed.
    pub events: usize,
    /// An event waits at most this many seconds of stream time (the latest instant the desk
    /// saw; default 1 h); then it is offered (and turned away), counted as expired.
    pub wait: u64,
}

impl Default for PendingLimits {
    fn default() -> Self {
        PendingLimits {
            events: 10_000,
            wait: 3_600,
        }
    }
}

/// What a [`Desk`] computes.
#[derive(Debug, Clone)]
pub struct DeskConfig {
    /// The ticket engine's configuration (re-sequencing, handling figures, calendars …).
    pub tickets: TrackerConfig,
    /// SLA policies, if any; the SLA engine re-sequences, recognises replies and moves
    /// calendars with teams (`TrackerConfig::calendar_follows_team`) as the ticket engine does.
    pub sla: Option<SlaConfig>,
    /// The CSAT scale.
    pub csat: CsatScale,
    /// The CES scale.
    pub ces: CesScale,
    /// The call calculator's configuration.
    pub calls: CallConfig,
    /// The buffer of events that arrive before their ticket.
    pub pending: PendingLimits,
    /// Keep the backlog at the end of each day (default none): open and unanswered tickets
    /// per group with their ages, as the stream stood when it passed the day's end.
    pub backlog_days: Option<BacklogDays>,
    /// Keep every survey response by id (default on), so that the same survey id again
    /// replaces the earlier rating (the later instant wins) and an identical repeat is a
    /// counted duplicate; about 120 bytes a response. Off, every response counts.
    pub ratings_by_id: bool,
    /// Tickets that left play (closed, merged, marked as spam) whose groups are remembered
    /// for the ratings that come after (default 100,000, the most recent kept): a rating
    /// is credited to its ticket's groups as the ticket's figures are filed when it comes
    /// (for a solved ticket, as it was solved).
    pub survey_memory: usize,
}

impl Default for DeskConfig {
    fn default() -> Self {
        DeskConfig {
            tickets: TrackerConfig::default(),
            sla: None,
            csat: CsatScale::default(),
            ces: CesScale::default(),
            calls: CallConfig::default(),
            pending: PendingLimits::default(),
            backlog_days: None,
            ratings_by_id: true,
            survey_memory: 100_000,
        }
    }
}

/// One record of a desk's stream.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum DeskEvent {
    /// A ticket was created.
    Ticket(Ticket),
    /// Something happened to a ticket (a message, a status, an assignment, a field change).
    Interaction(Interaction),
    /// A survey response.
    Survey(SurveyResponse),
    /// A call or chat contact.
    Call(Call),
}

/// What a desk did with its stream beyond what each engine reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DeskReport {
    /// Events that waited for their ticket.
    pub buffered: u64,
    /// Of those, offered when their ticket came.
    pub delivered: u64,
    /// Of those, offered after waiting too long (turned away by the engines).
    pub expired: u64,
    /// Events offered at once because the buffer was full (turned away by the engines).
    pub overflowed: u64,
    /// Survey responses taken (distinct survey ids when kept by id).
    pub surveys: u64,
    /// A survey id again with another rating at a later instant: the earlier rating was
    /// retracted, the new one counted.
    pub surveys_replaced: u64,
    /// A survey id again with a rating older than the one counted: left out.
    pub surveys_superseded: u64,
    /// The same response again: counted once.
    pub survey_duplicates: u64,
    /// Replaced CSAT ratings that went from satisfied to not, and back.
    pub good_to_bad: u64,
    /// Replaced CSAT ratings that went from not satisfied to satisfied.
    pub bad_to_good: u64,
    /// Survey responses turned away.
    pub surveys_rejected: u64,
    /// Ratings counted in the overall figures only: without a ticket, or about a ticket
    /// neither in play nor remembered ([`DeskConfig::survey_memory`]).
    #[cfg_attr(feature = "serde", serde(default))]
    pub surveys_unattributed: u64,
    /// Calls taken.
    pub calls: u64,
    /// Calls turned away.
    pub calls_rejected: u64,
}

/// Every section of a desk at an instant.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DeskSnapshot<K: Ord> {
    /// The instant ages and SLA states are dated at.
    pub as_of: DateTime<Utc>,
    /// The ticket figures, overall and per group, with the ingest report.
    pub tickets: TrackerSnapshot<K>,
    /// The SLA figures, when the desk has policies.
    pub sla: Option<SlaSnapshot<K>>,
    /// The survey figures.
    pub surveys: SurveySnapshot,
    /// The survey figures of each group: each rating about a ticket under the groups its
    /// ticket's figures are filed under when the rating comes (for a solved ticket, as it
    /// was solved: the team and assignee that solved it).
    #[cfg_attr(feature = "serde", serde(default))]
    pub survey_groups: crate::aggregate::PerGroup<K, SurveySnapshot>,
    /// The call figures.
    pub calls: CallSnapshot,
    /// Events waiting for their ticket.
    pub pending: u64,
    /// The backlog at the end of each day the stream passed (with
    /// [`DeskConfig::backlog_days`]), oldest first.
    pub backlog_days: Vec<BacklogDay<K>>,
    /// CSAT responses about a ticket / solved tickets (Zendesk's response rate, the survey
    /// being offered at the solve).
    pub csat_response_rate: Option<f64>,
    /// What the desk did with its stream.
    pub report: DeskReport,
}

/// The front end of a service: one stream in, one snapshot out (see the [module docs](self)).
///
/// Events of a ticket not in play wait in a bounded buffer ([`PendingLimits`]) until the
/// ticket comes, then are offered in time order; what overflows or waits too long is
/// offered anyway, so the engines turn it away and count it: nothing is lost silently.
/// Desks over disjoint tickets (pods sharded by ticket id) [`merge`](Calculator::merge)
/// into one pass's result; with the feature `serde` a desk saves and restores whole.
#[derive(Debug, Clone)]
pub struct Desk<G: TicketGrouping> {
    pub(crate) config: DeskConfig,
    pub(crate) tickets: TicketTracker<G>,
    pub(crate) sla: Option<SlaTracker<G>>,
    pub(crate) surveys: SurveySuite,
    pub(crate) calls: CallCenter,
    pub(crate) pending: BTreeMap<TicketId, Vec<Interaction>>,
    pub(crate) pending_len: usize,
    /// No waiting event is older than this (Unix seconds; may be older than the oldest).
    pub(crate) pending_oldest: i64,
    pub(crate) report: DeskReport,
    pub(crate) latest: i64,
    /// The responses counted, by survey id (with [`DeskConfig::ratings_by_id`]).
    pub(crate) ratings: HashMap<SurveyId, SurveyResponse>,
    /// The survey figures by group, and the groups each counted rating went to (with
    /// [`DeskConfig::ratings_by_id`]).
    pub(crate) survey_groups: HashMap<G::Key, SurveySuite>,
    pub(crate) rating_keys: HashMap<SurveyId, Vec<G::Key>>,
    /// The groups of tickets that left play, for late ratings, oldest first.
    pub(crate) gone: HashMap<TicketId, Vec<G::Key>>,
    pub(crate) gone_order: std::collections::VecDeque<TicketId>,
    /// CSAT responses about a ticket, counted.
    pub(crate) csat_on_tickets: u64,
    /// The backlog at each day's end, by day start; and the end of the day under way.
    pub(crate) days: BTreeMap<i64, DayAges<G::Key>>,
    pub(crate) day_end: Option<i64>,
}

impl<G: TicketGrouping> Default for Desk<G> {
    fn default() -> Self {
        Desk::new(DeskConfig::default(), G::default()).expect("the default configuration is valid")
    }
}

impl<G: TicketGrouping> Desk<G> {
    /// A desk with `config`, its figures grouped by `grouping`.
    pub fn new(config: DeskConfig, grouping: G) -> Result<Self> {
        let sla = config.sla.clone().map(|mut c| {
            c.resequence = config.tickets.resequence;
            c.is_response = config.tickets.is_response;
            // One calendar rule for both engines.
            c.policies.follow_team = config.tickets.calendar_follows_team;
            SlaTracker::with_config(c, grouping.clone())
        });
        Ok(Desk {
            tickets: TicketTracker::new(config.tickets.clone(), grouping)?,
            sla,
            surveys: SurveySuite::new(config.csat, config.ces)?,
            calls: CallCenter::new(config.calls),
            pending: BTreeMap::new(),
            pending_len: 0,
            pending_oldest: i64::MAX,
            report: DeskReport::default(),
            latest: i64::MIN,
            ratings: HashMap::new(),
            survey_groups: HashMap::new(),
            rating_keys: HashMap::new(),
            gone: HashMap::new(),
            gone_order: std::collections::VecDeque::new(),
            csat_on_tickets: 0,
            days: BTreeMap::new(),
            day_end: None,
            config,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &DeskConfig {
        &self.config
    }

    /// The ticket engine.
    pub fn tickets(&self) -> &TicketTracker<G> {
        &self.tickets
    }

    /// The SLA engine, when the desk has policies.
    pub fn sla(&self) -> Option<&SlaTracker<G>> {
        self.sla.as_ref()
    }

    /// Observes one record. A rejected record is an error naming it and its rule (the
    /// engines count it); an event waiting for its ticket is `Ok`.
    pub fn observe(&mut self, event: &DeskEvent) -> Result<()> {
        match event {
            DeskEvent::Ticket(t) => {
                self.seen(t.created_at);
                self.ticket(t)
            }
            DeskEvent::Interaction(i) => {
                self.seen(i.at);
                self.interaction(i)
            }
            DeskEvent::Survey(r) => {
                self.seen(r.at);
                let result = self.survey(r);
                self.report.surveys_rejected += u64::from(result.is_err());
                result
            }
            DeskEvent::Call(c) => {
                self.seen(c.ended_at);
                let result = self.calls.observe(c);
                self.report.calls += u64::from(result.is_ok());
                self.report.calls_rejected += u64::from(result.is_err());
                result
            }
        }
    }

    /// Notes the stream's latest instant: the backlog of each day it passes the end of is
    /// kept, and events that waited too long are offered.
    fn seen(&mut self, at: DateTime<Utc>) {
        self.latest = self.latest.max(at.timestamp());
        self.close_days();
        let cutoff = self
            .latest
            .saturating_sub(i64::try_from(self.config.pending.wait).unwrap_or(i64::MAX));
        if self.pending_len == 0 || self.pending_oldest >= cutoff {
            return;
        }
        let mut expired = Vec::new();
        self.pending.retain(|_, events| {
            events.retain(|e| {
                let keep = e.at.timestamp() >= cutoff;
                if !keep {
                    expired.push(*e);
                }
                keep
            });
            !events.is_empty()
        });
        self.pending_len -= expired.len();
        self.pending_oldest = (self.pending.values().flatten())
            .map(|e| e.at.timestamp())
            .min()
            .unwrap_or(i64::MAX);
        self.report.expired += expired.len() as u64;
        for e in &expired {
            // Turned away (the ticket is not in play) and counted by the engines.
            let _ = self.offer(e);
        }
    }

    fn ticket(&mut self, t: &Ticket) -> Result<()> {
        self.tickets.observe_ticket(t)?;
        if let Some(sla) = self.sla.as_mut() {
            sla.observe_ticket(t)?;
        }
        if let Some(mut waiting) = self.pending.remove(&t.id) {
            self.pending_len -= waiting.len();
            self.report.delivered += waiting.len() as u64;
            waiting.sort_by_key(|e| e.at);
            for e in &waiting {
                // Each is counted by the engines, taken or turned away.
                let _ = self.offer(e);
            }
        }
        Ok(())
    }

    fn interaction(&mut self, e: &Interaction) -> Result<()> {
        if self.tickets.is_in_play(e.ticket) {
            return self.offer(e);
        }
        if self.pending_len >= self.config.pending.events {
            self.report.overflowed += 1;
            return self.offer(e);
        }
        self.pending.entry(e.ticket).or_default().push(*e);
        self.pending_len += 1;
        self.pending_oldest = self.pending_oldest.min(e.at.timestamp());
        self.report.buffered += 1;
        Ok(())
    }

    /// Offers an interaction to the engines (which take or refuse it alike).
    fn offer(&mut self, e: &Interaction) -> Result<()> {
        // A status that may release the ticket: its groups are kept for late ratings.
        let leaving = matches!(
            e.kind,
            InteractionKind::Status(Status::Closed | Status::Merged { .. } | Status::Spam)
        );
        let keys = if leaving {
            self.tickets.keys_of(e.ticket)
        } else {
            None
        };
        let result = self.tickets.observe_interaction(e);
        if let Some(keys) = keys {
            if !self.tickets.is_in_play(e.ticket) {
                self.remember(e.ticket, keys);
            }
        }
        if let Some(sla) = self.sla.as_mut() {
            // The same machine: the same verdict (tests/sla_engine.rs).
            let _ = sla.observe_interaction(e);
        }
        result
    }

    /// Every section at `as_of`.
    pub fn snapshot_at(&self, as_of: DateTime<Utc>) -> DeskSnapshot<G::Key> {
        DeskSnapshot {
            as_of,
            tickets: self.tickets.snapshot_at(as_of),
            sla: self.sla.as_ref().map(|s| s.snapshot_at(as_of)),
            surveys: self.surveys.snapshot(),
            survey_groups: self
                .survey_groups
                .iter()
                .map(|(k, s)| (k.clone(), s.snapshot()))
                .collect(),
            calls: self.calls.snapshot(),
            pending: self.pending_len as u64,
            csat_response_rate: {
                let solved = self.tickets.overall().solved;
                (solved > 0).then(|| self.csat_on_tickets as f64 / solved as f64)
            },
            backlog_days: self.days.values().map(DayAges::snapshot).collect(),
            report: self.report,
        }
    }

    /// The latest instant seen.
    pub fn latest(&self) -> Option<DateTime<Utc>> {
        (self.latest != i64::MIN).then(|| DateTime::from_timestamp(self.latest, 0))?
    }
}

impl<G: TicketGrouping> Desk<G> {
    /// Never offered a record, and without SLA policies (as `Default`).
    fn untouched(&self) -> bool {
        self.sla.is_none()
            && self.report == DeskReport::default()
            && self.pending_len == 0
            && self.tickets.ingest().offered() == 0
    }
}

impl DeskReport {
    fn add(&mut self, o: &DeskReport) -> Result<()> {
        let overflow = || Error::Overflow { what: WHAT };
        for (a, b) in [
            (&mut self.buffered, o.buffered),
            (&mut self.delivered, o.delivered),
            (&mut self.expired, o.expired),
            (&mut self.overflowed, o.overflowed),
            (&mut self.surveys, o.surveys),
            (&mut self.surveys_replaced, o.surveys_replaced),
            (&mut self.surveys_superseded, o.surveys_superseded),
            (&mut self.survey_duplicates, o.survey_duplicates),
            (&mut self.good_to_bad, o.good_to_bad),
            (&mut self.bad_to_good, o.bad_to_good),
            (&mut self.surveys_rejected, o.surveys_rejected),
            (&mut self.surveys_unattributed, o.surveys_unattributed),
            (&mut self.calls, o.calls),
            (&mut self.calls_rejected, o.calls_rejected),
        ] {
            *a = a.checked_add(b).ok_or_else(overflow)?;
        }
        Ok(())
    }
}

impl<G: TicketGrouping> Calculator for Desk<G> {
    type Record = DeskEvent;
    type Snapshot = DeskSnapshot<G::Key>;

    fn observe(&mut self, event: &DeskEvent) -> Result<()> {
        Desk::observe(self, event)
    }

    /// Merges the desk of a disjoint set of tickets (another pod), with its surveys and
    /// calls: the result is that of one desk fed both streams.
    fn merge(&mut self, other: &Self) -> Result<()> {
        // `Default` is the identity: a desk that saw nothing takes the other's state.
        if other.untouched() {
            return Ok(());
        }
        if self.untouched() {
            *self = other.clone();
            return Ok(());
        }
        if other
            .pending
            .keys()
            .any(|t| self.pending.contains_key(t) || self.tickets.is_in_play(*t))
        {
            return Err(Error::incompatible(
                WHAT,
                "both desks hold events of one ticket",
            ));
        }
        let mut m = self.clone();
        m.tickets.merge_shard(&other.tickets)?;
        match (&mut m.sla, &other.sla) {
            (Some(a), Some(b)) => a.merge(b)?,
            (None, None) => {}
            _ => return Err(Error::incompatible(WHAT, "one desk has SLA policies")),
        }
        m.surveys.merge(&other.surveys)?;
        for (k, theirs) in &other.survey_groups {
            match m.survey_groups.get_mut(k) {
                Some(mine) => mine.merge(theirs)?,
                None => {
                    m.survey_groups.insert(k.clone(), theirs.clone());
                }
            }
        }
        m.csat_on_tickets += other.csat_on_tickets;
        m.report.add(&other.report)?;
        m.merge_ratings(&other.ratings, &other.rating_keys)?;
        for t in &other.gone_order {
            if let Some(keys) = other.gone.get(t) {
                m.remember(*t, keys.clone());
            }
        }
        m.calls.merge(&other.calls)?;
        for (t, events) in &other.pending {
            m.pending.insert(*t, events.clone());
        }
        m.pending_len += other.pending_len;
        m.pending_oldest = m.pending_oldest.min(other.pending_oldest);
        m.latest = m.latest.max(other.latest);
        for (day, ages) in &other.days {
            match m.days.get_mut(day) {
                Some(mine) => mine.merge(ages)?,
                None => {
                    m.days.insert(*day, ages.clone());
                }
            }
        }
        m.day_end = m.day_end.max(other.day_end);
        *self = m;
        Ok(())
    }

    /// The snapshot at the latest instant seen.
    fn snapshot(&self) -> DeskSnapshot<G::Key> {
        self.snapshot_at(self.latest().unwrap_or(DateTime::<Utc>::UNIX_EPOCH))
    }
}
