//! The drawing surface shared by every picture: a white tiny-skia pixmap, rectangles, lines, text, state squares, the legend, and PNG encoding.

use tiny_skia::{FillRule, Paint, PathBuilder, Pixmap, Rect, Transform};

use super::text::{self, Style};
use super::{Cell, MAX_SIDE, Module, Picture, clean, color};

pub(crate) type Rgb = [u8; 3];

pub(crate) const WHITE: Rgb = [0xFF, 0xFF, 0xFF];
/// Body text: 17:1 against white.
pub(crate) const INK: Rgb = [0x1A, 0x1A, 0x1A];
/// Secondary text (labels, notes): 7:1 against white.
pub(crate) const MUTED: Rgb = [0x59, 0x59, 0x59];
/// Faint guide lines.
pub(crate) const RULE: Rgb = [0xD0, 0xD0, 0xD0];
const OPEN_EDGE: Rgb = [0x33, 0x33, 0x33];
const UPCOMING_EDGE: Rgb = [0xC4, 0xC4, 0xC4];

pub(crate) const TITLE: Style = Style::bold(20.0);
pub(crate) const BODY: Style = Style::regular(14.0);
pub(crate) const SMALL: Style = Style::regular(11.0);

/// Outer margin of every picture.
pub(crate) const MARGIN: i32 = 20;
/// Module names listed under a calendar or grid at most; the rest are counted ("+3 more modules").
pub(crate) const MAX_MODULE_LINES: usize = 12;
const LEGEND_SWATCH: u32 = 16;

pub(crate) struct Canvas {
    pixmap: Pixmap,
}

impl Canvas {
    /// "M1 Foundations (days 1–7)", one a line from `top`, at most [`MAX_MODULE_LINES`] of them;
    /// returns the y below them. `days` ends the last module.
    pub fn module_names(&mut self, modules: &[&Module], days: usize, top: i32, width: i32) -> i32 {
        let mut y = top;
        for (i, module) in modules.iter().enumerate().take(MAX_MODULE_LINES) {
            let end = modules.get(i + 1).map_or(days, |next| next.first_day);
            let span = if end <= module.first_day + 1 {
                format!("day {}", module.first_day + 1)
            } else {
                format!("days {}–{}", module.first_day + 1, end)
            };
            let line = format!("M{} {} ({span})", i + 1, clean(&module.name));
            self.text_fit(&line, BODY, MARGIN as f32, y as f32, (width - 2 * MARGIN) as f32, INK);
            y += 18;
        }
        if modules.len() > MAX_MODULE_LINES {
            let more = format!("+{} more modules", modules.len() - MAX_MODULE_LINES);
            self.text(&more, BODY, MARGIN as f32, y as f32, MUTED);
            y += 18;
        }
        y
    }

    /// A white canvas; each side is clamped to `1..=MAX_SIDE`.
    pub fn new(width: u32, height: u32) -> Self {
        let (width, height) = (width.clamp(1, MAX_SIDE), height.clamp(1, MAX_SIDE));
        // Both sides are clamped to a valid, bounded size, which is all Pixmap::new refuses.
        let mut pixmap = Pixmap::new(width, height).expect("canvas size is within 1..=MAX_SIDE");
        pixmap.fill(tiny_skia::Color::WHITE);
        Canvas { pixmap }
    }

    pub fn width(&self) -> u32 {
        self.pixmap.width()
    }

    pub fn height(&self) -> u32 {
        self.pixmap.height()
    }

    /// Sets one pixel, blending `rgb` over what is there by `coverage` (0..=1); off-canvas is ignored.
    fn blend(&mut self, x: i32, y: i32, rgb: Rgb, coverage: f32) {
        let (w, h) = (self.width() as i32, self.height() as i32);
        if x < 0 || y < 0 || x >= w || y >= h || coverage <= 0.0 {
            return;
        }
        let i = (y as usize * w as usize + x as usize) * 4;
        let a = coverage.min(1.0);
        let data = self.pixmap.data_mut();
        for (k, channel) in rgb.iter().enumerate() {
            let under = f32::from(data[i + k]);
            data[i + k] = (under + (f32::from(*channel) - under) * a).round() as u8;
        }
        data[i + 3] = 255;
    }

    /// Fills an axis-aligned rectangle exactly (no anti-aliasing, so its colour is exact).
    pub fn rect(&mut self, x: i32, y: i32, w: u32, h: u32, rgb: Rgb) {
        if let Some(rect) = Rect::from_xywh(x as f32, y as f32, w as f32, h as f32) {
            let mut paint = solid(rgb);
            paint.anti_alias = false;
            self.pixmap.fill_rect(rect, &paint, Transform::identity(), None);
        }
    }

    /// A rectangle's border, `t` pixels thick, inside its bounds.
    pub fn frame(&mut self, x: i32, y: i32, w: u32, h: u32, t: u32, rgb: Rgb) {
        if w == 0 || h == 0 {
            return;
        }
        let t = t.min(w / 2).min(h / 2).max(1);
        self.rect(x, y, w, t, rgb);
        self.rect(x, y + (h - t) as i32, w, t, rgb);
        self.rect(x, y, t, h, rgb);
        self.rect(x + (w - t) as i32, y, t, h, rgb);
    }

    /// A rectangle filled with `fill` and crossed by diagonal `stripe`s, for a mark that does not rely on colour.
    pub fn hatched(&mut self, x: i32, y: i32, w: u32, h: u32, fill: Rgb, stripe: Rgb) {
        for py in 0..h as i32 {
            for px in 0..w as i32 {
                let rgb = if (px + py).rem_euclid(7) < 2 { stripe } else { fill };
                self.blend(x + px, y + py, rgb, 1.0);
            }
        }
    }

    /// An anti-aliased filled polygon.
    pub fn polygon(&mut self, points: &[(f32, f32)], rgb: Rgb) {
        let mut path = PathBuilder::new();
        for (i, (x, y)) in points.iter().enumerate() {
            if i == 0 { path.move_to(*x, *y) } else { path.line_to(*x, *y) }
        }
        path.close();
        if let Some(path) = path.finish() {
            self.pixmap.fill_path(&path, &solid(rgb), FillRule::Winding, Transform::identity(), None);
        }
    }

    /// Draws `text` with its top-left at (`x`, `top`); returns its advance.
    pub fn text(&mut self, text: &str, style: Style, x: f32, top: f32, rgb: Rgb) -> f32 {
        text::draw(text, style, x, top, |px, py, coverage| self.blend(px, py, rgb, coverage))
    }

    /// Draws `text` cut with "…" to `max_width`; returns its advance.
    pub fn text_fit(&mut self, text: &str, style: Style, x: f32, top: f32, max_width: f32, rgb: Rgb) -> f32 {
        let fitted = text::fit(text, style, max_width);
        self.text(&fitted, style, x, top, rgb)
    }

    /// Draws `text` ending at `right`.
    pub fn text_right(&mut self, text: &str, style: Style, right: f32, top: f32, rgb: Rgb) {
        let w = text::width(text, style);
        self.text(text, style, right - w, top, rgb);
    }

    /// Draws `text` centred on `centre`.
    pub fn text_centred(&mut self, text: &str, style: Style, centre: f32, top: f32, rgb: Rgb) {
        let w = text::width(text, style);
        self.text(text, style, centre - w / 2.0, top, rgb);
    }

    /// The picture's heading, cut to the canvas width; returns the y below it.
    pub fn title(&mut self, title: &str) -> i32 {
        let room = (self.width() as i32 - 2 * MARGIN) as f32;
        self.text_fit(title, TITLE, MARGIN as f32, MARGIN as f32, room, INK);
        MARGIN + TITLE.size as i32 + 8
    }

    /// A `size`-pixel square showing `cell`: its fill plus its shape cue; the centre pixel is
    /// always exactly [`color`]`(cell)`.
    pub fn cell(&mut self, x: i32, y: i32, size: u32, cell: Cell) {
        let s = size as i32;
        for py in 0..s {
            for px in 0..s {
                let (rgb, coverage) = cue(cell, px, py, s);
                self.blend(x + px, y + py, color(cell), 1.0);
                self.blend(x + px, y + py, rgb, coverage);
            }
        }
    }

    /// The legend of every state, wrapping within `max_width`; returns its height.
    pub fn legend(&mut self, x: i32, top: i32, max_width: i32) -> i32 {
        let (places, height) = legend_places(max_width);
        for (cell, (dx, dy)) in Cell::ALL.into_iter().zip(places) {
            let (cx, cy) = (x + dx, top + dy);
            self.cell(cx, cy, LEGEND_SWATCH, cell);
            let text_top = cy as f32 + (LEGEND_SWATCH as f32 - BODY.size) / 2.0;
            self.text(cell.label(), BODY, (cx + LEGEND_SWATCH as i32 + 6) as f32, text_top, INK);
        }
        height
    }

    /// Encodes the canvas as an 8-bit RGB PNG.
    pub fn finish(self, alt: String) -> Picture {
        let (width, height) = (self.width(), self.height());
        let rgb: Vec<u8> = self.pixmap.data().chunks_exact(4).flat_map(|p| [p[0], p[1], p[2]]).collect();
        let mut png = Vec::new();
        let mut encoder = png::Encoder::new(&mut png, width, height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::Fast);
        // Writing a valid-size RGB image into memory has no failure mode.
        let mut writer = encoder.write_header().expect("PNG header for a valid size");
        writer.write_image_data(&rgb).expect("PNG data of the declared size");
        writer.finish().expect("PNG end into memory");
        Picture { png, alt, width, height }
    }
}

/// The height of the legend drawn within `max_width`.
pub(crate) fn legend_height(max_width: i32) -> i32 {
    legend_places(max_width).1
}

/// Each legend item's offset from the legend's top-left, and the legend's height.
fn legend_places(max_width: i32) -> ([(i32, i32); 6], i32) {
    let line = LEGEND_SWATCH as i32 + 8;
    let (mut x, mut y) = (0, 0);
    let mut places = [(0, 0); 6];
    for (place, cell) in places.iter_mut().zip(Cell::ALL) {
        let item = LEGEND_SWATCH as i32 + 6 + text::width(cell.label(), BODY).ceil() as i32;
        if x > 0 && x + item > max_width {
            (x, y) = (0, y + line);
        }
        *place = (x, y);
        x += item + 18;
    }
    (places, y + line)
}

fn solid(rgb: Rgb) -> Paint<'static> {
    let mut paint = Paint::default();
    paint.set_color_rgba8(rgb[0], rgb[1], rgb[2], 255);
    paint
}

/// The shape cue of `cell` at pixel (`px`, `py`) of an `s`-pixel square: a colour and its
/// coverage over the fill. Cues keep clear of the centre pixel.
fn cue(cell: Cell, px: i32, py: i32, s: i32) -> (Rgb, f32) {
    let edge = |t: i32| px < t || py < t || px >= s - t || py >= s - t;
    match cell {
        Cell::OnTime => (WHITE, 0.0),
        Cell::Late => (WHITE, if (s - 1 - px) + py < (s / 3).max(2) { 1.0 } else { 0.0 }),
        Cell::Freeze => {
            let (t, a) = ((s / 10).max(1), s / 4);
            let b = s - a - t;
            (WHITE, if (a..a + t).contains(&py) || (b..b + t).contains(&py) { 1.0 } else { 0.0 })
        }
        Cell::Missed => (WHITE, cross(px, py, s)),
        Cell::Open => (OPEN_EDGE, if edge(if s >= 12 { 2 } else { 1 }) { 1.0 } else { 0.0 }),
        Cell::Upcoming => (UPCOMING_EDGE, if edge(1) { 1.0 } else { 0.0 }),
    }
}

/// Coverage of a diagonal cross, inset from the corners and open at the centre.
fn cross(px: i32, py: i32, s: i32) -> f32 {
    let inset = s / 6;
    if px < inset || py < inset || px >= s - inset || py >= s - inset {
        return 0.0;
    }
    let c = (s - 1) as f32 / 2.0;
    let (dx, dy) = (px as f32 - c, py as f32 - c);
    if (dx * dx + dy * dy).sqrt() <= (s as f32 / 6.0).max(1.0) {
        return 0.0;
    }
    let half = (s as f32 / 14.0).max(0.6);
    let to_line = (dx - dy).abs().min((dx + dy).abs()) / std::f32::consts::SQRT_2;
    (half + 0.5 - to_line).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cues_keep_clear_of_the_centre() {
        for s in 5..40 {
            for cell in Cell::ALL {
                let (_, coverage) = cue(cell, s / 2, s / 2, s);
                assert_eq!(coverage, 0.0, "{cell:?} at size {s}");
            }
        }
    }

    #[test]
    fn cues_mark_every_state_but_on_time() {
        for cell in Cell::ALL {
            let marked =
                (0..18).flat_map(|y| (0..18).map(move |x| (x, y))).any(|(x, y)| cue(cell, x, y, 18).1 > 0.0);
            assert_eq!(marked, cell != Cell::OnTime, "{cell:?}");
        }
    }

    #[test]
    fn canvas_is_clamped() {
        let canvas = Canvas::new(0, 10_000);
        assert_eq!((canvas.width(), canvas.height()), (1, MAX_SIDE));
    }
}
