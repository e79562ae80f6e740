//! The calendar builder and arithmetic on arbitrary schedules, zones and instants: never a
//! panic, and the laws of business time hold whenever an answer is given.
#![no_main]

use chrono::{DateTime, NaiveDate, TimeZone, Utc, Weekday};
use csm_metrics::{BusinessCalendar, DayTime};
use libfuzzer_sys::fuzz_target;

#[path = "bytes.rs"]
mod bytes;
use bytes::Bytes;

const ZONES: [&str; 6] = [
    "UTC",
    "America/New_York",
    "Australia/Lord_Howe",
    "America/Santiago",
    "Asia/Kathmandu",
    "Pacific/Apia",
];

fuzz_target!(|data: &[u8]| {
    let mut b = Bytes(data);
    let zone: chrono_tz::Tz = ZONES[b.u8() as usize % ZONES.len()].parse().unwrap();
    let first = 1990 + i32::from(b.u8() % 120);
    let mut builder = BusinessCalendar::builder(zone).years(first, first + i32::from(b.u8() % 4));
    // Arbitrary times of day, in range or not: the builder must refuse what is wrong.
    let time = |b: &mut Bytes| {
        DayTime::hms(
            u32::from(b.u8() % 26),
            u32::from(b.u8() % 61),
            u32::from(b.u8() % 61),
        )
    };
    for _ in 0..b.u8() % 12 {
        let day = Weekday::try_from(b.u8() % 7).unwrap();
        builder = builder.open(day, time(&mut b), time(&mut b));
    }
    for _ in 0..b.u8() % 6 {
        if let Some(d) =
            NaiveDate::from_yo_opt(first + i32::from(b.u8() % 4), u32::from(b.u16() % 367))
        {
            if b.u8() % 2 == 0 {
                builder = builder.holiday(d);
            } else {
                let (s, e) = (time(&mut b), time(&mut b));
                builder = builder.hours_on(d, &[(s, e)]);
            }
        }
    }
    let Ok(cal) = builder.build() else { return };
    // Its definition round-trips through serde into the same calendar.
    let json = serde_json::to_string(&cal).unwrap();
    let back: BusinessCalendar<chrono_tz::Tz> = serde_json::from_str(&json).unwrap();
    assert!(back == cal, "a calendar changed through serde");
    let base = Utc
        .with_ymd_and_hms(first, 1, 1, 0, 0, 0)
        .unwrap()
        .timestamp();
    while !b.is_empty() {
        // Mostly inside the calendar's years, sometimes anywhere in i64.
        let instant = |b: &mut Bytes| -> Option<DateTime<Utc>> {
            let t = if b.u8() % 8 == 0 {
                b.i64()
            } else {
                base + i64::from(b.u32() % (5 * 366 * 86_400))
            };
            DateTime::from_timestamp(t, 0)
        };
        let (Some(a), Some(c)) = (instant(&mut b), instant(&mut b)) else {
            continue;
        };
        let (a, c) = (a.min(c), a.max(c));
        if let Ok(s) = cal.business_seconds(a, c) {
            assert!(
                s >= 0 && s <= (c - a).num_seconds(),
                "business time longer than the span"
            );
            if let Ok(d) = cal.deadline(a, s as u64) {
                assert!(
                    d <= c,
                    "deadline after the end of a span holding that much business time"
                );
                assert_eq!(
                    cal.business_seconds(a, d).ok(),
                    Some(s),
                    "deadline and duration disagree"
                );
            }
        }
        let _ = cal.is_open(a);
        if let Ok(Some(open)) = cal.next_open(a) {
            assert!(open >= a);
        }
        if let Ok(Some(close)) = cal.next_close(a) {
            assert!(close >= a);
        }
        let _ = cal.deadline(a, u64::from(b.u32()));
    }
});
