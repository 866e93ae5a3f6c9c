//! Domain: pure rules — lesson calendar, streaks (and across cycles), ranking, points. No I/O, no platform, no clock.

pub mod calendar;
pub mod catchup;
pub mod day;
pub mod journey;
pub mod quiz;
pub mod ranking;
pub mod schedule;
pub mod streak;

pub use calendar::{Adjustment, Calendar, Pause, Slot, Slots};
pub use catchup::{CatchUp, to_post, to_repost};
#[cfg(test)]
pub(crate) use day::day;
pub use day::{DayNumber, DayNumberError};
pub use ranking::{Board, Entry, PointsRules, Ranked, board, points, rank};
pub use schedule::{CronSpec, ScheduleError, Timezone, local_instant, upcoming};
pub use streak::{
    Check, Lesson, StreakRules, StreakSummary, on_time, reminder_due, summarize, summarize_excused,
};
