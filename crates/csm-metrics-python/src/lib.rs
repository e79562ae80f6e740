//! `csm_metrics` for Python: the crate's calculators as classes (observe, merge, snapshot,
//! state as bytes and pickle), and its staffing models as functions.
//!
//! Records are Python dicts in the crate's serde form (the same keys as its JSON: instants
//! as RFC 3339 strings, ids as integers, enums in snake case); snapshots come back as
//! dicts. A record or setting the crate refuses raises [`CsmMetricsError`] with the crate's
//! message, which names the record and the rule; nothing panics into Python.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

use core_metrics::Calculator;
use core_metrics::metrics::staffing::{self, IntervalForecast, Targets};
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

pyo3::create_exception!(
    csm_metrics,
    CsmMetricsError,
    PyException,
    "A record, state or setting the crate refuses; the message names the record and the rule."
);

fn refused(e: core_metrics::Error) -> PyErr {
    CsmMetricsError::new_err(e.to_string())
}

fn unreadable(what: &str, e: impl std::fmt::Display) -> PyErr {
    CsmMetricsError::new_err(format!("{what}: {e}"))
}

fn to_python<'py, T: serde::Serialize>(py: Python<'py>, value: &T) -> PyResult<Bound<'py, PyAny>> {
    pythonize::pythonize(py, value).map_err(|e| unreadable("snapshot", e))
}

macro_rules! calculator {
    ($py:ident, $rust:ty, $record:ty, $what:literal, $doc:literal) => {
        #[doc = $doc]
        #[pyclass(module = "csm_metrics")]
        #[derive(Clone, Default)]
        pub struct $py {
            inner: $rust,
        }

        #[pymethods]
        impl $py {
            /// An empty state.
            #[new]
            fn new() -> Self {
                Self::default()
            }

            /// Observes one record (a dict in the crate's serde form); a record the crate
            /// refuses raises `CsmMetricsError` and changes nothing.
            fn observe(&mut self, record: &Bound<'_, PyAny>) -> PyResult<()> {
                let r: $record = pythonize::depythonize(record)
                    .map_err(|e| unreadable(concat!("a ", $what, " record"), e))?;
                self.inner.observe(&r).map_err(refused)
            }

            /// Observes every record of an iterable, stopping at the first refused one
            /// (those before it stay observed); returns how many were observed.
            fn observe_all(&mut self, records: &Bound<'_, PyAny>) -> PyResult<usize> {
                let mut n = 0;
                for record in records.try_iter()? {
                    self.observe(&record?)?;
                    n += 1;
                }
                Ok(n)
            }

            /// Merges another state of the same kind into this one (shards of a stream
            /// merge into exactly the state of one pass).
            fn merge(&mut self, other: &Self) -> PyResult<()> {
                self.inner.merge(&other.inner).map_err(refused)
            }

            /// What the state reports now, as a dict.
            fn snapshot<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                to_python(py, &self.inner.snapshot())
            }

            /// The whole state as bytes (the crate's serde form, JSON).
            fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
                let bytes = serde_json::to_vec(&self.inner).map_err(|e| unreadable("state", e))?;
                Ok(PyBytes::new(py, &bytes))
            }

            /// A state read back from [`to_bytes`]; a tampered state raises.
            #[staticmethod]
            fn from_bytes(data: &[u8]) -> PyResult<Self> {
                let inner = serde_json::from_slice(data).map_err(|e| unreadable("state", e))?;
                Ok(Self { inner })
            }

            fn __getstate__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
                self.to_bytes(py)
            }

            fn __setstate__(&mut self, state: &[u8]) -> PyResult<()> {
                *self = Self::from_bytes(state)?;
                Ok(())
            }

            fn __eq__(&self, other: &Self) -> bool {
                self.inner == other.inner
            }

            fn __repr__(&self) -> String {
                format!("{}({:?})", stringify!($py), self.inner.snapshot())
            }
        }
    };
}

use core_metrics::model::{Call, SurveyResponse};

calculator!(
    NetPromoterScore,
    core_metrics::NetPromoterScore,
    SurveyResponse,
    "survey",
    "Net Promoter Score: % promoters (9–10) − % detractors (0–6), −100..=100, with its interval."
);
calculator!(
    CustomerSatisfaction,
    core_metrics::CustomerSatisfaction,
    SurveyResponse,
    "survey",
    "CSAT: % of responses at 4 or 5 on a 1–5 scale (0..=100), with its Wilson interval."
);
calculator!(
    CustomerEffortScore,
    core_metrics::CustomerEffortScore,
    SurveyResponse,
    "survey",
    "CES: mean effort score and % agreeing (5–7 on a 1–7 scale)."
);
calculator!(
    EmployeeNetPromoterScore,
    core_metrics::EmployeeNetPromoterScore,
    SurveyResponse,
    "survey",
    "eNPS: the Net Promoter Score of employees."
);
calculator!(
    SurveySuite,
    core_metrics::SurveySuite,
    SurveyResponse,
    "survey",
    "Every survey metric at once, each response routed by its kind."
);
calculator!(
    CallCenter,
    core_metrics::metrics::calls::CallCenter,
    Call,
    "call",
    "Contact-center figures of calls: offered, answered, abandoned, service level, ASA, AHT."
);
calculator!(
    Patience,
    core_metrics::metrics::patience::Patience,
    Call,
    "call",
    "Callers' mean patience: abandons observed, answers censored at their wait (for Erlang A)."
);

/// A ticket's fields over the defaults of a new ticket (web, normal priority, created by the
/// customer, no team, no tags): only `id`, `created_at` and `requester` are required.
fn ticket_of(record: &Bound<'_, PyAny>) -> PyResult<core_metrics::Ticket> {
    let given: serde_json::Map<String, serde_json::Value> =
        pythonize::depythonize(record).map_err(|e| unreadable("a ticket record", e))?;
    let required: MinimalTicket = serde_json::from_value(serde_json::Value::Object(given.clone()))
        .map_err(|e| unreadable("a ticket record (id, created_at, requester)", e))?;
    let base = core_metrics::Ticket::new(required.id, required.created_at, required.requester);
    let mut full = serde_json::to_value(&base).map_err(|e| unreadable("a ticket record", e))?;
    if let Some(m) = full.as_object_mut() {
        m.extend(given);
    }
    serde_json::from_value(full).map_err(|e| unreadable("a ticket record", e))
}

#[derive(serde::Deserialize)]
struct MinimalTicket {
    id: core_metrics::TicketId,
    created_at: chrono::DateTime<chrono::Utc>,
    requester: core_metrics::CustomerId,
}

/// An interaction record from its dict.
fn interaction_of(interaction: &Bound<'_, PyAny>) -> PyResult<core_metrics::Interaction> {
    pythonize::depythonize(interaction).map_err(|e| unreadable("an interaction record", e))
}

/// The instant `as_of` names (RFC 3339), else `latest` (else the epoch).
fn instant_or(
    as_of: Option<&str>,
    latest: Option<chrono::DateTime<chrono::Utc>>,
) -> PyResult<chrono::DateTime<chrono::Utc>> {
    Ok(match as_of {
        Some(s) => chrono::DateTime::parse_from_rfc3339(s)
            .map_err(|e| unreadable("as_of", e))?
            .with_timezone(&chrono::Utc),
        None => latest.unwrap_or_default(),
    })
}

/// The saved form of a Python `TicketTracker`: its calendar's spec and the tracker's state.
#[derive(serde::Serialize, serde::Deserialize)]
struct SavedPyTracker {
    calendar: Option<String>,
    state: core_metrics::metrics::tickets::SavedTracker<Option<core_metrics::TeamId>>,
}

type Tracker =
    core_metrics::metrics::tickets::TicketTracker<core_metrics::metrics::tickets::ByTeam>;

/// The ticket lifecycle, overall and per team: first response, resolution, reopens,
/// backlog… in calendar time and, with a business calendar, in business time. Tickets and
/// interactions are dicts in the crate's serde form.
#[pyclass(module = "csm_metrics")]
#[derive(Clone)]
pub struct TicketTracker {
    inner: Tracker,
    calendar: Option<String>,
}

impl TicketTracker {
    fn config(calendar: Option<&str>) -> PyResult<core_metrics::metrics::tickets::TrackerConfig> {
        let mut config = core_metrics::metrics::tickets::TrackerConfig::default();
        if let Some(spec) = calendar {
            let c =
                csm_metrics_io::calendar::parse(spec).map_err(|e| unreadable("the calendar", e))?;
            config.calendar = Some(std::sync::Arc::new(c));
        }
        Ok(config)
    }
}

#[pymethods]
impl TicketTracker {
    /// A tracker; `calendar` is a business calendar's spec (as the command's `--calendar`
    /// file holds: a dict, its JSON text, or the file's path) for business-time figures.
    #[new]
    #[pyo3(signature = (calendar = None))]
    fn new(py: Python<'_>, calendar: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let calendar = calendar.map(|c| spec_text(py, "calendar", c)).transpose()?;
        let config = Self::config(calendar.as_deref())?;
        let inner =
            Tracker::new(config, core_metrics::metrics::tickets::ByTeam).map_err(refused)?;
        Ok(TicketTracker { inner, calendar })
    }

    /// Observes a ticket's creation: `id`, `created_at`, `requester` and any other field
    /// of the crate's ticket (`channel`, `priority`, `team`, `tags`…).
    fn observe_ticket(&mut self, ticket: &Bound<'_, PyAny>) -> PyResult<()> {
        let t = ticket_of(ticket)?;
        self.inner.observe_ticket(&t).map_err(refused)
    }

    /// Observes an interaction: `{"ticket": 1, "at": "…", "kind": {"message": {"author":
    /// {"agent": 2}, "visibility": "public"}}}`, `{"kind": {"status": "solved"}}`, ….
    fn observe_interaction(&mut self, interaction: &Bound<'_, PyAny>) -> PyResult<()> {
        let i = interaction_of(interaction)?;
        self.inner.observe_interaction(&i).map_err(refused)
    }

    /// Merges the tracker of another shard (tickets split by id).
    fn merge(&mut self, other: &Self) -> PyResult<()> {
        self.inner.merge_shard(&other.inner).map_err(refused)
    }

    /// The figures at `as_of` (RFC 3339; default: the latest instant observed), as a dict.
    #[pyo3(signature = (as_of = None))]
    fn snapshot<'py>(&self, py: Python<'py>, as_of: Option<&str>) -> PyResult<Bound<'py, PyAny>> {
        let at = instant_or(as_of, self.inner.latest())?;
        to_python(py, &self.inner.snapshot_at(at))
    }

    /// The whole state (tickets in play included) as bytes.
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let saved = SavedPyTracker {
            calendar: self.calendar.clone(),
            state: self.inner.save(),
        };
        let bytes = serde_json::to_vec(&saved).map_err(|e| unreadable("state", e))?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// A tracker read back from [`to_bytes`]; a tampered state raises.
    #[staticmethod]
    fn from_bytes(data: &[u8]) -> PyResult<Self> {
        let saved: SavedPyTracker =
            serde_json::from_slice(data).map_err(|e| unreadable("state", e))?;
        let config = Self::config(saved.calendar.as_deref())?;
        let inner = Tracker::restore(config, core_metrics::metrics::tickets::ByTeam, saved.state)
            .map_err(refused)?;
        Ok(TicketTracker {
            inner,
            calendar: saved.calendar,
        })
    }

    fn __getstate__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        self.to_bytes(py)
    }

    fn __setstate__(&mut self, state: &[u8]) -> PyResult<()> {
        *self = Self::from_bytes(state)?;
        Ok(())
    }

    /// Tickets in play (not closed, merged or evicted).
    fn in_play(&self) -> usize {
        self.inner.in_play()
    }
}

type Sla = core_metrics::metrics::sla::SlaTracker<core_metrics::metrics::tickets::ByTeam>;

/// The saved form of a Python `SlaTracker`: its specs and the tracker's state.
#[derive(serde::Serialize, serde::Deserialize)]
struct SavedPySla {
    sla: String,
    calendar: Option<String>,
    state: core_metrics::metrics::sla::SavedSla<Option<core_metrics::TeamId>>,
}

/// SLA attainment, overall and per team: each policy's targets (first reply, next reply,
/// periodic update, resolution, group ownership) achieved, breached and at risk, on the
/// same ticket engine as `TicketTracker` (one duplicate rule, late events re-sequenced).
/// Tickets and interactions are dicts in the crate's serde form.
#[pyclass(module = "csm_metrics")]
#[derive(Clone)]
pub struct SlaTracker {
    inner: Sla,
    sla: String,
    calendar: Option<String>,
}

impl SlaTracker {
    fn config(
        sla: &str,
        calendar: Option<&str>,
    ) -> PyResult<core_metrics::metrics::sla::SlaConfig> {
        let policies = csm_metrics_io::sla::parse(sla).map_err(|e| unreadable("sla", e))?;
        let calendar = TicketTracker::config(calendar)?.calendar;
        let policies =
            core_metrics::metrics::sla::SlaPolicies::new(policies, calendar).map_err(refused)?;
        Ok(core_metrics::metrics::sla::SlaConfig::new(policies))
    }
}

#[pymethods]
impl SlaTracker {
    /// A tracker of the policies `sla` (as the command's `--sla` file holds: a dict, its
    /// JSON text, or the file's path); `calendar` (the same forms) for business targets.
    #[new]
    #[pyo3(signature = (sla, calendar = None))]
    fn new(
        py: Python<'_>,
        sla: &Bound<'_, PyAny>,
        calendar: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let sla = spec_text(py, "sla", sla)?;
        let calendar = calendar.map(|c| spec_text(py, "calendar", c)).transpose()?;
        let config = Self::config(&sla, calendar.as_deref())?;
        Ok(SlaTracker {
            inner: Sla::with_config(config, core_metrics::metrics::tickets::ByTeam),
            sla,
            calendar,
        })
    }

    /// Observes a ticket's creation (as `TicketTracker.observe_ticket`).
    fn observe_ticket(&mut self, ticket: &Bound<'_, PyAny>) -> PyResult<()> {
        let t = ticket_of(ticket)?;
        self.inner.observe_ticket(&t).map_err(refused)
    }

    /// Observes an interaction (as `TicketTracker.observe_interaction`).
    fn observe_interaction(&mut self, interaction: &Bound<'_, PyAny>) -> PyResult<()> {
        let i = interaction_of(interaction)?;
        self.inner.observe_interaction(&i).map_err(refused)
    }

    /// Merges the tracker of another shard (tickets split by id; the same policies).
    fn merge(&mut self, other: &Self) -> PyResult<()> {
        self.inner.merge(&other.inner).map_err(refused)
    }

    /// The figures at `as_of` (RFC 3339; default: the latest instant observed), as a dict.
    #[pyo3(signature = (as_of = None))]
    fn snapshot<'py>(&self, py: Python<'py>, as_of: Option<&str>) -> PyResult<Bound<'py, PyAny>> {
        let at = instant_or(as_of, self.inner.latest())?;
        to_python(py, &self.inner.snapshot_at(at))
    }

    /// The whole state (tickets in play included) as bytes.
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let saved = SavedPySla {
            sla: self.sla.clone(),
            calendar: self.calendar.clone(),
            state: self.inner.save(),
        };
        let bytes = serde_json::to_vec(&saved).map_err(|e| unreadable("state", e))?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// A tracker read back from [`to_bytes`]; a tampered state raises.
    #[staticmethod]
    fn from_bytes(data: &[u8]) -> PyResult<Self> {
        let saved: SavedPySla = serde_json::from_slice(data).map_err(|e| unreadable("state", e))?;
        let config = Self::config(&saved.sla, saved.calendar.as_deref())?;
        let inner = Sla::restore(config, core_metrics::metrics::tickets::ByTeam, saved.state)
            .map_err(refused)?;
        Ok(SlaTracker {
            inner,
            sla: saved.sla,
            calendar: saved.calendar,
        })
    }

    /// Pickles as its bytes (`from_bytes` rebuilds it).
    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyBytes>,))> {
        let rebuild = slf.get_type().getattr("from_bytes")?;
        Ok((rebuild, (slf.borrow().to_bytes(py)?,)))
    }

    /// Tickets in play.
    fn in_play(&self) -> usize {
        self.inner.in_play()
    }
}

/// The fewest agents for `contacts` in an interval of `interval_seconds` at `aht_seconds`
/// each to answer `service_level` within `answer_seconds`, with occupancy at most
/// `max_occupancy`; positions after `shrinkage`. Erlang C, or Erlang A with a mean
/// `patience` (seconds). Returns a dict: agents, positions, prediction.
#[pyfunction]
#[pyo3(signature = (contacts, aht_seconds, interval_seconds = 1800.0, service_level = 0.8,
    answer_seconds = 20.0, max_occupancy = 0.85, shrinkage = 0.3, patience = None))]
#[allow(clippy::too_many_arguments)]
fn agents_needed<'py>(
    py: Python<'py>,
    contacts: f64,
    aht_seconds: f64,
    interval_seconds: f64,
    service_level: f64,
    answer_seconds: f64,
    max_occupancy: f64,
    shrinkage: f64,
    patience: Option<f64>,
) -> PyResult<Bound<'py, PyAny>> {
    if !(interval_seconds.is_finite() && interval_seconds > 0.0) {
        return Err(CsmMetricsError::new_err(format!(
            "an interval of {interval_seconds} s"
        )));
    }
    let rate = contacts / interval_seconds;
    let s = match patience {
        Some(p) => staffing::ErlangA::new(rate, aht_seconds, p)
            .and_then(|m| m.agents_for(service_level, answer_seconds, max_occupancy, shrinkage)),
        None => staffing::ErlangC::new(rate, aht_seconds)
            .and_then(|m| m.agents_for(service_level, answer_seconds, max_occupancy, shrinkage)),
    }
    .map_err(refused)?;
    to_python(py, &s)
}

/// The staffing plan of a forecast: a list of dicts with `start` (RFC 3339), `contacts` and
/// `aht` (seconds) per interval of `interval_seconds`. Returns the plan as a dict (rows,
/// agent-hours, position-hours).
#[pyfunction]
#[pyo3(signature = (forecast, interval_seconds = 1800, service_level = 0.8, answer_seconds = 20.0,
    max_occupancy = 0.85, shrinkage = 0.3, patience = None, concurrency = 1))]
#[allow(clippy::too_many_arguments)]
fn plan<'py>(
    py: Python<'py>,
    forecast: &Bound<'py, PyAny>,
    interval_seconds: u64,
    service_level: f64,
    answer_seconds: f64,
    max_occupancy: f64,
    shrinkage: f64,
    patience: Option<f64>,
    concurrency: u32,
) -> PyResult<Bound<'py, PyAny>> {
    let rows: Vec<IntervalForecast> =
        pythonize::depythonize(forecast).map_err(|e| unreadable("a forecast", e))?;
    let t = Targets {
        service_level,
        answer_seconds,
        max_occupancy,
        shrinkage,
        patience,
        concurrency,
    };
    let p = staffing::plan(&rows, interval_seconds, t).map_err(refused)?;
    to_python(py, &p)
}

/// The replay report of a history on disk: what `csm-metrics report --format json`
/// prints, as a dict (`input`, `tickets`, `surveys`, `calls` and the sections the options
/// add; durations in seconds, shares as fractions, survey scores in points). `source` is
/// the format of `path` (csv, parquet, fivetran-zendesk, zendesk, freshdesk, servicenow,
/// xes); the other arguments are the command's options. The computation runs without the
/// GIL.
#[pyfunction]
#[pyo3(signature = (path, source = "csv", threads = 1, calendar = None, zone = None,
    group_by = None, window = None, as_of = None, sla = None, mapping = None))]
#[allow(clippy::too_many_arguments)]
fn report_files<'py>(
    py: Python<'py>,
    path: std::path::PathBuf,
    source: &str,
    threads: u16,
    calendar: Option<std::path::PathBuf>,
    zone: Option<String>,
    group_by: Option<Vec<String>>,
    window: Option<String>,
    as_of: Option<String>,
    sla: Option<std::path::PathBuf>,
    mapping: Option<std::path::PathBuf>,
) -> PyResult<Bound<'py, PyAny>> {
    let mut argv: Vec<std::ffi::OsString> = vec![
        path.into_os_string(),
        "--from".into(),
        source.into(),
        "--threads".into(),
        threads.to_string().into(),
    ];
    let mut option = |name: &str, value: Option<std::ffi::OsString>| {
        if let Some(v) = value {
            argv.push(name.into());
            argv.push(v);
        }
    };
    option("--calendar", calendar.map(Into::into));
    option("--zone", zone.map(Into::into));
    option("--group-by", group_by.map(|g| g.join(",").into()));
    option("--window", window.map(Into::into));
    option("--as-of", as_of.map(Into::into));
    option("--sla", sla.map(Into::into));
    option("--mapping", mapping.map(Into::into));
    let report = py
        .detach(move || csm_metrics_cli::report_json(argv).map_err(|e| e.to_string()))
        .map_err(CsmMetricsError::new_err)?;
    to_python(py, &report)
}

/// A table handed over from Python: anything with the Arrow PyCapsule interface (a pyarrow
/// table or record batch, a Polars data frame, a pandas data frame from 2.2), else what
/// `pyarrow.table()` takes (an older pandas data frame, a dict of columns).
fn arrow_table(
    py: Python<'_>,
    name: &str,
    data: &Bound<'_, PyAny>,
) -> PyResult<csm_metrics_io::history::ArrowTable> {
    let capsule = data.hasattr("__arrow_c_stream__")? || data.hasattr("__arrow_c_array__")?;
    let data = if capsule {
        data.clone()
    } else {
        let pyarrow = py.import("pyarrow").map_err(|_| {
            pyo3::exceptions::PyTypeError::new_err(format!(
                "{name}: not an Arrow table (no __arrow_c_stream__) and pyarrow is not installed to convert it"
            ))
        })?;
        pyarrow.call_method1("table", (data,)).map_err(|e| {
            pyo3::exceptions::PyTypeError::new_err(format!("{name}: not a table: {e}"))
        })?
    };
    let table = data
        .extract::<pyo3_arrow::input::AnyRecordBatch>()
        .map_err(|e| {
            pyo3::exceptions::PyTypeError::new_err(format!("{name}: not an Arrow table: {e}"))
        })?
        .into_table()
        .map_err(PyErr::from)?;
    let (batches, schema) = table.into_inner();
    csm_metrics_io::history::ArrowTable::new(schema, batches)
        .map_err(|e| CsmMetricsError::new_err(format!("{name}: {e}")))
}

/// A spec (business calendar, SLA policies) from Python: a dict or list as the JSON spec's
/// value, a `str` starting with `{` as its text, else a path to a file holding it.
fn spec_text(py: Python<'_>, name: &str, spec: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(text) = spec.extract::<String>() {
        if text.trim_start().starts_with('{') {
            return Ok(text);
        }
        return std::fs::read_to_string(&text)
            .map_err(|e| CsmMetricsError::new_err(format!("{name}: {text}: {e}")));
    }
    if let Ok(path) = spec.extract::<std::path::PathBuf>() {
        return std::fs::read_to_string(&path)
            .map_err(|e| CsmMetricsError::new_err(format!("{name}: {}: {e}", path.display())));
    }
    let value: serde_json::Value = pythonize::depythonize(spec)
        .map_err(|e| pyo3::exceptions::PyTypeError::new_err(format!("{name}: {e}")))?;
    let _ = py;
    Ok(value.to_string())
}

/// The replay report (the `csm-metrics report` command's JSON, as a dict: `input`,
/// `tickets`, `surveys`, `calls` and the sections options add) of a history given as Arrow
/// tables in memory: `tickets` and `events` in the history format's columns (required),
/// `surveys` and `calls` optional. pyarrow tables, Polars and pandas data frames are read
/// through the Arrow C stream interface, without a copy where the layout allows; instants
/// may be integers (Unix seconds) or timestamps. `calendar`, `sla` and `group_sla` are a
/// spec as a dict, its JSON text, or a file's path. Computed without the GIL.
#[pyfunction]
#[pyo3(signature = (tickets, events, surveys = None, calls = None, calendar = None, *,
    threads = 1, zone = None, group_by = None, window = None, as_of = None, sla = None,
    group_sla = None))]
#[allow(clippy::too_many_arguments)]
fn report<'py>(
    py: Python<'py>,
    tickets: &Bound<'py, PyAny>,
    events: &Bound<'py, PyAny>,
    surveys: Option<&Bound<'py, PyAny>>,
    calls: Option<&Bound<'py, PyAny>>,
    calendar: Option<&Bound<'py, PyAny>>,
    threads: u16,
    zone: Option<String>,
    group_by: Option<Vec<String>>,
    window: Option<String>,
    as_of: Option<String>,
    sla: Option<&Bound<'py, PyAny>>,
    group_sla: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let tickets = arrow_table(py, "tickets", tickets)?;
    let events = arrow_table(py, "events", events)?;
    let surveys = surveys.map(|t| arrow_table(py, "surveys", t)).transpose()?;
    let calls = calls.map(|t| arrow_table(py, "calls", t)).transpose()?;
    let mut given = csm_metrics_cli::Given::new();
    if let Some(c) = calendar {
        given = given.calendar(spec_text(py, "calendar", c)?);
    }
    if let Some(s) = sla {
        given = given.sla(spec_text(py, "sla", s)?);
    }
    if let Some(s) = group_sla {
        given = given.group_sla(spec_text(py, "group_sla", s)?);
    }
    let mut argv: Vec<String> = vec![
        "<arrow tables>".into(),
        "--threads".into(),
        threads.to_string(),
    ];
    let mut option = |name: &str, value: Option<String>| {
        if let Some(v) = value {
            argv.push(name.into());
            argv.push(v);
        }
    };
    option("--zone", zone);
    option("--group-by", group_by.map(|g| g.join(",")));
    option("--window", window);
    option("--as-of", as_of);
    let report = py
        .detach(move || {
            let history =
                csm_metrics_io::history::History::from_arrow(tickets, events, surveys, calls)
                    .map_err(|e| e.to_string())?;
            csm_metrics_cli::report_json_with(given.history(history), argv)
                .map_err(|e| e.to_string())
        })
        .map_err(CsmMetricsError::new_err)?;
    to_python(py, &report)
}

/// A report's figures as rows: each group's (or window's) figures flattened to columns
/// named by their path (`first_response.p50`), lists as their JSON text.
mod rows {
    use serde_json::{Map, Value};

    /// Puts `value`'s leaves into `row` under `prefix`.
    fn flatten(prefix: &str, value: &Value, row: &mut Map<String, Value>) {
        match value {
            Value::Object(fields) => {
                for (k, v) in fields {
                    let name = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    flatten(&name, v, row);
                }
            }
            Value::Array(_) => {
                row.insert(prefix.to_string(), Value::String(value.to_string()));
            }
            leaf => {
                row.insert(prefix.to_string(), leaf.clone());
            }
        }
    }

    /// One row of an object's figures.
    pub(super) fn one(value: &Value) -> Vec<Value> {
        let mut row = Map::new();
        flatten("", value, &mut row);
        vec![Value::Object(row)]
    }

    /// A row per key of a map of groups, the key in the column `key`.
    pub(super) fn keyed(key: &str, groups: &Value) -> Vec<Value> {
        let Some(groups) = groups.as_object() else {
            return Vec::new();
        };
        groups
            .iter()
            .map(|(name, figures)| {
                let mut row = Map::new();
                row.insert(key.to_string(), Value::String(name.clone()));
                flatten("", figures, &mut row);
                Value::Object(row)
            })
            .collect()
    }

    /// The tables of a report: `overall` (the tickets'), each `tickets.by_*` section
    /// (`by_team` keyed by `team`…), `sla` and `group_sla` (a row per target), `surveys`
    /// (a row per kind), `calls`, `input` (one row each).
    pub(super) fn tables(report: &Value) -> Vec<(String, Option<String>, Vec<Value>)> {
        let mut out = Vec::new();
        let tickets = &report["tickets"];
        if let Some(sections) = tickets.as_object() {
            for (name, section) in sections {
                if name == "overall" {
                    out.push(("overall".to_string(), None, one(section)));
                } else if let Some(key) = name.strip_prefix("by_") {
                    out.push((name.clone(), Some(key.into()), keyed(key, section)));
                }
            }
        }
        for sla in ["sla", "group_sla"] {
            if let Some(targets) = report.get(sla).and_then(|s| s.get("targets")) {
                out.push((
                    sla.to_string(),
                    Some("target".into()),
                    keyed("target", targets),
                ));
            }
        }
        if let Some(surveys) = report.get("surveys") {
            out.push((
                "surveys".to_string(),
                Some("kind".into()),
                keyed("kind", surveys),
            ));
        }
        for section in ["calls", "input"] {
            if let Some(v) = report.get(section) {
                out.push((section.to_string(), None, one(v)));
            }
        }
        out
    }
}

/// A table of rows (JSON objects) as an Arrow record batch: column types inferred (whole
/// numbers `Int64`, other numbers `Float64`, texts `Utf8`, a column of nulls only `Null`),
/// the `key` column first.
fn record_batch(
    rows: &[serde_json::Value],
    key: Option<&str>,
) -> Result<arrow_array::RecordBatch, String> {
    let schema = arrow_json::reader::infer_json_schema_from_iterator(rows.iter().map(Ok))
        .map_err(|e| e.to_string())?;
    let (mut first, rest): (Vec<_>, Vec<_>) = schema
        .fields()
        .iter()
        .cloned()
        .partition(|f| Some(f.name().as_str()) == key);
    first.extend(rest);
    let schema = std::sync::Arc::new(arrow_schema::Schema::new(first));
    let mut decoder = arrow_json::ReaderBuilder::new(schema.clone())
        .build_decoder()
        .map_err(|e| e.to_string())?;
    decoder.serialize(rows).map_err(|e| e.to_string())?;
    Ok(decoder
        .flush()
        .map_err(|e| e.to_string())?
        .unwrap_or_else(|| arrow_array::RecordBatch::new_empty(schema)))
}

/// The report's figures as tables: `{"overall": …, "by_team": …, "by_window": …, "sla": …,
/// "surveys": …, "calls": …, "input": …}`, a row per group (the group's name in its
/// first column: `team`, `channel`, `window`, `target`, `kind`), nested figures as columns
/// named by their path (`first_response.p50`). Each is a `pyarrow.Table` where pyarrow is
/// installed (`.to_pandas()`, `polars.from_arrow(t)`), else an Arrow table with the
/// PyCapsule interface (`polars.DataFrame(t)`, `pyarrow.table(t)`).
#[pyfunction]
fn tables<'py>(
    py: Python<'py>,
    report: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, pyo3::types::PyDict>> {
    let value: serde_json::Value = pythonize::depythonize(report)
        .map_err(|e| pyo3::exceptions::PyTypeError::new_err(format!("report: {e}")))?;
    if !value.is_object() || value.get("tickets").is_none() {
        return Err(pyo3::exceptions::PyValueError::new_err(
            "report: not a report (a dict with a \"tickets\" section, as report() returns)",
        ));
    }
    let out = pyo3::types::PyDict::new(py);
    let pyarrow = py.import("pyarrow").is_ok();
    for (name, key, rows) in rows::tables(&value) {
        let batch = record_batch(&rows, key.as_deref())
            .map_err(|e| CsmMetricsError::new_err(format!("{name}: {e}")))?;
        let schema = batch.schema();
        let table = pyo3_arrow::PyTable::try_new(vec![batch], schema)?;
        let table = if pyarrow {
            table.into_pyarrow(py)?
        } else {
            Bound::new(py, table)?.into_any()
        };
        out.set_item(name, table)?;
    }
    Ok(out)
}

/// The crate's metrics for Python.
#[pymodule]
fn csm_metrics(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("CsmMetricsError", m.py().get_type::<CsmMetricsError>())?;
    m.add_class::<NetPromoterScore>()?;
    m.add_class::<CustomerSatisfaction>()?;
    m.add_class::<CustomerEffortScore>()?;
    m.add_class::<EmployeeNetPromoterScore>()?;
    m.add_class::<SurveySuite>()?;
    m.add_class::<CallCenter>()?;
    m.add_class::<Patience>()?;
    m.add_class::<TicketTracker>()?;
    m.add_class::<SlaTracker>()?;
    m.add_function(wrap_pyfunction!(agents_needed, m)?)?;
    m.add_function(wrap_pyfunction!(plan, m)?)?;
    m.add_function(wrap_pyfunction!(report_files, m)?)?;
    m.add_function(wrap_pyfunction!(report, m)?)?;
    m.add_function(wrap_pyfunction!(tables, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
