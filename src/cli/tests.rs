//! Property tests of the command line: random text in every numeric flag is parsed or refused by clap naming the flag — never a panic.

use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use clap::error::ErrorKind;
use clap::{CommandFactory, Parser};
use proptest::prelude::*;

use super::Cli;
use crate::scheduler::clock::{MAX_ANCHOR_MS, MAX_SPEED};
use crate::scheduler::{Clock, ScaledClock};

const ORIGIN: &str = "2026-12-01T00:00:00Z";

/// Text a person might type where a number goes: numbers of every size and form, and near misses.
fn numberish() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i128>().prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|n| n.to_string()),
        (0u32..40).prop_map(|n| n.to_string()),
        "[-+]?[0-9]{0,25}(\\.[0-9]{0,4})?([eE][-+]?[0-9]{1,4})?",
        prop::sample::select(vec![
            "inf",
            "-inf",
            "+inf",
            "infinity",
            "NaN",
            "nan",
            "-0",
            "0x10",
            "1_000",
            " 5",
            "5 ",
            "",
            "1e7",
            "1e300",
            "4.9e-324",
            "18446744073709551615",
            "18446744073709551616",
            "١٢",
            "٣.5",
        ])
        .prop_map(str::to_string),
        "\\PC{0,12}",
    ]
}

/// Parses `args`; a refusal must be clap's own error about `flag`, never a panic.
fn parse(args: &[&str], flag: &str) -> Option<clap::ArgMatches> {
    let mut argv = vec!["studybot"];
    argv.extend_from_slice(args);
    match Cli::command().try_get_matches_from(argv) {
        Ok(matches) => Some(matches),
        Err(e) => {
            let known = [ErrorKind::ValueValidation, ErrorKind::InvalidValue, ErrorKind::UnknownArgument];
            assert!(known.contains(&e.kind()), "{:?}: {e}", e.kind());
            let text = e.to_string();
            // A value starting with `-` is read as another flag: clap says which it found.
            assert!(text.contains(flag) || e.kind() == ErrorKind::UnknownArgument, "{text}");
            None
        }
    }
}

fn sub<'a>(matches: &'a clap::ArgMatches, name: &str) -> &'a clap::ArgMatches {
    matches.subcommand_matches(name).expect("the subcommand was given")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn clock_speed_is_finite_positive_and_bounded(text in numberish()) {
        let args = ["run", "--clock-origin", ORIGIN, "--clock-speed", &text];
        if let Some(m) = parse(&args, "--clock-speed") {
            let speed = *sub(&m, "run").get_one::<f64>("clock_speed").unwrap();
            prop_assert!(speed.is_finite() && speed > 0.0 && speed <= MAX_SPEED, "{speed}");
            let clock = ScaledClock::new(ORIGIN.parse().unwrap(), SystemTime::now(), speed);
            let _ = clock.real_until(clock.now() + chrono::Duration::days(30));
        }
    }

    #[test]
    fn clock_anchor_stays_within_what_chrono_represents(text in numberish(), speed in 1e-3f64..=MAX_SPEED) {
        let speed_text = speed.to_string();
        let args = ["run", "--clock-origin", ORIGIN, "--clock-speed", &speed_text, "--clock-anchor-ms", &text];
        if let Some(m) = parse(&args, "--clock-anchor-ms") {
            let ms = *sub(&m, "run").get_one::<u64>("clock_anchor_ms").unwrap();
            prop_assert!(ms <= MAX_ANCHOR_MS);
            let origin: DateTime<Utc> = ORIGIN.parse().unwrap();
            let clock = ScaledClock::new(origin, SystemTime::UNIX_EPOCH + Duration::from_millis(ms), speed);
            let _ = clock.real_until(clock.now());
        }
    }

    #[test]
    fn clock_origin_is_a_date_or_refused(text in prop_oneof![
        "[+-]?[0-9]{1,6}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(Z|[+-][0-9]{2}:[0-9]{2})",
        numberish(),
    ]) {
        let args = ["run", "--clock-origin", &text, "--clock-speed", "1e7", "--clock-anchor-ms", "0"];
        if let Some(m) = parse(&args, "--clock-origin") {
            let origin = *sub(&m, "run").get_one::<DateTime<Utc>>("clock_origin").unwrap();
            let clock = ScaledClock::new(origin, SystemTime::UNIX_EPOCH, MAX_SPEED);
            let _ = clock.real_until(clock.now());
        }
    }

    #[test]
    fn small_counts_have_their_ranges(text in numberish()) {
        if let Some(m) = parse(&["run", "--lease-poll", &text], "--lease-poll") {
            prop_assert!((1..=300).contains(sub(&m, "run").get_one::<u64>("lease_poll").unwrap()));
        }
        if let Some(m) = parse(&["schedule", "--cron", "0 9 * * *", "--tz", "UTC", "--count", &text], "--count") {
            prop_assert!((1..=1000).contains(sub(&m, "schedule").get_one::<u16>("count").unwrap()));
        }
        if let Some(m) = parse(&["demo", "--members", &text], "--members") {
            prop_assert!((1..=12).contains(sub(&m, "demo").get_one::<u8>("members").unwrap()));
        }
        parse(&["demo", "--seed", &text], "--seed");
        parse(&["curriculum", "show", "f.md", "--day", &text], "--day");
    }
}

#[test]
fn the_reported_inputs_are_refused_naming_the_flag() {
    let run = |speed: &str, anchor: &str| {
        let (speed, anchor) = (format!("--clock-speed={speed}"), format!("--clock-anchor-ms={anchor}"));
        let argv = ["studybot", "run", "--clock-origin", ORIGIN, &speed, &anchor];
        Cli::try_parse_from(argv).map(|_| ()).map_err(|e| e.to_string())
    };
    for speed in ["inf", "1e300", "0", "NaN", "-1", "10000001"] {
        let err = run(speed, "0").unwrap_err();
        assert!(
            err.contains("--clock-speed") && err.contains("finite number greater than 0 and at most 1e7"),
            "{err}"
        );
    }
    let anchor = run("60", "18446744073709551615").unwrap_err();
    assert!(anchor.contains("--clock-anchor-ms") && anchor.contains("0..=253402300799999"), "{anchor}");
    assert_eq!(run("1e7", "253402300799999"), Ok(()));
    let members = Cli::try_parse_from(["studybot", "demo", "--members", "13"]).unwrap_err().to_string();
    assert!(members.contains("--members") && members.contains("1..=12"), "{members}");
}
