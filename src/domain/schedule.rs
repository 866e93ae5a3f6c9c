//! Schedules: cron expressions, IANA timezones and the wall-clock → instant rules for lesson posts.

mod weekday;

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Days, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, TimeZone, Utc};
use chrono_tz::{GapInfo, TZ_VARIANTS, Tz};

use crate::curriculum::text::{quoted, quoted_to};

/// How far ahead (in local dates) a schedule is searched, so one that never fires
/// (`0 9 30 2 *`) ends the search instead of looping.
pub(crate) const HORIZON_DAYS: u64 = 5 * 366;

const CRON_EXAMPLE: &str = "e.g. `0 9 * * MON-FRI` = weekdays at 09:00";

/// Why a schedule or timezone was rejected; the text is meant for the organizer who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error(
        "schedule `{expr}` has {found} fields; write 5 (minute hour day-of-month month day-of-week), {CRON_EXAMPLE}"
    )]
    FieldCount { expr: String, found: usize },
    #[error("schedule `{expr}`: day-of-week {reason}; {CRON_EXAMPLE} (`1-5` means the same)")]
    DayOfWeek { expr: String, reason: String },
    #[error("schedule `{expr}` is not a valid cron expression ({reason}); {CRON_EXAMPLE}")]
    Invalid { expr: String, reason: String },
    #[error(
        "unknown timezone `{name}`; use an IANA name such as `Europe/Berlin`, `America/New_York` or `UTC`"
    )]
    UnknownTimezone { name: String },
}

/// A validated cron schedule. Equality is by the expression as the user wrote it.
///
/// The 5-field form is read the way Unix cron users expect (day-of-week 0/7 = Sunday); the
/// cron crate's 6/7-field form (seconds first, 1 = Sunday) is taken as is. One difference from
/// Vixie cron remains: when both day-of-month and day-of-week are restricted, a date must match
/// both (Vixie fires when either matches).
#[derive(Clone, Debug)]
pub struct CronSpec {
    source: String,
    schedule: cron::Schedule,
}

impl PartialEq for CronSpec {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

impl Eq for CronSpec {}

impl CronSpec {
    pub fn parse(s: &str) -> Result<CronSpec, ScheduleError> {
        let source = s.trim().to_string();
        let fields: Vec<&str> = source.split_whitespace().collect();
        // Errors quote the input cut short: a pasted essay is not echoed back whole.
        let expr = || quoted(&source);
        if let Some(field) = fields.iter().find(|field| has_glued_wildcard(field)) {
            let reason = format!("`{}`: `*` and `?` stand alone or take a step, e.g. `*/2`", quoted(field));
            return Err(ScheduleError::Invalid { expr: expr(), reason });
        }
        let expression = match fields.len() {
            _ if source.starts_with('@') => source.clone(),
            5 => five_field_to_cron(&source, &fields)?,
            6 | 7 => fields.join(" "),
            found => return Err(ScheduleError::FieldCount { expr: expr(), found }),
        };
        let schedule = cron::Schedule::from_str(&expression)
            .map_err(|e| ScheduleError::Invalid { expr: expr(), reason: cron_reason(&e) })?;
        Ok(CronSpec { source, schedule })
    }

    /// The expression as the user gave it (trimmed).
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// The wall-clock time of the first fire on `date`, or `None` if the schedule skips that date.
    /// Evaluated on naive local time, so DST can neither remove nor double a date.
    pub fn fire_time_on(&self, date: NaiveDate) -> Option<NaiveTime> {
        self.first_fire_from(date).filter(|(fired, _)| *fired == date).map(|(_, time)| time)
    }

    /// Every date in `from..=until` on which the schedule fires, with its first fire time.
    /// One cron query per fire date: the query itself jumps over the dates that don't fire.
    pub(crate) fn fire_dates(
        &self,
        from: NaiveDate,
        until: NaiveDate,
    ) -> impl Iterator<Item = (NaiveDate, NaiveTime)> + '_ {
        let mut next = Some(from);
        std::iter::from_fn(move || {
            let (date, time) = self.first_fire_from(next?).filter(|(date, _)| *date <= until)?;
            next = date.succ_opt();
            Some((date, time))
        })
    }

    /// The first fire at or after local midnight of `date`, as naive wall-clock date and time.
    /// UTC stands in for "naive local" because it has no DST.
    fn first_fire_from(&self, date: NaiveDate) -> Option<(NaiveDate, NaiveTime)> {
        let midnight = date.and_time(NaiveTime::MIN).and_utc();
        let cursor = midnight.checked_sub_signed(TimeDelta::seconds(1))?;
        let fire = self.schedule.after(&cursor).next()?;
        Some((fire.date_naive(), fire.time()))
    }
}

impl fmt::Display for CronSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

/// The cron crate reads fields without whitespace between them, so a typo like `**` would
/// silently become two fields and shift the rest; reject it instead.
fn has_glued_wildcard(field: &str) -> bool {
    field.split(',').any(|item| match item.find(['*', '?']) {
        None => false,
        Some(0) => {
            let rest = &item[1..];
            let step = rest.strip_prefix('/');
            !rest.is_empty() && step.is_none_or(|step| step.contains(['*', '?']))
        }
        Some(_) => true,
    })
}

/// The cron crate's message without its echo of the expression and the caret under it (lines
/// 1–2): they show our rewritten 6-field form, which would confuse someone who typed 5 fields.
fn cron_reason(error: &cron::error::Error) -> String {
    let message = error.to_string();
    let detail: Vec<&str> = message.lines().skip(2).map(str::trim).filter(|line| !line.is_empty()).collect();
    match detail.is_empty() {
        true => "a field is malformed".to_string(),
        // The crate's reason quotes the offending field, which may be long.
        false => quoted_to(&detail.join(" "), 120),
    }
}

/// `m h dom mon dow` → `0 m h dom mon dow'`, with the day-of-week renumbered for the cron crate.
fn five_field_to_cron(source: &str, fields: &[&str]) -> Result<String, ScheduleError> {
    let day_of_week = weekday::translate(fields[4]).map_err(|reason| ScheduleError::DayOfWeek {
        expr: quoted(source),
        reason: quoted_to(&reason, 120),
    })?;
    Ok(format!("0 {} {} {} {} {}", fields[0], fields[1], fields[2], fields[3], day_of_week))
}

/// A validated IANA timezone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timezone(Tz);

impl Timezone {
    /// Accepts IANA names; case is forgiven (`europe/berlin`) because users type them by hand.
    pub fn parse(s: &str) -> Result<Timezone, ScheduleError> {
        let name = s.trim();
        Tz::from_str(name)
            .ok()
            .or_else(|| TZ_VARIANTS.iter().copied().find(|tz| tz.name().eq_ignore_ascii_case(name)))
            .map(Timezone)
            .ok_or_else(|| ScheduleError::UnknownTimezone { name: quoted(name) })
    }

    pub fn tz(&self) -> Tz {
        self.0
    }

    pub fn name(&self) -> &'static str {
        self.0.name()
    }
}

impl fmt::Display for Timezone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The instant a lesson keyed by local `date` at wall-clock `time` goes out. A time that the
/// spring-forward gap skips becomes the first instant after the gap; a time that fall-back
/// repeats is taken at its first occurrence — either way the date gets exactly one post.
pub fn local_instant(tz: Tz, date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let local = date.and_time(time);
    match tz.from_local_datetime(&local) {
        LocalResult::Single(at) => at.to_utc(),
        LocalResult::Ambiguous(a, b) => a.min(b).to_utc(),
        LocalResult::None => after_gap(tz, local),
    }
}

/// The first instant after the DST gap that swallows `local`.
fn after_gap(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    if let Some(end) = GapInfo::new(&local, &tz).and_then(|gap| gap.end) {
        return end.to_utc();
    }
    // GapInfo has no end only at the edge of the tz tables; walking by minutes still lands
    // on the first valid wall-clock minute (gaps are whole minutes and at most a day).
    (1..=48 * 60)
        .find_map(|minutes| tz.from_local_datetime(&(local + TimeDelta::minutes(minutes))).earliest())
        .map_or_else(|| local.and_utc(), |at| at.to_utc())
}

/// The next `count` fire instants strictly after `after`, one per local date, at most
/// [`HORIZON_DAYS`] of dates ahead (fewer items if the schedule rarely or never fires).
pub fn upcoming(spec: &CronSpec, tz: &Timezone, after: DateTime<Utc>, count: usize) -> Vec<DateTime<Tz>> {
    let tz = tz.tz();
    // Start a day early: a DST gap can push yesterday's fire past local midnight into today
    // (Pacific/Apia skipped a whole date in 2011). The filter drops what isn't after `after`.
    let today = after.with_timezone(&tz).date_naive();
    let from = today.pred_opt().unwrap_or(today);
    let until = from.checked_add_days(Days::new(HORIZON_DAYS)).unwrap_or(NaiveDate::MAX);
    spec.fire_dates(from, until)
        .map(|(date, time)| local_instant(tz, date, time))
        .filter(|at| *at > after)
        .take(count)
        .map(|at| at.with_timezone(&tz))
        .collect()
}

#[cfg(test)]
mod tests;
