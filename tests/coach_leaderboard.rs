//! The weekly leaderboard through the console: the last 7 days' checkpoints (the first second of
//! the window included), points or lessons, ties broken by who got there first, on SQLite and
//! PostgreSQL.

mod support;

use std::path::PathBuf;

use chrono::{DateTime, TimeZone, Utc};
use studybot::coach::{Catalog, Coach};
use studybot::platform::console::Console;
use support::db::Fixture;

backend_tests!(weekly_board_counts_the_last_seven_days, weekly_streak_is_the_longest_run_of_the_week);

const SETUP: &str = "/studybot setup curriculum:days_121_150_lakehouse_architecture start:2026-12-07 schedule:0 9 * * MON-FRI timezone:UTC";

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 6, 12, 0, 0).unwrap()
}

/// Runs lines and returns what they printed.
async fn run(c: &mut Console<Vec<u8>>, lines: &[&str]) -> String {
    for line in lines {
        assert!(c.line(line).await.unwrap(), "{line:?} does not end the console");
    }
    String::from_utf8(std::mem::take(c.output_mut())).unwrap()
}

/// A console on the shipped curriculum, at [`start`].
fn console(fx: &Fixture) -> Console<Vec<u8>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("curriculum");
    Console::new(Coach::new(fx.store.clone(), Catalog::load_dir(&dir).unwrap()), start(), Vec::new())
}

/// The board's table as printed: from its title to its footer.
fn board(out: &str) -> String {
    let from = out.find("🏆").unwrap_or_else(|| panic!("no board in {out}"));
    out[from..].trim_end().to_string()
}

async fn weekly_board_counts_the_last_seven_days(fx: Fixture) {
    let mut c = console(&fx);
    #[rustfmt::skip]
    run(&mut c, &[
        ":admin org", SETUP,
        ":advance-to 2026-12-07T10:00",
        ":as ada", "/join", "/checkpoint",
        ":as bo", "/join", "/checkpoint",
        ":as cy", "/join",
        ":as dee", "/join",
        // The board below is asked at 2026-12-16T20:00: its week starts at this very second.
        ":advance-to 2026-12-09T20:00",
        ":as cy", "/checkpoint day:123",
        ":advance-to 2026-12-10T10:00",
        ":as ada", "/checkpoint",
        ":as bo", "/checkpoint day:122",
        ":advance-to 2026-12-11T10:00",
        ":as bo", "/checkpoint",
        ":advance-to 2026-12-14T10:00",
        ":as cy", "/checkpoint",
        // Ada ties Cy on points an hour later: Cy got there first and is listed first.
        ":advance-to 2026-12-14T11:00",
        ":as ada", "/checkpoint",
        ":advance-to 2026-12-16T20:00",
    ])
    .await;

    let points = board(&run(&mut c, &[":as dee", "/leaderboard week"]).await);
    let lessons = board(&run(&mut c, &[":as ada", "/leaderboard by:lessons period:week"]).await);
    let all_time = board(&run(&mut c, &[":as ada", "/leaderboard"]).await);
    // Cy's check-in at the week's first second counts; Bo's and Ada's of 7 December do not.
    let want_points = "\
🏆 Leaderboard — Points (last 7 days)
#  Member  Points
1  cy      20
1  ada     20
3  bo      15
4  dee     0
You: #4 with 0 points";
    assert_eq!(points, want_points, "on {}", fx.backend);
    // Equal counts: whoever reached theirs first is listed first.
    let want_lessons = "\
🏆 Leaderboard — Lessons (last 7 days)
#  Member  Lessons
1  bo      2
1  cy      2
1  ada     2
4  dee     0
You: #1 with 2 lessons";
    assert_eq!(lessons, want_lessons, "on {}", fx.backend);
    let want_all_time = "\
🏆 Leaderboard — Points (all time)
#  Member  Points
1  ada     30
2  bo      25
3  cy      20
4  dee     0
You: #1 with 30 points";
    assert_eq!(all_time, want_all_time, "on {}", fx.backend);
}

/// `by:streak period:week` is the longest run of on-time check-ins among the week's lessons, not
/// the all-time streak under a weekly title.
async fn weekly_streak_is_the_longest_run_of_the_week(fx: Fixture) {
    let mut c = console(&fx);
    // Weekday lessons from Monday 7 December: 124 on the 10th … 128 on the 16th lie in the week of
    // a board asked at 2026-12-16T20:00. Ada checks 124-126 in time, then misses 127 (its window
    // closed at 15:00 on the 16th): her streak is 0, her week's run 3. Bo checks only 128.
    #[rustfmt::skip]
    run(&mut c, &[
        ":admin org", SETUP,
        ":advance-to 2026-12-10T10:00", ":as ada", "/checkpoint",
        ":advance-to 2026-12-11T10:00", ":as ada", "/checkpoint",
        ":advance-to 2026-12-14T10:00", ":as ada", "/checkpoint",
        ":advance-to 2026-12-16T10:00", ":as bo", "/checkpoint",
        ":advance-to 2026-12-16T20:00",
    ])
    .await;
    let week = board(&run(&mut c, &[":as ada", "/leaderboard by:streak period:week"]).await);
    let want_week = "\
🏆 Leaderboard — Longest streak (last 7 days)
#  Member  Longest streak
1  ada     3
2  bo      1
You: #1 with 3 in a row";
    assert_eq!(week, want_week, "on {}", fx.backend);
    let all_time = board(&run(&mut c, &[":as ada", "/leaderboard by:streak"]).await);
    let want_all_time = "\
🏆 Leaderboard — Streak (all time)
#  Member  Streak
1  bo      1
2  ada     0
You: #2 with 0 streak";
    assert_eq!(all_time, want_all_time, "on {}", fx.backend);
}
