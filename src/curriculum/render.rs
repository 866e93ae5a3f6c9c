//! Plain-text rendering of one lesson, as a member reads it on the console or in a preview.

use std::fmt::Write;

use super::model::{Day, Section};

/// The lesson card as text; platform adapters build their own richer forms from the same values.
pub fn render_day(section: &Section, day: &Day) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "📅 Day {} — {}", day.day, day.title);
    let _ = writeln!(out, "{}", section_line(section, day));
    out.push('\n');
    line(&mut out, "🎯 Objective", day.objective.as_deref());
    if let Some(work) = &day.work {
        let label = format!("🛠️ {} ({} min)", work.kind.label(), work.minutes);
        line(&mut out, &label, Some(&work.text));
    }
    if !day.resources.is_empty() {
        out.push_str("📚 Resources:\n");
        for r in &day.resources {
            let _ = writeln!(out, "  • {} — {}", r.title, r.url);
        }
    }
    line(&mut out, "🐍 Python skill", day.python_skill.as_deref());
    for field in &day.fields {
        line(&mut out, &field.label, Some(&field.text));
    }
    line(&mut out, "✅ Checkpoint", day.checkpoint.as_deref());
    quoted(&mut out, "📝 LinkedIn post", day.linkedin_post.as_deref());
    quoted(&mut out, "✍️ Blog post", day.blog_post.as_deref());
    out
}

fn section_line(section: &Section, day: &Day) -> String {
    let position = section.days.iter().position(|d| d.day == day.day).map_or(0, |i| i + 1);
    format!("{} · lesson {position} of {}", section.heading, section.days.len())
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

fn quoted(out: &mut String, label: &str, text: Option<&str>) {
    if let Some(text) = text {
        let _ = writeln!(out, "{label}: \u{201c}{text}\u{201d}");
    }
}
