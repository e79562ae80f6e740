//! Every shift variant the templates allow: a day, a start time and a placement of breaks,
//! with the share of each interval it works.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use csm_metrics::Zone;
use csm_metrics::metrics::staffing::Plan;

use crate::{Assignment, BreakRule, ScheduleError, ShiftTemplate};

/// The plan's intervals: a start, a length and a count.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Grid {
    pub start: i64,
    pub length: i64,
    pub count: usize,
}

impl Grid {
    pub fn of(plan: &Plan) -> Self {
        Grid {
            start: plan
                .rows
                .first()
                .map_or(0, |r| r.forecast.start.timestamp()),
            length: plan.interval_seconds as i64,
            count: plan.rows.len(),
        }
    }

    pub fn hours(&self) -> f64 {
        self.length as f64 / 3_600.0
    }

    pub fn end(&self) -> i64 {
        self.start + self.length * self.count as i64
    }

    /// Adds the shares of the intervals `from..to` (Unix seconds) covers.
    fn cover(&self, from: i64, to: i64, out: &mut Vec<(u32, f64)>) {
        let (from, to) = (from.max(self.start), to.min(self.end()));
        if to <= from {
            return;
        }
        let first = (from - self.start) / self.length;
        let last = (to - 1 - self.start) / self.length;
        for i in first..=last {
            let (a, b) = (
                self.start + i * self.length,
                self.start + (i + 1) * self.length,
            );
            let share = (to.min(b) - from.max(a)) as f64 / self.length as f64;
            match out.last_mut() {
                Some((j, s)) if *j as i64 == i => *s += share,
                _ => out.push((i as u32, share)),
            }
        }
    }
}

/// One way to work a template: its instants, paid hours, cost and the intervals' shares.
#[derive(Debug, Clone)]
pub(crate) struct Variant {
    pub template: usize,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub breaks: Vec<(DateTime<Utc>, DateTime<Utc>)>,
    pub paid_hours: f64,
    pub cost: f64,
    /// (interval, share worked), by interval.
    pub cover: Vec<(u32, f64)>,
}

impl Variant {
    pub fn assignment(&self, templates: &[ShiftTemplate], agents: u32) -> Assignment {
        Assignment {
            template: templates[self.template].name.clone(),
            start: self.start,
            end: self.end,
            breaks: self.breaks.clone(),
            agents,
        }
    }
}

fn bad(t: &ShiftTemplate, reason: impl Into<String>) -> ScheduleError {
    ScheduleError::Template {
        name: t.name.clone(),
        reason: reason.into(),
    }
}

fn check(t: &ShiftTemplate) -> Result<(), ScheduleError> {
    if t.minutes == 0 || t.minutes > 24 * 60 {
        return Err(bad(t, format!("{} minutes long: 1 to 1,440", t.minutes)));
    }
    if t.starts.is_empty() {
        return Err(bad(t, "no valid start time"));
    }
    if !(t.cost_per_hour.is_finite() && t.cost_per_hour > 0.0) {
        return Err(bad(t, format!("a cost of {} an hour", t.cost_per_hour)));
    }
    for b in &t.breaks {
        if b.minutes == 0 || b.earliest > b.latest || b.latest + b.minutes > t.minutes {
            return Err(bad(
                t,
                format!(
                    "a break of {} min starting {}–{} min in does not fit a {}-minute shift",
                    b.minutes, b.earliest, b.latest, t.minutes
                ),
            ));
        }
    }
    Ok(())
}

/// A placed break: its start (minutes after the shift's), length, and whether it is paid.
type Placed = (u32, u32, bool);

/// The break placements of a template: every combination of each rule's starts whose
/// breaks do not overlap, each sorted by start.
fn placements(rules: &[BreakRule], interval_minutes: u32) -> Vec<Vec<Placed>> {
    let mut out: Vec<Vec<Placed>> = vec![Vec::new()];
    for r in rules {
        let step = if r.step == 0 {
            interval_minutes
        } else {
            r.step
        };
        let mut next = Vec::new();
        for p in &out {
            for at in (r.earliest..=r.latest).step_by(step.max(1) as usize) {
                let clear = p
                    .iter()
                    .all(|&(s, m, _)| at >= s + m || at + r.minutes <= s);
                if clear {
                    let mut q = p.clone();
                    q.push((at, r.minutes, r.paid));
                    next.push(q);
                }
            }
        }
        out = next;
    }
    for p in &mut out {
        p.sort_unstable();
    }
    out
}

/// The local dates the plan's intervals fall on.
fn dates<Z: Zone>(plan: &Plan, zone: &Z) -> Vec<NaiveDate> {
    let day = |t: DateTime<Utc>| t.with_timezone(zone).naive_local().date();
    match (plan.rows.first(), plan.rows.last()) {
        (Some(a), Some(b)) => {
            let (first, last) = (day(a.forecast.start), day(b.forecast.start));
            first.iter_days().take_while(|d| *d <= last).collect()
        }
        _ => Vec::new(),
    }
}

/// Every variant of every template that starts within the plan.
pub(crate) fn build<Z: Zone>(
    plan: &Plan,
    zone: &Z,
    templates: &[ShiftTemplate],
    max: usize,
) -> Result<Vec<Variant>, ScheduleError> {
    let grid = Grid::of(plan);
    let interval_minutes = (plan.interval_seconds / 60).max(1) as u32;
    let days = dates(plan, zone);
    let mut count = 0usize;
    let mut shapes = Vec::with_capacity(templates.len());
    for t in templates {
        check(t)?;
        let p = placements(&t.breaks, interval_minutes);
        if p.is_empty() {
            return Err(bad(
                t,
                "its breaks cannot all be placed without overlapping",
            ));
        }
        count = count.saturating_add(
            days.len()
                .saturating_mul(t.starts.len())
                .saturating_mul(p.len()),
        );
        shapes.push(p);
    }
    if count > max {
        return Err(ScheduleError::TooLarge {
            variants: count,
            max,
        });
    }
    let mut out = Vec::with_capacity(count);
    for (ti, (t, shapes)) in templates.iter().zip(&shapes).enumerate() {
        for date in days
            .iter()
            .filter(|d| t.days.is_empty() || t.days.contains(&chrono::Datelike::weekday(*d)))
        {
            for s in &t.starts {
                let Some(start) = zone.instant_of(date.and_time(*s)) else {
                    continue;
                };
                let at = start.timestamp();
                if at < grid.start || at >= grid.end() {
                    continue;
                }
                for shape in shapes {
                    out.push(variant(ti, t, start, shape, &grid));
                }
            }
        }
    }
    Ok(out)
}

fn variant(
    ti: usize,
    t: &ShiftTemplate,
    start: DateTime<Utc>,
    shape: &[Placed],
    grid: &Grid,
) -> Variant {
    let minute = |m: u32| start + TimeDelta::minutes(i64::from(m));
    let end = minute(t.minutes);
    let mut cover = Vec::new();
    let mut from = start.timestamp();
    let mut unpaid = 0u32;
    let mut breaks = Vec::with_capacity(shape.len());
    for &(at, len, paid) in shape {
        let (b, e) = (minute(at), minute(at + len));
        grid.cover(from, b.timestamp(), &mut cover);
        from = e.timestamp();
        breaks.push((b, e));
        if !paid {
            unpaid += len;
        }
    }
    grid.cover(from, end.timestamp(), &mut cover);
    let paid_hours = f64::from(t.minutes - unpaid) / 60.0;
    Variant {
        template: ti,
        start,
        end,
        breaks,
        paid_hours,
        cost: paid_hours * t.cost_per_hour,
        cover,
    }
}
