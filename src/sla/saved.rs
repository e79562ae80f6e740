//! An SLA tracker's whole state, saved and restored (feature `serde`).

use serde::{Deserialize, Serialize};

use super::*;
use crate::stats::DurationSummary;

/// The saved state of an [`SlaTracker`]: its outcomes per book, its groups, the clocks of
/// every ticket in play and its rejections, in a form `serde` writes and reads. Restore it
/// with [`SlaTracker::restore`] under the same policies and calendar; the restored tracker
/// gives the same figures as one that never stopped.
///
/// Everything read is checked first: the policies and the calendar's fingerprint against
/// the tracker's, each ticket's clocks against its policy's targets, that no ticket is in
/// play twice, and that the live and paused-overdue counts of every target are those of
/// the clocks in play. A state that fails a check is an [`Error::CorruptState`].
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use csm_metrics::sla::{Basis, Policy, SavedSla, SlaMetric, SlaPolicies, SlaTracker, Target};
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
/// let restored = SlaTracker::restore(policies()?, csm_metrics::metrics::tickets::Overall, saved)?;
/// assert_eq!(restored.snapshot_at(t0, 5), sla.snapshot_at(t0, 5));
/// # Ok::<(), csm_metrics::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedSla<K> {
    version: u32,
    policies: Vec<Policy>,
    calendar: Option<u64>,
    group_keys: Vec<K>,
    /// By book (0: every ticket, then each group), policy and target.
    outcomes: Vec<Vec<Vec<Outcomes>>>,
    tickets: Vec<SavedSlaTicket>,
    rejected: BTreeMap<String, u64>,
}

const VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SavedSlaTicket {
    id: TicketId,
    /// The policy's index (255: no policy).
    policy: u8,
    books: Vec<u32>,
    status: Status,
    replied: bool,
    awaiting: bool,
    last_event: i64,
    clocks: Vec<Clock>,
    filed: Vec<(u8, bool, u64)>,
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
            .map(|(id, s)| SavedSlaTicket {
                id: *id,
                policy: s.policy,
                books: s.books.to_vec(),
                status: s.phase.status(),
                replied: s.replied,
                awaiting: s.awaiting,
                last_event: s.last_event,
                clocks: s.clocks.clone(),
                filed: s.filed.clone(),
            })
            .collect();
        tickets.sort_by_key(|t| t.id);
        SavedSla {
            version: VERSION,
            policies: self.policies.policies.clone(),
            calendar: self.policies.calendar.as_ref().map(|c| c.fingerprint()),
            group_keys: self.group_keys.clone(),
            outcomes: self.outcomes.clone(),
            tickets,
            rejected: self.rejected.clone(),
        }
    }

    /// A tracker with `policies` and `grouping` that goes on from a saved state; an
    /// [`Error::CorruptState`] if the state breaks a rule or was saved under other policies
    /// or another calendar (see [`SavedSla`]).
    pub fn restore(policies: SlaPolicies, grouping: G, saved: SavedSla<G::Key>) -> Result<Self> {
        let mut sla = SlaTracker::with_grouping(policies, grouping);
        if saved.version != VERSION {
            return Err(corrupt(format!(
                "format version {} (this is {VERSION})",
                saved.version
            )));
        }
        let print = sla.policies.calendar.as_ref().map(|c| c.fingerprint());
        if saved.policies != sla.policies.policies || saved.calendar != print {
            return Err(corrupt(
                "saved under other policies or another calendar".into(),
            ));
        }
        let shape: Vec<usize> = sla
            .policies
            .policies
            .iter()
            .map(|p| p.targets.len())
            .collect();
        if saved.outcomes.len() != saved.group_keys.len() + 1 {
            return Err(corrupt("outcome books do not match the groups".into()));
        }
        let default = DurationSummary::default();
        for book in &saved.outcomes {
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
            let bad = |rule: &str| corrupt(format!("{}: {rule}", t.id));
            let targets: &[Target] = match sla.policies.policies.get(t.policy as usize) {
                Some(p) => &p.targets,
                None if t.policy == NO_POLICY => &[],
                None => return Err(bad("a policy that does not exist")),
            };
            if t.books.first() != Some(&0)
                || t.books[1..]
                    .iter()
                    .any(|b| *b == 0 || *b as usize >= outcomes.len())
                || (t.policy == NO_POLICY && t.books.len() > 1)
            {
                return Err(bad("books that do not exist"));
            }
            if t.clocks.len() != targets.len()
                || t.clocks.iter().zip(targets).any(|(c, x)| {
                    (c.metric, c.target, c.basis) != (x.metric, x.seconds, x.basis)
                        || (c.running.is_some() && !c.live)
                        || c.running.is_some_and(|(since, deadline)| {
                            since > t.last_event || deadline < since
                        })
                })
                || t.filed
                    .iter()
                    .any(|(i, _, _)| *i as usize >= t.clocks.len())
            {
                return Err(bad("clocks that do not match its policy's targets"));
            }
            if DateTime::from_timestamp(t.last_event, 0).is_none() {
                return Err(bad("an instant out of range"));
            }
            let phase = Phase::of(t.status)
                .filter(|_| t.status != Status::Closed)
                .ok_or_else(|| bad("a status that cannot be in play"))?;
            if sla.tickets.contains_key(&t.id) {
                return Err(bad("in play twice"));
            }
            for (i, c) in t.clocks.iter().enumerate() {
                if c.live && t.policy != NO_POLICY {
                    for b in &t.books {
                        let e = live.entry((*b, t.policy, i as u8)).or_default();
                        e.0 += 1;
                        e.1 += u64::from(c.running.is_none() && c.elapsed > c.target);
                    }
                }
                if let Some((_, deadline)) = c.running {
                    sla.running.insert((deadline, t.id, i as u8));
                }
            }
            sla.tickets.insert(
                t.id,
                SlaTicket {
                    policy: t.policy,
                    books: t.books.into_boxed_slice(),
                    phase,
                    replied: t.replied,
                    awaiting: t.awaiting,
                    last_event: t.last_event,
                    clocks: t.clocks,
                    filed: t.filed,
                },
            );
        }
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
        sla.outcomes = outcomes;
        sla.rejected = saved.rejected;
        Ok(sla)
    }
}
