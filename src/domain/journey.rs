//! Journey-long streaks: how a member's streak carries from one cycle of a channel into the next.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};

use super::schedule::{CronSpec, Timezone, upcoming};
use super::streak::StreakSummary;

/// How many of the schedule's lesson dates after a cycle's end are looked at for the first one
/// that is not a holiday.
const LOOKAHEAD: usize = 400;

/// Whether a streak alive when one cycle ended carries into the next: the next cycle's first
/// lesson comes no later than the first lesson date the schedule (`spec` in `tz`) has after the
/// end, not counting `holidays`. The gap is then one the schedule has anyway — a weekend, a
/// holiday — not a break. Compared by local date, so a new time of day changes nothing.
pub fn carries(
    ended: DateTime<Utc>,
    first_lesson: DateTime<Utc>,
    spec: &CronSpec,
    tz: &Timezone,
    holidays: &BTreeSet<NaiveDate>,
) -> bool {
    let next = upcoming(spec, tz, ended, LOOKAHEAD)
        .into_iter()
        .map(|at| at.date_naive())
        .find(|d| !holidays.contains(d));
    let first = first_lesson.with_timezone(&tz.tz()).date_naive();
    next.is_some_and(|next| first <= next)
}

/// The journey streak in a cycle: the streak `carried` in from the cycle before, plus this
/// cycle's, while this cycle's has not broken since its first lesson; after a break, this
/// cycle's alone.
pub fn journey_streak(carried: u32, cycle: &StreakSummary) -> u32 {
    if cycle.broken { cycle.current } else { carried.saturating_add(cycle.current) }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
    }

    fn weekdays() -> (CronSpec, Timezone) {
        (CronSpec::parse("0 9 * * MON-FRI").unwrap(), Timezone::parse("UTC").unwrap())
    }

    // 2027-01-08 is a Friday; a cycle whose last window closed Saturday 15:00.
    const NONE: &BTreeSet<NaiveDate> = &BTreeSet::new();

    #[test]
    fn a_weekend_between_cycles_carries_the_streak() {
        let (spec, tz) = weekdays();
        assert!(carries(at(2027, 1, 9, 15), at(2027, 1, 11, 9), &spec, &tz, NONE));
        assert!(carries(at(2027, 1, 9, 15), at(2027, 1, 11, 18), &spec, &tz, NONE), "a later hour");
    }

    #[test]
    fn a_lesson_date_missed_between_cycles_breaks_it() {
        let (spec, tz) = weekdays();
        assert!(!carries(at(2027, 1, 9, 15), at(2027, 1, 12, 9), &spec, &tz, NONE));
        assert!(!carries(at(2027, 1, 9, 15), at(2027, 1, 18, 9), &spec, &tz, NONE));
    }

    #[test]
    fn a_holiday_is_a_gap_the_schedule_has_anyway() {
        let (spec, tz) = weekdays();
        let monday: BTreeSet<NaiveDate> = [NaiveDate::from_ymd_opt(2027, 1, 11).unwrap()].into();
        assert!(carries(at(2027, 1, 9, 15), at(2027, 1, 12, 9), &spec, &tz, &monday));
    }

    #[test]
    fn a_daily_schedule_allows_no_day_off() {
        let (spec, tz) = (CronSpec::parse("0 9 * * *").unwrap(), Timezone::parse("UTC").unwrap());
        assert!(carries(at(2027, 1, 9, 15), at(2027, 1, 10, 9), &spec, &tz, NONE));
        assert!(!carries(at(2027, 1, 9, 15), at(2027, 1, 11, 9), &spec, &tz, NONE));
    }

    #[test]
    fn the_journey_streak_adds_the_carried_one_until_the_cycle_breaks() {
        let unbroken = StreakSummary { current: 3, ..StreakSummary::default() };
        assert_eq!(journey_streak(5, &unbroken), 8);
        let broken = StreakSummary { current: 2, broken: true, ..StreakSummary::default() };
        assert_eq!(journey_streak(5, &broken), 2);
        assert_eq!(journey_streak(5, &StreakSummary::default()), 5, "nothing closed yet");
    }
}
