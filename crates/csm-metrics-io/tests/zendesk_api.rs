//! The Zendesk API reader on a hand-made export: the export of the Fivetran test in the
//! API's shapes (pages, JSON lines, child events as keys or as `field_name`/`value`), so
//! the hand-worked figures of `tests/zendesk_fivetran.rs` hold here too.

use std::path::PathBuf;

use csm_metrics::metrics::tickets::{ByTeam, OutboundReplies, TicketTracker, TrackerConfig};
use csm_metrics::{Calculator, TeamId};
use csm_metrics_io::history::ReadOptions;
use csm_metrics_io::zendesk::api::ApiExport;
use csm_metrics_io::{ImportReport, Rejection, Rule, Table};

fn data(dir: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(dir)
}

fn read(
    dir: &std::path::Path,
    config: TrackerConfig,
    shards: usize,
) -> (TicketTracker<ByTeam>, ImportReport) {
    let export = ApiExport::open(dir).unwrap();
    let options = ReadOptions {
        shards,
        ..ReadOptions::default()
    };
    let (trackers, report, _) = export
        .read_tickets(&options, |_| {
            TicketTracker::new(config.clone(), ByTeam).unwrap()
        })
        .unwrap();
    let mut all = TicketTracker::<ByTeam>::default();
    for t in &trackers {
        all.merge(t).unwrap();
    }
    (all, report)
}

fn rejected(report: &ImportReport, rule: Rule) -> u64 {
    let key = Rejection {
        table: Table::Source("ticket_events"),
        rule,
    };
    report.rejected.get(&key).copied().unwrap_or(0)
}

#[test]
fn the_api_shapes_give_the_hand_worked_figures() {
    for shards in [1, 2] {
        let (t, report) = read(&data("zendesk_api_hand"), TrackerConfig::default(), shards);
        let s = t.snapshot();
        let o = &s.overall;
        assert_eq!(o.tickets, 2);
        assert_eq!(o.first_response.mean, Some(1_800.0));
        assert_eq!(o.next_reply.mean, Some((1_200.0 + 900.0 + 1_800.0) / 3.0));
        assert_eq!(o.first_resolution.mean, Some((4_800.0 + 4_500.0) / 2.0));
        assert_eq!(o.full_resolution.mean, Some((4_800.0 + 9_000.0) / 2.0));
        assert_eq!(o.requester_wait.mean, Some((3_000.0 + 6_300.0) / 2.0));
        assert_eq!(o.agent_wait.mean, Some(900.0));
        assert_eq!(o.reopen_events, 1);
        assert_eq!(o.replies_per_resolution, Some(2.5));
        assert_eq!(
            s.groups[&Some(TeamId(100))].full_resolution.mean,
            Some(4_800.0)
        );
        assert_eq!(
            s.groups[&Some(TeamId(200))].full_resolution.mean,
            Some(9_000.0)
        );
        assert_eq!(report.rows_of(Table::Source("tickets")), 3);
        assert_eq!(report.rows_of(Table::Source("users")), 4);
        assert_eq!(report.rows_of(Table::Source("groups")), 2);
        assert_eq!(report.rows_of(Table::Source("ticket_events")), 17);
        assert_eq!(rejected(&report, Rule::UnknownAuthor), 1);
        assert_eq!(rejected(&report, Rule::UnknownPriority), 1);
        assert_eq!(rejected(&report, Rule::UnknownStatus), 1);
        assert_eq!(rejected(&report, Rule::BadTicketIdOrInstant), 1);
        assert_eq!(report.rejected_total(), 4);
        assert_eq!(s.ingest.interactions + s.ingest.duplicates, 28);
    }
    let config = TrackerConfig {
        outbound: OutboundReplies::SecondAgentComment,
        ..TrackerConfig::default()
    };
    let (t, _) = read(&data("zendesk_api_hand"), config, 2);
    assert_eq!(
        t.snapshot().overall.first_response.mean,
        Some((1_800.0 + 4_500.0) / 2.0)
    );
}

#[test]
fn hostile_json_is_counted_never_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    for f in [
        "tickets.json",
        "users.jsonl",
        "groups.json",
        "ticket_events-0001.json",
        "ticket_events-0002.json",
    ] {
        std::fs::copy(data("zendesk_api_hand").join(f), dir.path().join(f)).unwrap();
    }
    // A page cut short, lines that are not JSON or not objects, a comment without the
    // sideload (by the updater), an update with no ticket.
    let cut = std::fs::read(dir.path().join("ticket_events-0002.json")).unwrap();
    std::fs::write(
        dir.path().join("ticket_events-0003.json"),
        &cut[..cut.len() / 2],
    )
    .unwrap();
    std::fs::write(
        dir.path().join("ticket_events-0004.jsonl"),
        concat!(
            "not json\n",
            "[1, 2]\n",
            "{\"ticket_id\": 1, \"timestamp\": 1740994800, \"updater_id\": 10, \"child_events\": [{\"comment_present\": true, \"comment_public\": false, \"event_type\": \"Change\"}]}\n",
            "{\"timestamp\": 1740994800, \"child_events\": []}\n",
            "\n",
        ),
    )
    .unwrap();
    let (t, report) = read(dir.path(), TrackerConfig::default(), 2);
    // The cut page and "not json" are one rejected object each; [1, 2] is two elements
    // that are not objects; the update without a ticket is a bad id.
    assert_eq!(rejected(&report, Rule::NotJson), 1 + 1 + 2);
    assert_eq!(rejected(&report, Rule::BadTicketIdOrInstant), 1 + 1);
    assert_eq!(
        report.rows_of(Table::Source("ticket_events")),
        17 + 1 + 1 + 2 + 2
    );
    // The internal note by agent 10 at 09:40 changes no figure.
    assert_eq!(
        t.snapshot().overall.full_resolution.mean,
        Some((4_800.0 + 9_000.0) / 2.0)
    );
}

#[test]
fn a_missing_resource_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tickets.json"), "{\"tickets\": []}").unwrap();
    let e = ApiExport::open(dir.path()).unwrap_err().to_string();
    assert!(e.contains("no users table"), "{e}");
}

// By hand: rating 501 is bad, then changed to good (the earlier answer superseded), 502
// good, 505 bad; 503 offered (no answer), 504's score "excellent" is not Zendesk's. CSAT:
// 2 of 3 thumbs up.
#[test]
fn satisfaction_ratings_are_thumbs_csat_counted_once_as_last_given() {
    let export = ApiExport::open(data("zendesk_api_hand")).unwrap();
    let mut report = ImportReport::default();
    let suite = export.read_surveys(&mut report).unwrap();
    let csat = suite.snapshot().csat;
    assert_eq!(csat.scale, csm_metrics::CsatScale::Thumbs);
    assert_eq!(csat.responses, 3);
    assert_eq!(csat.satisfied, 2);
    assert_eq!(csat.distribution, vec![1, 2]);
    let table = Table::Source("satisfaction_ratings");
    assert_eq!(report.rows_of(table), 6);
    let count = |rule| {
        report
            .rejected
            .get(&Rejection { table, rule })
            .copied()
            .unwrap_or(0)
    };
    assert_eq!(count(Rule::Superseded), 1);
    assert_eq!(count(Rule::Unanswered), 1);
    assert_eq!(count(Rule::BadInstantOrScore), 1);
    assert_eq!(report.rejected_total(), 3);
}

/// `schedules*` pages become business calendars, in the order listed; holidays close
/// their days; a bad interval is counted, an unknown zone is an error naming it.
#[test]
fn api_schedules_become_business_calendars() {
    use chrono::TimeZone;
    let dir = std::env::temp_dir().join(format!("csm-io-api-schedules-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for e in std::fs::read_dir(data("zendesk_api_hand")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dir.join(e.file_name())).unwrap();
    }
    let page = |zone: &str| {
        format!(
            r#"[{{"schedules": [{{"id": 7, "name": "Rome", "time_zone": "{zone}",
                 "intervals": [{{"start_time": 1980, "end_time": 2460}}, {{"start_time": 20, "end_time": 10}}],
                 "holidays": [{{"start_date": "2025-03-04", "end_date": "2025-03-05"}}, {{"start_date": "x"}}]}}]}},
               {{"schedules": [{{"id": 8, "name": "Tokyo", "time_zone": "Asia/Tokyo", "intervals": [{{"start_time": 1980, "end_time": 2460}}]}}]}}]"#
        )
    };
    std::fs::write(dir.join("schedules.json"), page("Rome")).unwrap();
    let export = ApiExport::open(&dir).unwrap();
    assert!(export.has("schedules"));
    let mut report = ImportReport::default();
    let options = ReadOptions::default();
    let schedules = export.schedules(&options, &mut report).unwrap();
    assert_eq!(
        schedules
            .iter()
            .map(|s| (s.id, s.name.as_str()))
            .collect::<Vec<_>>(),
        [(7, "Rome"), (8, "Tokyo")]
    );
    assert_eq!(schedules[0].zone, chrono_tz::Europe::Rome);
    let key = Rejection {
        table: Table::Source("schedules"),
        rule: Rule::BadIdOrInstant,
    };
    assert_eq!(report.rejected.get(&key), Some(&2));
    // Monday 2025-03-03 09:00–17:00 in Rome (UTC+1): 08:00–16:00 UTC; Tuesday a holiday.
    let at = |d, h| chrono::Utc.with_ymd_and_hms(2025, 3, d, h, 0, 0).unwrap();
    let rome = &schedules[0].calendar;
    assert_eq!(
        rome.business_seconds(at(3, 7), at(3, 18)).unwrap(),
        8 * 3_600
    );
    assert_eq!(rome.business_seconds(at(4, 7), at(4, 18)).unwrap(), 0);
    let first = export
        .default_schedule(&options, &mut report)
        .unwrap()
        .unwrap();
    assert_eq!(first.id, 7);
    assert_eq!(
        export.schedule("Tokyo", &options, &mut report).unwrap().id,
        8
    );
    std::fs::write(dir.join("schedules.json"), page("Atlantis")).unwrap();
    let e = ApiExport::open(&dir)
        .unwrap()
        .schedules(&options, &mut report)
        .unwrap_err();
    assert!(
        e.to_string().contains("schedule 7") && e.to_string().contains("Atlantis"),
        "{e}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
