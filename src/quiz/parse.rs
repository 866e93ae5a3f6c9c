//! The quiz bank parser: one pass over the Markdown lines, building quizzes, questions and diagnostics.

use std::sync::LazyLock;

use regex::Regex;

use super::draft::{QuestionDraft, Stage};
use super::lines::{Label, Text, label, option, quote};
use super::model::{Quiz, QuizBank, QuizKey};
use crate::curriculum::text::{clean_heading, shorten};
use crate::curriculum::{Diagnostic, utf8_text};
use crate::domain::DayNumber;

static MODULE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?i:module)\s+(\d+)\s*(?::\s*(.*?))?\s*$").unwrap());
static FINAL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?i:final\s+assessment)\s*(?::\s*(.*?))?\s*$").unwrap());
static COVERS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?i:days?)\s+(\d+)(?:\s*[-–—]\s*(\d+))?\s*$").unwrap());
static DAY: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^(?:(?i:day)\s+)?(\d+)\s*$").unwrap());

/// Parses raw bytes; text that is not UTF-8 is an error at the line and column of the first bad byte.
pub fn parse_bytes(bytes: &[u8]) -> Result<(QuizBank, Vec<Diagnostic>), Diagnostic> {
    utf8_text(bytes).map(parse)
}

/// Parses quiz bank Markdown. Never fails: problems become diagnostics beside a best-effort bank.
pub fn parse(text: &str) -> (QuizBank, Vec<Diagnostic>) {
    let mut parser = Parser::default();
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    for (index, raw) in text.split('\n').enumerate() {
        parser.line(index + 1, raw.strip_suffix('\r').unwrap_or(raw));
    }
    parser.finish()
}

/// A `##` quiz whose header lines may still be missing; it becomes a [`Quiz`] when it closes.
struct QuizDraft {
    key: QuizKey,
    title: String,
    line: usize,
    covers: Option<(DayNumber, DayNumber)>,
    opens_after: Option<DayNumber>,
    intro: Text,
    questions: Vec<super::model::Question>,
}

#[derive(Default)]
struct Parser {
    quizzes: Vec<Quiz>,
    diagnostics: Vec<Diagnostic>,
    title_line: Option<usize>,
    quiz: Option<QuizDraft>,
    /// Under a `##` heading that is not a quiz: reported once, its content skipped.
    skipping: bool,
    question: Option<QuestionDraft>,
    /// The line of the fence that opened the code block we are in.
    fence: Option<usize>,
    quiz_headings: usize,
}

fn is_fence(trimmed: &str) -> bool {
    trimmed.starts_with("```") || trimmed.starts_with("~~~")
}

/// `## text` → `text` for level 2; `###` is not level 2.
fn heading(trimmed: &str, level: usize) -> Option<&str> {
    let rest = trimmed.strip_prefix(&"#".repeat(level)[..])?;
    if rest.is_empty() {
        return Some("");
    }
    rest.strip_prefix([' ', '\t']).map(str::trim)
}

impl Parser {
    fn line(&mut self, number: usize, line: &str) {
        let trimmed = line.trim();
        if self.fence.is_some() {
            if is_fence(trimmed) {
                self.fence = None;
            }
            return self.text(number, line, false);
        }
        if let Some(h) = heading(trimmed, 2) {
            return self.start_quiz(number, h);
        }
        if self.skipping {
            return;
        }
        if is_fence(trimmed) {
            self.fence = Some(number);
            self.text(number, line, true);
        } else if let Some(h) = heading(trimmed, 1) {
            self.title(number, h);
        } else if let Some(h) = heading(trimmed, 3) {
            self.start_question(number, h);
        } else if trimmed.is_empty() {
            self.blank();
        } else if self.question.is_some() {
            self.question_line(number, line);
        } else if self.quiz.is_some() {
            self.quiz_line(number, line);
        }
        // Anything else stands before the first quiz: a preamble for the author's readers only.
    }

    fn title(&mut self, number: usize, _heading: &str) {
        match self.title_line {
            None if self.quiz.is_none() => self.title_line = Some(number),
            _ => self.error(
                number,
                "a `# ` heading inside the bank; the only `# ` line is the title at the top — \
                 use `## ` for a quiz and `### ` for a question",
            ),
        }
    }

    fn start_quiz(&mut self, number: usize, raw: &str) {
        self.close_quiz();
        self.skipping = false;
        let heading = clean_heading(raw);
        let (key, title) = if let Some(c) = MODULE.captures(&heading) {
            let Ok(n) = c[1].parse() else {
                return self.skip(number, format!("module number `{}` is too large", shorten(&c[1])));
            };
            (QuizKey::Module(n), c.get(2).map_or("", |m| m.as_str()))
        } else if let Some(c) = FINAL.captures(&heading) {
            (QuizKey::Final, c.get(1).map_or("", |m| m.as_str()))
        } else {
            let why = format!(
                "`## {}` is not a quiz; a `## ` heading is `## Module 17: Title` or \
                 `## Final Assessment` (or `## Final Assessment: Title`)",
                shorten(raw)
            );
            return self.skip(number, why);
        };
        self.quiz_headings += 1;
        let title = title.to_string();
        let intro = Text::default();
        let quiz =
            QuizDraft { key, title, line: number, covers: None, opens_after: None, intro, questions: vec![] };
        self.quiz = Some(quiz);
    }

    fn skip(&mut self, number: usize, why: String) {
        self.error(number, why);
        self.skipping = true;
    }

    fn start_question(&mut self, number: usize, raw: &str) {
        self.close_question();
        if self.quiz.is_none() {
            return self.error(
                number,
                "a `### ` question before any quiz; put it under `## Module 17: Title` or `## Final Assessment`",
            );
        }
        let heading = raw.trim();
        let heading = heading.strip_prefix("**").and_then(|h| h.strip_suffix("**")).unwrap_or(heading);
        if heading.trim().is_empty() {
            self.error(number, "a `### ` heading with no question; write the question after `### `");
        }
        self.question = Some(QuestionDraft::new(number, heading.trim()));
    }

    fn blank(&mut self) {
        if let Some(q) = self.question.as_mut() {
            q.blank();
        } else if let Some(quiz) = self.quiz.as_mut() {
            quiz.intro.blank();
        }
    }

    /// Free text and code-block lines: the question's body, or the quiz's introduction.
    fn text(&mut self, number: usize, line: &str, report: bool) {
        if let Some(q) = self.question.as_mut() {
            if q.stage == Stage::Header {
                q.body.push(line.trim_end());
            } else if report {
                let why = q.misplaced(line.trim());
                self.error(number, why);
            }
        } else if let Some(quiz) = self.quiz.as_mut() {
            quiz.intro.push(line.trim_end());
        }
    }

    fn quiz_line(&mut self, number: usize, line: &str) {
        if option(line).is_some() {
            return self
                .error(number, "an option outside a question; options follow a `### ` question heading");
        }
        let Some((label, value)) = label(line) else {
            return self.text(number, line, true);
        };
        let Some(quiz) = self.quiz.as_mut() else { return };
        let result = match label {
            Label::Covers if quiz.covers.is_some() => Err("`Covers:` is given twice; keep one".to_string()),
            Label::Covers => covers(value).map(|range| quiz.covers = Some(range)),
            Label::OpensAfter if quiz.opens_after.is_some() => {
                Err("`Opens after:` is given twice; keep one".to_string())
            }
            Label::OpensAfter => day(value, "Opens after: day 127").map(|d| quiz.opens_after = Some(d)),
            other => Err(format!(
                "`{}:` belongs to a question; put it under a `### ` question heading",
                other.name()
            )),
        };
        if let Err(why) = result {
            self.error(number, why);
        }
    }

    fn question_line(&mut self, number: usize, line: &str) {
        let Some(q) = self.question.as_mut() else { return };
        let found = match (q.stage, option(line), quote(line), label(line)) {
            (_, Some(choice), _, _) => q.option(number, choice),
            (_, _, Some(content), _) => q.quote(content),
            (Stage::Header, _, _, Some((label, value))) => q.label(label, value),
            (Stage::Header, ..) => {
                q.body.push(line.trim_end());
                Ok(())
            }
            _ => Err(q.misplaced(line.trim())),
        };
        if let Err(why) = found {
            self.error(number, why);
        }
    }

    fn close_question(&mut self) {
        let Some(draft) = self.question.take() else { return };
        let Some(quiz) = self.quiz.as_mut() else { return };
        let position = quiz.questions.len() + 1;
        let (question, found) = draft.finish(&quiz.key.id_prefix(), position);
        quiz.questions.extend(question);
        self.diagnostics.extend(found);
    }

    fn close_quiz(&mut self) {
        self.close_question();
        let Some(quiz) = self.quiz.take() else { return };
        let name = match quiz.key {
            QuizKey::Module(_) => quiz.key.to_string(),
            QuizKey::Final => "the final assessment".to_string(),
        };
        if quiz.covers.is_none() {
            let why = format!("{name} has no `Covers:` line; add `Covers: days 121-127` under its heading");
            self.error(quiz.line, why);
        }
        if quiz.opens_after.is_none() {
            let why =
                format!("{name} has no `Opens after:` line; add `Opens after: day 127` under its heading");
            self.error(quiz.line, why);
        }
        if quiz.questions.is_empty() {
            let why = format!("{name} has no questions; add one under a `### ` heading");
            self.error(quiz.line, why);
        }
        // Without its days a quiz cannot be scheduled or checked, so it stays out of the bank.
        if let (Some(covers), Some(opens_after)) = (quiz.covers, quiz.opens_after) {
            self.quizzes.push(Quiz {
                key: quiz.key,
                title: quiz.title,
                covers,
                opens_after,
                intro: quiz.intro.finish(),
                questions: quiz.questions,
                line: quiz.line,
            });
        }
    }

    fn error(&mut self, line: usize, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic::error(line, message));
    }

    fn finish(mut self) -> (QuizBank, Vec<Diagnostic>) {
        if let Some(line) = self.fence.take() {
            self.error(line, "this code block is never closed; add a closing ``` line");
        }
        self.close_quiz();
        if self.quiz_headings == 0 {
            self.error(
                1,
                "no quiz found; start one with `## Module 17: Title` (or `## Final Assessment`), then \
                 `Covers: days 121-127`, `Opens after: day 127` and `### ` questions",
            );
        }
        (QuizBank { quizzes: self.quizzes }, self.diagnostics)
    }
}

/// `days 121-127` or `day 149` → (first, last).
fn covers(value: &str) -> Result<(DayNumber, DayNumber), String> {
    let fix = "write `Covers: days 121-127` or `Covers: day 149`";
    let Some(c) = COVERS.captures(value) else {
        return Err(format!("cannot read `Covers: {}`; {fix}", shorten(value)));
    };
    let number = |text: &str| DayNumber::parse(text).map_err(|e| format!("the day {e}; {fix}"));
    let first = number(&c[1])?;
    let last = match c.get(2) {
        Some(m) => number(m.as_str())?,
        None => first,
    };
    if last < first {
        return Err(format!(
            "`Covers: days {first}-{last}` runs backwards; write `Covers: days {last}-{first}`"
        ));
    }
    Ok((first, last))
}

/// `day 127` or `127`; `example` is the line as the author should write it.
pub(super) fn day(value: &str, example: &str) -> Result<DayNumber, String> {
    let Some(c) = DAY.captures(value) else {
        return Err(format!("cannot read the day `{}`; write `{example}`", shorten(value)));
    };
    DayNumber::parse(&c[1]).map_err(|e| format!("the day {e}; write `{example}`"))
}
