//! Writes a generated history as CSV in the history format (version 1, the repository's
//! `docs/HISTORY_FORMAT.md`): what `examples/generate.rs`, the benches and the readers'
//! tests write.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use csm_metrics::{Author, InteractionKind, SurveyScore, Visibility};

use crate::{Config, Generator, accounts, agent_days, calls, surveys};

/// Writes `tickets` generated tickets over `days` days (seed `seed`) into `dir`:
/// tickets.csv and events.csv (events in time order, tickets in creation order),
/// surveys.csv and calls.csv (40 % and 50 % of the ticket count), schedule.csv,
/// agent_states.csv and accounts.csv.
pub fn history(dir: &Path, tickets: u64, days: u32, seed: u64) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut config = Config::new(seed, tickets, days);
    config.agents = 50;
    let teams = ["billing", "technical", "accounts"];

    let mut t = BufWriter::new(File::create(dir.join("tickets.csv"))?);
    writeln!(
        t,
        "\"ticket_id\",\"created_at\",\"channel\",\"priority\",\"team\",\"requester_id\""
    )?;
    // Events wait in a heap keyed by instant and are written once no later ticket can come
    // before them: tickets are created in time order, so memory follows the tickets in play.
    let mut e = BufWriter::new(File::create(dir.join("events.csv"))?);
    writeln!(
        e,
        "\"ticket_id\",\"at\",\"kind\",\"author_kind\",\"public\",\"status_to\",\"agent_id\""
    )?;
    let mut heap: std::collections::BinaryHeap<std::cmp::Reverse<(i64, u64, String)>> =
        std::collections::BinaryHeap::new();
    let mut seq = 0u64;
    for h in Generator::new(config.clone()) {
        let created = h.ticket.created_at.timestamp();
        while let Some(std::cmp::Reverse((at, _, _))) = heap.peek() {
            if *at > created {
                break;
            }
            let std::cmp::Reverse((_, _, line)) = heap.pop().expect("peeked");
            e.write_all(line.as_bytes())?;
        }
        let team = h
            .ticket
            .team
            .map_or("", |tm| teams[(tm.0 as usize - 1) % teams.len()]);
        writeln!(
            t,
            "{},{},\"{}\",\"{}\",\"{team}\",{}",
            h.ticket.id.0, created, h.ticket.channel, h.ticket.priority, h.ticket.requester.0
        )?;
        writeln!(
            e,
            "{},{created},\"created\",\"\",false,\"\",0",
            h.ticket.id.0
        )?;
        for i in &h.interactions {
            let (kind, author, public, status, agent) = match i.kind {
                InteractionKind::Message { author, visibility } => {
                    let (who, agent) = match author {
                        Author::Agent(a) => ("agent", a.0),
                        Author::Customer => ("customer", 0),
                        Author::Automation => ("bot", 0),
                    };
                    ("message", who, visibility == Visibility::Public, "", agent)
                }
                InteractionKind::Status(s) => {
                    let name = s.as_str();
                    ("status", "", false, name, 0)
                }
                InteractionKind::Assignment { agent, .. } => {
                    ("assign", "", false, "", agent.map_or(0, |a| a.0))
                }
                // The history CSV has no columns for field changes and hand-offs (the
                // generator makes none).
                InteractionKind::Field(_) | InteractionKind::BotHandoff => continue,
            };
            let line = format!(
                "{},{},\"{kind}\",\"{author}\",{public},\"{status}\",{agent}\n",
                i.ticket.0,
                i.at.timestamp()
            );
            seq += 1;
            heap.push(std::cmp::Reverse((i.at.timestamp(), seq, line)));
        }
    }
    while let Some(std::cmp::Reverse((_, _, line))) = heap.pop() {
        e.write_all(line.as_bytes())?;
    }
    t.flush()?;
    e.flush()?;

    let mut s = BufWriter::new(File::create(dir.join("surveys.csv"))?);
    writeln!(s, "\"kind\",\"at\",\"ticket_id\",\"agent_id\",\"score\"")?;
    for r in surveys(&config, tickets * 2 / 5) {
        let (kind, score) = match r.score {
            SurveyScore::Csat(x) => ("csat", x),
            SurveyScore::Nps(x) => ("nps", x),
            SurveyScore::Ces(x) => ("ces", x),
            SurveyScore::Enps(x) => ("enps", x),
            _ => continue,
        };
        writeln!(
            s,
            "\"{kind}\",{},{},{},{score}",
            r.at.timestamp(),
            r.ticket.map_or(0, |t| t.0),
            r.agent.map_or(0, |a| a.0)
        )?;
    }
    s.flush()?;

    calls_csv(&dir.join("calls.csv"), &config, tickets / 2)?;

    // Agents' schedules and states, and customer accounts (formats: docs/HISTORY_FORMAT.md).
    let (schedule, states) = agent_days(&config);
    let mut w = BufWriter::new(File::create(dir.join("schedule.csv"))?);
    writeln!(w, "\"agent_id\",\"activity\",\"start\",\"end\"")?;
    for a in &schedule {
        let activity = match a.activity {
            csm_metrics::Activity::Work => "work",
            csm_metrics::Activity::Break => "break",
            csm_metrics::Activity::Training => "training",
            csm_metrics::Activity::Off => "off",
        };
        let (start, end) = (a.start.timestamp(), a.end.timestamp());
        writeln!(w, "{},\"{activity}\",{start},{end}", a.agent.0)?;
    }
    w.flush()?;
    let mut w = BufWriter::new(File::create(dir.join("agent_states.csv"))?);
    writeln!(w, "\"agent_id\",\"state\",\"start\",\"end\"")?;
    for r in &states {
        let state = match r.state {
            csm_metrics::AgentState::Available => "available",
            csm_metrics::AgentState::OnContact => "on_contact",
            csm_metrics::AgentState::AfterCallWork => "after_call_work",
            csm_metrics::AgentState::Break => "break",
            csm_metrics::AgentState::Training => "training",
            csm_metrics::AgentState::Offline => "offline",
        };
        let (start, end) = (r.start.timestamp(), r.end.timestamp());
        writeln!(w, "{},\"{state}\",{start},{end}", r.agent.0)?;
    }
    w.flush()?;
    let mut w = BufWriter::new(File::create(dir.join("accounts.csv"))?);
    writeln!(w, "\"customer_id\",\"at\",\"kind\",\"revenue\",\"reason\"")?;
    for e in accounts(&config, (tickets / 20).max(10)) {
        let kind = match e.kind {
            csm_metrics::AccountEventKind::Started => "started",
            csm_metrics::AccountEventKind::Renewed => "renewed",
            csm_metrics::AccountEventKind::Expanded => "expanded",
            csm_metrics::AccountEventKind::Contracted => "contracted",
            csm_metrics::AccountEventKind::CancellationIntent => "cancellation_intent",
            csm_metrics::AccountEventKind::Churned => "churned",
        };
        let show = |v: Option<String>| v.unwrap_or_default();
        writeln!(
            w,
            "{},{},\"{kind}\",{},{}",
            e.customer.0,
            e.at.timestamp(),
            show(e.revenue.map(|r| r.to_string())),
            show(e.reason.map(|r| r.to_string()))
        )?;
    }
    w.flush()?;
    Ok(())
}

/// Writes `n` generated calls (see [`calls`]) as the history format's calls.csv: a call log
/// on its own, for `csm-metrics forecast --calls FILE`.
pub fn calls_csv(path: &Path, config: &Config, n: u64) -> std::io::Result<()> {
    let mut c = BufWriter::new(File::create(path)?);
    writeln!(
        c,
        "\"call_id\",\"queue\",\"offered_at\",\"answered_at\",\"ended_at\",\"hold_s\",\"wrap_s\",\"agent_id\""
    )?;
    for call in calls(config, n) {
        writeln!(
            c,
            "{},\"{}\",{},{},{},{},{},{}",
            call.id.0,
            if call.queue.0 == 1 {
                "sales"
            } else {
                "support"
            },
            call.offered_at.timestamp(),
            call.answered_at
                .map_or(String::new(), |a| a.timestamp().to_string()),
            call.ended_at.timestamp(),
            call.hold,
            call.wrap,
            call.agent.map_or(0, |a| a.0)
        )?;
    }
    c.flush()
}
