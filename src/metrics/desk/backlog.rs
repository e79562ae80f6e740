//! The backlog history: the backlog per group at each day's end, in a zone.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::aggregate::{Granularity, PerGroup, window_bounds};
use crate::calculator::Calculator;
use crate::error::Result;
use crate::metrics::tickets::{AgePair, Ages, TicketGrouping};
use crate::zone::Zone;

use super::Desk;

/// The days of a backlog history: their bounds in a time zone.
#[derive(Clone)]
pub struct BacklogDays {
    zone: String,
    bounds: Arc<dyn Fn(i64) -> (i64, i64) + Send + Sync>,
}

impl core::fmt::Debug for BacklogDays {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "BacklogDays({})", self.zone)
    }
}

impl BacklogDays {
    /// Days in `zone` (DST days are 23 or 25 hours long).
    pub fn in_zone<Z: Zone + 'static>(zone: Z) -> Self {
        BacklogDays {
            zone: zone.name(),
            bounds: Arc::new(move |t| {
                let at = DateTime::from_timestamp(t, 0).unwrap_or_default();
                window_bounds(Granularity::Day, &zone, at)
            }),
        }
    }
}

/// The backlog at the end of one day: the daily table a manager plots.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct BacklogDay<K: Ord> {
    /// The day's first instant (in the zone of [`BacklogDays`]).
    pub day: DateTime<Utc>,
    /// Every open ticket, with its age at the day's end.
    pub overall: Ages,
    /// Each group's, the tickets' fields as they stood then.
    pub groups: PerGroup<K, Ages>,
}

/// One day's backlog, mergeable: backlog and unanswered ages overall and per group.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub(crate) struct DayAges<K> {
    pub(crate) day: i64,
    pub(crate) overall: AgePair,
    pub(crate) groups: Vec<(K, AgePair)>,
}

impl<G: TicketGrouping> Desk<G> {
    /// Keeps the backlog at the end of every day the stream has passed.
    pub(super) fn close_days(&mut self) {
        let Some(days) = self.config.backlog_days.clone() else {
            return;
        };
        let end = *self
            .day_end
            .get_or_insert_with(|| (days.bounds)(self.latest).1);
        let mut end = end;
        while self.latest >= end {
            let (start, _) = (days.bounds)(end - 1);
            let (overall, groups) = self.tickets.age_summaries_at(end);
            self.days.insert(
                start,
                DayAges {
                    day: start,
                    overall,
                    groups,
                },
            );
            let next = (days.bounds)(end).1;
            if next <= end {
                break;
            }
            end = next;
        }
        self.day_end = Some(end);
    }
}

impl<K: Ord + Clone> DayAges<K> {
    pub(super) fn snapshot(&self) -> BacklogDay<K> {
        let ages = |(b, u): &AgePair| Ages {
            backlog: b.snapshot(),
            unanswered: u.snapshot(),
        };
        BacklogDay {
            day: DateTime::from_timestamp(self.day, 0).unwrap_or_default(),
            overall: ages(&self.overall),
            groups: self
                .groups
                .iter()
                .map(|(k, v)| (k.clone(), ages(v)))
                .collect(),
        }
    }

    /// Adds another pod's backlog of the same day.
    pub(super) fn merge(&mut self, other: &Self) -> Result<()>
    where
        K: Eq,
    {
        self.overall.0.merge(&other.overall.0)?;
        self.overall.1.merge(&other.overall.1)?;
        for (k, pair) in &other.groups {
            match self.groups.iter_mut().find(|g| g.0 == *k) {
                Some(mine) => {
                    mine.1.0.merge(&pair.0)?;
                    mine.1.1.merge(&pair.1)?;
                }
                None => self.groups.push((k.clone(), pair.clone())),
            }
        }
        Ok(())
    }
}
