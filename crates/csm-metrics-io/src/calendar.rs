//! Business calendars from a JSON spec, as `examples/new_york_2025.json` in the
//! repository:
//!
//! ```json
//! {"zone": "America/New_York",
//!  "week": {"mon": [["09:00", "17:00"]], "tue": [["09:00", "17:00"]]},
//!  "holidays": ["2025-01-01"],
//!  "overrides": {"2025-12-24": [["09:00", "13:00"]]},
//!  "years": [2020, 2030]}
//! ```
//!
//! Times are `HH:MM` or `HH:MM:SS`, `24:00` as an end; an interval whose end is before its
//! start runs overnight. `years` bounds the calendar (instants outside are refused by the
//! trackers, counted).

use chrono::{NaiveDate, Weekday};
use chrono_tz::Tz;
use csm_metrics::BusinessCalendar;
use csm_metrics::calendar::DayTime;
use serde_json::Value;

use crate::error::{Error, Result};

fn bad(what: impl Into<String>) -> Error {
    Error::Calendar(what.into())
}

fn time(v: &Value) -> Result<DayTime> {
    let s = v.as_str().ok_or_else(|| bad("a time is not a string"))?;
    let parts: Vec<u32> = s
        .split(':')
        .map(|p| p.parse().map_err(|_| bad(format!("bad time {s:?}"))))
        .collect::<Result<_>>()?;
    let (h, m, sec) = match parts[..] {
        [h, m] => (h, m, 0),
        [h, m, sec] => (h, m, sec),
        _ => return Err(bad(format!("bad time {s:?}"))),
    };
    if h > 24 || m > 59 || sec > 59 || (h == 24 && (m, sec) != (0, 0)) {
        return Err(bad(format!("time out of range {s:?}")));
    }
    Ok(DayTime::hms(h, m, sec))
}

fn intervals(v: &Value) -> Result<Vec<(DayTime, DayTime)>> {
    v.as_array()
        .ok_or_else(|| bad("intervals are not a list"))?
        .iter()
        .map(|pair| match pair.as_array().map(Vec::as_slice) {
            Some([start, end]) => Ok((time(start)?, time(end)?)),
            _ => Err(bad("an interval is not a [start, end] pair")),
        })
        .collect()
}

fn date(s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| bad(format!("bad date {s:?}")))
}

/// Reads a calendar spec.
pub fn parse(json: &str) -> Result<BusinessCalendar<Tz>> {
    let v: Value = serde_json::from_str(json).map_err(|e| bad(e.to_string()))?;
    let zone: Tz = v["zone"]
        .as_str()
        .ok_or_else(|| bad("no zone"))?
        .parse()
        .map_err(|e| bad(format!("zone: {e}")))?;
    let mut b = BusinessCalendar::builder(zone);
    let days = [
        ("mon", Weekday::Mon),
        ("tue", Weekday::Tue),
        ("wed", Weekday::Wed),
        ("thu", Weekday::Thu),
        ("fri", Weekday::Fri),
        ("sat", Weekday::Sat),
        ("sun", Weekday::Sun),
    ];
    for (name, day) in days {
        if let Some(list) = v["week"].get(name) {
            for (s, e) in intervals(list)? {
                b = b.open(day, s, e);
            }
        }
    }
    for h in v["holidays"].as_array().into_iter().flatten() {
        b = b.holiday(date(
            h.as_str().ok_or_else(|| bad("a holiday is not a string"))?,
        )?);
    }
    for (d, list) in v["overrides"].as_object().into_iter().flatten() {
        b = b.hours_on(date(d)?, &intervals(list)?);
    }
    if let Some(years) = v.get("years") {
        let year = |y: Option<&Value>| {
            y.and_then(Value::as_i64)
                .and_then(|y| i32::try_from(y).ok())
                .ok_or_else(|| bad("bad years: [first, last]"))
        };
        let list = years
            .as_array()
            .ok_or_else(|| bad("bad years: [first, last]"))?;
        b = b.years(year(list.first())?, year(list.get(1))?);
    }
    Ok(b.build()?)
}

/// Reads a calendar spec from a file.
pub fn read(path: impl AsRef<std::path::Path>) -> Result<BusinessCalendar<Tz>> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(crate::error::io(path))?;
    parse(&text).map_err(|e| match e {
        Error::Calendar(m) => Error::Calendar(format!("{}: {m}", path.display())),
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_bad_specs() {
        for spec in [
            "",
            "{}",
            r#"{"zone": "Mars/Olympus"}"#,
            r#"{"zone": "UTC", "week": {"mon": [["09:00"]]}}"#,
            r#"{"zone": "UTC", "week": {"mon": [["09:99", "10:00"]]}}"#,
            r#"{"zone": "UTC", "week": {"mon": [["4294967295:00", "10:00"]]}}"#,
            r#"{"zone": "UTC", "holidays": ["2025-13-01"]}"#,
            r#"{"zone": "UTC", "years": [2030]}"#,
        ] {
            assert!(parse(spec).is_err(), "{spec}");
        }
        assert!(parse(r#"{"zone": "UTC", "week": {"mon": [["09:00", "24:00"]]}}"#).is_ok());
    }
}
