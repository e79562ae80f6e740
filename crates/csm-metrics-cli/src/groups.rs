//! `--group-by`: several groupings in one tracker, each ticket filed under one key per
//! dimension asked for.

use chrono::{DateTime, Utc};
use clap::ValueEnum;
use csm_metrics::metrics::tickets::{TicketGrouping, TicketView};
use csm_metrics::{AgentId, Channel, Granularity, Priority, TagId, TeamId};
use csm_metrics_io::history::Names;

/// A dimension to group by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Dim {
    /// The team as it stands (a solved ticket: at its solve).
    Team,
    /// The assignee as it stands.
    Assignee,
    /// The channel.
    Channel,
    /// The priority as it stands.
    Priority,
    /// Each tag as tags stand (a ticket counts under each of its tags, so these groups do
    /// not add up to the overall figures; a solved ticket: its tags at its solve).
    Tag,
}

impl Dim {
    pub fn as_str(self) -> &'static str {
        match self {
            Dim::Team => "team",
            Dim::Assignee => "assignee",
            Dim::Channel => "channel",
            Dim::Priority => "priority",
            Dim::Tag => "tag",
        }
    }
}

/// A group's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GroupKey {
    Team(Option<TeamId>),
    Assignee(Option<AgentId>),
    Channel(Channel),
    Priority(Priority),
    Tag(TagId),
    /// The start of the window the ticket was created in (Unix seconds).
    Window(i64),
}

/// `--window`: a window length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WindowLength {
    Hour,
    Day,
    Week,
    Month,
}

impl WindowLength {
    pub fn granularity(self) -> Granularity {
        match self {
            WindowLength::Hour => Granularity::Hour,
            WindowLength::Day => Granularity::Day,
            WindowLength::Week => Granularity::IsoWeek,
            WindowLength::Month => Granularity::Month,
        }
    }

    /// A window's name: its local start (`2025-03-10`, `2025-03-10T14:00`, `2025-03`).
    pub fn name(self, start: i64, zone: chrono_tz::Tz) -> String {
        let local = DateTime::<Utc>::from_timestamp(start, 0)
            .unwrap_or_default()
            .with_timezone(&zone);
        match self {
            WindowLength::Hour => local.format("%Y-%m-%dT%H:%M").to_string(),
            WindowLength::Day | WindowLength::Week => local.format("%Y-%m-%d").to_string(),
            WindowLength::Month => local.format("%Y-%m").to_string(),
        }
    }
}

/// The dimensions asked for, and the creation windows (cohorts) if asked. `TAGS`: whether
/// tags are among them (the tracker keeps each ticket's tags only then).
#[derive(Debug, Clone, Default)]
pub struct GroupBy<const TAGS: bool> {
    dims: Vec<Dim>,
    window: Option<(Granularity, chrono_tz::Tz)>,
}

impl<const TAGS: bool> GroupBy<TAGS> {
    pub fn new(dims: &[Dim], window: Option<(WindowLength, chrono_tz::Tz)>) -> Self {
        GroupBy {
            dims: dims
                .iter()
                .copied()
                .filter(|d| TAGS || *d != Dim::Tag)
                .collect(),
            window: window.map(|(w, z)| (w.granularity(), z)),
        }
    }
}

impl<const TAGS: bool> TicketGrouping for GroupBy<TAGS> {
    type Key = GroupKey;
    const USES_TAGS: bool = TAGS;

    fn for_each_key<F: FnMut(GroupKey)>(&self, t: &TicketView<'_>, mut f: F) {
        if let Some((g, zone)) = &self.window {
            let at = DateTime::from_timestamp(t.created_at, 0).unwrap_or_default();
            f(GroupKey::Window(g.window_of(zone, at).0.timestamp()));
        }
        for d in &self.dims {
            f(match d {
                Dim::Team => GroupKey::Team(t.team),
                Dim::Assignee => GroupKey::Assignee(t.assignee),
                Dim::Channel => GroupKey::Channel(t.channel),
                Dim::Priority => GroupKey::Priority(t.priority),
                Dim::Tag => {
                    for tag in t.tags {
                        f(GroupKey::Tag(*tag));
                    }
                    continue;
                }
            });
        }
    }
}

/// A team's name as the history spells it; `(none)` for tickets without a team.
pub fn team_name(team: Option<TeamId>, names: &Names) -> String {
    match team {
        None => "(none)".into(),
        Some(t) => names
            .get(t.0)
            .map_or_else(|| t.0.to_string(), str::to_string),
    }
}

/// An agent's name where the source names agents, else its id; `(none)` for unassigned.
pub fn agent_name(agent: Option<AgentId>, names: Option<&Names>) -> String {
    match agent {
        None => "(none)".into(),
        Some(a) => names
            .and_then(|n| n.get(a.0))
            .map_or_else(|| a.0.to_string(), str::to_string),
    }
}

/// A tag's name where the source named it, else `#id`.
pub fn tag_name(tag: TagId, names: &Names) -> String {
    names
        .get(tag.0)
        .map_or_else(|| format!("#{}", tag.0), str::to_string)
}
