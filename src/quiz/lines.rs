//! The line shapes of a quiz bank: labelled lines, options, quote lines, and paragraphs of text.

use crate::curriculum::text::list_item;

/// The labelled lines the format knows; any other `Word: text` line is ordinary text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Label {
    Id,
    Type,
    Day,
    Covers,
    OpensAfter,
}

impl Label {
    pub fn name(self) -> &'static str {
        match self {
            Label::Id => "Id",
            Label::Type => "Type",
            Label::Day => "Day",
            Label::Covers => "Covers",
            Label::OpensAfter => "Opens after",
        }
    }
}

/// `Type: single` (also `**Type:** single`) → (Label::Type, `single`).
pub fn label(line: &str) -> Option<(Label, &str)> {
    let line = line.trim();
    let (name, value) = line.strip_prefix("**").unwrap_or(line).split_once(':')?;
    let name = name.trim_end_matches('*').trim().to_ascii_lowercase();
    let label = match name.split_whitespace().collect::<Vec<_>>().join(" ").as_str() {
        "id" => Label::Id,
        "type" => Label::Type,
        "day" => Label::Day,
        "covers" => Label::Covers,
        "opens after" => Label::OpensAfter,
        _ => return None,
    };
    Some((label, value.trim().trim_start_matches('*').trim()))
}

/// A task-list item: `- [x] text` → Ok((true, text)); `- [?] text` → Err(why); other lines → None.
/// Only a one-character mark counts, so a body bullet that starts with a `[link](…)` stays text.
pub fn option(line: &str) -> Option<Result<(bool, &str), String>> {
    let (_, rest) = list_item(line)?;
    let inner = rest.strip_prefix('[')?;
    let mut chars = inner.char_indices();
    let (close, mark) = match (chars.next(), chars.next()) {
        (Some((0, ']')), _) => (0, None),
        (Some((_, mark)), Some((i, ']'))) => (i, Some(mark)),
        _ => return None,
    };
    let text = &inner[close + 1..];
    if !(text.is_empty() || text.starts_with(char::is_whitespace)) {
        return None;
    }
    let correct = match mark {
        Some('x' | 'X') => true,
        Some(' ') => false,
        _ => {
            let mark = &inner[..close];
            return Some(Err(format!(
                "`[{mark}]` is not an option mark; write `- [x] right option` or `- [ ] wrong option`"
            )));
        }
    };
    match text.trim() {
        "" => Some(Err("an option with no text; write it after the mark: `- [ ] text`".to_string())),
        text => Some(Ok((correct, text))),
    }
}

/// A quote line: `> text` → `text`, `>` → ``.
pub fn quote(line: &str) -> Option<&str> {
    let rest = line.trim_start().strip_prefix('>')?;
    Some(rest.strip_prefix(' ').unwrap_or(rest).trim_end())
}

/// Paragraphs of Markdown: lines of one paragraph stay on their own lines, paragraphs get a blank line.
#[derive(Debug, Default)]
pub struct Text {
    out: String,
    pending_break: bool,
}

impl Text {
    pub fn push(&mut self, line: &str) {
        if !self.out.is_empty() {
            self.out.push_str(if self.pending_break { "\n\n" } else { "\n" });
        }
        self.pending_break = false;
        self.out.push_str(line);
    }

    pub fn blank(&mut self) {
        self.pending_break = !self.out.is_empty();
    }

    pub fn finish(self) -> String {
        self.out
    }
}
