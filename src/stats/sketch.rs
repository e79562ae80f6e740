//! A mergeable quantile sketch with a relative-error guarantee (DDSketch-style).

use crate::calculator::Calculator;
use crate::error::{Error, Result};

#[path = "sketch_ranks.rs"]
mod ranks;
#[path = "sketch_repr.rs"]
mod repr;
pub(crate) use repr::SketchRepr;

/// Values below this are counted in the zero bin and reported as 0 (an absolute error below
/// one nanosecond, when values are seconds).
pub const MIN_INDEXABLE: f64 = 1e-9;

/// The default relative accuracy: 1 %.
pub const DEFAULT_RELATIVE_ACCURACY: f64 = 0.01;

/// The default bin limit: 4,096 bins (32 KiB of counts at most).
pub const DEFAULT_MAX_BINS: u32 = 4096;

// Cubic approximation of log2 on the significand (as DataDog's CubicallyInterpolatedMapping):
// log2(2^e (1 + s)) ≈ e + ((A s + B) s + C) s. Its slope against ln is at least 10/7, so a
// bin of width 1/m in this scale is at most 0.7/m wide in ln: m = 0.7 / ln(γ) keeps every bin
// within the ratio γ = (1 + α) / (1 − α), which is what the α guarantee needs.
const A: f64 = 6.0 / 35.0;
const B: f64 = -3.0 / 5.0;
const C: f64 = 10.0 / 7.0;
const MAX_SLOPE: f64 = 0.7;

const WHAT: &str = "quantile sketch";

/// A quantile sketch with relative accuracy α (DDSketch, Masson et al., PVLDB 2019).
///
/// # What it computes
/// [`quantile(q)`](Self::quantile) approximates the quantile of the values added so far by
/// **linear interpolation between order statistics** (Hyndman & Fan's type 7: numpy's default,
/// SQL's `percentile_cont`): with `n` values sorted as `x₀ ≤ … ≤ xₙ₋₁` and `h = q (n − 1)`, the
/// quantile is `x⌊h⌋ + (h − ⌊h⌋)(x⌊h⌋+1 − x⌊h⌋)`. Each order statistic is read from its
/// bin within relative error α, and so is their interpolation.
///
/// # Accuracy
/// Every quantile is within **α relative error** of the exact one (α = 1 % by default), as long
/// as the bin limit was never reached. Values below 10⁻⁹ count as zero (they are reported as 0,
/// an absolute error under one nanosecond when values are seconds).
///
/// # Memory
/// One `u64` count per bin between the smallest and the largest value held. At α = 1 % the
/// bins are about 2.02 % wide, so a decade of values takes about 116 bins: values from 1 s to
/// 30 days take 746 bins, **5.8 KiB**; from 1 ms to 30 days about 1,095 bins, 8.6 KiB. The
/// bin limit ([`DEFAULT_MAX_BINS`] = 4,096, 32 KiB) covers 35 decades at 1 %.
///
/// When values span more bins than the limit, the lowest bins are folded into the lowest bin
/// kept: the count stays exact and the upper quantiles keep their guarantee, while quantiles
/// that fall in the folded bin are reported with that bin's value (too high). Folding depends
/// only on the largest value held, so merge stays associative and commutative.
///
/// # Merge and removal
/// Bins add: merging two sketches of the same α and bin limit is exact (the result is bin for
/// bin the sketch of one pass over both inputs), associative and commutative; the empty
/// sketch ([`Default`]) is the identity and merges with a sketch of any configuration.
/// [`remove`](Self::remove) takes a value out again (a reopened ticket retracts its
/// resolution time); removing a value that was never added is an error.
///
/// ```
/// use csm_metrics::QuantileSketch;
///
/// let mut sketch = QuantileSketch::default();
/// for seconds in 1..=1000 {
///     sketch.add(seconds as f64)?;
/// }
/// let median = sketch.quantile(0.5).unwrap();
/// assert!((median - 500.5).abs() <= 0.01 * 500.5);
/// # Ok::<(), csm_metrics::Error>(())
/// ```
#[derive(Debug, Clone)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "SketchRepr", into = "SketchRepr"))]
pub struct QuantileSketch {
    alpha: f64,
    max_bins: u32,
    multiplier: f64,
    /// Index of `bins[0]`.
    offset: i32,
    bins: Vec<u64>,
    count: u64,
    zero_count: u64,
    /// Indices below this were folded into it.
    collapsed_below: Option<i32>,
    /// The bins of whole seconds under `SMALL`, for the default accuracy (derived, not
    /// stored).
    #[cfg_attr(feature = "serde", serde(skip))]
    small: Option<&'static [i32]>,
}

impl Default for QuantileSketch {
    fn default() -> Self {
        Self::build(DEFAULT_RELATIVE_ACCURACY, DEFAULT_MAX_BINS)
    }
}

impl PartialEq for QuantileSketch {
    /// Equal when they hold the same configuration and the same count in every bin.
    fn eq(&self, other: &Self) -> bool {
        self.alpha == other.alpha
            && self.max_bins == other.max_bins
            && self.count == other.count
            && self.zero_count == other.zero_count
            && self.collapsed_below == other.collapsed_below
            && self.nonempty_bins().eq(other.nonempty_bins())
    }
}

impl QuantileSketch {
    /// A sketch with relative accuracy `alpha` (in `1e-6..0.5`) and the default bin limit.
    pub fn new(alpha: f64) -> Result<Self> {
        Self::with_max_bins(alpha, DEFAULT_MAX_BINS)
    }

    /// A sketch with relative accuracy `alpha` (in `1e-6..0.5`) holding at most `max_bins`
    /// bins (in `16..=1_048_576`).
    pub fn with_max_bins(alpha: f64, max_bins: u32) -> Result<Self> {
        // Written so that NaN fails too.
        if !(1e-6..0.5).contains(&alpha) {
            return Err(Error::config(
                WHAT,
                format!("relative accuracy {alpha} is outside 1e-6..0.5"),
            ));
        }
        if !(16..=1 << 20).contains(&max_bins) {
            return Err(Error::config(
                WHAT,
                format!("bin limit {max_bins} is outside 16..=1048576"),
            ));
        }
        Ok(Self::build(alpha, max_bins))
    }

    /// The index multiplier for accuracy α: bins of relative width γ = (1 + α) / (1 − α).
    fn multiplier_of(alpha: f64) -> f64 {
        let gamma_ln = ((1.0 + alpha) / (1.0 - alpha)).ln();
        // The tiny factor keeps float rounding on the safe side of the bound.
        MAX_SLOPE / gamma_ln * (1.0 + 1e-12)
    }

    fn build(alpha: f64, max_bins: u32) -> Self {
        QuantileSketch {
            alpha,
            max_bins,
            multiplier: Self::multiplier_of(alpha),
            offset: 0,
            bins: Vec::new(),
            count: 0,
            zero_count: 0,
            collapsed_below: None,
            small: (alpha == DEFAULT_RELATIVE_ACCURACY).then(small_table),
        }
    }

    /// The relative accuracy α.
    #[inline]
    pub fn relative_accuracy(&self) -> f64 {
        self.alpha
    }

    /// The bin limit.
    #[inline]
    pub fn max_bins(&self) -> u32 {
        self.max_bins
    }

    /// How many values it holds.
    #[inline]
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Whether it holds no value.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// How many bins hold at least one value (the zero bin included).
    pub fn bin_count(&self) -> usize {
        self.nonempty_bins().count() + usize::from(self.zero_count > 0)
    }

    /// Bytes of heap memory its bins take.
    pub fn heap_bytes(&self) -> usize {
        self.bins.capacity() * core::mem::size_of::<u64>()
    }

    /// Whether the bin limit was reached, so that low values were folded together.
    pub fn is_collapsed(&self) -> bool {
        self.collapsed_below.is_some()
    }

    /// Approximate log2 of a value ≥ `MIN_INDEXABLE`.
    #[inline(always)]
    fn log2_approx(value: f64) -> f64 {
        let bits = value.to_bits();
        let exponent = ((bits >> 52) & 0x7ff) as i64 - 1023;
        let s = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000) - 1.0;
        ((A * s + B) * s + C) * s + exponent as f64
    }

    #[inline(always)]
    fn index_of(&self, value: f64) -> i32 {
        // In range for every finite value ≥ MIN_INDEXABLE and α ≥ 1e-6 (|index| < 4e8).
        let x = Self::log2_approx(value) * self.multiplier;
        // floor without a libm call (x86-64's baseline has no rounding instruction).
        let t = x as i32;
        t - i32::from(x < f64::from(t))
    }

    fn log2_inverse(x: f64) -> f64 {
        let exponent = x.floor();
        let t = x - exponent;
        // Cardano's formula for A s³ + B s² + C s = t (one real root in [0, 1)).
        let d0 = B * B - 3.0 * A * C;
        let d1 = 2.0 * B * B * B - 9.0 * A * B * C - 27.0 * A * A * t;
        let p = ((d1 - (d1 * d1 - 4.0 * d0 * d0 * d0).sqrt()) / 2.0).cbrt();
        let s = -(B + p + d0 / p) / (3.0 * A);
        (1.0 + s) * 2f64.powi(exponent as i32)
    }

    /// The value reported for bin `index`: the point whose relative distance to both bounds
    /// is equal (2·lo·hi / (lo + hi)), at most α from every value of the bin.
    fn bin_value(&self, index: i32) -> f64 {
        let lo = Self::log2_inverse(index as f64 / self.multiplier);
        let hi = Self::log2_inverse((index as f64 + 1.0) / self.multiplier);
        let v = 2.0 * lo * hi / (lo + hi);
        if v.is_finite() {
            v
        } else {
            // The bins next to f64::MAX: the same harmonic mean without the overflowing
            // product, never above the largest finite value.
            (2.0 / (1.0 / lo + 1.0 / hi)).min(f64::MAX)
        }
    }

    fn check_value(value: f64) -> Result<()> {
        if value.is_finite() && value >= 0.0 {
            Ok(())
        } else {
            Err(Error::InvalidValue { what: WHAT, value })
        }
    }

    /// Adds a value (finite, ≥ 0). A negative, NaN or infinite value is an error.
    #[inline]
    pub fn add(&mut self, value: f64) -> Result<()> {
        self.add_n(value, 1)
    }

    /// Adds a whole number of seconds (always a valid value: no check needed).
    #[inline]
    pub fn add_seconds(&mut self, seconds: u64) -> Result<()> {
        // Short durations (calls, chats) are the common case: their bin comes from a table
        // computed once for the default accuracy, the same index the formula gives.
        if let Some(&index) = self
            .small
            .filter(|_| seconds != 0)
            .and_then(|t| t.get(seconds as usize))
        {
            let count = self
                .count
                .checked_add(1)
                .ok_or(Error::Overflow { what: WHAT })?;
            let slot = index.wrapping_sub(self.offset) as u32 as usize;
            if let Some(bin) = self.bins.get_mut(slot) {
                *bin += 1;
            } else {
                self.add_outside(index, 1);
            }
            self.count = count;
            return Ok(());
        }
        self.add_valid(seconds as f64, 1)
    }

    /// Adds a whole number of seconds under 2³² where [`has_room`](Self::has_room) said
    /// so (the count cannot overflow).
    #[inline(always)]
    pub(crate) fn add_small(&mut self, seconds: u32) {
        self.count += 1;
        if seconds == 0 {
            self.zero_count += 1;
            return;
        }
        let index = match self.small.and_then(|t| t.get(seconds as usize)) {
            Some(&index) => index,
            None => self.index_of(f64::from(seconds)),
        };
        let slot = index.wrapping_sub(self.offset) as u32 as usize;
        if let Some(bin) = self.bins.get_mut(slot) {
            *bin += 1;
        } else {
            self.add_outside(index, 1);
        }
    }

    /// Whether `n` more values fit the count.
    #[inline]
    pub(crate) fn has_room(&self, n: u64) -> bool {
        self.count <= u64::MAX - n
    }

    /// Adds a value `n` times.
    #[inline]
    pub fn add_n(&mut self, value: f64, n: u64) -> Result<()> {
        Self::check_value(value)?;
        self.add_valid(value, n)
    }

    #[inline(always)]
    fn add_valid(&mut self, value: f64, n: u64) -> Result<()> {
        let count = self
            .count
            .checked_add(n)
            .ok_or(Error::Overflow { what: WHAT })?;
        if value < MIN_INDEXABLE {
            self.zero_count += n;
            self.count = count;
            return Ok(());
        }
        let index = self.index_of(value);
        let slot = index.wrapping_sub(self.offset) as u32 as usize;
        if let Some(bin) = self.bins.get_mut(slot) {
            *bin += n;
        } else {
            self.add_outside(index, n);
        }
        self.count = count;
        Ok(())
    }

    /// Adds `n` at `index`, which lies outside the stored range (or is folded).
    #[cold]
    fn add_outside(&mut self, index: i32, n: u64) {
        let index = match self.collapsed_below {
            Some(c) if index < c => c,
            _ => index,
        };
        if self.bins.is_empty() {
            self.offset = index;
            self.bins.push(0);
        } else {
            let hi = self.offset + self.bins.len() as i32 - 1;
            self.extend_to(index.min(self.offset), index.max(hi));
        }
        let slot = (index - self.offset) as usize;
        self.bins[slot] += n;
        self.fold_to_limit();
    }

    /// Grows storage to cover `lo..=hi` (which contains the current range).
    fn extend_to(&mut self, lo: i32, hi: i32) {
        let old_hi = self.offset + self.bins.len() as i32 - 1;
        if lo < self.offset {
            let pad = (self.offset - lo) as usize;
            let mut bins = Vec::with_capacity((hi - lo + 1) as usize);
            bins.resize(pad, 0);
            bins.extend_from_slice(&self.bins);
            self.bins = bins;
            self.offset = lo;
        }
        if hi > old_hi {
            self.bins.resize((hi - self.offset + 1) as usize, 0);
        }
    }

    /// Folds the lowest bins into one so that at most `max_bins` remain.
    fn fold_to_limit(&mut self) {
        let len = self.bins.len();
        let limit = self.max_bins as usize;
        if len <= limit {
            return;
        }
        let cut = len - limit;
        let folded: u64 = self.bins[..=cut].iter().sum();
        self.bins.drain(..cut);
        self.bins[0] = folded;
        self.offset += cut as i32;
        self.collapsed_below = Some(self.offset);
    }

    /// Removes one value that was added before. Removing a value the sketch does not hold
    /// (its bin is empty) is an error and changes nothing.
    pub fn remove(&mut self, value: f64) -> Result<()> {
        Self::check_value(value)?;
        if value < MIN_INDEXABLE {
            if self.zero_count == 0 {
                return Err(Error::NotPresent { what: WHAT, value });
            }
            self.zero_count -= 1;
            self.removed_one();
            return Ok(());
        }
        self.remove_at(self.index_of(value), value)
    }

    /// Removes a whole number of seconds added before (the bin from the table
    /// [`add_seconds`](Self::add_seconds) uses).
    #[inline]
    pub(crate) fn remove_seconds(&mut self, seconds: u64) -> Result<()> {
        match self
            .small
            .filter(|_| seconds != 0)
            .and_then(|t| t.get(seconds as usize))
        {
            Some(&index) => self.remove_at(index, seconds as f64),
            None => self.remove(seconds as f64),
        }
    }

    /// Removes one value of bin `index` (`value` names it in the error).
    #[inline]
    fn remove_at(&mut self, mut index: i32, value: f64) -> Result<()> {
        if let Some(c) = self.collapsed_below {
            index = index.max(c);
        }
        let slot = index.wrapping_sub(self.offset) as u32 as usize;
        match self.bins.get_mut(slot) {
            Some(bin) if *bin > 0 => *bin -= 1,
            _ => return Err(Error::NotPresent { what: WHAT, value }),
        }
        self.removed_one();
        Ok(())
    }

    /// Counts one value fewer; an emptied sketch starts afresh.
    #[inline]
    fn removed_one(&mut self) {
        self.count -= 1;
        if self.count == 0 {
            *self = Self::build(self.alpha, self.max_bins);
        }
    }

    /// The non-empty bins in ascending order, as `(index, count)`.
    pub fn nonempty_bins(&self) -> impl Iterator<Item = (i32, u64)> + '_ {
        self.bins
            .iter()
            .enumerate()
            .filter(|(_, c)| **c > 0)
            .map(move |(i, c)| (self.offset + i as i32, *c))
    }

    fn same_config(&self, other: &Self) -> bool {
        self.alpha == other.alpha && self.max_bins == other.max_bins
    }

    /// Merges another sketch into this one. Sketches of different relative accuracy or bin
    /// limit cannot merge (an error, nothing changed), unless one of them is empty.
    pub fn merge(&mut self, other: &Self) -> Result<()> {
        if other.is_empty() {
            return Ok(());
        }
        if self.is_empty() {
            *self = other.clone();
            return Ok(());
        }
        if !self.same_config(other) {
            return Err(Error::incompatible(
                WHAT,
                format!(
                    "relative accuracy {} with bin limit {} against {} with {}",
                    self.alpha, self.max_bins, other.alpha, other.max_bins
                ),
            ));
        }
        let count = self
            .count
            .checked_add(other.count)
            .ok_or(Error::Overflow { what: WHAT })?;
        self.count = count;
        self.zero_count += other.zero_count;
        if other.bins.is_empty() {
            return Ok(());
        }
        let collapsed = match (self.collapsed_below, other.collapsed_below) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        if self.bins.is_empty() {
            self.offset = other.offset;
            self.bins = other.bins.clone();
            self.collapsed_below = collapsed;
        } else {
            let other_hi = other.offset + other.bins.len() as i32 - 1;
            let hi = self.offset + self.bins.len() as i32 - 1;
            self.extend_to(self.offset.min(other.offset), hi.max(other_hi));
            let start = (other.offset - self.offset) as usize;
            for (dst, src) in self.bins[start..start + other.bins.len()]
                .iter_mut()
                .zip(&other.bins)
            {
                *dst += *src;
            }
            self.collapsed_below = collapsed;
        }
        if let Some(c) = self.collapsed_below {
            if self.offset < c {
                let cut = (c - self.offset) as usize;
                let folded: u64 = self.bins[..=cut].iter().sum();
                self.bins.drain(..cut);
                self.bins[0] = folded;
                self.offset = c;
            }
        }
        self.fold_to_limit();
        Ok(())
    }

    /// The value of the element of rank `rank` (0-based, ascending), which must be `< count`.
    fn value_at_rank(&self, rank: u64) -> f64 {
        if rank < self.zero_count {
            return 0.0;
        }
        let mut seen = self.zero_count;
        for (i, c) in self.bins.iter().enumerate() {
            seen += *c;
            if seen > rank {
                return self.bin_value(self.offset + i as i32);
            }
        }
        // Unreachable while count == zero_count + Σ bins (an invariant kept by every
        // operation and checked on deserialisation); the top bin is the honest answer.
        self.bin_value(self.offset + self.bins.len() as i32 - 1)
    }

    /// The `q`-quantile (type 7, see the type's docs) within relative error α. `None` when
    /// the sketch is empty or `q` is not in `0.0..=1.0`.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if self.count == 0 || !(0.0..=1.0).contains(&q) {
            return None;
        }
        let h = q * (self.count - 1) as f64;
        let below = h.floor();
        let low = self.value_at_rank(below as u64);
        let frac = h - below;
        if frac == 0.0 {
            return Some(low);
        }
        let high = self.value_at_rank(below as u64 + 1);
        Some(low + frac * (high - low))
    }

    /// Several quantiles at once (one scan), `None` where [`quantile`](Self::quantile) is.
    pub fn quantiles<const N: usize>(&self, qs: [f64; N]) -> [Option<f64>; N] {
        qs.map(|q| self.quantile(q))
    }

    /// The value reported for the smallest value held, within α.
    pub fn min_value(&self) -> Option<f64> {
        (self.count > 0).then(|| self.value_at_rank(0))
    }

    /// The value reported for the largest value held, within α.
    pub fn max_value(&self) -> Option<f64> {
        (self.count > 0).then(|| self.value_at_rank(self.count - 1))
    }
}

impl Calculator for QuantileSketch {
    type Record = f64;
    type Snapshot = SketchSnapshot;

    #[inline]
    fn observe(&mut self, value: &f64) -> Result<()> {
        self.add(*value)
    }

    fn merge(&mut self, other: &Self) -> Result<()> {
        QuantileSketch::merge(self, other)
    }

    fn snapshot(&self) -> SketchSnapshot {
        let [p50, p90, p95, p99] = self.quantiles([0.5, 0.9, 0.95, 0.99]);
        SketchSnapshot {
            count: self.count,
            min: self.min_value(),
            max: self.max_value(),
            p50,
            p90,
            p95,
            p99,
        }
    }
}

/// What a [`QuantileSketch`] reports as a calculator: its count and usual quantiles.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SketchSnapshot {
    /// Values held.
    pub count: u64,
    /// The smallest value held, within α.
    pub min: Option<f64>,
    /// The largest value held, within α.
    pub max: Option<f64>,
    /// The median, within α.
    pub p50: Option<f64>,
    /// The 90th percentile, within α.
    pub p90: Option<f64>,
    /// The 95th percentile, within α.
    pub p95: Option<f64>,
    /// The 99th percentile, within α.
    pub p99: Option<f64>,
}

/// Durations under this many seconds find their bin in a table (default accuracy only).
const SMALL: u64 = 4_096;

/// The bin index of every whole second under `SMALL` for the default accuracy (index 0 for
/// 0, which goes to the zero bin instead), built once.
fn small_table() -> &'static [i32] {
    static TABLE: std::sync::OnceLock<Vec<i32>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        // Built field by field: `build` for the default accuracy would ask for this table.
        let probe = QuantileSketch {
            alpha: DEFAULT_RELATIVE_ACCURACY,
            max_bins: DEFAULT_MAX_BINS,
            multiplier: QuantileSketch::multiplier_of(DEFAULT_RELATIVE_ACCURACY),
            offset: 0,
            bins: Vec::new(),
            count: 0,
            zero_count: 0,
            collapsed_below: None,
            small: None,
        };
        (0..SMALL)
            .map(|v| if v == 0 { 0 } else { probe.index_of(v as f64) })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bin_is_within_alpha() {
        let s = QuantileSketch::default();
        let mut v = 1e-6;
        while v < 1e12 {
            let idx = s.index_of(v);
            let rep = s.bin_value(idx);
            assert!(((rep - v) / v).abs() <= 0.01 + 1e-12, "v={v} rep={rep}");
            v *= 1.000_37;
        }
    }

    #[test]
    fn bins_for_one_second_to_thirty_days() {
        let s = QuantileSketch::default();
        let span = s.index_of(30.0 * 86_400.0) - s.index_of(1.0) + 1;
        assert_eq!(span, 746);
    }

    #[test]
    fn folding_keeps_count_and_top() {
        let mut s = QuantileSketch::with_max_bins(0.01, 16).unwrap();
        for v in 1..=10_000 {
            s.add(v as f64).unwrap();
        }
        assert!(s.is_collapsed());
        assert_eq!(s.count(), 10_000);
        assert!(s.bins.len() <= 16);
        let p99 = s.quantile(0.99).unwrap();
        assert!((p99 - 9900.01).abs() <= 0.01 * 9900.01);
        s.remove(1.0).unwrap();
        assert_eq!(s.count(), 9_999);
    }
}
