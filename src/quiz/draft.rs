//! One question while it is being read, and the rules it must meet when it closes.

use std::collections::HashMap;

use super::lines::{Label, Text};
use super::model::{Choice, Question, QuestionKind};
use super::parse::day;
use crate::curriculum::Diagnostic;
use crate::curriculum::text::{list_item, shorten};
use crate::domain::DayNumber;

/// Five buttons fit one Discord row.
const MAX_OPTIONS: usize = 5;

/// Where in a question the parser stands; each part has its place in the order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Stage {
    Header,
    Options,
    Explanation,
    /// A blank line after the explanation: another `>` block continues it.
    AfterExplanation,
}

#[derive(Debug)]
pub struct QuestionDraft {
    line: usize,
    heading: String,
    id: Option<String>,
    kind: Option<QuestionKind>,
    day: Option<DayNumber>,
    pub body: Text,
    options: Vec<(Choice, usize)>,
    explanation: Vec<String>,
    pub stage: Stage,
}

impl QuestionDraft {
    pub fn new(line: usize, heading: &str) -> Self {
        QuestionDraft {
            line,
            heading: heading.to_string(),
            id: None,
            kind: None,
            day: None,
            body: Text::default(),
            options: Vec::new(),
            explanation: Vec::new(),
            stage: Stage::Header,
        }
    }

    pub fn blank(&mut self) {
        match self.stage {
            Stage::Header => self.body.blank(),
            Stage::Explanation => self.stage = Stage::AfterExplanation,
            Stage::Options | Stage::AfterExplanation => {}
        }
    }

    pub fn option(&mut self, number: usize, choice: Result<(bool, &str), String>) -> Result<(), String> {
        let (correct, text) = choice?;
        if matches!(self.stage, Stage::Explanation | Stage::AfterExplanation) {
            return Err("an option after the explanation; move it above the `>` lines".to_string());
        }
        self.stage = Stage::Options;
        self.options.push((Choice { text: text.to_string(), correct }, number));
        Ok(())
    }

    pub fn quote(&mut self, content: &str) -> Result<(), String> {
        match self.stage {
            Stage::Header => {
                return Err("the `>` explanation comes after the options; move it below the last \
                            `- [ ]` option"
                    .to_string());
            }
            Stage::AfterExplanation => self.explanation.push(String::new()),
            Stage::Options | Stage::Explanation => {}
        }
        self.stage = Stage::Explanation;
        self.explanation.push(content.to_string());
        Ok(())
    }

    pub fn label(&mut self, label: Label, value: &str) -> Result<(), String> {
        let twice = || format!("`{}:` is given twice in this question; keep one", label.name());
        match label {
            Label::Id if self.id.is_some() => Err(twice()),
            Label::Type if self.kind.is_some() => Err(twice()),
            Label::Day if self.day.is_some() => Err(twice()),
            Label::Id => {
                let valid = !value.is_empty()
                    && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
                if !valid {
                    return Err(format!(
                        "`Id: {}` is not a valid id; use only letters, digits, `-` and `_`, \
                         e.g. `Id: m17-concurrent-appends`",
                        shorten(value)
                    ));
                }
                if value.chars().count() > Question::ID_MAX {
                    return Err(format!(
                        "`Id: {}` is longer than {} characters; shorten it",
                        shorten(value),
                        Question::ID_MAX
                    ));
                }
                self.id = Some(value.to_string());
                Ok(())
            }
            Label::Type => kind(value).map(|k| self.kind = Some(k)),
            Label::Day => day(value, "Day: 123").map(|d| self.day = Some(d)),
            Label::Covers | Label::OpensAfter => Err(format!(
                "`{}:` belongs under the quiz's `## ` heading, before its first question",
                label.name()
            )),
        }
    }

    /// Why a line has no place where it stands (after the options have started).
    pub fn misplaced(&self, line: &str) -> String {
        let line = shorten(line);
        if self.stage == Stage::Options {
            format!(
                "`{line}` stands among the options; options are `- [x] right` / `- [ ] wrong` lines, \
                 and the explanation follows them as `> ` lines"
            )
        } else {
            format!(
                "`{line}` follows the explanation; continue the explanation with `> `, or start \
                 the next question with `### `"
            )
        }
    }

    /// Checks the question's own rules; a question without a type or a day stays out of the bank.
    pub fn finish(self, quiz_prefix: &str, position: usize) -> (Option<Question>, Vec<Diagnostic>) {
        let found = self.findings();
        let (Some(kind), Some(day)) = (self.kind, self.day) else { return (None, found) };
        let id = self.id.unwrap_or_else(|| default_id(quiz_prefix, &self.heading, position));
        let body = self.body.finish();
        let text = if body.is_empty() { self.heading } else { format!("{}\n\n{body}", self.heading) };
        let options = self.options.into_iter().map(|(c, _)| c).collect();
        let explanation = join_quote(&self.explanation);
        (Some(Question { id, text, kind, day, options, explanation, line: self.line }), found)
    }

    fn findings(&self) -> Vec<Diagnostic> {
        let mut found = Vec::new();
        let mut error = |line: Option<usize>, why: String| {
            found.push(Diagnostic::error(line.unwrap_or(self.line), why));
        };
        if self.kind.is_none() {
            let why = "the question has no `Type:` line; add `Type: single`, `Type: multiple` or \
                       `Type: true-false`";
            error(None, why.into());
        }
        if self.day.is_none() {
            error(
                None,
                "the question has no `Day:` line; add `Day: 123`, the curriculum day it tests".into(),
            );
        }
        let count = self.options.len();
        if !(2..=MAX_OPTIONS).contains(&count) {
            let s = if count == 1 { "" } else { "s" };
            error(
                None,
                format!(
                    "the question has {count} option{s}; give 2 to {MAX_OPTIONS}, each `- [x] right` \
                     or `- [ ] wrong`"
                ),
            );
        }
        if self.explanation.iter().all(|l| l.trim().is_empty()) {
            let why = "the question has no explanation; after the options, add `> ` lines that say why \
                       the right answer is right";
            error(None, why.into());
        }
        for (at, why) in self.kind.map(|k| marks(k, &self.options)).unwrap_or_default() {
            error(at, why);
        }
        for (at, why) in duplicate_options(&self.options) {
            error(Some(at), why);
        }
        found
    }
}

fn kind(value: &str) -> Result<QuestionKind, String> {
    match value.to_ascii_lowercase().as_str() {
        "single" => Ok(QuestionKind::Single),
        "multiple" => Ok(QuestionKind::Multiple),
        "true-false" | "true/false" | "truefalse" => Ok(QuestionKind::TrueFalse),
        _ => Err(format!(
            "`Type: {}` is not a question type; write `Type: single`, `Type: multiple` or `Type: true-false`",
            shorten(value)
        )),
    }
}

/// The right-answer rules of each type; a `None` line means the question's heading.
fn marks(kind: QuestionKind, options: &[(Choice, usize)]) -> Vec<(Option<usize>, String)> {
    let right = options.iter().filter(|(c, _)| c.correct).count();
    let mut found = Vec::new();
    match kind {
        QuestionKind::Multiple if right == 0 && !options.is_empty() => found.push((
            None,
            "a `multiple` question with no right option; mark at least one with `- [x]`".to_string(),
        )),
        QuestionKind::Single | QuestionKind::TrueFalse if right != 1 && !options.is_empty() => found.push((
            None,
            format!(
                "a `{}` question needs exactly one right option, this one marks {right} with `[x]`; \
                     mark one{}",
                kind.label(),
                if kind == QuestionKind::Single { ", or use `Type: multiple`" } else { "" }
            ),
        )),
        _ => {}
    }
    if kind == QuestionKind::TrueFalse {
        let mut texts: Vec<String> = options.iter().map(|(c, _)| c.text.to_ascii_lowercase()).collect();
        texts.sort();
        if texts != ["false", "true"] {
            let at = options.first().map(|(_, l)| *l);
            let why = "a `true-false` question has exactly the options `True` and `False`; \
                       write `- [x] True` and `- [ ] False` (or the other way round)";
            found.push((at, why.to_string()));
        }
    }
    found
}

fn duplicate_options(options: &[(Choice, usize)]) -> Vec<(usize, String)> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut found = Vec::new();
    for (choice, line) in options {
        let key = normalize(&choice.text);
        match seen.get(&key) {
            Some(first) => found.push((
                *line,
                format!(
                    "the option `{}` appears twice in this question (first at line {first}); remove or reword one",
                    shorten(&choice.text)
                ),
            )),
            None => {
                seen.insert(key, *line);
            }
        }
    }
    found
}

/// Case and spacing do not make two texts different to a reader.
pub fn normalize(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// `<quiz>-<slug of the heading>`, e.g. `m17-two-jobs-append-to-the-same-delta-table`.
fn default_id(prefix: &str, heading: &str, position: usize) -> String {
    const MAX: usize = 48;
    let mut slug = String::new();
    for word in heading.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()) {
        if !slug.is_empty() && slug.len() + 1 + word.len() > MAX {
            break;
        }
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.push_str(&word.to_ascii_lowercase());
    }
    slug.truncate(MAX);
    if slug.is_empty() {
        slug = format!("q{position}");
    }
    format!("{prefix}-{slug}")
}

/// Quote lines read as Markdown does: wrapped lines join with a space, `>` alone starts a paragraph,
/// list items and code blocks keep their own lines.
fn join_quote(lines: &[String]) -> String {
    let mut out = String::new();
    let (mut in_fence, mut paragraph, mut keep_line) = (false, false, false);
    for line in lines {
        let trimmed = line.trim();
        if trimmed.is_empty() && !in_fence {
            paragraph = !out.is_empty();
            continue;
        }
        let fence = trimmed.starts_with("```") || trimmed.starts_with("~~~");
        let block = fence || in_fence || list_item(line).is_some();
        if !out.is_empty() {
            out.push_str(if paragraph {
                "\n\n"
            } else if block || keep_line {
                "\n"
            } else {
                " "
            });
        }
        out.push_str(if block { line.trim_end() } else { trimmed });
        in_fence ^= fence;
        (paragraph, keep_line) = (false, block);
    }
    out
}
