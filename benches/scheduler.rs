//! Scheduler benchmark: 1,000 cohorts due at the same minute, posted through the pacer against a
//! fake platform that enforces the limits. Prints figures and ratios; asserts nothing about time.
//!
//! `cargo bench --bench scheduler` (SQLite); set STUDYBOT_TEST_POSTGRES_URL to add PostgreSQL.

#[path = "../tests/support/limited.rs"]
#[allow(dead_code)]
mod limited;

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use chrono::{TimeZone, Utc};
use limited::LimitedFake;
use studybot::coach::{Catalog, Coach, Fence};
use studybot::scheduler::pacing::{Limits, Paced};
use studybot::scheduler::{ScaledClock, Scheduler, SchedulerConfig};
use studybot::store::{NewCohort, Platform, Store};
use tokio_util::sync::CancellationToken;

const COHORTS: usize = 1000;

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = format!("sqlite://{}", dir.path().join("bench.db").display());
    let mut urls = vec![("sqlite", sqlite)];
    if let Ok(url) = std::env::var("STUDYBOT_TEST_POSTGRES_URL") {
        urls.push(("postgres", fresh_postgres(&url).await));
    }
    for (backend, url) in &urls {
        for (label, limits) in [
            ("no limits", Limits::none()),
            ("Slack limits", Limits::slack()),
            ("Discord limits", Limits::discord()),
        ] {
            let store = Store::open(url).await.unwrap();
            sqlx::query("DELETE FROM cohorts").execute(&mut *store.acquire().await.unwrap()).await.unwrap();
            bench(backend, label, limits, store).await;
        }
    }
}

async fn bench(backend: &str, label: &str, limits: Limits, store: Store) {
    let created = Instant::now();
    for n in 0..COHORTS {
        store.create_cohort(&cohort(n)).await.unwrap();
    }
    let create_ms = created.elapsed().as_secs_f64() * 1000.0;
    let catalog =
        Catalog::load_dir(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("curriculum")).unwrap();
    let coach = Coach::new(store.clone(), catalog);
    let loaded = Instant::now();
    let contexts = coach.scheduled_cohorts().await.unwrap();
    let load_ms = loaded.elapsed().as_secs_f64() * 1000.0;
    assert_eq!(contexts.len(), COHORTS);

    let due = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
    let clock = Arc::new(ScaledClock::new(due, SystemTime::now(), 1.0));
    let scheduler = Scheduler::new(
        coach,
        Paced::new(LimitedFake::new(limits), limits),
        clock,
        SchedulerConfig::default(),
    );
    let stop = CancellationToken::new();
    let started = Instant::now();
    let watch = async {
        while scheduler.delivery().inner().posts().len() < COHORTS {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        stop.cancel();
    };
    let (report, ()) = tokio::join!(scheduler.run(Fence::unfenced(), stop.clone()), watch);
    let secs = started.elapsed().as_secs_f64();
    let fake = scheduler.delivery().inner();
    let rate = COHORTS as f64 / secs;
    let ceiling = limits.global.map(|r| r.count as f64 / r.per.as_secs_f64());
    println!(
        "{backend:8} {label:15} {COHORTS} cohorts due at once: {} posted in {secs:.2} s = {rate:.0} posts/s{} · \
         429s from the referee: {} · setup {create_ms:.0} ms · calendar load {load_ms:.0} ms ({:.2} ms/cohort)",
        report.posted.len(),
        ceiling
            .map(|c| format!(" ({:.0}% of the {c:.0}/s global limit)", 100.0 * rate / c))
            .unwrap_or_default(),
        fake.violations().len(),
        load_ms / COHORTS as f64,
    );
    store.close().await;
}

fn cohort(n: usize) -> NewCohort {
    NewCohort {
        platform: Platform::Discord,
        workspace_id: "guild".into(),
        channel_id: format!("channel-{n}"),
        curriculum_id: "days_121_150_lakehouse_architecture".into(),
        start_date: "2026-03-02".into(),
        first_day: studybot::domain::DayNumber::try_from(121_u32).unwrap(),
        schedule: "0 0 9 * * *".into(),
        timezone: "UTC".into(),
        catch_up: "latest".into(),
        max_lateness_secs: 43_200,
        quiz_seconds: 60,
        grace_secs: None,
        reminder_hours: None,
        leaderboard_schedule: None,
        created_by: "organizer".into(),
        created_at: 0,
    }
}

async fn fresh_postgres(admin: &str) -> String {
    use sqlx::Connection;
    let name = format!("studybot_bench_{}", std::process::id());
    let mut conn = sqlx::PgConnection::connect(admin).await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut conn).await.unwrap();
    let mut url = url::Url::parse(admin).unwrap();
    url.set_path(&format!("/{name}"));
    url.to_string()
}
