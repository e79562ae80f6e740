//! Forecasts: hand-worked toys, local time across DST, and accuracy against seasonal-naive
//! on a generated call log.

use chrono::{DateTime, NaiveDate, TimeDelta, TimeZone, Utc};
use csm_metrics::metrics::forecast::{
    Accuracy, ContactSeries, ForecastConfig, HolidayRule, Smoothing,
};

fn monday() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 3, 0, 0, 0).unwrap()
}

fn at(day: i64, hour: i64) -> DateTime<Utc> {
    monday() + TimeDelta::seconds(day * 86_400 + hour * 3_600)
}

fn fixed(level: f64, daily: f64, weekly: f64) -> ForecastConfig {
    ForecastConfig {
        smoothing: Some(Smoothing {
            level,
            trend: 0.0,
            daily,
            weekly,
            damping: 1.0,
        }),
        ..ForecastConfig::default()
    }
}

/// Two days, hourly: Monday 4 contacts at 09:00, Tuesday 8, nothing else.
///
/// By hand: the starting level is 12 / 48 = 0.25; the 09:00 profile is mean(4, 8) − 0.25 =
/// 5.75 and every other hour's −0.25; the weekly profile is −2 on Monday 09:00 and +2 on
/// Tuesday 09:00, 0 elsewhere. The starting state reproduces both days, so every one-step
/// error is 0 and any weights give the same forecast: Wednesday 09:00 = 0.25 + 5.75 = 6
/// (the intraday profile alone, a weekday not seen), next Monday 4, next Tuesday 8, every
/// other hour 0.
#[test]
fn two_day_toy_by_hand() {
    let mut s = ContactSeries::new(&Utc, 3_600, monday(), at(2, 0)).unwrap();
    s.add(at(0, 9), Some(100.0), 4).unwrap();
    s.add(at(1, 9), Some(200.0), 8).unwrap();
    for config in [
        fixed(0.0, 0.0, 0.0),
        fixed(0.5, 0.3, 0.7),
        ForecastConfig::default(),
    ] {
        let f = s.fit(&Utc, &config).unwrap().forecast(7 * 24);
        let c = |day: usize, hour: usize| f.intervals[day * 24 + hour].contacts;
        assert_eq!(f.intervals[0].start, at(2, 0));
        assert!((c(0, 9) - 6.0).abs() < 1e-9, "Wednesday 09:00 {}", c(0, 9));
        assert!((c(5, 9) - 4.0).abs() < 1e-9, "Monday {}", c(5, 9));
        assert!((c(6, 9) - 8.0).abs() < 1e-9, "Tuesday {}", c(6, 9));
        assert!(c(0, 10).abs() < 1e-9 && c(3, 3).abs() < 1e-9);
        // Handle time: 4 × 100 + 8 × 200 over 12 answered = 166.67 s on an unseen weekday;
        // Monday's own 100 s, Tuesday's 200 s.
        let aht = |day: usize| f.intervals[day * 24 + 9].aht;
        assert!((aht(0) - 2_000.0 / 12.0).abs() < 1e-6, "{}", aht(0));
        assert!((aht(5) - 100.0).abs() < 1e-6 && (aht(6) - 200.0).abs() < 1e-6);
        // An hour with no answered contact forecast: the history's mean.
        assert!((f.intervals[3].aht - 2_000.0 / 12.0).abs() < 1e-6);
    }
}

/// A week of the same shape, then a Monday with 6 at 09:00 (2 more than the week before).
/// The starting state (one week) reproduces week one; the only non-zero one-step error is
/// +2 at the second Monday 09:00 (every other hour is forecast 0 and is 0). So with the
/// weekly weight δ alone, next Monday 09:00 = 4 + 2δ and nothing else moves; with the
/// intraday weight γ alone, every day's 09:00 gains 2γ.
#[test]
fn one_error_by_hand() {
    let mut s = ContactSeries::new(&Utc, 3_600, monday(), at(8, 0)).unwrap();
    s.add(at(0, 9), None, 4).unwrap();
    s.add(at(1, 9), None, 8).unwrap();
    s.add(at(7, 9), None, 6).unwrap();
    // Week one's profile at 09:00: Monday 4, Tuesday 8, other days 0.
    let weekly = s.fit(&Utc, &fixed(0.0, 0.0, 0.5)).unwrap().forecast(7 * 24);
    let c = |f: &csm_metrics::metrics::forecast::Forecast, day: usize| {
        f.intervals[day * 24 + 9].contacts
    };
    // Day 0 of the forecast is Tuesday (day 8).
    assert!((c(&weekly, 0) - 8.0).abs() < 1e-9);
    assert!(
        (c(&weekly, 6) - 5.0).abs() < 1e-9,
        "Monday {}",
        c(&weekly, 6)
    );
    assert!(c(&weekly, 1).abs() < 1e-9);
    let daily = s.fit(&Utc, &fixed(0.0, 0.5, 0.0)).unwrap().forecast(7 * 24);
    assert!((c(&daily, 0) - 9.0).abs() < 1e-9);
    assert!((c(&daily, 6) - 5.0).abs() < 1e-9);
    assert!(
        (c(&daily, 1) - 1.0).abs() < 1e-9,
        "Wednesday {}",
        c(&daily, 1)
    );
    // The level weight alone: the level gains 2α at 09:00, then the next hour's error is
    // −2α (forecast 2α, nothing came), and so on down: after k hours (1 − α)^k · 2α.
    let alpha = 0.5;
    let level = s.fit(&Utc, &fixed(alpha, 0.0, 0.0)).unwrap().forecast(1);
    let shift = 2.0 * alpha * (1.0 - alpha).powi(14);
    // Tuesday 00:00: the week-one value (0) plus the level's remaining shift.
    assert!((level.intervals[0].contacts - shift).abs() < 1e-12);
}

#[test]
fn holidays_are_not_learned_and_follow_the_rule() {
    let mut s = ContactSeries::new(&Utc, 3_600, monday(), at(14, 0)).unwrap();
    for day in 0..14 {
        s.add(at(day, 10), None, 10).unwrap();
    }
    // A Monday holiday in the history with nothing (not learned from), one ahead.
    let holiday = NaiveDate::from_ymd_opt(2025, 3, 10).unwrap();
    let ahead = NaiveDate::from_ymd_opt(2025, 3, 18).unwrap(); // a Tuesday
    let mut s2 = ContactSeries::new(&Utc, 3_600, monday(), at(14, 0)).unwrap();
    for day in (0..14).filter(|d| *d != 7) {
        s2.add(at(day, 10), None, 10).unwrap();
    }
    let config = ForecastConfig {
        holidays: vec![holiday, ahead],
        holiday_rule: HolidayRule::Closed,
        ..fixed(0.1, 0.1, 0.1)
    };
    let clean = s.fit(&Utc, &fixed(0.1, 0.1, 0.1)).unwrap().forecast(7 * 24);
    let skipped = s2.fit(&Utc, &config).unwrap().forecast(7 * 24);
    // The empty holiday taught nothing: Monday 10:00 ahead is 10 either way.
    assert!((skipped.intervals[10].contacts - 10.0).abs() < 1e-9);
    assert!((clean.intervals[10].contacts - 10.0).abs() < 1e-9);
    // The Tuesday holiday ahead is closed.
    assert_eq!(skipped.intervals[24 + 10].contacts, 0.0);
    // Like a Sunday: Sunday had 10 at 10:00 too here, so 10.
    let like = ForecastConfig {
        holiday_rule: HolidayRule::Like(chrono::Weekday::Sun),
        ..config
    };
    let f = s2.fit(&Utc, &like).unwrap().forecast(7 * 24);
    assert!((f.intervals[24 + 10].contacts - 10.0).abs() < 1e-9);
}

#[test]
fn intervals_follow_the_local_clock_across_dst() {
    let ny: chrono_tz::Tz = "America/New_York".parse().unwrap();
    // 2025-03-09: clocks forward at 02:00 (23 h); 2025-11-02: back at 02:00 (25 h).
    for (date, hours) in [((2025, 3, 9), 23), ((2025, 11, 2), 25)] {
        let day = NaiveDate::from_ymd_opt(date.0, date.1, date.2).unwrap();
        let from = ny
            .from_local_datetime(&day.and_hms_opt(0, 0, 0).unwrap())
            .unwrap();
        let to = ny
            .from_local_datetime(&day.succ_opt().unwrap().and_hms_opt(0, 0, 0).unwrap())
            .unwrap();
        let s = ContactSeries::new(&ny, 1_800, from.with_timezone(&Utc), to.with_timezone(&Utc))
            .unwrap();
        assert_eq!(s.len(), hours * 2, "{day}");
        assert!(s.slots().iter().all(|slot| slot.date == day));
        if hours == 23 {
            // 02:00 and 02:30 do not exist.
            assert!(
                !s.slots()
                    .iter()
                    .any(|slot| slot.slot == 4 || slot.slot == 5)
            );
        } else {
            // 01:00 and 01:30 happen twice, as two intervals each.
            assert_eq!(s.slots().iter().filter(|slot| slot.slot == 2).count(), 2);
        }
    }
}

#[test]
fn a_forecast_across_dst_keeps_the_weekly_cycle_on_local_time() {
    let ny: chrono_tz::Tz = "America/New_York".parse().unwrap();
    // Three weeks before the spring change, contacts at 09:00 local every day.
    let first = NaiveDate::from_ymd_opt(2025, 2, 16).unwrap();
    let local = |d: NaiveDate, h| {
        ny.from_local_datetime(&d.and_hms_opt(h, 0, 0).unwrap())
            .unwrap()
            .with_timezone(&Utc)
    };
    let until = first + TimeDelta::days(21);
    let mut s = ContactSeries::new(&ny, 3_600, local(first, 0), local(until, 0)).unwrap();
    let mut d = first;
    while d < until {
        s.add(local(d, 9), None, 5).unwrap();
        d = d.succ_opt().unwrap();
    }
    let f = s
        .fit(&ny, &ForecastConfig::default())
        .unwrap()
        .forecast(14 * 24);
    // The forecast's 09:00 local on the days after the change (9 March) is the busy one.
    for (row, slot) in f.intervals.iter().zip(&f.slots) {
        let busy = slot.slot == 9;
        assert_eq!(row.contacts > 2.5, busy, "{slot:?}: {}", row.contacts);
    }
    // 9 March has 23 intervals.
    let march9 = NaiveDate::from_ymd_opt(2025, 3, 9).unwrap();
    assert_eq!(f.slots.iter().filter(|s| s.date == march9).count(), 23);
}

#[test]
fn bad_input_is_an_error() {
    assert!(ContactSeries::new(&Utc, 7 * 60, monday(), at(7, 0)).is_err());
    assert!(ContactSeries::new(&Utc, 7_200, monday(), at(7, 0)).is_err());
    assert!(ContactSeries::new(&Utc, 900, monday(), monday() + TimeDelta::days(365 * 80)).is_err());
    let mut s = ContactSeries::new(&Utc, 3_600, monday(), at(1, 0)).unwrap();
    assert!(s.add(at(0, 1), Some(f64::NAN), 1).is_err());
    assert!(s.add(at(0, 1), Some(-1.0), 1).is_err());
    // Outside the span: counted, not added.
    assert!(!s.add(at(3, 1), None, 2).unwrap());
    assert_eq!(s.outside(), 2);
    assert_eq!(s.contacts().iter().sum::<f64>(), 0.0);
    // Too short to learn from.
    assert!(s.fit(&Utc, &ForecastConfig::default()).is_err());
    let mut bad = fixed(0.1, 0.1, 0.1);
    bad.smoothing.as_mut().unwrap().level = 1.5;
    let long = ContactSeries::new(&Utc, 3_600, monday(), at(7, 0)).unwrap();
    assert!(long.fit(&Utc, &bad).is_err());
}

/// Six weeks of a generated call log (weekday × hour seasonality, Poisson noise): learned
/// on five, scored on the sixth, the model beats the same slot last week.
#[test]
fn beats_seasonal_naive_on_a_generated_log() {
    let mut config = csm_metrics_synth::Config::new(7, 1, 42);
    config.start = monday();
    let calls = csm_metrics_synth::calls(&config, 60_000);
    let end = monday() + TimeDelta::weeks(6);
    let mut s = ContactSeries::new(&Utc, 1_800, monday(), end).unwrap();
    for c in &calls {
        s.add_call(c).unwrap();
    }
    assert_eq!(
        s.outside() + s.contacts().iter().sum::<f64>() as u64,
        60_000
    );
    let (learn, held) = s.split_at(monday() + TimeDelta::weeks(5));
    let model = learn.fit(&Utc, &ForecastConfig::default()).unwrap();
    let ours = Accuracy::of(&model.forecast(held.len()), &held).unwrap();
    let naive = Accuracy::of(&learn.seasonal_naive(&Utc, held.len()), &held).unwrap();
    let (a, b) = (ours.overall.wape.unwrap(), naive.overall.wape.unwrap());
    assert!(a < b, "WAPE {a} vs seasonal naive {b}");
    assert!(ours.overall.bias.unwrap().abs() < 0.05);
    assert_eq!(ours.by_day.len(), 7);
    assert_eq!(
        ours.by_day.iter().map(|d| d.intervals).sum::<usize>(),
        held.len()
    );
}
