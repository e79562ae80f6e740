//! SLA policies: which tickets they apply to, and their targets.

use std::sync::Arc;

use crate::calendar::BusinessClock;
use crate::error::{Error, Result};
use crate::model::{Channel, Priority, TagId, TeamId};

use super::WHAT;

/// What an SLA target measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum SlaMetric {
    /// Creation → first public agent reply.
    FirstReply,
    /// Customer message awaiting an answer → next public agent reply.
    NextReply,
    /// Public agent reply → the next one.
    PeriodicUpdate,
    /// Public agent reply → the next one, paused while the ticket is pending or on-hold
    /// (Zendesk's "pausable update").
    PausableUpdate,
    /// Time in new, open and on-hold.
    RequesterWait,
    /// Time in new and open.
    AgentWork,
    /// Creation → solve, never paused.
    TotalResolution,
    /// A group's ownership of a ticket (a group SLA, or operational level agreement, as
    /// Zendesk's group SLA policies measure it): from the assignment to a group (or the
    /// creation with one) until the ticket is reassigned to another group or solved; a
    /// reopen starts a new instance for the group that has it. Choose the group by the
    /// policies' team condition; keep group policies in an [`SlaPolicies`] of their own
    /// (Zendesk's group SLAs are separate policies), tracked by a second tracker.
    GroupOwnership,
}

/// Whether a target counts calendar or business time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Basis {
    /// Every second counts.
    Calendar,
    /// Only the open seconds of the policies' business calendar count.
    Business,
}

/// One target of a policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Target {
    /// What it measures.
    pub metric: SlaMetric,
    /// The target, seconds (of the basis).
    pub seconds: u64,
    /// Calendar or business time.
    pub basis: Basis,
}

impl Target {
    /// A target.
    pub fn new(metric: SlaMetric, seconds: u64, basis: Basis) -> Self {
        Target {
            metric,
            seconds,
            basis,
        }
    }
}

/// Which tickets a policy applies to: each list, when not empty, must contain the ticket's
/// value (for tags: any of the ticket's tags).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Condition {
    /// Priorities (empty: any).
    pub priorities: Vec<Priority>,
    /// Channels (empty: any).
    pub channels: Vec<Channel>,
    /// Teams (empty: any).
    pub teams: Vec<TeamId>,
    /// Tags, any of which matches (empty: any).
    pub tags: Vec<String>,
}

/// What a policy is chosen by: a ticket's fields as they stand.
#[derive(Debug, Clone, Copy)]
pub(super) struct Fields<'a> {
    pub(super) priority: Priority,
    pub(super) channel: Channel,
    pub(super) team: Option<TeamId>,
    /// Its tags, as ids ([`TagId::named`] of a name).
    pub(super) tags: &'a [TagId],
}

impl Condition {
    /// Whether a ticket with these fields matches (`tags`: this condition's tags as ids).
    fn matches(&self, f: &Fields<'_>, tags: &[TagId]) -> bool {
        (self.priorities.is_empty() || self.priorities.contains(&f.priority))
            && (self.channels.is_empty() || self.channels.contains(&f.channel))
            && (self.teams.is_empty() || f.team.is_some_and(|x| self.teams.contains(&x)))
            && (tags.is_empty() || f.tags.iter().any(|x| tags.contains(x)))
    }
}

/// An SLA policy: a condition and its targets.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Policy {
    /// Its name, as reports show it.
    pub name: String,
    /// Which tickets it applies to.
    pub condition: Condition,
    /// Its targets, at most one per metric.
    pub targets: Vec<Target>,
}

impl Policy {
    /// A policy for every ticket.
    pub fn all(name: &str, targets: Vec<Target>) -> Self {
        Policy {
            name: name.to_string(),
            condition: Condition::default(),
            targets,
        }
    }
}

/// Ordered policies (the first match wins) and the business calendar of business targets.
///
/// Each ticket keeps one clock per *slot*: a (metric, basis) pair that some policy has a
/// target for. A clock runs by its metric's rule whatever the ticket's policy (as
/// Zendesk's metric clocks start at their event, before any policy applies); the policy
/// only says which clocks have a target, and which. So a policy chosen again after a
/// field change applies its targets to the time already counted.
#[derive(Debug, Clone, Default)]
pub struct SlaPolicies {
    pub(super) policies: Vec<Policy>,
    pub(super) calendar: Option<Arc<dyn BusinessClock>>,
    /// The (metric, basis) pairs with a target in some policy, in order of first appearance.
    pub(super) slots: Vec<(SlaMetric, Basis)>,
    /// By policy, by slot: the target's index in the policy and its seconds.
    pub(super) plan: Vec<Vec<Option<(u8, u64)>>>,
    /// By policy: its condition's tags as ids.
    pub(super) tags: Vec<Vec<TagId>>,
    /// Whether any condition names tags.
    pub(super) uses_tags: bool,
    /// Business calendars of their own for some teams, by team.
    pub(super) team_calendars: Vec<(TeamId, Arc<dyn BusinessClock>)>,
    /// A ticket's calendar follows its team.
    pub(crate) follow_team: bool,
}

impl SlaPolicies {
    /// Validated policies: each target above 0 s, at most one target per metric in a
    /// policy, at most 64 policies, and a calendar when any target counts business time.
    pub fn new(policies: Vec<Policy>, calendar: Option<Arc<dyn BusinessClock>>) -> Result<Self> {
        if policies.len() > 64 {
            return Err(Error::config(WHAT, "more than 64 policies"));
        }
        for p in &policies {
            let mut seen = Vec::new();
            for t in &p.targets {
                if t.seconds == 0 {
                    return Err(Error::config(
                        WHAT,
                        format!("{}: a {:?} target of 0 s", p.name, t.metric),
                    ));
                }
                if seen.contains(&t.metric) {
                    return Err(Error::config(
                        WHAT,
                        format!("{}: two {:?} targets", p.name, t.metric),
                    ));
                }
                if t.basis == Basis::Business && calendar.is_none() {
                    return Err(Error::config(
                        WHAT,
                        format!(
                            "{}: a business-time target needs a business calendar",
                            p.name
                        ),
                    ));
                }
                seen.push(t.metric);
            }
        }
        let mut slots: Vec<(SlaMetric, Basis)> = Vec::new();
        for t in policies.iter().flat_map(|p| &p.targets) {
            if !slots.contains(&(t.metric, t.basis)) {
                slots.push((t.metric, t.basis));
            }
        }
        let plan = policies
            .iter()
            .map(|p| {
                slots
                    .iter()
                    .map(|slot| {
                        p.targets
                            .iter()
                            .position(|t| (t.metric, t.basis) == *slot)
                            .map(|i| (i as u8, p.targets[i].seconds))
                    })
                    .collect()
            })
            .collect();
        let tags = policies
            .iter()
            .map(|p| p.condition.tags.iter().map(|x| TagId::named(x)).collect())
            .collect();
        let uses_tags = policies.iter().any(|p| !p.condition.tags.is_empty());
        Ok(SlaPolicies {
            policies,
            calendar,
            slots,
            plan,
            tags,
            uses_tags,
            team_calendars: Vec::new(),
            follow_team: false,
        })
    }

    /// The same policies with a business calendar of its own for some teams (at most 255),
    /// as [`TrackerConfig::team_calendars`](crate::metrics::tickets::TrackerConfig::team_calendars):
    /// a ticket's business-time targets count on the calendar of the team it is created
    /// with (the policies' calendar for any other team); a reassignment changes it only
    /// with [`with_calendar_following_team`](Self::with_calendar_following_team), as in the
    /// ticket tracker.
    pub fn with_team_calendars(
        mut self,
        calendars: std::collections::BTreeMap<TeamId, Arc<dyn BusinessClock>>,
    ) -> Result<Self> {
        if calendars.len() > 255 {
            return Err(Error::config(WHAT, "more than 255 team calendars"));
        }
        self.team_calendars = calendars.into_iter().collect();
        Ok(self)
    }

    /// The same policies with each ticket's calendar following its team, as
    /// [`TrackerConfig::calendar_follows_team`](crate::metrics::tickets::TrackerConfig::calendar_follows_team):
    /// a ticket moved to another team counts its running clocks on that team's calendar
    /// (or the policies') from that instant; the time already counted stays. A ticket
    /// moved where there is no calendar, or one that does not cover the instant, keeps its
    /// calendar.
    pub fn with_calendar_following_team(mut self) -> Self {
        self.follow_team = true;
        self
    }

    /// Whether a ticket's calendar follows its team.
    pub(super) fn follows_team(&self) -> bool {
        self.follow_team
    }

    /// The index of the calendar of a ticket created with `team`: 0 the policies', 1 + i
    /// the i-th team calendar.
    pub(super) fn calendar_index(&self, team: Option<TeamId>) -> u8 {
        team.and_then(|t| self.team_calendars.iter().position(|(k, _)| *k == t))
            .map_or(0, |i| i as u8 + 1)
    }

    /// The calendar at `index` (see [`calendar_index`](Self::calendar_index)).
    #[inline]
    pub(super) fn calendar_at(&self, index: u8) -> Option<&dyn BusinessClock> {
        match index {
            0 => self.calendar.as_deref(),
            i => self
                .team_calendars
                .get(usize::from(i) - 1)
                .map(|(_, c)| &**c),
        }
    }

    /// The team calendars' fingerprints, by team.
    pub(super) fn team_prints(&self) -> Vec<(TeamId, u64)> {
        self.team_calendars
            .iter()
            .map(|(t, c)| (*t, c.fingerprint()))
            .collect()
    }

    /// The policies, in order.
    pub fn policies(&self) -> &[Policy] {
        &self.policies
    }

    /// The business calendar of business-time targets.
    pub fn calendar(&self) -> Option<&Arc<dyn BusinessClock>> {
        self.calendar.as_ref()
    }

    /// Whether both are the same policies on the same calendar (by fingerprint).
    pub(super) fn same_as(&self, other: &SlaPolicies) -> bool {
        let print = |c: &Option<Arc<dyn BusinessClock>>| c.as_ref().map(|c| c.fingerprint());
        self.policies == other.policies
            && print(&self.calendar) == print(&other.calendar)
            && self.team_prints() == other.team_prints()
            && self.follow_team == other.follow_team
    }

    /// The policy of a ticket with these fields (the first that matches).
    pub(super) fn choose(&self, f: &Fields<'_>) -> Option<u8> {
        self.policies
            .iter()
            .zip(&self.tags)
            .position(|(p, tags)| p.condition.matches(f, tags))
            .map(|i| i as u8)
    }

    /// Whether a policy's condition names tags (tickets then keep theirs).
    #[inline]
    pub(super) fn uses_tags(&self) -> bool {
        self.uses_tags
    }

    /// The target of `policy` for slot `slot`: its index and seconds.
    #[inline]
    pub(super) fn target_of(&self, policy: u8, slot: usize) -> Option<(u8, u64)> {
        self.plan
            .get(usize::from(policy))?
            .get(slot)
            .copied()
            .flatten()
    }
}
