//! Quickstart: a generated help-desk history in, a support manager's report out.
//!
//! ```text
//! cargo run --release --example quickstart
//! ```
//!
//! It needs no files: the history (tickets, surveys, calls) comes from the workspace's
//! seeded generator. It computes every metric the crate has so far, overall and by team,
//! shows how shards merge, and prints a report.

use std::time::Instant;

use chrono::{DateTime, Utc};
use csm_metrics::goals::{Comparison, Figures, Goal, Metric, Scorecard, Stat};
use csm_metrics::metrics::agents::{Adherence, AgentStates};
use csm_metrics::metrics::calls::CallCenter;
use csm_metrics::metrics::desk::{Desk, DeskConfig, DeskEvent};
use csm_metrics::metrics::retention::Accounts;
use csm_metrics::metrics::sla::{
    Basis, Condition, Policy, SlaConfig, SlaMetric, SlaPolicies, SlaTracker, Target,
};
use csm_metrics::metrics::staffing::{Targets, forecast_from_history, plan};
use csm_metrics::metrics::tickets::{ByTeam, LifecycleSnapshot, TicketTracker, TrackerConfig};
use csm_metrics::{
    BusinessCalendar, Calculator, DayTime, DurationSnapshot, DurationSummary, FieldChange,
    Granularity, Grouped, Interaction, NpsSnapshot, Priority, Proportion, SurveySnapshot,
    SurveySuite, TeamId, Windowed,
};
use csm_metrics_synth::{Config, Generator, accounts as accounts_of, agent_days, calls, surveys};

fn main() -> Result<(), csm_metrics::Error> {
    let config = Config::new(7, 20_000, 50);
    let started = Instant::now();
    let tickets: Vec<_> = Generator::new(config.clone()).collect();
    let responses = surveys(&config, 40_000);
    let offered = calls(&config, 10_000);
    let interactions: usize = tickets.iter().map(|t| t.interactions.len()).sum();
    println!("csm-metrics quickstart");
    println!("======================");
    println!(
        "A generated history: {} tickets ({} interactions), {} survey responses, {} calls over {} days, {} agents in {} teams ({:.0?} to generate).\n",
        tickets.len(),
        interactions,
        responses.len(),
        offered.len(),
        config.days,
        config.agents,
        config.teams,
        started.elapsed()
    );

    // The ticket lifecycle: every calendar-time ticket metric, overall and per team, from
    // the tickets and their interactions (here ticket by ticket; a live stream interleaved
    // in time gives the same figures).
    let mut tracker = TicketTracker::<ByTeam>::default();
    for h in &tickets {
        tracker.observe_ticket(&h.ticket)?;
        for i in &h.interactions {
            tracker.observe_interaction(i)?;
        }
    }
    // As of the latest event: arrivals are random, so some come after the nominal days.
    let end = tracker
        .latest()
        .unwrap_or(config.start + chrono::TimeDelta::days(i64::from(config.days)));
    let report = tracker.snapshot_at(end);
    let overall_tickets = report.overall.clone();
    println!("Tickets, as of {}", end.format("%Y-%m-%d %H:%M UTC"));
    println!("------------------------------");
    print_tickets("all", &report.overall);
    for (team, s) in &report.groups {
        print_tickets(&format!("team {}", team.map_or(0, |t| t.0)), s);
    }
    let o = &report.overall;
    println!(
        "\nDistributions (all tickets)      {:>9} {:>9} {:>9} {:>9} {:>9}",
        "mean", "p50", "p90", "p99", "max"
    );
    for (name, d) in [
        ("first response", &o.first_response),
        ("next reply", &o.next_reply),
        ("first resolution", &o.first_resolution),
        ("full resolution", &o.full_resolution),
        ("resolution per cycle", &o.cycle_resolution),
        ("requester wait", &o.requester_wait),
        ("agent work", &o.agent_work),
        ("agent wait (pending)", &o.agent_wait),
        ("on hold", &o.on_hold),
    ] {
        print_distribution(name, d);
    }
    let hours = |b: &csm_metrics::Bucket| match b.to {
        Some(to) => format!("{}-{} h", b.from / 3600, to / 3600),
        None => format!("> {} h", b.from / 3600),
    };
    let buckets: Vec<String> = o
        .full_resolution
        .buckets
        .iter()
        .map(|b| format!("{} {}", hours(b), b.count))
        .collect();
    println!("full resolution buckets: {}", buckets.join(", "));
    println!(
        "backlog {} open tickets (mean age {:.1} h); {} unanswered (mean age {:.1} h); {} tickets in memory\n",
        o.backlog,
        o.backlog_mean_age.unwrap_or(0.0) / 3600.0,
        o.unanswered,
        o.unanswered_mean_age.unwrap_or(0.0) / 3600.0,
        report.in_play
    );
    // Censoring-aware: the tickets still open at the "as of" instant count as "not solved
    // after their age" (Kaplan-Meier), where the naive median sees the solved ones alone.
    if let Some(k) = &o.full_resolution_survival {
        let h = |v: Option<f64>| {
            v.map_or("not reached".to_string(), |v| {
                format!("{:.1} h", v / 3600.0)
            })
        };
        println!(
            "full resolution median, censoring-aware: {} (95 % {} – {}; {} solved, {} still open) against the naive {}\n",
            h(k.median),
            h(k.median_low),
            h(k.median_high),
            k.events,
            k.censored,
            h(k.naive_median)
        );
    }

    // The same history in business hours: New York, Monday to Friday 09:00-17:00, closed on
    // the 2025 US federal holidays. Every ticket figure then also comes in business time.
    let new_york = BusinessCalendar::builder(chrono_tz::America::New_York)
        .open_weekdays(DayTime::hm(9, 0), DayTime::hm(17, 0))
        .holidays(
            [
                (1, 1),
                (1, 20),
                (2, 17),
                (5, 26),
                (6, 19),
                (7, 4),
                (9, 1),
                (10, 13),
                (11, 11),
                (11, 27),
                (12, 25),
            ]
            .map(|(m, d)| chrono::NaiveDate::from_ymd_opt(2025, m, d).expect("a 2025 date")),
        )
        .years(2024, 2026)
        .build()?;
    let business_config = TrackerConfig {
        calendar: Some(std::sync::Arc::new(new_york)),
        ..TrackerConfig::default()
    };
    let mut business = TicketTracker::new(business_config.clone(), ByTeam)?;
    for h in &tickets {
        business.observe_ticket(&h.ticket)?;
        for i in &h.interactions {
            business.observe_interaction(i)?;
        }
    }
    let report = business.snapshot_at(end);
    println!("In business hours (New York, Mon-Fri 09:00-17:00, 2025 federal holidays)");
    println!("-------------------------------------------------------------------------");
    let row = |name: &str, s: &LifecycleSnapshot| {
        if let Some(b) = &s.business {
            let h = |d: &DurationSnapshot| {
                d.mean
                    .map_or("-".into(), |m| format!("{:.2} h", m / 3600.0))
            };
            let p = |x: Option<f64>| x.map_or("-".into(), |x| format!("{:.1} %", x * 100.0));
            println!(
                "{name:<8} FRT mean {:>7} (p90 {:>7}), first reply within 8 business hours {:>7}; full resolution mean {:>7}, within 24 business hours {:>7}",
                h(&b.first_response),
                b.first_response
                    .p90
                    .map_or("-".into(), |x| format!("{:.2} h", x / 3600.0)),
                p(b.responded_within_target),
                h(&b.full_resolution),
                p(b.resolved_within_target)
            );
        }
    };
    row("all", &report.overall);
    for (team, s) in &report.groups {
        row(&format!("team {}", team.map_or(0, |t| t.0)), s);
    }
    println!();

    // SLA attainment: urgent and high tickets on a tight policy, the rest on a standard one;
    // reply targets in business hours, total resolution in calendar time.
    let policies = SlaPolicies::new(
        vec![
            Policy {
                name: "priority".into(),
                condition: Condition {
                    priorities: vec![Priority::Urgent, Priority::High],
                    ..Condition::default()
                },
                targets: vec![
                    Target::new(SlaMetric::FirstReply, 3_600, Basis::Business),
                    Target::new(SlaMetric::NextReply, 2 * 3_600, Basis::Business),
                    Target::new(SlaMetric::TotalResolution, 24 * 3_600, Basis::Calendar),
                ],
            },
            Policy::all(
                "standard",
                vec![
                    Target::new(SlaMetric::FirstReply, 4 * 3_600, Basis::Business),
                    Target::new(SlaMetric::NextReply, 8 * 3_600, Basis::Business),
                    Target::new(SlaMetric::TotalResolution, 72 * 3_600, Basis::Calendar),
                ],
            ),
        ],
        business_config.calendar.clone(),
    )?;
    let mut sla = SlaTracker::new(policies.clone());
    for h in &tickets {
        sla.observe_ticket(&h.ticket)?;
        for i in &h.interactions {
            sla.observe_interaction(i)?;
        }
    }
    let report = sla.snapshot_at(end);
    println!("SLA attainment (achieved / (achieved + breached))");
    println!("--------------------------------------------------");
    for t in &report.targets {
        println!(
            "{:<9} {:<17} {:>6} h {:<9} {:>6} achieved {:>6} breached {:>4} active  attainment {:>6}  mean breach {:>7}",
            t.policy,
            format!("{:?}", t.metric),
            t.target.seconds / 3_600,
            format!("{:?}", t.target.basis).to_lowercase(),
            t.achieved,
            t.breached,
            t.active,
            t.attainment
                .map_or("-".into(), |a| format!("{:.1} %", a * 100.0)),
            t.breach_by
                .mean
                .map_or("-".into(), |m| format!("{:.1} h", m / 3_600.0)),
        );
    }
    for r in &report.about_to_breach {
        println!(
            "about to breach: {} ({}, {:?}) due {} ({:.1} h left)",
            r.ticket,
            r.policy,
            r.metric,
            r.deadline.format("%Y-%m-%d %H:%M UTC"),
            r.time_left as f64 / 3_600.0
        );
    }
    println!();
    desk_section(&tickets, &responses, policies, end)?;

    // Every survey metric at once, overall and per team (the team of the agent rated: a key
    // the caller supplies, since a survey response carries no team).
    let mut overall = SurveySuite::default();
    let mut by_team = Grouped::<TeamId, SurveySuite>::default();
    for r in &responses {
        overall.observe(r)?;
        let team = r.agent.map(|a| config.team_of(a));
        if let Some(team) = team {
            by_team.observe_keyed(team, r)?;
        }
    }

    // The same figures from two shards merged (two threads, two machines, two days).
    let (left, right) = responses.split_at(responses.len() / 3);
    let mut shard_a = SurveySuite::default();
    shard_a.observe_all(left)?;
    let mut shard_b = SurveySuite::default();
    shard_b.observe_all(right)?;
    shard_a.merge(&shard_b)?;
    assert_eq!(shard_a.snapshot(), overall.snapshot());

    println!("Surveys, overall");
    println!("----------------");
    let overall_surveys = overall.snapshot();
    print_surveys(&overall_surveys);
    println!("\nSurveys by team (agent's team)");
    println!("------------------------------");
    println!(
        "{:<8} {:>9} {:>16} {:>9} {:>16} {:>7} {:>8}",
        "team", "NPS n", "NPS ± MoE", "CSAT n", "CSAT [95 % CI]", "CES", "eNPS"
    );
    for (team, s) in by_team.snapshot() {
        println!(
            "{:<8} {:>9} {:>16} {:>9} {:>16} {:>7} {:>8}",
            team.0,
            s.nps.responses,
            nps_text(&s.nps),
            s.csat.responses,
            csat_text(&s),
            s.ces.mean.map_or("-".into(), |m| format!("{:.2}", m.mean)),
            s.enps.score.map_or("-".into(), |x| format!("{x:+.1}")),
        );
    }

    // CSAT per ISO week, in UTC.
    let mut weekly = Windowed::<SurveySuite>::new(Granularity::IsoWeek, Utc);
    weekly.observe_all(&responses)?;
    println!("\nCSAT by ISO week (UTC)");
    println!("----------------------");
    let weeks = weekly.snapshot();
    for w in &weeks {
        println!(
            "week of {}  CSAT {:>5.1} %  ({} responses){}",
            w.start.format("%Y-%m-%d"),
            w.value.csat.score.unwrap_or(f64::NAN),
            w.value.csat.responses,
            if w.value.csat.small_sample {
                "  small sample"
            } else {
                ""
            }
        );
    }
    // Week over week with a verdict: is the last full week's CSAT different from the one
    // before, beyond noise? (Newcombe's interval for the difference of two shares.)
    if let [.., before, last, _partial] = weeks.as_slice() {
        let options = csm_metrics::compare::CompareOptions::default().detecting(3.0);
        let d = last.value.csat.compare(&before.value.csat, &options)?;
        let i = d.interval.expect("both weeks have responses");
        println!(
            "week of {} against the week before: {:+.1} points [95 % CI {:+.1} – {:+.1}]: {:?} ({} responses a week would detect 3 points)",
            last.start.format("%Y-%m-%d"),
            d.difference.unwrap_or(0.0),
            i.low,
            i.high,
            d.change,
            d.needed_per_side.unwrap_or(0)
        );
    }

    // The statistics blocks on their own: queue waits of answered calls as a duration
    // summary (exact mean, quantiles within 1 %, buckets), and the share answered.
    let mut wait = DurationSummary::default();
    let mut answered = Proportion::default();
    for call in &offered {
        answered.add(call.answered_at.is_some())?;
        if let Some(at) = call.answered_at {
            wait.add(seconds(call.offered_at, at))?;
        }
    }
    let w = wait.snapshot();
    let ci = answered.wilson(0.95).expect("calls were offered");
    println!("\nCalls (statistics blocks)");
    println!("-------------------------");
    println!(
        "answered {} of {} = {:.1} % [95 % CI {:.1} – {:.1} %]",
        answered.successes(),
        answered.trials(),
        answered.rate().unwrap_or(0.0) * 100.0,
        ci.low * 100.0,
        ci.high * 100.0
    );
    println!(
        "queue wait of answered calls: mean {:.1} s, p50 {:.0} s, p90 {:.0} s, p99 {:.0} s, max {:.0} s",
        w.mean.unwrap_or(0.0),
        w.p50.unwrap_or(0.0),
        w.p90.unwrap_or(0.0),
        w.p99.unwrap_or(0.0),
        w.max.unwrap_or(0.0)
    );

    // The contact center: call metrics per 30-minute interval, and what those intervals
    // would have needed for 80 % answered in 20 s (Erlang C, occupancy ≤ 85 %, 30 %
    // shrinkage).
    let mut per_interval = Windowed::<CallCenter>::new(Granularity::HalfHour, chrono::Utc);
    per_interval.observe_all(&offered)?;
    let history = per_interval.snapshot();
    let forecast = forecast_from_history(&history, 300.0);
    let busiest = forecast
        .iter()
        .copied()
        .max_by(|a, b| a.contacts.total_cmp(&b.contacts))
        .expect("calls were offered");
    let targets = Targets::default();
    let needed = plan(&forecast, 1_800, targets)?;
    let peak = plan(&[busiest], 1_800, targets)?.rows[0].staffing;
    println!("\nContact center");
    println!("--------------");
    println!(
        "{} half-hours of calls: meeting 80/20 throughout needed {:.0} agent-hours on the phones, {:.0} scheduled",
        history.len(),
        needed.agent_hours,
        needed.position_hours
    );
    if let Some(s) = peak {
        println!(
            "busiest half-hour ({} calls, AHT {:.0} s): {} agents, {} positions, service level {:.1} %",
            busiest.contacts,
            busiest.aht,
            s.agents,
            s.positions,
            s.prediction.service_level * 100.0
        );
    }

    // Agents: occupancy, and adherence to their schedules.
    let (schedule, states) = agent_days(&config);
    let mut occupancy = AgentStates::default();
    occupancy.observe_all(&states)?;
    let mut adherence = Adherence::new(schedule, 120, chrono::Utc)?;
    for s in &states {
        adherence.observe(s)?;
    }
    let a = adherence.snapshot().overall;
    println!(
        "agents: occupancy {:.1} %, adherence {:.1} % (2 min tolerance), conformance {:.1} %",
        occupancy.snapshot().occupancy.unwrap_or(0.0) * 100.0,
        a.adherence.unwrap_or(0.0) * 100.0,
        a.conformance.unwrap_or(0.0) * 100.0
    );

    // Retention: customers and revenue kept in February, and the cohort table.
    let mut accounts = Accounts::default();
    for e in accounts_of(&config, 1_000) {
        accounts.observe(&e)?;
    }
    let month = |m| chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2025, m, 1, 0, 0, 0).unwrap();
    let feb = accounts.period(month(2), month(3));
    println!("\nRetention, February 2025");
    println!("------------------------");
    println!(
        "customers {} → {} ({} new, {} churned): retention {:.1} %, churn {:.1} %, net revenue retention {:.1} %, gross {:.1} %; at-risk saved {} of {}",
        feb.at_start,
        feb.at_end,
        feb.new,
        feb.churned,
        feb.retention_rate.unwrap_or(0.0) * 100.0,
        feb.churn_rate.unwrap_or(0.0) * 100.0,
        feb.net_revenue_retention.unwrap_or(0.0) * 100.0,
        feb.gross_revenue_retention.unwrap_or(0.0) * 100.0,
        feb.saved,
        feb.saved + feb.lost
    );

    // Goals: the desk's targets, judged on the overall figures.
    let card = Scorecard::new(vec![
        Goal::new("CSAT ≥ 85 %", Metric::Csat, Comparison::AtLeast, 85.0).with_min_sample(100),
        Goal::new(
            "first response p90 ≤ 8 h",
            Metric::FirstResponse(Stat::P90),
            Comparison::AtMost,
            8.0 * 3_600.0,
        ),
        Goal::new(
            "resolved within 24 h ≥ 80 %",
            Metric::ResolvedWithinTarget,
            Comparison::AtLeast,
            0.8,
        ),
    ])?;
    let results = card.evaluate(&Figures {
        tickets: Some(&overall_tickets),
        csat: Some(&overall_surveys.csat),
        ..Figures::default()
    });
    println!("\nGoals");
    println!("-----");
    for r in results {
        println!(
            "{:<30} {:?} (margin {})",
            r.goal,
            r.verdict,
            r.margin.map_or("-".into(), |m| format!("{m:+.2}"))
        );
    }

    println!("\nDone in {:.0?}.", started.elapsed());
    Ok(())
}

fn print_tickets(name: &str, s: &LifecycleSnapshot) {
    let pct = |x: Option<f64>| x.map_or("-".into(), |x| format!("{:.1} %", x * 100.0));
    let h = |d: &DurationSnapshot| {
        d.mean
            .map_or("-".into(), |m| format!("{:.1} h", m / 3600.0))
    };
    println!(
        "{name:<8} {:>6} tickets {:>6} answered, FRT {:>6} | {:>6} solved, resolution {:>6}, within 24 h {:>7}, reopened {:>6}, one-touch {:>7}, replies/solve {:.2}",
        s.tickets,
        s.answered,
        h(&s.first_response),
        s.solved,
        h(&s.full_resolution),
        pct(s.resolved_within_target),
        pct(s.reopen_rate),
        pct(s.one_touch_rate),
        s.replies_per_resolution.unwrap_or(0.0)
    );
}

fn print_distribution(name: &str, d: &DurationSnapshot) {
    let h = |x: Option<f64>| x.map_or("-".into(), |x| format!("{:.2} h", x / 3600.0));
    println!(
        "{name:<32} {:>9} {:>9} {:>9} {:>9} {:>9}",
        h(d.mean),
        h(d.p50),
        h(d.p90),
        h(d.p99),
        h(d.max)
    );
}

fn seconds(from: DateTime<Utc>, to: DateTime<Utc>) -> u64 {
    (to - from).num_seconds().max(0) as u64
}

fn nps_text(s: &NpsSnapshot) -> String {
    match (s.score, s.margin_of_error) {
        (Some(score), Some(moe)) => format!("{score:+.1} ± {moe:.1}"),
        _ => "-".into(),
    }
}

fn csat_text(s: &SurveySnapshot) -> String {
    match (s.csat.score, s.csat.interval) {
        (Some(score), Some(ci)) => format!("{score:.1} [{:.0}-{:.0}]", ci.low, ci.high),
        _ => "-".into(),
    }
}

fn print_surveys(s: &SurveySnapshot) {
    let n = &s.nps;
    println!(
        "NPS        {:>6}   ({} responses: {} promoters, {} passives, {} detractors; ±{:.1} at 95 %)",
        n.score.map_or("-".into(), |x| format!("{x:+.1}")),
        n.responses,
        n.promoters,
        n.passives,
        n.detractors,
        n.margin_of_error.unwrap_or(f64::NAN)
    );
    println!(
        "CSAT       {:>6}   ({} responses, {} satisfied; mean {:.2} of 5)",
        csat_text(s),
        s.csat.responses,
        s.csat.satisfied,
        s.csat.mean.map_or(f64::NAN, |m| m.mean)
    );
    println!(
        "CES        {:>6}   ({} responses; {:.1} % agree it was easy)",
        s.ces.mean.map_or("-".into(), |m| format!("{:.2}", m.mean)),
        s.ces.responses,
        s.ces.agree.map_or(f64::NAN, |a| a.percent)
    );
    println!(
        "Happiness  {:>6}   ({} ratings: {} great, {} okay, {} not good)",
        s.happiness.score.map_or("-".into(), |x| format!("{x:+.1}")),
        s.happiness.responses,
        s.happiness.great,
        s.happiness.okay,
        s.happiness.not_good
    );
    println!(
        "eNPS       {:>6}   ({} employee responses{})",
        s.enps.score.map_or("-".into(), |x| format!("{x:+.1}")),
        s.enps.responses,
        if s.enps.small_sample {
            ", small sample"
        } else {
            ""
        }
    );
    println!(
        "Engagement {:>6}   ({} answers over {} items; {:.1} % favourable)",
        s.engagement
            .overall
            .mean
            .map_or("-".into(), |m| format!("{:.2}", m.mean)),
        s.engagement.overall.responses,
        s.engagement.items.len(),
        s.engagement
            .overall
            .favourable
            .map_or(f64::NAN, |f| f.percent)
    );
}

/// Real ticket life through one front end: the history in webhook order (events before
/// their ticket, retries), with every tenth ticket escalated to urgent 10 minutes after its
/// creation (a field change: its SLA policy is chosen again), through a [`Desk`].
fn desk_section(
    tickets: &[csm_metrics_synth::TicketHistory],
    responses: &[csm_metrics::SurveyResponse],
    policies: SlaPolicies,
    end: DateTime<Utc>,
) -> Result<(), csm_metrics::Error> {
    let config = DeskConfig {
        tickets: TrackerConfig {
            resequence: true,
            handling: true,
            ..TrackerConfig::default()
        },
        sla: Some(SlaConfig::new(policies)),
        ..DeskConfig::default()
    };
    let mut desk = Desk::new(config, ByTeam)?;
    let mut stream: Vec<(i64, u8, DeskEvent)> = Vec::new();
    for (n, h) in tickets.iter().enumerate() {
        let created = h.ticket.created_at.timestamp();
        stream.push((created, 1, DeskEvent::Ticket(h.ticket.clone())));
        for (k, i) in h.interactions.iter().enumerate() {
            // A webhook may deliver a ticket's first event before the ticket itself.
            let arrives = if k == 0 { created } else { i.at.timestamp() };
            stream.push((arrives, 0, DeskEvent::Interaction(*i)));
        }
        if n % 10 == 0 {
            let at = h.ticket.created_at + chrono::TimeDelta::minutes(10);
            let change = FieldChange::Priority(Priority::Urgent);
            stream.push((
                at.timestamp(),
                0,
                DeskEvent::Interaction(Interaction::field(h.ticket.id, at, change)),
            ));
        }
    }
    for r in responses {
        stream.push((r.at.timestamp(), 0, DeskEvent::Survey(*r)));
    }
    stream.sort_by_key(|e| (e.0, e.1));
    let mut refused = 0u64;
    for (_, _, e) in &stream {
        // An escalation after a ticket's close is refused (and counted) as any late event.
        refused += u64::from(desk.observe(e).is_err());
    }
    let s = desk.snapshot_at(end);
    println!("One desk: the stream in webhook order, every tenth ticket escalated to urgent");
    println!("-----------------------------------------------------------------------------");
    let r = &s.report;
    println!(
        "{} events waited for their ticket ({} delivered, {} expired, {} overflowed); {} records refused",
        r.buffered, r.delivered, r.expired, r.overflowed, refused
    );
    if let Some(h) = &s.tickets.overall.handling {
        let hours = |d: &DurationSnapshot| {
            d.mean
                .map_or("-".into(), |m| format!("{:.2} h", m / 3_600.0))
        };
        for t in &h.statuses {
            println!(
                "time in {:<10} {:>6} solved tickets, {:>6} entries, mean {:>8} per ticket",
                format!("{:?}", t.status).to_lowercase(),
                t.tickets,
                t.entries,
                hours(&t.time)
            );
        }
        println!(
            "first assignment after {} (never assigned: {}), unassigned {} per ticket, assignee stations {:.2}, group stations {:.2}",
            hours(&h.first_assignment),
            h.never_assigned,
            hours(&h.unassigned),
            h.assignee_stations.unwrap_or(0.0),
            h.group_stations.unwrap_or(0.0)
        );
    }
    if let Some(sla) = &s.sla {
        for t in sla.targets.iter().filter(|t| t.policy == "priority") {
            println!(
                "SLA priority {:<16} achieved {:>5} breached {:>5} active {:>4}",
                format!("{:?}", t.metric),
                t.achieved,
                t.breached,
                t.active
            );
        }
    }
    println!(
        "surveys {} (CSAT {:.1} %), tickets in memory {}\n",
        r.surveys,
        s.surveys.csat.score.unwrap_or(f64::NAN),
        s.tickets.in_play
    );
    Ok(())
}
