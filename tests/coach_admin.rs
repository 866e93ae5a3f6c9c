//! Admin commands that must not rewrite history: regressions found by the scripted cohort test.

use chrono::{DateTime, TimeZone, Utc};
use studybot::coach::{Catalog, Coach};
use studybot::platform::console::Console;
use studybot::store::Store;

const SHIPPED: &str = include_str!("../curriculum/days_121_150_lakehouse_architecture.md");
const SETUP: &str =
    "/studybot setup curriculum:lakehouse start:2026-12-07 schedule:0 9 * * MON-FRI timezone:UTC";

async fn console(dir: &tempfile::TempDir) -> Console<Vec<u8>> {
    let store = Store::open(&format!("sqlite://{}", dir.path().join("t.db").display())).await.unwrap();
    let mut catalog = Catalog::default();
    catalog.add("lakehouse", SHIPPED, None).unwrap();
    let start: DateTime<Utc> = Utc.with_ymd_and_hms(2026, 12, 6, 12, 0, 0).unwrap();
    let mut c = Console::new(Coach::new(store, catalog), start, Vec::new());
    for line in [":admin alice", SETUP] {
        c.line(line).await.unwrap();
    }
    c
}

/// Runs lines and returns what they printed.
async fn run(c: &mut Console<Vec<u8>>, lines: &[&str]) -> String {
    for line in lines {
        c.line(line).await.unwrap();
    }
    String::from_utf8(std::mem::take(c.output_mut())).unwrap()
}

#[tokio::test]
async fn a_holiday_cannot_be_removed_once_its_lesson_time_has_passed() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = console(&dir).await;
    run(&mut c, &["/studybot holiday add 2026-12-08", ":advance-to 2026-12-08T16:00"]).await;
    let out = run(&mut c, &["/studybot holiday remove 2026-12-08"]).await;
    assert!(out.contains("holidays can only be set for future dates"), "{out}");
    let out = run(&mut c, &["/studybot holiday remove 2026-12-09"]).await;
    assert!(out.contains("was already set that way"), "a future date still works: {out}");
}

#[tokio::test]
async fn a_completed_cohort_cannot_be_paused_back_to_life() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = console(&dir).await;
    let out = run(&mut c, &[":advance-to 2027-01-25T12:00"]).await;
    assert!(out.contains("congratulations"), "the cycle completed");
    let out = run(&mut c, &["/studybot pause", "/studybot resume"]).await;
    assert_eq!(out.matches("has completed its curriculum").count(), 2, "{out}");
}

#[tokio::test]
async fn resume_reports_the_next_post_from_the_new_state() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = console(&dir).await;
    let out =
        run(&mut c, &[":advance-to 2026-12-07T10:00", "/studybot pause", ":advance 1d", "/studybot resume"])
            .await;
    assert!(out.contains("▶️ Resumed. Next post: day 122"), "{out}");
}

#[tokio::test]
async fn set_day_cannot_move_back_over_posted_days() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = console(&dir).await;
    let out = run(&mut c, &[":advance-to 2026-12-07T10:00", "/studybot set-day 125", ":advance 1d"]).await;
    assert!(out.contains("lessons continue with day 125"), "{out}");
    assert!(out.contains("📅 Day 125"), "{out}");
    let out = run(&mut c, &["/studybot set-day 123"]).await;
    assert!(out.contains("Day 125 was already posted"), "{out}");
    let out = run(&mut c, &["/studybot set-day 130"]).await;
    assert!(out.contains("lessons continue with day 130"), "{out}");
}
