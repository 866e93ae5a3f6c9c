//! Tests for cron parsing, fire dates, timezones and the DST rules of `local_instant`/`upcoming`.

use chrono::{Datelike, NaiveDate, NaiveTime, SecondsFormat};
use proptest::prelude::*;

use super::*;

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn time(s: &str) -> NaiveTime {
    s.parse().unwrap()
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

fn tz(name: &str) -> Timezone {
    Timezone::parse(name).unwrap()
}

fn rfc3339(at: &DateTime<Tz>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[test]
fn parse_accepts_five_six_and_seven_fields_and_shorthands() {
    for expr in
        ["0 9 * * MON-FRI", " 0 9 * * 1-5 ", "30 2 * * *", "0 0 9 * * Mon-Fri", "0 0 9 * * * 2026", "@daily"]
    {
        let spec = CronSpec::parse(expr).unwrap_or_else(|e| panic!("{expr}: {e}"));
        assert_eq!(spec.as_str(), expr.trim());
    }
}

#[test]
fn parse_errors_say_what_is_wrong_and_show_an_example() {
    let cases = [
        ("", "has 0 fields"),
        ("0 9 * *", "has 4 fields"),
        ("0 0 9 * * * 2026 x", "has 8 fields"),
        ("0 25 * * *", "(Hours must be less than 23. ('25' specified.))"),
        ("0 9 ** * *", "`**`: `*` and `?` stand alone"),
        ("0 9 * * MON-", "a field is malformed"),
        ("0 9 * * 8", "day-of-week `8` is out of range"),
        ("0 9 * * 5-1", "runs backwards"),
        ("0 9 * * BEAR", "not a valid cron expression"),
    ];
    for (expr, expected) in cases {
        let message = CronSpec::parse(expr).expect_err(expr).to_string();
        assert!(message.contains(expected), "{expr}: {message}");
        assert!(message.contains("`0 9 * * MON-FRI` = weekdays at 09:00"), "{expr}: {message}");
        // The cron crate's echo of our rewritten expression and its caret are dropped.
        assert!(!message.contains('\n') && !message.contains('^'), "{expr}: {message}");
    }
}

#[test]
fn wildcards_glued_to_other_text_are_caught() {
    let cases = [
        ("*", false),
        ("?", false),
        ("*/15", false),
        ("1-5", false),
        ("*,5", false),
        ("MON-FRI/2", false),
        ("**", true),
        ("*5", true),
        ("5*", true),
        ("1-*", true),
        ("*/*", true),
        ("?*", true),
    ];
    for (field, glued) in cases {
        assert_eq!(has_glued_wildcard(field), glued, "{field}");
    }
}

#[test]
fn equality_is_by_expression() {
    let weekdays = CronSpec::parse("0 9 * * MON-FRI").unwrap();
    assert_eq!(weekdays, CronSpec::parse("  0 9 * * MON-FRI").unwrap());
    assert_ne!(weekdays, CronSpec::parse("0 9 * * 1-5").unwrap());
    assert_eq!(weekdays.to_string(), "0 9 * * MON-FRI");
}

#[test]
fn fire_time_on_uses_unix_day_numbers_in_the_five_field_form() {
    // 2026-03-01 is a Sunday, 2026-03-02 a Monday, 2026-03-07 a Saturday.
    let cases = [
        ("0 9 * * 1-5", "2026-03-02", Some("09:00:00")),
        ("0 9 * * 1-5", "2026-03-07", None),
        ("0 9 * * 1-5", "2026-03-01", None),
        ("0 9 * * 0", "2026-03-01", Some("09:00:00")),
        ("0 9 * * 7", "2026-03-01", Some("09:00:00")),
        ("0 9 * * 0,6", "2026-03-07", Some("09:00:00")),
        ("0 9 * * 0,6", "2026-03-02", None),
        ("0 9 * * MON-FRI", "2026-03-02", Some("09:00:00")),
        // The cron crate's own form keeps its numbering: 2 = Monday.
        ("0 0 9 * * 2", "2026-03-02", Some("09:00:00")),
        ("0 0 9 * * 2", "2026-03-03", None),
        ("0 9,17 * * *", "2026-03-02", Some("09:00:00")),
        ("*/15 * * * *", "2026-03-02", Some("00:00:00")),
        ("30 2 * * *", "2026-03-29", Some("02:30:00")),
        ("30 2 * * *", "2026-10-25", Some("02:30:00")),
        ("0 9 30 2 *", "2026-03-02", None),
        ("0 9 1 * *", "2026-03-01", Some("09:00:00")),
        ("0 9 1 * *", "2026-03-02", None),
    ];
    for (expr, day, expected) in cases {
        let spec = CronSpec::parse(expr).unwrap();
        assert_eq!(spec.fire_time_on(date(day)), expected.map(time), "{expr} on {day}");
    }
}

#[test]
fn fire_dates_skip_non_firing_dates_and_stop_at_until() {
    let spec = CronSpec::parse("0 9 * * MON-FRI").unwrap();
    let dates: Vec<NaiveDate> =
        spec.fire_dates(date("2026-03-05"), date("2026-03-10")).map(|(d, _)| d).collect();
    let expected: Vec<NaiveDate> =
        ["2026-03-05", "2026-03-06", "2026-03-09", "2026-03-10"].into_iter().map(date).collect();
    assert_eq!(dates, expected);
    let never = CronSpec::parse("0 9 30 2 *").unwrap();
    assert_eq!(never.fire_dates(date("2026-01-01"), date("2030-01-01")).count(), 0);
}

#[test]
fn timezone_parse_display_and_errors() {
    assert_eq!(tz("Europe/Berlin").tz(), chrono_tz::Europe::Berlin);
    assert_eq!(tz(" europe/berlin ").name(), "Europe/Berlin");
    assert_eq!(tz("utc").to_string(), "UTC");
    let message = Timezone::parse("Mars/Olympus").unwrap_err().to_string();
    assert!(message.contains("`Mars/Olympus`"), "{message}");
    assert!(message.contains("Europe/Berlin") && message.contains("America/New_York"), "{message}");
}

#[test]
fn local_instant_handles_dst_gaps_and_repeats() {
    let cases = [
        ("Europe/Berlin", "2026-01-15", "09:00", "2026-01-15T08:00:00Z"),
        ("Europe/Berlin", "2026-07-15", "09:00", "2026-07-15T07:00:00Z"),
        // Gap: 02:00–03:00 doesn't exist; the first valid instant after it is 03:00+02:00.
        ("Europe/Berlin", "2026-03-29", "02:30", "2026-03-29T01:00:00Z"),
        ("Europe/Berlin", "2026-03-29", "03:00", "2026-03-29T01:00:00Z"),
        // Repeat: 02:30 happens at +02:00 and again at +01:00; the first one counts.
        ("Europe/Berlin", "2026-10-25", "02:30", "2026-10-25T00:30:00Z"),
        ("America/New_York", "2026-03-08", "02:30", "2026-03-08T07:00:00Z"),
        ("America/New_York", "2026-11-01", "01:30", "2026-11-01T05:30:00Z"),
        ("America/New_York", "2026-11-01", "02:30", "2026-11-01T07:30:00Z"),
        ("UTC", "2026-03-29", "02:30", "2026-03-29T02:30:00Z"),
    ];
    for (zone, day, at, expected) in cases {
        let got = local_instant(tz(zone).tz(), date(day), time(&format!("{at}:00")));
        assert_eq!(got, utc(expected), "{zone} {day} {at}");
    }
}

#[test]
fn upcoming_lists_one_instant_per_local_date_across_dst() {
    let cases = [
        (
            "Europe/Berlin",
            "2026-03-27T12:00:00Z",
            vec!["2026-03-28T02:30:00+01:00", "2026-03-29T03:00:00+02:00", "2026-03-30T02:30:00+02:00"],
        ),
        (
            "Europe/Berlin",
            "2026-10-24T12:00:00Z",
            vec!["2026-10-25T02:30:00+02:00", "2026-10-26T02:30:00+01:00"],
        ),
        (
            "America/New_York",
            "2026-03-07T12:00:00Z",
            vec!["2026-03-08T03:00:00-04:00", "2026-03-09T02:30:00-04:00"],
        ),
        (
            "America/New_York",
            "2026-10-31T12:00:00Z",
            vec!["2026-11-01T02:30:00-05:00", "2026-11-02T02:30:00-05:00"],
        ),
        // Strictly after: a fire exactly at `after` is not listed.
        ("UTC", "2026-03-28T02:30:00Z", vec!["2026-03-29T02:30:00Z"]),
    ];
    let spec = CronSpec::parse("30 2 * * *").unwrap();
    for (zone, after, expected) in cases {
        let got: Vec<String> =
            upcoming(&spec, &tz(zone), utc(after), expected.len()).iter().map(rfc3339).collect();
        assert_eq!(got, expected, "{zone} after {after}");
    }
}

#[test]
fn upcoming_skips_weekends_and_is_bounded() {
    let weekdays = CronSpec::parse("0 9 * * MON-FRI").unwrap();
    let berlin = tz("Europe/Berlin");
    let got: Vec<String> =
        upcoming(&weekdays, &berlin, utc("2026-03-06T09:00:00Z"), 2).iter().map(rfc3339).collect();
    assert_eq!(got, ["2026-03-09T09:00:00+01:00", "2026-03-10T09:00:00+01:00"]);
    assert!(upcoming(&weekdays, &berlin, utc("2026-03-06T09:00:00Z"), 0).is_empty());
    let never = CronSpec::parse("0 9 30 2 *").unwrap();
    assert!(upcoming(&never, &berlin, utc("2026-01-01T00:00:00Z"), 3).is_empty());
    let leap_day = CronSpec::parse("0 9 29 2 *").unwrap();
    let got: Vec<String> =
        upcoming(&leap_day, &berlin, utc("2026-01-01T00:00:00Z"), 5).iter().map(rfc3339).collect();
    assert_eq!(got, ["2028-02-29T09:00:00+01:00"], "only one leap day within the 5-year horizon");
}

/// A numeric day-of-week item in Unix meaning: a point, a range, or a range with a step.
fn day_of_week_item() -> impl Strategy<Value = (String, Vec<u32>)> {
    (0u32..=7, 0u32..=7, 1u32..=3).prop_map(|(a, b, step)| {
        let (lo, hi) = (a.min(b), a.max(b));
        let text = match (lo == hi, step) {
            (true, _) => lo.to_string(),
            (false, 1) => format!("{lo}-{hi}"),
            (false, _) => format!("{lo}-{hi}/{step}"),
        };
        (text, (lo..=hi).step_by(step as usize).map(|d| d % 7).collect())
    })
}

proptest! {
    #[test]
    fn numeric_day_of_week_fires_on_the_unix_days(
        items in prop::collection::vec(day_of_week_item(), 1..4),
        week_offset in 0u64..500,
    ) {
        let field: Vec<String> = items.iter().map(|(text, _)| text.clone()).collect();
        let spec = CronSpec::parse(&format!("0 9 * * {}", field.join(","))).unwrap();
        let sunday = date("2026-03-01").checked_add_days(Days::new(7 * week_offset)).unwrap();
        for offset in 0..7 {
            let day = sunday.checked_add_days(Days::new(offset)).unwrap();
            let expected = items.iter().any(|(_, days)| days.contains(&day.weekday().num_days_from_sunday()));
            prop_assert_eq!(spec.fire_time_on(day).is_some(), expected, "{} on {}", spec.as_str(), day);
        }
    }

    #[test]
    fn upcoming_is_strictly_increasing_one_per_local_date(
        hour in 0u32..24, minute in 0u32..60, days_ahead in 0i64..3000, zone in 0usize..4,
    ) {
        let zones = ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "UTC"];
        let spec = CronSpec::parse(&format!("{minute} {hour} * * *")).unwrap();
        let zone = tz(zones[zone]);
        let after = utc("2024-01-01T00:00:00Z") + TimeDelta::days(days_ahead);
        let got = upcoming(&spec, &zone, after, 10);
        prop_assert_eq!(got.len(), 10);
        prop_assert!(got[0] > after);
        for pair in got.windows(2) {
            prop_assert!(pair[0] < pair[1]);
            prop_assert_eq!(pair[0].date_naive().succ_opt().unwrap(), pair[1].date_naive());
        }
    }
}
