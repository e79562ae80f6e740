//! `csm-metrics convert`: any input to the history format's Parquet form. The history format
//! itself converts directly; a help desk's export is read (one shard, so records come in
//! time order), written as history CSV (version 2: team, priority and tag changes kept)
//! into a temporary directory with the export's group names, then converted.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use csm_metrics::{Author, FieldChange, Interaction, InteractionKind, Status, Ticket, Visibility};
use csm_metrics_io::history::{History, Names, ReadOptions, TicketSink};
use csm_metrics_io::{ImportReport, Rule, Table};

use crate::Failure;
use crate::source::Source;

type Out = csv::Writer<BufWriter<File>>;

/// Writes each record as history rows; team ids as `#id` (named after the read).
struct Writer {
    tickets: Out,
    events: Out,
    failed: Option<csv::Error>,
}

fn id(v: u64) -> String {
    v.to_string()
}

impl Writer {
    fn row(&mut self, to_tickets: bool, fields: &[&str]) {
        let out = if to_tickets {
            &mut self.tickets
        } else {
            &mut self.events
        };
        if let Err(e) = out.write_record(fields) {
            self.failed.get_or_insert(e);
        }
    }

    fn event(
        &mut self,
        i: &Interaction,
        kind: &str,
        author: &str,
        public: bool,
        to: &str,
        agent: u64,
    ) {
        let (ticket, at) = (id(i.ticket.0), i.at.timestamp().to_string());
        let public = if public { "true" } else { "false" };
        self.row(false, &[&ticket, &at, kind, author, public, to, &id(agent)]);
    }
}

impl TicketSink for Writer {
    fn ticket(&mut self, t: &Ticket, _: &mut ImportReport) {
        let (ticket, at) = (id(t.id.0), t.created_at.timestamp().to_string());
        let team = t.team.map_or(String::new(), |g| format!("#{}", g.0));
        let row = [
            ticket.as_str(),
            &at,
            t.channel.as_str(),
            t.priority.as_str(),
            &team,
            &id(t.requester.0),
        ];
        self.row(true, &row);
        self.row(false, &[&ticket, &at, "created", "", "false", "", "0"]);
    }

    fn interaction(&mut self, i: &Interaction, report: &mut ImportReport) {
        match i.kind {
            InteractionKind::Message { author, visibility } => {
                let public = visibility == Visibility::Public;
                match author {
                    Author::Agent(a) => self.event(i, "message", "agent", public, "", a.0),
                    Author::Customer => self.event(i, "message", "customer", public, "", 0),
                    _ => self.event(i, "message", "bot", public, "", 0),
                }
            }
            InteractionKind::Status(s) => {
                let s = match s {
                    Status::Custom(c) => c.category.status(),
                    s => s,
                };
                if matches!(s, Status::Merged { .. }) {
                    return report.reject(
                        Table::Events,
                        Rule::Refused("merged: not in the history format".into()),
                    );
                }
                self.event(i, "status", "", false, s.as_str(), 0);
            }
            InteractionKind::Assignment { agent, team } => {
                self.event(i, "assign", "", false, "", agent.map_or(0, |a| a.0));
                if let Some(t) = team {
                    self.event(i, "team", "", false, &format!("#{}", t.0), 0);
                }
            }
            InteractionKind::Field(FieldChange::Assignee(a)) => {
                self.event(i, "assign", "", false, "", a.map_or(0, |a| a.0));
            }
            InteractionKind::Field(FieldChange::Team(t)) => {
                let to = t.map_or(String::new(), |t| format!("#{}", t.0));
                self.event(i, "team", "", false, &to, 0);
            }
            InteractionKind::Field(FieldChange::Priority(p)) => {
                self.event(i, "priority", "", false, p.as_str(), 0);
            }
            InteractionKind::Field(FieldChange::TagAdded(t)) => {
                self.event(i, "tag_added", "", false, &format!("#{}", t.0), 0);
            }
            InteractionKind::Field(FieldChange::TagRemoved(t)) => {
                self.event(i, "tag_removed", "", false, &format!("#{}", t.0), 0);
            }
            _ => report.reject(
                Table::Events,
                Rule::Refused("a custom field or kind the history format does not carry".into()),
            ),
        }
    }
}

/// The writer, for the one shard there is.
struct Slot(Option<Writer>);

impl TicketSink for Slot {
    fn ticket(&mut self, t: &Ticket, report: &mut ImportReport) {
        if let Some(w) = &mut self.0 {
            w.ticket(t, report);
        }
    }

    fn interaction(&mut self, i: &Interaction, report: &mut ImportReport) {
        if let Some(w) = &mut self.0 {
            w.interaction(i, report);
        }
    }
}

fn writer(path: &Path, header: &[&str]) -> Result<Out, Failure> {
    let file = File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut w = csv::Writer::from_writer(BufWriter::with_capacity(1 << 20, file));
    w.write_record(header)?;
    Ok(w)
}

/// Rewrites a history CSV's `#id` teams with their names.
fn name_teams(
    from: &Path,
    to: &Path,
    column: usize,
    kind: Option<usize>,
    teams: &Names,
) -> Result<(), Failure> {
    let mut reader = csv::Reader::from_path(from)?;
    let mut out = writer(to, &reader.headers()?.iter().collect::<Vec<_>>())?;
    let mut record = csv::StringRecord::new();
    while reader.read_record(&mut record)? {
        let field = &record[column];
        let named = kind.is_none_or(|k| &record[k] == "team");
        let name = field
            .strip_prefix('#')
            .and_then(|d| d.parse::<u64>().ok())
            .filter(|_| named)
            .and_then(|id| teams.get(id));
        match name {
            Some(name) => {
                let fields: Vec<&str> = record
                    .iter()
                    .enumerate()
                    .map(|(i, f)| if i == column { name } else { f })
                    .collect();
                out.write_record(&fields)?;
            }
            None => out.write_record(&record)?,
        }
    }
    out.flush()?;
    Ok(())
}

/// Converts `source` into Parquet in `to`; returns what was read and turned away.
pub fn run(source: &Source, options: &ReadOptions, to: &Path) -> Result<ImportReport, Failure> {
    if let Source::History(h) = source {
        return Ok(csm_metrics_io::history::to_parquet(h, to, options)?);
    }
    let raw = tempfile::tempdir()?;
    let options = ReadOptions {
        shards: 1,
        ..options.clone()
    };
    let writer = Writer {
        tickets: writer(
            &raw.path().join("tickets.csv"),
            &[
                "ticket_id",
                "created_at",
                "channel",
                "priority",
                "team",
                "requester_id",
            ],
        )?,
        events: writer(
            &raw.path().join("events.csv"),
            &[
                "ticket_id",
                "at",
                "kind",
                "author_kind",
                "public",
                "status_to",
                "agent_id",
            ],
        )?,
        failed: None,
    };
    // One shard: the one writer.
    let slot = std::sync::Mutex::new(Some(writer));
    let make = |_| Slot(slot.lock().ok().and_then(|mut w| w.take()));
    let read = source.read_tickets(&options, make)?;
    let mut import = read.import;
    for Slot(w) in read.sinks {
        let Some(mut w) = w else { continue };
        if let Some(e) = w.failed.take() {
            return Err(e.into());
        }
        w.tickets.flush()?;
        w.events.flush()?;
    }
    let named = tempfile::tempdir()?;
    name_teams(
        &raw.path().join("tickets.csv"),
        &named.path().join("tickets.csv"),
        4,
        None,
        &read.teams,
    )?;
    name_teams(
        &raw.path().join("events.csv"),
        &named.path().join("events.csv"),
        5,
        Some(2),
        &read.teams,
    )?;
    let converted =
        csm_metrics_io::history::to_parquet(&History::open(named.path())?, to, &options)?;
    // What the export's reader turned away, then the conversion's own counts.
    import.merge(&converted);
    Ok(import)
}
