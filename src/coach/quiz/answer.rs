//! Answering: a press on an option (or Submit on a multiple-select question), refused politely
//! when repeated, a replay of the same press a no-op; a late answer counts as wrong. The last
//! answer finishes the attempt and shows its result (`result.rs`).

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};

use super::render::LETTERS;
use super::{Press, bank, plan, read_press, result, show};
use crate::coach::checkpoint::enrol;
use crate::coach::context::{CohortCtx, instant};
use crate::coach::error::CoachResult;
use crate::coach::{Attachment, Block, Coach, Handled, Inbound, Message, Outgoing, charts, stats};
use crate::domain::quiz::{Answer, Review, in_time, is_correct, review_after};
use crate::quiz::{Question, Quiz, QuizKey};
use crate::store::{self, QuizAnswer, QuizAttempt, StoreError, Tx};

/// A press on `quiz:<attempt>:<question no>:<position | submit>`. Its dedupe key is stored with
/// its effect, so a redelivered press is a [`Handled::Replay`]: it neither toggles an option back
/// off nor answers the next question.
pub async fn button(coach: &Coach, inbound: &Inbound, id: &str, now: DateTime<Utc>) -> CoachResult<Handled> {
    let parts: Vec<&str> = id.split(':').collect();
    let (Some(attempt_id), Some(no), Some(choice)) = (
        parts.get(1).and_then(|p| p.parse::<i64>().ok()),
        parts.get(2).and_then(|p| p.parse::<i64>().ok()),
        parts.get(3),
    ) else {
        user_error!("That button is not from a quiz.");
    };
    let ctx = CohortCtx::for_channel(coach, &inbound.channel).await?;
    let bank = bank(&ctx)?;
    let mut tx = coach.store.begin().await?;
    if !store::mark_event_processed(&mut tx, &inbound.dedupe_key, "quiz", now.timestamp()).await? {
        tx.rollback().await?;
        return Ok(Handled::Replay);
    }
    let member = enrol(&mut tx, &ctx, inbound, now).await?;
    let attempt = store::get_attempt(&mut tx, attempt_id).await?;
    let Some(attempt) = attempt.filter(|a| a.member_id == member.id && a.cohort_id == ctx.cohort.id) else {
        user_error!("That quiz is not yours. `/quiz` shows the quizzes you can take.");
    };
    if attempt.state != store::QuizState::Open {
        user_error!("That quiz attempt is over. `/quiz` shows your quizzes.");
    }
    if attempt.question_no != no {
        user_error!("You already answered that question.");
    }
    let Some(quiz) = QuizKey::parse(&attempt.quiz_key).and_then(|k| bank.quiz(k)) else {
        user_error!("That quiz is no longer in the curriculum's bank.");
    };
    // The bank may have been edited (and the bot restarted) since the attempt began.
    if usize::try_from(no).map_or(true, |n| n >= quiz.questions.len()) {
        user_error!("That quiz changed since you started it; `/quiz` shows where you stand.");
    }
    let turn = Turn { ctx: &ctx, quiz, attempt: &attempt, now };
    let reply = turn.press(&mut tx, choice).await?;
    tx.commit().await?;
    Ok(vec![Outgoing::ephemeral_message(reply)].into())
}

/// One press on the question on screen.
struct Turn<'a> {
    ctx: &'a CohortCtx,
    quiz: &'a Quiz,
    attempt: &'a QuizAttempt,
    now: DateTime<Utc>,
}

impl Turn<'_> {
    fn question(&self) -> (&Question, Vec<usize>) {
        let plan = plan(self.quiz, self.attempt.seed);
        let no = usize::try_from(self.attempt.question_no).unwrap_or(0);
        (&self.quiz.questions[plan.questions[no]], plan.options[no].clone())
    }

    async fn press(&self, conn: &mut Tx, choice: &str) -> CoachResult<Message> {
        let (question, order) = self.question();
        let asked = instant(self.attempt.asked_at.unwrap_or(self.attempt.started_at));
        let late = !in_time(asked, self.now, Duration::seconds(self.ctx.cohort.quiz_seconds));
        let answer = if late {
            Answer::TimedOut
        } else {
            match read_press(question, &order, positions(&self.attempt.pending), choice)? {
                Press::Answered(chosen) => Answer::Chosen(chosen),
                Press::Toggled(toggled) => {
                    let pending = toggled.iter().map(ToString::to_string).collect::<Vec<_>>().join(",");
                    store::set_pending(conn, self.attempt.id, &pending).await?;
                    return Ok(show(self.ctx, self.quiz, self.attempt, &toggled));
                }
            }
        };
        let correct = self.record(conn, question, &order, &answer).await?;
        let verdict = match (late, correct) {
            (true, _) => "⏱️ Time was up for that question — it counts as wrong.".to_string(),
            (false, true) => "✅ Right.".to_string(),
            (false, false) => "❌ Not quite — it comes back in your reviews.".to_string(),
        };
        let next = self.attempt.question_no + 1;
        let mut message = if usize::try_from(next).unwrap_or(usize::MAX) < self.quiz.questions.len() {
            store::ask_question(conn, self.attempt.id, next, self.now.timestamp()).await?;
            let moved = QuizAttempt {
                question_no: next,
                asked_at: Some(self.now.timestamp()),
                ..self.attempt.clone()
            };
            show(self.ctx, self.quiz, &moved, &BTreeSet::new())
        } else {
            self.finish(conn).await?
        };
        message.blocks.insert(0, Block::Text(verdict));
        Ok(message)
    }

    /// Stores the answer (once: a repeat is refused by the key) and moves its review box.
    async fn record(
        &self,
        conn: &mut Tx,
        question: &Question,
        order: &[usize],
        answer: &Answer,
    ) -> CoachResult<bool> {
        let correct = is_correct(&question.correct_options(), answer);
        let chosen = match answer {
            Answer::TimedOut => "timeout".to_string(),
            Answer::Chosen(set) => {
                let shown =
                    |orig: &usize| order.iter().position(|o| o == orig).map_or("?", |p| LETTERS[p.min(4)]);
                set.iter().map(shown).collect::<Vec<_>>().join(",")
            }
        };
        let row = QuizAnswer {
            attempt_id: self.attempt.id,
            position: self.attempt.question_no,
            question_id: question.id.clone(),
            chosen,
            correct,
            answered_at: self.now.timestamp(),
        };
        match store::record_quiz_answer(conn, &row).await {
            Err(StoreError::Duplicate { .. }) => user_error!("You already answered that question."),
            other => other?,
        }
        let lessons = u32::try_from(self.ctx.slots.due_slots(self.now).len()).unwrap_or(0);
        update_review(
            conn,
            self.ctx.cohort.id,
            self.attempt.member_id,
            &question.id,
            correct,
            lessons,
            self.now,
        )
        .await?;
        Ok(correct)
    }

    async fn finish(&self, conn: &mut Tx) -> CoachResult<Message> {
        let answers = store::list_attempt_answers(conn, self.attempt.id).await?;
        let score = answers.iter().filter(|a| a.correct).count();
        let total = self.quiz.questions.len();
        let done = store::finish_quiz_attempt(
            conn,
            self.attempt.id,
            i64::try_from(score).unwrap_or(0),
            i64::try_from(total).unwrap_or(0),
            self.now.timestamp(),
        )
        .await?;
        stats::refresh(conn, self.ctx, self.attempt.member_id, self.now).await?;
        let message = result::message(&self.ctx.curriculum, self.quiz, &done, &answers, 0);
        Ok(message.with(Block::File(self.distribution(conn, &done.quiz_key, score, total).await?)))
    }

    /// The cohort's counted scores on this quiz as a histogram, this member's score marked: shown
    /// only now that they have finished.
    async fn distribution(
        &self,
        conn: &mut Tx,
        key: &str,
        score: usize,
        total: usize,
    ) -> CoachResult<Attachment> {
        let scores: Vec<u32> = store::counted_quiz_scores(conn, self.ctx.cohort.id, Some(key))
            .await?
            .into_iter()
            .map(|(_, _, right, _)| u32::try_from(right).unwrap_or(0))
            .collect();
        let title = format!("{} — scores in the cohort", self.quiz.title);
        let file = format!("quiz-{}-scores", key.replace(|c: char| !c.is_ascii_alphanumeric(), "-"));
        let (max, mine) = (u32::try_from(total).unwrap_or(0), u32::try_from(score).ok());
        Ok(charts::distribution(&title, &file, max, scores, mine).await)
    }
}

/// Leitner: a wrong answer goes to box 1, a right one moves up (or out of review).
pub(super) async fn update_review(
    conn: &mut Tx,
    cohort: i64,
    member: i64,
    question: &str,
    correct: bool,
    lessons: u32,
    now: DateTime<Utc>,
) -> CoachResult<()> {
    let current = store::get_review(conn, cohort, member, question).await?.map(|r| Review {
        leitner_box: u8::try_from(r.leitner_box).unwrap_or(1),
        due_lesson: u32::try_from(r.due_lesson).unwrap_or(0),
    });
    let next =
        review_after(current, correct, lessons).map(|r| (i64::from(r.leitner_box), i64::from(r.due_lesson)));
    store::put_review(conn, cohort, member, question, next, now.timestamp()).await?;
    Ok(())
}

/// Shown positions toggled so far, stored as `0,2`.
fn positions(pending: &str) -> BTreeSet<usize> {
    pending.split(',').filter_map(|p| p.trim().parse().ok()).collect()
}
