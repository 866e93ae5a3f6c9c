//! Discord's measure for cutting text: Unicode code points, any of which may be cut apart.

use crate::platform::split::{self, Units};

/// Discord counts Unicode code points.
pub struct Chars;

impl Units for Chars {
    fn len(text: &str) -> usize {
        text.chars().count()
    }

    fn atoms(text: &str) -> impl Iterator<Item = &str> {
        text.char_indices().map(move |(i, c)| &text[i..i + c.len_utf8()])
    }
}

pub fn len(text: &str) -> usize {
    Chars::len(text)
}

/// `text` cut to `max` characters, ending in "…" when something was cut.
pub fn trim(text: &str, max: usize) -> String {
    split::trim::<Chars>(text, max)
}

/// See [`split::split`]; chunks of at most `limit` characters.
pub fn split(text: &str, limit: usize) -> Vec<String> {
    split::split::<Chars>(text, limit)
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
