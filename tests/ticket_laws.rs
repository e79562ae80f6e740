//! Laws of the ticket tracker on generated histories: interleaving, shard merge, and the
//! merge laws of its aggregates.

mod common;

use csm_metrics::metrics::tickets::{
    ByAssignee, ByTeam, Overall, SolvedIn, TicketGrouping, TicketTracker, TrackerConfig,
};
use csm_metrics::*;
use csm_metrics_synth::{Config, Generator, TicketHistory, time_ordered};
use proptest::prelude::*;

fn histories(seed: u64, n: u64) -> Vec<TicketHistory> {
    Generator::new(Config::new(seed, n, 3)).collect()
}

fn by_ticket<G: TicketGrouping>(h: &[TicketHistory], tr: &mut TicketTracker<G>) {
    for t in h {
        tr.observe_ticket(&t.ticket).unwrap();
        for i in &t.interactions {
            tr.observe_interaction(i).unwrap();
        }
    }
}

fn in_time<G: TicketGrouping>(h: &[TicketHistory], tr: &mut TicketTracker<G>) {
    let tickets: std::collections::HashMap<_, _> =
        h.iter().map(|t| (t.ticket.id, &t.ticket)).collect();
    // Creations enter the time order at their instant, before same-instant interactions.
    let mut events: Vec<(
        chrono::DateTime<chrono::Utc>,
        u8,
        Option<Interaction>,
        TicketId,
    )> = h
        .iter()
        .map(|t| (t.ticket.created_at, 0, None, t.ticket.id))
        .collect();
    events.extend(
        time_ordered(h)
            .into_iter()
            .map(|i| (i.at, 1, Some(i), i.ticket)),
    );
    events.sort_by_key(|e| (e.0, e.1));
    for (_, _, i, id) in events {
        match i {
            None => tr.observe_ticket(tickets[&id]).unwrap(),
            Some(i) => tr.observe_interaction(&i).unwrap(),
        }
    }
}

use common::same_but_extremes;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(common::cases(24)))]

    #[test]
    fn interleaved_equals_grouped(seed in any::<u64>(), n in 1u64..400) {
        let h = histories(seed, n);
        let (mut a, mut b) = (TicketTracker::<ByTeam>::default(), TicketTracker::<ByTeam>::default());
        by_ticket(&h, &mut a);
        in_time(&h, &mut b);
        prop_assert_eq!(a.snapshot(), b.snapshot());
        let (mut a, mut b) = (
            TicketTracker::<ByAssignee>::default(),
            TicketTracker::<ByAssignee>::default(),
        );
        by_ticket(&h, &mut a);
        in_time(&h, &mut b);
        prop_assert_eq!(a.snapshot(), b.snapshot());
    }

    #[test]
    fn shards_merge_into_one_pass(seed in any::<u64>(), n in 1u64..400, shards in 1u64..6) {
        let h = histories(seed, n);
        let mut one = TicketTracker::<ByAssignee>::default();
        by_ticket(&h, &mut one);
        let mut parts = vec![TicketTracker::<ByAssignee>::default(); shards as usize];
        for t in &h {
            by_ticket(std::slice::from_ref(t), &mut parts[(t.ticket.id.0 % shards) as usize]);
        }
        // Merge in a different order than the shards' numbering.
        let mut merged = TicketTracker::<ByAssignee>::default();
        for p in parts.iter().rev() {
            merged.merge(p).unwrap();
        }
        prop_assert_eq!(merged.snapshot(), one.snapshot());
        // Default is the identity.
        let mut with_empty = one.clone();
        with_empty.merge(&TicketTracker::default()).unwrap();
        prop_assert_eq!(with_empty.snapshot(), one.snapshot());
    }

    #[test]
    fn solve_windows_partition_the_tickets(seed in any::<u64>(), n in 1u64..300) {
        let h = histories(seed, n);
        let grouping = (ByTeam, SolvedIn::new(Granularity::Day, chrono::Utc));
        let mut windows = TicketTracker::new(TrackerConfig::default(), grouping).unwrap();
        in_time(&h, &mut windows);
        let mut overall = TicketTracker::<Overall>::default();
        by_ticket(&h, &mut overall);
        let (w, o) = (windows.snapshot(), overall.snapshot());
        // The windows partition the tickets: their merge is the one-pass overall figure
        // (counts, rates and means exactly).
        prop_assert_eq!(w.overall.tickets, o.overall.tickets);
        prop_assert_eq!(w.overall.solved, o.overall.solved);
        prop_assert_eq!(w.overall.backlog, o.overall.backlog);
        prop_assert_eq!(w.overall.reopen_distribution, o.overall.reopen_distribution);
        prop_assert_eq!(w.overall.one_touch_rate, o.overall.one_touch_rate);
        prop_assert_eq!(w.overall.first_response.count, o.overall.first_response.count);
        prop_assert_eq!(w.overall.first_response.mean, o.overall.first_response.mean);
        prop_assert_eq!(w.overall.full_resolution.mean, o.overall.full_resolution.mean);
        prop_assert_eq!(w.overall.full_resolution.p90, o.overall.full_resolution.p90);
        // Each ticket is in the window of its latest solve, or under `None` while unsolved:
        // worked out apart from the tracker, from each ticket's own events.
        let mut expected: std::collections::BTreeMap<Option<i64>, u64> = Default::default();
        for t in &h {
            let mut solved_at = None;
            let mut gone = false;
            for i in &t.interactions {
                match i.kind {
                    InteractionKind::Status(Status::Solved) if solved_at.is_none() => {
                        solved_at = Some(i.at.timestamp());
                    }
                    // Closed without a solve: no resolution; merged or spam: no figures.
                    InteractionKind::Status(Status::Closed) if solved_at.is_none() => gone = true,
                    InteractionKind::Status(Status::Merged { .. } | Status::Spam) => gone = true,
                    InteractionKind::Status(
                        Status::New | Status::Open | Status::Pending | Status::OnHold,
                    ) => solved_at = None,
                    _ => {}
                }
                if gone {
                    break;
                }
            }
            if !gone {
                // Unsolved tickets are the backlog under `None`.
                *expected.entry(solved_at.map(|s| s - s.rem_euclid(86_400))).or_default() += 1;
            }
        }
        let mut got: std::collections::BTreeMap<Option<i64>, u64> = Default::default();
        for ((_, window), g) in &w.groups {
            let key = window.map(|d| d.timestamp());
            *got.entry(key).or_default() += if key.is_some() { g.solved } else { g.backlog };
            if key.is_some() {
                prop_assert_eq!(g.backlog, 0);
                prop_assert_eq!(g.full_resolution.count, g.solved);
            } else {
                prop_assert_eq!(g.solved, 0);
            }
        }
        got.retain(|_, v| *v > 0);
        expected.retain(|_, v| *v > 0);
        prop_assert_eq!(got, expected);
    }

    /// Saving mid-stream, serialising, restoring and going on gives the figures of a
    /// tracker that never stopped.
    #[cfg(feature = "serde")]
    #[test]
    fn save_and_restore_mid_stream(seed in any::<u64>(), n in 1u64..200, cut in 0.0f64..1.0) {
        use csm_metrics::metrics::tickets::SavedTracker;
        let h = histories(seed, n);
        let grouping = (ByTeam, SolvedIn::new(Granularity::Day, chrono::Utc));
        let mut whole = TicketTracker::new(TrackerConfig::default(), grouping.clone()).unwrap();
        in_time(&h, &mut whole);
        // The first part of the stream, in time order, then a save.
        let mut events = Vec::new();
        for t in &h {
            events.push((t.ticket.created_at, 0u8, None, t.ticket.clone()));
            for i in &t.interactions {
                events.push((i.at, 1, Some(*i), t.ticket.clone()));
            }
        }
        events.sort_by_key(|e| (e.0, e.1));
        let cut_at = (events.len() as f64 * cut) as usize;
        let mut first = TicketTracker::new(TrackerConfig::default(), grouping.clone()).unwrap();
        let feed = |tr: &mut TicketTracker<_>, part: &[(chrono::DateTime<chrono::Utc>, u8, Option<Interaction>, Ticket)]| {
            for (_, _, i, t) in part {
                match i {
                    None => tr.observe_ticket(t).unwrap(),
                    Some(i) => tr.observe_interaction(i).unwrap(),
                }
            }
        };
        feed(&mut first, &events[..cut_at]);
        let json = serde_json::to_string(&first.save()).unwrap();
        let saved: SavedTracker<_> = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(&saved, &first.save());
        let mut second = TicketTracker::restore(TrackerConfig::default(), grouping, saved).unwrap();
        prop_assert_eq!(second.snapshot(), first.snapshot());
        feed(&mut second, &events[cut_at..]);
        prop_assert_eq!(second.snapshot(), whole.snapshot());
        prop_assert_eq!(second.in_play(), whole.in_play());
    }

    /// With re-sequencing on, any permutation of each ticket's events (a release, close,
    /// merge or spam, still last) gives the figures of the time-ordered stream.
    #[test]
    fn late_events_are_put_in_their_place(seed in any::<u64>(), n in 1u64..150, shuffle in any::<u64>()) {
        let h = histories(seed, n);
        let config = || TrackerConfig { resequence: true, ..TrackerConfig::default() };
        let grouping = (ByTeam, SolvedIn::new(Granularity::Day, chrono::Utc));
        let mut reference = TicketTracker::<ByAssignee>::default();
        let mut late = TicketTracker::new(config(), ByAssignee).unwrap();
        let mut late_windows = TicketTracker::new(config(), grouping.clone()).unwrap();
        let mut windows = TicketTracker::new(TrackerConfig::default(), grouping).unwrap();
        let mut rng = csm_metrics_synth::Rng::new(shuffle);
        let mut resequenced = 0;
        for t in &h {
            // Arrival: the ticket's events shuffled, a releasing event kept last.
            let release = |i: &Interaction| matches!(
                i.kind,
                InteractionKind::Status(Status::Closed | Status::Merged { .. } | Status::Spam)
            );
            let cut = t.interactions.iter().position(release).map_or(t.interactions.len(), |p| p + 1);
            let (mut body, tail) = (t.interactions[..cut].to_vec(), &t.interactions[cut..]);
            let last = body.last().filter(|i| release(i)).copied();
            if last.is_some() {
                body.pop();
            }
            for i in (1..body.len()).rev() {
                body.swap(i, rng.below(i as u64 + 1) as usize);
            }
            let arrival: Vec<Interaction> = body.iter().copied().chain(last).chain(tail.iter().copied()).collect();
            // The reference: the arrival stably sorted by time (same-second events keep
            // their arrival order), in order.
            let mut ordered = arrival.clone();
            ordered.sort_by_key(|i| i.at);
            reference.observe_ticket(&t.ticket).unwrap();
            windows.observe_ticket(&t.ticket).unwrap();
            for i in &ordered {
                let _ = reference.observe_interaction(i);
                let _ = windows.observe_interaction(i);
            }
            late.observe_ticket(&t.ticket).unwrap();
            late_windows.observe_ticket(&t.ticket).unwrap();
            for i in &arrival {
                let _ = late.observe_interaction(i);
                let _ = late_windows.observe_interaction(i);
            }
            resequenced += arrival.windows(2).filter(|w| w[1].at < w[0].at).count();
        }
        // Minimum and maximum are exact unless a value was retracted (then the sketch's,
        // within α): a late event retracts the figures it corrects.
        let (a, b) = (late.snapshot(), reference.snapshot());
        prop_assert!(same_but_extremes(&a.overall, &b.overall));
        prop_assert_eq!(a.groups.len(), b.groups.len());
        for (k, g) in &a.groups {
            prop_assert!(same_but_extremes(g, &b.groups[k]), "group {:?}", k);
        }
        prop_assert_eq!(a.ingest.offered(), b.ingest.offered());
        prop_assert_eq!(a.ingest.rejected, b.ingest.rejected);
        prop_assert!(resequenced == 0 || a.ingest.resequenced > 0);
        let (a, b) = (late_windows.snapshot(), windows.snapshot());
        prop_assert!(same_but_extremes(&a.overall, &b.overall));
        for (k, g) in &a.groups {
            prop_assert!(same_but_extremes(g, &b.groups[k]), "group {:?}", k);
        }
        // A saved state keeps the events, so a restored tracker re-sequences too.
        #[cfg(feature = "serde")]
        {
            let saved = late.save();
            let back = TicketTracker::restore(config(), ByAssignee, saved).unwrap();
            prop_assert_eq!(back.snapshot(), late.snapshot());
        }
    }

    #[test]
    fn eviction_changes_no_figure(seed in any::<u64>(), n in 1u64..300) {
        let h = histories(seed, n);
        let mut tr = TicketTracker::<ByTeam>::default();
        by_ticket(&h, &mut tr);
        let before = tr.snapshot();
        let far = chrono::DateTime::<chrono::Utc>::MAX_UTC;
        tr.evict_solved_before(far);
        let after = tr.snapshot();
        prop_assert_eq!(before.overall, after.overall);
        prop_assert_eq!(before.groups, after.groups);
        prop_assert_eq!(before.ingest.offered(), after.ingest.offered());
    }
}

#[test]
fn every_generated_record_is_accepted() {
    let h = histories(11, 5_000);
    let mut tr = TicketTracker::<ByTeam>::default();
    by_ticket(&h, &mut tr);
    let offered: usize = h.iter().map(|t| 1 + t.interactions.len()).sum();
    let ingest = tr.ingest();
    assert_eq!(ingest.offered(), offered as u64);
    assert!(ingest.rejected.is_empty());
    // With no merges, every ticket that is not spam is solved, in the backlog, or closed
    // unresolved; spam tickets left every figure.
    let s = tr.snapshot();
    let spam = h
        .iter()
        .filter(|t| {
            t.interactions
                .iter()
                .any(|i| matches!(i.kind, InteractionKind::Status(Status::Spam)))
        })
        .count() as u64;
    assert_eq!(s.overall.tickets, 5_000 - spam);
    assert_eq!(
        s.overall.solved + s.overall.backlog + s.overall.closed_unresolved,
        s.overall.tickets
    );
}

#[test]
fn shards_configured_differently_do_not_merge() {
    let h = histories(5, 20);
    let mut a = TicketTracker::<ByTeam>::default();
    by_ticket(&h[..10], &mut a);
    let config = TrackerConfig {
        resolution_target: 3_600,
        ..TrackerConfig::default()
    };
    let mut b = TicketTracker::new(config, ByTeam).unwrap();
    by_ticket(&h[10..], &mut b);
    let before = a.snapshot();
    let err = a.merge(&b).unwrap_err().to_string();
    assert!(err.contains("different summaries or targets"), "{err}");
    assert_eq!(a.snapshot(), before, "a failed merge changes nothing");
    // An empty tracker, whatever its configuration, is the identity.
    a.merge(
        &TicketTracker::new(
            TrackerConfig {
                resolution_target: 1,
                ..TrackerConfig::default()
            },
            ByTeam,
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(a.snapshot(), before);
}

/// Fuzzing finding (fuzz/ tracker, empty input): an empty tracker with a business calendar
/// merged into a default one lost its business-time section, so `Default` was not the
/// identity. An empty tracker now takes the other's configuration.
#[test]
fn default_is_the_identity_for_an_empty_configured_tracker() {
    let calendar = BusinessCalendar::builder(chrono::Utc)
        .open_weekdays(DayTime::hm(9, 0), DayTime::hm(17, 0))
        .build()
        .unwrap();
    let config = TrackerConfig {
        calendar: Some(std::sync::Arc::new(calendar)),
        ..TrackerConfig::default()
    };
    let empty = TicketTracker::new(config, ByTeam).unwrap();
    let mut merged = TicketTracker::<ByTeam>::default();
    merged.merge(&empty).unwrap();
    assert_eq!(merged.snapshot(), empty.snapshot());
    assert!(merged.snapshot().overall.business.is_some());
    let mut other_way = empty.clone();
    other_way.merge(&TicketTracker::default()).unwrap();
    assert_eq!(other_way.snapshot(), empty.snapshot());
}

/// Property-test finding (shards_merge_into_one_pass, seed 6227267617882145898): a group
/// emptied by moves (a reassigned ticket's figures retracted) was skipped as empty when
/// shards merged, losing the extremes it remembered, so the merged minimum was exact where
/// one pass gave the sketch's. An emptied state now merges like any other.
#[test]
fn an_emptied_group_still_merges() {
    let h = histories(6_227_267_617_882_145_898, 180);
    let mut one = TicketTracker::<ByAssignee>::default();
    by_ticket(&h, &mut one);
    let mut parts = vec![TicketTracker::<ByAssignee>::default(); 2];
    for t in &h {
        by_ticket(
            std::slice::from_ref(t),
            &mut parts[(t.ticket.id.0 % 2) as usize],
        );
    }
    let mut merged = TicketTracker::<ByAssignee>::default();
    for p in parts.iter().rev() {
        merged.merge(p).unwrap();
    }
    assert_eq!(merged.snapshot(), one.snapshot());
}

/// Calendars by team: each ticket's business time is counted on the calendar of the team
/// it was created with. The tracker's figures equal those of one tracker per team (each on
/// that team's calendar) fed that team's tickets, merged; and in calendar time nothing
/// changes.
#[test]
fn each_team_counts_business_time_on_its_own_calendar() {
    use std::collections::BTreeMap;
    use std::sync::Arc;
    let h = histories(3, 600);
    let new_york = || -> Arc<dyn BusinessClock> {
        Arc::new(
            BusinessCalendar::builder(chrono_tz::America::New_York)
                .open_weekdays(DayTime::hm(9, 0), DayTime::hm(17, 0))
                .years(2024, 2026)
                .build()
                .unwrap(),
        )
    };
    let sydney = || -> Arc<dyn BusinessClock> {
        Arc::new(
            BusinessCalendar::builder(chrono_tz::Australia::Sydney)
                .open_weekdays(DayTime::hm(8, 0), DayTime::hm(20, 0))
                .open(chrono::Weekday::Sat, DayTime::hm(10, 0), DayTime::hm(14, 0))
                .years(2024, 2026)
                .build()
                .unwrap(),
        )
    };
    let utc = || -> Arc<dyn BusinessClock> {
        Arc::new(
            BusinessCalendar::builder(chrono::Utc)
                .open_weekdays(DayTime::hm(0, 0), DayTime::END_OF_DAY)
                .years(2024, 2026)
                .build()
                .unwrap(),
        )
    };
    let config = TrackerConfig {
        calendar: Some(utc()),
        team_calendars: BTreeMap::from([(TeamId(1), new_york()), (TeamId(2), sydney())]),
        ..TrackerConfig::default()
    };
    let mut all = TicketTracker::new(config, Overall).unwrap();
    by_ticket(&h, &mut all);

    let mut merged: Option<csm_metrics::metrics::tickets::TicketLifecycle> = None;
    for (team, calendar) in [(1, new_york()), (2, sydney()), (3, utc())] {
        let config = TrackerConfig {
            calendar: Some(calendar),
            ..TrackerConfig::default()
        };
        let mut one = TicketTracker::new(config, Overall).unwrap();
        let mine: Vec<_> = h
            .iter()
            .filter(|t| t.ticket.team == Some(TeamId(team)))
            .cloned()
            .collect();
        assert!(!mine.is_empty());
        by_ticket(&mine, &mut one);
        match &mut merged {
            None => merged = Some(one.overall()),
            Some(m) => m.merge(&one.overall()).unwrap(),
        }
    }
    let at = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2025, 6, 1, 0, 0, 0).unwrap();
    let want = merged.unwrap().snapshot_at(at.timestamp());
    // The aggregates (the tracker's snapshot adds the censoring-aware figures, which only
    // a tracker's tickets in play can give).
    let got = all.overall().snapshot_at(at.timestamp());
    assert_eq!(got, want);
    assert!(
        all.snapshot_at(at)
            .overall
            .business
            .unwrap()
            .full_resolution_survival
            .is_some()
    );
    let business = got.business.unwrap();
    assert_eq!(business.full_resolution.count, got.solved);
    // The calendar-time figures do not depend on calendars.
    let mut plain = TicketTracker::<Overall>::default();
    by_ticket(&h, &mut plain);
    let p = plain.snapshot_at(at).overall;
    assert_eq!(
        (p.full_resolution, p.first_response),
        (got.full_resolution, got.first_response)
    );
}

/// Every ticket snapshot a dashboard reads goes through `serde_json` and back: groups keyed
/// by an absent team, by a pair of a team and a cohort window, ages, SLA figures per team.
#[cfg(feature = "serde")]
mod snapshots_in_json {
    use super::*;
    use csm_metrics::metrics::sla::{
        Basis, Policy, SlaMetric, SlaPolicies, SlaSnapshot, SlaTracker, Target,
    };
    use csm_metrics::metrics::tickets::{AgesSnapshot, CreatedIn, TrackerSnapshot};

    fn round_trip<T>(value: &T) -> T
    where
        T: serde::Serialize + serde::de::DeserializeOwned,
    {
        let json = serde_json::to_string(value).unwrap();
        serde_json::from_str(&json).unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(common::cases(24)))]

        #[test]
        fn every_ticket_snapshot_round_trips(seed in any::<u64>(), n in 1u64..200) {
            let h = histories(seed, n);
            let mut by_team = TicketTracker::<ByTeam>::default();
            by_ticket(&h, &mut by_team);
            let mut cohorts = TicketTracker::<(ByTeam, CreatedIn)>::default();
            by_ticket(&h, &mut cohorts);
            let (a, b) = (by_team.snapshot(), cohorts.snapshot());
            prop_assert_eq!(&round_trip::<TrackerSnapshot<Option<TeamId>>>(&a), &a);
            prop_assert_eq!(&round_trip(&b), &b);
            let ages = by_team.ages_at(a.as_of);
            prop_assert_eq!(&round_trip::<AgesSnapshot<Option<TeamId>>>(&ages), &ages);
            let policies = SlaPolicies::new(
                vec![Policy::all("p", vec![Target::new(SlaMetric::FirstReply, 3_600, Basis::Calendar)])],
                None,
            ).unwrap();
            let mut sla = SlaTracker::with_grouping(policies, ByTeam);
            for t in &h {
                sla.observe_ticket(&t.ticket).unwrap();
                for i in &t.interactions {
                    sla.observe_interaction(i).unwrap();
                }
            }
            let s = sla.snapshot();
            prop_assert_eq!(&round_trip::<SlaSnapshot<Option<TeamId>>>(&s), &s);
        }
    }
}
