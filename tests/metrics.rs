//! The HTTP server of the real `studybot run`: `/healthz`, `/readyz` and `/metrics` on the
//! console, on Discord and on Slack (Socket Mode and HTTP mode, where Slack's routes share the
//! server), scraped and parsed as Prometheus text; `/readyz` while PostgreSQL goes away.

mod support;

use std::time::Duration;

use chrono::{DateTime, Utc};
use support::bot::{Bot, CohortSpec, Timeline, setup_cohorts};
use support::db::sqlite_url;
use support::discord_bot::{self, FakeDiscord};
use support::scrape::{get, scrape, scrape_until};
use support::slack_bot::{self, FakeSlack, Mode};

/// How long any condition in these tests may take to come true.
const LIMIT: Duration = Duration::from_secs(30);

const POSTS: &str = "studybot_lesson_posts_total";

#[tokio::test(flavor = "multi_thread")]
async fn console_run_counts_its_posts_and_holds_the_lease() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path());
    let origin: DateTime<Utc> = "2026-12-01T08:59:00Z".parse().unwrap();
    let spec = CohortSpec { channel: "study", schedule: "0 9 * * *", timezone: "UTC" };
    setup_cohorts(&url, origin, "2026-12-01", &[spec], "catchup:all lateness:24").await;
    // 120× real time: 09:00 comes half a second after the start.
    let timeline = Timeline::starting_now(origin, 120.0);
    let bot = Bot::start(dir.path(), &url, &dir.path().join("record.jsonl"), &timeline, 1);
    let address = bot.http_address();

    assert_eq!(get(address, "/healthz").await, (200, "ok".to_string()));
    let sent = [("platform", "console"), ("outcome", "sent")];
    let page = scrape_until(address, LIMIT, |p| p.value(POSTS, &sent).unwrap_or(0.0) >= 1.0).await;
    assert!(page.value(POSTS, &sent).unwrap_or(0.0) >= 1.0, "no post counted:\n{}\n{}", page.text, bot.log());
    for outcome in ["retried", "failed", "abandoned"] {
        assert_eq!(page.value(POSTS, &[("outcome", outcome)]), Some(0.0), "{outcome} starts at 0");
    }
    let lateness = page.count("studybot_lesson_lateness_seconds", &[("platform", "console")]);
    assert!(lateness.unwrap_or(0.0) >= 1.0, "{}", page.text);
    assert_eq!(page.value("studybot_lease_holder", &[]), Some(1.0), "{}", page.text);
    assert!(page.value("studybot_lease_takeovers_total", &[]).unwrap_or(0.0) >= 1.0);
    assert_eq!(page.value("studybot_active_cohorts", &[]), Some(1.0), "{}", page.text);
    assert_eq!(page.value("studybot_db_errors_total", &[("class", "disk_full")]), Some(0.0));
    assert_eq!(page.value("studybot_build_info", &[("platform", "console")]), Some(1.0));
    assert!(page.text.contains("# HELP studybot_lesson_posts_total"), "{}", page.text);
    assert!(page.text.contains("# TYPE studybot_lesson_lateness_seconds histogram"), "{}", page.text);

    let (status, body) = get(address, "/readyz").await;
    assert_eq!((status, body.as_str()), (200, "ready"), "{}", bot.log());
    // The scrape ran the readiness check too.
    assert_eq!(scrape(address).await.value("studybot_ready", &[]), Some(1.0));
    assert_eq!(get(address, "/nothing-here").await.0, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_taken_port_stops_the_start_with_the_address() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path());
    let timeline = Timeline::starting_now("2026-12-01T08:00:00Z".parse().unwrap(), 1.0);
    let env = [("STUDYBOT_HTTP__LISTEN", address.as_str())];
    let mut bot = Bot::start_with(dir.path(), &url, &dir.path().join("r.jsonl"), &timeline, 1, &env);
    let code = bot.wait_exit(LIMIT).await;
    assert_ne!(code, Some(0), "{}", bot.log());
    assert!(bot.log().contains(&format!("cannot listen on {address}")), "{}", bot.log());
}

#[tokio::test(flavor = "multi_thread")]
async fn off_means_no_server() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path());
    let timeline = Timeline::starting_now("2026-12-01T08:00:00Z".parse().unwrap(), 1.0);
    let env = [("STUDYBOT_HTTP__LISTEN", "off")];
    let bot = Bot::start_with(dir.path(), &url, &dir.path().join("r.jsonl"), &timeline, 1, &env);
    assert!(bot.wait_for_log("HTTP server off", LIMIT).is_some(), "{}", bot.log());
    assert!(!bot.logged("HTTP server listening"), "{}", bot.log());
}

#[tokio::test(flavor = "multi_thread")]
async fn discord_counts_posts_checkins_and_handling() {
    let h = discord_bot::running("2026-12-01T08:58:00Z", "2026-12-01").await;
    let address = h.bot.as_ref().unwrap().http_address();
    let post = h.wait_lesson(1).await;
    let message = discord_bot::id_of(&post);
    let bot_reacted = |f: &FakeDiscord| f.reactions(h.channel, message, "✅").contains(&f.bot_id());
    assert!(h.fake.wait_for(discord_bot::STEP, bot_reacted).await, "the bot adds ✅ itself");
    h.fake.react(&discord_bot::member(21, "Alice"), h.channel, message, "✅").await;
    h.wait_checkpoints("alice's reaction", |c| c.len() == 1).await;

    let reaction = [("platform", "discord"), ("source", "reaction")];
    let page =
        scrape_until(address, LIMIT, |p| p.value("studybot_checkins_total", &reaction) == Some(1.0)).await;
    assert_eq!(page.value("studybot_checkins_total", &reaction), Some(1.0), "{}", page.text);
    assert_eq!(
        page.value(POSTS, &[("platform", "discord"), ("outcome", "sent")]),
        Some(1.0),
        "{}",
        page.text
    );
    let handled = page.count("studybot_handling_seconds", &[("platform", "discord"), ("kind", "command")]);
    assert!(handled.unwrap_or(0.0) >= 1.0, "the setup command was timed: {}", page.text);
    let reactions = page.count("studybot_handling_seconds", &[("platform", "discord"), ("kind", "reaction")]);
    assert!(reactions.unwrap_or(0.0) >= 1.0, "{}", page.text);
    assert_eq!(page.value("studybot_acks_late_total", &[("platform", "discord")]), Some(0.0));
    assert_eq!(page.value("studybot_rate_limited_total", &[("platform", "discord")]), Some(0.0));
    assert_eq!(page.value("studybot_lease_holder", &[]), Some(1.0));
    let batches = page.count("studybot_writer_batch_size", &[]).unwrap_or(0.0);
    assert!(batches >= 1.0, "the check-in went through the group-commit writer: {}", page.text);
    assert_eq!(get(address, "/readyz").await, (200, "ready".to_string()));
    eprintln!("discord /metrics: {} bytes in {:?}", page.text.len(), page.took);
}

async fn slack_counts_posts_and_checkins(mode: Mode) {
    let h = slack_bot::running("2026-12-01T08:58:00Z", "2026-12-01", mode).await;
    let address = h.bot.as_ref().unwrap().http_address();
    if mode == Mode::Http {
        // One listener: the Events API routes and the health routes share it.
        assert_eq!(address.port(), h.port, "{}", h.log());
    }
    let post = h.wait_lesson(1).await;
    let ts = post["ts"].as_str().unwrap().to_string();
    let bot_reacted =
        |f: &FakeSlack| f.reactions(&h.channel, &ts, "white_check_mark").contains(&f.bot_user_id());
    assert!(h.fake.wait_for(slack_bot::STEP, bot_reacted).await, "the bot adds ✅ itself");
    let alice = slack_bot::member("U0ALICE", "Alice");
    h.fake.react(&alice, &h.channel, &ts, "white_check_mark").await;
    let by_command = h.ask(&slack_bot::member("U0CAROL", "Carol"), "checkpoint").await;
    assert!(by_command.contains("Day 121 done"), "{by_command}");
    h.wait_checkpoints("a reaction and a command", |c| c.len() == 2).await;

    let checkins = |source| [("platform", "slack"), ("source", source)];
    let page = scrape_until(address, LIMIT, |p| {
        p.value("studybot_checkins_total", &checkins("reaction")) == Some(1.0)
            && p.value("studybot_checkins_total", &checkins("command")) == Some(1.0)
    })
    .await;
    for source in ["reaction", "command"] {
        assert_eq!(page.value("studybot_checkins_total", &checkins(source)), Some(1.0), "{}", page.text);
    }
    assert_eq!(page.value(POSTS, &[("platform", "slack"), ("outcome", "sent")]), Some(1.0), "{}", page.text);
    assert_eq!(page.value("studybot_acks_late_total", &[("platform", "slack")]), Some(0.0));
    assert_eq!(page.value("studybot_lease_holder", &[]), Some(1.0));
    let (status, body) = get(address, "/readyz").await;
    assert_eq!((status, body.as_str()), (200, "ready"), "{}", h.log());
    assert_eq!(get(address, "/healthz").await, (200, "ok".to_string()));
}

#[tokio::test(flavor = "multi_thread")]
async fn slack_socket_mode_counts_posts_and_checkins() {
    slack_counts_posts_and_checkins(Mode::Socket).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn slack_http_mode_shares_the_server_and_counts() {
    slack_counts_posts_and_checkins(Mode::Http).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn readyz_follows_the_database() {
    readiness::while_postgres_goes_away().await;
}

mod readiness {
    //! PostgreSQL behind a TCP proxy the test owns: cutting it makes `/readyz` answer 503 with the
    //! reason, restoring it brings 200 back.

    use super::*;
    use support::db::TestDb;
    use support::proxy::Proxy;

    pub async fn while_postgres_goes_away() {
        let Some(db) = TestDb::postgres().await else { return };
        let proxy = Proxy::start(db.url()).await;
        let dir = tempfile::tempdir().unwrap();
        let timeline = Timeline::starting_now("2026-12-01T08:00:00Z".parse().unwrap(), 1.0);
        let url = proxy.url(db.url());
        let mut bot = Bot::start(dir.path(), &url, &dir.path().join("r.jsonl"), &timeline, 1);
        let address = bot.http_address();
        assert!(wait_ready(address, 200).await.0, "never ready: {}", bot.log());

        proxy.cut();
        let (cut, body) = wait_ready(address, 503).await;
        assert!(cut && body.starts_with("database unreachable"), "{body}\n{}", bot.log());
        let page = scrape(address).await;
        assert_eq!(page.value("studybot_ready", &[]), Some(0.0), "{}", page.text);
        let lost = page.value("studybot_db_errors_total", &[("class", "connection_lost")]).unwrap_or(0.0)
            + page.value("studybot_db_errors_total", &[("class", "busy")]).unwrap_or(0.0);
        assert!(lost >= 1.0, "the failed checks are counted: {}", page.text);

        proxy.restore();
        let (back, body) = wait_ready(address, 200).await;
        assert!(back, "not ready again: {body}\n{}", bot.log());
        bot.terminate();
        db.cleanup().await;
    }

    /// Polls `/readyz` until it answers `status`, for up to [`LIMIT`]; whether it did, and the body.
    async fn wait_ready(address: std::net::SocketAddr, status: u16) -> (bool, String) {
        let deadline = std::time::Instant::now() + LIMIT;
        loop {
            let (got, body) = get(address, "/readyz").await;
            if got == status || std::time::Instant::now() >= deadline {
                return (got == status, body);
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

#[test]
fn operations_doc_lists_every_metric() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/operations.md")).unwrap();
    let section = doc.split("## Health and metrics").nth(1).expect("a `## Health and metrics` section");
    for metric in studybot::ops::metrics::METRICS {
        assert!(
            section.contains(&format!("`{}`", metric.name)),
            "docs/operations.md lacks `{}`",
            metric.name
        );
    }
}
