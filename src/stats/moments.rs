//! Exact count, sum, mean, variance, min and max of whole-second durations.

use crate::error::{Error, Result};

const WHAT: &str = "duration moments";

/// Exact moments of a multiset of durations in whole seconds.
///
/// Sums are kept in `u128`, so they are exact and cannot overflow for any realistic input:
/// 10⁹ values of 10⁹ s sum to 10¹⁸ and their squares to 10²⁷, far below 3.4·10³⁸. The mean
/// and variance are computed from the exact integer sums, so merging shards gives bit for
/// bit the same mean as one pass.
///
/// Values can be removed again ([`remove`](Self::remove)); count, sum, mean and variance
/// stay exact. The minimum and maximum cannot be restored after the current extreme is
/// removed: [`min`](Self::min) / [`max`](Self::max) then return `None` ("not known
/// exactly") until the state is emptied, and summaries fall back to their sketch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(try_from = "MomentsRepr", into = "MomentsRepr")
)]
pub struct DurationMoments {
    count: u64,
    sum: u128,
    sum_sq: u128,
    min: u64,
    max: u64,
    min_exact: bool,
    max_exact: bool,
}

impl DurationMoments {
    /// Adds one duration in seconds.
    #[inline]
    pub fn add(&mut self, seconds: u64) -> Result<()> {
        let v = u128::from(seconds);
        let (Some(count), Some(sum), Some(sum_sq)) = (
            self.count.checked_add(1),
            self.sum.checked_add(v),
            self.sum_sq.checked_add(v * v),
        ) else {
            return Err(Error::Overflow { what: WHAT });
        };
        if self.count == 0 {
            self.min = seconds;
            self.max = seconds;
            self.min_exact = true;
            self.max_exact = true;
        } else {
            self.min = self.min.min(seconds);
            self.max = self.max.max(seconds);
        }
        self.count = count;
        self.sum = sum;
        self.sum_sq = sum_sq;
        Ok(())
    }

    /// Removes one duration added before. Removing from an empty state, or a value outside
    /// the range held, is an error and changes nothing.
    pub fn remove(&mut self, seconds: u64) -> Result<()> {
        let v = u128::from(seconds);
        if self.count == 0 || seconds < self.min || seconds > self.max || self.sum < v {
            return Err(Error::NotPresent {
                what: WHAT,
                value: seconds as f64,
            });
        }
        self.count -= 1;
        self.sum -= v;
        self.sum_sq = self.sum_sq.saturating_sub(v * v);
        if self.count == 0 {
            *self = Self::default();
            return Ok(());
        }
        // The extreme removed may have been the only one: no longer known exactly.
        if seconds == self.min {
            self.min_exact = false;
        }
        if seconds == self.max {
            self.max_exact = false;
        }
        Ok(())
    }

    /// Merges another state into this one.
    pub fn merge(&mut self, other: &Self) -> Result<()> {
        if other.count == 0 {
            return Ok(());
        }
        if self.count == 0 {
            *self = other.clone();
            return Ok(());
        }
        let (Some(count), Some(sum), Some(sum_sq)) = (
            self.count.checked_add(other.count),
            self.sum.checked_add(other.sum),
            self.sum_sq.checked_add(other.sum_sq),
        ) else {
            return Err(Error::Overflow { what: WHAT });
        };
        self.count = count;
        self.sum = sum;
        self.sum_sq = sum_sq;
        // The smaller bound wins; it is exact only if the state it came from knew it exactly
        // (an inexact bound is a lower bound for the minimum, an upper bound for the maximum).
        (self.min, self.min_exact) = pick(
            (self.min, self.min_exact),
            (other.min, other.min_exact),
            |a, b| a < b,
        );
        (self.max, self.max_exact) = pick(
            (self.max, self.max_exact),
            (other.max, other.max_exact),
            |a, b| a > b,
        );
        Ok(())
    }

    /// How many durations it holds.
    #[inline]
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The exact sum in seconds.
    #[inline]
    pub fn sum(&self) -> u128 {
        self.sum
    }

    /// The mean in seconds, `None` when empty.
    pub fn mean(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum as f64 / self.count as f64)
    }

    /// The sample variance (n − 1 in the denominator) in s², `None` with fewer than two
    /// values. Computed from the exact sums as (nΣx² − (Σx)²) / (n(n − 1)).
    pub fn variance(&self) -> Option<f64> {
        if self.count < 2 {
            return None;
        }
        let n = u128::from(self.count);
        // nΣx² ≥ (Σx)² always (Cauchy-Schwarz); both fit u128 up to ~10⁹ values of 10⁹ s, and
        // past that the checked product falls back to floating point.
        let exact = n
            .checked_mul(self.sum_sq)
            .zip(self.sum.checked_mul(self.sum))
            .map(|(a, b)| a.saturating_sub(b) as f64);
        let num = exact.unwrap_or_else(|| {
            let mean = self.sum as f64 / n as f64;
            (self.sum_sq as f64 - self.sum as f64 * mean).max(0.0) * n as f64
        });
        Some(num / (n as f64 * (n - 1) as f64))
    }

    /// The sample standard deviation in seconds.
    pub fn std_dev(&self) -> Option<f64> {
        self.variance().map(f64::sqrt)
    }

    /// The exact minimum, `None` when empty or after the minimum was removed.
    pub fn min(&self) -> Option<u64> {
        (self.count > 0 && self.min_exact).then_some(self.min)
    }

    /// The exact maximum, `None` when empty or after the maximum was removed.
    pub fn max(&self) -> Option<u64> {
        (self.count > 0 && self.max_exact).then_some(self.max)
    }
}

fn pick(a: (u64, bool), b: (u64, bool), better: impl Fn(u64, u64) -> bool) -> (u64, bool) {
    if better(a.0, b.0) {
        a
    } else if better(b.0, a.0) {
        b
    } else {
        (a.0, a.1 || b.1)
    }
}

#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
struct MomentsRepr {
    count: u64,
    sum: u128,
    sum_sq: u128,
    min: u64,
    max: u64,
    min_exact: bool,
    max_exact: bool,
}

#[cfg(feature = "serde")]
impl From<DurationMoments> for MomentsRepr {
    fn from(m: DurationMoments) -> Self {
        MomentsRepr {
            count: m.count,
            sum: m.sum,
            sum_sq: m.sum_sq,
            min: m.min,
            max: m.max,
            min_exact: m.min_exact,
            max_exact: m.max_exact,
        }
    }
}

#[cfg(feature = "serde")]
impl TryFrom<MomentsRepr> for DurationMoments {
    type Error = Error;
    fn try_from(r: MomentsRepr) -> Result<Self> {
        let m = DurationMoments {
            count: r.count,
            sum: r.sum,
            sum_sq: r.sum_sq,
            min: r.min,
            max: r.max,
            min_exact: r.min_exact,
            max_exact: r.max_exact,
        };
        if m.count == 0 {
            if m != DurationMoments::default() {
                return Err(Error::corrupt(WHAT, "an empty state with sums or bounds"));
            }
            return Ok(m);
        }
        let n = u128::from(m.count);
        let ok = m.min <= m.max
            && m.sum >= n * u128::from(m.min)
            && m.sum <= n * u128::from(m.max)
            && m.sum_sq >= m.sum.checked_mul(m.sum).map_or(0, |s2| s2 / n)
            && m.sum_sq <= m.sum * u128::from(m.max);
        if !ok {
            return Err(Error::corrupt(
                WHAT,
                "count, sums and bounds do not agree (min ≤ mean ≤ max, Σx² ≥ (Σx)²/n)",
            ));
        }
        Ok(m)
    }
}

impl crate::calculator::Calculator for DurationMoments {
    type Record = u64;
    /// The moments are their own snapshot.
    type Snapshot = DurationMoments;

    #[inline]
    fn observe(&mut self, seconds: &u64) -> Result<()> {
        self.add(*seconds)
    }

    fn merge(&mut self, other: &Self) -> Result<()> {
        DurationMoments::merge(self, other)
    }

    fn snapshot(&self) -> DurationMoments {
        self.clone()
    }
}
