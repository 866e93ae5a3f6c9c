//! Quizzes: module quizzes and the final assessment, one question at a time and privately, scored
//! on the first completed attempt; missed questions come back for spaced review.

mod answer;
pub(super) mod render;
mod result;
mod review;

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};

pub use answer::button;
pub use result::button as result_button;
pub use review::button as review_button;

use super::checkpoint::enrol;
use super::context::CohortCtx;
use super::error::CoachResult;
use super::{Call, Coach, Inbound, Outgoing};
use crate::domain::quiz::shuffle;
use crate::hash::fnv1a_64;
use crate::quiz::{Question, QuestionKind, Quiz, QuizBank, QuizKey};
use crate::store::{self, NewQuizAttempt, QuizAttempt, QuizStart};

/// `/quiz module:N | final`: starts (or resumes) an attempt and shows its current question.
pub async fn command(
    coach: &Coach,
    inbound: &Inbound,
    call: &Call,
    now: DateTime<Utc>,
) -> CoachResult<Vec<Outgoing>> {
    if call.flag("review") {
        return review::start(coach, inbound, now).await;
    }
    let ctx = CohortCtx::for_channel(coach, &inbound.channel).await?;
    let bank = bank(&ctx)?;
    let key = match (call.int("module"), call.flag("final")) {
        (Some(n), _) => QuizKey::Module(u32::try_from(n).unwrap_or(0)),
        (None, true) => QuizKey::Final,
        (None, false) => return Ok(vec![Outgoing::ephemeral(overview(&ctx, &bank, now))]),
    };
    let Some(quiz) = bank.quiz(key) else {
        user_error!("There is no {key} quiz in this curriculum. {}", overview(&ctx, &bank, now));
    };
    if !is_open(&ctx, quiz, now) {
        user_error!("The {key} quiz opens once day {} has been posted.", quiz.opens_after);
    }
    let mut tx = coach.store.begin().await?;
    let member = enrol(&mut tx, &ctx, inbound, now).await?;
    let new = NewQuizAttempt {
        cohort_id: ctx.cohort.id,
        member_id: member.id,
        quiz_key: key.as_str(),
        seed: seed(ctx.cohort.id, member.id, &key.as_str(), now.timestamp()),
        started_at: now.timestamp(),
    };
    let attempt = match store::start_quiz_attempt(&mut tx, &new).await? {
        QuizStart::Started(a) => {
            store::ask_question(&mut tx, a.id, 0, now.timestamp()).await?;
            QuizAttempt { asked_at: Some(now.timestamp()), ..a }
        }
        // A second `/quiz` while one is open shows where the member left off.
        QuizStart::AlreadyOpen(a) => a,
    };
    tx.commit().await?;
    Ok(vec![Outgoing::ephemeral_message(show(&ctx, quiz, &attempt, &BTreeSet::new()))])
}

/// `/review on|off`: a warm-up review question with each lesson post, as a direct message.
pub async fn warmup_command(
    coach: &Coach,
    inbound: &Inbound,
    call: &Call,
    now: DateTime<Utc>,
) -> CoachResult<Vec<Outgoing>> {
    let ctx = CohortCtx::for_channel(coach, &inbound.channel).await?;
    bank(&ctx)?;
    let on = call.text("state") == Some("on");
    let mut tx = coach.store.begin().await?;
    let member = enrol(&mut tx, &ctx, inbound, now).await?;
    store::set_review_warmup(&mut tx, ctx.cohort.id, member.id, on).await?;
    tx.commit().await?;
    Ok(vec![Outgoing::ephemeral(if on {
        "🔁 With each lesson post you'll get one warm-up question from your due reviews (if any). `/review off` stops it."
    } else {
        "Warm-up review questions are off. `/quiz review` still asks what is due."
    })])
}

/// An open attempt older than this is abandoned: it never scores, and `/quiz` starts afresh.
const ATTEMPT_EXPIRY: chrono::Duration = chrono::Duration::hours(24);

/// Time-driven quiz work of a cohort: announce each quiz in the channel once its last day is
/// posted, and let abandoned attempts expire.
pub async fn on_tick(
    coach: &Coach,
    ctx: &CohortCtx,
    now: DateTime<Utc>,
    out: &mut Vec<Outgoing>,
) -> CoachResult<()> {
    store::expire_attempts(
        &mut *coach.store.acquire_write().await?,
        ctx.cohort.id,
        (now - ATTEMPT_EXPIRY).timestamp(),
    )
    .await?;
    let Some(bank) = ctx.bank.clone() else { return Ok(()) };
    for quiz in &bank.quizzes {
        // Within the tick's lookback only: no claim per tick for quizzes announced long ago.
        let recent = |s: &crate::domain::Slot| s.at <= now && s.at > now - super::tick::LOOKBACK;
        let Some(slot) = ctx.slots.slot_of(quiz.opens_after).filter(recent) else { continue };
        let job = format!("quiz-open:{}:{}", ctx.cohort.id, quiz.key.as_str());
        if coach.store.claim_job(&job, slot.at.timestamp(), now.timestamp()).await? {
            let text = format!(
                "🧠 The **{}** quiz is open — {} questions, privately, {} each: `/quiz {}`. Your first attempt counts.",
                quiz.key,
                quiz.questions.len(),
                render::limit(ctx.cohort.quiz_seconds),
                command_of(quiz.key)
            );
            out.push(Outgoing::channel(&super::tick::channel(ctx), super::Message::text(text)));
        }
    }
    Ok(())
}

/// With a lesson post: a warm-up review question for each member who asked for one and has one due.
pub async fn warmups(
    coach: &Coach,
    ctx: &CohortCtx,
    now: DateTime<Utc>,
    out: &mut Vec<Outgoing>,
) -> CoachResult<()> {
    for (membership, member) in coach.store.list_cohort_member_profiles(ctx.cohort.id).await? {
        if !membership.review_warmup {
            continue;
        }
        if let Some(message) = review::warmup(coach, ctx, member.id, now).await? {
            out.push(Outgoing::direct(member.platform.as_str(), &member.user_id, message));
        }
    }
    Ok(())
}

fn bank(ctx: &CohortCtx) -> CoachResult<Arc<QuizBank>> {
    match ctx.bank.clone() {
        Some(bank) => Ok(bank),
        None => user_error!("This cohort's curriculum has no quizzes."),
    }
}

/// A quiz opens when its `Opens after` day has been posted.
fn is_open(ctx: &CohortCtx, quiz: &Quiz, now: DateTime<Utc>) -> bool {
    ctx.slots.due_slots(now).iter().any(|s| s.day == quiz.opens_after)
}

fn overview(ctx: &CohortCtx, bank: &QuizBank, now: DateTime<Utc>) -> String {
    let lines: Vec<String> = bank
        .quizzes
        .iter()
        .map(|q| {
            let state = if is_open(ctx, q, now) {
                format!("open — `/quiz {}`", command_of(q.key))
            } else {
                format!("opens after day {}", q.opens_after)
            };
            format!("• {} ({} questions): {state}", q.key, q.questions.len())
        })
        .collect();
    format!("Quizzes:\n{}", lines.join("\n"))
}

fn command_of(key: QuizKey) -> String {
    match key {
        QuizKey::Module(n) => format!("module:{n}"),
        QuizKey::Final => "final".into(),
    }
}

/// The attempt's current question, in its shuffled order.
fn show(ctx: &CohortCtx, quiz: &Quiz, attempt: &QuizAttempt, toggled: &BTreeSet<usize>) -> super::Message {
    let plan = plan(quiz, attempt.seed);
    let no = usize::try_from(attempt.question_no).unwrap_or(0).min(quiz.questions.len().saturating_sub(1));
    render::question(&render::Shown {
        title: quiz.key.to_string(),
        count: format!("question {} of {}", no + 1, quiz.questions.len()),
        seconds: Some(ctx.cohort.quiz_seconds),
        question: &quiz.questions[plan.questions[no]],
        order: &plan.options[no],
        toggled,
        prefix: format!("quiz:{}:{no}", attempt.id),
    })
}

fn plan(quiz: &Quiz, seed: i64) -> crate::domain::quiz::Shuffle {
    let counts: Vec<usize> = quiz.questions.iter().map(|q| q.options.len()).collect();
    shuffle(seed as u64, &counts)
}

/// What a press on a question's button does.
enum Press {
    /// An option of a multiple-select question ticked or unticked: shown positions now ticked.
    Toggled(BTreeSet<usize>),
    /// The question answered, with the chosen options in file order.
    Answered(BTreeSet<usize>),
}

/// Reads a press (`<shown position>` or `submit`) on a question shown in `order`, with the
/// shown positions `toggled` so far. Only Submit answers a multiple-select question.
fn read_press(
    question: &Question,
    order: &[usize],
    mut toggled: BTreeSet<usize>,
    press: &str,
) -> CoachResult<Press> {
    if press == "submit" {
        return Ok(Press::Answered(toggled.iter().filter_map(|p| order.get(*p).copied()).collect()));
    }
    let Some(pos) = press.parse::<usize>().ok().filter(|p| *p < order.len()) else {
        user_error!("That option does not exist.");
    };
    if question.kind != QuestionKind::Multiple {
        return Ok(Press::Answered(BTreeSet::from([order[pos]])));
    }
    if !toggled.remove(&pos) {
        toggled.insert(pos);
    }
    Ok(Press::Toggled(toggled))
}

/// A stable seed per attempt (FNV-1a), stored with it so the order survives a restart.
fn seed(cohort: i64, member: i64, key: &str, at: i64) -> i64 {
    (fnv1a_64(format!("{cohort}:{member}:{key}:{at}").as_bytes()) >> 1) as i64
}
