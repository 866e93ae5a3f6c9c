//! `/leaderboard`: the top 10 and the caller's own rank, all time (from the summaries) or this week.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};

use super::context::CohortCtx;
use super::error::CoachResult;
use super::{Block, Call, Coach, Inbound, Message, Outgoing, Table, platform_of};
use crate::domain::{Entry, PointsRules, board};
use crate::store::{CheckpointWeights, MemberStats, StatsOrder};

const TOP: usize = 10;
/// Upper bound of members read for one board; ranks need everyone, a cohort is a study group.
const MAX_MEMBERS: i64 = 100_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum By {
    Points,
    Streak,
    Lessons,
    Quiz,
}

impl By {
    fn parse(text: Option<&str>) -> By {
        match text {
            Some("streak") => By::Streak,
            Some("lessons") => By::Lessons,
            Some("quiz") => By::Quiz,
            _ => By::Points,
        }
    }

    fn label(self) -> &'static str {
        match self {
            By::Points => "Points",
            By::Streak => "Streak",
            By::Lessons => "Lessons",
            By::Quiz => "Quiz",
        }
    }

    fn order(self) -> StatsOrder {
        match self {
            By::Points => StatsOrder::Points,
            By::Streak => StatsOrder::Streak,
            By::Lessons => StatsOrder::Lessons,
            By::Quiz => StatsOrder::Quiz,
        }
    }

    fn score(self, s: &MemberStats) -> i64 {
        match self {
            By::Points => s.points,
            By::Streak => s.current_streak,
            By::Lessons => s.lessons_done,
            By::Quiz => s.quiz_points,
        }
    }
}

pub async fn command(
    coach: &Coach,
    inbound: &Inbound,
    call: &Call,
    now: DateTime<Utc>,
) -> CoachResult<Vec<Outgoing>> {
    let ctx = CohortCtx::for_channel(coach, &inbound.channel).await?;
    let platform = platform_of(&inbound.channel)?;
    let member = coach.store.find_member(platform, &inbound.actor.user_id).await?;
    if let Some(action) = call.text("action") {
        let Some(member) = member else { user_error!("You're not in this cohort yet; `/join` first.") };
        let out = action == "optout";
        coach.store.set_leaderboard_optout(ctx.cohort.id, member.id, out).await?;
        let text = if out {
            "🙈 You're hidden from leaderboards. You still see your own rank; `/leaderboard optin` shows you again."
        } else {
            "👀 You're back on the leaderboards."
        };
        return Ok(vec![Outgoing::ephemeral(text)]);
    }
    let week = call.text("period") == Some("week");
    let message =
        board_message(coach, &ctx, By::parse(call.text("by")), week, member.map(|m| m.id), now).await?;
    Ok(vec![Outgoing::ephemeral_message(message)])
}

/// The board as a table; `caller` gets their own rank in the footer.
pub async fn board_message(
    coach: &Coach,
    ctx: &CohortCtx,
    by: By,
    week: bool,
    caller: Option<i64>,
    now: DateTime<Utc>,
) -> CoachResult<Message> {
    let rows = coach.store.top_member_stats(ctx.cohort.id, by.order(), MAX_MEMBERS).await?;
    let names: HashMap<i64, String> = rows.iter().map(|(s, name, _)| (s.member_id, name.clone())).collect();
    let mut entries: Vec<Entry> = rows
        .iter()
        .map(|(s, _, hidden)| Entry {
            member_id: s.member_id,
            score: by.score(s),
            reached_at: s.reached_at,
            hidden: *hidden,
        })
        .collect();
    let mut title = format!("🏆 Leaderboard — {} (all time)", by.label());
    if week && matches!(by, By::Points | By::Lessons) {
        weekly_scores(coach, ctx, by, now, &mut entries).await?;
        title = format!("🏆 Leaderboard — {} (last 7 days)", by.label());
    }
    let board = board(&entries, caller, TOP);
    let name = |id: i64| names.get(&id).cloned().unwrap_or_else(|| format!("member {id}"));
    let table_rows = board
        .top
        .iter()
        .map(|r| vec![format!("{}", r.rank), name(r.entry.member_id), r.entry.score.to_string()])
        .collect();
    let footer = match (&board.caller, caller) {
        (Some(r), _) => {
            let hidden = if r.entry.hidden { " (hidden from others)" } else { "" };
            Some(format!("You: #{} with {} {}{hidden}", r.rank, r.entry.score, by.label().to_lowercase()))
        }
        (None, Some(_)) | (None, None) => None,
    };
    let table = Table {
        title,
        columns: vec!["#".into(), "Member".into(), by.label().into()],
        rows: table_rows,
        footer,
    };
    Ok(Message::default().with(Block::Table(table)))
}

/// This week's scores, summed by the store over the cohort's checkpoints of the last 7 days
/// (both ends included): points per on-time or late checkpoint, or one per lesson. A member with
/// none in the range scores 0 and is listed last among equals.
async fn weekly_scores(
    coach: &Coach,
    ctx: &CohortCtx,
    by: By,
    now: DateTime<Utc>,
    entries: &mut [Entry],
) -> CoachResult<()> {
    let since = (now - Duration::days(7)).timestamp();
    let weights = match by {
        By::Lessons => CheckpointWeights { on_time: 1, late: 1 },
        _ => {
            let rules = PointsRules::default();
            CheckpointWeights { on_time: rules.on_time, late: rules.late }
        }
    };
    let sums = coach.store.checkpoint_scores(ctx.cohort.id, since, now.timestamp(), weights).await?;
    let scores: HashMap<i64, (i64, i64)> =
        sums.into_iter().map(|s| (s.member_id, (s.score, s.last_checked_at))).collect();
    for entry in entries.iter_mut() {
        let (score, reached) = scores.get(&entry.member_id).copied().unwrap_or((0, i64::MAX));
        entry.score = score;
        entry.reached_at = reached;
    }
    Ok(())
}
