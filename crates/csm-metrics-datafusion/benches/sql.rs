//! The SQL ticket suite on a generated history in Parquet, against the core tracker fed the
//! same events in one thread.
//!
//! `CSM_SQL_BENCH_TICKETS` sets the history's size (default 1,000,000 tickets, about 8.5
//! million events); the Parquet files are written once under the target directory and
//! reused. Throughput is in events per second; the SQL figure includes reading Parquet.
//!
//! ```sh
//! cargo bench -p csm-metrics-datafusion --bench sql
//! ```

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use csm_metrics::metrics::tickets::{ByTeam, TicketEvent, TicketTracker, TrackerConfig};
use csm_metrics::{Author, InteractionKind, Visibility};
use csm_metrics_datafusion::suite;
use csm_metrics_synth::{Config, Generator, TicketHistory};
use datafusion::arrow::array::{ArrayRef, BooleanArray, Int64Array, RecordBatch, StringArray};
use datafusion::dataframe::DataFrameWriteOptions;
use datafusion::datasource::MemTable;
use datafusion::prelude::{SessionConfig, SessionContext};

fn tickets() -> u64 {
    std::env::var("CSM_SQL_BENCH_TICKETS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000)
}

fn histories(n: u64) -> Vec<TicketHistory> {
    let mut config = Config::new(7, n, (n / 20_000).max(30) as u32);
    config.agents = 50;
    Generator::new(config).collect()
}

/// The columns of the events table being built.
#[derive(Default)]
struct EventColumns {
    ticket: Vec<i64>,
    at: Vec<i64>,
    kind: Vec<&'static str>,
    author: Vec<&'static str>,
    public: Vec<bool>,
    status: Vec<&'static str>,
}

/// The history's `tickets` and `events` tables as record batches.
fn tables(h: &[TicketHistory]) -> (RecordBatch, RecordBatch) {
    let teams = ["billing", "technical", "accounts"];
    let (mut tid, mut created, mut team) = (Vec::new(), Vec::new(), Vec::new());
    let mut e = EventColumns::default();
    for t in h {
        let id = t.ticket.id.0 as i64;
        let at = t.ticket.created_at.timestamp();
        tid.push(id);
        created.push(at);
        team.push(
            t.ticket
                .team
                .map(|tm| teams[(tm.0 as usize - 1) % teams.len()]),
        );
        let mut push = |at: i64, kind, author, public, status| {
            e.ticket.push(id);
            e.at.push(at);
            e.kind.push(kind);
            e.author.push(author);
            e.public.push(public);
            e.status.push(status);
        };
        push(at, "created", "", false, "");
        for i in &t.interactions {
            let at = i.at.timestamp();
            match i.kind {
                InteractionKind::Message { author, visibility } => {
                    let who = match author {
                        Author::Agent(_) => "agent",
                        Author::Customer => "customer",
                        Author::Automation => "bot",
                    };
                    push(at, "message", who, visibility == Visibility::Public, "");
                }
                InteractionKind::Status(s) => {
                    let name = s.as_str();
                    push(at, "status", "", false, name);
                }
                InteractionKind::Assignment { .. } => push(at, "assign", "", false, ""),
                // The history tables have no columns for these (the generator makes none).
                InteractionKind::Field(_) | InteractionKind::BotHandoff => {}
            }
        }
    }
    let [(_, tickets_schema), (_, events_schema), ..] = suite::schemas();
    let n = tid.len();
    let tickets: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from(tid)),
        Arc::new(Int64Array::from(created)),
        Arc::new(StringArray::from(vec![Some("email"); n])),
        Arc::new(StringArray::from(vec![Some("normal"); n])),
        Arc::new(StringArray::from(team)),
        Arc::new(Int64Array::from(vec![0; n])),
    ];
    let m = e.ticket.len();
    let events: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from(e.ticket)),
        Arc::new(Int64Array::from(e.at)),
        Arc::new(StringArray::from(e.kind)),
        Arc::new(StringArray::from(e.author)),
        Arc::new(BooleanArray::from(e.public)),
        Arc::new(StringArray::from(e.status)),
        Arc::new(Int64Array::from(vec![0; m])),
    ];
    (
        RecordBatch::try_new(tickets_schema, tickets).unwrap(),
        RecordBatch::try_new(events_schema, events).unwrap(),
    )
}

/// Writes the history as Parquet once (events in time order, as an export is).
fn parquet_dir(rt: &tokio::runtime::Runtime, h: &[TicketHistory]) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("sql-bench-{}", h.len()));
    if dir.join("events.parquet").exists() && dir.join("tickets.parquet").exists() {
        return dir;
    }
    std::fs::create_dir_all(&dir).unwrap();
    let (tickets, events) = tables(h);
    rt.block_on(async {
        let ctx = SessionContext::new();
        for (name, batch, order) in [("tickets", tickets, "ticket_id"), ("events", events, "at")] {
            let table = MemTable::try_new(batch.schema(), vec![vec![batch]]).unwrap();
            ctx.register_table(name, Arc::new(table)).unwrap();
            let df = ctx
                .sql(&format!("SELECT * FROM {name} ORDER BY {order}"))
                .await
                .unwrap();
            df.write_parquet(
                dir.join(format!("{name}.parquet"))
                    .to_string_lossy()
                    .as_ref(),
                DataFrameWriteOptions::new().with_single_file_output(true),
                None,
            )
            .await
            .unwrap();
        }
    });
    dir
}

fn bench(c: &mut Criterion) {
    let h = histories(tickets());
    let events: u64 = h.iter().map(|t| 1 + t.interactions.len() as u64).sum();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = parquet_dir(&rt, &h);

    let mut g = c.benchmark_group("ticket_suite");
    g.throughput(Throughput::Elements(events));
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(30));
    g.warm_up_time(Duration::from_secs(5));

    let sql = suite::ticket_suite(false);
    g.bench_function(format!("sql_parquet_2_partitions/{}", h.len()), |b| {
        b.iter(|| {
            rt.block_on(async {
                let ctx =
                    SessionContext::new_with_config(SessionConfig::new().with_target_partitions(2));
                csm_metrics_datafusion::register(&ctx);
                suite::register_history(&ctx, &dir).await.unwrap();
                ctx.sql(&sql).await.unwrap().collect().await.unwrap()
            })
        })
    });

    // The core crate in one thread on the same events: creations and interactions in time
    // order in one vector (as the replay example feeds them), records in memory.
    let mut records: Vec<(i64, u8, TicketEvent)> = Vec::with_capacity(events as usize);
    for hist in &h {
        records.push((
            hist.ticket.created_at.timestamp(),
            0,
            TicketEvent::Created(hist.ticket.clone()),
        ));
        for i in &hist.interactions {
            records.push((i.at.timestamp(), 1, TicketEvent::Interaction(*i)));
        }
    }
    records.sort_by_key(|(at, order, _)| (*at, *order));
    let records: Vec<TicketEvent> = records.into_iter().map(|(_, _, e)| e).collect();
    g.bench_function(format!("core_tracker_1_thread/{}", h.len()), |b| {
        b.iter(|| {
            let mut tracker = TicketTracker::new(TrackerConfig::default(), ByTeam).unwrap();
            for e in &records {
                let _ = match e {
                    TicketEvent::Created(t) => tracker.observe_ticket(t),
                    TicketEvent::Interaction(i) => tracker.observe_interaction(i),
                };
            }
            tracker.in_play()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
