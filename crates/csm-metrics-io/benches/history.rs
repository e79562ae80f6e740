//! Reading the history format: a generated history of 200,000 tickets (≈ 1.75M events,
//! 90 MB of CSV) into a sink that only counts (the reader's own cost: chunking, CSV
//! parsing, routing), into the calendar ticket suite by team, and sorted (forced); then
//! the same history converted to Parquet, into the suite. Throughput in bytes of
//! tickets.csv + events.csv per second (one thread: one parser and one shard, beside the
//! thread that cuts chunks).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use csm_metrics::metrics::tickets::{ByTeam, TicketTracker, TrackerConfig};
use csm_metrics::{Interaction, Ticket};
use csm_metrics_io::ImportReport;
use csm_metrics_io::history::{History, ReadOptions, TicketSink};

struct Count(u64);

impl TicketSink for Count {
    fn ticket(&mut self, _: &Ticket, _: &mut ImportReport) {
        self.0 += 1;
    }
    fn interaction(&mut self, i: &Interaction, _: &mut ImportReport) {
        self.0 += black_box(i).at.timestamp() as u64 & 1;
    }
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    csm_metrics_synth::write::history(dir.path(), 200_000, 50, 7).expect("written");
    let history = History::open(dir.path()).expect("a history");
    let bytes = history.ticket_bytes();
    let mut g = c.benchmark_group("history csv");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(bytes));
    for threads in [1, 2] {
        let options = ReadOptions {
            shards: threads,
            parsers: threads,
            ..ReadOptions::default()
        };
        g.bench_function(
            format!("read into a counting sink, {threads} thread(s)"),
            |b| b.iter(|| history.read_tickets(&options, |_| Count(0)).expect("read")),
        );
        g.bench_function(
            format!("calendar suite by team, {threads} thread(s)"),
            |b| {
                b.iter(|| {
                    history
                        .read_tickets(&options, |_| {
                            TicketTracker::new(TrackerConfig::default(), ByTeam).expect("valid")
                        })
                        .expect("read")
                })
            },
        );
    }
    let sorted = ReadOptions {
        always_sort: true,
        ..ReadOptions::default()
    };
    g.bench_function("read sorted (forced) into a counting sink", |b| {
        b.iter(|| history.read_tickets(&sorted, |_| Count(0)).expect("read"))
    });
    g.finish();

    // The same history in Parquet; throughput still in bytes of the CSV it came from.
    let pq_dir = tempfile::tempdir().expect("a temporary directory");
    csm_metrics_io::history::to_parquet(&history, pq_dir.path(), &ReadOptions::default())
        .expect("converted");
    let pq = History::open(pq_dir.path()).expect("a history");
    let mut g = c.benchmark_group("history parquet");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(bytes));
    for threads in [1, 2] {
        let options = ReadOptions {
            shards: threads,
            parsers: threads,
            ..ReadOptions::default()
        };
        g.bench_function(
            format!("calendar suite by team, {threads} thread(s)"),
            |b| {
                b.iter(|| {
                    pq.read_tickets(&options, |_| {
                        TicketTracker::new(TrackerConfig::default(), ByTeam).expect("valid")
                    })
                    .expect("read")
                })
            },
        );
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
