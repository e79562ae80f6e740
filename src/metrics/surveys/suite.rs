//! Every survey metric from one stream of mixed responses.

use super::{
    CesScale, CesSnapshot, CsatScale, CsatSnapshot, CustomerEffortScore, CustomerSatisfaction,
    EmployeeNetPromoterScore, Engagement, EngagementSnapshot, HappinessScore, HappinessSnapshot,
    NetPromoterScore, NpsSnapshot,
};
use crate::calculator::Calculator;
use crate::error::Result;
use crate::model::{SurveyResponse, SurveyScore};

/// NPS, CSAT, CES, eNPS, engagement and happiness from one stream of responses of any
/// kind: each response goes to the calculator of its kind.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use csm_metrics::{Calculator, SurveyId, SurveyResponse, SurveyScore, SurveySuite};
///
/// let at = Utc.with_ymd_and_hms(2025, 3, 1, 12, 0, 0).unwrap();
/// let mut surveys = SurveySuite::default();
/// surveys.observe(&SurveyResponse::new(SurveyId(1), at, SurveyScore::Nps(10)))?;
/// surveys.observe(&SurveyResponse::new(SurveyId(2), at, SurveyScore::Csat(2)))?;
/// let report = surveys.snapshot();
/// assert_eq!(report.nps.score, Some(100.0));
/// assert_eq!(report.csat.score, Some(0.0));
/// # Ok::<(), csm_metrics::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SurveySuite {
    /// NPS.
    pub nps: NetPromoterScore,
    /// CSAT.
    pub csat: CustomerSatisfaction,
    /// CES.
    pub ces: CustomerEffortScore,
    /// eNPS.
    pub enps: EmployeeNetPromoterScore,
    /// Engagement.
    pub engagement: Engagement,
    /// Happiness.
    pub happiness: HappinessScore,
}

/// What a [`SurveySuite`] reports.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SurveySnapshot {
    /// NPS.
    pub nps: NpsSnapshot,
    /// CSAT.
    pub csat: CsatSnapshot,
    /// CES.
    pub ces: CesSnapshot,
    /// eNPS.
    pub enps: NpsSnapshot,
    /// Engagement.
    pub engagement: EngagementSnapshot,
    /// Happiness.
    pub happiness: HappinessSnapshot,
}

impl SurveySuite {
    /// A suite with the given CSAT and CES scales.
    pub fn new(csat: CsatScale, ces: CesScale) -> Result<Self> {
        Ok(SurveySuite {
            csat: CustomerSatisfaction::new(csat)?,
            ces: CustomerEffortScore::new(ces)?,
            ..SurveySuite::default()
        })
    }
}

impl SurveySuite {
    /// Takes back a response counted before (a rating the customer changed, before its
    /// new one is observed); an error, changing nothing, if none like it is counted.
    pub fn retract(&mut self, r: &SurveyResponse) -> Result<()> {
        match r.score {
            SurveyScore::Nps(_) => self.nps.retract(r),
            SurveyScore::Csat(_) => self.csat.retract(r),
            SurveyScore::Ces(_) => self.ces.retract(r),
            SurveyScore::Enps(_) => self.enps.retract(r),
            SurveyScore::Engagement { .. } => self.engagement.retract(r),
            SurveyScore::Happiness(_) => self.happiness.retract(r),
        }
    }
}

impl Calculator for SurveySuite {
    type Record = SurveyResponse;
    type Snapshot = SurveySnapshot;

    #[inline]
    fn observe(&mut self, r: &SurveyResponse) -> Result<()> {
        match r.score {
            SurveyScore::Nps(_) => self.nps.observe(r),
            SurveyScore::Csat(_) => self.csat.observe(r),
            SurveyScore::Ces(_) => self.ces.observe(r),
            SurveyScore::Enps(_) => self.enps.observe(r),
            SurveyScore::Engagement { .. } => self.engagement.observe(r),
            SurveyScore::Happiness(_) => self.happiness.observe(r),
        }
    }

    fn merge(&mut self, other: &Self) -> Result<()> {
        let mut merged = self.clone();
        merged.nps.merge(&other.nps)?;
        merged.csat.merge(&other.csat)?;
        merged.ces.merge(&other.ces)?;
        merged.enps.merge(&other.enps)?;
        merged.engagement.merge(&other.engagement)?;
        merged.happiness.merge(&other.happiness)?;
        *self = merged;
        Ok(())
    }

    fn snapshot(&self) -> SurveySnapshot {
        SurveySnapshot {
            nps: self.nps.snapshot(),
            csat: self.csat.snapshot(),
            ces: self.ces.snapshot(),
            enps: self.enps.snapshot(),
            engagement: self.engagement.snapshot(),
            happiness: self.happiness.snapshot(),
        }
    }
}
