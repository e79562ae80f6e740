//! Staffing models: Erlang B, Erlang C and Erlang A ([contract](crate::contract) "Contact center").
//!
//! Offered traffic `A = λ · AHT` in Erlangs (contacts per second × mean handle time). Every
//! formula is computed by stable recursions (no factorials, no powers of large numbers),
//! accurate to ~1e-12 relative up to 2,000 agents and 1,000 Erlangs.
//!
//! ```
//! use csm_metrics::metrics::staffing::{ErlangC, Staffing};
//!
//! // 100 contacts per 30 minutes, 180 s average handle time: 10 Erlangs.
//! let model = ErlangC::new(100.0 / 1_800.0, 180.0)?;
//! let at_14 = model.with_agents(14, 20.0)?;
//! assert!((at_14.service_level - 0.888).abs() < 5e-4);
//! assert!((at_14.waiting_probability - 0.174).abs() < 5e-4);
//! assert!((at_14.occupancy - 0.714).abs() < 5e-4);
//!
//! // 80 % answered within 20 s, at most 85 % occupancy, 30 % shrinkage.
//! let plan: Staffing = model.agents_for(0.8, 20.0, 0.85, 0.3)?;
//! assert_eq!((plan.agents, plan.positions), (14, 20));
//! # Ok::<(), csm_metrics::Error>(())
//! ```

use crate::error::{Error, Result};
use crate::stats::ln_factorial;

const WHAT: &str = "staffing";

/// At most this many agents in a model.
pub const MAX_AGENTS: u32 = 100_000;

fn check_rate(name: &str, value: f64) -> Result<()> {
    if !(value.is_finite() && value > 0.0) {
        return Err(Error::config(
            WHAT,
            format!("{name} {value} must be a positive number"),
        ));
    }
    Ok(())
}

fn check_share(name: &str, value: f64, max_inclusive: bool) -> Result<()> {
    let ok = value.is_finite()
        && value >= 0.0
        && if max_inclusive {
            value <= 1.0
        } else {
            value < 1.0
        };
    if !ok {
        let range = if max_inclusive { "0..=1" } else { "0..1" };
        return Err(Error::config(
            WHAT,
            format!("{name} {value} is outside {range}"),
        ));
    }
    Ok(())
}

/// Positions to schedule so that `agents` are on the phones after `shrinkage` (the share
/// of paid time away from the queue: breaks, training, absence): agents / (1 − shrinkage),
/// rounded up.
pub fn positions(agents: u32, shrinkage: f64) -> u32 {
    // The small epsilon keeps exact quotients (14 / 0.7 = 20) from rounding up to 21.
    (f64::from(agents) / (1.0 - shrinkage) - 1e-9).ceil() as u32
}

/// Checks the targets of an agents-needed search.
fn check_targets(service_level: f64, max_occupancy: f64, shrinkage: f64) -> Result<()> {
    check_share("target service level", service_level, true)?;
    if service_level >= 1.0 {
        return Err(Error::config(
            WHAT,
            "a service level of 100 % needs infinite agents",
        ));
    }
    check_share("maximum occupancy", max_occupancy, true)?;
    if max_occupancy == 0.0 {
        return Err(Error::config(
            WHAT,
            "a maximum occupancy of 0 needs infinite agents",
        ));
    }
    check_share("shrinkage", shrinkage, false)
}

/// Erlang B: the probability that a contact finds all `agents` busy when blocked contacts
/// are lost, for `traffic` Erlangs. Stable recursion B(n) = A·B(n−1) / (n + A·B(n−1)).
pub fn erlang_b(traffic: f64, agents: u32) -> Result<f64> {
    check_rate("traffic", traffic)?;
    if agents > MAX_AGENTS {
        return Err(Error::config(
            WHAT,
            format!("{agents} agents: at most {MAX_AGENTS}"),
        ));
    }
    let mut b = 1.0;
    for n in 1..=agents {
        b = traffic * b / (f64::from(n) + traffic * b);
    }
    Ok(b)
}

/// Erlang C: the probability that a contact waits, with `agents` agents and `traffic`
/// Erlangs (`agents > traffic`, or every contact waits forever): C = N·B / (N − A(1 − B)).
pub fn erlang_c(traffic: f64, agents: u32) -> Result<f64> {
    let b = erlang_b(traffic, agents)?;
    let n = f64::from(agents);
    if n <= traffic {
        return Err(Error::config(
            WHAT,
            format!("{agents} agents cannot carry {traffic} Erlangs: the queue grows without end"),
        ));
    }
    Ok(n * b / (n - traffic * (1.0 - b)))
}

/// What a staffing model predicts for a number of agents.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Prediction {
    /// Agents.
    pub agents: u32,
    /// Offered traffic, Erlangs.
    pub traffic: f64,
    /// The probability that a contact waits.
    pub waiting_probability: f64,
    /// The share answered within the answer-time target.
    pub service_level: f64,
    /// The mean wait in queue, seconds (Erlang C: of every contact; Erlang A: of every
    /// contact, served or abandoning).
    pub asa: f64,
    /// Agents' busy share: carried traffic / agents.
    pub occupancy: f64,
    /// The probability that a contact abandons (Erlang A; 0 for Erlang C).
    pub abandon_probability: f64,
}

/// A staffing answer: agents on the phones and positions to schedule after shrinkage.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Staffing {
    /// Agents needed on the phones.
    pub agents: u32,
    /// Positions to schedule: agents / (1 − shrinkage), rounded up.
    pub positions: u32,
    /// The prediction for that many agents.
    pub prediction: Prediction,
}

/// The Erlang C model (M/M/N: no abandonment).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ErlangC {
    rate: f64,
    aht: f64,
}

impl ErlangC {
    /// Contacts arriving at `rate` per second with a mean handle time of `aht` seconds.
    pub fn new(rate: f64, aht: f64) -> Result<Self> {
        check_rate("arrival rate", rate)?;
        check_rate("handle time", aht)?;
        let traffic = rate * aht;
        if traffic > 1e6 {
            return Err(Error::config(
                WHAT,
                format!("{traffic} Erlangs: at most 1e6"),
            ));
        }
        Ok(ErlangC { rate, aht })
    }

    /// The offered traffic in Erlangs.
    pub fn traffic(&self) -> f64 {
        self.rate * self.aht
    }

    /// The prediction with `agents` agents and an answer-time target of `answer_seconds`:
    /// SL = 1 − C·e^(−(N − A)·T / AHT), ASA = C·AHT / (N − A), occupancy = A / N.
    pub fn with_agents(&self, agents: u32, answer_seconds: f64) -> Result<Prediction> {
        if !(answer_seconds.is_finite() && answer_seconds >= 0.0) {
            return Err(Error::config(
                WHAT,
                format!("answer time {answer_seconds} s"),
            ));
        }
        let a = self.traffic();
        let c = erlang_c(a, agents)?;
        let n = f64::from(agents);
        Ok(Prediction {
            agents,
            traffic: a,
            waiting_probability: c,
            service_level: 1.0 - c * (-(n - a) * answer_seconds / self.aht).exp(),
            asa: c * self.aht / (n - a),
            occupancy: a / n,
            abandon_probability: 0.0,
        })
    }

    /// The fewest agents meeting `service_level` within `answer_seconds` with occupancy at
    /// most `max_occupancy`, and the positions to schedule after `shrinkage`.
    pub fn agents_for(
        &self,
        service_level: f64,
        answer_seconds: f64,
        max_occupancy: f64,
        shrinkage: f64,
    ) -> Result<Staffing> {
        check_targets(service_level, max_occupancy, shrinkage)?;
        let a = self.traffic();
        // Occupancy and stability bound the search from below; service level rises with
        // agents, so the first agent count meeting it is the answer.
        let floor = (a / max_occupancy).ceil().max(a.floor() + 1.0);
        let mut n = floor as u32;
        // The Erlang B value at `n` seeds the recursion for n + 1, n + 2 …
        let mut b = erlang_b(a, n)?;
        loop {
            let nf = f64::from(n);
            let c = nf * b / (nf - a * (1.0 - b));
            let sl = 1.0 - c * (-(nf - a) * answer_seconds / self.aht).exp();
            if sl >= service_level {
                let prediction = self.with_agents(n, answer_seconds)?;
                let positions = positions(n, shrinkage);
                return Ok(Staffing {
                    agents: n,
                    positions,
                    prediction,
                });
            }
            if n >= MAX_AGENTS {
                return Err(Error::config(
                    WHAT,
                    format!("more than {MAX_AGENTS} agents needed"),
                ));
            }
            n += 1;
            b = a * b / (f64::from(n) + a * b);
        }
    }
}

/// The Erlang A model (M/M/N+M: callers abandon after an exponential patience).
///
/// Solved on the birth-death chain of the number of contacts in the system (truncated where
/// its probabilities fall below 1e-16); the service level uses the exact distribution of a
/// caller's wait, found by uniformization.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ErlangA {
    rate: f64,
    aht: f64,
    patience: f64,
}

impl ErlangA {
    /// Contacts arriving at `rate` per second, `aht` seconds of mean handle time, and a
    /// mean patience of `patience` seconds.
    pub fn new(rate: f64, aht: f64, patience: f64) -> Result<Self> {
        ErlangC::new(rate, aht)?;
        check_rate("patience", patience)?;
        Ok(ErlangA {
            rate,
            aht,
            patience,
        })
    }

    /// The offered traffic in Erlangs.
    pub fn traffic(&self) -> f64 {
        self.rate * self.aht
    }

    /// The prediction with `agents` agents and an answer-time target of `answer_seconds`
    /// (a contact is within service level when answered within it).
    pub fn with_agents(&self, agents: u32, answer_seconds: f64) -> Result<Prediction> {
        if agents == 0 || agents > MAX_AGENTS {
            return Err(Error::config(
                WHAT,
                format!("{agents} agents: 1..={MAX_AGENTS}"),
            ));
        }
        if !(answer_seconds.is_finite() && answer_seconds >= 0.0) {
            return Err(Error::config(
                WHAT,
                format!("answer time {answer_seconds} s"),
            ));
        }
        let (lambda, mu, theta) = (self.rate, 1.0 / self.aht, 1.0 / self.patience);
        let n = agents as usize;
        // Unnormalised probabilities of k in system, scaled to avoid overflow: start from
        // the mode and go both ways.
        let death = |k: usize| (k.min(n)) as f64 * mu + k.saturating_sub(n) as f64 * theta;
        // Up to the truncation point: the chain's tail decays geometrically past N + λ/θ.
        let mut p = vec![1.0f64];
        let mut peak = 1.0f64;
        let mut k = 0usize;
        loop {
            k += 1;
            let next = p[k - 1] * lambda / death(k);
            p.push(next);
            peak = peak.max(next);
            // Past N and past the mode the terms only shrink: stop when negligible.
            if k > n && death(k) > lambda && next < peak * 1e-17 {
                break;
            }
            if p.len() > 4 * MAX_AGENTS as usize {
                return Err(Error::config(WHAT, "the queue does not settle"));
            }
            // Rescale when values grow large (the early ones may underflow to 0: negligible).
            if next > 1e250 {
                for x in p.iter_mut() {
                    *x *= 1e-250;
                }
                peak *= 1e-250;
            }
        }
        let total: f64 = p.iter().sum();
        let pi: Vec<f64> = p.iter().map(|x| x / total).collect();
        let wait: f64 = pi[n..].iter().sum();
        let queue_mean: f64 = pi
            .iter()
            .enumerate()
            .skip(n)
            .map(|(k, x)| (k - n) as f64 * x)
            .sum();
        let abandon = theta * queue_mean / lambda;
        let busy: f64 = pi
            .iter()
            .enumerate()
            .map(|(k, x)| k.min(n) as f64 * x)
            .sum();
        // The service level: an arrival that finds k ≥ N waits through k − N + 1 stages;
        // at stage m (m callers queued, itself last) the queue moves on at rate N·μ + (m−1)·θ
        // and it abandons at rate θ. P(answered within T) by uniformization over the stages.
        let stages = pi.len() - n; // m = 1 ..= stages
        let nu = |m: usize| n as f64 * mu + m as f64 * theta;
        let big = nu(stages);
        let mean = big * answer_seconds;
        // f[m] = P(answered within the steps so far | at stage m); f[0] = 1 (answered).
        let mut f = vec![0.0f64; stages + 1];
        f[0] = 1.0;
        let mut weight = (-mean).exp();
        let mut within = vec![0.0f64; stages + 1];
        let mut cumulative = 0.0;
        let max_steps = (mean + 12.0 * mean.sqrt() + 50.0) as usize;
        // Poisson weights computed in log space when e^(−mean) underflows.
        let log_weight = |s: usize| -mean + s as f64 * mean.ln() - ln_factorial(s as u64);
        for s in 0..=max_steps {
            let w = if weight > 0.0 {
                weight
            } else {
                log_weight(s).exp()
            };
            for m in 1..=stages {
                within[m] += w * f[m];
            }
            cumulative += w;
            if cumulative > 1.0 - 1e-15 && s > mean as usize {
                break;
            }
            // One uniformized step.
            for m in (1..=stages).rev() {
                let move_on = (n as f64 * mu + (m - 1) as f64 * theta) / big;
                let stay = 1.0 - nu(m) / big;
                f[m] = stay * f[m] + move_on * f[m - 1];
            }
            weight *= mean / (s + 1) as f64;
        }
        let answered_late_free: f64 = pi[..n].iter().sum();
        let answered_within: f64 =
            answered_late_free + (1..=stages).map(|m| pi[n + m - 1] * within[m]).sum::<f64>();
        Ok(Prediction {
            agents,
            traffic: self.traffic(),
            waiting_probability: wait,
            service_level: answered_within.min(1.0),
            asa: queue_mean / lambda,
            occupancy: busy / n as f64,
            abandon_probability: abandon,
        })
    }

    /// The fewest agents meeting `service_level` within `answer_seconds` with occupancy at
    /// most `max_occupancy`, and the positions after `shrinkage`.
    pub fn agents_for(
        &self,
        service_level: f64,
        answer_seconds: f64,
        max_occupancy: f64,
        shrinkage: f64,
    ) -> Result<Staffing> {
        check_targets(service_level, max_occupancy, shrinkage)?;
        // Abandonment keeps every agent count stable; start from the occupancy floor
        // (carried traffic ≤ offered) and walk up.
        let mut n = ((self.traffic() * 0.5).floor() as u32).max(1);
        loop {
            let p = self.with_agents(n, answer_seconds)?;
            if p.service_level >= service_level && p.occupancy <= max_occupancy {
                let positions = positions(n, shrinkage);
                return Ok(Staffing {
                    agents: n,
                    positions,
                    prediction: p,
                });
            }
            if n >= MAX_AGENTS {
                return Err(Error::config(
                    WHAT,
                    format!("more than {MAX_AGENTS} agents needed"),
                ));
            }
            n += 1;
        }
    }
}

/// The targets a staffing plan meets. The default is the industry's usual: 80 % answered
/// within 20 s, occupancy at most 85 %, 30 % shrinkage, Erlang C (no patience).
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Targets {
    /// The share of contacts to answer within `answer_seconds` (0.8 for 80/20).
    pub service_level: f64,
    /// The answer-time target, seconds.
    pub answer_seconds: f64,
    /// The highest occupancy allowed.
    pub max_occupancy: f64,
    /// The share of scheduled time agents are not on the phones (breaks, training…).
    pub shrinkage: f64,
    /// Mean patience, seconds: plan with Erlang A when given, Erlang C otherwise.
    pub patience: Option<f64>,
    /// Contacts an agent handles at once (1 for calls; 2–4 is usual for chats). See
    /// [`plan`] for the model.
    #[cfg_attr(feature = "serde", serde(default = "one"))]
    pub concurrency: u32,
}

#[cfg(feature = "serde")]
fn one() -> u32 {
    1
}

impl Default for Targets {
    fn default() -> Self {
        Targets {
            service_level: 0.8,
            answer_seconds: 20.0,
            max_occupancy: 0.85,
            shrinkage: 0.3,
            patience: None,
            concurrency: 1,
        }
    }
}

/// The forecast (or the history) of one interval.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct IntervalForecast {
    /// The interval's first instant.
    pub start: chrono::DateTime<chrono::Utc>,
    /// Contacts offered in the interval.
    pub contacts: f64,
    /// Their mean handle time, seconds.
    pub aht: f64,
}

/// One interval of a plan.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PlanRow {
    /// The forecast it answers.
    pub forecast: IntervalForecast,
    /// Agents on the phones, positions to schedule, and the prediction (`None` for an
    /// interval without contacts, which needs no one).
    pub staffing: Option<Staffing>,
}

/// A staffing plan: the agents each interval of a forecast needs to meet the targets.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Plan {
    /// The intervals' length, seconds.
    pub interval_seconds: u64,
    /// The targets.
    pub targets: Targets,
    /// One row per interval, in the forecast's order.
    pub rows: Vec<PlanRow>,
    /// Agent-hours on the phones over the plan.
    pub agent_hours: f64,
    /// Scheduled position-hours (after shrinkage).
    pub position_hours: f64,
}

/// A shift of a proposed roster: `agents` scheduled from `start` to `end`.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Shift {
    /// When it starts.
    pub start: chrono::DateTime<chrono::Utc>,
    /// When it ends.
    pub end: chrono::DateTime<chrono::Utc>,
    /// How many agents work it.
    pub agents: u32,
}

/// How a roster covers one interval of a plan.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Coverage {
    /// The interval's first instant.
    pub start: chrono::DateTime<chrono::Utc>,
    /// Positions the plan needs.
    pub needed: u32,
    /// Positions the roster schedules (a shift covering part of the interval counts for
    /// that part).
    pub scheduled: f64,
    /// scheduled − needed: negative when under-staffed.
    pub gap: f64,
}

/// The plan for a forecast of intervals of `interval_seconds`: per interval the fewest
/// agents meeting the targets (Erlang C, or Erlang A with a patience), the positions after
/// shrinkage, and the prediction; the totals in agent-hours.
///
/// **Concurrency** (`targets.concurrency = k > 1`, chats): each agent holds `k` chat slots,
/// and every slot is one server of the queue, serving one chat at a time for the chat's
/// handle time *as measured while concurrent* (a chat's elapsed time, not the agent's
/// attention). The Erlang model gives the slots needed; the agents are slots / k, rounded
/// up, and the prediction (service level, waits, occupancy of slots) is the slots'. The
/// model ignores that chats slow each other down beyond what the handle time measured.
pub fn plan(
    forecast: &[IntervalForecast],
    interval_seconds: u64,
    targets: Targets,
) -> Result<Plan> {
    if interval_seconds == 0 {
        return Err(Error::config(WHAT, "intervals of 0 s"));
    }
    check_targets(
        targets.service_level,
        targets.max_occupancy,
        targets.shrinkage,
    )?;
    if targets.concurrency == 0 {
        return Err(Error::config(WHAT, "a concurrency of 0 contacts per agent"));
    }
    let length = interval_seconds as f64;
    let mut rows = Vec::with_capacity(forecast.len());
    let (mut agent_hours, mut position_hours) = (0.0, 0.0);
    for f in forecast {
        if !(f.contacts.is_finite() && f.contacts >= 0.0) {
            return Err(Error::config(
                WHAT,
                format!("{} contacts at {}", f.contacts, f.start),
            ));
        }
        let staffing = if f.contacts == 0.0 {
            None
        } else {
            let rate = f.contacts / length;
            let s = match targets.patience {
                Some(p) => ErlangA::new(rate, f.aht, p)?.agents_for(
                    targets.service_level,
                    targets.answer_seconds,
                    targets.max_occupancy,
                    targets.shrinkage,
                )?,
                None => ErlangC::new(rate, f.aht)?.agents_for(
                    targets.service_level,
                    targets.answer_seconds,
                    targets.max_occupancy,
                    targets.shrinkage,
                )?,
            };
            let s = with_concurrency(s, targets.concurrency, targets.shrinkage);
            agent_hours += f64::from(s.agents) * length / 3_600.0;
            position_hours += f64::from(s.positions) * length / 3_600.0;
            Some(s)
        };
        rows.push(PlanRow {
            forecast: *f,
            staffing,
        });
    }
    Ok(Plan {
        interval_seconds,
        targets,
        rows,
        agent_hours,
        position_hours,
    })
}

/// Agents for `slots` servers of `k` contacts each (the prediction stays the slots').
fn with_concurrency(s: Staffing, k: u32, shrinkage: f64) -> Staffing {
    if k == 1 {
        return s;
    }
    let agents = s.agents.div_ceil(k);
    Staffing {
        agents,
        positions: positions(agents, shrinkage),
        prediction: s.prediction,
    }
}

impl Plan {
    /// How a roster of shifts covers each interval: positions scheduled against positions
    /// needed (negative gaps are under-staffed intervals).
    pub fn coverage(&self, roster: &[Shift]) -> Vec<Coverage> {
        let length = self.interval_seconds as i64;
        self.rows
            .iter()
            .map(|r| {
                let (a, b) = (
                    r.forecast.start.timestamp(),
                    r.forecast.start.timestamp() + length,
                );
                let scheduled: f64 = roster
                    .iter()
                    .map(|s| {
                        let overlap =
                            (s.end.timestamp().min(b) - s.start.timestamp().max(a)).max(0);
                        f64::from(s.agents) * overlap as f64 / length as f64
                    })
                    .sum();
                let needed = r.staffing.map_or(0, |s| s.positions);
                Coverage {
                    start: r.forecast.start,
                    needed,
                    scheduled,
                    gap: scheduled - f64::from(needed),
                }
            })
            .collect()
    }
}

/// The history's own intervals as a forecast, from windowed call metrics (e.g. a
/// `Windowed<CallCenter>` of 30-minute windows): contacts = offered − short abandons, AHT =
/// the interval's mean handle time, or `default_aht` where no call was answered. Feed it to
/// [`plan`] to ask "how many agents would have met 80/20 last Tuesday".
pub fn forecast_from_history(
    windows: &[crate::aggregate::Window<crate::metrics::calls::CallSnapshot>],
    default_aht: f64,
) -> Vec<IntervalForecast> {
    windows
        .iter()
        .map(|w| IntervalForecast {
            start: w.start,
            contacts: (w.value.offered - w.value.short_abandons) as f64,
            aht: w.value.aht.mean.unwrap_or(default_aht),
        })
        .collect()
}
