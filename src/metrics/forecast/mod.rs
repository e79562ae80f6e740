//! Forecasts of contacts and handle time per interval ([contract](crate::contract)
//! "Forecasts").
//!
//! A [`ContactSeries`] counts the contacts (calls, chats, tickets) offered in every interval
//! of 15, 30 or 60 minutes of a local wall clock, with the answered ones' handle time;
//! intervals without contacts are zeros, never gaps. [`ContactSeries::fit`] learns a
//! double-seasonal exponential smoothing model (Taylor 2003: level, damped trend, an
//! intraday cycle and a weekly one) and [`Model::forecast`] carries it forward; the
//! seasonal-naive forecast (the same interval last week) is there to compare with, and
//! [`Accuracy`] scores a forecast against what happened (WAPE and bias, overall and by day).
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use csm_metrics::metrics::forecast::{ContactSeries, ForecastConfig};
//!
//! // Four weeks of 60-minute intervals: 10 contacts an hour from 09:00 to 17:00 on
//! // weekdays, none otherwise, each answered in 300 s.
//! let start = Utc.with_ymd_and_hms(2025, 3, 3, 0, 0, 0).unwrap(); // a Monday
//! let end = start + chrono::TimeDelta::weeks(4);
//! let mut series = ContactSeries::new(&Utc, 3_600, start, end)?;
//! for day in 0..28 {
//!     for hour in 9..17 {
//!         if day % 7 < 5 {
//!             let at = start + chrono::TimeDelta::seconds(day * 86_400 + hour * 3_600);
//!             series.add(at, Some(300.0), 10)?;
//!         }
//!     }
//! }
//! let model = series.fit(&Utc, &ForecastConfig::default())?;
//! let next_week = model.forecast(7 * 24);
//! // Monday 10:00 of the fifth week: ten contacts of 300 s.
//! let monday_ten = next_week.intervals[10];
//! assert!((monday_ten.contacts - 10.0).abs() < 0.5);
//! assert!((monday_ten.aht - 300.0).abs() < 1.0);
//! // Saturday at 10:00: none.
//! assert!(next_week.intervals[5 * 24 + 10].contacts < 0.5);
//! # Ok::<(), csm_metrics::Error>(())
//! ```
//!
//! # Local time
//! Intervals follow the zone's wall clock: they start every `interval` seconds from local
//! midnight, so a day the clocks go forward has 23 hours of intervals and the day they go
//! back 25 (the repeated hour's intervals share their wall-clock slot). Seasonality is
//! keyed by the local slot and weekday, never by a count of intervals, so a change of
//! offset does not shift the weekly cycle by an hour. Interval boundaries step in UTC from
//! the first local midnight; in a zone whose offset changes by less than the interval (Lord
//! Howe's 30-minute shift with hourly intervals) the slot is the one the start falls in.

mod accuracy;
mod model;

pub use accuracy::{Accuracy, DayAccuracy};
pub use model::{Forecast, ForecastConfig, HolidayRule, Model, Smoothing};

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Timelike, Utc};

use crate::error::{Error, Result};
use crate::model::Call;
use crate::zone::Zone;

const WHAT: &str = "forecast";

/// At most this many intervals in a series (about 57 years of 15-minute intervals).
pub const MAX_INTERVALS: usize = 2_000_000;

/// Where an interval falls on the local wall clock: its local date and its slot of the day
/// (local seconds since midnight / interval length).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct LocalSlot {
    /// The local date.
    pub date: NaiveDate,
    /// The slot of the day, from 0 at midnight.
    pub slot: u16,
}

impl LocalSlot {
    /// The weekday, 0 for Monday.
    pub fn weekday(&self) -> usize {
        self.date.weekday().num_days_from_monday() as usize
    }
}

/// The local slot of the interval starting at `start`.
pub(crate) fn local_slot<Z: Zone>(zone: &Z, start: DateTime<Utc>, interval: u32) -> LocalSlot {
    let local = start.with_timezone(zone).naive_local();
    LocalSlot {
        date: local.date(),
        slot: (local.num_seconds_from_midnight() / interval) as u16,
    }
}

/// Checks an interval length: a whole number of minutes dividing an hour.
pub(crate) fn check_interval(interval: u32) -> Result<()> {
    if interval < 60 || interval % 60 != 0 || 3_600 % interval != 0 {
        return Err(Error::config(
            WHAT,
            format!(
                "intervals of {interval} s: a whole number of minutes dividing an hour (15, 30, 60 min)"
            ),
        ));
    }
    Ok(())
}

/// The first local boundary of `interval`-second intervals (15, 30 or 60 minutes) at or
/// after `at`: where a series covering every contact up to `at` (exclusive) may end.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use csm_metrics::metrics::forecast::next_boundary;
///
/// let at = Utc.with_ymd_and_hms(2025, 3, 3, 10, 7, 0).unwrap();
/// assert_eq!(next_boundary(&Utc, at, 1_800)?, Utc.with_ymd_and_hms(2025, 3, 3, 10, 30, 0).unwrap());
/// assert_eq!(next_boundary(&Utc, Utc.with_ymd_and_hms(2025, 3, 3, 10, 30, 0).unwrap(), 1_800)?.timestamp() % 1_800, 0);
/// # Ok::<(), csm_metrics::Error>(())
/// ```
pub fn next_boundary<Z: Zone>(zone: &Z, at: DateTime<Utc>, interval: u32) -> Result<DateTime<Utc>> {
    check_interval(interval)?;
    Ok(first_boundary(zone, at, interval))
}

/// The first local interval boundary at or after `at`.
fn first_boundary<Z: Zone>(zone: &Z, at: DateTime<Utc>, interval: u32) -> DateTime<Utc> {
    let local = at.with_timezone(zone).naive_local();
    let into = local.num_seconds_from_midnight() % interval;
    let mut start = at - TimeDelta::nanoseconds(i64::from(at.timestamp_subsec_nanos()));
    if into != 0 || at.timestamp_subsec_nanos() != 0 {
        start += TimeDelta::seconds(i64::from(interval - into));
    }
    start
}

/// Contacts offered per interval of a local wall clock, with the answered ones' count and
/// handle seconds; every interval from the first to the last is present (zero when nothing
/// came). Build it with [`new`](Self::new) and [`add`](Self::add) (or
/// [`add_call`](Self::add_call)), then [`fit`](Self::fit) a model.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ContactSeries {
    interval: u32,
    start: DateTime<Utc>,
    slots: Vec<LocalSlot>,
    contacts: Vec<f64>,
    answered: Vec<f64>,
    handle_seconds: Vec<f64>,
    outside: u64,
}

impl ContactSeries {
    /// An empty series of intervals of `interval` seconds (15, 30 or 60 minutes) covering
    /// `from..until` in `zone`: the first interval starts at the first local boundary at or
    /// after `from`, the last ends at or before `until`.
    pub fn new<Z: Zone>(
        zone: &Z,
        interval: u32,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Self> {
        check_interval(interval)?;
        let start = first_boundary(zone, from, interval);
        let span = (until - start).num_seconds();
        let n = if span <= 0 {
            0
        } else {
            span / i64::from(interval)
        };
        if n as u64 > MAX_INTERVALS as u64 {
            return Err(Error::config(
                WHAT,
                format!("{n} intervals from {from} to {until}: at most {MAX_INTERVALS}"),
            ));
        }
        let n = n as usize;
        let slots = (0..n)
            .map(|i| local_slot(zone, start + step(interval, i), interval))
            .collect();
        Ok(ContactSeries {
            interval,
            start,
            slots,
            contacts: vec![0.0; n],
            answered: vec![0.0; n],
            handle_seconds: vec![0.0; n],
            outside: 0,
        })
    }

    /// Adds `count` contacts offered at `at`, answered with `handle_seconds` each (`None`
    /// for contacts not answered, or whose handle time is unknown). Returns whether `at`
    /// falls in the series; contacts outside it are counted ([`outside`](Self::outside)),
    /// not added.
    pub fn add(
        &mut self,
        at: DateTime<Utc>,
        handle_seconds: Option<f64>,
        count: u32,
    ) -> Result<bool> {
        if let Some(h) = handle_seconds {
            if !(h.is_finite() && h >= 0.0) {
                return Err(Error::config(
                    WHAT,
                    format!("a handle time of {h} s at {at}"),
                ));
            }
        }
        let Some(i) = self.index_of(at) else {
            self.outside += u64::from(count);
            return Ok(false);
        };
        let n = f64::from(count);
        self.contacts[i] += n;
        if let Some(h) = handle_seconds {
            self.answered[i] += n;
            self.handle_seconds[i] += n * h;
        }
        Ok(true)
    }

    /// Adds a call at its offer: answered calls with their handle time (connected time plus
    /// wrap-up), abandoned ones as offered only. An invalid call is an error naming it.
    pub fn add_call(&mut self, call: &Call) -> Result<bool> {
        call.validate()?;
        // A valid call's handle time is finite and not negative: `add` cannot refuse it.
        self.add(call.offered_at, call.handle_seconds(), 1)
    }

    fn index_of(&self, at: DateTime<Utc>) -> Option<usize> {
        let offset = (at - self.start).num_seconds();
        if offset < 0 {
            return None;
        }
        let i = (offset / i64::from(self.interval)) as usize;
        (i < self.slots.len()).then_some(i)
    }

    /// The intervals' length, seconds.
    pub fn interval_seconds(&self) -> u32 {
        self.interval
    }

    /// The first interval's start.
    pub fn start(&self) -> DateTime<Utc> {
        self.start
    }

    /// The end of the last interval.
    pub fn end(&self) -> DateTime<Utc> {
        self.start + step(self.interval, self.slots.len())
    }

    /// How many intervals.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether it has no interval.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// The intervals' local slots.
    pub fn slots(&self) -> &[LocalSlot] {
        &self.slots
    }

    /// Contacts offered per interval.
    pub fn contacts(&self) -> &[f64] {
        &self.contacts
    }

    /// Contacts answered per interval (those given a handle time).
    pub fn answered(&self) -> &[f64] {
        &self.answered
    }

    /// Handle seconds of the answered contacts per interval.
    pub fn handle_seconds(&self) -> &[f64] {
        &self.handle_seconds
    }

    /// Contacts added outside the series' span (not counted in any interval).
    pub fn outside(&self) -> u64 {
        self.outside
    }

    /// The start of interval `i`.
    pub fn start_of(&self, i: usize) -> DateTime<Utc> {
        self.start + step(self.interval, i)
    }

    /// The series cut at `at` (rounded down to an interval boundary): what came before, and
    /// what came from there on. For learning on the past and scoring on held-out weeks.
    pub fn split_at(&self, at: DateTime<Utc>) -> (ContactSeries, ContactSeries) {
        let cut = match self.index_of(at) {
            Some(i) => i,
            None if at < self.start => 0,
            None => self.len(),
        };
        let part = |range: std::ops::Range<usize>| ContactSeries {
            interval: self.interval,
            start: self.start_of(range.start),
            slots: self.slots[range.clone()].to_vec(),
            contacts: self.contacts[range.clone()].to_vec(),
            answered: self.answered[range.clone()].to_vec(),
            handle_seconds: self.handle_seconds[range].to_vec(),
            outside: 0,
        };
        (part(0..cut), part(cut..self.len()))
    }

    /// The mean handle time over the whole series (`None` without an answered contact).
    pub fn mean_aht(&self) -> Option<f64> {
        let answered: f64 = self.answered.iter().sum();
        (answered > 0.0).then(|| self.handle_seconds.iter().sum::<f64>() / answered)
    }
}

/// Slots in a day of `interval`-second intervals.
pub(crate) fn slots_per_day(interval: u32) -> usize {
    (86_400 / interval) as usize
}

pub(crate) fn step(interval: u32, i: usize) -> TimeDelta {
    TimeDelta::seconds(i64::from(interval) * i as i64)
}
