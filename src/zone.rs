//! Time zones for windows (and, later, business calendars).

use core::fmt::Debug;

use chrono::{DateTime, FixedOffset, LocalResult, NaiveDateTime, Offset, TimeDelta, TimeZone, Utc};

/// A time zone a window or calendar can be kept in: a [`chrono::TimeZone`] that can be
/// compared, named (so a state can be stored and checked on merge) and defaulted to UTC.
///
/// Implemented for [`Utc`], [`FixedOffset`] and, with the feature `tz`, `chrono_tz::Tz`.
pub trait Zone: TimeZone + Clone + PartialEq + Debug + Send + Sync {
    /// UTC in this zone type (the zone of an empty, default state).
    fn utc() -> Self;
    /// The zone's name: `"UTC"`, `"+05:30"`, `"America/New_York"`.
    fn name(&self) -> String;
    /// The zone of a name [`name`](Self::name) gave.
    fn from_name(name: &str) -> Option<Self>;

    /// The instant of a wall-clock time in this zone, by the crate's DST rule: a wall time
    /// that does not exist (spring gap) maps to the first valid instant after it, an
    /// ambiguous one (autumn fold) to the earlier instant. `None` only outside chrono's
    /// range. For exports whose times are local and carry no offset.
    ///
    /// ```
    /// use chrono::{NaiveDate, TimeZone, Utc};
    /// use csm_metrics::Zone;
    ///
    /// # #[cfg(feature = "tz")] {
    /// let ny: chrono_tz::Tz = "America/New_York".parse().unwrap();
    /// // 02:30 does not exist on 9 March 2025: the clocks went from 02:00 to 03:00 (07:00 UTC).
    /// let gap = NaiveDate::from_ymd_opt(2025, 3, 9).unwrap().and_hms_opt(2, 30, 0).unwrap();
    /// assert_eq!(ny.instant_of(gap), Some(Utc.with_ymd_and_hms(2025, 3, 9, 7, 0, 0).unwrap()));
    /// // 01:30 on 2 November 2025 happened twice: the earlier is 05:30 UTC.
    /// let fold = NaiveDate::from_ymd_opt(2025, 11, 2).unwrap().and_hms_opt(1, 30, 0).unwrap();
    /// assert_eq!(ny.instant_of(fold), Some(Utc.with_ymd_and_hms(2025, 11, 2, 5, 30, 0).unwrap()));
    /// # }
    /// ```
    fn instant_of(&self, local: NaiveDateTime) -> Option<DateTime<Utc>> {
        resolve_local(self, local)
    }
}

impl Zone for Utc {
    fn utc() -> Self {
        Utc
    }
    fn name(&self) -> String {
        "UTC".into()
    }
    fn from_name(name: &str) -> Option<Self> {
        (name == "UTC").then_some(Utc)
    }
}

impl Zone for FixedOffset {
    fn utc() -> Self {
        Utc.fix()
    }
    fn name(&self) -> String {
        self.to_string()
    }
    fn from_name(name: &str) -> Option<Self> {
        name.parse().ok()
    }
}

#[cfg(feature = "tz")]
impl Zone for chrono_tz::Tz {
    fn utc() -> Self {
        chrono_tz::UTC
    }
    fn name(&self) -> String {
        chrono_tz::Tz::name(*self).to_string()
    }
    fn from_name(name: &str) -> Option<Self> {
        name.parse().ok()
    }
}

/// The instant of a wall-clock time in `zone`, by the contract's DST rule: a wall time that
/// does not exist (spring gap) maps to the first valid instant after it, an ambiguous one
/// (autumn fold) to the earlier instant. `None` only outside chrono's range.
pub(crate) fn resolve_local<Z: TimeZone>(zone: &Z, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    match zone.from_local_datetime(&local) {
        LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(a, b) => Some(a.with_timezone(&Utc).min(b.with_timezone(&Utc))),
        LocalResult::None => first_instant_at_or_after(zone, local),
    }
}

/// The first instant whose wall time in `zone` is at or after `local`, found by bisection
/// over the ±27 h that any UTC offset spans (wall time is monotone near a gap).
fn first_instant_at_or_after<Z: TimeZone>(zone: &Z, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    let guess = local.and_utc();
    let span = TimeDelta::try_hours(27)?;
    let mut lo = guess.checked_sub_signed(span)?.timestamp();
    let mut hi = guess.checked_add_signed(span)?.timestamp();
    // Invariant: wall(lo) < local ≤ wall(hi).
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        let wall = DateTime::from_timestamp(mid, 0)?
            .with_timezone(zone)
            .naive_local();
        if wall >= local {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    DateTime::from_timestamp(hi, 0)
}

/// Unix seconds of instants, remembering the last date converted: streams in time order
/// convert most instants with one comparison and one addition instead of chrono's calendar
/// arithmetic. Carries no information: every cache equals every other.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EpochCache {
    date: chrono::NaiveDate,
    base: i64,
}

impl Default for EpochCache {
    fn default() -> Self {
        EpochCache {
            date: chrono::NaiveDate::MIN,
            base: DateTime::<Utc>::MIN_UTC.timestamp(),
        }
    }
}

impl PartialEq for EpochCache {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl EpochCache {
    /// The Unix seconds of `t`.
    #[inline]
    pub(crate) fn seconds(&mut self, t: &DateTime<Utc>) -> i64 {
        use chrono::Timelike;
        let naive = t.naive_utc();
        let (date, time) = (naive.date(), naive.time());
        if date != self.date {
            self.date = date;
            self.base = t.timestamp() - i64::from(time.num_seconds_from_midnight());
        }
        self.base + i64::from(time.num_seconds_from_midnight())
    }
}
