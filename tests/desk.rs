//! The desk: one stream of tickets, interactions, surveys and calls, in webhook order with
//! retries and events before their ticket, gives the figures of the clean replay; desks of
//! disjoint tickets merge into one; a saved desk goes on; what cannot wait is counted.

mod common;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use csm_metrics::metrics::desk::{Desk, DeskConfig, DeskEvent, PendingLimits};
use csm_metrics::metrics::sla::{
    Basis, Policy, SlaConfig, SlaMetric, SlaPolicies, SlaTracker, Target,
};
use csm_metrics::metrics::surveys::SurveySuite;
use csm_metrics::metrics::tickets::{ByTeam, TicketTracker, TrackerConfig};
use csm_metrics::*;
use csm_metrics_synth::{Config, Generator, Rng, TicketHistory};
use proptest::prelude::*;

fn policies() -> SlaPolicies {
    let cal = |m, s| Target::new(m, s, Basis::Calendar);
    SlaPolicies::new(
        vec![Policy::all(
            "standard",
            vec![
                cal(SlaMetric::FirstReply, 4 * 3_600),
                cal(SlaMetric::NextReply, 2 * 3_600),
                cal(SlaMetric::RequesterWait, 24 * 3_600),
            ],
        )],
        None,
    )
    .unwrap()
}

fn config() -> DeskConfig {
    DeskConfig {
        tickets: TrackerConfig {
            resequence: true,
            handling: true,
            ..TrackerConfig::default()
        },
        sla: Some(SlaConfig::new(policies())),
        // Shuffled across the whole history, an event may come long before its ticket.
        pending: PendingLimits {
            events: 1 << 20,
            wait: 10 * 365 * 86_400,
        },
        backlog_days: Some(csm_metrics::metrics::desk::BacklogDays::in_zone(Utc)),
        ..DeskConfig::default()
    }
}

/// A webhook feed of the histories: every record in random order across tickets, each
/// ticket's release and what follows it kept last, a quarter of the rest sent twice.
fn webhook(h: &[TicketHistory], surveys: &[SurveyResponse], seed: u64) -> Vec<DeskEvent> {
    let mut rng = Rng::new(seed);
    let mut body = Vec::new();
    let mut tails = Vec::new();
    for t in h {
        body.push(DeskEvent::Ticket(t.ticket.clone()));
        let release = |i: &Interaction| {
            matches!(
                i.kind,
                InteractionKind::Status(Status::Closed | Status::Merged { .. } | Status::Spam)
            )
        };
        let cut = t.interactions.iter().position(release);
        let (events, tail) = t.interactions.split_at(cut.unwrap_or(t.interactions.len()));
        for i in events {
            body.push(DeskEvent::Interaction(*i));
            if rng.below(4) == 0 {
                body.push(DeskEvent::Interaction(*i));
            }
        }
        tails.extend(tail.iter().map(|i| DeskEvent::Interaction(*i)));
    }
    body.extend(surveys.iter().copied().map(DeskEvent::Survey));
    for i in (1..body.len()).rev() {
        body.swap(i, rng.below(i as u64 + 1) as usize);
    }
    body.extend(tails);
    body
}

fn end_of(h: &[TicketHistory]) -> DateTime<Utc> {
    h.iter()
        .flat_map(|t| t.interactions.iter().map(|i| i.at))
        .max()
        .unwrap_or_else(|| Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap())
        + TimeDelta::days(1)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(common::cases(48)))]

    /// Shuffled, retried, before their tickets: the desk's figures are the clean replay's.
    #[test]
    fn a_webhook_feed_gives_the_clean_replay(seed in any::<u64>(), n in 1u64..120, shuffle in any::<u64>()) {
        let c = Config::new(seed, n, 3);
        let h: Vec<TicketHistory> = Generator::new(c.clone()).collect();
        let surveys = csm_metrics_synth::surveys(&c, n / 2);
        let mut desk = Desk::new(config(), ByTeam).unwrap();
        let feed = webhook(&h, &surveys, shuffle);
        for e in &feed {
            let _ = desk.observe(e);
        }
        // The clean replay, by the engines themselves: each ticket's events without their
        // retries, in time order (events of one second in their order of arrival, as
        // re-sequencing keeps them).
        let mut tickets = TicketTracker::new(config().tickets, ByTeam).unwrap();
        let mut sla = SlaTracker::with_config(SlaConfig::new(policies()), ByTeam);
        let mut suite = SurveySuite::default();
        for t in &h {
            tickets.observe_ticket(&t.ticket).unwrap();
            sla.observe_ticket(&t.ticket).unwrap();
            let mut ordered: Vec<Interaction> = Vec::new();
            for e in &feed {
                if let DeskEvent::Interaction(i) = e {
                    if i.ticket == t.ticket.id && !ordered.contains(i) {
                        ordered.push(*i);
                    }
                }
            }
            ordered.sort_by_key(|i| i.at);
            for i in &ordered {
                let _ = tickets.observe_interaction(i);
                let _ = sla.observe_interaction(i);
            }
        }
        for r in &surveys {
            suite.observe(r).unwrap();
        }
        let end = end_of(&h);
        let (d, t) = (desk.snapshot_at(end), tickets.snapshot_at(end));
        prop_assert_eq!(d.pending, 0);
        prop_assert!(common::same_but_extremes(&d.tickets.overall, &t.overall));
        prop_assert_eq!(d.tickets.groups.len(), t.groups.len());
        for (k, g) in &d.tickets.groups {
            prop_assert!(common::same_but_extremes(g, &t.groups[k]), "group {:?}", k);
        }
        let s = sla.snapshot_at(end);
        prop_assert!(common::same_targets(&d.sla.unwrap().targets, &s.targets));
        prop_assert_eq!(d.surveys, suite.snapshot());
    }

    /// Desks of disjoint tickets (pods by ticket id) merge into one desk's figures; a desk
    /// saved mid-stream and restored ends as one that never stopped.
    #[test]
    fn desks_merge_and_restore(seed in any::<u64>(), n in 1u64..80, shuffle in any::<u64>(), cut in 0.0f64..1.0) {
        let c = Config::new(seed, n, 3);
        let h: Vec<TicketHistory> = Generator::new(c.clone()).collect();
        // Ratings about tickets (two in three), some given again later with another score.
        let mut surveys = csm_metrics_synth::surveys(&c, n / 2);
        for (i, r) in surveys.iter_mut().enumerate() {
            r.ticket = (i % 3 != 0).then_some(TicketId(1 + i as u64 % n));
        }
        let again: Vec<SurveyResponse> = surveys
            .iter()
            .step_by(4)
            .map(|r| SurveyResponse { at: r.at + TimeDelta::hours(1), ..*r })
            .collect();
        surveys.extend(again);
        let feed = webhook(&h, &surveys, shuffle);
        let mut whole = Desk::new(config(), ByTeam).unwrap();
        let mut pods = [Desk::new(config(), ByTeam).unwrap(), Desk::new(config(), ByTeam).unwrap()];
        for e in &feed {
            let _ = whole.observe(e);
            let id = match e {
                DeskEvent::Ticket(t) => t.id,
                DeskEvent::Interaction(i) => i.ticket,
                // Ratings go to their ticket's pod (those without a ticket to the first).
                DeskEvent::Survey(r) => r.ticket.unwrap_or(TicketId(0)),
                _ => continue,
            };
            let _ = pods[(id.0 % 2) as usize].observe(e);
        }
        let end = end_of(&h);
        let mut merged = Desk::<ByTeam>::default();
        merged.merge(&pods[0]).unwrap();
        merged.merge(&pods[1]).unwrap();
        let (a, b) = (merged.snapshot_at(end), whole.snapshot_at(end));
        prop_assert!(common::same_but_extremes(&a.tickets.overall, &b.tickets.overall));
        prop_assert!(common::same_targets(&a.sla.unwrap().targets, &b.sla.clone().unwrap().targets));
        prop_assert_eq!(&a.surveys, &b.surveys);
        prop_assert_eq!(&a.survey_groups, &b.survey_groups);
        prop_assert_eq!(a.report.surveys_unattributed, b.report.surveys_unattributed);
        #[cfg(feature = "serde")]
        {
            let k = (feed.len() as f64 * cut) as usize;
            let mut first = Desk::new(config(), ByTeam).unwrap();
            for e in &feed[..k] {
                let _ = first.observe(e);
            }
            let json = serde_json::to_string(&first.save()).unwrap();
            let mut second = Desk::restore(config(), ByTeam, serde_json::from_str(&json).unwrap()).unwrap();
            for e in &feed[k..] {
                let _ = second.observe(e);
            }
            prop_assert_eq!(second.snapshot_at(end), whole.snapshot_at(end));
            let snap = whole.snapshot_at(end);
            let text = serde_json::to_string(&snap).unwrap();
            let back: csm_metrics::metrics::desk::DeskSnapshot<Option<TeamId>> = serde_json::from_str(&text).unwrap();
            prop_assert_eq!(back, snap);
        }
    }
}

#[test]
fn what_cannot_wait_is_counted() {
    let t0 = Utc.with_ymd_and_hms(2025, 3, 3, 9, 0, 0).unwrap();
    let config = DeskConfig {
        pending: PendingLimits {
            events: 1,
            wait: 60,
        },
        ..DeskConfig::default()
    };
    let mut desk = Desk::new(config, ByTeam).unwrap();
    let reply =
        |t, m| Interaction::agent_reply(TicketId(t), t0 + TimeDelta::minutes(m), AgentId(1));
    // Ticket 1's reply waits; ticket 2's finds the buffer full: offered, turned away.
    desk.observe(&DeskEvent::Interaction(reply(1, 0))).unwrap();
    let full = desk.observe(&DeskEvent::Interaction(reply(2, 0)));
    assert!(matches!(full, Err(Error::InvalidRecord { .. })));
    // Two minutes later (stream time) ticket 3 comes: ticket 1's reply waited too long.
    desk.observe(&DeskEvent::Ticket(Ticket::new(
        TicketId(3),
        t0 + TimeDelta::minutes(2),
        CustomerId(1),
    )))
    .unwrap();
    let s = desk.snapshot_at(t0 + TimeDelta::minutes(3));
    assert_eq!(
        (
            s.report.buffered,
            s.report.overflowed,
            s.report.expired,
            s.pending
        ),
        (1, 1, 1, 0)
    );
    assert_eq!(s.tickets.ingest.rejected.values().sum::<u64>(), 2);
    // A ticket's waiting events are delivered in time order when it comes.
    desk.observe(&DeskEvent::Interaction(Interaction::status(
        TicketId(4),
        t0 + TimeDelta::minutes(5),
        Status::Solved,
    )))
    .unwrap();
    desk.observe(&DeskEvent::Ticket(Ticket::new(
        TicketId(4),
        t0 + TimeDelta::minutes(3),
        CustomerId(1),
    )))
    .unwrap();
    let s = desk.snapshot_at(t0 + TimeDelta::minutes(6));
    assert_eq!(s.report.delivered, 1);
    assert_eq!(s.tickets.overall.full_resolution.mean, Some(120.0));
}

fn csat(id: u64, ticket: u64, when: DateTime<Utc>, score: u8) -> SurveyResponse {
    let mut r = SurveyResponse::new(SurveyId(id), when, SurveyScore::Csat(score));
    r.ticket = Some(TicketId(ticket));
    r
}

#[test]
fn a_survey_id_again_replaces_its_rating() {
    let t0 = Utc.with_ymd_and_hms(2025, 3, 3, 9, 0, 0).unwrap();
    let h = |m| t0 + TimeDelta::minutes(m);
    let mut desk = Desk::new(DeskConfig::default(), ByTeam).unwrap();
    for t in [1, 2] {
        desk.observe(&DeskEvent::Ticket(Ticket::new(
            TicketId(t),
            t0,
            CustomerId(t),
        )))
        .unwrap();
        desk.observe(&DeskEvent::Interaction(Interaction::status(
            TicketId(t),
            h(30),
            Status::Solved,
        )))
        .unwrap();
    }
    // Satisfied at 10:00, changed to 2 at 11:00: retracted and re-added (good → bad); the
    // same again is a duplicate; a rating older than the one counted is left out.
    for r in [
        csat(1, 1, h(60), 5),
        csat(1, 1, h(120), 2),
        csat(1, 1, h(120), 2),
        csat(1, 1, h(90), 4),
    ] {
        desk.observe(&DeskEvent::Survey(r)).unwrap();
    }
    let s = desk.snapshot_at(h(180));
    assert_eq!((s.surveys.csat.responses, s.surveys.csat.satisfied), (1, 0));
    assert_eq!(s.surveys.csat.score, Some(0.0));
    let r = s.report;
    assert_eq!(
        (
            r.surveys,
            r.surveys_replaced,
            r.survey_duplicates,
            r.surveys_superseded
        ),
        (1, 1, 1, 1)
    );
    assert_eq!((r.good_to_bad, r.bad_to_good), (1, 0));
    // One CSAT response over two solved tickets.
    assert_eq!(s.csat_response_rate, Some(0.5));
    // A rating off the scale is refused and the earlier one stands.
    assert!(
        desk.observe(&DeskEvent::Survey(csat(1, 1, h(150), 9)))
            .is_err()
    );
    assert_eq!(desk.snapshot_at(h(180)).surveys.csat.responses, 1);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(common::cases(64)))]

    /// Ratings changed any number of times, in any order, over any pods: the survey
    /// figures are those of each survey's final rating, counted once.
    #[test]
    fn replaced_ratings_equal_the_final_ones(
        finals in proptest::collection::vec((1u8..=5, 0u64..4), 1..60),
        changes in proptest::collection::vec((0usize..60, 1u8..=5, 1i64..3_600), 0..60),
        shuffle in any::<u64>(),
    ) {
        let t0 = Utc.with_ymd_and_hms(2025, 3, 3, 9, 0, 0).unwrap();
        let last = t0 + TimeDelta::days(1);
        let finals: Vec<SurveyResponse> = finals.iter().enumerate()
            .map(|(i, (score, ticket))| csat(i as u64, *ticket, last, *score))
            .collect();
        let mut feed: Vec<SurveyResponse> = finals.clone();
        for (i, score, before) in &changes {
            let f = &finals[i % finals.len()];
            feed.push(csat(f.id.0, f.ticket.unwrap().0, last - TimeDelta::seconds(*before), *score));
            feed.push(*f); // a retry of the final rating
        }
        let mut rng = Rng::new(shuffle);
        for i in (1..feed.len()).rev() {
            feed.swap(i, rng.below(i as u64 + 1) as usize);
        }
        let mut whole = Desk::<ByTeam>::default();
        let mut pods = [Desk::<ByTeam>::default(), Desk::<ByTeam>::default()];
        for (k, r) in feed.iter().enumerate() {
            whole.observe(&DeskEvent::Survey(*r)).unwrap();
            pods[k % 2].observe(&DeskEvent::Survey(*r)).unwrap();
        }
        let mut one = SurveySuite::default();
        for r in &finals {
            one.observe(r).unwrap();
        }
        prop_assert_eq!(&whole.snapshot_at(last).surveys, &one.snapshot());
        prop_assert_eq!(whole.snapshot_at(last).report.surveys, finals.len() as u64);
        let mut merged = Desk::<ByTeam>::default();
        merged.merge(&pods[0]).unwrap();
        merged.merge(&pods[1]).unwrap();
        prop_assert_eq!(&merged.snapshot_at(last).surveys, &one.snapshot());
        prop_assert_eq!(merged.snapshot_at(last).report.surveys, finals.len() as u64);
    }
}

#[test]
fn the_backlog_is_kept_at_each_days_end() {
    use csm_metrics::metrics::desk::BacklogDays;
    let day = |d, h| Utc.with_ymd_and_hms(2025, 3, d, h, 0, 0).unwrap();
    let config = DeskConfig {
        backlog_days: Some(BacklogDays::in_zone(Utc)),
        ..DeskConfig::default()
    };
    let mut desk = Desk::new(config, ByTeam).unwrap();
    let ticket = |id, at, team| {
        let mut t = Ticket::new(TicketId(id), at, CustomerId(id));
        t.team = Some(TeamId(team));
        DeskEvent::Ticket(t)
    };
    // Tickets 1 (team 1, 09:00) and 2 (team 2, 15:00) on March 3; ticket 1 solved on
    // March 4 at 10:00; ticket 3 on March 5 at 08:00.
    for e in [
        ticket(1, day(3, 9), 1),
        ticket(2, day(3, 15), 2),
        DeskEvent::Interaction(Interaction::status(TicketId(1), day(4, 10), Status::Solved)),
        ticket(3, day(5, 8), 1),
    ] {
        desk.observe(&e).unwrap();
    }
    let s = desk.snapshot_at(day(5, 9));
    assert_eq!(s.backlog_days.len(), 2);
    // March 3 at midnight: both open, aged 15 h and 9 h.
    let d3 = &s.backlog_days[0];
    assert_eq!(d3.day, day(3, 0));
    assert_eq!(d3.overall.backlog.count, 2);
    assert_eq!(d3.overall.backlog.mean, Some(12.0 * 3_600.0));
    assert_eq!(d3.groups[&Some(TeamId(1))].backlog.count, 1);
    assert_eq!(d3.groups[&Some(TeamId(2))].backlog.max, Some(9.0 * 3_600.0));
    // March 4: ticket 2 alone, 33 h old.
    let d4 = &s.backlog_days[1];
    assert_eq!(d4.overall.backlog.mean, Some(33.0 * 3_600.0));
    assert!(!d4.groups.contains_key(&Some(TeamId(1))));
}

#[test]
fn ratings_go_to_their_tickets_groups() {
    let t0 = Utc.with_ymd_and_hms(2025, 3, 3, 9, 0, 0).unwrap();
    let h = |m| t0 + TimeDelta::minutes(m);
    let mut desk = Desk::new(DeskConfig::default(), ByTeam).unwrap();
    let team = |t: u64| Some(TeamId(t));
    for (id, t) in [(1, 1), (2, 2), (3, 1)] {
        let mut ticket = Ticket::new(TicketId(id), t0, CustomerId(id));
        ticket.team = team(t);
        desk.observe(&DeskEvent::Ticket(ticket)).unwrap();
    }
    // 3 moves to team 2 before its solve; 2 is solved and closed (it leaves play, its team
    // remembered); 1 is solved in team 1.
    desk.observe(&DeskEvent::Interaction(Interaction::field(
        TicketId(3),
        h(10),
        FieldChange::Team(team(2)),
    )))
    .unwrap();
    for id in 1..=3 {
        desk.observe(&DeskEvent::Interaction(Interaction::status(
            TicketId(id),
            h(30),
            Status::Solved,
        )))
        .unwrap();
    }
    desk.observe(&DeskEvent::Interaction(Interaction::status(
        TicketId(2),
        h(40),
        Status::Closed,
    )))
    .unwrap();
    assert!(!desk.tickets().is_in_play(TicketId(2)));
    // Ratings: 1 satisfied (team 1), 2 unsatisfied (team 2, remembered), 3 satisfied (team
    // 2, where it was solved), one about a ticket never seen and one without a ticket
    // (overall only); then 1's rating changed to unsatisfied.
    let mut loose = SurveyResponse::new(SurveyId(6), h(60), SurveyScore::Csat(5));
    loose.ticket = None;
    for r in [
        csat(1, 1, h(60), 5),
        csat(2, 2, h(60), 1),
        csat(3, 3, h(60), 5),
        csat(4, 99, h(60), 5),
        loose,
        csat(1, 1, h(90), 2),
    ] {
        desk.observe(&DeskEvent::Survey(r)).unwrap();
    }
    let s = desk.snapshot_at(h(120));
    assert_eq!((s.surveys.csat.responses, s.surveys.csat.satisfied), (5, 3));
    let g1 = &s.survey_groups[&team(1)].csat;
    assert_eq!((g1.responses, g1.satisfied), (1, 0));
    let g2 = &s.survey_groups[&team(2)].csat;
    assert_eq!((g2.responses, g2.satisfied), (2, 1));
    assert_eq!(s.report.surveys_unattributed, 2);
    // With no memory, a rating for a ticket that left play is unattributed.
    let forgetful = DeskConfig {
        survey_memory: 0,
        ..DeskConfig::default()
    };
    let mut desk = Desk::new(forgetful, ByTeam).unwrap();
    let mut ticket = Ticket::new(TicketId(1), t0, CustomerId(1));
    ticket.team = team(1);
    desk.observe(&DeskEvent::Ticket(ticket)).unwrap();
    desk.observe(&DeskEvent::Interaction(Interaction::status(
        TicketId(1),
        h(30),
        Status::Closed,
    )))
    .unwrap();
    desk.observe(&DeskEvent::Survey(csat(1, 1, h(60), 5)))
        .unwrap();
    let s = desk.snapshot_at(h(120));
    assert!(s.survey_groups.is_empty());
    assert_eq!(s.report.surveys_unattributed, 1);
}
