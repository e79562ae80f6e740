//! Ticket figures in business time: the business part of a lifecycle aggregate.

use crate::calculator::Calculator;
use crate::error::{Error, Result};
use crate::stats::{DurationSnapshot, DurationSummary, SurvivalSnapshot};

use super::lifecycle::{WHAT, ratio};

/// The business-time durations of a solved ticket, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BusinessFacts {
    /// Created → first solve.
    pub first_resolution: u64,
    /// Created → latest solve.
    pub full_resolution: u64,
    /// Business time in new, open and on-hold.
    pub requester_wait: u64,
    /// Business time in new and open.
    pub agent_work: u64,
    /// Business time in pending.
    pub agent_wait: u64,
    /// Business time in on-hold.
    pub on_hold: u64,
}

/// The default business first-response target: 8 business hours.
pub const DEFAULT_BUSINESS_RESPONSE_TARGET: u64 = 8 * 3_600;

/// Ticket figures in business time (on the tracker's calendar).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct BusinessLifecycle {
    pub(crate) first_response: DurationSummary,
    pub(crate) first_resolution: DurationSummary,
    pub(crate) full_resolution: DurationSummary,
    pub(crate) requester_wait: DurationSummary,
    pub(crate) agent_work: DurationSummary,
    pub(crate) agent_wait: DurationSummary,
    pub(crate) on_hold: DurationSummary,
    pub(crate) response_target: u64,
    pub(crate) responded_within: u64,
    pub(crate) resolution_target: u64,
    pub(crate) resolved_within: u64,
}

/// What [`BusinessLifecycle`] reports: durations in business seconds, rates `0..=1`.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct BusinessSnapshot {
    /// First response time.
    pub first_response: DurationSnapshot,
    /// First resolution time.
    pub first_resolution: DurationSnapshot,
    /// Full resolution time.
    pub full_resolution: DurationSnapshot,
    /// Requester wait time.
    pub requester_wait: DurationSnapshot,
    /// Agent work time.
    pub agent_work: DurationSnapshot,
    /// Agent wait time (pending).
    pub agent_wait: DurationSnapshot,
    /// On-hold time.
    pub on_hold: DurationSnapshot,
    /// The first-response target, business seconds.
    pub response_target: u64,
    /// Answered tickets whose business first response is within the target / answered.
    pub responded_within_target: Option<f64>,
    /// The resolution target, business seconds.
    pub resolution_target: u64,
    /// Solved tickets whose business full resolution is within the target / solved.
    pub resolved_within_target: Option<f64>,
    /// Business first response time with the unanswered tickets censored at their
    /// business wait (see [`LifecycleSnapshot::first_response_survival`](super::LifecycleSnapshot::first_response_survival)).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub first_response_survival: Option<SurvivalSnapshot>,
    /// Business full resolution time with the backlog censored at its business age.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub full_resolution_survival: Option<SurvivalSnapshot>,
}

impl BusinessLifecycle {
    pub(crate) fn new(
        summary: DurationSummary,
        response_target: u64,
        resolution_target: u64,
    ) -> Self {
        BusinessLifecycle {
            first_response: summary.clone(),
            first_resolution: summary.clone(),
            full_resolution: summary.clone(),
            requester_wait: summary.clone(),
            agent_work: summary.clone(),
            agent_wait: summary.clone(),
            on_hold: summary,
            response_target,
            responded_within: 0,
            resolution_target,
            resolved_within: 0,
        }
    }

    pub(crate) fn put_response(&mut self, seconds: u64, add: bool) -> Result<()> {
        if add {
            self.first_response.add(seconds)?;
            self.responded_within += u64::from(seconds <= self.response_target);
        } else {
            self.first_response.remove(seconds)?;
            self.responded_within -= u64::from(seconds <= self.response_target);
        }
        Ok(())
    }

    pub(super) fn put_solved(&mut self, f: &BusinessFacts, add: bool) -> Result<()> {
        let put = |d: &mut DurationSummary, v: u64| if add { d.add(v) } else { d.remove(v) };
        put(&mut self.first_resolution, f.first_resolution)?;
        put(&mut self.full_resolution, f.full_resolution)?;
        put(&mut self.requester_wait, f.requester_wait)?;
        put(&mut self.agent_work, f.agent_work)?;
        put(&mut self.agent_wait, f.agent_wait)?;
        put(&mut self.on_hold, f.on_hold)?;
        let within = u64::from(f.full_resolution <= self.resolution_target);
        if add {
            self.resolved_within += within;
        } else {
            self.resolved_within -= within;
        }
        Ok(())
    }

    pub(super) fn merge(&mut self, other: &Self) -> Result<()> {
        if (self.response_target, self.resolution_target)
            != (other.response_target, other.resolution_target)
        {
            return Err(Error::incompatible(
                WHAT,
                "business targets differ".to_string(),
            ));
        }
        for (a, b) in [
            (&mut self.first_response, &other.first_response),
            (&mut self.first_resolution, &other.first_resolution),
            (&mut self.full_resolution, &other.full_resolution),
            (&mut self.requester_wait, &other.requester_wait),
            (&mut self.agent_work, &other.agent_work),
            (&mut self.agent_wait, &other.agent_wait),
            (&mut self.on_hold, &other.on_hold),
        ] {
            a.merge(b)?;
        }
        self.responded_within += other.responded_within;
        self.resolved_within += other.resolved_within;
        Ok(())
    }

    pub(super) fn snapshot(&self) -> BusinessSnapshot {
        BusinessSnapshot {
            first_response: self.first_response.snapshot(),
            first_resolution: self.first_resolution.snapshot(),
            full_resolution: self.full_resolution.snapshot(),
            requester_wait: self.requester_wait.snapshot(),
            agent_work: self.agent_work.snapshot(),
            agent_wait: self.agent_wait.snapshot(),
            on_hold: self.on_hold.snapshot(),
            response_target: self.response_target,
            responded_within_target: ratio(self.responded_within, self.first_response.count()),
            resolution_target: self.resolution_target,
            resolved_within_target: ratio(self.resolved_within, self.full_resolution.count()),
            first_response_survival: None,
            full_resolution_survival: None,
        }
    }
}
