//! Proportions with Wilson score intervals, and the normal quantile function.

use crate::error::{Error, Result};

/// z = Φ⁻¹(0.975) = 1.959964: the two-sided 95 % normal quantile.
pub const Z_95: f64 = 1.959_963_984_540_054;

/// The quantile function Φ⁻¹ of the standard normal distribution, for `p` in `(0, 1)`.
///
/// Acklam's rational approximation refined by one Halley step: relative error below 1e-15
/// in the tails used for confidence intervals. `None` outside `(0, 1)`.
pub fn normal_quantile(p: f64) -> Option<f64> {
    if !(p > 0.0 && p < 1.0) {
        return None;
    }
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    const LOW: f64 = 0.024_25;
    let x = if p < LOW {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - LOW {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        let q = (-2.0 * (1.0 - p).ln()).sqrt();
        -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    // One Halley step on Φ(x) − p.
    let e = 0.5 * erfc(-x / core::f64::consts::SQRT_2) - p;
    let u = e * (2.0 * core::f64::consts::PI).sqrt() * (x * x / 2.0).exp();
    Some(x - u / (1.0 + x * u / 2.0))
}

/// The complementary error function by a Chebyshev expansion of erfc(z)·exp(z²) in
/// t = 2/(2 + z) (the 28-term form of Numerical Recipes, 3rd ed., §6.2.2), about 1e-15
/// relative; checked against reference values in the tests.
pub(crate) fn erfc(x: f64) -> f64 {
    const COF: [f64; 28] = [
        -1.302_653_719_781_709_4,
        6.419_697_923_564_902e-1,
        1.947_647_320_418_583_6e-2,
        -9.561_514_786_808_63e-3,
        -9.465_953_444_820_36e-4,
        3.668_394_978_527_61e-4,
        4.252_332_480_690_7e-5,
        -2.027_857_811_253_4e-5,
        -1.624_290_004_647e-6,
        1.303_655_835_580e-6,
        1.562_644_172_2e-8,
        -8.523_809_591_5e-8,
        6.529_054_439e-9,
        5.059_343_495e-9,
        -9.913_641_56e-10,
        -2.273_651_22e-10,
        9.646_791_1e-11,
        2.394_038e-12,
        -6.886_027e-12,
        8.944_87e-13,
        3.130_92e-13,
        -1.127_08e-13,
        3.81e-16,
        7.106e-15,
        -1.523e-15,
        -9.4e-17,
        1.21e-16,
        -2.8e-17,
    ];
    let z = x.abs();
    let t = 2.0 / (2.0 + z);
    let ty = 4.0 * t - 2.0;
    let mut d = 0.0;
    let mut dd = 0.0;
    for c in COF[1..].iter().rev() {
        let tmp = d;
        d = ty * d - dd + c;
        dd = tmp;
    }
    let r = t * (-z * z + 0.5 * (COF[0] + ty * d) - dd).exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

/// ln(n!): exact sums below 20, Stirling's series (to the 1/(1260 n⁵) term, absolute error
/// below 1e-13) from 20.
pub(crate) fn ln_factorial(n: u64) -> f64 {
    if n < 20 {
        return (1..=n).map(|k| (k as f64).ln()).sum();
    }
    let x = n as f64;
    let x2 = x * x;
    x * x.ln() - x + 0.5 * (2.0 * core::f64::consts::PI * x).ln() + 1.0 / (12.0 * x)
        - 1.0 / (360.0 * x * x2)
        + 1.0 / (1260.0 * x2 * x2 * x)
}

/// Stirling's error, ln n! − ((n + ½) ln n − n + ½ ln 2π): exactly from the sums below 16,
/// by its series above (Loader 2000).
fn stirling_error(n: u64) -> f64 {
    let x = n as f64;
    if n <= 15 {
        return ln_factorial(n)
            - ((x + 0.5) * x.ln() - x + 0.5 * (2.0 * core::f64::consts::PI).ln());
    }
    let x2 = x * x;
    (1.0 / 12.0
        - (1.0 / 360.0 - (1.0 / 1260.0 - (1.0 / 1680.0 - 1.0 / (1188.0 * x2)) / x2) / x2) / x2)
        / x
}

/// The deviance term x·ln(x/m) + m − x, by its series where x is near m (Loader 2000), so
/// that no precision is lost to cancellation.
fn deviance(x: f64, m: f64) -> f64 {
    if (x - m).abs() < 0.1 * (x + m) {
        let v = (x - m) / (x + m);
        let v2 = v * v;
        let mut sum = (x - m) * v;
        let mut term = 2.0 * x * v;
        for j in 1..1_000 {
            term *= v2;
            let next = sum + term / f64::from(2 * j + 1);
            if next == sum {
                break;
            }
            sum = next;
        }
        sum
    } else {
        x * (x / m).ln() + m - x
    }
}

/// P(B = k) for B ~ Binomial(n, ½), by Loader's saddle-point form (R's `dbinom`): relative
/// error about 1e-15 at any n.
fn binomial_half_mass(k: u64, n: u64) -> f64 {
    let half = n as f64 / 2.0;
    if k == 0 || k == n {
        return (-(n as f64) * core::f64::consts::LN_2).exp();
    }
    let (kf, rest) = (k as f64, (n - k) as f64);
    let ln = stirling_error(n)
        - stirling_error(k)
        - stirling_error(n - k)
        - deviance(kf, half)
        - deviance(rest, half);
    ln.exp() * (n as f64 / (2.0 * core::f64::consts::PI * kf * rest)).sqrt()
}

/// P(B ≤ k) for B ~ Binomial(n, ½): the probability mass at `k` (Loader's form), then the
/// terms below it by their ratio `i / (n − i + 1)`, until they no longer change the sum
/// (about 2.5·√n terms in the lower tail near the median, so microseconds up to n ≈ 10⁸).
pub(crate) fn binomial_half_cdf(k: u64, n: u64) -> f64 {
    if k >= n {
        return 1.0;
    }
    let mut term = binomial_half_mass(k, n);
    let mut sum = 0.0;
    let mut i = k;
    loop {
        sum += term;
        if i == 0 || term < sum * 1e-17 {
            break;
        }
        term *= i as f64 / (n - i + 1) as f64;
        i -= 1;
    }
    sum.min(1.0)
}

/// A confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Interval {
    /// The lower bound.
    pub low: f64,
    /// The upper bound.
    pub high: f64,
}

impl Interval {
    /// Half the width.
    pub fn half_width(&self) -> f64 {
        (self.high - self.low) / 2.0
    }
}

/// The Wilson score interval of `successes` out of `trials` at confidence `confidence`
/// (e.g. 0.95). `None` with no trials, more successes than trials, or a confidence outside
/// `(0, 1)`.
///
/// ```
/// let ci = csm_metrics::wilson_interval(8, 10, 0.95).unwrap();
/// assert!((ci.low - 0.490162).abs() < 1e-6 && (ci.high - 0.943318).abs() < 1e-6);
/// ```
pub fn wilson_interval(successes: u64, trials: u64, confidence: f64) -> Option<Interval> {
    if trials == 0 || successes > trials {
        return None;
    }
    let z = normal_quantile(0.5 + confidence / 2.0).filter(|_| confidence > 0.0)?;
    let n = trials as f64;
    let p = successes as f64 / n;
    let z2 = z * z;
    let denom = 1.0 + z2 / n;
    let center = (p + z2 / (2.0 * n)) / denom;
    let half = z / denom * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    Some(Interval {
        low: (center - half).max(0.0),
        high: (center + half).min(1.0),
    })
}

const WHAT: &str = "proportion";

/// Successes out of trials: an exact rate with its Wilson interval.
///
/// Merge adds both counts; [`remove`](Self::remove) takes a trial out again.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(try_from = "ProportionRepr", into = "ProportionRepr")
)]
pub struct Proportion {
    successes: u64,
    trials: u64,
}

impl Proportion {
    /// A proportion of `successes` out of `trials`; an error if `successes > trials`.
    pub fn new(successes: u64, trials: u64) -> Result<Self> {
        if successes > trials {
            return Err(Error::corrupt(
                WHAT,
                format!("{successes} successes out of {trials} trials"),
            ));
        }
        Ok(Proportion { successes, trials })
    }

    /// Adds one trial.
    #[inline]
    pub fn add(&mut self, success: bool) -> Result<()> {
        let trials = self
            .trials
            .checked_add(1)
            .ok_or(Error::Overflow { what: WHAT })?;
        self.trials = trials;
        self.successes += u64::from(success);
        Ok(())
    }

    /// Removes one trial added before.
    pub fn remove(&mut self, success: bool) -> Result<()> {
        let ok = if success {
            self.successes > 0
        } else {
            self.trials > self.successes
        };
        if !ok {
            return Err(Error::NotPresent {
                what: WHAT,
                value: f64::from(u8::from(success)),
            });
        }
        self.trials -= 1;
        self.successes -= u64::from(success);
        Ok(())
    }

    /// Merges another proportion into this one.
    pub fn merge(&mut self, other: &Self) -> Result<()> {
        let trials = self
            .trials
            .checked_add(other.trials)
            .ok_or(Error::Overflow { what: WHAT })?;
        self.trials = trials;
        self.successes += other.successes;
        Ok(())
    }

    /// The successes.
    #[inline]
    pub fn successes(&self) -> u64 {
        self.successes
    }

    /// The trials (the denominator).
    #[inline]
    pub fn trials(&self) -> u64 {
        self.trials
    }

    /// successes / trials, `None` with no trial.
    pub fn rate(&self) -> Option<f64> {
        (self.trials > 0).then(|| self.successes as f64 / self.trials as f64)
    }

    /// The Wilson score interval at `confidence` (e.g. 0.95).
    pub fn wilson(&self, confidence: f64) -> Option<Interval> {
        wilson_interval(self.successes, self.trials, confidence)
    }
}

#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
struct ProportionRepr {
    successes: u64,
    trials: u64,
}

#[cfg(feature = "serde")]
impl From<Proportion> for ProportionRepr {
    fn from(p: Proportion) -> Self {
        ProportionRepr {
            successes: p.successes,
            trials: p.trials,
        }
    }
}

#[cfg(feature = "serde")]
impl TryFrom<ProportionRepr> for Proportion {
    type Error = Error;
    fn try_from(r: ProportionRepr) -> Result<Self> {
        Proportion::new(r.successes, r.trials)
    }
}

impl crate::calculator::Calculator for Proportion {
    type Record = bool;
    /// A proportion is its own snapshot.
    type Snapshot = Proportion;

    #[inline]
    fn observe(&mut self, success: &bool) -> Result<()> {
        self.add(*success)
    }

    fn merge(&mut self, other: &Self) -> Result<()> {
        Proportion::merge(self, other)
    }

    fn snapshot(&self) -> Proportion {
        *self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binomial_half_tail_against_r() {
        // R 4.2: pbinom(k, n, 0.5), printed with 17 digits.
        for (k, n, want) in [
            (0, 2, 0.25),
            (5, 20, 0.020_694_732_666_015_642),
            (4, 20, 0.005_908_966_064_453_128_5),
            (40, 101, 0.023_022_033_464_671_43),
            (4_495, 10_000, 2.804_466_230_733_339e-24),
            (499_000, 1_000_000, 0.022_804_149_932_691_052),
            (49_990_000, 100_000_000, 0.022_755_531_314_807_852),
        ] {
            let got = binomial_half_cdf(k, n);
            assert!(
                ((got - want) / want).abs() < 1e-9,
                "{k} of {n}: {got} vs {want}"
            );
        }
        assert_eq!(binomial_half_cdf(7, 7), 1.0);
    }

    #[test]
    fn z_values() {
        assert!((normal_quantile(0.975).unwrap() - 1.959_963_984_540_054).abs() < 1e-12);
        assert!((normal_quantile(0.95).unwrap() - 1.644_853_626_951_472_7).abs() < 1e-12);
        assert!((normal_quantile(0.5).unwrap()).abs() < 1e-15);
        assert!((normal_quantile(1e-10).unwrap() + 6.361_340_902_404_056).abs() < 1e-9);
        assert!(normal_quantile(0.0).is_none() && normal_quantile(f64::NAN).is_none());
    }

    #[test]
    fn erfc_reference_values() {
        for (x, want) in [
            (0.0, 1.0),
            (0.5, 0.479_500_122_186_953_5),
            (1.0, 0.157_299_207_050_285_13),
            (2.0, 0.004_677_734_981_047_266),
            (-1.0, 1.842_700_792_949_715),
            (4.0, 1.541_725_790_028_002e-8),
        ] {
            let got = erfc(x);
            assert!(
                ((got - want) / want).abs() < 1e-13,
                "erfc({x}) = {got}, want {want}"
            );
        }
    }
}
