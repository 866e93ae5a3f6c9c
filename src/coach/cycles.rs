//! A channel's next cycle: begun once the current one has completed — by `/studybot setup`, or
//! from the cycle queued with `/studybot next` in the transaction that completes the current one.
//! The finished cycle is archived with all its history; its members come along with their
//! settings, and with their journey streak when the gap between the cycles is one the schedule
//! has anyway (`domain/journey.rs`).

use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::Coach;
use super::context::CohortCtx;
use super::error::{CoachError, CoachResult};
use super::version::Version;
use crate::domain::journey::carries;
use crate::domain::{Calendar, CronSpec, DayNumber, Slot, Timezone, upcoming};
use crate::store::{self, Cohort, NewCohort, QueuedCycle, Tx};

/// What the next cycle runs: a curriculum version from a day, on a schedule from a start date.
#[derive(Clone)]
pub struct NextCycle {
    pub version: Arc<Version>,
    pub first_day: DayNumber,
    pub start: NaiveDate,
    pub schedule: CronSpec,
    pub timezone: Timezone,
    /// Platform user id of the admin who asked for it.
    pub created_by: String,
}

/// A cycle just begun.
pub struct Begun {
    pub cohort: Cohort,
    /// Members carried over from the cycle before.
    pub members: u64,
    /// Whether their journey streaks carried over the gap.
    pub carried: bool,
}

impl NextCycle {
    /// The lesson calendar the cycle starts with (no holidays, pauses or changes yet).
    fn calendar(&self) -> Calendar {
        let mut days: Vec<DayNumber> = self.version.curriculum.days().map(|d| d.day).collect();
        days.sort_unstable();
        days.dedup();
        Calendar {
            start: self.start,
            days,
            first_day: self.first_day,
            schedule: self.schedule.clone(),
            timezone: self.timezone,
            holidays: Default::default(),
            pauses: Vec::new(),
            adjustments: Vec::new(),
        }
    }

    /// Its first lesson, if the schedule ever fires.
    pub fn first_lesson(&self) -> Option<Slot> {
        self.calendar().slots().first().copied()
    }

    /// The cycle `queued` after a cohort, starting on its own date or, without one, on the
    /// schedule's next lesson date after `ended`.
    pub async fn queued(coach: &Coach, queued: &QueuedCycle, ended: DateTime<Utc>) -> CoachResult<NextCycle> {
        let corrupt = |what: &str, e: &dyn std::fmt::Display| {
            CoachError::Other(anyhow::anyhow!(
                "the cycle queued after cohort {} has an invalid {what}: {e}",
                queued.cohort_id
            ))
        };
        let schedule = CronSpec::parse(&queued.schedule).map_err(|e| corrupt("schedule", &e))?;
        let timezone = Timezone::parse(&queued.timezone).map_err(|e| corrupt("timezone", &e))?;
        let start = match &queued.start_date {
            Some(date) => {
                NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|e| corrupt("start date", &e))?
            }
            None => next_lesson_date(&schedule, &timezone, ended),
        };
        Ok(NextCycle {
            version: coach.stored_version(&queued.curriculum_version).await?,
            first_day: queued.first_day,
            start,
            schedule,
            timezone,
            created_by: queued.created_by.clone(),
        })
    }

    /// `**Days 151-180: Performance Engineering**, starting Mon 11 Jan`; the days are added when
    /// the title does not say them.
    pub fn describe(&self) -> String {
        let curriculum = &self.version.curriculum;
        let when = match self.first_lesson() {
            Some(first) => {
                format!("starting {}", first.at.with_timezone(&self.timezone.tz()).format("%a %-d %b"))
            }
            None => "never starting: its schedule does not fire".to_string(),
        };
        let days = curriculum.days_label();
        let days = if curriculum.title.contains(&days) { String::new() } else { format!(" (days {days})") };
        format!("**{}**{days}, {when}", curriculum.title)
    }
}

/// The local date of the schedule's first lesson after `after`; the day after it when the
/// schedule never fires (the calendar then has no lessons either way).
pub fn next_lesson_date(schedule: &CronSpec, timezone: &Timezone, after: DateTime<Utc>) -> NaiveDate {
    match upcoming(schedule, timezone, after, 1).first() {
        Some(at) => at.date_naive(),
        None => (after + Duration::days(1)).with_timezone(&timezone.tz()).date_naive(),
    }
}

/// Begins `next` in `prev`'s channel inside `tx`: archives `prev` (completed, in the database, at
/// `ended`), makes the new cohort with `prev`'s coach settings on `next`'s curriculum version, and
/// carries the members over. Drops whatever was queued after `prev`.
pub(super) async fn begin(
    tx: &mut Tx,
    prev: &CohortCtx,
    ended: DateTime<Utc>,
    next: &NextCycle,
    now: DateTime<Utc>,
) -> CoachResult<Begun> {
    let old = &prev.cohort;
    if !store::archive_cohort(tx, old.id, now.timestamp()).await? {
        return Err(
            anyhow::anyhow!("cohort {} is not the completed current cycle of its channel", old.id).into()
        );
    }
    store::delete_queued_cycle(tx, old.id).await?;
    store::put_curriculum_version(tx, &next.version.row(now.timestamp())).await?;
    let new = NewCohort {
        platform: old.platform,
        workspace_id: old.workspace_id.clone(),
        channel_id: old.channel_id.clone(),
        curriculum_id: next.version.curriculum_id.clone(),
        start_date: next.start.format("%Y-%m-%d").to_string(),
        first_day: next.first_day,
        schedule: next.schedule.as_str().to_string(),
        timezone: next.timezone.name().to_string(),
        catch_up: old.catch_up.clone(),
        max_lateness_secs: old.max_lateness_secs,
        quiz_seconds: old.quiz_seconds,
        grace_secs: Some(old.grace_secs),
        reminder_hours: Some(old.reminder_hours),
        leaderboard_schedule: Some(old.leaderboard_schedule.clone()),
        created_by: next.created_by.clone(),
        created_at: now.timestamp(),
    };
    let cohort = store::create_cohort(tx, &new).await?;
    let bound = store::bind_cohort_version(tx, cohort.id, &next.version.hash).await?;
    let first = next.first_lesson();
    let carried = first.is_some_and(|first| {
        carries(ended, first.at, &next.schedule, &next.timezone, &prev.calendar.holidays)
    });
    let members = store::carry_members(tx, old.id, cohort.id, carried, now.timestamp()).await?;
    let cohort = Cohort { curriculum_version: Some(bound), ..cohort };
    Ok(Begun { cohort, members, carried })
}

/// What a new cycle's members are told about the one before, for the reply or post that begins it.
pub fn carried_line(prev: &Cohort, begun: &Begun) -> String {
    let streaks = if begun.carried {
        "journey streaks carry on"
    } else {
        "the gap since the last cycle is longer than the schedule's, so journey streaks start again"
    };
    format!(
        "Cycle {} of this channel: {} carried over from `{}` with their settings; {streaks}.",
        begun.cohort.cycle_no,
        super::plural(begun.members, "member", "members"),
        prev.curriculum_id
    )
}
