//! Zendesk business-hours schedules and their holidays as business calendars, from the
//! Fivetran tables `schedule`, `schedule_holiday` and `ticket_schedule`.
//!
//! A `schedule` row is one open interval of a week: `start_time` and `end_time` in minutes
//! from Sunday 00:00 local time (`1920`–`2640` is Monday 08:00–20:00), in the schedule's
//! `time_zone`, a Rails zone name (`Pacific Time (US & Canada)`; [`iana_zone`] maps the
//! names Zendesk offers onto the IANA zones the calendar runs in, so DST follows the zone's
//! own rules rather than Fivetran's `daylight_time` table). An interval that crosses
//! midnight is split at it. A `schedule_holiday` row closes its schedule from `start_date`
//! to `end_date`, both included. Rows `_fivetran_deleted` are counted as
//! [`Rule::Deleted`]; a holiday of a schedule that is not in `schedule` as
//! [`Rule::UnknownReference`]. A ticket's schedule (`ticket_schedule`) is the latest row
//! for it; [`Fivetran::default_schedule`] picks the one most tickets are on.
//!
//! Not read: a schedule's history (dbt_zendesk rebuilds it from the audit log); a schedule
//! is taken as it stands in the export for the whole history.

use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDate, Weekday};
use chrono_tz::Tz;
use csm_metrics::BusinessCalendar;
use csm_metrics::calendar::DayTime;

use super::fivetran::Fivetran;
use crate::error::{Error, Result};
use crate::export::{boolean, instant, int};
use crate::history::ReadOptions;
use crate::report::{ImportReport, Rule, Table};

const SCHEDULE: Table = Table::Source("schedule");
const HOLIDAY: Table = Table::Source("schedule_holiday");
const TICKET_SCHEDULE: Table = Table::Source("ticket_schedule");

/// A business-hours schedule.
#[derive(Debug, Clone)]
pub struct Schedule {
    /// Zendesk's id.
    pub id: u64,
    /// Its name (`SupportCA`).
    pub name: String,
    /// Its zone.
    pub zone: Tz,
    /// The open hours and holidays as a calendar.
    pub calendar: BusinessCalendar<Tz>,
}

/// The IANA zone of a Rails (Zendesk) time-zone name, or of an IANA name given as it is.
///
/// ```
/// use csm_metrics_io::zendesk::schedule::iana_zone;
///
/// assert_eq!(iana_zone("Pacific Time (US & Canada)"), Some(chrono_tz::America::Los_Angeles));
/// assert_eq!(iana_zone("Europe/Rome"), Some(chrono_tz::Europe::Rome));
/// assert_eq!(iana_zone("Atlantis"), None);
/// ```
pub fn iana_zone(name: &str) -> Option<Tz> {
    let name = name.trim();
    let iana = RAILS_ZONES
        .iter()
        .find(|(rails, _)| *rails == name)
        .map_or(name, |(_, iana)| iana);
    iana.parse().ok()
}

/// Rails' `ActiveSupport::TimeZone::MAPPING`: the zone names Zendesk offers, with their
/// IANA zones.
const RAILS_ZONES: [(&str, &str); 153] = [
    ("International Date Line West", "Etc/GMT+12"),
    ("Midway Island", "Pacific/Midway"),
    ("American Samoa", "Pacific/Pago_Pago"),
    ("Hawaii", "Pacific/Honolulu"),
    ("Alaska", "America/Juneau"),
    ("Pacific Time (US & Canada)", "America/Los_Angeles"),
    ("Tijuana", "America/Tijuana"),
    ("Mountain Time (US & Canada)", "America/Denver"),
    ("Arizona", "America/Phoenix"),
    ("Chihuahua", "America/Chihuahua"),
    ("Mazatlan", "America/Mazatlan"),
    ("Central Time (US & Canada)", "America/Chicago"),
    ("Saskatchewan", "America/Regina"),
    ("Guadalajara", "America/Mexico_City"),
    ("Mexico City", "America/Mexico_City"),
    ("Monterrey", "America/Monterrey"),
    ("Central America", "America/Guatemala"),
    ("Eastern Time (US & Canada)", "America/New_York"),
    ("Indiana (East)", "America/Indiana/Indianapolis"),
    ("Bogota", "America/Bogota"),
    ("Lima", "America/Lima"),
    ("Quito", "America/Lima"),
    ("Atlantic Time (Canada)", "America/Halifax"),
    ("Caracas", "America/Caracas"),
    ("La Paz", "America/La_Paz"),
    ("Santiago", "America/Santiago"),
    ("Newfoundland", "America/St_Johns"),
    ("Brasilia", "America/Sao_Paulo"),
    ("Buenos Aires", "America/Argentina/Buenos_Aires"),
    ("Montevideo", "America/Montevideo"),
    ("Georgetown", "America/Guyana"),
    ("Puerto Rico", "America/Puerto_Rico"),
    ("Greenland", "America/Nuuk"),
    ("Mid-Atlantic", "Atlantic/South_Georgia"),
    ("Azores", "Atlantic/Azores"),
    ("Cape Verde Is.", "Atlantic/Cape_Verde"),
    ("Dublin", "Europe/Dublin"),
    ("Edinburgh", "Europe/London"),
    ("Lisbon", "Europe/Lisbon"),
    ("London", "Europe/London"),
    ("Casablanca", "Africa/Casablanca"),
    ("Monrovia", "Africa/Monrovia"),
    ("UTC", "Etc/UTC"),
    ("Belgrade", "Europe/Belgrade"),
    ("Bratislava", "Europe/Bratislava"),
    ("Budapest", "Europe/Budapest"),
    ("Ljubljana", "Europe/Ljubljana"),
    ("Prague", "Europe/Prague"),
    ("Sarajevo", "Europe/Sarajevo"),
    ("Skopje", "Europe/Skopje"),
    ("Warsaw", "Europe/Warsaw"),
    ("Zagreb", "Europe/Zagreb"),
    ("Brussels", "Europe/Brussels"),
    ("Copenhagen", "Europe/Copenhagen"),
    ("Madrid", "Europe/Madrid"),
    ("Paris", "Europe/Paris"),
    ("Amsterdam", "Europe/Amsterdam"),
    ("Berlin", "Europe/Berlin"),
    ("Bern", "Europe/Zurich"),
    ("Zurich", "Europe/Zurich"),
    ("Rome", "Europe/Rome"),
    ("Stockholm", "Europe/Stockholm"),
    ("Vienna", "Europe/Vienna"),
    ("West Central Africa", "Africa/Algiers"),
    ("Bucharest", "Europe/Bucharest"),
    ("Cairo", "Africa/Cairo"),
    ("Helsinki", "Europe/Helsinki"),
    ("Kyiv", "Europe/Kyiv"),
    ("Kyev", "Europe/Kyiv"),
    ("Riga", "Europe/Riga"),
    ("Sofia", "Europe/Sofia"),
    ("Tallinn", "Europe/Tallinn"),
    ("Vilnius", "Europe/Vilnius"),
    ("Athens", "Europe/Athens"),
    ("Istanbul", "Europe/Istanbul"),
    ("Minsk", "Europe/Minsk"),
    ("Jerusalem", "Asia/Jerusalem"),
    ("Harare", "Africa/Harare"),
    ("Pretoria", "Africa/Johannesburg"),
    ("Kaliningrad", "Europe/Kaliningrad"),
    ("Moscow", "Europe/Moscow"),
    ("St. Petersburg", "Europe/Moscow"),
    ("Volgograd", "Europe/Volgograd"),
    ("Samara", "Europe/Samara"),
    ("Kuwait", "Asia/Kuwait"),
    ("Riyadh", "Asia/Riyadh"),
    ("Nairobi", "Africa/Nairobi"),
    ("Baghdad", "Asia/Baghdad"),
    ("Tehran", "Asia/Tehran"),
    ("Abu Dhabi", "Asia/Muscat"),
    ("Muscat", "Asia/Muscat"),
    ("Baku", "Asia/Baku"),
    ("Tbilisi", "Asia/Tbilisi"),
    ("Yerevan", "Asia/Yerevan"),
    ("Kabul", "Asia/Kabul"),
    ("Ekaterinburg", "Asia/Yekaterinburg"),
    ("Islamabad", "Asia/Karachi"),
    ("Karachi", "Asia/Karachi"),
    ("Tashkent", "Asia/Tashkent"),
    ("Chennai", "Asia/Kolkata"),
    ("Kolkata", "Asia/Kolkata"),
    ("Mumbai", "Asia/Kolkata"),
    ("New Delhi", "Asia/Kolkata"),
    ("Kathmandu", "Asia/Kathmandu"),
    ("Astana", "Asia/Dhaka"),
    ("Dhaka", "Asia/Dhaka"),
    ("Sri Jayawardenepura", "Asia/Colombo"),
    ("Almaty", "Asia/Almaty"),
    ("Novosibirsk", "Asia/Novosibirsk"),
    ("Rangoon", "Asia/Yangon"),
    ("Bangkok", "Asia/Bangkok"),
    ("Hanoi", "Asia/Bangkok"),
    ("Jakarta", "Asia/Jakarta"),
    ("Krasnoyarsk", "Asia/Krasnoyarsk"),
    ("Beijing", "Asia/Shanghai"),
    ("Chongqing", "Asia/Chongqing"),
    ("Hong Kong", "Asia/Hong_Kong"),
    ("Urumqi", "Asia/Urumqi"),
    ("Kuala Lumpur", "Asia/Kuala_Lumpur"),
    ("Singapore", "Asia/Singapore"),
    ("Taipei", "Asia/Taipei"),
    ("Perth", "Australia/Perth"),
    ("Irkutsk", "Asia/Irkutsk"),
    ("Ulaanbaatar", "Asia/Ulaanbaatar"),
    ("Ulaan Bataar", "Asia/Ulaanbaatar"),
    ("Seoul", "Asia/Seoul"),
    ("Osaka", "Asia/Tokyo"),
    ("Sapporo", "Asia/Tokyo"),
    ("Tokyo", "Asia/Tokyo"),
    ("Yakutsk", "Asia/Yakutsk"),
    ("Darwin", "Australia/Darwin"),
    ("Adelaide", "Australia/Adelaide"),
    ("Canberra", "Australia/Melbourne"),
    ("Melbourne", "Australia/Melbourne"),
    ("Sydney", "Australia/Sydney"),
    ("Brisbane", "Australia/Brisbane"),
    ("Hobart", "Australia/Hobart"),
    ("Vladivostok", "Asia/Vladivostok"),
    ("Guam", "Pacific/Guam"),
    ("Port Moresby", "Pacific/Port_Moresby"),
    ("Magadan", "Asia/Magadan"),
    ("Srednekolymsk", "Asia/Srednekolymsk"),
    ("Solomon Is.", "Pacific/Guadalcanal"),
    ("New Caledonia", "Pacific/Noumea"),
    ("Fiji", "Pacific/Fiji"),
    ("Kamchatka", "Asia/Kamchatka"),
    ("Marshall Is.", "Pacific/Majuro"),
    ("Auckland", "Pacific/Auckland"),
    ("Wellington", "Pacific/Auckland"),
    ("Nuku'alofa", "Pacific/Tongatapu"),
    ("Tokelau Is.", "Pacific/Fakaofo"),
    ("Chatham Is.", "Pacific/Chatham"),
    ("Samoa", "Pacific/Apia"),
];

const WEEKDAYS: [Weekday; 7] = [
    Weekday::Sun,
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
];

/// A minute of a day as a time of day (1440: the day's end, 24:00).
fn minute(m: u32) -> DayTime {
    DayTime::hms(m / 60, m % 60, 0)
}

/// The pieces of a week interval in minutes from Sunday 00:00, one per day it touches.
fn days_of(start: u32, end: u32) -> Vec<(Weekday, DayTime, DayTime)> {
    let mut pieces = Vec::new();
    let mut s = start;
    while s < end {
        let day = s / 1440;
        let e = end.min((day + 1) * 1440);
        pieces.push((
            WEEKDAYS[(day % 7) as usize],
            minute(s - day * 1440),
            minute(e - day * 1440),
        ));
        s = e;
    }
    pieces
}

fn text(b: &[u8]) -> &str {
    std::str::from_utf8(b).unwrap_or("").trim()
}

pub(crate) fn date(b: &[u8]) -> Option<NaiveDate> {
    let s = text(b);
    NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok()
}

/// A schedule as its rows are read.
#[derive(Default)]
pub(crate) struct Building {
    pub(crate) name: String,
    pub(crate) zone: Option<Tz>,
    /// Open intervals in minutes from Sunday 00:00 local time.
    pub(crate) intervals: Vec<(u32, u32)>,
    pub(crate) holidays: Vec<NaiveDate>,
}

impl Building {
    /// The schedule as a business calendar (UTC without a zone).
    pub(crate) fn build(self, id: u64) -> Result<Schedule> {
        let zone = self.zone.unwrap_or(chrono_tz::UTC);
        let mut builder = BusinessCalendar::builder(zone);
        let mut intervals = self.intervals;
        intervals.sort_unstable();
        intervals.dedup();
        for (start, end) in intervals {
            for (day, s, e) in days_of(start, end) {
                builder = builder.open(day, s, e);
            }
        }
        let calendar = builder
            .holidays(self.holidays)
            .build()
            .map_err(|e| Error::Calendar(format!("schedule {id} ({}): {e}", self.name)))?;
        Ok(Schedule {
            id,
            name: self.name,
            zone,
            calendar,
        })
    }
}

/// Whether `start`–`end` (minutes from Sunday 00:00) is an interval of a week.
pub(crate) fn week_interval(start: u64, end: u64) -> Option<(u32, u32)> {
    let (start, end) = (u32::try_from(start).ok()?, u32::try_from(end).ok()?);
    (start < end && end <= 10_080).then_some((start, end))
}

/// The holidays from `first` to `last`, both included (at most a year and a day).
pub(crate) fn holiday_days(first: NaiveDate, last: NaiveDate) -> Option<Vec<NaiveDate>> {
    if last < first || (last - first).num_days() > 366 {
        return None;
    }
    Some(first.iter_days().take_while(|d| *d <= last).collect())
}

/// The schedule named by id or name among `schedules`, or an error listing them.
pub(crate) fn named(schedules: Vec<Schedule>, id_or_name: &str) -> Result<Schedule> {
    let names: Vec<String> = schedules
        .iter()
        .map(|s| format!("{} ({})", s.id, s.name))
        .collect();
    schedules
        .into_iter()
        .find(|s| s.name == id_or_name || s.id.to_string() == id_or_name)
        .ok_or_else(|| {
            Error::Calendar(format!(
                "no schedule {id_or_name:?} in the export (schedules: {})",
                if names.is_empty() {
                    "none".into()
                } else {
                    names.join(", ")
                }
            ))
        })
}

impl Fivetran {
    /// The export's schedules (none without a `schedule` table), by id, each as a
    /// business calendar with its holidays. A row that cannot be read is counted under its
    /// table by rule; a schedule whose zone is unknown, or whose intervals the calendar
    /// refuses, is an [`Error::Calendar`] naming it.
    pub fn schedules(
        &self,
        options: &ReadOptions,
        report: &mut ImportReport,
    ) -> Result<Vec<Schedule>> {
        let mut building: BTreeMap<u64, Building> = BTreeMap::new();
        let mut zones_unknown = Vec::new();
        {
            let columns = [
                "id",
                "start_time",
                "end_time",
                "time_zone",
                "name",
                "_fivetran_deleted",
            ];
            self.each_row(
                "schedule",
                SCHEDULE,
                columns,
                options,
                report,
                |f, report| {
                    if boolean(f[5]) == Some(true) {
                        return report.reject(SCHEDULE, Rule::Deleted);
                    }
                    let (Some(id), Some((start, end))) = (
                        int(f[0]),
                        int(f[1])
                            .zip(int(f[2]))
                            .and_then(|(s, e)| week_interval(s, e)),
                    ) else {
                        return report.reject(SCHEDULE, Rule::BadIdOrInstant);
                    };
                    let b = building.entry(id).or_default();
                    b.name = text(f[4]).to_string();
                    match iana_zone(text(f[3])) {
                        Some(z) => b.zone = Some(z),
                        None => zones_unknown.push((id, text(f[3]).to_string())),
                    }
                    b.intervals.push((start, end));
                },
            )?;
            if let Some((id, zone)) = zones_unknown.first() {
                return Err(Error::Calendar(format!(
                    "schedule {id}: no time zone named {zone:?} (a Rails or IANA name)"
                )));
            }
        }
        {
            let columns = ["schedule_id", "start_date", "end_date", "_fivetran_deleted"];
            self.each_row(
                "schedule_holiday",
                HOLIDAY,
                columns,
                options,
                report,
                |f, report| {
                    if boolean(f[3]) == Some(true) {
                        return report.reject(HOLIDAY, Rule::Deleted);
                    }
                    let (Some(id), Some(first), Some(last)) = (int(f[0]), date(f[1]), date(f[2]))
                    else {
                        return report.reject(HOLIDAY, Rule::BadIdOrInstant);
                    };
                    let Some(b) = building.get_mut(&id) else {
                        return report.reject(HOLIDAY, Rule::UnknownReference);
                    };
                    match holiday_days(first, last) {
                        Some(days) => b.holidays.extend(days),
                        None => report.reject(HOLIDAY, Rule::BadIdOrInstant),
                    }
                },
            )?;
        }
        building.into_iter().map(|(id, b)| b.build(id)).collect()
    }

    /// Each ticket's schedule (its latest `ticket_schedule` row), by ticket id.
    pub fn ticket_schedules(
        &self,
        options: &ReadOptions,
        report: &mut ImportReport,
    ) -> Result<HashMap<u64, u64>> {
        let mut latest: HashMap<u64, (i64, u64)> = HashMap::new();
        {
            let columns = ["ticket_id", "schedule_id", "created_at"];
            self.each_row(
                "ticket_schedule",
                TICKET_SCHEDULE,
                columns,
                options,
                report,
                |f, report| {
                    let (Some(ticket), Some(schedule), Some(at)) =
                        (int(f[0]), int(f[1]), instant(f[2]))
                    else {
                        return report.reject(TICKET_SCHEDULE, Rule::BadIdOrInstant);
                    };
                    let e = latest.entry(ticket).or_insert((at, schedule));
                    if at >= e.0 {
                        *e = (at, schedule);
                    }
                },
            )?;
        }
        Ok(latest.into_iter().map(|(t, (_, s))| (t, s)).collect())
    }

    /// The schedule to compute business time in when the caller names none: the only one,
    /// or the one most tickets are on (`ticket_schedule`), ties to the lowest id; `None`
    /// without a `schedule` table.
    pub fn default_schedule(
        &self,
        options: &ReadOptions,
        report: &mut ImportReport,
    ) -> Result<Option<Schedule>> {
        let mut schedules = self.schedules(options, report)?;
        if schedules.len() <= 1 {
            return Ok(schedules.pop());
        }
        let mut tickets: HashMap<u64, u64> = HashMap::new();
        for s in self.ticket_schedules(options, report)?.into_values() {
            *tickets.entry(s).or_insert(0) += 1;
        }
        let best = schedules
            .iter()
            .enumerate()
            .max_by_key(|(_, s)| {
                (
                    tickets.get(&s.id).copied().unwrap_or(0),
                    std::cmp::Reverse(s.id),
                )
            })
            .map_or(0, |(i, _)| i);
        Ok(Some(schedules.swap_remove(best)))
    }

    /// A schedule by id or name.
    pub fn schedule(
        &self,
        id_or_name: &str,
        options: &ReadOptions,
        report: &mut ImportReport,
    ) -> Result<Schedule> {
        named(self.schedules(options, report)?, id_or_name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_split_at_midnight_and_wrap_the_week() {
        let p = days_of(1380, 1500);
        assert_eq!(
            p,
            vec![
                (Weekday::Sun, DayTime::hms(23, 0, 0), DayTime::hms(24, 0, 0)),
                (Weekday::Mon, DayTime::hms(0, 0, 0), DayTime::hms(1, 0, 0)),
            ]
        );
        assert_eq!(
            days_of(1920, 2640),
            vec![(Weekday::Mon, DayTime::hms(8, 0, 0), DayTime::hms(20, 0, 0))]
        );
        assert_eq!(
            days_of(8640, 10_080),
            vec![(Weekday::Sat, DayTime::hms(0, 0, 0), DayTime::hms(24, 0, 0))]
        );
    }

    #[test]
    fn every_rails_zone_is_an_iana_zone() {
        for (rails, iana) in RAILS_ZONES {
            assert!(iana_zone(rails).is_some(), "{rails} → {iana}");
        }
    }
}
