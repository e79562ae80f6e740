//! Customer satisfaction (CSAT) and Help Scout-style happiness.

use super::tally::{MeanScore, NetScore, Tally, mean_score, merge_on_scale, net_score, percentage};
use crate::calculator::Calculator;
use crate::error::{Error, Result};
use crate::model::{Happiness, SurveyKind, SurveyResponse, SurveyScore};
use crate::stats::Interval;

/// The scale of CSAT scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum CsatScale {
    /// Scores `1..=max`; `satisfied_from..=max` count as satisfied. The default is 1..=5
    /// with 4 and 5 satisfied (top-two-box).
    Points {
        /// The highest score, 2..=10.
        max: u8,
        /// The lowest satisfied score, 1..=max.
        satisfied_from: u8,
    },
    /// Thumbs: 0 is down, 1 is up (satisfied).
    Thumbs,
}

impl Default for CsatScale {
    fn default() -> Self {
        CsatScale::Points {
            max: 5,
            satisfied_from: 4,
        }
    }
}

impl CsatScale {
    /// The lowest score, the highest, and the lowest satisfied one.
    fn bounds(self) -> (u8, u8, u8) {
        match self {
            CsatScale::Points {
                max,
                satisfied_from,
            } => (1, max, satisfied_from),
            CsatScale::Thumbs => (0, 1, 1),
        }
    }

    fn validate(self) -> core::result::Result<(), String> {
        if let CsatScale::Points {
            max,
            satisfied_from,
        } = self
        {
            if !(2..=10).contains(&max) || !(1..=max).contains(&satisfied_from) {
                return Err(format!(
                    "scale 1..={max} with satisfied from {satisfied_from}: max must be 2..=10 and satisfied_from 1..=max"
                ));
            }
        }
        Ok(())
    }
}

const CSAT: &str = "CSAT";

/// Customer satisfaction: satisfied responses / responses × 100, with the mean score and a
/// Wilson 95 % interval.
///
/// Satisfied means `satisfied_from..=max` on a points scale (4-5 of 1-5 by default, the
/// "top-two-box"), or a thumbs up. The interval is Wilson's score interval of the satisfied
/// share, in percent; `small_sample` flags an interval reaching more than 10 points from
/// the score.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use csm_metrics::{Calculator, CsatScale, CustomerSatisfaction, SurveyId, SurveyResponse,
///                   SurveyScore};
///
/// let at = Utc.with_ymd_and_hms(2025, 3, 1, 12, 0, 0).unwrap();
/// let mut csat = CustomerSatisfaction::default();
/// for (id, score) in [(1, 5), (2, 4), (3, 4), (4, 2), (5, 5)] {
///     csat.observe(&SurveyResponse::new(SurveyId(id), at, SurveyScore::Csat(score)))?;
/// }
/// let s = csat.snapshot();
/// assert_eq!(s.score, Some(80.0));
/// assert_eq!(s.mean.unwrap().mean, 4.0);
///
/// let mut thumbs = CustomerSatisfaction::new(CsatScale::Thumbs)?;
/// thumbs.observe(&SurveyResponse::new(SurveyId(6), at, SurveyScore::Csat(1)))?;
/// assert_eq!(thumbs.snapshot().score, Some(100.0));
/// assert!(thumbs.observe(&SurveyResponse::new(SurveyId(7), at, SurveyScore::Csat(2))).is_err());
/// # Ok::<(), csm_metrics::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "CsatRepr", into = "CsatRepr"))]
pub struct CustomerSatisfaction {
    scale: CsatScale,
    tally: Tally<11>,
}

/// What a CSAT calculator reports.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CsatSnapshot {
    /// The scale.
    pub scale: CsatScale,
    /// Responses counted.
    pub responses: u64,
    /// Satisfied responses.
    pub satisfied: u64,
    /// satisfied / responses × 100; `None` with no response.
    pub score: Option<f64>,
    /// The Wilson 95 % interval of the score, in percent.
    pub interval: Option<Interval>,
    /// The mean score (for thumbs: the share of ups, 0..=1).
    pub mean: Option<MeanScore>,
    /// Whether the interval reaches more than ±10 points from the score (or no response).
    pub small_sample: bool,
    /// Responses per score, from the scale's lowest score up.
    pub distribution: Vec<u64>,
}

impl CsatSnapshot {
    /// This CSAT against another's (an earlier period, the rest of the desk): the
    /// difference in percentage points with Newcombe's 95 % interval and a verdict (see
    /// [`compare`](crate::compare)); [`CompareOptions::detectable`](crate::compare::CompareOptions::detectable)
    /// in points too.
    pub fn compare(
        &self,
        other: &CsatSnapshot,
        options: &crate::compare::CompareOptions,
    ) -> Result<crate::compare::Difference> {
        let mut o = *options;
        o.detectable = o.detectable.map(|d| d / 100.0);
        let d = crate::compare::proportions(
            (self.satisfied, self.responses),
            (other.satisfied, other.responses),
            &o,
        )?;
        Ok(d.scaled(100.0))
    }
}

impl CustomerSatisfaction {
    /// A CSAT calculator on `scale`.
    pub fn new(scale: CsatScale) -> Result<Self> {
        scale.validate().map_err(|r| Error::config(CSAT, r))?;
        Ok(CustomerSatisfaction {
            scale,
            tally: Tally::default(),
        })
    }

    /// The scale.
    pub fn scale(&self) -> CsatScale {
        self.scale
    }

    /// A state on `scale` holding `counts[s]` responses of score `s` (0..=10): for engines
    /// that carry the distribution between processes. Counts for scores off the scale are
    /// an error.
    pub fn from_distribution(scale: CsatScale, counts: [u64; 11]) -> Result<Self> {
        scale.validate().map_err(|e| Error::config(CSAT, e))?;
        let tally = Tally::<11>::from_counts(&counts, CSAT)?;
        let (min, max, _) = scale.bounds();
        let outside = tally
            .counts
            .iter()
            .enumerate()
            .any(|(s, c)| *c > 0 && (s < usize::from(min) || s > usize::from(max)));
        if outside {
            return Err(Error::corrupt(CSAT, "counts for scores outside the scale"));
        }
        Ok(CustomerSatisfaction { scale, tally })
    }

    /// The tally slot of a response, checked against the scale.
    #[inline]
    fn slot(&self, r: &SurveyResponse) -> Result<usize> {
        let SurveyScore::Csat(s) = r.score else {
            return Err(r.wrong_kind(SurveyKind::Csat));
        };
        let (min, max, _) = self.scale.bounds();
        if s < min || s > max {
            return Err(r.out_of_range(s, min, max));
        }
        Ok(usize::from(s))
    }

    /// Takes back a response counted before (a rating the customer changed); an error,
    /// changing nothing, if no response of its score is counted.
    pub fn retract(&mut self, r: &SurveyResponse) -> Result<()> {
        let s = self.slot(r)?;
        self.tally.remove(s, CSAT)
    }

    /// Whether a response is satisfied on this scale (an error if it is no CSAT response
    /// on the scale).
    pub fn is_satisfied(&self, r: &SurveyResponse) -> Result<bool> {
        let s = self.slot(r)?;
        let (_, _, from) = self.scale.bounds();
        Ok(s >= usize::from(from))
    }

    /// Counts a column of scores on the scale at once: for columnar inputs (Arrow,
    /// Parquet) that carry no record ids. A score off the scale is an error naming its
    /// row, and nothing is counted.
    pub fn observe_scores(&mut self, scores: &[u8]) -> Result<()> {
        let (min, max, _) = self.scale.bounds();
        self.tally
            .add_column(scores, (min, max), SurveyKind::Csat, CSAT)
    }
}

impl Calculator for CustomerSatisfaction {
    type Record = SurveyResponse;
    type Snapshot = CsatSnapshot;

    #[inline]
    fn observe(&mut self, r: &SurveyResponse) -> Result<()> {
        let s = self.slot(r)?;
        self.tally.add(s, CSAT)
    }

    fn merge(&mut self, other: &Self) -> Result<()> {
        merge_on_scale(
            (&mut self.scale, &mut self.tally),
            (other.scale, &other.tally),
            CSAT,
        )
    }

    fn snapshot(&self) -> CsatSnapshot {
        let (min, max, from) = self.scale.bounds();
        let t = &self.tally;
        let satisfied = t.count_in(usize::from(from)..=usize::from(max));
        let share = percentage(satisfied, t.total);
        let (sum, sum_sq) = t.sums();
        CsatSnapshot {
            scale: self.scale,
            responses: t.total,
            satisfied,
            score: share.map(|p| p.percent),
            interval: share.map(|p| p.interval),
            mean: mean_score(t.total, sum, sum_sq, 0.0),
            small_sample: share.is_none_or(|p| p.small_sample),
            distribution: t.counts[usize::from(min)..=usize::from(max)].to_vec(),
        }
    }
}

#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
struct CsatRepr {
    scale: CsatScale,
    counts: Vec<u64>,
}

#[cfg(feature = "serde")]
impl From<CustomerSatisfaction> for CsatRepr {
    fn from(c: CustomerSatisfaction) -> Self {
        CsatRepr {
            scale: c.scale,
            counts: c.tally.counts.to_vec(),
        }
    }
}

#[cfg(feature = "serde")]
impl TryFrom<CsatRepr> for CustomerSatisfaction {
    type Error = Error;
    fn try_from(r: CsatRepr) -> Result<Self> {
        r.scale.validate().map_err(|e| Error::corrupt(CSAT, e))?;
        let counts: [u64; 11] = r.counts.try_into().map_err(|c: Vec<u64>| {
            Error::corrupt(CSAT, format!("{} counts, 11 expected", c.len()))
        })?;
        CustomerSatisfaction::from_distribution(r.scale, counts)
    }
}

const HAPPINESS: &str = "happiness";

/// Help Scout's happiness score: % great − % not good of three-point ratings, in points,
/// with the margin of error of the NPS formula (it is the same trinomial shape).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "Vec<u64>", into = "Vec<u64>"))]
pub struct HappinessScore {
    /// Counts of great, okay, not good.
    tally: Tally<3>,
}

/// What a happiness calculator reports.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct HappinessSnapshot {
    /// Ratings counted.
    pub responses: u64,
    /// "Great" ratings.
    pub great: u64,
    /// "Okay" ratings.
    pub okay: u64,
    /// "Not good" ratings.
    pub not_good: u64,
    /// The score with its margin of error and interval; `None` with no rating.
    pub net: Option<NetScore>,
    /// % great − % not good; `None` with no rating.
    pub score: Option<f64>,
}

impl Calculator for HappinessScore {
    type Record = SurveyResponse;
    type Snapshot = HappinessSnapshot;

    #[inline]
    fn observe(&mut self, r: &SurveyResponse) -> Result<()> {
        self.tally.add(happiness_slot(r)?, HAPPINESS)
    }

    fn merge(&mut self, other: &Self) -> Result<()> {
        self.tally.merge(&other.tally, HAPPINESS)
    }

    fn snapshot(&self) -> HappinessSnapshot {
        let [great, okay, not_good] = self.tally.counts;
        let net = net_score(great, not_good, self.tally.total, 0.95);
        HappinessSnapshot {
            responses: self.tally.total,
            great,
            okay,
            not_good,
            score: net.map(|n| n.score),
            net,
        }
    }
}

#[cfg(feature = "serde")]
impl From<HappinessScore> for Vec<u64> {
    fn from(h: HappinessScore) -> Vec<u64> {
        h.tally.counts.to_vec()
    }
}

#[cfg(feature = "serde")]
impl TryFrom<Vec<u64>> for HappinessScore {
    type Error = Error;
    fn try_from(counts: Vec<u64>) -> Result<Self> {
        Ok(HappinessScore {
            tally: Tally::from_counts(&counts, HAPPINESS)?,
        })
    }
}

fn happiness_slot(r: &SurveyResponse) -> Result<usize> {
    match r.score {
        SurveyScore::Happiness(Happiness::Great) => Ok(0),
        SurveyScore::Happiness(Happiness::Okay) => Ok(1),
        SurveyScore::Happiness(Happiness::NotGood) => Ok(2),
        _ => Err(r.wrong_kind(SurveyKind::Happiness)),
    }
}

impl HappinessScore {
    /// Takes back a response counted before; an error, changing nothing, if none of its
    /// rating is counted.
    pub fn retract(&mut self, r: &SurveyResponse) -> Result<()> {
        self.tally.remove(happiness_slot(r)?, HAPPINESS)
    }
}
