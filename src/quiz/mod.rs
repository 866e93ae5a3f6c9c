//! Quiz banks: the Markdown quiz format (docs/quiz-format.md), parsed and validated against a curriculum.

mod draft;
mod lines;
mod model;
mod parse;
#[cfg(test)]
mod tests;
mod validate;

use std::path::{Path, PathBuf};

pub use model::{Choice, Question, QuestionKind, Quiz, QuizBank, QuizKey};
pub use parse::{parse, parse_bytes};

use crate::curriculum::{Curriculum, Diagnostic};

/// A parsed bank and everything worth telling its author about it.
#[derive(Debug, Clone)]
pub struct Checked {
    pub bank: QuizBank,
    /// Parse and validation findings, in line order.
    pub diagnostics: Vec<Diagnostic>,
}

impl Checked {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| !d.is_error())
    }
}

/// Parses raw file contents and validates them against the curriculum the bank belongs to.
pub fn check(bytes: &[u8], curriculum: &Curriculum) -> Checked {
    match parse_bytes(bytes) {
        Ok((bank, mut diagnostics)) => {
            diagnostics.extend(validate::validate(&bank, curriculum));
            diagnostics.sort_by_key(|d| (d.line, d.severity));
            Checked { bank, diagnostics }
        }
        Err(not_utf8) => Checked { bank: QuizBank::default(), diagnostics: vec![not_utf8] },
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The cause is part of the message, not a `source`: an error chain would print it twice.
    #[error("cannot read {}: {cause}", path.display())]
    Io { path: PathBuf, cause: std::io::Error },
    #[error("{} is not a valid quiz bank:\n{}", path.display(), errors(path, diagnostics))]
    Invalid { path: PathBuf, diagnostics: Vec<Diagnostic> },
}

fn errors(path: &Path, diagnostics: &[Diagnostic]) -> String {
    let file = path.display().to_string();
    let lines: Vec<String> =
        diagnostics.iter().filter(|d| d.is_error()).map(|d| format!("  {}", d.located(&file))).collect();
    lines.join("\n")
}

/// Reads and validates a bank; a bank with errors is refused (the error lists every `FILE:LINE`),
/// warnings are logged.
pub fn load(bank_path: &Path, curriculum: &Curriculum) -> Result<QuizBank, LoadError> {
    let bytes = crate::files::read_bounded(bank_path)
        .map_err(|source| LoadError::Io { path: bank_path.into(), cause: source })?;
    let checked = check(&bytes, curriculum);
    if checked.has_errors() {
        return Err(LoadError::Invalid { path: bank_path.into(), diagnostics: checked.diagnostics });
    }
    let file = bank_path.display().to_string();
    for w in checked.warnings() {
        tracing::warn!("{}", w.located(&file));
    }
    Ok(checked.bank)
}

/// Where a curriculum's bank lives: `<dir>/X.md` → `<dir>/quizzes/X.md`.
pub fn bank_path_for(curriculum_path: &Path) -> PathBuf {
    let dir = curriculum_path.parent().unwrap_or(Path::new(""));
    match curriculum_path.file_name() {
        Some(name) => dir.join("quizzes").join(name),
        None => dir.join("quizzes"),
    }
}

/// The curriculum a bank belongs to: `<dir>/quizzes/X.md` → `<dir>/X.md`; None when the bank is
/// not in a `quizzes` folder, so there is no curriculum to infer.
pub fn curriculum_path_for(bank_path: &Path) -> Option<PathBuf> {
    let name = bank_path.file_name()?;
    let quizzes = bank_path.parent()?;
    if quizzes.file_name()? != "quizzes" {
        return None;
    }
    Some(quizzes.parent().unwrap_or(Path::new("")).join(name))
}
