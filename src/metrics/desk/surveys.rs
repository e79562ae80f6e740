//! The desk's survey ratings by id: a changed rating replaces the earlier one.

use std::collections::HashMap;

use crate::calculator::Calculator;
use crate::error::Result;
use crate::metrics::surveys::SurveySuite;
use crate::metrics::tickets::TicketGrouping;
use crate::model::{SurveyId, SurveyResponse, SurveyScore, TicketId};

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
                let keys = self.groups_of(r);
                self.put_groups(r, &keys, true)?;
                if self.config.ratings_by_id {
                    self.ratings.insert(r.id, *r);
                    self.rating_keys.insert(r.id, keys);
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
        // The later rating goes where its ticket is filed now; the earlier one leaves
        // where it went.
        let old_keys = self.rating_keys.remove(&r.id).unwrap_or_default();
        self.put_groups(&old, &old_keys, false)?;
        if old_keys.is_empty() {
            self.report.surveys_unattributed -= 1;
        }
        let keys = self.groups_of(r);
        self.put_groups(r, &keys, true)?;
        self.rating_keys.insert(r.id, keys);
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

    /// The groups a rating is credited to: its ticket's, in play or remembered (none
    /// without a ticket or when the ticket is unknown: counted as unattributed).
    fn groups_of(&mut self, r: &SurveyResponse) -> Vec<G::Key> {
        let keys = r.ticket.and_then(|t| {
            self.tickets
                .keys_of(t)
                .or_else(|| self.gone.get(&t).cloned())
        });
        match keys {
            Some(keys) if !keys.is_empty() => keys,
            _ => {
                self.report.surveys_unattributed += 1;
                Vec::new()
            }
        }
    }

    /// Adds (`add`) or retracts a rating in the figures of `keys`. The suites share the
    /// overall one's scales, which took the rating already: this cannot fail short of a
    /// counter overflow.
    fn put_groups(&mut self, r: &SurveyResponse, keys: &[G::Key], add: bool) -> Result<()> {
        for k in keys {
            let suite = match self.survey_groups.get_mut(k) {
                Some(s) => s,
                None => {
                    let fresh = SurveySuite::new(self.config.csat, self.config.ces)?;
                    self.survey_groups.entry(k.clone()).or_insert(fresh)
                }
            };
            if add {
                suite.observe(r)?;
            } else {
                suite.retract(r)?;
            }
        }
        Ok(())
    }

    /// Remembers the groups of a ticket that left play, for the ratings that come after
    /// (the oldest forgotten past [`DeskConfig::survey_memory`](super::DeskConfig::survey_memory)).
    pub(super) fn remember(&mut self, ticket: TicketId, keys: Vec<G::Key>) {
        if self.config.survey_memory == 0 {
            return;
        }
        if self.gone.insert(ticket, keys).is_none() {
            self.gone_order.push_back(ticket);
        }
        while self.gone_order.len() > self.config.survey_memory {
            if let Some(old) = self.gone_order.pop_front() {
                self.gone.remove(&old);
            }
        }
    }
}

impl<G: TicketGrouping> Desk<G> {
    /// After the survey figures of another desk were added: a survey id rated in both keeps
    /// its later rating (on a tie, this desk's), the other is taken back.
    pub(super) fn merge_ratings(
        &mut self,
        theirs: &HashMap<SurveyId, SurveyResponse>,
        their_keys: &HashMap<SurveyId, Vec<G::Key>>,
    ) -> Result<()> {
        for (id, r) in theirs {
            let keys = their_keys.get(id).cloned().unwrap_or_default();
            let Some(mine) = self.ratings.get(id).copied() else {
                self.ratings.insert(*id, *r);
                self.rating_keys.insert(*id, keys);
                continue;
            };
            let loser = if r.at > mine.at { mine } else { *r };
            self.surveys.retract(&loser)?;
            let loser_keys = if r.at > mine.at {
                self.rating_keys.get(id).cloned().unwrap_or_default()
            } else {
                keys.clone()
            };
            self.put_groups(&loser, &loser_keys, false)?;
            if loser_keys.is_empty() {
                self.report.surveys_unattributed -= 1;
            }
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
                self.rating_keys.insert(*id, keys);
            }
        }
        Ok(())
    }
}
