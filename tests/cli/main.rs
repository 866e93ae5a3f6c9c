//! The `studybot` binary as an organizer runs it: help, curriculum check, export and show.

use std::path::Path;
use std::process::{Command, Output};

#[path = "../support/cycles.rs"]
mod cycles;
mod files;

use cycles::write_cycle;

const SHIPPED: &str = "curriculum/days_121_150_lakehouse_architecture.md";

fn studybot(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_studybot"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("RUST_LOG")
        .output()
        .expect("the studybot binary runs")
}

/// The binary run in `dir` with `stdin` piped in, to its end.
fn piped(dir: &Path, args: &[&str], stdin: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_studybot"))
        .args(args)
        .current_dir(dir)
        .env_remove("RUST_LOG")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn help_lists_every_subcommand_and_each_has_its_own_help() {
    let top = studybot(&["--help"]);
    assert!(top.status.success());
    let text = stdout(&top);
    for sub in ["demo", "console", "curriculum", "migrate", "run", "schedule", "quiz"] {
        assert!(text.contains(sub), "--help lacks {sub}:\n{text}");
    }
    let subcommands = [
        &["curriculum", "--help"][..],
        &["curriculum", "check", "--help"],
        &["migrate", "--help"],
        &["run", "--help"],
        &["schedule", "--help"],
        &["quiz", "check", "--help"],
    ];
    for args in subcommands {
        let out = studybot(args);
        assert!(out.status.success(), "{args:?}");
        assert!(stdout(&out).contains("Usage:"), "{args:?}");
    }
}

#[test]
fn check_passes_the_shipped_curriculum() {
    let out = studybot(&["curriculum", "check", SHIPPED]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), format!("{SHIPPED}: ok — 30 days, 5 sections, 50 resources, 0 warnings"));
}

#[test]
fn check_fails_with_file_and_line_on_a_broken_file() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.md");
    std::fs::write(&bad, "# T\n## Module 1: A (Days 1-2)\n### Day 1 - a\n### Day 1 - b\n").unwrap();
    let bad = bad.to_str().unwrap();
    let out = studybot(&["curriculum", "check", SHIPPED, bad]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains(&format!("{bad}:4: error: day 1 appears twice")), "{err}");
    assert!(stdout(&out).contains(&format!("{bad}: INVALID (1 errors)")));
    assert!(stdout(&out).contains(&format!("{SHIPPED}: ok")), "every file gets its summary");
}

#[test]
fn check_reports_a_missing_file() {
    let out = studybot(&["curriculum", "check", "no/such/file.md"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no/such/file.md: error: cannot read the file"));
}

#[test]
fn export_of_crlf_file_is_identical() {
    let lf = studybot(&["curriculum", "export", SHIPPED]);
    assert!(lf.status.success(), "{}", stderr(&lf));
    let dir = tempfile::tempdir().unwrap();
    let crlf = dir.path().join("crlf.md");
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(SHIPPED)).unwrap();
    std::fs::write(&crlf, text.replace('\n', "\r\n")).unwrap();
    let out = studybot(&["curriculum", "export", crlf.to_str().unwrap()]);
    assert!(out.status.success());
    assert_eq!(out.stdout, lf.stdout);
    let json: serde_json::Value = serde_json::from_slice(&lf.stdout).unwrap();
    assert_eq!(json["sections"].as_array().unwrap().len(), 5);
}

#[test]
fn export_refuses_an_invalid_file() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("empty.md");
    std::fs::write(&bad, "# nothing here\n").unwrap();
    let out = studybot(&["curriculum", "export", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(stderr(&out).contains("empty.md:1: error: no days found"), "{}", stderr(&out));
}

#[test]
fn show_renders_a_lesson_and_explains_an_unknown_day() {
    let out = studybot(&["curriculum", "show", SHIPPED, "--day", "127"]);
    assert!(out.status.success());
    let text = stdout(&out);
    for part in
        ["Day 127 — Module 17 Integration", "Project (30 min): Customer 360", "Features: ACID", "Blog post"]
    {
        assert!(text.contains(part), "missing {part:?} in\n{text}");
    }
    let out = studybot(&["curriculum", "show", SHIPPED, "--day", "12"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("day 12 is not in") && stderr(&out).contains("121-150"));
}

fn studybot_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_studybot"));
    cmd.args(args).current_dir(env!("CARGO_MANIFEST_DIR")).env_remove("RUST_LOG");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("the studybot binary runs")
}

#[test]
fn migrate_creates_the_sqlite_file_and_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("fresh.db");
    let url = format!("sqlite://{}", db.display());
    for _ in 0..2 {
        let out = studybot_env(&["migrate"], &[("STUDYBOT_DATABASE__URL", &url)]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(stderr(&out).contains("database schema is up to date"));
    }
    assert!(db.exists());
}

#[test]
fn a_database_password_never_reaches_the_output() {
    // Port 1 refuses at once; the error must explain that without quoting the password.
    let url = "postgres://studybot:hunter2-secret@127.0.0.1:1/studybot";
    let out = studybot_env(&["migrate"], &[("STUDYBOT_DATABASE__URL", url), ("RUST_LOG", "trace")]);
    assert_eq!(out.status.code(), Some(1));
    let all = format!("{}{}", stdout(&out), stderr(&out));
    assert!(!all.contains("hunter2"), "{all}");
    assert!(all.contains("postgres://studybot:***@127.0.0.1:1/studybot"), "{all}");
    assert!(all.contains("refused"), "the real cause is shown: {all}");
}

#[test]
fn migrate_refuses_an_unknown_config_key_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("studybot.toml");
    std::fs::write(&file, "[database]\nurll = \"sqlite://x.db\"\n").unwrap();
    let out = studybot(&["migrate", "--config", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("database.urll") && err.contains("studybot.toml"), "{err}");
}

/// The story without its last line, which reports the wall-clock time taken.
fn story(o: &Output) -> String {
    let text = stdout(o);
    text.lines().filter(|l| !l.starts_with("Simulated ")).collect::<Vec<_>>().join("\n")
}

#[test]
fn demo_runs_a_whole_cycle_and_is_deterministic_per_seed() {
    let first = studybot(&["demo", "--members", "4", "--seed", "11"]);
    assert!(first.status.success(), "{}", stderr(&first));
    let text = story(&first);
    assert_eq!(text.matches("📅 posted day").count(), 30, "{text}");
    assert!(text.contains("Final summary (state: completed)"), "{text}");
    assert!(text.contains("congratulations"), "{text}");
    assert!(text.contains("🏆 Leaderboard — Points (last 7 days)"), "weekly boards are posted");
    // The first member takes each module quiz as it opens, from the shipped curriculum's bank.
    let quizzes: Vec<&str> = text.lines().filter(|l| l.contains("🧠 ada takes `/quiz module:")).collect();
    assert!(!quizzes.is_empty(), "{text}");
    assert!(quizzes.iter().all(|l| l.contains(" — 🏁 **") && l.contains("it counts")), "{quizzes:?}");
    let again = studybot(&["demo", "--members", "4", "--seed", "11"]);
    assert_eq!(story(&again), text, "same seed, same run");
    let other = studybot(&["demo", "--members", "4", "--seed", "12"]);
    assert_ne!(story(&other), text, "another seed, another run");
}

#[test]
fn demo_then_runs_the_next_cycle_in_the_same_channel() {
    let dir = tempfile::tempdir().unwrap();
    write_cycle(dir.path(), "days_151_153_performance.md", (151, 153), "Performance Engineering");
    let next = dir.path().join("days_151_153_performance.md");
    let run = studybot(&["demo", "--members", "3", "--then", next.to_str().unwrap()]);
    assert!(run.status.success(), "{}", stderr(&run));
    let text = story(&run);
    assert!(text.contains("then, in the same channel, Days 151-153: Performance Engineering"), "{text}");
    assert_eq!(text.matches("📅 posted day").count(), 33, "30 lessons, then 3: {text}");
    assert!(text.contains("⏭ Next: **Days 151-153: Performance Engineering**, starting"), "{text}");
    assert!(text.contains("Cycle 2 of this channel: 3 members carried over"), "{text}");
    assert!(text.contains("📅 posted day 153"), "{text}");
    assert!(
        text.contains("Final summary of cycle 1 (days_121_150_lakehouse_architecture) (state: completed)"),
        "{text}"
    );
    assert!(
        text.contains("Final summary of cycle 2 (days_151_153_performance) (state: completed)"),
        "{text}"
    );
    assert!(text.contains("Journey over 2 cycles:"), "{text}");
    assert!(stdout(&run).contains("Simulated 33 lessons"), "{}", stdout(&run));
}

#[test]
fn console_reads_a_script_from_a_pipe() {
    let script = "\
:admin alice
/studybot setup curriculum:days_121_150_lakehouse_architecture start:2026-12-07 timezone:Europe/Berlin
:advance-to 2026-12-07T09:00
:as bob
:react ✅ last
/streak
/studybot pause
:quit
";
    let args = ["console", "--curriculum", SHIPPED, "--start", "2026-12-06T12:00"];
    let out = piped(Path::new(env!("CARGO_MANIFEST_DIR")), &args, script);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for part in [
        "This channel now runs",
        "📅 Day 121 — Lakehouse Architecture Introduction",
        "✅ Day 121 done — on time",
        "🔥 bob: streak 1 (best 1)",
        "is for the cohort's admins",
    ] {
        assert!(text.contains(part), "missing {part:?} in\n{text}");
    }
}

#[test]
fn run_refuses_clock_flags_it_cannot_honour_naming_them() {
    let origin = "--clock-origin=2026-12-01T00:00:00Z";
    for speed in ["inf", "1e300", "0", "NaN", "-1"] {
        let out = studybot(&["run", origin, &format!("--clock-speed={speed}")]);
        assert_eq!(out.status.code(), Some(2), "--clock-speed {speed}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains("--clock-speed") && err.contains("finite number greater than 0"), "{err}");
    }
    let out = studybot(&["run", origin, "--clock-speed=60", "--clock-anchor-ms=18446744073709551615"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--clock-anchor-ms"), "{}", stderr(&out));
    let out = studybot(&["demo", "--members=0"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--members"), "{}", stderr(&out));
}
