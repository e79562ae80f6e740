//! What the tickets in play say at an instant: the ages of the open and unanswered tickets
//! ([`TicketTracker::ages_at`]) and the censorings of the censoring-aware durations (the
//! `*_survival` figures of a snapshot). Both walk the tickets in play, so they cost in
//! proportion to them, never to the history.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::aggregate::FastHash;
use crate::calculator::Calculator;
use crate::model::Phase;
use crate::stats::{DurationSummary, QuantileSketch, SurvivalSketch};

use super::super::grouping::TicketGrouping;
use super::super::lifecycle::{LifecycleSnapshot, TicketLifecycle};
use super::super::machine::{TicketState, UNSET};
use super::{AgePair, Ages, AgesSnapshot, TicketTracker};

/// The tickets still waiting at an instant, as censored durations on the sketches' bins:
/// for a first response (unanswered, from the clock start) and for a resolution (the
/// backlog, from creation), in calendar and business seconds.
#[derive(Debug, Clone)]
pub(crate) struct Waiting {
    response: QuantileSketch,
    resolution: QuantileSketch,
    business_response: QuantileSketch,
    business_resolution: QuantileSketch,
}

impl Waiting {
    /// Puts the censoring-aware durations in a snapshot of `agg`: its events with these
    /// censorings. Sketches of one configuration: the combination cannot fail.
    pub(crate) fn fill(self, snap: &mut LifecycleSnapshot, agg: &TicketLifecycle) {
        let survival = |events: &DurationSummary, waiting: QuantileSketch| {
            SurvivalSketch::from_parts(events.sketch().into_owned(), waiting)
                .ok()
                .map(|s| s.snapshot())
        };
        snap.first_response_survival = survival(&agg.first_response, self.response);
        snap.full_resolution_survival = survival(&agg.full_resolution, self.resolution);
        if let (Some(b), Some(bs)) = (agg.business.as_deref(), snap.business.as_mut()) {
            bs.first_response_survival = survival(&b.first_response, self.business_response);
            bs.full_resolution_survival = survival(&b.full_resolution, self.business_resolution);
        }
    }

    fn add(&mut self, s: &TicketState, t: i64, clock: Option<&dyn crate::BusinessClock>) {
        // Whole seconds: always valid sketch values. A ticket created after `t` is not
        // waiting yet at `t`.
        let Ok(age) = u64::try_from(t - s.created) else {
            return;
        };
        let _ = self.resolution.add_seconds(age);
        let start = (s.unanswered() && s.clock_start != UNSET)
            .then(|| s.created + i64::from(s.clock_start))
            .filter(|start| *start <= t);
        if let Some(start) = start {
            let _ = self.response.add_seconds((t - start) as u64);
        }
        // On the calendars the ticket had (a calendar that follows its team); dated before
        // its last calendar change, on the one it has.
        if clock.is_some_and(|c| c.covers(t)) {
            let to = u32::try_from(age).unwrap_or(u32::MAX);
            let _ = self
                .business_resolution
                .add_seconds(s.business_from_creation(clock, to));
            if start.is_some() {
                let _ = self
                    .business_response
                    .add_seconds(s.business_from_clock_start(clock, to));
            }
        }
    }
}

/// A group's volume and backlog counters ([`TicketTracker::counts`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct VolumeCounts {
    /// Tickets created (merged ones included, spam not: [`LifecycleSnapshot::tickets`]).
    pub created: u64,
    /// Tickets open now: not solved, closed, merged or spam.
    pub backlog: u64,
    /// Solves so far, one per open → solved cycle.
    pub solve_events: u64,
    /// Reopens so far.
    pub reopen_events: u64,
}

impl<G: TicketGrouping> TicketTracker<G> {
    /// The volume and backlog counters, overall and per group, as they stand: O(groups),
    /// without the walk of the tickets in play a snapshot does; taken at each day's end as
    /// a stream passes it, they give the daily volume and backlog table.
    pub fn counts(&self) -> (VolumeCounts, Vec<(G::Key, VolumeCounts)>) {
        let of = |a: &TicketLifecycle| VolumeCounts {
            created: a.created,
            backlog: a.backlog,
            solve_events: a.solve_events,
            reopen_events: a.reopen_events,
        };
        let groups: Vec<(G::Key, VolumeCounts)> = self
            .groups
            .list
            .iter()
            .map(|(k, a)| (k.clone(), of(a)))
            .collect();
        let overall = if G::ONE_KEY_PER_TICKET {
            groups
                .iter()
                .fold(VolumeCounts::default(), |t, (_, c)| VolumeCounts {
                    created: t.created + c.created,
                    backlog: t.backlog + c.backlog,
                    solve_events: t.solve_events + c.solve_events,
                    reopen_events: t.reopen_events + c.reopen_events,
                })
        } else {
            of(&self.overall)
        };
        (overall, groups)
    }

    /// Folds every open (unsolved) ticket in play into an accumulator made by `empty`,
    /// overall and per group (groups without an open ticket are left out).
    fn walk_open<A>(
        &self,
        empty: impl Fn() -> A,
        add: impl Fn(&mut A, &TicketState),
    ) -> (A, HashMap<G::Key, A, FastHash>) {
        let mut overall = empty();
        let mut groups: HashMap<G::Key, A, FastHash> = HashMap::default();
        // One-key groupings: by the tickets' group slots, no hashing.
        let mut by_slot: Vec<Option<A>> = Vec::new();
        if G::ONE_KEY_PER_TICKET {
            by_slot.resize_with(self.groups.list.len(), || None);
        }
        for s in self.tickets.iter() {
            if s.phase == Phase::Solved {
                continue;
            }
            add(&mut overall, s);
            if G::ONE_KEY_PER_TICKET {
                if let Some(slot) = by_slot.get_mut(s.group as usize) {
                    add(slot.get_or_insert_with(&empty), s);
                }
                continue;
            }
            self.grouping.for_each_key(&s.view(), |k| {
                add(groups.entry(k).or_insert_with(&empty), s)
            });
        }
        for ((k, _), acc) in self.groups.list.iter().zip(by_slot) {
            if let Some(acc) = acc {
                groups.insert(k.clone(), acc);
            }
        }
        (overall, groups)
    }

    /// The age distributions at `as_of` of the backlog (open tickets) and of the unanswered
    /// tickets, overall and per group. Unlike a snapshot this walks the tickets in play
    /// (about 70 ns each: 1M tickets in 100 groups take 72 ms), so it costs in
    /// proportion to them, never to the history. A ticket created after `as_of` has age 0.
    pub fn ages_at(&self, as_of: DateTime<Utc>) -> AgesSnapshot<G::Key> {
        let (overall, groups) = self.age_summaries_at(as_of.timestamp());
        let snap = |(b, u): &(DurationSummary, DurationSummary)| Ages {
            backlog: b.snapshot(),
            unanswered: u.snapshot(),
        };
        AgesSnapshot {
            as_of,
            overall: snap(&overall),
            groups: groups.iter().map(|(k, v)| (k.clone(), snap(v))).collect(),
        }
    }

    /// The ages at Unix second `t` of the backlog and of the unanswered tickets, overall
    /// and per group, as mergeable summaries.
    pub(crate) fn age_summaries_at(&self, t: i64) -> (AgePair, Vec<(G::Key, AgePair)>) {
        let summary = || DurationSummary::with_config(&self.config.summary).unwrap_or_default();
        let (overall, groups) = self.walk_open(
            || (summary(), summary()),
            |pair, s| {
                let age = u64::try_from(t - s.created).unwrap_or(0);
                // Adding whole seconds to an empty or counting summary cannot fail short
                // of 2^64 values.
                let _ = pair.0.add(age);
                if s.unanswered() {
                    let _ = pair.1.add(age);
                }
            },
        );
        (overall, groups.into_iter().collect())
    }

    /// Empty censorings, binned as the tracker's summaries.
    pub(crate) fn waiting_template(&self) -> Waiting {
        let c = &self.config.summary;
        let sketch =
            QuantileSketch::with_max_bins(c.relative_accuracy, c.max_bins).unwrap_or_default();
        Waiting {
            response: sketch.clone(),
            resolution: sketch.clone(),
            business_response: sketch.clone(),
            business_resolution: sketch,
        }
    }

    /// The tickets still waiting at Unix second `t`, overall and per group.
    pub(crate) fn waiting_at(&self, t: i64) -> (Waiting, HashMap<G::Key, Waiting, FastHash>) {
        let template = self.waiting_template();
        self.walk_open(
            || template.clone(),
            |w, s| w.add(s, t, self.clock_for(s.calendar)),
        )
    }
}
