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
    /// Where the question stands, after the title: `question 2 of 12`, `3 due`; empty for none.
    pub count: String,
    /// The time limit, when there is one (quizzes; reviews have none).
    pub seconds: Option<i64>,
    pub question: &'a Question,
    pub order: &'a [usize],
    pub toggled: &'a BTreeSet<usize>,
    /// Button id prefix: `quiz:<attempt>:<question no>`, or `review:`/`warmup:<cohort>:<question id>:<mask>`.
    pub prefix: String,
}

pub fn question(shown: &Shown) -> Message {
    let q = shown.question;
    let how = match q.kind {
        QuestionKind::Multiple => "select all that apply, then Submit",
        QuestionKind::Single | QuestionKind::TrueFalse => "pick one",
    };
    let limit = shown.seconds.map(|s| format!(" · {}", limit(s))).unwrap_or_default();
    let count = if shown.count.is_empty() { String::new() } else { format!(" · {}", shown.count) };
    let mut text = format!("📝 **{}**{count}{limit} · {how}\n\n{}\n", shown.title, q.text);
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

/// The right answer of a question and why (its first paragraph, cut after a sentence to at most
/// `why_max` characters), with the lesson it belongs to.
pub fn lesson_note(curriculum: &Curriculum, question: &Question, why_max: usize) -> String {
    let right: Vec<&str> = question.options.iter().filter(|o| o.correct).map(|o| o.text.as_str()).collect();
    let lesson = curriculum.day(question.day).map_or(String::new(), |(_, d)| format!(" — {}", d.title));
    format!(
        "**{}**\n✔️ {}\n{}\n📖 Day {}{lesson}",
        first_line(&question.text),
        right.join(" · "),
        brief(first_paragraph(&question.explanation), why_max),
        question.day
    )
}

/// `text` when it has at most `max` characters, else its sentences that fit, or its words that
/// fit when the first sentence alone is too long, and an ellipsis.
fn brief(text: &str, max: usize) -> String {
    let Some((cut, _)) = text.char_indices().nth(max) else { return text.to_string() };
    let head = &text[..cut];
    let sentence = head.rfind(". ").map(|i| i + 1).filter(|i| *i >= cut / 3);
    let end = sentence.or_else(|| head.rfind(' ')).unwrap_or(cut);
    format!("{} …", &text[..end])
}

/// The explanation's first paragraph (a code block in it is kept whole).
fn first_paragraph(text: &str) -> &str {
    let mut end = 0;
    for part in text.split("\n\n") {
        end += part.len();
        if text[..end].matches("```").count().is_multiple_of(2) {
            return &text[..end];
        }
        end += 2;
    }
    text
}

/// A time limit as people say it: `45 s`, `10 min`, `1 min 30 s`.
pub fn limit(seconds: i64) -> String {
    match (seconds / 60, seconds % 60) {
        (0, s) => format!("{s} s"),
        (m, 0) => format!("{m} min"),
        (m, s) => format!("{m} min {s} s"),
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or(text)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_first_paragraph_keeps_a_code_block_whole() {
        assert_eq!(super::first_paragraph("one line.\n\ntwo."), "one line.");
        assert_eq!(super::first_paragraph("see\n```\na\n\nb\n```\n\nmore"), "see\n```\na\n\nb\n```");
        assert_eq!(super::first_paragraph("only"), "only");
    }

    #[test]
    fn a_long_explanation_is_cut_after_a_sentence() {
        let text = "One two three. Four five six seven. Eight nine.";
        assert_eq!(super::brief(text, 100), text);
        assert_eq!(super::brief(text, 40), "One two three. Four five six seven. …");
        assert_eq!(super::brief(text, 12), "One two …");
        assert_eq!(super::brief("ééééé", 3), "ééé …");
    }

    #[test]
    fn limits_read_as_minutes_and_seconds() {
        let shown: Vec<String> = [10, 59, 60, 90, 600].into_iter().map(super::limit).collect();
        assert_eq!(shown, ["10 s", "59 s", "1 min", "1 min 30 s", "10 min"]);
    }
}
