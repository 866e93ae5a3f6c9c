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

/// Decodes a file's bytes; text that is not UTF-8 is an error at the line and column of the first bad byte.
pub fn utf8_text(bytes: &[u8]) -> Result<&str, Diagnostic> {
    std::str::from_utf8(bytes).map_err(|e| {
        let good = &bytes[..e.valid_up_to()];
        let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
        let column = good.len() - good.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1) + 1;
        Diagnostic::error(
            line,
            format!(
                "the file is not UTF-8 text (invalid byte at line {line}, column {column}); \
                 save it as UTF-8 in your editor"
            ),
        )
    })
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
