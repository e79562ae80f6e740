//! What the help-desk export readers (Zendesk, Freshdesk) share: a row of any table packed for the external sort, the
//! mapping's names as small codes, and the delivery of sorted rows to the shards' sinks.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime};
use csm_metrics::{
    AgentId, Author, Channel, CreatedBy, CustomerId, FieldChange, FieldId, Interaction,
    InteractionKind, Priority, Status, TagId, TeamId, Ticket, TicketId, ValueId, Visibility,
};

use crate::mapping::Mapping;
use std::io::{BufRead, BufReader};

use serde_json::Value;

use crate::error::{Error, Result, io};
use crate::history::TicketSink;
use crate::history::sorted::{Merge, Packed, Run, on_shards};
use crate::report::{ImportReport, Rule, Table};

/// Delivers sorted rows to one sink per shard (tickets split by id modulo `shards`), each
/// on its own thread; returns the sinks and what they turned away (`changes` names the
/// table of field changes in the report).
pub(crate) fn deliver_all<S, F>(
    runs: &[Run<Row>],
    shards: usize,
    palette: &Palette,
    changes: Table,
    make: &F,
) -> Result<(Vec<S>, ImportReport)>
where
    S: TicketSink,
    F: Fn(usize) -> S + Sync,
{
    let shards = shards.max(1);
    on_shards(shards, |shard| {
        let mut sink = make(shard);
        let mut report = ImportReport::default();
        let mut rows = Merge::new(runs, shard, shards as u64)?;
        for row in rows.by_ref() {
            row.deliver(palette, changes, &mut sink, &mut report);
        }
        match rows.error {
            Some(e) => Err(e),
            None => Ok((sink, report)),
        }
    })
}

/// Satisfaction ratings of a help desk's export, given to `observe` in time order (then by
/// id): `parse` turns an object into (rating id, when it was last given, the response) or
/// the rule it breaks. A rating given again (a customer changing their answer) counts once,
/// as last given; a response `observe` refuses is counted by its rule.
pub(crate) fn ratings(
    files: &[std::path::PathBuf],
    resource: &'static str,
    table: Table,
    report: &mut ImportReport,
    parse: impl Fn(&Value) -> core::result::Result<(u64, i64, csm_metrics::SurveyResponse), Rule>,
    mut observe: impl FnMut(&csm_metrics::SurveyResponse) -> csm_metrics::Result<()>,
) -> Result<()> {
    let mut latest: HashMap<u64, (i64, csm_metrics::SurveyResponse)> = HashMap::new();
    each_json(
        files,
        resource,
        table,
        &None,
        report,
        |o, report| match parse(o) {
            Ok((id, at, r)) => match latest.get(&id) {
                Some((seen, _)) if *seen > at => report.reject(table, Rule::Superseded),
                Some(_) => {
                    report.reject(table, Rule::Superseded);
                    latest.insert(id, (at, r));
                }
                None => {
                    latest.insert(id, (at, r));
                }
            },
            Err(rule) => report.reject(table, rule),
        },
    )?;
    let mut responses: Vec<_> = latest.into_values().map(|(_, r)| r).collect();
    responses.sort_by_key(|r| (r.at, r.id));
    for r in &responses {
        if let Err(e) = observe(r) {
            report.reject(table, crate::history::refused(&e));
        }
    }
    Ok(())
}

/// An empty survey suite on a help desk's CSAT scale (CES on the default scale).
pub(crate) fn suite(scale: csm_metrics::CsatScale) -> Result<csm_metrics::SurveySuite> {
    csm_metrics::SurveySuite::new(scale, csm_metrics::CesScale::default()).map_err(Error::from)
}

/// A progress counter: bytes of the input read so far ([`ReadOptions::progress`](crate::history::ReadOptions::progress)).
pub(crate) type Progress = Option<std::sync::Arc<std::sync::atomic::AtomicU64>>;

/// A file's reader that adds the bytes it reads to a progress counter.
pub(crate) struct Counted<R> {
    inner: R,
    progress: Progress,
}

impl<R: std::io::Read> std::io::Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(p) = &self.progress {
            p.fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        }
        Ok(n)
    }
}

/// Opens a file whose bytes read count toward `progress`.
pub(crate) fn open_counted(
    path: &std::path::Path,
    progress: &Progress,
) -> Result<Counted<std::fs::File>> {
    Ok(Counted {
        inner: std::fs::File::open(path).map_err(io(path))?,
        progress: progress.clone(),
    })
}

/// The bytes of files (a progress bar's length; a file that cannot be read counts 0).
pub(crate) fn file_bytes<'a>(paths: impl IntoIterator<Item = &'a std::path::PathBuf>) -> u64 {
    paths
        .into_iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum()
}

/// A file's bytes, decompressed when its first bytes are gzip's; the file's bytes (as
/// stored) count toward `progress`.
pub(crate) fn open_maybe_gzip(
    path: &std::path::Path,
    progress: &Progress,
) -> Result<Box<dyn std::io::Read + Send>> {
    use std::io::Read;
    let mut file = std::fs::File::open(path).map_err(io(path))?;
    let mut magic = [0u8; 2];
    let gzip = file.read(&mut magic).map_err(io(path))? == 2 && magic == [0x1f, 0x8b];
    let file = open_counted(path, progress)?;
    Ok(if gzip {
        Box::new(flate2::read::MultiGzDecoder::new(file))
    } else {
        Box::new(file)
    })
}

/// A whole number (an id).
pub(crate) fn int(b: &[u8]) -> Option<u64> {
    std::str::from_utf8(b).ok()?.trim().parse().ok()
}

/// `TRUE`/`FALSE` in any case, `t`/`f`, `1`/`0`.
pub(crate) fn boolean(b: &[u8]) -> Option<bool> {
    match b.to_ascii_lowercase().as_slice() {
        b"true" | b"t" | b"1" => Some(true),
        b"false" | b"f" | b"0" => Some(false),
        _ => None,
    }
}

/// A UTC instant as the warehouse writes it, in Unix seconds (fractions dropped).
pub(crate) fn instant(b: &[u8]) -> Option<i64> {
    let s = std::str::from_utf8(b).ok()?.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp());
    }
    let s = s.strip_suffix('Z').unwrap_or(s);
    ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        .map(|t| t.and_utc().timestamp())
}

/// Statuses, priorities and channels of the mapping as small codes (a row holds a code).
pub(crate) struct Palette {
    statuses: Vec<Status>,
    status_names: HashMap<Vec<u8>, u8>,
    priorities: Vec<Priority>,
    priority_names: HashMap<Vec<u8>, u8>,
    channels: Vec<Channel>,
    channel_names: HashMap<Vec<u8>, u8>,
}

impl Palette {
    pub(crate) fn of(m: &Mapping) -> Self {
        fn codes<T: Copy + PartialEq>(map: &HashMap<String, T>) -> (Vec<T>, HashMap<Vec<u8>, u8>) {
            let mut values: Vec<T> = Vec::new();
            let mut names = HashMap::new();
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            for (name, v) in entries {
                let code = match values.iter().position(|x| x == v) {
                    Some(i) => i,
                    None => {
                        values.push(*v);
                        values.len() - 1
                    }
                };
                // At most 256 distinct values fit a code; more are left out.
                if let Ok(code) = u8::try_from(code) {
                    names.insert(name.as_bytes().to_vec(), code);
                }
            }
            (values, names)
        }
        let (statuses, status_names) = codes(&m.statuses);
        let (priorities, priority_names) = codes(&m.priorities);
        let (mut channels, channel_names) = codes(&m.channels);
        // A name not in the mapping is `Other`.
        if !channels.contains(&Channel::Other) {
            channels.push(Channel::Other);
        }
        Palette {
            statuses,
            status_names,
            priorities,
            priority_names,
            channels,
            channel_names,
        }
    }

    pub(crate) fn status(&self, name: &[u8]) -> Option<u8> {
        self.status_names.get(name).copied()
    }

    pub(crate) fn priority(&self, name: &[u8]) -> Option<u8> {
        self.priority_names.get(name).copied()
    }

    /// The priority a name maps to.
    pub(crate) fn priority_value(&self, name: &[u8]) -> Option<Priority> {
        let code = self.priority(name)?;
        self.priorities.get(usize::from(code)).copied()
    }

    pub(crate) fn channel(&self, name: &[u8]) -> u8 {
        self.channel_names.get(name).copied().unwrap_or_else(|| {
            let other = self.channels.iter().position(|c| *c == Channel::Other);
            other.and_then(|i| u8::try_from(i).ok()).unwrap_or(0)
        })
    }
}

pub(crate) const KIND_CREATED: u8 = 0;
pub(crate) const KIND_COMMENT: u8 = 1;
pub(crate) const KIND_STATUS: u8 = 2;
pub(crate) const KIND_ASSIGNEE: u8 = 3;
pub(crate) const KIND_GROUP: u8 = 4;
pub(crate) const KIND_PRIORITY: u8 = 5;
pub(crate) const KIND_CUSTOM: u8 = 6;
pub(crate) const KIND_TAG_ADDED: u8 = 7;
pub(crate) const KIND_TAG_REMOVED: u8 = 8;
/// [`Row::flags`]: `a` holds an id (else none).
pub(crate) const HAS_A: u8 = 1;
/// [`Row::flags`]: `b` holds an id (else none).
pub(crate) const HAS_B: u8 = 2;
/// [`Row::flags`] of a creation: an agent (`c`) opened it.
pub(crate) const OUTBOUND: u8 = 4;

/// One row of any table, packed for the sort: a creation (`a` requester, `b` group, `c`
/// submitter, `code` channel, `code2` priority), a comment (`a` user, `code` 1 for an
/// agent, `flags` 1 for public), a field change (`code` a status or priority, `a` an
/// assignee, a group or a tag, or `a`/`b` a custom field and value).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Row {
    pub(crate) at: i64,
    pub(crate) ticket: u64,
    pub(crate) a: u64,
    pub(crate) b: u64,
    pub(crate) c: u64,
    pub(crate) kind: u8,
    pub(crate) code: u8,
    pub(crate) code2: u8,
    pub(crate) flags: u8,
}

impl Packed for Row {
    const SIZE: usize = 44;
    /// By instant; at one instant creations first, then by ticket (push order within a
    /// ticket: the sort is stable).
    type Key = (i64, bool, u64);
    fn key(&self) -> (i64, bool, u64) {
        (self.at, self.kind != KIND_CREATED, self.ticket)
    }
    fn shard(&self, shards: u64) -> usize {
        (self.ticket % shards) as usize
    }
    fn pack(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.at.to_le_bytes());
        for v in [self.ticket, self.a, self.b, self.c] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&[self.kind, self.code, self.code2, self.flags]);
    }
    fn unpack(b: &[u8]) -> Self {
        let word = |i: usize| {
            let mut w = [0u8; 8];
            w.copy_from_slice(&b[i * 8..i * 8 + 8]);
            w
        };
        Row {
            at: i64::from_le_bytes(word(0)),
            ticket: u64::from_le_bytes(word(1)),
            a: u64::from_le_bytes(word(2)),
            b: u64::from_le_bytes(word(3)),
            c: u64::from_le_bytes(word(4)),
            kind: b[40],
            code: b[41],
            code2: b[42],
            flags: b[43],
        }
    }
}

impl Row {
    /// Hands the row to a sink as the crate's record.
    fn deliver<S: TicketSink>(
        &self,
        palette: &Palette,
        changes: Table,
        sink: &mut S,
        report: &mut ImportReport,
    ) {
        // Checked when parsed: every instant came from a valid date.
        let Some(at) = DateTime::from_timestamp(self.at, 0) else {
            return report.reject(changes, Rule::BadTicketIdOrInstant);
        };
        let id = TicketId(self.ticket);
        let a = (self.flags & HAS_A != 0).then_some(self.a);
        let b = (self.flags & HAS_B != 0).then_some(self.b);
        let kind = match self.kind {
            KIND_CREATED => {
                let mut t = Ticket::new(id, at, CustomerId(self.a));
                t.channel = palette
                    .channels
                    .get(usize::from(self.code))
                    .copied()
                    .unwrap_or(Channel::Other);
                t.priority = palette
                    .priorities
                    .get(usize::from(self.code2))
                    .copied()
                    .unwrap_or_default();
                t.team = b.map(TeamId);
                if self.flags & OUTBOUND != 0 {
                    t.created_by = CreatedBy::Agent(AgentId(self.c));
                }
                sink.ticket(&t, report);
                return;
            }
            KIND_COMMENT => InteractionKind::Message {
                author: if self.code == 1 {
                    Author::Agent(AgentId(self.a))
                } else {
                    Author::Customer
                },
                visibility: if self.flags & 1 != 0 {
                    Visibility::Public
                } else {
                    Visibility::Internal
                },
            },
            KIND_STATUS => match palette.statuses.get(usize::from(self.code)) {
                Some(s) => InteractionKind::Status(*s),
                None => return report.reject(changes, Rule::UnknownStatus),
            },
            KIND_PRIORITY => match palette.priorities.get(usize::from(self.code)) {
                Some(p) => InteractionKind::Field(FieldChange::Priority(*p)),
                None => return report.reject(changes, Rule::UnknownPriority),
            },
            KIND_ASSIGNEE => InteractionKind::Field(FieldChange::Assignee(a.map(AgentId))),
            KIND_GROUP => InteractionKind::Field(FieldChange::Team(a.map(TeamId))),
            KIND_TAG_ADDED => InteractionKind::Field(FieldChange::TagAdded(TagId(self.a))),
            KIND_TAG_REMOVED => InteractionKind::Field(FieldChange::TagRemoved(TagId(self.a))),
            _ => InteractionKind::Field(FieldChange::Custom {
                field: FieldId(self.a),
                value: b.map(ValueId),
            }),
        };
        sink.interaction(
            &Interaction {
                ticket: id,
                at,
                kind,
            },
            report,
        );
    }
}

/// Calls `f` with every object of a resource saved as JSON, file by file in the order
/// given: a `.json` file holds a page (`{"<resource>": [...], …}`), an array of pages or of
/// objects, or one object; a `.jsonl` (`.ndjson`) file one page or object per line. What is
/// not JSON, or not an object, is counted as [`Rule::NotJson`] under `table`.
pub(crate) fn each_json(
    files: &[std::path::PathBuf],
    resource: &'static str,
    table: Table,
    progress: &Progress,
    report: &mut ImportReport,
    mut f: impl FnMut(&Value, &mut ImportReport),
) -> Result<()> {
    let mut n = 0u64;
    let mut objects = |v: Value, n: &mut u64, report: &mut ImportReport| {
        for o in unwrap(v, resource) {
            *n += 1;
            match o {
                Some(o) => f(&o, report),
                None => report.reject(table, Rule::NotJson),
            }
        }
    };
    for path in files {
        let file = open_counted(path, progress)?;
        let lines = path
            .extension()
            .is_some_and(|x| x == "jsonl" || x == "ndjson");
        if lines {
            let mut reader = BufReader::with_capacity(1 << 20, file);
            let mut line = Vec::new();
            loop {
                line.clear();
                if reader.read_until(b'\n', &mut line).map_err(io(path))? == 0 {
                    break;
                }
                if line.trim_ascii().is_empty() {
                    continue;
                }
                match serde_json::from_slice::<Value>(&line) {
                    Ok(v) => objects(v, &mut n, report),
                    Err(_) => {
                        n += 1;
                        report.reject(table, Rule::NotJson);
                    }
                }
            }
        } else {
            match serde_json::from_reader::<_, Value>(BufReader::with_capacity(1 << 20, file)) {
                Ok(v) => objects(v, &mut n, report),
                Err(_) => {
                    n += 1;
                    report.reject(table, Rule::NotJson);
                }
            }
        }
    }
    report.read(table, n);
    Ok(())
}

/// The resource's objects in a page, an array of pages, an array of objects or one
/// object (`None` for an element that is not an object).
pub(crate) fn unwrap(v: Value, resource: &str) -> Vec<Option<Value>> {
    match v {
        Value::Array(items) => items
            .into_iter()
            .flat_map(|i| unwrap(i, resource))
            .collect(),
        Value::Object(mut page) if page.get(resource).is_some_and(Value::is_array) => {
            match page.remove(resource) {
                Some(Value::Array(items)) => items
                    .into_iter()
                    .map(|i| i.is_object().then_some(i))
                    .collect(),
                _ => Vec::new(),
            }
        }
        o @ Value::Object(_) => vec![Some(o)],
        _ => vec![None],
    }
}

/// An id given as a number or as a string of digits.
pub(crate) fn id(v: Option<&Value>) -> Option<u64> {
    match v? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// An instant given as Unix seconds or as RFC 3339 text.
pub(crate) fn when(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => instant(s.as_bytes()),
        _ => None,
    }
}

/// The JSON files of each resource in `dir` (`.json`, `.jsonl`, `.ndjson` whose names start
/// with the resource's, in name order; longer resource names first, so `ticket_events`
/// files are not taken for `tickets`); an error naming the first of `required` with none.
pub(crate) fn resource_files(
    dir: &std::path::Path,
    resources: &[&'static str],
    required: &[&'static str],
    export: &'static str,
) -> Result<std::collections::HashMap<&'static str, Vec<std::path::PathBuf>>> {
    let mut names: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .map_err(io(dir))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && p.extension()
                    .is_some_and(|x| x == "json" || x == "jsonl" || x == "ndjson")
        })
        .collect();
    names.sort();
    let mut by_length = resources.to_vec();
    by_length.sort_by_key(|r| std::cmp::Reverse(r.len()));
    let mut files = std::collections::HashMap::new();
    for resource in by_length {
        let (mine, rest): (Vec<_>, Vec<_>) = names.into_iter().partition(|p| {
            p.file_stem()
                .and_then(|s| s.to_str())
                .is_some_and(|s| s.starts_with(resource))
        });
        names = rest;
        if mine.is_empty() && required.contains(&resource) {
            return Err(Error::MissingTable {
                dir: dir.to_path_buf(),
                table: resource,
                looked_for: format!("{resource}*.json or {resource}*.jsonl"),
                export,
            });
        }
        files.insert(resource, mine);
    }
    Ok(files)
}

/// Calls `f` with the named columns of every row of a CSV source, in order, counting the
/// rows under `table`. Rows are read in chunks of whole rows, as the history reader reads
/// them: a row longer than [`ReadOptions::max_row_bytes`](crate::history::ReadOptions) is
/// skipped as it streams by and counted as too long; a row with more or fewer fields than
/// the header is turned away.
pub(crate) fn each_csv_row<R: std::io::Read, const N: usize>(
    source: R,
    path: &std::path::Path,
    table: Table,
    columns: [&'static str; N],
    options: &crate::history::ReadOptions,
    report: &mut ImportReport,
    mut f: impl FnMut(&[&[u8]; N], &mut ImportReport),
) -> Result<()> {
    let (mut chunks, header) =
        crate::chunks::Chunker::new(source, path, options.chunk_bytes, options.max_row_bytes)?;
    let columns =
        crate::history::rows::Columns::find(path, &header, columns, options.max_row_bytes)?;
    let mut record = csv::ByteRecord::new();
    let mut n = 0u64;
    while let Some(chunk) = chunks.next_chunk()? {
        let mut reader = crate::history::csv_reader(&chunk);
        while crate::history::read_record(&mut reader, &mut record) {
            n += 1;
            match columns.fields(&record) {
                Ok(fields) => f(&fields, report),
                Err(rule) => report.reject(table, rule),
            }
        }
    }
    report.read(table, n + chunks.too_long);
    report.reject_n(table, Rule::RowTooLong, chunks.too_long);
    Ok(())
}
