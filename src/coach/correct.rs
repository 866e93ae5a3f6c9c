//! `/studybot correct`: an admin fixes one member's day in the current cycle — done, late,
//! excused or clear — with a reason; the change, the member's recomputed stats and the audit
//! entry commit in one transaction.
//!
//! ```text
//! /studybot correct member:bob day:122 status:excused reason:was ill
//! ✏️ bob, day 122: missed → excused (was ill). Streak 3 (best 3) · 30 points.
//! ```

use chrono::{DateTime, Utc};

use super::context::CohortCtx;
use super::error::CoachResult;
use super::stats::{self, Quizzes};
use super::{Call, Coach, Inbound, audit, progress};
use crate::domain::{DayNumber, Lesson, on_time};
use crate::store::{self, CheckpointSource, Member, NewCheckpoint, Tx};

/// What the day becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    /// An on-time checkpoint, dated at the lesson's post.
    Done,
    /// A late checkpoint, dated when the window closed.
    Late,
    /// No checkpoint; the streak holds over the day (`domain/streak.rs`).
    Excused,
    /// No checkpoint and no excuse: the day is as if nothing happened.
    Clear,
}

impl Status {
    fn parse(text: &str) -> Option<Status> {
        match text {
            "done" => Some(Status::Done),
            "late" => Some(Status::Late),
            "excused" => Some(Status::Excused),
            "clear" => Some(Status::Clear),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Status::Done => "done",
            Status::Late => "late",
            Status::Excused => "excused",
            Status::Clear => "clear",
        }
    }
}

pub(super) async fn run(
    coach: &Coach,
    inbound: &Inbound,
    ctx: &CohortCtx,
    call: &Call,
    now: DateTime<Utc>,
) -> CoachResult<String> {
    // The grammar requires all four and has checked the day and the choice.
    let usage = call.usage();
    let (Some(who), Some(day), Some(status)) =
        (call.text("member"), call.day("day"), call.text("status").and_then(Status::parse))
    else {
        user_error!("Usage: `{usage}`");
    };
    let Some(reason) = call.text("reason").map(str::trim).filter(|r| !r.is_empty()) else {
        user_error!("Say why with `reason:`; it goes into the audit log. Usage: `{usage}`");
    };
    if ctx.curriculum.day(day).is_none() {
        user_error!("Day {day} is not in this curriculum (days {}).", ctx.curriculum.days_label());
    }
    let Some(lesson) = ctx.lessons(now).into_iter().find(|l| l.day == day) else {
        user_error!("Day {day} has not been posted yet; only posted days can be corrected.");
    };
    let member = progress::lookup(coach, ctx, inbound, who).await?;
    let checked_at = check_time(ctx, &lesson, status, now)?;
    let mut tx = coach.store.begin().await?;
    if store::get_cohort_member(&mut tx, ctx.cohort.id, member.id).await?.is_none() {
        user_error!("{} is not a member of this cycle.", member.display_name);
    }
    let before = state(&mut tx, ctx, &member, &lesson, now).await?;
    store::delete_checkpoint(&mut tx, ctx.cohort.id, member.id, day).await?;
    store::unexcuse_day(&mut tx, ctx.cohort.id, member.id, day).await?;
    if let Some(at) = checked_at {
        let new = NewCheckpoint {
            cohort_id: ctx.cohort.id,
            member_id: member.id,
            day,
            source: CheckpointSource::Admin,
            checked_at: at.timestamp(),
            on_time: status == Status::Done,
            dedupe_key: None,
        };
        store::record_checkpoint(&mut tx, &new).await?;
    }
    if status == Status::Excused {
        store::excuse_day(&mut tx, ctx.cohort.id, member.id, day, now.timestamp()).await?;
    }
    let (stats, _) = stats::refresh_with(&mut tx, ctx, member.id, Quizzes::Unchanged, now).await?;
    let detail = format!("{} day {day}: {before} → {}", member.display_name, status.as_str());
    let entry = store::NewAudit {
        reason: reason.to_string(),
        member: member.user_id.clone(),
        ..audit::entry(inbound, ctx.cohort.id, "member.correct", detail, now)
    };
    store::record_audit(&mut tx, &entry).await?;
    tx.commit().await?;
    if checked_at.is_some() {
        crate::ops::metrics::checkin(&inbound.channel.platform, "admin");
    }
    tracing::info!(cohort = ctx.cohort.id, member = member.id, %day, status = status.as_str(), "day corrected");
    Ok(format!(
        "✏️ {}, day {day}: {before} → {} ({reason}). Streak {} (best {}) · {} points.",
        member.display_name,
        status.as_str(),
        stats.current_streak,
        stats.best_streak,
        stats.points
    ))
}

/// When the corrected day's checkpoint is dated, if it gets one: `done` at the lesson's post
/// (inside its window, so on time by the streak rules), `late` when its window closed — refused
/// while the window is open, as a check now would be on time.
fn check_time(
    ctx: &CohortCtx,
    lesson: &Lesson,
    status: Status,
    now: DateTime<Utc>,
) -> CoachResult<Option<DateTime<Utc>>> {
    Ok(match status {
        Status::Done => Some(lesson.posted_at),
        Status::Late => match lesson.closes_at {
            Some(closes) if closes <= now => Some(closes),
            Some(closes) => user_error!(
                "Day {}'s window is open until {}; a check now is on time: use `status:done`.",
                lesson.day,
                ctx.local(closes)
            ),
            None => user_error!("Day {}'s window is still open; use `status:done`.", lesson.day),
        },
        Status::Excused | Status::Clear => None,
    })
}

/// The day as it stands for the member: done, late, excused, missed or open.
async fn state(
    tx: &mut Tx,
    ctx: &CohortCtx,
    member: &Member,
    lesson: &Lesson,
    now: DateTime<Utc>,
) -> CoachResult<&'static str> {
    let day: DayNumber = lesson.day;
    if let Some(check) = store::get_checkpoint(tx, ctx.cohort.id, member.id, day).await? {
        let at = super::context::instant(check.checked_at);
        return Ok(if on_time(lesson, at) { "done" } else { "late" });
    }
    if store::list_excused_days(tx, ctx.cohort.id, member.id).await?.contains(&day) {
        return Ok("excused");
    }
    Ok(if lesson.closes_at.is_some_and(|c| c <= now) { "missed" } else { "open" })
}
