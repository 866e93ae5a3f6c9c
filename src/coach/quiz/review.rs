//! Spaced review: `/quiz review` asks the member's due questions one by one, and members who
//! opted in get one as a warm-up with each lesson post (one question, not a session). The state
//! lives in the review rows and in the buttons themselves (`review:` or `warmup:`, then
//! `<cohort>:<id>:<toggled mask>:<press>`), so a review needs no attempt, survives any restart,
//! and works from a direct message.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use super::answer::update_review;
use super::render::{self, Shown};
use super::{Press, bank, read_press, seed};
use crate::coach::checkpoint::enrol;
use crate::coach::context::CohortCtx;
use crate::coach::error::CoachResult;
use crate::coach::{Block, Coach, Handled, Inbound, Message, Outgoing};
use crate::domain::quiz::{Answer, is_correct, shuffle};
use crate::quiz::{Question, QuizBank};
use crate::store::{self, Tx};

/// `/quiz review`: the first due question, or a word that nothing is due.
pub async fn start(coach: &Coach, inbound: &Inbound, now: DateTime<Utc>) -> CoachResult<Vec<Outgoing>> {
    let ctx = CohortCtx::for_channel(coach, &inbound.channel).await?;
    let bank = bank(&ctx)?;
    let mut tx = coach.store.begin().await?;
    let member = enrol(&mut tx, &ctx, inbound, now).await?;
    let message = next_due(&mut tx, &ctx, &bank, member.id, Mode::Session, now).await?;
    tx.commit().await?;
    Ok(vec![Outgoing::ephemeral_message(message)])
}

/// The warm-up under a lesson post: the member's first due review question, if any.
pub async fn warmup(
    coach: &Coach,
    ctx: &CohortCtx,
    member: i64,
    now: DateTime<Utc>,
) -> CoachResult<Option<Message>> {
    let Some(bank) = ctx.bank.clone() else { return Ok(None) };
    let mut conn = coach.store.begin_read().await?;
    let lessons = i64::from(lessons(ctx, now));
    if store::list_due_reviews(&mut conn, ctx.cohort.id, member, lessons).await?.is_empty() {
        return Ok(None);
    }
    let mut message = next_due(&mut conn, ctx, &bank, member, Mode::Warmup, now).await?;
    let intro = format!("🔁 Warm-up for today's lesson of **{}**, from your reviews:", ctx.curriculum.title);
    message.blocks.insert(0, Block::Text(intro));
    Ok(Some(message))
}

/// A review session asks every due question in turn; a warm-up asks one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Session,
    Warmup,
}

impl Mode {
    fn of(id: &str) -> Mode {
        if id.starts_with("warmup:") { Mode::Warmup } else { Mode::Session }
    }

    fn prefix(self) -> &'static str {
        match self {
            Mode::Session => "review",
            Mode::Warmup => "warmup",
        }
    }
}

/// A press on `review:<cohort>:<question id>:<mask>:<position | submit>` (or `warmup:…`). A
/// redelivered press is a [`Handled::Replay`]: its dedupe key is stored with the answer (or, for
/// a toggle, alone).
pub async fn button(coach: &Coach, inbound: &Inbound, id: &str, now: DateTime<Utc>) -> CoachResult<Handled> {
    let parts: Vec<&str> = id.split(':').collect();
    let (Some(cohort), Some(qid), Some(mask), Some(press)) = (
        parts.get(1).and_then(|c| c.parse::<i64>().ok()),
        parts.get(2),
        parts.get(3).and_then(|m| m.parse::<u8>().ok()),
        parts.get(4),
    ) else {
        user_error!("That button is not from a review.");
    };
    // By id, not by channel: a warm-up question arrives as a direct message.
    let Some(cohort) = coach.store.get_cohort(cohort).await? else {
        user_error!("That cohort no longer exists.")
    };
    let ctx = CohortCtx::load(coach, cohort).await?;
    let bank = bank(&ctx)?;
    let mut tx = coach.store.begin().await?;
    if !store::mark_event_processed(&mut tx, &inbound.dedupe_key, "review", now.timestamp()).await? {
        tx.rollback().await?;
        return Ok(Handled::Replay);
    }
    let member = enrol(&mut tx, &ctx, inbound, now).await?;
    let lessons = lessons(&ctx, now);
    let mode = Mode::of(id);
    let due = store::list_due_reviews(&mut tx, ctx.cohort.id, member.id, i64::from(lessons)).await?;
    let Some(row) = due.iter().find(|r| r.question_id == *qid) else {
        user_error!("You already reviewed that question. `/quiz review` shows what is due.");
    };
    let Some(question) = find(&bank, qid) else { user_error!("That question is no longer in the bank.") };
    let order = options(ctx.cohort.id, member.id, question, row.due_lesson);
    let toggled: BTreeSet<usize> = (0..order.len()).filter(|p| mask & (1 << p) != 0).collect();
    let chosen = match read_press(question, &order, toggled, press)? {
        Press::Answered(chosen) => chosen,
        Press::Toggled(toggled) => {
            // The toggles live in the buttons; only the key is stored, so a replay stays a replay.
            tx.commit().await?;
            let message = ask(ctx.cohort.id, question, &order, &toggled, mode, due.len());
            return Ok(vec![Outgoing::ephemeral_message(message)].into());
        }
    };
    let correct = is_correct(&question.correct_options(), &Answer::Chosen(chosen));
    update_review(&mut tx, ctx.cohort.id, member.id, qid, correct, lessons, now).await?;
    let verdict = if correct {
        "✅ Right — it moves up a box and comes back later.".to_string()
    } else {
        format!("❌ Not yet — back to box 1.\n{}", render::lesson_note(&ctx.curriculum, question, usize::MAX))
    };
    let mut message = match mode {
        Mode::Session => next_due(&mut tx, &ctx, &bank, member.id, mode, now).await?,
        Mode::Warmup => warmup_done(due.len().saturating_sub(1)),
    };
    tx.commit().await?;
    message.blocks.insert(0, Block::Text(verdict));
    Ok(vec![Outgoing::ephemeral_message(message)].into())
}

async fn next_due(
    conn: &mut Tx,
    ctx: &CohortCtx,
    bank: &QuizBank,
    member: i64,
    mode: Mode,
    now: DateTime<Utc>,
) -> CoachResult<Message> {
    let due = store::list_due_reviews(conn, ctx.cohort.id, member, i64::from(lessons(ctx, now))).await?;
    let next = due.iter().find_map(|r| Some((r, find(bank, &r.question_id)?)));
    let Some((row, question)) = next else {
        return Ok(Message::text(
            "🎉 Nothing to review right now. Questions you miss come back 1, 3 and 7 lesson days later.",
        ));
    };
    let order = options(ctx.cohort.id, member, question, row.due_lesson);
    Ok(ask(ctx.cohort.id, question, &order, &BTreeSet::new(), mode, due.len()))
}

/// After the warm-up's one question: how many more wait for `/quiz review`.
fn warmup_done(more: usize) -> Message {
    Message::text(match more {
        0 => "That was today's warm-up, and nothing else is due. 🎉".to_string(),
        1 => {
            "That was today's warm-up. 1 more question is due: `/quiz review` when you have a minute.".into()
        }
        n => format!(
            "That was today's warm-up. {n} more questions are due: `/quiz review` when you have a minute."
        ),
    })
}

fn ask(
    cohort: i64,
    question: &Question,
    order: &[usize],
    toggled: &BTreeSet<usize>,
    mode: Mode,
    due: usize,
) -> Message {
    // Each button carries the toggles made so far, so a review stores no state of its own.
    let mask: u8 = toggled.iter().map(|p| 1u8 << p).sum();
    let (title, count) = match mode {
        Mode::Session => ("Review", format!("{due} due")),
        Mode::Warmup => ("Warm-up", String::new()),
    };
    render::question(&Shown {
        title: title.into(),
        count,
        seconds: None,
        question,
        order,
        toggled,
        prefix: format!("{}:{cohort}:{}:{mask}", mode.prefix(), question.id),
    })
}

/// Option order for a review question: fixed while it waits in the same box.
fn options(cohort: i64, member: i64, question: &Question, due_lesson: i64) -> Vec<usize> {
    let seed = seed(cohort, member, &question.id, due_lesson);
    shuffle(seed as u64, &[question.options.len()]).options.remove(0)
}

fn find<'a>(bank: &'a QuizBank, id: &str) -> Option<&'a Question> {
    bank.quizzes.iter().flat_map(|q| &q.questions).find(|q| q.id == id)
}

/// Lessons posted so far: review intervals are counted in lesson days.
fn lessons(ctx: &CohortCtx, now: DateTime<Utc>) -> u32 {
    u32::try_from(ctx.slots.due_slots(now).len()).unwrap_or(0)
}
