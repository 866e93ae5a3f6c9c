//! `/studybot curriculum [show|apply]`: the cohort's curriculum version against the file on disk,
//! and moving the cohort to the file's version — an audited admin act that never rewrites history.
//!
//! `/studybot curriculum` → "📚 This cohort runs **Days 121-150: …** — version `3f1a…` (days
//! 121-150, 30 lessons). The file `x.md` differs … • removed: days 124-150 …"

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::admin::next_post;
use super::catalog::OnDisk;
use super::context::{CohortCtx, curriculum_days};
use super::drift::Drift;
use super::error::CoachResult;
use super::version::Version;
use super::{Call, Coach, Inbound};
use crate::curriculum::diff::days;
use crate::curriculum::{Changes, diff};
use crate::domain::{Calendar, DayNumber};
use crate::store::{self, CohortState, NewAudit};

pub async fn command(
    coach: &Coach,
    inbound: &Inbound,
    ctx: &CohortCtx,
    call: &Call,
    now: DateTime<Utc>,
) -> CoachResult<String> {
    match call.text("action") {
        Some("apply") => apply(coach, inbound, ctx, call.text("reason").unwrap_or_default(), now).await,
        _ => show(coach, ctx, now).await,
    }
}

async fn show(coach: &Coach, ctx: &CohortCtx, now: DateTime<Utc>) -> CoachResult<String> {
    let v = &ctx.version;
    let quizzes = if v.bank.is_some() { ", with its quiz bank" } else { "" };
    let head = format!(
        "📚 This cohort runs **{}** — version `{}` ({}{quizzes}).",
        ctx.curriculum.title,
        v.short(),
        v.extent()
    );
    let file = format!("`{}.md`", ctx.cohort.curriculum_id);
    let Some(drift) = Drift::of(coach.catalog.on_disk(&ctx.cohort.curriculum_id), v) else {
        return Ok(format!("{head}\nThe file {file} on disk is the same version: up to date."));
    };
    let lines: Vec<String> = drift.lines().iter().map(|l| format!("• {l}")).collect();
    let verdict = match &drift {
        Drift::Changed { file, changes, .. } => match refusal(coach, ctx, file, changes, now).await? {
            None => "`/studybot curriculum apply` moves the cohort to the file's version.".to_string(),
            Some(why) => format!("`/studybot curriculum apply` would be refused: {why}"),
        },
        Drift::Broken { .. } | Drift::Missing => "The cohort keeps its version until the file loads.".into(),
    };
    let on_disk = match &drift {
        Drift::Changed { file: f, .. } => {
            format!("The file {file} differs (version `{}`, {}):", f.short(), f.extent())
        }
        _ => format!("The file {file}:"),
    };
    Ok(format!("{head}\n{on_disk}\n{}\n{verdict}", lines.join("\n")))
}

async fn apply(
    coach: &Coach,
    inbound: &Inbound,
    ctx: &CohortCtx,
    reason: &str,
    now: DateTime<Utc>,
) -> CoachResult<String> {
    if ctx.cohort.state == CohortState::Completed {
        user_error!("This cohort has completed its curriculum; it keeps the version it ran on.");
    }
    let id = &ctx.cohort.curriculum_id;
    let file = match coach.catalog.on_disk(id) {
        OnDisk::Loaded(file) if file.hash == ctx.version.hash => {
            return Ok(format!(
                "Already up to date: this cohort runs the file's version `{}`.",
                file.short()
            ));
        }
        OnDisk::Loaded(file) => file,
        OnDisk::Broken(b) => {
            user_error!("`{id}.md` does not load ({}); the cohort keeps its version.", b.reason)
        }
        OnDisk::Missing => {
            user_error!("There is no `{id}.md` in the curriculum folder; the cohort keeps its version.")
        }
    };
    let changes = diff(&ctx.curriculum, &file.curriculum);
    if let Some(why) = refusal(coach, ctx, &file, &changes, now).await? {
        user_error!("Refused: {why} The cohort keeps running on version `{}`.", ctx.version.short());
    }
    let bank_changed = file.bank_source() != ctx.version.bank_source();
    let lines = Drift::Changed { file: Arc::clone(&file), changes, bank_changed }.lines();
    move_cohort(coach, inbound, ctx, &file, &lines, reason, now).await?;
    Ok(format!(
        "✅ This cohort now runs version `{}` of **{}** ({}). Posted lessons, checkpoints and stats are as they \
         were.\n{}\n{}",
        file.short(),
        file.curriculum.title,
        file.extent(),
        lines.iter().map(|l| format!("• {l}")).collect::<Vec<_>>().join("\n"),
        next_post(coach, ctx, now).await?
    ))
}

/// Stores the file's version, moves the cohort to it and records who did, in one transaction.
/// The cohort row's update bumps the schedule epoch, so every scheduler rebuilds its calendar.
async fn move_cohort(
    coach: &Coach,
    inbound: &Inbound,
    ctx: &CohortCtx,
    file: &Version,
    lines: &[String],
    reason: &str,
    now: DateTime<Utc>,
) -> CoachResult<()> {
    let mut tx = coach.store.begin().await?;
    store::put_curriculum_version(&mut tx, &file.row(now.timestamp())).await?;
    let (from, to) = (&ctx.version.hash, &file.hash);
    if !store::set_cohort_version(&mut tx, ctx.cohort.id, from, to, now.timestamp()).await? {
        user_error!("The cohort's curriculum changed meanwhile; run `/studybot curriculum` again.");
    }
    let detail = format!("version {from} → {to}: {}", lines.join("; "));
    let entry = NewAudit {
        reason: reason.to_string(),
        ..super::audit::entry(inbound, ctx.cohort.id, "curriculum.apply", detail, now)
    };
    store::record_audit(&mut tx, &entry).await?;
    tx.commit().await?;
    tracing::info!(
        cohort = ctx.cohort.id,
        from = ctx.version.short(),
        to = file.short(),
        "curriculum version applied"
    );
    Ok(())
}

/// Why the cohort may not move to `file`, if it may not: a posted day would disappear, a posted
/// date would carry another day, or nothing would be left to post (a file that shrank never ends
/// a cohort).
async fn refusal(
    coach: &Coach,
    ctx: &CohortCtx,
    file: &Version,
    changes: &Changes,
    now: DateTime<Utc>,
) -> CoachResult<Option<String>> {
    let posted: BTreeSet<DayNumber> =
        coach.store.list_posts(ctx.cohort.id).await?.iter().map(|p| p.day).collect();
    let vanishing: Vec<DayNumber> = changes.removed.iter().filter(|d| posted.contains(d)).copied().collect();
    if !vanishing.is_empty() {
        let verb = if vanishing.len() == 1 { "was" } else { "were" };
        return Ok(Some(format!(
            "{} {verb} already posted and the file no longer has {}. Put {} back in the file first.",
            days(&vanishing),
            if vanishing.len() == 1 { "it" } else { "them" },
            if vanishing.len() == 1 { "it" } else { "them" },
        )));
    }
    // The same calendar over the file's days.
    let moved = Calendar { days: curriculum_days(&file.curriculum), ..ctx.calendar.clone() };
    Ok(history_changes(&ctx.calendar, &moved, now).or_else(|| ends_early(&ctx.calendar, &moved, now)))
}

/// The first lesson already out whose day the new calendar would change.
fn history_changes(old: &Calendar, new: &Calendar, now: DateTime<Utc>) -> Option<String> {
    let (before, after) = (old.computed().due_slots(now), new.computed().due_slots(now));
    let changed = before
        .iter()
        .zip(after.iter().map(Some).chain(std::iter::repeat(None)))
        .find(|(a, b)| b.is_none_or(|b| (a.day, a.date) != (b.day, b.date)))?;
    let (was, date) = (changed.0.day, changed.0.date);
    Some(match changed.1 {
        Some(now_day) => format!(
            "the lesson of {date} was day {was}; with the file's days it would be day {}. Days already \
             posted must keep their numbers and order.",
            now_day.day
        ),
        None => format!("the lesson of {date} (day {was}) would no longer be in the calendar."),
    })
}

/// Whether the file's version leaves nothing to post where the cohort's version still had days.
fn ends_early(old: &Calendar, new: &Calendar, now: DateTime<Utc>) -> Option<String> {
    let last = old.computed().due_slots(now).last().copied()?;
    let left = |c: &Calendar| c.days.iter().position(|d| *d == last.day).map_or(0, |i| c.days.len() - i - 1);
    (left(new) == 0 && left(old) > 0).then(|| {
        format!(
            "the file's version has no day after day {}, the latest posted: applying it would end the \
             cohort early. Add the missing days back to the file.",
            last.day
        )
    })
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone};

    use super::*;
    use crate::domain::{CronSpec, Timezone, day};

    fn calendar(days: &[u32]) -> Calendar {
        Calendar {
            start: NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
            days: days.iter().copied().map(day).collect(),
            first_day: day(days[0]),
            schedule: CronSpec::parse("0 9 * * *").unwrap(),
            timezone: Timezone::parse("UTC").unwrap(),
            holidays: Default::default(),
            pauses: Vec::new(),
            adjustments: Vec::new(),
        }
    }

    /// Three lessons are out: 2 to 4 March.
    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 4, 10, 0, 0).unwrap()
    }

    #[test]
    fn days_added_after_the_posted_ones_change_no_history() {
        assert_eq!(history_changes(&calendar(&[1, 2, 4, 5]), &calendar(&[1, 2, 4, 5, 6, 7]), now()), None);
        assert_eq!(ends_early(&calendar(&[1, 2, 4, 5]), &calendar(&[1, 2, 4, 5, 6, 7]), now()), None);
    }

    #[test]
    fn a_day_filled_in_before_a_posted_one_would_renumber_it() {
        let why = history_changes(&calendar(&[1, 2, 4, 5]), &calendar(&[1, 2, 3, 4, 5]), now()).unwrap();
        assert!(
            why.starts_with("the lesson of 2026-03-04 was day 4; with the file's days it would be day 3"),
            "{why}"
        );
    }

    #[test]
    fn a_version_ending_at_the_latest_posted_day_would_end_the_cohort() {
        let why = ends_early(&calendar(&[1, 2, 4, 5]), &calendar(&[1, 2, 4]), now()).unwrap();
        assert!(why.contains("no day after day 4"), "{why}");
        assert_eq!(
            ends_early(&calendar(&[1, 2, 4]), &calendar(&[1, 2, 4]), now()),
            None,
            "it was ending anyway"
        );
    }
}
