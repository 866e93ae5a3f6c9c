//! One member's cycle as a calendar heatmap: rows of ten days, module starts marked, streak and points, a legend.

use super::canvas::{BODY, Canvas, INK, MARGIN, MAX_MODULE_LINES, MUTED, SMALL, legend_height};
use super::{Calendar, Cell, Picture, alt_text, clean, describe_tally, modules_in, tally};

/// Days per row when the cycle has at most [`WIDE_FROM`] days, which reads as days 1–10, 11–20, ….
const NARROW_COLUMNS: usize = 10;
/// Days per row for long cycles.
const WIDE_COLUMNS: usize = 25;
const WIDE_FROM: usize = 100;
/// Days drawn at most; a longer cycle is cut with a note (the alt text still counts all days).
pub(crate) const MAX_DAYS: usize = 1000;

pub(crate) const CELL: u32 = 26;
const GAP: i32 = 6;
/// The band above each row of squares that carries module tags ("M2").
const TAG_BAND: i32 = 14;
const LABEL_WIDTH: i32 = 78;
const MIN_WIDTH: i32 = 560;

/// Where the calendar's squares are: the geometry shared by drawing and by tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CalendarLayout {
    /// Top-left of day 0's square.
    pub origin: (i32, i32),
    pub columns: usize,
    pub cell: u32,
    /// Distance from one square to the next, across and down.
    pub pitch: (i32, i32),
    /// Days drawn (at most [`MAX_DAYS`]).
    pub shown: usize,
}

impl CalendarLayout {
    /// The layout for a cycle of `days` days.
    pub fn new(days: usize) -> Self {
        let shown = days.min(MAX_DAYS);
        let columns = if shown > WIDE_FROM { WIDE_COLUMNS } else { NARROW_COLUMNS };
        let top = MARGIN + 28 + 24 + 8;
        CalendarLayout {
            origin: (MARGIN + LABEL_WIDTH, top + TAG_BAND),
            columns,
            cell: CELL,
            pitch: (CELL as i32 + GAP, TAG_BAND + CELL as i32 + GAP),
            shown,
        }
    }

    /// Top-left of day `day`'s square; the pixel `cell / 2` right and down from it has exactly the
    /// state's [`color`](super::color).
    pub fn square(&self, day: usize) -> (i32, i32) {
        let (row, col) = ((day / self.columns) as i32, (day % self.columns) as i32);
        (self.origin.0 + col * self.pitch.0, self.origin.1 + row * self.pitch.1)
    }

    fn rows(&self) -> usize {
        self.shown.div_ceil(self.columns)
    }

    /// The y just below the last row of squares.
    fn bottom(&self) -> i32 {
        self.origin.1 + self.rows() as i32 * self.pitch.1 - TAG_BAND
    }

    fn width(&self) -> i32 {
        (self.origin.0 + self.columns as i32 * self.pitch.0 - GAP + MARGIN).max(MIN_WIDTH)
    }
}

/// One member's heatmap over the cycle.
pub fn calendar(c: &Calendar) -> Picture {
    let layout = CalendarLayout::new(c.days.len());
    let modules = modules_in(&c.modules, layout.shown);
    let module_lines = modules.len().min(MAX_MODULE_LINES + 1);
    let width = layout.width();
    let notes = i32::from(c.days.len() > layout.shown) + i32::from(c.days.is_empty());
    let legend = legend_height(width - 2 * MARGIN);
    let height = layout.bottom() + 12 + notes * 20 + module_lines as i32 * 18 + 12 + legend + MARGIN;
    let mut canvas = Canvas::new(width as u32, height as u32);
    let title = clean(&c.title);
    canvas.title(&title);
    let summary = format!("Streak {} · {} points · {} days", streak(c.streak), c.points, c.days.len());
    canvas.text(&summary, BODY, MARGIN as f32, (MARGIN + 30) as f32, MUTED);
    draw_days(&mut canvas, &layout, &c.days);
    draw_module_marks(&mut canvas, &layout, &modules);
    let mut y = layout.bottom() + 12;
    if c.days.is_empty() {
        canvas.text("No days yet: the cycle has not started.", BODY, MARGIN as f32, y as f32, INK);
        y += 20;
    }
    if c.days.len() > layout.shown {
        let note = format!("Showing the first {} of {} days.", layout.shown, c.days.len());
        canvas.text(&note, BODY, MARGIN as f32, y as f32, INK);
        y += 20;
    }
    y = canvas.module_names(&modules, c.days.len(), y, width);
    canvas.legend(MARGIN, y + 12, width - 2 * MARGIN);
    canvas.finish(alt(c, &title))
}

fn streak(days: u32) -> String {
    if days == 1 { "1 day".to_string() } else { format!("{days} days") }
}

fn draw_days(canvas: &mut Canvas, layout: &CalendarLayout, days: &[Cell]) {
    for row in 0..layout.rows() {
        let first = row * layout.columns;
        let last = (first + layout.columns).min(layout.shown);
        let label = if last - first == 1 {
            format!("Day {}", first + 1)
        } else {
            format!("{}–{}", first + 1, last)
        };
        let (_, top) = layout.square(first);
        let text_top = top as f32 + (layout.cell as f32 - BODY.size) / 2.0;
        canvas.text_right(&label, BODY, (layout.origin.0 - 10) as f32, text_top, MUTED);
    }
    for (day, cell) in days.iter().take(layout.shown).enumerate() {
        let (x, y) = layout.square(day);
        canvas.cell(x, y, layout.cell, *cell);
    }
}

/// A dark bar in the gap before each module's first day, and its tag ("M2") above.
fn draw_module_marks(canvas: &mut Canvas, layout: &CalendarLayout, modules: &[&super::Module]) {
    for (i, module) in modules.iter().enumerate().take(MAX_MODULE_LINES) {
        let (x, y) = layout.square(module.first_day);
        canvas.rect(x - GAP / 2 - 2, y - 3, 3, layout.cell + 6, INK);
        canvas.text(&format!("M{}", i + 1), SMALL, (x - 2) as f32, (y - TAG_BAND) as f32, INK);
    }
}

fn alt(c: &Calendar, title: &str) -> String {
    let who = if title.is_empty() { String::new() } else { format!(" for {}", super::cut_chars(title, 200)) };
    let counts = describe_tally(&tally(&c.days));
    let modules = modules_in(&c.modules, c.days.len());
    let module_note = match modules.len() {
        0 => String::new(),
        n => format!(" {n} module{} marked.", if n == 1 { "" } else { "s" }),
    };
    alt_text(&format!(
        "Calendar{who}, {} days: {counts}; streak {}; {} points.{module_note}",
        c.days.len(),
        streak(c.streak),
        c.points
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pictures::text;

    #[test]
    fn row_labels_fit_their_column() {
        assert!(text::width("991–1000", BODY) < (LABEL_WIDTH - 10) as f32);
    }

    #[test]
    fn layout_stays_bounded() {
        let layout = CalendarLayout::new(50_000);
        assert_eq!(layout.shown, MAX_DAYS);
        assert!(layout.width() <= super::super::MAX_SIDE as i32);
        assert!(layout.bottom() + 600 <= super::super::MAX_SIDE as i32);
    }
}
