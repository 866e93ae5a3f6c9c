//! The real `studybot run` with its curriculum file cut to three days between two starts: the
//! cohort keeps posting from its stored version, the operator gets a WARN line per start, the
//! organizer one notice in all, and nothing completes.

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use studybot::store::{CohortState, Store};
use support::bot::{Bot, CURRICULUM, CohortSpec, Timeline, curriculum_dir, post_counts, setup_cohorts};
use support::db::sqlite_url;

/// A virtual day every real second.
const SPEED: f64 = 86_400.0;
const DRIFT: &str = "the curriculum file differs from the version the cohort runs on";

const COHORT: &[CohortSpec] = &[CohortSpec { channel: "study", schedule: "0 9 * * *", timezone: "UTC" }];

/// A copy of the shipped curriculum folder the test may change.
fn folder(dir: &Path) -> std::path::PathBuf {
    let folder = dir.join("curriculum");
    std::fs::create_dir_all(folder.join("quizzes")).unwrap();
    let name = format!("{CURRICULUM}.md");
    std::fs::copy(curriculum_dir().join(&name), folder.join(&name)).unwrap();
    std::fs::copy(curriculum_dir().join("quizzes").join(&name), folder.join("quizzes").join(&name)).unwrap();
    folder
}

fn start(dir: &Path, url: &str, folder: &Path, record: &Path, timeline: &Timeline) -> Bot {
    let env = [("STUDYBOT_DATABASE__URL", url), ("STUDYBOT_CURRICULUM__DIR", folder.to_str().unwrap())];
    let args: Vec<String> = ["--quiet", "--record", record.to_str().unwrap(), "--lease-poll", "1"]
        .iter()
        .map(|a| a.to_string())
        .collect();
    Bot::spawn(dir, &env, timeline, &args)
}

/// Waits until the record holds the post of `day` for `cohort`.
fn wait_post(record: &Path, cohort: i64, day: u32, bot: &Bot) {
    let nonce = format!("sb-{cohort}-{day}");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !post_counts(record).contains_key(&nonce) {
        assert!(Instant::now() < deadline, "day {day} never posted:\n{}", bot.log());
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cohort_outlives_its_file_being_cut_short_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path());
    let record = dir.path().join("posts.jsonl");
    let folder = folder(dir.path());
    let origin = Utc.with_ymd_and_hms(2026, 3, 20, 0, 0, 0).unwrap();
    let cohort = setup_cohorts(&url, origin, "2026-03-21", COHORT, "catchup:all lateness:72").await[0];
    let timeline = Timeline::starting_now(origin, SPEED);

    let mut first = start(dir.path(), &url, &folder, &record, &timeline);
    wait_post(&record, cohort, 125, &first);
    assert_eq!(first.terminate().0, Some(0), "{}", first.log());
    assert!(!first.logged(DRIFT), "the file was unchanged:\n{}", first.log());

    let file = folder.join(format!("{CURRICULUM}.md"));
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, &text[..text.find("### **Day 124").unwrap()]).unwrap();
    for restart in 1..=2 {
        let mut bot = start(dir.path(), &url, &folder, &record, &timeline);
        bot.wait_for_log(DRIFT, Duration::from_secs(30)).unwrap_or_else(|| panic!("no WARN:\n{}", bot.log()));
        wait_post(&record, cohort, 126 + restart, &bot);
        assert_eq!(bot.terminate().0, Some(0), "{}", bot.log());
        let log = bot.log();
        assert_eq!(log.lines().filter(|l| l.contains(DRIFT)).count(), 1, "one WARN per start:\n{log}");
        let warn = log.lines().find(|l| l.contains(DRIFT)).unwrap();
        assert!(warn.contains("WARN") && warn.contains("removed: days 124-150"), "{warn}");
        assert!(log.contains("looks cut short") || log.contains("cut short"), "the load warns too:\n{log}");
    }

    let counts = post_counts(&record);
    assert!(counts.values().all(|n| *n == 1), "double posts: {counts:?}");
    let store = Store::open(&url).await.unwrap();
    let row = store.get_cohort(cohort).await.unwrap().unwrap();
    assert_eq!((row.state, row.completed_at), (CohortState::Active, None));
    let told: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM notices WHERE cohort_id = $1 AND kind = 'curriculum_drift'")
            .bind(cohort)
            .fetch_one(store.pool())
            .await
            .unwrap();
    assert_eq!(told, 1, "the organizer is told once across both restarts");
    store.close().await;
}
