//! Settling lesson windows that closed (streaks, freezes) and completing a cohort: each job is
//! claimed and done in one transaction, so a failure after the claim cannot skip its work, and
//! what it tells members goes out only after the commit.

use chrono::{DateTime, Utc};

use super::context::CohortCtx;
use super::cycles::{self, NextCycle};
use super::error::CoachResult;
use super::leaderboard::{By, board_message};
use super::tick::{LOOKBACK, channel, direct};
use super::{Coach, Message, Outgoing, stats};
use crate::domain::Slot;
use crate::store::{self, NewAudit, Tx};

/// Settles every window that closed within the lookback: the jobs `close:<cohort>:<day>` are
/// claimed, and every member's summary refreshed, in one transaction.
pub(super) async fn close_windows(
    coach: &Coach,
    ctx: &CohortCtx,
    now: DateTime<Utc>,
    out: &mut Vec<Outgoing>,
) -> CoachResult<()> {
    let closed: Vec<(Slot, DateTime<Utc>)> = ctx
        .slots
        .due_slots(now)
        .into_iter()
        .filter_map(|s| Some((s, ctx.closes_at(&s)?)))
        .filter(|(_, close)| *close <= now && *close > now - LOOKBACK)
        .collect();
    if closed.is_empty() {
        return Ok(());
    }
    let mut tx = coach.store.begin().await?;
    let mut settle = false;
    for (slot, close) in &closed {
        let job = format!("close:{}:{}", ctx.cohort.id, slot.day);
        settle |= store::claim_job(&mut tx, &job, close.timestamp(), now.timestamp()).await?;
    }
    if !settle {
        return Ok(()); // dropped: rolled back, nothing was written
    }
    let notices = refresh_all(&mut tx, ctx, now).await?;
    tx.commit().await?;
    out.extend(notices);
    Ok(())
}

/// After the last lesson's window closes: the job `complete:<cohort>`, every member's final
/// summary and the cohort's completion in one transaction; then the congratulations with the
/// final board. `true` when this call completed the cohort.
pub(super) async fn complete(
    coach: &Coach,
    ctx: &CohortCtx,
    now: DateTime<Utc>,
    out: &mut Vec<Outgoing>,
) -> CoachResult<bool> {
    // The calendar runs over the cohort's own version, so a file that shrank cannot end it;
    // a version without days (never stored, but) is not an end either.
    if ctx.curriculum.days().next().is_none() || !ctx.slots.is_complete(now) {
        return Ok(false);
    }
    let Some(last) = ctx.slots.due(now) else { return Ok(false) };
    let Some(close) = ctx.closes_at(&last).filter(|c| *c <= now) else { return Ok(false) };
    // A post still claimed (waiting for a retry, or for an older leader's send to end) is
    // settled first: a completed cohort is never ticked again.
    if !coach.store.list_unconfirmed_posts(ctx.cohort.id).await?.is_empty() {
        return Ok(false);
    }
    end_cycle(coach, ctx, close, Ending::Completed, now, out).await
}

/// How a cycle ends.
pub(super) enum Ending {
    /// Its last lesson's window closed.
    Completed,
    /// An admin finished it early (`/studybot finish`), by name, with the act's audit entry.
    Finished { by: String, audit: Box<NewAudit> },
}

/// Ends the cycle at `now`: the job `complete:<cohort>` (at `due`), every member's final summary,
/// the completion and, when a cycle is queued after it, the beginning of that cycle, all in one
/// transaction — a crash cannot leave a completed cycle whose successor never begins. Then the
/// final board goes to the channel, naming the next cycle. `true` when this call ended it.
pub(super) async fn end_cycle(
    coach: &Coach,
    ctx: &CohortCtx,
    due: DateTime<Utc>,
    ending: Ending,
    now: DateTime<Utc>,
    out: &mut Vec<Outgoing>,
) -> CoachResult<bool> {
    let queued = coach.store.get_queued_cycle(ctx.cohort.id).await?;
    let next = match &queued {
        Some(queued) => Some(NextCycle::queued(coach, queued, now).await?),
        None => None,
    };
    let mut tx = coach.store.begin().await?;
    let job = format!("complete:{}", ctx.cohort.id);
    if !store::claim_job(&mut tx, &job, due.timestamp(), now.timestamp()).await? {
        return Ok(false);
    }
    let notices = refresh_all(&mut tx, ctx, now).await?;
    if !store::complete_cohort(&mut tx, ctx.cohort.id, now.timestamp()).await? {
        return Ok(false); // dropped: rolled back, it was completed already
    }
    if let Ending::Finished { audit, .. } = &ending {
        store::record_audit(&mut tx, audit).await?;
    }
    let begun = match &next {
        // Still queued inside the transaction: not cancelled in the meantime.
        Some(next) if store::get_queued_cycle(&mut tx, ctx.cohort.id).await?.is_some() => {
            Some(cycles::begin(&mut tx, ctx, now, next, now).await?)
        }
        _ => None,
    };
    tx.commit().await?;
    out.extend(notices);
    let board = board_message(coach, ctx, By::Points, false, None, now).await?;
    let title = &ctx.curriculum.title;
    let mut text = match ending {
        Ending::Completed => {
            format!(
                "🎓 That's the whole of **{title}** — congratulations, everyone! Here is the final leaderboard."
            )
        }
        Ending::Finished { by, .. } => {
            let after = ctx.slots.due(now).map_or(String::new(), |s| format!(" after day {}", s.day));
            format!("🏁 {by} finished **{title}**{after}. Here is its final leaderboard.")
        }
    };
    match (&next, &begun) {
        (Some(next), Some(begun)) => {
            text.push_str(&format!(
                "\n⏭ Next: {}. {}",
                next.describe(),
                cycles::carried_line(&ctx.cohort, begun)
            ));
        }
        _ => {
            text.push_str("\nAn admin starts the next cycle here with `/studybot setup` or `/studybot next`.")
        }
    }
    let mut message = Message::text(text);
    message.blocks.extend(board.blocks);
    out.push(Outgoing::channel(&channel(ctx), message));
    Ok(true)
}

/// Refreshes every member's summary inside `conn`'s transaction and returns the freeze notices
/// (each told once) to send after it commits. Set-based ([`stats::refresh_members`]): a few
/// statements per chunk of members, so a large cohort's window close holds the write lock for
/// milliseconds, not one round of statements per member.
async fn refresh_all(conn: &mut Tx, ctx: &CohortCtx, now: DateTime<Utc>) -> CoachResult<Vec<Outgoing>> {
    store::batch::begin_recount(conn, ctx.cohort.id).await?;
    let profiles = store::list_cohort_member_profiles(conn, ctx.cohort.id).await?;
    let mut notices = Vec::new();
    for chunk in profiles.chunks(stats::REFRESH_CHUNK) {
        let ids: Vec<i64> = chunk.iter().map(|(membership, _)| membership.member_id).collect();
        let refreshed = stats::refresh_members(conn, ctx, &ids, now).await?;
        // A member who left (`/leave`) gets no direct messages.
        let freezes: Vec<(i64, String)> = chunk
            .iter()
            .zip(&refreshed)
            .filter(|((membership, _), _)| !membership.left)
            .flat_map(|((_, member), (_, summary))| {
                summary.freezes_used.iter().map(|day| (member.id, day.to_string()))
            })
            .collect();
        let first =
            store::batch::notices_once(conn, ctx.cohort.id, "freeze_used", &freezes, now.timestamp()).await?;
        for ((membership, member), (stats, summary)) in chunk.iter().zip(&refreshed) {
            if membership.left {
                continue;
            }
            for day in &summary.freezes_used {
                if first.contains(&(member.id, day.to_string())) {
                    let text = format!(
                        "❄️ A streak freeze covered day {day} in {} — your {}-day streak is safe. Freezes left: {}.",
                        ctx.curriculum.title, stats.current_streak, stats.freezes_held
                    );
                    notices.push(direct(member, text));
                }
            }
        }
    }
    Ok(notices)
}
