//! `/studybot curricula` and `/studybot setup`: binding a channel to a curriculum, for its first
//! cycle or, once the current one has completed, for the next.

use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::context::{CohortCtx, instant};
use super::cycles::{self, NextCycle};
use super::error::CoachResult;
use super::version::Version;
use super::{Call, Coach, Inbound, Outgoing, audit, platform_of};
use crate::curriculum::journey::{self, Span};
use crate::domain::{CronSpec, DayNumber, Timezone};
use crate::store::{
    self, Cohort, CohortState, DEFAULT_CATCH_UP, DEFAULT_MAX_LATENESS_SECS, DEFAULT_QUIZ_SECONDS, NewCohort,
};

pub const DEFAULT_SCHEDULE: &str = "0 9 * * MON-FRI";

pub fn curricula(coach: &Coach) -> CoachResult<Vec<Outgoing>> {
    if coach.catalog.is_empty() {
        user_error!("No curriculum is loaded. Put a Markdown curriculum in the bot's curriculum folder.");
    }
    let spans: Vec<Span> = coach.catalog.iter().filter_map(|(id, c)| Span::of(id, c)).collect();
    let mut lines = vec!["Curricula:".to_string()];
    for (id, c) in coach.catalog.iter() {
        let after = Span::of(id, c)
            .and_then(|span| {
                journey::continues(&spans, &span).map(|before| format!(" · continues `{}`", before.name))
            })
            .unwrap_or_default();
        lines.push(format!(
            "• `{id}` — {} (days {}, {} lessons){after}",
            c.title,
            c.days_label(),
            c.days().count()
        ));
    }
    Ok(vec![Outgoing::ephemeral(lines.join("\n"))])
}

/// What a setup or a queued cycle asked for, checked against the catalog: `start` is `None` when
/// not given (each caller has its own default).
pub(super) struct Chosen {
    pub version: Arc<Version>,
    pub first_day: DayNumber,
    pub start: Option<NaiveDate>,
    pub schedule: CronSpec,
    pub timezone: Timezone,
}

/// Reads `curriculum:`, `day:`, `start:`, `schedule:` and `timezone:`; the schedule and timezone
/// default to those of the cycle before, if any. A start date in the past is refused.
pub(super) fn choose(
    coach: &Coach,
    call: &Call,
    before: Option<&Cohort>,
    now: DateTime<Utc>,
) -> CoachResult<Chosen> {
    let id = call.text("curriculum").unwrap_or_default();
    let Some(version) = coach.catalog.version(id) else {
        let ids: Vec<_> = coach.catalog.iter().map(|(id, _)| format!("`{id}`")).collect();
        user_error!("There is no curriculum `{id}`. Available: {}.", ids.join(", "));
    };
    let curriculum = &version.curriculum;
    let schedule_text =
        call.text("schedule").or(before.map(|c| c.schedule.as_str())).unwrap_or(DEFAULT_SCHEDULE);
    let schedule = CronSpec::parse(schedule_text).map_err(|e| super::UserError(e.to_string()))?;
    let timezone =
        Timezone::parse(call.text("timezone").or(before.map(|c| c.timezone.as_str())).unwrap_or("UTC"))
            .map_err(|e| super::UserError(e.to_string()))?;
    let first_day = match call.day("day") {
        Some(day) if curriculum.day(day).is_none() => {
            user_error!("Day {day} is not in `{id}` (it has days {}).", curriculum.days_label());
        }
        Some(day) => day,
        None => match curriculum.first_day() {
            Some(first) => first,
            None => user_error!("`{id}` has no days to post."),
        },
    };
    let today = now.with_timezone(&timezone.tz()).date_naive();
    let start = call.date("start");
    if let Some(start) = start.filter(|start| *start < today) {
        user_error!("The start date {start} is in the past; pick today ({today}) or later.");
    }
    Ok(Chosen { version, first_day, start, schedule, timezone })
}

pub async fn setup(
    coach: &Coach,
    inbound: &Inbound,
    call: &Call,
    now: DateTime<Utc>,
) -> CoachResult<Vec<Outgoing>> {
    let before = make_room(coach, inbound, now).await?;
    let Chosen { version, first_day, start, schedule, timezone } =
        choose(coach, call, before.as_ref().map(|ctx| &ctx.cohort), now)?;
    let today = now.with_timezone(&timezone.tz()).date_naive();
    let start = start.unwrap_or(today + Duration::days(1));
    if let Some(before) = &before {
        let next = NextCycle {
            version,
            first_day,
            start,
            schedule,
            timezone,
            created_by: inbound.actor.user_id.clone(),
        };
        return begin_after(coach, inbound, before, &next, "cohort.setup", now).await;
    }
    let channel = &inbound.channel;
    let new = NewCohort {
        platform: platform_of(channel)?,
        workspace_id: channel.workspace.clone(),
        channel_id: channel.channel.clone(),
        curriculum_id: version.curriculum_id.clone(),
        start_date: start.format("%Y-%m-%d").to_string(),
        first_day,
        schedule: schedule.as_str().to_string(),
        timezone: timezone.name().to_string(),
        catch_up: DEFAULT_CATCH_UP.to_string(),
        max_lateness_secs: DEFAULT_MAX_LATENESS_SECS,
        quiz_seconds: DEFAULT_QUIZ_SECONDS,
        grace_secs: None,
        reminder_hours: None,
        leaderboard_schedule: None,
        created_by: inbound.actor.user_id.clone(),
        created_at: now.timestamp(),
    };
    // The cohort runs on the file as it is now, stored with it, whatever later happens to the file.
    let mut tx = coach.store.begin().await?;
    store::put_curriculum_version(&mut tx, &version.row(now.timestamp())).await?;
    let cohort = store::create_cohort(&mut tx, &new).await?;
    let bound = store::bind_cohort_version(&mut tx, cohort.id, &version.hash).await?;
    let detail = format!(
        "{} from day {first_day}, starting {}, on `{}` ({})",
        new.curriculum_id, new.start_date, new.schedule, new.timezone
    );
    store::record_audit(&mut tx, &audit::entry(inbound, cohort.id, "cohort.setup", detail, now)).await?;
    tx.commit().await?;
    let cohort = Cohort { curriculum_version: Some(bound), ..cohort };
    let ctx = CohortCtx::load(coach, cohort).await?;
    Ok(vec![Outgoing::ephemeral(started(&ctx))])
}

/// Begins `next` after the completed cycle `before`, now, and says so as a setup does; the new
/// cycle's audit entry (`action`) is written with it.
pub(super) async fn begin_after(
    coach: &Coach,
    inbound: &Inbound,
    before: &CohortCtx,
    next: &NextCycle,
    action: &str,
    now: DateTime<Utc>,
) -> CoachResult<Vec<Outgoing>> {
    let ended = before.cohort.completed_at.map_or(now, instant);
    let mut tx = coach.store.begin().await?;
    let begun = cycles::begin(&mut tx, before, ended, next, now).await?;
    let detail = format!("cycle {} began: {}", begun.cohort.cycle_no, next.describe());
    store::record_audit(&mut tx, &audit::entry(inbound, begun.cohort.id, action, detail, now)).await?;
    tx.commit().await?;
    coach.changes().notify_one();
    let line = cycles::carried_line(&before.cohort, &begun);
    let ctx = CohortCtx::load(coach, begun.cohort).await?;
    Ok(vec![Outgoing::ephemeral(format!("{}\n{line}", started(&ctx)))])
}

/// The reply to a setup: what the channel now runs, its next posts and its quizzes.
fn started(ctx: &CohortCtx) -> String {
    let next: Vec<String> = ctx
        .calendar
        .slots()
        .iter()
        .take(3)
        .map(|s| format!("  • day {} — {}", s.day, ctx.local(s.at)))
        .collect();
    let quizzes = match &ctx.bank {
        Some(bank) => format!("{} quizzes: `/quiz` lists them and when each opens.", bank.quizzes.len()),
        None => "This curriculum has no quiz bank, so this cycle has no quizzes.".to_string(),
    };
    let cohort = &ctx.cohort;
    format!(
        "✅ This channel now runs **{}** (`{}`), from day {}, starting {}, on `{}` ({}).\nNext posts:\n{}\n{quizzes}",
        ctx.curriculum.title,
        cohort.curriculum_id,
        cohort.first_day,
        cohort.start_date,
        cohort.schedule,
        cohort.timezone,
        if next.is_empty() { "  (none: the schedule never fires)".to_string() } else { next.join("\n") },
    )
}

/// Makes room for a new cycle in the channel. A cycle whose first lesson is not yet due may be set
/// up again (to fix a typo): it is deleted, and the cycle before it, if any, is the channel's
/// current one again. A completed cycle is returned: the new one begins after it. One that is
/// running keeps its history and refuses, saying how to end it or queue the next.
async fn make_room(coach: &Coach, inbound: &Inbound, now: DateTime<Utc>) -> CoachResult<Option<CohortCtx>> {
    let platform = platform_of(&inbound.channel)?;
    let Some(existing) = coach.store.find_cohort_by_channel(platform, &inbound.channel.channel).await? else {
        return Ok(None);
    };
    let ctx = CohortCtx::load(coach, existing).await?;
    if ctx.cohort.state == CohortState::Completed {
        return Ok(Some(ctx));
    }
    if let Some(last) = ctx.slots.due(now) {
        user_error!(
            "This channel is running `{}` (day {} of {} posted). To end it now: `/studybot finish`. \
             To start another cycle when it completes: `/studybot next curriculum:<id>`. To change \
             this one: `/studybot status`, `pause`, `set-day` or `holiday`.",
            ctx.cohort.curriculum_id,
            last.day,
            ctx.curriculum.days_label()
        );
    }
    let cycles = coach.store.list_channel_cycles(platform, &inbound.channel.channel).await?;
    let before = cycles.into_iter().rfind(|c| c.archived_at.is_some() && c.cycle_no < ctx.cohort.cycle_no);
    let mut tx = coach.store.begin().await?;
    store::delete_cohort(&mut tx, ctx.cohort.id).await?;
    if let Some(before) = &before {
        store::unarchive_cohort(&mut tx, before.id, now.timestamp()).await?;
    }
    tx.commit().await?;
    match before {
        Some(before) => {
            let cohort = coach.store.get_cohort(before.id).await?.unwrap_or(before);
            Ok(Some(CohortCtx::load(coach, cohort).await?))
        }
        None => Ok(None),
    }
}
