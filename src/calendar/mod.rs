//! Business calendars: business time between two instants, deadlines, open and closed.
//!
//! A [`BusinessCalendar`] has a time zone, weekly open intervals (several a day, `24:00`
//! as an end, overnight intervals that cross midnight), holidays (closed dates), and
//! date-specific hours that replace a weekday's, all at second precision ([contract](crate::contract)
//! "Business calendars", after zendesk's `biz`). It is built once, validated, and immutable.
//!
//! ```
//! use chrono::{TimeZone, Utc, Weekday};
//! use csm_metrics::calendar::{BusinessCalendar, DayTime};
//!
//! let calendar = BusinessCalendar::builder(Utc)
//!     .open_weekdays(DayTime::hm(9, 0), DayTime::hm(17, 0))
//!     .open(Weekday::Sat, DayTime::hm(11, 0), DayTime::hm(14, 30))
//!     .build()?;
//! let fri_4pm = Utc.with_ymd_and_hms(2025, 3, 7, 16, 0, 0).unwrap();
//! let mon_10am = Utc.with_ymd_and_hms(2025, 3, 10, 10, 0, 0).unwrap();
//! // Friday 16-17, Saturday 11-14:30, Monday 9-10.
//! assert_eq!(calendar.business_seconds(fri_4pm, mon_10am)?, 3_600 + 12_600 + 3_600);
//! // A deadline that lands exactly at closing time stays on that day.
//! let due = calendar.deadline(fri_4pm, 3_600)?;
//! assert_eq!(due, Utc.with_ymd_and_hms(2025, 3, 7, 17, 0, 0).unwrap());
//! # Ok::<(), csm_metrics::Error>(())
//! ```
//!
//! # How wall-clock times become instants
//! Each open interval of each date is turned into a span of real instants in the calendar's
//! zone. A wall time that does not exist (the spring gap) maps to the first valid instant
//! after it; an ambiguous one (the autumn fold) to the earlier instant. So an interval is
//! measured in real seconds: a 09:00-17:00 day is 8 h of business time whatever the DST
//! change of that date, since the change (at 02:00 in most zones) falls outside it, while a
//! 00:00-24:00 day is 23 h on the spring change and 25 h on the autumn one.
//!
//! # Overnight intervals and holidays
//! An interval whose start is after its end (`22:00`-`06:00`) runs overnight: the part after
//! midnight belongs to the date it started on. A holiday (or a date's own hours) closes or
//! replaces that date's intervals, including their overnight part; the overnight part of the
//! day before still opens the holiday's early hours.
//!
//! # Storing a calendar
//! With the feature `serde`, a calendar serialises as its definition (zone name, weekly
//! hours, holidays, dated hours, years) and deserialising builds it again through the
//! builder, so a stored calendar is checked like a new one.
//!
//! # Cost
//! At build time the calendar lays out every open span of its years (1990 to 2099 by
//! default; see [`BusinessCalendarBuilder::years`]) with their cumulative open seconds,
//! and an index of the spans by day, so locating an instant is one array lookup and a
//! search among that day's few spans: a year costs what a day costs. Memory: 24 bytes per
//! open span and 4 per day, about 0.9 MB for a Monday-Friday calendar over 110 years.
//! Instants outside the years are an error.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, Days, NaiveDate, TimeDelta, Utc, Weekday};

use crate::error::{Error, Result};
use crate::zone::{Zone, resolve_local};

const WHAT: &str = "business calendar";
const DAY: u32 = 86_400;

/// A wall-clock time of day at second precision, `00:00:00` to `24:00:00` (the end of the
/// day, as an interval's end).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DayTime(u32);

impl DayTime {
    /// `h:m:s`. Out-of-range parts are caught when the calendar is built.
    pub const fn hms(h: u32, m: u32, s: u32) -> Self {
        DayTime(
            h.saturating_mul(3_600)
                .saturating_add(m * 60)
                .saturating_add(s),
        )
    }

    /// `h:m`.
    pub const fn hm(h: u32, m: u32) -> Self {
        Self::hms(h, m, 0)
    }

    /// Midnight at the end of the day, `24:00`.
    pub const END_OF_DAY: DayTime = DayTime(DAY);

    /// Seconds since midnight.
    pub const fn seconds(self) -> u32 {
        self.0
    }
}

/// Builds a [`BusinessCalendar`]; every rule is checked by [`build`](Self::build).
#[derive(Debug, Clone)]
pub struct BusinessCalendarBuilder<Z: Zone> {
    zone: Z,
    week: [Vec<(DayTime, DayTime)>; 7],
    holidays: BTreeSet<NaiveDate>,
    overrides: BTreeMap<NaiveDate, Vec<(DayTime, DayTime)>>,
    /// Dates given their own hours more than once (an error at build time).
    repeated: BTreeSet<NaiveDate>,
    years: (i32, i32),
}

impl<Z: Zone> BusinessCalendarBuilder<Z> {
    /// Opens `weekday` from `start` to `end` (`end` before `start`: overnight).
    pub fn open(mut self, weekday: Weekday, start: DayTime, end: DayTime) -> Self {
        self.week[weekday.num_days_from_monday() as usize].push((start, end));
        self
    }

    /// Opens Monday to Friday from `start` to `end`.
    pub fn open_weekdays(mut self, start: DayTime, end: DayTime) -> Self {
        for day in &mut self.week[..5] {
            day.push((start, end));
        }
        self
    }

    /// Closes `date` (its own hours; an overnight interval of the day before still spills in).
    pub fn holiday(mut self, date: NaiveDate) -> Self {
        self.holidays.insert(date);
        self
    }

    /// Closes every date of `dates`.
    pub fn holidays(mut self, dates: impl IntoIterator<Item = NaiveDate>) -> Self {
        self.holidays.extend(dates);
        self
    }

    /// Replaces `date`'s hours by `intervals` (none: closed that day). Giving a date its
    /// hours twice, or hours and a holiday, is an error at [`build`](Self::build): one of
    /// the two would be dropped silently.
    pub fn hours_on(mut self, date: NaiveDate, intervals: &[(DayTime, DayTime)]) -> Self {
        if self.overrides.insert(date, intervals.to_vec()).is_some() {
            self.repeated.insert(date);
        }
        self
    }

    /// The years the calendar answers for, `first..=last` (default 1990..=2099).
    pub fn years(mut self, first: i32, last: i32) -> Self {
        self.years = (first, last);
        self
    }

    /// Checks every rule and lays out the calendar.
    ///
    /// Errors: an interval with a part out of range (past 24:00) or empty (start = end);
    /// intervals that overlap on a day (overnight parts included); a week with no open
    /// time; years out of order or beyond 1000..=9000; a date given its own hours twice, or
    /// its own hours and a holiday.
    pub fn build(self) -> Result<BusinessCalendar<Z>> {
        let bad = |reason: String| Error::config(WHAT, reason);
        if let Some(date) = self.repeated.first() {
            return Err(bad(format!("{date}: its own hours are given twice")));
        }
        if let Some(date) = self.overrides.keys().find(|d| self.holidays.contains(d)) {
            return Err(bad(format!("{date}: a holiday with its own hours")));
        }
        let (first, last) = self.years;
        if !(1000..=9000).contains(&first) || !(first..=9000).contains(&last) {
            return Err(bad(format!(
                "years {first}..={last}: must be ordered, within 1000..=9000"
            )));
        }
        let check = |what: &str, intervals: &[(DayTime, DayTime)]| -> Result<()> {
            for (s, e) in intervals {
                if s.0 >= DAY || e.0 > DAY {
                    return Err(bad(format!(
                        "{what}: {} - {} is past 24:00",
                        show(*s),
                        show(*e)
                    )));
                }
                if s == e {
                    return Err(bad(format!("{what}: {} - {} is empty", show(*s), show(*e))));
                }
            }
            Ok(())
        };
        let names = [
            "Monday",
            "Tuesday",
            "Wednesday",
            "Thursday",
            "Friday",
            "Saturday",
            "Sunday",
        ];
        for (i, day) in self.week.iter().enumerate() {
            check(names[i], day)?;
        }
        for (date, day) in &self.overrides {
            check(&date.to_string(), day)?;
        }
        // Overlaps, overnight parts included: each weekday with the spill of the day before.
        let raw = |v: &[(DayTime, DayTime)]| v.iter().map(|(s, e)| (s.0, e.0)).collect::<Vec<_>>();
        for (i, name) in names.iter().enumerate() {
            let own = split_raw(&raw(&self.week[i])).0;
            let spill = split_raw(&raw(&self.week[(i + 6) % 7])).1;
            overlap_free(name, own.into_iter().chain(spill)).map_err(bad)?;
        }
        for (date, day) in &self.overrides {
            overlap_free(&date.to_string(), split_raw(&raw(day)).0.into_iter()).map_err(bad)?;
        }
        let weekly: u32 = (0..7)
            .map(|i| {
                let (own, spill) = split_raw(&raw(&self.week[i]));
                own.iter().chain(&spill).map(|(s, e)| e - s).sum::<u32>()
            })
            .sum();
        if weekly == 0 {
            return Err(bad("the week has no open time".into()));
        }
        let from = NaiveDate::from_ymd_opt(first, 1, 1).ok_or_else(|| bad("first year".into()))?;
        let to = NaiveDate::from_ymd_opt(last + 1, 1, 1).ok_or_else(|| bad("last year".into()))?;
        let mut calendar = BusinessCalendar {
            zone: self.zone,
            week: self.week,
            holidays: self.holidays,
            overrides: self.overrides,
            years: (first, last),
            from: 0,
            to: 0,
            starts: Vec::new(),
            ends: Vec::new(),
            cum_end: Vec::new(),
            day_index: Vec::new(),
            fingerprint: 0,
        };
        calendar.lay_out(from, to)?;
        calendar.fingerprint = {
            use core::hash::{Hash, Hasher};
            let mut h = crate::aggregate::FastHasher::default();
            calendar.zone.name().hash(&mut h);
            calendar.week.hash(&mut h);
            calendar.holidays.hash(&mut h);
            calendar.overrides.hash(&mut h);
            (calendar.from, calendar.to).hash(&mut h);
            h.finish()
        };
        Ok(calendar)
    }
}

fn show(t: DayTime) -> String {
    let s = t.0;
    if s % 60 == 0 {
        format!("{:02}:{:02}", s / 3600, s / 60 % 60)
    } else {
        format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    }
}

fn overlap_free(
    what: &str,
    intervals: impl Iterator<Item = (u32, u32)>,
) -> core::result::Result<(), String> {
    let mut v: Vec<(u32, u32)> = intervals.collect();
    v.sort_unstable();
    for w in v.windows(2) {
        if w[1].0 < w[0].1 {
            return Err(format!(
                "{what}: {} - {} overlaps {} - {}",
                show(DayTime(w[0].0)),
                show(DayTime(w[0].1)),
                show(DayTime(w[1].0)),
                show(DayTime(w[1].1))
            ));
        }
    }
    Ok(())
}

/// Business time as a ticket tracker needs it: any calendar, behind a trait object so that
/// trackers need no zone parameter.
pub trait BusinessClock: Send + Sync + core::fmt::Debug {
    /// Business seconds from `a` to `b` (Unix seconds, `a ≤ b`); `None` outside the
    /// calendar's years.
    fn business_between(&self, a: i64, b: i64) -> Option<u64>;
    /// Whether the calendar covers instant `t` (Unix seconds).
    fn covers(&self, t: i64) -> bool;
    /// A fingerprint of the calendar's definition: states computed on calendars with
    /// different fingerprints do not merge.
    fn fingerprint(&self) -> u64;
    /// The instant (Unix seconds) at which `seconds` of business time have passed after
    /// `from`; `None` outside the calendar's years.
    fn deadline_after(&self, from: i64, seconds: u64) -> Option<i64>;
}

impl<Z: Zone> BusinessClock for BusinessCalendar<Z> {
    #[inline]
    fn business_between(&self, a: i64, b: i64) -> Option<u64> {
        if !(self.covers(a) && self.covers(b)) || b < a {
            return None;
        }
        u64::try_from(self.open_before(b) - self.open_before(a)).ok()
    }

    #[inline]
    fn covers(&self, t: i64) -> bool {
        self.from <= t && t <= self.to
    }

    fn fingerprint(&self) -> u64 {
        self.fingerprint
    }

    fn deadline_after(&self, from: i64, seconds: u64) -> Option<i64> {
        let at = DateTime::from_timestamp(from, 0)?;
        self.deadline(at, seconds).ok().map(|t| t.timestamp())
    }
}

/// A business calendar: see the [module docs](self).
#[derive(Debug, Clone)]
pub struct BusinessCalendar<Z: Zone = Utc> {
    zone: Z,
    week: [Vec<(DayTime, DayTime)>; 7],
    holidays: BTreeSet<NaiveDate>,
    overrides: BTreeMap<NaiveDate, Vec<(DayTime, DayTime)>>,
    /// The years covered, first and last.
    years: (i32, i32),
    /// The instants covered, `[from, to)`, Unix seconds.
    from: i64,
    to: i64,
    /// Open spans `[starts[i], ends[i])`, sorted and disjoint (touching spans merged), and
    /// the open seconds up to the end of each.
    starts: Vec<i64>,
    ends: Vec<i64>,
    cum_end: Vec<i64>,
    /// For each whole day (86,400 s) from `from`: the spans starting at or before it, so a
    /// lookup searches one day's few spans instead of the whole range.
    day_index: Vec<u32>,
    fingerprint: u64,
}

impl<Z: Zone> PartialEq for BusinessCalendar<Z> {
    /// Equal when they were built from the same zone, hours, holidays and years.
    fn eq(&self, other: &Self) -> bool {
        self.zone == other.zone
            && self.week == other.week
            && self.holidays == other.holidays
            && self.overrides == other.overrides
            && (self.from, self.to) == (other.from, other.to)
    }
}

impl<Z: Zone> BusinessCalendar<Z> {
    /// A builder for a calendar in `zone`, closed until intervals are opened.
    pub fn builder(zone: Z) -> BusinessCalendarBuilder<Z> {
        BusinessCalendarBuilder {
            zone,
            week: Default::default(),
            holidays: BTreeSet::new(),
            overrides: BTreeMap::new(),
            repeated: BTreeSet::new(),
            years: (1990, 2099),
        }
    }

    /// The years it answers for, first and last.
    pub fn years(&self) -> (i32, i32) {
        self.years
    }

    /// The zone.
    pub fn zone(&self) -> &Z {
        &self.zone
    }

    /// The own (not spilled) intervals of `date`, as seconds of the day.
    fn own(&self, date: NaiveDate) -> Vec<(u32, u32)> {
        if self.holidays.contains(&date) {
            return Vec::new();
        }
        let intervals = match self.overrides.get(&date) {
            Some(day) => day,
            None => &self.week[date.weekday().num_days_from_monday() as usize],
        };
        intervals.iter().map(|(s, e)| (s.0, e.0)).collect()
    }

    fn lay_out(&mut self, from: NaiveDate, to: NaiveDate) -> Result<()> {
        let range = |d: NaiveDate| {
            d.and_hms_opt(0, 0, 0)
                .and_then(|t| resolve_local(&self.zone, t))
                .map(|t| t.timestamp())
                .ok_or_else(|| Error::config(WHAT, format!("{d} cannot be placed in the zone")))
        };
        self.from = range(from)?;
        self.to = range(to)?;
        let mut spans: Vec<(i64, i64)> = Vec::new();
        let mut date = from;
        let mut carried: Vec<(u32, u32)> = Vec::new();
        // The day before the range may spill into its first date.
        if let Some(before) = from.checked_sub_days(Days::new(1)) {
            carried = split_raw(&self.own(before)).1;
        }
        while date < to {
            let (own, spill) = split_raw(&self.own(date));
            let next = date
                .checked_add_days(Days::new(1))
                .ok_or_else(|| Error::config(WHAT, "date out of range"))?;
            for (s, e) in carried.iter().chain(&own) {
                let at = |secs: u32| {
                    let day = if secs == DAY { next } else { date };
                    let t = day.and_hms_opt((secs % DAY) / 3600, (secs % 3600) / 60, secs % 60)?;
                    resolve_local(&self.zone, t).map(|t| t.timestamp())
                };
                let (Some(start), Some(end)) = (at(*s), at(*e)) else {
                    continue;
                };
                if end > start {
                    spans.push((start, end));
                }
            }
            carried = spill;
            date = next;
        }
        spans.sort_unstable();
        // Merge touching spans (24/7 hours, an overnight part meeting the next day's), then
        // count the open seconds before each.
        for (s, e) in spans {
            let (s, e) = (s.max(self.from), e.min(self.to));
            if e <= s {
                continue;
            }
            match self.ends.last_mut() {
                Some(last) if s <= *last => *last = (*last).max(e),
                _ => {
                    self.starts.push(s);
                    self.ends.push(e);
                }
            }
        }
        let mut total = 0;
        for (s, e) in self.starts.iter().zip(&self.ends) {
            total += e - s;
            self.cum_end.push(total);
        }
        let days = (self.to - self.from) / i64::from(DAY) + 2;
        self.day_index = (0..days)
            .map(|d| {
                let t = self.from + d * i64::from(DAY);
                self.starts.partition_point(|s| *s <= t) as u32
            })
            .collect();
        Ok(())
    }

    /// The number of spans starting at or before `t` (`t` within the calendar's range).
    #[inline]
    fn spans_started(&self, t: i64) -> usize {
        let d = ((t - self.from) / i64::from(DAY)) as usize;
        match (self.day_index.get(d), self.day_index.get(d + 1)) {
            (Some(&lo), Some(&hi)) => {
                let (lo, hi) = (lo as usize, hi as usize);
                lo + self.starts[lo..hi].partition_point(|s| *s <= t)
            }
            _ => self.starts.partition_point(|s| *s <= t),
        }
    }

    fn check(&self, at: DateTime<Utc>) -> Result<i64> {
        let t = at.timestamp();
        if t < self.from || t > self.to {
            return Err(Error::OutOfCalendar {
                at,
                from: DateTime::from_timestamp(self.from, 0).unwrap_or_default(),
                to: DateTime::from_timestamp(self.to, 0).unwrap_or_default(),
            });
        }
        Ok(t)
    }

    /// Open seconds from the start of the calendar's range to `t`.
    #[inline]
    fn open_before(&self, t: i64) -> i64 {
        self.locate(t).0
    }

    /// Open seconds up to `t`, and the index of the first span that ends after `t`.
    #[inline]
    fn locate(&self, t: i64) -> (i64, usize) {
        let i = self.spans_started(t);
        if i == 0 {
            return (0, 0);
        }
        let i = i - 1;
        // Open seconds up to span i's end, less the part of it after t.
        let open = self.cum_end[i] - (self.ends[i] - t).max(0);
        (open, if t < self.ends[i] { i } else { i + 1 })
    }

    /// Business seconds from `start` to `end` (negative when `end` is before `start`).
    pub fn business_seconds(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> Result<i64> {
        let (a, b) = (self.check(start)?, self.check(end)?);
        Ok(self.open_before(b) - self.open_before(a))
    }

    /// Business time from `start` to `end` (negative when `end` is before `start`).
    pub fn business_duration(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> Result<TimeDelta> {
        Ok(TimeDelta::seconds(self.business_seconds(start, end)?))
    }

    /// The instant at which `seconds` of business time have passed after `start`. A
    /// deadline that falls exactly at closing time stays on that day; 0 s is `start`.
    pub fn deadline(&self, start: DateTime<Utc>, seconds: u64) -> Result<DateTime<Utc>> {
        let t = self.check(start)?;
        if seconds == 0 {
            return Ok(start);
        }
        let (open, from) = self.locate(t);
        let target = i64::try_from(seconds)
            .ok()
            .and_then(|s| open.checked_add(s))
            .ok_or(Error::Overflow { what: WHAT })?;
        // The first span whose end reaches the target: gallop from the span at `start`
        // (deadlines are usually a few spans away), then bisect.
        let n = self.cum_end.len();
        let (mut lo, mut step) = (from, 1usize);
        while lo + step < n && self.cum_end[lo + step] < target {
            lo += step;
            step *= 2;
        }
        let hi = (lo + step + 1).min(n);
        let idx = lo + self.cum_end[lo..hi].partition_point(|c| *c < target);
        if idx == n {
            return Err(Error::OutOfCalendar {
                at: start,
                from: DateTime::from_timestamp(self.from, 0).unwrap_or_default(),
                to: DateTime::from_timestamp(self.to, 0).unwrap_or_default(),
            });
        }
        // The span ends at cum_end[idx]; the deadline is that far before its end.
        let at = self.ends[idx] - (self.cum_end[idx] - target);
        Ok(DateTime::from_timestamp(at, 0).unwrap_or(start))
    }

    /// Whether the calendar is open at `at`.
    pub fn is_open(&self, at: DateTime<Utc>) -> Result<bool> {
        let t = self.check(at)?;
        let i = self.spans_started(t);
        Ok(i > 0 && t < self.ends[i - 1])
    }

    /// The first instant at or after `at` at which the calendar is open (`at` itself when
    /// open); `None` if it never opens again within its years.
    pub fn next_open(&self, at: DateTime<Utc>) -> Result<Option<DateTime<Utc>>> {
        let t = self.check(at)?;
        let i = self.spans_started(t);
        if i > 0 && t < self.ends[i - 1] {
            return Ok(Some(at));
        }
        Ok(self
            .starts
            .get(i)
            .and_then(|s| DateTime::from_timestamp(*s, 0)))
    }

    /// The first instant at or after `at` at which the calendar closes (the end of the open
    /// span holding `at`, or of the next one); `None` past its years.
    pub fn next_close(&self, at: DateTime<Utc>) -> Result<Option<DateTime<Utc>>> {
        let t = self.check(at)?;
        let i = self.ends.partition_point(|e| *e <= t);
        Ok(self
            .ends
            .get(i)
            .and_then(|e| DateTime::from_timestamp(*e, 0)))
    }

    /// Open spans laid out (for sizing and tests).
    pub fn span_count(&self) -> usize {
        self.starts.len()
    }
}

/// Open intervals of a day, as seconds since midnight.
type Intervals = Vec<(u32, u32)>;

/// Splits own intervals (as raw seconds) into the part on their date and the spill.
fn split_raw(intervals: &[(u32, u32)]) -> (Intervals, Intervals) {
    let mut own = Vec::new();
    let mut spill = Vec::new();
    for (s, e) in intervals {
        if s < e {
            own.push((*s, *e));
        } else {
            own.push((*s, DAY));
            if *e > 0 {
                spill.push((0, *e));
            }
        }
    }
    (own, spill)
}

/// A calendar serialises as its definition (zone name, weekly hours, holidays, dated hours,
/// years) and deserialises through the builder, so every rule is checked again and the
/// spans are laid out anew.
#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct CalendarSpec {
    zone: String,
    week: [Vec<(DayTime, DayTime)>; 7],
    holidays: Vec<NaiveDate>,
    overrides: Vec<(NaiveDate, Vec<(DayTime, DayTime)>)>,
    years: (i32, i32),
}

#[cfg(feature = "serde")]
impl<Z: Zone> serde::Serialize for BusinessCalendar<Z> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        CalendarSpec {
            zone: self.zone.name(),
            week: self.week.clone(),
            holidays: self.holidays.iter().copied().collect(),
            overrides: self
                .overrides
                .iter()
                .map(|(d, v)| (*d, v.clone()))
                .collect(),
            years: self.years,
        }
        .serialize(s)
    }
}

#[cfg(feature = "serde")]
impl<'de, Z: Zone> serde::Deserialize<'de> for BusinessCalendar<Z> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> core::result::Result<Self, D::Error> {
        use serde::de::Error as _;
        let spec = CalendarSpec::deserialize(d)?;
        let zone = Z::from_name(&spec.zone)
            .ok_or_else(|| D::Error::custom(format!("{WHAT}: unknown zone {:?}", spec.zone)))?;
        let mut b = BusinessCalendar::builder(zone).years(spec.years.0, spec.years.1);
        for (day, intervals) in spec.week.iter().enumerate() {
            let weekday = Weekday::try_from(day as u8).map_err(D::Error::custom)?;
            for (start, end) in intervals {
                b = b.open(weekday, *start, *end);
            }
        }
        for date in spec.holidays {
            if b.holidays.contains(&date) {
                return Err(D::Error::custom(format!(
                    "{WHAT}: holiday {date} given twice"
                )));
            }
            b = b.holiday(date);
        }
        for (date, intervals) in spec.overrides {
            b = b.hours_on(date, &intervals);
        }
        b.build().map_err(D::Error::custom)
    }
}
