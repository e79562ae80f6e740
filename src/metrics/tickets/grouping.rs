//! How tickets are grouped: the ticket as a grouping sees it, and the groupings.

use core::fmt::Debug;
use core::hash::Hash;

use chrono::{DateTime, Utc};

use crate::aggregate::{Granularity, window_bounds};
use crate::model::{AgentId, Channel, CustomerId, Priority, TagId, TeamId, TicketId};
use crate::zone::Zone;

/// A ticket as a grouping sees it: its attributes at the moment its figures are filed.
#[derive(Debug, Clone, Copy)]
pub struct TicketView<'a> {
    /// The ticket.
    pub id: TicketId,
    /// When it was created (Unix seconds).
    pub created_at: i64,
    /// Its channel.
    pub channel: Channel,
    /// Its priority as last changed (frozen while solved, as the team is).
    pub priority: Priority,
    /// Its priority at creation.
    pub created_priority: Priority,
    /// Its requester.
    pub requester: CustomerId,
    /// Its team as last assigned (frozen while solved).
    pub team: Option<TeamId>,
    /// Its assignee as last assigned (frozen while solved).
    pub assignee: Option<AgentId>,
    /// Its tags as they stand, each once: those it was created with
    /// ([`TagId::named`](crate::TagId::named) of [`Ticket::tags`](crate::Ticket::tags)),
    /// then added and removed by [`FieldChange::TagAdded`](crate::FieldChange::TagAdded)
    /// and `TagRemoved` (frozen while solved, as the team is). Empty unless the grouping
    /// [uses tags](TicketGrouping::USES_TAGS).
    pub tags: &'a [TagId],
    /// While it is solved, the instant of the solve its figures are filed under (Unix
    /// seconds); `None` while it is not solved.
    pub solved_at: Option<i64>,
}

/// How a [`TicketTracker`](super::TicketTracker) groups tickets: zero, one or several keys per ticket.
///
/// Figures are filed under the keys of the ticket's attributes as they stand; reassigning
/// an unsolved ticket moves all its figures to the new group, while a solved ticket stays
/// credited to the team and assignee it had when solved (a reassignment then takes effect
/// if it is reopened). So grouping by assignee credits resolution figures to the assignee
/// at solve time.
pub trait TicketGrouping: Default + Clone + Send {
    /// The group key.
    type Key: Eq + Hash + Ord + Clone + Send + Debug;
    /// Whether the keys depend on tags (the tracker keeps tickets' tags only then).
    const USES_TAGS: bool = false;
    /// Whether every ticket has exactly one key, so that the groups partition the tickets.
    /// The tracker then files each figure once, in its group, and computes the overall
    /// figures by merging the groups at snapshot time (half the work of filing twice).
    const ONE_KEY_PER_TICKET: bool = false;
    /// Whether the keys depend on [`TicketView::solved_at`]: the tracker then moves a
    /// ticket's figures between groups when it is solved and when it is reopened.
    const USES_SOLVE: bool = false;
    /// Calls `f` with each key the ticket belongs to.
    fn for_each_key<F: FnMut(Self::Key)>(&self, ticket: &TicketView<'_>, f: F);
}

/// No groups: the tracker computes the overall figures only.
#[derive(Debug, Clone, Copy, Default)]
pub struct Overall;

impl TicketGrouping for Overall {
    type Key = ();
    #[inline]
    fn for_each_key<F: FnMut(())>(&self, _: &TicketView<'_>, _: F) {}
}

macro_rules! ticket_key {
    ($(#[$doc:meta])* $name:ident, $key:ty, |$t:ident| $e:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default)]
        pub struct $name;

        impl TicketGrouping for $name {
            type Key = $key;
            const ONE_KEY_PER_TICKET: bool = true;
            #[inline]
            fn for_each_key<F: FnMut($key)>(&self, $t: &TicketView<'_>, mut f: F) {
                f($e)
            }
        }
    };
}

ticket_key!(
    /// Groups by team (`None` for tickets without one).
    ByTeam,
    Option<TeamId>,
    |t| t.team
);
ticket_key!(
    /// Groups by assignee (`None` for unassigned tickets); resolution figures go to the
    /// assignee at solve time.
    ByAssignee,
    Option<AgentId>,
    |t| t.assignee
);
ticket_key!(
    /// Groups by channel.
    ByChannel,
    Channel,
    |t| t.channel
);
ticket_key!(
    /// Groups by priority as it stands (a solved ticket: at its solve), moving a ticket's
    /// figures when its priority changes, as [`ByTeam`] does on reassignment.
    ByPriority,
    Priority,
    |t| t.priority
);
ticket_key!(
    /// Groups by the priority a ticket was created with (a change moves nothing).
    ByCreationPriority,
    Priority,
    |t| t.created_priority
);
ticket_key!(
    /// Groups by requester (customer).
    ByRequester,
    CustomerId,
    |t| t.requester
);

/// Groups by tag as they stand: a ticket counts in the group of each of its tags (and in
/// none if it has none), so group figures do not add up to the overall ones. A tag added
/// to or removed from an unsolved ticket moves its figures into or out of that tag's
/// group, as a reassignment moves them between teams; a solved ticket stays filed under
/// the tags it was solved with, and changes made while solved take effect if it is
/// reopened. Keys are [`TagId`]s: a name's id is [`TagId::named`].
///
/// ```
/// use csm_metrics::metrics::tickets::{ByTag, TicketGrouping, TicketView};
/// use csm_metrics::{Channel, CustomerId, Priority, TagId, TicketId};
/// let tags = [TagId::named("vip"), TagId::named("billing")];
/// let view = TicketView {
///     id: TicketId(1),
///     created_at: 0,
///     channel: Channel::Email,
///     priority: Priority::Normal,
///     created_priority: Priority::Normal,
///     requester: CustomerId(7),
///     team: None,
///     assignee: None,
///     tags: &tags,
///     solved_at: None,
/// };
/// let mut keys = Vec::new();
/// ByTag.for_each_key(&view, |k| keys.push(k));
/// assert_eq!(keys, tags);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct ByTag;

impl TicketGrouping for ByTag {
    type Key = TagId;
    const USES_TAGS: bool = true;
    fn for_each_key<F: FnMut(TagId)>(&self, t: &TicketView<'_>, mut f: F) {
        for tag in t.tags {
            f(*tag);
        }
    }
}

/// Groups tickets by the calendar window of their creation, in a time zone: cohorts ("of
/// the tickets created in March, 82 % were solved within 24 h"). The key is the window's
/// first instant. Combine it with another grouping as a pair: `(ByTeam, CreatedIn)`.
#[derive(Debug, Clone)]
pub struct CreatedIn<Z: Zone = Utc> {
    /// The window length.
    pub granularity: Granularity,
    /// The zone of the windows.
    pub zone: Z,
}

impl<Z: Zone> Default for CreatedIn<Z> {
    /// Days in UTC.
    fn default() -> Self {
        CreatedIn {
            granularity: Granularity::Day,
            zone: Z::utc(),
        }
    }
}

impl<Z: Zone> CreatedIn<Z> {
    /// Windows of `granularity` in `zone`.
    pub fn new(granularity: Granularity, zone: Z) -> Self {
        CreatedIn { granularity, zone }
    }
}

impl<Z: Zone> TicketGrouping for CreatedIn<Z> {
    type Key = DateTime<Utc>;
    const ONE_KEY_PER_TICKET: bool = true;
    fn for_each_key<F: FnMut(DateTime<Utc>)>(&self, t: &TicketView<'_>, mut f: F) {
        let Some(at) = DateTime::from_timestamp(t.created_at, 0) else {
            return;
        };
        let (start, _) = window_bounds(self.granularity, &self.zone, at);
        f(DateTime::from_timestamp(start, 0).unwrap_or(at))
    }
}

/// Groups tickets by the calendar window of their latest solve, in a time zone: activity
/// windows for resolution ("this week we solved 340 tickets; their median resolution time
/// was 9 h"), the way help desks report by "solved date". The key is the window's first
/// instant; tickets not solved (yet) are under `None`.
///
/// A ticket's figures move with it: into the window of its solve when solved, back to
/// `None` when reopened, into the window of the next solve after. So the windows' figures
/// are exact for the history seen so far. Combine it with another grouping as a pair:
/// `(ByTeam, SolvedIn)`.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use csm_metrics::{CustomerId, Granularity, Interaction, Status, Ticket, TicketId};
/// use csm_metrics::metrics::tickets::{SolvedIn, TicketTracker, TrackerConfig};
///
/// let day = |d, h| Utc.with_ymd_and_hms(2025, 3, d, h, 0, 0).unwrap();
/// let by_day: SolvedIn = SolvedIn::new(Granularity::Day, Utc);
/// let mut tracker = TicketTracker::new(TrackerConfig::default(), by_day)?;
/// for (id, created, solved) in [(1, day(3, 9), day(3, 17)), (2, day(3, 10), day(4, 10))] {
///     tracker.observe_ticket(&Ticket::new(TicketId(id), created, CustomerId(id)))?;
///     tracker.observe_interaction(&Interaction::status(TicketId(id), solved, Status::Solved))?;
/// }
/// tracker.observe_ticket(&Ticket::new(TicketId(3), day(4, 11), CustomerId(3)))?;
///
/// let report = tracker.snapshot_at(day(5, 0));
/// assert_eq!(report.groups[&Some(day(3, 0))].full_resolution.mean, Some(8.0 * 3600.0));
/// assert_eq!(report.groups[&Some(day(4, 0))].full_resolution.mean, Some(24.0 * 3600.0));
/// assert_eq!(report.groups[&None].backlog, 1); // ticket 3, not solved
/// # Ok::<(), csm_metrics::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct SolvedIn<Z: Zone = Utc> {
    /// The window length.
    pub granularity: Granularity,
    /// The zone of the windows.
    pub zone: Z,
}

impl<Z: Zone> Default for SolvedIn<Z> {
    /// Days in UTC.
    fn default() -> Self {
        SolvedIn {
            granularity: Granularity::Day,
            zone: Z::utc(),
        }
    }
}

impl<Z: Zone> SolvedIn<Z> {
    /// Windows of `granularity` in `zone`.
    pub fn new(granularity: Granularity, zone: Z) -> Self {
        SolvedIn { granularity, zone }
    }
}

impl<Z: Zone> TicketGrouping for SolvedIn<Z> {
    type Key = Option<DateTime<Utc>>;
    const ONE_KEY_PER_TICKET: bool = true;
    const USES_SOLVE: bool = true;
    fn for_each_key<F: FnMut(Option<DateTime<Utc>>)>(&self, t: &TicketView<'_>, mut f: F) {
        let window = t.solved_at.and_then(|s| {
            let at = DateTime::from_timestamp(s, 0)?;
            let (start, _) = window_bounds(self.granularity, &self.zone, at);
            DateTime::from_timestamp(start, 0)
        });
        f(window)
    }
}

/// A pair of groupings: a ticket's keys are every pair of its keys under each (team ×
/// priority, team × cohort …).
impl<A: TicketGrouping, B: TicketGrouping> TicketGrouping for (A, B) {
    type Key = (A::Key, B::Key);
    const USES_TAGS: bool = A::USES_TAGS || B::USES_TAGS;
    const ONE_KEY_PER_TICKET: bool = A::ONE_KEY_PER_TICKET && B::ONE_KEY_PER_TICKET;
    const USES_SOLVE: bool = A::USES_SOLVE || B::USES_SOLVE;
    fn for_each_key<F: FnMut(Self::Key)>(&self, t: &TicketView<'_>, mut f: F) {
        self.0.for_each_key(t, |a| {
            self.1.for_each_key(t, |b| f((a.clone(), b)));
        });
    }
}
