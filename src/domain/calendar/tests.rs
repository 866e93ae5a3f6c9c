//! Tests for lesson dates and day numbering: weekends, holidays, pauses, skips, set-days, DST.

use chrono::{NaiveDate, TimeDelta};

use super::*;
use crate::domain::day;

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

/// A weekday 09:00 Berlin cohort starting Monday 2026-03-02 (09:00 = 08:00Z in March).
fn weekdays(days: impl IntoIterator<Item = u32>) -> Calendar {
    let days: Vec<DayNumber> = days.into_iter().map(day).collect();
    Calendar {
        start: date("2026-03-02"),
        first_day: days.first().copied().unwrap_or(day(1)),
        days,
        schedule: CronSpec::parse("0 9 * * MON-FRI").unwrap(),
        timezone: Timezone::parse("Europe/Berlin").unwrap(),
        holidays: BTreeSet::new(),
        pauses: Vec::new(),
        adjustments: Vec::new(),
    }
}

fn with(mut calendar: Calendar, change: impl FnOnce(&mut Calendar)) -> Calendar {
    change(&mut calendar);
    calendar
}

fn pause(from: &str, until: Option<&str>) -> Pause {
    Pause { from: utc(from), until: until.map(utc) }
}

fn skip(day: &str) -> Adjustment {
    Adjustment::Skip { date: date(day) }
}

fn set_day(on: &str, to: u32) -> Adjustment {
    Adjustment::SetDay { date: date(on), day: day(to) }
}

fn dated(slots: &[Slot]) -> Vec<(String, u32)> {
    slots.iter().map(|slot| (slot.date.to_string(), slot.day.get())).collect()
}

fn expect(pairs: &[(&str, u32)]) -> Vec<(String, u32)> {
    pairs.iter().map(|(day, n)| (format!("2026-03-{day}"), *n)).collect()
}

/// (what the case shows, the calendar, its slots as (date, day)).
type Case = (&'static str, Calendar, Vec<(String, u32)>);

#[test]
fn lesson_dates_and_day_numbers() {
    let cases: Vec<Case> = vec![
        (
            "Mon-Fri schedule keeps going over the weekend",
            weekdays(121..=127),
            expect(&[
                ("02", 121),
                ("03", 122),
                ("04", 123),
                ("05", 124),
                ("06", 125),
                ("09", 126),
                ("10", 127),
            ]),
        ),
        (
            "a holiday is not a lesson date",
            with(weekdays(121..=125), |c| {
                c.holidays.insert(date("2026-03-04"));
            }),
            expect(&[("02", 121), ("03", 122), ("05", 123), ("06", 124), ("09", 125)]),
        ),
        (
            "a pause spanning two dates",
            with(weekdays(121..=125), |c| {
                c.pauses.push(pause("2026-03-03T00:00:00Z", Some("2026-03-05T00:00:00Z")))
            }),
            expect(&[("02", 121), ("05", 122), ("06", 123), ("09", 124), ("10", 125)]),
        ),
        (
            "a pause covers [from, until): from is inclusive, until exclusive",
            with(weekdays(121..=123), |c| {
                c.pauses.push(pause("2026-03-03T08:00:00Z", Some("2026-03-04T08:00:00Z")))
            }),
            expect(&[("02", 121), ("04", 122), ("05", 123)]),
        ),
        (
            "a pause that is still open ends the slots",
            with(weekdays(121..=125), |c| c.pauses.push(pause("2026-03-04T00:00:00Z", None))),
            expect(&[("02", 121), ("03", 122)]),
        ),
        (
            "a skip moves the next post to the next lesson date",
            with(weekdays(121..=125), |c| c.adjustments.extend([skip("2026-03-03"), skip("2026-03-07")])),
            expect(&[("02", 121), ("04", 122), ("05", 123), ("06", 124), ("09", 125)]),
        ),
        (
            "set-day forward leaves out the days jumped over",
            with(weekdays(121..=125), |c| c.adjustments.push(set_day("2026-03-04", 124))),
            expect(&[("02", 121), ("03", 122), ("04", 124), ("05", 125)]),
        ),
        (
            "set-day back repeats days",
            with(weekdays(121..=123), |c| c.adjustments.push(set_day("2026-03-04", 121))),
            expect(&[("02", 121), ("03", 122), ("04", 121), ("05", 122), ("06", 123)]),
        ),
        (
            "set-day on a weekend applies to the next lesson date; the later of two waiting wins",
            with(weekdays(121..=130), |c| {
                c.adjustments.extend([set_day("2026-03-08", 129), set_day("2026-03-07", 127)])
            }),
            expect(&[
                ("02", 121),
                ("03", 122),
                ("04", 123),
                ("05", 124),
                ("06", 125),
                ("09", 129),
                ("10", 130),
            ]),
        ),
        (
            "set-day to a day not in the curriculum is ignored",
            with(weekdays(121..=122), |c| c.adjustments.push(set_day("2026-03-03", 999))),
            expect(&[("02", 121), ("03", 122)]),
        ),
        (
            "set-day after the curriculum ended is ignored",
            with(weekdays(121..=122), |c| c.adjustments.push(set_day("2026-03-10", 121))),
            expect(&[("02", 121), ("03", 122)]),
        ),
        (
            "start on a non-lesson date waits for the first lesson date",
            with(weekdays(121..=122), |c| c.start = date("2026-03-07")),
            expect(&[("09", 121), ("10", 122)]),
        ),
        (
            "first_day in the middle",
            with(weekdays(121..=125), |c| c.first_day = day(123)),
            expect(&[("02", 123), ("03", 124), ("04", 125)]),
        ),
        (
            "first_day not in the curriculum starts at the next day above it",
            with(weekdays([121, 123, 125, 127]), |c| c.first_day = day(122)),
            expect(&[("02", 123), ("03", 125), ("04", 127)]),
        ),
        (
            "a curriculum with gaps in its day numbers",
            weekdays([121, 122, 125, 126]),
            expect(&[("02", 121), ("03", 122), ("04", 125), ("05", 126)]),
        ),
        ("no curriculum days, no slots", weekdays([]), vec![]),
        (
            "first_day beyond the curriculum, no slots",
            with(weekdays(121..=125), |c| c.first_day = day(151)),
            vec![],
        ),
        (
            "a schedule that never fires ends within the horizon",
            with(weekdays(121..=125), |c| c.schedule = CronSpec::parse("0 9 30 2 *").unwrap()),
            vec![],
        ),
    ];
    for (name, calendar, expected) in cases {
        assert_eq!(dated(&calendar.slots()), expected, "{name}");
    }
}

#[test]
fn dst_gives_exactly_one_slot_per_local_date() {
    // A daily 02:30 lesson across the 2026 transitions: EU Mar 29 / Oct 25, US Mar 8 / Nov 1.
    let cases = [
        ("Europe/Berlin", "30 2 * * *", "2026-03-27", ["01:30", "01:30", "01:00", "00:30", "00:30"]),
        ("Europe/Berlin", "30 2 * * *", "2026-10-23", ["00:30", "00:30", "00:30", "01:30", "01:30"]),
        ("America/New_York", "30 2 * * *", "2026-03-06", ["07:30", "07:30", "07:00", "06:30", "06:30"]),
        ("America/New_York", "30 2 * * *", "2026-10-30", ["06:30", "06:30", "07:30", "07:30", "07:30"]),
        // 01:30 is the hour New York repeats: the first (EDT) one counts.
        ("America/New_York", "30 1 * * *", "2026-10-30", ["05:30", "05:30", "05:30", "06:30", "06:30"]),
    ];
    for (zone, schedule, start, utc_times) in cases {
        let calendar = with(weekdays(1..=5), |c| {
            c.timezone = Timezone::parse(zone).unwrap();
            c.schedule = CronSpec::parse(schedule).unwrap();
            c.start = date(start);
        });
        let got: Vec<(NaiveDate, u32, DateTime<Utc>)> =
            calendar.slots().iter().map(|slot| (slot.date, slot.day.get(), slot.at)).collect();
        let expected: Vec<(NaiveDate, u32, DateTime<Utc>)> = (0..5)
            .map(|i| {
                let day = date(start) + TimeDelta::days(i);
                (day, i as u32 + 1, utc(&format!("{day}T{}:00Z", utc_times[i as usize])))
            })
            .collect();
        assert_eq!(got, expected, "{zone} {schedule} from {start}");
    }
}

#[test]
fn due_next_and_completion_follow_now() {
    let calendar = weekdays(121..=127);
    // (now, due, next, number of due slots, complete)
    let cases = [
        ("2026-03-02T07:59:59Z", None, Some(121), 0, false),
        ("2026-03-02T08:00:00Z", Some(121), Some(122), 1, false),
        ("2026-03-07T12:00:00Z", Some(125), Some(126), 5, false),
        ("2026-03-10T07:59:59Z", Some(126), Some(127), 6, false),
        ("2026-03-10T08:00:00Z", Some(127), None, 7, true),
        ("2027-01-01T00:00:00Z", Some(127), None, 7, true),
    ];
    for (now, due, next, due_count, complete) in cases {
        let now = utc(now);
        assert_eq!(calendar.computed().due(now).map(|slot| slot.day.get()), due, "due at {now}");
        assert_eq!(calendar.computed().next(now).map(|slot| slot.day.get()), next, "next at {now}");
        assert_eq!(calendar.computed().due_slots(now).len(), due_count, "due_slots at {now}");
        assert_eq!(calendar.computed().is_complete(now), complete, "complete at {now}");
    }
}

#[test]
fn a_cycle_ended_early_has_only_the_slots_it_had_then() {
    // Ended on Wednesday 4 March at noon: days 121-123 went out, 124-127 never will.
    let slots = weekdays(121..=127).computed().ended_at(utc("2026-03-04T12:00:00Z"));
    let later = utc("2027-01-01T00:00:00Z");
    assert_eq!(slots.due_slots(later).len(), 3);
    assert_eq!(slots.due(later).map(|slot| slot.day.get()), Some(123));
    assert_eq!(slots.next(later), None);
    assert!(!slots.is_complete(later), "ended, not completed by the calendar");
}

#[test]
fn slot_of_finds_the_first_slot_carrying_a_day() {
    let calendar = with(weekdays(121..=123), |c| c.adjustments.push(set_day("2026-03-04", 121)));
    let first = Slot { day: day(121), date: date("2026-03-02"), at: utc("2026-03-02T08:00:00Z") };
    assert_eq!(calendar.computed().slot_of(day(121)), Some(first));
    assert_eq!(calendar.computed().slot_of(day(123)).map(|slot| slot.date), Some(date("2026-03-06")));
    assert_eq!(calendar.computed().slot_of(day(124)), None);
}

#[test]
fn an_open_pause_keeps_the_cohort_incomplete() {
    let calendar = with(weekdays(121..=123), |c| c.pauses.push(pause("2026-03-03T00:00:00Z", None)));
    let much_later = utc("2030-01-01T00:00:00Z");
    assert!(!calendar.computed().is_complete(much_later));
    assert_eq!(calendar.computed().next(much_later), None);
    assert_eq!(calendar.computed().due(much_later).map(|slot| slot.day.get()), Some(121));
}

#[test]
fn a_closed_pause_resumes_where_it_left_off() {
    let calendar = with(weekdays(121..=123), |c| {
        c.pauses.push(pause("2026-03-03T00:00:00Z", Some("2026-03-09T00:00:00Z")))
    });
    assert_eq!(
        dated(&calendar.slots()),
        vec![("2026-03-02".into(), 121), ("2026-03-09".into(), 122), ("2026-03-10".into(), 123)]
    );
}
