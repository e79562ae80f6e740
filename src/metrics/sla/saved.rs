//! An SLA tracker's whole state, saved and restored (feature `serde`).

use serde::{Deserialize, Serialize};

use std::collections::HashMap;

use chrono::DateTime;

use super::WHAT;
use super::clocks::{Clock, Filed, NO_POLICY, NO_TARGET, Outcomes, SlaTicket};
use super::deadlines::Running;
use super::policy::Policy;
use super::tracker::{SlaConfig, SlaTracker};
use crate::error::{Error, Result};
use crate::metrics::tickets::{IngestReport, SavedTicket, TicketGrouping};
use crate::model::{TagId, TeamId};
use crate::stats::DurationSummary;

/// The saved state of an [`SlaTracker`]: its outcomes per book, its groups, the machine
/// state and clocks of every ticket in play and its ingest report, in a form `serde` writes
/// and reads. Restore it with [`SlaTracker::restore`] under the same policies and calendar;
/// the restored tracker gives the same figures as one that never stopped.
///
/// Everything read is checked first: the policies and the calendar's fingerprint against
/// the tracker's, each ticket's machine state (as a saved ticket tracker's) and clocks
/// against its policy's targets, that no ticket is in play twice, and that the live and
/// paused-overdue counts of every target are those of the clocks in play. A state that fails a check is an [`Error::CorruptState`].
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use csm_metrics::metrics::sla::{Basis, Policy, SavedSla, SlaMetric, SlaPolicies, SlaTracker, Target};
/// use csm_metrics::{CustomerId, Ticket, TicketId};
///
/// let policies = || {
///     let target = Target::new(SlaMetric::FirstReply, 3_600, Basis::Calendar);
///     SlaPolicies::new(vec![Policy::all("standard", vec![target])], None)
/// };
/// let t0 = Utc.with_ymd_and_hms(2025, 3, 3, 9, 0, 0).unwrap();
/// let mut sla = SlaTracker::new(policies()?);
/// sla.observe_ticket(&Ticket::new(TicketId(1), t0, CustomerId(5)))?;
///
/// let json = serde_json::to_string(&sla.save()).unwrap();
/// let saved: SavedSla<()> = serde_json::from_str(&json).unwrap();
/// let config = csm_metrics::metrics::sla::SlaConfig::new(policies()?);
/// let restored = SlaTracker::restore(config, csm_metrics::metrics::tickets::Overall, saved)?;
/// assert_eq!(restored.snapshot_at(t0), sla.snapshot_at(t0));
/// # Ok::<(), csm_metrics::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedSla<K> {
    version: u32,
    policies: Vec<Policy>,
    calendar: Option<u64>,
    /// The team calendars' fingerprints, by team.
    #[cfg_attr(feature = "serde", serde(default))]
    team_calendars: Vec<(TeamId, u64)>,
    group_keys: Vec<K>,
    /// By book (0: every ticket, then each group), policy and target.
    outcomes: Vec<Vec<Vec<Outcomes>>>,
    tickets: Vec<SavedSlaTicket>,
    ingest: IngestReport,
    latest: Option<i64>,
}

/// Version 3: a clock per slot of the policies, outcomes filed with their policy, tags
/// (version 2 had a clock per target of the ticket's policy; version 1 kept phase and
/// reply flags instead of the machine's state).
const VERSION: u32 = 3;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SavedSlaTicket {
    machine: SavedTicket,
    /// The policy's index (255: no policy).
    policy: u8,
    books: Vec<u32>,
    clocks: Vec<Clock>,
    filed: Vec<Filed>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    tags: Vec<TagId>,
}

fn corrupt(rule: String) -> Error {
    Error::corrupt(WHAT, rule)
}

impl<G: TicketGrouping> SlaTracker<G> {
    /// The tracker's whole state, to serialise (see [`SavedSla`]).
    pub fn save(&self) -> SavedSla<G::Key> {
        let mut tickets: Vec<SavedSlaTicket> = self
            .tickets
            .iter()
            .map(|s| SavedSlaTicket {
                machine: SavedTicket::of(&s.machine),
                policy: s.policy,
                books: s.books.to_vec(),
                clocks: s.clocks.clone(),
                filed: s.filed.clone(),
                tags: s.tags.clone(),
            })
            .collect();
        tickets.sort_by_key(|t| t.machine.id());
        SavedSla {
            version: VERSION,
            policies: self.config.policies.policies.clone(),
            calendar: self
                .config
                .policies
                .calendar
                .as_ref()
                .map(|c| c.fingerprint()),
            team_calendars: self.config.policies.team_prints(),
            group_keys: self.group_keys.clone(),
            outcomes: self.ledger.outcomes.clone(),
            tickets,
            ingest: self.ingest.clone(),
            latest: (self.latest != i64::MIN).then_some(self.latest),
        }
    }

    /// A tracker with `config` and `grouping` that goes on from a saved state; an
    /// [`Error::CorruptState`] if the state breaks a rule or was saved under other policies
    /// or another calendar (see [`SavedSla`]).
    pub fn restore(config: SlaConfig, grouping: G, saved: SavedSla<G::Key>) -> Result<Self> {
        let mut sla = SlaTracker::with_config(config, grouping);
        if saved.version != VERSION {
            return Err(corrupt(format!(
                "format version {} (this is {VERSION})",
                saved.version
            )));
        }
        let policies = &sla.config.policies;
        let print = policies.calendar.as_ref().map(|c| c.fingerprint());
        if saved.policies != policies.policies
            || saved.calendar != print
            || saved.team_calendars != policies.team_prints()
        {
            return Err(corrupt(
                "saved under other policies or another calendar".into(),
            ));
        }
        let shape: Vec<usize> = policies.policies.iter().map(|p| p.targets.len()).collect();
        check_books(&shape, &saved.outcomes, saved.group_keys.len())?;
        let outcomes = saved.outcomes;
        for (g, key) in saved.group_keys.iter().enumerate() {
            if sla.group_index.insert(key.clone(), g as u32 + 1).is_some() {
                return Err(corrupt(format!("the group {key:?} twice")));
            }
        }
        sla.group_keys = saved.group_keys;
        // Live and paused-overdue counts, recounted from the clocks in play.
        let mut live: HashMap<(u32, u8, u8), (u64, u64)> = HashMap::new();
        for t in saved.tickets {
            let machine = t.machine.into_state()?;
            let id = machine.id;
            let bad = |rule: &str| corrupt(format!("{id}: {rule}"));
            let policies = &sla.config.policies;
            if t.policy != NO_POLICY && usize::from(t.policy) >= policies.policies.len() {
                return Err(bad("a policy that does not exist"));
            }
            if t.books.first() != Some(&0)
                || t.books[1..]
                    .iter()
                    .any(|b| *b == 0 || *b as usize >= outcomes.len())
                || (t.policy == NO_POLICY && t.filed.is_empty() && t.books.len() > 1)
            {
                return Err(bad("books that do not exist"));
            }
            let last_event = machine.created + i64::from(machine.last_event);
            let target_exists = |p: u8, i: u8| {
                (policies.policies.get(usize::from(p)))
                    .is_some_and(|p| usize::from(i) < p.targets.len())
            };
            if usize::from(machine.calendar) > policies.team_calendars.len()
                || t.clocks.len() != policies.slots.len()
                || t.clocks
                    .iter()
                    .zip(&policies.slots)
                    .enumerate()
                    .any(|(k, (c, slot))| {
                        (c.metric, c.basis) != *slot
                            || (c.index, c.target)
                                != policies.target_of(t.policy, k).unwrap_or((NO_TARGET, 0))
                            || (c.running.is_some() && !c.live)
                            || c.running.is_some_and(|(since, deadline)| {
                                since > last_event || deadline < since
                            })
                    })
                || t.filed.iter().any(|f| {
                    usize::from(f.clock) >= t.clocks.len() || !target_exists(f.policy, f.target)
                })
            {
                return Err(bad("clocks that do not match the policies' targets"));
            }
            if DateTime::from_timestamp(last_event, 0).is_none() {
                return Err(bad("an instant out of range"));
            }
            if sla.tickets.contains(id) {
                return Err(bad("in play twice"));
            }
            for (i, c) in t.clocks.iter().enumerate() {
                if c.live && c.targeted() && t.policy != NO_POLICY {
                    for b in &t.books {
                        let e = live.entry((*b, t.policy, c.index)).or_default();
                        e.0 += 1;
                        e.1 += u64::from(c.paused_overdue());
                    }
                }
                if let Some((_, deadline)) = c.running.filter(|_| c.targeted()) {
                    sla.ledger.running.taken(c.run);
                    sla.ledger.running.insert(Running {
                        deadline,
                        ticket: id,
                        clock: i as u8,
                        run: c.run,
                    });
                }
            }
            sla.tickets.insert(SlaTicket {
                machine,
                policy: t.policy,
                books: t.books.into_boxed_slice(),
                clocks: t.clocks,
                filed: t.filed,
                tags: t.tags,
            });
        }
        check_live(&outcomes, &live)?;
        if sla.tickets.len() as u64 > saved.ingest.tickets {
            return Err(corrupt(
                "more tickets in play than were ever accepted".into(),
            ));
        }
        sla.ledger.outcomes = outcomes;
        sla.ingest = saved.ingest;
        sla.latest = saved.latest.unwrap_or(i64::MIN);
        Ok(sla)
    }
}

/// The outcome books fit the policies' targets (one book per group and one for every
/// ticket), and their counts add up.
fn check_books(shape: &[usize], outcomes: &[Vec<Vec<Outcomes>>], groups: usize) -> Result<()> {
    if outcomes.len() != groups + 1 {
        return Err(corrupt("outcome books do not match the groups".into()));
    }
    let default = DurationSummary::default();
    for book in outcomes {
        if book.iter().map(Vec::len).ne(shape.iter().copied()) {
            return Err(corrupt(
                "outcomes do not match the policies' targets".into(),
            ));
        }
        if book.iter().flatten().any(|o| {
            o.breach.count() != o.breached
                || o.spare.count() != o.achieved
                || !o.breach.same_config(&default)
                || !o.spare.same_config(&default)
                || o.paused_overdue > o.live
        }) {
            return Err(corrupt("outcome counts that do not add up".into()));
        }
    }
    Ok(())
}

/// The live and paused-overdue counts of every target are those of the clocks in play.
fn check_live(
    outcomes: &[Vec<Vec<Outcomes>>],
    live: &HashMap<(u32, u8, u8), (u64, u64)>,
) -> Result<()> {
    for (b, book) in outcomes.iter().enumerate() {
        for (p, targets) in book.iter().enumerate() {
            for (i, o) in targets.iter().enumerate() {
                let want = live
                    .get(&(b as u32, p as u8, i as u8))
                    .copied()
                    .unwrap_or((0, 0));
                if (o.live, o.paused_overdue) != want {
                    return Err(corrupt(format!(
                        "{} live targets ({} paused past due) recorded, {} ({}) in play",
                        o.live, o.paused_overdue, want.0, want.1
                    )));
                }
            }
        }
    }
    Ok(())
}
