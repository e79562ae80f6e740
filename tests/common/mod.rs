//! Shared by the property suites.

/// Cases per property: `default`, or `PROPTEST_CASES` when set (the long run: e.g.
/// `PROPTEST_CASES=20000 cargo test --release --all-features`).
#[allow(dead_code)]
pub fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Equal but for minima and maxima, which are within α = 1 % of each other (a streaming
/// aggregate that retracted an extreme reports the sketch's value for it).
#[allow(dead_code)]
pub fn same_but_extremes(
    a: &csm_metrics::metrics::tickets::LifecycleSnapshot,
    b: &csm_metrics::metrics::tickets::LifecycleSnapshot,
) -> bool {
    fn strip(
        mut s: csm_metrics::metrics::tickets::LifecycleSnapshot,
    ) -> (
        csm_metrics::metrics::tickets::LifecycleSnapshot,
        Vec<Option<f64>>,
    ) {
        let mut extremes = Vec::new();
        let mut summaries = vec![
            &mut s.first_response,
            &mut s.next_reply,
            &mut s.first_resolution,
            &mut s.full_resolution,
            &mut s.cycle_resolution,
            &mut s.requester_wait,
            &mut s.agent_work,
            &mut s.agent_wait,
            &mut s.on_hold,
        ];
        if let Some(b) = s.business.as_mut() {
            summaries.extend([
                &mut b.first_response,
                &mut b.first_resolution,
                &mut b.full_resolution,
                &mut b.requester_wait,
                &mut b.agent_work,
                &mut b.agent_wait,
                &mut b.on_hold,
            ]);
        }
        if let Some(h) = s.handling.as_mut() {
            summaries.extend([
                &mut h.first_assignment,
                &mut h.unassigned,
                &mut h.assignment_to_reply,
            ]);
            summaries.extend(h.statuses.iter_mut().map(|t| &mut t.time));
            summaries.extend(
                h.credited
                    .iter_mut()
                    .flat_map(|c| [&mut c.first_response, &mut c.next_reply]),
            );
        }
        for d in summaries {
            extremes.push(d.min.take());
            extremes.push(d.max.take());
        }
        (s, extremes)
    }
    let ((a, ea), (b, eb)) = (strip(a.clone()), strip(b.clone()));
    let close = ea.iter().zip(&eb).all(|(x, y)| match (x, y) {
        (Some(x), Some(y)) => (x - y).abs() <= 0.01 * x.abs().max(y.abs()) + 1e-9,
        (None, None) => true,
        _ => false,
    });
    a == b && close
}

/// Equal but for minima and maxima of the summaries, within α = 1 %.
#[allow(dead_code)]
pub fn same_targets(
    a: &[csm_metrics::metrics::sla::TargetSnapshot],
    b: &[csm_metrics::metrics::sla::TargetSnapshot],
) -> bool {
    let strip = |t: &csm_metrics::metrics::sla::TargetSnapshot| {
        let mut t = t.clone();
        let e = [
            t.breach_by.min.take(),
            t.breach_by.max.take(),
            t.spare.min.take(),
            t.spare.max.take(),
        ];
        (t, e)
    };
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| {
            let ((x, ex), (y, ey)) = (strip(x), strip(y));
            x == y
                && ex.iter().zip(&ey).all(|(p, q)| match (p, q) {
                    (Some(p), Some(q)) => (p - q).abs() <= 0.01 * p.abs().max(q.abs()) + 1e-9,
                    (None, None) => true,
                    _ => false,
                })
        })
}

use csm_metrics::{
    AgentId, Author, CustomStatus, CustomerId, FieldChange, FieldId, Interaction, InteractionKind,
    Priority, Status, StatusCategory, StatusId, TagId, TeamId, Ticket, TicketId, ValueId,
    Visibility,
};
use proptest::prelude::*;

/// Any interaction a hostile feed sends: messages by anyone, public or not; assignments;
/// every status, merges into any of a few tickets.
#[allow(dead_code)]
pub fn interaction_kind() -> impl Strategy<Value = InteractionKind> {
    prop_oneof![
        3 => (0u8..3, any::<bool>(), 0u64..4).prop_map(|(who, public, agent)| {
            InteractionKind::Message {
                author: match who {
                    0 => Author::Agent(AgentId(agent)),
                    1 => Author::Customer,
                    _ => Author::Automation,
                },
                visibility: if public {
                    Visibility::Public
                } else {
                    Visibility::Internal
                },
            }
        }),
        1 => (proptest::option::of(0u64..4), proptest::option::of(0u64..3)).prop_map(|(a, t)| {
            InteractionKind::Assignment {
                agent: a.map(AgentId),
                team: t.map(TeamId),
            }
        }),
        3 => (0u8..8, 0u64..6).prop_map(|(s, into)| InteractionKind::Status(match s {
            0 => Status::New,
            1 => Status::Open,
            2 => Status::Pending,
            3 => Status::OnHold,
            4 => Status::Solved,
            5 => Status::Closed,
            6 => Status::Merged {
                into: TicketId(into)
            },
            _ => Status::Spam,
        })),
        1 => field_change().prop_map(InteractionKind::Field),
        1 => Just(InteractionKind::BotHandoff),
        1 => (0u8..5, 1u64..3).prop_map(|(c, id)| InteractionKind::Status(Status::Custom(
            CustomStatus::new(StatusId(id), match c {
                0 => StatusCategory::New,
                1 => StatusCategory::Open,
                2 => StatusCategory::Pending,
                3 => StatusCategory::OnHold,
                _ => StatusCategory::Solved,
            })
        ))),
    ]
}

/// The tags field changes add and remove (policies in the tests name them).
#[allow(dead_code)]
pub const TAGS: [&str; 3] = ["vip", "eu", "beta"];

/// Any field change: priority, team and assignee (cleared too), tags, custom fields.
#[allow(dead_code)]
pub fn field_change() -> impl Strategy<Value = FieldChange> {
    prop_oneof![
        (0usize..4).prop_map(|p| FieldChange::Priority(Priority::ALL[p])),
        proptest::option::of(0u64..3).prop_map(|t| FieldChange::Team(t.map(TeamId))),
        proptest::option::of(0u64..4).prop_map(|a| FieldChange::Assignee(a.map(AgentId))),
        (0usize..3).prop_map(|t| FieldChange::TagAdded(TagId::named(TAGS[t]))),
        (0usize..3).prop_map(|t| FieldChange::TagRemoved(TagId::named(TAGS[t]))),
        (0u64..2, proptest::option::of(0u64..3)).prop_map(|(f, v)| FieldChange::Custom {
            field: FieldId(f),
            value: v.map(ValueId),
        }),
    ]
}

/// Hostile records (ticket, second, creation or interaction) for a few tickets, each
/// ticket's events at distinct seconds, one creation each.
#[allow(dead_code)]
pub fn records() -> impl Strategy<Value = Vec<(u64, i64, Option<InteractionKind>)>> {
    proptest::collection::vec(
        (
            0u64..8,
            0i64..50_000,
            proptest::option::weighted(0.85, interaction_kind()),
        ),
        0..120,
    )
    .prop_map(|mut v| {
        v.sort_by_key(|r| (r.0, r.1));
        v.dedup_by_key(|r| (r.0, r.1));
        let mut created = std::collections::HashSet::new();
        v.retain(|r| r.2.is_some() || created.insert(r.0));
        v
    })
}

/// Creations first, each ticket's events shuffled but for its first release and what
/// follows (kept last, in order).
#[allow(dead_code)]
pub fn webhook_order(
    records: &[(u64, i64, Option<InteractionKind>)],
    shuffle: u64,
) -> Vec<(u64, i64, Option<InteractionKind>)> {
    let mut x = shuffle | 1;
    let (mut ticket, mut created, mut released) = (u64::MAX, i64::MAX, false);
    let mut keyed: Vec<_> = records
        .iter()
        .map(|r| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            if r.0 != ticket {
                (ticket, created, released) = (r.0, i64::MAX, false);
            }
            match r.2 {
                None => created = r.1,
                Some(InteractionKind::Status(
                    Status::Closed | Status::Merged { .. } | Status::Spam,
                )) if r.1 > created => released = true,
                _ => {}
            }
            let order = if released { r.1 as u64 } else { x % 7 };
            ((r.2.is_some(), released, order), *r)
        })
        .collect();
    keyed.sort_by_key(|k| k.0);
    keyed.into_iter().map(|k| k.1).collect()
}

/// One of [`records`]: a ticket's creation (in team `id % 3`, requester 1) or an interaction.
#[allow(dead_code)]
pub enum Fed {
    Ticket(Ticket),
    Interaction(Interaction),
}

/// Hands [`records`] (offsets in seconds after `base`) to `f` as tickets and interactions,
/// in their order.
#[allow(dead_code)]
pub fn feed_records(
    records: &[(u64, i64, Option<InteractionKind>)],
    base: chrono::DateTime<chrono::Utc>,
    mut f: impl FnMut(Fed),
) {
    for (id, s, kind) in records {
        let when = base + chrono::TimeDelta::seconds(*s);
        f(match kind {
            None => {
                let mut t = Ticket::new(TicketId(*id), when, CustomerId(1));
                t.team = Some(TeamId(id % 3));
                Fed::Ticket(t)
            }
            Some(kind) => Fed::Interaction(Interaction {
                ticket: TicketId(*id),
                at: when,
                kind: *kind,
            }),
        });
    }
}

/// A tracker by team of `config` fed [`records`] (offsets after `base`), refusals ignored
/// (the laws compare what was taken).
#[allow(dead_code)]
pub fn tracked(
    records: &[(u64, i64, Option<InteractionKind>)],
    base: chrono::DateTime<chrono::Utc>,
    config: &csm_metrics::metrics::tickets::TrackerConfig,
) -> csm_metrics::metrics::tickets::TicketTracker<csm_metrics::metrics::tickets::ByTeam> {
    use csm_metrics::metrics::tickets::{ByTeam, TicketTracker};
    let mut tr = TicketTracker::new(config.clone(), ByTeam).unwrap();
    feed_records(records, base, |r| {
        let _ = match r {
            Fed::Ticket(t) => tr.observe_ticket(&t),
            Fed::Interaction(i) => tr.observe_interaction(&i),
        };
    });
    tr
}
