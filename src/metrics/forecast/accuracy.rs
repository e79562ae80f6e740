//! How close a forecast came: WAPE and bias, overall and per local day.

use chrono::NaiveDate;

use super::{ContactSeries, Forecast, WHAT};
use crate::error::{Error, Result};

/// A forecast's error over some intervals: **WAPE** = Σ|forecast − actual| / Σ actual
/// (weighted absolute percentage error, as a fraction) and **bias** = Σ(forecast − actual) /
/// Σ actual (positive: over-forecast). Both `None` when nothing actually came.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DayAccuracy {
    /// The local date (`None` for the whole horizon).
    pub date: Option<NaiveDate>,
    /// Intervals scored.
    pub intervals: usize,
    /// Contacts that came.
    pub actual: f64,
    /// Contacts forecast.
    pub forecast: f64,
    /// Σ|forecast − actual| / Σ actual.
    pub wape: Option<f64>,
    /// Σ(forecast − actual) / Σ actual.
    pub bias: Option<f64>,
}

impl DayAccuracy {
    fn new(date: Option<NaiveDate>) -> Self {
        DayAccuracy {
            date,
            intervals: 0,
            actual: 0.0,
            forecast: 0.0,
            wape: None,
            bias: None,
        }
    }

    fn add(&mut self, actual: f64, forecast: f64, absolute: &mut f64) {
        self.intervals += 1;
        self.actual += actual;
        self.forecast += forecast;
        *absolute += (forecast - actual).abs();
    }

    fn finish(&mut self, absolute: f64) {
        if self.actual > 0.0 {
            self.wape = Some(absolute / self.actual);
            self.bias = Some((self.forecast - self.actual) / self.actual);
        }
    }
}

/// A forecast scored against what came: overall and per local day.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Accuracy {
    /// The model scored.
    pub model: String,
    /// Every interval.
    pub overall: DayAccuracy,
    /// Each local day, in order.
    pub by_day: Vec<DayAccuracy>,
}

impl Accuracy {
    /// Scores `forecast` against the `actual` series over the intervals both cover (the
    /// forecast's intervals must be the series' first ones: same start and length).
    pub fn of(forecast: &Forecast, actual: &ContactSeries) -> Result<Accuracy> {
        let same_start = forecast.intervals.first().map(|f| f.start) == Some(actual.start());
        if forecast.interval_seconds != actual.interval_seconds()
            || !(same_start || forecast.intervals.is_empty() || actual.is_empty())
        {
            return Err(Error::config(
                WHAT,
                "a forecast is scored against the series of its own intervals (same start and length)",
            ));
        }
        let mut overall = DayAccuracy::new(None);
        let mut by_day: Vec<(DayAccuracy, f64)> = Vec::new();
        let mut total_absolute = 0.0;
        for ((f, slot), &y) in forecast
            .intervals
            .iter()
            .zip(&forecast.slots)
            .zip(actual.contacts())
        {
            overall.add(y, f.contacts, &mut total_absolute);
            if by_day.last().map(|d| d.0.date) != Some(Some(slot.date)) {
                by_day.push((DayAccuracy::new(Some(slot.date)), 0.0));
            }
            if let Some((day, absolute)) = by_day.last_mut() {
                day.add(y, f.contacts, absolute);
            }
        }
        overall.finish(total_absolute);
        Ok(Accuracy {
            model: forecast.model.clone(),
            overall,
            by_day: by_day
                .into_iter()
                .map(|(mut d, absolute)| {
                    d.finish(absolute);
                    d
                })
                .collect(),
        })
    }
}
