//! Checkpoints from every source — ✅ reaction, Done button, `/checkpoint` — and `/join`.
//!
//! Each runs in one transaction: the event's dedupe key, the member, the checkpoint and the
//! member's summary are written together, so a replay is a no-op and a failure loses nothing.

use chrono::{DateTime, Utc};

use super::context::CohortCtx;
use super::error::CoachResult;
use super::{Call, Coach, Inbound, Outgoing, lesson, platform_of, stats};
use crate::domain::DayNumber;
use crate::store::{self, CheckpointOutcome, CheckpointSource, Member, NewCheckpoint, Tx};

pub async fn join(coach: &Coach, inbound: &Inbound, now: DateTime<Utc>) -> CoachResult<Vec<Outgoing>> {
    let ctx = CohortCtx::for_channel(coach, &inbound.channel).await?;
    let mut tx = coach.store.begin().await?;
    let member = enrol(&mut tx, &ctx, inbound, now).await?;
    stats::refresh(&mut tx, &ctx, member.id, now).await?;
    tx.commit().await?;
    let next = ctx
        .slots
        .next(now)
        .map_or(String::new(), |s| format!(" Next lesson: day {} on {}.", s.day, ctx.local(s.at)));
    Ok(vec![Outgoing::ephemeral(format!(
        "👋 Welcome to {}, {}! Check in each day with ✅, the Done button or `/checkpoint`.{next}",
        ctx.curriculum.title, inbound.actor.name
    ))])
}

pub async fn command(
    coach: &Coach,
    inbound: &Inbound,
    call: &Call,
    now: DateTime<Utc>,
) -> CoachResult<Vec<Outgoing>> {
    let ctx = CohortCtx::for_channel(coach, &inbound.channel).await?;
    let day = match call.day("day") {
        Some(day) => day,
        None => match ctx.slots.due(now) {
            Some(slot) => slot.day,
            None => user_error!("No lesson has been posted yet.{}", first_lesson(&ctx, now)),
        },
    };
    if call.flag("undo") {
        return undo(coach, &ctx, inbound, day, None, now).await;
    }
    record(coach, &ctx, inbound, day, CheckpointSource::Command, now).await
}

pub async fn reaction(
    coach: &Coach,
    inbound: &Inbound,
    message_id: &str,
    added: bool,
    now: DateTime<Utc>,
) -> CoachResult<Vec<Outgoing>> {
    let platform = platform_of(&inbound.channel)?;
    let Some(cohort) = coach.store.find_cohort_by_channel(platform, &inbound.channel.channel).await? else {
        return Ok(Vec::new());
    };
    // A ✅ on any other message is just a reaction.
    let Some(post) = find_post(coach, cohort.id, message_id).await? else {
        return Ok(Vec::new());
    };
    let ctx = CohortCtx::load(coach, cohort).await?;
    let day = post.day;
    if added {
        record(coach, &ctx, inbound, day, CheckpointSource::Reaction, now).await
    } else {
        undo(coach, &ctx, inbound, day, Some(CheckpointSource::Reaction), now).await
    }
}

/// The lesson post behind a message id. A member can react in the moment between the platform
/// accepting a post and the outbox row recording its id; while a claimed row is still waiting for
/// that, the lookup is retried for up to two seconds rather than the ✅ being taken for a reaction
/// on some other message.
async fn find_post(
    coach: &Coach,
    cohort_id: i64,
    message_id: &str,
) -> CoachResult<Option<store::LessonPost>> {
    for _ in 0..CONFIRM_RETRIES {
        if let Some(post) = coach.store.find_post_by_message(cohort_id, message_id).await? {
            return Ok(Some(post));
        }
        if coach.store.list_unconfirmed_posts(cohort_id).await?.is_empty() {
            return Ok(None);
        }
        tokio::time::sleep(CONFIRM_WAIT).await;
    }
    Ok(coach.store.find_post_by_message(cohort_id, message_id).await?)
}

const CONFIRM_RETRIES: u32 = 10;
const CONFIRM_WAIT: std::time::Duration = std::time::Duration::from_millis(200);

pub async fn button(
    coach: &Coach,
    inbound: &Inbound,
    id: &str,
    now: DateTime<Utc>,
) -> CoachResult<Vec<Outgoing>> {
    let Some((cohort_id, day)) = lesson::parse_done_button(id) else {
        user_error!("That button is no longer active.");
    };
    let ctx = CohortCtx::for_channel(coach, &inbound.channel).await?;
    if ctx.cohort.id != cohort_id {
        user_error!("That button belongs to an earlier cohort of this channel.");
    }
    record(coach, &ctx, inbound, day, CheckpointSource::Button, now).await
}

fn first_lesson(ctx: &CohortCtx, now: DateTime<Utc>) -> String {
    ctx.slots
        .next(now)
        .map_or(String::new(), |s| format!(" The first, day {}, comes on {}.", s.day, ctx.local(s.at)))
}

/// Refuses days outside the curriculum and days not yet due, with the reason.
fn check_day(ctx: &CohortCtx, day: DayNumber, now: DateTime<Utc>) -> CoachResult<crate::domain::Slot> {
    if ctx.curriculum.day(day).is_none() {
        user_error!("Day {day} is not in this curriculum (days {}).", ctx.curriculum.days_label());
    }
    match ctx.slots.slot_of(day) {
        Some(slot) if slot.at <= now => Ok(slot),
        Some(slot) => user_error!("Day {day} isn't posted yet; it's due {}.", ctx.local(slot.at)),
        None => user_error!("Day {day} is not scheduled for this cohort (it was skipped over)."),
    }
}

pub(super) async fn enrol(
    conn: &mut Tx,
    ctx: &CohortCtx,
    inbound: &Inbound,
    now: DateTime<Utc>,
) -> CoachResult<Member> {
    let platform = platform_of(&inbound.channel)?;
    let actor = &inbound.actor;
    let member = store::upsert_member(conn, platform, &actor.user_id, &actor.name, now.timestamp()).await?;
    store::add_cohort_member(conn, ctx.cohort.id, member.id, false, now.timestamp()).await?;
    Ok(member)
}

async fn record(
    coach: &Coach,
    ctx: &CohortCtx,
    inbound: &Inbound,
    day: DayNumber,
    source: CheckpointSource,
    now: DateTime<Utc>,
) -> CoachResult<Vec<Outgoing>> {
    let slot = check_day(ctx, day, now)?;
    let closes_at = ctx.closes_at(&slot);
    let mut tx = coach.store.begin().await?;
    if !store::mark_event_processed(&mut tx, &inbound.dedupe_key, "checkpoint", now.timestamp()).await? {
        return Ok(Vec::new());
    }
    let member = enrol(&mut tx, ctx, inbound, now).await?;
    let new = NewCheckpoint {
        cohort_id: ctx.cohort.id,
        member_id: member.id,
        day,
        source,
        checked_at: now.timestamp(),
        on_time: closes_at.is_none_or(|c| now < c),
        dedupe_key: Some(inbound.dedupe_key.clone()),
    };
    if let CheckpointOutcome::AlreadyChecked(existing) = store::record_checkpoint(&mut tx, &new).await? {
        tx.commit().await?;
        let when = ctx.local(super::context::instant(existing.checked_at));
        return Ok(vec![Outgoing::ephemeral(format!("Day {day} was already checked ({when}).",))]);
    }
    let (stats, _) = stats::refresh(&mut tx, ctx, member.id, now).await?;
    tx.commit().await?;
    let timing = if new.on_time {
        "on time".to_string()
    } else {
        let closed = closes_at.map(|c| ctx.local(c)).unwrap_or_default();
        format!("late (its window closed {closed}), so it counts for completion but not for your streak")
    };
    Ok(vec![Outgoing::ephemeral(format!(
        "✅ Day {day} done — {timing}. 🔥 Streak: {} (best {}) · {} points.",
        stats.current_streak, stats.best_streak, stats.points
    ))])
}

/// Undoes a checkpoint; `only` limits it to one source (removing ✅ undoes only a reaction's).
async fn undo(
    coach: &Coach,
    ctx: &CohortCtx,
    inbound: &Inbound,
    day: DayNumber,
    only: Option<CheckpointSource>,
    now: DateTime<Utc>,
) -> CoachResult<Vec<Outgoing>> {
    let platform = platform_of(&inbound.channel)?;
    let mut tx = coach.store.begin().await?;
    if !store::mark_event_processed(&mut tx, &inbound.dedupe_key, "undo", now.timestamp()).await? {
        return Ok(Vec::new());
    }
    let member = store::find_member(&mut tx, platform, &inbound.actor.user_id).await?;
    let existing = match &member {
        Some(m) => store::get_checkpoint(&mut tx, ctx.cohort.id, m.id, day).await?,
        None => None,
    };
    let (Some(member), Some(existing)) = (member, existing) else {
        tx.commit().await?;
        return Ok(if only.is_some() {
            Vec::new()
        } else {
            vec![Outgoing::ephemeral(format!("You have no checkpoint for day {day}."))]
        });
    };
    if only.is_some_and(|s| s != existing.source) {
        tx.commit().await?;
        return Ok(Vec::new());
    }
    store::undo_checkpoint(&mut tx, ctx.cohort.id, member.id, day, existing.source).await?;
    let (stats, _) = stats::refresh(&mut tx, ctx, member.id, now).await?;
    tx.commit().await?;
    Ok(vec![Outgoing::ephemeral(format!(
        "↩️ Day {day} is no longer checked. 🔥 Streak: {} (best {}).",
        stats.current_streak, stats.best_streak
    ))])
}
