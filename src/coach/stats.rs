//! Per-member summaries: recomputed from the member's own checkpoints and kept in `member_stats`,
//! in the same transaction as the change, so leaderboards read one row per member.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Duration, Utc};

use super::context::CohortCtx;
use super::error::CoachResult;
use crate::domain::journey::journey_streak;
use crate::domain::quiz::quiz_points;
use crate::domain::{
    Check, DayNumber, Lesson, PointsRules, StreakRules, StreakSummary, points, summarize_excused,
};
use crate::store::{self, MemberStats, Tx};

pub fn streak_rules(ctx: &CohortCtx) -> StreakRules {
    StreakRules { grace: Duration::seconds(ctx.cohort.grace_secs), ..StreakRules::default() }
}

/// The member's streak summary as of `now`, with the days an admin excused (read-only).
pub async fn summary(
    conn: &mut Tx,
    ctx: &CohortCtx,
    member_id: i64,
    now: DateTime<Utc>,
) -> CoachResult<StreakSummary> {
    let checks = store::list_member_checkpoints(conn, ctx.cohort.id, member_id).await?;
    let excused: BTreeSet<DayNumber> =
        store::list_excused_days(conn, ctx.cohort.id, member_id).await?.into_iter().collect();
    Ok(summary_of(ctx, &ctx.lessons(now), &checks, &excused, now))
}

/// [`summary`] from checkpoints and excused days already read (a whole cohort's at once).
pub fn summary_of(
    ctx: &CohortCtx,
    lessons: &[Lesson],
    checkpoints: &[store::Checkpoint],
    excused: &BTreeSet<DayNumber>,
    now: DateTime<Utc>,
) -> StreakSummary {
    let checks: Vec<Check> =
        checkpoints.iter().map(|c| Check { day: c.day, at: super::context::instant(c.checked_at) }).collect();
    summarize_excused(lessons, &checks, excused, &streak_rules(ctx), now)
}

/// Whether a refresh recounts the member's quiz points or keeps the stored ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quizzes {
    /// A quiz attempt may have changed: count them again.
    Recount,
    /// Only checkpoints changed (a check-in, an undo): the stored quiz points still hold.
    Unchanged,
}

/// Recomputes and stores a member's summary; returns it with the streak detail.
pub async fn refresh(
    conn: &mut Tx,
    ctx: &CohortCtx,
    member_id: i64,
    now: DateTime<Utc>,
) -> CoachResult<(MemberStats, StreakSummary)> {
    refresh_with(conn, ctx, member_id, Quizzes::Recount, now).await
}

/// [`refresh`], reading the quiz attempts again only when `quizzes` says they may have changed.
pub async fn refresh_with(
    conn: &mut Tx,
    ctx: &CohortCtx,
    member_id: i64,
    quizzes: Quizzes,
    now: DateTime<Utc>,
) -> CoachResult<(MemberStats, StreakSummary)> {
    let summary = summary(conn, ctx, member_id, now).await?;
    let previous = store::get_member_stats(conn, ctx.cohort.id, member_id).await?;
    let quiz_points = match (quizzes, &previous) {
        (Quizzes::Unchanged, Some(previous)) => previous.quiz_points,
        // The first completed attempt of each quiz counts; retakes are practice.
        _ => quiz_points(
            u32::try_from(store::counted_quiz_score(conn, ctx.cohort.id, member_id).await?).unwrap_or(0),
        ),
    };
    let stats = compose(ctx, member_id, &summary, previous.as_ref(), quiz_points, now);
    store::upsert_member_stats(conn, &stats).await?;
    Ok((stats, summary))
}

/// Members recounted together by [`refresh_members`]: 16 values a row in the summaries' upsert
/// stays within both backends' limit on a statement's parameters.
pub const REFRESH_CHUNK: usize = 1_000;

/// [`refresh`] for many members of the cohort at once (at most [`REFRESH_CHUNK`]), in two
/// statements: their checkpoints, excused days, stored summaries and counted quiz scores read in
/// one, the summaries written in the other. Returns each member's, in the order given.
pub async fn refresh_members(
    conn: &mut Tx,
    ctx: &CohortCtx,
    members: &[i64],
    now: DateTime<Utc>,
) -> CoachResult<Vec<(MemberStats, StreakSummary)>> {
    let cohort = ctx.cohort.id;
    let pairs: Vec<store::batch::Pair> = members.iter().map(|m| (cohort, *m)).collect();
    let store::batch::MemberRecords { checkpoints: stored, excused, stats: previous, quiz_scores: quizzes } =
        store::batch::read_members(conn, &pairs).await?;
    let mut checkpoints: HashMap<i64, Vec<store::Checkpoint>> = HashMap::new();
    for c in stored {
        checkpoints.entry(c.member_id).or_default().push(c);
    }
    let lessons = ctx.lessons(now);
    let none = BTreeSet::new();
    let refreshed: Vec<(MemberStats, StreakSummary)> = pairs
        .iter()
        .map(|pair @ (_, member)| {
            let checks = checkpoints.get(member).map_or(&[][..], Vec::as_slice);
            let summary = summary_of(ctx, &lessons, checks, excused.get(pair).unwrap_or(&none), now);
            let quiz = quiz_points(u32::try_from(quizzes.get(pair).copied().unwrap_or(0)).unwrap_or(0));
            (compose(ctx, *member, &summary, previous.get(pair), quiz, now), summary)
        })
        .collect();
    store::batch::upsert_member_stats(conn, refreshed.iter().map(|(stats, _)| stats)).await?;
    Ok(refreshed)
}

/// The member's summary row from the streak summary, the stored row it replaces (if any) and the
/// quiz points.
pub fn compose(
    ctx: &CohortCtx,
    member_id: i64,
    summary: &StreakSummary,
    previous: Option<&MemberStats>,
    quiz_points: i64,
    now: DateTime<Utc>,
) -> MemberStats {
    let total = points(&PointsRules::default(), summary.on_time, summary.late, quiz_points, summary.best);
    // Ties are ordered by who got there first, so the instant only moves when points grow.
    let reached_at = match previous {
        Some(p) if p.points >= total => p.reached_at,
        _ => now.timestamp(),
    };
    let carried = previous.map_or(0, |p| p.carried_streak);
    let journey = journey_streak(u32::try_from(carried).unwrap_or(0), summary);
    MemberStats {
        cohort_id: ctx.cohort.id,
        member_id,
        lessons_done: i64::from(summary.on_time + summary.late),
        on_time: summary.on_time.into(),
        late: summary.late.into(),
        missed: summary.missed.into(),
        current_streak: summary.current.into(),
        best_streak: summary.best.into(),
        freezes_held: summary.freezes_held.into(),
        freezes_used: i64::try_from(summary.freezes_used.len()).unwrap_or(i64::MAX),
        quiz_points,
        points: total,
        reached_at,
        updated_at: now.timestamp(),
        carried_streak: carried,
        journey_streak: journey.into(),
    }
}
