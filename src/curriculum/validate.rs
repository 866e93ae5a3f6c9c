//! Whole-file checks that need every day parsed first: duplicates, ranges, gaps, missing parts.

use std::collections::HashMap;

use super::diagnostic::Diagnostic;
use super::model::{Curriculum, Section};
use crate::domain::DayNumber;

pub fn validate(curriculum: &Curriculum) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    if curriculum.days().next().is_none() {
        found.push(Diagnostic::error(
            1,
            "no days found; each lesson needs a heading `### **Day 121 - Title**` under an H2 \
             section such as `## **Module 1: Basics (Days 121-127)**`",
        ));
        return found;
    }
    duplicates(curriculum, &mut found);
    gaps(curriculum, &mut found);
    for section in &curriculum.sections {
        outside_range(section, &mut found);
    }
    missing_parts(curriculum, &mut found);
    found
}

fn duplicates(curriculum: &Curriculum, found: &mut Vec<Diagnostic>) {
    let mut first_seen: HashMap<DayNumber, usize> = HashMap::new();
    for day in curriculum.days() {
        if let Some(first) = first_seen.get(&day.day) {
            found.push(Diagnostic::error(
                day.line,
                format!(
                    "day {} appears twice (first at line {first}); renumber or remove one of them",
                    day.day
                ),
            ));
        } else {
            first_seen.insert(day.day, day.line);
        }
    }
}

/// Days are read in the order written, so a gap or a step back is worth pointing at.
fn gaps(curriculum: &Curriculum, found: &mut Vec<Diagnostic>) {
    let days: Vec<_> = curriculum.days().collect();
    for pair in days.windows(2) {
        let (prev, next) = (pair[0].day.get(), pair[1].day.get());
        if next > prev.saturating_add(1) {
            let missing = if next - prev == 2 {
                format!("day {} is missing", prev + 1)
            } else {
                format!("days {}-{} are missing", prev + 1, next - 1)
            };
            found
                .push(Diagnostic::warning(pair[1].line, format!("day {next} follows day {prev}: {missing}")));
        } else if next < prev {
            found.push(Diagnostic::warning(
                pair[1].line,
                format!("day {next} comes after day {prev}; days are expected in ascending order"),
            ));
        }
    }
}

fn outside_range(section: &Section, found: &mut Vec<Diagnostic>) {
    let (Some(first), Some(last)) = (section.first_day, section.last_day) else {
        return;
    };
    for day in section.days.iter().filter(|d| d.day < first || d.day > last) {
        found.push(Diagnostic::warning(
            day.line,
            format!(
                "day {} is outside its section's range {first}-{last} (line {}); \
                 fix the day number or the `(Days {first}-{last})` in the section heading",
                day.day, section.line
            ),
        ));
    }
}

fn missing_parts(curriculum: &Curriculum, found: &mut Vec<Diagnostic>) {
    for day in curriculum.days() {
        if day.title.is_empty() {
            found.push(Diagnostic::warning(day.line, format!("day {} has no title", day.day)));
        }
        if day.objective.is_none() {
            found.push(Diagnostic::warning(
                day.line,
                format!("day {} has no learning objective; add `**🎯 Learning Objective:** ...`", day.day),
            ));
        }
        if day.checkpoint.is_none() {
            found.push(Diagnostic::warning(
                day.line,
                format!("day {} has no checkpoint; add `- **Checkpoint:** ...`", day.day),
            ));
        }
    }
}
