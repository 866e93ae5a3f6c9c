//! The cohort grid: members × days, one page per [`GRID_PAGE_ROWS`] members, module boundaries, a legend.

use super::canvas::{BODY, Canvas, INK, MARGIN, MAX_MODULE_LINES, MUTED, RULE, SMALL, legend_height};
use super::text::{self, Style};
use super::{
    Cell, GRID_PAGE_ROWS, Grid, GridRow, Module, Picture, alt_text, clean, cut_chars, describe_tally,
    modules_in, tally,
};

const NAME: Style = Style::regular(12.0);
const NAME_WIDTH: i32 = 180;
const ROW_PITCH: i32 = 18;
/// Column pitch for up to 60 days; longer cycles get narrower columns, down to [`MIN_PITCH`].
const MAX_PITCH: i32 = 18;
const MIN_PITCH: i32 = 6;
const CELLS_WIDTH: i32 = 60 * MAX_PITCH;
/// The widest the squares may spread before days are cut (with a note).
const MAX_CELLS_WIDTH: i32 = 2400;
const MIN_WIDTH: i32 = 600;
const HEADER: i32 = MARGIN + 28 + 22 + 16 + 16;

/// Where a grid page's squares are: the geometry shared by drawing and by tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GridLayout {
    /// Top-left of the first row's first day.
    pub origin: (i32, i32),
    pub cell: u32,
    /// Distance from one square to the next: across (days), down (members).
    pub pitch: (i32, i32),
    /// Days drawn (all unless the cycle is longer than fits in [`MAX_SIDE`](super::MAX_SIDE)).
    pub shown_days: usize,
}

impl GridLayout {
    /// The layout of every page of a grid over `days` days.
    pub fn new(days: usize) -> Self {
        let across = (CELLS_WIDTH / days.max(1) as i32).clamp(MIN_PITCH, MAX_PITCH);
        let shown_days = days.min((MAX_CELLS_WIDTH / across) as usize);
        let gap = if across >= 10 { 3 } else { 1 };
        GridLayout {
            origin: (MARGIN + NAME_WIDTH, HEADER),
            cell: (across - gap) as u32,
            pitch: (across, ROW_PITCH),
            shown_days,
        }
    }

    /// Top-left of the square of the page's `row`-th member on `day`; the pixel `cell / 2` right
    /// and down from it has exactly the state's [`color`](super::color).
    pub fn square(&self, row: usize, day: usize) -> (i32, i32) {
        let down = (ROW_PITCH - self.cell as i32) / 2;
        (self.origin.0 + day as i32 * self.pitch.0, self.origin.1 + row as i32 * self.pitch.1 + down)
    }

    fn width(&self) -> i32 {
        (self.origin.0 + self.shown_days as i32 * self.pitch.0 + MARGIN).max(MIN_WIDTH)
    }

    /// Centre x of a day's column.
    fn column_centre(&self, day: usize) -> f32 {
        (self.origin.0 + day as i32 * self.pitch.0) as f32 + self.cell as f32 / 2.0
    }
}

/// The cohort's members × days, as pages of at most [`GRID_PAGE_ROWS`] members; always at least one picture.
pub fn grid(g: &Grid) -> Vec<Picture> {
    let pages = grid_pages(g);
    (0..pages).map(|page| render_page(g, page, pages)).collect()
}

/// How many pictures [`grid`] makes: one per [`GRID_PAGE_ROWS`] members, at least one.
pub fn grid_pages(g: &Grid) -> usize {
    g.rows.len().div_ceil(GRID_PAGE_ROWS).max(1)
}

/// Only page `page` (0-based) of [`grid`], or `None` past the last page.
pub fn grid_page(g: &Grid, page: usize) -> Option<Picture> {
    let pages = grid_pages(g);
    (page < pages).then(|| render_page(g, page, pages))
}

fn render_page(g: &Grid, page: usize, pages: usize) -> Picture {
    let layout = GridLayout::new(g.days);
    let first = page * GRID_PAGE_ROWS;
    let rows = &g.rows[first.min(g.rows.len())..(first + GRID_PAGE_ROWS).min(g.rows.len())];
    let modules = modules_in(&g.modules, layout.shown_days);
    let title = page_title(&clean(&g.title), page, pages);
    let width = layout.width();
    let module_lines = modules.len().min(MAX_MODULE_LINES + 1) as i32;
    let body = (rows.len() as i32).max(2) * ROW_PITCH;
    let height = HEADER + body + 12 + module_lines * 18 + 8 + legend_height(width - 2 * MARGIN) + MARGIN;
    let mut canvas = Canvas::new(width as u32, height as u32);
    canvas.title(&title);
    let subtitle = subtitle(g, first, rows.len(), &layout);
    canvas.text_fit(&subtitle, BODY, MARGIN as f32, (MARGIN + 28) as f32, (width - 2 * MARGIN) as f32, MUTED);
    draw_day_numbers(&mut canvas, &layout);
    draw_rows(&mut canvas, &layout, rows);
    let mut y = HEADER + body + 8;
    draw_module_marks(&mut canvas, &layout, &modules, y - 8);
    if let Some(note) = empty_note(g) {
        canvas.text(note, BODY, layout.origin.0 as f32, (HEADER + 4) as f32, INK);
    }
    y = canvas.module_names(&modules, layout.shown_days, y + 4, width);
    canvas.legend(MARGIN, y + 8, width - 2 * MARGIN);
    canvas.finish(alt(g, &title, first, rows))
}

fn page_title(title: &str, page: usize, pages: usize) -> String {
    match (title.is_empty(), pages) {
        (true, 1) => "Cohort grid".to_string(),
        (true, _) => format!("Cohort grid, page {} of {pages}", page + 1),
        (false, 1) => title.to_string(),
        (false, _) => format!("{title}, page {} of {pages}", page + 1),
    }
}

fn subtitle(g: &Grid, first: usize, count: usize, layout: &GridLayout) -> String {
    let members = match count {
        0 => "No members".to_string(),
        _ if count == g.rows.len() => format!("{} members", g.rows.len()),
        _ => format!("Members {}–{} of {}", first + 1, first + count, g.rows.len()),
    };
    let days = if layout.shown_days < g.days {
        format!("the first {} of {} days", layout.shown_days, g.days)
    } else {
        format!("{} days", g.days)
    };
    format!("{members} × {days}")
}

fn empty_note(g: &Grid) -> Option<&'static str> {
    match (g.rows.is_empty(), g.days == 0) {
        (true, true) => Some("No members and no days yet."),
        (true, false) => Some("No members yet."),
        (false, true) => Some("No days yet: the cycle has not started."),
        (false, false) => None,
    }
}

/// Day numbers above the columns, every `step` days so that they never overlap.
fn draw_day_numbers(canvas: &mut Canvas, layout: &GridLayout) {
    let widest = text::width(&layout.shown_days.to_string(), SMALL) + 4.0;
    let step = [1, 2, 5, 10, 20, 50, 100, 200]
        .into_iter()
        .find(|s| (s * layout.pitch.0) as f32 >= widest)
        .unwrap_or(500) as usize;
    let top = (HEADER - 16) as f32;
    for day in 0..layout.shown_days {
        let number = day + 1;
        if number == 1 || number % step == 0 {
            canvas.text_centred(&number.to_string(), SMALL, layout.column_centre(day), top, MUTED);
        }
    }
}

fn draw_rows(canvas: &mut Canvas, layout: &GridLayout, rows: &[GridRow]) {
    for (r, row) in rows.iter().enumerate() {
        let top = layout.origin.1 + r as i32 * ROW_PITCH;
        let name = clean(&row.name);
        let name_top = top as f32 + (ROW_PITCH as f32 - NAME.size) / 2.0;
        canvas.text_fit(&name, NAME, MARGIN as f32, name_top, (NAME_WIDTH - 10) as f32, INK);
        for day in 0..layout.shown_days {
            let (x, y) = layout.square(r, day);
            canvas.cell(x, y, layout.cell, row.cells.get(day).copied().unwrap_or(Cell::Upcoming));
        }
        if (r + 1) % 5 == 0 && r + 1 < rows.len() {
            let width = NAME_WIDTH + layout.shown_days as i32 * layout.pitch.0;
            canvas.rect(MARGIN, top + ROW_PITCH - 1, width as u32, 1, RULE);
        }
    }
}

/// A dark rule in the gap before each module's first day, from the tags down to `bottom`, and its tag.
fn draw_module_marks(canvas: &mut Canvas, layout: &GridLayout, modules: &[&Module], bottom: i32) {
    let gap = layout.pitch.0 - layout.cell as i32;
    let top = HEADER - 30;
    // Tags of modules that start close together would overlap; the later one is left out.
    let mut free_from = i32::MIN;
    for (i, module) in modules.iter().enumerate().take(MAX_MODULE_LINES) {
        let x = layout.origin.0 + module.first_day as i32 * layout.pitch.0 - gap / 2 - 1;
        canvas.rect(x, top + 12, 2, (bottom - top - 12).max(1) as u32, INK);
        if x + 3 >= free_from {
            let advance = canvas.text(&format!("M{}", i + 1), SMALL, (x + 3) as f32, top as f32, INK);
            free_from = x + 3 + advance.ceil() as i32 + 2;
        }
    }
}

fn alt(g: &Grid, title: &str, first: usize, rows: &[GridRow]) -> String {
    if let Some(note) = empty_note(g) {
        return alt_text(&format!("{title}: {note}"));
    }
    let members = if rows.len() == g.rows.len() {
        format!("{} members", rows.len())
    } else {
        format!("members {}–{} of {}", first + 1, first + rows.len(), g.rows.len())
    };
    let cells = rows.iter().flat_map(|r| (0..g.days).map(|d| r.cells.get(d).unwrap_or(&Cell::Upcoming)));
    let mut best: Vec<(usize, &GridRow)> = rows.iter().map(|r| (checked_in(r, g.days), r)).collect();
    best.sort_by_key(|(n, _)| std::cmp::Reverse(*n));
    let leaders: Vec<String> = best
        .iter()
        .take(3)
        .filter(|(n, _)| *n > 0)
        .map(|(n, r)| format!("{} ({n})", cut_chars(&clean(&r.name), 40)))
        .collect();
    let leaders = if leaders.is_empty() {
        String::new()
    } else {
        format!(" Most days checked in: {}.", leaders.join(", "))
    };
    alt_text(&format!(
        "{title}: {members} × {} days, one row per member, one square per day. Totals: {}.{leaders}",
        g.days,
        describe_tally(&tally(cells))
    ))
}

/// Days the member checked in, on time or late.
fn checked_in(row: &GridRow, days: usize) -> usize {
    row.cells.iter().take(days).filter(|c| matches!(c, Cell::OnTime | Cell::Late)).count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pictures::MAX_SIDE;

    #[test]
    fn thirty_and_sixty_days_keep_full_size_squares() {
        assert_eq!(GridLayout::new(30).pitch.0, MAX_PITCH);
        assert_eq!(GridLayout::new(60).pitch.0, MAX_PITCH);
        assert!(GridLayout::new(120).pitch.0 < MAX_PITCH);
    }

    #[test]
    fn very_long_cycles_are_cut_to_fit() {
        let layout = GridLayout::new(100_000);
        assert!(layout.shown_days < 100_000);
        assert!(layout.width() <= MAX_SIDE as i32);
        assert!(layout.cell >= 5);
    }

    #[test]
    fn page_titles_name_the_page() {
        assert_eq!(page_title("Lakehouse", 1, 5), "Lakehouse, page 2 of 5");
        assert_eq!(page_title("", 0, 1), "Cohort grid");
    }
}
