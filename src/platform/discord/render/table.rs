//! A coach table as an aligned monospace code block that always fits one Discord message.

use super::split::{len, trim};
use crate::coach::Table;
use crate::platform::table::align;

const TITLE_MAX: usize = 256;
const FOOTER_MAX: usize = 512;

/// **title**, the table in a code block, then the footer; rows that would pass `limit`
/// characters are dropped from the bottom and counted in a `… N more` line.
pub fn render(table: &Table, limit: usize) -> String {
    let (header, rows) = align(table);
    let head = match table.title.trim() {
        "" => String::new(),
        title => format!("**{}**\n", trim(title, TITLE_MAX)),
    };
    let foot = table.footer.as_deref().map(|f| format!("\n{}", trim(f, FOOTER_MAX))).unwrap_or_default();
    let mut body = vec![header];
    if rows.is_empty() {
        body.push("(nobody yet)".into());
    }
    let shown = |body: &[String], more: usize| {
        let more = if more > 0 { format!("\n… {more} more") } else { String::new() };
        format!("{head}```\n{}{more}\n```{foot}", body.join("\n"))
    };
    for (i, next) in rows.iter().enumerate() {
        // The `… N more` line is at most 24 characters; keep room for it.
        let size = len(&shown(&body, 0)) + 1 + len(next) + 24;
        if size > limit {
            return shown(&body, rows.len() - i);
        }
        body.push(next.clone());
    }
    shown(&body, 0)
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
            footer: Some("You: #2".into()),
        }
    }

    #[test]
    fn aligns_columns_and_right_aligns_numbers() {
        let cases = [
            (
                table(2),
                "**Leaderboard**\n```\n#  Member   Points\n1  member1     999\n2  member2     998\n```\nYou: #2",
            ),
            (
                Table { rows: vec![], footer: None, ..table(0) },
                "**Leaderboard**\n```\n#  Member  Points\n(nobody yet)\n```",
            ),
            (
                Table {
                    rows: vec![vec!["a```b".into()]],
                    columns: vec!["x".into()],
                    title: String::new(),
                    footer: None,
                },
                "```\nx\naˋˋˋb\n```",
            ),
        ];
        for (t, want) in cases {
            assert_eq!(render(&t, 2000), want);
        }
    }

    #[test]
    fn drops_rows_from_the_bottom_to_fit() {
        let out = render(&table(500), 2000);
        assert!(len(&out) <= 2000, "{}", len(&out));
        assert!(out.contains("member1 ") && !out.contains("member500"));
        let shown = out.lines().filter(|l| l.contains("member")).count();
        assert!(out.contains(&format!("… {} more\n```\nYou: #2", 500 - shown)), "{out}");
    }
}
