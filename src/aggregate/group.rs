//! Grouping any calculator by a key.

use core::fmt::Debug;
use core::hash::Hash;
use std::collections::HashMap;

use super::hash::FastHash;
use super::per_group::PerGroup;
use crate::calculator::Calculator;
use crate::error::Result;
use crate::model::{AgentId, Call, CustomerId, QueueId, SurveyResponse, TicketId};

/// How to find a record's group.
///
/// The crate ships keys for the usual groupings ([`ByAgent`], [`ByCustomer`], [`ByQueue`],
/// [`ByTicket`]); implement it for a key of your own. The grouper is a value, so it may
/// carry data (a map from ticket to team, say). A record without the field (a survey with
/// no agent) falls in the `None` group: nothing is dropped.
///
/// ```
/// use csm_metrics::{Calculator, CustomerSatisfaction, GroupBy, Grouped, SurveyResponse};
///
/// /// Groups survey responses by whether they came in on a weekend.
/// #[derive(Debug, Clone, Default)]
/// struct Weekend;
///
/// impl GroupBy<SurveyResponse> for Weekend {
///     type Key = bool;
///     fn key(&self, r: &SurveyResponse) -> bool {
///         use chrono::Datelike;
///         r.at.weekday().number_from_monday() >= 6
///     }
/// }
///
/// let weekend_vs_weekday = Grouped::<bool, CustomerSatisfaction, Weekend>::default();
/// assert!(weekend_vs_weekday.snapshot().is_empty());
/// ```
pub trait GroupBy<R: ?Sized>: Default + Clone + Send {
    /// The group key.
    type Key: Eq + Hash + Ord + Clone + Send + Debug;
    /// The record's group.
    fn key(&self, record: &R) -> Self::Key;
}

/// Groups by the agent of a record.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ByAgent;

/// Groups by the customer of a record.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ByCustomer;

/// Groups by the queue of a call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ByQueue;

/// Groups by the ticket of a record.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ByTicket;

/// A grouping whose keys the caller passes with each record
/// ([`Grouped::observe_keyed`]): the team of a survey's ticket, a region, a plan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ByCaller;

impl GroupBy<SurveyResponse> for ByAgent {
    type Key = Option<AgentId>;
    #[inline]
    fn key(&self, r: &SurveyResponse) -> Option<AgentId> {
        r.agent
    }
}

impl GroupBy<SurveyResponse> for ByCustomer {
    type Key = Option<CustomerId>;
    #[inline]
    fn key(&self, r: &SurveyResponse) -> Option<CustomerId> {
        r.customer
    }
}

impl GroupBy<SurveyResponse> for ByTicket {
    type Key = Option<TicketId>;
    #[inline]
    fn key(&self, r: &SurveyResponse) -> Option<TicketId> {
        r.ticket
    }
}

impl GroupBy<Call> for ByAgent {
    type Key = Option<AgentId>;
    #[inline]
    fn key(&self, r: &Call) -> Option<AgentId> {
        r.agent
    }
}

impl GroupBy<Call> for ByQueue {
    type Key = QueueId;
    #[inline]
    fn key(&self, r: &Call) -> QueueId {
        r.queue
    }
}

impl GroupBy<Call> for ByCustomer {
    type Key = Option<CustomerId>;
    #[inline]
    fn key(&self, r: &Call) -> Option<CustomerId> {
        r.customer
    }
}

/// A calculator per group.
///
/// Each new group starts as a copy of the template (so a configured calculator, a CSAT on
/// thumbs say, configures every group). Merge merges group by group; a group present on
/// one side only is taken as it is. The snapshot is ordered by key.
///
/// `Grouped<K, C, G>` is itself a [`Calculator`] when `G` is a [`GroupBy`] with key `K`;
/// with [`ByCaller`] (the default) the caller passes each record's key to
/// [`observe_keyed`](Self::observe_keyed).
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use csm_metrics::{AgentId, ByAgent, Calculator, Grouped, NetPromoterScore, SurveyId,
///                   SurveyResponse, SurveyScore};
///
/// let at = Utc.with_ymd_and_hms(2025, 3, 1, 12, 0, 0).unwrap();
/// let mut by_agent = Grouped::<_, NetPromoterScore, ByAgent>::default();
/// for (id, agent, score) in [(1, 7, 10), (2, 7, 3), (3, 9, 9)] {
///     let mut r = SurveyResponse::new(SurveyId(id), at, SurveyScore::Nps(score));
///     r.agent = Some(AgentId(agent));
///     by_agent.observe(&r)?;
/// }
/// let report = by_agent.snapshot();
/// assert_eq!(report[&Some(AgentId(7))].score, Some(0.0));
/// assert_eq!(report[&Some(AgentId(9))].score, Some(100.0));
/// # Ok::<(), csm_metrics::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Grouped<K, C, G = ByCaller> {
    by: G,
    template: C,
    groups: HashMap<K, C, FastHash>,
}

impl<K, C: Default, G: Default> Default for Grouped<K, C, G> {
    fn default() -> Self {
        Grouped {
            by: G::default(),
            template: C::default(),
            groups: HashMap::default(),
        }
    }
}

impl<K: Eq + Hash, C: PartialEq, G> PartialEq for Grouped<K, C, G> {
    /// Equal when they hold the same groups with equal states (templates aside).
    fn eq(&self, other: &Self) -> bool {
        self.groups == other.groups
    }
}

impl<K, C, G> Grouped<K, C, G>
where
    K: Eq + Hash + Ord + Clone + Send + Debug,
    C: Calculator,
    G: Default + Clone + Send,
{
    /// Groups whose calculators start as copies of `template`.
    pub fn new(template: C) -> Self {
        Grouped {
            by: G::default(),
            template,
            groups: HashMap::default(),
        }
    }

    /// Groups found by `by`, whose calculators start as copies of `template`.
    pub fn with_grouper(by: G, template: C) -> Self {
        Grouped {
            by,
            template,
            groups: HashMap::default(),
        }
    }

    /// Observes a record into the group `key`.
    #[inline]
    pub fn observe_keyed(&mut self, key: K, record: &C::Record) -> Result<()> {
        if let Some(state) = self.groups.get_mut(&key) {
            return state.observe(record);
        }
        let mut state = self.template.clone();
        state.observe(record)?;
        self.groups.insert(key, state);
        Ok(())
    }

    /// The state of one group.
    pub fn group(&self, key: &K) -> Option<&C> {
        self.groups.get(key)
    }

    /// How many groups.
    pub fn len(&self) -> usize {
        self.groups.len()
    }

    /// Whether there is no group.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// The groups, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &C)> {
        self.groups.iter()
    }

    /// Merges the states of all groups into one (e.g. the overall figure from per-team
    /// states).
    pub fn total(&self) -> Result<C> {
        let mut all = self.template.clone();
        for state in self.groups.values() {
            all.merge(state)?;
        }
        Ok(all)
    }

    fn merge_groups(&mut self, other: &Self) -> Result<()> {
        // Merge into copies first, so that a failure changes nothing.
        let mut merged = Vec::with_capacity(other.groups.len());
        for (key, theirs) in &other.groups {
            let mut state = match self.groups.get(key) {
                Some(mine) => mine.clone(),
                None => C::default(),
            };
            state.merge(theirs)?;
            merged.push((key.clone(), state));
        }
        if self.groups.is_empty() {
            self.template = other.template.clone();
        }
        self.groups.extend(merged);
        Ok(())
    }

    fn snapshot_groups(&self) -> PerGroup<K, C::Snapshot> {
        self.groups
            .iter()
            .map(|(k, c)| (k.clone(), c.snapshot()))
            .collect()
    }
}

impl<K, C> Grouped<K, C, ByCaller>
where
    K: Eq + Hash + Ord + Clone + Send + Debug,
    C: Calculator,
{
    /// Merges another grouped state (the same as [`Calculator::merge`] for groupers).
    pub fn merge(&mut self, other: &Self) -> Result<()> {
        self.merge_groups(other)
    }

    /// A snapshot of every group, ordered by key.
    pub fn snapshot(&self) -> PerGroup<K, C::Snapshot> {
        self.snapshot_groups()
    }
}

impl<C, G> Calculator for Grouped<G::Key, C, G>
where
    C: Calculator,
    G: GroupBy<C::Record>,
{
    type Record = C::Record;
    type Snapshot = PerGroup<G::Key, C::Snapshot>;

    #[inline]
    fn observe(&mut self, record: &C::Record) -> Result<()> {
        let key = self.by.key(record);
        self.observe_keyed(key, record)
    }

    fn merge(&mut self, other: &Self) -> Result<()> {
        self.merge_groups(other)
    }

    fn snapshot(&self) -> Self::Snapshot {
        self.snapshot_groups()
    }
}

#[cfg(feature = "serde")]
mod serde_impl {
    use super::*;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    struct Repr<K, C> {
        template: C,
        groups: Vec<(K, C)>,
    }

    impl<K, C, G> Serialize for Grouped<K, C, G>
    where
        K: Serialize + Ord + Clone,
        C: Serialize + Clone,
    {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut groups: Vec<(K, C)> = self
                .groups
                .iter()
                .map(|(k, c)| (k.clone(), c.clone()))
                .collect();
            groups.sort_by(|a, b| a.0.cmp(&b.0));
            Repr {
                template: self.template.clone(),
                groups,
            }
            .serialize(s)
        }
    }

    impl<'de, K, C, G> Deserialize<'de> for Grouped<K, C, G>
    where
        K: Deserialize<'de> + Eq + Hash,
        C: Deserialize<'de>,
        G: Default,
    {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let repr = Repr::<K, C>::deserialize(d)?;
            let mut groups =
                HashMap::with_capacity_and_hasher(repr.groups.len(), FastHash::default());
            for (k, c) in repr.groups {
                if groups.insert(k, c).is_some() {
                    return Err(serde::de::Error::custom("grouped: a key appears twice"));
                }
            }
            Ok(Grouped {
                by: G::default(),
                template: repr.template,
                groups,
            })
        }
    }
}
