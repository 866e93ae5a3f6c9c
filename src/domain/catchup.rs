//! Catch-up after downtime: which due lessons to post late, and how late is too late; and which
//! lessons the platform refused are posted again when an admin resumes the cohort.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};

use super::{DayNumber, Slot};

/// How far past its instant a lesson still counts as "on time" under [`CatchUp::None`]: a
/// healthy scheduler is seconds late, a big batch of posts paced at platform limits minutes late.
pub const ON_TIME_TOLERANCE: Duration = Duration::minutes(15);

/// What a cohort posts when the bot comes back after missing lesson instants.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CatchUp {
    /// Only the lesson due now; skipped days stay open to `/checkpoint`.
    #[default]
    Latest,
    /// Every missed lesson, in order (paced by the platform limits).
    All,
    /// Nothing missed: a lesson is posted only at (or just after) its instant.
    None,
}

impl CatchUp {
    pub fn parse(text: &str) -> Option<CatchUp> {
        match text.trim().to_ascii_lowercase().as_str() {
            "latest" => Some(CatchUp::Latest),
            "all" => Some(CatchUp::All),
            "none" => Some(CatchUp::None),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CatchUp::Latest => "latest",
            CatchUp::All => "all",
            CatchUp::None => "none",
        }
    }
}

/// The lessons to post at `now`, oldest first, out of every lesson due by then (`due`, in
/// calendar order). None is ever more than `max_lateness` overdue.
pub fn to_post(policy: CatchUp, due: &[Slot], now: DateTime<Utc>, max_lateness: Duration) -> Vec<Slot> {
    let within = |slot: &&Slot, limit: Duration| now - slot.at <= limit;
    match policy {
        CatchUp::All => due.iter().filter(|s| within(s, max_lateness)).copied().collect(),
        CatchUp::Latest => due.last().filter(|s| within(s, max_lateness)).copied().into_iter().collect(),
        CatchUp::None => due
            .last()
            .filter(|s| within(s, max_lateness.min(ON_TIME_TOLERANCE)))
            .copied()
            .into_iter()
            .collect(),
    }
}

/// The lessons whose post failed (`failed`, by day) that a resume at `now` posts again, oldest
/// first, out of every lesson due by then (`due`, in calendar order):
///
/// - those the catch-up policy would post now ([`to_post`]): with `all`, every failed one within
///   `max_lateness`; with `latest` and `none`, the current lesson (the latest due) within the
///   policy's limit;
/// - else the current lesson, however late, if its post failed: members are working on it now,
///   and the admin's resume asks for it (the limits are for what the bot posts on its own after
///   downtime, when nobody is there to decide).
///
/// A failed lesson before the current one stays failed: a later lesson has taken its place in
/// the channel, as after downtime, and members can still check it in by command.
pub fn to_repost(
    policy: CatchUp,
    due: &[Slot],
    failed: &BTreeSet<DayNumber>,
    now: DateTime<Utc>,
    max_lateness: Duration,
) -> Vec<Slot> {
    let picked: Vec<Slot> =
        to_post(policy, due, now, max_lateness).into_iter().filter(|s| failed.contains(&s.day)).collect();
    if !picked.is_empty() {
        return picked;
    }
    due.last().filter(|s| failed.contains(&s.day)).copied().into_iter().collect()
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone};

    use super::*;
    use crate::domain::day;

    fn slots() -> Vec<Slot> {
        // Days 1-4 at 09:00 UTC on consecutive dates.
        (1..=4)
            .map(|d| Slot {
                day: day(d),
                date: NaiveDate::from_ymd_opt(2026, 3, d).unwrap(),
                at: Utc.with_ymd_and_hms(2026, 3, d, 9, 0, 0).unwrap(),
            })
            .collect()
    }

    fn days(policy: CatchUp, now: DateTime<Utc>, lateness_h: i64) -> Vec<u32> {
        to_post(policy, &slots(), now, Duration::hours(lateness_h)).iter().map(|s| s.day.get()).collect()
    }

    #[test]
    fn policies_after_downtime() {
        // Down from day 2 08:00 until day 4 10:00: days 2, 3 and 4 were missed.
        let back = Utc.with_ymd_and_hms(2026, 3, 4, 10, 0, 0).unwrap();
        let table = [
            (CatchUp::Latest, 12, vec![4]),
            (CatchUp::All, 12, vec![4]),
            (CatchUp::All, 26, vec![3, 4]),
            (CatchUp::All, 72, vec![2, 3, 4]),
            (CatchUp::None, 12, Vec::<u32>::new()),
            (CatchUp::Latest, 0, Vec::new()),
        ];
        for (policy, lateness, want) in table {
            assert_eq!(days(policy, back, lateness), want, "{policy:?} with {lateness} h");
        }
    }

    #[test]
    fn on_time_posts_under_every_policy() {
        let on_time = Utc.with_ymd_and_hms(2026, 3, 4, 9, 0, 30).unwrap();
        for policy in [CatchUp::Latest, CatchUp::All, CatchUp::None] {
            assert_eq!(days(policy, on_time, 12).last(), Some(&4), "{policy:?}");
        }
    }

    #[test]
    fn never_later_than_max_lateness() {
        // 12 h is the limit: at 21:00 it still posts, at 21:00:01 it does not.
        let limit = Utc.with_ymd_and_hms(2026, 3, 4, 21, 0, 0).unwrap();
        assert_eq!(days(CatchUp::Latest, limit, 12), vec![4]);
        assert_eq!(days(CatchUp::Latest, limit + Duration::seconds(1), 12), Vec::<u32>::new());
        assert_eq!(
            days(CatchUp::None, Utc.with_ymd_and_hms(2026, 3, 4, 9, 16, 0).unwrap(), 12),
            Vec::<u32>::new()
        );
    }

    fn repost(policy: CatchUp, failed: &[u32], now: DateTime<Utc>, lateness_h: i64) -> Vec<u32> {
        let failed = failed.iter().copied().map(day).collect();
        to_repost(policy, &slots(), &failed, now, Duration::hours(lateness_h))
            .iter()
            .map(|s| s.day.get())
            .collect()
    }

    #[test]
    fn a_resume_posts_failed_lessons_of_the_current_window_again() {
        let at = |d, h| Utc.with_ymd_and_hms(2026, 3, d, h, 0, 0).unwrap();
        let table = [
            // Day 4 failed at 09:00; resumed at 14:00, within 12 h: posted again under every policy
            // (`none` through the current-lesson rule, 15 minutes being long gone).
            (CatchUp::Latest, vec![4], at(4, 14), 12, vec![4]),
            (CatchUp::All, vec![4], at(4, 14), 12, vec![4]),
            (CatchUp::None, vec![4], at(4, 14), 12, vec![4]),
            // `all` takes every failed lesson within the lateness; `latest` only the current one.
            (CatchUp::All, vec![3, 4], at(4, 14), 30, vec![3, 4]),
            (CatchUp::Latest, vec![3, 4], at(4, 14), 30, vec![4]),
            (CatchUp::All, vec![2, 3, 4], at(4, 14), 30, vec![3, 4]),
            // All older than the lateness: the current lesson still, never the ones before it.
            (CatchUp::All, vec![3, 4], at(4, 23), 1, vec![4]),
            (CatchUp::Latest, vec![4], at(4, 23), 1, vec![4]),
            // A later lesson is due (and not failed): the failed one has been replaced.
            (CatchUp::Latest, vec![3], at(4, 14), 12, Vec::new()),
            (CatchUp::All, vec![3], at(4, 14), 12, Vec::new()),
            (CatchUp::All, vec![3], at(4, 14), 30, vec![3]),
            (CatchUp::Latest, Vec::new(), at(4, 14), 12, Vec::new()),
        ];
        for (policy, failed, now, lateness, want) in table {
            assert_eq!(
                repost(policy, &failed, now, lateness),
                want,
                "{policy:?} {failed:?} {now} {lateness} h"
            );
        }
    }

    #[test]
    fn parse_round_trips() {
        for p in [CatchUp::Latest, CatchUp::All, CatchUp::None] {
            assert_eq!(CatchUp::parse(p.as_str()), Some(p));
        }
        assert_eq!(CatchUp::parse(" ALL "), Some(CatchUp::All));
        assert_eq!(CatchUp::parse("some"), None);
    }
}
