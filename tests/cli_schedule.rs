//! `studybot schedule` as an organizer runs it: one instant per lesson date across DST changes.

use std::process::{Command, Output};

/// Runs the binary in an empty directory with a config path that doesn't exist, which proves
/// the command needs neither a config file nor a database.
fn studybot(args: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_studybot"))
        .args(args)
        .current_dir(dir.path())
        .env_remove("RUST_LOG")
        .env("STUDYBOT_CONFIG", dir.path().join("missing.toml"))
        .output()
        .expect("the studybot binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The printed lines of a run that must succeed.
fn lines(args: &[&str]) -> Vec<String> {
    let out = studybot(args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    String::from_utf8(out.stdout).unwrap().lines().map(str::to_string).collect()
}

fn schedule(cron: &str, tz: &str, from: &str, count: &str) -> Vec<String> {
    lines(&["schedule", "--cron", cron, "--tz", tz, "--from", from, "--count", count])
}

/// The local dates (first 10 characters) of the lines, which must all differ.
fn dates(lines: &[String]) -> Vec<&str> {
    let dates: Vec<&str> = lines.iter().map(|l| &l[..10]).collect();
    let mut unique = dates.clone();
    unique.dedup();
    assert_eq!(unique, dates, "a date appears twice");
    dates
}

#[test]
fn berlin_spring_forward_moves_the_skipped_time_to_after_the_gap() {
    let out = schedule("30 2 * * *", "Europe/Berlin", "2026-03-27", "5");
    assert_eq!(
        out,
        [
            "2026-03-27T02:30:00+01:00",
            "2026-03-28T02:30:00+01:00",
            "2026-03-29T03:00:00+02:00",
            "2026-03-30T02:30:00+02:00",
            "2026-03-31T02:30:00+02:00",
        ]
    );
    assert_eq!(dates(&out), ["2026-03-27", "2026-03-28", "2026-03-29", "2026-03-30", "2026-03-31"]);
}

#[test]
fn berlin_fall_back_takes_the_repeated_time_once_at_its_first_occurrence() {
    let out = schedule("30 2 * * *", "Europe/Berlin", "2026-10-23", "5");
    assert_eq!(
        out,
        [
            "2026-10-23T02:30:00+02:00",
            "2026-10-24T02:30:00+02:00",
            "2026-10-25T02:30:00+02:00",
            "2026-10-26T02:30:00+01:00",
            "2026-10-27T02:30:00+01:00",
        ]
    );
    assert_eq!(dates(&out), ["2026-10-23", "2026-10-24", "2026-10-25", "2026-10-26", "2026-10-27"]);
}

#[test]
fn a_daily_schedule_lists_every_date_once_through_a_whole_year() {
    let out = schedule("30 2 * * *", "Europe/Berlin", "2026-01-01", "365");
    let dates: Vec<chrono::NaiveDate> = dates(&out).iter().map(|d| d.parse().unwrap()).collect();
    assert_eq!(dates.len(), 365);
    assert_eq!(dates[0].to_string(), "2026-01-01");
    // None missing: each date is the day after the one before.
    assert!(dates.windows(2).all(|w| w[0].succ_opt() == Some(w[1])), "{dates:?}");
}

#[test]
fn weekdays_skip_the_weekend_in_new_york_across_both_2026_transitions() {
    let march = schedule("0 9 * * MON-FRI", "America/New_York", "2026-03-05", "4");
    assert_eq!(
        march,
        [
            "2026-03-05T09:00:00-05:00",
            "2026-03-06T09:00:00-05:00",
            "2026-03-09T09:00:00-04:00",
            "2026-03-10T09:00:00-04:00"
        ]
    );
    let november = schedule("0 9 * * MON-FRI", "America/New_York", "2026-10-29", "4");
    assert_eq!(
        november,
        [
            "2026-10-29T09:00:00-04:00",
            "2026-10-30T09:00:00-04:00",
            "2026-11-02T09:00:00-05:00",
            "2026-11-03T09:00:00-05:00"
        ]
    );
}

#[test]
fn new_york_transition_nights_get_exactly_one_lesson() {
    let spring = schedule("30 2 * * *", "America/New_York", "2026-03-07", "3");
    assert_eq!(
        spring,
        ["2026-03-07T02:30:00-05:00", "2026-03-08T03:00:00-04:00", "2026-03-09T02:30:00-04:00"]
    );
    let fall = schedule("30 1 * * *", "America/New_York", "2026-10-31", "3");
    assert_eq!(fall, ["2026-10-31T01:30:00-04:00", "2026-11-01T01:30:00-04:00", "2026-11-02T01:30:00-05:00"]);
}

#[test]
fn from_lists_only_instants_strictly_after_it_in_every_form() {
    let cron = "0 9 * * *";
    let first = |from: &str| schedule(cron, "Europe/Berlin", from, "1").remove(0);
    // Exactly at a fire: that fire is not listed.
    assert_eq!(first("2026-03-27T09:00:00+01:00"), "2026-03-28T09:00:00+01:00");
    assert_eq!(first("2026-03-27T08:00:00Z"), "2026-03-28T09:00:00+01:00");
    assert_eq!(first("2026-03-27T07:59:59Z"), "2026-03-27T09:00:00+01:00");
    // Without an offset the time is local to --tz.
    assert_eq!(first("2026-03-27T08:59"), "2026-03-27T09:00:00+01:00");
    assert_eq!(first("2026-03-27T09:00"), "2026-03-28T09:00:00+01:00");
    assert_eq!(first("2026-03-27"), "2026-03-27T09:00:00+01:00");
}

#[test]
fn count_defaults_to_ten_and_utc_shows_a_numeric_offset() {
    let out = lines(&["schedule", "--cron", "0 9 * * *", "--tz", "UTC", "--from", "2026-01-01"]);
    assert_eq!(out.len(), 10);
    assert_eq!(out[0], "2026-01-01T09:00:00+00:00");
}

#[test]
fn without_from_the_instants_are_in_the_future() {
    let out = lines(&["schedule", "--cron", "0 9 * * MON-FRI", "--tz", "Europe/Berlin", "--count", "3"]);
    assert_eq!(out.len(), 3);
    assert!(out[0].as_str() >= "2026", "{out:?}");
    // Only the dates compare as text: the offsets may differ across a clock change.
    assert!(out[0][..10] < out[1][..10] && out[1][..10] < out[2][..10], "{out:?}");
}

#[test]
fn a_bad_cron_exits_1_with_an_example() {
    for cron in ["0 9 * *", "0 25 * * *", "0 9 * * BEAR"] {
        let out = studybot(&["schedule", "--cron", cron, "--tz", "Europe/Berlin"]);
        assert_eq!(out.status.code(), Some(1), "{cron}");
        let err = stderr(&out);
        assert!(err.starts_with("error: schedule `"), "{err}");
        assert!(err.contains(r#"try --cron "0 9 * * MON-FRI" --tz Europe/Berlin"#), "{err}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn a_bad_timezone_exits_1_with_an_example() {
    let out = studybot(&["schedule", "--cron", "0 9 * * *", "--tz", "Europe/Berlinn"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("unknown timezone `Europe/Berlinn`"), "{err}");
    assert!(err.contains("--tz Europe/Berlin"), "{err}");
}

#[test]
fn a_bad_from_exits_1_with_an_example() {
    let out = studybot(&["schedule", "--cron", "0 9 * * *", "--tz", "UTC", "--from", "27.03.2026"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("--from `27.03.2026`") && err.contains("2026-03-27T08:00"), "{err}");
}

#[test]
fn a_100_kb_cron_or_timezone_is_quoted_cut_short() {
    let long = "x".repeat(100 * 1024);
    let cases = [
        (long.clone(), "UTC".to_string()),
        (format!("0 9 * * {long}"), "UTC".into()),
        (format!("0 9{} * * *", " ".repeat(100 * 1024)), "UTC".into()),
        (format!("0 {} * * *", "1".repeat(100 * 1024)), "UTC".into()),
        ("0 9 * * *".into(), long.clone()),
        ("0 9 * * *".into(), "UTC".into()),
    ];
    for (cron, tz) in cases {
        let out = studybot(&["schedule", "--cron", &cron, "--tz", &tz, "--from", &long]);
        assert_eq!(out.status.code(), Some(1));
        let err = stderr(&out);
        assert!(err.len() < 600, "{} bytes: {err}", err.len());
        assert!(err.contains("…`"), "the quote says it was cut: {err}");
    }
}

#[test]
fn a_schedule_that_never_fires_is_an_error() {
    let out = studybot(&["schedule", "--cron", "0 9 30 2 *", "--tz", "UTC"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("never fires"), "{}", stderr(&out));
}

#[test]
fn count_outside_1_to_1000_is_refused() {
    for count in ["0", "1001", "-3", "ten"] {
        // `--count=-3` in one word, else clap reads `-3` as a flag rather than a bad value.
        let out = studybot(&["schedule", "--cron", "0 9 * * *", "--tz", "UTC", &format!("--count={count}")]);
        assert!(!out.status.success(), "--count {count}");
        let err = stderr(&out);
        assert!(err.contains("--count"), "{err}");
        assert!(out.stdout.is_empty());
    }
    let err = stderr(&studybot(&["schedule", "--cron", "0 9 * * *", "--tz", "UTC", "--count", "0"]));
    assert!(err.contains("0 is not in 1..=1000"), "{err}");
}

#[test]
fn help_explains_every_option_with_an_example() {
    let top = lines(&["--help"]).join("\n");
    assert!(top.contains("schedule"), "{top}");
    let help = lines(&["schedule", "--help"]).join("\n");
    for part in [
        "--cron <EXPR>",
        "0 9 * * MON-FRI",
        "--tz <TZ>",
        "Europe/Berlin",
        "--from <DATETIME>",
        "2026-03-27T08:00",
        "--count <N>",
        "[default: 10]",
        "2026-03-29T03:00:00+02:00",
    ] {
        assert!(help.contains(part), "--help lacks {part:?}:\n{help}");
    }
}
