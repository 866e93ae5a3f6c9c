//! Plain-text rendering of coach messages for the terminal (and as a text fallback elsewhere).

use std::fmt::Write;

use crate::coach::{Block, LessonCard, Message, Table};

pub fn render(message: &Message) -> String {
    let parts: Vec<String> = message.blocks.iter().map(block).collect();
    parts.join("\n")
}

fn block(block: &Block) -> String {
    match block {
        Block::Text(text) => text.clone(),
        Block::Lesson(card) => lesson(card),
        Block::Table(t) => table(t),
        Block::Buttons(buttons) => {
            let shown: Vec<String> =
                buttons.iter().map(|b| format!("[{}] (:press {})", b.label, b.id)).collect();
            shown.join("  ")
        }
        Block::File(file) => format!("📎 {} — {} ({} bytes)", file.name, file.description, file.bytes.len()),
    }
}

pub fn lesson(card: &LessonCard) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "📅 Day {} — {}", card.day, card.title);
    let _ = writeln!(
        out,
        "{} · lesson {} of {} · day {} of {} in the cycle",
        card.section, card.position.0, card.position.1, card.progress.0, card.progress.1
    );
    line(&mut out, "🎯 Objective", card.objective.as_deref());
    if let Some(work) = &card.work {
        line(&mut out, &format!("🛠️ {} ({} min)", work.kind.label(), work.minutes), Some(&work.text));
    }
    if !card.resources.is_empty() {
        out.push_str("📚 Resources:\n");
        for r in &card.resources {
            let _ = writeln!(out, "  • {} — {}", r.title, r.url);
        }
    }
    line(&mut out, "🐍 Python skill", card.python_skill.as_deref());
    for field in &card.fields {
        line(&mut out, &field.label, Some(&field.text));
    }
    line(&mut out, "✅ Checkpoint", card.checkpoint.as_deref());
    if let Some(text) = &card.linkedin_post {
        let _ = writeln!(out, "📝 LinkedIn post: “{text}”");
    }
    if let Some(text) = &card.blog_post {
        let _ = writeln!(out, "✍️ Blog post: “{text}”");
    }
    out.trim_end().to_string()
}

fn line(out: &mut String, label: &str, text: Option<&str>) {
    let Some(text) = text else { return };
    if text.contains('\n') {
        let _ = writeln!(out, "{label}:");
        for l in text.lines() {
            let _ = writeln!(out, "  {l}");
        }
    } else {
        let _ = writeln!(out, "{label}: {text}");
    }
}

/// Columns padded to their widest cell, counted in characters.
pub fn table(t: &Table) -> String {
    let mut widths: Vec<usize> = t.columns.iter().map(|c| c.chars().count()).collect();
    for row in &t.rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let fmt_row = |cells: &[String]| {
        let padded: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c:<width$}", width = widths.get(i).copied().unwrap_or(0)))
            .collect();
        padded.join("  ").trim_end().to_string()
    };
    let mut out = vec![t.title.clone(), fmt_row(&t.columns)];
    if t.rows.is_empty() {
        out.push("(nobody yet)".into());
    }
    out.extend(t.rows.iter().map(|r| fmt_row(r)));
    if let Some(footer) = &t.footer {
        out.push(footer.clone());
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_and_say_when_empty() {
        let t = Table {
            title: "Board".into(),
            columns: vec!["#".into(), "Member".into(), "Points".into()],
            rows: vec![
                vec!["1".into(), "alice".into(), "120".into()],
                vec!["2".into(), "bo".into(), "5".into()],
            ],
            footer: Some("You: #2".into()),
        };
        assert_eq!(table(&t), "Board\n#  Member  Points\n1  alice   120\n2  bo      5\nYou: #2");
        let empty = Table { rows: vec![], footer: None, ..t };
        assert!(table(&empty).ends_with("(nobody yet)"));
    }
}
