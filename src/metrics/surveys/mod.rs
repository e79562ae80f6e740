//! Survey metrics: NPS, eNPS, CSAT, CES, engagement and happiness ([contract](crate::contract) "Surveys").
//!
//! Every survey calculator keeps exact counts per score, so counts, scores and means are
//! exact and merge exactly; intervals are computed from the counts at snapshot time.

mod csat;
mod effort;
mod nps;
mod suite;
mod tally;

pub use csat::{CsatScale, CsatSnapshot, CustomerSatisfaction, HappinessScore, HappinessSnapshot};
pub use effort::{
    CesScale, CesSnapshot, CustomerEffortScore, Engagement, EngagementSnapshot, LikertSnapshot,
};
pub use nps::{EmployeeNetPromoterScore, NetPromoterScore, NpsSnapshot};
pub use suite::{SurveySnapshot, SurveySuite};
pub use tally::{MeanScore, NetScore, Percentage, SMALL_SAMPLE_POINTS};
