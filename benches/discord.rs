//! Discord benchmark: many cohorts due at the same minute, posted by the real `studybot run` through serenity's routes to the fake Discord, which enforces Discord's limits. Prints figures and ratios; asserts nothing about time.
//!
//! `cargo bench --bench discord` (SQLite). `STUDYBOT_BENCH_COHORTS` changes the count (300).

#[path = "../tests/support/fake_discord/mod.rs"]
#[allow(dead_code)]
mod fake_discord;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use fake_discord::{BOT_TOKEN, FakeDiscord};
use studybot::store::{NewCohort, Platform, Store};

const DUE: &str = "2026-12-01T09:00:00Z";

#[tokio::main]
async fn main() {
    let cohorts: usize =
        std::env::var("STUDYBOT_BENCH_COHORTS").ok().and_then(|n| n.parse().ok()).unwrap_or(300);
    let fake = FakeDiscord::start().await;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let store = Store::open(&url).await.unwrap();
    let channels: Vec<u64> = (0..cohorts).map(|n| fake.channel(&format!("study-{n}"))).collect();
    for channel in &channels {
        store.create_cohort(&cohort(fake.guild_id(), *channel)).await.unwrap();
    }
    store.close().await;
    let config = format!(
        "[database]\nurl = \"{url}\"\n\n[discord]\nguilds = [{}]\nrest_proxy = \"{}\"\n",
        fake.guild_id(),
        fake.url()
    );
    std::fs::write(dir.path().join("studybot.toml"), config).unwrap();

    let started = Instant::now();
    let anchor = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_millis();
    let mut bot = Command::new(env!("CARGO_BIN_EXE_studybot"))
        .current_dir(dir.path())
        .env("STUDYBOT_DISCORD__TOKEN", BOT_TOKEN)
        .env("STUDYBOT_CURRICULUM__DIR", std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("curriculum"))
        .env("RUST_LOG", "warn")
        .env("STUDYBOT_HTTP__LISTEN", "127.0.0.1:0")
        .args(["run", "--clock-origin", DUE, "--clock-speed", "1", "--clock-anchor-ms", &anchor.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start studybot run");
    let ready = fake.wait_ready(Duration::from_secs(30)).await;
    let ready_ms = started.elapsed().as_secs_f64() * 1000.0;
    let posted = |f: &FakeDiscord| channels.iter().filter(|c| !f.messages(**c).is_empty()).count();
    let all = fake.wait_for(Duration::from_secs(600), |f| posted(f) == cohorts).await;
    let secs = started.elapsed().as_secs_f64();
    let _ = Command::new("kill").args(["-TERM", &bot.id().to_string()]).status();
    let _ = bot.wait();

    let requests = fake.requests();
    let rest = requests.iter().filter(|r| !r.path.contains("/interactions/")).count();
    let posts = requests.iter().filter(|r| r.method == "POST" && r.path.ends_with("/messages")).count();
    let reactions = requests.iter().filter(|r| r.method == "PUT" && r.path.contains("/reactions/")).count();
    println!(
        "discord  {cohorts} cohorts due at once (ready: {}, all posted: {all}): gateway READY after {ready_ms:.0} ms; \
         {} lessons posted in {secs:.2} s = {:.1} posts/s ({:.0}% of the 22 posts/s the pacer allows, {:.0}% of \
         Discord's 50 requests/s) · {posts} message POSTs, {reactions} ✅ PUTs, {rest} REST requests in all · \
         429s from the fake: {} · requests inside a 429 window: {}",
        ready,
        posted(&fake),
        cohorts as f64 / secs,
        100.0 * cohorts as f64 / secs / 22.0,
        100.0 * rest as f64 / secs / 50.0,
        fake.rate_limited(),
        fake.over_limit_after_429(),
    );
}

fn cohort(guild: u64, channel: u64) -> NewCohort {
    NewCohort {
        platform: Platform::Discord,
        workspace_id: guild.to_string(),
        channel_id: channel.to_string(),
        curriculum_id: "days_121_150_lakehouse_architecture".into(),
        start_date: "2026-12-01".into(),
        first_day: studybot::domain::DayNumber::try_from(121_u32).unwrap(),
        schedule: "0 0 9 * * *".into(),
        timezone: "UTC".into(),
        catch_up: "latest".into(),
        max_lateness_secs: 43_200,
        quiz_seconds: 60,
        grace_secs: None,
        reminder_hours: None,
        leaderboard_schedule: None,
        created_by: "9001".into(),
        created_at: 0,
    }
}
