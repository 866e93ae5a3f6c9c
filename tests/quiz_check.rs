//! `studybot quiz check` as a quiz author runs it: valid banks, one broken bank per rule, bad files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BANK: &str = "tests/fixtures/quizzes/beachhead_cycle.md";
const CURRICULUM: &str = "tests/fixtures/beachhead_cycle.md";

fn studybot(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_studybot"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("RUST_LOG")
        .output()
        .expect("the studybot binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn fixture() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(BANK)).unwrap()
}

/// Writes `text` as a bank in a fresh directory; the directory lives as long as the returned guard.
fn bank_file(bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bank.md");
    std::fs::write(&path, bytes).unwrap();
    (dir, path)
}

#[test]
fn a_valid_bank_prints_one_line_per_quiz() {
    // The curriculum is found next to the bank: tests/fixtures/quizzes/X.md → tests/fixtures/X.md.
    let out = studybot(&["quiz", "check", BANK]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!(
            "{BANK}: Module 1 (days 1-3, opens after day 3): 3 questions\n\
             {BANK}: Final Assessment (day 6, opens after day 7): 1 question\n"
        )
    );
    assert_eq!(stderr(&out), "");
    let named = studybot(&["quiz", "check", BANK, "--curriculum", CURRICULUM]);
    assert_eq!(named.stdout, out.stdout);
}

#[test]
fn crlf_bank_passes_too() {
    let (_dir, path) = bank_file(fixture().replace('\n', "\r\n").as_bytes());
    let out = studybot(&["quiz", "check", path.to_str().unwrap(), "--curriculum", CURRICULUM]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains(": Module 1 (days 1-3, opens after day 3): 3 questions"));
}

/// (what is broken, text replaced, replacement, line of the error, part of its message)
const BROKEN: &[(&str, &str, &str, usize, &str)] = &[
    ("not a quiz", "## Module 1: Environment", "## Environment", 5, "is not a quiz"),
    ("no Covers", "Covers: days 1-3\n", "", 5, "Module 1 has no `Covers:` line"),
    ("no Opens after", "Opens after: day 3\n", "", 5, "no `Opens after:` line"),
    (
        "quiz twice",
        "## Final Assessment: Beachhead Review",
        "## Module 1: Again",
        51,
        "Module 1 appears twice",
    ),
    ("no Type", "Type: multiple\n", "", 23, "no `Type:` line"),
    ("no Day", "Day: 2\n", "", 23, "no `Day:` line"),
    ("too few options", "- [ ] A list of dicts\n", "", 55, "has 1 option; give 2 to 5"),
    (
        "too many options",
        "- [ ] A list of dicts",
        "- [ ] a\n- [ ] b\n- [ ] c\n- [ ] d\n- [ ] e",
        55,
        "has 6 options",
    ),
    ("no explanation", "> `read_csv` returns a `pandas.DataFrame`.\n", "", 55, "no explanation"),
    ("single with two right", "- [ ] A list of dicts", "- [x] A list of dicts", 55, "exactly one right"),
    (
        "multiple with none right",
        "- [x] `git commit -m \"first\"`\n- [x]",
        "- [ ] `git commit -m \"first\"`\n- [ ]",
        23,
        "no right option",
    ),
    ("true-false options", "* [ ] False", "* [ ] Maybe", 46, "`True` and `False`"),
    (
        "duplicate id",
        "Type: multiple",
        "Id: m1-venv-why\nType: multiple",
        23,
        "id `m1-venv-why` is already used",
    ),
    (
        "duplicate question",
        "### A setup script should be safe to run twice.",
        "### Why create a virtual environment for each project?",
        42,
        "repeats the question at line 11",
    ),
    ("duplicate option", "- [ ] A list of dicts", "- [ ] a dataframe", 60, "appears twice in this question"),
    ("day not in curriculum", "Day: 6", "Day: 60", 55, "`Day: 60` is not a curriculum day"),
    (
        "Covers not in curriculum",
        "Covers: day 6",
        "Covers: days 6-9",
        51,
        "names days 8-9, not in the curriculum",
    ),
    (
        "Opens after not in curriculum",
        "Opens after: day 7",
        "Opens after: day 8",
        51,
        "`Opens after: day 8` is not a curriculum day",
    ),
    ("day outside Covers", "Day: 3", "Day: 4", 42, "lies outside Module 1's `Covers: days 1-3`"),
];

#[test]
fn each_broken_rule_exits_1_with_file_line_and_reason() {
    let text = fixture();
    for &(what, from, to, line, message) in BROKEN {
        assert!(text.contains(from), "{what}: the fixture lacks {from:?}");
        let (_dir, path) = bank_file(text.replacen(from, to, 1).as_bytes());
        let file = path.to_str().unwrap();
        let out = studybot(&["quiz", "check", file, "--curriculum", CURRICULUM]);
        assert_eq!(out.status.code(), Some(1), "{what}");
        let err = stderr(&out);
        let want = format!("{file}:{line}: error: ");
        assert!(
            err.lines().any(|l| l.starts_with(&want) && l.contains(message)),
            "{what}: expected {want}…{message}, got:\n{err}"
        );
        assert!(!err.contains("panicked"), "{what}: {err}");
        assert!(stdout(&out).contains(&format!("{file}: INVALID")), "{what}");
    }
}

/// A question about a day after its quiz opens would be asked before its lesson is posted: the bank
/// stays valid (exit 0), and the warning names the question's own line and says why.
#[test]
fn a_question_asked_before_its_lesson_is_a_warning_with_file_and_line() {
    let (_dir, path) =
        bank_file(fixture().replacen("Opens after: day 3", "Opens after: day 2", 1).as_bytes());
    let file = path.to_str().unwrap();
    let out = studybot(&["quiz", "check", file, "--curriculum", CURRICULUM]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    let want = format!("{file}:42: warning: `Day: 3` comes after Module 1's `Opens after: day 2`");
    assert!(err.lines().any(|l| l.starts_with(&want) && l.contains("before the lesson of day 3")), "{err}");
    assert!(err.contains(&format!("{file}:5: warning: Module 1 opens after day 2")), "{err}");
    assert!(!err.contains("error"), "{err}");
}

#[test]
fn every_error_is_reported_not_only_the_first() {
    let text = fixture().replacen("Day: 2\n", "", 1).replacen("Day: 6", "Day: 60", 1);
    let (_dir, path) = bank_file(text.as_bytes());
    let file = path.to_str().unwrap();
    let out = studybot(&["quiz", "check", file, "--curriculum", CURRICULUM]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("{file}:23: error: ")) && err.contains(&format!("{file}:54: error: ")),
        "{err}"
    );
}

#[test]
fn a_file_that_is_not_utf8_or_has_no_quiz_fails_cleanly() {
    let (_dir, path) = bank_file(b"# Quizzes\n\n## Module 1: A\nCovers: d\xe9y 1\n");
    let file = path.to_str().unwrap();
    let out = studybot(&["quiz", "check", file, "--curriculum", CURRICULUM]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains(&format!("{file}:4: error: the file is not UTF-8 text")), "{err}");
    assert!(err.contains("column 10") && !err.contains("panicked"), "{err}");

    let (_dir, path) = bank_file(b"# Quizzes\n\nNothing yet.\n");
    let file = path.to_str().unwrap();
    let out = studybot(&["quiz", "check", file, "--curriculum", CURRICULUM]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains(&format!("{file}:1: error: no quiz found")), "{}", stderr(&out));
}

#[test]
fn a_bank_without_a_findable_curriculum_is_explained() {
    let (_dir, path) = bank_file(fixture().as_bytes());
    let file = path.to_str().unwrap();
    let out = studybot(&["quiz", "check", file]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("{file}: error: cannot tell which curriculum")) && err.contains("--curriculum")
    );

    let dir = tempfile::tempdir().unwrap();
    let quizzes = dir.path().join("quizzes");
    std::fs::create_dir(&quizzes).unwrap();
    let orphan = quizzes.join("gone.md");
    std::fs::write(&orphan, fixture()).unwrap();
    let out = studybot(&["quiz", "check", orphan.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("gone.md does not exist") && err.contains("--curriculum"), "{err}");

    let out = studybot(&["quiz", "check", BANK, "--curriculum", "no/such/curriculum.md"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("cannot read no/such/curriculum.md"), "{}", stderr(&out));
}

#[test]
fn a_missing_bank_and_the_help_text() {
    let out = studybot(&["quiz", "check", "no/such/bank.md", "--curriculum", CURRICULUM]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no/such/bank.md: error: cannot read the file"), "{}", stderr(&out));
    for args in [&["quiz", "--help"][..], &["quiz", "check", "--help"]] {
        let out = studybot(args);
        assert!(out.status.success() && stdout(&out).contains("Usage:"), "{args:?}");
    }
}

#[test]
fn the_shipped_bank_passes_with_enough_questions_per_quiz() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bank = root.join("curriculum/quizzes/days_121_150_lakehouse_architecture.md");
    let out = studybot(&["quiz", "check", bank.to_str().unwrap()]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));

    let curriculum =
        studybot::curriculum::load(&root.join("curriculum/days_121_150_lakehouse_architecture.md"));
    let bank = studybot::quiz::load(&bank, &curriculum.unwrap().curriculum).unwrap();
    let count = |key: &str| bank.quiz(studybot::quiz::QuizKey::parse(key).unwrap()).unwrap().questions.len();
    for module in 17..=20 {
        assert!(count(&format!("module:{module}")) >= 12, "module {module}");
    }
    let final_quiz = bank.quiz(studybot::quiz::QuizKey::Final).unwrap();
    assert!(final_quiz.questions.len() >= 25);
    // The final assessment reaches into every module.
    for (first, last) in [(121, 127), (128, 134), (135, 141), (142, 148)] {
        assert!(
            final_quiz.questions.iter().any(|q| (first..=last).contains(&q.day.get())),
            "days {first}-{last}"
        );
    }
}
