//! Lesson calendar: which curriculum day is due on which local date, given pauses, skips and holidays.

use std::collections::BTreeSet;

use chrono::{DateTime, Days, NaiveDate, Utc};

use super::DayNumber;
use super::schedule::{CronSpec, HORIZON_DAYS, Timezone, local_instant};

/// A stretch of time in which nothing is posted: `[from, until)`; `until: None` = still paused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pause {
    pub from: DateTime<Utc>,
    pub until: Option<DateTime<Utc>>,
}

impl Pause {
    fn covers(&self, at: DateTime<Utc>) -> bool {
        self.from <= at && self.until.is_none_or(|until| at < until)
    }
}

/// An organizer's correction to the sequence of lesson dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Adjustment {
    /// No lesson on `date`; the next post moves to the next lesson date.
    Skip { date: NaiveDate },
    /// The first lesson date on or after `date` carries `day`; the sequence continues from there.
    SetDay { date: NaiveDate, day: DayNumber },
}

/// Everything that decides a cohort's lesson dates. Dates are local to `timezone`.
#[derive(Debug, Clone, PartialEq)]
pub struct Calendar {
    /// First date a lesson may be posted (local).
    pub start: NaiveDate,
    /// The curriculum's day numbers in order, e.g. `121..=150`; gaps are allowed.
    pub days: Vec<DayNumber>,
    /// The day the cohort starts at; if it isn't in `days`, the first day >= it.
    pub first_day: DayNumber,
    pub schedule: CronSpec,
    pub timezone: Timezone,
    pub holidays: BTreeSet<NaiveDate>,
    pub pauses: Vec<Pause>,
    pub adjustments: Vec<Adjustment>,
}

/// One lesson post: curriculum `day`, keyed by local `date`, going out at `at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    pub day: DayNumber,
    pub date: NaiveDate,
    pub at: DateTime<Utc>,
}

/// A calendar's lesson slots, computed once: a cohort keeps them beside its calendar, so a
/// check-in or a tick asks them questions without walking the schedule again.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Slots {
    slots: Vec<Slot>,
    /// The curriculum's last day: the cohort is complete once its slot has gone out.
    last_day: Option<DayNumber>,
}

impl Slots {
    /// Every slot, in order.
    pub fn all(&self) -> &[Slot] {
        &self.slots
    }

    /// The latest slot that has gone out by `now`.
    pub fn due(&self, now: DateTime<Utc>) -> Option<Slot> {
        self.slots.iter().rfind(|slot| slot.at <= now).copied()
    }

    /// The first slot still to come after `now`.
    pub fn next(&self, now: DateTime<Utc>) -> Option<Slot> {
        self.slots.iter().find(|slot| slot.at > now).copied()
    }

    /// Every slot that has gone out by `now`, in order.
    pub fn due_slots(&self, now: DateTime<Utc>) -> Vec<Slot> {
        self.slots.iter().filter(|slot| slot.at <= now).copied().collect()
    }

    /// The slot that carries `day`. If a set-day back makes a day come round again, this is its
    /// FIRST slot: a day is posted once per cohort, so the first slot is the post that exists.
    pub fn slot_of(&self, day: DayNumber) -> Option<Slot> {
        self.slots.iter().find(|slot| slot.day == day).copied()
    }

    /// Whether the last curriculum day's slot has gone out by `now`.
    pub fn is_complete(&self, now: DateTime<Utc>) -> bool {
        self.slots.last().is_some_and(|slot| Some(slot.day) == self.last_day && slot.at <= now)
    }

    /// Only the slots that had gone out by `end`: a cycle that ended there (finished early) posts
    /// nothing after it, so nothing after it is ever due, open or missed.
    pub fn ended_at(mut self, end: DateTime<Utc>) -> Slots {
        self.slots.retain(|slot| slot.at <= end);
        self
    }
}

impl Calendar {
    /// Every lesson slot from `start` until the last curriculum day, in order. The search covers
    /// [`HORIZON_DAYS`] of dates, and stops at an open pause (nothing after it is known yet).
    /// Set-days dated after the curriculum has ended are ignored: the slots end at the last day.
    pub fn slots(&self) -> Vec<Slot> {
        let Some(mut index) = self.start_index() else { return Vec::new() };
        let set_days = self.set_days();
        let mut pending = set_days.iter().peekable();
        let mut slots = Vec::new();
        for (date, at) in self.lesson_dates() {
            // Several set-days may be waiting for the same lesson date; the latest one wins.
            while let Some((_, set_index)) = pending.next_if(|(set_date, _)| *set_date <= date) {
                index = *set_index;
            }
            slots.push(Slot { day: self.days[index], date, at });
            index += 1;
            if index >= self.days.len() {
                break;
            }
        }
        slots
    }

    /// The slots computed once, for the questions asked of them many times (see [`Slots`]): the
    /// calendar itself answers none, so no caller walks the schedule again by accident.
    pub fn computed(&self) -> Slots {
        Slots { slots: self.slots(), last_day: self.days.last().copied() }
    }

    /// Index in `days` of the cohort's first day: `first_day` itself, else the first day >= it.
    fn start_index(&self) -> Option<usize> {
        let days = &self.days;
        days.iter()
            .position(|&day| day == self.first_day)
            .or_else(|| days.iter().position(|&day| day >= self.first_day))
    }

    /// Set-days to a day in the curriculum, as (date, index in `days`), by date; for equal
    /// dates the list order is kept so the later adjustment wins.
    fn set_days(&self) -> Vec<(NaiveDate, usize)> {
        let mut set_days: Vec<(NaiveDate, usize)> = self
            .adjustments
            .iter()
            .filter_map(|adjustment| match *adjustment {
                Adjustment::SetDay { date, day } => Some((date, self.days.iter().position(|&d| d == day)?)),
                Adjustment::Skip { .. } => None,
            })
            .collect();
        set_days.sort_by_key(|(date, _)| *date);
        set_days
    }

    /// Local dates that get a lesson, with the instant each goes out: the schedule fires, the
    /// date isn't a holiday or skipped, and the instant isn't paused.
    fn lesson_dates(&self) -> impl Iterator<Item = (NaiveDate, DateTime<Utc>)> + '_ {
        let until = self.start.checked_add_days(Days::new(HORIZON_DAYS)).unwrap_or(NaiveDate::MAX);
        let skipped: BTreeSet<NaiveDate> = self
            .adjustments
            .iter()
            .filter_map(|adjustment| match *adjustment {
                Adjustment::Skip { date } => Some(date),
                Adjustment::SetDay { .. } => None,
            })
            .collect();
        let open_from =
            self.pauses.iter().filter(|pause| pause.until.is_none()).map(|pause| pause.from).min();
        self.schedule
            .fire_dates(self.start, until)
            .filter(move |(date, _)| !self.holidays.contains(date) && !skipped.contains(date))
            .map(|(date, time)| (date, local_instant(self.timezone.tz(), date, time)))
            .take_while(move |(_, at)| open_from.is_none_or(|from| *at < from))
            .filter(|(_, at)| !self.pauses.iter().any(|pause| pause.covers(*at)))
    }
}

#[cfg(test)]
mod tests;
