//! Counts of responses per score: the exact state behind every survey metric.

use crate::error::{Error, Result};
use crate::stats::{Interval, Z_95, normal_quantile, wilson_interval};

/// Counts per score `0..N`. Sums of scores and squares are derived exactly from the counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tally<const N: usize> {
    pub(crate) counts: [u64; N],
    pub(crate) total: u64,
}

impl<const N: usize> Default for Tally<N> {
    fn default() -> Self {
        Tally {
            counts: [0; N],
            total: 0,
        }
    }
}

impl<const N: usize> Tally<N> {
    /// Counts one response of `score < N`.
    #[inline(always)]
    pub(crate) fn add(&mut self, score: usize, what: &'static str) -> Result<()> {
        let total = self.total.checked_add(1).ok_or(Error::Overflow { what })?;
        self.counts[score] += 1;
        self.total = total;
        Ok(())
    }

    /// Takes back one response of `score < N` counted before; an error (changing nothing)
    /// if none is.
    pub(crate) fn remove(&mut self, score: usize, what: &'static str) -> Result<()> {
        match self.counts.get_mut(score) {
            Some(c) if *c > 0 => {
                *c -= 1;
                self.total -= 1;
                Ok(())
            }
            _ => Err(Error::NotPresent {
                what,
                value: score as f64,
            }),
        }
    }

    /// Counts a column of scores, all in `min..=max` (`max < N`). A score outside is an
    /// error naming its row, and nothing is counted.
    pub(crate) fn add_column(
        &mut self,
        scores: &[u8],
        (min, max): (u8, u8),
        kind: crate::model::SurveyKind,
        what: &'static str,
    ) -> Result<()> {
        // Checking first keeps a failed batch from counting anything; both loops vectorise.
        if scores.iter().any(|s| *s < min || *s > max) {
            let row = scores
                .iter()
                .position(|s| *s < min || *s > max)
                .unwrap_or(0);
            return Err(Error::InvalidRecord {
                record: crate::error::RecordRef::Row(row as u64),
                rule: crate::error::Rule::ScoreOutOfRange {
                    kind,
                    score: scores[row],
                    min,
                    max,
                },
            });
        }
        let total = self
            .total
            .checked_add(scores.len() as u64)
            .ok_or(Error::Overflow { what })?;
        // Four interleaved tallies break the store-to-load chain of repeated scores.
        let mut lanes = [[0u64; N]; 4];
        let mut chunks = scores.chunks_exact(4);
        for c in &mut chunks {
            lanes[0][usize::from(c[0]) % N] += 1;
            lanes[1][usize::from(c[1]) % N] += 1;
            lanes[2][usize::from(c[2]) % N] += 1;
            lanes[3][usize::from(c[3]) % N] += 1;
        }
        for s in chunks.remainder() {
            lanes[0][usize::from(*s) % N] += 1;
        }
        for lane in &lanes {
            for (c, l) in self.counts.iter_mut().zip(lane) {
                *c += *l;
            }
        }
        self.total = total;
        Ok(())
    }

    pub(crate) fn merge(&mut self, other: &Self, what: &'static str) -> Result<()> {
        let total = self
            .total
            .checked_add(other.total)
            .ok_or(Error::Overflow { what })?;
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += *b;
        }
        self.total = total;
        Ok(())
    }

    /// Responses with a score in `range`.
    pub(crate) fn count_in(&self, range: core::ops::RangeInclusive<usize>) -> u64 {
        self.counts[range].iter().sum()
    }

    /// The exact sum of scores and of squared scores.
    pub(crate) fn sums(&self) -> (u128, u128) {
        self.counts
            .iter()
            .enumerate()
            .fold((0, 0), |(s, q), (score, c)| {
                let (score, c) = (score as u128, u128::from(*c));
                (s + score * c, q + score * score * c)
            })
    }

    pub(crate) fn from_counts(counts: &[u64], what: &'static str) -> Result<Self> {
        if counts.len() != N {
            return Err(Error::corrupt(
                what,
                format!("{} counts where {N} are kept", counts.len()),
            ));
        }
        let mut tally = Tally::<N>::default();
        for (i, c) in counts.iter().enumerate() {
            tally.counts[i] = *c;
            tally.total = tally
                .total
                .checked_add(*c)
                .ok_or_else(|| Error::corrupt(what, "counts overflow"))?;
        }
        Ok(tally)
    }
}

/// Merges `(their_scale, theirs)` into `(scale, mine)`: tallies on different scales merge
/// only when one of them is empty (it then takes the other's scale).
pub(crate) fn merge_on_scale<S: PartialEq + Copy + core::fmt::Debug, const N: usize>(
    (scale, mine): (&mut S, &mut Tally<N>),
    (their_scale, theirs): (S, &Tally<N>),
    what: &'static str,
) -> Result<()> {
    if *scale != their_scale {
        if theirs.total == 0 {
            return Ok(());
        }
        if mine.total != 0 {
            return Err(Error::incompatible(
                what,
                format!("scale {scale:?} against {their_scale:?}"),
            ));
        }
        *scale = their_scale;
    }
    mine.merge(theirs, what)
}

/// A mean score with its normal-approximation interval.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct MeanScore {
    /// The mean.
    pub mean: f64,
    /// The sample standard deviation (`None` with one response).
    pub std_dev: Option<f64>,
    /// The 95 % interval of the mean, mean ± z·s/√n (`None` with one response).
    pub interval: Option<Interval>,
}

/// The mean of scores offset by `shift` (the score of tally slot 0).
pub(crate) fn mean_score(n: u64, sum: u128, sum_sq: u128, shift: f64) -> Option<MeanScore> {
    if n == 0 {
        return None;
    }
    let nf = n as f64;
    let mean = sum as f64 / nf;
    let std_dev = (n > 1).then(|| {
        let n = u128::from(n);
        ((n * sum_sq - sum * sum) as f64 / (nf * (nf - 1.0))).sqrt()
    });
    let interval = std_dev.map(|s| {
        let half = Z_95 * s / nf.sqrt();
        Interval {
            low: mean - half + shift,
            high: mean + half + shift,
        }
    });
    Some(MeanScore {
        mean: mean + shift,
        std_dev,
        interval,
    })
}

/// A net score (% positive − % negative, in points) with its standard error, margin of
/// error and interval, the NPS formula of [contract](crate::contract).
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct NetScore {
    /// % positive − % negative, in −100..=100.
    pub score: f64,
    /// The standard error as a share: sqrt((p + d − (p − d)²) / n).
    pub standard_error: f64,
    /// The margin of error at 95 % in points: z · standard error · 100.
    pub margin_of_error: f64,
    /// The Wald 95 % interval in points, clamped to −100..=100.
    pub interval: Interval,
    /// Whether the margin of error is wider than ±10 points.
    pub small_sample: bool,
}

/// The net score of `positive`, `negative` out of `n` at confidence `confidence`.
pub(crate) fn net_score(positive: u64, negative: u64, n: u64, confidence: f64) -> Option<NetScore> {
    if n == 0 {
        return None;
    }
    let z = normal_quantile(0.5 + confidence / 2.0).filter(|_| confidence > 0.0)?;
    let nf = n as f64;
    let p = positive as f64 / nf;
    let d = negative as f64 / nf;
    let score = (p - d) * 100.0;
    let standard_error = ((p + d - (p - d) * (p - d)).max(0.0) / nf).sqrt();
    let margin_of_error = z * standard_error * 100.0;
    Some(NetScore {
        score,
        standard_error,
        margin_of_error,
        interval: Interval {
            low: (score - margin_of_error).max(-100.0),
            high: (score + margin_of_error).min(100.0),
        },
        small_sample: margin_of_error > SMALL_SAMPLE_POINTS,
    })
}

/// An interval wider than this many points either side flags a snapshot as a small sample.
pub const SMALL_SAMPLE_POINTS: f64 = 10.0;

/// A share of responses in percent with its Wilson interval (in percent).
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Percentage {
    /// The share in percent, 0..=100.
    pub percent: f64,
    /// The Wilson 95 % interval, in percent.
    pub interval: Interval,
    /// Whether the interval reaches more than 10 points from the share on either side.
    pub small_sample: bool,
}

pub(crate) fn percentage(successes: u64, n: u64) -> Option<Percentage> {
    let ci = wilson_interval(successes, n, 0.95)?;
    let percent = successes as f64 / n as f64 * 100.0;
    let interval = Interval {
        low: ci.low * 100.0,
        high: ci.high * 100.0,
    };
    Some(Percentage {
        percent,
        interval,
        small_sample: percent - interval.low > SMALL_SAMPLE_POINTS
            || interval.high - percent > SMALL_SAMPLE_POINTS,
    })
}
