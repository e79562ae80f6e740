//! The history's tables beside tickets and contacts: `agent_states` (what each agent was
//! doing, interval by interval), `schedule` (what each agent was planned to do) and
//! `accounts` (customers' account events). Optional, small, read whole; a row that breaks
//! the format's rules is counted under its table, never dropped silently.

use csm_metrics::{
    AccountEvent, AccountEventKind, Activity, AgentId, AgentState, CustomerId, ScheduledActivity,
    StateInterval,
};

use super::rows::{int, seconds};
use super::{History, ReadOptions, take};
use crate::error::Result;
use crate::report::{ImportReport, Rule, Table};

pub(crate) const AGENT_STATE_COLUMNS: [&str; 4] = ["agent_id", "state", "start", "end"];
pub(crate) const SCHEDULE_COLUMNS: [&str; 4] = ["agent_id", "activity", "start", "end"];
pub(crate) const ACCOUNT_COLUMNS: [&str; 5] = ["customer_id", "at", "kind", "revenue", "reason"];

/// An agent id and an interval's two instants, or the rule they break.
fn interval(f: [&[u8]; 4]) -> std::result::Result<(AgentId, [i64; 2]), Rule> {
    match (int(f[0]), seconds(f[2]), seconds(f[3])) {
        (Some(agent), Some(start), Some(end)) => Ok((AgentId(agent), [start, end])),
        _ => Err(Rule::BadIdOrInstant),
    }
}

/// One row of `agent_states`: `agent_id,state,start,end`.
pub(crate) fn agent_state(
    fields: std::result::Result<[&[u8]; 4], Rule>,
) -> std::result::Result<StateInterval, Rule> {
    let f = fields?;
    let state = match f[1] {
        b"available" => AgentState::Available,
        b"on_contact" => AgentState::OnContact,
        b"after_call_work" => AgentState::AfterCallWork,
        b"break" => AgentState::Break,
        b"training" => AgentState::Training,
        b"offline" => AgentState::Offline,
        _ => return Err(Rule::UnknownState),
    };
    let (agent, [start, end]) = interval(f)?;
    Ok(StateInterval {
        agent,
        state,
        start: super::rows::instant(start),
        end: super::rows::instant(end),
    })
}

/// One row of `schedule`: `agent_id,activity,start,end`.
pub(crate) fn scheduled(
    fields: std::result::Result<[&[u8]; 4], Rule>,
) -> std::result::Result<ScheduledActivity, Rule> {
    let f = fields?;
    let activity = match f[1] {
        b"work" => Activity::Work,
        b"break" => Activity::Break,
        b"training" => Activity::Training,
        b"off" => Activity::Off,
        _ => return Err(Rule::UnknownState),
    };
    let (agent, [start, end]) = interval(f)?;
    Ok(ScheduledActivity {
        agent,
        activity,
        start: super::rows::instant(start),
        end: super::rows::instant(end),
    })
}

/// One row of `accounts`: `customer_id,at,kind,revenue,reason`, `revenue` recurring
/// revenue in cents after the event and `reason` a code (each empty: none).
pub(crate) fn account(
    fields: std::result::Result<[&[u8]; 5], Rule>,
) -> std::result::Result<AccountEvent, Rule> {
    let f = fields?;
    let kind = match f[2] {
        b"started" => AccountEventKind::Started,
        b"renewed" => AccountEventKind::Renewed,
        b"expanded" => AccountEventKind::Expanded,
        b"contracted" => AccountEventKind::Contracted,
        b"cancellation_intent" => AccountEventKind::CancellationIntent,
        b"churned" => AccountEventKind::Churned,
        _ => return Err(Rule::UnknownKind),
    };
    let (Some(customer), Some(at)) = (int(f[0]), seconds(f[1])) else {
        return Err(Rule::BadIdOrInstant);
    };
    let revenue = match f[3] {
        b"" => None,
        // Signed cents: a credit is a negative revenue.
        r => Some(seconds(r).ok_or(Rule::BadRevenueOrReason)?),
    };
    let reason = match f[4] {
        b"" => None,
        r => Some(
            int(r)
                .and_then(|n| u16::try_from(n).ok())
                .ok_or(Rule::BadRevenueOrReason)?,
        ),
    };
    Ok(AccountEvent {
        customer: CustomerId(customer),
        at: super::rows::instant(at),
        kind,
        revenue,
        reason,
    })
}

impl History {
    /// Reads `agent_states.csv` (or `.parquet`; absent: nothing), giving each interval to
    /// `observe` (an interval it refuses is counted as refused, by its rule).
    pub fn read_agent_states_with(
        &self,
        options: &ReadOptions,
        report: &mut ImportReport,
        mut observe: impl FnMut(&StateInterval) -> csm_metrics::Result<()>,
    ) -> Result<()> {
        if !self.has("agent_states") {
            return Ok(());
        }
        let table = Table::AgentStates;
        self.each_record(
            &self.path("agent_states"),
            options,
            AGENT_STATE_COLUMNS,
            report,
            table,
            |fields, report| {
                take(table, agent_state(fields), &mut observe, report);
                Ok(())
            },
        )
    }

    /// Reads `schedule.csv` (or `.parquet`; absent: an empty schedule), in file order.
    pub fn read_schedule(
        &self,
        options: &ReadOptions,
        report: &mut ImportReport,
    ) -> Result<Vec<ScheduledActivity>> {
        let mut planned = Vec::new();
        if !self.has("schedule") {
            return Ok(planned);
        }
        let table = Table::Schedule;
        self.each_record(
            &self.path("schedule"),
            options,
            SCHEDULE_COLUMNS,
            report,
            table,
            |fields, report| {
                let mut keep = |a: &ScheduledActivity| {
                    planned.push(*a);
                    Ok(())
                };
                take(table, scheduled(fields), &mut keep, report);
                Ok(())
            },
        )?;
        Ok(planned)
    }

    /// Reads `accounts.csv` (or `.parquet`; absent: nothing), giving each account event to
    /// `observe` (an event it refuses is counted as refused, by its rule).
    pub fn read_accounts_with(
        &self,
        options: &ReadOptions,
        report: &mut ImportReport,
        mut observe: impl FnMut(&AccountEvent) -> csm_metrics::Result<()>,
    ) -> Result<()> {
        if !self.has("accounts") {
            return Ok(());
        }
        let table = Table::Accounts;
        self.each_record(
            &self.path("accounts"),
            options,
            ACCOUNT_COLUMNS,
            report,
            table,
            |fields, report| {
                take(table, account(fields), &mut observe, report);
                Ok(())
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_break_their_rules_by_name() {
        let ok = agent_state(Ok([b"7", b"break", b"60", b"120"])).unwrap();
        assert_eq!((ok.agent, ok.state), (AgentId(7), AgentState::Break));
        assert_eq!(ok.end.timestamp(), 120);
        assert_eq!(
            agent_state(Ok([b"7", b"nap", b"60", b"120"])),
            Err(Rule::UnknownState)
        );
        assert_eq!(
            scheduled(Ok([b"x", b"work", b"60", b"120"])),
            Err(Rule::BadIdOrInstant)
        );
        let a = account(Ok([b"3", b"100", b"contracted", b"-250", b""])).unwrap();
        assert_eq!((a.revenue, a.reason), (Some(-250), None));
        assert_eq!(
            account(Ok([b"3", b"100", b"churned", b"", b"70000"])),
            Err(Rule::BadRevenueOrReason)
        );
        assert_eq!(
            account(Ok([b"3", b"100", b"paused", b"", b""])),
            Err(Rule::UnknownKind)
        );
        assert_eq!(
            account(Err(Rule::WrongFieldCount)),
            Err(Rule::WrongFieldCount)
        );
    }
}
