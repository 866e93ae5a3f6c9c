//! A member's own data: `/forget` deletes it after a confirmation button (in this cycle, or with
//! `everywhere` in every cohort of the platform), `/leave` stops reminders and direct messages
//! and keeps the history.

use chrono::{DateTime, Utc};

use super::audit;
use super::context::CohortCtx;
use super::error::CoachResult;
use super::{Block, Button, Call, Coach, Inbound, Message, Outgoing, platform_of, plural};
use crate::store::{self, Member};

const FORGET: &str = "forget:";
const EVERYWHERE: &str = "everywhere";
const HERE: &str = "here";

async fn me(coach: &Coach, inbound: &Inbound) -> CoachResult<Option<Member>> {
    let platform = platform_of(&inbound.channel)?;
    Ok(coach.store.find_member(platform, &inbound.actor.user_id).await?)
}

pub async fn forget(coach: &Coach, inbound: &Inbound, call: &Call) -> CoachResult<Vec<Outgoing>> {
    let ctx = CohortCtx::for_channel(coach, &inbound.channel).await?;
    if me(coach, inbound).await?.is_none() {
        user_error!("The bot keeps nothing about you: you have not joined or checked in anywhere here.");
    }
    let everywhere = call.flag(EVERYWHERE);
    let (scope, what) = if everywhere {
        (EVERYWHERE, format!("in every cohort on {}, and your name", ctx.cohort.platform.as_str()))
    } else {
        (HERE, format!("in **{}**", ctx.curriculum.title))
    };
    let text = format!(
        "Delete everything the bot keeps about you {what}? Your check-ins, quiz attempts and \
         reviews, content log, checklist ticks and stats go for good, and leaderboards no longer \
         show you. This cannot be undone."
    );
    let button = Button { id: format!("{FORGET}{}:{scope}", ctx.cohort.id), label: "Delete my data".into() };
    Ok(vec![Outgoing::ephemeral_message(Message::text(text).with(Block::Buttons(vec![button])))])
}

/// Whether a button id is the confirmation of `/forget`.
pub fn is_forget_button(id: &str) -> bool {
    id.starts_with(FORGET)
}

/// The confirmation: deletes the presser's own data, whoever's message the button was on.
pub async fn forget_button(
    coach: &Coach,
    inbound: &Inbound,
    id: &str,
    now: DateTime<Utc>,
) -> CoachResult<Vec<Outgoing>> {
    let mut parts = id.strip_prefix(FORGET).unwrap_or_default().split(':');
    let (cohort, scope) = (parts.next().and_then(|n| n.parse::<i64>().ok()), parts.next());
    let Some(member) = me(coach, inbound).await? else {
        user_error!("Nothing is kept about you any more.");
    };
    let platform = member.platform.as_str();
    let mut tx = coach.store.begin().await?;
    let (deleted, cohort, where_) = match (cohort, scope) {
        (_, Some(EVERYWHERE)) => {
            (store::forget_everywhere(&mut tx, &member).await?, None, format!("on {platform}"))
        }
        (Some(cohort), Some(HERE)) => {
            (store::forget_in_cohort(&mut tx, cohort, &member).await?, Some(cohort), "in this cycle".into())
        }
        _ => user_error!("That button is no longer active."),
    };
    store::record_deletion(&mut tx, platform, cohort, deleted, now.timestamp()).await?;
    let detail = format!(
        "{} and {} deleted {where_}",
        plural(deleted.checkpoints, "check-in", "check-ins"),
        plural(deleted.quiz_attempts, "quiz attempt", "quiz attempts")
    );
    let entry = store::NewAudit {
        actor: "a forgotten member".into(),
        cohort_id: cohort,
        ..audit::entry(inbound, cohort.unwrap_or_default(), "member.forget", detail, now)
    };
    store::record_audit(&mut tx, &entry).await?;
    tx.commit().await?;
    Ok(vec![Outgoing::ephemeral(format!(
        "🗑 Deleted {where_}: {}, {} and everything else the bot kept about you. Leaderboards no longer show you.",
        plural(deleted.checkpoints, "check-in", "check-ins"),
        plural(deleted.quiz_attempts, "quiz attempt", "quiz attempts"),
    ))])
}

pub async fn leave(coach: &Coach, inbound: &Inbound, now: DateTime<Utc>) -> CoachResult<Vec<Outgoing>> {
    let ctx = CohortCtx::for_channel(coach, &inbound.channel).await?;
    let left = match me(coach, inbound).await? {
        Some(member) => coach.store.set_left(ctx.cohort.id, member.id, true, now.timestamp()).await?,
        None => None,
    };
    if left.is_none() {
        user_error!("You're not in this cohort, so there is nothing to leave.");
    }
    Ok(vec![Outgoing::ephemeral(format!(
        "👋 You've left **{}**: no more reminders or direct messages, and you won't be carried into \
         the next cycle. Your history stays (`/forget` deletes it); `/join` brings you back.",
        ctx.curriculum.title
    ))])
}
