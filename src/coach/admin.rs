//! Admin subcommands of `/studybot`: pause, resume, skip, set-day, holiday, preview, status, settings
//! (and `curriculum`, in `version_admin`; `correct`; `audit`; `export`; `dashboard`). Each change is written with its
//! audit entry in one transaction.

use chrono::{DateTime, Utc};

use super::commands::AdminOp;
use super::context::CohortCtx;
use super::error::CoachResult;
use super::{Call, Coach, Inbound, Message, Outgoing, UserError, audit, lesson};
use crate::domain::{CatchUp, CronSpec, local_instant};
use crate::store::{self, AdjustmentKind, CohortState, Tx};

pub async fn run(
    coach: &Coach,
    inbound: &Inbound,
    op: AdminOp,
    call: &Call,
    now: DateTime<Utc>,
) -> CoachResult<Vec<Outgoing>> {
    let ctx = CohortCtx::for_channel(coach, &inbound.channel).await?;
    if op.changes_calendar() && ctx.cohort.state == CohortState::Completed {
        user_error!("This cohort has completed its curriculum; `/studybot status` shows how it went.");
    }
    let reply = match op {
        AdminOp::Pause => pause(coach, inbound, &ctx, now).await?,
        AdminOp::Resume => resume(coach, inbound, &ctx, now).await?,
        AdminOp::Skip => skip(coach, inbound, &ctx, now).await?,
        AdminOp::SetDay => set_day(coach, inbound, &ctx, call, now).await?,
        AdminOp::Holiday => holiday(coach, inbound, &ctx, call, now).await?,
        AdminOp::Preview => return preview(&ctx, call, now),
        AdminOp::Export => return super::export::command(coach, inbound, &ctx, call, now).await,
        AdminOp::Dashboard => return super::dashboard::command(coach, inbound, &ctx, call, now).await,
        AdminOp::Status => return super::status::command(coach, &ctx, now).await,
        AdminOp::Settings => settings(coach, inbound, &ctx, call, now).await?,
        AdminOp::Curriculum => super::version_admin::command(coach, inbound, &ctx, call, now).await?,
        AdminOp::Correct => super::correct::run(coach, inbound, &ctx, call, now).await?,
        AdminOp::Audit => super::audit::command(coach, inbound, &ctx, call).await?,
    };
    Ok(vec![Outgoing::ephemeral(reply)])
}

/// Reloads the cohort after a change, to report the next post as the calendar now has it.
pub(super) async fn next_post(coach: &Coach, ctx: &CohortCtx, now: DateTime<Utc>) -> CoachResult<String> {
    // The row, not `ctx`, knows the state the command just set.
    let cohort = coach.store.get_cohort(ctx.cohort.id).await?.unwrap_or_else(|| ctx.cohort.clone());
    let fresh = CohortCtx::load(coach, cohort).await?;
    Ok(match fresh.slots.next(now) {
        Some(slot) => format!("Next post: day {} on {}.", slot.day, fresh.local(slot.at)),
        None if fresh.cohort.state == CohortState::Paused => {
            "Nothing is posted until `/studybot resume`.".into()
        }
        None => "No more lessons are scheduled.".into(),
    })
}

/// Writes the audit entry of an act on the cohort in the act's transaction, and commits both.
async fn commit_audited(
    mut tx: Tx,
    inbound: &Inbound,
    ctx: &CohortCtx,
    action: &str,
    detail: String,
    now: DateTime<Utc>,
) -> CoachResult<()> {
    store::record_audit(&mut tx, &audit::entry(inbound, ctx.cohort.id, action, detail, now)).await?;
    tx.commit().await?;
    Ok(())
}

async fn pause(coach: &Coach, inbound: &Inbound, ctx: &CohortCtx, now: DateTime<Utc>) -> CoachResult<String> {
    let mut tx = coach.store.begin().await?;
    if !store::start_pause(&mut tx, ctx.cohort.id, now.timestamp()).await? {
        user_error!("The cohort is already paused; `/studybot resume` restarts it.");
    }
    store::set_cohort_state(&mut tx, ctx.cohort.id, CohortState::Paused, None, now.timestamp()).await?;
    commit_audited(tx, inbound, ctx, "cohort.pause", "lesson posts paused".into(), now).await?;
    Ok("⏸️ Paused. No lessons are posted and no streak breaks until `/studybot resume`.".into())
}

async fn resume(
    coach: &Coach,
    inbound: &Inbound,
    ctx: &CohortCtx,
    now: DateTime<Utc>,
) -> CoachResult<String> {
    // A cohort flagged by a failed post resumes once the admin has fixed the bot's access.
    if ctx.cohort.state == CohortState::Flagged {
        let again = super::unflag::run(coach, inbound, ctx, now).await?;
        return Ok(format!("▶️ Lesson posts are back on. {again}{}", next_post(coach, ctx, now).await?));
    }
    let mut tx = coach.store.begin().await?;
    if !store::end_pause(&mut tx, ctx.cohort.id, now.timestamp()).await? {
        user_error!("The cohort is not paused.");
    }
    store::set_cohort_state(&mut tx, ctx.cohort.id, CohortState::Active, None, now.timestamp()).await?;
    commit_audited(tx, inbound, ctx, "cohort.resume", "lesson posts resumed".into(), now).await?;
    Ok(format!("▶️ Resumed. {}", next_post(coach, ctx, now).await?))
}

async fn skip(coach: &Coach, inbound: &Inbound, ctx: &CohortCtx, now: DateTime<Utc>) -> CoachResult<String> {
    let Some(next) = ctx.slots.next(now) else { user_error!("There is no upcoming lesson to skip.") };
    let date = next.date.format("%Y-%m-%d").to_string();
    let mut tx = coach.store.begin().await?;
    store::add_adjustment(&mut tx, ctx.cohort.id, AdjustmentKind::Skip, &date, None, now.timestamp()).await?;
    let detail = format!("no lesson on {date}; day {} moves on", next.day);
    commit_audited(tx, inbound, ctx, "cohort.skip", detail, now).await?;
    Ok(format!(
        "⏭️ No lesson on {date}; day {} moves to the next lesson date. {}",
        next.day,
        next_post(coach, ctx, now).await?
    ))
}

async fn set_day(
    coach: &Coach,
    inbound: &Inbound,
    ctx: &CohortCtx,
    call: &Call,
    now: DateTime<Utc>,
) -> CoachResult<String> {
    // The grammar requires the day and has checked it is a day number.
    let Some(day) = call.day("day") else { user_error!("Give the day: `/studybot set-day day:<day>`.") };
    if ctx.curriculum.day(day).is_none() {
        user_error!("Day {day} is not in this curriculum (days {}).", ctx.curriculum.days_label());
    }
    // Days run in sequence from the new day, so any day up to the latest posted one would repeat it.
    if let Some(latest) = ctx.slots.due_slots(now).iter().map(|s| s.day).max().filter(|m| day <= *m) {
        user_error!(
            "Day {latest} was already posted, and each day is posted once: `set-day` can only move past it. \
             Members can still `/checkpoint day:{day}`."
        );
    }
    let Some(next) = ctx.slots.next(now) else { user_error!("There is no upcoming lesson date.") };
    let date = next.date.format("%Y-%m-%d").to_string();
    let mut tx = coach.store.begin().await?;
    store::add_adjustment(&mut tx, ctx.cohort.id, AdjustmentKind::SetDay, &date, Some(day), now.timestamp())
        .await?;
    commit_audited(tx, inbound, ctx, "cohort.set-day", format!("day {day} from {date}"), now).await?;
    Ok(format!("🔢 From {date} on, lessons continue with day {day}. {}", next_post(coach, ctx, now).await?))
}

async fn holiday(
    coach: &Coach,
    inbound: &Inbound,
    ctx: &CohortCtx,
    call: &Call,
    now: DateTime<Utc>,
) -> CoachResult<String> {
    let date = call.date("date").unwrap_or_default();
    let text = date.format("%Y-%m-%d").to_string();
    // History stays as it was posted: only dates still ahead can change.
    let last_due = ctx.slots.due(now).map(|s| s.date);
    let time_passed =
        ctx.calendar.schedule.fire_time_on(date).is_some_and(|t| local_instant(ctx.tz(), date, t) <= now);
    if date < ctx.today(now) || time_passed || last_due.is_some_and(|d| date <= d) {
        user_error!(
            "{text} is not ahead of the last posted lesson; holidays can only be set for future dates."
        );
    }
    let add = call.text("action") == Some("add");
    let mut tx = coach.store.begin().await?;
    let changed = if add {
        store::add_holiday(&mut tx, ctx.cohort.id, &text).await?
    } else {
        store::remove_holiday(&mut tx, ctx.cohort.id, &text).await?
    };
    let verb = if add { "is now a holiday" } else { "is a lesson date again" };
    let state = if changed { verb.to_string() } else { "was already set that way".to_string() };
    if changed {
        commit_audited(tx, inbound, ctx, "cohort.holiday", format!("{text} {verb}"), now).await?;
    }
    Ok(format!("📅 {text} {state}. {}", next_post(coach, ctx, now).await?))
}

fn preview(ctx: &CohortCtx, call: &Call, now: DateTime<Utc>) -> CoachResult<Vec<Outgoing>> {
    let day = match call.day("day") {
        Some(day) => day,
        None => match ctx.slots.next(now) {
            Some(slot) => slot.day,
            None => user_error!("No upcoming lesson; give a day: `/studybot preview day:121`."),
        },
    };
    let Some(message) = lesson::post(&ctx.curriculum, ctx.cohort.id, day) else {
        user_error!("Day {day} is not in this curriculum.");
    };
    let note = Message::text(format!("Preview of day {day} (only you see this):"));
    Ok(vec![Outgoing::ephemeral_message(note), Outgoing::ephemeral_message(message)])
}

async fn settings(
    coach: &Coach,
    inbound: &Inbound,
    ctx: &CohortCtx,
    call: &Call,
    now: DateTime<Utc>,
) -> CoachResult<String> {
    let c = &ctx.cohort;
    // The grammar has checked every bound (Kind::Bounded).
    let grace = call.int("grace").map_or(c.grace_secs, |h| h * 3600);
    let reminder = call.int("reminder").unwrap_or(c.reminder_hours);
    let board = match call.text("leaderboard") {
        Some(text) => CronSpec::parse(text).map_err(|e| UserError(e.to_string()))?.as_str().to_string(),
        None => c.leaderboard_schedule.clone(),
    };
    let catch_up =
        call.text("catchup").and_then(CatchUp::parse).map_or(c.catch_up.clone(), |p| p.as_str().into());
    let lateness = call.int("lateness").map_or(c.max_lateness_secs, |h| h * 3600);
    let quiz = call.int("quiz").unwrap_or(c.quiz_seconds);
    let mut tx = coach.store.begin().await?;
    store::update_cohort_settings(&mut tx, c.id, grace, reminder, &board, now.timestamp()).await?;
    store::update_cohort_catch_up(&mut tx, c.id, &catch_up, lateness, now.timestamp()).await?;
    store::set_quiz_seconds(&mut tx, c.id, quiz, now.timestamp()).await?;
    let detail = format!(
        "grace {} h, reminders {reminder} h, leaderboard `{board}`, catch-up {catch_up}, lateness {} h, quiz {quiz} s",
        grace / 3600,
        lateness / 3600
    );
    commit_audited(tx, inbound, ctx, "cohort.settings", detail, now).await?;
    Ok(format!(
        "⚙️ Grace period {} h after the next lesson · reminders {reminder} h before a window closes · weekly leaderboard `{board}` ({}) · after downtime: catch-up `{catch_up}`, never more than {} h late · {} per quiz question.",
        grace / 3600,
        c.timezone,
        lateness / 3600,
        super::quiz::render::limit(quiz)
    ))
}
