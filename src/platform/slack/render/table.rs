//! A coach table as mrkdwn: the title in bold, the rows aligned in a code block, the footer below.

use super::mrkdwn::{escape, mrkdwn};
use crate::coach::Table;

/// Leaderboard names are short; a longer cell would push every row past the screen.
const CELL_MAX: usize = 48;
/// No line grows past this, however many columns.
const LINE_MAX: usize = 200;
const TITLE_MAX: usize = 256;
const FOOTER_MAX: usize = 512;

/// The whole table, escaped; the caller splits it into sections (the code block is closed and
/// reopened at a cut, so a long table stays aligned in every part and no row is lost).
pub fn render(table: &Table) -> String {
    let columns: Vec<String> = table.columns.iter().map(|c| cell(c)).collect();
    let rows: Vec<Vec<String>> = table.rows.iter().map(|r| r.iter().map(|c| cell(c)).collect()).collect();
    let widths = widths(&columns, &rows);
    let numeric: Vec<bool> = (0..widths.len()).map(|i| is_numeric(&rows, i)).collect();
    // Widths are measured on the text as shown, so escaping comes after padding.
    let line = |cells: &[String]| escape(&line(cells, &widths, &numeric));
    let mut out = String::new();
    let title = one_line(&table.title);
    if !title.trim().is_empty() {
        out.push_str(&format!("*{}*\n", escape(&cut(title.trim(), TITLE_MAX))));
    }
    out.push_str("```\n");
    out.push_str(&line(&columns));
    if rows.is_empty() {
        out.push_str("\n(nobody yet)");
    }
    for row in &rows {
        out.push('\n');
        out.push_str(&line(row));
    }
    out.push_str("\n```");
    if let Some(footer) = table.footer.as_deref().filter(|f| !f.trim().is_empty()) {
        out.push('\n');
        out.push_str(&mrkdwn(&cut(footer, FOOTER_MAX)));
    }
    out
}

fn one_line(text: &str) -> String {
    text.replace(['\n', '\r', '\t'], " ")
}

/// Backticks would end the code block early, so they become a look-alike.
fn cell(text: &str) -> String {
    cut(&one_line(text).replace('`', "ˋ"), CELL_MAX)
}

/// Cut in characters, on the text as shown (before escaping).
fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max - 1).collect();
    out.push('…');
    out
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
    cut(padded.join("  ").trim_end(), LINE_MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(rows: usize) -> Table {
        Table {
            title: "Leaderboard".into(),
            columns: vec!["#".into(), "Member".into(), "Points".into()],
            rows: (1..=rows)
                .map(|i| vec![i.to_string(), format!("member{i}"), (1000 - i).to_string()])
                .collect(),
            footer: Some("You: **#2**".into()),
        }
    }

    #[test]
    fn aligns_columns_escapes_cells_and_neutralises_backticks() {
        let cases = [
            (
                table(2),
                "*Leaderboard*\n```\n#  Member   Points\n1  member1     999\n2  member2     998\n```\nYou: *#2*",
            ),
            (
                Table { rows: vec![], footer: None, ..table(0) },
                "*Leaderboard*\n```\n#  Member  Points\n(nobody yet)\n```",
            ),
            (
                Table {
                    rows: vec![vec!["a```b".into()], vec!["<!here> & co".into()]],
                    columns: vec!["x".into()],
                    title: " \n".into(),
                    footer: Some("@channel".into()),
                },
                "```\nx\naˋˋˋb\n&lt;!here&gt; &amp; co\n```\n@\u{200d}channel",
            ),
            (
                Table {
                    rows: vec![
                        vec!["1".into(), "a&b".into(), "9".into()],
                        vec!["2".into(), "cc".into(), "10".into()],
                    ],
                    footer: None,
                    ..table(0)
                },
                "*Leaderboard*\n```\n#  Member  Points\n1  a&amp;b          9\n2  cc          10\n```",
            ),
        ];
        for (t, want) in cases {
            assert_eq!(render(&t), want);
        }
    }
}
