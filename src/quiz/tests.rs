//! Table-driven tests of the quiz parser and validator: one broken bank per rule.

mod opening;

use super::*;
use crate::curriculum::Severity;
use crate::domain::day;

/// Days 1-7 in one module; the days are all the validator looks at.
fn curriculum() -> Curriculum {
    let mut text = String::from("# T\n## Module 1: A (Days 1-7)\n");
    for day in 1..=7 {
        text.push_str(&format!("### Day {day} - Lesson\n"));
    }
    crate::curriculum::parse(&text).0
}

const VALID: &str = "\
# Quizzes

## Module 1: Basics
Covers: days 1-3
Opens after: day 3

### What is one?
Id: m1-one
Type: single
Day: 1

- [x] One
- [ ] Two

> Because.

### Pick all even numbers
Type: multiple
Day: 2

- [x] Two
- [x] Four
- [ ] Three

> Even numbers divide by two.

### Water is wet.
Type: true-false
Day: 3

- [x] True
- [ ] False

> It is.

## Final Assessment
Covers: days 4-7
Opens after: day 7

### What is four?
Type: single
Day: 4

- [x] Four
- [ ] Five

> Counting.
";

fn errors(text: &str) -> Vec<Diagnostic> {
    check(text.as_bytes(), &curriculum()).diagnostics.into_iter().filter(Diagnostic::is_error).collect()
}

#[test]
fn the_valid_bank_has_no_findings() {
    let checked = check(VALID.as_bytes(), &curriculum());
    assert_eq!(checked.diagnostics, vec![]);
    let keys: Vec<_> = checked
        .bank
        .quizzes
        .iter()
        .map(|q| (q.key, (q.covers.0.get(), q.covers.1.get()), q.opens_after.get()))
        .collect();
    assert_eq!(keys, [(QuizKey::Module(1), (1, 3), 3), (QuizKey::Final, (4, 7), 7)]);
    assert_eq!(checked.bank.question_count(), 4);
    let q = &checked.bank.quizzes[0].questions[1];
    assert_eq!(
        (q.id.as_str(), q.kind, q.day.get(), q.line),
        ("m1-pick-all-even-numbers", QuestionKind::Multiple, 2, 17)
    );
}

/// (what is broken, text replaced, replacement, line of the error, part of its message)
const BROKEN: &[(&str, &str, &str, usize, &str)] = &[
    ("not a quiz heading", "## Module 1: Basics", "## Basics", 3, "`## Basics` is not a quiz"),
    ("module number too large", "## Module 1: Basics", "## Module 99999999999: B", 3, "too large"),
    ("no Covers", "Covers: days 1-3\n", "", 3, "Module 1 has no `Covers:` line; add `Covers: days"),
    ("no Opens after", "Opens after: day 3\n", "", 3, "no `Opens after:` line"),
    ("unreadable Covers", "Covers: days 1-3", "Covers: first week", 4, "cannot read `Covers: first week`"),
    ("backwards Covers", "Covers: days 1-3", "Covers: days 3-1", 4, "runs backwards"),
    (
        "Covers twice",
        "Opens after: day 3",
        "Opens after: day 3\nCovers: day 1",
        6,
        "`Covers:` is given twice",
    ),
    (
        "question label under a quiz",
        "Opens after: day 3\n",
        "Opens after: day 3\nType: single\n",
        6,
        "belongs to a question",
    ),
    (
        "quiz twice",
        "## Final Assessment",
        "## Module 1: Again",
        36,
        "Module 1 appears twice (first at line 3)",
    ),
    (
        "quiz without questions",
        "## Final Assessment",
        "## Module 2: Empty\nCovers: day 4\nOpens after: day 4\n## Final Assessment",
        36,
        "Module 2 has no questions",
    ),
    (
        "second # heading",
        "## Final Assessment",
        "# Again\n## Final Assessment",
        36,
        "`# ` heading inside the bank",
    ),
    (
        "question before any quiz",
        "## Module 1: Basics",
        "### Lost?\n## Module 1: Basics",
        3,
        "before any quiz",
    ),
    ("no Type", "Type: single\nDay: 1", "Day: 1", 7, "no `Type:` line"),
    (
        "unknown Type",
        "Type: single\nDay: 1",
        "Type: choice\nDay: 1",
        9,
        "`Type: choice` is not a question type",
    ),
    ("no Day", "Day: 2\n", "", 17, "no `Day:` line"),
    ("unreadable Day", "Day: 2", "Day: two", 19, "cannot read the day `two`; write `Day: 123`"),
    ("Day twice", "Day: 1\n", "Day: 1\nDay: 2\n", 11, "`Day:` is given twice"),
    ("Covers under a question", "Day: 1\n", "Day: 1\nCovers: days 1-3\n", 11, "belongs under the quiz"),
    ("invalid Id", "Id: m1-one", "Id: m1 one", 8, "`Id: m1 one` is not a valid id"),
    (
        "long Id",
        "Id: m1-one",
        "Id: m1-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        8,
        "is longer than 60 characters",
    ),
    ("one option", "- [ ] Two\n\n> Because.", "\n> Because.", 7, "has 1 option; give 2 to 5"),
    ("six options", "- [ ] Three", "- [ ] Three\n- [ ] 6\n- [ ] 8\n- [ ] 10", 17, "has 6 options"),
    (
        "unknown option mark",
        "- [ ] Two\n\n> Because.",
        "- [v] Two\n\n> Because.",
        13,
        "`[v]` is not an option mark",
    ),
    ("option without text", "- [ ] Two\n\n> Because.", "- [ ]\n\n> Because.", 13, "option with no text"),
    ("no explanation", "> Because.\n", "", 7, "no explanation"),
    ("explanation before options", "Day: 1\n", "Day: 1\n> Early\n", 11, "comes after the options"),
    (
        "option after explanation",
        "> Because.\n",
        "> Because.\n- [ ] Late\n",
        16,
        "option after the explanation",
    ),
    (
        "text among options",
        "- [ ] Two\n\n> Because.",
        "- [ ] Two\nstray\n> Because.",
        14,
        "stands among the options",
    ),
    ("text after explanation", "> Because.\n", "> Because.\nstray\n", 16, "follows the explanation"),
    (
        "single with two right",
        "- [ ] Two\n\n> Because.",
        "- [x] Two\n\n> Because.",
        7,
        "exactly one right option, this one marks 2",
    ),
    ("single with none right", "- [x] One", "- [ ] One", 7, "marks 0"),
    ("multiple with none right", "- [x] Two\n- [x] Four", "- [ ] Two\n- [ ] Four", 17, "no right option"),
    (
        "true-false with two right",
        "- [ ] False",
        "- [x] False",
        27,
        "`true-false` question needs exactly one",
    ),
    ("true-false other options", "- [ ] False", "- [ ] Maybe", 31, "exactly the options `True` and `False`"),
    (
        "duplicate option",
        "- [ ] Three",
        "- [ ]  two",
        23,
        "`two` appears twice in this question (first at line 21)",
    ),
    (
        "duplicate id",
        "Type: multiple",
        "Id: m1-one\nType: multiple",
        17,
        "`m1-one` is already used by the question at line 7",
    ),
    ("duplicate question", "### What is four?", "### What is ONE?", 40, "repeats the question at line 7"),
    (
        "Covers beyond the curriculum",
        "Covers: days 4-7",
        "Covers: days 4-9",
        36,
        "names days 8-9, not in the curriculum (it has days 1-7)",
    ),
    (
        "Opens after beyond the curriculum",
        "Opens after: day 7",
        "Opens after: day 70",
        36,
        "`Opens after: day 70` is not a curriculum day",
    ),
    ("Day beyond the curriculum", "Day: 4", "Day: 40", 40, "`Day: 40` is not a curriculum day"),
    ("Day outside Covers", "Day: 3\n", "Day: 5\n", 27, "`Day: 5` lies outside Module 1's `Covers: days 1-3`"),
    (
        "unclosed code block",
        "> Counting.",
        "> Counting.\n### Code?\nType: single\nDay: 4\n```\nx = 1",
        51,
        "never closed",
    ),
];

#[test]
fn each_broken_rule_names_its_line_and_the_fix() {
    for &(what, from, to, line, message) in BROKEN {
        assert!(VALID.contains(from), "{what}: the valid bank lacks {from:?}");
        let found = errors(&VALID.replacen(from, to, 1));
        assert!(
            found.iter().any(|d| d.line == line && d.message.contains(message)),
            "{what}: expected line {line} with {message:?}, got {found:#?}"
        );
    }
}

#[test]
fn whole_file_errors_name_line_one() {
    for (what, text) in [("empty", ""), ("title only", "# Quizzes\n\nSome text.\n")] {
        let found = errors(text);
        assert!(
            found.iter().any(|d| d.line == 1 && d.message.contains("no quiz found")),
            "{what}: {found:?}"
        );
    }
    let mut bytes = b"# Quizzes\n## Module 1: A\nCovers: day 1\xff\n".to_vec();
    bytes.extend_from_slice(VALID.as_bytes());
    let checked = check(&bytes, &curriculum());
    assert_eq!(checked.diagnostics.len(), 1);
    let d = &checked.diagnostics[0];
    assert_eq!(d.line, 3);
    assert!(d.message.contains("not UTF-8") && d.message.contains("column 14"), "{}", d.message);
}

const RICH: &str = "\
## Module 1: Rich
Covers: day 1
Opens after: day 1

Read the lesson first.

### **What does this print?**
Day: 1
Type: Single

A scenario paragraph
that wraps.

```python
print(1)

print(2)
```

* [X] `1` then `2`
- [ ] Nothing

> First line
> wraps here.
>
> - a list item
> - another
>
> ```
> code
> ```

> A second block.
";

#[test]
fn text_code_blocks_and_explanations_keep_their_shape() {
    let (bank, found) = parse(RICH);
    assert_eq!(found, vec![]);
    let quiz = &bank.quizzes[0];
    assert_eq!(quiz.intro, "Read the lesson first.");
    assert_eq!((quiz.title.as_str(), quiz.covers), ("Rich", (day(1), day(1))));
    let q = &quiz.questions[0];
    assert_eq!(
        q.text,
        "What does this print?\n\nA scenario paragraph\nthat wraps.\n\n```python\nprint(1)\n\nprint(2)\n```"
    );
    assert_eq!(q.id, "m1-what-does-this-print");
    assert_eq!(
        q.options,
        vec![
            Choice { text: "`1` then `2`".into(), correct: true },
            Choice { text: "Nothing".into(), correct: false },
        ]
    );
    assert_eq!(
        q.explanation,
        "First line wraps here.\n\n- a list item\n- another\n\n```\ncode\n```\n\nA second block."
    );
}

#[test]
fn crlf_bom_and_bold_labels_change_nothing() {
    let crlf = format!("\u{feff}{}", VALID.replace('\n', "\r\n"));
    assert_eq!(parse(&crlf), parse(VALID));
    let bold = VALID
        .replace("Type: single", "**Type:** single")
        .replace("## Final Assessment", "## **Final Assessment**");
    assert_eq!(parse(&bold), parse(VALID));
}

#[test]
fn default_ids_are_slugs_and_never_empty() {
    let (bank, _) = parse(&VALID.replace("### Water is wet.", "### ???"));
    assert_eq!(bank.quizzes[0].questions[2].id, "m1-q3");
    assert_eq!(bank.quizzes[1].questions[0].id, "final-what-is-four");
    let long = "### ".to_string() + &"word ".repeat(40);
    let (bank, _) = parse(&VALID.replacen("### What is four?", &long, 1));
    let id = &bank.quizzes[1].questions[0].id;
    assert!(id.len() <= "final-".len() + 48 && id.ends_with("word"), "{id}");
}

#[test]
fn bank_and_curriculum_paths_mirror_each_other() {
    use std::path::Path;
    let curriculum = Path::new("curriculum/days_121_150_lakehouse_architecture.md");
    let bank = bank_path_for(curriculum);
    assert_eq!(bank, Path::new("curriculum/quizzes/days_121_150_lakehouse_architecture.md"));
    assert_eq!(curriculum_path_for(&bank).as_deref(), Some(curriculum));
    assert_eq!(curriculum_path_for(Path::new("quizzes/x.md")).as_deref(), Some(Path::new("x.md")));
    assert_eq!(curriculum_path_for(Path::new("/tmp/bank.md")), None);
    assert_eq!(curriculum_path_for(Path::new("")), None);
}
