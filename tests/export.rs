//! `studybot export`: a week of a cohort played through `studybot console`, then exported, and
//! the CSV checked cell by cell against the hand-worked record (and the JSON against the CSV).
//!
//! The shipped curriculum daily at 09:00 UTC from Mon 7 Dec: days 121-128 are posted by Mon 14
//! Dec 12:00. A window closes at the next post plus 6 hours, so days 127 and 128 are still open.

use std::path::Path;
use std::process::{Command, Output, Stdio};

const SCRIPT: &str = "\
:admin org
/studybot setup curriculum:days_121_150_lakehouse_architecture start:2026-12-07 schedule:\"0 9 * * *\" timezone:UTC
:advance-to 2026-12-07T10:00
:as ada
/join
/checkpoint
:as bo
/checkpoint
:as cy
/checkpoint
:advance-to 2026-12-08T10:00
:as ada
/checkpoint
:as cy
/checkpoint
:advance-to 2026-12-09T10:00
:as ada
/checkpoint
/posted linkedin https://example.com/p/1
:as bo
/checkpoint
:advance-to 2026-12-14T12:00
:quit
";

fn studybot(db: &str, args: &[&str], stdin: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_studybot"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("STUDYBOT_DATABASE__URL", db)
        .env_remove("RUST_LOG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the studybot binary runs");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn played(dir: &Path) -> String {
    let db = format!("sqlite://{}", dir.join("bot.db").display());
    let console = studybot(&db, &["console", "--db", &db, "--start", "2026-12-06T12:00"], SCRIPT);
    assert!(console.status.success(), "{}", String::from_utf8_lossy(&console.stderr));
    db
}

#[test]
fn the_csv_is_the_record_cell_by_cell() {
    let dir = tempfile::tempdir().unwrap();
    let db = played(dir.path());
    let out = studybot(&db, &["export", "--cohort", "1", "--at", "2026-12-14T12:00"], "");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.ends_with("\r\n") && text.lines().count() == 4, "a header and three members:\n{text}");
    let rows: Vec<Vec<&str>> = text.lines().map(|l| l.trim_end_matches('\r').split(',').collect()).collect();
    let days: Vec<String> = (121..=128).map(|d| format!("day {d}")).collect();
    let mut header = vec!["member"];
    header.extend(days.iter().map(String::as_str));
    header.extend([
        "lessons done",
        "on time",
        "late",
        "missed",
        "streak",
        "best streak",
        "points",
        "quiz points",
        "linkedin posts",
        "blog posts",
    ]);
    assert_eq!(rows[0], header, "no quiz column: nobody finished one");
    let (on, missed, open) = ("on time", "missed", "open");
    #[rustfmt::skip]
    let expected: [Vec<&str>; 3] = [
        // ada: 121-123 on time, then nothing; a LinkedIn post.
        vec!["ada", on, on, on, missed, missed, missed, open, open, "3", "3", "0", "3", "0", "3", "30", "0", "1", "0"],
        // bo: 121 and 123 on time, 122 missed.
        vec!["bo", on, missed, on, missed, missed, missed, open, open, "2", "2", "0", "4", "0", "1", "20", "0", "0", "0"],
        // cy: 121 and 122 on time.
        vec!["cy", on, on, missed, missed, missed, missed, open, open, "2", "2", "0", "4", "0", "2", "20", "0", "0", "0"],
    ];
    for (row, want) in rows[1..].iter().zip(&expected) {
        assert_eq!(row, want);
    }

    // The same record as JSON, to a file.
    let file = dir.path().join("record.json");
    let json = ["export", "--cohort", "1", "--format", "json", "--at", "2026-12-14T12:00", "--out"];
    let out = studybot(&db, &[&json[..], &[file.to_str().unwrap()]].concat(), "");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let value: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let bo = &value["members"][1];
    assert_eq!(
        (bo["member"].as_str(), bo["days"]["122"].as_str(), bo["points"].as_i64()),
        (Some("bo"), Some("missed"), Some(20))
    );
    assert_eq!(value["curriculum"], "days_121_150_lakehouse_architecture");
}

#[test]
fn an_unknown_cohort_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let db = played(dir.path());
    let out = studybot(&db, &["export", "--cohort", "99"], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("there is no cohort 99 in this database"));
}

#[test]
fn an_admin_exports_in_the_console_and_the_file_is_the_operators_export() {
    let dir = tempfile::tempdir().unwrap();
    let db = played(dir.path());
    let files = dir.path().join("files");
    let script = ":as bo\n/studybot export\n:admin org\n/studybot correct member:bo day:122 status:excused reason:ill\n\
                  /studybot export\n/studybot export format:json\n:quit\n";
    let args = ["console", "--db", &db, "--start", "2026-12-14T12:00", "--files", files.to_str().unwrap()];
    let out = studybot(&db, &args, script);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let screen = String::from_utf8(out.stdout).unwrap();
    assert!(screen.contains("is for the cohort's admins"), "bo may not: {screen}");
    let csv = files.join("studybot-cohort-1-2026-12-14.csv");
    assert!(screen.contains(&format!("saved to {}", csv.display())), "{screen}");
    let operator = studybot(&db, &["export", "--cohort", "1", "--at", "2026-12-14T12:00"], "");
    assert_eq!(std::fs::read(&csv).unwrap(), operator.stdout, "the same record as the CLI's");
    // The correction shows: bo's day 122 is excused and no longer missed.
    let text = String::from_utf8(operator.stdout).unwrap();
    let bo: Vec<&str> = text.lines().find(|l| l.starts_with("bo,")).expect("bo's row").split(',').collect();
    assert_eq!((bo[2], bo[12]), ("excused", "3"), "{text}");
    let json = std::fs::read_to_string(files.join("studybot-cohort-1-2026-12-14.json")).unwrap();
    assert!(serde_json::from_str::<serde_json::Value>(&json).is_ok(), "{json}");

    let wrong = studybot(&db, &["export", "--cohort", "1", "--format", "xlsx"], "");
    assert_eq!(wrong.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("`xlsx` is not a format: use one of csv, json"));
}
