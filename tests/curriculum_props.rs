//! Property tests: the curriculum parser never panics, whatever the bytes, and line endings never matter.

use proptest::prelude::*;
use studybot::curriculum::{check, parse};

const SHIPPED: &str = include_str!("../curriculum/days_121_150_lakehouse_architecture.md");

/// Lines that look like the format, so that generated documents reach deep parser states.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("# Days 1-30: Title".to_string()),
        Just("## 🎯 **Cycle Goals**".to_string()),
        Just("## **Module 1: Basics (Days 1-7)**".to_string()),
        Just("## **Days 6-7: Wrap**".to_string()),
        Just("## 📊 **Final Cycle Assessment**".to_string()),
        (0u32..300).prop_map(|n| format!("### **Day {n} - Lesson**")),
        Just("### **Day - broken**".to_string()),
        Just("### **Skills:**".to_string()),
        Just("**🎯 Learning Objective:** learn".to_string()),
        Just("- **Task (30 min):** do".to_string()),
        Just("- **Project:** build".to_string()),
        Just("- **Resources:**".to_string()),
        Just("  - [Doc](https://example.com/a_(b))".to_string()),
        Just("  - not a link".to_string()),
        Just("- **Resource:** [A](https://a.example), [B](http://b.example)".to_string()),
        Just("- **📝 LinkedIn Post:** \"quoted\"".to_string()),
        Just("- [ ] item".to_string()),
        Just("```".to_string()),
        Just("**🎯 Success Criteria:** done".to_string()),
        Just("---".to_string()),
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
        let checked = check(&bytes);
        let lines = bytes.split(|&b| b == b'\n').count();
        for d in &checked.diagnostics {
            prop_assert!(d.line >= 1 && d.line <= lines, "line {} of {}", d.line, lines);
        }
    }

    #[test]
    fn format_like_documents_never_panic(doc in document()) {
        let checked = check(doc.as_bytes());
        prop_assert_eq!(checked.has_errors(), checked.diagnostics.iter().any(|d| d.is_error()));
    }

    #[test]
    fn crlf_never_changes_the_result(doc in document()) {
        let crlf = doc.replace('\n', "\r\n");
        prop_assert_eq!(parse(&crlf), parse(&doc));
    }

    #[test]
    fn damaged_shipped_file_never_panics(at in 0usize..SHIPPED.len(), junk in prop::collection::vec(any::<u8>(), 0..16)) {
        let mut bytes = SHIPPED.as_bytes().to_vec();
        bytes.splice(at..at, junk);
        let _ = check(&bytes);
    }
}
