//! The history reader against the clean, time-ordered replay: the repository's sample slice
//! read whole, in tiny chunks, over several shards and parsers; shuffled and repeated rows
//! (streamed and sorted, spilled); and hostile files, each a typed error or a counted
//! rejection.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use csm_metrics::Calculator;
use csm_metrics::metrics::tickets::{ByTeam, LifecycleSnapshot, TicketTracker, TrackerConfig};
use csm_metrics_io::history::{History, Names, ReadOptions};
use csm_metrics_io::{Error, ImportReport, Ordering, Rule, Table};
use csm_metrics_synth::format::{Event, Names as SynthNames, fields, parse_event, parse_ticket};
use proptest::prelude::*;

fn slice() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/sample_slice")
}

type Figures = (LifecycleSnapshot, BTreeMap<String, LifecycleSnapshot>);

fn tracker() -> TicketTracker<ByTeam> {
    TicketTracker::new(TrackerConfig::default(), ByTeam).unwrap()
}

/// The figures of a clean, time-ordered history, by the line parser the replay example
/// has always used (no quoting; the sample has none): the reference.
fn reference(dir: &Path) -> Figures {
    let text = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap();
    let mut teams = SynthNames::default();
    let tickets: BTreeMap<u64, csm_metrics::Ticket> = text("tickets.csv")
        .lines()
        .skip(1)
        .map(|l| {
            let t = parse_ticket(&fields(l), &mut teams).unwrap();
            (t.id.0, t)
        })
        .collect();
    let mut t = tracker();
    for line in text("events.csv").lines().skip(1) {
        match parse_event(&fields(line)).unwrap() {
            (id, Event::Created) => t.observe_ticket(&tickets[&id]).unwrap(),
            (_, Event::Interaction(i)) => {
                let _ = t.observe_interaction(&i);
            }
        }
    }
    let s = t.snapshot();
    let groups = s
        .groups
        .iter()
        .map(|(k, v)| {
            let name = k.map_or("(none)".to_string(), |k| teams.0[k.0 as usize - 1].clone());
            (name, v.clone())
        })
        .collect();
    (s.overall, groups)
}

fn read(dir: &Path, options: &ReadOptions) -> Result<(Figures, ImportReport), Error> {
    read_history(&History::open(dir)?, options)
}

fn read_history(
    history: &History,
    options: &ReadOptions,
) -> Result<(Figures, ImportReport), Error> {
    let (mut trackers, report, teams) = history.read_tickets(options, |_| tracker())?;
    let mut all = trackers.remove(0);
    for t in &trackers {
        all.merge(t).unwrap();
    }
    let s = all.snapshot();
    Ok(((s.overall.clone(), named(&s.groups, &teams)), report))
}

fn named(
    groups: &csm_metrics::PerGroup<Option<csm_metrics::TeamId>, LifecycleSnapshot>,
    teams: &Names,
) -> BTreeMap<String, LifecycleSnapshot> {
    groups
        .iter()
        .map(|(k, v)| {
            let name = k.map_or("(none)".to_string(), |k| {
                teams
                    .get(k.0)
                    .map_or_else(|| format!("#{}", k.0), str::to_string)
            });
            (name, v.clone())
        })
        .collect()
}

fn options(shards: usize, parsers: usize, chunk: usize) -> ReadOptions {
    ReadOptions {
        shards,
        parsers,
        chunk_bytes: chunk,
        ..ReadOptions::default()
    }
}

#[test]
fn the_slice_streams_to_the_reference_figures_in_any_chunking() {
    let want = reference(&slice());
    for (shards, parsers, chunk, piece) in [
        (1, 1, 1 << 22, 8_192),
        (2, 2, 1_000, 8_192),
        (3, 1, 97, 8_192),
        (1, 3, 1, 8_192),
        (4, 4, 4_096, 8_192),
        // Jobs cut into many pieces (of one row, of a few).
        (2, 2, 1 << 22, 1),
        (3, 2, 50_000, 7),
        (0, 0, 4_096, 0),
    ] {
        let o = ReadOptions {
            piece_rows: piece,
            ..options(shards, parsers, chunk)
        };
        let (got, report) = read(&slice(), &o).unwrap();
        assert_eq!(
            got, want,
            "{shards} shards, {parsers} parsers, {chunk} B chunks, {piece}-row pieces"
        );
        assert_eq!(report.rows_of(Table::Tickets), 400);
        assert_eq!(report.rows_of(Table::Events), 3_571);
        assert_eq!(report.rejected_total(), 0, "{:?}", report.rejected);
        assert_eq!(report.ordering, Ordering::Streamed);
    }
    // Sorted on request, in one run and in many (spilled).
    for memory in [256 << 20, 2_000] {
        let o = ReadOptions {
            always_sort: true,
            sort_memory_bytes: memory,
            ..options(2, 2, 1_000)
        };
        let (got, report) = read(&slice(), &o).unwrap();
        assert_eq!(got, want);
        assert!(
            matches!(report.ordering, Ordering::Sorted { runs } if (runs > 1) == (memory < 10_000))
        );
    }
}

/// Writes a history: a header and rows per file.
fn write(dir: &Path, files: &[(&str, String)]) {
    std::fs::create_dir_all(dir).unwrap();
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
}

fn lines(file: &str) -> (String, Vec<String>) {
    let text = std::fs::read_to_string(slice().join(file)).unwrap();
    let mut it = text.lines().map(String::from);
    (it.next().unwrap(), it.collect())
}

fn rejoin(header: &str, rows: &[String]) -> String {
    let mut s = format!("{header}\n");
    for r in rows {
        s.push_str(r);
        s.push('\n');
    }
    s
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// Rows in any order, some repeated, give the figures of the clean file.
    #[test]
    fn shuffled_and_repeated_rows_give_the_clean_figures(
        seed in any::<u64>(),
        repeats in proptest::collection::vec(0usize..3_571, 0..20),
        shards in 1usize..4,
        spill in any::<bool>(),
    ) {
        let want = reference(&slice());
        let (th, mut trows) = lines("tickets.csv");
        let (eh, mut erows) = lines("events.csv");
        let mut rng = csm_metrics_synth::Rng::new(seed);
        for rows in [&mut trows, &mut erows] {
            for i in (1..rows.len()).rev() {
                rows.swap(i, rng.below(i as u64 + 1) as usize);
            }
        }
        for r in &repeats {
            let row = erows[*r].clone();
            erows.push(row);
        }
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), &[("tickets.csv", rejoin(&th, &trows)), ("events.csv", rejoin(&eh, &erows))]);
        let o = ReadOptions {
            sort_memory_bytes: if spill { 5_000 } else { 256 << 20 },
            ..options(shards, 2, 2_000)
        };
        let (got, report) = read(dir.path(), &o).unwrap();
        let sorted = matches!(report.ordering, Ordering::Sorted { .. });
        prop_assert!(sorted);
        prop_assert_eq!(got, want);
        // Repeated interactions are the tracker's duplicates (counted once); a repeated
        // creation finds its ticket row taken: counted, nothing else turned away.
        let creations = repeats.iter().filter(|r| erows[**r].contains("created")).count() as u64;
        prop_assert_eq!(report.rejected_total(), creations, "{:?}", report.rejected);
    }
}

#[test]
fn quoting_bom_crlf_and_reordered_columns_read_as_rfc_4180() {
    // One team named `billing, EU`, another with a quote and a newline; CRLF row ends; a
    // BOM; columns reordered and one extra.
    let dir = tempfile::tempdir().unwrap();
    let tickets = "\u{feff}team,ticket_id,extra,created_at,channel,priority,requester_id\r\n\
        \"billing, EU\",1,x,1735689600,email,normal,7\r\n\
        \"the \"\"A\"\"\nteam\",2,y,1735689600,chat,high,8\r\n";
    let events = "ticket_id,at,kind,author_kind,public,status_to,agent_id\r\n\
        1,1735689600,created,,false,,0\r\n\
        2,1735689600,created,,false,,0\r\n\
        1,1735689660,message,agent,true,,3\r\n\
        2,1735689720,message,agent,true,,4\r\n\
        1,1735689780,status,,false,solved,0\r\n";
    write(
        dir.path(),
        &[
            ("tickets.csv", tickets.into()),
            ("events.csv", events.into()),
        ],
    );
    for o in [options(1, 1, 1 << 20), options(2, 2, 1)] {
        let ((overall, groups), report) = read(dir.path(), &o).unwrap();
        assert_eq!(report.rejected_total(), 0, "{:?}", report.rejected);
        assert_eq!(overall.tickets, 2);
        assert_eq!(overall.solved, 1);
        assert_eq!(overall.first_response.mean, Some(90.0));
        let names: Vec<&str> = groups.keys().map(String::as_str).collect();
        assert_eq!(names, ["billing, EU", "the \"A\"\nteam"]);
        assert_eq!(groups["billing, EU"].solved, 1);
    }
}

#[test]
fn bad_rows_are_counted_by_table_and_rule() {
    let dir = tempfile::tempdir().unwrap();
    let long = "9".repeat(3_000);
    let tickets = format!(
        "ticket_id,created_at,channel,priority,team,requester_id\n\
         1,1735689600,email,normal,a,7\n\
         2,1735689600,email,URGENT!,a,7\n\
         x,1735689600,email,normal,a,7\n\
         3,1735689600,email,normal\n\
         4,1735689600,email,normal,LATIN1,7\n\
         5,{long},email,normal,a,7\n\
         1,1735689600,email,normal,a,7\n\
         6,1735689600,email,normal,a,7\n"
    );
    let events = "ticket_id,at,kind,author_kind,public,status_to,agent_id\n\
         1,1735689600,created,,false,,0\n\
         9,1735689600,created,,false,,0\n\
         1,1735689601,message,alien,true,,3\n\
         1,1735689602,status,,false,exploded,0\n\
         1,1735689603,teleported,,false,,0\n\
         1,yesterday,message,agent,true,,3\n\
         1,1735689700,message,agent,true,,3\n\
         1,17356"; // Truncated mid-row: too few fields.
    let mut bytes = tickets.into_bytes();
    // Latin-1 in a team name: replace the marker by a lone 0xFF byte.
    let at = bytes.windows(6).position(|w| w == b"LATIN1").unwrap();
    bytes.splice(at..at + 6, [0xFF]);
    std::fs::write(dir.path().join("tickets.csv"), bytes).unwrap();
    std::fs::write(dir.path().join("events.csv"), events).unwrap();
    let o = ReadOptions {
        max_row_bytes: 1_000,
        ..options(2, 2, 64)
    };
    let ((overall, _), report) = read(dir.path(), &o).unwrap();
    assert_eq!(overall.tickets, 1);
    assert_eq!(overall.answered, 1);
    let count = |table, rule| {
        report
            .rejected
            .get(&csm_metrics_io::Rejection { table, rule })
            .copied()
            .unwrap_or(0)
    };
    assert_eq!(count(Table::Tickets, Rule::UnknownPriority), 1);
    assert_eq!(count(Table::Tickets, Rule::BadIdOrInstant), 1);
    assert_eq!(count(Table::Tickets, Rule::WrongFieldCount), 1);
    assert_eq!(count(Table::Tickets, Rule::NotUtf8), 1);
    assert_eq!(count(Table::Tickets, Rule::RowTooLong), 1);
    assert_eq!(count(Table::Tickets, Rule::DuplicateTicketId), 0);
    // Ticket 6 and the second row of ticket 1 never had a creation event.
    assert_eq!(count(Table::Tickets, Rule::NoCreatedEvent), 2);
    assert_eq!(count(Table::Events, Rule::CreatedWithoutTicket), 1);
    assert_eq!(count(Table::Events, Rule::UnknownAuthor), 1);
    assert_eq!(count(Table::Events, Rule::UnknownStatus), 1);
    assert_eq!(count(Table::Events, Rule::UnknownKind), 1);
    assert_eq!(count(Table::Events, Rule::BadTicketIdOrInstant), 1);
    assert_eq!(count(Table::Events, Rule::WrongFieldCount), 1);
    assert_eq!(report.rows_of(Table::Tickets), 8);
    assert_eq!(report.rows_of(Table::Events), 8);
}

#[test]
fn unusable_inputs_are_typed_errors() {
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(
        History::open(dir.path()),
        Err(Error::MissingFile { .. })
    ));
    let header_t = "ticket_id,created_at,channel,priority,team,requester_id\n";
    write(
        dir.path(),
        &[
            ("tickets.csv", header_t.into()),
            ("events.csv", String::new()),
        ],
    );
    let e = read(dir.path(), &ReadOptions::default()).unwrap_err();
    assert!(matches!(e, Error::NoHeader { .. }), "{e}");
    write(dir.path(), &[("events.csv", "ticket_id,at,kind\n".into())]);
    let e = read(dir.path(), &ReadOptions::default()).unwrap_err();
    assert!(
        matches!(
            e,
            Error::MissingColumn {
                column: "author_kind",
                ..
            }
        ),
        "{e}"
    );
    assert!(
        e.to_string()
            .contains("events.csv, line 1: no column \"author_kind\""),
        "{e}"
    );
    // A header row past the row limit.
    write(
        dir.path(),
        &[("events.csv", format!("{}\n", "x".repeat(5_000)))],
    );
    let o = ReadOptions {
        max_row_bytes: 1_000,
        ..ReadOptions::default()
    };
    assert!(matches!(
        read(dir.path(), &o),
        Err(Error::HeaderTooLong { .. })
    ));
}

#[test]
fn a_gigabyte_line_is_skipped_in_bounded_memory() {
    // A 64 MiB line (the bound is what is tested: a 1 GB line behaves the same, slower)
    // streamed through a 1 MiB row limit.
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let header_t =
        "ticket_id,created_at,channel,priority,team,requester_id\n1,1735689600,email,normal,a,7\n";
    let mut events = std::fs::File::create(dir.path().join("events.csv")).unwrap();
    writeln!(
        events,
        "ticket_id,at,kind,author_kind,public,status_to,agent_id"
    )
    .unwrap();
    writeln!(events, "1,1735689600,created,,false,,0").unwrap();
    let block = vec![b'"'; 1 << 20];
    for _ in 0..64 {
        events.write_all(&block).unwrap();
    }
    writeln!(events).unwrap();
    writeln!(events, "1,1735689700,message,agent,true,,3").unwrap();
    drop(events);
    std::fs::write(dir.path().join("tickets.csv"), header_t).unwrap();
    let ((overall, _), report) = read(dir.path(), &ReadOptions::default()).unwrap();
    assert_eq!(overall.answered, 1);
    assert_eq!(
        report.rejected.get(&csm_metrics_io::Rejection {
            table: Table::Events,
            rule: Rule::RowTooLong
        }),
        Some(&1)
    );
}

/// The slice converted to Parquet reads back to the same figures and counts, streamed and
/// sorted; surveys and calls too.
#[cfg(feature = "parquet")]
#[test]
fn parquet_round_trip() {
    use csm_metrics_io::history::{Format, to_parquet};
    let dir = tempfile::tempdir().unwrap();
    let csv = History::open(slice()).unwrap();
    let report = to_parquet(&csv, dir.path(), &ReadOptions::default()).unwrap();
    assert_eq!(report.rows_of(Table::Events), 3_571);
    assert_eq!(report.rejected_total(), 0);
    let pq = History::open(dir.path()).unwrap();
    assert_eq!(pq.format(), Format::Parquet);
    let want = reference(&slice());
    for o in [
        options(1, 1, 1 << 20),
        options(3, 2, 1 << 20),
        ReadOptions {
            always_sort: true,
            ..options(2, 2, 1)
        },
    ] {
        let (got, report) = read(dir.path(), &o).unwrap();
        assert_eq!(got, want);
        assert_eq!(report.rows_of(Table::Tickets), 400);
        assert_eq!(report.rows_of(Table::Events), 3_571);
        assert_eq!(report.rejected_total(), 0);
    }
    same_surveys_and_calls(&csv, &pq);
}

/// Two histories' surveys and calls give the same figures and import counts.
#[cfg(feature = "parquet")]
fn same_surveys_and_calls(a: &History, b: &History) {
    let (mut ra, mut rb) = (ImportReport::default(), ImportReport::default());
    let o = ReadOptions::default();
    assert_eq!(
        a.read_surveys(&o, &mut ra).unwrap().snapshot(),
        b.read_surveys(&o, &mut rb).unwrap().snapshot()
    );
    assert_eq!(
        a.read_calls(&o, &mut ra).unwrap().0.snapshot(),
        b.read_calls(&o, &mut rb).unwrap().0.snapshot()
    );
    assert_eq!(ra, rb);
}

/// The slice as Arrow record batches in memory (as pyarrow, Polars and pandas hand them
/// over) reads to the files' figures and counts in every layout a data frame library
/// gives: the Parquet reader's own batches; small batches; texts as `LargeUtf8`,
/// `Utf8View` and dictionaries; instants as timestamps in milliseconds and nanoseconds
/// with a zone; ids as `Int32` and `UInt64`; `public` as 0/1. Surveys and calls too.
#[cfg(feature = "parquet")]
#[test]
fn arrow_tables_in_memory_read_as_the_files() {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, RecordBatch};
    use arrow_schema::{DataType, Field, Schema, TimeUnit};
    use csm_metrics_io::history::{ArrowTable, Format, to_parquet};
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    let dir = tempfile::tempdir().unwrap();
    let csv = History::open(slice()).unwrap();
    to_parquet(&csv, dir.path(), &ReadOptions::default()).unwrap();
    let load = |name: &str, rows: usize| -> Vec<RecordBatch> {
        let file = std::fs::File::open(dir.path().join(format!("{name}.parquet"))).unwrap();
        ParquetRecordBatchReaderBuilder::try_new(file)
            .unwrap()
            .with_batch_size(rows)
            .build()
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    // A layout: each column's new type by name, or as it is.
    let relayout = |batches: Vec<RecordBatch>, to: &dyn Fn(&str, &DataType) -> DataType| {
        batches
            .into_iter()
            .map(|b| {
                let (fields, columns): (Vec<Field>, Vec<ArrayRef>) = b
                    .schema()
                    .fields()
                    .iter()
                    .zip(b.columns())
                    .map(|(f, c)| {
                        let t = to(f.name(), f.data_type());
                        let c = match (&t, f.data_type()) {
                            // Seconds to a finer timestamp: scale, then reinterpret.
                            (DataType::Timestamp(unit, _), DataType::Int64) => {
                                let k = match unit {
                                    TimeUnit::Millisecond => 1_000,
                                    _ => 1_000_000_000,
                                };
                                let v = c
                                    .as_any()
                                    .downcast_ref::<arrow_array::Int64Array>()
                                    .unwrap();
                                let scaled: arrow_array::Int64Array =
                                    v.iter().map(|x| x.map(|x| x * k + k / 3)).collect();
                                arrow_cast::cast(&scaled, &t).unwrap()
                            }
                            _ => arrow_cast::cast(c, &t).unwrap(),
                        };
                        (Field::new(f.name(), t, true), c)
                    })
                    .unzip();
                RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap()
            })
            .collect::<Vec<_>>()
    };
    let table = |b: Vec<RecordBatch>| ArrowTable::from_batches(b).unwrap().unwrap();
    let want = reference(&slice());
    let as_is = |_: &str, t: &DataType| t.clone();
    let frames = |n: &str, t: &DataType| match (n, t) {
        ("at" | "created_at", _) => DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
        ("offered_at", _) => DataType::Timestamp(TimeUnit::Nanosecond, None),
        ("kind" | "channel", _) => DataType::LargeUtf8,
        ("author_kind" | "team", _) => DataType::Utf8View,
        ("status_to" | "priority", _) => {
            DataType::Dictionary(Box::new(DataType::UInt16), Box::new(DataType::Utf8))
        }
        ("ticket_id", _) => DataType::UInt64,
        ("agent_id", _) => DataType::Int32,
        ("public", _) => DataType::Int8,
        _ => t.clone(),
    };
    for (rows, layout) in [
        (8192, &as_is as &dyn Fn(&str, &DataType) -> DataType),
        (37, &as_is),
        (500, &frames),
    ] {
        let history = History::from_arrow(
            table(relayout(load("tickets", rows), layout)),
            table(relayout(load("events", rows), layout)),
            Some(table(relayout(load("surveys", rows), layout))),
            Some(table(relayout(load("calls", rows), layout))),
        )
        .unwrap();
        assert_eq!(history.format(), Format::Arrow);
        for o in [
            options(1, 1, 1 << 20),
            options(3, 2, 1 << 20),
            ReadOptions {
                always_sort: true,
                ..options(2, 2, 1)
            },
        ] {
            let (got, report) = read_history(&history, &o).unwrap();
            assert_eq!(got, want, "{rows} rows a batch");
            assert_eq!(report.rows_of(Table::Tickets), 400);
            assert_eq!(report.rows_of(Table::Events), 3_571);
            assert_eq!(report.rejected_total(), 0);
        }
        same_surveys_and_calls(&csv, &history);
    }
    // A table without a required column names the table and the column.
    let e = History::from_arrow(
        table(load("events", 100)),
        table(load("events", 100)),
        None,
        None,
    )
    .unwrap_err();
    assert!(
        e.to_string().contains("tickets (Arrow table)") && e.to_string().contains("created_at"),
        "{e}"
    );
    // Batches of different columns are refused.
    let mixed = [load("tickets", 100), load("events", 100)].concat();
    assert!(ArrowTable::from_batches(mixed).unwrap().is_err());
    // Rows that break the format's rules are counted as in a file: a negative id.
    let mut events = load("events", 4000);
    let b = &events[0];
    let ids = arrow_array::Int64Array::from(vec![-1; b.num_rows()]);
    let mut columns = b.columns().to_vec();
    columns[b.schema().index_of("ticket_id").unwrap()] = Arc::new(ids);
    events[0] = RecordBatch::try_new(b.schema(), columns).unwrap();
    let history =
        History::from_arrow(table(load("tickets", 100)), table(events), None, None).unwrap();
    let (_, report) = read_history(&history, &ReadOptions::default()).unwrap();
    assert_eq!(
        report.rejected.get(&csm_metrics_io::Rejection {
            table: Table::Events,
            rule: Rule::BadTicketIdOrInstant
        }),
        Some(&3_571)
    );
}

/// Survey and call rows that break the format's rules are turned away by the same rule
/// from typed Arrow columns (in memory and in Parquet) as from CSV text.
#[cfg(feature = "parquet")]
#[test]
fn typed_surveys_and_calls_break_the_rules_the_csv_way() {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
    use csm_metrics_io::history::{ArrowTable, to_parquet};

    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("tickets.csv"),
        "ticket_id,created_at,channel,priority,team,requester_id\n",
    )
    .unwrap();
    std::fs::write(
        d.join("events.csv"),
        "ticket_id,at,kind,author_kind,public,status_to,agent_id\n",
    )
    .unwrap();
    // Good; unknown kind; score out of range; no instant.
    std::fs::write(
        d.join("surveys.csv"),
        "kind,at,ticket_id,agent_id,score\nnps,1735689600,1,2,9\nxyz,1735689600,1,2,9\n\
         csat,1735689600,1,2,300\nces,,0,0,5\n",
    )
    .unwrap();
    // Good; answered out of range; negative hold; no offer; unanswered.
    std::fs::write(
        d.join("calls.csv"),
        "call_id,queue,offered_at,answered_at,ended_at,hold_s,wrap_s,agent_id\n\
         1,sales,1735689600,1735689610,1735689700,0,5,3\n\
         2,sales,1735689600,999999999999999,1735689700,0,5,3\n\
         3,sales,1735689600,1735689610,1735689700,-1,5,3\n\
         4,sales,,1735689610,1735689700,0,5,3\n\
         5,support,1735689600,,1735689700,0,0,0\n",
    )
    .unwrap();
    let csv = History::open(d).unwrap();
    let ints = |v: Vec<Option<i64>>| Arc::new(Int64Array::from(v)) as ArrayRef;
    let texts = |v: Vec<&str>| Arc::new(StringArray::from(v)) as ArrayRef;
    let t = 1_735_689_600;
    let surveys = RecordBatch::try_from_iter([
        ("kind", texts(vec!["nps", "xyz", "csat", "ces"])),
        ("at", ints(vec![Some(t), Some(t), Some(t), None])),
        ("ticket_id", ints(vec![Some(1), Some(1), Some(1), Some(0)])),
        ("agent_id", ints(vec![Some(2), Some(2), Some(2), Some(0)])),
        ("score", ints(vec![Some(9), Some(9), Some(300), Some(5)])),
    ])
    .unwrap();
    let calls = RecordBatch::try_from_iter([
        ("call_id", ints((1..=5).map(Some).collect())),
        (
            "queue",
            texts(vec!["sales", "sales", "sales", "sales", "support"]),
        ),
        (
            "offered_at",
            ints(vec![Some(t), Some(t), Some(t), None, Some(t)]),
        ),
        (
            "answered_at",
            ints(vec![
                Some(t + 10),
                Some(999_999_999_999_999),
                Some(t + 10),
                Some(t + 10),
                None,
            ]),
        ),
        ("ended_at", ints(vec![Some(t + 100); 5])),
        (
            "hold_s",
            ints(vec![Some(0), Some(0), Some(-1), Some(0), Some(0)]),
        ),
        (
            "wrap_s",
            ints(vec![Some(5), Some(5), Some(5), Some(5), Some(0)]),
        ),
        (
            "agent_id",
            ints(vec![Some(3), Some(3), Some(3), Some(3), Some(0)]),
        ),
    ])
    .unwrap();
    let empty = |names: &[&str]| {
        let columns: Vec<(&str, ArrayRef)> = names.iter().map(|n| (*n, ints(vec![]))).collect();
        ArrowTable::from_batches(vec![RecordBatch::try_from_iter(columns).unwrap()])
            .unwrap()
            .unwrap()
    };
    let table = |b: RecordBatch| ArrowTable::from_batches(vec![b]).unwrap().unwrap();
    let memory = History::from_arrow(
        empty(&[
            "ticket_id",
            "created_at",
            "channel",
            "priority",
            "team",
            "requester_id",
        ]),
        empty(&[
            "ticket_id",
            "at",
            "kind",
            "author_kind",
            "public",
            "status_to",
            "agent_id",
        ]),
        Some(table(surveys)),
        Some(table(calls)),
    )
    .unwrap();
    same_surveys_and_calls(&csv, &memory);
    let pq = tempfile::tempdir().unwrap();
    to_parquet(&memory, pq.path(), &ReadOptions::default()).unwrap();
    // The converter writes the rows it could read: the good ones, which read back the same.
    let mut report = ImportReport::default();
    let o = ReadOptions::default();
    let parquet = History::open(pq.path()).unwrap();
    assert_eq!(
        parquet.read_calls(&o, &mut report).unwrap().0.snapshot(),
        csv.read_calls(&o, &mut ImportReport::default())
            .unwrap()
            .0
            .snapshot()
    );
    let mut r = ImportReport::default();
    csv.read_surveys(&o, &mut r).unwrap();
    csv.read_calls(&o, &mut r).unwrap();
    let rule = |table, rule| {
        r.rejected
            .get(&csm_metrics_io::Rejection { table, rule })
            .copied()
    };
    assert_eq!(rule(Table::Surveys, Rule::UnknownKind), Some(1));
    assert_eq!(rule(Table::Surveys, Rule::BadInstantOrScore), Some(2));
    assert_eq!(rule(Table::Calls, Rule::BadAnsweredAt), Some(1));
    assert_eq!(rule(Table::Calls, Rule::BadHoldOrWrap), Some(1));
    assert_eq!(rule(Table::Calls, Rule::BadIdOrInstant), Some(1));
}

/// A truncated Parquet file and one without a column are typed errors.
#[cfg(feature = "parquet")]
#[test]
fn broken_parquet_is_a_typed_error() {
    use csm_metrics_io::history::{Format, to_parquet};
    let dir = tempfile::tempdir().unwrap();
    to_parquet(
        &History::open(slice()).unwrap(),
        dir.path(),
        &ReadOptions::default(),
    )
    .unwrap();
    let events = std::fs::read(dir.path().join("events.parquet")).unwrap();
    std::fs::write(
        dir.path().join("events.parquet"),
        &events[..events.len() / 2],
    )
    .unwrap();
    let e = read(dir.path(), &ReadOptions::default()).unwrap_err();
    assert!(matches!(e, Error::Parquet { .. }), "{e}");
    // Tickets where the events should be: no `at` column.
    std::fs::copy(
        dir.path().join("tickets.parquet"),
        dir.path().join("events.parquet"),
    )
    .unwrap();
    let e = History::open_as(dir.path(), Format::Parquet)
        .unwrap()
        .read_tickets(&ReadOptions::default(), |_| tracker())
        .map(drop)
        .unwrap_err();
    assert!(
        matches!(e, Error::MissingColumn { column: "at", .. }),
        "{e}"
    );
}

// Version 2's field changes, by hand: ticket 1 is created in team "a" at normal priority
// (t = 1,735,689,600), moves to "billing, EU" at +600 and to high priority at +900, gets
// and loses a tag, is answered at +1,200 and solved at +3,600: all its figures sit under
// "billing, EU" (a reassignment while unsolved moves them), full resolution 3,600 s.
// Ticket 2 moves from "a" to the unnamed team #77 and then to no team; solved at +7,200:
// under "(none)". The same history through Parquet reads the same, streamed or sorted.
#[test]
fn version_2_field_changes_move_tickets_between_groups() {
    let dir = tempfile::tempdir().unwrap();
    let t0 = 1_735_689_600;
    let tickets = format!(
        "ticket_id,created_at,channel,priority,team,requester_id\n1,{t0},email,normal,a,7\n2,{t0},web,normal,a,8\n"
    );
    let events = [
        "ticket_id,at,kind,author_kind,public,status_to,agent_id".to_string(),
        format!("1,{t0},created,,false,,0"),
        format!("2,{t0},created,,false,,0"),
        format!("1,{},team,,false,\"billing, EU\",0", t0 + 600),
        format!("2,{},team,,false,#77,0", t0 + 600),
        format!("1,{},priority,,false,high,0", t0 + 900),
        format!("1,{},tag_added,,false,vip,0", t0 + 950),
        format!("1,{},tag_removed,,false,vip,0", t0 + 960),
        format!("2,{},team,,false,,0", t0 + 1_000),
        format!("1,{},message,agent,true,,3", t0 + 1_200),
        format!("1,{},status,,false,solved,0", t0 + 3_600),
        format!("2,{},priority,,false,asap,0", t0 + 3_700),
        format!("2,{},status,,false,solved,0", t0 + 7_200),
    ];
    std::fs::write(dir.path().join("tickets.csv"), tickets).unwrap();
    std::fs::write(dir.path().join("events.csv"), events.join("\n") + "\n").unwrap();
    let check = |dir: &Path, options: &ReadOptions, bad_priorities: Option<&u64>| {
        let ((overall, groups), report) = read(dir, options).unwrap();
        assert_eq!(overall.tickets, 2);
        assert_eq!(overall.solved, 2);
        let billing = &groups["billing, EU"];
        assert_eq!(billing.tickets, 1);
        assert_eq!(billing.full_resolution.mean, Some(3_600.0));
        assert_eq!(groups["(none)"].full_resolution.mean, Some(7_200.0));
        // Groups left behind hold nothing.
        for left in ["a", "#77"] {
            assert!(
                groups.get(left).is_none_or(|g| g.tickets == 0),
                "{left}: {groups:?}"
            );
        }
        assert_eq!(
            report.rejected.get(&csm_metrics_io::Rejection {
                table: Table::Events,
                rule: Rule::UnknownPriority
            }),
            bad_priorities
        );
    };
    check(dir.path(), &ReadOptions::default(), Some(&1));
    check(
        dir.path(),
        &ReadOptions {
            always_sort: true,
            shards: 2,
            ..ReadOptions::default()
        },
        Some(&1),
    );
    #[cfg(feature = "parquet")]
    {
        let out = dir.path().join("parquet");
        csm_metrics_io::history::to_parquet(
            &History::open(dir.path()).unwrap(),
            &out,
            &ReadOptions::default(),
        )
        .unwrap();
        // The conversion writes the rows the reader accepts: the bad priority is gone.
        check(&out, &ReadOptions::default(), None);
    }
    // By priority: ticket 1 was solved at high priority.
    let (trackers, _, _) = History::open(dir.path())
        .unwrap()
        .read_tickets(&ReadOptions::default(), |_| {
            TicketTracker::<csm_metrics::metrics::tickets::ByPriority>::default()
        })
        .unwrap();
    let s = trackers[0].snapshot();
    assert_eq!(s.groups[&csm_metrics::Priority::High].tickets, 1);
}
