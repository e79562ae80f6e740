//! Agent state intervals and scheduled activities, for occupancy and schedule adherence.

use chrono::{DateTime, Utc};

use super::{AgentId, Timestamped};
use crate::error::{Error, RecordRef, Rule};

/// What an agent's phone or chat system says they are doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum AgentState {
    /// Logged in and ready for a contact.
    Available,
    /// On a call or chat.
    OnContact,
    /// Wrapping up after a contact.
    AfterCallWork,
    /// On a break.
    Break,
    /// In training or a meeting.
    Training,
    /// Logged out.
    Offline,
}

impl AgentState {
    /// Every state, in order.
    pub const ALL: [AgentState; 6] = [
        AgentState::Available,
        AgentState::OnContact,
        AgentState::AfterCallWork,
        AgentState::Break,
        AgentState::Training,
        AgentState::Offline,
    ];

    /// Whether the state is work: available, on a contact, or in after-call work.
    pub fn is_work(self) -> bool {
        matches!(
            self,
            AgentState::Available | AgentState::OnContact | AgentState::AfterCallWork
        )
    }
}

/// An interval an agent spent in one state, `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct StateInterval {
    /// The agent.
    pub agent: AgentId,
    /// The state.
    pub state: AgentState,
    /// When it began.
    pub start: DateTime<Utc>,
    /// When it ended.
    pub end: DateTime<Utc>,
}

impl StateInterval {
    /// Checks that it does not end before it starts.
    pub fn validate(&self) -> Result<(), Error> {
        if self.end < self.start {
            return Err(Error::InvalidRecord {
                record: RecordRef::AgentState(self.agent, self.start),
                rule: Rule::EndsBeforeItStarts,
            });
        }
        Ok(())
    }

    /// Its length in seconds (0 if it ends before it starts).
    pub fn seconds(&self) -> u64 {
        u64::try_from((self.end - self.start).num_seconds()).unwrap_or(0)
    }
}

impl Timestamped for StateInterval {
    #[inline]
    fn at(&self) -> DateTime<Utc> {
        self.start
    }
}

/// What a schedule plans an agent to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Activity {
    /// Handle contacts: available, on a contact or in after-call work all adhere.
    Work,
    /// A break.
    Break,
    /// Training or a meeting.
    Training,
    /// Planned time off while on the schedule (logged out adheres).
    Off,
}

impl Activity {
    /// Whether an agent in `state` adheres to this activity.
    pub fn admits(self, state: AgentState) -> bool {
        match self {
            Activity::Work => state.is_work(),
            Activity::Break => state == AgentState::Break,
            Activity::Training => state == AgentState::Training,
            Activity::Off => state == AgentState::Offline,
        }
    }
}

/// One planned activity of an agent's schedule, `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ScheduledActivity {
    /// The agent.
    pub agent: AgentId,
    /// What is planned.
    pub activity: Activity,
    /// When it begins.
    pub start: DateTime<Utc>,
    /// When it ends.
    pub end: DateTime<Utc>,
}
