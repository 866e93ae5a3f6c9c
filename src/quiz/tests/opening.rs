//! Warnings, not errors: a quiz that opens early and a question asked before its lesson; a day
//! outside the module stays an error.

use super::*;

fn warnings(text: &str) -> Vec<(usize, String)> {
    let checked = check(text.as_bytes(), &curriculum());
    assert!(!checked.has_errors(), "{:?}", checked.diagnostics);
    checked.warnings().map(|w| (w.line, w.message.clone())).collect()
}

#[test]
fn an_early_opening_is_a_warning_not_an_error() {
    let checked =
        check(VALID.replacen("Opens after: day 3", "Opens after: day 2", 1).as_bytes(), &curriculum());
    assert!(!checked.has_errors(), "{:?}", checked.diagnostics);
    let w: Vec<_> = checked.warnings().collect();
    assert!(w.iter().all(|w| w.severity == Severity::Warning), "{w:?}");
    assert_eq!(w[0].line, 3);
    assert!(w[0].message.contains("opens after day 2 but covers up to day 3"), "{}", w[0].message);
}

/// A question about a day after `Opens after:` is asked before its lesson: a warning on the question's
/// own line, beside the quiz's warning about its early opening.
#[test]
fn a_question_after_the_opening_day_is_a_warning_on_its_line() {
    let found = warnings(&VALID.replacen("Opens after: day 3", "Opens after: day 2", 1));
    assert_eq!(found.len(), 2, "{found:#?}");
    assert_eq!(found[1].0, 27, "the line of `### Water is wet.`: {found:#?}");
    assert!(
        found[1].1.contains("`Day: 3` comes after Module 1's `Opens after: day 2`")
            && found[1].1.contains("before the lesson of day 3 is posted"),
        "{}",
        found[1].1
    );

    // Two questions past the opening: one warning each, in line order.
    let early = VALID.replacen("Opens after: day 3", "Opens after: day 1", 1);
    let lines: Vec<usize> = warnings(&early).into_iter().skip(1).map(|(line, _)| line).collect();
    assert_eq!(lines, [17, 27]);

    // The final assessment's questions are checked against its own opening day.
    let final_early =
        VALID.replacen("Opens after: day 7", "Opens after: day 4", 1).replacen("Day: 4", "Day: 6", 1);
    let found = warnings(&final_early);
    assert!(
        found
            .iter()
            .any(|(line, why)| *line == 40 && why.contains("`Day: 6` comes after Final Assessment's")),
        "{found:#?}"
    );
}

#[test]
fn a_question_on_or_before_the_opening_day_is_fine() {
    // Day 3 is the opening day itself: its lesson is posted when the quiz opens.
    assert_eq!(warnings(VALID), vec![]);
    // An early opening with no question past it warns once, about the quiz, not about a question.
    let found = warnings(
        &VALID.replacen("Opens after: day 3", "Opens after: day 2", 1).replacen("Day: 3\n", "Day: 2\n", 1),
    );
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].0, 3);
}

#[test]
fn a_day_outside_covers_stays_an_error_and_is_not_also_a_warning() {
    let checked = check(
        VALID
            .replacen("Opens after: day 3", "Opens after: day 2", 1)
            .replacen("Day: 3\n", "Day: 5\n", 1)
            .as_bytes(),
        &curriculum(),
    );
    let at_27: Vec<_> = checked.diagnostics.iter().filter(|d| d.line == 27).collect();
    assert_eq!(at_27.len(), 1, "{at_27:#?}");
    assert!(at_27[0].is_error() && at_27[0].message.contains("lies outside Module 1's"), "{at_27:#?}");
}
