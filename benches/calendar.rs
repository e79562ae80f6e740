//! Business calendars: business duration and deadlines over random spans.

use std::hint::black_box;

use chrono::{DateTime, Datelike, NaiveDate, Utc, Weekday};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use csm_metrics::calendar::{BusinessCalendar, DayTime};
use csm_metrics_synth::Rng;

/// Three intervals a weekday, Saturday mornings, 20 holidays a year, in New York.
fn calendar() -> BusinessCalendar<chrono_tz::Tz> {
    let mut b = BusinessCalendar::builder(chrono_tz::America::New_York)
        .open_weekdays(DayTime::hm(8, 0), DayTime::hm(12, 0))
        .open_weekdays(DayTime::hm(13, 0), DayTime::hm(17, 30))
        .open_weekdays(DayTime::hm(18, 0), DayTime::hm(21, 0))
        .open(Weekday::Sat, DayTime::hm(9, 0), DayTime::hm(13, 0))
        .years(2000, 2049);
    let mut rng = Rng::new(5);
    for year in 2000..2050 {
        for _ in 0..20 {
            let day = NaiveDate::from_yo_opt(year, 1 + rng.below(365) as u32).unwrap();
            b = b.holiday(day);
        }
    }
    b.build().unwrap()
}

fn spans(n: usize, max_len: i64) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let mut rng = Rng::new(8);
    let base = 1_577_836_800; // 2020-01-01
    (0..n)
        .map(|_| {
            let a = base + rng.below(10 * 365 * 86_400) as i64;
            let b = a + rng.below(max_len as u64) as i64;
            (
                DateTime::from_timestamp(a, 0).unwrap(),
                DateTime::from_timestamp(b, 0).unwrap(),
            )
        })
        .collect()
}

fn business_time(c: &mut Criterion) {
    let cal = calendar();
    eprintln!("calendar: {} open spans over 50 years", cal.span_count());
    let mut group = c.benchmark_group("calendar");
    for (name, max_len) in [
        ("business duration, spans up to 1 day", 86_400),
        ("business duration, spans up to 30 days", 30 * 86_400),
        ("business duration, spans up to 1 year", 365 * 86_400),
    ] {
        let s = spans(100_000, max_len);
        group.throughput(Throughput::Elements(s.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut total = 0i64;
                for (a, e) in &s {
                    total += cal.business_seconds(*a, *e).unwrap();
                }
                black_box(total)
            })
        });
    }
    let s = spans(100_000, 30 * 86_400);
    let durations: Vec<u64> = s
        .iter()
        .map(|(a, _)| 60 + (a.day() as u64 * 7_919) % 200_000)
        .collect();
    group.bench_function("deadline, up to 55 business hours", |b| {
        b.iter(|| {
            let mut last = 0i64;
            for ((a, _), d) in s.iter().zip(&durations) {
                last ^= cal.deadline(*a, *d).unwrap().timestamp();
            }
            black_box(last)
        })
    });
    group.finish();
}

criterion_group!(benches, business_time);
criterion_main!(benches);
