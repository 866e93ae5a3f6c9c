//! Leaderboards and points: competition ranking, opt-outs, and the points formula.

use std::cmp::Reverse;

/// One member's standing on a board.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub member_id: i64,
    pub score: i64,
    /// Epoch seconds when the member reached this score; among ties, earlier ranks first.
    pub reached_at: i64,
    /// Opted out of the leaderboard.
    pub hidden: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Ranked {
    pub rank: u32,
    pub entry: Entry,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Board {
    pub top: Vec<Ranked>,
    pub caller: Option<Ranked>,
}

/// Competition ranking ("1, 2, 2, 4") by score desc; ties share a rank and are listed by
/// earliest reached_at, then member_id (so the order is total and stable across calls).
pub fn rank(entries: &[Entry]) -> Vec<Ranked> {
    let mut sorted = entries.to_vec();
    sorted.sort_by_key(|entry| (Reverse(entry.score), entry.reached_at, entry.member_id));
    let mut ranked: Vec<Ranked> = Vec::with_capacity(sorted.len());
    for (position, entry) in sorted.into_iter().enumerate() {
        let rank = match ranked.last() {
            Some(previous) if previous.entry.score == entry.score => previous.rank,
            _ => u32::try_from(position + 1).unwrap_or(u32::MAX),
        };
        ranked.push(Ranked { rank, entry });
    }
    ranked
}

/// The top `n` visible members, ranked among visible members only, and the caller's own rank.
/// An opted-out caller gets the rank they would have among the visible members: they still see
/// their own standing, nobody else sees them. A caller with no entry gets `None`.
pub fn board(entries: &[Entry], caller: Option<i64>, n: usize) -> Board {
    let visible: Vec<Entry> = entries.iter().filter(|entry| !entry.hidden).copied().collect();
    let ranked = rank(&visible);
    let caller = caller.and_then(|id| {
        let entry = entries.iter().find(|entry| entry.member_id == id)?;
        ranked.iter().find(|r| r.entry.member_id == id).cloned().or_else(|| {
            let above = visible.iter().filter(|other| other.score > entry.score).count();
            Some(Ranked { rank: u32::try_from(above + 1).unwrap_or(u32::MAX), entry: *entry })
        })
    });
    Board { top: ranked.into_iter().take(n).collect(), caller }
}

/// Points per outcome; one set per cohort.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PointsRules {
    pub on_time: i64,
    pub late: i64,
    /// A bonus for every this-many days of best streak; 0 = no milestones.
    pub milestone_every: u32,
    pub milestone_bonus: i64,
}

impl Default for PointsRules {
    fn default() -> Self {
        PointsRules { on_time: 10, late: 5, milestone_every: 7, milestone_bonus: 25 }
    }
}

/// on_time × 10 + late × 5 + quiz points + 25 per 7 days of BEST streak (with default rules).
/// Milestones use the best streak so a bonus, once earned, is never taken back.
pub fn points(rules: &PointsRules, on_time: u32, late: u32, quiz_points: i64, best_streak: u32) -> i64 {
    let milestones = best_streak.checked_div(rules.milestone_every).unwrap_or(0);
    rules
        .on_time
        .saturating_mul(i64::from(on_time))
        .saturating_add(rules.late.saturating_mul(i64::from(late)))
        .saturating_add(quiz_points)
        .saturating_add(rules.milestone_bonus.saturating_mul(i64::from(milestones)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(member_id: i64, score: i64, reached_at: i64) -> Entry {
        Entry { member_id, score, reached_at, hidden: false }
    }

    fn hidden(member_id: i64, score: i64, reached_at: i64) -> Entry {
        Entry { hidden: true, ..entry(member_id, score, reached_at) }
    }

    /// (member_id, rank) pairs, in board order.
    type Ids = Vec<(i64, u32)>;

    fn ids(ranked: &[Ranked]) -> Ids {
        ranked.iter().map(|r| (r.entry.member_id, r.rank)).collect()
    }

    #[test]
    fn rank_table() {
        let cases: Vec<(&str, Vec<Entry>, Ids)> = vec![
            ("empty", vec![], vec![]),
            ("single", vec![entry(1, 10, 0)], vec![(1, 1)]),
            (
                "competition ranking 1,2,2,4",
                vec![entry(1, 50, 0), entry(2, 40, 0), entry(3, 40, 0), entry(4, 30, 0)],
                vec![(1, 1), (2, 2), (3, 2), (4, 4)],
            ),
            (
                "ties listed by earliest reached_at, then member_id",
                vec![entry(7, 40, 300), entry(8, 40, 100), entry(9, 40, 100), entry(1, 90, 999)],
                vec![(1, 1), (8, 2), (9, 2), (7, 2)],
            ),
            ("all tied", vec![entry(2, 0, 5), entry(1, 0, 5)], vec![(1, 1), (2, 1)]),
            ("negative scores rank below zero", vec![entry(1, -5, 0), entry(2, 0, 0)], vec![(2, 1), (1, 2)]),
        ];
        for (name, entries, expected) in cases {
            assert_eq!(ids(&rank(&entries)), expected, "{name}");
        }
    }

    #[test]
    fn board_table() {
        let entries =
            vec![entry(1, 50, 0), hidden(2, 45, 0), entry(3, 40, 0), entry(4, 40, 10), entry(5, 30, 0)];
        // (caller, n, expected top, expected caller (member_id, rank))
        let cases: Vec<(Option<i64>, usize, Ids, Option<Ids>)> = vec![
            (None, 10, vec![(1, 1), (3, 2), (4, 2), (5, 4)], None),
            (Some(5), 2, vec![(1, 1), (3, 2)], Some(vec![(5, 4)])),
            (Some(4), 3, vec![(1, 1), (3, 2), (4, 2)], Some(vec![(4, 2)])),
            // Opted out: not in `top`, but they see the rank they'd have among the visible.
            (Some(2), 10, vec![(1, 1), (3, 2), (4, 2), (5, 4)], Some(vec![(2, 2)])),
            (Some(99), 1, vec![(1, 1)], None),
            (Some(1), 0, vec![], Some(vec![(1, 1)])),
        ];
        for (caller, n, top, caller_rank) in cases {
            let board = board(&entries, caller, n);
            assert_eq!(ids(&board.top), top, "caller {caller:?} n {n}");
            assert_eq!(board.caller.map(|r| ids(&[r])), caller_rank, "caller {caller:?}");
        }
    }

    #[test]
    fn hidden_caller_tied_with_a_visible_member_shares_the_rank() {
        let entries = vec![entry(1, 50, 0), hidden(2, 50, 0), entry(3, 10, 0)];
        let board = board(&entries, Some(2), 10);
        assert_eq!(board.caller, Some(Ranked { rank: 1, entry: entries[1] }));
        assert_eq!(ids(&board.top), vec![(1, 1), (3, 2)]);
    }

    #[test]
    fn board_of_nobody() {
        assert_eq!(board(&[], Some(1), 10), Board { top: vec![], caller: None });
        let all_hidden = [hidden(1, 10, 0)];
        assert_eq!(board(&all_hidden, Some(1), 10).caller.map(|r| r.rank), Some(1));
        assert!(board(&all_hidden, Some(1), 10).top.is_empty());
    }

    #[test]
    fn points_table() {
        let rules = PointsRules::default();
        // (on_time, late, quiz, best streak, points)
        let cases = [
            (0, 0, 0, 0, 0),
            (1, 0, 0, 1, 10),
            (0, 1, 0, 0, 5),
            (0, 0, 40, 0, 40),
            (6, 0, 0, 6, 60),
            (7, 0, 0, 7, 70 + 25),
            (20, 3, 80, 13, 200 + 15 + 80 + 25),
            (20, 3, 80, 14, 200 + 15 + 80 + 50),
            (30, 0, 0, 30, 300 + 4 * 25),
        ];
        for (on_time, late, quiz, best, expected) in cases {
            assert_eq!(points(&rules, on_time, late, quiz, best), expected, "{on_time} {late} {quiz} {best}");
        }
        let no_milestones = PointsRules { milestone_every: 0, ..rules };
        assert_eq!(points(&no_milestones, 7, 0, 0, 7), 70);
    }
}
