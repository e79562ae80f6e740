//! Shift schedules that cover a [`csm_metrics`] staffing plan.
//!
//! Given a [`Plan`] (positions needed per interval) and shift templates (start times,
//! length, days, breaks within windows), [`schedule`] chooses how many agents start each
//! shift — and where each takes its breaks — so that every interval is covered to its need
//! (or, with an under-staffing cost, so that paid hours plus shortfall cost least),
//! minimising paid hours. It is the set-covering integer program of workforce scheduling
//! (Dantzig 1954; explicit break placement as in Bechtold & Jacobs 1990):
//!
//! ```text
//! minimise   Σ_v cost_v · x_v  +  U · Σ_i short_i
//! such that  Σ_v a_{v,i} · x_v + short_i ≥ need_i     for every interval i
//!            x_v ∈ {0, 1, 2, …},  short_i ≥ 0 (absent when U is not given)
//! ```
//!
//! where `v` ranges over every shift variant (template × day × start time × placement of
//! its breaks), `a_{v,i}` is the share of interval `i` a variant works (breaks and partial
//! intervals count for their part) and `cost_v` its paid hours times the template's cost
//! per hour.
//!
//! # How it is solved, and the gap
//! 1. The linear relaxation (microlp's simplex) gives a lower bound on the cost.
//! 2. Rounding every variable of the relaxation up is feasible (the constraints only ask
//!    for *at least*); a greedy trim then removes agents, costliest shift first, while
//!    coverage holds (or while the shortfall they leave costs less than they do).
//! 3. Branch and bound (microlp) starts from that solution and runs within the time limit
//!    ([`Options::time_limit`]) or until within [`Options::mip_gap`] of its bound; if it
//!    finishes, the schedule is optimal; if the time runs out, its best schedule is
//!    returned ([`Method::TimeLimit`]); if it fails, the rounded one.
//!
//! Every schedule states its [`gap`](Schedule::gap) against the relaxation's bound:
//! `(cost − bound) / cost`, an upper bound on how far from optimal it can be.
//!
//! ```
//! use chrono::{NaiveTime, TimeZone, Utc, Weekday};
//! use csm_metrics::metrics::staffing::{IntervalForecast, Targets, plan};
//! use csm_metrics_schedule::{Options, ShiftTemplate, schedule};
//!
//! // A morning of 60-minute intervals: 40, 80, 80 and 40 calls of 180 s.
//! let start = Utc.with_ymd_and_hms(2025, 3, 3, 8, 0, 0).unwrap();
//! let forecast: Vec<IntervalForecast> = [40.0, 80.0, 80.0, 40.0]
//!     .iter()
//!     .enumerate()
//!     .map(|(i, &contacts)| IntervalForecast {
//!         start: start + chrono::TimeDelta::hours(i as i64),
//!         contacts,
//!         aht: 180.0,
//!     })
//!     .collect();
//! let targets = Targets { shrinkage: 0.0, ..Targets::default() };
//! let plan = plan(&forecast, 3_600, targets)?;
//! // Two-hour shifts starting at 08:00, 09:00 or 10:00.
//! let two_hours = ShiftTemplate::new("two hours", 120)
//!     .starting_at(&[(8, 0), (9, 0), (10, 0)])
//!     .on(&[Weekday::Mon]);
//! let s = schedule(&plan, &Utc, &[two_hours], &Options::default())?;
//! assert!(s.coverage.iter().all(|c| c.gap >= 0.0));
//! assert_eq!(s.gap, 0.0);
//! # Ok::<(), csm_metrics_schedule::ScheduleError>(())
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod solve;
mod variants;

use chrono::{DateTime, NaiveTime, Utc, Weekday};
use csm_metrics::Zone;
use csm_metrics::metrics::staffing::{Coverage, Plan, Shift};

pub use solve::Method;

/// What can go wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScheduleError {
    /// A template that cannot be used.
    #[error("shift template {name:?}: {reason}")]
    Template {
        /// The template's name.
        name: String,
        /// Why.
        reason: String,
    },
    /// An interval that needs agents no shift variant covers (give an under-staffing cost to
    /// schedule anyway).
    #[error("the interval starting {start} needs {needed} positions but no shift covers it")]
    Uncoverable {
        /// The interval's start.
        start: DateTime<Utc>,
        /// Positions it needs.
        needed: u32,
    },
    /// Options that cannot work.
    #[error("options: {0}")]
    Options(String),
    /// Too many variants to build (templates × days × starts × break placements).
    #[error("{variants} shift variants: at most {max} (fewer start times or break positions)")]
    TooLarge {
        /// Variants the templates make.
        variants: usize,
        /// The limit.
        max: usize,
    },
    /// The linear relaxation could not be solved.
    #[error("the solver failed: {0}")]
    Solver(String),
    /// An error of the core crate (a plan that cannot be made, say).
    #[error(transparent)]
    Metrics(#[from] csm_metrics::Error),
}

/// A break within a shift: `minutes` long, starting between `earliest` and `latest` minutes
/// after the shift's start, on a grid of `step` minutes; `paid` or not.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BreakRule {
    /// Its length, minutes.
    pub minutes: u32,
    /// The earliest start, minutes after the shift starts.
    pub earliest: u32,
    /// The latest start, minutes after the shift starts.
    pub latest: u32,
    /// The grid of possible starts, minutes (the plan's interval when 0).
    #[serde(default)]
    pub step: u32,
    /// Whether the break is paid (counts in paid hours).
    #[serde(default)]
    pub paid: bool,
}

/// A kind of shift agents can work.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ShiftTemplate {
    /// Its name, for the schedule.
    pub name: String,
    /// Local start times it may begin at.
    pub starts: Vec<NaiveTime>,
    /// Its length, minutes, breaks included.
    pub minutes: u32,
    /// Days it may start on (every day when empty).
    #[serde(default)]
    pub days: Vec<Weekday>,
    /// Its breaks, each placed by the schedule within its window.
    #[serde(default)]
    pub breaks: Vec<BreakRule>,
    /// The cost of a paid hour (1 by default: the objective is paid hours).
    #[serde(default = "one")]
    pub cost_per_hour: f64,
}

fn one() -> f64 {
    1.0
}

impl ShiftTemplate {
    /// A template of `minutes`, starting at midnight every day, without breaks, at cost 1 an
    /// hour; set the rest with the builder methods.
    pub fn new(name: &str, minutes: u32) -> Self {
        ShiftTemplate {
            name: name.into(),
            starts: vec![NaiveTime::MIN],
            minutes,
            days: Vec::new(),
            breaks: Vec::new(),
            cost_per_hour: 1.0,
        }
    }

    /// The local start times, as (hour, minute) pairs; pairs out of range are kept out
    /// and reported by [`schedule`] as a template error.
    pub fn starting_at(mut self, times: &[(u32, u32)]) -> Self {
        self.starts = times
            .iter()
            .map(|&(h, m)| NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN))
            .collect();
        if times.iter().any(|&(h, m)| h > 23 || m > 59) {
            self.starts.clear();
        }
        self
    }

    /// Start times every `step` minutes from `first` to `last` (local, inclusive).
    pub fn starting_every(mut self, first: (u32, u32), last: (u32, u32), step: u32) -> Self {
        let (a, b) = (first.0 * 60 + first.1, last.0 * 60 + last.1);
        self.starts = if step == 0 || a > b || b >= 24 * 60 {
            Vec::new()
        } else {
            (a..=b)
                .step_by(step as usize)
                .filter_map(|m| NaiveTime::from_hms_opt(m / 60, m % 60, 0))
                .collect()
        };
        self
    }

    /// The days it may start on.
    pub fn on(mut self, days: &[Weekday]) -> Self {
        self.days = days.to_vec();
        self
    }

    /// Adds a break.
    pub fn with_break(mut self, rule: BreakRule) -> Self {
        self.breaks.push(rule);
        self
    }

    /// Sets the cost of a paid hour.
    pub fn costing(mut self, per_hour: f64) -> Self {
        self.cost_per_hour = per_hour;
        self
    }
}

/// Templates for a desk open around the clock, the `csm-metrics staffing --calls` default:
/// 8.5-hour shifts with a 30-minute unpaid break 3 to 5 hours in, and 4-hour shifts, each
/// starting on any half hour of any day, at cost 1 an hour.
pub fn any_half_hour() -> Vec<ShiftTemplate> {
    let lunch = BreakRule {
        minutes: 30,
        earliest: 180,
        latest: 300,
        step: 30,
        paid: false,
    };
    vec![
        ShiftTemplate::new("8.5 hours", 510)
            .starting_every((0, 0), (23, 30), 30)
            .with_break(lunch),
        ShiftTemplate::new("4 hours", 240).starting_every((0, 0), (23, 30), 30),
    ]
}

/// How to solve.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// The cost of one position short for one hour (in the templates' cost unit); `None`
    /// (the default) asks for every interval to be covered.
    pub under_cost: Option<f64>,
    /// Branch and bound's time limit, seconds (10 by default); 0 keeps the rounded
    /// schedule of the relaxation.
    pub time_limit: f64,
    /// At most this many shift variants (200,000 by default).
    pub max_variants: usize,
    /// Branch and bound stops once its best schedule is within this relative gap of its
    /// bound (0 by default: until proven optimal or out of time).
    pub mip_gap: f64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            under_cost: None,
            time_limit: 10.0,
            max_variants: 200_000,
            mip_gap: 0.0,
        }
    }
}

/// Agents starting one shift variant.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Assignment {
    /// The template's name.
    pub template: String,
    /// When the shift starts.
    pub start: DateTime<Utc>,
    /// When it ends.
    pub end: DateTime<Utc>,
    /// Its breaks, start and end.
    pub breaks: Vec<(DateTime<Utc>, DateTime<Utc>)>,
    /// How many agents work it.
    pub agents: u32,
}

/// A schedule and how good it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    /// The shifts to staff, by start.
    pub assignments: Vec<Assignment>,
    /// Paid hours of every agent scheduled.
    pub paid_hours: f64,
    /// The objective: paid hours at the templates' costs, plus the shortfall's cost.
    pub cost: f64,
    /// Position-hours short of the plan (0 unless an under-staffing cost allowed it).
    pub short_hours: f64,
    /// The linear relaxation's cost: no schedule costs less.
    pub lower_bound: f64,
    /// `(cost − lower_bound) / cost`: at most this far from optimal (0 when optimal and the
    /// relaxation is tight, or nothing is needed).
    pub gap: f64,
    /// How it was found.
    pub method: Method,
    /// Shift variants considered.
    pub variants: usize,
    /// The schedule against the plan, interval by interval.
    pub coverage: Vec<Coverage>,
}

impl Schedule {
    /// The schedule as the core's shifts (one per working stretch between breaks), for
    /// [`Plan::coverage`] or a roster.
    pub fn shifts(&self) -> Vec<Shift> {
        self.assignments.iter().flat_map(work_segments).collect()
    }
}

fn work_segments(a: &Assignment) -> Vec<Shift> {
    let mut out = Vec::with_capacity(a.breaks.len() + 1);
    let mut from = a.start;
    for &(b, e) in &a.breaks {
        if b > from {
            out.push(Shift {
                start: from,
                end: b,
                agents: a.agents,
            });
        }
        from = e;
    }
    if a.end > from {
        out.push(Shift {
            start: from,
            end: a.end,
            agents: a.agents,
        });
    }
    out
}

/// The schedule of least cost that covers `plan` (positions per interval) with shifts of
/// `templates`, their start times read in `zone`. See the crate's docs for the program and
/// how it is solved.
pub fn schedule<Z: Zone>(
    plan: &Plan,
    zone: &Z,
    templates: &[ShiftTemplate],
    options: &Options,
) -> Result<Schedule, ScheduleError> {
    if let Some(u) = options.under_cost {
        if !(u.is_finite() && u > 0.0) {
            return Err(ScheduleError::Options(format!(
                "an under-staffing cost of {u}"
            )));
        }
    }
    if !(options.mip_gap.is_finite() && (0.0..1.0).contains(&options.mip_gap)) {
        return Err(ScheduleError::Options(format!(
            "a MIP gap of {}",
            options.mip_gap
        )));
    }
    if !(options.time_limit.is_finite() && options.time_limit >= 0.0) {
        return Err(ScheduleError::Options(format!(
            "a time limit of {} s",
            options.time_limit
        )));
    }
    let need: Vec<u32> = plan
        .rows
        .iter()
        .map(|r| r.staffing.map_or(0, |s| s.positions))
        .collect();
    let variants = variants::build(plan, zone, templates, options.max_variants)?;
    if options.under_cost.is_none() {
        let mut reached = vec![false; need.len()];
        for &(i, _) in variants.iter().flat_map(|v| &v.cover) {
            reached[i as usize] = true;
        }
        if let Some(i) = (0..need.len()).find(|&i| need[i] > 0 && !reached[i]) {
            return Err(ScheduleError::Uncoverable {
                start: plan.rows[i].forecast.start,
                needed: need[i],
            });
        }
    }
    let grid = variants::Grid::of(plan);
    let solved = solve::solve(&variants, &need, grid.hours(), options)?;
    let mut assignments: Vec<Assignment> = solved
        .counts
        .iter()
        .enumerate()
        .filter(|(_, n)| **n > 0)
        .map(|(v, &n)| variants[v].assignment(templates, n))
        .collect();
    assignments.sort_by(|a, b| (a.start, &a.template).cmp(&(b.start, &b.template)));
    let paid_hours = solved
        .counts
        .iter()
        .zip(&variants)
        .map(|(&n, v)| f64::from(n) * v.paid_hours)
        .sum();
    let mut s = Schedule {
        assignments,
        paid_hours,
        cost: solved.cost,
        short_hours: solved.short_hours,
        lower_bound: solved.bound,
        gap: solved.gap(),
        method: solved.method,
        variants: variants.len(),
        coverage: Vec::new(),
    };
    s.coverage = plan.coverage(&s.shifts());
    Ok(s)
}
