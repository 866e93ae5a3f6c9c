//! Checkpoints from every source — ✅ reaction, Done button, `/checkpoint` — and `/join`.
//!
//! Each runs in one transaction: the event's dedupe key, the member, the checkpoint and the
//! member's summary are written together, so a replay is a no-op and a failure loses nothing.

use std::sync::{Arc, PoisonError};

use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;

use super::checkins::{CheckIn, Recorded};
use super::context::CohortCtx;
use super::contexts::Contexts;
use super::error::{CoachError, CoachResult};
use super::stats::Quizzes;
use super::{Call, Coach, Handled, Inbound, Outgoing, lesson, platform_of, stats};
use crate::domain::DayNumber;
use crate::store::{self, CheckpointSource, Member, MemberStats, Tx};

pub async fn join(coach: &Coach, inbound: &Inbound, now: DateTime<Utc>) -> CoachResult<Vec<Outgoing>> {
    let ctx = CohortCtx::for_channel(coach, &inbound.channel).await?;
    let (shared, member) = (Arc::clone(&ctx), inbound.clone());
    coach
        .writer()
        .write(write_key(&ctx, inbound), move |tx: &mut Tx| -> BoxFuture<'_, CoachResult<()>> {
            Box::pin(async move {
                let member = enrol(tx, &shared, &member, now).await?;
                // Back after `/leave`: reminders and direct messages may come again.
                store::set_left(tx, shared.cohort.id, member.id, false, now.timestamp()).await?;
                stats::refresh(tx, &shared, member.id, now).await?;
                Ok(())
            })
        })
        .await?;
    let next = ctx
        .slots
        .next(now)
        .map_or(String::new(), |s| format!(" Next lesson: day {} on {}.", s.day, ctx.local(s.at)));
    // A platform that could not say who the member is gives no name (the store keeps the one it has).
    let name = &inbound.actor.name;
    let whom = if name.is_empty() { String::new() } else { format!(", {name}") };
    Ok(vec![Outgoing::ephemeral(format!(
        "👋 Welcome to {}{whom}! Check in each day with ✅, the Done button or `/checkpoint`.{next}",
        ctx.curriculum.title
    ))])
}

pub async fn command(
    coach: &Coach,
    inbound: &Inbound,
    call: &Call,
    now: DateTime<Utc>,
) -> CoachResult<Handled> {
    if call.flag("undo") {
        let ctx = CohortCtx::for_channel(coach, &inbound.channel).await?;
        let day = command_day(call, &ctx, now)?;
        return undo(coach, &ctx, inbound, day, None, now).await;
    }
    check_in(coach, inbound, &Made::Command(call), now).await
}

/// The day a `/checkpoint` is for: the one it names, or else the latest lesson due.
fn command_day(call: &Call, ctx: &CohortCtx, now: DateTime<Utc>) -> CoachResult<DayNumber> {
    if let Some(day) = call.day("day") {
        return Ok(day);
    }
    match ctx.slots.due(now) {
        Some(slot) => Ok(slot.day),
        None => user_error!("No lesson has been posted yet.{}", first_lesson(ctx, now)),
    }
}

pub async fn reaction(
    coach: &Coach,
    inbound: &Inbound,
    message_id: &str,
    added: bool,
    now: DateTime<Utc>,
) -> CoachResult<Handled> {
    let quiet = || Handled::Replies(Vec::new());
    if added {
        return match check_in(coach, inbound, &Made::Reaction(message_id), now).await {
            // A ✅ in a channel without a cohort is just a reaction.
            Err(CoachError::NoCohort) => Ok(quiet()),
            other => other,
        };
    }
    let Some(ctx) = Contexts::get(coach, &inbound.channel).await? else { return Ok(quiet()) };
    let Some(day) = post_day(coach, &ctx, message_id).await? else { return Ok(quiet()) };
    undo(coach, &ctx, inbound, day, Some(CheckpointSource::Reaction), now).await
}

pub async fn button(coach: &Coach, inbound: &Inbound, id: &str, now: DateTime<Utc>) -> CoachResult<Handled> {
    let Some((cohort_id, day)) = lesson::parse_done_button(id) else {
        user_error!("That button is no longer active.");
    };
    check_in(coach, inbound, &Made::Button(cohort_id, day), now).await
}

/// What a check-in is made with.
enum Made<'a> {
    Command(&'a Call),
    /// A ✅ on the message with this id.
    Reaction(&'a str),
    /// The Done button of this cohort's post for the day.
    Button(i64, DayNumber),
}

/// Makes a check-in on the channel's cohort context: first on the one cached for the channel,
/// taken without asking the store whether it is current — the batch that writes the check-in
/// checks the cohort's change stamp in its own transaction, which saves the read of the stamp
/// each event made first — then on a context read now, when the batch found the cohort changed
/// since, or when the check-in was refused (a stale calendar can refuse a day that is due).
async fn check_in(
    coach: &Coach,
    inbound: &Inbound,
    made: &Made<'_>,
    now: DateTime<Utc>,
) -> CoachResult<Handled> {
    if let Some((stamp, ctx)) = coach.contexts.cached(&inbound.channel) {
        match check_in_on(coach, &ctx, Some(stamp), inbound, made, now).await {
            Ok(Some(handled)) => return Ok(handled),
            Ok(None) | Err(CoachError::User(_)) => {}
            Err(e) => return Err(e),
        }
    }
    let ctx = CohortCtx::for_channel(coach, &inbound.channel).await?;
    check_in_on(coach, &ctx, None, inbound, made, now).await?.ok_or_else(|| {
        CoachError::Other(anyhow::anyhow!("a check-in on a context read for it was answered as stale"))
    })
}

/// [`check_in`] on `ctx`, cached under stamp `cached_at` (`None`: read for this event); `None`
/// when a cached context may be stale.
async fn check_in_on(
    coach: &Coach,
    ctx: &Arc<CohortCtx>,
    cached_at: Option<i64>,
    inbound: &Inbound,
    made: &Made<'_>,
    now: DateTime<Utc>,
) -> CoachResult<Option<Handled>> {
    let (day, source) = match *made {
        Made::Command(call) => (command_day(call, ctx, now)?, CheckpointSource::Command),
        Made::Reaction(message_id) => match post_day(coach, ctx, message_id).await? {
            Some(day) => (day, CheckpointSource::Reaction),
            // A ✅ on any other message is just a reaction; but the message may be a post of a
            // cohort bound to the channel since the context was cached: unless it is current,
            // made again on a fresh one.
            None if cached_at.is_some() => {
                let current = Contexts::get(coach, &inbound.channel).await?;
                let quiet = current.is_some_and(|current| Arc::ptr_eq(&current, ctx));
                return Ok(quiet.then(|| Handled::Replies(Vec::new())));
            }
            None => return Ok(Some(Handled::Replies(Vec::new()))),
        },
        Made::Button(cohort_id, day) => {
            if ctx.cohort.id != cohort_id {
                user_error!("That button belongs to an earlier cohort of this channel.");
            }
            (day, CheckpointSource::Button)
        }
    };
    record(coach, ctx, cached_at, inbound, day, source, now).await
}

/// The day of the cohort's lesson post behind a message id, read once per context: a burst of ✅
/// on one post reads it for the first only. A message that is no post is not remembered.
async fn post_day(coach: &Coach, ctx: &CohortCtx, message_id: &str) -> CoachResult<Option<DayNumber>> {
    if let Some(&day) = ctx.posted.lock().unwrap_or_else(PoisonError::into_inner).get(message_id) {
        return Ok(Some(day));
    }
    let Some(post) = find_post(coach, ctx.cohort.id, message_id).await? else { return Ok(None) };
    let mut posted = ctx.posted.lock().unwrap_or_else(PoisonError::into_inner);
    // A cohort has a post a day; this bounds a map that outlives many cycles.
    if posted.len() >= MAX_POSTS_REMEMBERED {
        posted.clear();
    }
    posted.insert(message_id.to_string(), post.day);
    Ok(Some(post.day))
}

const MAX_POSTS_REMEMBERED: usize = 1024;

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
    let (cohort, at) = (ctx.cohort.id, now.timestamp());
    Ok(store::enrol_member(conn, cohort, platform, &actor.user_id, &actor.name, at).await?)
}

/// The member a write is about, in its cohort: the order of writes within a batch.
fn write_key(ctx: &CohortCtx, inbound: &Inbound) -> String {
    format!("{}:{}", ctx.cohort.id, inbound.actor.user_id)
}

/// Records a check-in for `day`; `None` when it was made on a cached context (`cached_at`, the
/// stamp it was cached under) whose cohort changed since: nothing was written.
async fn record(
    coach: &Coach,
    ctx: &Arc<CohortCtx>,
    cached_at: Option<i64>,
    inbound: &Inbound,
    day: DayNumber,
    source: CheckpointSource,
    now: DateTime<Utc>,
) -> CoachResult<Option<Handled>> {
    let slot = check_day(ctx, day, now)?;
    let closes_at = ctx.closes_at(&slot);
    let on_time = closes_at.is_none_or(|c| now < c);
    let item = CheckIn {
        ctx: Arc::clone(ctx),
        platform: platform_of(&inbound.channel)?,
        user_id: inbound.actor.user_id.clone(),
        name: inbound.actor.name.clone(),
        dedupe_key: inbound.dedupe_key.clone(),
        day,
        source,
        on_time,
        now,
        cached_at,
    };
    let recorded = coach.writer().check_in(write_key(ctx, inbound), item).await?;
    let stats = match recorded {
        Recorded::Stale => return Ok(None),
        Recorded::Replay => return Ok(Some(Handled::Replay)),
        Recorded::Already(checked_at) => {
            let when = ctx.local(super::context::instant(checked_at));
            let already = Outgoing::ephemeral(format!("Day {day} was already checked ({when})."));
            return Ok(Some(vec![already].into()));
        }
        Recorded::New(stats) => stats,
    };
    crate::ops::metrics::checkin(&inbound.channel.platform, source.as_str());
    let timing = if on_time {
        "on time".to_string()
    } else {
        let closed = closes_at.map(|c| ctx.local(c)).unwrap_or_default();
        format!("late (its window closed {closed}), so it counts for completion but not for your streak")
    };
    Ok(Some(
        vec![Outgoing::ephemeral(format!(
            "✅ Day {day} done — {timing}. 🔥 Streak: {} (best {}) · {} points.",
            stats.current_streak, stats.best_streak, stats.points
        ))]
        .into(),
    ))
}

/// What an undo wrote.
enum Undone {
    /// The event was handled before (a redelivery).
    Replay,
    /// A checkpoint of another source than the one asked for, or none: nothing to say.
    Quiet,
    /// The member has no checkpoint for the day.
    Missing,
    Done(MemberStats),
}

/// Undoes a checkpoint; `only` limits it to one source (removing ✅ undoes only a reaction's).
async fn undo(
    coach: &Coach,
    ctx: &Arc<CohortCtx>,
    inbound: &Inbound,
    day: DayNumber,
    only: Option<CheckpointSource>,
    now: DateTime<Utc>,
) -> CoachResult<Handled> {
    let platform = platform_of(&inbound.channel)?;
    let (shared, event) = (Arc::clone(ctx), inbound.clone());
    let undone = coach
        .writer()
        .write(write_key(ctx, inbound), move |tx: &mut Tx| -> BoxFuture<'_, CoachResult<Undone>> {
            Box::pin(async move {
                if !store::mark_event_processed(tx, &event.dedupe_key, "undo", now.timestamp()).await? {
                    return Ok(Undone::Replay);
                }
                let member = store::find_member(tx, platform, &event.actor.user_id).await?;
                let existing = match &member {
                    Some(m) => store::get_checkpoint(tx, shared.cohort.id, m.id, day).await?,
                    None => None,
                };
                let (Some(member), Some(existing)) = (member, existing) else {
                    return Ok(if only.is_some() { Undone::Quiet } else { Undone::Missing });
                };
                if only.is_some_and(|s| s != existing.source) {
                    return Ok(Undone::Quiet);
                }
                store::undo_checkpoint(tx, shared.cohort.id, member.id, day, existing.source).await?;
                let (stats, _) = stats::refresh_with(tx, &shared, member.id, Quizzes::Unchanged, now).await?;
                Ok(Undone::Done(stats))
            })
        })
        .await?;
    let replies = match undone {
        Undone::Replay => return Ok(Handled::Replay),
        Undone::Quiet => Vec::new(),
        Undone::Missing => vec![Outgoing::ephemeral(format!("You have no checkpoint for day {day}."))],
        Undone::Done(stats) => vec![Outgoing::ephemeral(format!(
            "↩️ Day {day} is no longer checked. 🔥 Streak: {} (best {}).",
            stats.current_streak, stats.best_streak
        ))],
    };
    Ok(Handled::Replies(replies))
}
