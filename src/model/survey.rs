//! Survey responses: NPS, CSAT, CES, eNPS, engagement items and happiness ratings.

use core::fmt;

use chrono::{DateTime, Utc};

use super::{AgentId, CustomerId, ItemId, SurveyId, TicketId, Timestamped};
use crate::error::{Error, RecordRef, Rule};

/// The kind of a survey response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum SurveyKind {
    /// Net Promoter Score, 0..=10.
    Nps,
    /// Customer satisfaction on the calculator's scale (1..=5 by default, or thumbs).
    Csat,
    /// Customer effort score, 1..=7.
    Ces,
    /// Employee Net Promoter Score, 0..=10.
    Enps,
    /// An engagement item, Likert 1..=5.
    Engagement,
    /// A Help Scout-style happiness rating (great, okay, not good).
    Happiness,
}

impl fmt::Display for SurveyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SurveyKind::Nps => "NPS",
            SurveyKind::Csat => "CSAT",
            SurveyKind::Ces => "CES",
            SurveyKind::Enps => "eNPS",
            SurveyKind::Engagement => "engagement",
            SurveyKind::Happiness => "happiness",
        })
    }
}

/// A Help Scout-style three-point happiness rating.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Happiness {
    /// "Great".
    Great,
    /// "Okay".
    Okay,
    /// "Not good".
    NotGood,
}

/// The score of a response, by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum SurveyScore {
    /// "How likely are you to recommend us?" 0..=10.
    Nps(u8),
    /// A satisfaction score. Its scale is the CSAT calculator's: 1..=5 by default, 1..=N,
    /// or thumbs (0 = down, 1 = up).
    Csat(u8),
    /// "How easy was it?" 1..=7.
    Ces(u8),
    /// eNPS: "How likely are you to recommend working here?" 0..=10.
    Enps(u8),
    /// One engagement item answered on a Likert scale 1..=5.
    Engagement {
        /// The item (question).
        item: ItemId,
        /// The answer, 1..=5.
        score: u8,
    },
    /// A happiness rating.
    Happiness(Happiness),
}

impl SurveyScore {
    /// The kind of this score.
    pub fn kind(&self) -> SurveyKind {
        match self {
            SurveyScore::Nps(_) => SurveyKind::Nps,
            SurveyScore::Csat(_) => SurveyKind::Csat,
            SurveyScore::Ces(_) => SurveyKind::Ces,
            SurveyScore::Enps(_) => SurveyKind::Enps,
            SurveyScore::Engagement { .. } => SurveyKind::Engagement,
            SurveyScore::Happiness(_) => SurveyKind::Happiness,
        }
    }
}

/// One survey response.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use csm_metrics::{SurveyId, SurveyResponse, SurveyScore};
///
/// let at = Utc.with_ymd_and_hms(2025, 3, 1, 12, 0, 0).unwrap();
/// let response = SurveyResponse::new(SurveyId(17), at, SurveyScore::Nps(11));
/// let err = response.validate().unwrap_err();
/// assert_eq!(err.to_string(), "survey 17: NPS score 11 is outside 0..=10");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SurveyResponse {
    /// The response's id.
    pub id: SurveyId,
    /// When the response was given.
    pub at: DateTime<Utc>,
    /// The score, by kind.
    pub score: SurveyScore,
    /// The ticket the survey was about, if any.
    pub ticket: Option<TicketId>,
    /// The agent rated (or, for eNPS and engagement, the employee who answered), if any.
    pub agent: Option<AgentId>,
    /// The customer who answered, if any.
    pub customer: Option<CustomerId>,
}

impl SurveyResponse {
    /// A response with no ticket, agent or customer; set those fields as needed.
    pub fn new(id: SurveyId, at: DateTime<Utc>, score: SurveyScore) -> Self {
        SurveyResponse {
            id,
            at,
            score,
            ticket: None,
            agent: None,
            customer: None,
        }
    }

    /// The kind of this response.
    #[inline]
    pub fn kind(&self) -> SurveyKind {
        self.score.kind()
    }

    /// Checks the rules a response can check alone: NPS and eNPS on 0..=10, CES on 1..=7,
    /// engagement on 1..=5. A CSAT score is checked by the CSAT calculator, whose scale is
    /// configurable.
    pub fn validate(&self) -> Result<(), Error> {
        let (score, min, max) = match self.score {
            SurveyScore::Nps(s) | SurveyScore::Enps(s) => (s, 0, 10),
            SurveyScore::Ces(s) => (s, 1, 7),
            SurveyScore::Engagement { score, .. } => (score, 1, 5),
            SurveyScore::Csat(_) | SurveyScore::Happiness(_) => return Ok(()),
        };
        if score < min || score > max {
            return Err(self.out_of_range(score, min, max));
        }
        Ok(())
    }

    pub(crate) fn out_of_range(&self, score: u8, min: u8, max: u8) -> Error {
        Error::InvalidRecord {
            record: RecordRef::Survey(self.id),
            rule: Rule::ScoreOutOfRange {
                kind: self.kind(),
                score,
                min,
                max,
            },
        }
    }

    pub(crate) fn wrong_kind(&self, expected: SurveyKind) -> Error {
        Error::InvalidRecord {
            record: RecordRef::Survey(self.id),
            rule: Rule::WrongSurveyKind {
                expected,
                found: self.kind(),
            },
        }
    }
}

impl Timestamped for SurveyResponse {
    #[inline]
    fn at(&self) -> DateTime<Utc> {
        self.at
    }
}
