//! The pictures the coach attaches: a member's calendar (`/progress`), the cohort grid
//! (`/studybot status`), the weekly leaderboard's bars and a quiz's scores — the coach's data
//! mapped onto [`crate::pictures`], as PNG attachments whose description is the alt text.
//! Calendars, grids and score charts are drawn on the blocking pool ([`drawn`]): a 500-member
//! grid is about 60 ms of CPU, which on an async worker would hold up every request behind it.

use std::sync::Arc;

use super::context::CohortCtx;
use super::export::Record;
use super::message::Attachment;
use super::progress::Mark;
use crate::pictures::{self, Cell, GridRow, Module, Picture};

/// The picture's state for a day's mark; an excused day shows like a freeze, as in text.
pub fn cell(mark: Mark) -> Cell {
    match mark {
        Mark::OnTime => Cell::OnTime,
        Mark::Late => Cell::Late,
        Mark::Freeze | Mark::Excused => Cell::Freeze,
        Mark::Missed => Cell::Missed,
        Mark::Open => Cell::Open,
    }
}

/// The cycle's modules, each at the index of its first day among the curriculum's days.
fn modules(ctx: &CohortCtx) -> Vec<Module> {
    let order: Vec<_> = ctx.curriculum.days().map(|d| d.day).collect();
    ctx.curriculum
        .sections
        .iter()
        .filter_map(|section| {
            let first = section.days.first()?.day;
            let first_day = order.iter().position(|d| *d == first)?;
            Some(Module { name: section.title.clone(), first_day })
        })
        .collect()
}

/// Every day of the cycle: the posted ones by their marks, the rest still to come.
fn cells(ctx: &CohortCtx, marks: &[Mark]) -> Vec<Cell> {
    let mut cells: Vec<Cell> = marks.iter().copied().map(cell).collect();
    cells.resize(ctx.total_days().max(cells.len()), Cell::Upcoming);
    cells
}

/// A member's calendar over the cycle, with their streak and points.
pub async fn calendar(ctx: &CohortCtx, name: &str, marks: &[Mark], streak: u32, points: i64) -> Attachment {
    let calendar = pictures::Calendar {
        title: format!("{name} — {}", ctx.curriculum.title),
        days: cells(ctx, marks),
        modules: modules(ctx),
        streak,
        points,
    };
    let picture = drawn(calendar, pictures::calendar).await;
    attachment(format!("progress-{}.png", file_stem(name)), picture)
}

/// The cohort's members × days, most lessons done first (then points, then name), a file per
/// page of at most [`pictures::GRID_PAGE_ROWS`] members.
pub async fn grid(ctx: &CohortCtx, record: &Record) -> Vec<Attachment> {
    let mut lines: Vec<_> = record.lines.iter().collect();
    lines.sort_by(|a, b| {
        (b.lessons_done, b.points).cmp(&(a.lessons_done, a.points)).then_with(|| a.member.cmp(&b.member))
    });
    let rows =
        lines.iter().map(|l| GridRow { name: l.member.clone(), cells: cells(ctx, &l.marks) }).collect();
    let grid = pictures::Grid {
        title: format!("{} — cohort {}", ctx.curriculum.title, ctx.cohort.id),
        days: ctx.total_days(),
        modules: modules(ctx),
        rows,
    };
    let pages = drawn(grid, pictures::grid).await;
    let many = pages.len() > 1;
    pages
        .into_iter()
        .enumerate()
        .map(|(i, page)| {
            let suffix = if many { format!("-{}", i + 1) } else { String::new() };
            attachment(format!("cohort-{}-grid{suffix}.png", ctx.cohort.id), page)
        })
        .collect()
}

/// A bar chart of `(name, points)`, in the order given.
pub fn bars(title: &str, file: &str, bars: Vec<(String, i64)>) -> Attachment {
    attachment(format!("{file}.png"), pictures::bars(&pictures::Bars { title: title.to_string(), bars }))
}

/// The cohort's scores on a quiz, `mine` marked.
pub async fn distribution(
    title: &str,
    file: &str,
    max_score: u32,
    scores: Vec<u32>,
    mine: Option<u32>,
) -> Attachment {
    let scores = pictures::Distribution { title: title.to_string(), max_score, scores, mine };
    attachment(format!("{file}.png"), drawn(scores, pictures::distribution).await)
}

/// `draw(&data)` on the blocking pool; here, when that pool is gone (the runtime shutting down).
async fn drawn<D, T>(data: D, draw: fn(&D) -> T) -> T
where
    D: Send + Sync + 'static,
    T: Send + 'static,
{
    let data = Arc::new(data);
    let shared = Arc::clone(&data);
    match tokio::task::spawn_blocking(move || draw(&shared)).await {
        Ok(picture) => picture,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(_) => draw(&data),
    }
}

fn attachment(name: String, picture: Picture) -> Attachment {
    Attachment { name, content_type: "image/png".into(), description: picture.alt, bytes: picture.png }
}

/// A member's name as part of a file name: ASCII letters and digits, the rest as `-`, at most 40.
fn file_stem(name: &str) -> String {
    let stem: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' })
        .take(40)
        .collect();
    let stem = stem.trim_matches('-');
    if stem.is_empty() { "member".into() } else { stem.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn pictures_are_drawn_off_the_async_worker() {
        fn thread(_: &()) -> std::thread::ThreadId {
            std::thread::current().id()
        }
        assert_ne!(drawn((), thread).await, std::thread::current().id());
    }

    #[test]
    fn file_stems_are_safe_whatever_the_name() {
        assert_eq!(file_stem("Ada Lovelace"), "ada-lovelace");
        assert_eq!(file_stem("../../etc"), "etc");
        assert_eq!(file_stem("🙂"), "member");
    }
}
