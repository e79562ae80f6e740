//! How a ticket tracker computes: its configuration.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::calendar::BusinessClock;
use crate::model::{Interaction, TeamId};
use crate::stats::SummaryConfig;

/// Where the first-response clock starts ([contract](crate::contract) "FRT clock start").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum FrtStart {
    /// At the ticket's creation (Zendesk, Zammad, Freshdesk). The default.
    #[default]
    TicketCreated,
    /// At the first public customer message (Intercom, Front); a ticket whose customer
    /// never wrote has no first response time.
    FirstCustomerMessage,
    /// At the ticket's creation, started again at each bot hand-off
    /// ([`InteractionKind::BotHandoff`](crate::InteractionKind::BotHandoff)) and each
    /// reopen while the ticket is unanswered: the first response is timed from the last
    /// of them (Chatwoot's "last non-human activity").
    LastHandoff,
}

/// The first response of a ticket created by an agent (outbound).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum OutboundReplies {
    /// None: an outbound ticket has no first response time (the contract's default).
    #[default]
    NoFirstResponse,
    /// As Zendesk: the ticket's first public agent message is its description (not a
    /// reply, not a touch), and its first response is the second, timed from creation;
    /// until then it counts as unanswered.
    SecondAgentComment,
}

/// How a [`TicketTracker`](super::TicketTracker) computes.
#[derive(Debug, Clone)]
pub struct TrackerConfig {
    /// Accuracy, bin limit and buckets of every duration summary.
    pub summary: SummaryConfig,
    /// The "resolved within" target in seconds (default 24 h).
    pub resolution_target: u64,
    /// Where the first-response clock starts.
    pub frt_start: FrtStart,
    /// Narrows what counts as a response: a public agent message counts only if this
    /// returns true (e.g. to leave out macros marked as auto-acknowledgements). `None`:
    /// every public agent message.
    pub is_response: Option<fn(&Interaction) -> bool>,
    /// A business calendar: every figure is then also computed in business time (first
    /// response, first and full resolution, requester wait, agent work and wait, on-hold).
    pub calendar: Option<Arc<dyn BusinessClock>>,
    /// The business first-response target, business seconds (default 8 h).
    pub business_response_target: u64,
    /// The business resolution target, business seconds (default 24 h).
    pub business_resolution_target: u64,
    /// Calendars by team (e.g. each team's region): a ticket's business time is counted on
    /// the calendar of the team it was created with, or on [`calendar`](Self::calendar)
    /// when its team has none (then a ticket with neither has no business figures counted:
    /// zero). At most 255. A reassignment changes a ticket's calendar only with
    /// [`calendar_follows_team`](Self::calendar_follows_team).
    pub team_calendars: BTreeMap<TeamId, Arc<dyn BusinessClock>>,
    /// A ticket moved to another team moves to that team's calendar (or to
    /// [`calendar`](Self::calendar) when the team has none) from that instant, as
    /// dbt_zendesk's schedule history and Zendesk's schedules do: every business duration
    /// is split across the calendars the ticket had (default off: the calendar of the team
    /// a ticket was created with, so that the business figures of existing states and
    /// reports do not change). A ticket moved where there is no calendar, or one that does
    /// not cover the instant, keeps its calendar.
    pub calendar_follows_team: bool,
    /// Re-sequence late events (default off). On, the tracker keeps each ticket's events
    /// while it is in play (about 32 bytes an event) and an interaction earlier than one
    /// already applied to its ticket is put in its place: the ticket's figures are
    /// retracted and its events replayed in time order, so the result is that of the
    /// in-order stream (events of the same second stay in arrival order). Off, such an
    /// event is rejected as [`RejectReason::OutOfOrder`](super::RejectReason::OutOfOrder). For webhook feeds, turn it on.
    pub resequence: bool,
    /// Compute the handling figures (default off): time in each status (custom statuses
    /// apart), assignment, bot hand-offs and resolutions
    /// ([`LifecycleSnapshot::handling`](super::LifecycleSnapshot::handling)). On, every
    /// ticket in play keeps a small record of its statuses and assignees (about 100 bytes
    /// and one allocation).
    pub handling: bool,
    /// The first responses and next replies per agent, credited by this rule
    /// ([`HandlingSnapshot::credited`](super::HandlingSnapshot::credited); default none:
    /// the table is not kept, and a grouping by assignee credits the assignee at the solve).
    /// Needs [`handling`](Self::handling); each reply a ticket makes while unsolved then
    /// costs 16 bytes until its solve.
    pub reply_credit: Option<super::ReplyCredit>,
    /// The first response of outbound tickets (default: none).
    pub outbound: OutboundReplies,
}

/// The calendar slot of a ticket with `team`: 1 + the team's index among `calendars`, or
/// 0 (the tracker's calendar) for a team without one.
pub(crate) fn calendar_slot(
    calendars: &BTreeMap<TeamId, Arc<dyn BusinessClock>>,
    team: Option<TeamId>,
) -> u8 {
    team.and_then(|t| calendars.keys().position(|k| *k == t))
        .map_or(0, |i| i as u8 + 1)
}

impl Default for TrackerConfig {
    fn default() -> Self {
        TrackerConfig {
            summary: SummaryConfig::default(),
            resolution_target: super::lifecycle::DEFAULT_RESOLUTION_TARGET,
            frt_start: FrtStart::default(),
            is_response: None,
            calendar: None,
            business_response_target: super::lifecycle::DEFAULT_BUSINESS_RESPONSE_TARGET,
            business_resolution_target: super::lifecycle::DEFAULT_RESOLUTION_TARGET,
            team_calendars: BTreeMap::new(),
            calendar_follows_team: false,
            resequence: false,
            handling: false,
            reply_credit: None,
            outbound: OutboundReplies::NoFirstResponse,
        }
    }
}
