//! Whole-bank checks: duplicates across quizzes, and every day checked against the curriculum and its quiz.

use std::collections::{BTreeSet, HashMap};

use super::draft::normalize;
use super::model::{Quiz, QuizBank, QuizKey};
use crate::curriculum::{Curriculum, Diagnostic};
use crate::domain::DayNumber;

pub fn validate(bank: &QuizBank, curriculum: &Curriculum) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    duplicate_quizzes(bank, &mut found);
    duplicate_questions(bank, &mut found);
    let days: BTreeSet<u32> = curriculum.days().map(|d| d.day.get()).collect();
    for quiz in &bank.quizzes {
        quiz_days(quiz, &days, &mut found);
    }
    found
}

fn duplicate_quizzes(bank: &QuizBank, found: &mut Vec<Diagnostic>) {
    let mut seen: HashMap<QuizKey, usize> = HashMap::new();
    for quiz in &bank.quizzes {
        if let Some(first) = seen.get(&quiz.key) {
            found.push(Diagnostic::error(
                quiz.line,
                format!(
                    "{} appears twice (first at line {first}); merge the two sections or renumber one",
                    quiz.key
                ),
            ));
        } else {
            seen.insert(quiz.key, quiz.line);
        }
    }
}

fn duplicate_questions(bank: &QuizBank, found: &mut Vec<Diagnostic>) {
    let mut ids: HashMap<&str, usize> = HashMap::new();
    let mut texts: HashMap<String, usize> = HashMap::new();
    for question in bank.quizzes.iter().flat_map(|q| &q.questions) {
        if let Some(first) = ids.get(question.id.as_str()) {
            found.push(Diagnostic::error(
                question.line,
                format!(
                    "the id `{}` is already used by the question at line {first}; ids are unique in the \
                     bank — give this one its own `Id:` line",
                    question.id
                ),
            ));
        } else {
            ids.insert(&question.id, question.line);
        }
        let text = normalize(&question.text);
        if let Some(first) = texts.get(&text) {
            found.push(Diagnostic::error(
                question.line,
                format!(
                    "this question repeats the question at line {first} word for word; remove it or \
                     ask something else"
                ),
            ));
        } else {
            texts.insert(text, question.line);
        }
    }
}

fn quiz_days(quiz: &Quiz, days: &BTreeSet<u32>, found: &mut Vec<Diagnostic>) {
    let (first, last) = quiz.covers;
    let missing = missing_days(first.get(), last.get(), days);
    if !missing.is_empty() {
        let why = format!(
            "`Covers:` names {missing}, not in the curriculum ({}); cover only days the curriculum has",
            has(days)
        );
        found.push(Diagnostic::error(quiz.line, why));
    }
    if !days.contains(&quiz.opens_after.get()) {
        let why = format!(
            "`Opens after: day {}` is not a curriculum day ({}); the quiz would never open — \
             use a day it has, usually the last covered day",
            quiz.opens_after,
            has(days)
        );
        found.push(Diagnostic::error(quiz.line, why));
    } else if quiz.opens_after < last {
        let why = format!(
            "{} opens after day {} but covers up to day {last}: members can take it before that lesson \
             is posted",
            quiz.key, quiz.opens_after
        );
        found.push(Diagnostic::warning(quiz.line, why));
    }
    for q in &quiz.questions {
        if !days.contains(&q.day.get()) {
            let why = format!(
                "`Day: {}` is not a curriculum day ({}); name the day the question tests",
                q.day,
                has(days)
            );
            found.push(Diagnostic::error(q.line, why));
        } else if !quiz.covers_day(q.day) {
            let why = format!(
                "`Day: {}` lies outside {}'s `Covers: days {first}-{last}`; move the question to the \
                 quiz that covers day {}, or widen `Covers:`",
                q.day, quiz.key, q.day
            );
            found.push(Diagnostic::error(q.line, why));
        } else if q.day > quiz.opens_after {
            found.push(Diagnostic::warning(q.line, asked_before_taught(quiz, q.day)));
        }
    }
}

/// A question about a day after the quiz opens is asked before its lesson is posted: a warning,
/// not an error, since the bank still works, but members meet material they were never taught.
fn asked_before_taught(quiz: &Quiz, day: DayNumber) -> String {
    format!(
        "`Day: {day}` comes after {}'s `Opens after: day {}`: members can get this question before the \
         lesson of day {day} is posted; move the question to a quiz that opens after day {day}, or \
         open this quiz later",
        quiz.key, quiz.opens_after
    )
}

/// The days of `first..=last` the curriculum lacks, described briefly (`day 128`, `days 151-160`, ...).
/// Walks the curriculum's days, not the range, so a range of four billion days costs nothing.
fn missing_days(first: u32, last: u32, days: &BTreeSet<u32>) -> String {
    let mut gaps = Vec::new();
    let mut next = Some(first);
    for &day in days.range(first..=last) {
        if let Some(from) = next.filter(|&n| n < day) {
            gaps.push((from, day - 1));
        }
        next = day.checked_add(1);
    }
    if let Some(from) = next.filter(|&n| n <= last) {
        gaps.push((from, last));
    }
    let parts: Vec<String> = gaps
        .iter()
        .take(3)
        .map(|&(a, b)| if a == b { format!("day {a}") } else { format!("days {a}-{b}") })
        .collect();
    let more = if gaps.len() > 3 { " and more" } else { "" };
    if parts.is_empty() { String::new() } else { format!("{}{more}", parts.join(", ")) }
}

fn has(days: &BTreeSet<u32>) -> String {
    match (days.first(), days.last()) {
        (Some(a), Some(b)) => format!("it has days {a}-{b}"),
        _ => "it has no days".to_string(),
    }
}
