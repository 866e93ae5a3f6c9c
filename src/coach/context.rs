//! A cohort with everything the use cases need: its row, its curriculum version and its lesson calendar.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

use super::contexts::Contexts;
use super::error::{CoachError, CoachResult};
use super::version::Version;
use super::{ChannelRef, Coach};
use crate::curriculum::Curriculum;
use crate::domain::{Adjustment, Calendar, CronSpec, DayNumber, Lesson, Pause, Slot, Slots, Timezone};
use crate::quiz::QuizBank;
use crate::store::{AdjustmentKind, CalendarRows, Cohort, CohortState};

pub struct CohortCtx {
    pub cohort: Cohort,
    /// The stored version the cohort runs on, whatever the file on disk says now.
    pub version: Arc<Version>,
    /// The version's curriculum and quiz bank.
    pub curriculum: Arc<Curriculum>,
    pub bank: Option<Arc<QuizBank>>,
    pub calendar: Calendar,
    /// The calendar's slots, computed once when the context is loaded.
    pub slots: Slots,
    /// The days of the cohort's lesson posts by message id, as reactions found them
    /// (`coach/checkpoint.rs`): a sent post's message id and day never change, and a changed
    /// cohort gets a new context.
    pub(super) posted: Mutex<HashMap<String, DayNumber>>,
}

/// Instants are stored as epoch seconds; the domain works in `DateTime<Utc>`.
pub fn instant(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap_or_default()
}

impl CohortCtx {
    /// The cohort bound to a channel, or [`CoachError::NoCohort`], which the coach answers with
    /// where to go instead (`coach/elsewhere.rs`).
    pub async fn for_channel(coach: &Coach, channel: &ChannelRef) -> CoachResult<Arc<CohortCtx>> {
        match Contexts::get(coach, channel).await? {
            Some(ctx) => Ok(ctx),
            None => Err(CoachError::NoCohort),
        }
    }

    /// The cohort on its own curriculum version (bound to the file first if it has none yet).
    pub async fn load(coach: &Coach, cohort: Cohort) -> CoachResult<CohortCtx> {
        let rows = coach.store.calendar_rows(cohort.id).await?;
        CohortCtx::with_rows(coach, cohort, &rows).await
    }

    /// As [`CohortCtx::load`], on calendar rows read already (a restart reads every cohort's at
    /// once).
    pub async fn with_rows(coach: &Coach, mut cohort: Cohort, rows: &CalendarRows) -> CoachResult<CohortCtx> {
        let version = coach.cohort_version(&cohort).await?;
        cohort.curriculum_version = Some(version.hash.clone());
        let calendar = calendar(&cohort, &version.curriculum, rows)?;
        let slots = match (cohort.state, cohort.completed_at) {
            // A completed cycle's lessons are those it had when it ended, whatever the date now.
            (CohortState::Completed, Some(at)) => calendar.computed().ended_at(instant(at)),
            _ => calendar.computed(),
        };
        let (curriculum, bank) = (Arc::clone(&version.curriculum), version.bank.clone());
        Ok(CohortCtx { cohort, version, curriculum, bank, calendar, slots, posted: Mutex::default() })
    }

    /// Whether `other` posts on the same calendar: same row, same holidays, pauses and adjustments.
    pub fn same_schedule(&self, other: &CohortCtx) -> bool {
        self.cohort == other.cohort && self.calendar == other.calendar
    }

    pub fn tz(&self) -> Tz {
        self.calendar.timezone.tz()
    }

    pub fn grace(&self) -> Duration {
        Duration::seconds(self.cohort.grace_secs)
    }

    pub fn today(&self, now: DateTime<Utc>) -> NaiveDate {
        now.with_timezone(&self.tz()).date_naive()
    }

    /// `Tue 1 Dec 09:00 CET`: how members read an instant, in the cohort's timezone.
    pub fn local(&self, at: DateTime<Utc>) -> String {
        self.tz().from_utc_datetime(&at.naive_utc()).format("%a %-d %b %H:%M %Z").to_string()
    }

    /// When the on-time window of a slot closes: the next lesson's instant plus the grace period.
    /// The last lesson has no successor, so it gets a day plus grace; while the cohort is paused
    /// the window stays open (`None`), because a pause breaks no streak.
    pub fn closes_at(&self, slot: &Slot) -> Option<DateTime<Utc>> {
        match self.slots.next(slot.at) {
            Some(next) => Some(next.at + self.grace()),
            None if self.is_paused() => None,
            None => Some(slot.at + Duration::days(1) + self.grace()),
        }
    }

    pub fn is_paused(&self) -> bool {
        self.calendar.pauses.iter().any(|p| p.until.is_none())
    }

    /// Every lesson due by `now`, with its window, for the streak rules.
    pub fn lessons(&self, now: DateTime<Utc>) -> Vec<Lesson> {
        self.slots
            .due_slots(now)
            .iter()
            .map(|s| Lesson { day: s.day, posted_at: s.at, closes_at: self.closes_at(s) })
            .collect()
    }

    pub fn total_days(&self) -> usize {
        self.curriculum.days().count()
    }
}

/// The cohort's lesson calendar over `curriculum`'s days (its own version's, or one it might move to).
fn calendar(cohort: &Cohort, curriculum: &Curriculum, rows: &CalendarRows) -> CoachResult<Calendar> {
    let corrupt = |what: &str, e: &dyn std::fmt::Display| {
        CoachError::Other(anyhow::anyhow!("cohort {} has an invalid {what}: {e}", cohort.id))
    };
    let start =
        NaiveDate::parse_from_str(&cohort.start_date, "%Y-%m-%d").map_err(|e| corrupt("start date", &e))?;
    let schedule = CronSpec::parse(&cohort.schedule).map_err(|e| corrupt("schedule", &e))?;
    let timezone = Timezone::parse(&cohort.timezone).map_err(|e| corrupt("timezone", &e))?;
    let days = curriculum_days(curriculum);
    let holidays: BTreeSet<NaiveDate> =
        rows.holidays.iter().filter_map(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()).collect();
    let pauses =
        rows.pauses.iter().map(|(from, until)| Pause { from: instant(*from), until: until.map(instant) });
    let adjustments = rows.adjustments.iter().filter_map(|row| {
        let date = NaiveDate::parse_from_str(&row.local_date, "%Y-%m-%d").ok()?;
        Some(match row.kind {
            AdjustmentKind::Skip => Adjustment::Skip { date },
            AdjustmentKind::SetDay => Adjustment::SetDay { date, day: row.day? },
        })
    });
    Ok(Calendar {
        start,
        days,
        first_day: cohort.first_day,
        schedule,
        timezone,
        holidays,
        pauses: pauses.collect(),
        adjustments: adjustments.collect(),
    })
}

/// The curriculum's day numbers in order, once each: the days a calendar runs over.
pub(super) fn curriculum_days(curriculum: &Curriculum) -> Vec<DayNumber> {
    let mut days: Vec<DayNumber> = curriculum.days().map(|d| d.day).collect();
    days.sort_unstable();
    days.dedup();
    days
}
