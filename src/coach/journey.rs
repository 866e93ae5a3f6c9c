//! The channel's journey as members see it: an earlier cycle found by `cycle:`, and the journey
//! line of `/progress` and `/streak` (day of the whole journey, cycles, lessons, journey streak).

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::context::CohortCtx;
use super::error::CoachResult;
use super::{Coach, plural};
use crate::curriculum::journey::{Span, continues};
use crate::domain::DayNumber;
use crate::domain::StreakSummary;
use crate::domain::journey::journey_streak;
use crate::store::Cohort;

/// The channel's cycle `which` — its number, or the id of its curriculum (the latest cycle that
/// ran it) — next to its `current` one.
pub async fn cycle(coach: &Coach, current: &Arc<CohortCtx>, which: &str) -> CoachResult<Arc<CohortCtx>> {
    let cycles = coach.store.list_channel_cycles(current.cohort.platform, &current.cohort.channel_id).await?;
    let number = which.trim_start_matches('#').parse::<i64>().ok();
    let found = cycles.iter().rev().find(|c| Some(c.cycle_no) == number || c.curriculum_id == which);
    match found {
        Some(cohort) if cohort.id == current.cohort.id => Ok(Arc::clone(current)),
        Some(cohort) => Ok(Arc::new(CohortCtx::load(coach, cohort.clone()).await?)),
        None => {
            let list: Vec<String> = cycles.iter().map(label).collect();
            user_error!("This channel has no cycle `{which}`. Its cycles: {}.", list.join(", "));
        }
    }
}

/// `1 `days_1_3` (finished)`.
fn label(cohort: &Cohort) -> String {
    let when = if cohort.archived_at.is_some() { "finished" } else { "current" };
    format!("{} `{}` ({when})", cohort.cycle_no, cohort.curriculum_id)
}

/// The journey streak now: the one carried into the cycle plus this cycle's `summary`, unless it
/// broke since the cycle began.
pub async fn streak(
    coach: &Coach,
    ctx: &CohortCtx,
    member_id: i64,
    summary: &StreakSummary,
) -> CoachResult<u32> {
    let stats = coach.store.get_member_stats(ctx.cohort.id, member_id).await?;
    let carried = stats.map_or(0, |s| u32::try_from(s.carried_streak).unwrap_or(0));
    Ok(journey_streak(carried, summary))
}

/// `🧭 Journey: day 150 of 300 · 4 cycles · 87 lessons done · journey streak 12`, for the current
/// cycle of a channel that has had more than one or whose curriculum is part of a longer run of
/// curricula (the day is then shown); `None` for a lone cycle.
pub async fn line(
    coach: &Coach,
    ctx: &CohortCtx,
    member_id: i64,
    summary: &StreakSummary,
    now: DateTime<Utc>,
) -> CoachResult<Option<String>> {
    if ctx.cohort.archived_at.is_some() {
        return Ok(None);
    }
    let cycles = coach.store.list_channel_cycles(ctx.cohort.platform, &ctx.cohort.channel_id).await?;
    let mut spans: Vec<Span> = coach.catalog.iter().filter_map(|(id, c)| Span::of(id, c)).collect();
    for cohort in &cycles {
        let version = coach.cohort_version(cohort).await?;
        if let Some(span) = Span::of(&cohort.curriculum_id, &version.curriculum)
            && !spans.iter().any(|s| s.name == span.name)
        {
            spans.push(span);
        }
    }
    let Some(mine) = Span::of(&ctx.cohort.curriculum_id, &ctx.curriculum) else { return Ok(None) };
    let chained = continues(&spans, &mine).is_some() || follower(&spans, &mine).is_some();
    if cycles.len() < 2 && !chained {
        return Ok(None);
    }
    let totals = coach.store.journey_stats(&ctx.cohort, Some(member_id)).await?;
    let done = totals.first().map_or(0, |t| t.lessons_done);
    let mut parts = vec!["🧭 Journey:".to_string()];
    if chained {
        // Before this cycle's first lesson, the journey stands at the day before it.
        let before = DayNumber::new(i64::from(mine.first.get()) - 1).ok();
        let day = ctx.slots.due(now).map(|s| s.day).or(before);
        let last = journey_end(&spans, &mine);
        if let Some(day) = day {
            parts.push(format!("day {day} of {last} ·"));
        }
    }
    parts.push(format!(
        "{} · {} · journey streak {}",
        plural(u64::try_from(cycles.len()).unwrap_or(0), "cycle", "cycles"),
        plural(u64::try_from(done).unwrap_or(0), "lesson done", "lessons done"),
        streak(coach, ctx, member_id, summary).await?
    ));
    Ok(Some(parts.join(" ")))
}

/// The curriculum that continues `span`: its first day is the day after `span`'s last.
fn follower<'a>(spans: &'a [Span], span: &Span) -> Option<&'a Span> {
    spans.iter().find(|s| s.name != span.name && span.last.next() == Some(s.first))
}

/// The last day of the run of curricula that continue `from`, one after another.
fn journey_end(spans: &[Span], from: &Span) -> DayNumber {
    let mut at = from;
    for _ in 0..spans.len() {
        match follower(spans, at) {
            Some(next) => at = next,
            None => break,
        }
    }
    at.last
}
