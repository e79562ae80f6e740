//! The daily volume and backlog table of the HTML report: the tracker's counters
//! ([`TicketTracker::counts`]) taken at each local day's end as a shard's stream passes
//! it, then summed over the shards (counters of disjoint tickets add).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use csm_metrics::Granularity;
use csm_metrics::metrics::tickets::{TicketGrouping, TicketTracker, VolumeCounts};

/// The counters at the end of each day a stream passed, by day start.
#[derive(Debug, Clone)]
pub struct Daily<K> {
    zone: chrono_tz::Tz,
    /// The end of the day under way (Unix seconds), once a record came.
    end: Option<i64>,
    days: BTreeMap<i64, (VolumeCounts, Vec<(K, VolumeCounts)>)>,
}

fn bounds(zone: &chrono_tz::Tz, t: i64) -> (i64, i64) {
    let at = DateTime::<Utc>::from_timestamp(t, 0).unwrap_or_default();
    let (a, b) = Granularity::Day.window_of(zone, at);
    (a.timestamp(), b.timestamp())
}

impl<K: Clone + Eq> Daily<K> {
    pub fn new(zone: chrono_tz::Tz) -> Self {
        Daily {
            zone,
            end: None,
            days: BTreeMap::new(),
        }
    }

    /// Before a record at `t`: keeps the counters of every day that ended by `t`.
    pub fn pass<G: TicketGrouping<Key = K>>(&mut self, t: i64, tracker: &TicketTracker<G>) {
        let mut end = match self.end {
            Some(end) => end,
            None => {
                self.end = Some(bounds(&self.zone, t).1);
                return;
            }
        };
        if t < end {
            return;
        }
        let counts = tracker.counts();
        while end <= t {
            let (start, _) = bounds(&self.zone, end - 1);
            self.days.insert(start, counts.clone());
            let next = bounds(&self.zone, end).1;
            if next <= end {
                break;
            }
            end = next;
        }
        self.end = Some(end);
    }

    /// At the end of the stream: every day up to `until` (the latest instant of all the
    /// shards), the last one as it stands.
    pub fn finish<G: TicketGrouping<Key = K>>(&mut self, until: i64, tracker: &TicketTracker<G>) {
        if self.end.is_none() {
            return;
        }
        self.pass(until, tracker);
        let (start, _) = bounds(&self.zone, until);
        self.days.insert(start, tracker.counts());
    }

    /// Adds another shard's counters, day by day (a day it did not reach counts nothing).
    pub fn merge(&mut self, other: &Self) {
        let add = |a: &mut VolumeCounts, b: &VolumeCounts| {
            a.created += b.created;
            a.backlog += b.backlog;
            a.solve_events += b.solve_events;
            a.reopen_events += b.reopen_events;
        };
        for (day, (overall, groups)) in &other.days {
            let mine = self.days.entry(*day).or_default();
            add(&mut mine.0, overall);
            for (k, c) in groups {
                match mine.1.iter_mut().find(|(m, _)| m == k) {
                    Some((_, m)) => add(m, c),
                    None => mine.1.push((k.clone(), *c)),
                }
            }
        }
    }

    /// One row per day: its start, tickets created and solves and reopens during it (the
    /// counters' steps), the backlog at its end, overall and per group (named by `name`;
    /// groups it names `None` left out).
    pub fn rows(&self, name: impl Fn(&K) -> Option<String>) -> serde_json::Value {
        let mut before = VolumeCounts::default();
        let rows: Vec<serde_json::Value> = self
            .days
            .iter()
            .map(|(day, (c, groups))| {
                let local = DateTime::<Utc>::from_timestamp(*day, 0)
                    .unwrap_or_default()
                    .with_timezone(&self.zone);
                let by_group: serde_json::Map<String, serde_json::Value> = groups
                    .iter()
                    .filter_map(|(k, g)| Some((name(k)?, serde_json::json!(g.backlog))))
                    .collect();
                let row = serde_json::json!({
                    "day": local.format("%Y-%m-%d").to_string(),
                    "created": c.created.saturating_sub(before.created),
                    "solved": c.solve_events.saturating_sub(before.solve_events),
                    "reopened": c.reopen_events.saturating_sub(before.reopen_events),
                    "backlog": c.backlog,
                    "backlog_by_group": by_group,
                });
                before = *c;
                row
            })
            .collect();
        serde_json::Value::Array(rows)
    }
}
