//! Streaks over lesson days: on-time windows with grace, earned freezes, excused days, and reminder timing.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, Utc};

use super::DayNumber;

/// A posted lesson and the end of its on-time window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lesson {
    pub day: DayNumber,
    pub posted_at: DateTime<Utc>,
    /// The next lesson's slot instant + grace; `None` = open indefinitely (no next lesson known).
    pub closes_at: Option<DateTime<Utc>>,
}

/// A member's checkpoint for a curriculum day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Check {
    pub day: DayNumber,
    pub at: DateTime<Utc>,
}

/// Per-cohort streak settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreakRules {
    /// Added to the next lesson's post time to close a window.
    pub grace: Duration,
    /// Every this-many on-time lessons (7th, 14th, …) earn a freeze; 0 = never.
    pub freeze_every: u32,
    /// Freezes a member can hold at once.
    pub max_freezes: u32,
}

impl Default for StreakRules {
    fn default() -> Self {
        StreakRules { grace: Duration::hours(6), freeze_every: 7, max_freezes: 2 }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StreakSummary {
    pub current: u32,
    pub best: u32,
    /// Checked before the window closed.
    pub on_time: u32,
    /// Checked after the window closed: counts for completion, not for the streak.
    pub late: u32,
    /// Window closed with no check at all (and not excused).
    pub missed: u32,
    /// Excused by an admin and not checked: neither done nor missed; the streak holds, unspent.
    pub excused: u32,
    /// The excused days counted in `excused`, in order.
    pub excused_days: Vec<DayNumber>,
    /// Window still open and not yet checked.
    pub pending: u32,
    pub freezes_held: u32,
    /// Days on which a freeze was spent, in order.
    pub freezes_used: Vec<DayNumber>,
    /// A window closed without an on-time check or a freeze: the streak has been reset at least
    /// once since the first lesson, so it no longer continues one from before (`domain/journey.rs`).
    pub broken: bool,
}

/// How one lesson turned out for a member at `now`.
enum Outcome {
    OnTime,
    /// The window closed without an on-time check; `checked` = a late check exists.
    Closed {
        checked: bool,
    },
    Pending,
    /// Excused by an admin without an on-time check; `checked` = a late check exists.
    Excused {
        checked: bool,
    },
}

/// Walks `lessons` in order (the caller passes only posted lessons, so weekends, holidays and
/// pauses are simply absent and never break a streak) and tallies the member's `checks`.
/// Checks for days that aren't lessons are ignored; duplicates count once, the earliest.
pub fn summarize(
    lessons: &[Lesson],
    checks: &[Check],
    rules: &StreakRules,
    now: DateTime<Utc>,
) -> StreakSummary {
    summarize_excused(lessons, checks, &BTreeSet::new(), rules, now)
}

/// [`summarize`] with the days an admin excused for the member. An excused day without an
/// on-time check is settled at once, open window or not: the streak neither breaks nor grows,
/// no freeze is spent or earned, and it counts as `excused` — neither done nor missed. A late
/// check on an excused day still counts as a late lesson done (and, being excused, breaks
/// nothing); an on-time check makes the excuse moot.
pub fn summarize_excused(
    lessons: &[Lesson],
    checks: &[Check],
    excused: &BTreeSet<DayNumber>,
    rules: &StreakRules,
    now: DateTime<Utc>,
) -> StreakSummary {
    let earliest = earliest_checks(checks);
    let mut summary = StreakSummary::default();
    for lesson in lessons {
        let checked_at = earliest.get(&lesson.day).copied();
        match outcome(lesson, checked_at, excused.contains(&lesson.day), now) {
            Outcome::OnTime => summary.record_on_time(rules),
            Outcome::Closed { checked } => summary.record_closed(lesson.day, checked),
            Outcome::Excused { checked: true } => summary.late += 1,
            Outcome::Excused { checked: false } => {
                summary.excused += 1;
                summary.excused_days.push(lesson.day);
            }
            Outcome::Pending => summary.pending += 1,
        }
    }
    summary
}

/// Whether a check at `checked_at` is on time, i.e. the lesson's window is still open then
/// (also used with `now` to ask "is the window open?" for reminders).
pub fn on_time(lesson: &Lesson, checked_at: DateTime<Utc>) -> bool {
    lesson.closes_at.is_none_or(|closes_at| checked_at < closes_at)
}

/// Whether to nudge a member now: their streak is worth protecting (3+) and the window closes
/// within `hours_before` hours.
pub fn reminder_due(
    current_streak: u32,
    closes_at: DateTime<Utc>,
    hours_before: u32,
    now: DateTime<Utc>,
) -> bool {
    let opens = closes_at - Duration::hours(i64::from(hours_before));
    current_streak >= 3 && opens <= now && now < closes_at
}

fn earliest_checks(checks: &[Check]) -> BTreeMap<DayNumber, DateTime<Utc>> {
    let mut earliest: BTreeMap<DayNumber, DateTime<Utc>> = BTreeMap::new();
    for check in checks {
        earliest.entry(check.day).and_modify(|at| *at = (*at).min(check.at)).or_insert(check.at);
    }
    earliest
}

fn outcome(lesson: &Lesson, checked_at: Option<DateTime<Utc>>, excused: bool, now: DateTime<Utc>) -> Outcome {
    if checked_at.is_some_and(|at| on_time(lesson, at)) {
        return Outcome::OnTime;
    }
    if excused {
        return Outcome::Excused { checked: checked_at.is_some() };
    }
    match lesson.closes_at {
        Some(closes_at) if closes_at <= now => Outcome::Closed { checked: checked_at.is_some() },
        // Open window: a check after closing can't exist yet, so this is simply not done yet.
        _ => Outcome::Pending,
    }
}

impl StreakSummary {
    fn record_on_time(&mut self, rules: &StreakRules) {
        self.current += 1;
        self.on_time += 1;
        self.best = self.best.max(self.current);
        let earns = rules.freeze_every > 0 && self.on_time.is_multiple_of(rules.freeze_every);
        if earns && self.freezes_held < rules.max_freezes {
            self.freezes_held += 1;
        }
    }

    /// A window closed without an on-time check: a held freeze keeps the streak, else it resets.
    fn record_closed(&mut self, day: DayNumber, checked: bool) {
        if self.freezes_held > 0 {
            self.freezes_held -= 1;
            self.freezes_used.push(day);
        } else {
            self.current = 0;
            self.broken = true;
        }
        if checked {
            self.late += 1;
        } else {
            self.missed += 1;
        }
    }
}

#[cfg(test)]
mod tests;
