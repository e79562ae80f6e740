//! Calls and live chats offered to a queue.

use chrono::{DateTime, Utc};

use super::{AgentId, CallId, CustomerId, QueueId, Timestamped};
use crate::error::{Error, RecordRef, Rule};

/// A voice call or live chat offered to a queue.
///
/// `hold` is part of the connected time (`answered_at..ended_at`), as most telephony
/// exports record it: talk = connected − hold, handle time = connected + wrap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Call {
    /// The call's id.
    pub id: CallId,
    /// The queue it was offered to.
    pub queue: QueueId,
    /// When it entered the queue.
    pub offered_at: DateTime<Utc>,
    /// When an agent answered it; `None` if the caller hung up first (abandoned).
    pub answered_at: Option<DateTime<Utc>>,
    /// When it ended (hung up by either side).
    pub ended_at: DateTime<Utc>,
    /// Seconds on hold, inside the connected time.
    pub hold: u64,
    /// Seconds of after-call work (wrap-up).
    pub wrap: u64,
    /// The agent who answered it.
    pub agent: Option<AgentId>,
    /// The caller, if known.
    pub customer: Option<CustomerId>,
    /// Whether the agent transferred it to another queue or agent.
    pub transferred: bool,
}

impl Call {
    /// Checks the rules a call can check alone: answered at or after it was offered, ended
    /// at or after that, hold within the connected time, no work on an unanswered call.
    pub fn validate(&self) -> Result<(), Error> {
        let fail = |rule| {
            Err(Error::InvalidRecord {
                record: RecordRef::Call(self.id),
                rule,
            })
        };
        match self.answered_at {
            Some(answered) => {
                if answered < self.offered_at {
                    return fail(Rule::AnsweredBeforeOffered);
                }
                if self.ended_at < answered {
                    return fail(Rule::EndedBeforeStart);
                }
                // Only a call put on hold needs its connected time (a subtraction of
                // instants costs calendar arithmetic).
                let connected = || (self.ended_at - answered).num_seconds().unsigned_abs();
                if self.hold > 0 && self.hold > connected() {
                    return fail(Rule::HoldLongerThanConnected {
                        hold: self.hold,
                        connected: connected(),
                    });
                }
            }
            None => {
                if self.ended_at < self.offered_at {
                    return fail(Rule::EndedBeforeStart);
                }
                if self.agent.is_some() || self.hold > 0 || self.wrap > 0 {
                    return fail(Rule::UnansweredWithWork);
                }
            }
        }
        Ok(())
    }
}

impl Call {
    /// Its handle time in seconds, connected time (answer to end) plus wrap-up; `None` for
    /// an abandoned call. Meaningful for a call that [`validate`](Self::validate)s (an end
    /// before the answer counts as no connected time).
    pub fn handle_seconds(&self) -> Option<f64> {
        self.answered_at.map(|a| {
            let connected = (self.ended_at - a).num_seconds().max(0) as f64;
            connected + self.wrap as f64
        })
    }
}

impl Timestamped for Call {
    #[inline]
    fn at(&self) -> DateTime<Utc> {
        self.offered_at
    }
}
