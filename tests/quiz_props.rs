//! Property tests: the quiz bank parser never panics, whatever the bytes, and line endings never matter.

use proptest::prelude::*;
use studybot::curriculum::Curriculum;
use studybot::quiz::{check, parse};

const BANK: &str = include_str!("fixtures/quizzes/beachhead_cycle.md");
const CURRICULUM: &str = include_str!("fixtures/beachhead_cycle.md");

fn curriculum() -> Curriculum {
    studybot::curriculum::parse(CURRICULUM).0
}

/// Lines that look like the format, so that generated documents reach deep parser states.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("# Quizzes".to_string()),
        (0u32..30).prop_map(|n| format!("## Module {n}: Title")),
        Just("## Final Assessment".to_string()),
        Just("## **Final Assessment: Review**".to_string()),
        Just("## Notes".to_string()),
        (0u32..10, 0u32..10).prop_map(|(a, b)| format!("Covers: days {a}-{b}")),
        (0u32..10).prop_map(|n| format!("Covers: day {n}")),
        (0u32..10).prop_map(|n| format!("Opens after: day {n}")),
        Just("### What is it?".to_string()),
        Just("### **Bold question?**".to_string()),
        Just("###".to_string()),
        Just("Id: q-1".to_string()),
        Just("Id: not valid!".to_string()),
        prop_oneof![Just("single"), Just("multiple"), Just("true-false"), Just("other")]
            .prop_map(|t| format!("Type: {t}")),
        (0u32..10).prop_map(|n| format!("Day: {n}")),
        Just("Day: 99999999999".to_string()),
        Just("- [x] True".to_string()),
        Just("- [ ] False".to_string()),
        Just("* [X] Right".to_string()),
        Just("- [ ] Wrong".to_string()),
        Just("- [v] odd".to_string()),
        Just("- [ ]".to_string()),
        Just("> Because".to_string()),
        Just(">".to_string()),
        Just("> ```".to_string()),
        Just("```".to_string()),
        Just(String::new()),
        "[ -~]{0,40}",
        "\\PC{0,20}",
    ]
}

fn document() -> impl Strategy<Value = String> {
    prop::collection::vec(fragment(), 0..60).prop_map(|lines| lines.join("\n"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let checked = check(&bytes, &curriculum());
        let lines = bytes.split(|&b| b == b'\n').count();
        for d in &checked.diagnostics {
            prop_assert!(d.line >= 1 && d.line <= lines, "line {} of {}", d.line, lines);
        }
    }

    #[test]
    fn bank_like_documents_never_panic(doc in document()) {
        let checked = check(doc.as_bytes(), &curriculum());
        let lines = doc.split('\n').count();
        for d in &checked.diagnostics {
            prop_assert!(d.line >= 1 && d.line <= lines, "line {} of {}", d.line, lines);
        }
        // A bank that passes is one the coach can run: every question is complete.
        if !checked.has_errors() {
            for q in checked.bank.quizzes.iter().flat_map(|q| &q.questions) {
                prop_assert!((2..=5).contains(&q.options.len()));
                prop_assert!(q.options.iter().any(|o| o.correct));
                prop_assert!(!q.explanation.is_empty());
            }
        }
    }

    #[test]
    fn crlf_never_changes_the_result(doc in document()) {
        let crlf = doc.replace('\n', "\r\n");
        prop_assert_eq!(parse(&crlf), parse(&doc));
    }

    #[test]
    fn damaged_fixture_never_panics(at in 0usize..BANK.len(), junk in prop::collection::vec(any::<u8>(), 0..16)) {
        let mut bytes = BANK.as_bytes().to_vec();
        bytes.splice(at..at, junk);
        let _ = check(&bytes, &curriculum());
    }
}
