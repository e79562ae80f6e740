//! Every reader counts the bytes it reads toward `ReadOptions::progress` (what the command's
//! progress bar shows), up to what its `bytes()` says: the sizes of the files the tickets
//! come from, summed here from the file system.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use csm_metrics::metrics::tickets::{Overall, TicketTracker};
use csm_metrics_io::freshdesk::Freshdesk;
use csm_metrics_io::history::{History, ReadOptions};
use csm_metrics_io::servicenow::ServiceNow;
use csm_metrics_io::xes::{Xes, XesMapping};
use csm_metrics_io::zendesk::api::ApiExport;
use csm_metrics_io::zendesk::fivetran::Fivetran;

fn data(dir: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(dir)
}

/// The bytes a read counts toward its progress.
fn counted(read: impl FnOnce(&ReadOptions)) -> u64 {
    let count = Arc::new(AtomicU64::new(0));
    read(&ReadOptions {
        shards: 2,
        progress: Some(Arc::clone(&count)),
        ..ReadOptions::default()
    });
    count.load(Ordering::Relaxed)
}

fn size(dir: &Path, names: &[&str]) -> u64 {
    names
        .iter()
        .map(|n| std::fs::metadata(dir.join(n)).unwrap().len())
        .sum()
}

/// `bytes()` is the files' size, and the read counted all of it.
fn check(dir: &Path, files: &[&str], bytes: u64, read: u64) {
    assert_eq!(bytes, size(dir, files), "{files:?}");
    assert_eq!(read, bytes, "{files:?}");
}

fn sink(_: usize) -> TicketTracker<Overall> {
    TicketTracker::default()
}

#[test]
fn every_reader_counts_its_ticket_files_bytes() {
    // ServiceNow: the one file.
    let path = data("servicenow").join("incidents_slice.csv");
    let log = ServiceNow::open(&path).unwrap();
    let read = counted(|o| drop(log.read_tickets(o, sink).unwrap()));
    assert_eq!(log.bytes(), std::fs::metadata(&path).unwrap().len());
    assert_eq!(read, log.bytes());

    // XES: the one log.
    let dir = data("xes_hand");
    let mapping = XesMapping::from_toml_file(dir.join("mapping.toml")).unwrap();
    let log = Xes::open(dir.join("log.xes"))
        .unwrap()
        .with_mapping(mapping);
    let read = counted(|o| drop(log.read_tickets(o, sink).unwrap()));
    check(&dir, &["log.xes"], log.bytes(), read);

    // Fivetran's tables (all five feed the tickets).
    let dir = data("zendesk_fivetran_hand");
    let export = Fivetran::open(&dir).unwrap();
    let read = counted(|o| drop(export.read_tickets(o, sink).unwrap()));
    let tables = [
        "group.csv",
        "ticket.csv",
        "ticket_comment.csv",
        "ticket_field_history.csv",
        "user.csv",
    ];
    check(&dir, &tables, export.bytes(), read);

    // Zendesk's API export: not the satisfaction ratings (read beside the tickets).
    let dir = data("zendesk_api_hand");
    let export = ApiExport::open(&dir).unwrap();
    let read = counted(|o| drop(export.read_tickets(o, sink).unwrap()));
    let files = [
        "groups.json",
        "ticket_events-0001.json",
        "ticket_events-0002.json",
        "tickets.json",
        "users.jsonl",
    ];
    check(&dir, &files, export.bytes(), read);

    // Freshdesk's: nor here.
    let dir = data("freshdesk_hand");
    let export = Freshdesk::open(&dir).unwrap();
    let read = counted(|o| drop(export.read_tickets(o, sink).unwrap()));
    let files = [
        "agents.json",
        "conversations.json",
        "groups.json",
        "ticket_activities.json",
        "tickets-spam.jsonl",
        "tickets.json",
    ];
    check(&dir, &files, export.bytes(), read);

    // The history format, for comparison: its tickets and events files, counted a chunk
    // of rows at a time (the header lines apart).
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/sample_slice");
    let history = History::open(&dir).unwrap();
    let read = counted(|o| drop(history.read_tickets(o, sink).unwrap()));
    assert_eq!(
        history.ticket_bytes(),
        size(&dir, &["tickets.csv", "events.csv"])
    );
    let headers: u64 = ["tickets.csv", "events.csv"]
        .iter()
        .map(|n| {
            let text = std::fs::read_to_string(dir.join(n)).unwrap();
            text.find('\n').unwrap() as u64 + 1
        })
        .sum();
    assert_eq!(read, history.ticket_bytes() - headers);
}
