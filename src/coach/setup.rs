//! `/studybot curricula` and `/studybot setup`: binding a channel to a curriculum.

use chrono::{DateTime, Duration, Utc};

use super::context::CohortCtx;
use super::error::CoachResult;
use super::{Call, Coach, Inbound, Outgoing, platform_of};
use crate::curriculum::journey::{self, Span};
use crate::domain::{CronSpec, Timezone};
use crate::store::{
    self, Cohort, DEFAULT_CATCH_UP, DEFAULT_MAX_LATENESS_SECS, DEFAULT_QUIZ_SECONDS, NewCohort,
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

pub async fn setup(
    coach: &Coach,
    inbound: &Inbound,
    call: &Call,
    now: DateTime<Utc>,
) -> CoachResult<Vec<Outgoing>> {
    let id = call.text("curriculum").unwrap_or_default();
    let Some(version) = coach.catalog.version(id) else {
        let ids: Vec<_> = coach.catalog.iter().map(|(id, _)| format!("`{id}`")).collect();
        user_error!("There is no curriculum `{id}`. Available: {}.", ids.join(", "));
    };
    let curriculum = &version.curriculum;
    let schedule_text = call.text("schedule").unwrap_or(DEFAULT_SCHEDULE);
    let schedule = CronSpec::parse(schedule_text).map_err(|e| super::UserError(e.to_string()))?;
    let timezone = Timezone::parse(call.text("timezone").unwrap_or("UTC"))
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
    let start = call.date("start").unwrap_or(today + Duration::days(1));
    if start < today {
        user_error!("The start date {start} is in the past; pick today ({today}) or later.");
    }
    replace_unstarted(coach, inbound, now).await?;
    let channel = &inbound.channel;
    let new = NewCohort {
        platform: platform_of(channel)?,
        workspace_id: channel.workspace.clone(),
        channel_id: channel.channel.clone(),
        curriculum_id: id.to_string(),
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
    tx.commit().await?;
    let cohort = Cohort { curriculum_version: Some(bound), ..cohort };
    let ctx = CohortCtx::load(coach, cohort).await?;
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
    let reply = format!(
        "✅ This channel now runs **{}** (`{id}`), from day {first_day}, starting {start}, on `{}` ({}).\nNext posts:\n{}\n{quizzes}",
        curriculum.title,
        schedule.as_str(),
        timezone.name(),
        if next.is_empty() { "  (none: the schedule never fires)".to_string() } else { next.join("\n") },
    );
    Ok(vec![Outgoing::ephemeral(reply)])
}

/// A cohort whose first lesson is not yet due may be set up again (to fix a typo); one that has
/// started keeps its history.
async fn replace_unstarted(coach: &Coach, inbound: &Inbound, now: DateTime<Utc>) -> CoachResult<()> {
    let platform = platform_of(&inbound.channel)?;
    let Some(existing) = coach.store.find_cohort_by_channel(platform, &inbound.channel.channel).await? else {
        return Ok(());
    };
    let ctx = CohortCtx::load(coach, existing).await?;
    if ctx.slots.due(now).is_some() {
        user_error!(
            "This channel already runs `{}` and lessons have been posted. Use `/studybot status`, \
             `pause`, `set-day` or `holiday` to change it.",
            ctx.cohort.curriculum_id
        );
    }
    coach.store.delete_cohort(ctx.cohort.id).await?;
    Ok(())
}
