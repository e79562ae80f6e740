//! Retention ([contract](crate::contract) "Retention and team health"): customer retention and churn, gross
//! and net revenue retention, churn reasons, at-risk accounts saved or lost, cohort
//! retention by start month, and churn split by a support-experience band (CSAT, FRT).
//!
//! [`Accounts`] keeps each customer's account events (started, renewed, expanded,
//! contracted, cancellation intent, churned; with recurring revenue where known) and
//! answers for any period `[from, to)`:
//!
//! - customers at start `S` (active just before `from`), new `N` (started in the period,
//!   restarts included), at end `E` (active just before `to`);
//! - **customer retention rate** = (E − N) / S; **churn rate** = customers active at start
//!   that churned in the period / S;
//! - **gross revenue retention** = Σ min(revenue at end, revenue at start) / Σ revenue at
//!   start, and **net revenue retention** = Σ revenue at end / Σ revenue at start, both over
//!   the customers active at start (a churned customer's revenue at end is 0);
//! - churn reasons counted (the caller's codes), and the accounts that signalled an intent
//!   to cancel in the period: **saved** (no churn after the intent by `to`) or **lost**.
//!
//! Memory: the events of every customer (about 32 bytes each); accounts are few beside
//! tickets. Events may come in any order; the same event twice counts once.
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use csm_metrics::metrics::retention::Accounts;
//! use csm_metrics::{AccountEvent, AccountEventKind::*, CustomerId};
//!
//! let day = |m, d| Utc.with_ymd_and_hms(2025, m, d, 0, 0, 0).unwrap();
//! let event = |c, at, kind, revenue| AccountEvent {
//!     revenue: Some(revenue),
//!     ..AccountEvent::new(CustomerId(c), at, kind)
//! };
//! let mut accounts = Accounts::default();
//! for e in [
//!     event(1, day(1, 5), Started, 10_000),
//!     event(2, day(1, 9), Started, 20_000),
//!     event(3, day(2, 1), Started, 5_000),
//!     event(1, day(3, 10), Expanded, 15_000),
//!     event(2, day(3, 20), Churned, 0),
//!     event(4, day(3, 25), Started, 8_000),
//! ] {
//!     accounts.observe(&e)?;
//! }
//! // March: 3 at start (1, 2, 3), 1 new (4), 3 at end (1, 3, 4), 1 churned (2).
//! let march = accounts.period(day(3, 1), day(4, 1));
//! assert_eq!((march.at_start, march.new, march.at_end, march.churned), (3, 1, 3, 1));
//! assert_eq!(march.retention_rate, Some(2.0 / 3.0));
//! // Revenue at start 35,000; at end 15,000 + 0 + 5,000: NRR 20/35, GRR 15/35.
//! assert_eq!(march.net_revenue_retention, Some(20.0 / 35.0));
//! assert_eq!(march.gross_revenue_retention, Some(15.0 / 35.0));
//! # Ok::<(), csm_metrics::Error>(())
//! ```

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};

use crate::aggregate::{FastHash, Granularity, PerGroup, window_bounds};
use crate::calculator::Calculator;
use crate::error::{Error, Result};
use crate::model::{AccountEvent, AccountEventKind, CustomerId};
use crate::zone::Zone;

const WHAT: &str = "accounts";

/// One stored event: instant, kind, revenue, reason.
type Stored = (i64, AccountEventKind, Option<i64>, Option<u16>);

/// Customers' account events, and the retention figures of any period. See the
/// [module docs](self).
#[derive(Debug, Clone, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(remote = "Self"))]
pub struct Accounts {
    customers: BTreeMap<CustomerId, Vec<Stored>>,
    duplicates: u64,
}

/// The retention figures of a period `[from, to)`.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RetentionSnapshot {
    /// The period's start.
    pub from: DateTime<Utc>,
    /// The period's end (excluded).
    pub to: DateTime<Utc>,
    /// Customers active just before `from`.
    pub at_start: u64,
    /// Customers who started in the period (restarts included).
    pub new: u64,
    /// Customers active just before `to`.
    pub at_end: u64,
    /// Customers active at start who churned in the period.
    pub churned: u64,
    /// (at end − new) / at start.
    pub retention_rate: Option<f64>,
    /// churned / at start.
    pub churn_rate: Option<f64>,
    /// Recurring revenue of the customers active at start, at start (minor units).
    pub revenue_at_start: i64,
    /// The same customers' recurring revenue at end (0 for those churned).
    pub revenue_at_end: i64,
    /// Σ min(end, start) / Σ start over the customers active at start.
    pub gross_revenue_retention: Option<f64>,
    /// Σ end / Σ start over the customers active at start.
    pub net_revenue_retention: Option<f64>,
    /// Churn events in the period by reason code (`None`: no reason given).
    pub churn_reasons: PerGroup<Option<u16>, u64>,
    /// Customers who signalled an intent to cancel in the period and had not churned
    /// after it by `to`.
    pub saved: u64,
    /// Customers who signalled an intent to cancel in the period and churned after it.
    pub lost: u64,
    /// saved / (saved + lost).
    pub saved_share: Option<f64>,
}

/// One row of a cohort table: customers who first started in a window, and how many were
/// still active at the end of each later window.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CohortRow {
    /// The cohort's window (its first instant).
    pub cohort: DateTime<Utc>,
    /// Customers in it.
    pub customers: u64,
    /// Active at the end of the cohort's window, the next one, and so on up to `until`.
    pub active: Vec<u64>,
    /// `active` as shares of `customers`.
    pub retained: Vec<f64>,
}

/// Churn among customers of one band of a score (a CSAT or FRT band).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct BandRow {
    /// The band's lower edge (`None`: below the first edge).
    pub from: Option<f64>,
    /// The band's upper edge, excluded (`None`: no upper edge).
    pub to: Option<f64>,
    /// Customers active at the period's start with a score in the band.
    pub customers: u64,
    /// Of them, those who churned in the period.
    pub churned: u64,
    /// churned / customers.
    pub churn_rate: Option<f64>,
}

fn ratio(a: f64, b: f64) -> Option<f64> {
    (b > 0.0).then(|| a / b)
}

/// A customer's standing just before `t`: active, and the latest revenue known.
fn standing(events: &[Stored], t: i64) -> (bool, Option<i64>) {
    let mut active = false;
    let mut revenue = None;
    for (at, kind, rev, _) in events.iter().take_while(|e| e.0 < t) {
        let _ = at;
        match kind {
            AccountEventKind::Started => active = true,
            AccountEventKind::Churned => active = false,
            _ => {}
        }
        if rev.is_some() {
            revenue = *rev;
        }
    }
    (active, revenue)
}

#[cfg(feature = "serde")]
validated_serde!(Accounts);

impl Accounts {
    /// Checks that every customer's events are in order, once each, with instants in range
    /// and no negative revenue (what a deserialised state must satisfy).
    pub fn validate(&self) -> Result<()> {
        for (c, events) in &self.customers {
            let rule = if events.windows(2).any(|w| w[0] >= w[1]) {
                "events out of order or repeated"
            } else if events.iter().any(|e| e.2.is_some_and(|r| r < 0)) {
                "a negative revenue"
            } else if events
                .iter()
                .any(|e| DateTime::from_timestamp(e.0, 0).is_none())
            {
                "an instant out of range"
            } else {
                continue;
            };
            return Err(Error::corrupt(WHAT, format!("{c}: {rule}")));
        }
        Ok(())
    }

    /// Observes one account event (any order). A negative revenue is an error; the same
    /// event twice counts once.
    pub fn observe(&mut self, e: &AccountEvent) -> Result<()> {
        e.validate()?;
        let stored = (e.at.timestamp(), e.kind, e.revenue, e.reason);
        let events = self.customers.entry(e.customer).or_default();
        let at = events.partition_point(|x| x <= &stored);
        if at > 0 && events[at - 1] == stored {
            self.duplicates += 1;
            return Ok(());
        }
        events.insert(at, stored);
        Ok(())
    }

    /// Events seen twice (counted once).
    pub fn duplicates(&self) -> u64 {
        self.duplicates
    }

    /// Customers with at least one event.
    pub fn customers(&self) -> usize {
        self.customers.len()
    }

    /// Merges another set of events (shards by customer, or by time: a customer's events
    /// from both are put in order).
    pub fn merge(&mut self, other: &Self) -> Result<()> {
        let mut m = self.clone();
        for (c, events) in &other.customers {
            let mine = m.customers.entry(*c).or_default();
            for e in events {
                let at = mine.partition_point(|x| x <= e);
                if at > 0 && mine[at - 1] == *e {
                    m.duplicates += 1;
                } else {
                    mine.insert(at, *e);
                }
            }
        }
        m.duplicates = m
            .duplicates
            .checked_add(other.duplicates)
            .ok_or(Error::Overflow { what: WHAT })?;
        *self = m;
        Ok(())
    }

    /// The retention figures of `[from, to)`.
    pub fn period(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> RetentionSnapshot {
        let (a, b) = (from.timestamp(), to.timestamp());
        let (mut at_start, mut new, mut at_end, mut churned) = (0u64, 0u64, 0u64, 0u64);
        let (mut rev_start, mut rev_end, mut rev_kept) = (0i128, 0i128, 0i128);
        let mut reasons: BTreeMap<Option<u16>, u64> = BTreeMap::new();
        let (mut saved, mut lost) = (0u64, 0u64);
        for events in self.customers.values() {
            let (was, start_rev) = standing(events, a);
            let (is, end_rev) = standing(events, b);
            let inside = events.iter().filter(|e| a <= e.0 && e.0 < b);
            let mut churned_here = false;
            let mut intent: Option<i64> = None;
            let mut churned_after_intent = false;
            let mut started_here = false;
            for (at, kind, _, reason) in inside {
                match kind {
                    AccountEventKind::Started => started_here = true,
                    AccountEventKind::Churned => {
                        churned_here = true;
                        *reasons.entry(*reason).or_insert(0) += 1;
                        if intent.is_some_and(|i| i <= *at) {
                            churned_after_intent = true;
                        }
                    }
                    AccountEventKind::CancellationIntent => {
                        intent.get_or_insert(*at);
                    }
                    _ => {}
                }
            }
            at_start += u64::from(was);
            at_end += u64::from(is);
            new += u64::from(started_here);
            if was {
                churned += u64::from(churned_here);
                let s = i128::from(start_rev.unwrap_or(0));
                let e = if is {
                    i128::from(end_rev.unwrap_or(0))
                } else {
                    0
                };
                rev_start += s;
                rev_end += e;
                rev_kept += e.min(s);
            }
            if intent.is_some() {
                if churned_after_intent {
                    lost += 1;
                } else {
                    saved += 1;
                }
            }
        }
        let clamp = |v: i128| i64::try_from(v).unwrap_or(i64::MAX);
        RetentionSnapshot {
            from,
            to,
            at_start,
            new,
            at_end,
            churned,
            retention_rate: ratio(at_end as f64 - new as f64, at_start as f64),
            churn_rate: ratio(churned as f64, at_start as f64),
            revenue_at_start: clamp(rev_start),
            revenue_at_end: clamp(rev_end),
            gross_revenue_retention: ratio(rev_kept as f64, rev_start as f64),
            net_revenue_retention: ratio(rev_end as f64, rev_start as f64),
            churn_reasons: reasons.into(),
            saved,
            lost,
            saved_share: ratio(saved as f64, (saved + lost) as f64),
        }
    }

    /// The first and the latest instant of any event (`None` when empty).
    pub fn span(&self) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let first = self
            .customers
            .values()
            .filter_map(|e| e.first())
            .map(|e| e.0)
            .min()?;
        let last = self
            .customers
            .values()
            .filter_map(|e| e.last())
            .map(|e| e.0)
            .max()?;
        Some((
            DateTime::from_timestamp(first, 0)?,
            DateTime::from_timestamp(last, 0)?,
        ))
    }

    /// The cohort table: customers by the window (e.g. month, in `zone`) of their first
    /// start, and how many were active at the end of that window and of each later one, up
    /// to the window holding `until`.
    pub fn cohorts<Z: Zone>(
        &self,
        granularity: Granularity,
        zone: &Z,
        until: DateTime<Utc>,
    ) -> Vec<CohortRow> {
        let window_of =
            |t: i64| DateTime::from_timestamp(t, 0).map(|at| window_bounds(granularity, zone, at));
        let Some((_, last_end)) = window_of(until.timestamp()) else {
            return Vec::new();
        };
        let mut by_cohort: BTreeMap<i64, Vec<&Vec<Stored>>> = BTreeMap::new();
        for events in self.customers.values() {
            if let Some(first) = events.iter().find(|e| e.1 == AccountEventKind::Started) {
                if let Some((start, _)) = window_of(first.0) {
                    if start < last_end {
                        by_cohort.entry(start).or_default().push(events);
                    }
                }
            }
        }
        by_cohort
            .into_iter()
            .filter_map(|(start, members)| {
                let (_, mut end) = window_of(start)?;
                let mut active = Vec::new();
                loop {
                    active.push(members.iter().filter(|e| standing(e, end).0).count() as u64);
                    if end >= last_end {
                        break;
                    }
                    end = window_of(end)?.1;
                }
                let n = members.len() as u64;
                Some(CohortRow {
                    cohort: DateTime::from_timestamp(start, 0)?,
                    customers: n,
                    retained: active.iter().map(|a| *a as f64 / n as f64).collect(),
                    active,
                })
            })
            .collect()
    }

    /// Churn in `[from, to)` of the customers active at `from`, split by bands of a score
    /// the caller gives per customer (their CSAT or first response time over the prior
    /// period, say). `edges` are the bands' sorted lower edges; customers without a score
    /// are left out.
    pub fn churn_by_band(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        score: impl Fn(CustomerId) -> Option<f64>,
        edges: &[f64],
    ) -> Result<Vec<BandRow>> {
        // Finite edges first, so that "not increasing" is a plain comparison.
        if edges.iter().any(|e| !e.is_finite()) || edges.windows(2).any(|w| w[0] >= w[1]) {
            return Err(Error::config(
                WHAT,
                "band edges must be finite and increasing",
            ));
        }
        let (a, b) = (from.timestamp(), to.timestamp());
        let mut counts = vec![(0u64, 0u64); edges.len() + 1];
        for (c, events) in &self.customers {
            if !standing(events, a).0 {
                continue;
            }
            let Some(s) = score(*c).filter(|s| s.is_finite()) else {
                continue;
            };
            let band = edges.partition_point(|e| *e <= s);
            let churned = events
                .iter()
                .any(|e| a <= e.0 && e.0 < b && e.1 == AccountEventKind::Churned);
            counts[band].0 += 1;
            counts[band].1 += u64::from(churned);
        }
        Ok(counts
            .into_iter()
            .enumerate()
            .map(|(i, (customers, churned))| BandRow {
                from: i.checked_sub(1).map(|j| edges[j]),
                to: edges.get(i).copied(),
                customers,
                churned,
                churn_rate: ratio(churned as f64, customers as f64),
            })
            .collect())
    }
}

impl Calculator for Accounts {
    type Record = AccountEvent;
    type Snapshot = RetentionSnapshot;

    fn observe(&mut self, e: &AccountEvent) -> Result<()> {
        Accounts::observe(self, e)
    }

    fn merge(&mut self, other: &Self) -> Result<()> {
        Accounts::merge(self, other)
    }

    /// The retention figures of the whole span seen: from the first event to just after
    /// the latest (use [`period`](Accounts::period) for any other period).
    fn snapshot(&self) -> RetentionSnapshot {
        let (from, to) = self.span().unwrap_or_default();
        self.period(from, to + chrono::TimeDelta::seconds(1))
    }
}

/// Customers' scores from a grouped calculator's snapshot, for
/// [`Accounts::churn_by_band`]: e.g. each customer's CSAT from a
/// `Grouped<_, CustomerSatisfaction, ByCustomer>`.
pub fn scores_by_customer<S>(
    groups: &BTreeMap<Option<CustomerId>, S>,
    score: impl Fn(&S) -> Option<f64>,
) -> HashMap<CustomerId, f64, FastHash> {
    groups
        .iter()
        .filter_map(|(c, s)| Some(((*c)?, score(s)?)))
        .collect()
}
