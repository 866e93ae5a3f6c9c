//! `/studybot finish` (end the cycle now, confirmed by a button) and `/studybot next` (queue the
//! cycle that follows this one, show it, or cancel it).

use chrono::{DateTime, Utc};

use super::commands::CycleOp;
use super::context::CohortCtx;
use super::cycles::{NextCycle, next_lesson_date};
use super::error::CoachResult;
use super::settle::{Ending, end_cycle};
use super::setup::{Chosen, choose};
use super::{Block, Button, Call, Coach, Inbound, Message, Outgoing, audit};
use crate::store::{self, CohortState, QueuedCycle};

const FINISH: &str = "finish:";

pub async fn run(
    coach: &Coach,
    inbound: &Inbound,
    op: CycleOp,
    call: &Call,
    now: DateTime<Utc>,
) -> CoachResult<Vec<Outgoing>> {
    let ctx = CohortCtx::for_channel(coach, &inbound.channel).await?;
    match op {
        CycleOp::Finish => finish(&ctx, now),
        CycleOp::Next => next(coach, inbound, &ctx, call, now).await,
    }
}

fn finish(ctx: &CohortCtx, now: DateTime<Utc>) -> CoachResult<Vec<Outgoing>> {
    if ctx.cohort.state == CohortState::Completed {
        user_error!(
            "**{}** has already ended. `/studybot setup` or `/studybot next` starts the next cycle.",
            ctx.curriculum.title
        );
    }
    let posted = ctx.slots.due_slots(now).len();
    let text = format!(
        "Finish **{}** now? {posted} of {} lessons have been posted; no more will be. Every member's \
         streak and points are settled and the final leaderboard is posted. The cycle stays \
         viewable with `/progress cycle:{}`.",
        ctx.curriculum.title,
        ctx.total_days(),
        ctx.cohort.cycle_no
    );
    let button = Button { id: format!("{FINISH}{}", ctx.cohort.id), label: "Finish the cycle".into() };
    let message = Message::text(text).with(Block::Buttons(vec![button]));
    Ok(vec![Outgoing::ephemeral_message(message)])
}

/// Whether a button id is the confirmation of `/studybot finish`.
pub fn is_finish_button(id: &str) -> bool {
    id.starts_with(FINISH)
}

/// The confirmation: ends the cycle (and begins the queued one), unless it changed meanwhile.
pub async fn finish_button(
    coach: &Coach,
    inbound: &Inbound,
    id: &str,
    now: DateTime<Utc>,
) -> CoachResult<Vec<Outgoing>> {
    if !inbound.actor.is_admin {
        user_error!("Sorry, finishing a cycle is for the cohort's admins.");
    }
    let ctx = CohortCtx::for_channel(coach, &inbound.channel).await?;
    let cohort = id.strip_prefix(FINISH).and_then(|n| n.parse::<i64>().ok());
    if cohort != Some(ctx.cohort.id) || ctx.cohort.state == CohortState::Completed {
        user_error!("That cycle has already ended.");
    }
    let mut out = Vec::new();
    let detail = format!("cycle {} ({}) ended early", ctx.cohort.cycle_no, ctx.cohort.curriculum_id);
    let audit = Box::new(audit::entry(inbound, ctx.cohort.id, "cycle.finish", detail, now));
    let ending = Ending::Finished { by: inbound.actor.name.clone(), audit };
    if !end_cycle(coach, &ctx, now, ending, now, &mut out).await? {
        user_error!("That cycle has already ended.");
    }
    coach.changes().notify_one();
    out.push(Outgoing::ephemeral(format!("🏁 **{}** is finished.", ctx.curriculum.title)));
    Ok(out)
}

async fn next(
    coach: &Coach,
    inbound: &Inbound,
    ctx: &CohortCtx,
    call: &Call,
    now: DateTime<Utc>,
) -> CoachResult<Vec<Outgoing>> {
    if call.flag("cancel") {
        let mut tx = coach.store.begin().await?;
        if !store::delete_queued_cycle(&mut tx, ctx.cohort.id).await? {
            return Ok(vec![Outgoing::ephemeral("Nothing was queued after this cycle.")]);
        }
        let entry = audit::entry(inbound, ctx.cohort.id, "cycle.next", "queued cycle cancelled", now);
        store::record_audit(&mut tx, &entry).await?;
        tx.commit().await?;
        return Ok(vec![Outgoing::ephemeral("Cancelled: no cycle is queued after this one any more.")]);
    }
    if call.text("curriculum").is_none() {
        return Ok(vec![Outgoing::ephemeral(show(coach, ctx, now).await?)]);
    }
    let Chosen { version, first_day, start, schedule, timezone } =
        choose(coach, call, Some(&ctx.cohort), now)?;
    let ends = end_estimate(ctx, now);
    let start_default = next_lesson_date(&schedule, &timezone, ends);
    if let Some(start) = start {
        let last = ctx.slots.all().last().map(|s| s.date);
        if last.is_some_and(|last| start <= last) && ctx.cohort.state != CohortState::Completed {
            user_error!(
                "This cycle's last lesson is on {}; the next cycle has to start after it.",
                last.map(|d| d.to_string()).unwrap_or_default()
            );
        }
    }
    let next = NextCycle {
        version,
        first_day,
        start: start.unwrap_or(start_default),
        schedule,
        timezone,
        created_by: inbound.actor.user_id.clone(),
    };
    if ctx.cohort.state == CohortState::Completed {
        // Nothing to wait for: the cycle begins now, as a setup would.
        return super::setup::begin_after(coach, inbound, ctx, &next, "cycle.next", now).await;
    }
    let queued = QueuedCycle {
        cohort_id: ctx.cohort.id,
        curriculum_id: next.version.curriculum_id.clone(),
        curriculum_version: next.version.hash.clone(),
        first_day: next.first_day,
        start_date: start.map(|d| d.format("%Y-%m-%d").to_string()),
        schedule: next.schedule.as_str().to_string(),
        timezone: next.timezone.name().to_string(),
        created_by: next.created_by.clone(),
        created_at: now.timestamp(),
    };
    let mut tx = coach.store.begin().await?;
    store::put_curriculum_version(&mut tx, &next.version.row(now.timestamp())).await?;
    store::put_queued_cycle(&mut tx, &queued).await?;
    let detail = format!("queued {}", next.describe());
    store::record_audit(&mut tx, &audit::entry(inbound, ctx.cohort.id, "cycle.next", detail, now)).await?;
    tx.commit().await?;
    let when = if start.is_some() {
        String::new()
    } else {
        " (the schedule's next lesson date after this cycle ends)".into()
    };
    Ok(vec![Outgoing::ephemeral(format!(
        "⏭ Queued after **{}**: {}{when}, on `{}` ({}). Members carry over with their reminders and \
         review settings. `/studybot next` shows it; `/studybot next cancel` removes it.",
        ctx.curriculum.title,
        next.describe(),
        next.schedule.as_str(),
        next.timezone.name()
    ))])
}

/// What is queued after this cycle, in words.
async fn show(coach: &Coach, ctx: &CohortCtx, now: DateTime<Utc>) -> CoachResult<String> {
    let Some(queued) = coach.store.get_queued_cycle(ctx.cohort.id).await? else {
        return Ok(format!(
            "Nothing is queued after **{}**. `/studybot next curriculum:<id>` queues the next cycle; \
             `/studybot curricula` lists them.",
            ctx.curriculum.title
        ));
    };
    let next = NextCycle::queued(coach, &queued, end_estimate(ctx, now)).await?;
    Ok(format!(
        "⏭ Next after **{}**: {}, on `{}` ({}). `/studybot next cancel` removes it.",
        ctx.curriculum.title,
        next.describe(),
        next.schedule.as_str(),
        next.timezone.name()
    ))
}

/// When this cycle is expected to end: its last lesson's window closing, as things stand.
fn end_estimate(ctx: &CohortCtx, now: DateTime<Utc>) -> DateTime<Utc> {
    let last = ctx.slots.all().last().copied();
    let closes = last.and_then(|slot| ctx.closes_at(&slot));
    closes.unwrap_or(now).max(now)
}
