//! `/studybot resume` on a flagged cohort: the cohort is active again, and the lessons the platform refused that are still worth posting are handed back to the scheduler.
//!
//! An event handler must not send lesson posts itself (only the lease holder does), so the
//! failed rows that [`to_repost`] picks are re-opened as claims of the current leader, in the
//! same transaction as the state change and its audit entry. The leader, woken by the change,
//! reconciles them at once: the platform is asked first, then the post goes out with its nonce.
//!
//! ```text
//! /studybot resume
//! ▶️ Lesson posts are back on. Day 124 is posted again now. Next post: day 125 on Wed 2 Dec 09:00 UTC.
//! ```

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};

use super::context::CohortCtx;
use super::error::CoachResult;
use super::{Coach, Inbound};
use crate::domain::{CatchUp, DayNumber, to_repost};
use crate::store::{self, CohortState, PostState};

/// Unflags the cohort and re-opens its failed posts per [`to_repost`]; returns the sentence that
/// says which days go out again and which stay failed (empty when none failed).
pub(super) async fn run(
    coach: &Coach,
    inbound: &Inbound,
    ctx: &CohortCtx,
    now: DateTime<Utc>,
) -> CoachResult<String> {
    let cohort = ctx.cohort.id;
    let mut tx = coach.store.begin().await?;
    let failed: BTreeSet<DayNumber> = store::list_posts(&mut tx, cohort)
        .await?
        .into_iter()
        .filter(|p| p.state == PostState::Failed)
        .map(|p| p.day)
        .collect();
    let policy = CatchUp::parse(&ctx.cohort.catch_up).unwrap_or_default();
    let lateness = Duration::seconds(ctx.cohort.max_lateness_secs.max(0));
    let mut reopened = Vec::new();
    for slot in to_repost(policy, &ctx.slots.due_slots(now), &failed, now, lateness) {
        if store::reopen_post(&mut tx, cohort, slot.day, now.timestamp()).await?.is_some() {
            reopened.push(slot.day);
        }
    }
    store::set_cohort_state(&mut tx, cohort, CohortState::Active, None, now.timestamp()).await?;
    let detail = format!("flag cleared ({}); posted again: {}", flag(ctx), days(&reopened, "none"));
    let entry = super::audit::entry(inbound, cohort, "cohort.resume", detail, now);
    store::record_audit(&mut tx, &entry).await?;
    tx.commit().await?;
    tracing::info!(cohort, ?reopened, "flagged cohort resumed");
    let kept: Vec<DayNumber> = failed.into_iter().filter(|d| !reopened.contains(d)).collect();
    Ok(sentence(&reopened, &kept))
}

fn flag(ctx: &CohortCtx) -> &str {
    ctx.cohort.flag_reason.as_deref().unwrap_or("no reason recorded")
}

/// `Day 124 is posted again now. Day 121 stays failed (…). ` — each part only when it applies.
fn sentence(reopened: &[DayNumber], kept: &[DayNumber]) -> String {
    let mut out = String::new();
    if !reopened.is_empty() {
        let verb = if reopened.len() == 1 { "is" } else { "are" };
        out.push_str(&format!("{} {verb} posted again now. ", capitalized(&days(reopened, ""))));
    }
    if !kept.is_empty() {
        let (verb, it) = if kept.len() == 1 { ("stays", "it") } else { ("stay", "them") };
        out.push_str(&format!(
            "{} {verb} failed, as later lessons have been due since (members can still check {it} in by command). ",
            capitalized(&days(kept, ""))
        ));
    }
    out
}

/// `day 124`, `days 121, 124`, or `none` for an empty list.
fn days(days: &[DayNumber], none: &str) -> String {
    match days {
        [] => none.to_string(),
        [one] => format!("day {one}"),
        many => format!("days {}", many.iter().map(DayNumber::to_string).collect::<Vec<_>>().join(", ")),
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}
