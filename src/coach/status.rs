//! `/studybot status`: the cohort's curriculum, state and schedule; what became of its lesson posts (posted, pending, failed and why, abandoned); members and completion — and the cohort grid as a picture.
//!
//! ```text
//! 📋 `days_121_150_lakehouse_architecture` — Lakehouse Architecture (version `3f2a9c1d`, cohort 7)
//! State: active · schedule `0 9 * * *` (UTC) · started 2026-12-01
//! Posted: 3 of 30 days · pending: 1 · failed: 1 · abandoned: 0
//! Failed: day 122 (Discord answered 403: Missing Access (code 50001))
//! Pending: day 124 (re-opened by `/studybot resume`, going out now)
//! Members: 4 · completion: 50% (8 checkpoints of 16 possible)
//! Next post: day 125 on Sat 5 Dec 09:00 UTC.
//! ```

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use super::admin::next_post;
use super::context::{CohortCtx, instant};
use super::error::CoachResult;
use super::export::Record;
use super::message::{Block, Message, Outgoing};
use super::{Coach, charts, plural};
use crate::domain::DayNumber;
use crate::store::{LessonPost, PostState};

/// The status as text, with the cohort grid (members × days) as pictures; the counts and the grid
/// come from one read of the cohort's record.
pub(super) async fn command(
    coach: &Coach,
    ctx: &CohortCtx,
    now: DateTime<Utc>,
) -> CoachResult<Vec<Outgoing>> {
    let record = super::export::record(coach, ctx, now).await?;
    let text = run(coach, ctx, &record, now).await?;
    let mut message = Message::text(text);
    if !record.lines.is_empty() {
        for page in charts::grid(ctx, &record).await {
            message = message.with(Block::File(page));
        }
    }
    Ok(vec![Outgoing::ephemeral_message(message)])
}

async fn run(coach: &Coach, ctx: &CohortCtx, record: &Record, now: DateTime<Utc>) -> CoachResult<String> {
    let (members, checks) = (record.lines.len(), record.checkpoints);
    let due = ctx.slots.due_slots(now);
    let posts = coach.store.list_posts(ctx.cohort.id).await?;
    let possible = members * due.len();
    let rate = if possible == 0 { 0.0 } else { 100.0 * checks as f64 / possible as f64 };
    let c = &ctx.cohort;
    let cycle =
        if c.cycle_no > 1 { format!(" · cycle {} of this channel", c.cycle_no) } else { String::new() };
    let (forgotten, their_checks) = coach.store.cohort_deletions(c.id).await?;
    let deleted = if forgotten > 0 {
        format!(
            "\nDeleted on request: the data of {} ({}), not counted above.",
            plural(u64::try_from(forgotten).unwrap_or(0), "member", "members"),
            plural(u64::try_from(their_checks).unwrap_or(0), "check-in", "check-ins")
        )
    } else {
        String::new()
    };
    let next = match coach.store.get_queued_cycle(c.id).await? {
        Some(queued) => format!("\n⏭ Queued next: `{}` (`/studybot next` shows it).", queued.curriculum_id),
        None => String::new(),
    };
    Ok(format!(
        "📋 `{}` — {} (version `{}`, cohort {}){cycle}\nState: {}{} · schedule `{}` ({}) · started {}\n{}Members: {} · completion: \
         {rate:.0}% ({} checkpoints of {possible} possible){deleted}\n{}{next}",
        c.curriculum_id,
        ctx.curriculum.title,
        ctx.version.short(),
        c.id,
        c.state.as_str(),
        c.flag_reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default(),
        c.schedule,
        c.timezone,
        c.start_date,
        posts_summary(ctx, &posts, due.iter().map(|s| s.day), now),
        members,
        checks,
        next_post(coach, ctx, now).await?,
    ))
}

/// The outbox's record, one line of counts and a line per failed or pending post. Only a post
/// the platform confirmed counts as posted. Due days without any post (left out by the catch-up
/// policy after downtime) are counted as `missed` when there are any.
fn posts_summary(
    ctx: &CohortCtx,
    posts: &[LessonPost],
    due_days: impl Iterator<Item = DayNumber>,
    now: DateTime<Utc>,
) -> String {
    let with = |state| posts.iter().filter(move |p| p.state == state);
    let (failed, pending): (Vec<_>, Vec<_>) =
        (with(PostState::Failed).collect(), with(PostState::Claimed).collect());
    let recorded: BTreeSet<DayNumber> = posts.iter().map(|p| p.day).collect();
    let missed = due_days.filter(|d| !recorded.contains(d)).count();
    let mut out = format!(
        "Posted: {} of {} days · pending: {} · failed: {} · abandoned: {}{}\n",
        with(PostState::Sent).count(),
        ctx.total_days(),
        pending.len(),
        failed.len(),
        with(PostState::Abandoned).count(),
        if missed > 0 { format!(" · missed after downtime: {missed}") } else { String::new() },
    );
    for post in failed {
        let reason = post.last_error.as_deref().unwrap_or("no reason recorded");
        out.push_str(&format!("Failed: day {} ({reason})\n", post.day));
    }
    for post in pending {
        out.push_str(&format!("Pending: day {} ({})\n", post.day, pending_why(ctx, post, now)));
    }
    out
}

/// Why a claimed post is not confirmed yet.
fn pending_why(ctx: &CohortCtx, post: &LessonPost, now: DateTime<Utc>) -> String {
    let error = post.last_error.as_deref().unwrap_or("a temporary failure");
    match (post.retry_at, post.reopened_at) {
        (Some(at), _) if at > now.timestamp() => format!("retry at {} after {error}", ctx.local(instant(at))),
        (_, Some(_)) => "re-opened by `/studybot resume`, going out now".to_string(),
        _ => "being sent".to_string(),
    }
}
