//! A history converted to the Parquet form of the format (feature `parquet`): every row
//! the reader accepts, in file order, typed; what it turns away is counted, not written.

use std::collections::VecDeque;
use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow_array::builder::{BooleanBuilder, Int64Builder, StringBuilder};
use arrow_array::{ArrayRef, RecordBatch};
use csm_metrics::SurveyScore;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, Encoding};
use parquet::file::properties::WriterProperties;
use parquet::schema::types::ColumnPath;

use super::parquet::{failed, schema};
use super::rows::{self, CALL_COLUMNS, Names, SURVEY_COLUMNS};
use super::source::{Planner, TicketBatches};
use super::{History, ReadOptions};
use crate::error::{Error, Result};
use crate::report::{ImportReport, Rule, Table};

const ROWS: usize = 1 << 16;

fn i(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// A Parquet file being written, a batch at a time.
struct Out {
    writer: ArrowWriter<File>,
    path: std::path::PathBuf,
}

impl Out {
    fn create(dir: &Path, table: Table) -> Result<Out> {
        let path = dir.join(format!("{}.parquet", table.as_str()));
        let file = File::create(&path).map_err(crate::error::io(&path))?;
        // Instants (time-ordered) as deltas, bit-packed, not compressed: a third of the
        // bytes of dictionary pages and quicker to decode; the short texts' dictionary keys
        // do not shrink under Snappy, so they are stored as they are.
        let mut props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_max_row_group_row_count(Some(1 << 20));
        for c in ["at", "created_at", "offered_at"] {
            let c = ColumnPath::from(c);
            props = props
                .set_column_dictionary_enabled(c.clone(), false)
                .set_column_encoding(c.clone(), Encoding::DELTA_BINARY_PACKED)
                .set_column_compression(c, Compression::UNCOMPRESSED);
        }
        for c in [
            "kind",
            "author_kind",
            "public",
            "status_to",
            "channel",
            "priority",
            "team",
        ] {
            props = props.set_column_compression(ColumnPath::from(c), Compression::UNCOMPRESSED);
        }
        let props = props.build();
        let writer =
            ArrowWriter::try_new(file, schema(table), Some(props)).map_err(failed(&path))?;
        Ok(Out { writer, path })
    }

    fn write(&mut self, table: Table, columns: Vec<ArrayRef>) -> Result<()> {
        let batch = RecordBatch::try_new(schema(table), columns).map_err(|e| Error::Parquet {
            path: self.path.clone(),
            message: e.to_string(),
        })?;
        self.writer.write(&batch).map_err(failed(&self.path))
    }

    fn close(self) -> Result<()> {
        self.writer.close().map_err(failed(&self.path)).map(drop)
    }
}

/// Writes `history` as `tickets.parquet`, `events.parquet` (and `surveys.parquet`,
/// `calls.parquet`, `agent_states.parquet`, `schedule.parquet`, `accounts.parquet` where it
/// has those tables) into `out`, and returns what the read
/// counted. Team and queue names are written as the history spells them.
pub fn to_parquet(history: &History, out: &Path, options: &ReadOptions) -> Result<ImportReport> {
    std::fs::create_dir_all(out).map_err(crate::error::io(out))?;
    let mut report = ImportReport::default();
    tickets(history, out, options, &mut report)?;
    events(history, out, options, &mut report)?;
    if history.has("surveys") {
        surveys(history, out, options, &mut report)?;
    }
    if history.has("calls") {
        calls(history, out, options, &mut report)?;
    }
    use super::workforce::{ACCOUNT_COLUMNS, AGENT_STATE_COLUMNS, SCHEDULE_COLUMNS};
    let agent_states = |f: Fields<'_, 4>| super::workforce::agent_state(f).map(drop);
    let schedule = |f: Fields<'_, 4>| super::workforce::scheduled(f).map(drop);
    let accounts = |f: Fields<'_, 5>| super::workforce::account(f).map(drop);
    let (history, o, r) = (history, options, &mut report);
    side_table(
        history,
        out,
        o,
        r,
        Table::AgentStates,
        AGENT_STATE_COLUMNS,
        agent_states,
    )?;
    side_table(
        history,
        out,
        o,
        r,
        Table::Schedule,
        SCHEDULE_COLUMNS,
        schedule,
    )?;
    side_table(
        history,
        out,
        o,
        r,
        Table::Accounts,
        ACCOUNT_COLUMNS,
        accounts,
    )?;
    Ok(report)
}

fn tickets(
    history: &History,
    out: &Path,
    options: &ReadOptions,
    report: &mut ImportReport,
) -> Result<()> {
    let mut file = Out::create(out, Table::Tickets)?;
    let mut batches = TicketBatches::open(history, options)?;
    let mut teams = Names::default();
    let mut rows = VecDeque::new();
    while let Some(batch) = batches.next_batch(&mut teams, &mut rows, report)? {
        report.read(Table::Tickets, batch.rows);
        let (mut id, mut created, mut channel, mut priority, mut team, mut requester) = (
            Int64Builder::new(),
            Int64Builder::new(),
            StringBuilder::new(),
            StringBuilder::new(),
            StringBuilder::new(),
            Int64Builder::new(),
        );
        for r in rows.drain(..) {
            id.append_value(i(r.id));
            created.append_value(r.created_at);
            channel.append_value(r.channel.as_str());
            priority.append_value(r.priority.as_str());
            // A team without a name (an id read as `#123`) is written as it was read.
            team.append_option(r.team.map(|t| {
                teams.get(t).map_or_else(
                    || std::borrow::Cow::Owned(format!("#{t}")),
                    std::borrow::Cow::Borrowed,
                )
            }));
            requester.append_value(i(r.requester));
        }
        file.write(
            Table::Tickets,
            vec![
                Arc::new(id.finish()),
                Arc::new(created.finish()),
                Arc::new(channel.finish()),
                Arc::new(priority.finish()),
                Arc::new(team.finish()),
                Arc::new(requester.finish()),
            ],
        )?;
    }
    file.close()
}

fn events(
    history: &History,
    out: &Path,
    options: &ReadOptions,
    report: &mut ImportReport,
) -> Result<()> {
    let mut file = Out::create(out, Table::Events)?;
    let mut teams = Names::default();
    let (mut planner, parser) = Planner::open(history, options)?;
    while let Some((job, _)) = planner.next()? {
        let (mut ticket, mut at, mut kind, mut author, mut public, mut status, mut agent) = (
            Int64Builder::new(),
            Int64Builder::new(),
            StringBuilder::new(),
            StringBuilder::new(),
            BooleanBuilder::new(),
            StringBuilder::new(),
            Int64Builder::new(),
        );
        let mut parsed = Vec::new();
        let n = parser.parse(job, &mut teams, |row| match row {
            Ok(e) => parsed.push(e),
            Err(rule) => report.reject(Table::Events, rule),
        })?;
        for e in &parsed {
            let (k, a, p, s) = e.texts(&teams);
            ticket.append_value(i(e.ticket));
            at.append_value(e.at);
            kind.append_value(k);
            author.append_value(a);
            public.append_value(p);
            status.append_value(s);
            agent.append_value(i(e.agent));
        }
        report.read(Table::Events, n);
        file.write(
            Table::Events,
            vec![
                Arc::new(ticket.finish()),
                Arc::new(at.finish()),
                Arc::new(kind.finish()),
                Arc::new(author.finish()),
                Arc::new(public.finish()),
                Arc::new(status.finish()),
                Arc::new(agent.finish()),
            ],
        )?;
    }
    report.read(Table::Events, planner.too_long());
    report.reject_n(Table::Events, Rule::RowTooLong, planner.too_long());
    file.close()
}

fn surveys(
    history: &History,
    out: &Path,
    options: &ReadOptions,
    report: &mut ImportReport,
) -> Result<()> {
    let mut file = Out::create(out, Table::Surveys)?;
    let mut rows = Vec::with_capacity(ROWS);
    let mut n = 0;
    let flush = |rows: &mut Vec<csm_metrics::SurveyResponse>, file: &mut Out| -> Result<()> {
        let (mut kind, mut at, mut ticket, mut agent, mut score) = (
            StringBuilder::new(),
            Int64Builder::new(),
            Int64Builder::new(),
            Int64Builder::new(),
            Int64Builder::new(),
        );
        for r in rows.drain(..) {
            let (k, s) = match r.score {
                SurveyScore::Csat(s) => ("csat", s),
                SurveyScore::Nps(s) => ("nps", s),
                SurveyScore::Ces(s) => ("ces", s),
                SurveyScore::Enps(s) => ("enps", s),
                _ => continue,
            };
            kind.append_value(k);
            at.append_value(r.at.timestamp());
            ticket.append_value(i(r.ticket.map_or(0, |t| t.0)));
            agent.append_value(i(r.agent.map_or(0, |a| a.0)));
            score.append_value(i64::from(s));
        }
        file.write(
            Table::Surveys,
            vec![
                Arc::new(kind.finish()),
                Arc::new(at.finish()),
                Arc::new(ticket.finish()),
                Arc::new(agent.finish()),
                Arc::new(score.finish()),
            ],
        )
    };
    history.each_record(
        &history.path("surveys"),
        options,
        SURVEY_COLUMNS,
        report,
        Table::Surveys,
        |fields, report| {
            n += 1;
            match rows::parse_survey(fields, n) {
                Ok(s) => rows.push(s),
                Err(rule) => report.reject(Table::Surveys, rule),
            }
            if rows.len() == ROWS {
                flush(&mut rows, &mut file)?;
            }
            Ok(())
        },
    )?;
    flush(&mut rows, &mut file)?;
    file.close()
}

fn calls(
    history: &History,
    out: &Path,
    options: &ReadOptions,
    report: &mut ImportReport,
) -> Result<()> {
    let mut file = Out::create(out, Table::Calls)?;
    let mut queues = Names::default();
    let mut rows = Vec::with_capacity(ROWS);
    let flush = |rows: &mut Vec<csm_metrics::Call>, queues: &Names, file: &mut Out| -> Result<()> {
        let mut b: [Int64Builder; 7] = std::array::from_fn(|_| Int64Builder::new());
        let mut queue = StringBuilder::new();
        for c in rows.drain(..) {
            b[0].append_value(i(c.id.0));
            queue.append_option(queues.get(c.queue.0));
            b[1].append_value(c.offered_at.timestamp());
            b[2].append_option(c.answered_at.map(|a| a.timestamp()));
            b[3].append_value(c.ended_at.timestamp());
            b[4].append_value(i(c.hold));
            b[5].append_value(i(c.wrap));
            b[6].append_value(i(c.agent.map_or(0, |a| a.0)));
        }
        let [id, offered, answered, ended, hold, wrap, agent] =
            b.map(|mut x| Arc::new(x.finish()) as ArrayRef);
        file.write(
            Table::Calls,
            vec![
                id,
                Arc::new(queue.finish()),
                offered,
                answered,
                ended,
                hold,
                wrap,
                agent,
            ],
        )
    };
    history.each_record(
        &history.path("calls"),
        options,
        CALL_COLUMNS,
        report,
        Table::Calls,
        |fields, report| {
            match rows::parse_call(fields, &mut queues)? {
                Ok(call) => rows.push(call),
                Err(rule) => report.reject(Table::Calls, rule),
            }
            if rows.len() == ROWS {
                flush(&mut rows, &queues, &mut file)?;
            }
            Ok(())
        },
    )?;
    flush(&mut rows, &queues, &mut file)?;
    file.close()
}

/// A row's fields in the format's order, or the rule the row breaks.
type Fields<'r, const N: usize> = std::result::Result<[&'r [u8]; N], Rule>;

/// A small table written as it was read, each row its parser accepts with its columns typed
/// as the schema says (whole numbers, empty as null; text), each it refuses counted.
fn side_table<const N: usize>(
    history: &History,
    out: &Path,
    options: &ReadOptions,
    report: &mut ImportReport,
    table: Table,
    columns: [&'static str; N],
    check: impl Fn(Fields<'_, N>) -> std::result::Result<(), Rule>,
) -> Result<()> {
    if !history.has(table.as_str()) {
        return Ok(());
    }
    let mut file = Out::create(out, table)?;
    let schema = schema(table);
    let mut rows: Vec<[Vec<u8>; N]> = Vec::new();
    let flush = |rows: &mut Vec<[Vec<u8>; N]>, file: &mut Out| -> Result<()> {
        let columns = (0..N)
            .map(|c| -> ArrayRef {
                if schema.field(c).data_type() == &arrow_schema::DataType::Int64 {
                    let mut b = Int64Builder::new();
                    for r in rows.iter() {
                        b.append_option(rows::seconds(&r[c]));
                    }
                    Arc::new(b.finish())
                } else {
                    let mut b = StringBuilder::new();
                    for r in rows.iter() {
                        b.append_value(String::from_utf8_lossy(&r[c]));
                    }
                    Arc::new(b.finish())
                }
            })
            .collect();
        rows.clear();
        file.write(table, columns)
    };
    history.each_record(
        &history.path(table.as_str()),
        options,
        columns,
        report,
        table,
        |fields, report| {
            match fields.clone().and_then(|f| check(Ok(f)).map(|()| f)) {
                Ok(f) => rows.push(f.map(<[u8]>::to_vec)),
                Err(rule) => report.reject(table, rule),
            }
            if rows.len() == ROWS {
                flush(&mut rows, &mut file)?;
            }
            Ok(())
        },
    )?;
    flush(&mut rows, &mut file)?;
    file.close()
}
