//! Signs that a file was cut short: declared day ranges the days do not fill, a last day that stops
//! before the lines every other day has.
//!
//! A truncated file still parses (days 121-123 are a valid curriculum), so these are the warnings
//! that keep `curriculum check` from calling it "ok" and tell the organizer what is missing.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use regex::Regex;

use super::diagnostic::Diagnostic;
use super::diff::days;
use super::model::{Curriculum, Day};
use crate::domain::DayNumber;

/// `Days 121-150: …` at the start of the title.
static TITLE_RANGE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?i:days?)\s+(\d+)\s*[-–—]\s*(\d+)\b").unwrap());

/// A declared range wider than this is a typo, not a promise of days: it is not checked.
const MAX_RANGE: u32 = 1000;

pub fn cut_short(curriculum: &Curriculum) -> Vec<Diagnostic> {
    let present: BTreeSet<u32> = curriculum.days().map(|d| d.day.get()).collect();
    let mut found = Vec::new();
    if let Some(caps) = TITLE_RANGE.captures(&curriculum.title)
        && let (Ok(first), Ok(last)) = (caps[1].parse(), caps[2].parse())
        && let Some(missing) = missing(first, last, &present)
    {
        found.push(Diagnostic::warning(
            curriculum.title_line.max(1),
            format!(
                "the title promises days {first}-{last}, but {} {} not in the file; was it cut short?",
                days(&missing),
                if missing.len() == 1 { "is" } else { "are" }
            ),
        ));
    }
    for section in &curriculum.sections {
        let (Some(first), Some(last)) = (section.first_day, section.last_day) else { continue };
        let Some(missing) = missing(first, last, &present) else { continue };
        found.push(Diagnostic::warning(
            section.line,
            format!(
                "section `{}` declares days {first}-{last}, but {} {} not in the file; was it cut short?",
                section.heading,
                days(&missing),
                if missing.len() == 1 { "is" } else { "are" }
            ),
        ));
    }
    found.extend(unfinished_last_day(curriculum));
    found
}

/// The days of `first..=last` not in `present`, if any (and if the range is believable).
fn missing(first: u32, last: u32, present: &BTreeSet<u32>) -> Option<Vec<DayNumber>> {
    if first > last || last - first >= MAX_RANGE {
        return None;
    }
    let missing: Vec<DayNumber> =
        (first..=last).filter(|d| !present.contains(d)).filter_map(|d| DayNumber::try_from(d).ok()).collect();
    (!missing.is_empty()).then_some(missing)
}

/// The parts of a day an author writes for every day; a last day without the ones all the
/// others have is where the file stops.
const PARTS: [&str; 5] = ["Learning Objective", "Task or Project", "Resources", "Python Skill", "Checkpoint"];

fn parts(day: &Day) -> [bool; 5] {
    [
        day.objective.is_some(),
        day.work.is_some(),
        !day.resources.is_empty(),
        day.python_skill.is_some(),
        day.checkpoint.is_some(),
    ]
}

fn unfinished_last_day(curriculum: &Curriculum) -> Option<Diagnostic> {
    let all: Vec<&Day> = curriculum.days().collect();
    let (last, others) = all.split_last()?;
    let has = parts(last);
    if !has.iter().any(|p| *p) && last.fields.is_empty() {
        let why = format!("day {} has nothing under its heading; the file may end inside it", last.day);
        return Some(Diagnostic::warning(last.line, why));
    }
    if others.is_empty() {
        return None;
    }
    let everywhere = others.iter().map(|d| parts(d)).fold([true; 5], |acc, p| {
        [acc[0] && p[0], acc[1] && p[1], acc[2] && p[2], acc[3] && p[3], acc[4] && p[4]]
    });
    let lacking: Vec<&str> =
        (0..PARTS.len()).filter(|i| everywhere[*i] && !has[*i]).map(|i| PARTS[i]).collect();
    if lacking.is_empty() {
        return None;
    }
    Some(Diagnostic::warning(
        last.line,
        format!(
            "the last day, {}, has no {} (every other day has); the file may end inside it",
            last.day,
            lacking.join(", ")
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::curriculum::parse;

    const DAY: &str = "**Learning Objective:** o\n- **Task (30 min):** t\n- **Checkpoint:** c\n";

    fn messages(text: &str) -> Vec<(usize, String)> {
        cut_short(&parse(text).0).into_iter().map(|d| (d.line, d.message)).collect()
    }

    fn file(title: &str, section: &str, days: &[u32]) -> String {
        let mut text = format!("# {title}\n## {section}\n");
        for d in days {
            text.push_str(&format!("### Day {d} - L\n{DAY}"));
        }
        text
    }

    #[test]
    fn a_complete_file_has_no_warning() {
        assert!(messages(&file("Days 1-3: T", "Module 1: A (Days 1-3)", &[1, 2, 3])).is_empty());
        assert!(messages(&file("A title without days", "Basics", &[1])).is_empty());
    }

    #[test]
    fn unfilled_title_and_section_ranges_are_named() {
        let found = messages(&file("Days 1-30: T", "Module 1: A (Days 1-7)", &[1, 2, 3]));
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].0, 1);
        assert!(found[0].1.contains("the title promises days 1-30, but days 4-30 are not in the file"));
        assert_eq!(found[1].0, 2);
        assert!(found[1].1.contains("declares days 1-7, but days 4-7 are not in the file"), "{found:?}");
    }

    #[test]
    fn a_last_day_that_stops_early_is_pointed_at() {
        let mut text = file("T", "Basics", &[1, 2]);
        text.push_str("### Day 3 - L\n**Learning Objective:** o\n");
        assert_eq!(
            messages(&text),
            [(11, "the last day, 3, has no Task or Project, Checkpoint (every other day has); the file may end inside it".to_string())]
        );
        let bare = "# T\n## Basics\n### Day 121 - Only a heading\n";
        assert!(messages(bare)[0].1.contains("day 121 has nothing under its heading"));
    }

    #[test]
    fn absurd_ranges_are_not_checked() {
        assert!(messages(&file("Days 1-99999: T", "Module 1: A (Days 3-1)", &[1])).is_empty());
    }
}
