//! Tests for streak tallies, freezes, the grace boundary and reminder timing.

use proptest::prelude::*;

use super::*;
use crate::domain::day;

fn base() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-02T08:00:00Z").unwrap().to_utc()
}

fn posted(day: u32) -> DateTime<Utc> {
    base() + Duration::days(i64::from(day) - 1)
}

/// Days 1..=n, one a day; each window closes at the next post + 6h (i.e. 30h after its own post).
/// With `open_last`, the last lesson has no next lesson yet, so its window has no end.
fn lessons(last: u32, open_last: bool) -> Vec<Lesson> {
    (1..=last)
        .map(|n| Lesson {
            day: day(n),
            posted_at: posted(n),
            closes_at: (!(open_last && n == last)).then(|| posted(n + 1) + Duration::hours(6)),
        })
        .collect()
}

fn check(n: u32, after_post: Duration) -> Check {
    Check { day: day(n), at: posted(n) + after_post }
}

fn on_time_checks(days: impl IntoIterator<Item = u32>) -> Vec<Check> {
    days.into_iter().map(|day| check(day, Duration::hours(1))).collect()
}

#[allow(clippy::too_many_arguments)]
fn summary(
    current: u32,
    best: u32,
    on_time: u32,
    late: u32,
    missed: u32,
    pending: u32,
    freezes_held: u32,
    freezes_used: &[u32],
) -> StreakSummary {
    StreakSummary {
        current,
        best,
        on_time,
        late,
        missed,
        pending,
        freezes_held,
        freezes_used: freezes_used.iter().copied().map(day).collect(),
        excused: 0,
        excused_days: Vec::new(),
        // Every window closed without an on-time check either spent a freeze or broke the streak.
        broken: usize::try_from(late + missed).unwrap_or(usize::MAX) > freezes_used.len(),
    }
}

/// (what the case shows, lessons, checks, now, expected summary).
type Case = (&'static str, Vec<Lesson>, Vec<Check>, DateTime<Utc>, StreakSummary);

#[test]
fn summarize_table() {
    let late = Duration::hours(40);
    let far_future = base() + Duration::days(100);
    let cases: Vec<Case> = vec![
        (
            "consecutive on time",
            lessons(5, false),
            on_time_checks(1..=5),
            far_future,
            summary(5, 5, 5, 0, 0, 0, 0, &[]),
        ),
        (
            "a late check breaks the streak but counts as late",
            lessons(5, false),
            [on_time_checks([1, 2, 4, 5]), vec![check(3, late)]].concat(),
            far_future,
            summary(2, 2, 4, 1, 0, 0, 0, &[]),
        ),
        (
            "grace boundary: one second before close is on time",
            lessons(1, false),
            vec![check(1, Duration::hours(30) - Duration::seconds(1))],
            far_future,
            summary(1, 1, 1, 0, 0, 0, 0, &[]),
        ),
        (
            "grace boundary: exactly at close is late",
            lessons(1, false),
            vec![check(1, Duration::hours(30))],
            far_future,
            summary(0, 0, 0, 1, 0, 0, 0, &[]),
        ),
        (
            "a freeze is earned at the 7th on-time lesson",
            lessons(7, false),
            on_time_checks(1..=7),
            far_future,
            summary(7, 7, 7, 0, 0, 0, 1, &[]),
        ),
        (
            "and another at the 14th",
            lessons(14, false),
            on_time_checks(1..=14),
            far_future,
            summary(14, 14, 14, 0, 0, 0, 2, &[]),
        ),
        (
            "held freezes are capped at 2",
            lessons(21, false),
            on_time_checks(1..=21),
            far_future,
            summary(21, 21, 21, 0, 0, 0, 2, &[]),
        ),
        (
            "a freeze is spent on a miss and the streak survives",
            lessons(9, false),
            on_time_checks([1, 2, 3, 4, 5, 6, 7, 9]),
            far_future,
            summary(8, 8, 8, 0, 1, 0, 0, &[8]),
        ),
        (
            "a freeze also covers a late check",
            lessons(9, false),
            [on_time_checks([1, 2, 3, 4, 5, 6, 7, 9]), vec![check(8, late)]].concat(),
            far_future,
            summary(8, 8, 8, 1, 0, 0, 0, &[8]),
        ),
        (
            "two misses with one freeze: the second resets",
            lessons(10, false),
            on_time_checks([1, 2, 3, 4, 5, 6, 7, 10]),
            far_future,
            summary(1, 7, 8, 0, 2, 0, 0, &[8]),
        ),
        (
            "the last lesson with no next lesson is pending",
            lessons(3, true),
            on_time_checks([1, 2]),
            far_future,
            summary(2, 2, 2, 0, 0, 1, 0, &[]),
        ),
        (
            "a window that hasn't closed yet is pending, then missed once it closes",
            lessons(3, false),
            on_time_checks([1, 2]),
            posted(4) + Duration::hours(5),
            summary(2, 2, 2, 0, 0, 1, 0, &[]),
        ),
        (
            "closed exactly at now counts as closed",
            lessons(3, false),
            on_time_checks([1, 2]),
            posted(4) + Duration::hours(6),
            summary(0, 2, 2, 0, 1, 0, 0, &[]),
        ),
        (
            "duplicates count once (the earliest); checks for other days are ignored",
            lessons(2, false),
            vec![
                check(1, late),
                check(1, Duration::hours(2)),
                check(1, Duration::hours(1)),
                check(99, Duration::hours(1)),
            ],
            far_future,
            summary(0, 1, 1, 0, 1, 0, 0, &[]),
        ),
        ("no checks at all", lessons(3, false), vec![], far_future, summary(0, 0, 0, 0, 3, 0, 0, &[])),
        ("no lessons", vec![], on_time_checks([1]), far_future, StreakSummary::default()),
    ];
    for (name, lessons, checks, now, expected) in cases {
        assert_eq!(summarize(&lessons, &checks, &StreakRules::default(), now), expected, "{name}");
    }
}

#[test]
fn freezes_follow_the_rules_given() {
    let rules = StreakRules { grace: Duration::hours(6), freeze_every: 2, max_freezes: 1 };
    let got =
        summarize(&lessons(6, false), &on_time_checks([1, 2, 4, 5]), &rules, base() + Duration::days(100));
    assert_eq!(got, summary(4, 4, 4, 0, 2, 0, 0, &[3, 6]));
    let never = StreakRules { freeze_every: 0, ..rules };
    let got = summarize(&lessons(3, false), &on_time_checks([1, 2, 3]), &never, base() + Duration::days(100));
    assert_eq!(got.freezes_held, 0);
}

/// `summarize_excused` over days 1..=`last` with `excused` days, long after the last window.
fn with_excused(last: u32, checks: &[Check], excused: &[u32], rules: &StreakRules) -> StreakSummary {
    let excused: BTreeSet<DayNumber> = excused.iter().copied().map(day).collect();
    summarize_excused(&lessons(last, false), checks, &excused, rules, base() + Duration::days(100))
}

#[test]
fn an_excused_day_holds_the_streak_without_growing_it_or_spending_a_freeze() {
    let rules = StreakRules { grace: Duration::hours(6), freeze_every: 2, max_freezes: 5 };
    let checks = on_time_checks([1, 2, 4, 5]);
    // Without the excuse day 3 spends the freeze earned on day 2.
    let plain = with_excused(5, &checks, &[], &rules);
    assert_eq!((plain.current, plain.missed, plain.freezes_used.len(), plain.freezes_held), (4, 1, 1, 1));
    let got = with_excused(5, &checks, &[3], &rules);
    let expected =
        StreakSummary { excused: 1, excused_days: vec![day(3)], ..summary(4, 4, 4, 0, 0, 0, 2, &[]) };
    assert_eq!(got, expected);
    assert!(!got.broken);
    // With no freeze held, an excused day still breaks nothing.
    let none = StreakRules { freeze_every: 0, ..rules };
    let got = with_excused(5, &checks, &[3], &none);
    assert_eq!((got.current, got.best, got.missed, got.excused, got.broken), (4, 4, 0, 1, false));
}

#[test]
fn a_check_on_an_excused_day_counts_as_the_check_says() {
    let rules = StreakRules::default();
    let late = [on_time_checks([1, 2]), vec![check(3, Duration::hours(40))]].concat();
    let got = with_excused(3, &late, &[3], &rules);
    assert_eq!(
        (got.current, got.on_time, got.late, got.missed, got.excused, got.broken),
        (2, 2, 1, 0, 0, false)
    );
    let got = with_excused(3, &on_time_checks([1, 2, 3]), &[3], &rules);
    assert_eq!((got.current, got.on_time, got.excused), (3, 3, 0), "an on-time check makes the excuse moot");
}

#[test]
fn an_excused_day_is_settled_at_once_and_only_posted_days_count() {
    let rules = StreakRules::default();
    let now = posted(2) + Duration::hours(1);
    let excused: BTreeSet<DayNumber> = [day(2), day(9)].into();
    let got = summarize_excused(&lessons(2, true), &on_time_checks([1]), &excused, &rules, now);
    assert_eq!((got.current, got.pending, got.excused, got.excused_days), (1, 0, 1, vec![day(2)]));
}

#[test]
fn on_time_is_strictly_before_close() {
    let lesson = Lesson { day: day(1), posted_at: base(), closes_at: Some(base() + Duration::hours(30)) };
    let open = Lesson { closes_at: None, ..lesson };
    let cases = [
        (lesson, Duration::hours(1), true),
        (lesson, Duration::hours(30) - Duration::seconds(1), true),
        (lesson, Duration::hours(30), false),
        (lesson, Duration::hours(31), false),
        (open, Duration::days(365), true),
    ];
    for (lesson, after_post, expected) in cases {
        assert_eq!(on_time(&lesson, base() + after_post), expected, "{after_post} after post");
    }
}

#[test]
fn reminder_due_table() {
    let closes = base() + Duration::hours(30);
    // (streak, hours_before, now relative to close, due)
    let cases = [
        (3, 4, Duration::hours(-4), true),
        (3, 4, Duration::hours(-1), true),
        (3, 4, Duration::hours(-4) - Duration::seconds(1), false),
        (3, 4, Duration::zero(), false),
        (2, 4, Duration::hours(-1), false),
        (10, 0, Duration::seconds(-1), false),
    ];
    for (streak, hours_before, offset, expected) in cases {
        assert_eq!(
            reminder_due(streak, closes, hours_before, closes + offset),
            expected,
            "{streak} {hours_before}h {offset}"
        );
    }
}

/// Per lesson: whether its window is open (no close), and when (if at all) it was checked,
/// in hours after posting; `now` is hours after the first post.
fn scenario() -> impl Strategy<Value = (Vec<(bool, Vec<i64>)>, i64)> {
    let lesson = (any::<bool>(), prop::collection::vec(0i64..80, 0..3));
    (prop::collection::vec(lesson, 0..40), 0i64..1200)
}

proptest! {
    #[test]
    fn summary_invariants((plan, now_hours) in scenario(), freeze_every in 0u32..10, max_freezes in 0u32..4) {
        let rules = StreakRules { grace: Duration::hours(6), freeze_every, max_freezes };
        let mut lessons = Vec::new();
        let mut checks = Vec::new();
        for (i, (open, check_hours)) in plan.iter().enumerate() {
            let n = i as u32 + 1;
            let closes_at = (!open).then(|| posted(n + 1) + Duration::hours(6));
            lessons.push(Lesson { day: day(n), posted_at: posted(n), closes_at });
            checks.extend(check_hours.iter().map(|h| check(n, Duration::hours(*h))));
        }
        let s = summarize(&lessons, &checks, &rules, base() + Duration::hours(now_hours));
        prop_assert!(s.best >= s.current);
        prop_assert_eq!((s.on_time + s.late + s.missed + s.pending) as usize, lessons.len());
        prop_assert!(s.freezes_held <= max_freezes);
        prop_assert!(s.freezes_used.len() as u32 <= s.late + s.missed);
    }
}
