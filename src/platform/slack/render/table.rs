//! A coach table as mrkdwn: the title in bold, the rows aligned in a code block, the footer below.

use super::mrkdwn::{escape, mrkdwn};
use crate::coach::Table;
use crate::platform::table::{align, one_line};

const TITLE_MAX: usize = 256;
const FOOTER_MAX: usize = 512;

/// The whole table, escaped; the caller splits it into sections (the code block is closed and
/// reopened at a cut, so a long table stays aligned in every part and no row is lost).
pub fn render(table: &Table) -> String {
    // Widths are measured on the text as shown, so escaping comes after padding.
    let (header, rows) = align(table);
    let mut out = String::new();
    let title = one_line(table.title.trim(), TITLE_MAX);
    if !title.trim().is_empty() {
        out.push_str(&format!("*{}*\n", escape(&title)));
    }
    out.push_str("```\n");
    out.push_str(&escape(&header));
    if rows.is_empty() {
        out.push_str("\n(nobody yet)");
    }
    for row in &rows {
        out.push('\n');
        out.push_str(&escape(row));
    }
    out.push_str("\n```");
    if let Some(footer) = table.footer.as_deref().filter(|f| !f.trim().is_empty()) {
        out.push('\n');
        out.push_str(&mrkdwn(&one_line(footer, FOOTER_MAX)));
    }
    out
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
