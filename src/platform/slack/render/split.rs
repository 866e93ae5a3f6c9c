//! Slack's measure for cutting escaped mrkdwn: UTF-16 units, never inside an entity.

use crate::platform::split::{self, Units};

/// The only entities escaped text holds; each is cut as one piece so `&lt;` never becomes `&l` + `t;`.
const ENTITIES: [&str; 3] = ["&amp;", "&lt;", "&gt;"];

/// Slack's limits are in characters. A UTF-16 count is never below the code-point count, so text
/// within it fits whichever of the two Slack counts.
pub struct Utf16;

impl Units for Utf16 {
    fn len(text: &str) -> usize {
        text.encode_utf16().count()
    }

    /// Entities and single characters.
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
}

pub fn len(text: &str) -> usize {
    Utf16::len(text)
}

/// `text` cut to `max` (≥ 1) units between entities, ending in "…" when something was cut.
pub fn trim(text: &str, max: usize) -> String {
    split::trim::<Utf16>(text, max)
}

/// See [`split::split`]; chunks of at most `limit` units, never cut inside an entity.
pub fn split(text: &str, limit: usize) -> Vec<String> {
    split::split::<Utf16>(text, limit)
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
