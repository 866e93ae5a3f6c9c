//! The embedded font and single-line text: measuring, cutting to a width with "…", and drawing glyph coverage.
//!
//! Text is laid out one character per glyph, left to right, with the font's kerning. Runs of
//! Hebrew or Arabic letters are reversed so that they read right to left (a simplified bidi; no
//! Arabic joining forms), and a character the font lacks is drawn as the font's fallback box.
//! Nothing here panics on any input.

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, GlyphId, PxScale, ScaleFont, point};

/// DejaVu Sans, Bitstream Vera licence (`assets/fonts/LICENSE-DejaVu.txt`).
static REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// Which of the two embedded faces to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Weight {
    Regular,
    Bold,
}

/// A face at a pixel size (the font's ascent-to-descent height).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Style {
    pub weight: Weight,
    pub size: f32,
}

impl Style {
    pub const fn regular(size: f32) -> Self {
        Style { weight: Weight::Regular, size }
    }

    pub const fn bold(size: f32) -> Self {
        Style { weight: Weight::Bold, size }
    }
}

struct Faces {
    regular: FontRef<'static>,
    bold: FontRef<'static>,
}

fn faces() -> &'static Faces {
    static FACES: OnceLock<Faces> = OnceLock::new();
    FACES.get_or_init(|| Faces {
        // The bytes are compiled in and checked by a unit test, so a parse failure is a build error.
        regular: FontRef::try_from_slice(REGULAR).expect("embedded DejaVuSans.ttf parses"),
        bold: FontRef::try_from_slice(BOLD).expect("embedded DejaVuSans-Bold.ttf parses"),
    })
}

fn face(weight: Weight) -> &'static FontRef<'static> {
    match weight {
        Weight::Regular => &faces().regular,
        Weight::Bold => &faces().bold,
    }
}

/// The width in pixels of `text` drawn in `style`.
pub(crate) fn width(text: &str, style: Style) -> f32 {
    let font = face(style.weight).as_scaled(PxScale::from(style.size));
    let mut x = 0.0;
    let mut previous: Option<GlyphId> = None;
    for c in text.chars() {
        let id = font.glyph_id(c);
        if let Some(p) = previous {
            x += font.kern(p, id);
        }
        x += font.h_advance(id);
        previous = Some(id);
    }
    x
}

/// `text` as it fits into `max_width` pixels: whole, or cut at a character and ended with "…".
pub(crate) fn fit(text: &str, style: Style, max_width: f32) -> String {
    if width(text, style) <= max_width {
        return text.to_string();
    }
    let room = max_width - width("…", style);
    let mut out = String::new();
    let mut used = 0.0;
    for c in text.chars() {
        let mut buf = [0; 4];
        let w = width(c.encode_utf8(&mut buf), style);
        if used + w > room {
            break;
        }
        used += w;
        out.push(c);
    }
    let mut out = out.trim_end().to_string();
    out.push('…');
    out
}

/// Draws `text` with its top-left corner at (`x`, `top`), calling `plot(x, y, coverage)` for
/// every pixel a glyph touches; returns the advance in pixels.
pub(crate) fn draw(text: &str, style: Style, x: f32, top: f32, mut plot: impl FnMut(i32, i32, f32)) -> f32 {
    let font = face(style.weight).as_scaled(PxScale::from(style.size));
    let baseline = top + font.ascent();
    let mut caret = x;
    let mut previous: Option<GlyphId> = None;
    for c in visual_order(text).chars() {
        let id = font.glyph_id(c);
        if let Some(p) = previous {
            caret += font.kern(p, id);
        }
        let glyph = id.with_scale_and_position(style.size, point(caret.round(), baseline.round()));
        if let Some(outlined) = font.outline_glyph(glyph) {
            let bounds = outlined.px_bounds();
            let (left, upper) = (bounds.min.x as i32, bounds.min.y as i32);
            outlined.draw(|gx, gy, coverage| plot(left + gx as i32, upper + gy as i32, coverage));
        }
        caret += font.h_advance(id);
        previous = Some(id);
    }
    caret - x
}

/// `text` with each right-to-left run reversed, keeping combining marks after their letter. A run
/// starts and ends with a right-to-left letter and may hold spaces, digits and punctuation between.
fn visual_order(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if !is_rtl(chars[i]) {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let mut end = i;
        let mut j = i;
        while j < chars.len() && (is_rtl(chars[j]) || is_mark(chars[j]) || !chars[j].is_alphabetic()) {
            if is_rtl(chars[j]) || is_mark(chars[j]) {
                end = j + 1;
            }
            j += 1;
        }
        out.extend(clusters(&chars[i..end]).into_iter().rev().flatten());
        i = end;
    }
    out
}

/// `chars` split into what keeps its order when a run is reversed: a letter with its combining
/// marks, or a number.
fn clusters(chars: &[char]) -> Vec<&[char]> {
    let mut out = Vec::new();
    let mut start = 0;
    for k in 1..=chars.len() {
        let number = k < chars.len() && chars[k].is_numeric() && chars[k - 1].is_numeric();
        if k == chars.len() || !(is_mark(chars[k]) || number) {
            out.push(&chars[start..k]);
            start = k;
        }
    }
    out
}

fn is_rtl(c: char) -> bool {
    matches!(c, '\u{05D0}'..='\u{05EA}' | '\u{05F0}'..='\u{05F4}' | '\u{0600}'..='\u{06FF}' | '\u{0750}'..='\u{077F}'
        | '\u{FB1D}'..='\u{FDFF}' | '\u{FE70}'..='\u{FEFF}')
        && !is_mark(c)
        && !c.is_numeric()
}

fn is_mark(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}' | '\u{0591}'..='\u{05C7}' | '\u{0610}'..='\u{061A}' | '\u{064B}'..='\u{065F}'
        | '\u{0670}' | '\u{06D6}'..='\u{06ED}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_fonts_parse() {
        assert!(face(Weight::Regular).glyph_count() > 1000);
        assert!(face(Weight::Bold).glyph_count() > 1000);
    }

    #[test]
    fn fit_cuts_long_text_with_an_ellipsis() {
        let style = Style::regular(13.0);
        let long = "Ada Lovelace ".repeat(20);
        let cut = fit(&long, style, 120.0);
        assert!(cut.ends_with('…'), "{cut}");
        assert!(width(&cut, style) <= 120.0);
        assert_eq!(fit("Ada", style, 120.0), "Ada");
    }

    #[test]
    fn right_to_left_runs_are_reversed() {
        assert_eq!(visual_order("abc"), "abc");
        assert_eq!(visual_order("שלום עולם"), "םלוע םולש");
        assert_eq!(visual_order("Ada (שלום) 5"), "Ada (םולש) 5");
        assert_eq!(visual_order("בְּ"), "בְּ");
        assert_eq!(visual_order("אב!"), "בא!");
        assert_eq!(visual_order("שלום 123 עולם"), "םלוע 123 םולש");
    }

    #[test]
    fn missing_glyphs_and_rtl_text_do_not_panic() {
        let style = Style::bold(16.0);
        let mut touched = 0;
        let advance = draw("😀 שלום مرحبا \u{0301}", style, 0.0, 0.0, |_, _, c| {
            if c > 0.0 {
                touched += 1;
            }
        });
        assert!(advance > 0.0);
        assert!(touched > 0);
        assert!(fit("😀😀😀😀😀😀😀😀😀😀", style, 5.0).ends_with('…'));
    }
}
