//! The scheduler's view of the calendar: stepping from wake-up to wake-up as the loop does, lessons
//! land once per local date across DST, and pause, skip and holiday move what gets posted.

mod support;

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Europe::Berlin;
use studybot::coach::{Catalog, Coach, Fence, wakeup};
use studybot::scheduler::pacing::Limits;
use studybot::store::{Platform, Store};
use support::bot::{CURRICULUM, admin_does, curriculum_dir};
use support::db::sqlite_url;
use support::limited::LimitedFake;

async fn coach(dir: &tempfile::TempDir) -> Coach {
    let url = sqlite_url(dir.path());
    Coach::new(Store::open(&url).await.unwrap(), Catalog::load_dir(&curriculum_dir()).unwrap())
}

async fn admin(coach: &Coach, text: &str, at: DateTime<Utc>) -> String {
    format!("{:?}", admin_does(coach, "study", text, at).await)
}

/// Ticks the cohort at each of its wake-ups in `(from, until]`, as the scheduler loop does, and
/// returns each lesson post as (day, local time in Berlin).
async fn run_loop(
    coach: &Coach,
    fake: &LimitedFake,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Vec<(u32, String)> {
    let cohort = coach.store().find_cohort_by_channel(Platform::Console, "study").await.unwrap().unwrap().id;
    let mut now = from;
    let mut posted = Vec::new();
    loop {
        let contexts = coach.scheduled_cohorts().await.unwrap();
        let Some(ctx) = contexts.iter().find(|c| c.cohort.id == cohort) else { break };
        let Some(next) = wakeup(ctx, now).filter(|t| *t <= until) else { break };
        now = next;
        for (_, day) in coach.tick_cohort(ctx, fake, Fence::unfenced(), now).await.unwrap().posted {
            posted.push((
                day.get(),
                Berlin.from_utc_datetime(&now.naive_utc()).format("%m-%d %H:%M %Z").to_string(),
            ));
        }
    }
    posted
}

fn utc(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
}

#[tokio::test]
async fn one_post_per_local_date_across_both_berlin_dst_changes() {
    let dir = tempfile::tempdir().unwrap();
    let coach = coach(&dir).await;
    let fake = LimitedFake::new(Limits::none());
    let setup = format!(
        "/studybot setup curriculum:{CURRICULUM} start:2026-03-27 schedule:\"30 2 * * *\" timezone:Europe/Berlin"
    );
    admin(&coach, &setup, utc(2026, 3, 20, 12)).await;
    let spring = run_loop(&coach, &fake, utc(2026, 3, 26, 12), utc(2026, 3, 31, 12)).await;
    let want = [
        (121, "03-27 02:30 CET"),
        (122, "03-28 02:30 CET"),
        (123, "03-29 03:00 CEST"), // 02:30 does not exist: the first instant after the gap
        (124, "03-30 02:30 CEST"),
        (125, "03-31 02:30 CEST"),
    ];
    assert_eq!(spring, want.map(|(d, t)| (d, t.to_string())));

    let dir = tempfile::tempdir().unwrap();
    let coach = self::coach(&dir).await;
    let setup = format!(
        "/studybot setup curriculum:{CURRICULUM} start:2026-10-23 schedule:\"30 2 * * *\" timezone:Europe/Berlin"
    );
    admin(&coach, &setup, utc(2026, 10, 20, 12)).await;
    let autumn = run_loop(&coach, &fake, utc(2026, 10, 22, 12), utc(2026, 10, 27, 12)).await;
    let want = [
        (121, "10-23 02:30 CEST"),
        (122, "10-24 02:30 CEST"),
        (123, "10-25 02:30 CEST"), // 02:30 happens twice: posted at the first, once
        (124, "10-26 02:30 CET"),
        (125, "10-27 02:30 CET"),
    ];
    assert_eq!(autumn, want.map(|(d, t)| (d, t.to_string())));
}

#[tokio::test]
async fn holiday_skip_and_pause_change_what_the_scheduler_posts() {
    let dir = tempfile::tempdir().unwrap();
    let coach = coach(&dir).await;
    let fake = LimitedFake::new(Limits::none());
    let setup = format!(
        "/studybot setup curriculum:{CURRICULUM} start:2026-03-02 schedule:\"0 9 * * *\" timezone:Europe/Berlin"
    );
    admin(&coach, &setup, utc(2026, 3, 1, 12)).await;
    admin(&coach, "/studybot holiday add 2026-03-03", utc(2026, 3, 1, 12)).await;
    let first = run_loop(&coach, &fake, utc(2026, 3, 1, 12), utc(2026, 3, 3, 12)).await;
    assert_eq!(first, [(121, "03-02 09:00 CET".to_string())], "nothing on the holiday");

    // Skip moves day 122 from 03-04 to 03-05; a pause over 03-06 posts nothing until resumed.
    assert!(admin(&coach, "/studybot skip", utc(2026, 3, 3, 12)).await.contains("day 122"));
    let skipped = run_loop(&coach, &fake, utc(2026, 3, 3, 12), utc(2026, 3, 5, 12)).await;
    assert_eq!(skipped, [(122, "03-05 09:00 CET".to_string())]);
    admin(&coach, "/studybot pause", utc(2026, 3, 5, 12)).await;
    assert!(run_loop(&coach, &fake, utc(2026, 3, 5, 12), utc(2026, 3, 7, 12)).await.is_empty());
    admin(&coach, "/studybot resume", utc(2026, 3, 7, 12)).await;
    let resumed = run_loop(&coach, &fake, utc(2026, 3, 7, 12), utc(2026, 3, 9, 12)).await;
    assert_eq!(resumed.first().map(|(day, _)| *day), Some(123), "{resumed:?}");
    assert_eq!(fake.posts().len(), 2 + resumed.len(), "each day posted once");
}
