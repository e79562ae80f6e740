//! Grouping by tag as tags stand (`ByTag`): a tag added to or removed from an unsolved
//! ticket moves its figures, as a reassignment does; a solved ticket stays filed under the
//! tags it was solved with until it is reopened. Worked by hand; Monday 2025-03-03, UTC.

mod common;

use chrono::{DateTime, TimeZone, Utc};
use csm_metrics::metrics::tickets::{
    ByTag, LifecycleSnapshot, TicketTracker, TrackerConfig, TrackerSnapshot,
};
use csm_metrics::*;
use proptest::prelude::*;

fn at(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 3, h, m, 0).unwrap()
}

fn tag(id: u64, when: DateTime<Utc>, name: &str, add: bool) -> Interaction {
    let t = TagId::named(name);
    let change = if add {
        FieldChange::TagAdded(t)
    } else {
        FieldChange::TagRemoved(t)
    };
    Interaction::field(TicketId(id), when, change)
}

fn ticket(id: u64, tags: &[&str]) -> Ticket {
    let mut t = Ticket::new(TicketId(id), at(9, 0), CustomerId(id));
    t.tags = tags.iter().map(|s| s.to_string()).collect();
    t
}

fn run(tickets: &[Ticket], events: &[Interaction], config: TrackerConfig) -> TicketTracker<ByTag> {
    let mut tr = TicketTracker::new(config, ByTag).unwrap();
    for t in tickets {
        tr.observe_ticket(t).unwrap();
    }
    for e in events {
        tr.observe_interaction(e).unwrap();
    }
    tr
}

/// A figure of a tag's group (0 where there is no such group).
fn of(s: &TrackerSnapshot<TagId>, name: &str, f: fn(&LifecycleSnapshot) -> u64) -> u64 {
    s.groups.0.get(&TagId::named(name)).map_or(0, f)
}

fn responses(s: &TrackerSnapshot<TagId>, name: &str) -> u64 {
    of(s, name, |g| g.first_response.count)
}

fn resolutions(s: &TrackerSnapshot<TagId>, name: &str) -> u64 {
    of(s, name, |g| g.full_resolution.count)
}

fn mean_response(s: &TrackerSnapshot<TagId>, name: &str) -> Option<f64> {
    s.groups.0.get(&TagId::named(name))?.first_response.mean
}

/// Ticket 1 (created `vip`) and ticket 2 (no tag) get `billing` at 09:30; they are
/// answered at 10:00 (1 h) and 10:30 (1.5 h); ticket 1 loses `vip` at 11:00; both are
/// solved at 12:00.
fn unsolved_history() -> (Vec<Ticket>, Vec<Interaction>) {
    let tickets = vec![ticket(1, &["vip"]), ticket(2, &[])];
    let events = vec![
        tag(1, at(9, 30), "billing", true),
        tag(2, at(9, 30), "billing", true),
        Interaction::agent_reply(TicketId(1), at(10, 0), AgentId(7)),
        Interaction::agent_reply(TicketId(2), at(10, 30), AgentId(7)),
        tag(1, at(11, 0), "vip", false),
        Interaction::status(TicketId(1), at(12, 0), Status::Solved),
        Interaction::status(TicketId(2), at(12, 0), Status::Solved),
    ];
    (tickets, events)
}

#[test]
fn a_tag_added_or_removed_moves_an_unsolved_tickets_figures() {
    let (tickets, events) = unsolved_history();
    let s = run(&tickets, &events, TrackerConfig::default()).snapshot_at(at(13, 0));
    assert_eq!(responses(&s, "billing"), 2);
    assert_eq!(mean_response(&s, "billing"), Some(4_500.0));
    assert_eq!(resolutions(&s, "billing"), 2);
    assert_eq!(
        s.groups.0[&TagId::named("billing")].full_resolution.mean,
        Some(3.0 * 3_600.0)
    );
    // Ticket 1 left `vip` before its solve: nothing of it stays there.
    assert_eq!(responses(&s, "vip"), 0);
    assert_eq!(resolutions(&s, "vip"), 0);
    assert_eq!(of(&s, "vip", |g| g.tickets), 0);
    assert_eq!(s.overall.first_response.count, 2);
    // Before the removal, ticket 1 was in both groups.
    let early = run(&tickets, &events[..4], TrackerConfig::default()).snapshot_at(at(10, 45));
    assert_eq!(responses(&early, "vip"), 1);
    assert_eq!(responses(&early, "billing"), 2);
}

/// Ticket 3 (created `vip`) is answered at 10:00 and solved at 11:00; at 11:30 it loses
/// `vip` and gets `billing`; a customer reopens it at 12:00.
fn solved_history() -> (Vec<Ticket>, Vec<Interaction>) {
    let tickets = vec![ticket(3, &["vip"])];
    let events = vec![
        Interaction::agent_reply(TicketId(3), at(10, 0), AgentId(7)),
        Interaction::status(TicketId(3), at(11, 0), Status::Solved),
        tag(3, at(11, 30), "vip", false),
        tag(3, at(11, 30), "billing", true),
        Interaction::status(TicketId(3), at(12, 0), Status::Open),
    ];
    (tickets, events)
}

#[test]
fn tags_changed_while_solved_take_effect_at_the_reopen() {
    let (tickets, events) = solved_history();
    let solved = run(&tickets, &events[..4], TrackerConfig::default()).snapshot_at(at(11, 45));
    assert_eq!(resolutions(&solved, "vip"), 1);
    assert_eq!(responses(&solved, "vip"), 1);
    assert_eq!(responses(&solved, "billing"), 0);
    let reopened = run(&tickets, &events, TrackerConfig::default()).snapshot_at(at(12, 30));
    assert_eq!(responses(&reopened, "vip"), 0);
    assert_eq!(responses(&reopened, "billing"), 1);
    assert_eq!(mean_response(&reopened, "billing"), Some(3_600.0));
    assert_eq!(of(&reopened, "billing", |g| g.reopen_events), 1);
    // Removed and added back while solved: nothing moves at the reopen.
    let mut back = events.clone();
    back.insert(4, tag(3, at(11, 40), "vip", true));
    back.insert(5, tag(3, at(11, 40), "billing", false));
    let back = run(&tickets, &back, TrackerConfig::default()).snapshot_at(at(12, 30));
    assert_eq!(responses(&back, "vip"), 1);
    assert_eq!(responses(&back, "billing"), 0);
}

#[test]
fn tags_are_the_same_resequenced_and_in_order() {
    let (tickets, mut events) = solved_history();
    let resequence = TrackerConfig {
        resequence: true,
        ..TrackerConfig::default()
    };
    let in_order = run(&tickets, &events, resequence.clone()).snapshot_at(at(12, 30));
    // The tag change arrives after the reopen: re-sequenced into its place.
    let late = events.remove(3);
    events.push(late);
    let late = run(&tickets, &events, resequence).snapshot_at(at(12, 30));
    assert_eq!(late.groups, in_order.groups);
    assert_eq!(responses(&late, "billing"), 1);
}

#[cfg(feature = "serde")]
#[test]
fn a_saved_tracker_keeps_tags_and_those_waiting_for_a_reopen() {
    let (tickets, events) = solved_history();
    let whole = run(&tickets, &events, TrackerConfig::default()).snapshot_at(at(12, 30));
    let part = run(&tickets, &events[..4], TrackerConfig::default());
    let json = serde_json::to_string(&part.save()).unwrap();
    let saved = serde_json::from_str(&json).unwrap();
    let mut resumed = TicketTracker::restore(TrackerConfig::default(), ByTag, saved).unwrap();
    resumed.observe_interaction(&events[4]).unwrap();
    assert_eq!(resumed.snapshot_at(at(12, 30)).groups, whole.groups);
}

/// A tracker by tag fed hostile records (refusals ignored: the laws compare what was taken).
fn by_tag(
    records: &[(u64, i64, Option<InteractionKind>)],
    config: &TrackerConfig,
) -> TicketTracker<ByTag> {
    let mut tr = TicketTracker::new(config.clone(), ByTag).unwrap();
    common::feed_records(records, at(9, 0), |r| {
        let _ = match r {
            common::Fed::Ticket(mut t) => {
                // Every third ticket is created with a tag.
                if t.id.0 % 3 == 0 {
                    t.tags = vec![common::TAGS[0].to_string()];
                }
                tr.observe_ticket(&t)
            }
            common::Fed::Interaction(i) => tr.observe_interaction(&i),
        };
    });
    tr
}

/// A group with no figure (a ticket moved out of it; a restart can leave one where one
/// pass made none).
fn empty(g: &LifecycleSnapshot) -> bool {
    [
        g.tickets,
        g.answered,
        g.unanswered,
        g.solved,
        g.backlog,
        g.first_response.count,
        g.full_resolution.count,
        g.solve_events,
        g.reopen_events,
        g.closed_unresolved,
    ]
    .iter()
    .all(|n| *n == 0)
}

/// The same groups with figures, equal but for extremes.
fn same_groups(a: &TrackerSnapshot<TagId>, b: &TrackerSnapshot<TagId>) -> bool {
    let kept = |s: &TrackerSnapshot<TagId>| -> Vec<(TagId, LifecycleSnapshot)> {
        (s.groups.0.iter())
            .filter(|(_, g)| !empty(g))
            .map(|(k, g)| (*k, g.clone()))
            .collect()
    };
    let (a, b) = (kept(a), kept(b));
    a.len() == b.len()
        && a.iter()
            .zip(&b)
            .all(|(x, y)| x.0 == y.0 && common::same_but_extremes(&x.1, &y.1))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(common::cases(256)))]

    /// By tag (tags added and removed, created with some): shards merge into one pass, a
    /// late event put in its place gives the in-order figures, and a save restores them.
    #[test]
    fn tag_groups_obey_the_laws(records in common::records(), shards in 1u64..4, shuffle in any::<u64>()) {
        let config = TrackerConfig::default();
        let end = at(9, 0) + chrono::TimeDelta::days(2);
        let whole = by_tag(&records, &config).snapshot_at(end);
        let mut merged = TicketTracker::new(config.clone(), ByTag).unwrap();
        for k in 0..shards {
            let part: Vec<_> = records.iter().filter(|r| r.0 % shards == k).copied().collect();
            merged.merge_shard(&by_tag(&part, &config)).unwrap();
        }
        prop_assert!(same_groups(&whole, &merged.snapshot_at(end)));
        let late = TrackerConfig { resequence: true, ..config.clone() };
        let shuffled = common::webhook_order(&records, shuffle);
        let resequenced = by_tag(&shuffled, &late).snapshot_at(end);
        let in_order = by_tag(&records, &late).snapshot_at(end);
        prop_assert!(same_groups(&resequenced, &in_order));
        prop_assert!(same_groups(&in_order, &whole));
    }
}
