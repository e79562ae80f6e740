//! Deterministic, seeded synthetic help-desk histories for `csm-metrics`' tests, benches and
//! examples.
//!
//! **Not a stable API**: it lives in its own unpublished workspace member so the library's
//! public surface stays the metrics alone, while tests, benches and examples of the workspace
//! (and of later integration crates) share one generator.
//!
//! The shapes are those of a real help desk: arrivals with a daily and weekly rhythm; email,
//! chat, phone, web and social tickets; priorities that set how fast agents answer; bot
//! greetings, internal notes, pending periods waiting on the customer, on-hold periods,
//! customer replies that reopen solved tickets, tickets never answered; CSAT, NPS, CES,
//! eNPS, engagement and happiness surveys; queued calls with abandons. The same seed gives
//! the same history on every machine.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod format;
pub mod write;

use chrono::{DateTime, TimeZone, Utc};
use csm_metrics::{
    AccountEvent, AccountEventKind, Activity, AgentId, AgentState, Author, Call, CallId, Channel,
    CreatedBy, CustomerId, Happiness, Interaction, InteractionKind, ItemId, Priority, QueueId,
    ScheduledActivity, StateInterval, Status, SurveyId, SurveyResponse, SurveyScore, TeamId,
    Ticket, TicketId, Visibility,
};

/// A small, fast, seedable generator (SplitMix64): statistically good enough for synthetic
/// data and identical on every platform.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x9e37_79b9_7f4a_7c15)
    }

    /// The next 64 random bits.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    #[inline]
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in `0..n` (`n > 0`).
    #[inline]
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// True with probability `p`.
    #[inline]
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Exponential with the given mean.
    pub fn exponential(&mut self, mean: f64) -> f64 {
        -mean * (1.0 - self.unit()).ln()
    }

    /// Standard normal (Box-Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.unit();
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (2.0 * core::f64::consts::PI * u2).cos()
    }

    /// Log-normal with the given median and log-space standard deviation.
    pub fn lognormal(&mut self, median: f64, sigma: f64) -> f64 {
        median * (sigma * self.normal()).exp()
    }

    /// An index drawn from relative weights.
    pub fn weighted(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut x = self.unit() * total;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len() - 1
    }
}

/// The shape of a history.
#[derive(Debug, Clone)]
pub struct Config {
    /// The seed.
    pub seed: u64,
    /// Tickets to create.
    pub tickets: u64,
    /// The first instant.
    pub start: DateTime<Utc>,
    /// Days over which tickets arrive.
    pub days: u32,
    /// Agents (ids 1..=agents).
    pub agents: u64,
    /// Teams (ids 1..=teams); agent `a` is in team `(a − 1) % teams + 1`.
    pub teams: u64,
    /// Customers (ids 1..=customers).
    pub customers: u64,
}

impl Config {
    /// `tickets` tickets over `days` days from 2025-01-01, with 50 agents in 3 teams and
    /// a customer base a fifth the size of the ticket count.
    pub fn new(seed: u64, tickets: u64, days: u32) -> Self {
        Config {
            seed,
            tickets,
            start: Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap(),
            days,
            agents: 50,
            teams: 3,
            customers: (tickets / 5).max(10),
        }
    }

    /// The team of an agent.
    pub fn team_of(&self, agent: AgentId) -> TeamId {
        TeamId((agent.0 - 1) % self.teams + 1)
    }
}

/// A ticket with its interactions, in time order.
#[derive(Debug, Clone)]
pub struct TicketHistory {
    /// The ticket.
    pub ticket: Ticket,
    /// Its interactions, in time order.
    pub interactions: Vec<Interaction>,
}

/// Relative arrival intensity at an instant: busy weekday afternoons, quiet nights and
/// weekends (mean about 1 over a week).
fn intensity(t: i64) -> f64 {
    let hour = (t.rem_euclid(86_400) / 3_600) as usize;
    // 1970-01-01 was a Thursday: day 0 → Thursday.
    let weekday = ((t.div_euclid(86_400) + 3).rem_euclid(7)) as usize; // 0 = Monday
    const HOURLY: [f64; 24] = [
        0.3, 0.25, 0.2, 0.2, 0.25, 0.35, 0.6, 0.9, 1.3, 1.6, 1.7, 1.65, 1.5, 1.6, 1.65, 1.6, 1.5,
        1.3, 1.0, 0.8, 0.7, 0.6, 0.5, 0.4,
    ];
    let weekly = if weekday >= 5 { 0.45 } else { 1.2 };
    HOURLY[hour] * weekly
}

/// Generates ticket histories in creation order.
#[derive(Debug, Clone)]
pub struct Generator {
    config: Config,
    rng: Rng,
    next_id: u64,
    clock: f64,
    mean_gap: f64,
}

impl Generator {
    /// A generator of `config`.
    pub fn new(config: Config) -> Self {
        let span = f64::from(config.days) * 86_400.0;
        Generator {
            rng: Rng::new(config.seed),
            next_id: 1,
            clock: config.start.timestamp() as f64,
            mean_gap: span / config.tickets.max(1) as f64,
            config,
        }
    }

    fn ticket(&mut self) -> TicketHistory {
        let id = TicketId(self.next_id);
        self.next_id += 1;
        let rng = &mut self.rng;
        self.clock += rng.exponential(self.mean_gap) / intensity(self.clock as i64).max(0.1);
        let created = self.clock as i64;
        let channel = [
            Channel::Email,
            Channel::Chat,
            Channel::Phone,
            Channel::Web,
            Channel::Social,
        ][rng.weighted(&[0.40, 0.25, 0.12, 0.18, 0.05])];
        let priority = Priority::ALL[rng.weighted(&[0.20, 0.55, 0.18, 0.07])];
        let agent = AgentId(1 + rng.below(self.config.agents));
        let team = self.config.team_of(agent);
        let requester = CustomerId(1 + rng.below(self.config.customers));
        let outbound = rng.chance(0.02);
        let mut ticket = Ticket::new(id, at(created), requester);
        ticket.channel = channel;
        ticket.priority = priority;
        ticket.team = Some(team);
        ticket.created_by = if outbound {
            CreatedBy::Agent(agent)
        } else {
            CreatedBy::Customer
        };
        if rng.chance(0.3) {
            ticket
                .tags
                .push(["billing", "bug", "how-to", "refund", "vip"][rng.below(5) as usize].into());
        }

        let mut out = Vec::with_capacity(12);
        let mut t = created;
        let push = |out: &mut Vec<Interaction>, t: i64, kind: InteractionKind| {
            out.push(Interaction {
                ticket: id,
                at: at(t),
                kind,
            })
        };
        let message = |author, visibility| InteractionKind::Message { author, visibility };
        // A bot greets chat and web tickets.
        if matches!(channel, Channel::Chat | Channel::Web) && rng.chance(0.7) {
            t += 5 + rng.below(55) as i64;
            push(&mut out, t, message(Author::Automation, Visibility::Public));
        }
        t += 30 + rng.below(600) as i64;
        push(
            &mut out,
            t,
            InteractionKind::Assignment {
                agent: Some(agent),
                team: Some(team),
            },
        );
        // Never answered (still waiting, or abandoned by the help desk).
        if !outbound && rng.chance(0.05) {
            if rng.chance(0.3) {
                t += rng.below(3_600) as i64;
                push(
                    &mut out,
                    t,
                    message(Author::Agent(agent), Visibility::Internal),
                );
            }
            return TicketHistory {
                ticket,
                interactions: out,
            };
        }
        let reply_median = match priority {
            Priority::Urgent => 900.0,
            Priority::High => 2_400.0,
            Priority::Normal => 5_400.0,
            Priority::Low => 10_800.0,
        } * if channel == Channel::Chat { 0.2 } else { 1.0 };
        let mut cycles = 0;
        loop {
            cycles += 1;
            if rng.chance(0.25) {
                t += rng.below(1_800) as i64;
                push(
                    &mut out,
                    t,
                    message(Author::Agent(agent), Visibility::Internal),
                );
            }
            t += rng.lognormal(reply_median, 1.2).max(1.0) as i64;
            push(
                &mut out,
                t,
                message(Author::Agent(agent), Visibility::Public),
            );
            if cycles == 1 {
                push(&mut out, t, InteractionKind::Status(Status::Open));
            }
            // Back and forth with the customer.
            while rng.chance(0.35) {
                let waiting = if rng.chance(0.8) {
                    Status::Pending
                } else {
                    Status::OnHold
                };
                push(&mut out, t, InteractionKind::Status(waiting));
                t += rng.lognormal(7_200.0, 1.3).max(1.0) as i64;
                if waiting == Status::Pending {
                    push(&mut out, t, message(Author::Customer, Visibility::Public));
                }
                push(&mut out, t, InteractionKind::Status(Status::Open));
                t += rng.lognormal(reply_median, 1.0).max(1.0) as i64;
                push(
                    &mut out,
                    t,
                    message(Author::Agent(agent), Visibility::Public),
                );
            }
            t += rng.lognormal(600.0, 1.5).max(1.0) as i64;
            push(&mut out, t, InteractionKind::Status(Status::Solved));
            // A customer reply reopens about 8 % of solves.
            if cycles < 4 && rng.chance(0.08) {
                t += rng.lognormal(20_000.0, 1.0).max(1.0) as i64;
                push(&mut out, t, message(Author::Customer, Visibility::Public));
                push(&mut out, t, InteractionKind::Status(Status::Open));
                continue;
            }
            break;
        }
        if rng.chance(0.01) {
            push(&mut out, t + 60, InteractionKind::Status(Status::Spam));
        } else if rng.chance(0.97) {
            // Help desks close solved tickets automatically after a few days.
            push(
                &mut out,
                t + 4 * 86_400,
                InteractionKind::Status(Status::Closed),
            );
        }
        TicketHistory {
            ticket,
            interactions: out,
        }
    }
}

impl Iterator for Generator {
    type Item = TicketHistory;

    fn next(&mut self) -> Option<TicketHistory> {
        (self.next_id <= self.config.tickets).then(|| self.ticket())
    }
}

fn at(t: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(t, 0).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// `n` survey responses of every kind spread over the configured span: mostly CSAT, then
/// NPS, CES, happiness, and a few eNPS and engagement answers from agents.
pub fn surveys(config: &Config, n: u64) -> Vec<SurveyResponse> {
    let mut rng = Rng::new(config.seed ^ 0x5u64.rotate_left(40));
    let span = i64::from(config.days) * 86_400;
    let start = config.start.timestamp();
    (1..=n)
        .map(|i| {
            let t = start + rng.below(span.max(1) as u64) as i64;
            let agent = AgentId(1 + rng.below(config.agents));
            let score = match rng.weighted(&[0.55, 0.2, 0.12, 0.06, 0.04, 0.03]) {
                0 => SurveyScore::Csat(
                    [1, 2, 3, 4, 5][rng.weighted(&[0.07, 0.06, 0.09, 0.28, 0.50])],
                ),
                1 => SurveyScore::Nps(
                    rng.weighted(&[3.0, 1.0, 1.5, 2.0, 2.5, 5.0, 6.0, 9.0, 16.0, 20.0, 24.0]) as u8,
                ),
                2 => SurveyScore::Ces(
                    1 + rng.weighted(&[3.0, 4.0, 6.0, 10.0, 18.0, 30.0, 29.0]) as u8,
                ),
                3 => SurveyScore::Happiness(
                    [Happiness::Great, Happiness::Okay, Happiness::NotGood]
                        [rng.weighted(&[0.7, 0.2, 0.1])],
                ),
                4 => SurveyScore::Enps(
                    rng.weighted(&[2.0, 1.0, 2.0, 3.0, 4.0, 8.0, 9.0, 14.0, 20.0, 18.0, 19.0])
                        as u8,
                ),
                _ => SurveyScore::Engagement {
                    item: ItemId(1 + rng.below(8)),
                    score: 1 + rng.weighted(&[0.05, 0.1, 0.2, 0.4, 0.25]) as u8,
                },
            };
            let mut r = SurveyResponse::new(SurveyId(i), at(t), score);
            r.agent = Some(agent);
            if !matches!(score, SurveyScore::Enps(_) | SurveyScore::Engagement { .. }) {
                r.customer = Some(CustomerId(1 + rng.below(config.customers)));
                r.ticket = Some(TicketId(1 + rng.below(config.tickets.max(1))));
            }
            r
        })
        .collect()
}

/// Agents' weekday schedules and what they did: each agent works 09:00-12:00, breaks
/// 12:00-12:30 and works 12:30-17:00 (UTC) on weekdays; they log in a few minutes late or
/// early, take the break a few minutes off, spend most working time on contacts and in
/// after-call work, and sometimes a training hour. Returns the schedule and the state
/// intervals, each agent's intervals in time order.
pub fn agent_days(config: &Config) -> (Vec<ScheduledActivity>, Vec<StateInterval>) {
    let mut rng = Rng::new(config.seed ^ 0xa9e7);
    let (mut schedule, mut states) = (Vec::new(), Vec::new());
    let day0 = config.start.timestamp() - config.start.timestamp().rem_euclid(86_400);
    for agent in 1..=config.agents {
        for d in 0..i64::from(config.days) {
            let day = day0 + d * 86_400;
            let weekday = (4 + day / 86_400).rem_euclid(7); // 0 = Monday (1970-01-01 was a Thursday)
            if weekday >= 5 {
                continue;
            }
            let h = |hours: f64| day + (hours * 3_600.0) as i64;
            let plan = |activity, a, b| ScheduledActivity {
                agent: AgentId(agent),
                activity,
                start: at(a),
                end: at(b),
            };
            schedule.push(plan(Activity::Work, h(9.0), h(12.0)));
            schedule.push(plan(Activity::Break, h(12.0), h(12.5)));
            schedule.push(plan(Activity::Work, h(12.5), h(17.0)));
            let jitter = |rng: &mut Rng| (rng.unit() * 600.0) as i64 - 300;
            let login = h(9.0) + jitter(&mut rng);
            let break_start = h(12.0) + jitter(&mut rng);
            let break_end = break_start + 1_800 + jitter(&mut rng) / 2;
            let logout = h(17.0) + jitter(&mut rng);
            let mut clock = login;
            let mut push = |state, a: i64, b: i64| {
                if b > a {
                    states.push(StateInterval {
                        agent: AgentId(agent),
                        state,
                        start: at(a),
                        end: at(b),
                    });
                }
            };
            for (until, after) in [(break_start, break_end), (logout, logout)] {
                while clock < until {
                    let step = if rng.chance(0.02) {
                        push(AgentState::Training, clock, (clock + 3_600).min(until));
                        3_600
                    } else {
                        let idle = rng.exponential(120.0) as i64;
                        let talk = rng.lognormal(300.0, 0.6) as i64;
                        let wrap = rng.lognormal(60.0, 0.5) as i64;
                        let a = clock;
                        push(AgentState::Available, a, (a + idle).min(until));
                        push(
                            AgentState::OnContact,
                            (a + idle).min(until),
                            (a + idle + talk).min(until),
                        );
                        push(
                            AgentState::AfterCallWork,
                            (a + idle + talk).min(until),
                            (a + idle + talk + wrap).min(until),
                        );
                        idle + talk + wrap
                    };
                    clock = (clock + step.max(1)).min(until);
                }
                if after > until {
                    push(AgentState::Break, until, after);
                    clock = after;
                }
            }
        }
    }
    (schedule, states)
}

/// Customer accounts over the history: customers start through the period with recurring
/// revenue, some expand or contract, some signal an intent to cancel (most are saved), and
/// some churn with a reason code (1 price, 2 product, 3 support, 4 other). Time-ordered.
pub fn accounts(config: &Config, customers: u64) -> Vec<AccountEvent> {
    let mut rng = Rng::new(config.seed ^ 0xacc7);
    let span = i64::from(config.days) * 86_400;
    let start = config.start.timestamp();
    let mut events = Vec::new();
    for c in 1..=customers {
        // A third were customers before the history began.
        let began = start - span / 2 + (rng.unit() * span as f64 * 1.4) as i64;
        let mut revenue = (rng.lognormal(5_000.0, 0.8) as i64).max(500) / 100 * 100;
        let mut event = |at_s: i64, kind, revenue: Option<i64>, reason: Option<u16>| {
            events.push(AccountEvent {
                customer: CustomerId(c),
                at: at(at_s),
                kind,
                revenue,
                reason,
            });
        };
        event(began, AccountEventKind::Started, Some(revenue), None);
        let mut clock = began;
        loop {
            clock += (rng.exponential(span as f64 / 3.0)) as i64 + 86_400;
            if clock >= start + span {
                break;
            }
            let roll = rng.unit();
            if roll < 0.25 {
                revenue = revenue * 12 / 10;
                event(clock, AccountEventKind::Expanded, Some(revenue), None);
            } else if roll < 0.35 {
                revenue = revenue * 8 / 10;
                event(clock, AccountEventKind::Contracted, Some(revenue), None);
            } else if roll < 0.55 {
                let reason = Some(1 + rng.below(4) as u16);
                event(clock, AccountEventKind::CancellationIntent, None, reason);
                if rng.chance(0.4) {
                    let later = clock + (rng.unit() * 14.0 * 86_400.0) as i64;
                    event(later, AccountEventKind::Churned, Some(0), reason);
                    break;
                }
            } else if roll < 0.62 {
                let reason = Some(1 + rng.below(4) as u16);
                event(clock, AccountEventKind::Churned, Some(0), reason);
                break;
            } else {
                event(clock, AccountEventKind::Renewed, Some(revenue), None);
            }
        }
    }
    events.sort_by_key(|e| (e.at, e.customer));
    events
}

/// `n` calls offered to two queues over the configured span; callers hang up after an
/// exponential patience, agents answer after a queue wait, talk, hold and wrap.
pub fn calls(config: &Config, n: u64) -> Vec<Call> {
    let mut rng = Rng::new(config.seed ^ 0xca11);
    let span = f64::from(config.days) * 86_400.0;
    let mean_gap = span / n.max(1) as f64;
    let mut clock = config.start.timestamp() as f64;
    (1..=n)
        .map(|i| {
            clock += rng.exponential(mean_gap) / intensity(clock as i64).max(0.1);
            let offered = clock as i64;
            let wait = rng.exponential(35.0) as i64;
            let patience = rng.exponential(90.0) as i64;
            let queue = QueueId(1 + rng.below(2));
            let customer = Some(CustomerId(1 + rng.below(config.customers)));
            if patience < wait {
                return Call {
                    id: CallId(i),
                    queue,
                    offered_at: at(offered),
                    answered_at: None,
                    ended_at: at(offered + patience),
                    hold: 0,
                    wrap: 0,
                    agent: None,
                    customer,
                    transferred: false,
                };
            }
            let talk = rng.lognormal(240.0, 0.7).max(5.0) as i64;
            let hold = if rng.chance(0.2) {
                rng.below(talk as u64 / 2)
            } else {
                0
            };
            Call {
                id: CallId(i),
                queue,
                offered_at: at(offered),
                answered_at: Some(at(offered + wait)),
                ended_at: at(offered + wait + talk),
                hold,
                wrap: rng.lognormal(60.0, 0.6) as u64,
                agent: Some(AgentId(1 + rng.below(config.agents))),
                customer,
                transferred: rng.chance(0.07),
            }
        })
        .collect()
}

/// Every interaction of `histories` in time order (ties keep ticket order), the way a live
/// help desk emits them.
pub fn time_ordered(histories: &[TicketHistory]) -> Vec<Interaction> {
    let mut all: Vec<Interaction> = histories
        .iter()
        .flat_map(|h| h.interactions.iter().copied())
        .collect();
    all.sort_by_key(|i| i.at);
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_valid() {
        let config = Config::new(7, 2_000, 10);
        let a: Vec<_> = Generator::new(config.clone()).collect();
        let b: Vec<_> = Generator::new(config.clone()).collect();
        assert_eq!(a.len(), 2_000);
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(x.ticket, y.ticket);
            assert_eq!(x.interactions, y.interactions);
        }
        for h in &a {
            for i in &h.interactions {
                i.validate_against(h.ticket.created_at).unwrap();
            }
            assert!(h.interactions.windows(2).all(|w| w[0].at <= w[1].at));
        }
        for s in surveys(&config, 1_000) {
            s.validate().unwrap();
        }
        for c in calls(&config, 1_000) {
            c.validate().unwrap();
        }
    }
}
