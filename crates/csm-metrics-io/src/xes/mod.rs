//! XES event logs (IEEE 1849, the process-mining standard; plain or gzip): one trace per
//! case, one event per thing that happened, each with typed attributes. An
//! [`XesMapping`] says which attributes name the case, the activity, the time, the group,
//! the assignee and the author, and what each activity does to the ticket (a status, a
//! reply, nothing); the repository's `examples/mappings/` has the mappings of two public
//! help-desk logs (`helpdesk.toml`, `bpi2013.toml`), given to the command with
//! `--mapping FILE`.
//!
//! A case is a ticket created at its first event in time (the first the mapping does not
//! turn away), with that event's requester, group, priority, assignee and fields. Each
//! event then changes what differs from the values before it (an attribute an event
//! lacks is no change), gives its message (an agent's reply, a note, the customer's), then
//! moves the ticket to its status, at the event's instant. Ticket, group and agent ids
//! are the FNV-1a hashes of their names, which [`XesNames`] keeps.
//!
//! **Order and repeats.** Every event is sorted externally by (case, instant, position in
//! the file), in runs of at most [`ReadOptions::sort_memory_bytes`], so a case split over
//! several traces, or events out of order, give the figures of the ordered log; an event
//! repeating another of its case at the same instant exactly is turned away
//! ([`Rule::RepeatedEvent`]). Memory holds one sorted run, one trace's events and the
//! names.
//!
//! **Hostile input.** XML that is not well formed stops the read with
//! [`Error::Xml`] naming the byte offset; so does an element (or text) longer than
//! [`ReadOptions::max_row_bytes`], which bounds memory. A file cut off inside a trace (even
//! inside a tag) turns that trace's events away ([`Rule::Truncated`]). An event without a readable timestamp,
//! or in a trace without a case id, is turned away, as is an attribute value that is not
//! UTF-8 ([`Rule::NotUtf8`]). Nested attributes (lists, containers, an attribute's own
//! attributes) are skipped.

mod mapping;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDateTime};
use csm_metrics::{Priority, TeamId, Zone};
use quick_xml::events::{BytesStart, Event};

pub use mapping::{Action, Activity, MAX_FIELDS, Message, XesMapping};

use crate::error::{Error, Result};
use crate::export::{
    HAS_A, HAS_B, KIND_ASSIGNEE, KIND_COMMENT, KIND_CREATED, KIND_CUSTOM, KIND_GROUP,
    KIND_PRIORITY, KIND_STATUS, Palette, Row, deliver_all, file_bytes, open_maybe_gzip,
};
use crate::history::sorted::{Merge, Packed, Runs};
use crate::history::{Names, ReadOptions, TicketSink};
use crate::mapping::Mapping;
use crate::report::{ImportReport, Ordering, Rule, Table};

const TRACES: Table = Table::Source("traces");
const EVENTS: Table = Table::Events;

/// The names behind the ids a read made.
#[derive(Debug, Clone, Default)]
pub struct XesNames {
    /// Case ids as the log spells them, by ticket id.
    pub tickets: Names,
    /// Groups, by team id.
    pub groups: Names,
    /// Assignees and authors, by agent id.
    pub agents: Names,
}

/// An XES log on disk and how to map it.
///
/// ```no_run
/// use csm_metrics::metrics::tickets::{ByTeam, TicketTracker};
/// use csm_metrics_io::history::ReadOptions;
/// use csm_metrics_io::xes::{Xes, XesMapping};
///
/// let mapping = XesMapping::from_toml_file("examples/mappings/helpdesk.toml")?;
/// let log = Xes::open("helpdesk.xes.gz")?.with_mapping(mapping).in_zone(chrono_tz::Europe::Rome);
/// let (trackers, report, names) =
///     log.read_tickets(&ReadOptions::default(), |_| TicketTracker::<ByTeam>::default())?;
/// println!("{} cases, {} events turned away", names.tickets.len(), report.rejected_total());
/// # Ok::<(), csm_metrics_io::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Xes {
    path: PathBuf,
    mapping: XesMapping,
    zone: chrono_tz::Tz,
}

impl Xes {
    /// The bytes its tickets are read from (a progress bar's length; what
    /// [`ReadOptions::progress`] counts up to).
    pub fn bytes(&self) -> u64 {
        file_bytes([&self.path])
    }

    /// The log at `path` (plain XML or gzip, told by its first bytes), with the default
    /// mapping (which maps no activity: give one with [`with_mapping`](Self::with_mapping)).
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        if !path.is_file() {
            return Err(Error::MissingFile {
                path,
                what: "XES event log",
            });
        }
        Ok(Xes {
            path,
            mapping: XesMapping::default(),
            zone: chrono_tz::UTC,
        })
    }

    /// The same log read through `mapping`.
    pub fn with_mapping(mut self, mapping: XesMapping) -> Self {
        self.mapping = mapping;
        self
    }

    /// The same log with local times (and times without an offset) read in `zone`.
    pub fn in_zone(mut self, zone: chrono_tz::Tz) -> Self {
        self.zone = zone;
        self
    }

    /// Reads the cases into one sink per shard (tickets split by id modulo shards), each
    /// ticket's creation first and its events in time order.
    pub fn read_tickets<S, F>(
        &self,
        options: &ReadOptions,
        make: F,
    ) -> Result<(Vec<S>, ImportReport, XesNames)>
    where
        S: TicketSink,
        F: Fn(usize) -> S + Sync,
    {
        self.mapping.check()?;
        let mut report = ImportReport::default();
        let mut names = XesNames::default();
        let palette = Palette::of(&palette_mapping());
        let mut steps = Runs::<Step>::new(options.sort_memory_bytes);
        let mut build = Builder {
            mapping: &self.mapping,
            index: self.mapping.index(),
            zone: &self.zone,
            palette: &palette,
            seq: 0,
        };
        let slots = Slots::new(&self.mapping);
        let mut failed: Option<Error> = None;
        self.each_trace(options, &slots, &mut report, |trace, report| {
            let mut take = || -> Result<()> {
                for s in build.steps(trace, &mut names, report)? {
                    steps.push(s)?;
                }
                Ok(())
            };
            if let Err(e) = take() {
                failed.get_or_insert(e);
            }
        })?;
        if let Some(e) = failed {
            return Err(e);
        }
        let mut rows = Runs::<Row>::new(options.sort_memory_bytes);
        let mut case: Option<CaseState> = None;
        let mut at_instant: Vec<Step> = Vec::new();
        let mut merged = Merge::new(&steps.finish(), 0, 1)?;
        for s in merged.by_ref() {
            let same_case = case.as_ref().is_some_and(|c| c.case == s.case);
            if !same_case || at_instant.first().is_some_and(|x| x.at != s.at) {
                at_instant.clear();
            }
            if at_instant.iter().any(|x| x.same_as(&s)) {
                report.reject(EVENTS, Rule::RepeatedEvent);
                continue;
            }
            at_instant.push(s);
            let state = match &mut case {
                Some(c) if same_case => c,
                _ => case.insert(CaseState::new(&s, &palette)),
            };
            for row in state.apply(&s, &self.mapping, &palette, !same_case) {
                rows.push(row)?;
            }
        }
        if let Some(e) = merged.error {
            return Err(e);
        }
        let runs = rows.finish();
        report.ordering = Ordering::Sorted { runs: runs.len() };
        let (sinks, shards) = deliver_all(&runs, options.shards, &palette, EVENTS, &make)?;
        report.merge(&shards);
        Ok((sinks, report, names))
    }

    /// Calls `f` with every trace of the log, in file order.
    fn each_trace(
        &self,
        options: &ReadOptions,
        slots: &Slots,
        report: &mut ImportReport,
        mut f: impl FnMut(&Trace, &mut ImportReport),
    ) -> Result<()> {
        let path = &self.path;
        let source = Limited {
            inner: BufReader::with_capacity(1 << 16, open_maybe_gzip(path, &options.progress)?),
            since_mark: 0,
            limit: options.max_row_bytes.max(1 << 10),
        };
        let mut reader = quick_xml::Reader::from_reader(source);
        let failure = |offset: u64, message: String| Error::Xml {
            path: path.clone(),
            offset,
            message,
        };
        let mut buf = Vec::new();
        let mut place = Place::Outside;
        let mut skip = 0usize;
        let mut trace = Trace::default();
        let mut event: Vec<Option<String>> = Vec::new();
        let mut event_bad = false;
        let mut seen_log = false;
        let mut defaults: Vec<Option<String>> = vec![None; slots.len()];
        let mut traces = 0u64;
        let mut events = 0u64;
        loop {
            reader.get_mut().since_mark = 0;
            buf.clear();
            let e = match reader.read_event_into(&mut buf) {
                Ok(e) => e,
                // The input ends inside a tag, a comment, a value: a file cut off.
                Err(quick_xml::Error::Syntax(s))
                    if s != quick_xml::errors::SyntaxError::InvalidBangMarkup =>
                {
                    Event::Eof
                }
                Err(e) => return Err(failure(reader.error_position(), e.to_string())),
            };
            let (start, empty) = match &e {
                Event::Start(s) => (Some(s), false),
                Event::Empty(s) => (Some(s), true),
                _ => (None, false),
            };
            if let Some(s) = start {
                if skip > 0 {
                    skip += usize::from(!empty);
                    continue;
                }
                let name = s.local_name();
                let name = name.as_ref();
                match (place, name) {
                    (Place::Outside, b"log") => {
                        seen_log = true;
                        place = Place::Log;
                    }
                    (Place::Log, b"trace") => {
                        traces += 1;
                        trace = Trace::default();
                        trace.attributes = vec![None; slots.len()];
                        if empty {
                            f(&trace, report);
                        } else {
                            place = Place::Trace;
                        }
                    }
                    (Place::Log, b"global") => {
                        let scope = attribute(s, b"scope", &reader);
                        if !empty {
                            place = Place::Global(scope.as_deref() == Some("event"));
                        }
                    }
                    (Place::Trace, b"event") => {
                        events += 1;
                        event = vec![None; slots.len()];
                        event_bad = false;
                        if empty {
                            trace.events.push(Pending::Read(std::mem::take(&mut event)));
                        } else {
                            place = Place::Event;
                        }
                    }
                    (Place::Trace | Place::Event | Place::Global(_), _) => {
                        let target = match place {
                            Place::Trace => Some(&mut trace.attributes),
                            Place::Event => Some(&mut event),
                            Place::Global(true) => Some(&mut defaults),
                            _ => None,
                        };
                        if let Some(target) = target {
                            match key_value(s, &reader) {
                                Ok(Some((key, value))) => {
                                    for &slot in slots.of(&key) {
                                        target[slot] = Some(value.clone());
                                    }
                                }
                                Ok(None) => {}
                                Err(()) if place == Place::Event => event_bad = true,
                                Err(()) => {}
                            }
                        }
                        skip = usize::from(!empty);
                    }
                    _ => skip = usize::from(!empty),
                }
                continue;
            }
            match e {
                Event::End(_) if skip > 0 => skip -= 1,
                Event::End(_) => match place {
                    Place::Event => {
                        let read = if event_bad {
                            Pending::NotUtf8
                        } else {
                            Pending::Read(std::mem::take(&mut event))
                        };
                        trace.events.push(read);
                        place = Place::Trace;
                    }
                    Place::Trace => {
                        trace.defaults.clone_from(&defaults);
                        f(&trace, report);
                        trace = Trace::default();
                        place = Place::Log;
                    }
                    Place::Global(_) => place = Place::Log,
                    Place::Log => place = Place::Done,
                    Place::Outside | Place::Done => {}
                },
                Event::Eof => {
                    if matches!(place, Place::Trace | Place::Event) {
                        // Cut off: the trace's events, the one being read among them.
                        let cut = trace.events.len() as u64 + u64::from(place == Place::Event);
                        report.reject_n(EVENTS, Rule::Truncated, cut);
                        report.reject(TRACES, Rule::Truncated);
                    }
                    break;
                }
                _ => {}
            }
        }
        if !seen_log {
            return Err(failure(
                reader.buffer_position(),
                "no <log> element: not an XES log".into(),
            ));
        }
        report.read(TRACES, traces);
        report.read(EVENTS, events);
        Ok(())
    }
}

/// The mapping whose codes the rows hold: every status and priority by the history
/// format's names.
fn palette_mapping() -> Mapping {
    let mut m = Mapping::zendesk();
    m.statuses = [
        "new", "open", "pending", "on_hold", "solved", "closed", "spam",
    ]
    .iter()
    .filter_map(|n| Some((n.to_string(), mapping::status_named(n)?)))
    .collect();
    m.priorities = Priority::ALL
        .iter()
        .map(|p| (p.as_str().to_string(), *p))
        .collect();
    m.channels.clear();
    m
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Outside,
    Log,
    Global(bool),
    Trace,
    Event,
    Done,
}

/// An event as read: its wanted attributes by slot, or why it cannot be read.
#[derive(Debug, Clone)]
enum Pending {
    Read(Vec<Option<String>>),
    NotUtf8,
}

/// A trace as read: its attributes and events by slot, the log's event defaults.
#[derive(Debug, Clone, Default)]
struct Trace {
    attributes: Vec<Option<String>>,
    events: Vec<Pending>,
    defaults: Vec<Option<String>>,
}

const ACTIVITY: usize = 0;
const LIFECYCLE: usize = 1;
const TIMESTAMP: usize = 2;
const AUTHOR: usize = 3;
const CASE: usize = 4;
/// Slots looked up on the event, then its trace, then the defaults.
const REQUESTER: usize = 5;
const GROUP: usize = 6;
const ASSIGNEE: usize = 7;
const PRIORITY: usize = 8;
const FIELDS: usize = 9;

/// Which slots each attribute key fills.
struct Slots {
    by_key: HashMap<String, Vec<usize>>,
    len: usize,
}

impl Slots {
    fn new(m: &XesMapping) -> Self {
        let mut by_key: HashMap<String, Vec<usize>> = HashMap::new();
        let named = [
            Some(&m.activity),
            m.lifecycle.as_ref(),
            Some(&m.timestamp),
            m.author.as_ref(),
            Some(&m.case_id),
            m.requester.as_ref(),
            m.group.as_ref(),
            m.assignee.as_ref(),
            m.priority.as_ref(),
        ];
        let fields = m.fields.iter().map(Some);
        for (slot, key) in named.into_iter().chain(fields).enumerate() {
            if let Some(key) = key {
                by_key.entry(key.clone()).or_default().push(slot);
            }
        }
        Slots {
            by_key,
            len: FIELDS + m.fields.len(),
        }
    }

    fn of(&self, key: &str) -> &[usize] {
        self.by_key.get(key).map_or(&[], Vec::as_slice)
    }

    fn len(&self) -> usize {
        self.len
    }
}

/// An attribute of an element, decoded.
fn attribute<R>(s: &BytesStart<'_>, name: &[u8], reader: &quick_xml::Reader<R>) -> Option<String> {
    let a = s.try_get_attribute(name).ok()??;
    a.decode_and_unescape_value(reader.decoder())
        .ok()
        .map(|v| v.into_owned())
}

/// An XES attribute element's key and value (`None` for one without both, a list or a
/// container); `Err` for a key or value that is not UTF-8.
fn key_value<R>(
    s: &BytesStart<'_>,
    reader: &quick_xml::Reader<R>,
) -> core::result::Result<Option<(String, String)>, ()> {
    let (mut key, mut value) = (None, None);
    for a in s.attributes().with_checks(false) {
        let Ok(a) = a else { return Ok(None) };
        let v = || {
            a.decode_and_unescape_value(reader.decoder())
                .map_err(|_| ())
        };
        match a.key.as_ref() {
            b"key" => key = Some(v()?.into_owned()),
            b"value" => value = Some(v()?.into_owned()),
            _ => {}
        }
    }
    Ok(key.zip(value))
}

/// A reader that fails once more than `limit` bytes go by between two marks (one XML
/// element or text): the bound on what one element may make the parser buffer.
struct Limited<R> {
    inner: R,
    since_mark: usize,
    limit: usize,
}

impl<R: BufRead> Limited<R> {
    fn check(&self) -> std::io::Result<()> {
        if self.since_mark > self.limit {
            return Err(std::io::Error::other(format!(
                "an element or text longer than {} bytes (the row limit)",
                self.limit
            )));
        }
        Ok(())
    }
}

impl<R: BufRead> Read for Limited<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        self.check()?;
        let n = self.inner.read(out)?;
        self.since_mark += n;
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Limited<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.check()?;
        self.inner.fill_buf()
    }
    fn consume(&mut self, n: usize) {
        self.since_mark += n;
        self.inner.consume(n);
    }
}

/// One event, mapped, packed for the sort by (case, instant, position in the file).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Step {
    case: u64,
    at: i64,
    seq: u64,
    activity: u32,
    /// Bits: 0 requester, 1 group, 2 assignee, 3 author, 4 priority, 5 + i field i.
    known: u16,
    priority: u8,
    requester: u64,
    group: u64,
    assignee: u64,
    author: u64,
    fields: [u64; MAX_FIELDS],
}

const K_REQUESTER: u16 = 1;
const K_GROUP: u16 = 2;
const K_ASSIGNEE: u16 = 4;
const K_AUTHOR: u16 = 8;
const K_PRIORITY: u16 = 16;
const K_FIELD0: u16 = 32;

impl Step {
    /// The same event, wherever it was in the file.
    fn same_as(&self, other: &Step) -> bool {
        Step { seq: 0, ..*self } == Step { seq: 0, ..*other }
    }
}

impl Packed for Step {
    const SIZE: usize = 8 * (7 + MAX_FIELDS) + 4 + 2 + 1;
    type Key = (u64, i64, u64);
    fn key(&self) -> (u64, i64, u64) {
        (self.case, self.at, self.seq)
    }
    fn shard(&self, _: u64) -> usize {
        0
    }
    fn pack(&self, out: &mut Vec<u8>) {
        let words = [
            self.case,
            self.at as u64,
            self.seq,
            self.requester,
            self.group,
            self.assignee,
            self.author,
        ];
        for v in words.iter().chain(&self.fields) {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&self.activity.to_le_bytes());
        out.extend_from_slice(&self.known.to_le_bytes());
        out.push(self.priority);
    }
    fn unpack(b: &[u8]) -> Self {
        let w = |i: usize| {
            let mut a = [0u8; 8];
            a.copy_from_slice(&b[i * 8..i * 8 + 8]);
            u64::from_le_bytes(a)
        };
        let mut fields = [0; MAX_FIELDS];
        for (i, f) in fields.iter_mut().enumerate() {
            *f = w(7 + i);
        }
        let o = 8 * (7 + MAX_FIELDS);
        Step {
            case: w(0),
            at: w(1) as i64,
            seq: w(2),
            requester: w(3),
            group: w(4),
            assignee: w(5),
            author: w(6),
            fields,
            activity: u32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]),
            known: u16::from_le_bytes([b[o + 4], b[o + 5]]),
            priority: b[o + 6],
        }
    }
}

/// Turns a trace's events into steps.
struct Builder<'a> {
    mapping: &'a XesMapping,
    index: HashMap<(String, Option<String>), usize>,
    zone: &'a chrono_tz::Tz,
    palette: &'a Palette,
    seq: u64,
}

impl Builder<'_> {
    fn steps(
        &mut self,
        trace: &Trace,
        names: &mut XesNames,
        report: &mut ImportReport,
    ) -> Result<Vec<Step>> {
        let Some(case_name) = trace.attributes.get(CASE).cloned().flatten() else {
            if !trace.events.is_empty() {
                report.reject(TRACES, Rule::NoCaseId);
            }
            report.reject_n(EVENTS, Rule::NoCaseId, trace.events.len() as u64);
            return Ok(Vec::new());
        };
        let case = names.tickets.intern("case", &case_name)?;
        let mut steps = Vec::with_capacity(trace.events.len());
        for e in &trace.events {
            self.seq += 1;
            let Pending::Read(attrs) = e else {
                report.reject(EVENTS, Rule::NotUtf8);
                continue;
            };
            match self.step(case, attrs, trace, names)? {
                Ok(s) => steps.push(s),
                Err(rule) => report.reject(EVENTS, rule),
            }
        }
        Ok(steps)
    }

    fn step(
        &self,
        case: u64,
        attrs: &[Option<String>],
        trace: &Trace,
        names: &mut XesNames,
    ) -> Result<core::result::Result<Step, Rule>> {
        let own = |slot: usize| attrs.get(slot).and_then(Option::as_deref);
        // Ticket attributes: the event's, else the trace's, else the log's default.
        let inherited = |slot: usize| {
            own(slot)
                .or_else(|| trace.attributes.get(slot).and_then(Option::as_deref))
                .or_else(|| trace.defaults.get(slot).and_then(Option::as_deref))
        };
        let m = self.mapping;
        let Some(at) = own(TIMESTAMP).and_then(|t| self.instant(t)) else {
            return Ok(Err(Rule::BadTicketIdOrInstant));
        };
        let activity = own(ACTIVITY).unwrap_or_default();
        let lifecycle = own(LIFECYCLE).map(str::to_string);
        let found = self
            .index
            .get(&(activity.to_string(), lifecycle))
            .or_else(|| self.index.get(&(activity.to_string(), None)));
        let Some(&i) = found else {
            return Ok(Err(Rule::UnmappedActivity));
        };
        if m.activities[i].action == Action::Ignore {
            return Ok(Err(Rule::IgnoredActivity));
        }
        let mut s = Step {
            case,
            at,
            seq: self.seq,
            activity: i as u32,
            ..Step::default()
        };
        if let Some(v) = inherited(PRIORITY) {
            let Some(p) = m.priorities.get(v) else {
                return Ok(Err(Rule::UnknownPriority));
            };
            s.priority = self.palette.priority(p.as_str().as_bytes()).unwrap_or(0);
            s.known |= K_PRIORITY;
        }
        if let Some(v) = inherited(REQUESTER) {
            (s.requester, s.known) = (TeamId::named(v).0, s.known | K_REQUESTER);
        }
        if let Some(v) = inherited(GROUP) {
            (s.group, s.known) = (names.groups.intern("group", v)?, s.known | K_GROUP);
        }
        if let Some(v) = inherited(ASSIGNEE) {
            (s.assignee, s.known) = (names.agents.intern("agent", v)?, s.known | K_ASSIGNEE);
        }
        if let Some(v) = own(AUTHOR) {
            (s.author, s.known) = (names.agents.intern("agent", v)?, s.known | K_AUTHOR);
        }
        for f in 0..m.fields.len() {
            if let Some(v) = inherited(FIELDS + f) {
                s.fields[f] = TeamId::named(v).0;
                s.known |= K_FIELD0 << f;
            }
        }
        Ok(Ok(s))
    }

    fn instant(&self, text: &str) -> Option<i64> {
        let text = text.trim();
        if let Ok(t) = DateTime::parse_from_rfc3339(text) {
            if !self.mapping.local_time {
                return Some(t.timestamp());
            }
            return Some(self.zone.instant_of(t.naive_local())?.timestamp());
        }
        let naive = [
            "%Y-%m-%dT%H:%M:%S%.f",
            "%Y-%m-%d %H:%M:%S%.f",
            "%Y-%m-%dT%H:%M",
        ]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())?;
        Some(self.zone.instant_of(naive)?.timestamp())
    }
}

/// What a case is at, as its steps go by.
struct CaseState {
    case: u64,
    status: u8,
    group: Option<u64>,
    assignee: Option<u64>,
    priority: Option<u8>,
    fields: [Option<u64>; MAX_FIELDS],
}

impl CaseState {
    fn new(s: &Step, palette: &Palette) -> Self {
        CaseState {
            case: s.case,
            status: palette.status(b"new").unwrap_or(0),
            group: None,
            assignee: None,
            priority: None,
            fields: [None; MAX_FIELDS],
        }
    }

    /// The rows a step makes (`first`: it creates the ticket).
    fn apply(&mut self, s: &Step, m: &XesMapping, palette: &Palette, first: bool) -> Vec<Row> {
        let base = Row {
            at: s.at,
            ticket: s.case,
            ..Row::default()
        };
        let mut rows = Vec::new();
        let known = |bit: u16| s.known & bit != 0;
        if first {
            let normal = palette.priority(b"normal").unwrap_or(0);
            let mut created = Row {
                kind: KIND_CREATED,
                a: s.requester,
                code: palette.channel(b""),
                code2: if known(K_PRIORITY) {
                    s.priority
                } else {
                    normal
                },
                ..base
            };
            if known(K_GROUP) {
                (created.b, created.flags) = (s.group, HAS_B);
                self.group = Some(s.group);
            }
            if known(K_PRIORITY) {
                self.priority = Some(s.priority);
            }
            rows.push(created);
        }
        if known(K_GROUP) && self.group != Some(s.group) {
            self.group = Some(s.group);
            rows.push(Row {
                kind: KIND_GROUP,
                a: s.group,
                flags: HAS_A,
                ..base
            });
        }
        if known(K_ASSIGNEE) && self.assignee != Some(s.assignee) {
            self.assignee = Some(s.assignee);
            rows.push(Row {
                kind: KIND_ASSIGNEE,
                a: s.assignee,
                flags: HAS_A,
                ..base
            });
        }
        if known(K_PRIORITY) && self.priority != Some(s.priority) {
            self.priority = Some(s.priority);
            rows.push(Row {
                kind: KIND_PRIORITY,
                code: s.priority,
                ..base
            });
        }
        for f in 0..m.fields.len() {
            if known(K_FIELD0 << f) && self.fields[f] != Some(s.fields[f]) {
                self.fields[f] = Some(s.fields[f]);
                rows.push(Row {
                    kind: KIND_CUSTOM,
                    a: TeamId::named(&m.fields[f]).0,
                    b: s.fields[f],
                    flags: HAS_B,
                    ..base
                });
            }
        }
        let Some(Activity {
            action: Action::Apply { status, message },
            ..
        }) = m.activities.get(s.activity as usize)
        else {
            return rows;
        };
        if let Some(message) = message {
            let (agent, public) = match message {
                Message::AgentReply => (1, 1),
                Message::AgentNote => (1, 0),
                Message::CustomerMessage => (0, 1),
            };
            rows.push(Row {
                kind: KIND_COMMENT,
                a: if known(K_AUTHOR) { s.author } else { 0 },
                code: agent,
                flags: public,
                ..base
            });
        }
        if let Some(code) = status.and_then(|st| palette.status(st.as_str().as_bytes())) {
            if code != self.status {
                self.status = code;
                rows.push(Row {
                    kind: KIND_STATUS,
                    code,
                    ..base
                });
            }
        }
        rows
    }
}
