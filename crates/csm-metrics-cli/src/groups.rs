//! `--group-by`: several groupings in one tracker, each ticket filed under one key per
//! dimension asked for.

use clap::ValueEnum;
use csm_metrics::metrics::tickets::{TicketGrouping, TicketView};
use csm_metrics::{AgentId, Channel, Priority, TeamId};
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
}

impl Dim {
    pub fn as_str(self) -> &'static str {
        match self {
            Dim::Team => "team",
            Dim::Assignee => "assignee",
            Dim::Channel => "channel",
            Dim::Priority => "priority",
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
}

/// The dimensions asked for.
#[derive(Debug, Clone, Default)]
pub struct GroupBy(Vec<Dim>);

impl GroupBy {
    pub fn new(dims: &[Dim]) -> Self {
        GroupBy(dims.to_vec())
    }
}

impl TicketGrouping for GroupBy {
    type Key = GroupKey;

    fn for_each_key<F: FnMut(GroupKey)>(&self, t: &TicketView<'_>, mut f: F) {
        for d in &self.0 {
            f(match d {
                Dim::Team => GroupKey::Team(t.team),
                Dim::Assignee => GroupKey::Assignee(t.assignee),
                Dim::Channel => GroupKey::Channel(t.channel),
                Dim::Priority => GroupKey::Priority(t.priority),
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
