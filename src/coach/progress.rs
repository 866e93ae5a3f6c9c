//! A member's own view: `/streak`, `/progress`, `/remind`, `/posted` (content tracker) and `/assess`.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use super::commands::OwnOp;
use super::context::CohortCtx;
use super::error::CoachResult;
use super::message::{Attachment, Block, Message};
use super::{Call, Coach, Inbound, Outgoing, charts, journey, platform_of, plural, stats};
use crate::curriculum::Curriculum;
use crate::domain::{DayNumber, Lesson, StreakSummary};
use crate::store::{ContentKind, Member, NewContentPost, StoreError};

pub async fn run(
    coach: &Coach,
    inbound: &Inbound,
    op: OwnOp,
    call: &Call,
    now: DateTime<Utc>,
) -> CoachResult<Vec<Outgoing>> {
    let ctx = CohortCtx::for_channel(coach, &inbound.channel).await?;
    let text = match op {
        OwnOp::Streak => streak(coach, &ctx, &me(coach, inbound).await?, now).await?,
        OwnOp::Progress => {
            let member = match call.text("member") {
                Some(who) => lookup(coach, &ctx, inbound, who).await?,
                None => me(coach, inbound).await?,
            };
            let ctx = match call.text("cycle") {
                Some(which) => journey::cycle(coach, &ctx, which).await?,
                None => ctx,
            };
            let (text, picture) = progress(coach, &ctx, &member, now).await?;
            return Ok(vec![Outgoing::ephemeral_message(Message::text(text).with(Block::File(picture)))]);
        }
        OwnOp::Remind => remind(coach, &ctx, inbound, call.text("state") == Some("on"), now).await?,
        OwnOp::Posted => posted(coach, &ctx, &me(coach, inbound).await?, call, now).await?,
        OwnOp::Assess => {
            let item = call.text("item").unwrap_or_default();
            assess(coach, &ctx, &me(coach, inbound).await?, item, now).await?
        }
    };
    Ok(vec![Outgoing::ephemeral(text)])
}

async fn me(coach: &Coach, inbound: &Inbound) -> CoachResult<Member> {
    let platform = platform_of(&inbound.channel)?;
    match coach.store.find_member(platform, &inbound.actor.user_id).await? {
        Some(m) => Ok(m),
        None => user_error!("You're not in this cohort yet: `/join`, or check in on a lesson with ✅."),
    }
}

/// A platform user id (Discord's user picker sends one), a `<@123>` mention, or `@alice` /
/// `alice`: the display name of one of the cohort's members, as Slack and the console send it.
pub(super) async fn lookup(
    coach: &Coach,
    ctx: &CohortCtx,
    inbound: &Inbound,
    who: &str,
) -> CoachResult<Member> {
    let id =
        who.trim_start_matches("<@").trim_start_matches('!').trim_end_matches('>').trim_start_matches('@');
    let platform = platform_of(&inbound.channel)?;
    if let Some(member) = coach.store.find_member(platform, id).await? {
        return Ok(member);
    }
    let name = id.to_lowercase();
    let profiles = coach.store.list_cohort_member_profiles(ctx.cohort.id).await?;
    let mut named = profiles.into_iter().map(|(_, m)| m).filter(|m| m.display_name.to_lowercase() == name);
    match (named.next(), named.next()) {
        (Some(member), None) => Ok(member),
        (Some(_), Some(_)) => user_error!("Several members here are called `{id}`; pick one by mention."),
        (None, _) => user_error!("No member `{who}` in this cohort."),
    }
}

async fn summary(
    coach: &Coach,
    ctx: &CohortCtx,
    member: &Member,
    now: DateTime<Utc>,
) -> CoachResult<StreakSummary> {
    stats::summary(&mut coach.store.begin_read().await?, ctx, member.id, now).await
}

async fn streak(coach: &Coach, ctx: &CohortCtx, member: &Member, now: DateTime<Utc>) -> CoachResult<String> {
    let s = summary(coach, ctx, member, now).await?;
    let done = s.on_time + s.late;
    let mut out = format!(
        "🔥 {}: streak {} (best {}) · ❄️ {} · {}",
        member.display_name,
        s.current,
        s.best,
        plural(s.freezes_held, "freeze held", "freezes held"),
        plural(done, "lesson done", "lessons done")
    );
    if let Some(line) = journey::line(coach, ctx, member.id, &s, now).await? {
        out.push('\n');
        out.push_str(&line);
    }
    Ok(out)
}

/// The member's progress as text, and as a calendar picture.
async fn progress(
    coach: &Coach,
    ctx: &CohortCtx,
    member: &Member,
    now: DateTime<Utc>,
) -> CoachResult<(String, Attachment)> {
    let s = summary(coach, ctx, member, now).await?;
    let checks = coach.store.list_member_checkpoints(ctx.cohort.id, member.id).await?;
    let checked: HashMap<DayNumber, bool> = checks.iter().map(|c| (c.day, c.on_time)).collect();
    let lessons = ctx.lessons(now);
    let marked: Vec<Mark> = marks(&lessons, &checked, &s, now).into_iter().map(|(_, mark)| mark).collect();
    let strip: String = marked.iter().map(|mark| mark.symbol()).collect();
    let points = coach.store.get_member_stats(ctx.cohort.id, member.id).await?.map_or(0, |m| m.points);
    let picture = charts::calendar(ctx, &member.display_name, &marked, s.current, points).await;
    let cycle = match ctx.cohort.archived_at {
        Some(_) => format!("cycle {}, finished: ", ctx.cohort.cycle_no),
        None => String::new(),
    };
    let mut out = vec![
        format!(
            "📈 {} — {} ({cycle}{} of {} days posted)",
            member.display_name,
            ctx.curriculum.title,
            lessons.len(),
            ctx.total_days()
        ),
        format!("{strip}  (✅ on time · 🕒 late · ❄ freeze or excused · ⬜ missed · ⏳ open)"),
        format!(
            "Done {} (on time {}, late {}) · missed {}{} · open {}",
            s.on_time + s.late,
            s.on_time,
            s.late,
            s.missed,
            if s.excused > 0 { format!(" · excused {}", s.excused) } else { String::new() },
            s.pending
        ),
        format!("🔥 Streak {} (best {}) · ❄ freezes {} · {points} points", s.current, s.best, s.freezes_held),
    ];
    out.extend(journey::line(coach, ctx, member.id, &s, now).await?);
    out.push("Modules:".into());
    for section in &ctx.curriculum.sections {
        let done = section.days.iter().filter(|d| checked.contains_key(&d.day)).count();
        out.push(format!("  {} — {done}/{}", section.heading, section.days.len()));
    }
    let items = checklist(&ctx.curriculum);
    if !items.is_empty() {
        let ticks = ticks(coach, ctx, member).await?;
        let ticked = items.iter().filter(|(_, item)| ticks.contains(*item)).count();
        out.push(format!("Cycle assessment: {ticked}/{} ticked — `/assess` lists them", items.len()));
    }
    let posts = coach.store.list_content_posts(ctx.cohort.id, member.id).await?;
    let count = |kind: ContentKind| posts.iter().filter(|p| p.kind == kind).count();
    let (li, blog) = content_targets(&ctx.curriculum);
    out.push(format!(
        "Content: LinkedIn {}/{li} · blog {}/{blog}",
        count(ContentKind::Linkedin),
        count(ContentKind::Blog)
    ));
    Ok((out.join("\n"), picture))
}

/// Targets from the "Content Created" checklist ("12-15 LinkedIn posts" → 12), else the number of prompts.
pub fn content_targets(curriculum: &Curriculum) -> (usize, usize) {
    let target = |word: &str| {
        curriculum
            .assessment
            .iter()
            .flat_map(|a| a.items.iter())
            .filter(|item| item.to_lowercase().contains(word))
            .find_map(|item| item.split(|c: char| !c.is_ascii_digit()).find(|n| !n.is_empty())?.parse().ok())
    };
    let linkedin = curriculum.days().filter(|d| d.linkedin_post.is_some()).count();
    let blog = curriculum.days().filter(|d| d.blog_post.is_some()).count();
    (target("linkedin").unwrap_or(linkedin), target("blog").unwrap_or(blog))
}

/// Asking for reminders is a way of joining, like a first checkpoint.
async fn remind(
    coach: &Coach,
    ctx: &CohortCtx,
    inbound: &Inbound,
    on: bool,
    now: DateTime<Utc>,
) -> CoachResult<String> {
    let mut tx = coach.store.begin().await?;
    let member = super::checkpoint::enrol(&mut tx, ctx, inbound, now).await?;
    crate::store::set_remind(&mut tx, ctx.cohort.id, member.id, on).await?;
    tx.commit().await?;
    Ok(if on {
        format!(
            "⏰ Reminders on: with a streak of 3 or more, you get a nudge {} h before a lesson's window closes if you haven't checked in.",
            ctx.cohort.reminder_hours
        )
    } else {
        "🔕 Reminders off.".into()
    })
}

async fn posted(
    coach: &Coach,
    ctx: &CohortCtx,
    member: &Member,
    call: &Call,
    now: DateTime<Utc>,
) -> CoachResult<String> {
    let kind = if call.text("kind") == Some("blog") { ContentKind::Blog } else { ContentKind::Linkedin };
    let has_prompt = |day: DayNumber| {
        ctx.curriculum.day(day).is_some_and(|(_, d)| match kind {
            ContentKind::Blog => d.blog_post.is_some(),
            ContentKind::Linkedin => d.linkedin_post.is_some(),
        })
    };
    let logged: HashSet<DayNumber> = coach
        .store
        .list_content_posts(ctx.cohort.id, member.id)
        .await?
        .iter()
        .filter(|p| p.kind == kind)
        .map(|p| p.day)
        .collect();
    let due = ctx.slots.due_slots(now);
    let day = match call.day("day") {
        Some(day) => day,
        None => match due.iter().rev().map(|s| s.day).find(|d| has_prompt(*d) && !logged.contains(d)) {
            Some(day) => day,
            None => {
                user_error!("No posted day has an open {} prompt; give one with `day:N`.", kind.as_str())
            }
        },
    };
    if !due.iter().any(|s| s.day == day) {
        user_error!("Day {day} hasn't been posted yet.");
    }
    if !has_prompt(day) {
        user_error!("Day {day} has no {} prompt.", kind.as_str());
    }
    let new = NewContentPost {
        cohort_id: ctx.cohort.id,
        member_id: member.id,
        kind,
        day,
        url: call.text("url").unwrap_or_default().to_string(),
        posted_at: now.timestamp(),
    };
    match coach.store.add_content_post(&new).await {
        Ok(_) => {
            let total = logged.len() + 1;
            let (li, blog) = content_targets(&ctx.curriculum);
            let target = if kind == ContentKind::Blog { blog } else { li };
            Ok(format!("📝 Logged your {} post for day {day} — {total}/{target} so far.", kind.as_str()))
        }
        Err(StoreError::Duplicate { .. }) => {
            user_error!("You already logged a {} post for day {day}.", kind.as_str())
        }
        Err(e) => Err(e.into()),
    }
}

async fn assess(
    coach: &Coach,
    ctx: &CohortCtx,
    member: &Member,
    item: &str,
    now: DateTime<Utc>,
) -> CoachResult<String> {
    let items = checklist(&ctx.curriculum);
    if items.is_empty() {
        user_error!("This curriculum has no cycle assessment checklist.");
    }
    let wanted = item.trim().to_lowercase();
    if wanted.is_empty() {
        return checklist_view(coach, ctx, member).await;
    }
    let exact = items.iter().find(|(n, it)| *n == wanted || it.to_lowercase() == wanted);
    let partial: Vec<_> = items.iter().filter(|(_, it)| it.to_lowercase().contains(&wanted)).collect();
    let found = match (exact, partial.as_slice()) {
        (Some(found), _) => found,
        (None, [found]) => *found,
        (None, []) => {
            user_error!("No checklist item matches `{item}`; `/assess` shows the numbered list.")
        }
        (None, many) => {
            let names: Vec<_> = many.iter().map(|(n, it)| format!("{n} {it}")).collect();
            user_error!("`{item}` matches several items: {}. Use its number.", names.join("; "))
        }
    };
    let fresh = coach.store.tick_assessment(ctx.cohort.id, member.id, found.1, now.timestamp()).await?;
    Ok(if fresh {
        format!("☑ Ticked {} {}.", found.0, found.1)
    } else {
        format!("{} was already ticked.", found.1)
    })
}

/// The curriculum's assessment checklist, numbered `section.item` from 1.
fn checklist(curriculum: &Curriculum) -> Vec<(String, &String)> {
    curriculum
        .assessment
        .iter()
        .enumerate()
        .flat_map(|(i, list)| {
            list.items.iter().enumerate().map(move |(j, it)| (format!("{}.{}", i + 1, j + 1), it))
        })
        .collect()
}

async fn ticks(coach: &Coach, ctx: &CohortCtx, member: &Member) -> CoachResult<HashSet<String>> {
    Ok(coach.store.list_assessment_ticks(ctx.cohort.id, member.id).await?.into_iter().collect())
}

/// `/assess` without an item: the checklist with the member's ticks, numbered for `/assess 1.2`.
async fn checklist_view(coach: &Coach, ctx: &CohortCtx, member: &Member) -> CoachResult<String> {
    let ticks = ticks(coach, ctx, member).await?;
    let mut out = vec!["Cycle assessment (tick an item with `/assess <number or text>`):".to_string()];
    for (i, list) in ctx.curriculum.assessment.iter().enumerate() {
        out.push(format!("  {}. {}", i + 1, list.heading));
        for (j, item) in list.items.iter().enumerate() {
            let mark = if ticks.contains(item) { '☑' } else { '☐' };
            out.push(format!("    {}.{} {mark} {item}", i + 1, j + 1));
        }
    }
    Ok(out.join("\n"))
}

/// How a posted lesson stands for a member: `/progress` draws it, `studybot export` writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    OnTime,
    Late,
    /// The window closed without an on-time check and a freeze covered it.
    Freeze,
    /// An organizer excused the day (`/studybot correct … status:excused`).
    Excused,
    Missed,
    /// The window is still open and nothing is checked yet.
    Open,
}

impl Mark {
    /// An excused day shows like a freeze: the streak held over it.
    pub fn symbol(self) -> char {
        match self {
            Mark::OnTime => '✅',
            Mark::Late => '🕒',
            Mark::Freeze | Mark::Excused => '❄',
            Mark::Missed => '⬜',
            Mark::Open => '⏳',
        }
    }

    pub fn word(self) -> &'static str {
        match self {
            Mark::OnTime => "on time",
            Mark::Late => "late",
            Mark::Freeze => "freeze",
            Mark::Excused => "excused",
            Mark::Missed => "missed",
            Mark::Open => "open",
        }
    }
}

/// Each of `lessons` with its mark, from the member's check-ins (`checked`: day → on time) and
/// their streak summary.
pub fn marks(
    lessons: &[Lesson],
    checked: &HashMap<DayNumber, bool>,
    summary: &StreakSummary,
    now: DateTime<Utc>,
) -> Vec<(DayNumber, Mark)> {
    let frozen: HashSet<DayNumber> = summary.freezes_used.iter().copied().collect();
    let excused: HashSet<DayNumber> = summary.excused_days.iter().copied().collect();
    lessons
        .iter()
        .map(|l| {
            let mark = match checked.get(&l.day) {
                Some(true) => Mark::OnTime,
                Some(false) => Mark::Late,
                None if excused.contains(&l.day) => Mark::Excused,
                None if frozen.contains(&l.day) => Mark::Freeze,
                None if l.closes_at.is_some_and(|c| c <= now) => Mark::Missed,
                None => Mark::Open,
            };
            (l.day, mark)
        })
        .collect()
}
