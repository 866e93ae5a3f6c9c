//! Cutting text to Discord's character limits at line, then word boundaries, keeping code blocks closed.

/// Discord counts Unicode code points.
pub fn len(text: &str) -> usize {
    text.chars().count()
}

/// `text` cut to `max` characters, ending in "…" when something was cut.
pub fn trim(text: &str, max: usize) -> String {
    if len(text) <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Closing a code block at a cut costs this much, so every chunk keeps room for it.
const CLOSE: &str = "\n```";
/// A code block reopened after a cut starts with its fence line, at most this long.
const MAX_OPENER: usize = 16;

/// Splits `text` into chunks of at most `limit` characters (limit > 40): at line breaks, then
/// at spaces, and mid-word only for a word longer than a chunk. A code block cut in two is
/// closed at the end of one chunk and reopened at the start of the next, so both still render.
/// Blank chunks are left out.
pub fn split(text: &str, limit: usize) -> Vec<String> {
    let mut chunks = Chunks { budget: limit - CLOSE.len(), ..Chunks::default() };
    let piece_max = chunks.budget - MAX_OPENER - 1;
    for line in text.split('\n') {
        let fence = line.trim_start().starts_with("```");
        for piece in words(line, piece_max) {
            chunks.push(&piece);
        }
        if fence {
            chunks.toggle_fence(line);
        }
    }
    chunks.finish()
}

#[derive(Default)]
struct Chunks {
    budget: usize,
    done: Vec<String>,
    current: String,
    current_len: usize,
    /// The fence line of the code block open at this point, if any.
    open: Option<String>,
}

impl Chunks {
    fn push(&mut self, piece: &str) {
        let len = len(piece);
        if !self.current.is_empty() && self.current_len + 1 + len > self.budget {
            self.flush();
        }
        if !self.current.is_empty() {
            self.current.push('\n');
            self.current_len += 1;
        }
        self.current.push_str(piece);
        self.current_len += len;
    }

    fn flush(&mut self) {
        if let Some(opener) = &self.open {
            self.current.push_str(CLOSE);
            let opener = opener.clone();
            self.keep();
            self.current_len = len(&opener);
            self.current = opener;
        } else {
            self.keep();
            self.current_len = 0;
        }
    }

    fn keep(&mut self) {
        let chunk = std::mem::take(&mut self.current);
        let chunk = chunk.trim_matches('\n');
        if !chunk.trim().is_empty() {
            self.done.push(chunk.to_string());
        }
    }

    fn toggle_fence(&mut self, line: &str) {
        self.open = match self.open {
            Some(_) => None,
            None => {
                let opener = line.trim();
                let short = len(opener) <= MAX_OPENER && !opener[3..].contains('`');
                Some(if short { opener.to_string() } else { "```".to_string() })
            }
        };
    }

    fn finish(mut self) -> Vec<String> {
        self.keep();
        self.done
    }
}

/// One line as pieces of at most `max` characters, cut at spaces where it can.
fn words(line: &str, max: usize) -> Vec<String> {
    if len(line) <= max {
        return vec![line.to_string()];
    }
    let mut pieces = Vec::new();
    let mut current = String::new();
    let mut current_len = 0;
    for word in line.split(' ').filter(|w| !w.is_empty()) {
        let word_len = len(word);
        if current_len > 0 && current_len + 1 + word_len > max {
            pieces.push(std::mem::take(&mut current));
            current_len = 0;
        }
        if word_len > max {
            let chars: Vec<char> = word.chars().collect();
            for part in chars.chunks(max) {
                pieces.push(part.iter().collect());
            }
            let rest = pieces.pop().unwrap_or_default();
            current_len = len(&rest);
            current = rest;
            continue;
        }
        if current_len > 0 {
            current.push(' ');
            current_len += 1;
        }
        current.push_str(word);
        current_len += word_len;
    }
    if current_len > 0 {
        pieces.push(current);
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_with_an_ellipsis_only_when_needed() {
        let cases = [("short", 10, "short"), ("exactly10!", 10, "exactly10!"), ("ünïcödé text", 5, "ünïc…")];
        for (text, max, want) in cases {
            assert_eq!(trim(text, max), want, "{text}");
        }
    }

    #[test]
    fn splits_at_lines_then_words_then_inside_a_word() {
        // At limit 100 a chunk holds 96 characters (room to close a code block) and a piece of
        // a long line 79 (room to reopen one).
        let words: Vec<String> = (0..12).map(|i| format!("word{i:05}")).collect();
        let cases: Vec<(String, Vec<String>)> = vec![
            ("one\ntwo".into(), vec!["one\ntwo".into()]),
            (format!("{}\n{}", "a".repeat(60), "b".repeat(60)), vec!["a".repeat(60), "b".repeat(60)]),
            (words.join(" "), vec![words[..8].join(" "), words[8..].join(" ")]),
            ("x".repeat(200), vec!["x".repeat(79), "x".repeat(79), "x".repeat(42)]),
            ("\n\n  \n".into(), vec![]),
        ];
        for (text, want) in cases {
            assert_eq!(split(&text, 100), want, "{text}");
        }
    }

    #[test]
    fn a_code_block_cut_in_two_is_closed_and_reopened() {
        let code: Vec<String> = (0..40).map(|i| format!("let x{i} = {i};")).collect();
        let text = format!("Look:\n```rust\n{}\n```\nafter", code.join("\n"));
        let chunks = split(&text, 200);
        assert!(chunks.len() > 2);
        for chunk in &chunks {
            assert!(len(chunk) <= 200, "{chunk}");
            assert_eq!(chunk.matches("```").count() % 2, 0, "unbalanced: {chunk}");
        }
        assert!(chunks[1].starts_with("```rust\n"));
        assert!(chunks.last().unwrap().ends_with("after"));
    }
}
