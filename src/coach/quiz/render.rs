//! How a quiz question, its progress and the final result look, in the platform-neutral message model.

use std::collections::BTreeSet;

use super::super::{Block, Button, Message};
use crate::curriculum::Curriculum;
use crate::quiz::{Question, QuestionKind};

/// Option letters: five buttons fit a Discord row, and banks have at most five options.
pub const LETTERS: [&str; 5] = ["A", "B", "C", "D", "E"];

/// One question as shown: `order` maps shown positions to the bank's option indexes, `toggled`
/// holds shown positions ticked so far on a multiple-select question.
pub struct Shown<'a> {
    pub title: String,
    pub number: usize,
    pub total: usize,
    /// The time limit, when there is one (quizzes; reviews have none).
    pub seconds: Option<i64>,
    pub question: &'a Question,
    pub order: &'a [usize],
    pub toggled: &'a BTreeSet<usize>,
    /// Button id prefix: `quiz:<attempt>:<question no>` or `review:<question id>`.
    pub prefix: String,
}

pub fn question(shown: &Shown) -> Message {
    let q = shown.question;
    let how = match q.kind {
        QuestionKind::Multiple => "select all that apply, then Submit",
        QuestionKind::Single | QuestionKind::TrueFalse => "pick one",
    };
    let limit = shown.seconds.map(|s| format!(" · {s} s")).unwrap_or_default();
    let mut text = format!(
        "📝 **{}** · question {} of {}{limit} · {how}\n\n{}\n",
        shown.title, shown.number, shown.total, q.text
    );
    for (pos, original) in shown.order.iter().enumerate() {
        let mark = if shown.toggled.contains(&pos) { "☑" } else { " " };
        let option = q.options.get(*original).map_or("", |o| o.text.as_str());
        text.push_str(&format!("\n{mark} **{}**) {option}", LETTERS[pos.min(4)]));
    }
    let mut buttons: Vec<Button> = (0..shown.order.len())
        .map(|pos| Button { id: format!("{}:{pos}", shown.prefix), label: LETTERS[pos.min(4)].to_string() })
        .collect();
    if q.kind == QuestionKind::Multiple {
        buttons.push(Button { id: format!("{}:submit", shown.prefix), label: "Submit".into() });
    }
    Message { blocks: vec![Block::Text(text), Block::Buttons(buttons)] }
}

/// The right answer of a question and why, with the lesson it belongs to.
pub fn lesson_note(curriculum: &Curriculum, question: &Question) -> String {
    let right: Vec<&str> = question.options.iter().filter(|o| o.correct).map(|o| o.text.as_str()).collect();
    let lesson = curriculum.day(question.day).map_or(String::new(), |(_, d)| format!(" — {}", d.title));
    format!(
        "**{}**\n✔️ {}\n{}\n📖 Day {}{lesson}",
        first_line(&question.text),
        right.join(" · "),
        question.explanation,
        question.day
    )
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or(text)
}
