//! Business calendars: the published cases, exactly, and a property test against a naive
//! minute-by-minute walk over random spans, zones with DST, holidays and overrides.

mod common;

use chrono::{DateTime, Datelike, LocalResult, NaiveDate, TimeZone, Utc, Weekday};
use csm_metrics::calendar::{BusinessCalendar, DayTime};
use proptest::prelude::*;

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

fn biz_schedule() -> BusinessCalendar {
    // biz's README schedule: Mon 9-17, Tue 10-16, Wed 9-17, Thu 10-16, Fri 9-17,
    // Sat 11:00-14:30, in UTC.
    BusinessCalendar::builder(Utc)
        .open(Weekday::Mon, DayTime::hm(9, 0), DayTime::hm(17, 0))
        .open(Weekday::Tue, DayTime::hm(10, 0), DayTime::hm(16, 0))
        .open(Weekday::Wed, DayTime::hm(9, 0), DayTime::hm(17, 0))
        .open(Weekday::Thu, DayTime::hm(10, 0), DayTime::hm(16, 0))
        .open(Weekday::Fri, DayTime::hm(9, 0), DayTime::hm(17, 0))
        .open(Weekday::Sat, DayTime::hm(11, 0), DayTime::hms(14, 30, 0))
        .years(2000, 2030)
        .build()
        .unwrap()
}

#[test]
fn biz_readme_cases() {
    let c = biz_schedule();
    // Thursday 2006-01-05 12:00 → Friday 12:00: Thu 12-16 (4 h) + Fri 9-12 (3 h).
    assert_eq!(
        c.business_seconds(utc(2006, 1, 5, 12, 0), utc(2006, 1, 6, 12, 0))
            .unwrap(),
        7 * 3_600
    );
    // 30 minutes after Monday 2006-01-02 09:00 is 09:30.
    assert_eq!(
        c.deadline(utc(2006, 1, 2, 9, 0), 1_800).unwrap(),
        utc(2006, 1, 2, 9, 30)
    );
    // Negative when the end comes first.
    assert_eq!(
        c.business_seconds(utc(2006, 1, 6, 12, 0), utc(2006, 1, 5, 12, 0))
            .unwrap(),
        -7 * 3_600
    );
}

#[cfg(feature = "tz")]
mod new_york {
    use super::*;
    use chrono_tz::America::New_York;

    /// The eleven US federal holidays of 2025.
    pub fn holidays_2025() -> Vec<NaiveDate> {
        [
            (1, 1),
            (1, 20),
            (2, 17),
            (5, 26),
            (6, 19),
            (7, 4),
            (9, 1),
            (10, 13),
            (11, 11),
            (11, 27),
            (12, 25),
        ]
        .iter()
        .map(|(m, d)| NaiveDate::from_ymd_opt(2025, *m, *d).unwrap())
        .collect()
    }

    fn calendar() -> BusinessCalendar<chrono_tz::Tz> {
        BusinessCalendar::builder(New_York)
            .open_weekdays(DayTime::hm(9, 0), DayTime::hm(17, 0))
            .holidays(holidays_2025())
            .years(2024, 2026)
            .build()
            .unwrap()
    }

    fn ny(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        New_York
            .with_ymd_and_hms(y, mo, d, h, mi, 0)
            .single()
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn published_cases() {
        let c = calendar();
        let h = 3_600;
        // Friday 16:00 → Monday 10:00.
        assert_eq!(
            c.business_seconds(ny(2025, 2, 7, 16, 0), ny(2025, 2, 10, 10, 0))
                .unwrap(),
            2 * h
        );
        // Across MLK day (Monday 2025-01-20): Friday 16:00 → Tuesday 10:00.
        assert_eq!(
            c.business_seconds(ny(2025, 1, 17, 16, 0), ny(2025, 1, 21, 10, 0))
                .unwrap(),
            2 * h
        );
        // Across the DST weekends (2025-03-09 and 2025-11-02): still 2 h.
        assert_eq!(
            c.business_seconds(ny(2025, 3, 7, 16, 0), ny(2025, 3, 10, 10, 0))
                .unwrap(),
            2 * h
        );
        assert_eq!(
            c.business_seconds(ny(2025, 10, 31, 16, 0), ny(2025, 11, 3, 10, 0))
                .unwrap(),
            2 * h
        );
        // Two full weeks without holidays: 80 h.
        assert_eq!(
            c.business_seconds(ny(2025, 2, 24, 0, 0), ny(2025, 3, 10, 0, 0))
                .unwrap(),
            80 * h
        );
        // A deadline landing at closing time stays that day: 1 h after Friday 16:00.
        assert_eq!(
            c.deadline(ny(2025, 2, 7, 16, 0), h as u64).unwrap(),
            ny(2025, 2, 7, 17, 0)
        );
        // … and one second more goes to Monday 09:00:01.
        assert_eq!(
            c.deadline(ny(2025, 2, 7, 16, 0), h as u64 + 1).unwrap(),
            ny(2025, 2, 10, 9, 0) + chrono::TimeDelta::seconds(1)
        );
        // Open and close.
        assert!(c.is_open(ny(2025, 2, 7, 16, 59)).unwrap());
        assert!(!c.is_open(ny(2025, 2, 7, 17, 0)).unwrap());
        assert!(!c.is_open(ny(2025, 1, 20, 12, 0)).unwrap()); // MLK
        assert_eq!(
            c.next_open(ny(2025, 2, 7, 18, 0)).unwrap(),
            Some(ny(2025, 2, 10, 9, 0))
        );
        assert_eq!(
            c.next_close(ny(2025, 2, 7, 10, 0)).unwrap(),
            Some(ny(2025, 2, 7, 17, 0))
        );
        // Outside its years: an error, not a number.
        assert!(
            c.business_seconds(ny(2020, 1, 1, 0, 0), ny(2025, 1, 1, 0, 0))
                .is_err()
        );
    }

    #[test]
    fn a_day_open_around_the_clock_follows_dst() {
        let c = BusinessCalendar::builder(New_York)
            .open(Weekday::Sun, DayTime::hm(0, 0), DayTime::END_OF_DAY)
            .years(2025, 2025)
            .build()
            .unwrap();
        let sunday = |m, d| ny(2025, m, d, 0, 0);
        let next = |m, d| ny(2025, m, d, 0, 0);
        // 2025-03-09 lasts 23 h, 2025-11-02 lasts 25 h, an ordinary Sunday 24 h.
        assert_eq!(
            c.business_seconds(sunday(3, 9), next(3, 10)).unwrap(),
            23 * 3_600
        );
        assert_eq!(
            c.business_seconds(sunday(11, 2), next(11, 3)).unwrap(),
            25 * 3_600
        );
        assert_eq!(
            c.business_seconds(sunday(3, 16), next(3, 17)).unwrap(),
            24 * 3_600
        );
        // Open 01:00-03:00 on the spring Sunday: 02:00-03:00 does not exist → 1 h.
        let c = BusinessCalendar::builder(New_York)
            .open(Weekday::Sun, DayTime::hm(1, 0), DayTime::hm(3, 0))
            .years(2025, 2025)
            .build()
            .unwrap();
        assert_eq!(
            c.business_seconds(sunday(3, 9), next(3, 10)).unwrap(),
            3_600
        );
        // … and 3 h on the autumn Sunday (01:00-02:00 happens twice).
        assert_eq!(
            c.business_seconds(sunday(11, 2), next(11, 3)).unwrap(),
            3 * 3_600
        );
    }
}

#[test]
fn overnight_holidays_and_overrides() {
    // A night desk: Mon-Fri 22:00-06:00.
    let mut b = BusinessCalendar::builder(Utc).years(2025, 2025);
    for d in [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
    ] {
        b = b.open(d, DayTime::hm(22, 0), DayTime::hm(6, 0));
    }
    let c = b
        .holiday(NaiveDate::from_ymd_opt(2025, 3, 5).unwrap()) // a Wednesday
        .hours_on(
            NaiveDate::from_ymd_opt(2025, 3, 6).unwrap(),
            &[(DayTime::hm(20, 0), DayTime::hm(23, 0))],
        )
        .build()
        .unwrap();
    // Mon 2025-03-03 22:00 → Tue 06:00: 8 h.
    assert_eq!(
        c.business_seconds(utc(2025, 3, 3, 12, 0), utc(2025, 3, 4, 12, 0))
            .unwrap(),
        8 * 3_600
    );
    // Wednesday is a holiday: Tue 22:00 → Wed 06:00 still opens (it started Tuesday), Wed
    // 22:00 → Thu 06:00 does not; Thursday's own hours are 20:00-23:00.
    assert_eq!(
        c.business_seconds(utc(2025, 3, 4, 12, 0), utc(2025, 3, 5, 12, 0))
            .unwrap(),
        8 * 3_600
    );
    assert_eq!(
        c.business_seconds(utc(2025, 3, 5, 12, 0), utc(2025, 3, 6, 12, 0))
            .unwrap(),
        0
    );
    assert_eq!(
        c.business_seconds(utc(2025, 3, 6, 12, 0), utc(2025, 3, 7, 12, 0))
            .unwrap(),
        3 * 3_600
    );
}

#[test]
fn the_builder_refuses_what_cannot_work() {
    let b = || BusinessCalendar::builder(Utc).years(2025, 2025);
    let err = |r: Result<BusinessCalendar, csm_metrics::Error>| r.unwrap_err().to_string();
    assert!(err(b().build()).contains("no open time"));
    // Found by the long property run: a date given its hours twice kept the last silently
    // (and a holiday with its own hours kept the holiday). Both are refused now.
    let day = chrono::NaiveDate::from_ymd_opt(2025, 11, 5).unwrap();
    let nine = || b().open(Weekday::Mon, DayTime::hm(9, 0), DayTime::hm(17, 0));
    let quarter = [(DayTime::hm(0, 0), DayTime::hm(0, 15))];
    let half = [(DayTime::hm(0, 0), DayTime::hm(0, 30))];
    assert!(
        err(nine().hours_on(day, &quarter).hours_on(day, &half).build())
            .contains("2025-11-05: its own hours are given twice")
    );
    assert!(
        err(nine().holiday(day).hours_on(day, &quarter).build())
            .contains("2025-11-05: a holiday with its own hours")
    );
    assert!(
        err(b()
            .open(Weekday::Mon, DayTime::hm(9, 0), DayTime::hm(9, 0))
            .build())
        .contains("empty")
    );
    assert!(
        err(b()
            .open(Weekday::Mon, DayTime::hm(9, 0), DayTime::hm(25, 0))
            .build())
        .contains("past 24:00")
    );
    let overlapping = b()
        .open(Weekday::Mon, DayTime::hm(9, 0), DayTime::hm(12, 0))
        .open(Weekday::Mon, DayTime::hm(11, 0), DayTime::hm(17, 0))
        .build();
    assert!(err(overlapping).contains("Monday: 09:00 - 12:00 overlaps 11:00 - 17:00"));
    // An overnight Sunday interval spills into Monday's morning hours.
    let spill = b()
        .open(Weekday::Sun, DayTime::hm(22, 0), DayTime::hm(10, 0))
        .open(Weekday::Mon, DayTime::hm(9, 0), DayTime::hm(17, 0))
        .build();
    assert!(err(spill).contains("overlaps"));
    assert!(
        err(b()
            .years(2030, 2020)
            .open_weekdays(DayTime::hm(9, 0), DayTime::hm(17, 0))
            .build())
        .contains("years")
    );
}

// ---- the naive walk ------------------------------------------------------------------

/// A calendar as plain data, built into both the real calendar and the naive walk.
#[derive(Debug, Clone)]
struct Spec {
    week: Vec<(usize, u32, u32)>, // weekday, start minute, end minute (end < start: overnight)
    holidays: Vec<NaiveDate>,
    overrides: Vec<(NaiveDate, Vec<(u32, u32)>)>,
}

fn first_after<Z: TimeZone>(zone: &Z, local: chrono::NaiveDateTime) -> i64 {
    match zone.from_local_datetime(&local) {
        LocalResult::Single(t) => t.timestamp(),
        LocalResult::Ambiguous(a, b) => a.timestamp().min(b.timestamp()),
        LocalResult::None => {
            // The first valid minute after the gap, then back to the exact transition.
            let mut probe = local;
            loop {
                probe += chrono::TimeDelta::minutes(1);
                if let Some(t) = zone.from_local_datetime(&probe).earliest() {
                    let mut t = t.timestamp();
                    while zone.timestamp_opt(t - 1, 0).unwrap().naive_local() >= local {
                        t -= 1;
                    }
                    return t;
                }
            }
        }
    }
}

fn naive_minutes<Z: TimeZone>(zone: &Z, spec: &Spec, from: i64, to: i64) -> i64 {
    let own = |date: NaiveDate| -> Vec<(u32, u32)> {
        if spec.holidays.contains(&date) {
            return vec![];
        }
        if let Some((_, v)) = spec.overrides.iter().find(|(d, _)| *d == date) {
            return v.clone();
        }
        let wd = date.weekday().num_days_from_monday() as usize;
        spec.week
            .iter()
            .filter(|(d, _, _)| *d == wd)
            .map(|(_, s, e)| (*s, *e))
            .collect()
    };
    // Every open span of every date that can touch [from, to), as instants.
    let mut spans = vec![];
    let first = DateTime::from_timestamp(from, 0)
        .unwrap()
        .with_timezone(zone)
        .date_naive()
        - chrono::Days::new(2);
    let last = DateTime::from_timestamp(to, 0)
        .unwrap()
        .with_timezone(zone)
        .date_naive()
        + chrono::Days::new(1);
    let mut date = first;
    while date <= last {
        for (s, e) in own(date) {
            let (s, e) = (s * 60, e * 60);
            let end_secs = if s < e { e } else { 86_400 + e };
            let at = |secs: u32| {
                let day = date + chrono::Days::new(u64::from(secs / 86_400));
                first_after(
                    zone,
                    day.and_hms_opt(0, 0, 0).unwrap()
                        + chrono::TimeDelta::seconds(i64::from(secs % 86_400)),
                )
            };
            spans.push((at(s), at(end_secs)));
        }
        date = date + chrono::Days::new(1);
    }
    let mut open = 0;
    let mut m = from;
    while m < to {
        if spans.iter().any(|(s, e)| *s <= m && m < *e) {
            open += 1;
        }
        m += 60;
    }
    open
}

fn build<Z: csm_metrics::Zone>(
    zone: Z,
    spec: &Spec,
) -> Result<BusinessCalendar<Z>, csm_metrics::Error> {
    let days = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ];
    let mut b = BusinessCalendar::builder(zone).years(2024, 2026);
    for (d, s, e) in &spec.week {
        b = b.open(
            days[*d],
            DayTime::hm(s / 60, s % 60),
            DayTime::hm(e / 60, e % 60),
        );
    }
    b = b.holidays(spec.holidays.iter().copied());
    for (date, v) in &spec.overrides {
        let v: Vec<_> = v
            .iter()
            .map(|(s, e)| (DayTime::hm(s / 60, s % 60), DayTime::hm(e / 60, e % 60)))
            .collect();
        b = b.hours_on(*date, &v);
    }
    b.build()
}

fn spec() -> impl Strategy<Value = Spec> {
    // Per weekday, on a 15-minute grid: up to two intervals between 02:00 and 24:00 from
    // sorted distinct points, and maybe an overnight interval from after them to before
    // 02:00 (its morning part cannot meet the next day's own hours). A few holidays and
    // overrides in the DST months of 2025. Valid by construction.
    let day = (
        proptest::collection::btree_set(8u32..=96, 0..=4),
        proptest::option::of(1u32..=7),
    );
    let date = prop_oneof![
        (1u32..=31).prop_map(|d| NaiveDate::from_ymd_opt(2025, 3, d).unwrap()),
        (1u32..=30).prop_map(|d| NaiveDate::from_ymd_opt(2025, 11, d).unwrap()),
    ];
    (
        proptest::collection::vec(day, 7),
        proptest::collection::vec(date.clone(), 0..4),
        proptest::collection::vec((date, (0u32..95, 1u32..40)), 0..3),
    )
        .prop_map(|(days, holidays, overrides)| {
            let mut week = vec![];
            for (d, (points, overnight)) in days.into_iter().enumerate() {
                let p: Vec<u32> = points.into_iter().collect();
                for pair in p.chunks_exact(2) {
                    week.push((d, pair[0] * 15, pair[1] * 15));
                }
                let last = p.chunks_exact(2).last().map_or(8, |c| c[1]);
                if let (Some(end), true) = (overnight, last < 96) {
                    week.push((d, last * 15, end * 15));
                }
            }
            if week.is_empty() {
                week.push((0, 9 * 60, 17 * 60));
            }
            // One set of hours per date, and none on a holiday (the builder refuses both).
            let mut dated = std::collections::BTreeMap::new();
            for (d, (s, len)) in overrides {
                dated
                    .entry(d)
                    .or_insert(vec![(s * 15, (s + len).min(96) * 15)]);
            }
            let holidays = holidays
                .into_iter()
                .filter(|d| !dated.contains_key(d))
                .collect();
            Spec {
                week,
                holidays,
                overrides: dated.into_iter().collect(),
            }
        })
}

fn span() -> impl Strategy<Value = (i64, i64)> {
    // Minute-aligned spans of up to 4 days around the 2025 DST changes.
    let around = prop_oneof![
        Just(1_741_478_400i64),
        Just(1_762_041_600i64),
        Just(1_743_465_600i64)
    ];
    (around, -3_000i64..3_000, 0i64..5_760).prop_map(|(base, off, len)| {
        let a = base + off * 60;
        (a, a + len * 60)
    })
}

fn check<Z: csm_metrics::Zone>(
    zone: Z,
    spec: &Spec,
    (a, b): (i64, i64),
) -> Result<(), TestCaseError> {
    let c = build(zone.clone(), spec).expect("a valid calendar");
    let (ta, tb) = (
        DateTime::from_timestamp(a, 0).unwrap(),
        DateTime::from_timestamp(b, 0).unwrap(),
    );
    let want = naive_minutes(&zone, spec, a, b) * 60;
    prop_assert_eq!(c.business_seconds(ta, tb).unwrap(), want);
    // The deadline of that much business time from `a` is no later than `b`, and has exactly
    // that much business time before it.
    if want > 0 {
        let due = c.deadline(ta, want as u64).unwrap();
        prop_assert!(due <= tb);
        prop_assert_eq!(c.business_seconds(ta, due).unwrap(), want);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(common::cases(48)))]

    #[test]
    fn matches_the_naive_walk_in_utc(spec in spec(), span in span()) {
        check(Utc, &spec, span)?;
    }

    #[cfg(feature = "tz")]
    #[test]
    fn matches_the_naive_walk_in_new_york(spec in spec(), span in span()) {
        check(chrono_tz::America::New_York, &spec, span)?;
    }

    #[cfg(feature = "tz")]
    #[test]
    fn matches_the_naive_walk_at_lord_howe(spec in spec(), span in span()) {
        // A 30-minute DST shift.
        check(chrono_tz::Australia::Lord_Howe, &spec, span)?;
    }

    #[cfg(feature = "tz")]
    #[test]
    fn matches_the_naive_walk_in_santiago(spec in spec(), span in span()) {
        // DST changes at midnight: days that start at 01:00.
        check(chrono_tz::America::Santiago, &spec, span)?;
    }
}
