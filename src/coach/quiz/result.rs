//! The end of a quiz as one compact message: the score, then each miss with its right answer, why
//! (one paragraph) and its lesson, paged to fit one chat message, with buttons that turn the pages
//! (`result:<attempt>:<page>`). Everything is rebuilt from the stored attempt, so a page press works
//! after any restart.

use super::bank;
use super::render::lesson_note;
use crate::coach::context::CohortCtx;
use crate::coach::error::CoachResult;
use crate::coach::{Block, Button, Coach, Inbound, Message, Outgoing, platform_of};
use crate::curriculum::Curriculum;
use crate::domain::quiz::quiz_points;
use crate::quiz::{Quiz, QuizKey};
use crate::store::{self, QuizAnswer, QuizAttempt, QuizState};

/// Characters of one page: under Discord's 2,000 for a message's content (Slack allows 3,000 in
/// a section), with room for the verdict of the last answer above it.
pub const PAGE_MAX: usize = 1_900;
/// Characters of a miss's explanation: two misses fit a page, each with the gist of why.
const WHY_MAX: usize = 480;

/// The result of a finished `attempt`, showing `page` (0-based) of its misses.
pub fn message(
    curriculum: &Curriculum,
    quiz: &Quiz,
    attempt: &QuizAttempt,
    answers: &[QuizAnswer],
    page: usize,
) -> Message {
    let score = attempt.score.unwrap_or(0);
    let total = attempt.max_score.unwrap_or(0);
    let counts = if attempt.counted {
        format!("it counts: +{} quiz points", quiz_points(u32::try_from(score).unwrap_or(0)))
    } else {
        "practice — your first attempt is the one that counts".to_string()
    };
    let mut text = format!("🏁 **{}**: {score}/{total} ({counts}).", quiz.key);
    let misses: Vec<String> = answers
        .iter()
        .filter(|a| !a.correct)
        .filter_map(|a| quiz.questions.iter().find(|q| q.id == a.question_id))
        .map(|q| format!("❌ {}", lesson_note(curriculum, q, WHY_MAX)))
        .collect();
    if misses.is_empty() {
        return Message::text(text);
    }
    // The line that names the page's misses ("What you missed (10–11 of 12):") takes at most 40.
    let pages = pages(&misses, PAGE_MAX.saturating_sub(text.chars().count() + 40));
    let page = page.min(pages.len() - 1);
    let shown = pages[page].clone();
    let range = if shown.len() == 1 {
        format!("{}", shown.end)
    } else {
        format!("{}–{}", shown.start + 1, shown.end)
    };
    text.push_str(&format!("\nWhat you missed ({range} of {}):\n\n", misses.len()));
    text.push_str(&misses[shown].join("\n\n"));
    let mut message = Message::text(text);
    let turn =
        |to: usize, label: &str| Button { id: format!("result:{}:{to}", attempt.id), label: label.into() };
    let mut buttons = Vec::new();
    if page > 0 {
        buttons.push(turn(page - 1, "◀ Back"));
    }
    if page + 1 < pages.len() {
        buttons.push(turn(page + 1, "More ▶"));
    }
    if !buttons.is_empty() {
        message.blocks.push(Block::Buttons(buttons));
    }
    message
}

/// Consecutive runs of `items` that fit `budget` characters each (joined by a blank line); an
/// item longer than the budget gets a page of its own.
fn pages(items: &[String], budget: usize) -> Vec<std::ops::Range<usize>> {
    let mut pages = Vec::new();
    let (mut start, mut used) = (0, 0);
    for (i, item) in items.iter().enumerate() {
        let len = item.chars().count() + 2;
        if i > start && used + len > budget {
            pages.push(start..i);
            (start, used) = (i, 0);
        }
        used += len;
    }
    if start < items.len() {
        pages.push(start..items.len());
    }
    pages
}

/// A press on `result:<attempt>:<page>`: the member's own finished attempt, at that page.
pub async fn button(coach: &Coach, inbound: &Inbound, id: &str) -> CoachResult<Vec<Outgoing>> {
    let mut parts = id.split(':').skip(1).map(str::parse::<i64>);
    let (Some(Ok(attempt_id)), Some(Ok(page))) = (parts.next(), parts.next()) else {
        user_error!("That button is not from a quiz result.");
    };
    let ctx = CohortCtx::for_channel(coach, &inbound.channel).await?;
    let bank = bank(&ctx)?;
    let platform = platform_of(&inbound.channel)?;
    let member = coach.store.find_member(platform, &inbound.actor.user_id).await?;
    let mut tx = coach.store.begin_read().await?;
    let attempt = store::get_attempt(&mut tx, attempt_id).await?;
    let mine = |a: &QuizAttempt| {
        member.as_ref().is_some_and(|m| m.id == a.member_id) && a.cohort_id == ctx.cohort.id
    };
    let Some(attempt) = attempt.filter(mine) else {
        user_error!("That quiz result is not yours. `/quiz` shows the quizzes you can take.");
    };
    let Some(quiz) = QuizKey::parse(&attempt.quiz_key).and_then(|k| bank.quiz(k)) else {
        user_error!("That quiz is no longer in the curriculum's bank.");
    };
    if attempt.state != QuizState::Finished {
        user_error!("That quiz attempt has no result. `/quiz` shows your quizzes.");
    }
    let answers = store::list_attempt_answers(&mut tx, attempt.id).await?;
    let page = usize::try_from(page).unwrap_or(0);
    Ok(vec![Outgoing::ephemeral_message(message(&ctx.curriculum, quiz, &attempt, &answers, page))])
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::{PAGE_MAX, message, pages};
    use crate::coach::{Block, Catalog};
    use crate::quiz::QuizKey;
    use crate::store::{QuizAnswer, QuizAttempt, QuizState};

    fn text(m: &crate::coach::Message) -> &str {
        m.blocks.iter().find_map(|b| if let Block::Text(t) = b { Some(t.as_str()) } else { None }).unwrap()
    }

    fn buttons(m: &crate::coach::Message) -> Vec<(String, String)> {
        let all = m.blocks.iter().flat_map(|b| if let Block::Buttons(b) = b { b.as_slice() } else { &[] });
        all.map(|b| (b.label.clone(), b.id.clone())).collect()
    }

    #[test]
    fn every_miss_is_shown_once_on_pages_that_fit_one_message() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("curriculum");
        let catalog = Catalog::load_dir(&dir).unwrap();
        let id = "days_121_150_lakehouse_architecture";
        let (curriculum, bank) = (catalog.get(id).unwrap(), catalog.bank(id).unwrap());
        let quiz = bank.quiz(QuizKey::Final).unwrap();
        let total = i64::try_from(quiz.questions.len()).unwrap();
        let attempt = QuizAttempt {
            id: 7,
            cohort_id: 1,
            member_id: 2,
            quiz_key: "final".into(),
            attempt_no: 1,
            seed: 0,
            started_at: 0,
            finished_at: Some(1),
            score: Some(0),
            max_score: Some(total),
            state: QuizState::Finished,
            question_no: total - 1,
            asked_at: None,
            pending: String::new(),
            counted: true,
        };
        let answers: Vec<QuizAnswer> = (0..total)
            .zip(&quiz.questions)
            .map(|(position, q)| QuizAnswer {
                attempt_id: 7,
                position,
                question_id: q.id.clone(),
                chosen: "A".into(),
                correct: false,
                answered_at: 1,
            })
            .collect();
        let mut page = 0;
        let mut seen = Vec::new();
        loop {
            let shown = message(&curriculum, quiz, &attempt, &answers, page);
            let body = text(&shown);
            assert!(body.chars().count() <= PAGE_MAX, "page {page}: {} characters", body.chars().count());
            assert!(
                body.starts_with(&format!("🏁 **Final Assessment**: 0/{total} (it counts: +0 quiz points).")),
                "{body}"
            );
            seen.extend(
                quiz.questions
                    .iter()
                    .filter(|q| body.contains(&format!("❌ **{}**", q.text.lines().next().unwrap())))
                    .map(|q| q.id.clone()),
            );
            match buttons(&shown).into_iter().find(|(label, _)| label == "More ▶") {
                Some((_, id)) => {
                    assert_eq!(id, format!("result:7:{}", page + 1));
                    page += 1;
                }
                None => break,
            }
        }
        assert!(page > 0, "{total} misses take more than one page");
        println!("{total} misses of the final on {} pages", page + 1);
        let back = buttons(&message(&curriculum, quiz, &attempt, &answers, page));
        assert_eq!(back, vec![("◀ Back".to_string(), format!("result:7:{}", page - 1))]);
        let all: Vec<String> = quiz.questions.iter().map(|q| q.id.clone()).collect();
        assert_eq!(seen, all, "each miss once, in order");
    }

    #[test]
    fn pages_fill_up_to_the_budget_and_a_long_item_stands_alone() {
        let items: Vec<String> = [8, 8, 8, 30, 8].iter().map(|n| "x".repeat(*n)).collect();
        assert_eq!(pages(&items, 20), vec![0..2, 2..3, 3..4, 4..5]);
        assert_eq!(pages(&items, 100), vec![0..5]);
        assert!(pages(&[], 100).is_empty());
    }
}
