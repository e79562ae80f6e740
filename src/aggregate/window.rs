//! Calendar windows of any calculator.

use core::fmt;
use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Months, NaiveDate, NaiveDateTime, TimeDelta, Timelike, Utc};

use crate::calculator::Calculator;
use crate::error::{Error, Result};
use crate::model::Timestamped;
use crate::zone::{Zone, resolve_local};

/// The length of a calendar window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Granularity {
    /// A quarter of a wall-clock hour (contact-center intervals).
    QuarterHour,
    /// Half a wall-clock hour (contact-center intervals).
    HalfHour,
    /// A wall-clock hour.
    Hour,
    /// A calendar day (the default).
    #[default]
    Day,
    /// An ISO week, Monday to Sunday.
    IsoWeek,
    /// A calendar month.
    Month,
}

impl fmt::Display for Granularity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Granularity::QuarterHour => "15 minutes",
            Granularity::HalfHour => "30 minutes",
            Granularity::Hour => "hour",
            Granularity::Day => "day",
            Granularity::IsoWeek => "ISO week",
            Granularity::Month => "month",
        })
    }
}

impl Granularity {
    /// The window `[start, end)` of this length in `zone` that holds `at` (wall-clock
    /// windows: a day is 23 or 25 hours across a DST change).
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use csm_metrics::Granularity;
    ///
    /// let at = Utc.with_ymd_and_hms(2025, 3, 12, 15, 30, 0).unwrap();
    /// let (start, end) = Granularity::IsoWeek.window_of(&Utc, at);
    /// assert_eq!(start, Utc.with_ymd_and_hms(2025, 3, 10, 0, 0, 0).unwrap());
    /// assert_eq!(end, Utc.with_ymd_and_hms(2025, 3, 17, 0, 0, 0).unwrap());
    /// ```
    pub fn window_of<Z: Zone>(self, zone: &Z, at: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
        let (s, e) = window_bounds(self, zone, at);
        (
            DateTime::from_timestamp(s, 0).unwrap_or(at),
            DateTime::from_timestamp(e, 0).unwrap_or(DateTime::<Utc>::MAX_UTC),
        )
    }

    /// The start of the window holding the wall time `local`, as a wall time.
    fn truncate(self, local: NaiveDateTime) -> NaiveDateTime {
        let date = local.date();
        let day_start = |d: NaiveDate| d.and_hms_opt(0, 0, 0).unwrap_or(local);
        let slot = |minutes: u32| {
            date.and_hms_opt(local.hour(), local.minute() / minutes * minutes, 0)
                .unwrap_or(local)
        };
        match self {
            Granularity::QuarterHour => slot(15),
            Granularity::HalfHour => slot(30),
            Granularity::Hour => date.and_hms_opt(local.hour(), 0, 0).unwrap_or(local),
            Granularity::Day => day_start(date),
            Granularity::IsoWeek => {
                let back = i64::from(date.weekday().num_days_from_monday());
                day_start(
                    date.checked_sub_signed(TimeDelta::days(back))
                        .unwrap_or(date),
                )
            }
            Granularity::Month => day_start(date.with_day(1).unwrap_or(date)),
        }
    }

    /// The wall time at which the window starting at `start` ends.
    fn next(self, start: NaiveDateTime) -> Option<NaiveDateTime> {
        match self {
            Granularity::QuarterHour => start.checked_add_signed(TimeDelta::minutes(15)),
            Granularity::HalfHour => start.checked_add_signed(TimeDelta::minutes(30)),
            Granularity::Hour => start.checked_add_signed(TimeDelta::hours(1)),
            Granularity::Day => start.checked_add_signed(TimeDelta::days(1)),
            Granularity::IsoWeek => start.checked_add_signed(TimeDelta::days(7)),
            Granularity::Month => start.checked_add_months(Months::new(1)),
        }
    }
}

/// The window `[start, end)` (Unix seconds) of `granularity` in `zone` that holds `at`.
pub(crate) fn window_bounds<Z: Zone>(
    granularity: Granularity,
    zone: &Z,
    at: DateTime<Utc>,
) -> (i64, i64) {
    let local = at.with_timezone(zone).naive_local();
    let start_local = granularity.truncate(local);
    let start = resolve_local(zone, start_local).map_or(at.timestamp(), |t| t.timestamp());
    let end = granularity
        .next(start_local)
        .and_then(|n| resolve_local(zone, n))
        .map_or(i64::MAX, |t| t.timestamp());
    // A start resolved after `at` can only come from a gap at the start: the window then
    // starts at `at`'s own gap edge, which is at or before `at`.
    (start.min(at.timestamp()), end.max(at.timestamp() + 1))
}

/// One window of a [`Windowed`] snapshot.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Window<S> {
    /// The first instant of the window.
    pub start: DateTime<Utc>,
    /// The first instant after the window.
    pub end: DateTime<Utc>,
    /// What the window's calculator reports.
    pub value: S,
}

/// A calculator per calendar window (15 or 30 minutes, hour, day, ISO week or month) in a
/// time zone.
///
/// A record is bucketed by its own instant ([`Timestamped::at`]): a survey by when it was
/// answered, a call by when it was offered, a ticket by when it was created, an interaction
/// by when it happened. Windows are wall-clock periods in the zone: a day is midnight to
/// midnight local time, so 23 or 25 hours across a DST change. A window whose local start
/// does not exist (a spring gap at midnight) starts at the first instant after the gap; an
/// hour window across the autumn fold covers both repeated hours.
///
/// Windows merge window by window; two states of different granularity or zone cannot
/// merge (an error), unless one is empty.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use csm_metrics::{Calculator, CustomerSatisfaction, Granularity, SurveyId, SurveyResponse,
///                   SurveyScore, Windowed};
///
/// let mut daily = Windowed::<CustomerSatisfaction>::new(Granularity::Day, Utc);
/// for (id, day, score) in [(1, 1, 5), (2, 1, 2), (3, 2, 4)] {
///     let at = Utc.with_ymd_and_hms(2025, 3, day, 12, 0, 0).unwrap();
///     daily.observe(&SurveyResponse::new(SurveyId(id), at, SurveyScore::Csat(score)))?;
/// }
/// let days = daily.snapshot();
/// assert_eq!(days.len(), 2);
/// assert_eq!(days[0].value.score, Some(50.0));
/// assert_eq!(days[1].value.score, Some(100.0));
/// # Ok::<(), csm_metrics::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Windowed<C, Z: Zone = Utc> {
    granularity: Granularity,
    zone: Z,
    template: C,
    windows: BTreeMap<i64, (i64, C)>,
    /// The last window used, `[start, end)` in Unix seconds: time-ordered streams skip the
    /// zone arithmetic.
    last: (i64, i64),
}

impl<C: Default, Z: Zone> Default for Windowed<C, Z> {
    fn default() -> Self {
        Windowed {
            granularity: Granularity::default(),
            zone: Z::utc(),
            template: C::default(),
            windows: BTreeMap::new(),
            last: (0, 0),
        }
    }
}

impl<C: PartialEq, Z: Zone> PartialEq for Windowed<C, Z> {
    fn eq(&self, other: &Self) -> bool {
        self.granularity == other.granularity
            && self.zone == other.zone
            && self.windows == other.windows
    }
}

const WHAT: &str = "windows";

impl<C: Calculator, Z: Zone> Windowed<C, Z> {
    /// Windows of `granularity` in `zone`, each starting as an empty default calculator.
    pub fn new(granularity: Granularity, zone: Z) -> Self {
        Self::with_template(granularity, zone, C::default())
    }

    /// Windows of `granularity` in `zone`, each starting as a copy of `template`.
    pub fn with_template(granularity: Granularity, zone: Z, template: C) -> Self {
        Windowed {
            granularity,
            zone,
            template,
            windows: BTreeMap::new(),
            last: (0, 0),
        }
    }

    /// The granularity.
    pub fn granularity(&self) -> Granularity {
        self.granularity
    }

    /// The zone.
    pub fn zone(&self) -> &Z {
        &self.zone
    }

    /// The window `[start, end)` (Unix seconds) holding instant `at`.
    pub fn window_of(&self, at: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
        self.granularity.window_of(&self.zone, at)
    }

    fn bounds(&self, at: DateTime<Utc>) -> (i64, i64) {
        window_bounds(self.granularity, &self.zone, at)
    }

    /// Observes a record into the window of its instant.
    pub fn observe_at(&mut self, at: DateTime<Utc>, record: &C::Record) -> Result<()> {
        let t = at.timestamp();
        if !(self.last.0 <= t && t < self.last.1) {
            self.last = self.bounds(at);
        }
        let (start, end) = self.last;
        if let Some((_, state)) = self.windows.get_mut(&start) {
            return state.observe(record);
        }
        let mut state = self.template.clone();
        state.observe(record)?;
        self.windows.insert(start, (end, state));
        Ok(())
    }

    /// The state of every window, by start instant.
    pub fn iter(&self) -> impl Iterator<Item = (DateTime<Utc>, &C)> {
        self.windows
            .iter()
            .filter_map(|(s, (_, c))| Some((DateTime::from_timestamp(*s, 0)?, c)))
    }

    /// How many windows hold data.
    pub fn len(&self) -> usize {
        self.windows.len()
    }

    /// Whether no window holds data.
    pub fn is_empty(&self) -> bool {
        self.windows.is_empty()
    }

    fn merge_windows(&mut self, other: &Self) -> Result<()> {
        if other.windows.is_empty() {
            return Ok(());
        }
        if self.windows.is_empty() {
            *self = other.clone();
            return Ok(());
        }
        if self.granularity != other.granularity || self.zone != other.zone {
            return Err(Error::incompatible(
                WHAT,
                format!(
                    "{} in {} against {} in {}",
                    self.granularity,
                    self.zone.name(),
                    other.granularity,
                    other.zone.name()
                ),
            ));
        }
        let mut merged = Vec::with_capacity(other.windows.len());
        for (start, (end, theirs)) in &other.windows {
            let mut state = match self.windows.get(start) {
                Some((_, mine)) => mine.clone(),
                None => C::default(),
            };
            state.merge(theirs)?;
            merged.push((*start, (*end, state)));
        }
        self.windows.extend(merged);
        Ok(())
    }
}

impl<C, Z> Calculator for Windowed<C, Z>
where
    C: Calculator,
    C::Record: Timestamped,
    Z: Zone,
{
    type Record = C::Record;
    type Snapshot = Vec<Window<C::Snapshot>>;

    #[inline]
    fn observe(&mut self, record: &C::Record) -> Result<()> {
        self.observe_at(record.at(), record)
    }

    fn merge(&mut self, other: &Self) -> Result<()> {
        self.merge_windows(other)
    }

    fn snapshot(&self) -> Vec<Window<C::Snapshot>> {
        self.windows
            .iter()
            .filter_map(|(s, (e, c))| {
                Some(Window {
                    start: DateTime::from_timestamp(*s, 0)?,
                    end: DateTime::from_timestamp(*e, 0).unwrap_or(DateTime::<Utc>::MAX_UTC),
                    value: c.snapshot(),
                })
            })
            .collect()
    }
}

#[cfg(feature = "serde")]
mod serde_impl {
    use super::*;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    struct Repr<C> {
        granularity: Granularity,
        zone: String,
        template: C,
        windows: Vec<(i64, i64, C)>,
    }

    impl<C: Serialize + Clone, Z: Zone> Serialize for Windowed<C, Z> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            Repr {
                granularity: self.granularity,
                zone: self.zone.name(),
                template: self.template.clone(),
                windows: self
                    .windows
                    .iter()
                    .map(|(s, (e, c))| (*s, *e, c.clone()))
                    .collect(),
            }
            .serialize(s)
        }
    }

    impl<'de, C, Z> Deserialize<'de> for Windowed<C, Z>
    where
        C: Deserialize<'de> + Calculator,
        Z: Zone,
    {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            use serde::de::Error as _;
            let repr = Repr::<C>::deserialize(d)?;
            let zone = Z::from_name(&repr.zone).ok_or_else(|| {
                D::Error::custom(format!("windows: unknown zone {:?}", repr.zone))
            })?;
            let mut out = Windowed::with_template(repr.granularity, zone, repr.template);
            for (start, end, state) in repr.windows {
                let at = DateTime::from_timestamp(start, 0)
                    .ok_or_else(|| D::Error::custom("windows: start out of range"))?;
                if out.bounds(at) != (start, end) {
                    return Err(D::Error::custom(format!(
                        "windows: [{start}, {end}) is not a {} window in {}",
                        out.granularity,
                        out.zone.name()
                    )));
                }
                if out.windows.insert(start, (end, state)).is_some() {
                    return Err(D::Error::custom("windows: a window appears twice"));
                }
            }
            Ok(out)
        }
    }
}
