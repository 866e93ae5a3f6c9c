//! Diagnostics: what is wrong with a curriculum file, where, and how to fix it.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// One finding at a 1-based line of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub line: usize,
    pub message: String,
}

impl Diagnostic {
    pub fn error(line: usize, message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Error, line, message: message.into() }
    }

    pub fn warning(line: usize, message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Warning, line, message: message.into() }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// `FILE:LINE: error: message`, the form editors and terminals make clickable.
    pub fn located<'a>(&'a self, file: &'a str) -> impl fmt::Display + 'a {
        Located { file, diagnostic: self }
    }
}

struct Located<'a> {
    file: &'a str,
    diagnostic: &'a Diagnostic,
}

impl fmt::Display for Located<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.diagnostic;
        let kind = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{}:{}: {kind}: {}", self.file, d.line, d.message)
    }
}
