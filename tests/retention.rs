//! Retention worked by hand: periods, revenue retention, reasons, saves, cohorts, churn by
//! CSAT band; merges and order.

use chrono::{DateTime, TimeZone, Utc};
use csm_metrics::metrics::retention::{Accounts, scores_by_customer};
use csm_metrics::{AccountEvent, AccountEventKind::*, *};
use proptest::prelude::*;

fn day(m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, m, d, 0, 0, 0).unwrap()
}

fn ev(
    c: u64,
    at: DateTime<Utc>,
    kind: AccountEventKind,
    revenue: Option<i64>,
    reason: Option<u16>,
) -> AccountEvent {
    AccountEvent {
        revenue,
        reason,
        ..AccountEvent::new(CustomerId(c), at, kind)
    }
}

fn book() -> Vec<AccountEvent> {
    vec![
        // January cohort: 1, 2, 3. February cohort: 4, 5.
        ev(1, day(1, 3), Started, Some(10_000), None),
        ev(2, day(1, 10), Started, Some(20_000), None),
        ev(3, day(1, 20), Started, Some(30_000), None),
        ev(4, day(2, 2), Started, Some(5_000), None),
        ev(5, day(2, 14), Started, Some(5_000), None),
        // February: 3 contracts to 20,000; 2 signals an intent, then churns (reason 7).
        ev(3, day(2, 5), Contracted, Some(20_000), None),
        ev(2, day(2, 10), CancellationIntent, None, Some(7)),
        ev(2, day(2, 20), Churned, Some(0), Some(7)),
        // 1 signals an intent and is saved (renews with an expansion).
        ev(1, day(2, 11), CancellationIntent, None, Some(3)),
        ev(1, day(2, 25), Expanded, Some(12_000), None),
        // March: 4 churns (no reason); 2 comes back.
        ev(4, day(3, 3), Churned, None, None),
        ev(2, day(3, 15), Started, Some(8_000), None),
    ]
}

fn accounts() -> Accounts {
    let mut a = Accounts::default();
    for e in book() {
        a.observe(&e).unwrap();
    }
    a
}

#[test]
fn february_by_hand() {
    let feb = accounts().period(day(2, 1), day(3, 1));
    // At start 1, 2, 3; new 4, 5; at end 1, 3, 4, 5; churned 2.
    assert_eq!(
        (feb.at_start, feb.new, feb.at_end, feb.churned),
        (3, 2, 4, 1)
    );
    assert_eq!(feb.retention_rate, Some((4.0 - 2.0) / 3.0));
    assert_eq!(feb.churn_rate, Some(1.0 / 3.0));
    // Revenue of 1, 2, 3: 60,000 at start; at end 12,000 + 0 + 20,000 = 32,000.
    assert_eq!((feb.revenue_at_start, feb.revenue_at_end), (60_000, 32_000));
    assert_eq!(feb.net_revenue_retention, Some(32.0 / 60.0));
    // Gross: min(12,000, 10,000) + 0 + 20,000 = 30,000.
    assert_eq!(feb.gross_revenue_retention, Some(0.5));
    assert_eq!(feb.churn_reasons[&Some(7)], 1);
    assert_eq!((feb.saved, feb.lost, feb.saved_share), (1, 1, Some(0.5)));
}

#[test]
fn march_counts_a_return_as_new() {
    let mar = accounts().period(day(3, 1), day(4, 1));
    // At start 1, 3, 4, 5; new 2 (back); at end 1, 2, 3, 5; churned 4 (no reason).
    assert_eq!(
        (mar.at_start, mar.new, mar.at_end, mar.churned),
        (4, 1, 4, 1)
    );
    assert_eq!(mar.retention_rate, Some(0.75));
    assert_eq!(mar.churn_reasons[&None], 1);
    assert_eq!((mar.saved, mar.lost, mar.saved_share), (0, 0, None));
}

#[test]
fn cohorts_by_month() {
    let rows = accounts().cohorts(Granularity::Month, &Utc, day(3, 20));
    assert_eq!(rows.len(), 2);
    // January (1, 2, 3): end of Jan 3, Feb 2 (2 churned), Mar 3 (2 back).
    assert_eq!(rows[0].cohort, day(1, 1));
    assert_eq!(
        (rows[0].customers, rows[0].active.clone()),
        (3, vec![3, 2, 3])
    );
    // February (4, 5): end of Feb 2, Mar 1.
    assert_eq!((rows[1].customers, rows[1].active.clone()), (2, vec![2, 1]));
    assert_eq!(rows[1].retained, vec![1.0, 0.5]);
}

#[test]
fn churn_by_csat_band() {
    // CSAT per customer from survey responses: 1 and 3 happy, 2 and 4 unhappy, 5 none.
    let mut csat = Grouped::<_, CustomerSatisfaction, ByCustomer>::default();
    for (id, c, score) in [(1, 1, 5), (2, 2, 1), (3, 3, 4), (4, 4, 2), (5, 2, 2)] {
        csat.observe(&SurveyResponse {
            customer: Some(CustomerId(c)),
            ..SurveyResponse::new(SurveyId(id), day(1, 28), SurveyScore::Csat(score))
        })
        .unwrap();
    }
    let scores = scores_by_customer(&csat.snapshot(), |s| s.score);
    let rows = accounts()
        .churn_by_band(day(2, 1), day(4, 1), |c| scores.get(&c).copied(), &[50.0])
        .unwrap();
    // Active on 1 Feb: 1, 2, 3 (4 and 5 not yet). Below 50 %: 2 (churned). From 50 %: 1, 3.
    assert_eq!(
        (rows[0].customers, rows[0].churned, rows[0].churn_rate),
        (1, 1, Some(1.0))
    );
    assert_eq!(
        (rows[1].from, rows[1].customers, rows[1].churned),
        (Some(50.0), 2, 0)
    );
    assert!(
        accounts()
            .churn_by_band(day(2, 1), day(4, 1), |_| None, &[50.0, 40.0])
            .is_err()
    );
}

#[test]
fn refused_and_repeated_events() {
    let mut a = accounts();
    assert!(
        a.observe(&ev(9, day(1, 1), Started, Some(-5), None))
            .is_err()
    );
    a.observe(&book()[0]).unwrap();
    assert_eq!(a.duplicates(), 1);
    assert_eq!(
        a.period(day(2, 1), day(3, 1)),
        accounts().period(day(2, 1), day(3, 1))
    );
}

#[cfg(feature = "serde")]
#[test]
fn a_stored_book_is_checked() {
    let v = serde_json::to_value(accounts()).unwrap();
    let back: Accounts = serde_json::from_value(v.clone()).unwrap();
    assert_eq!(back, accounts());
    let mut t = v.clone();
    let events = t["customers"]["1"].as_array_mut().unwrap();
    events.reverse();
    let err = serde_json::from_value::<Accounts>(t)
        .unwrap_err()
        .to_string();
    assert!(err.contains("out of order"), "{err}");
    let mut t = v;
    t["customers"]["3"][0][2] = serde_json::json!(-1);
    let err = serde_json::from_value::<Accounts>(t)
        .unwrap_err()
        .to_string();
    assert!(err.contains("negative revenue"), "{err}");
}

proptest! {
    /// Any order, any split into shards: the same figures.
    #[test]
    fn order_and_shards_do_not_matter(seed in any::<u64>(), cut in 0usize..13) {
        let mut events = book();
        let mut rng = csm_metrics_synth::Rng::new(seed);
        for i in (1..events.len()).rev() {
            events.swap(i, rng.below(i as u64 + 1) as usize);
        }
        let (mut x, mut y) = (Accounts::default(), Accounts::default());
        for e in &events[..cut.min(events.len())] {
            x.observe(e).unwrap();
        }
        for e in &events[cut.min(events.len())..] {
            y.observe(e).unwrap();
        }
        y.merge(&x).unwrap();
        prop_assert_eq!(&y, &accounts());
        prop_assert_eq!(y.period(day(2, 1), day(3, 1)), accounts().period(day(2, 1), day(3, 1)));
    }
}
