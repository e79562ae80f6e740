//! A desk's whole state, saved and restored (feature `serde`).

use crate::calculator::Calculator;
use crate::error::{Error, Result};
use crate::metrics::calls::CallCenter;
use crate::metrics::sla::SlaTracker;
use crate::metrics::surveys::SurveySuite;
use crate::metrics::tickets::{TicketGrouping, TicketTracker};
use crate::model::{Interaction, SurveyId, SurveyResponse, SurveyScore, TicketId};

use super::backlog::DayAges;
use super::{Desk, DeskConfig, DeskReport, WHAT};

/// A desk's whole state, saved and restored (feature `serde`): each engine's saved state
/// (checked as each engine checks it), the survey and call figures, the events waiting for
/// their ticket and the desk's report.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedDesk<K> {
    version: u32,
    tickets: crate::metrics::tickets::SavedTracker<K>,
    sla: Option<crate::metrics::sla::SavedSla<K>>,
    /// Survey responses by id, when kept (else the survey figures).
    ratings: Vec<SurveyResponse>,
    surveys: Option<SurveySuite>,
    csat_on_tickets: u64,
    calls: CallCenter,
    pending: Vec<Interaction>,
    report: DeskReport,
    latest: Option<i64>,
    #[serde(default)]
    days: Vec<DayAges<K>>,
    #[serde(default)]
    day_end: Option<i64>,
    /// The survey figures by group, the groups of each rating kept by id, and the
    /// remembered groups of tickets that left play (oldest first).
    #[serde(default = "Vec::new")]
    survey_groups: Vec<(K, SurveySuite)>,
    #[serde(default = "Vec::new")]
    rating_keys: Vec<(SurveyId, Vec<K>)>,
    #[serde(default = "Vec::new")]
    gone: Vec<(TicketId, Vec<K>)>,
}

const VERSION: u32 = 1;

impl<G: TicketGrouping> Desk<G> {
    /// The desk's whole state, to serialise.
    pub fn save(&self) -> SavedDesk<G::Key> {
        SavedDesk {
            version: VERSION,
            tickets: self.tickets.save(),
            sla: self.sla.as_ref().map(|s| s.save()),
            ratings: self.ratings.values().copied().collect(),
            surveys: (!self.config.ratings_by_id).then(|| self.surveys.clone()),
            csat_on_tickets: self.csat_on_tickets,
            calls: self.calls.clone(),
            pending: self.pending.values().flatten().copied().collect(),
            report: self.report,
            latest: (self.latest != i64::MIN).then_some(self.latest),
            days: self.days.values().cloned().collect(),
            day_end: self.day_end,
            survey_groups: self
                .survey_groups
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            rating_keys: self
                .rating_keys
                .iter()
                .map(|(k, v)| (*k, v.clone()))
                .collect(),
            gone: self
                .gone_order
                .iter()
                .filter_map(|t| Some((*t, self.gone.get(t)?.clone())))
                .collect(),
        }
    }

    /// A desk with `config` and `grouping` that goes on from a saved state; an
    /// [`Error::CorruptState`] if a part breaks its rules or was saved under another
    /// configuration.
    pub fn restore(config: DeskConfig, grouping: G, saved: SavedDesk<G::Key>) -> Result<Self> {
        let corrupt = |rule: &str| Error::corrupt(WHAT, rule.to_string());
        if saved.version != VERSION {
            return Err(corrupt("another format version"));
        }
        let mut desk = Desk::new(config, grouping.clone())?;
        desk.tickets =
            TicketTracker::restore(desk.config.tickets.clone(), grouping.clone(), saved.tickets)?;
        desk.sla = match (desk.sla.take(), saved.sla) {
            (Some(fresh), Some(s)) => {
                Some(SlaTracker::restore(fresh.config().clone(), grouping, s)?)
            }
            (None, None) => None,
            _ => {
                return Err(corrupt(
                    "saved with SLA policies or without, unlike the desk",
                ));
            }
        };
        // Merged into empty figures of the configuration: another scale is an error.
        match (saved.surveys, desk.config.ratings_by_id) {
            (None, true) => {
                for r in saved.ratings {
                    if desk.ratings.insert(r.id, r).is_some() {
                        return Err(corrupt("a survey id twice"));
                    }
                    desk.surveys.observe(&r)?;
                    desk.csat_on_tickets +=
                        u64::from(r.ticket.is_some() && matches!(r.score, SurveyScore::Csat(_)));
                }
            }
            (Some(s), false) if saved.ratings.is_empty() => {
                desk.surveys.merge(&s)?;
                desk.csat_on_tickets = saved.csat_on_tickets;
            }
            _ => return Err(corrupt("survey ratings kept by id or not, unlike the desk")),
        }
        if desk.csat_on_tickets != saved.csat_on_tickets {
            return Err(corrupt(
                "CSAT responses on tickets that do not match the ratings",
            ));
        }
        desk.calls.merge(&saved.calls)?;
        for e in saved.pending {
            if desk.tickets.is_in_play(e.ticket) {
                return Err(corrupt("an event waiting for a ticket in play"));
            }
            desk.pending.entry(e.ticket).or_default().push(e);
            desk.pending_len += 1;
            desk.pending_oldest = desk.pending_oldest.min(e.at.timestamp());
        }
        desk.report = saved.report;
        for d in saved.days {
            if desk.days.insert(d.day, d).is_some() {
                return Err(corrupt("a backlog day twice"));
            }
        }
        desk.day_end = saved.day_end;
        for (k, suite) in saved.survey_groups {
            // Merged into empty figures of the configuration: another scale is an error.
            let mut fresh = SurveySuite::new(desk.config.csat, desk.config.ces)?;
            fresh.merge(&suite)?;
            if desk.survey_groups.insert(k, fresh).is_some() {
                return Err(corrupt("a survey group twice"));
            }
        }
        for (id, keys) in saved.rating_keys {
            if !desk.ratings.contains_key(&id) || desk.rating_keys.insert(id, keys).is_some() {
                return Err(corrupt("the groups of a rating not kept, or twice"));
            }
        }
        for (t, keys) in saved.gone {
            desk.remember(t, keys);
        }
        desk.latest = saved.latest.unwrap_or(i64::MIN);
        Ok(desk)
    }
}
