//! `ticket_facts(at, kind, author_kind, public, status_to)`: one ticket's events, grouped
//! by ticket, replayed through the core tracker's rules into the facts of its lifecycle.
//!
//! The state is the ticket's events, each packed in one `Int64` (the instant in seconds
//! shifted left by 8 bits, a code for what happened in the low byte), in a `List<Int64>`
//! column. Packing makes the order of a ticket's events the order of the numbers: by time,
//! and at the same second in a fixed order of kinds (creation, assignment, customer,
//! automation and agent messages, then status changes), so neither partitioning nor the
//! order rows arrive in changes the facts.

use std::sync::Arc;

use chrono::DateTime;
use csm_metrics::metrics::tickets::{TicketReplay, TrackerConfig};
use csm_metrics::{
    AgentId, Author, BusinessClock, CustomerId, Interaction, InteractionKind, Status, Ticket,
    TicketId, Visibility,
};
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Int64Array, ListArray, StringArray, StringViewArray,
    StructArray,
};
use datafusion::arrow::buffer::OffsetBuffer;
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Fields, Int64Type};
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDFImpl, EmitTo, GroupsAccumulator, Signature, Volatility,
};

use crate::error;

const NAME: &str = "ticket_facts";

/// The code of an event that could not be read (a NULL, an unknown kind): counted among
/// the ticket's rejected events.
const UNREADABLE: i64 = 255;
const CREATED: i64 = 0;

/// `ticket_facts(at, kind, author_kind, public, status_to)`, grouped by ticket.
///
/// Arguments: `at` the event's instant (`Int64` Unix seconds, or a timestamp), `kind` one
/// of `created`, `message`, `status`, `assign`; `author_kind` (messages) one of `agent`,
/// `customer`, `bot`; `public` (messages) a `Boolean`; `status_to` (status changes) one
/// of `new`, `open`, `pending`, `hold`, `solved`, `closed`, `merged`, `spam`. These are
/// the columns of the history format of `docs/HISTORY_FORMAT.md`.
///
/// Returns a struct per ticket: `created_at` (Unix seconds), `status` (`open`, `solved`,
/// `closed`, `closed_unresolved`, `merged`, `spam`, or `not_created` when no `created`
/// event was seen), the durations in seconds `first_response`, `first_resolution`,
/// `full_resolution`, `requester_wait`, `agent_work`, `agent_wait`, `on_hold` (NULL when
/// the tracker files none: unanswered, unsolved, merged), their business-time twins
/// `business_first_response`, `business_first_resolution`, `business_full_resolution`,
/// `business_requester_wait` (with a calendar), `replies`, `reopens`, the flags `counted`
/// (a created ticket, not spam), `answered`, `unanswered`, `solved`, and how many of its
/// events were `accepted`, `duplicates` and `rejected` (before creation, after a close,
/// unreadable: counted, never dropped).
///
/// The rules are the core tracker's ([`TicketReplay`]): the ticket is inbound, its first
/// response clock starts at creation, business time is on the calendar given at
/// registration. Without an agent id, two public agent messages of one ticket in the same
/// second count as one (the tracker's duplicate rule), and a merge cannot be checked
/// against the ticket's own id.
#[derive(Debug)]
pub struct TicketFacts {
    signature: Signature,
    calendar: Option<Arc<dyn BusinessClock>>,
}

impl PartialEq for TicketFacts {
    fn eq(&self, other: &Self) -> bool {
        self.fingerprint() == other.fingerprint()
    }
}

impl Eq for TicketFacts {}

impl std::hash::Hash for TicketFacts {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.fingerprint().hash(state);
    }
}

impl TicketFacts {
    /// The function in calendar time (the business fields are NULL), or with business
    /// time on `calendar`.
    pub fn new(calendar: Option<Arc<dyn BusinessClock>>) -> Self {
        TicketFacts {
            signature: Signature::any(5, Volatility::Immutable),
            calendar,
        }
    }

    /// The calendar business time is counted on, if any.
    pub fn calendar(&self) -> Option<&Arc<dyn BusinessClock>> {
        self.calendar.as_ref()
    }

    fn fingerprint(&self) -> Option<u64> {
        self.calendar.as_ref().map(|c| c.fingerprint())
    }

    /// The fields of the returned struct.
    pub fn fields() -> Fields {
        let i = |n: &str| Field::new(n, DataType::Int64, true);
        let b = |n: &str| Field::new(n, DataType::Boolean, false);
        Fields::from(vec![
            i("created_at"),
            Field::new("status", DataType::Utf8, false),
            i("first_response"),
            i("first_resolution"),
            i("full_resolution"),
            i("requester_wait"),
            i("agent_work"),
            i("agent_wait"),
            i("on_hold"),
            i("business_first_response"),
            i("business_first_resolution"),
            i("business_full_resolution"),
            i("business_requester_wait"),
            i("replies"),
            i("reopens"),
            b("counted"),
            b("answered"),
            b("unanswered"),
            b("solved"),
            i("accepted"),
            i("duplicates"),
            i("rejected"),
        ])
    }

    fn replay(&self) -> Result<TicketReplay> {
        TicketReplay::new(TrackerConfig {
            calendar: self.calendar.clone(),
            ..TrackerConfig::default()
        })
        .map_err(|e| error(NAME, e))
    }
}

fn item() -> FieldRef {
    Arc::new(Field::new_list_field(DataType::Int64, true))
}

impl AggregateUDFImpl for TicketFacts {
    fn name(&self) -> &str {
        NAME
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        check_types(arg_types)?;
        Ok(DataType::Struct(Self::fields()))
    }

    fn accumulator(&self, _args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(FactsAccumulator {
            events: Vec::new(),
            replay: self.replay()?,
        }))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![Arc::new(Field::new(
            format!("{}_events", args.name),
            DataType::List(item()),
            true,
        ))])
    }

    fn groups_accumulator_supported(&self, _args: AccumulatorArgs) -> bool {
        true
    }

    fn create_groups_accumulator(
        &self,
        _args: AccumulatorArgs,
    ) -> Result<Box<dyn GroupsAccumulator>> {
        Ok(Box::new(FactsGroups {
            events: Vec::new(),
            groups: 0,
            replay: self.replay()?,
        }))
    }
}

fn is_text(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Null
    ) || matches!(t, DataType::Dictionary(_, v) if is_text(v))
}

fn check_types(types: &[DataType]) -> Result<()> {
    let [at, kind, author, public, status] = types else {
        return Err(error(
            NAME,
            format!(
                "{} arguments, 5 expected (at, kind, author_kind, public, status_to)",
                types.len()
            ),
        ));
    };
    let at_ok = matches!(
        at,
        DataType::Int64 | DataType::Int32 | DataType::Timestamp(_, _) | DataType::Null
    );
    if !at_ok {
        return Err(error(
            NAME,
            format!("`at` must be Unix seconds (an integer) or a timestamp, not {at}"),
        ));
    }
    for (arg, t) in [
        ("kind", kind),
        ("author_kind", author),
        ("status_to", status),
    ] {
        if !is_text(t) {
            return Err(error(NAME, format!("`{arg}` must be text, not {t}")));
        }
    }
    if !matches!(public, DataType::Boolean | DataType::Null) {
        return Err(error(
            NAME,
            format!("`public` must be a Boolean, not {public}"),
        ));
    }
    Ok(())
}

/// A text column read in place (Utf8 or Utf8View, as CSV and Parquet give them), or cast to
/// Utf8 (a dictionary, a large string).
enum Text {
    Utf8(StringArray),
    View(StringViewArray),
}

impl Text {
    fn of(column: &ArrayRef) -> Result<Text> {
        Ok(match column.data_type() {
            DataType::Utf8 => Text::Utf8(column.as_string::<i32>().clone()),
            DataType::Utf8View => Text::View(column.as_string_view().clone()),
            _ => Text::Utf8(cast(column, &DataType::Utf8)?.as_string::<i32>().clone()),
        })
    }

    #[inline]
    fn get(&self, row: usize) -> Option<&str> {
        match self {
            Text::Utf8(a) => (!a.is_null(row)).then(|| a.value(row)),
            Text::View(a) => (!a.is_null(row)).then(|| a.value(row)),
        }
    }
}

/// What one event row did, as a code whose order is the order of kinds at one instant.
fn code(
    kind: Option<&str>,
    author: Option<&str>,
    public: Option<bool>,
    status: Option<&str>,
) -> i64 {
    match kind {
        Some("created") => CREATED,
        Some("assign") => 1,
        Some("message") => {
            let base = match author {
                Some("customer") => 2,
                Some("bot") => 4,
                Some("agent") => 6,
                _ => return UNREADABLE,
            };
            match public {
                Some(true) => base,
                Some(false) => base + 1,
                None => UNREADABLE,
            }
        }
        Some("status") => match status {
            Some("new") => 8,
            Some("open") => 9,
            Some("pending") => 10,
            Some("hold" | "on_hold" | "on-hold") => 11,
            Some("solved") => 12,
            Some("closed") => 13,
            Some("merged") => 14,
            Some("spam" | "deleted") => 15,
            _ => UNREADABLE,
        },
        _ => UNREADABLE,
    }
}

/// Instants fit 55 bits with the code in the low byte: ±1.1 billion years.
const LIMIT: i64 = 1 << 54;

/// The packed events of a batch, one per row (`None` for a row filtered out).
fn pack(values: &[ArrayRef], mut each: impl FnMut(usize, i64)) -> Result<()> {
    let [at, kind, author, public, status] = values else {
        return Err(error(
            NAME,
            format!("{} arguments, 5 expected", values.len()),
        ));
    };
    let at = crate::unix_seconds(at)?;
    let (kind, author, status) = (Text::of(kind)?, Text::of(author)?, Text::of(status)?);
    let public = public
        .as_boolean_opt()
        .cloned()
        .unwrap_or_else(|| BooleanArray::new_null(at.len()));
    for row in 0..at.len() {
        let c = code(
            kind.get(row),
            author.get(row),
            (!public.is_null(row)).then(|| public.value(row)),
            status.get(row),
        );
        let packed = match (!at.is_null(row)).then(|| at.value(row)) {
            Some(t) if (-LIMIT..LIMIT).contains(&t) => (t << 8) | c,
            // An instant out of range or missing: kept, and counted as rejected.
            _ => (LIMIT << 8) | UNREADABLE,
        };
        each(row, packed);
    }
    Ok(())
}

/// The facts of one ticket's packed events (sorted here).
fn facts(
    replay: &mut TicketReplay,
    events: &mut [i64],
    interactions: &mut Vec<Interaction>,
    out: &mut Columns,
) -> Result<()> {
    events.sort_unstable();
    let id = TicketId(1);
    let mut created = None;
    let mut rejected = 0u64;
    interactions.clear();
    for &e in events.iter() {
        let (t, c) = (e >> 8, e & 0xff);
        let at = DateTime::from_timestamp(t, 0);
        let (Some(at), false) = (at, c == UNREADABLE) else {
            rejected += 1;
            continue;
        };
        if c == CREATED {
            if created.is_some() {
                rejected += 1;
            } else {
                created = Some(at);
            }
            continue;
        }
        let message = |author, public: bool| InteractionKind::Message {
            author,
            visibility: if public {
                Visibility::Public
            } else {
                Visibility::Internal
            },
        };
        let kind = match c {
            1 => InteractionKind::Assignment {
                agent: None,
                team: None,
            },
            2 | 3 => message(Author::Customer, c == 2),
            4 | 5 => message(Author::Automation, c == 4),
            6 | 7 => message(Author::Agent(AgentId(0)), c == 6),
            8 => InteractionKind::Status(Status::New),
            9 => InteractionKind::Status(Status::Open),
            10 => InteractionKind::Status(Status::Pending),
            11 => InteractionKind::Status(Status::OnHold),
            12 => InteractionKind::Status(Status::Solved),
            13 => InteractionKind::Status(Status::Closed),
            14 => InteractionKind::Status(Status::Merged { into: TicketId(0) }),
            _ => InteractionKind::Status(Status::Spam),
        };
        interactions.push(Interaction {
            ticket: id,
            at,
            kind,
        });
    }
    let Some(created) = created else {
        out.without_facts("not_created", None, events.len() as u64);
        return Ok(());
    };
    match replay.replay(
        &Ticket::new(id, created, CustomerId(0)),
        interactions.iter(),
    ) {
        Ok(f) => out.push(&f, rejected),
        // The ticket itself turned away (created outside the calendar): every event counted
        // as rejected.
        Err(_) => out.without_facts("rejected", Some(created.timestamp()), events.len() as u64),
    }
    Ok(())
}

/// The output columns being built.
#[derive(Default)]
struct Columns {
    ints: [Vec<Option<i64>>; 17],
    status: Vec<&'static str>,
    flags: [Vec<bool>; 4],
}

impl Columns {
    fn with_capacity(n: usize) -> Self {
        Columns {
            ints: std::array::from_fn(|_| Vec::with_capacity(n)),
            status: Vec::with_capacity(n),
            flags: std::array::from_fn(|_| Vec::with_capacity(n)),
        }
    }

    fn push_row(&mut self, ints: [Option<i64>; 17], status: &'static str, flags: [bool; 4]) {
        for (c, v) in self.ints.iter_mut().zip(ints) {
            c.push(v);
        }
        self.status.push(status);
        for (c, v) in self.flags.iter_mut().zip(flags) {
            c.push(v);
        }
    }

    /// A ticket with no facts: every event counted as rejected. `not_created` when no
    /// creation was seen, `rejected` when the ticket itself was turned away (created
    /// outside the calendar).
    fn without_facts(&mut self, status: &'static str, created: Option<i64>, events: u64) {
        let mut ints = [None; 17];
        ints[0] = created;
        ints[12] = Some(0);
        ints[13] = Some(0);
        ints[14] = Some(0);
        ints[15] = Some(0);
        ints[16] = Some(events as i64);
        self.push_row(ints, status, [false; 4]);
    }

    fn push(&mut self, f: &csm_metrics::metrics::tickets::TicketFacts, unreadable: u64) {
        let s = f.solved.as_ref();
        let b = s.and_then(|s| s.business.as_ref());
        let i = |v: u64| Some(v as i64);
        let ints = [
            Some(f.created_at.timestamp()),
            f.first_response.and_then(i),
            s.and_then(|s| i(s.first_resolution)),
            s.and_then(|s| i(s.full_resolution)),
            s.and_then(|s| i(s.requester_wait)),
            s.and_then(|s| i(s.agent_work)),
            s.and_then(|s| i(s.agent_wait)),
            s.and_then(|s| i(s.on_hold)),
            f.business_first_response.and_then(i),
            b.and_then(|b| i(b.first_resolution)),
            b.and_then(|b| i(b.full_resolution)),
            b.and_then(|b| i(b.requester_wait)),
            i(u64::from(f.replies)),
            i(u64::from(f.reopens)),
            i(u64::from(f.accepted)),
            i(u64::from(f.duplicates)),
            i(u64::from(f.rejected) + unreadable),
        ];
        let status = f.outcome.as_str();
        let flags = [
            f.counted(),
            f.first_response.is_some(),
            f.unanswered,
            s.is_some(),
        ];
        self.push_row(ints, status, flags);
    }

    /// The struct column, in the order of [`TicketFacts::fields`]: `created_at`, `status`,
    /// the durations, `replies` and `reopens` (`ints[1..14]`), the flags, the event counts
    /// (`ints[14..]`).
    fn finish(self) -> Result<ArrayRef> {
        let ints: Vec<ArrayRef> = self
            .ints
            .into_iter()
            .map(|v| Arc::new(Int64Array::from(v)) as ArrayRef)
            .collect();
        let flags = self
            .flags
            .into_iter()
            .map(|v| Arc::new(BooleanArray::from(v)) as ArrayRef);
        let status: ArrayRef = Arc::new(StringArray::from(self.status));
        let columns: Vec<ArrayRef> = std::iter::once(ints[0].clone())
            .chain(std::iter::once(status))
            .chain(ints[1..14].iter().cloned())
            .chain(flags)
            .chain(ints[14..].iter().cloned())
            .collect();
        Ok(Arc::new(StructArray::try_new(
            TicketFacts::fields(),
            columns,
            None,
        )?))
    }
}

/// The packed events of every row of a state column, per row.
fn unpack_lists(states: &[ArrayRef], mut each: impl FnMut(usize, &[i64])) -> Result<()> {
    let lists = states
        .first()
        .and_then(|c| c.as_list_opt::<i32>())
        .ok_or_else(|| error(NAME, "a state column that is not a list"))?;
    let values = lists
        .values()
        .as_primitive_opt::<Int64Type>()
        .ok_or_else(|| error(NAME, "a state list that is not of Int64"))?;
    if values.null_count() > 0 {
        return Err(error(NAME, "a NULL in the state"));
    }
    let values = values.values();
    let offsets = lists.value_offsets();
    for row in 0..lists.len() {
        let (a, b) = (offsets[row] as usize, offsets[row + 1] as usize);
        let events = values
            .get(a..b)
            .ok_or_else(|| error(NAME, "state offsets out of range"))?;
        each(row, events);
    }
    Ok(())
}

/// A state column of one list per group.
fn lists(groups: Vec<Vec<i64>>) -> ArrayRef {
    let offsets = OffsetBuffer::from_lengths(groups.iter().map(Vec::len));
    let values: Vec<i64> = groups.into_iter().flatten().collect();
    Arc::new(ListArray::new(
        item(),
        offsets,
        Arc::new(Int64Array::from(values)),
        None,
    ))
}

/// One ticket (no GROUP BY, or a window).
struct FactsAccumulator {
    events: Vec<i64>,
    replay: TicketReplay,
}

impl std::fmt::Debug for FactsAccumulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FactsAccumulator({} events)", self.events.len())
    }
}

impl Accumulator for FactsAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        pack(values, |_, e| self.events.push(e))
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        unpack_lists(states, |_, e| self.events.extend_from_slice(e))
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let list = lists(vec![std::mem::take(&mut self.events)]);
        Ok(vec![ScalarValue::List(Arc::new(
            list.as_list::<i32>().clone(),
        ))])
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let mut out = Columns::with_capacity(1);
        facts(
            &mut self.replay,
            &mut self.events,
            &mut Vec::new(),
            &mut out,
        )?;
        let array = out.finish()?;
        Ok(ScalarValue::Struct(Arc::new(array.as_struct().clone())))
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self) + self.events.capacity() * 8
    }
}

/// Every ticket of a GROUP BY at once. Events are appended as they come, with their group,
/// to one vector (a sequential write, whatever the number of groups); emitting sorts them
/// by group with a counting sort.
struct FactsGroups {
    /// (group index, packed event), in arrival order.
    events: Vec<(u32, i64)>,
    groups: usize,
    replay: TicketReplay,
}

impl FactsGroups {
    fn grow(&mut self, total: usize) -> Result<()> {
        if total > u32::MAX as usize {
            return Err(error(NAME, "more than 2³² tickets in one partition"));
        }
        self.groups = self.groups.max(total);
        Ok(())
    }

    /// The events of the first `n` groups (all for `EmitTo::All`), grouped: the packed
    /// events in group order and each group's offsets. The others stay, their groups
    /// renumbered from 0.
    fn take(&mut self, emit_to: EmitTo) -> (Vec<i64>, Vec<usize>) {
        let n = match emit_to {
            EmitTo::All => self.groups,
            EmitTo::First(n) => n.min(self.groups),
        };
        let mut offsets = vec![0usize; n + 1];
        for (g, _) in &self.events {
            if let Some(c) = offsets.get_mut(*g as usize + 1) {
                *c += 1;
            }
        }
        for i in 0..n {
            offsets[i + 1] += offsets[i];
        }
        let mut sorted = vec![0i64; offsets[n]];
        let mut next = offsets.clone();
        let mut rest = Vec::new();
        for &(g, e) in &self.events {
            match next.get_mut(g as usize) {
                Some(at) if (g as usize) < n => {
                    sorted[*at] = e;
                    *at += 1;
                }
                _ => rest.push((g - n as u32, e)),
            }
        }
        self.events = rest;
        self.groups -= n;
        (sorted, offsets)
    }
}

impl GroupsAccumulator for FactsGroups {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        self.grow(total_num_groups)?;
        let events = &mut self.events;
        events.reserve(group_indices.len());
        pack(values, |row, e| {
            if opt_filter.is_none_or(|f| f.is_valid(row) && f.value(row)) {
                if let Some(g) = group_indices.get(row) {
                    events.push((*g as u32, e));
                }
            }
        })
    }

    fn merge_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        total_num_groups: usize,
    ) -> Result<()> {
        self.grow(total_num_groups)?;
        let events = &mut self.events;
        unpack_lists(values, |row, e| {
            if let Some(g) = group_indices.get(row) {
                events.extend(e.iter().map(|e| (*g as u32, *e)));
            }
        })
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        let (mut sorted, offsets) = self.take(emit_to);
        let mut out = Columns::with_capacity(offsets.len() - 1);
        let mut scratch = Vec::new();
        for w in offsets.windows(2) {
            facts(
                &mut self.replay,
                &mut sorted[w[0]..w[1]],
                &mut scratch,
                &mut out,
            )?;
        }
        out.finish()
    }

    fn state(&mut self, emit_to: EmitTo) -> Result<Vec<ArrayRef>> {
        let (sorted, offsets) = self.take(emit_to);
        let lengths = offsets.windows(2).map(|w| w[1] - w[0]);
        Ok(vec![Arc::new(ListArray::new(
            item(),
            OffsetBuffer::from_lengths(lengths),
            Arc::new(Int64Array::from(sorted)),
            None,
        ))])
    }

    fn convert_to_state(
        &self,
        values: &[ArrayRef],
        opt_filter: Option<&BooleanArray>,
    ) -> Result<Vec<ArrayRef>> {
        let n = values.first().map_or(0, |v| v.len());
        let mut flat = Vec::with_capacity(n);
        let mut lengths = Vec::with_capacity(n);
        pack(values, |row, e| {
            if opt_filter.is_none_or(|f| f.is_valid(row) && f.value(row)) {
                flat.push(e);
                lengths.push(1);
            } else {
                lengths.push(0);
            }
        })?;
        Ok(vec![Arc::new(ListArray::new(
            item(),
            OffsetBuffer::from_lengths(lengths),
            Arc::new(Int64Array::from(flat)),
            None,
        ))])
    }

    fn size(&self) -> usize {
        self.events.capacity() * std::mem::size_of::<(u32, i64)>()
    }
}
