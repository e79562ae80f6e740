//! The Freshdesk reader on a hand-made export (tests/data/freshdesk_hand), figures worked
//! out by hand below, with the ticket activities export and without it.

use std::path::{Path, PathBuf};

use csm_metrics::metrics::tickets::{ByTeam, TicketTracker};
use csm_metrics::{Calculator, TeamId};
use csm_metrics_io::freshdesk::Freshdesk;
use csm_metrics_io::history::ReadOptions;
use csm_metrics_io::{ImportReport, Rejection, Rule, Table};

fn data() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/freshdesk_hand")
}

fn read(dir: &Path, shards: usize) -> (TicketTracker<ByTeam>, ImportReport) {
    let export = Freshdesk::open(dir).unwrap();
    let options = ReadOptions {
        shards,
        ..ReadOptions::default()
    };
    let (trackers, report, groups) = export
        .read_tickets(&options, |_| TicketTracker::<ByTeam>::default())
        .unwrap();
    assert_eq!(groups.get(100), Some("Billing, EU"));
    let mut all = TicketTracker::<ByTeam>::default();
    for t in &trackers {
        all.merge(t).unwrap();
    }
    (all, report)
}

fn rejected(report: &ImportReport, table: &'static str, rule: Rule) -> u64 {
    let key = Rejection {
        table: Table::Source(table),
        rule,
    };
    report.rejected.get(&key).copied().unwrap_or(0)
}

// With the activities export, by hand:
// Ticket 1 (group 100, created 09:00, open): reply 09:30 (pending), the customer 10:00
// (open), a private note 10:10 and a public note 10:15 (notes are never replies), reply
// 10:20 (resolved). First reply 1,800 s; next reply 10:00 → 10:20 = 1,200 s; resolution
// 4,800 s; new/open 09:00–09:30 + 10:00–10:20 = 3,000 s of requester wait and agent work;
// pending 1,800 s of agent wait; 2 replies.
// Ticket 2 (group 200, outbound email by agent 11 at 10:00: no first reply time): the
// customer 11:00, reply 11:15 (resolved), the customer 12:00 (open: a reopen), reply 12:30
// (resolved), closed 5 March. Next reply 12:00 → 12:30 = 1,800 s (11:00 came before any
// reply); first resolution 4,500 s, full 9,000 s; open 10:00–11:15 + 12:00–12:30 = 6,300 s;
// 2 replies; 1 reopen.
// Ticket 3: spam, in no figure. Turned away: a conversation without a ticket, the status
// "Archived".
#[test]
fn with_the_activities_export_the_figures_are_exact() {
    for shards in [1, 2] {
        let (t, report) = read(&data(), shards);
        let s = t.snapshot();
        let o = &s.overall;
        assert_eq!(o.tickets, 2);
        assert_eq!(o.first_response.count, 1);
        assert_eq!(o.first_response.mean, Some(1_800.0));
        assert_eq!(o.next_reply.mean, Some((1_200.0 + 1_800.0) / 2.0));
        assert_eq!(o.first_resolution.mean, Some((4_800.0 + 4_500.0) / 2.0));
        assert_eq!(o.full_resolution.mean, Some((4_800.0 + 9_000.0) / 2.0));
        assert_eq!(o.requester_wait.mean, Some((3_000.0 + 6_300.0) / 2.0));
        assert_eq!(o.agent_wait.mean, Some(900.0));
        assert_eq!(o.reopen_events, 1);
        assert_eq!(o.replies_per_resolution, Some(2.0));
        assert_eq!(
            s.groups[&Some(TeamId(100))].full_resolution.mean,
            Some(4_800.0)
        );
        assert_eq!(
            s.groups[&Some(TeamId(200))].full_resolution.mean,
            Some(9_000.0)
        );
        assert_eq!(report.rows_of(Table::Source("tickets")), 3);
        assert_eq!(report.rows_of(Table::Source("conversations")), 10);
        assert_eq!(report.rows_of(Table::Source("ticket_activities")), 11);
        assert_eq!(
            rejected(&report, "conversations", Rule::BadTicketIdOrInstant),
            1
        );
        assert_eq!(
            rejected(&report, "ticket_activities", Rule::UnknownStatus),
            1
        );
        assert_eq!(report.rejected_total(), 2);
    }
}

// Without the activities export, from `stats` (the latest of each instant only):
// ticket 1 is new from 09:00 to its resolution at 10:20 (the pending period is not in
// `stats` once over): requester wait = agent work = 4,800 s, no agent wait. Ticket 2's
// first solve (11:15) is not in `stats`: open from 10:00 (its reopen at 12:00 is a move
// from new to open) to the solve at 12:30: first = full resolution = 9,000 s, requester
// wait 9,000 s, no reopen.
#[test]
fn without_it_the_statuses_come_from_stats() {
    let dir = tempfile::tempdir().unwrap();
    for f in [
        "agents.json",
        "groups.json",
        "tickets.json",
        "tickets-spam.jsonl",
        "conversations.json",
    ] {
        std::fs::copy(data().join(f), dir.path().join(f)).unwrap();
    }
    let (t, report) = read(dir.path(), 2);
    let o = t.snapshot().overall;
    assert_eq!(o.tickets, 2);
    assert_eq!(o.first_response.mean, Some(1_800.0));
    assert_eq!(o.first_resolution.mean, Some((4_800.0 + 9_000.0) / 2.0));
    assert_eq!(o.full_resolution.mean, Some((4_800.0 + 9_000.0) / 2.0));
    assert_eq!(o.requester_wait.mean, Some((4_800.0 + 9_000.0) / 2.0));
    assert_eq!(o.agent_wait.mean, Some(0.0));
    assert_eq!(o.reopen_events, 0);
    assert_eq!(report.rows_of(Table::Source("ticket_activities")), 0);
}

#[test]
fn a_missing_resource_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tickets.json"), "[]").unwrap();
    let e = Freshdesk::open(dir.path()).unwrap_err().to_string();
    assert!(e.contains("no agents table"), "{e}");
}

#[test]
fn hostile_json_is_counted_never_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    for f in [
        "agents.json",
        "groups.json",
        "tickets.json",
        "tickets-spam.jsonl",
        "conversations.json",
        "ticket_activities.json",
    ] {
        std::fs::copy(data().join(f), dir.path().join(f)).unwrap();
    }
    let cut = std::fs::read(data().join("conversations.json")).unwrap();
    std::fs::write(
        dir.path().join("conversations-2.json"),
        &cut[..cut.len() / 3],
    )
    .unwrap();
    std::fs::write(
        dir.path().join("ticket_activities-2.jsonl"),
        "{\"ticket_id\": 1, \"activity\": {\"status\": \"Open\"}}\n\u{1}\u{2}\n\"text\"\n",
    )
    .unwrap();
    let (t, report) = read(dir.path(), 2);
    assert_eq!(rejected(&report, "conversations", Rule::NotJson), 1);
    // No instant; a line that is not JSON; JSON that is not an object.
    assert_eq!(
        rejected(&report, "ticket_activities", Rule::BadTicketIdOrInstant),
        1
    );
    assert_eq!(rejected(&report, "ticket_activities", Rule::NotJson), 2);
    assert_eq!(
        t.snapshot().overall.full_resolution.mean,
        Some((4_800.0 + 9_000.0) / 2.0)
    );
}

// By hand: 9001 extremely happy (103 → 7; a copy updated earlier is superseded), 9002
// neutral (100 → 4; other questions are not the CSAT), 9003 very unhappy (−102 → 2); 9004's
// 7 is not a Freshdesk rating. Satisfied (5..=7): 1 of 3; mean (7 + 4 + 2) / 3.
#[test]
fn satisfaction_ratings_are_seven_point_csat() {
    let export = Freshdesk::open(data()).unwrap();
    let mut report = ImportReport::default();
    let suite = export.read_surveys(&mut report).unwrap();
    let csat = suite.snapshot().csat;
    assert_eq!(csat.responses, 3);
    assert_eq!(csat.satisfied, 1);
    assert_eq!(csat.distribution, vec![0, 1, 0, 1, 0, 0, 1]);
    let mean = csat.mean.unwrap().mean;
    assert!((mean - 13.0 / 3.0).abs() < 1e-12, "{mean}");
    assert_eq!(report.rows_of(Table::Source("satisfaction_ratings")), 5);
    assert_eq!(
        rejected(&report, "satisfaction_ratings", Rule::Superseded),
        1
    );
    assert_eq!(
        rejected(&report, "satisfaction_ratings", Rule::BadInstantOrScore),
        1
    );
}
