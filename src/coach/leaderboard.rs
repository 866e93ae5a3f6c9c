//! `/leaderboard`: the top 10 and the caller's own rank, all time (from the summaries) or over the
//! last 7 days, where every ranking has its own weekly meaning.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};

use super::context::{CohortCtx, instant};
use super::error::CoachResult;
use super::{
    Block, Call, Coach, Inbound, Message, Outgoing, Table, charts, journey, platform_of, plural, stats,
};
use crate::domain::quiz::quiz_points;
use crate::domain::{Check, Entry, PointsRules, StreakRules, board, summarize};
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

    /// What the column means over a week, when that differs from all time.
    fn week_label(self) -> &'static str {
        match self {
            By::Streak => "Longest streak",
            By::Quiz => "Quiz points",
            By::Points | By::Lessons => self.label(),
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
    let current = CohortCtx::for_channel(coach, &inbound.channel).await?;
    let platform = platform_of(&inbound.channel)?;
    let member = coach.store.find_member(platform, &inbound.actor.user_id).await?;
    if let Some(action) = call.text("action") {
        let Some(member) = member else { user_error!("You're not in this cohort yet; `/join` first.") };
        let out = action == "optout";
        coach.store.set_leaderboard_optout(current.cohort.id, member.id, out).await?;
        let text = if out {
            "🙈 You're hidden from leaderboards. You still see your own rank; `/leaderboard optin` shows you again."
        } else {
            "👀 You're back on the leaderboards."
        };
        return Ok(vec![Outgoing::ephemeral(text)]);
    }
    let by = By::parse(call.text("by"));
    let caller = member.map(|m| m.id);
    if call.text("scope") == Some("journey") {
        let message = journey_board(coach, &current, by, caller).await?;
        return Ok(vec![Outgoing::ephemeral_message(message)]);
    }
    let ctx = match call.text("cycle") {
        Some(which) => journey::cycle(coach, &current, which).await?,
        None => current,
    };
    let week = call.text("period") == Some("week");
    let message = board_message(coach, &ctx, by, week, caller, now).await?;
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
    let (column, period) = if week { (by.week_label(), "last 7 days") } else { (by.label(), "all time") };
    if week {
        let scores = weekly_scores(coach, ctx, by, now).await?;
        for entry in entries.iter_mut() {
            // A member with nothing in the week scores 0 and is listed last among equals.
            let (score, reached) = scores.get(&entry.member_id).copied().unwrap_or((0, i64::MAX));
            entry.score = score;
            entry.reached_at = reached;
        }
    }
    let unit = if week && by == By::Streak { "in a row".into() } else { column.to_lowercase() };
    let title = format!("🏆 Leaderboard — {column} ({period})");
    Ok(render(&entries, &names, caller, title, column, &unit))
}

/// The board with its top as a bar chart, for the weekly post in the channel (an answer to
/// `/leaderboard` stays text: on Slack a file would go to the member's DMs each time).
pub fn with_chart(message: Message, file: &str) -> Message {
    let Some(Block::Table(table)) = message.blocks.iter().find(|b| matches!(b, Block::Table(_))) else {
        return message;
    };
    let bars: Vec<(String, i64)> =
        table.rows.iter().filter_map(|row| Some((row.get(1)?.clone(), row.get(2)?.parse().ok()?))).collect();
    if bars.is_empty() {
        return message;
    }
    // The font draws no emoji: the title starts at its first letter.
    let title = table.title.trim_start_matches(|c: char| !c.is_alphanumeric()).trim();
    let chart = charts::bars(title, file, bars);
    message.with(Block::File(chart))
}

/// Every cycle of the channel: points, lessons and quiz points summed, the streak the journey
/// streak of the current cycle.
async fn journey_board(coach: &Coach, ctx: &CohortCtx, by: By, caller: Option<i64>) -> CoachResult<Message> {
    let rows = coach.store.journey_stats(&ctx.cohort, None).await?;
    let names: HashMap<i64, String> = rows.iter().map(|s| (s.member_id, s.display_name.clone())).collect();
    let entries: Vec<Entry> = rows
        .iter()
        .map(|s| Entry {
            member_id: s.member_id,
            score: match by {
                By::Points => s.points,
                By::Streak => s.journey_streak,
                By::Lessons => s.lessons_done,
                By::Quiz => s.quiz_points,
            },
            reached_at: s.reached_at,
            hidden: s.hidden,
        })
        .collect();
    let column = by.label();
    let cycles = plural(u64::try_from(ctx.cohort.cycle_no).unwrap_or(0), "cycle", "cycles");
    let title = format!("🏆 Journey leaderboard — {column} (all {cycles} of this channel)");
    Ok(render(&entries, &names, caller, title, column, &column.to_lowercase()))
}

/// The top 10 as a table, and the caller's own rank under it.
fn render(
    entries: &[Entry],
    names: &HashMap<i64, String>,
    caller: Option<i64>,
    title: String,
    column: &str,
    unit: &str,
) -> Message {
    let board = board(entries, caller, TOP);
    let name = |id: i64| names.get(&id).cloned().unwrap_or_else(|| format!("member {id}"));
    let table_rows = board
        .top
        .iter()
        .map(|r| vec![format!("{}", r.rank), name(r.entry.member_id), r.entry.score.to_string()])
        .collect();
    let footer = board.caller.as_ref().map(|r| {
        let hidden = if r.entry.hidden { " (hidden from others)" } else { "" };
        format!("You: #{} with {} {unit}{hidden}", r.rank, r.entry.score)
    });
    let table =
        Table { title, columns: vec!["#".into(), "Member".into(), column.into()], rows: table_rows, footer };
    Message::default().with(Block::Table(table))
}

/// Each member's score over the last 7 days (both ends included), with the instant they reached
/// it; members with nothing in the week are left out. Points: checkpoint points plus the points of
/// quizzes finished in the week; lessons: lessons checked; streak: the longest run of on-time
/// check-ins among the lessons posted in the week; quiz: points of quizzes finished in the week.
async fn weekly_scores(
    coach: &Coach,
    ctx: &CohortCtx,
    by: By,
    now: DateTime<Utc>,
) -> CoachResult<HashMap<i64, (i64, i64)>> {
    let (since, until) = ((now - Duration::days(7)).timestamp(), now.timestamp());
    let rules = PointsRules::default();
    let weights = match by {
        By::Streak => return weekly_streaks(coach, ctx, since, now).await,
        By::Quiz => CheckpointWeights { on_time: 0, late: 0 },
        By::Lessons => CheckpointWeights { on_time: 1, late: 1 },
        By::Points => CheckpointWeights { on_time: rules.on_time, late: rules.late },
    };
    let mut scores = HashMap::new();
    if by != By::Quiz {
        for s in coach.store.checkpoint_scores(ctx.cohort.id, since, until, weights).await? {
            scores.insert(s.member_id, (s.score, s.last_at));
        }
    }
    if matches!(by, By::Points | By::Quiz) {
        for s in coach.store.quiz_scores(ctx.cohort.id, since, until).await? {
            let points = quiz_points(u32::try_from(s.score).unwrap_or(0));
            let (score, at) = scores.entry(s.member_id).or_insert((0, s.last_at));
            *score += points;
            *at = (*at).max(s.last_at);
        }
    }
    Ok(scores)
}

/// The longest run of on-time check-ins among the lessons posted since `since`, per member; no
/// freezes, so a week's run is what was really done that week.
async fn weekly_streaks(
    coach: &Coach,
    ctx: &CohortCtx,
    since: i64,
    now: DateTime<Utc>,
) -> CoachResult<HashMap<i64, (i64, i64)>> {
    let lessons: Vec<_> = ctx.lessons(now).into_iter().filter(|l| l.posted_at.timestamp() >= since).collect();
    let rules = StreakRules { freeze_every: 0, ..stats::streak_rules(ctx) };
    let mut checks: HashMap<i64, Vec<Check>> = HashMap::new();
    for c in coach.store.list_checkpoints_between(ctx.cohort.id, since, now.timestamp()).await? {
        checks.entry(c.member_id).or_default().push(Check { day: c.day, at: instant(c.checked_at) });
    }
    Ok(checks
        .into_iter()
        .map(|(member, checks)| {
            let best = summarize(&lessons, &checks, &rules, now).best;
            let last = checks.iter().map(|c| c.at.timestamp()).max().unwrap_or(i64::MAX);
            (member, (i64::from(best), last))
        })
        .collect())
}
