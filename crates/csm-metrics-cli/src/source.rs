//! What `--from` names: the crate's history format (CSV or Parquet) or a help desk's
//! export, behind one reading interface.

use csm_metrics::metrics::calls::CallCenter;
use csm_metrics::metrics::tickets::{OutboundReplies, TrackerConfig};
use csm_metrics::{Calculator, CesScale, Granularity, SurveySuite, Windowed};
use csm_metrics_io::freshdesk::Freshdesk;
use csm_metrics_io::history::{History, Names, ReadOptions, TicketSink};
use csm_metrics_io::servicenow::ServiceNow;
use csm_metrics_io::xes::Xes;
use csm_metrics_io::zendesk::api::ApiExport;
use csm_metrics_io::zendesk::fivetran::Fivetran;
use csm_metrics_io::{ImportReport, Table};

/// The surveys per ISO week and the calls per day, for the HTML page.
pub struct SideWindows {
    pub weeks: Windowed<SurveySuite, chrono_tz::Tz>,
    pub days: Windowed<CallCenter, chrono_tz::Tz>,
}

/// What is read beside the tickets: the surveys, the calls, their import report, the
/// windows of the HTML page, and the `agents` and `retention` sections.
pub type Side = (
    SurveySuite,
    CallCenter,
    ImportReport,
    Option<SideWindows>,
    serde_json::Map<String, serde_json::Value>,
);

/// An input opened.
#[derive(Clone)]
pub enum Source {
    /// The crate's history format.
    History(History),
    /// The Fivetran Zendesk schema as CSV.
    Zendesk(Fivetran),
    /// Zendesk's API exports as JSON.
    ZendeskApi(ApiExport),
    /// Freshdesk's API exports as JSON.
    Freshdesk(Freshdesk),
    /// A ServiceNow incident audit export (CSV, plain or gzip).
    ServiceNow(ServiceNow),
    /// An XES event log through a mapping.
    Xes(Xes),
}

/// What a read gives: one sink per shard, the import report, and the names behind ids.
pub struct Read<S> {
    /// The shards' sinks.
    pub sinks: Vec<S>,
    /// Rows read and turned away.
    pub import: ImportReport,
    /// Team names by id, and tag names (the crate's history format names its tags).
    pub teams: Names,
    /// Ticket ids as the source spells them, where they are names (an XES case id).
    pub tickets: Option<Names>,
    /// Agent names by id, where the source names agents.
    pub agents: Option<Names>,
}

impl Source {
    /// Reads the tickets into one sink per shard.
    pub fn read_tickets<S, F>(
        &self,
        options: &ReadOptions,
        make: F,
    ) -> csm_metrics_io::Result<Read<S>>
    where
        S: TicketSink,
        F: Fn(usize) -> S + Sync,
    {
        let (sinks, import, teams) = match self {
            Source::History(h) => h.read_tickets(options, make)?,
            Source::Zendesk(z) => z.read_tickets(options, make)?,
            Source::ZendeskApi(z) => z.read_tickets(options, make)?,
            Source::Freshdesk(f) => f.read_tickets(options, make)?,
            Source::ServiceNow(s) => {
                let (sinks, report) = s.read_tickets(options, make)?;
                (sinks, report, Names::default())
            }
            Source::Xes(x) => {
                let (sinks, import, names) = x.read_tickets(options, make)?;
                return Ok(Read {
                    sinks,
                    import,
                    teams: names.groups,
                    tickets: Some(names.tickets),
                    agents: Some(names.agents),
                });
            }
        };
        Ok(Read {
            sinks,
            import,
            teams,
            tickets: None,
            agents: None,
        })
    }

    /// Bytes of the files the tickets are read from, for the progress bar (0: no bar).
    pub fn ticket_bytes(&self) -> u64 {
        match self {
            Source::History(h) => h.ticket_bytes(),
            Source::Zendesk(z) => z.bytes(),
            Source::ZendeskApi(z) => z.bytes(),
            Source::Freshdesk(f) => f.bytes(),
            Source::ServiceNow(s) => s.bytes(),
            Source::Xes(x) => x.bytes(),
        }
    }

    /// The surveys and the calls of the input (its import report apart), and with
    /// `windows` (a zone) the surveys per ISO week and the calls per day in that zone, for
    /// the history format (other sources: none).
    pub fn side_in(
        &self,
        options: &ReadOptions,
        windows: Option<chrono_tz::Tz>,
    ) -> csm_metrics_io::Result<Side> {
        let mut report = ImportReport::default();
        match self {
            Source::History(h) => {
                let mut surveys = SurveySuite::default();
                let mut calls = CallCenter::default();
                let mut w = windows.map(|zone| SideWindows {
                    weeks: Windowed::new(Granularity::IsoWeek, zone),
                    days: Windowed::new(Granularity::Day, zone),
                });
                h.read_surveys_with(options, &mut report, |r| {
                    surveys.observe(r)?;
                    if let Some(w) = &mut w {
                        w.weeks.observe(r)?;
                    }
                    Ok(())
                })?;
                h.read_calls_with(options, &mut report, |c| {
                    calls.observe(c)?;
                    if let Some(w) = &mut w {
                        w.days.observe(c)?;
                    }
                    Ok(())
                })?;
                let workforce = crate::workforce::sections(h, options, &mut report)?;
                Ok((surveys, calls, report, w, workforce))
            }
            Source::ZendeskApi(_) | Source::Freshdesk(_) => {
                let scale = match self {
                    Source::ZendeskApi(_) => ApiExport::CSAT_SCALE,
                    _ => Freshdesk::CSAT_SCALE,
                };
                let mut surveys = SurveySuite::new(scale, CesScale::default())?;
                let mut w = windows.map(|zone| SideWindows {
                    weeks: Windowed::with_template(Granularity::IsoWeek, zone, surveys.clone()),
                    days: Windowed::new(Granularity::Day, zone),
                });
                let mut observe = |r: &csm_metrics::SurveyResponse| -> csm_metrics::Result<()> {
                    surveys.observe(r)?;
                    if let Some(w) = &mut w {
                        w.weeks.observe(r)?;
                    }
                    Ok(())
                };
                match self {
                    Source::ZendeskApi(z) => z.read_surveys_with(&mut report, &mut observe)?,
                    Source::Freshdesk(f) => f.read_surveys_with(&mut report, &mut observe)?,
                    _ => {}
                }
                Ok((
                    surveys,
                    CallCenter::default(),
                    report,
                    w,
                    Default::default(),
                ))
            }
            _ => Ok((
                SurveySuite::default(),
                CallCenter::default(),
                report,
                None,
                Default::default(),
            )),
        }
    }

    /// A Zendesk export's schedule to count business time in: the one named, else the
    /// default (`Some(None)` when its schedules hold none); `None` for an input without
    /// schedules.
    pub fn zendesk_schedule(
        &self,
        name: Option<&str>,
        options: &ReadOptions,
        report: &mut ImportReport,
    ) -> csm_metrics_io::Result<Option<Option<csm_metrics_io::zendesk::schedule::Schedule>>> {
        Ok(Some(match (self, name) {
            (Source::Zendesk(z), Some(n)) if z.has("schedule") => {
                Some(z.schedule(n, options, report)?)
            }
            (Source::Zendesk(z), None) if z.has("schedule") => {
                z.default_schedule(options, report)?
            }
            (Source::ZendeskApi(z), Some(n)) if z.has("schedules") => {
                Some(z.schedule(n, options, report)?)
            }
            (Source::ZendeskApi(z), None) if z.has("schedules") => {
                z.default_schedule(options, report)?
            }
            _ => return Ok(None),
        }))
    }

    /// The input's own rules on top of the caller's configuration: a Zendesk export counts
    /// first replies as Zendesk does (an agent's first comment on a ticket an agent opened
    /// is its description).
    pub fn configure(&self, config: TrackerConfig) -> TrackerConfig {
        match self {
            Source::History(_) | Source::Freshdesk(_) | Source::ServiceNow(_) | Source::Xes(_) => {
                config
            }
            Source::Zendesk(_) | Source::ZendeskApi(_) => TrackerConfig {
                outbound: OutboundReplies::SecondAgentComment,
                ..config
            },
        }
    }

    /// Ticket rows and event rows read (for a Fivetran Zendesk export: `ticket`, and
    /// `ticket_comment` with `ticket_field_history`; for an API export: `tickets` and
    /// `ticket_events`, one per update; for an XES log, traces and events).
    pub fn counts(&self, import: &ImportReport) -> (u64, u64) {
        match self {
            Source::History(_) => (
                import.rows_of(Table::Tickets),
                import.rows_of(Table::Events),
            ),
            Source::Zendesk(_) => (
                import.rows_of(Table::Source("ticket")),
                import.rows_of(Table::Source("ticket_comment"))
                    + import.rows_of(Table::Source("ticket_field_history")),
            ),
            Source::ZendeskApi(_) => (
                import.rows_of(Table::Source("tickets")),
                import.rows_of(Table::Source("ticket_events")),
            ),
            Source::ServiceNow(_) => (
                import.rows_of(Table::Source("incidents")),
                import.rows_of(Table::Source("incidents")),
            ),
            Source::Xes(_) => (
                import.rows_of(Table::Source("traces")),
                import.rows_of(Table::Events),
            ),
            Source::Freshdesk(_) => (
                import.rows_of(Table::Source("tickets")),
                import.rows_of(Table::Source("conversations"))
                    + import.rows_of(Table::Source("ticket_activities")),
            ),
        }
    }
}
