//! Whatever is typed into the console — far clock moves, bad days, control characters, bytes that are not UTF-8, random lines — gets an answer, never a panic, alike on SQLite and PostgreSQL.

mod support;

use std::path::PathBuf;

use chrono::{DateTime, TimeZone, Utc};
use proptest::prelude::*;
use studybot::coach::{Catalog, Coach};
use studybot::platform::console::{Console, MAX_LINE};
use studybot::store::{Platform, Store};
use support::db::Fixture;

backend_tests!(
    typed_control_characters_are_refused_alike,
    days_and_modules_out_of_range_answer_the_range,
    far_clock_moves_answer_too_far,
    bare_choices_bind_the_way_the_help_shows_them,
    a_member_is_found_by_name_and_commands_elsewhere_say_where_to_go,
    curricula_say_which_cycle_continues_which,
);

const SETUP: &str = "/studybot setup curriculum:days_121_150_lakehouse_architecture start:2026-12-07 schedule:0 9 * * MON-FRI timezone:UTC";

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 6, 12, 0, 0).unwrap()
}

/// The shipped curriculum and its quiz bank, a cohort set up by `org`, the lesson of day 121 posted.
async fn console(store: Store) -> Console<Vec<u8>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("curriculum");
    let catalog = Catalog::load_dir(&dir).unwrap();
    let mut c = Console::new(Coach::new(store, catalog), start(), Vec::new());
    run(&mut c, &[":admin org", SETUP, ":advance-to 2026-12-07T10:00", ":as ada", "/join"]).await;
    c
}

/// Runs lines and returns what they printed.
async fn run(c: &mut Console<Vec<u8>>, lines: &[&str]) -> String {
    for line in lines {
        assert!(c.line(line).await.unwrap(), "{line:?} does not end the console");
    }
    String::from_utf8(std::mem::take(c.output_mut())).unwrap()
}

async fn typed_control_characters_are_refused_alike(fx: Fixture) {
    let mut c = console(fx.store.clone()).await;
    let cases = [
        ("/progress member:a\0b", "`member` contains a control character (\\0); remove it."),
        ("/progress member:\"a\0b\"", "`member` contains a control character (\\0)"),
        ("/assess item\0", "`item` contains a control character (\\0)"),
        ("/posted blog https://example.com/a\0b day:121", "`url` contains a control character (\\0)"),
        ("/studybot setup curriculum:x\u{1b}[2J", "`curriculum` contains a control character (\\u{1b})"),
        ("/studybot settings leaderboard:0 17 * * FRI\0", "`leaderboard` contains a control character"),
        ("/leaderboard by:str\0eak", "`by` contains a control character"),
        ("/check\0point", "Unknown command `/check\\0point`"),
        (":as a\0b", "NAME contains the control character '\\0'"),
        (":channel st\0udy", "NAME contains the control character '\\0'"),
        (":react ✅ m\0", "no lesson post `m\\0` in #study"),
        (":\0", "unknown directive `:\\0`"),
    ];
    for (line, want) in cases {
        let out = run(&mut c, &[line]).await;
        assert!(out.contains(want), "{line:?} on {}: {out}", fx.backend);
        assert!(!out.contains('\0'), "no NUL is echoed: {out:?}");
        assert!(!out.contains("something went wrong"), "{out}");
    }
    // Still ada in #study, and nothing was stored for the refused names.
    let out = run(&mut c, &["/checkpoint day:121"]).await;
    assert!(out.contains("✅ Day 121 done"), "{out}");
    assert!(fx.store.find_cohort_by_channel(Platform::Console, "study").await.unwrap().is_some());
    for line in ["/progress member:ada", "/progress"] {
        let out = run(&mut c, &[line]).await;
        assert!(out.contains("📈"), "{line}: {out}");
    }
}

async fn days_and_modules_out_of_range_answer_the_range(fx: Fixture) {
    let mut c = console(fx.store.clone()).await;
    let cases = [
        ("/checkpoint day:-1", "`day` must be a whole number between 1 and 100000 — got `-1`."),
        ("/checkpoint day:0", "— got `0`."),
        ("/checkpoint day:4294967295", "— got `4294967295`."),
        ("/checkpoint day:18446744073709551617", "— got `18446744073709551617`."),
        ("/checkpoint day:-1 undo", "— got `-1`."),
        ("/posted linkedin https://example.com/p day:-7", "— got `-7`."),
        (":as org", "(you are org, admin)"),
        ("/studybot set-day -1", "— got `-1`."),
        ("/studybot set-day 4294967296", "— got `4294967296`."),
        ("/studybot preview day:0", "— got `0`."),
        ("/studybot setup curriculum:days_121_150_lakehouse_architecture day:-121", "— got `-121`."),
        ("/quiz module:-1", "`module` must be a whole number between 1 and 10000 — got `-1`."),
        ("/quiz module:4294967313", "— got `4294967313`."),
    ];
    for (line, want) in cases {
        let out = run(&mut c, &[line]).await;
        assert!(out.contains(want), "{line:?} on {}: {out}", fx.backend);
        assert!(!out.contains("4294967295 "), "no day wraps around: {out}");
    }
    // In range but not in the curriculum: the coach's own answer, with the curriculum's days.
    let out = run(&mut c, &["/checkpoint day:100000"]).await;
    assert!(out.contains("Day 100000 is not in this curriculum (days 121-150)"), "{out}");
}

/// `/leaderboard week` and `/studybot settings all`, as the help prints them, do what they say.
async fn bare_choices_bind_the_way_the_help_shows_them(fx: Fixture) {
    let mut c = console(fx.store.clone()).await;
    let out = run(&mut c, &["/checkpoint", "/leaderboard week"]).await;
    assert!(out.contains("Leaderboard — Points (last 7 days)"), "{out}");
    let out = run(&mut c, &["/leaderboard lessons"]).await;
    assert!(out.contains("Leaderboard — Lessons (all time)"), "{out}");
    let out = run(&mut c, &[":as org", "/studybot settings all"]).await;
    assert!(out.contains("catch-up `all`"), "{out}");
    assert!(!out.contains("must be"), "{out}");
    let out = run(&mut c, &["/leaderboard month"]).await;
    assert!(out.contains("Unexpected `month`. Usage: `/leaderboard [optout|optin]"), "{out}");
}

async fn a_member_is_found_by_name_and_commands_elsewhere_say_where_to_go(fx: Fixture) {
    let mut c = console(fx.store.clone()).await;
    let out = run(&mut c, &[":as bo", "/join", ":as ada", "/progress member:@bo"]).await;
    assert!(out.contains("📈 bo — "), "{out}");
    let out = run(&mut c, &[":channel general", "/streak"]).await;
    assert!(out.contains("work in your cohort's channel") && !out.contains("/studybot setup"), "{out}");
    let out = run(&mut c, &["/help"]).await;
    assert!(out.contains("/checkpoint") && !out.contains("/studybot"), "a member's help: {out}");
    let out = run(&mut c, &[":as org", "/streak"]).await;
    assert!(out.contains("/studybot setup curriculum:"), "an admin may start a cohort here: {out}");
    let out = run(&mut c, &["/help"]).await;
    assert!(out.contains("`/studybot help` lists the admin commands"), "{out}");
}

async fn far_clock_moves_answer_too_far(fx: Fixture) {
    let mut c = console(fx.store.clone()).await;
    let before = c.now();
    for line in [
        ":advance 106751991167d",
        ":advance 106751991166d106751991166d",
        ":advance 99999999999999999999999999999s",
        ":advance 3661d",
        ":advance-to 9999-12-31T23:00",
        ":advance-to 2040-01-01T00:00",
    ] {
        let out = run(&mut c, &[line]).await;
        assert!(out.contains("too far: at most 3660 days at a time"), "{line}: {out}");
    }
    let out = run(&mut c, &[":advance -1d", ":advance-to 2020-01-01T00:00", ":advance-to someday"]).await;
    assert!(out.contains("usage: :advance 1d") && out.contains("only moves forward"), "{out}");
    assert!(out.contains("usage: :advance-to"), "{out}");
    assert_eq!(c.now(), before, "the clock did not move");
    let out = run(&mut c, &[":advance 1d", ":now"]).await;
    assert!(out.contains("🕒 Tue 2026-12-08 10:00 UTC"), "{out}");
}

#[tokio::test]
async fn a_line_that_is_not_utf8_or_too_long_is_skipped_and_the_console_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&format!("sqlite://{}", dir.path().join("t.db").display())).await.unwrap();
    let mut c = Console::new(Coach::new(store, Catalog::default()), start(), Vec::new());
    let mut input = b":now\n\xff\xfe bad\n".to_vec();
    input.extend(std::iter::repeat_n(b'/', MAX_LINE + 1));
    input.extend(b"\n:as bob\n/streak\n");
    c.run(&input[..]).await.expect("bad lines do not end the console");
    let out = String::from_utf8(c.into_output()).unwrap();
    assert!(out.contains("line 2 is not valid UTF-8; skipped"), "{out}");
    assert!(out.contains(&format!("line 3 is longer than {MAX_LINE} bytes; skipped")), "{out}");
    assert!(out.contains("(you are bob)") && out.contains("no study cohort"), "lines 4 and 5 ran: {out}");
}

// ── Random lines ──────────────────────────────────────────────────────────────────────────────────

/// Values as typed: numbers of any size and sign, words, dates, links, quotes, control characters.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        (100u32..160).prop_map(|n| n.to_string()),
        "[-+]?[0-9]{1,25}",
        prop::sample::select(vec![
            "121",
            "-1",
            "0",
            "last",
            "done",
            "day:121",
            "m1",
            "✅",
            "A",
            "Submit",
            "on",
            "off",
            "all",
            "week",
            "2026-12-24",
            "2026-02-30",
            "https://example.com/p",
            "\"quoted text\"",
            "\"unclosed",
            "“curly”",
            "1d",
            "3h",
            "30m",
            "2d12h",
            "106751991167d",
            "3661d",
            "2026-12-08T09:00",
            "9999-12-31T00:00",
            "a\0b",
            "\u{1b}[31m",
            "\u{7f}",
            "\t",
            "key:",
            ":",
            "::",
            "/",
            "day:",
            "x:y:z",
            "quiz:1:0:0",
            "review:1:q:0:submit",
            "done:1:121",
        ])
        .prop_map(str::to_string),
        "\\PC{0,12}",
        any::<String>().prop_map(|s| s.chars().take(12).collect()),
    ]
}

fn command_line() -> impl Strategy<Value = String> {
    let names = prop::sample::select(vec![
        "studybot",
        "join",
        "checkpoint",
        "streak",
        "progress",
        "leaderboard",
        "quiz",
        "review",
        "remind",
        "posted",
        "assess",
        "nope",
        "STUDYBOT",
        "",
    ]);
    let subs = prop::sample::select(vec![
        "",
        "help",
        "curricula",
        "setup",
        "pause",
        "resume",
        "skip",
        "set-day",
        "holiday",
        "preview",
        "status",
        "settings",
        "add",
        "remove",
        "frobnicate",
    ]);
    let keys = prop::sample::select(vec![
        "",
        "day:",
        "module:",
        "member:",
        "item:",
        "url:",
        "kind:",
        "by:",
        "action:",
        "period:",
        "state:",
        "curriculum:",
        "start:",
        "schedule:",
        "timezone:",
        "grace:",
        "reminder:",
        "leaderboard:",
        "catchup:",
        "lateness:",
        "quiz:",
        "date:",
        "undo",
        "final",
        "review",
        "colour:",
    ]);
    (names, subs, prop::collection::vec((keys, value()), 0..4)).prop_map(|(name, sub, options)| {
        let options: Vec<String> = options.into_iter().map(|(k, v)| format!("{k}{v}")).collect();
        format!("/{name} {sub} {}", options.join(" "))
    })
}

fn directive_line() -> impl Strategy<Value = String> {
    let directives = prop::sample::select(vec![
        ":as",
        ":admin",
        ":channel",
        ":react",
        ":unreact",
        ":press",
        ":advance",
        ":advance-to",
        ":replay",
        ":now",
        ":help",
        ":nope",
        ":",
    ]);
    (directives, prop::collection::vec(value(), 0..3)).prop_map(|(d, args)| format!("{d} {}", args.join(" ")))
}

fn line() -> impl Strategy<Value = String> {
    prop_oneof![4 => command_line(), 3 => directive_line(), 1 => value()]
}

/// Plays `lines` on a fresh console (after a setup, when `setup`): every line is handled, none
/// panics or fails, and every command gets an answer.
async fn play(setup: bool, lines: &[String]) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&format!("sqlite://{}", dir.path().join("t.db").display())).await.unwrap();
    let mut c = if setup {
        console(store.clone()).await
    } else {
        Console::new(Coach::new(store.clone(), Catalog::default()), start(), Vec::new())
    };
    for line in lines {
        let go_on = c.line(line).await.unwrap_or_else(|e| panic!("{line:?} failed: {e:#}"));
        let out = String::from_utf8(std::mem::take(c.output_mut())).unwrap();
        if line.trim_start().starts_with('/') {
            assert!(!c.replies().is_empty() && !out.is_empty(), "{line:?} got no answer");
            assert!(!out.contains("something went wrong"), "{line:?}: {out}");
        }
        assert!(!out.contains('\0'), "{line:?} echoed a NUL: {out:?}");
        if !go_on {
            break;
        }
    }
    store.close().await;
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn random_console_lines_always_get_an_answer(setup in any::<bool>(), lines in prop::collection::vec(line(), 1..8)) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(play(setup, &lines));
    }
}

/// `/studybot curricula` marks a cycle whose first day follows another's last day.
async fn curricula_say_which_cycle_continues_which(fx: Fixture) {
    let dir = tempfile::tempdir().unwrap();
    support::cycles::write_cycle(dir.path(), "alpha.md", (1, 3), "Alpha");
    support::cycles::write_cycle(dir.path(), "beta.md", (4, 6), "Beta");
    let catalog = Catalog::load_dir(dir.path()).unwrap();
    let mut c = Console::new(Coach::new(fx.store.clone(), catalog), start(), Vec::new());
    let out = run(&mut c, &["/studybot curricula"]).await;
    let line =
        |id: &str| out.lines().find(|l| l.starts_with(&format!("• `{id}`"))).unwrap_or_default().to_string();
    assert!(line("beta").ends_with("(days 4-6, 3 lessons) · continues `alpha`"), "{out}");
    assert!(line("alpha").ends_with("(days 1-3, 3 lessons)"), "the first cycle continues none: {out}");
    // A cycle without a quiz bank has no quizzes, and its setup says so once.
    let setup = run(&mut c, &[":admin org", "/studybot setup curriculum:alpha start:2026-12-07"]).await;
    assert!(setup.contains("This curriculum has no quiz bank, so this cycle has no quizzes."), "{setup}");
}
