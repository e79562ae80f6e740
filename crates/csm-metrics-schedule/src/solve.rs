//! The integer program: relaxation, rounding with a greedy trim, branch and bound.

use good_lp::{
    Expression, ProblemVariables, Solution, SolutionStatus, SolverModel, Variable,
    WithInitialSolution, WithMipGap, WithTimeLimit, microlp, variable,
};

use crate::variants::Variant;
use crate::{Options, ScheduleError};

/// How a schedule was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Method {
    /// Proven optimal: branch and bound finished, or the rounded relaxation met the bound.
    Optimal,
    /// Branch and bound stopped within the requested gap ([`Options::mip_gap`](crate::Options::mip_gap)).
    WithinGap,
    /// The best schedule branch and bound had found when the time limit came.
    TimeLimit,
    /// The relaxation rounded up and trimmed: branch and bound was off, failed, or found
    /// nothing better in its time.
    Rounded,
}

pub(crate) struct Solved {
    pub counts: Vec<u32>,
    pub cost: f64,
    pub short_hours: f64,
    pub bound: f64,
    pub method: Method,
}

impl Solved {
    pub fn gap(&self) -> f64 {
        if self.cost <= 0.0 {
            0.0
        } else {
            ((self.cost - self.bound) / self.cost).max(0.0)
        }
    }
}

/// The constraints: per interval that needs anyone, the variants working it and their share.
struct Rows {
    need: Vec<f64>,
    /// (interval, [(variant, share)]).
    rows: Vec<(usize, Vec<(usize, f64)>)>,
}

impl Rows {
    fn of(variants: &[Variant], need: &[u32]) -> Self {
        let mut by_interval: Vec<Vec<(usize, f64)>> = vec![Vec::new(); need.len()];
        for (v, variant) in variants.iter().enumerate() {
            for &(i, share) in &variant.cover {
                if let Some(row) = by_interval.get_mut(i as usize) {
                    row.push((v, share));
                }
            }
        }
        Rows {
            need: need.iter().map(|&n| f64::from(n)).collect(),
            rows: by_interval
                .into_iter()
                .enumerate()
                .filter(|(i, _)| need[*i] > 0)
                .collect(),
        }
    }
}

const EPS: f64 = 1e-7;

/// Per interval, positions scheduled by `counts`.
fn covered(variants: &[Variant], counts: &[u32], intervals: usize) -> Vec<f64> {
    let mut cov = vec![0.0; intervals];
    for (v, &n) in counts.iter().enumerate() {
        for &(i, share) in &variants[v].cover {
            cov[i as usize] += f64::from(n) * share;
        }
    }
    cov
}

/// Cost of a schedule: shifts plus the shortfall at `under` per position-hour.
fn cost_of(
    variants: &[Variant],
    counts: &[u32],
    need: &[f64],
    hours: f64,
    under: Option<f64>,
) -> (f64, f64) {
    let shifts: f64 = counts
        .iter()
        .zip(variants)
        .map(|(&n, v)| f64::from(n) * v.cost)
        .sum();
    let cov = covered(variants, counts, need.len());
    let short: f64 = need
        .iter()
        .zip(&cov)
        .map(|(n, c)| (n - c).max(0.0))
        .sum::<f64>()
        * hours;
    (shifts + under.map_or(0.0, |u| u * short), short)
}

fn model(
    variants: &[Variant],
    rows: &Rows,
    hours: f64,
    under: Option<f64>,
    integer: bool,
) -> (ProblemVariables, Vec<Variable>, Vec<Variable>, Expression) {
    let mut vars = ProblemVariables::new();
    let top = rows.need.iter().fold(0.0_f64, |a, &b| a.max(b)).ceil() + 1.0;
    let x: Vec<Variable> = variants
        .iter()
        .map(|_| {
            let v = variable().min(0.0).max(top);
            vars.add(if integer { v.integer() } else { v })
        })
        .collect();
    let short: Vec<Variable> = match under {
        Some(_) => rows
            .rows
            .iter()
            .map(|_| vars.add(variable().min(0.0)))
            .collect(),
        None => Vec::new(),
    };
    let mut objective: Expression = x.iter().zip(variants).map(|(&x, v)| v.cost * x).sum();
    if let Some(u) = under {
        objective += short.iter().map(|&s| (u * hours) * s).sum::<Expression>();
    }
    (vars, x, short, objective)
}

fn constraints(rows: &Rows, x: &[Variable], short: &[Variable]) -> Vec<good_lp::Constraint> {
    rows.rows
        .iter()
        .enumerate()
        .map(|(r, (i, row))| {
            let mut lhs: Expression = row.iter().map(|&(v, share)| share * x[v]).sum();
            if let Some(&s) = short.get(r) {
                lhs += s;
            }
            lhs.geq(rows.need[*i])
        })
        .collect()
}

/// The relaxation: its cost (the bound) and its values.
fn relax(
    variants: &[Variant],
    rows: &Rows,
    hours: f64,
    under: Option<f64>,
) -> Result<(f64, Vec<f64>), ScheduleError> {
    let (vars, x, short, objective) = model(variants, rows, hours, under, false);
    let mut problem = vars.minimise(objective.clone()).using(microlp);
    for c in constraints(rows, &x, &short) {
        problem.add_constraint(c);
    }
    let solution =
        guarded(|| problem.solve())?.map_err(|e| ScheduleError::Solver(e.to_string()))?;
    Ok((
        solution.eval(&objective),
        x.iter().map(|&v| solution.value(v)).collect(),
    ))
}

/// Runs the solver, turning a panic inside it into an error.
fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, ScheduleError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .map_err(|_| ScheduleError::Solver("the solver stopped on an internal error".into()))
}

/// Rounds the relaxation up, then removes agents, costliest variant first, while the
/// schedule stays covered (or, with a shortfall cost, while removing one saves more than
/// the shortfall it leaves costs).
fn round_and_trim(
    variants: &[Variant],
    values: &[f64],
    need: &[f64],
    hours: f64,
    under: Option<f64>,
) -> Vec<u32> {
    let mut counts: Vec<u32> = values
        .iter()
        .map(|&v| (v - EPS).ceil().max(0.0) as u32)
        .collect();
    let mut cov = covered(variants, &counts, need.len());
    let mut order: Vec<usize> = (0..variants.len()).filter(|&v| counts[v] > 0).collect();
    order.sort_by(|&a, &b| {
        variants[b]
            .cost
            .total_cmp(&variants[a].cost)
            .then(a.cmp(&b))
    });
    for v in order {
        while counts[v] > 0 {
            let cover = &variants[v].cover;
            let keep = match under {
                None => cover
                    .iter()
                    .all(|&(i, a)| cov[i as usize] - a >= need[i as usize] - EPS),
                Some(u) => {
                    let extra: f64 = cover
                        .iter()
                        .map(|&(i, a)| {
                            let (n, c) = (need[i as usize], cov[i as usize]);
                            (n - (c - a)).max(0.0) - (n - c).max(0.0)
                        })
                        .sum();
                    u * hours * extra < variants[v].cost - EPS
                }
            };
            if !keep {
                break;
            }
            counts[v] -= 1;
            for &(i, a) in cover {
                cov[i as usize] -= a;
            }
        }
    }
    counts
}

/// Branch and bound from the rounded schedule, within the time limit.
fn branch_and_bound(
    variants: &[Variant],
    rows: &Rows,
    hours: f64,
    options: &Options,
    start: &[u32],
) -> Option<(Vec<u32>, Method)> {
    let (vars, x, short, objective) = model(variants, rows, hours, options.under_cost, true);
    let initial: Vec<(Variable, f64)> = x
        .iter()
        .zip(start)
        .map(|(&v, &n)| (v, f64::from(n)))
        .collect();
    let mut problem = vars
        .minimise(objective)
        .using(microlp)
        .with_time_limit(options.time_limit)
        .with_initial_solution(initial)
        .with_mip_gap(options.mip_gap as f32)
        .ok()?;
    for c in constraints(rows, &x, &short) {
        problem.add_constraint(c);
    }
    let solution = guarded(|| problem.solve()).ok()?.ok()?;
    let method = match solution.status() {
        SolutionStatus::Optimal => Method::Optimal,
        SolutionStatus::GapLimit => Method::WithinGap,
        SolutionStatus::TimeLimit => Method::TimeLimit,
    };
    let counts = x
        .iter()
        .map(|&v| solution.value(v).round().max(0.0) as u32)
        .collect();
    Some((counts, method))
}

pub(crate) fn solve(
    variants: &[Variant],
    need: &[u32],
    hours: f64,
    options: &Options,
) -> Result<Solved, ScheduleError> {
    let rows = Rows::of(variants, need);
    let under = options.under_cost;
    if rows.rows.is_empty() {
        return Ok(Solved {
            counts: vec![0; variants.len()],
            cost: 0.0,
            short_hours: 0.0,
            bound: 0.0,
            method: Method::Optimal,
        });
    }
    let (bound, values) = relax(variants, &rows, hours, under)?;
    let rounded = round_and_trim(variants, &values, &rows.need, hours, under);
    let (rounded_cost, rounded_short) = cost_of(variants, &rounded, &rows.need, hours, under);
    let mut best = Solved {
        counts: rounded,
        cost: rounded_cost,
        short_hours: rounded_short,
        bound,
        method: Method::Rounded,
    };
    if options.time_limit > 0.0 && best.gap() > 1e-9 {
        if let Some((counts, method)) =
            branch_and_bound(variants, &rows, hours, options, &best.counts)
        {
            let feasible = under.is_some()
                || covered(variants, &counts, need.len())
                    .iter()
                    .zip(&rows.need)
                    .all(|(c, n)| *c >= n - EPS);
            let (cost, short) = cost_of(variants, &counts, &rows.need, hours, under);
            if feasible && cost <= best.cost + EPS {
                best = Solved {
                    counts,
                    cost,
                    short_hours: short,
                    bound,
                    method,
                };
            }
        }
    } else if best.gap() <= 1e-9 {
        best.method = Method::Optimal;
    }
    Ok(best)
}
