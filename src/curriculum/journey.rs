//! How curricula fit together into one journey: which one continues which (its first day follows
//! the other's last day, as an author numbers cycle after cycle), and which overlap (share days).

use super::Curriculum;
use crate::domain::DayNumber;

/// The day range of one curriculum, under the name it is known by (an id or a file name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub name: String,
    pub first: DayNumber,
    pub last: DayNumber,
}

impl Span {
    /// The curriculum's range; `None` for one without days.
    pub fn of(name: &str, curriculum: &Curriculum) -> Option<Span> {
        Some(Span { name: name.to_string(), first: curriculum.first_day()?, last: curriculum.last_day()? })
    }

    fn overlaps(&self, other: &Span) -> bool {
        self.first <= other.last && other.first <= self.last
    }
}

/// The curriculum `span` continues: the one whose last day is the day before its first.
pub fn continues<'a>(spans: &'a [Span], span: &Span) -> Option<&'a Span> {
    spans.iter().find(|other| other.name != span.name && other.last.next() == Some(span.first))
}

/// Every pair of curricula whose day ranges share a day, each pair once, in the order given.
pub fn overlaps(spans: &[Span]) -> Vec<(&Span, &Span)> {
    let mut pairs = Vec::new();
    for (i, a) in spans.iter().enumerate() {
        pairs.extend(spans[i + 1..].iter().filter(|b| a.overlaps(b)).map(|b| (a, b)));
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(name: &str, first: u32, last: u32) -> Span {
        let day = |n: u32| DayNumber::try_from(n).unwrap();
        Span { name: name.into(), first: day(first), last: day(last) }
    }

    #[test]
    fn a_cycle_continues_the_one_that_ends_the_day_before() {
        let spans = [span("a", 121, 150), span("b", 151, 180), span("c", 200, 210)];
        assert_eq!(continues(&spans, &spans[1]).map(|s| s.name.as_str()), Some("a"));
        assert_eq!(continues(&spans, &spans[0]), None);
        assert_eq!(continues(&spans, &spans[2]), None, "a gap is no continuation");
    }

    #[test]
    fn overlapping_ranges_are_reported_once_per_pair() {
        let spans = [span("a", 121, 150), span("b", 150, 180), span("c", 181, 190), span("d", 1, 200)];
        let names: Vec<(&str, &str)> =
            overlaps(&spans).iter().map(|(x, y)| (x.name.as_str(), y.name.as_str())).collect();
        assert_eq!(names, [("a", "b"), ("a", "d"), ("b", "d"), ("c", "d")]);
    }
}
