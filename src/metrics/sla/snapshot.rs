//! What an SLA tracker reports: every target's outcomes, overall and per group, and the
//! targets about to breach.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::aggregate::PerGroup;
use crate::calculator::Calculator;
use crate::metrics::tickets::{IngestReport, TicketGrouping};
use crate::model::TicketId;

use super::clocks::{SlaTicket, running_ticket};
use super::deadlines::Running;
use crate::stats::DurationSnapshot;

use super::policy::{SlaMetric, Target};
use super::tracker::SlaTracker;

/// A target about to breach: still running, deadline ahead.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct AtRisk {
    /// The ticket.
    pub ticket: TicketId,
    /// Its policy's name.
    pub policy: String,
    /// The metric.
    pub metric: SlaMetric,
    /// The deadline.
    pub deadline: DateTime<Utc>,
    /// Seconds left (calendar seconds to the deadline).
    pub time_left: i64,
}

/// The figures of one policy's target.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TargetSnapshot {
    /// The policy's name.
    pub policy: String,
    /// The metric.
    pub metric: SlaMetric,
    /// The target.
    pub target: Target,
    /// Instances achieved.
    pub achieved: u64,
    /// Instances breached: ended late, or still live past their deadline.
    pub breached: u64,
    /// Live instances not yet past their deadline.
    pub active: u64,
    /// achieved / (achieved + breached).
    pub attainment: Option<f64>,
    /// By how much the ended breaches missed, seconds of the basis.
    pub breach_by: DurationSnapshot,
    /// The time to spare of the achieved instances, seconds of the basis.
    pub spare: DurationSnapshot,
}

/// What an [`SlaTracker`] reports at an instant.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SlaSnapshot<K: Ord = ()> {
    /// The instant.
    pub as_of: DateTime<Utc>,
    /// Every policy's targets, in policy order then target order, over every ticket.
    pub targets: Vec<TargetSnapshot>,
    /// The same per group (team, priority … as the tracker's grouping says).
    pub groups: PerGroup<K, Vec<TargetSnapshot>>,
    /// The running targets nearest to their deadline, soonest first.
    pub about_to_breach: Vec<AtRisk>,
    /// What was offered, accepted and rejected (by reason), by the ticket machine's rules.
    pub ingest: IngestReport,
}

impl<G: TicketGrouping> SlaTracker<G> {
    /// The ticket of a deadline entry, if the entry is its clock running as it started.
    fn running_ticket(&self, r: &Running) -> Option<&SlaTicket> {
        running_ticket(&self.tickets, r)
    }

    /// Every target's figures at `as_of`, and the [`SlaConfig::at_risk`](super::SlaConfig::at_risk) running targets
    /// nearest to their deadline.
    pub fn snapshot_at(&self, as_of: DateTime<Utc>) -> SlaSnapshot<G::Key> {
        let t = as_of.timestamp();
        let policies = &self.config.policies.policies;
        // Running instances past their deadline count as breached, in each of their books.
        let mut overdue: HashMap<(u32, u8, u8), u64> = HashMap::new();
        for r in self.ledger.running.before(t) {
            if let Some(s) = self.running_ticket(r) {
                let index = s.clocks[usize::from(r.clock)].index;
                for b in s.books.iter() {
                    *overdue.entry((*b, s.policy, index)).or_insert(0) += 1;
                }
            }
        }
        let book = |b: usize| -> Vec<TargetSnapshot> {
            let mut targets = Vec::new();
            for (p, policy) in policies.iter().enumerate() {
                for (i, target) in policy.targets.iter().enumerate() {
                    let o = &self.ledger.outcomes[b][p][i];
                    let late = overdue
                        .get(&(b as u32, p as u8, i as u8))
                        .copied()
                        .unwrap_or(0)
                        + o.paused_overdue;
                    let breached = o.breached + late;
                    targets.push(TargetSnapshot {
                        policy: policy.name.clone(),
                        metric: target.metric,
                        target: *target,
                        achieved: o.achieved,
                        breached,
                        active: o.live - late,
                        attainment: (o.achieved + breached > 0)
                            .then(|| o.achieved as f64 / (o.achieved + breached) as f64),
                        breach_by: o.breach.snapshot(),
                        spare: o.spare.snapshot(),
                    });
                }
            }
            targets
        };
        let about_to_breach = self
            .ledger
            .running
            .first_from(t, self.config.at_risk, |r| self.running_ticket(r).is_some())
            .into_iter()
            .filter_map(|r| {
                let s = self.running_ticket(&r)?;
                let policy = policies.get(usize::from(s.policy))?;
                Some(AtRisk {
                    ticket: r.ticket,
                    policy: policy.name.clone(),
                    metric: s.clocks.get(usize::from(r.clock))?.metric,
                    deadline: DateTime::from_timestamp(r.deadline, 0)?,
                    time_left: r.deadline - t,
                })
            })
            .collect();
        SlaSnapshot {
            as_of,
            targets: book(0),
            groups: self
                .group_keys
                .iter()
                .enumerate()
                .map(|(g, key)| (key.clone(), book(g + 1)))
                .collect(),
            about_to_breach,
            ingest: self.ingest.clone(),
        }
    }
}
