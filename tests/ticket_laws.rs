//! Laws of the ticket tracker on generated histories: interleaving, shard merge, and the
//! merge laws of its aggregates.

use csm_metrics::metrics::tickets::{ByAssignee, ByTeam, TicketGrouping, TicketTracker};
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

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

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
