//! The CSV format of the sample history (`docs/HISTORY_FORMAT.md`): parsing rows into the
//! crate's records. Shared by the replay example and the tests; not a stable API.

use chrono::{DateTime, Utc};
use csm_metrics::{
    AccountEvent, AccountEventKind, Activity, AgentId, AgentState, Author, Call, CallId, Channel,
    CustomerId, Interaction, InteractionKind, Priority, QueueId, ScheduledActivity, StateInterval,
    Status, SurveyId, SurveyResponse, SurveyScore, TeamId, Ticket, TicketId, Visibility,
};

/// Splits one CSV line of this format (no quoted commas or quotes inside fields).
pub fn fields(line: &str) -> Vec<&str> {
    line.split(',')
        .map(|f| f.trim().trim_matches('"'))
        .collect()
}

/// An instant from Unix seconds.
pub fn instant(s: &str) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(s.parse().ok()?, 0)
}

/// A number.
pub fn id(s: &str) -> Option<u64> {
    s.parse().ok()
}

/// Team names → ids, in order of first appearance (the same in every shard).
#[derive(Default)]
pub struct Names(pub Vec<String>);

impl Names {
    /// The id of a name (1-based), given on first sight.
    pub fn id(&mut self, name: &str) -> u64 {
        let i = self.0.iter().position(|t| t == name).unwrap_or_else(|| {
            self.0.push(name.to_string());
            self.0.len() - 1
        });
        i as u64 + 1
    }
}

/// A ticket from a row of tickets.csv.
pub fn parse_ticket(f: &[&str], teams: &mut Names) -> Result<Ticket, &'static str> {
    if f.len() != 6 {
        return Err("tickets: wrong field count");
    }
    let (Some(tid), Some(created), Some(requester)) = (id(f[0]), instant(f[1]), id(f[5])) else {
        return Err("tickets: bad id or instant");
    };
    let channel = match f[2] {
        "email" => Channel::Email,
        "chat" => Channel::Chat,
        "phone" => Channel::Phone,
        "web" => Channel::Web,
        "social" => Channel::Social,
        "api" => Channel::Api,
        _ => Channel::Other,
    };
    let priority = Priority::ALL
        .into_iter()
        .find(|p| p.as_str() == f[3])
        .ok_or("tickets: unknown priority")?;
    let mut t = Ticket::new(TicketId(tid), created, CustomerId(requester));
    t.channel = channel;
    t.priority = priority;
    t.team = (!f[4].is_empty()).then(|| TeamId(teams.id(f[4])));
    Ok(t)
}

/// One parsed row of events.csv: a ticket's creation or an interaction.
pub enum Event {
    /// The ticket was created.
    Created,
    /// Something happened to it.
    Interaction(Interaction),
}

/// The ticket id and event of a row of events.csv.
pub fn parse_event(f: &[&str]) -> Result<(u64, Event), &'static str> {
    if f.len() != 7 {
        return Err("events: wrong field count");
    }
    let (Some(tid), Some(at)) = (id(f[0]), instant(f[1])) else {
        return Err("events: bad ticket id or instant");
    };
    let agent = id(f[6]).filter(|a| *a != 0).map(AgentId);
    let kind = match f[2] {
        "created" => return Ok((tid, Event::Created)),
        "message" => {
            let author = match (f[3], agent) {
                ("agent", Some(a)) => Author::Agent(a),
                ("customer", _) => Author::Customer,
                ("bot", _) => Author::Automation,
                _ => return Err("events: message without a known author"),
            };
            let visibility = if f[4] == "true" {
                Visibility::Public
            } else {
                Visibility::Internal
            };
            InteractionKind::Message { author, visibility }
        }
        "status" => InteractionKind::Status(match f[5] {
            "new" => Status::New,
            "open" => Status::Open,
            "pending" => Status::Pending,
            "hold" | "on_hold" | "on-hold" => Status::OnHold,
            "solved" => Status::Solved,
            "closed" => Status::Closed,
            "spam" | "deleted" => Status::Spam,
            _ => return Err("events: unknown status"),
        }),
        "assign" => InteractionKind::Assignment { agent, team: None },
        _ => return Err("events: unknown kind"),
    };
    Ok((
        tid,
        Event::Interaction(Interaction {
            ticket: TicketId(tid),
            at,
            kind,
        }),
    ))
}

/// A survey response from a row of surveys.csv (`row` becomes its id).
pub fn parse_survey(f: &[&str], row: u64) -> Result<SurveyResponse, &'static str> {
    if f.len() != 5 {
        return Err("surveys: wrong field count");
    }
    let (Some(at), Some(score)) = (instant(f[1]), f[4].parse::<u8>().ok()) else {
        return Err("surveys: bad instant or score");
    };
    let score = match f[0] {
        "nps" => SurveyScore::Nps(score),
        "csat" => SurveyScore::Csat(score),
        "ces" => SurveyScore::Ces(score),
        "enps" => SurveyScore::Enps(score),
        _ => return Err("surveys: unknown kind"),
    };
    let mut r = SurveyResponse::new(SurveyId(row), at, score);
    r.ticket = id(f[2]).filter(|t| *t != 0).map(TicketId);
    r.agent = id(f[3]).filter(|a| *a != 0).map(AgentId);
    Ok(r)
}

/// A call from a row of calls.csv.
pub fn parse_call(f: &[&str], queues: &mut Names) -> Result<Call, &'static str> {
    if f.len() != 8 {
        return Err("calls: wrong field count");
    }
    let (Some(cid), Some(offered), Some(ended)) = (id(f[0]), instant(f[2]), instant(f[4])) else {
        return Err("calls: bad id or instant");
    };
    let answered = if f[3].is_empty() {
        None
    } else {
        Some(instant(f[3]).ok_or("calls: bad answered_at")?)
    };
    let (Some(hold), Some(wrap)) = (id(f[5]), id(f[6])) else {
        return Err("calls: bad hold or wrap");
    };
    Ok(Call {
        id: CallId(cid),
        queue: QueueId(queues.id(f[1])),
        offered_at: offered,
        answered_at: answered,
        ended_at: ended,
        hold,
        wrap,
        agent: id(f[7]).filter(|a| *a != 0).map(AgentId),
        customer: None,
        transferred: false,
    })
}

/// One row of `agent_states.csv`: `agent_id,state,start,end` with `state` one of
/// `available`, `on_contact`, `after_call_work`, `break`, `training`, `offline`.
pub fn parse_agent_state(f: &[&str]) -> Result<StateInterval, &'static str> {
    if f.len() != 4 {
        return Err("agent_states: wrong field count");
    }
    let state = match f[1] {
        "available" => AgentState::Available,
        "on_contact" => AgentState::OnContact,
        "after_call_work" => AgentState::AfterCallWork,
        "break" => AgentState::Break,
        "training" => AgentState::Training,
        "offline" => AgentState::Offline,
        _ => return Err("agent_states: unknown state"),
    };
    let (Some(agent), Some(start), Some(end)) = (id(f[0]), instant(f[2]), instant(f[3])) else {
        return Err("agent_states: bad id or instant");
    };
    Ok(StateInterval {
        agent: AgentId(agent),
        state,
        start,
        end,
    })
}

/// One row of `schedule.csv`: `agent_id,activity,start,end` with `activity` one of `work`,
/// `break`, `training`, `off`.
pub fn parse_scheduled(f: &[&str]) -> Result<ScheduledActivity, &'static str> {
    if f.len() != 4 {
        return Err("schedule: wrong field count");
    }
    let activity = match f[1] {
        "work" => Activity::Work,
        "break" => Activity::Break,
        "training" => Activity::Training,
        "off" => Activity::Off,
        _ => return Err("schedule: unknown activity"),
    };
    let (Some(agent), Some(start), Some(end)) = (id(f[0]), instant(f[2]), instant(f[3])) else {
        return Err("schedule: bad id or instant");
    };
    Ok(ScheduledActivity {
        agent: AgentId(agent),
        activity,
        start,
        end,
    })
}

/// One row of `accounts.csv`: `customer_id,at,kind,revenue,reason` with `kind` one of
/// `started`, `renewed`, `expanded`, `contracted`, `cancellation_intent`, `churned`;
/// `revenue` recurring revenue in cents after the event (empty: unknown), `reason` a code
/// (empty: none).
pub fn parse_account(f: &[&str]) -> Result<AccountEvent, &'static str> {
    if f.len() != 5 {
        return Err("accounts: wrong field count");
    }
    let kind = match f[2] {
        "started" => AccountEventKind::Started,
        "renewed" => AccountEventKind::Renewed,
        "expanded" => AccountEventKind::Expanded,
        "contracted" => AccountEventKind::Contracted,
        "cancellation_intent" => AccountEventKind::CancellationIntent,
        "churned" => AccountEventKind::Churned,
        _ => return Err("accounts: unknown kind"),
    };
    let (Some(customer), Some(at)) = (id(f[0]), instant(f[1])) else {
        return Err("accounts: bad id or instant");
    };
    let revenue = match f[3] {
        "" => None,
        r => Some(r.parse::<i64>().map_err(|_| "accounts: bad revenue")?),
    };
    let reason = match f[4] {
        "" => None,
        r => Some(r.parse::<u16>().map_err(|_| "accounts: bad reason")?),
    };
    Ok(AccountEvent {
        customer: CustomerId(customer),
        at,
        kind,
        revenue,
        reason,
    })
}

/// Reads a business calendar spec (JSON, see `examples/new_york_2025.json`):
/// `{"zone": "America/New_York", "week": {"mon": [["09:00", "17:00"]], …},
/// "holidays": ["2025-01-01", …], "overrides": {"2025-12-24": [["09:00", "13:00"]]},
/// "years": [2020, 2030]}`. Times are `HH:MM` or `HH:MM:SS`, `24:00` as an end; an interval
/// whose end is before its start runs overnight.
pub fn parse_calendar(json: &str) -> Result<csm_metrics::BusinessCalendar<chrono_tz::Tz>, String> {
    use csm_metrics::calendar::{BusinessCalendar, DayTime};
    let v: serde_json::Value = serde_json::from_str(json).map_err(|e| format!("calendar: {e}"))?;
    let zone: chrono_tz::Tz = v["zone"]
        .as_str()
        .ok_or("calendar: no zone")?
        .parse()
        .map_err(|e| format!("calendar: zone: {e}"))?;
    let time = |s: &serde_json::Value| -> Result<DayTime, String> {
        let s = s.as_str().ok_or("calendar: a time is not a string")?;
        let parts: Vec<u32> = s
            .split(':')
            .map(|p| p.parse().map_err(|_| format!("calendar: bad time {s:?}")))
            .collect::<Result<_, _>>()?;
        match parts[..] {
            [h, m] => Ok(DayTime::hm(h, m)),
            [h, m, sec] => Ok(DayTime::hms(h, m, sec)),
            _ => Err(format!("calendar: bad time {s:?}")),
        }
    };
    let intervals = |v: &serde_json::Value| -> Result<Vec<(DayTime, DayTime)>, String> {
        v.as_array()
            .ok_or("calendar: intervals are not a list")?
            .iter()
            .map(|pair| Ok((time(&pair[0])?, time(&pair[1])?)))
            .collect()
    };
    let date = |s: &str| {
        chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map_err(|_| format!("calendar: bad date {s:?}"))
    };
    let mut b = BusinessCalendar::builder(zone);
    let days = [
        ("mon", chrono::Weekday::Mon),
        ("tue", chrono::Weekday::Tue),
        ("wed", chrono::Weekday::Wed),
        ("thu", chrono::Weekday::Thu),
        ("fri", chrono::Weekday::Fri),
        ("sat", chrono::Weekday::Sat),
        ("sun", chrono::Weekday::Sun),
    ];
    for (name, day) in days {
        if let Some(list) = v["week"].get(name) {
            for (s, e) in intervals(list)? {
                b = b.open(day, s, e);
            }
        }
    }
    for h in v["holidays"].as_array().into_iter().flatten() {
        b = b.holiday(date(
            h.as_str().ok_or("calendar: a holiday is not a string")?,
        )?);
    }
    for (d, list) in v["overrides"].as_object().into_iter().flatten() {
        b = b.hours_on(date(d)?, &intervals(list)?);
    }
    if let Some([first, last]) = v["years"].as_array().map(|a| [a.first(), a.get(1)]) {
        let year = |y: Option<&serde_json::Value>| {
            y.and_then(|y| y.as_i64())
                .and_then(|y| i32::try_from(y).ok())
                .ok_or("calendar: bad years")
        };
        b = b.years(year(first)?, year(last)?);
    }
    b.build().map_err(|e| e.to_string())
}

/// The calendar spec shipped in `examples/new_york_2025.json`: New York, Monday to Friday
/// 09:00-17:00, the eleven US federal holidays of 2025, years 2020 to 2030.
pub const NEW_YORK_2025: &str = include_str!("../../../examples/new_york_2025.json");

/// The calendar of [`NEW_YORK_2025`].
pub fn new_york_2025() -> Result<csm_metrics::BusinessCalendar<chrono_tz::Tz>, String> {
    parse_calendar(NEW_YORK_2025)
}
