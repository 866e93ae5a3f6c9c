//! Spaced review: `/quiz review` asks the member's due questions one by one. The state lives in
//! the review rows and in the buttons themselves (`review:<id>:<toggled mask>:<press>`), so a
//! review needs no attempt and survives any restart.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use super::answer::update_review;
use super::render::{self, Shown};
use super::{bank, seed};
use crate::coach::checkpoint::enrol;
use crate::coach::context::CohortCtx;
use crate::coach::error::CoachResult;
use crate::coach::{Block, Coach, Inbound, Message, Outgoing};
use crate::domain::quiz::{Answer, is_correct, shuffle};
use crate::quiz::{Question, QuestionKind, QuizBank};
use crate::store;

/// `/quiz review`: the first due question, or a word that nothing is due.
pub async fn start(coach: &Coach, inbound: &Inbound, now: DateTime<Utc>) -> CoachResult<Vec<Outgoing>> {
    let ctx = CohortCtx::for_channel(coach, &inbound.channel).await?;
    let bank = bank(coach, &ctx)?;
    let mut tx = coach.store.begin().await?;
    let member = enrol(&mut tx, &ctx, inbound, now).await?;
    let message = next_due(&mut tx, &ctx, &bank, member.id, now).await?;
    tx.commit().await?;
    Ok(vec![Outgoing::ephemeral_message(message)])
}

/// A press on `review:<question id>:<mask>:<position | submit>`.
pub async fn button(
    coach: &Coach,
    inbound: &Inbound,
    id: &str,
    now: DateTime<Utc>,
) -> CoachResult<Vec<Outgoing>> {
    let parts: Vec<&str> = id.split(':').collect();
    let (Some(qid), Some(mask), Some(press)) =
        (parts.get(1), parts.get(2).and_then(|m| m.parse::<u8>().ok()), parts.get(3))
    else {
        user_error!("That button is not from a review.");
    };
    let ctx = CohortCtx::for_channel(coach, &inbound.channel).await?;
    let bank = bank(coach, &ctx)?;
    let mut tx = coach.store.begin().await?;
    let member = enrol(&mut tx, &ctx, inbound, now).await?;
    let lessons = lessons(&ctx, now);
    let due = store::list_due_reviews(&mut tx, ctx.cohort.id, member.id, i64::from(lessons)).await?;
    let Some(row) = due.iter().find(|r| r.question_id == *qid) else {
        user_error!("You already reviewed that question. `/quiz review` shows what is due.");
    };
    let Some(question) = find(&bank, qid) else { user_error!("That question is no longer in the bank.") };
    let order = options(ctx.cohort.id, member.id, question, row.due_lesson);
    let mut toggled: BTreeSet<usize> = (0..order.len()).filter(|p| mask & (1 << p) != 0).collect();
    let chosen = if *press == "submit" {
        toggled.iter().map(|p| order[*p]).collect()
    } else {
        let Some(pos) = press.parse::<usize>().ok().filter(|p| *p < order.len()) else {
            user_error!("That option does not exist.");
        };
        if question.kind == QuestionKind::Multiple {
            if !toggled.remove(&pos) {
                toggled.insert(pos);
            }
            return Ok(vec![Outgoing::ephemeral_message(ask(question, &order, &toggled, 1, due.len()))]);
        }
        BTreeSet::from([order[pos]])
    };
    let right: BTreeSet<usize> =
        question.options.iter().enumerate().filter(|(_, o)| o.correct).map(|(i, _)| i).collect();
    let correct = is_correct(&right, &Answer::Chosen(chosen));
    update_review(&mut tx, ctx.cohort.id, member.id, qid, correct, lessons, now).await?;
    let verdict = if correct {
        "✅ Right — it moves up a box and comes back later.".to_string()
    } else {
        format!("❌ Not yet — back to box 1.\n{}", render::lesson_note(&ctx.curriculum, question))
    };
    let mut message = next_due(&mut tx, &ctx, &bank, member.id, now).await?;
    tx.commit().await?;
    message.blocks.insert(0, Block::Text(verdict));
    Ok(vec![Outgoing::ephemeral_message(message)])
}

async fn next_due(
    conn: &mut sqlx::AnyConnection,
    ctx: &CohortCtx,
    bank: &QuizBank,
    member: i64,
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
    Ok(ask(question, &order, &BTreeSet::new(), 1, due.len()))
}

fn ask(
    question: &Question,
    order: &[usize],
    toggled: &BTreeSet<usize>,
    number: usize,
    total: usize,
) -> Message {
    // Each button carries the toggles made so far, so a review stores no state of its own.
    let mask: u8 = toggled.iter().map(|p| 1u8 << p).sum();
    render::question(&Shown {
        title: "Review".into(),
        number,
        total,
        seconds: None,
        question,
        order,
        toggled,
        prefix: format!("review:{}:{mask}", question.id),
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
    u32::try_from(ctx.calendar.due_slots(now).len()).unwrap_or(0)
}
