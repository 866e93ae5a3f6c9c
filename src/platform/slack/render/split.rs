//! Cutting escaped mrkdwn to Block Kit's limits at line, then word boundaries, never inside an entity.

/// Slack's limits are in characters. A UTF-16 count is never below the code-point count, so text
/// within it fits whichever of the two Slack counts.
pub fn len(text: &str) -> usize {
    text.encode_utf16().count()
}

/// The only entities escaped text holds; each is cut as one piece so `&lt;` never becomes `&l` + `t;`.
const ENTITIES: [&str; 3] = ["&amp;", "&lt;", "&gt;"];

/// Escaped text as indivisible pieces: entities and single characters.
fn atoms(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        let c = rest.chars().next()?;
        let size = ENTITIES.iter().find(|e| rest.starts_with(*e)).map_or(c.len_utf8(), |e| e.len());
        let (atom, tail) = rest.split_at(size);
        rest = tail;
        Some(atom)
    })
}

/// `text` cut to `max` (≥ 1) units, ending in "…" when something was cut.
pub fn trim(text: &str, max: usize) -> String {
    if len(text) <= max {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for atom in atoms(text) {
        let size = len(atom);
        if used + size > max.saturating_sub(1) {
            break;
        }
        out.push_str(atom);
        used += size;
    }
    out.push('…');
    out
}

/// Closing a code block at a cut costs this much, so every chunk keeps room for it.
const CLOSE: &str = "\n```";
/// A code block reopened after a cut starts with its fence line, at most this long.
const MAX_OPENER: usize = 16;

/// Splits escaped mrkdwn into chunks of at most `limit` (> 40) units: at line breaks, then at
/// spaces, and inside a word only for a word longer than a chunk. A code block cut in two is
/// closed at the end of one chunk and reopened at the start of the next, so both still render.
/// Blank chunks are left out, since Slack refuses a blank section.
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
        let size = len(piece);
        if !self.current.is_empty() && self.current_len + 1 + size > self.budget {
            self.flush();
        }
        if !self.current.is_empty() {
            self.current.push('\n');
            self.current_len += 1;
        }
        self.current.push_str(piece);
        self.current_len += size;
    }

    fn flush(&mut self) {
        if let Some(opener) = self.open.clone() {
            self.current.push_str(CLOSE);
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

/// One line as pieces of at most `max` units, cut at spaces where it can.
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
            pieces.extend(cut_word(word, max));
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

/// A word longer than a chunk, cut between atoms into pieces of at most `max` units.
fn cut_word(word: &str, max: usize) -> Vec<String> {
    let mut pieces = vec![String::new()];
    let mut used = 0;
    for atom in atoms(word) {
        let size = len(atom);
        if used + size > max {
            pieces.push(String::new());
            used = 0;
        }
        if let Some(last) = pieces.last_mut() {
            last.push_str(atom);
        }
        used += size;
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_utf16_units_and_trims_between_entities() {
        assert_eq!((len("abc"), len("é"), len("😀"), len("&amp;")), (3, 1, 2, 5));
        let cases = [
            ("short", 10, "short"),
            ("exactly10!", 10, "exactly10!"),
            ("ünïcödé text", 5, "ünïc…"),
            ("a&amp;b&lt;c", 7, "a&amp;…"),
            ("a&amp;b&lt;c", 8, "a&amp;b…"),
            ("a&amp;b&lt;c", 6, "a…"),
            ("😀😀😀", 5, "😀😀…"),
            ("😀😀😀", 4, "😀…"),
        ];
        for (text, max, want) in cases {
            assert_eq!(trim(text, max), want, "{text} to {max}");
            assert!(len(&trim(text, max)) <= max);
        }
    }

    #[test]
    fn splits_at_lines_then_words_then_inside_a_word() {
        // At limit 100 a chunk holds 96 units (room to close a code block) and a piece of a
        // long line 79 (room to reopen one).
        let words: Vec<String> = (0..12).map(|i| format!("word{i:05}")).collect();
        let entities = "&amp;".repeat(40);
        let cases: Vec<(String, Vec<String>)> = vec![
            ("one\ntwo".into(), vec!["one\ntwo".into()]),
            (format!("{}\n{}", "a".repeat(60), "b".repeat(60)), vec!["a".repeat(60), "b".repeat(60)]),
            (words.join(" "), vec![words[..8].join(" "), words[8..].join(" ")]),
            ("x".repeat(200), vec!["x".repeat(79), "x".repeat(79), "x".repeat(42)]),
            (entities.clone(), vec!["&amp;".repeat(15), "&amp;".repeat(15), "&amp;".repeat(10)]),
            ("😀".repeat(50), vec!["😀".repeat(39), "😀".repeat(11)]),
            ("\n\n  \n".into(), vec![]),
        ];
        for (text, want) in cases {
            assert_eq!(split(&text, 100), want, "{text}");
        }
    }

    #[test]
    fn a_code_block_cut_in_two_is_closed_and_reopened() {
        let code: Vec<String> = (0..40).map(|i| format!("let x{i} = &amp;{i};")).collect();
        let text = format!("Look:\n```\n{}\n```\nafter", code.join("\n"));
        let chunks = split(&text, 200);
        assert!(chunks.len() > 2);
        for chunk in &chunks {
            assert!(len(chunk) <= 200, "{chunk}");
            assert_eq!(chunk.matches("```").count() % 2, 0, "unbalanced: {chunk}");
        }
        assert!(chunks[1].starts_with("```\n"));
        assert!(chunks.last().unwrap().ends_with("after"));
    }
}
