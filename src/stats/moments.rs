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
/// stay exact. The minimum and maximum are the smallest and largest values ever added,
/// with how many of them are still held: once every copy of an extreme has been removed,
/// the true extreme is no longer known, and [`min`](Self::min) / [`max`](Self::max) return
/// `None` (summaries then fall back to their sketch). This state is a function of the values
/// added and held, whatever the order or sharding, so one pass and merged shards agree.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(try_from = "MomentsRepr", into = "MomentsRepr")
)]
pub struct DurationMoments {
    count: u64,
    sum: u128,
    sum_sq: u128,
    /// The smallest value ever added, and how many copies of it are held.
    min: u64,
    min_held: u64,
    /// The largest value ever added, and how many copies of it are held.
    max: u64,
    max_held: u64,
}

impl Default for DurationMoments {
    fn default() -> Self {
        DurationMoments {
            count: 0,
            sum: 0,
            sum_sq: 0,
            min: u64::MAX,
            min_held: 0,
            max: 0,
            max_held: 0,
        }
    }
}

impl DurationMoments {
    /// Adds one duration in seconds.
    #[inline]
    pub fn add(&mut self, seconds: u64) -> Result<()> {
        let v = u128::from(seconds);
        let Some(count) = self.count.checked_add(1) else {
            return Err(Error::Overflow { what: WHAT });
        };
        // A value under 2³² s (136 years) adds less than 2⁶⁴ to either sum, which cannot
        // overflow one still under 2¹²⁷; anything else is checked.
        let (sum, sum_sq) = if seconds >> 32 == 0 && (self.sum | self.sum_sq) >> 127 == 0 {
            (self.sum + v, self.sum_sq + v * v)
        } else {
            let (Some(sum), Some(sum_sq)) =
                (self.sum.checked_add(v), self.sum_sq.checked_add(v * v))
            else {
                return Err(Error::Overflow { what: WHAT });
            };
            (sum, sum_sq)
        };
        if seconds < self.min {
            (self.min, self.min_held) = (seconds, 1);
        } else if seconds == self.min {
            self.min_held += 1;
        }
        if seconds > self.max {
            (self.max, self.max_held) = (seconds, 1);
        } else if seconds == self.max {
            self.max_held += 1;
        }
        self.count = count;
        self.sum = sum;
        self.sum_sq = sum_sq;
        Ok(())
    }

    /// Whether `n` more values under 2³² s can be added with
    /// [`add_small`](Self::add_small), which then cannot overflow.
    #[inline]
    pub(crate) fn has_room(&self, n: u64) -> bool {
        self.count <= u64::MAX - n && (self.sum | self.sum_sq) >> 126 == 0
    }

    /// Adds a value under 2³² s where [`has_room`](Self::has_room) said so.
    #[inline(always)]
    pub(crate) fn add_small(&mut self, seconds: u32) {
        let s = u64::from(seconds);
        let v = u128::from(seconds);
        self.count += 1;
        self.sum += v;
        self.sum_sq += v * v;
        if s < self.min {
            (self.min, self.min_held) = (s, 1);
        } else if s == self.min {
            self.min_held += 1;
        }
        if s > self.max {
            (self.max, self.max_held) = (s, 1);
        } else if s == self.max {
            self.max_held += 1;
        }
    }

    /// Removes one duration added before. Removing a value that cannot be held (outside the
    /// range ever added, an extreme with no copy left, more than the sum) is an error and
    /// changes nothing.
    pub fn remove(&mut self, seconds: u64) -> Result<()> {
        self.check_remove(seconds)?;
        let v = u128::from(seconds);
        self.count -= 1;
        self.sum -= v;
        self.sum_sq -= v * v;
        if seconds == self.min {
            self.min_held -= 1;
        }
        if seconds == self.max {
            self.max_held -= 1;
        }
        Ok(())
    }

    /// Whether [`remove`](Self::remove) would take `seconds` (an error naming it if not),
    /// changing nothing.
    #[inline]
    pub(crate) fn check_remove(&self, seconds: u64) -> Result<()> {
        let v = u128::from(seconds);
        let missing = self.count == 0
            || seconds < self.min
            || seconds > self.max
            || (seconds == self.min && self.min_held == 0)
            || (seconds == self.max && self.max_held == 0)
            || self.sum < v
            || self.sum_sq < v * v
            || !self.consistent_without(seconds);
        if missing {
            return Err(Error::NotPresent {
                what: WHAT,
                value: seconds as f64,
            });
        }
        Ok(())
    }

    /// Whether the state left by taking out one `seconds` (held, by the checks before) is
    /// one some values could give: every remaining value within the bounds, the sums in
    /// their ranges. A value never added can pass the per-value checks (a lossy summary
    /// cannot tell), and taking it out must not leave a state its own bytes would be
    /// refused for.
    fn consistent_without(&self, seconds: u64) -> bool {
        let v = u128::from(seconds);
        let n = u128::from(self.count - 1);
        let (sum, sum_sq) = (self.sum - v, self.sum_sq - v * v);
        if n == 0 {
            return sum == 0 && sum_sq == 0;
        }
        let (lo, hi) = (u128::from(self.min), u128::from(self.max));
        // Products that overflow cannot be checked here (they are far beyond real data).
        let within =
            |a: Option<u128>, b: u128, le: bool| a.is_none_or(|a| if le { a <= b } else { a >= b });
        within(n.checked_mul(lo), sum, true)
            && within(n.checked_mul(hi), sum, false)
            && within(sum.checked_mul(hi), sum_sq, false)
            && within(sum.checked_mul(sum).map(|s2| s2 / n), sum_sq, true)
    }

    /// Merges another state into this one.
    pub fn merge(&mut self, other: &Self) -> Result<()> {
        let (Some(count), Some(sum), Some(sum_sq)) = (
            self.count.checked_add(other.count),
            self.sum.checked_add(other.sum),
            self.sum_sq.checked_add(other.sum_sq),
        ) else {
            return Err(Error::Overflow { what: WHAT });
        };
        let (min, min_held) = if self.min < other.min {
            (self.min, self.min_held)
        } else if other.min < self.min {
            (other.min, other.min_held)
        } else {
            (self.min, self.min_held + other.min_held)
        };
        let (max, max_held) = if self.max > other.max {
            (self.max, self.max_held)
        } else if other.max > self.max {
            (other.max, other.max_held)
        } else {
            (self.max, self.max_held + other.max_held)
        };
        *self = DurationMoments {
            count,
            sum,
            sum_sq,
            min,
            min_held,
            max,
            max_held,
        };
        Ok(())
    }

    /// How many durations it holds.
    #[inline]
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Whether nothing was ever added (an emptied state still remembers its extremes).
    pub fn is_pristine(&self) -> bool {
        *self == DurationMoments::default()
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

    /// The exact minimum, `None` when empty or once every copy of it was removed.
    pub fn min(&self) -> Option<u64> {
        (self.count > 0 && self.min_held > 0).then_some(self.min)
    }

    /// The exact maximum, `None` when empty or once every copy of it was removed.
    pub fn max(&self) -> Option<u64> {
        (self.count > 0 && self.max_held > 0).then_some(self.max)
    }
}

#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub(crate) struct MomentsRepr {
    count: u64,
    sum: u128,
    sum_sq: u128,
    min: u64,
    min_held: u64,
    max: u64,
    max_held: u64,
}

impl From<DurationMoments> for MomentsRepr {
    fn from(m: DurationMoments) -> Self {
        MomentsRepr {
            count: m.count,
            sum: m.sum,
            sum_sq: m.sum_sq,
            min: m.min,
            min_held: m.min_held,
            max: m.max,
            max_held: m.max_held,
        }
    }
}

impl TryFrom<MomentsRepr> for DurationMoments {
    type Error = Error;
    fn try_from(r: MomentsRepr) -> Result<Self> {
        let m = DurationMoments {
            count: r.count,
            sum: r.sum,
            sum_sq: r.sum_sq,
            min: r.min,
            min_held: r.min_held,
            max: r.max,
            max_held: r.max_held,
        };
        let n = u128::from(m.count);
        let held_ok = m.min_held <= m.count
            && m.max_held <= m.count
            && (m.min != m.max || m.min_held == m.max_held);
        if m.count == 0 {
            if m.sum != 0 || m.sum_sq != 0 || !held_ok || m.min_held != 0 {
                return Err(Error::corrupt(
                    WHAT,
                    "an empty state with sums or held extremes",
                ));
            }
            return Ok(m);
        }
        let ok = held_ok
            && m.min <= m.max
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

impl MomentsRepr {
    pub(crate) fn write(&self, w: &mut super::codec::Writer<'_>) {
        w.u64(self.count);
        w.u128(self.sum);
        w.u128(self.sum_sq);
        w.u64(self.min);
        w.u64(self.min_held);
        w.u64(self.max);
        w.u64(self.max_held);
    }

    pub(crate) fn read(r: &mut super::codec::Reader<'_>) -> Result<Self> {
        Ok(MomentsRepr {
            count: r.u64()?,
            sum: r.u128()?,
            sum_sq: r.u128()?,
            min: r.u64()?,
            min_held: r.u64()?,
            max: r.u64()?,
            max_held: r.u64()?,
        })
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
