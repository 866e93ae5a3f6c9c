//! Curriculum: the Markdown lesson format, parsed and validated into typed values.

mod cut_short;
mod diagnostic;
pub mod diff;
pub mod journey;
mod model;
mod parse;
pub(crate) mod text;
mod validate;

use std::path::{Path, PathBuf};

pub use diagnostic::{Diagnostic, Severity, utf8_text};
pub use diff::{Changes, diff};
pub use model::{Checklist, Curriculum, Day, Field, Resource, Section, Work, WorkKind};
pub use parse::{parse, parse_bytes};

/// A parsed curriculum and everything worth telling its author about it.
#[derive(Debug, Clone)]
pub struct Checked {
    pub curriculum: Curriculum,
    /// Parse and validation findings, in line order.
    pub diagnostics: Vec<Diagnostic>,
    /// How many of the warnings say the file looks cut short (a declared day range it does not
    /// fill, a last day that stops early): such a file parses, but is not "ok".
    pub cut_short: usize,
}

impl Checked {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| !d.is_error())
    }
}

/// Parses and validates raw file contents.
pub fn check(bytes: &[u8]) -> Checked {
    match parse_bytes(bytes) {
        Ok((curriculum, mut diagnostics)) => {
            diagnostics.extend(validate::validate(&curriculum));
            // A file without days is an error already; nothing in it can be cut short.
            let short = if curriculum.days().next().is_some() {
                cut_short::cut_short(&curriculum)
            } else {
                Vec::new()
            };
            let cut_short = short.len();
            diagnostics.extend(short);
            diagnostics.sort_by_key(|d| (d.line, d.severity));
            Checked { curriculum, diagnostics, cut_short }
        }
        Err(not_utf8) => Checked { curriculum: empty(), diagnostics: vec![not_utf8], cut_short: 0 },
    }
}

fn empty() -> Curriculum {
    Curriculum {
        title: String::new(),
        title_line: 0,
        goals: Vec::new(),
        sections: Vec::new(),
        assessment: Vec::new(),
        success_criteria: None,
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The cause is part of the message, not a `source`: an error chain would print it twice.
    #[error("cannot read {}: {cause}", path.display())]
    Io { path: PathBuf, cause: std::io::Error },
    #[error("{} is not a valid curriculum:\n{}", path.display(), errors(path, diagnostics))]
    Invalid { path: PathBuf, diagnostics: Vec<Diagnostic> },
}

fn errors(path: &Path, diagnostics: &[Diagnostic]) -> String {
    let file = path.display().to_string();
    let lines: Vec<String> =
        diagnostics.iter().filter(|d| d.is_error()).map(|d| format!("  {}", d.located(&file))).collect();
    lines.join("\n")
}

/// Reads a curriculum file; a file with errors is refused, warnings come back with the value.
pub fn load(path: &Path) -> Result<Checked, LoadError> {
    let bytes = crate::files::read_bounded(path)
        .map_err(|source| LoadError::Io { path: path.into(), cause: source })?;
    let checked = check(&bytes);
    if checked.has_errors() {
        return Err(LoadError::Invalid { path: path.into(), diagnostics: checked.diagnostics });
    }
    Ok(checked)
}

/// A curriculum is known by its file name without `.md`.
pub fn id_from_path(path: &Path) -> Option<String> {
    path.file_stem().and_then(|s| s.to_str()).map(str::to_string)
}
