//! Customer effort score (CES) and engagement (Likert items).

use std::collections::BTreeMap;

use super::tally::{MeanScore, Percentage, Tally, mean_score, merge_on_scale, percentage};
use crate::calculator::Calculator;
use crate::error::{Error, Result};
use crate::model::{ItemId, SurveyKind, SurveyResponse, SurveyScore};

/// The scale of CES scores: `1..=max`, with `agree_from..=max` agreeing that it was easy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CesScale {
    /// The highest score, 2..=10 (default 7).
    pub max: u8,
    /// The lowest agreeing score, 1..=max (default 5).
    pub agree_from: u8,
}

impl Default for CesScale {
    fn default() -> Self {
        CesScale {
            max: 7,
            agree_from: 5,
        }
    }
}

impl CesScale {
    fn validate(self) -> core::result::Result<(), String> {
        if !(2..=10).contains(&self.max) || !(1..=self.max).contains(&self.agree_from) {
            return Err(format!(
                "scale 1..={} agreeing from {}: max must be 2..=10 and agree_from 1..=max",
                self.max, self.agree_from
            ));
        }
        Ok(())
    }
}

const CES: &str = "CES";

/// Customer effort score: the mean score on 1..=7 ("the company made it easy to handle my
/// issue"), and the % agreeing (5-7).
///
/// [`SurveyResponse::validate`] checks the default 1..=7 scale; a calculator on a custom
/// scale checks its own. Higher is easier.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "CesRepr", into = "CesRepr"))]
pub struct CustomerEffortScore {
    scale: CesScale,
    tally: Tally<11>,
}

/// What a CES calculator reports.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CesSnapshot {
    /// The scale.
    pub scale: CesScale,
    /// Responses counted.
    pub responses: u64,
    /// The mean score with its 95 % interval; `None` with no response.
    pub mean: Option<MeanScore>,
    /// Responses agreeing (`agree_from..=max`).
    pub agreeing: u64,
    /// The share agreeing, in percent, with its Wilson interval.
    pub agree: Option<Percentage>,
    /// Responses per score from 1 up.
    pub distribution: Vec<u64>,
}

impl CustomerEffortScore {
    /// A CES calculator on `scale`.
    pub fn new(scale: CesScale) -> Result<Self> {
        scale.validate().map_err(|r| Error::config(CES, r))?;
        Ok(CustomerEffortScore {
            scale,
            tally: Tally::default(),
        })
    }
}

impl CustomerEffortScore {
    /// A state on `scale` holding `counts[s]` responses of score `s` (0..=10), as
    /// [`CustomerSatisfaction::from_distribution`](crate::CustomerSatisfaction::from_distribution).
    pub fn from_distribution(scale: CesScale, counts: [u64; 11]) -> Result<Self> {
        scale.validate().map_err(|e| Error::config(CES, e))?;
        let tally = Tally::<11>::from_counts(&counts, CES)?;
        let max = usize::from(scale.max);
        if tally
            .counts
            .iter()
            .enumerate()
            .any(|(s, c)| *c > 0 && (s == 0 || s > max))
        {
            return Err(Error::corrupt(CES, "counts for scores outside the scale"));
        }
        Ok(CustomerEffortScore { scale, tally })
    }

    /// Counts a column of scores on the scale at once (see
    /// [`CustomerSatisfaction::observe_scores`](crate::CustomerSatisfaction::observe_scores)).
    pub fn observe_scores(&mut self, scores: &[u8]) -> Result<()> {
        self.tally
            .add_column(scores, (1, self.scale.max), SurveyKind::Ces, CES)
    }
}

impl Calculator for CustomerEffortScore {
    type Record = SurveyResponse;
    type Snapshot = CesSnapshot;

    #[inline]
    fn observe(&mut self, r: &SurveyResponse) -> Result<()> {
        let s = self.slot(r)?;
        self.tally.add(s, CES)
    }

    fn merge(&mut self, other: &Self) -> Result<()> {
        merge_on_scale(
            (&mut self.scale, &mut self.tally),
            (other.scale, &other.tally),
            CES,
        )
    }

    fn snapshot(&self) -> CesSnapshot {
        let t = &self.tally;
        let max = usize::from(self.scale.max);
        let agreeing = t.count_in(usize::from(self.scale.agree_from)..=max);
        let (sum, sum_sq) = t.sums();
        CesSnapshot {
            scale: self.scale,
            responses: t.total,
            mean: mean_score(t.total, sum, sum_sq, 0.0),
            agreeing,
            agree: percentage(agreeing, t.total),
            distribution: t.counts[1..=max].to_vec(),
        }
    }
}

#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
struct CesRepr {
    scale: CesScale,
    counts: Vec<u64>,
}

#[cfg(feature = "serde")]
impl From<CustomerEffortScore> for CesRepr {
    fn from(c: CustomerEffortScore) -> Self {
        CesRepr {
            scale: c.scale,
            counts: c.tally.counts.to_vec(),
        }
    }
}

#[cfg(feature = "serde")]
impl TryFrom<CesRepr> for CustomerEffortScore {
    type Error = Error;
    fn try_from(r: CesRepr) -> Result<Self> {
        r.scale.validate().map_err(|e| Error::corrupt(CES, e))?;
        let counts: [u64; 11] = r.counts.try_into().map_err(|c: Vec<u64>| {
            Error::corrupt(CES, format!("{} counts, 11 expected", c.len()))
        })?;
        CustomerEffortScore::from_distribution(r.scale, counts)
    }
}

const ENGAGEMENT: &str = "engagement";

/// Engagement: the mean of Likert items (1..=5), per item and overall.
///
/// The overall figures pool every item response (each answer weighs the same, whatever
/// its item). `favourable` is the share of 4s and 5s.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(try_from = "Vec<(ItemId, Vec<u64>)>", into = "Vec<(ItemId, Vec<u64>)>")
)]
pub struct Engagement {
    items: BTreeMap<ItemId, Tally<6>>,
    /// Every item pooled; its total bounds every item's, so checking it checks all.
    pooled: Tally<6>,
}

/// Likert figures of one item, or of all items pooled.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct LikertSnapshot {
    /// Answers counted.
    pub responses: u64,
    /// The mean answer with its 95 % interval.
    pub mean: Option<MeanScore>,
    /// The share of 4s and 5s, in percent, with its Wilson interval.
    pub favourable: Option<Percentage>,
    /// Answers per score 1..=5.
    pub distribution: [u64; 5],
}

impl LikertSnapshot {
    fn from_tally(t: &Tally<6>) -> Self {
        let (sum, sum_sq) = t.sums();
        let mut distribution = [0; 5];
        distribution.copy_from_slice(&t.counts[1..]);
        LikertSnapshot {
            responses: t.total,
            mean: mean_score(t.total, sum, sum_sq, 0.0),
            favourable: percentage(t.count_in(4..=5), t.total),
            distribution,
        }
    }
}

/// What an engagement calculator reports.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct EngagementSnapshot {
    /// All items pooled.
    pub overall: LikertSnapshot,
    /// Each item.
    pub items: BTreeMap<ItemId, LikertSnapshot>,
}

impl Calculator for Engagement {
    type Record = SurveyResponse;
    type Snapshot = EngagementSnapshot;

    fn observe(&mut self, r: &SurveyResponse) -> Result<()> {
        let (item, score) = engagement_slot(r)?;
        self.pooled.add(usize::from(score), ENGAGEMENT)?;
        self.items
            .entry(item)
            .or_default()
            .add(usize::from(score), ENGAGEMENT)
    }

    fn merge(&mut self, other: &Self) -> Result<()> {
        self.pooled.merge(&other.pooled, ENGAGEMENT)?;
        for (item, theirs) in &other.items {
            self.items
                .entry(*item)
                .or_default()
                .merge(theirs, ENGAGEMENT)?;
        }
        Ok(())
    }

    fn snapshot(&self) -> EngagementSnapshot {
        EngagementSnapshot {
            overall: LikertSnapshot::from_tally(&self.pooled),
            items: self
                .items
                .iter()
                .map(|(k, t)| (*k, LikertSnapshot::from_tally(t)))
                .collect(),
        }
    }
}

#[cfg(feature = "serde")]
impl From<Engagement> for Vec<(ItemId, Vec<u64>)> {
    fn from(e: Engagement) -> Self {
        e.items
            .into_iter()
            .map(|(k, t)| (k, t.counts.to_vec()))
            .collect()
    }
}

#[cfg(feature = "serde")]
impl TryFrom<Vec<(ItemId, Vec<u64>)>> for Engagement {
    type Error = Error;
    fn try_from(items: Vec<(ItemId, Vec<u64>)>) -> Result<Self> {
        let mut out = Engagement::default();
        for (item, counts) in items {
            let tally = Tally::<6>::from_counts(&counts, ENGAGEMENT)?;
            if tally.counts[0] > 0 {
                return Err(Error::corrupt(ENGAGEMENT, "counts for score 0"));
            }
            out.pooled
                .merge(&tally, ENGAGEMENT)
                .map_err(|_| Error::corrupt(ENGAGEMENT, "counts overflow"))?;
            if out.items.insert(item, tally).is_some() {
                return Err(Error::corrupt(ENGAGEMENT, format!("{item} appears twice")));
            }
        }
        Ok(out)
    }
}

impl CustomerEffortScore {
    /// The tally slot of a response, checked against the scale.
    #[inline]
    fn slot(&self, r: &SurveyResponse) -> Result<usize> {
        let SurveyScore::Ces(s) = r.score else {
            return Err(r.wrong_kind(SurveyKind::Ces));
        };
        if s < 1 || s > self.scale.max {
            return Err(r.out_of_range(s, 1, self.scale.max));
        }
        Ok(usize::from(s))
    }

    /// Takes back a response counted before; an error, changing nothing, if none of its
    /// score is counted.
    pub fn retract(&mut self, r: &SurveyResponse) -> Result<()> {
        let s = self.slot(r)?;
        self.tally.remove(s, CES)
    }
}

fn engagement_slot(r: &SurveyResponse) -> Result<(ItemId, u8)> {
    let SurveyScore::Engagement { item, score } = r.score else {
        return Err(r.wrong_kind(SurveyKind::Engagement));
    };
    if !(1..=5).contains(&score) {
        return Err(r.out_of_range(score, 1, 5));
    }
    Ok((item, score))
}

impl Engagement {
    /// Takes back a response counted before; an error, changing nothing, if none of its
    /// item and score is counted. An item with no response left leaves the figures.
    pub fn retract(&mut self, r: &SurveyResponse) -> Result<()> {
        let (item, score) = engagement_slot(r)?;
        let Some(tally) = self.items.get_mut(&item) else {
            return Err(Error::NotPresent {
                what: ENGAGEMENT,
                value: f64::from(score),
            });
        };
        tally.remove(usize::from(score), ENGAGEMENT)?;
        if tally.total == 0 {
            self.items.remove(&item);
        }
        self.pooled.remove(usize::from(score), ENGAGEMENT)
    }
}
