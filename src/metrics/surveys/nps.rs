//! Net Promoter Score and employee Net Promoter Score.

use super::tally::{NetScore, Tally, net_score};
use crate::calculator::Calculator;
use crate::error::Result;
use crate::model::{SurveyKind, SurveyResponse, SurveyScore};
use crate::stats::Interval;

/// What an NPS or eNPS calculator reports.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct NpsSnapshot {
    /// Responses counted (the sample size n).
    pub responses: u64,
    /// Scores 9-10.
    pub promoters: u64,
    /// Scores 7-8.
    pub passives: u64,
    /// Scores 0-6.
    pub detractors: u64,
    /// % promoters − % detractors, in −100..=100; `None` with no response.
    pub score: Option<f64>,
    /// The standard error as a share, sqrt((p + d − (p − d)²) / n).
    pub standard_error: Option<f64>,
    /// The margin of error at 95 %, in points: 1.959964 · standard error · 100.
    pub margin_of_error: Option<f64>,
    /// The Wald 95 % interval, score ± margin of error, clamped to −100..=100.
    pub interval: Option<Interval>,
    /// Whether the margin of error exceeds ±10 points (or there is no response).
    pub small_sample: bool,
    /// Responses per score 0..=10.
    pub distribution: [u64; 11],
}

impl NpsSnapshot {
    /// Its promoters, passives and detractors, for [`compare::nps`](crate::compare::nps).
    pub fn counts(&self) -> crate::compare::NpsCounts {
        crate::compare::NpsCounts {
            promoters: self.promoters,
            passives: self.passives,
            detractors: self.detractors,
        }
    }

    /// This NPS against another's (an earlier period, the rest of the desk): the
    /// difference in points with its adjusted-Wald 95 % interval and a verdict (see
    /// [`compare`](crate::compare)).
    pub fn compare(
        &self,
        other: &NpsSnapshot,
        options: &crate::compare::CompareOptions,
    ) -> Result<crate::compare::Difference> {
        crate::compare::nps(self.counts(), other.counts(), options)
    }

    fn from_tally(t: &Tally<11>) -> Self {
        let promoters = t.count_in(9..=10);
        let passives = t.count_in(7..=8);
        let detractors = t.count_in(0..=6);
        let net = net_score(promoters, detractors, t.total, 0.95);
        NpsSnapshot {
            responses: t.total,
            promoters,
            passives,
            detractors,
            score: net.map(|n| n.score),
            standard_error: net.map(|n| n.standard_error),
            margin_of_error: net.map(|n| n.margin_of_error),
            interval: net.map(|n| n.interval),
            small_sample: net.is_none_or(|n| n.small_sample),
            distribution: t.counts,
        }
    }

    /// The score with its Wald interval at another confidence (e.g. 0.90); `None` with no
    /// response or a confidence outside `(0, 1)`.
    pub fn at_confidence(&self, confidence: f64) -> Option<NetScore> {
        net_score(self.promoters, self.detractors, self.responses, confidence)
    }
}

macro_rules! promoter_score {
    ($(#[$doc:meta])* $name:ident, $variant:ident, $kind:expr, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Default, PartialEq, Eq)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
        #[cfg_attr(feature = "serde", serde(try_from = "Vec<u64>", into = "Vec<u64>"))]
        pub struct $name {
            tally: Tally<11>,
        }

        impl Calculator for $name {
            type Record = SurveyResponse;
            type Snapshot = NpsSnapshot;

            #[inline]
            fn observe(&mut self, r: &SurveyResponse) -> Result<()> {
                match r.score {
                    SurveyScore::$variant(s) if s <= 10 => self.tally.add(usize::from(s), $what),
                    SurveyScore::$variant(s) => Err(r.out_of_range(s, 0, 10)),
                    _ => Err(r.wrong_kind($kind)),
                }
            }

            fn merge(&mut self, other: &Self) -> Result<()> {
                self.tally.merge(&other.tally, $what)
            }

            fn snapshot(&self) -> NpsSnapshot {
                NpsSnapshot::from_tally(&self.tally)
            }
        }

        impl $name {
            /// Takes back a response counted before (a changed rating); an error,
            /// changing nothing, if none of its score is counted.
            pub fn retract(&mut self, r: &SurveyResponse) -> Result<()> {
                match r.score {
                    SurveyScore::$variant(s) if s <= 10 => self.tally.remove(usize::from(s), $what),
                    SurveyScore::$variant(s) => Err(r.out_of_range(s, 0, 10)),
                    _ => Err(r.wrong_kind($kind)),
                }
            }

            /// Counts a column of scores (0..=10) at once: for columnar inputs (Arrow,
            /// Parquet) that carry no record ids. A score above 10 is an error naming its
            /// row, and nothing is counted.
            pub fn observe_scores(&mut self, scores: &[u8]) -> Result<()> {
                self.tally.add_column(scores, (0, 10), $kind, $what)
            }

            /// A state holding the given count of responses per score 0..=10.
            pub fn from_distribution(counts: [u64; 11]) -> Result<Self> {
                Ok($name {
                    tally: Tally::from_counts(&counts, $what)?,
                })
            }
        }

        #[cfg(feature = "serde")]
        impl From<$name> for Vec<u64> {
            fn from(s: $name) -> Vec<u64> {
                s.tally.counts.to_vec()
            }
        }

        #[cfg(feature = "serde")]
        impl TryFrom<Vec<u64>> for $name {
            type Error = crate::Error;
            fn try_from(counts: Vec<u64>) -> Result<Self> {
                Ok($name {
                    tally: Tally::from_counts(&counts, $what)?,
                })
            }
        }
    };
}

promoter_score!(
    /// Net Promoter Score: % promoters (9-10) − % detractors (0-6) of NPS responses.
    ///
    /// Exact counts; the margin of error at 95 % is
    /// `z · sqrt((p + d − (p − d)²) / n) · 100` with `z = Φ⁻¹(0.975) = 1.959964` and `p`,
    /// `d` the promoter and detractor shares, and the interval is score ± margin, clamped to
    /// −100..=100 (Wald). With 50 promoters, 20 passives and 30 detractors:
    ///
    /// ```
    /// use csm_metrics::{Calculator, NetPromoterScore};
    ///
    /// let mut counts = [0; 11];
    /// (counts[10], counts[7], counts[0]) = (50, 20, 30);
    /// let nps = NetPromoterScore::from_distribution(counts)?.snapshot();
    /// assert!((nps.score.unwrap() - 20.0).abs() < 1e-9);
    /// assert!((nps.standard_error.unwrap() - 0.087178).abs() < 1e-6);
    /// let ci = nps.interval.unwrap();
    /// assert!((ci.low - 2.9134).abs() < 1e-4 && (ci.high - 37.0866).abs() < 1e-4);
    /// # Ok::<(), csm_metrics::Error>(())
    /// ```
    ///
    /// It observes [`SurveyScore::Nps`] responses; a score above 10 or a response of another
    /// kind is an error.
    NetPromoterScore,
    Nps,
    SurveyKind::Nps,
    "NPS"
);

promoter_score!(
    /// Employee Net Promoter Score: the NPS formula over [`SurveyScore::Enps`] responses
    /// ("how likely are you to recommend working here?"), with the same interval.
    EmployeeNetPromoterScore,
    Enps,
    SurveyKind::Enps,
    "eNPS"
);
