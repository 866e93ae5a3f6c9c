//! A coach table's rows as aligned monospace lines, shared by every platform that shows tables in a code block.

use crate::coach::Table;

/// Leaderboard names are short; a longer cell would push every row past the screen.
const CELL_MAX: usize = 48;
/// No line grows past this, however many columns, so the header always fits.
const LINE_MAX: usize = 200;

/// The header line and one line per row, padded to the widest cell (numbers right-aligned),
/// as shown: before any escaping the platform needs. Backticks become a look-alike so a cell
/// cannot end the code block early.
pub fn align(table: &Table) -> (String, Vec<String>) {
    let columns: Vec<String> = table.columns.iter().map(|c| cell(c)).collect();
    let rows: Vec<Vec<String>> = table.rows.iter().map(|r| r.iter().map(|c| cell(c)).collect()).collect();
    let widths = widths(&columns, &rows);
    let numeric: Vec<bool> = (0..widths.len()).map(|i| is_numeric(&rows, i)).collect();
    let line = |cells: &[String]| line(cells, &widths, &numeric);
    (line(&columns), rows.iter().map(|r| line(r)).collect())
}

/// One line of text, cut to `max` characters with "…" when something was cut.
pub fn one_line(text: &str, max: usize) -> String {
    let text = text.replace(['\n', '\r', '\t'], " ");
    if text.chars().count() <= max {
        return text;
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

fn cell(text: &str) -> String {
    one_line(&text.replace('`', "ˋ"), CELL_MAX)
}

fn widths(columns: &[String], rows: &[Vec<String>]) -> Vec<usize> {
    let count = rows.iter().map(Vec::len).chain([columns.len()]).max().unwrap_or(0);
    (0..count)
        .map(|i| {
            let cells = rows.iter().filter_map(|r| r.get(i)).chain(columns.get(i));
            cells.map(|c| c.chars().count()).max().unwrap_or(0)
        })
        .collect()
}

/// A column of numbers (ranks, points) reads best right-aligned.
fn is_numeric(rows: &[Vec<String>], column: usize) -> bool {
    let mut cells = rows.iter().filter_map(|r| r.get(column)).peekable();
    cells.peek().is_some() && cells.all(|c| c.trim_start_matches('#').parse::<f64>().is_ok())
}

fn line(cells: &[String], widths: &[usize], numeric: &[bool]) -> String {
    let padded: Vec<String> = cells
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let width = widths.get(i).copied().unwrap_or(0);
            if numeric.get(i) == Some(&true) { format!("{c:>width$}") } else { format!("{c:<width$}") }
        })
        .collect();
    one_line(padded.join("  ").trim_end(), LINE_MAX)
}
