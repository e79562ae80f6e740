//! Double-seasonal exponential smoothing (Taylor 2003), keyed by local slot and weekday.

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, Utc, Weekday};

use super::{ContactSeries, LocalSlot, WHAT, local_slot, slots_per_day, step};
use crate::error::{Error, Result};
use crate::metrics::staffing::IntervalForecast;
use crate::zone::Zone;

/// The smoothing parameters of one series, each in `0..=1`: the weight a new error moves
/// the level, the trend, the intraday cycle and the weekly cycle by, and the damping of the
/// trend over the horizon.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Smoothing {
    /// α: the level's weight.
    pub level: f64,
    /// β: the trend's weight (0: no trend).
    pub trend: f64,
    /// γ: the intraday cycle's weight.
    pub daily: f64,
    /// δ: the weekly cycle's weight.
    pub weekly: f64,
    /// φ: the trend's damping per interval.
    pub damping: f64,
}

impl Smoothing {
    fn check(&self) -> Result<()> {
        let all = [
            self.level,
            self.trend,
            self.daily,
            self.weekly,
            self.damping,
        ];
        if all
            .iter()
            .any(|v| !(v.is_finite() && (0.0..=1.0).contains(v)))
        {
            return Err(Error::config(
                WHAT,
                format!("smoothing {self:?}: each weight in 0..=1"),
            ));
        }
        Ok(())
    }
}

/// How a holiday in the horizon is forecast.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum HolidayRule {
    /// No contacts (the desk is closed).
    Closed,
    /// As the weekday given (Sunday by default).
    Like(Weekday),
}

/// What a model learns from and how.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ForecastConfig {
    /// Local dates that are holidays: not learned from (the model's cycles skip them), and
    /// forecast by `holiday_rule` when they fall in the horizon.
    pub holidays: Vec<NaiveDate>,
    /// How a holiday in the horizon is forecast.
    pub holiday_rule: HolidayRule,
    /// Fixed weights for the contacts' model; `None` (the default) chooses them by the
    /// smallest one-step error over the history after its first week.
    pub smoothing: Option<Smoothing>,
}

impl Default for ForecastConfig {
    fn default() -> Self {
        ForecastConfig {
            holidays: Vec::new(),
            holiday_rule: HolidayRule::Like(Weekday::Sun),
            smoothing: None,
        }
    }
}

/// One smoothed series' state.
#[derive(Debug, Clone, PartialEq)]
struct State {
    smoothing: Smoothing,
    level: f64,
    trend: f64,
    daily: Vec<f64>,
    weekly: Vec<f64>,
}

impl State {
    fn predict(&self, daily: usize, weekly: usize) -> f64 {
        self.level + self.smoothing.damping * self.trend + self.daily[daily] + self.weekly[weekly]
    }

    /// One interval: returns the one-step error (`None` where not learned from).
    fn step(&mut self, y: f64, keys: (usize, usize), learn: bool) -> Option<f64> {
        let s = self.smoothing;
        let f = self.predict(keys.0, keys.1);
        let damped = s.damping * self.trend;
        if !learn {
            self.level += damped;
            self.trend = damped;
            return None;
        }
        let e = y - f;
        self.level += damped + s.level * e;
        self.trend = damped + s.trend * e;
        self.daily[keys.0] += s.daily * e;
        self.weekly[keys.1] += s.weekly * e;
        Some(e)
    }
}

/// The slots' seasonal keys and whether each interval is learned from.
struct Keys {
    per_day: usize,
    keys: Vec<(usize, usize)>,
    learn: Vec<bool>,
}

impl Keys {
    fn of(slots: &[LocalSlot], per_day: usize, holidays: &HashSet<NaiveDate>) -> Self {
        Keys {
            per_day,
            keys: slots
                .iter()
                .map(|s| keys(s, s.weekday(), per_day))
                .collect(),
            learn: slots.iter().map(|s| !holidays.contains(&s.date)).collect(),
        }
    }
}

fn keys(slot: &LocalSlot, weekday: usize, per_day: usize) -> (usize, usize) {
    let s = usize::from(slot.slot).min(per_day - 1);
    (s, weekday * per_day + s)
}

/// The starting state: the first (up to) two weeks' mean, intraday profile and weekly one.
fn initial(y: &[f64], k: &Keys, smoothing: Smoothing, weeks: usize) -> State {
    let n = (weeks * 7 * k.per_day).min(y.len());
    let learned = |i: &usize| k.learn[*i];
    let count = (0..n).filter(learned).count().max(1) as f64;
    let level = (0..n).filter(learned).map(|i| y[i]).sum::<f64>() / count;
    let mean_by = |key: fn(&(usize, usize)) -> usize, size: usize, base: &dyn Fn(usize) -> f64| {
        let (mut sum, mut seen) = (vec![0.0; size], vec![0u32; size]);
        for i in (0..n).filter(learned) {
            let at = key(&k.keys[i]);
            sum[at] += y[i] - base(i);
            seen[at] += 1;
        }
        sum.iter()
            .zip(&seen)
            .map(|(s, &c)| if c == 0 { 0.0 } else { s / f64::from(c) })
            .collect::<Vec<f64>>()
    };
    let daily = mean_by(|k| k.0, k.per_day, &|_| level);
    let weekly = mean_by(|k| k.1, 7 * k.per_day, &|i| level + daily[k.keys[i].0]);
    State {
        smoothing,
        level,
        trend: 0.0,
        daily,
        weekly,
    }
}

/// Runs the filter over the whole series; the sum of squared one-step errors after the
/// first week (or the first half of a shorter series).
fn run(y: &[f64], k: &Keys, state: &mut State) -> f64 {
    let burn = (7 * k.per_day).min(y.len() / 2);
    let mut sse = 0.0;
    for (i, (&v, &key)) in y.iter().zip(&k.keys).enumerate() {
        if let Some(e) = state.step(v, key, k.learn[i]) {
            if i >= burn {
                sse += e * e;
            }
        }
    }
    sse
}

const GRID_LEVEL: [f64; 5] = [0.001, 0.005, 0.02, 0.05, 0.15];
const GRID_TREND: [f64; 3] = [0.0, 0.0001, 0.001];
const GRID_DAILY: [f64; 4] = [0.0, 0.005, 0.02, 0.08];
const GRID_WEEKLY: [f64; 4] = [0.01, 0.05, 0.15, 0.3];
const DAMPING: f64 = 0.98;

/// The weights with the smallest one-step error: a grid, then a few rounds of halving and
/// doubling each weight in turn.
fn choose(y: &[f64], k: &Keys, weeks: usize) -> Smoothing {
    let sse = |s: Smoothing| {
        let mut state = initial(y, k, s, weeks);
        run(y, k, &mut state)
    };
    let mut best = (f64::INFINITY, GRID_SMOOTHING);
    for &level in &GRID_LEVEL {
        for &trend in &GRID_TREND {
            for &daily in &GRID_DAILY {
                for &weekly in &GRID_WEEKLY {
                    let s = Smoothing {
                        level,
                        trend,
                        daily,
                        weekly,
                        damping: DAMPING,
                    };
                    let e = sse(s);
                    if e < best.0 {
                        best = (e, s);
                    }
                }
            }
        }
    }
    for _ in 0..3 {
        for field in 0..4 {
            for factor in [0.5, 2.0] {
                let mut s = best.1;
                let w = match field {
                    0 => &mut s.level,
                    1 => &mut s.trend,
                    2 => &mut s.daily,
                    _ => &mut s.weekly,
                };
                *w = (*w * factor).min(1.0);
                let e = sse(s);
                if e < best.0 {
                    best = (e, s);
                }
            }
        }
    }
    best.1
}

const GRID_SMOOTHING: Smoothing = Smoothing {
    level: 0.02,
    trend: 0.0,
    daily: 0.0,
    weekly: 0.05,
    damping: DAMPING,
};

/// A model learned from a [`ContactSeries`]: contacts, answered contacts and handle seconds
/// each smoothed, ready to forecast the intervals after the series.
#[derive(Debug, Clone, PartialEq)]
pub struct Model<Z: Zone> {
    zone: Z,
    interval: u32,
    next: DateTime<Utc>,
    contacts: State,
    answered: State,
    handle: State,
    mean_aht: f64,
    holidays: HashSet<NaiveDate>,
    rule: HolidayRule,
}

impl ContactSeries {
    /// Learns the double-seasonal model from the whole series (at least two days of it):
    /// the contacts' weights as configured or chosen by the smallest one-step error; the
    /// answered contacts' and handle seconds' chosen the same way. The starting state is
    /// the first week's (two weeks' from three weeks of history) mean, intraday profile
    /// and weekly profile; weekdays the history has not seen are forecast from the intraday
    /// profile alone.
    pub fn fit<Z: Zone>(&self, zone: &Z, config: &ForecastConfig) -> Result<Model<Z>> {
        let per_day = slots_per_day(self.interval);
        if self.len() < 2 * per_day {
            return Err(Error::config(
                WHAT,
                format!(
                    "{} intervals of {} s: a forecast learns from at least two days ({})",
                    self.len(),
                    self.interval,
                    2 * per_day
                ),
            ));
        }
        if let Some(s) = config.smoothing {
            s.check()?;
        }
        let holidays: HashSet<NaiveDate> = config.holidays.iter().copied().collect();
        let k = Keys::of(&self.slots, per_day, &holidays);
        let weeks = if self.len() >= 21 * per_day { 2 } else { 1 };
        let learn = |y: &[f64], fixed: Option<Smoothing>| {
            let s = fixed.unwrap_or_else(|| choose(y, &k, weeks));
            let mut state = initial(y, &k, s, weeks);
            run(y, &k, &mut state);
            state
        };
        Ok(Model {
            zone: zone.clone(),
            interval: self.interval,
            next: self.end(),
            contacts: learn(&self.contacts, config.smoothing),
            answered: learn(&self.answered, None),
            handle: learn(&self.handle_seconds, None),
            mean_aht: self.mean_aht().unwrap_or(0.0),
            holidays,
            rule: config.holiday_rule,
        })
    }

    /// The seasonal-naive forecast of the `horizon` intervals after the series: each the
    /// same local slot and weekday's figure in the last week it was seen (zero if never).
    /// The yardstick a forecast must beat.
    pub fn seasonal_naive<Z: Zone>(&self, zone: &Z, horizon: usize) -> Forecast {
        let per_day = slots_per_day(self.interval);
        let mut last = vec![(0.0, 0.0, 0.0); 7 * per_day];
        for (i, s) in self.slots.iter().enumerate() {
            last[keys(s, s.weekday(), per_day).1] =
                (self.contacts[i], self.answered[i], self.handle_seconds[i]);
        }
        let mean = self.mean_aht().unwrap_or(0.0);
        let end = self.end();
        let (intervals, slots) = (0..horizon)
            .map(|h| {
                let start = end + step(self.interval, h);
                let slot = local_slot(zone, start, self.interval);
                let (c, a, w) = last[keys(&slot, slot.weekday(), per_day).1];
                let aht = if a > 0.0 { w / a } else { mean };
                (
                    IntervalForecast {
                        start,
                        contacts: c,
                        aht,
                    },
                    slot,
                )
            })
            .unzip();
        Forecast {
            model: "seasonal naive (same slot last week)".into(),
            smoothing: None,
            interval_seconds: self.interval,
            intervals,
            slots,
        }
    }
}

/// A forecast: one row per interval, with the local slots and the model that made it.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Forecast {
    /// The model's name.
    pub model: String,
    /// The contacts' smoothing weights (`None` for the seasonal-naive forecast).
    pub smoothing: Option<Smoothing>,
    /// The intervals' length, seconds.
    pub interval_seconds: u32,
    /// Contacts and mean handle time per interval.
    pub intervals: Vec<IntervalForecast>,
    /// The intervals' local slots.
    pub slots: Vec<LocalSlot>,
}

impl Forecast {
    /// The forecast contacts, in order.
    pub fn contacts(&self) -> Vec<f64> {
        self.intervals.iter().map(|f| f.contacts).collect()
    }
}

impl<Z: Zone> Model<Z> {
    /// The model's name, as forecasts carry it.
    pub const NAME: &'static str =
        "double-seasonal exponential smoothing (Taylor 2003), damped trend";

    /// The contacts' smoothing weights.
    pub fn smoothing(&self) -> Smoothing {
        self.contacts.smoothing
    }

    /// The first instant after the history it learned from.
    pub fn next_start(&self) -> DateTime<Utc> {
        self.next
    }

    /// The next `horizon` intervals: contacts (never below zero) and mean handle time =
    /// forecast handle seconds / forecast answered contacts, drawn toward the history's mean
    /// where fewer than one answered contact is forecast (`(H + (1 − A)·mean) / 1`).
    pub fn forecast(&self, horizon: usize) -> Forecast {
        let per_day = slots_per_day(self.interval);
        let mut intervals = Vec::with_capacity(horizon);
        let mut slots = Vec::with_capacity(horizon);
        let (mut grown, mut power) = ([0.0; 3], [1.0; 3]);
        let states = [&self.contacts, &self.answered, &self.handle];
        for h in 0..horizon {
            let start = self.next + step(self.interval, h);
            let slot = local_slot(&self.zone, start, self.interval);
            let holiday = self.holidays.contains(&slot.date);
            let weekday = match (holiday, self.rule) {
                (true, HolidayRule::Like(w)) => w.num_days_from_monday() as usize,
                _ => slot.weekday(),
            };
            let key = keys(&slot, weekday, per_day);
            let mut f = [0.0; 3];
            for (j, s) in states.iter().enumerate() {
                power[j] *= s.smoothing.damping;
                grown[j] += power[j];
                f[j] = (s.level + grown[j] * s.trend + s.daily[key.0] + s.weekly[key.1]).max(0.0);
            }
            let contacts = if holiday && self.rule == HolidayRule::Closed {
                0.0
            } else {
                f[0]
            };
            let (answered, handle) = (f[1], f[2]);
            let aht = if answered >= 1.0 {
                handle / answered
            } else {
                handle + (1.0 - answered) * self.mean_aht
            };
            intervals.push(IntervalForecast {
                start,
                contacts,
                aht,
            });
            slots.push(slot);
        }
        Forecast {
            model: Self::NAME.into(),
            smoothing: Some(self.contacts.smoothing),
            interval_seconds: self.interval,
            intervals,
            slots,
        }
    }
}
