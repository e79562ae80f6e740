//! The desk's survey ratings by id: a changed rating replaces the earlier one.

use std::collections::HashMap;

use crate::calculator::Calculator;
use crate::error::Result;
use crate::metrics::tickets::TicketGrouping;
use crate::model::{SurveyId, SurveyResponse, SurveyScore};

use super::Desk;

impl<G: TicketGrouping> Desk<G> {
    /// A survey response: counted, or replacing the rating of its survey id (the later
    /// instant wins), or a duplicate.
    pub(super) fn survey(&mut self, r: &SurveyResponse) -> Result<()> {
        let about_ticket = |r: &SurveyResponse| {
            u64::from(r.ticket.is_some() && matches!(r.score, SurveyScore::Csat(_)))
        };
        let old = match self.ratings.get(&r.id) {
            None => {
                self.surveys.observe(r)?;
                if self.config.ratings_by_id {
                    self.ratings.insert(r.id, *r);
                }
                self.report.surveys += 1;
                self.csat_on_tickets += about_ticket(r);
                return Ok(());
            }
            Some(old) if old == r => {
                self.report.survey_duplicates += 1;
                return Ok(());
            }
            Some(old) if r.at < old.at => {
                self.report.surveys_superseded += 1;
                return Ok(());
            }
            Some(old) => *old,
        };
        self.surveys.retract(&old)?;
        if let Err(e) = self.surveys.observe(r) {
            self.surveys.observe(&old)?;
            return Err(e);
        }
        let csat = &self.surveys.csat;
        if let (Ok(was), Ok(now)) = (csat.is_satisfied(&old), csat.is_satisfied(r)) {
            self.report.good_to_bad += u64::from(was && !now);
            self.report.bad_to_good += u64::from(!was && now);
        }
        self.csat_on_tickets = self.csat_on_tickets - about_ticket(&old) + about_ticket(r);
        self.ratings.insert(r.id, *r);
        self.report.surveys_replaced += 1;
        Ok(())
    }
}

impl<G: TicketGrouping> Desk<G> {
    /// After the survey figures of another desk were added: a survey id rated in both keeps
    /// its later rating (on a tie, this desk's), the other is taken back.
    pub(super) fn merge_ratings(
        &mut self,
        theirs: &HashMap<SurveyId, SurveyResponse>,
    ) -> Result<()> {
        for (id, r) in theirs {
            let Some(mine) = self.ratings.get(id).copied() else {
                self.ratings.insert(*id, *r);
                continue;
            };
            let loser = if r.at > mine.at { mine } else { *r };
            self.surveys.retract(&loser)?;
            self.report.surveys -= 1;
            if loser == *r && mine == *r {
                self.report.survey_duplicates += 1;
            } else {
                self.report.surveys_replaced += 1;
            }
            if loser.ticket.is_some() && matches!(loser.score, SurveyScore::Csat(_)) {
                self.csat_on_tickets -= 1;
            }
            if r.at > mine.at {
                self.ratings.insert(*id, *r);
            }
        }
        Ok(())
    }
}
