//! The sketch read bin by bin and by rank, for the figures built on it: the Kaplan-Meier
//! curve walks the bins of two sketches together; a median's distribution-free interval
//! reads two order statistics.

use super::QuantileSketch;

impl QuantileSketch {
    /// Every non-empty bin in ascending order as `(order, count)`, the zero bin first
    /// (order `i32::MIN`); [`order_value`](Self::order_value) gives its value.
    pub(crate) fn weighted_bins(&self) -> impl Iterator<Item = (i32, u64)> + '_ {
        let zero = (self.zero_count > 0).then_some((i32::MIN, self.zero_count));
        zero.into_iter().chain(self.nonempty_bins())
    }

    /// The value reported for a bin of [`weighted_bins`](Self::weighted_bins).
    pub(crate) fn order_value(&self, order: i32) -> f64 {
        if order == i32::MIN {
            0.0
        } else {
            self.bin_value(order)
        }
    }

    /// The order statistics around the median at ranks `c` and `n + 1 − c` (1-based),
    /// `c = round((n + 1)/2 − z·√n/2)`: a distribution-free 95 % interval for the median,
    /// each end within α. `None` when `c < 1` (fewer than 6 values).
    pub(crate) fn median_interval(&self) -> Option<crate::stats::Interval> {
        let n = self.count;
        let c = ((n as f64 + 1.0) / 2.0 - crate::stats::Z_95 * (n as f64).sqrt() / 2.0).round();
        if n == 0 || c < 1.0 {
            return None;
        }
        let c = c as u64;
        Some(crate::stats::Interval {
            low: self.value_at_rank(c - 1),
            high: self.value_at_rank(n - c),
        })
    }

    /// Price & Bonett's (2002) distribution-free standard error of the median:
    /// `(x₍ₙ₋ₐ₊₁₎ − x₍ₐ₎) / (2·z₀)`, `a = max(1, round(n/2 − √n))`,
    /// `z₀ = Φ⁻¹(1 − P(B ≤ a − 1))` with `B ~ Binomial(n, ½)`; the two order statistics
    /// within α. `None` below 2 values.
    pub(crate) fn median_standard_error(&self) -> Option<f64> {
        let n = self.count;
        if n < 2 {
            return None;
        }
        let a = ((n as f64) / 2.0 - (n as f64).sqrt()).round().max(1.0) as u64;
        let tail = crate::stats::binomial_half_cdf(a - 1, n);
        let z0 = crate::stats::normal_quantile(1.0 - tail)?;
        let (low, high) = (self.value_at_rank(a - 1), self.value_at_rank(n - a));
        Some((high - low) / (2.0 * z0))
    }
}
