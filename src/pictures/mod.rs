//! Server-side PNG pictures of progress (calendar, cohort grid, bar chart, score histogram): pure, deterministic, with alt text.
//!
//! Every picture is drawn on a white canvas with the embedded DejaVu Sans font (see `assets/fonts/`),
//! so the same input gives the same bytes on any machine. Colours come from the Okabe–Ito
//! palette, and each check-in state also differs in shape (see [`Cell`]), so the pictures read
//! without colour vision. No picture is wider or taller than [`MAX_SIDE`] pixels; a grid of many
//! members is split into pages of at most [`GRID_PAGE_ROWS`] rows.

mod bars;
mod calendar;
mod canvas;
mod distribution;
mod grid;
mod text;

pub use bars::{BAR_COLOR, bars};
pub use calendar::{CalendarLayout, calendar};
pub use distribution::{MINE_COLOR, distribution};
pub use grid::{GridLayout, grid, grid_page, grid_pages};

/// No picture is wider or taller than this many pixels.
pub const MAX_SIDE: u32 = 4096;
/// A grid page shows at most this many members; more make more pages.
pub const GRID_PAGE_ROWS: usize = 100;
/// A bar chart shows at most this many bars; the rest are summed up as "+N more".
pub const MAX_BARS: usize = 25;
/// Alt text is cut to this many characters (Discord allows 1,024 in an attachment description).
pub const MAX_ALT_CHARS: usize = 1000;

/// A member's state on one curriculum day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cell {
    /// Checked in on the day: a solid bluish-green square.
    OnTime,
    /// Checked in after the day: orange, with a white notch in the top-right corner.
    Late,
    /// Covered by a streak freeze: sky blue, with two white horizontal stripes.
    Freeze,
    /// No check-in and the day is closed: vermillion, with a white cross (open at the centre).
    Missed,
    /// Today, still open: white, with a dark outline.
    Open,
    /// Not reached yet: very light grey, with a light outline.
    Upcoming,
}

impl Cell {
    /// Every state, in legend order.
    pub const ALL: [Cell; 6] =
        [Cell::OnTime, Cell::Late, Cell::Freeze, Cell::Missed, Cell::Open, Cell::Upcoming];

    /// The legend's label for the state.
    pub fn label(self) -> &'static str {
        match self {
            Cell::OnTime => "On time",
            Cell::Late => "Late",
            Cell::Freeze => "Freeze",
            Cell::Missed => "Missed",
            Cell::Open => "Open (today)",
            Cell::Upcoming => "To come",
        }
    }
}

/// The exact fill of a state's square, as sRGB; the square's centre pixel always has this colour.
pub fn color(cell: Cell) -> [u8; 3] {
    match cell {
        Cell::OnTime => [0x00, 0x9E, 0x73],
        Cell::Late => [0xE6, 0x9F, 0x00],
        Cell::Freeze => [0x56, 0xB4, 0xE9],
        Cell::Missed => [0xD5, 0x5E, 0x00],
        Cell::Open => [0xFF, 0xFF, 0xFF],
        Cell::Upcoming => [0xEB, 0xEB, 0xEB],
    }
}

/// A rendered picture: PNG bytes (8-bit RGB), its size, and a plain-language description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picture {
    pub png: Vec<u8>,
    /// What the picture shows, for screen readers; at most [`MAX_ALT_CHARS`] characters.
    pub alt: String,
    pub width: u32,
    pub height: u32,
}

/// One member's cycle as a calendar heatmap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    /// Shown as the heading, e.g. "Ada — Lakehouse Architecture".
    pub title: String,
    pub days: Vec<Cell>,
    pub modules: Vec<Module>,
    pub streak: u32,
    pub points: i64,
}

/// A curriculum module, starting on a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Module {
    pub name: String,
    /// 0-based index into the days.
    pub first_day: usize,
}

/// A cohort's members × days; `rows` are drawn in the order given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grid {
    pub title: String,
    pub days: usize,
    pub modules: Vec<Module>,
    pub rows: Vec<GridRow>,
}

/// One member's row in a [`Grid`]; missing cells (fewer than `days`) are drawn as upcoming.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GridRow {
    pub name: String,
    pub cells: Vec<Cell>,
}

/// A horizontal bar chart, e.g. a weekly leaderboard's points; bars are drawn in the order given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bars {
    pub title: String,
    pub bars: Vec<(String, i64)>,
}

/// A histogram of scores `0..=max_score`, with the asking member's own score marked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Distribution {
    pub title: String,
    pub max_score: u32,
    /// Scores above `max_score` count as `max_score`.
    pub scores: Vec<u32>,
    pub mine: Option<u32>,
}

/// Counts of each state, in [`Cell::ALL`] order.
pub(crate) fn tally<'a>(cells: impl IntoIterator<Item = &'a Cell>) -> [usize; 6] {
    let mut counts = [0; 6];
    for cell in cells {
        // The variants are declared in `Cell::ALL` order.
        counts[*cell as usize] += 1;
    }
    counts
}

/// "12 on time, 3 late, 1 freeze, …": the non-zero counts, or "nothing" when all are zero.
pub(crate) fn describe_tally(counts: &[usize; 6]) -> String {
    let words = ["on time", "late", "freeze", "missed", "open today", "still to come"];
    let parts: Vec<String> = counts
        .iter()
        .zip(words)
        .filter(|(n, _)| **n > 0)
        .map(|(n, word)| match (word, *n) {
            ("freeze", n) if n > 1 => format!("{n} freezes"),
            (word, n) => format!("{n} {word}"),
        })
        .collect();
    if parts.is_empty() { "no days".to_string() } else { parts.join(", ") }
}

/// `s` without control and bidi-override characters, for alt text and for drawing.
pub(crate) fn clean(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() || is_bidi_control(c) { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_string()
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `s` cut to `max` characters, ending in "…" when cut.
pub(crate) fn cut_chars(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Alt text from its parts, cleaned and cut to [`MAX_ALT_CHARS`].
pub(crate) fn alt_text(text: &str) -> String {
    cut_chars(&clean(text), MAX_ALT_CHARS)
}

/// The modules whose first day lies inside `0..days`, sorted by first day.
pub(crate) fn modules_in(modules: &[Module], days: usize) -> Vec<&Module> {
    let mut inside: Vec<&Module> = modules.iter().filter(|m| m.first_day < days).collect();
    inside.sort_by_key(|m| m.first_day);
    inside
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn palette_colours_differ() {
        for (i, a) in Cell::ALL.iter().enumerate() {
            for b in &Cell::ALL[i + 1..] {
                assert_ne!(color(*a), color(*b), "{a:?} and {b:?}");
            }
        }
    }

    #[test]
    fn all_is_in_declaration_order() {
        for (i, cell) in Cell::ALL.iter().enumerate() {
            assert_eq!(*cell as usize, i);
        }
    }

    #[test]
    fn tally_counts_each_state() {
        let counts = tally(&[Cell::OnTime, Cell::OnTime, Cell::Missed, Cell::Upcoming]);
        assert_eq!(counts, [2, 0, 0, 1, 0, 1]);
        assert_eq!(describe_tally(&counts), "2 on time, 1 missed, 1 still to come");
        assert_eq!(describe_tally(&[0; 6]), "no days");
    }

    #[test]
    fn clean_drops_controls_and_bidi_overrides() {
        assert_eq!(clean("a\nb\u{202E}c\t"), "a b c");
    }

    #[test]
    fn cut_chars_ends_in_ellipsis() {
        assert_eq!(cut_chars("abcdef", 4), "abc…");
        assert_eq!(cut_chars("abc", 4), "abc");
        assert_eq!(alt_text(&"x".repeat(2000)).chars().count(), MAX_ALT_CHARS);
    }
}
