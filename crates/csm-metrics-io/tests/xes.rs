//! The XES reader: a hand-made log (tests/data/xes_hand, figures worked out by hand
//! below), the shipped mappings, shuffled, split and repeated logs (a property test),
//! hostile files, and the two whole public logs when `CSM_REAL_DATA` names a directory
//! holding `helpdesk.xes.gz` and `BPI_Challenge_2013_incidents.xes.gz` (4TU.ResearchData;
//! not in the repository).

use std::io::Write;
use std::path::{Path, PathBuf};

use csm_metrics::metrics::tickets::{ByTeam, TicketTracker};
use csm_metrics::{Calculator, TeamId};
use csm_metrics_io::history::ReadOptions;
use csm_metrics_io::xes::{Action, Xes, XesMapping, XesNames};
use csm_metrics_io::{Error, ImportReport, Rejection, Rule, Table};
use proptest::prelude::*;

fn data() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/xes_hand")
}

fn mappings() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/mappings")
}

fn hand_mapping() -> XesMapping {
    XesMapping::from_toml_file(data().join("mapping.toml")).unwrap()
}

fn read_with(
    path: &Path,
    mapping: &XesMapping,
    options: &ReadOptions,
) -> Result<(TicketTracker<ByTeam>, ImportReport, XesNames), Error> {
    let log = Xes::open(path)?.with_mapping(mapping.clone());
    let (trackers, report, names) =
        log.read_tickets(options, |_| TicketTracker::<ByTeam>::default())?;
    let mut all = TicketTracker::<ByTeam>::default();
    for t in &trackers {
        all.merge(t).unwrap();
    }
    Ok((all, report, names))
}

fn shards(n: usize) -> ReadOptions {
    ReadOptions {
        shards: n,
        ..ReadOptions::default()
    }
}

fn rejected(report: &ImportReport, table: Table, rule: Rule) -> u64 {
    report
        .rejected
        .get(&Rejection { table, rule })
        .copied()
        .unwrap_or(0)
}

const TRACES: Table = Table::Source("traces");

// By hand (UTC; every instant of the log, `11:00+01:00` and `12:00Z` included):
// A-1 (group G1): created 09:00; reply by R2 09:30 (open: first response 1,800 s); pending
// 10:00; reply 12:00 (open); solved 13:00; closed 14:00. First and full resolution
// 14,400 s; new 09:00–09:30 + open 09:30–10:00 + open 12:00–13:00 = 7,200 s of requester
// wait (and agent work); pending 10:00–12:00 = 7,200 s of agent wait; 2 replies.
// B-2 (events out of order in the file): created 08:00 in G1 (the log's default group);
// 09:00 group R&D (`R&amp;D`), reply by R1 (first response 3,600 s), the same event again
// (turned away: repeated); pending 09:30; solved 10:00 (first resolution 7,200 s); an
// unmapped activity 09:40 and an ignored one 09:50 (turned away); reply 11:00 (open: a
// reopen); a solve without a readable time (turned away); solved 13:00 (full resolution
// 18,000 s). Requester wait: new 08:00–09:00 + open 09:00–09:30 + open 11:00–13:00 =
// 12,600 s; pending 09:30–10:00 = 1,800 s; 2 replies.
// C-3 (split over two traces): created 08:00 (a time without offset: read in the zone,
// UTC), closed 09:00 from new: closed unresolved.
// A trace without a case id: its trace and its event turned away.
#[test]
fn the_hand_made_log_gives_the_hand_worked_figures() {
    let mapping = hand_mapping();
    for n in [1, 2, 3] {
        let (t, report, names) = read_with(&data().join("log.xes"), &mapping, &shards(n)).unwrap();
        let s = t.snapshot();
        let o = &s.overall;
        assert_eq!(o.tickets, 3);
        assert_eq!(o.solved, 2);
        assert_eq!(o.closed_unresolved, 1);
        assert_eq!(o.reopen_events, 1);
        assert_eq!(o.first_response.count, 2);
        assert_eq!(o.first_response.mean, Some((1_800.0 + 3_600.0) / 2.0));
        assert_eq!(o.first_resolution.mean, Some((14_400.0 + 7_200.0) / 2.0));
        assert_eq!(o.full_resolution.mean, Some((14_400.0 + 18_000.0) / 2.0));
        assert_eq!(o.requester_wait.mean, Some((7_200.0 + 12_600.0) / 2.0));
        assert_eq!(o.agent_work.mean, Some((7_200.0 + 12_600.0) / 2.0));
        assert_eq!(o.agent_wait.mean, Some((7_200.0 + 1_800.0) / 2.0));
        assert_eq!(o.replies_per_resolution, Some(2.0));
        let rd = TeamId::named("R&D");
        assert_eq!(s.groups[&Some(rd)].full_resolution.mean, Some(18_000.0));
        assert_eq!(names.groups.get(rd.0), Some("R&D"));
        assert_eq!(names.tickets.get(TeamId::named("B-2").0), Some("B-2"));
        assert_eq!(names.tickets.len(), 3);
        assert_eq!(names.agents.get(TeamId::named("R2").0), Some("R2"));

        assert_eq!(report.rows_of(TRACES), 5);
        assert_eq!(report.rows_of(Table::Events), 19);
        assert_eq!(rejected(&report, Table::Events, Rule::RepeatedEvent), 1);
        assert_eq!(rejected(&report, Table::Events, Rule::UnmappedActivity), 1);
        assert_eq!(rejected(&report, Table::Events, Rule::IgnoredActivity), 1);
        assert_eq!(
            rejected(&report, Table::Events, Rule::BadTicketIdOrInstant),
            1
        );
        assert_eq!(rejected(&report, Table::Events, Rule::NoCaseId), 1);
        assert_eq!(rejected(&report, TRACES, Rule::NoCaseId), 1);
        assert_eq!(report.rejected_total(), 6, "{:?}", report.rejected);
    }
}

#[test]
fn the_shipped_mappings_load() {
    let helpdesk = XesMapping::from_toml_file(mappings().join("helpdesk.toml")).unwrap();
    assert_eq!(helpdesk.activities.len(), 14);
    assert!(helpdesk.local_time);
    assert_eq!(helpdesk.group.as_deref(), Some("workgroup"));
    let bpi = XesMapping::from_toml_file(mappings().join("bpi2013.toml")).unwrap();
    assert_eq!(bpi.activities.len(), 13);
    assert_eq!(bpi.priorities.len(), 4);
    let ignored = bpi.activities.iter().filter(|a| a.action == Action::Ignore);
    assert_eq!(ignored.count(), 1);
}

#[test]
fn bad_mappings_are_typed_errors_that_name_the_entry() {
    let cases = [
        (
            "[[activity]]\nname = \"x\"\nstatus = \"waiting\"\n",
            "waiting",
        ),
        ("[[activity]]\nname = \"x\"\nmessage = \"shout\"\n", "shout"),
        (
            "[[activity]]\nname = \"x\"\nignore = true\nstatus = \"open\"\n",
            "ignore",
        ),
        ("[event]\ncolour = \"red\"\n", "colour"),
        ("[priorities]\nP1 = \"critical\"\n", "critical"),
        (
            "[event]\nfields = [\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\"]\n",
            "at most 8",
        ),
        (
            "[[activity]]\nname = \"x\"\n[[activity]]\nname = \"x\"\n",
            "twice",
        ),
        ("not = [toml", "mapping"),
    ];
    for (text, needle) in cases {
        match XesMapping::from_toml(text) {
            Err(e @ Error::Mapping(_)) => {
                assert!(e.to_string().contains(needle), "{e} lacks {needle:?}")
            }
            other => panic!("{text:?} gave {other:?}"),
        }
    }
}

/// One event of a generated log.
#[derive(Debug, Clone)]
struct Ev {
    case: usize,
    at: i64,
    activity: &'static str,
    resource: usize,
    group: usize,
}

fn event_xml(e: &Ev) -> String {
    let at = chrono::DateTime::from_timestamp(e.at, 0)
        .unwrap()
        .to_rfc3339();
    format!(
        "<event><string key=\"concept:name\" value=\"{}\"/><string key=\"org:resource\" value=\"R{}\"/><date key=\"time:timestamp\" value=\"{at}\"/><string key=\"workgroup\" value=\"G{}\"/></event>\n",
        e.activity, e.resource, e.group
    )
}

/// A log of `traces`, each a case name and its events.
fn log_xml(traces: &[(usize, Vec<Ev>)]) -> String {
    let mut s = String::from("<?xml version=\"1.0\"?>\n<log xes.version=\"1849-2016\">\n");
    for (case, events) in traces {
        s.push_str(&format!(
            "<trace><string key=\"concept:name\" value=\"Case {case}\"/>\n"
        ));
        for e in events {
            s.push_str(&event_xml(e));
        }
        s.push_str("</trace>\n");
    }
    s.push_str("</log>\n");
    s
}

fn figures(path: &Path) -> (String, ImportReport) {
    let (t, report, _) = read_with(path, &hand_mapping(), &shards(2)).unwrap();
    (format!("{:?}", t.snapshot()), report)
}

const ACTIVITIES: [&str; 6] = [
    "Take in charge ticket",
    "Wait",
    "Take in charge ticket",
    "Resolve ticket",
    "Take in charge ticket",
    "Closed",
];

fn generated_log() -> impl Strategy<Value = Vec<Ev>> {
    proptest::collection::vec(
        (
            proptest::collection::vec((0usize..6, 1i64..20_000, 0usize..3, 0usize..2), 0..7),
            0i64..1_000_000,
        ),
        1..8,
    )
    .prop_map(|cases| {
        let mut events = Vec::new();
        for (case, (steps, start)) in cases.into_iter().enumerate() {
            let mut at = 1_700_000_000 + start;
            events.push(Ev {
                case,
                at,
                activity: "Insert ticket",
                resource: 0,
                group: 0,
            });
            for (a, gap, resource, group) in steps {
                at += gap;
                events.push(Ev {
                    case,
                    at,
                    activity: ACTIVITIES[a],
                    resource,
                    group,
                });
            }
        }
        events
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Events of a case in any order, over any number of traces in any order, and events
    /// repeated, give the figures of the ordered log; each repeat is counted.
    #[test]
    fn shuffled_split_and_repeated_logs_give_the_ordered_figures(
        events in generated_log(),
        order in proptest::collection::vec(any::<u64>(), 64),
        splits in proptest::collection::vec(0usize..3, 64),
        repeats in proptest::collection::vec(0usize..64, 0..6),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let cases = events.iter().map(|e| e.case).max().unwrap_or(0) + 1;
        let ordered: Vec<(usize, Vec<Ev>)> = (0..cases)
            .map(|c| (c, events.iter().filter(|e| e.case == c).cloned().collect()))
            .collect();
        let clean = dir.path().join("clean.xes");
        std::fs::write(&clean, log_xml(&ordered)).unwrap();

        // Shuffle every event, repeat some, and deal them into traces (a case's events
        // over up to three traces, traces in shuffled order).
        let mut messy: Vec<Ev> = events.clone();
        for &r in &repeats {
            messy.push(events[r % events.len()].clone());
        }
        let mut keyed: Vec<(u64, Ev)> = messy
            .into_iter()
            .enumerate()
            .map(|(i, e)| (order[i % order.len()].wrapping_mul(i as u64 + 1), e))
            .collect();
        keyed.sort_by_key(|(k, _)| *k);
        let mut traces: Vec<(usize, Vec<Ev>)> = Vec::new();
        for (i, (_, e)) in keyed.into_iter().enumerate() {
            let part = splits[i % splits.len()];
            match traces.iter_mut().find(|(c, evs)| *c == e.case && evs.len() % 3 == part) {
                Some((_, evs)) => evs.push(e),
                None => traces.push((e.case, vec![e])),
            }
        }
        let shuffled = dir.path().join("shuffled.xes");
        std::fs::write(&shuffled, log_xml(&traces)).unwrap();

        let (a, ra) = figures(&clean);
        let (b, rb) = figures(&shuffled);
        prop_assert_eq!(a, b);
        prop_assert_eq!(rejected(&ra, Table::Events, Rule::RepeatedEvent), 0);
        prop_assert_eq!(rejected(&rb, Table::Events, Rule::RepeatedEvent), repeats.len() as u64);
        prop_assert_eq!(rb.rows_of(Table::Events), ra.rows_of(Table::Events) + repeats.len() as u64);
    }
}

fn write(dir: &Path, name: &str, text: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn hostile_logs_are_typed_errors_or_counted() {
    let dir = tempfile::tempdir().unwrap();
    let mapping = hand_mapping();
    let whole = std::fs::read(data().join("log.xes")).unwrap();
    let text = String::from_utf8(whole.clone()).unwrap();

    // Cut off inside B-2's trace: A-1 stands, B-2's events read so far are turned away.
    let cut = text.find("Mystery").unwrap();
    let path = write(dir.path(), "cut.xes", &whole[..cut]);
    let (t, report, _) = read_with(&path, &mapping, &shards(1)).unwrap();
    assert_eq!(t.snapshot().overall.tickets, 1);
    assert_eq!(rejected(&report, Table::Events, Rule::Truncated), 6);
    assert_eq!(rejected(&report, TRACES, Rule::Truncated), 1);

    // The same cut, gzip-compressed and the stream itself cut short: an error naming the
    // file, never a panic.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&whole).unwrap();
    let gz = gz.finish().unwrap();
    let path = write(dir.path(), "cut.xes.gz", &gz[..gz.len() / 2]);
    match read_with(&path, &mapping, &shards(1)) {
        Err(Error::Xml { path: p, .. }) => assert_eq!(p, path),
        Ok((t, report, _)) => assert!(
            t.snapshot().overall.tickets <= 3 && report.rejected_total() > 0,
            "{report:?}"
        ),
        Err(e) => panic!("{e}"),
    }
    // The whole file gzip-compressed reads as the plain one.
    let path = write(dir.path(), "log.xes.gz", &gz);
    let (t, _, _) = read_with(&path, &mapping, &shards(1)).unwrap();
    assert_eq!(t.snapshot().overall.tickets, 3);

    // Not well formed: mismatched tags, an error with the byte offset.
    let broken = text.replacen("</event>", "</evnt>", 1);
    let path = write(dir.path(), "broken.xes", broken.as_bytes());
    let e = read_with(&path, &mapping, &shards(1)).unwrap_err();
    assert!(matches!(e, Error::Xml { offset, .. } if offset > 0), "{e}");

    // Not XES at all.
    let path = write(
        dir.path(),
        "other.xml",
        b"<?xml version=\"1.0\"?><html><body/></html>",
    );
    let e = read_with(&path, &mapping, &shards(1)).unwrap_err();
    assert!(e.to_string().contains("not an XES log"), "{e}");
    let path = write(dir.path(), "empty.xes", b"");
    assert!(matches!(
        read_with(&path, &mapping, &shards(1)),
        Err(Error::Xml { .. })
    ));

    // Latin-1 bytes in a value of a UTF-8 file: that event turned away.
    let latin = text.replacen("value=\"R3\"", "value=\"R\u{e9}\"", 1);
    let latin = latin.replace('\u{e9}', "\u{0}");
    let mut bytes = latin.into_bytes();
    let at = bytes.iter().position(|b| *b == 0).unwrap();
    bytes[at] = 0xe9;
    let path = write(dir.path(), "latin1.xes", &bytes);
    let (t, report, _) = read_with(&path, &mapping, &shards(1)).unwrap();
    assert_eq!(rejected(&report, Table::Events, Rule::NotUtf8), 1);
    // A-1 loses its close: solved, not closed; the figures stand.
    assert_eq!(t.snapshot().overall.solved, 2);

    // A missing file.
    assert!(matches!(
        Xes::open(dir.path().join("nope.xes")),
        Err(Error::MissingFile { .. })
    ));
}

#[test]
fn a_huge_element_is_an_error_in_bounded_memory() {
    // A 64 MiB attribute value through a 1 MiB limit: the reader stops before buffering
    // more than the limit (a 1 GB line behaves the same, slower).
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.xes");
    let mut f = std::fs::File::create(&path).unwrap();
    write!(
        f,
        "<log><trace><string key=\"concept:name\" value=\"x\"/><event><string key=\"concept:name\" value=\""
    )
    .unwrap();
    let block = vec![b'a'; 1 << 20];
    for _ in 0..64 {
        f.write_all(&block).unwrap();
    }
    write!(f, "\"/></event></trace></log>").unwrap();
    drop(f);
    let e = read_with(&path, &hand_mapping(), &ReadOptions::default()).unwrap_err();
    assert!(e.to_string().contains("longer than"), "{e}");
}

fn real(name: &str) -> Option<PathBuf> {
    let Some(dir) = std::env::var_os("CSM_REAL_DATA") else {
        eprintln!("CSM_REAL_DATA not set: the whole-log test is skipped");
        return None;
    };
    Some(PathBuf::from(dir).join(name))
}

// The whole-log figures by a few lines of Python, independent of the crate: parse the
// XES with ElementTree, sort each trace's events by (time, position), apply the mapping's
// rules (a status change only when it differs; a solve from an unsolved state, a reopen
// from solved to anything unsolved, events after a close ignored), full resolution =
// last solve − creation over tickets ending solved or closed from solved, first response
// = first "Take in charge ticket" − creation. The repeats are left in on the Python side:
// they change no figure (a repeated status is no change; the two repeated replies come
// after their first), which the agreement shows.
#[test]
fn the_whole_helpdesk_log_gives_the_independent_figures() {
    let Some(path) = real("helpdesk.xes.gz") else {
        return;
    };
    let mapping = XesMapping::from_toml_file(mappings().join("helpdesk.toml")).unwrap();
    let (t, report, names) = read_with(&path, &mapping, &shards(2)).unwrap();
    let s = t.snapshot();
    let o = &s.overall;
    // The file's documented size: 4,580 cases, 21,348 events.
    assert_eq!(report.rows_of(TRACES), 4_580);
    assert_eq!(report.rows_of(Table::Events), 21_348);
    assert_eq!(names.tickets.len(), 4_580);
    // Events whose every attribute repeats an earlier event of their trace (Python: 127).
    assert_eq!(rejected(&report, Table::Events, Rule::RepeatedEvent), 127);
    assert_eq!(o.tickets, 4_580);
    assert_eq!(o.solved, 4_569);
    assert_eq!(o.closed_unresolved, 0);
    assert_eq!(o.reopen_events, 159);
    assert_eq!(o.first_response.count, 4_284);
    let frt = o.first_response.mean.unwrap();
    assert!((frt - 350_448.786_881_419).abs() < 1e-6, "{frt}");
    let full = o.full_resolution.mean.unwrap();
    assert!((full - 994_915.608_010_505_6).abs() < 1e-6, "{full}");
    eprintln!("{:?}", report.rejected);
    eprintln!("{:?}", s.ingest);
}

#[test]
fn the_whole_bpi_2013_log_gives_the_independent_figures() {
    let Some(path) = real("BPI_Challenge_2013_incidents.xes.gz") else {
        return;
    };
    let mapping = XesMapping::from_toml_file(mappings().join("bpi2013.toml")).unwrap();
    let (t, report, names) = read_with(&path, &mapping, &shards(2)).unwrap();
    let s = t.snapshot();
    let o = &s.overall;
    // The file's documented size: 7,554 cases, 65,533 events, 5 of them Unmatched.
    assert_eq!(report.rows_of(TRACES), 7_554);
    assert_eq!(report.rows_of(Table::Events), 65_533);
    assert_eq!(rejected(&report, Table::Events, Rule::IgnoredActivity), 5);
    assert_eq!(names.tickets.len(), 7_554);
    assert_eq!(o.tickets, 7_554);
    assert_eq!(o.solved, 7_545);
    assert_eq!(o.closed_unresolved, 1);
    assert_eq!(o.reopen_events, 580);
    let full = o.full_resolution.mean.unwrap();
    assert!((full - 724_049.247_448_641_5).abs() < 1e-6, "{full}");
    eprintln!("{:?}", report.rejected);
    eprintln!("{:?}", s.ingest);
}
