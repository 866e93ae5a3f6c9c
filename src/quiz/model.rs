//! The typed quiz bank: module quizzes and the final assessment, their questions and options.

use std::fmt;

use serde::{Serialize, Serializer};

use crate::domain::DayNumber;

/// Every quiz of one curriculum, in the order written.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct QuizBank {
    pub quizzes: Vec<Quiz>,
}

/// One `## Module N: …` or `## Final Assessment` section.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Quiz {
    pub key: QuizKey,
    pub title: String,
    /// First and last curriculum day the quiz is about (equal for `Covers: day N`).
    pub covers: (DayNumber, DayNumber),
    /// The quiz opens once this day has been posted.
    pub opens_after: DayNumber,
    /// Text under the heading that is not a question, shown when the quiz starts.
    pub intro: String,
    pub questions: Vec<Question>,
    #[serde(skip)]
    pub line: usize,
}

/// Which quiz a member asks for: `/quiz module:17` or `/quiz final`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum QuizKey {
    Module(u32),
    Final,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Question {
    /// Stable across rewording, because review history is kept per id.
    pub id: String,
    /// The heading line, then the body paragraphs (Markdown, code blocks included).
    pub text: String,
    pub kind: QuestionKind,
    /// The curriculum day the question tests.
    pub day: DayNumber,
    /// In file order; each attempt shuffles them.
    pub options: Vec<Choice>,
    pub explanation: String,
    #[serde(skip)]
    pub line: usize,
}

impl Question {
    /// A review button's id carries the question id, and Discord keeps 100 characters of it;
    /// a default id (`m4294967295-` and a 48-character slug) is never longer.
    pub const ID_MAX: usize = 60;

    /// Indexes (in file order) of the right options.
    pub fn correct_options(&self) -> std::collections::BTreeSet<usize> {
        self.options.iter().enumerate().filter(|(_, o)| o.correct).map(|(i, _)| i).collect()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum QuestionKind {
    Single,
    Multiple,
    TrueFalse,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Choice {
    pub text: String,
    pub correct: bool,
}

impl QuizBank {
    pub fn quiz(&self, key: QuizKey) -> Option<&Quiz> {
        self.quizzes.iter().find(|q| q.key == key)
    }

    pub fn question_count(&self) -> usize {
        self.quizzes.iter().map(|q| q.questions.len()).sum()
    }
}

impl Quiz {
    pub fn covers_day(&self, day: DayNumber) -> bool {
        (self.covers.0..=self.covers.1).contains(&day)
    }
}

impl QuizKey {
    /// The form members type and the store keeps: `module:17` or `final`.
    pub fn as_str(&self) -> String {
        match self {
            QuizKey::Module(n) => format!("module:{n}"),
            QuizKey::Final => "final".to_string(),
        }
    }

    /// Reads `module:17`, `module 17`, `m17`, `17` or `final` (any case).
    pub fn parse(text: &str) -> Option<QuizKey> {
        let text = text.trim().to_ascii_lowercase();
        if text == "final" {
            return Some(QuizKey::Final);
        }
        let number = text
            .strip_prefix("module")
            .map(|rest| rest.trim_start_matches([':', ' ']))
            .or_else(|| text.strip_prefix('m'))
            .unwrap_or(&text);
        if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        number.parse().ok().map(QuizKey::Module)
    }

    /// The prefix of default question ids: `m17`, `final` (a colon is not allowed in an id).
    pub fn id_prefix(&self) -> String {
        match self {
            QuizKey::Module(n) => format!("m{n}"),
            QuizKey::Final => "final".to_string(),
        }
    }
}

impl fmt::Display for QuizKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QuizKey::Module(n) => write!(f, "Module {n}"),
            QuizKey::Final => f.write_str("Final Assessment"),
        }
    }
}

impl Serialize for QuizKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.as_str())
    }
}

impl QuestionKind {
    /// The word written after `Type:`.
    pub fn label(self) -> &'static str {
        match self {
            QuestionKind::Single => "single",
            QuestionKind::Multiple => "multiple",
            QuestionKind::TrueFalse => "true-false",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiz_keys_read_and_print() {
        let cases = [
            ("module:17", Some(QuizKey::Module(17))),
            ("Module 17", Some(QuizKey::Module(17))),
            ("m17", Some(QuizKey::Module(17))),
            ("17", Some(QuizKey::Module(17))),
            ("final", Some(QuizKey::Final)),
            (" FINAL ", Some(QuizKey::Final)),
            ("module:", None),
            ("module:x", None),
            ("-1", None),
            ("99999999999", None),
            ("", None),
        ];
        for (text, want) in cases {
            assert_eq!(QuizKey::parse(text), want, "{text:?}");
        }
        assert_eq!(QuizKey::Module(17).as_str(), "module:17");
        assert_eq!(QuizKey::Final.as_str(), "final");
        assert_eq!(QuizKey::Module(17).to_string(), "Module 17");
        assert_eq!(QuizKey::Final.to_string(), "Final Assessment");
        assert_eq!(QuizKey::parse(&QuizKey::Module(3).as_str()), Some(QuizKey::Module(3)));
    }
}
