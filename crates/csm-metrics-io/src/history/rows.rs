//! Rows of the history format, parsed from CSV records into compact, `Copy` rows (the
//! parsers' output, the external sort's unit) and turned into the crate's records.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::path::Path;

use chrono::{DateTime, Utc};
use csm_metrics::{
    AgentId, Author, Call, CallId, Channel, CustomerId, FieldChange, Interaction, InteractionKind,
    Priority, QueueId, Status, SurveyId, SurveyResponse, SurveyScore, TagId, TeamId, Ticket,
    TicketId, Visibility,
};
use csv::ByteRecord;

use crate::error::{Error, Result};
use crate::report::Rule;

/// The columns a file must have, by name, and where the header puts them.
#[derive(Debug, Clone)]
pub(crate) struct Columns<const N: usize> {
    at: [usize; N],
    width: usize,
    /// Longest row, in bytes of its fields.
    limit: usize,
}

impl<const N: usize> Columns<N> {
    /// Finds the columns in a header row; extra columns are allowed (and ignored).
    pub(crate) fn find(
        path: &Path,
        header: &[u8],
        names: [&'static str; N],
        limit: usize,
    ) -> Result<Self> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(header);
        let mut record = ByteRecord::new();
        // A slice never fails to read; an empty header has no columns.
        let _ = reader.read_byte_record(&mut record);
        let found: Vec<String> = record
            .iter()
            .map(|f| String::from_utf8_lossy(f.trim_ascii()).into_owned())
            .collect();
        let mut at = [0; N];
        for (slot, name) in at.iter_mut().zip(names) {
            *slot = found
                .iter()
                .position(|f| f == name)
                .ok_or_else(|| Error::MissingColumn {
                    path: path.to_path_buf(),
                    column: name,
                    found: found.join(","),
                })?;
        }
        Ok(Columns {
            at,
            width: found.len(),
            limit,
        })
    }

    /// The fields of a row the fast path split, in the format's order, or the rule the
    /// row breaks.
    #[inline]
    pub(crate) fn fields_of<'r>(
        &self,
        row: &super::split::Fields<'r>,
    ) -> Result<[&'r [u8]; N], Rule> {
        if row.len != self.width {
            return Err(Rule::WrongFieldCount);
        }
        if row.bytes > self.limit {
            return Err(Rule::RowTooLong);
        }
        // A fast row has at most `MAX_FIELDS` fields, so its width and every column index
        // are below it: the mask only spares the bounds checks.
        let field = |i: usize| row.fields[i & (super::split::MAX_FIELDS - 1)];
        Ok(if row.spaced {
            self.at.map(|i| field(i).trim_ascii())
        } else {
            self.at.map(field)
        })
    }

    /// The fields of a chunk's row, however it was split, in the format's order, or the
    /// rule the row breaks.
    #[inline]
    pub(crate) fn row<'r>(&self, row: super::split::Row<'r, 'r>) -> Result<[&'r [u8]; N], Rule> {
        match row {
            super::split::Row::Fast(fields) => self.fields_of(fields),
            super::split::Row::Csv(record) => self.fields(record),
        }
    }

    /// The fields of a record in the format's order, or the rule the record breaks.
    #[inline]
    pub(crate) fn fields<'r>(&self, record: &'r ByteRecord) -> Result<[&'r [u8]; N], Rule> {
        if record.len() != self.width {
            return Err(Rule::WrongFieldCount);
        }
        if record.as_slice().len() > self.limit {
            return Err(Rule::RowTooLong);
        }
        Ok(self
            .at
            .map(|i| record.get(i).unwrap_or_default().trim_ascii()))
    }
}

/// A whole number.
#[inline]
pub(crate) fn int(s: &[u8]) -> Option<u64> {
    if s.is_empty() || s.len() > 20 {
        return None;
    }
    // Nineteen digits at most cannot overflow (10^19 - 1 < 2^64): no check per digit, and
    // eight digits at a time.
    let short = s.len() < 20;
    let mut n: u64 = 0;
    let mut s = s;
    while short && s.len() >= 8 {
        let mut w = [0; 8];
        w.copy_from_slice(&s[..8]);
        n = n * 100_000_000 + eight_digits(u64::from_le_bytes(w))?;
        s = &s[8..];
    }
    for &b in s {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        n = if short {
            n * 10 + u64::from(d)
        } else {
            n.checked_mul(10)?.checked_add(u64::from(d))?
        };
    }
    Some(n)
}

/// The number eight ASCII digits spell (the first byte the most significant), or `None`
/// if one is not a digit: every byte's high nibble 3 and low nibble at most 9 (adding 6
/// carries into no high nibble), then digits paired, pairs paired, and the halves joined
/// by two multiplications (D. Lemire, "SWAR explained: parsing eight digits", 2022).
#[inline]
fn eight_digits(w: u64) -> Option<u64> {
    const HIGH: u64 = 0xF0F0_F0F0_F0F0_F0F0;
    const ZEROS: u64 = 0x3030_3030_3030_3030;
    if w & HIGH != ZEROS || w.wrapping_add(0x0606_0606_0606_0606) & HIGH != ZEROS {
        return None;
    }
    let v = w - ZEROS;
    let v = v.wrapping_mul(10).wrapping_add(v >> 8);
    const MASK: u64 = 0x0000_00FF_0000_00FF;
    let v = ((v & MASK).wrapping_mul(100 + (1_000_000 << 32)))
        .wrapping_add(((v >> 16) & MASK).wrapping_mul(1 + (10_000 << 32)))
        >> 32;
    Some(v)
}

/// Unix seconds (maybe negative), within the range the crate computes with.
#[inline]
pub(crate) fn seconds(s: &[u8]) -> Option<i64> {
    let (negative, digits) = match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, s),
    };
    let n = i64::try_from(int(digits)?).ok()?;
    let n = if negative { -n } else { n };
    (MIN_SECONDS..=MAX_SECONDS).contains(&n).then_some(n)
}

/// The range of Unix seconds the crate computes with (chrono's, years −262,143 to
/// 262,142).
pub(crate) const MIN_SECONDS: i64 = DateTime::<Utc>::MIN_UTC.timestamp();
pub(crate) const MAX_SECONDS: i64 = DateTime::<Utc>::MAX_UTC.timestamp();

/// The instant of Unix seconds `s` (in chrono's range, checked when parsed).
#[inline]
pub(crate) fn instant(s: i64) -> DateTime<Utc> {
    thread_local! {
        static DAY: std::cell::Cell<Days> = const { std::cell::Cell::new(Days(None)) };
    }
    DAY.with(|cache| {
        let mut days = cache.get();
        let t = days.instant(s);
        cache.set(days);
        t
    })
}

/// The calendar date of the last day an instant fell on. Histories come mostly in time
/// order, so the date of the day before is kept (chrono's day-number-to-date conversion
/// was 5 % of a Parquet read) and the time of day added to it; a reader of many rows
/// keeps its own (no thread-local lookup per row).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Days(Option<(i64, chrono::NaiveDate)>);

impl Days {
    /// The instant of Unix seconds `s`: the same as `DateTime::from_timestamp`.
    #[inline]
    pub(crate) fn instant(&mut self, s: i64) -> DateTime<Utc> {
        let (day, second) = (s.div_euclid(86_400), s.rem_euclid(86_400) as u32);
        let date = match self.0 {
            Some((d, date)) if d == day => Some(date),
            _ => {
                let date = DateTime::from_timestamp(day * 86_400, 0).map(|t| t.date_naive());
                self.0 = date.map(|date| (day, date));
                date
            }
        };
        match (
            date,
            chrono::NaiveTime::from_num_seconds_from_midnight_opt(second, 0),
        ) {
            (Some(date), Some(time)) => date.and_time(time).and_utc(),
            _ => DateTime::from_timestamp(s, 0).unwrap_or_default(),
        }
    }
}

/// Interned names (teams, queues): a name's id is its FNV-1a hash, so parsers on other
/// threads agree without talking; the names are kept to print and to catch collisions.
#[derive(Debug, Clone, Default)]
pub struct Names(HashMap<u64, String, BuildHasherDefault<Prehashed>>);

/// The keys of [`Names`] are hashes already: used as they are.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8) ^ u64::from(*b) ^ (self.0 >> 56);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

impl FromIterator<(u64, String)> for Names {
    /// Names given by id (a help desk's own ids, as the Zendesk reader's group names).
    fn from_iter<I: IntoIterator<Item = (u64, String)>>(pairs: I) -> Self {
        Names(pairs.into_iter().collect())
    }
}

impl Names {
    /// The name of an id.
    pub fn get(&self, id: u64) -> Option<&str> {
        self.0.get(&id).map(String::as_str)
    }

    /// Every (id, name).
    pub fn iter(&self) -> impl Iterator<Item = (u64, &str)> {
        self.0.iter().map(|(id, n)| (*id, n.as_str()))
    }

    /// How many names.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// A team's id: `#123` is the id 123 without a name (what a conversion writes for an
    /// export's unnamed group), any other name its interned id.
    pub(crate) fn team(&mut self, name: &str) -> Result<u64> {
        match raw_id(name) {
            Some(id) => Ok(id),
            None => self.intern("team", name),
        }
    }

    /// The id of a name, remembered.
    pub(crate) fn intern(&mut self, kind: &'static str, name: &str) -> Result<u64> {
        let id = TeamId::named(name).0;
        match self.0.get(&id) {
            Some(known) if known != name => Err(Error::NameCollision {
                kind,
                id,
                first: known.clone(),
                second: name.to_string(),
            }),
            Some(_) => Ok(id),
            None => {
                self.0.insert(id, name.to_string());
                Ok(id)
            }
        }
    }

    /// Adds another table's names.
    pub(crate) fn merge(&mut self, kind: &'static str, other: &Names) -> Result<()> {
        for name in other.0.values() {
            self.intern(kind, name)?;
        }
        Ok(())
    }
}

/// `#123`: an id written without a name.
fn raw_id(text: &str) -> Option<u64> {
    text.strip_prefix('#')?.parse().ok()
}

/// A ticket row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TicketRow {
    pub created_at: i64,
    pub id: u64,
    pub requester: u64,
    pub team: Option<u64>,
    pub channel: Channel,
    pub priority: Priority,
}

pub(crate) const TICKET_COLUMNS: [&str; 6] = [
    "ticket_id",
    "created_at",
    "channel",
    "priority",
    "team",
    "requester_id",
];

/// A ticket row from its fields in the format's order (or the rule its row breaks).
#[inline]
pub(crate) fn ticket_of(
    fields: Result<[&[u8]; 6], Rule>,
    teams: &mut Names,
) -> Result<Result<TicketRow, Rule>> {
    let fields = fields.and_then(|f| {
        let (Some(id), Some(created_at), Some(requester)) = (int(f[0]), seconds(f[1]), int(f[5]))
        else {
            return Err(Rule::BadIdOrInstant);
        };
        ticket(id, created_at, requester, [f[2], f[3], f[4]])
    });
    Ok(match fields {
        Err(rule) => Err(rule),
        Ok((mut row, name)) => {
            if let Some(name) = name {
                row.team = Some(teams.team(name)?);
            }
            Ok(row)
        }
    })
}

/// A ticket row from its fields, however the file stores them: `text` is the channel, the
/// priority and the team (empty for none); the team's name is returned to be interned.
#[inline]
pub(crate) fn ticket(
    id: u64,
    created_at: i64,
    requester: u64,
    text: [&[u8]; 3],
) -> Result<(TicketRow, Option<&str>), Rule> {
    let [channel_text, priority_text, team_text] = text;
    let channel = match channel_text {
        b"email" => Channel::Email,
        b"chat" => Channel::Chat,
        b"phone" => Channel::Phone,
        b"web" => Channel::Web,
        b"social" => Channel::Social,
        b"api" => Channel::Api,
        _ => Channel::Other,
    };
    let priority = Priority::ALL
        .into_iter()
        .find(|p| p.as_str().as_bytes() == priority_text)
        .ok_or(Rule::UnknownPriority)?;
    let name = if team_text.is_empty() {
        None
    } else {
        Some(std::str::from_utf8(team_text).map_err(|_| Rule::NotUtf8)?)
    };
    Ok((
        TicketRow {
            created_at,
            id,
            requester,
            team: None,
            channel,
            priority,
        },
        name,
    ))
}

impl TicketRow {
    /// Bytes of [`encode`](Self::encode).
    pub(crate) const SIZE: usize = 35;

    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.created_at.to_le_bytes());
        out.extend_from_slice(&self.id.to_le_bytes());
        out.extend_from_slice(&self.requester.to_le_bytes());
        out.extend_from_slice(&self.team.unwrap_or(0).to_le_bytes());
        out.push(u8::from(self.team.is_some()));
        out.push(
            Channel::ALL
                .iter()
                .position(|c| *c == self.channel)
                .unwrap_or(0) as u8,
        );
        out.push(
            Priority::ALL
                .iter()
                .position(|p| *p == self.priority)
                .unwrap_or(0) as u8,
        );
    }

    pub(crate) fn decode(b: &[u8; Self::SIZE]) -> Self {
        let word = |i: usize| {
            let mut w = [0; 8];
            w.copy_from_slice(&b[i..i + 8]);
            w
        };
        TicketRow {
            created_at: i64::from_le_bytes(word(0)),
            id: u64::from_le_bytes(word(8)),
            requester: u64::from_le_bytes(word(16)),
            team: (b[32] != 0).then(|| u64::from_le_bytes(word(24))),
            channel: Channel::ALL
                .get(usize::from(b[33]))
                .copied()
                .unwrap_or_default(),
            priority: Priority::ALL
                .get(usize::from(b[34]))
                .copied()
                .unwrap_or_default(),
        }
    }

    pub(crate) fn ticket(&self) -> Ticket {
        let mut t = Ticket::new(
            TicketId(self.id),
            instant(self.created_at),
            CustomerId(self.requester),
        );
        t.channel = self.channel;
        t.priority = self.priority;
        t.team = self.team.map(TeamId);
        t
    }
}

/// An event row, packed (the parsers' output and the external sort's unit): `kind` is
/// one of the `KIND_*` codes; `detail` the author and visibility of a message
/// (`AUTHOR_* | PUBLIC`) or the status code of a status change (an index of `STATUSES`);
/// `agent` 0 for none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EventRow {
    pub at: i64,
    pub ticket: u64,
    pub agent: u64,
    pub kind: u8,
    pub detail: u8,
}

pub(crate) const KIND_CREATED: u8 = 0;
pub(crate) const KIND_MESSAGE: u8 = 1;
pub(crate) const KIND_STATUS: u8 = 2;
pub(crate) const KIND_ASSIGN: u8 = 3;
/// Version 2: the team changes (`agent` the team's id, `detail` 1; 0 for no team).
pub(crate) const KIND_TEAM: u8 = 4;
/// Version 2: the priority changes (`detail` an index of `PRIORITIES`).
pub(crate) const KIND_PRIORITY: u8 = 5;
/// Version 2: a tag is added (`agent` its id, [`TagId::named`]).
pub(crate) const KIND_TAG_ADDED: u8 = 6;
/// Version 2: a tag is removed.
pub(crate) const KIND_TAG_REMOVED: u8 = 7;
const PRIORITIES: [Priority; 4] = [
    Priority::Low,
    Priority::Normal,
    Priority::High,
    Priority::Urgent,
];
const AUTHOR_AGENT: u8 = 0;
const AUTHOR_CUSTOMER: u8 = 1;
const AUTHOR_BOT: u8 = 2;
const PUBLIC: u8 = 4;
/// The statuses of `status_to`, by code.
const STATUSES: [Status; 7] = [
    Status::New,
    Status::Open,
    Status::Pending,
    Status::OnHold,
    Status::Solved,
    Status::Closed,
    Status::Spam,
];

pub(crate) const EVENT_COLUMNS: [&str; 7] = [
    "ticket_id",
    "at",
    "kind",
    "author_kind",
    "public",
    "status_to",
    "agent_id",
];

/// An event row from its fields in the format's order.
#[inline]
pub(crate) fn event_of(f: [&[u8]; 7], teams: &mut Names) -> Result<EventRow, Rule> {
    let (Some(ticket), Some(at)) = (int(f[0]), seconds(f[1])) else {
        return Err(Rule::BadTicketIdOrInstant);
    };
    event(
        ticket,
        at,
        [f[2], f[3], f[5]],
        f[4] == b"true",
        int(f[6]).unwrap_or(0),
        teams,
    )
}

/// An event row from its fields, however the file stores them: `text` is the kind, the
/// author kind and the status (for a version-2 field change: the new value; empty for
/// none), `agent` 0 for none; the team names of team changes are interned in `teams`.
#[inline]
pub(crate) fn event(
    ticket: u64,
    at: i64,
    text: [&[u8]; 3],
    public: bool,
    agent: u64,
    teams: &mut Names,
) -> Result<EventRow, Rule> {
    let [kind_text, author_text, status_text] = text;
    let kind = kind_code(kind_text);
    let author = match kind {
        KIND_MESSAGE => author_code(author_text),
        _ => UNKNOWN,
    };
    let status = match kind {
        KIND_STATUS => status_code(status_text),
        _ => UNKNOWN,
    };
    match event_of_codes(ticket, at, [kind, author, status], public, agent) {
        Some(row) => row,
        None => field_change(ticket, at, kind_text, status_text, teams),
    }
}

/// A text no code stands for (an unknown kind, author or status).
pub(crate) const UNKNOWN: u8 = u8::MAX;
/// The kind code of a version-2 field change (read from its texts).
pub(crate) const KIND_FIELD: u8 = u8::MAX - 1;

/// The code of an event's `kind` text: a `KIND_*`, [`KIND_FIELD`] or [`UNKNOWN`].
pub(crate) fn kind_code(text: &[u8]) -> u8 {
    match text {
        b"created" => KIND_CREATED,
        b"message" => KIND_MESSAGE,
        b"status" => KIND_STATUS,
        b"assign" => KIND_ASSIGN,
        b"team" | b"priority" | b"tag_added" | b"tag_removed" => KIND_FIELD,
        _ => UNKNOWN,
    }
}

/// The code of a message's `author_kind` text: an `AUTHOR_*` or [`UNKNOWN`].
pub(crate) fn author_code(text: &[u8]) -> u8 {
    match text {
        b"agent" => AUTHOR_AGENT,
        b"customer" => AUTHOR_CUSTOMER,
        b"bot" => AUTHOR_BOT,
        _ => UNKNOWN,
    }
}

/// The code of a status change's `status_to` text (an index of `STATUSES`) or [`UNKNOWN`].
pub(crate) fn status_code(text: &[u8]) -> u8 {
    match text {
        b"new" => 0,
        b"open" => 1,
        b"pending" => 2,
        b"hold" | b"on_hold" | b"on-hold" => 3,
        b"solved" => 4,
        b"closed" => 5,
        b"spam" | b"deleted" => 6,
        _ => UNKNOWN,
    }
}

/// An event row from the codes of its texts (`[kind, author, status]`, each read only
/// where the kind needs it): the rules of [`event`] once the texts are classified, so a
/// reader of dictionary-coded columns classifies each distinct text once. `None` for a
/// field change, which needs its texts.
#[inline]
pub(crate) fn event_of_codes(
    ticket: u64,
    at: i64,
    codes: [u8; 3],
    public: bool,
    agent: u64,
) -> Option<Result<EventRow, Rule>> {
    let [kind, author, status] = codes;
    let detail = match kind {
        KIND_CREATED | KIND_ASSIGN => 0,
        KIND_MESSAGE => {
            let author = match author {
                AUTHOR_AGENT if agent != 0 => AUTHOR_AGENT,
                AUTHOR_CUSTOMER | AUTHOR_BOT => author,
                _ => return Some(Err(Rule::UnknownAuthor)),
            };
            author | if public { PUBLIC } else { 0 }
        }
        KIND_STATUS if status == UNKNOWN => return Some(Err(Rule::UnknownStatus)),
        KIND_STATUS => status,
        KIND_FIELD => return None,
        _ => return Some(Err(Rule::UnknownKind)),
    };
    Some(Ok(EventRow {
        at,
        ticket,
        agent,
        kind,
        detail,
    }))
}

/// A version-2 field change: `value` is the new team (empty: none), priority or tag.
#[cold]
fn field_change(
    ticket: u64,
    at: i64,
    kind: &[u8],
    value: &[u8],
    teams: &mut Names,
) -> Result<EventRow, Rule> {
    let text = std::str::from_utf8(value).map_err(|_| Rule::NotUtf8)?;
    // `#123`: an id without a name (what a conversion writes for an unnamed one).
    let raw = text.strip_prefix('#').and_then(|d| d.parse::<u64>().ok());
    let (kind, agent, detail) = match kind {
        b"team" if text.is_empty() => (KIND_TEAM, 0, 0),
        b"team" if raw.is_some() => (KIND_TEAM, raw.unwrap_or(0), 1),
        b"team" => {
            let id = teams.team(text).map_err(|e| Rule::Refused(e.to_string()))?;
            (KIND_TEAM, id, 1)
        }
        b"priority" => {
            let p = PRIORITIES
                .iter()
                .position(|p| p.as_str() == text)
                .ok_or(Rule::UnknownPriority)?;
            (KIND_PRIORITY, 0, p as u8)
        }
        _ if text.is_empty() => return Err(Rule::UnknownKind),
        _ => {
            // A tag's name is kept beside the teams' (its id is the same hash of the name,
            // so a team and a tag of one name share the entry).
            let id = match raw {
                Some(id) => id,
                None => teams
                    .intern("tag", text)
                    .map_err(|e| Rule::Refused(e.to_string()))?,
            };
            debug_assert!(raw.is_some() || id == TagId::named(text).0);
            let kind = match kind {
                b"tag_added" => KIND_TAG_ADDED,
                _ => KIND_TAG_REMOVED,
            };
            (kind, id, 0)
        }
    };
    Ok(EventRow {
        at,
        ticket,
        agent,
        kind,
        detail,
    })
}

impl EventRow {
    /// The interaction it is (a creation is the ticket row's; a code this module never
    /// writes is none).
    #[inline]
    pub(crate) fn interaction(&self, days: &mut Days) -> Option<Interaction> {
        let agent = (self.agent != 0).then_some(AgentId(self.agent));
        let kind = match self.kind {
            KIND_MESSAGE => InteractionKind::Message {
                author: match (self.detail & 3, agent) {
                    (AUTHOR_AGENT, Some(a)) => Author::Agent(a),
                    (AUTHOR_CUSTOMER, _) => Author::Customer,
                    (AUTHOR_BOT, _) => Author::Automation,
                    _ => return None,
                },
                visibility: if self.detail & PUBLIC != 0 {
                    Visibility::Public
                } else {
                    Visibility::Internal
                },
            },
            KIND_STATUS => InteractionKind::Status(*STATUSES.get(usize::from(self.detail))?),
            KIND_ASSIGN => InteractionKind::Assignment { agent, team: None },
            KIND_TEAM => InteractionKind::Field(FieldChange::Team(
                (self.detail == 1).then_some(TeamId(self.agent)),
            )),
            KIND_PRIORITY => InteractionKind::Field(FieldChange::Priority(
                *PRIORITIES.get(usize::from(self.detail))?,
            )),
            KIND_TAG_ADDED => InteractionKind::Field(FieldChange::TagAdded(TagId(self.agent))),
            KIND_TAG_REMOVED => InteractionKind::Field(FieldChange::TagRemoved(TagId(self.agent))),
            _ => return None,
        };
        Some(Interaction {
            ticket: TicketId(self.ticket),
            at: days.instant(self.at),
            kind,
        })
    }

    /// The row's texts as the format writes them: kind, author kind, public, status (or a
    /// field change's new value: a team by its name in `teams`, a tag by its id, the
    /// format keeping tags' names only where it read them).
    #[cfg(feature = "parquet")]
    pub(crate) fn texts<'a>(
        &self,
        teams: &'a Names,
    ) -> (&'static str, &'static str, bool, std::borrow::Cow<'a, str>) {
        use std::borrow::Cow;
        const NAMES: [&str; 7] = [
            "new", "open", "pending", "on_hold", "solved", "closed", "spam",
        ];
        let author = match self.detail & 3 {
            AUTHOR_AGENT => "agent",
            AUTHOR_CUSTOMER => "customer",
            _ => "bot",
        };
        let none = Cow::Borrowed("");
        match self.kind {
            KIND_CREATED => ("created", "", false, none),
            KIND_MESSAGE => ("message", author, self.detail & PUBLIC != 0, none),
            KIND_STATUS => (
                "status",
                "",
                false,
                Cow::Borrowed(NAMES.get(usize::from(self.detail)).copied().unwrap_or("")),
            ),
            KIND_TEAM if self.detail == 0 => ("team", "", false, none),
            KIND_TEAM => (
                "team",
                "",
                false,
                teams
                    .get(self.agent)
                    .map_or_else(|| Cow::Owned(format!("#{}", self.agent)), Cow::Borrowed),
            ),
            KIND_PRIORITY => (
                "priority",
                "",
                false,
                Cow::Borrowed(
                    PRIORITIES
                        .get(usize::from(self.detail))
                        .map_or("", |p| p.as_str()),
                ),
            ),
            KIND_TAG_ADDED => (
                "tag_added",
                "",
                false,
                Cow::Owned(format!("#{}", self.agent)),
            ),
            KIND_TAG_REMOVED => (
                "tag_removed",
                "",
                false,
                Cow::Owned(format!("#{}", self.agent)),
            ),
            _ => ("assign", "", false, none),
        }
    }

    /// Bytes of [`encode`](Self::encode).
    pub(crate) const SIZE: usize = 26;

    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.at.to_le_bytes());
        out.extend_from_slice(&self.ticket.to_le_bytes());
        out.extend_from_slice(&self.agent.to_le_bytes());
        out.push(self.kind);
        out.push(self.detail);
    }

    pub(crate) fn decode(b: &[u8; Self::SIZE]) -> Self {
        let word = |i: usize| {
            let mut w = [0; 8];
            w.copy_from_slice(&b[i..i + 8]);
            w
        };
        EventRow {
            at: i64::from_le_bytes(word(0)),
            ticket: u64::from_le_bytes(word(8)),
            agent: u64::from_le_bytes(word(16)),
            kind: b[24],
            detail: b[25],
        }
    }
}

pub(crate) const SURVEY_COLUMNS: [&str; 5] = ["kind", "at", "ticket_id", "agent_id", "score"];

/// A survey response; `row` (1-based) becomes its id.
pub(crate) fn parse_survey(
    fields: Result<[&[u8]; 5], Rule>,
    row: u64,
) -> Result<SurveyResponse, Rule> {
    let f = fields?;
    survey(f[0], seconds(f[1]), int(f[2]), int(f[3]), int(f[4]), row)
}

/// A survey response from its fields read (`None`: unreadable), by the format's rules.
pub(crate) fn survey(
    kind: &[u8],
    at: Option<i64>,
    ticket: Option<u64>,
    agent: Option<u64>,
    score: Option<u64>,
    row: u64,
) -> Result<SurveyResponse, Rule> {
    let at = at.ok_or(Rule::BadInstantOrScore)?;
    let score = score
        .and_then(|s| u8::try_from(s).ok())
        .ok_or(Rule::BadInstantOrScore)?;
    let score = match kind {
        b"nps" => SurveyScore::Nps(score),
        b"csat" => SurveyScore::Csat(score),
        b"ces" => SurveyScore::Ces(score),
        b"enps" => SurveyScore::Enps(score),
        _ => return Err(Rule::UnknownKind),
    };
    let mut s = SurveyResponse::new(SurveyId(row), instant(at), score);
    s.ticket = ticket.filter(|t| *t != 0).map(TicketId);
    s.agent = agent.filter(|a| *a != 0).map(AgentId);
    Ok(s)
}

pub(crate) const CALL_COLUMNS: [&str; 8] = [
    "call_id",
    "queue",
    "offered_at",
    "answered_at",
    "ended_at",
    "hold_s",
    "wrap_s",
    "agent_id",
];

pub(crate) fn parse_call(
    fields: Result<[&[u8]; 8], Rule>,
    queues: &mut Names,
) -> Result<Result<Call, Rule>> {
    let f = match fields {
        Ok(f) => f,
        Err(rule) => return Ok(Err(rule)),
    };
    let answered = if f[3].is_empty() {
        Some(None)
    } else {
        seconds(f[3]).map(Some)
    };
    let instants = (seconds(f[2]), answered, seconds(f[4]));
    call(
        int(f[0]),
        f[1],
        instants,
        [int(f[5]), int(f[6]), int(f[7])],
        queues,
    )
}

/// A call from its fields read, by the format's rules: `instants` offered, answered
/// (`Some(None)`: not answered; `None`: unreadable) and ended; `counts` hold and wrap
/// seconds and the agent (`None`: unreadable or empty).
pub(crate) fn call(
    id: Option<u64>,
    queue: &[u8],
    instants: (Option<i64>, Option<Option<i64>>, Option<i64>),
    counts: [Option<u64>; 3],
    queues: &mut Names,
) -> Result<Result<Call, Rule>> {
    let (offered, answered, ended) = instants;
    let (Some(id), Some(offered), Some(ended)) = (id, offered, ended) else {
        return Ok(Err(Rule::BadIdOrInstant));
    };
    let Some(answered) = answered else {
        return Ok(Err(Rule::BadAnsweredAt));
    };
    let [hold, wrap, agent] = counts;
    let (Some(hold), Some(wrap)) = (hold, wrap) else {
        return Ok(Err(Rule::BadHoldOrWrap));
    };
    let Ok(queue) = std::str::from_utf8(queue) else {
        return Ok(Err(Rule::NotUtf8));
    };
    Ok(Ok(Call {
        id: CallId(id),
        queue: QueueId(queues.intern("queue", queue)?),
        offered_at: instant(offered),
        answered_at: answered.map(instant),
        ended_at: instant(ended),
        hold,
        wrap,
        agent: agent.filter(|a| *a != 0).map(AgentId),
        customer: None,
        transferred: false,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// A whole number is what the standard library parses from the same digits (a
        /// sign or anything else but digits is none; more than 20 digits too, even
        /// leading zeros).
        #[test]
        fn whole_numbers_read_as_std_parses_them(
            s in "0{0,3}[0-9]{0,20}|[0-9+a -]{0,6}|[0-9]{0,9}[/:0-9\\x{80}-\\x{ff}]{1,3}[0-9]{0,9}"
        ) {
            let want = if s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit()) {
                s.parse::<u64>().ok()
            } else {
                None
            };
            prop_assert_eq!(int(s.as_bytes()), want);
        }
    }

    #[test]
    fn numbers() {
        assert_eq!(int(b"0"), Some(0));
        assert_eq!(int(b"9999999999999999999"), Some(9_999_999_999_999_999_999));
        assert_eq!(int(b"1735689600"), Some(1_735_689_600));
        assert_eq!(int(b"12345678"), Some(12_345_678));
        assert_eq!(int(b"1234567:"), None);
        assert_eq!(int(b"1234/678"), None);
        assert_eq!(int(b"00000000000000000001"), Some(1));
        assert_eq!(int(b"99999999999999999999"), None);
        assert_eq!(int(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(int(b"18446744073709551616"), None);
        assert_eq!(int(b""), None);
        assert_eq!(int(b"1a"), None);
        assert_eq!(int(b"+1"), None);
        assert_eq!(seconds(b"-5"), Some(-5));
        assert_eq!(seconds(b"99999999999999999"), None);
    }

    #[test]
    fn instants_from_the_day_cache_are_chronos() {
        // In order, out of order, before 1970, at day edges, and the range's ends.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut cases = vec![
            0,
            -1,
            86_399,
            86_400,
            -86_400,
            -86_401,
            MIN_SECONDS,
            MAX_SECONDS,
        ];
        for _ in 0..10_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            cases.push((x % 8_000_000_000) as i64 - 4_000_000_000);
            let last = *cases.last().unwrap();
            cases.push(last + (x % 5) as i64);
        }
        for s in cases {
            assert_eq!(instant(s), DateTime::from_timestamp(s, 0).unwrap(), "{s}");
        }
    }
}
