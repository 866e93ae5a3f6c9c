//! What changed between two versions of a curriculum, day by day: added, removed, renamed, edited.

use std::collections::BTreeMap;

use super::model::{Curriculum, Day};
use crate::domain::DayNumber;

/// A day whose number stayed and whose title changed (its content may have changed too).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Renamed {
    pub day: DayNumber,
    pub from: String,
    pub to: String,
}

/// The difference from an old version to a new one. Days are matched by number.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    pub added: Vec<DayNumber>,
    pub removed: Vec<DayNumber>,
    pub renamed: Vec<Renamed>,
    /// Same number and title, other content changed.
    pub edited: Vec<DayNumber>,
    /// Parts outside the days that changed: `title`, `goals`, `sections`, `cycle assessment`,
    /// `success criteria`.
    pub other: Vec<&'static str>,
}

/// Compares two versions. Line numbers do not count: moving a day down the file changes nothing.
pub fn diff(old: &Curriculum, new: &Curriculum) -> Changes {
    let before = by_number(old);
    let after = by_number(new);
    let mut changes = Changes::default();
    for (number, day) in &after {
        match before.get(number) {
            None => changes.added.push(*number),
            Some(was) if was.title != day.title => {
                changes.renamed.push(Renamed { day: *number, from: was.title.clone(), to: day.title.clone() })
            }
            Some(was) if !same_content(was, day) => changes.edited.push(*number),
            Some(_) => {}
        }
    }
    changes.removed = before.keys().filter(|n| !after.contains_key(n)).copied().collect();
    let parts: [(&'static str, bool); 5] = [
        ("title", old.title != new.title),
        ("goals", old.goals != new.goals),
        ("sections", outline(old) != outline(new)),
        ("cycle assessment", old.assessment != new.assessment),
        ("success criteria", old.success_criteria != new.success_criteria),
    ];
    changes.other = parts.into_iter().filter(|(_, changed)| *changed).map(|(name, _)| name).collect();
    changes
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.removed.is_empty()
            && self.renamed.is_empty()
            && self.edited.is_empty()
            && self.other.is_empty()
    }

    /// One line per kind of change, for people: `removed: days 124-150`.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        if !self.added.is_empty() {
            lines.push(format!("added: {}", days(&self.added)));
        }
        if !self.removed.is_empty() {
            lines.push(format!("removed: {}", days(&self.removed)));
        }
        for r in &self.renamed {
            lines.push(format!("renamed: day {} “{}” → “{}”", r.day, r.from, r.to));
        }
        if !self.edited.is_empty() {
            lines.push(format!("edited: {}", days(&self.edited)));
        }
        if !self.other.is_empty() {
            lines.push(format!("also changed: {}", self.other.join(", ")));
        }
        lines
    }
}

/// `day 121`, or `days 121-123, 125`.
pub fn days(numbers: &[DayNumber]) -> String {
    let word = if numbers.len() == 1 { "day" } else { "days" };
    format!("{word} {}", ranges(numbers))
}

/// `121-123, 125`: consecutive numbers folded into ranges, in the order given.
pub fn ranges(numbers: &[DayNumber]) -> String {
    let mut parts: Vec<(DayNumber, DayNumber)> = Vec::new();
    for &n in numbers {
        match parts.last_mut() {
            Some((_, last)) if last.next() == Some(n) => *last = n,
            _ => parts.push((n, n)),
        }
    }
    let text: Vec<String> =
        parts.iter().map(|(a, b)| if a == b { a.to_string() } else { format!("{a}-{b}") }).collect();
    text.join(", ")
}

fn by_number(c: &Curriculum) -> BTreeMap<DayNumber, &Day> {
    let mut days = BTreeMap::new();
    for day in c.days() {
        days.entry(day.day).or_insert(day);
    }
    days
}

fn same_content(a: &Day, b: &Day) -> bool {
    Day { line: 0, ..a.clone() } == Day { line: 0, ..b.clone() }
}

/// Section headings with the days under each: what a reader sees as the cycle's outline.
fn outline(c: &Curriculum) -> Vec<(&str, Vec<DayNumber>)> {
    c.sections.iter().map(|s| (s.heading.as_str(), s.days.iter().map(|d| d.day).collect())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::curriculum::parse;
    use crate::domain::day;

    const BASE: &str = "# Days 1-4: T\n## Module 1: A (Days 1-4)\n\
        ### Day 1 - One\n**Checkpoint:** a\n### Day 2 - Two\n**Checkpoint:** b\n\
        ### Day 3 - Three\n**Checkpoint:** c\n### Day 4 - Four\n**Checkpoint:** d\n";

    fn changes(new: &str) -> Changes {
        diff(&parse(BASE).0, &parse(new).0)
    }

    #[test]
    fn the_same_text_or_a_moved_line_number_is_no_change() {
        assert!(changes(BASE).is_empty());
        assert!(changes(&BASE.replace("# Days 1-4: T\n", "# Days 1-4: T\n\n\n")).is_empty());
    }

    #[test]
    fn each_kind_of_change_is_told_apart() {
        let new = BASE
            .replace("### Day 2 - Two\n**Checkpoint:** b\n", "")
            .replace("Day 3 - Three", "Day 3 - Drei")
            .replace("**Checkpoint:** d", "**Checkpoint:** D")
            .replace("**Checkpoint:** a", "**Checkpoint:** a\n### Day 5 - Five\n### Day 6 - Six");
        let c = changes(&new);
        assert_eq!(c.added, [5, 6]);
        assert_eq!(c.removed, [2]);
        assert_eq!(c.renamed, [Renamed { day: day(3), from: "Three".into(), to: "Drei".into() }]);
        assert_eq!(c.edited, [4]);
        assert_eq!(c.other, ["sections"]);
        assert_eq!(
            c.lines(),
            [
                "added: days 5-6",
                "removed: day 2",
                "renamed: day 3 “Three” → “Drei”",
                "edited: day 4",
                "also changed: sections"
            ]
        );
    }

    #[test]
    fn a_file_cut_short_removes_the_rest() {
        let c = changes(&BASE[..BASE.find("### Day 2").unwrap()]);
        assert_eq!((c.removed.as_slice(), c.added.is_empty()), (&ds(&[2, 3, 4])[..], true));
        assert_eq!(c.lines()[0], "removed: days 2-4");
    }

    #[test]
    fn ranges_fold_runs() {
        assert_eq!(ranges(&ds(&[121, 122, 123, 125, 127, 128])), "121-123, 125, 127-128");
        assert_eq!(ranges(&[]), "");
        assert_eq!(days(&ds(&[7])), "day 7");
        let top = DayNumber::MAX;
        assert_eq!(ranges(&ds(&[top - 1, top])), format!("{}-{}", top - 1, top));
    }

    fn ds(numbers: &[u32]) -> Vec<DayNumber> {
        numbers.iter().map(|&n| DayNumber::try_from(n).unwrap()).collect()
    }
}
