//! How an XES log's attributes and activities become tickets: [`XesMapping`], built in
//! code or read from a TOML file ([`XesMapping::from_toml`]).

use std::collections::HashMap;
use std::path::Path;

use csm_metrics::{Priority, Status};
use serde::Deserialize;

use crate::error::{Error, Result, io};

/// Custom fields a mapping may follow (each event holds their values in the sort).
pub const MAX_FIELDS: usize = 8;

/// What an activity does to its ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Nothing: the event is turned away, counted as
    /// [`Rule::IgnoredActivity`](crate::Rule::IgnoredActivity) (a log's noise, named so it
    /// is told from an activity the mapping forgot).
    Ignore,
    /// The event's attribute changes (group, assignee, priority, fields), then a message
    /// and a status, each if given. A status equal to the ticket's own is no change.
    Apply {
        /// The status the ticket moves to.
        status: Option<Status>,
        /// A message the event stands for.
        message: Option<Message>,
    },
}

/// A message an activity stands for, by the event's author attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Message {
    /// A public reply by the author, an agent (a first response, a reply).
    AgentReply,
    /// An internal note by the author, an agent.
    AgentNote,
    /// A message from the customer.
    CustomerMessage,
}

/// One activity (and lifecycle transition) of the log and what it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activity {
    /// The activity's name (the event's `concept:name`, or the attribute
    /// [`XesMapping::activity`] names).
    pub name: String,
    /// The lifecycle transition it is for; `None`: any. An event takes the entry naming
    /// its activity and transition, else the one naming its activity only.
    pub lifecycle: Option<String>,
    /// What it does.
    pub action: Action,
}

/// How an XES log maps onto tickets.
///
/// Every attribute is looked up on the event, then on its trace, then in the log's
/// `<global scope="event">` defaults. A case's first event (in time) creates its ticket,
/// with the event's requester, group, priority, assignee and fields; every event then
/// changes what differs from the event before it, and does what its activity says.
#[derive(Debug, Clone, PartialEq)]
pub struct XesMapping {
    /// The trace attribute holding the case's id (`concept:name`).
    pub case_id: String,
    /// The event attribute naming the activity (`concept:name`).
    pub activity: String,
    /// The event attribute holding the lifecycle transition (`lifecycle:transition`);
    /// `None`: the mapping goes by activity only.
    pub lifecycle: Option<String>,
    /// The event attribute holding its instant (`time:timestamp`).
    pub timestamp: String,
    /// Read timestamps as local wall-clock times in the reader's zone, whatever offset
    /// they carry (a log whose offsets a conversion added). A timestamp without an offset
    /// is always read in the zone.
    pub local_time: bool,
    /// The attribute naming the requester.
    pub requester: Option<String>,
    /// The attribute naming the group (team) in charge.
    pub group: Option<String>,
    /// The attribute naming the assignee.
    pub assignee: Option<String>,
    /// The attribute naming who did the event: the author of its message.
    pub author: Option<String>,
    /// The attribute holding the priority, its values mapped by
    /// [`priorities`](Self::priorities).
    pub priority: Option<String>,
    /// Priority values; a value not here is turned away
    /// ([`Rule::UnknownPriority`](crate::Rule::UnknownPriority)).
    pub priorities: HashMap<String, Priority>,
    /// Attributes followed as custom fields (at most [`MAX_FIELDS`]): a change of value is a
    /// custom field change, field and value ids the FNV-1a hashes of their names.
    pub fields: Vec<String>,
    /// The activities; an event whose activity is not here is turned away
    /// ([`Rule::UnmappedActivity`](crate::Rule::UnmappedActivity)).
    pub activities: Vec<Activity>,
}

impl Default for XesMapping {
    /// The standard extensions' attributes (`concept:name`, `lifecycle:transition`,
    /// `time:timestamp`, `org:resource` as the author, `org:group` as the group) and no
    /// activities: give them.
    fn default() -> Self {
        XesMapping {
            case_id: "concept:name".into(),
            activity: "concept:name".into(),
            lifecycle: Some("lifecycle:transition".into()),
            timestamp: "time:timestamp".into(),
            local_time: false,
            requester: None,
            group: Some("org:group".into()),
            assignee: None,
            author: Some("org:resource".into()),
            priority: None,
            priorities: HashMap::new(),
            fields: Vec::new(),
            activities: Vec::new(),
        }
    }
}

/// The TOML file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    case: CaseFile,
    #[serde(default)]
    event: EventFile,
    #[serde(default)]
    priorities: HashMap<String, String>,
    #[serde(default)]
    activity: Vec<ActivityFile>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    id: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct EventFile {
    activity: Option<String>,
    lifecycle: Option<String>,
    timestamp: Option<String>,
    local_time: Option<bool>,
    requester: Option<String>,
    group: Option<String>,
    assignee: Option<String>,
    author: Option<String>,
    priority: Option<String>,
    #[serde(default)]
    fields: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ActivityFile {
    name: String,
    lifecycle: Option<String>,
    status: Option<String>,
    message: Option<String>,
    #[serde(default)]
    ignore: bool,
}

/// A status by the history format's name (`new`, `open`, `pending`, `on_hold` (also
/// `on-hold`, `hold`), `solved`, `closed`, `spam`).
pub(crate) fn status_named(name: &str) -> Option<Status> {
    Some(match name {
        "new" => Status::New,
        "open" => Status::Open,
        "pending" => Status::Pending,
        "on_hold" | "on-hold" | "hold" => Status::OnHold,
        "solved" => Status::Solved,
        "closed" => Status::Closed,
        "spam" => Status::Spam,
        _ => return None,
    })
}

fn priority_named(name: &str) -> Option<Priority> {
    Some(match name {
        "low" => Priority::Low,
        "normal" => Priority::Normal,
        "high" => Priority::High,
        "urgent" => Priority::Urgent,
        _ => return None,
    })
}

impl XesMapping {
    /// A mapping from TOML text. The tables: `[case]` (`id`), `[event]` (`activity`,
    /// `lifecycle`, `timestamp`, `local_time`, `requester`, `group`, `assignee`, `author`,
    /// `priority`, `fields`: attribute names, each optional, defaults as
    /// [`XesMapping::default`] has them), `[priorities]` (value = `low`, `normal`, `high`
    /// or `urgent`) and one `[[activity]]` per activity: `name`, optional `lifecycle`, and
    /// `status` (`new`, `open`, `pending`, `on_hold`, `solved`, `closed`, `spam`) and/or
    /// `message` (`agent_reply`, `agent_note`, `customer_message`), or `ignore = true`.
    ///
    /// ```
    /// use csm_metrics_io::xes::{Action, XesMapping};
    ///
    /// let m = XesMapping::from_toml(r#"
    ///     [event]
    ///     group = "workgroup"
    ///     [[activity]]
    ///     name = "Take in charge ticket"
    ///     status = "open"
    ///     message = "agent_reply"
    ///     [[activity]]
    ///     name = "Closed"
    ///     status = "closed"
    /// "#)?;
    /// assert_eq!(m.group.as_deref(), Some("workgroup"));
    /// assert_eq!(m.activities.len(), 2);
    /// assert!(matches!(m.activities[1].action, Action::Apply { message: None, .. }));
    /// # Ok::<(), csm_metrics_io::Error>(())
    /// ```
    pub fn from_toml(text: &str) -> Result<Self> {
        let file: File = toml::from_str(text).map_err(|e| Error::Mapping(e.to_string()))?;
        let d = XesMapping::default();
        let e = file.event;
        let mut priorities = HashMap::new();
        for (value, name) in file.priorities {
            let p = priority_named(&name).ok_or_else(|| {
                Error::Mapping(format!(
                    "priorities: {value:?} = {name:?} is not low, normal, high or urgent"
                ))
            })?;
            priorities.insert(value, p);
        }
        let mut activities = Vec::with_capacity(file.activity.len());
        for a in file.activity {
            let what = match &a.lifecycle {
                Some(l) => format!("activity {:?} ({l:?})", a.name),
                None => format!("activity {:?}", a.name),
            };
            let action = if a.ignore {
                if a.status.is_some() || a.message.is_some() {
                    return Err(Error::Mapping(format!(
                        "{what}: ignore = true with a status or a message"
                    )));
                }
                Action::Ignore
            } else {
                let status = match &a.status {
                    Some(s) => Some(status_named(s).ok_or_else(|| {
                        Error::Mapping(format!(
                            "{what}: status {s:?} is not new, open, pending, on_hold, solved, closed or spam"
                        ))
                    })?),
                    None => None,
                };
                let message = match a.message.as_deref() {
                    None => None,
                    Some("agent_reply") => Some(Message::AgentReply),
                    Some("agent_note") => Some(Message::AgentNote),
                    Some("customer_message") => Some(Message::CustomerMessage),
                    Some(m) => {
                        return Err(Error::Mapping(format!(
                            "{what}: message {m:?} is not agent_reply, agent_note or customer_message"
                        )));
                    }
                };
                Action::Apply { status, message }
            };
            activities.push(Activity {
                name: a.name,
                lifecycle: a.lifecycle,
                action,
            });
        }
        let m = XesMapping {
            case_id: file.case.id.unwrap_or(d.case_id),
            activity: e.activity.unwrap_or(d.activity),
            lifecycle: e.lifecycle.or(d.lifecycle),
            timestamp: e.timestamp.unwrap_or(d.timestamp),
            local_time: e.local_time.unwrap_or(d.local_time),
            requester: e.requester,
            group: e.group.or(d.group),
            assignee: e.assignee,
            author: e.author.or(d.author),
            priority: e.priority,
            priorities,
            fields: e.fields,
            activities,
        };
        m.check()?;
        Ok(m)
    }

    /// A mapping from a TOML file (see [`from_toml`](Self::from_toml)); errors name the file.
    pub fn from_toml_file(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(io(path))?;
        XesMapping::from_toml(&text).map_err(|e| match e {
            Error::Mapping(m) => Error::Mapping(format!("{}: {m}", path.display())),
            e => e,
        })
    }

    /// Whether the mapping can be used: at most [`MAX_FIELDS`] fields, each activity and
    /// transition named once.
    pub fn check(&self) -> Result<()> {
        if self.fields.len() > MAX_FIELDS {
            return Err(Error::Mapping(format!(
                "{} fields: at most {MAX_FIELDS} may be followed",
                self.fields.len()
            )));
        }
        let mut seen = std::collections::HashSet::new();
        for a in &self.activities {
            if !seen.insert((&a.name, &a.lifecycle)) {
                return Err(Error::Mapping(format!(
                    "activity {:?} ({:?}) is given twice",
                    a.name, a.lifecycle
                )));
            }
        }
        Ok(())
    }

    /// The index of the activity an event with this activity and transition takes.
    pub(crate) fn index(&self) -> HashMap<(String, Option<String>), usize> {
        self.activities
            .iter()
            .enumerate()
            .map(|(i, a)| ((a.name.clone(), a.lifecycle.clone()), i))
            .collect()
    }
}
