//! The curriculum parser against the shipped cycle, an author's variant cycle, and broken files.

use studybot::curriculum::{Checked, Severity, WorkKind, check};

const SHIPPED: &str = include_str!("../curriculum/days_121_150_lakehouse_architecture.md");
const VARIANT: &str = include_str!("fixtures/beachhead_cycle.md");

fn checked(text: &str) -> Checked {
    check(text.as_bytes())
}

/// (severity, line, message) of every finding, for compact assertions.
fn findings(text: &str) -> Vec<(Severity, usize, String)> {
    checked(text).diagnostics.into_iter().map(|d| (d.severity, d.line, d.message)).collect()
}

#[test]
fn shipped_curriculum_has_the_counts_of_the_file() {
    let c = checked(SHIPPED);
    assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
    let c = c.curriculum;
    let days: Vec<_> = c.days().collect();
    assert_eq!(days.len(), 30);
    assert_eq!(days.first().unwrap().day, 121);
    assert_eq!(days.last().unwrap().day, 150);
    assert_eq!(c.sections.len(), 5);
    assert_eq!(c.resource_count(), 50);
    assert_eq!(days.iter().filter(|d| d.linkedin_post.is_some()).count(), 13);
    assert_eq!(days.iter().filter(|d| d.blog_post.is_some()).count(), 5);
    let projects = days.iter().filter(|d| d.work.as_ref().is_some_and(|w| w.kind == WorkKind::Project));
    assert_eq!(projects.count(), 4);
    assert_eq!(c.assessment.len(), 5);
    assert_eq!(c.assessment.iter().map(|a| a.items.len()).sum::<usize>(), 7 + 6 + 4 + 3 + 3);
    assert_eq!(c.goals.len(), 5);
    assert!(c.success_criteria.as_deref().unwrap().starts_with("Can architect and implement"));
}

#[test]
fn shipped_export_matches_the_published_schema_example() {
    let c = checked(SHIPPED).curriculum;
    let json = serde_json::to_value(&c).unwrap();
    let day121 = serde_json::json!({
        "day": 121, "title": "Lakehouse Architecture Introduction",
        "objective": "Understand lakehouse vs data warehouse vs data lake",
        "work": {"kind": "task", "minutes": 30, "text": "Study lakehouse architecture principles and benefits"},
        "resources": [
            {"title": "Lakehouse Architecture Paper", "url": "https://databricks.com/research/lakehouse"},
            {"title": "Delta Lake Documentation", "url": "https://docs.delta.io/latest/index.html"}],
        "python_skill": "Data architecture patterns, system design",
        "checkpoint": "Can explain lakehouse value proposition",
        "linkedin_post": "Lakehouse architecture: Why it's the future of data platforms",
        "blog_post": null, "fields": []
    });
    assert_eq!(json["sections"][0]["days"][0], day121);
    assert_eq!(json["sections"][0]["heading"], "Module 17: Delta Lake Fundamentals (Days 121-127)");
    assert_eq!(json["sections"][0]["module"], 17);
    assert_eq!(json["sections"][0]["title"], "Delta Lake Fundamentals");
    let last = &json["sections"][4];
    assert_eq!(last["heading"], "Days 149-150: Lakehouse Architecture Mastery Assessment");
    assert_eq!(last["module"], serde_json::Value::Null);
    assert_eq!(last["title"], "Lakehouse Architecture Mastery Assessment");
    assert_eq!((last["first_day"].as_u64(), last["last_day"].as_u64()), (Some(149), Some(150)));
    assert_eq!(json["assessment"][0]["heading"], "Technical Skills Acquired");
    // Consumers read the export as a stream too, so the key order is part of the schema.
    let text = serde_json::to_string(&c).unwrap();
    let order = ["\"title\"", "\"goals\"", "\"sections\"", "\"assessment\"", "\"success_criteria\""];
    let positions: Vec<_> = order.iter().map(|k| text.find(k).unwrap()).collect();
    assert!(positions.is_sorted(), "{positions:?}");
    let day149 = &last["days"][0];
    assert_eq!(
        day149["fields"],
        serde_json::json!([{"label": "Assessment", "text": "Multi-petabyte, multi-cloud, real-time + batch solution"}])
    );
}

#[test]
fn crlf_line_endings_parse_identically() {
    let crlf = SHIPPED.replace('\n', "\r\n");
    assert_eq!(checked(&crlf).curriculum, checked(SHIPPED).curriculum);
    let crlf = VARIANT.replace('\n', "\r\n");
    assert_eq!(checked(&crlf).curriculum, checked(VARIANT).curriculum);
}

#[test]
fn variant_cycle_parses_without_code_changes() {
    let c = checked(VARIANT);
    assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
    let c = c.curriculum;
    assert_eq!(c.goals, ["Set up a professional Python environment", "Ship one small project end to end"]);
    let headings: Vec<_> =
        c.sections.iter().map(|s| (s.module, s.title.as_str(), s.first_day, s.last_day)).collect();
    assert_eq!(
        headings,
        [
            (Some(1), "Environment and Tooling", Some(1), Some(3)),
            (Some(1), "Data Handling Basics", Some(4), Some(5)),
            (None, "Consolidation and Transition", Some(6), Some(7)),
        ]
    );
    let (_, day1) = c.day(d(1)).unwrap();
    let urls: Vec<_> = day1.resources.iter().map(|r| r.url.as_str()).collect();
    assert_eq!(urls, ["https://docs.python.org/3/", "https://docs.python.org/3/library/venv.html"]);
    let labels: Vec<_> = day1.fields.iter().map(|f| f.label.as_str()).collect();
    assert_eq!(labels, ["AI Focus", "Docker Setup"]);
    assert_eq!(day1.linkedin_post.as_deref(), Some("Day 1: my Python environment"));

    let (_, day2) = c.day(d(2)).unwrap();
    assert_eq!(day2.work.as_ref().map(|w| (w.kind, w.minutes)), Some((WorkKind::Task, 30)));
    assert_eq!(day2.fields[0].label, "Project");
    assert_eq!(day2.fields[0].text, "Start the beachhead repository");
    assert_eq!(day2.fields[1].label, "Commands");
    assert_eq!(day2.fields[1].text, "- `git init`\n- `git commit -m \"first\"`");
    assert_eq!(day2.resources.len(), 1);

    let (_, day3) = c.day(d(3)).unwrap();
    assert_eq!(day3.work.as_ref().map(|w| (w.kind, w.minutes)), Some((WorkKind::Project, 45)));
    assert_eq!(day3.fields[1].label, "Docker Setup");
    assert_eq!(day3.fields[1].text, "```bash\n# build the image\ndocker build -t beachhead .\n```");
    assert_eq!(day3.blog_post.as_deref(), Some("Automating my setup"));

    let lists: Vec<_> = c.assessment.iter().map(|a| (a.heading.as_str(), a.items.len())).collect();
    assert_eq!(lists, [("Skills Acquired", 2), ("Projects Completed", 1)]);
    assert_eq!(c.success_criteria.as_deref(), Some("Can set up and automate a Python data environment"));
}

const BROKEN: &str = "# Cycle

## **Module 1: Basics (Days 1-3)**

### **Day 1 - One**
**🎯 Learning Objective:** Learn
- **Resources:**
  - Designing Data-Intensive Applications
  - [Good](https://example.com/good)
- **Checkpoint:** Done

### **Day ABC - Two**

### **Day 1 - Again**
**🎯 Learning Objective:** Repeat
- **Checkpoint:** Done
";

#[test]
fn errors_name_the_line_and_the_fix() {
    let found = findings(BROKEN);
    let errors: Vec<_> = found.iter().filter(|f| f.0 == Severity::Error).collect();
    assert_eq!(errors.len(), 3, "{found:?}");
    assert_eq!(errors[0].1, 8);
    assert!(errors[0].2.contains("not a link") && errors[0].2.contains("[Title](https://"));
    assert_eq!(errors[1].1, 12);
    assert!(errors[1].2.contains("Day ABC") && errors[1].2.contains("### **Day 121 - Title**"));
    assert_eq!(errors[2].1, 14);
    assert!(errors[2].2.contains("day 1 appears twice (first at line 5)"));
    let c = checked(BROKEN);
    assert!(c.has_errors());
    assert_eq!(c.curriculum.day(d(1)).unwrap().1.resources.len(), 1, "good links survive a bad one");
}

#[test]
fn a_day_number_out_of_range_is_an_error_at_its_line() {
    for heading in ["### Day 0 - Zero", "### Day 100001 - Far", "### Day 99999999999 - Huge"] {
        let text = format!("# Title\n\n## Module 1: A (Days 1-1)\n\n{heading}\n- **Task (30 min):** do\n");
        let found = findings(&text);
        let at_heading = found.iter().find(|f| f.0 == Severity::Error && f.1 == 5);
        let error = at_heading.unwrap_or_else(|| panic!("{heading}: {found:?}"));
        assert!(error.2.contains("must be a whole number between 1 and 100000"), "{heading}: {}", error.2);
    }
}

#[test]
fn a_file_without_days_is_an_error() {
    let found = findings("# Title\n\n## Goals\n- learn\n");
    assert_eq!(found.len(), 1);
    assert_eq!((found[0].0, found[0].1), (Severity::Error, 1));
    assert!(found[0].2.contains("no days found"));
}

#[test]
fn bytes_that_are_not_utf8_are_an_error_at_their_line() {
    let mut bytes = b"# Title\n\n## Module 1: A (Days 1-1)\n### Day 1 - ".to_vec();
    bytes.extend_from_slice(&[0xff, 0xfe, b'\n']);
    let c = check(&bytes);
    assert_eq!(c.diagnostics.len(), 1);
    assert_eq!(c.diagnostics[0].line, 4);
    assert!(c.diagnostics[0].message.contains("not UTF-8"));
    assert!(c.diagnostics[0].message.contains("column 13"));
}

#[test]
fn warnings_for_range_gaps_and_missing_parts() {
    let text = "# T\n## Module 1: A (Days 1-2)\n### Day 1 - a\n**Objective:** o\n- **Checkpoint:** c\n\
                ### Day 4 - b\n- **Checkpoint:** c\n### Day 5 - c\n**Objective:** o\n";
    let found = findings(text);
    assert!(found.iter().all(|f| f.0 == Severity::Warning), "{found:?}");
    let at = |line: usize| found.iter().filter(|f| f.1 == line).map(|f| f.2.as_str()).collect::<Vec<_>>();
    assert!(at(6).iter().any(|m| m.contains("days 2-3 are missing")));
    assert!(at(6).iter().any(|m| m.contains("outside its section's range 1-2")));
    assert!(at(6).iter().any(|m| m.contains("no learning objective")));
    assert!(at(8).iter().any(|m| m.contains("no checkpoint")));
    assert!(!checked(text).has_errors());
}

#[test]
fn a_range_in_a_day_heading_is_refused() {
    let found = findings("# T\n## Days 59-60: Wrap\n### Day 59-60 - Wrap up\n");
    assert!(
        found.iter().any(|f| f.0 == Severity::Error && f.1 == 3 && f.2.contains("range of days")),
        "{found:?}"
    );
}

/// The shipped file cut after any line from its first day to just before day 150's checkpoint
/// parses, and must say it looks cut short: a section or the title range left unfilled, or a
/// last day that stops before the lines every other day has.
#[test]
fn the_shipped_file_cut_at_any_line_looks_cut_short() {
    let lines: Vec<&str> = SHIPPED.split_inclusive('\n').collect();
    let first_day = lines.iter().position(|l| l.starts_with("### **Day 121")).unwrap();
    let last_checkpoint = lines.iter().rposition(|l| l.contains("**Checkpoint:**")).unwrap();
    for cut in first_day + 1..last_checkpoint {
        let text: String = lines[..cut].concat();
        let c = checked(&text);
        assert!(!c.has_errors(), "cut after line {cut}: {:?}", c.diagnostics);
        assert!(c.cut_short > 0, "cut after line {cut} looks complete: {:?}", c.diagnostics);
        let cut_short = c
            .diagnostics
            .iter()
            .filter(|d| d.message.contains("cut short") || d.message.contains("end inside"));
        assert_eq!(cut_short.count(), c.cut_short, "cut after line {cut}");
    }
    assert_eq!(checked(SHIPPED).cut_short, 0);
}

#[test]
fn three_days_of_the_shipped_file_name_what_is_missing() {
    let end = SHIPPED.find("### **Day 124").unwrap();
    let found = findings(&SHIPPED[..end]);
    let messages: Vec<&str> = found.iter().map(|f| f.2.as_str()).collect();
    assert!(
        found
            .iter()
            .any(|f| f.1 == 1 && f.2.contains("title promises days 121-150, but days 124-150 are not")),
        "{messages:#?}"
    );
    assert!(
        found.iter().any(|f| f.1 == 12 && f.2.contains("declares days 121-127, but days 124-127 are not")),
        "{messages:#?}"
    );
}

fn d(n: u32) -> studybot::domain::DayNumber {
    studybot::domain::DayNumber::try_from(n).unwrap()
}
