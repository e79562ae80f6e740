//! Calendar windows in real time zones (DST days, ISO weeks, months, a midnight gap) and
//! grouping.

use chrono::{DateTime, TimeZone, Utc};
#[cfg(feature = "tz")]
use chrono_tz::America::{New_York, Santiago};
use csm_metrics::*;

fn nps_at(id: u64, at: DateTime<Utc>, score: u8) -> SurveyResponse {
    SurveyResponse::new(SurveyId(id), at, SurveyScore::Nps(score))
}

fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

#[cfg(feature = "tz")]
#[test]
fn new_york_days_across_dst() {
    let mut daily = Windowed::<NetPromoterScore, chrono_tz::Tz>::new(Granularity::Day, New_York);
    // 2025-03-09 (spring forward) and 2025-11-02 (fall back), local noon and 23:30.
    for (i, at) in [
        utc(2025, 3, 9, 16, 0),  // 12:00 EDT
        utc(2025, 3, 10, 3, 30), // 23:30 EDT on the 9th
        utc(2025, 3, 10, 4, 0),  // 00:00 EDT on the 10th
        utc(2025, 11, 2, 5, 30), // 01:30 EDT, first pass of the fold
        utc(2025, 11, 2, 6, 30), // 01:30 EST, second pass
        utc(2025, 11, 3, 4, 59), // 23:59 EST on the 2nd
    ]
    .into_iter()
    .enumerate()
    {
        daily.observe(&nps_at(i as u64, at, 10)).unwrap();
    }
    let days = daily.snapshot();
    let spans: Vec<(DateTime<Utc>, i64, u64)> = days
        .iter()
        .map(|w| (w.start, (w.end - w.start).num_hours(), w.value.responses))
        .collect();
    assert_eq!(
        spans,
        vec![
            (utc(2025, 3, 9, 5, 0), 23, 2), // midnight EST to midnight EDT: 23 h
            (utc(2025, 3, 10, 4, 0), 24, 1),
            (utc(2025, 11, 2, 4, 0), 25, 3), // midnight EDT to midnight EST: 25 h
        ]
    );
}

#[cfg(feature = "tz")]
#[test]
fn a_day_whose_midnight_does_not_exist() {
    // Santiago springs forward at 2025-09-07 00:00 local (-04 → -03): the day starts at
    // 01:00 -03 = 04:00 UTC, the first instant after the gap.
    let mut daily = Windowed::<NetPromoterScore, chrono_tz::Tz>::new(Granularity::Day, Santiago);
    daily
        .observe(&nps_at(1, utc(2025, 9, 7, 12, 0), 9))
        .unwrap();
    let (start, end) = daily.window_of(utc(2025, 9, 7, 12, 0));
    assert_eq!(start, utc(2025, 9, 7, 4, 0));
    assert_eq!(end, utc(2025, 9, 8, 3, 0));
    assert_eq!(daily.snapshot()[0].start, start);
}

#[test]
fn iso_weeks_and_months() {
    let mut weekly = Windowed::<NetPromoterScore>::new(Granularity::IsoWeek, Utc);
    // Sunday 2025-01-05 and Monday 2025-01-06 fall in different ISO weeks.
    weekly
        .observe(&nps_at(1, utc(2025, 1, 5, 23, 59), 9))
        .unwrap();
    weekly
        .observe(&nps_at(2, utc(2025, 1, 6, 0, 0), 9))
        .unwrap();
    weekly
        .observe(&nps_at(3, utc(2024, 12, 30, 0, 0), 9))
        .unwrap();
    let starts: Vec<_> = weekly
        .snapshot()
        .iter()
        .map(|w| (w.start, w.value.responses))
        .collect();
    assert_eq!(
        starts,
        vec![(utc(2024, 12, 30, 0, 0), 2), (utc(2025, 1, 6, 0, 0), 1)]
    );
}

#[cfg(feature = "tz")]
#[test]
fn new_york_months() {
    let mut monthly =
        Windowed::<NetPromoterScore, chrono_tz::Tz>::new(Granularity::Month, New_York);
    monthly
        .observe(&nps_at(1, utc(2025, 3, 1, 4, 59), 9))
        .unwrap(); // Feb 28 23:59 EST
    monthly
        .observe(&nps_at(2, utc(2025, 3, 1, 5, 0), 9))
        .unwrap(); // Mar 1 00:00 EST
    let months: Vec<_> = monthly
        .snapshot()
        .iter()
        .map(|w| (w.start, w.end))
        .collect();
    assert_eq!(
        months,
        vec![
            (utc(2025, 2, 1, 5, 0), utc(2025, 3, 1, 5, 0)),
            (utc(2025, 3, 1, 5, 0), utc(2025, 4, 1, 4, 0)),
        ]
    );
}

#[cfg(feature = "tz")]
#[test]
fn hour_windows_across_the_fold_cover_both_hours() {
    let hourly = Windowed::<NetPromoterScore, chrono_tz::Tz>::new(Granularity::Hour, New_York);
    // 01:00-02:00 local happens twice on 2025-11-02: one window of two real hours.
    let (start, end) = hourly.window_of(utc(2025, 11, 2, 6, 30));
    assert_eq!(
        (start, end),
        (utc(2025, 11, 2, 5, 0), utc(2025, 11, 2, 7, 0))
    );
    let (start, end) = hourly.window_of(utc(2025, 11, 2, 7, 30));
    assert_eq!(
        (start, end),
        (utc(2025, 11, 2, 7, 0), utc(2025, 11, 2, 8, 0))
    );
}

#[test]
fn out_of_order_records_land_in_their_windows() {
    let mut a = Windowed::<NetPromoterScore>::new(Granularity::Day, Utc);
    let mut b = a.clone();
    let records: Vec<_> = (0..200u64)
        .map(|i| {
            nps_at(
                i,
                utc(2025, 1, 1, 0, 0) + chrono::TimeDelta::hours((i * 37 % 200) as i64),
                10,
            )
        })
        .collect();
    for r in &records {
        a.observe(r).unwrap();
    }
    let mut sorted = records.clone();
    sorted.sort_by_key(|r| r.at);
    for r in &sorted {
        b.observe(r).unwrap();
    }
    assert_eq!(a, b);
    assert_eq!(a.len(), 9); // 200 hours span 9 calendar days
}

#[test]
fn grouping_by_caller_key_and_total() {
    let at = utc(2025, 1, 1, 12, 0);
    let mut by_team = Grouped::<TeamId, CustomerSatisfaction>::default();
    for (i, (team, score)) in [(1, 5), (1, 1), (2, 4), (3, 2)].into_iter().enumerate() {
        let r = SurveyResponse::new(SurveyId(i as u64), at, SurveyScore::Csat(score));
        by_team.observe_keyed(TeamId(team), &r).unwrap();
    }
    let snap = by_team.snapshot();
    assert_eq!(
        snap.keys().copied().collect::<Vec<_>>(),
        vec![TeamId(1), TeamId(2), TeamId(3)]
    );
    assert_eq!(snap[&TeamId(1)].score, Some(50.0));
    assert_eq!(by_team.total().unwrap().snapshot().score, Some(50.0));

    // A configured template configures every group.
    let mut thumbs = Grouped::<TeamId, CustomerSatisfaction>::new(
        CustomerSatisfaction::new(CsatScale::Thumbs).unwrap(),
    );
    let up = SurveyResponse::new(SurveyId(9), at, SurveyScore::Csat(1));
    thumbs.observe_keyed(TeamId(4), &up).unwrap();
    assert_eq!(thumbs.snapshot()[&TeamId(4)].scale, CsatScale::Thumbs);
    // A rejected record creates no group.
    let bad = SurveyResponse::new(SurveyId(10), at, SurveyScore::Csat(5));
    assert!(thumbs.observe_keyed(TeamId(5), &bad).is_err());
    assert_eq!(thumbs.len(), 1);
}

#[test]
fn records_without_the_key_are_kept_in_the_none_group() {
    let at = utc(2025, 1, 1, 12, 0);
    let mut by_agent = Grouped::<_, NetPromoterScore, ByAgent>::default();
    by_agent.observe(&nps_at(1, at, 10)).unwrap();
    by_agent
        .observe(&SurveyResponse {
            agent: Some(AgentId(3)),
            ..nps_at(2, at, 0)
        })
        .unwrap();
    let snap = by_agent.snapshot();
    assert_eq!(snap[&None].responses, 1);
    assert_eq!(snap[&Some(AgentId(3))].responses, 1);
}
