//! What `studybot check`, `demo` and `console` do with files that are not what they seem: a device,
//! a directory, an oversized or cut-short file, a curriculum directory of several cycles, a missing
//! curriculum, and no checkout at all.

use super::*;

#[test]
fn check_refuses_a_device_a_directory_or_an_oversized_file_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.md");
    std::fs::File::create(&big).unwrap().set_len(5 * 1024 * 1024).unwrap();
    let big = big.to_str().unwrap();
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let folder = empty.to_str().unwrap();
    let out = studybot(&["curriculum", "check", "/dev/zero", folder, big, SHIPPED]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("/dev/zero: error: cannot read the file: not a regular file (a character device)"),
        "{err}"
    );
    assert!(err.contains(&format!("{folder}: error: a directory without curriculum files (*.md)")), "{err}");
    assert!(
        err.contains(&format!("{big}: error: cannot read the file: larger than the limit of 4 MiB")),
        "{err}"
    );
    assert!(stdout(&out).contains(&format!("{SHIPPED}: ok")), "the other files are still checked");

    for args in [
        &["curriculum", "export", "/dev/zero"][..],
        &["curriculum", "show", "/dev/zero", "--day", "1"],
        &["demo", "--curriculum", "/dev/zero"],
    ] {
        let out = studybot(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(stderr(&out).contains("not a regular file (a character device)"), "{}", stderr(&out));
    }
    let quiz = studybot(&["quiz", "check", "/dev/zero", "--curriculum", SHIPPED]);
    assert_eq!(quiz.status.code(), Some(1));
    assert!(
        stderr(&quiz).contains("/dev/zero: error: cannot read the file: not a regular file"),
        "{}",
        stderr(&quiz)
    );
    let quiz = studybot(&[
        "quiz",
        "check",
        "tests/fixtures/quizzes/beachhead_cycle.md",
        "--curriculum",
        "/dev/zero",
    ]);
    assert_eq!(quiz.status.code(), Some(1));
    assert!(stderr(&quiz).contains("not a regular file (a character device)"), "{}", stderr(&quiz));
}

#[test]
fn check_does_not_call_a_file_cut_short_ok() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(SHIPPED)).unwrap();
    let cut = dir.path().join("cut.md");
    // Three days, the third cut off before its task.
    let end = text.find("- **Task (30 min):** Practice atomic writes").unwrap();
    std::fs::write(&cut, &text[..end]).unwrap();
    let cut = cut.to_str().unwrap();
    let out = studybot(&["curriculum", "check", cut]);
    assert!(out.status.success(), "warnings only: {}", stderr(&out));
    let summary = stdout(&out);
    assert!(summary.starts_with(&format!("{cut}: LOOKS CUT SHORT")), "{summary}");
    assert!(!summary.contains(": ok"), "{summary}");
    let err = stderr(&out);
    assert!(err.contains(&format!("{cut}:1: warning: the title promises days 121-150")), "{err}");
    assert!(err.contains(&format!("{cut}:12: warning: section `Module 17")), "{err}");
    assert!(err.contains(&format!("{cut}:33: warning: the last day, 123, has no Task or Project")), "{err}");
}

#[test]
fn check_of_a_directory_says_which_cycle_continues_which_and_warns_of_overlaps() {
    let dir = tempfile::tempdir().unwrap();
    write_cycle(dir.path(), "a_alpha.md", (1, 3), "Alpha");
    write_cycle(dir.path(), "b_beta.md", (4, 6), "Beta");
    write_cycle(dir.path(), "c_gamma.md", (6, 8), "Gamma");
    std::fs::write(dir.path().join("notes.txt"), "not a curriculum").unwrap();
    let out = studybot(&["curriculum", "check", dir.path().to_str().unwrap()]);
    assert!(out.status.success(), "overlaps are warnings: {}", stderr(&out));
    let at = |file: &str| dir.path().join(file).display().to_string();
    let summary = stdout(&out);
    assert_eq!(summary.lines().count(), 3, "the .md files only: {summary}");
    assert!(summary.contains(&format!("{}: ok — 3 days", at("a_alpha.md"))), "{summary}");
    assert!(
        summary.contains(&format!(" · continues {}\n", at("a_alpha.md"))),
        "beta follows alpha: {summary}"
    );
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "{}: warning: days 6-8 overlap days 4-6 of {}",
            at("c_gamma.md"),
            at("b_beta.md")
        )),
        "{err}"
    );
    assert_eq!(err.matches("overlap").count(), 1, "{err}");
}

#[test]
fn a_missing_curriculum_is_named_once_and_its_cause_said_once() {
    let quiz = ["quiz", "check", "no/such/bank.md", "--curriculum", SHIPPED];
    for args in [&["demo", "--curriculum", "no/such/cycle.md"][..], &quiz] {
        let out = studybot(args);
        assert!(!out.status.success(), "{args:?}");
        let err = stderr(&out);
        assert!(err.contains("no/such/"), "the file is named: {err}");
        assert_eq!(err.matches("No such file or directory").count(), 1, "{args:?}: {err}");
    }
}

#[test]
fn demo_and_console_run_outside_the_checkout_on_the_built_in_curriculum() {
    let elsewhere = tempfile::tempdir().unwrap();
    let run = |args: &[&str], stdin: &str| piped(elsewhere.path(), args, stdin);
    let demo = run(&["demo", "--members", "3"], "");
    assert!(demo.status.success(), "{}", stderr(&demo));
    assert!(stdout(&demo).contains("Simulated 30 lessons"), "{}", stdout(&demo));
    let console = run(&["console", "--start", "2026-12-06T12:00"], "/studybot curricula\n:quit\n");
    assert!(console.status.success(), "{}", stderr(&console));
    assert!(stdout(&console).contains("• `days_121_150_lakehouse_architecture` — "), "{}", stdout(&console));
    // A folder the operator names must be there: it is named, with its cause, once.
    let named = Command::new(env!("CARGO_BIN_EXE_studybot"))
        .arg("console")
        .current_dir(elsewhere.path())
        .env("STUDYBOT_CURRICULUM__DIR", "no/such/folder")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(!named.status.success());
    let err = stderr(&named);
    assert!(err.contains("no/such/folder"), "{err}");
    assert_eq!(err.matches("No such file or directory").count(), 1, "{err}");
}
