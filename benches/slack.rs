//! Slack benchmark: the real `studybot run` against the fake Slack — a burst of lesson posts with their ✅ under Slack's limits, and how fast a crowd of `/studybot checkpoint` is acknowledged in both modes. Prints figures and ratios; asserts nothing about time.
//!
//! `cargo bench --bench slack` (SQLite). `STUDYBOT_BENCH_COHORTS` (300) cohorts post at once;
//! their ✅ are watched for 60 s after the posts, or until all are there with
//! `STUDYBOT_BENCH_CHECKMARKS=all` (about 1.25 s each). `STUDYBOT_BENCH_COMMANDS` (200) members
//! then each send one `/studybot checkpoint`, once in Socket Mode and once over HTTP.

#[path = "../tests/support/fake_slack/mod.rs"]
#[allow(dead_code)]
mod fake_slack;
#[path = "common/process.rs"]
#[allow(dead_code)]
mod process;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant, SystemTime};

use fake_slack::{APP_TOKEN, BOT_TOKEN, FakeSlack, SIGNING_SECRET, SlackUser};
use process::{Process, percentile, report_log};
use serde_json::Value;
use studybot::store::{NewCohort, Platform, Store};

/// The virtual instant the bot starts at: every cohort's first lesson is due then.
const DUE: &str = "2026-12-01T09:00:00Z";
/// Slack's deadline for acknowledging a command.
const DEADLINE_MS: u64 = 3000;
/// Tier 3, where Slack puts reactions.add: about 50 calls a minute per workspace.
const TIER3_PER_MIN: f64 = 50.0;
const HOLDING: &str = "Working on it";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Socket,
    Http,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Socket => "socket",
            Mode::Http => "http",
        }
    }
}

#[tokio::main]
async fn main() {
    let cohorts = env_number("STUDYBOT_BENCH_COHORTS", 300);
    let commands = env_number("STUDYBOT_BENCH_COMMANDS", 200);
    let all_checks = std::env::var("STUDYBOT_BENCH_CHECKMARKS").is_ok_and(|v| v == "all");
    burst(cohorts, all_checks).await;
    for mode in [Mode::Socket, Mode::Http] {
        acknowledgements(mode, commands).await;
    }
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|n| n.parse().ok()).unwrap_or(default)
}

/// Part 1: `cohorts` cohorts in as many channels, all due now, in Socket Mode.
async fn burst(cohorts: usize, all_checks: bool) {
    let fake = FakeSlack::start().await;
    fake.set_method_limit("reactions.add", Some((50, Duration::from_secs(60))));
    let channels: Vec<String> = (0..cohorts).map(|n| fake.channel(&format!("study-{n}"))).collect();
    let (dir, _, _) = prepare(&fake, Mode::Socket, &channels).await;
    let started = Instant::now();
    let (bot, connected) = Bot::start(&fake, dir.path(), Mode::Socket, 0).await;
    let connected_ms = started.elapsed().as_secs_f64() * 1000.0;
    let posted = |f: &FakeSlack| channels.iter().filter(|c| !f.messages(c).is_empty()).count();
    let all = fake.wait_for(Duration::from_secs(600), |f| posted(f) == cohorts).await;
    let secs = started.elapsed().as_secs_f64();
    let requests = fake.requests();
    let throttled =
        |method: &str| requests.iter().filter(|r| r.api_method == method && r.status == 429).count();
    println!(
        "slack  burst: {cohorts} cohorts due at once, Socket Mode (connected: {connected} after {connected_ms:.0} ms, \
         all posted: {all}): {} lessons posted {secs:.2} s after start = {:.1} posts/s, {:.1} ms a post (Slack limits \
         chat.postMessage per channel only, 1/s each) · {} chat.postMessage calls, {} Web API requests in all · 429s from the \
         fake: {} (chat.postMessage {}, reactions.add {}) · requests inside a 429 window: {}",
        posted(&fake),
        cohorts as f64 / secs,
        secs * 1000.0 / cohorts as f64,
        requests.iter().filter(|r| r.api_method == "chat.postMessage").count(),
        requests.len(),
        fake.rate_limited(),
        throttled("chat.postMessage"),
        throttled("reactions.add"),
        fake.over_limit_after_429(),
    );
    checkmarks(&fake, &channels, started, all_checks).await;
    let problems = bot.stop();
    report_log("slack  burst", &problems);
}

/// Watches the bot's ✅ under the posts: for 60 s, or until all are there.
async fn checkmarks(fake: &FakeSlack, channels: &[String], started: Instant, all: bool) {
    let bot_user = fake.bot_user_id();
    let checked = |f: &FakeSlack| {
        channels
            .iter()
            .filter(|c| {
                let posts = f.messages(c);
                let ts = posts.first().and_then(|m| m["ts"].as_str()).unwrap_or_default().to_string();
                f.reactions(c, &ts, "white_check_mark").contains(&bot_user)
            })
            .count()
    };
    let window_start = Instant::now();
    let window =
        if all { Duration::from_secs(60 + 3 * channels.len() as u64) } else { Duration::from_secs(60) };
    let (mut first, mut last, mut count) = (None, None, 0);
    while window_start.elapsed() < window && count < channels.len() {
        let now = checked(fake);
        if now > count {
            first = first.or(Some(started.elapsed()));
            last = Some(started.elapsed());
            count = now;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let watched = window_start.elapsed().as_secs_f64();
    let pace = match (first, last) {
        (Some(f), Some(l)) if l > f && count > 1 => (count - 1) as f64 * 60.0 / (l - f).as_secs_f64(),
        _ => 0.0,
    };
    let calls = fake.calls("reactions.add");
    let refused = calls.iter().filter(|r| r.status == 429).count();
    let eta = channels.len() as f64 * 60.0 / TIER3_PER_MIN;
    println!(
        "slack  ✅: {count}/{} added by the bot, watched {watched:.1} s after the last post ({}); first ✅ {:.2} s, \
         last {:.2} s after start; pace {pace:.1} ✅/min = {:.2}× Slack's {TIER3_PER_MIN:.0}/min (Tier 3) · \
         reactions.add calls {}, 429s {refused} · all {} at 50/min take ≥ {eta:.0} s",
        channels.len(),
        if all { "STUDYBOT_BENCH_CHECKMARKS=all" } else { "60 s by default" },
        first.map_or(0.0, |d| d.as_secs_f64()),
        last.map_or(0.0, |d| d.as_secs_f64()),
        pace / TIER3_PER_MIN,
        calls.len(),
        channels.len(),
    );
}

/// Part 2: one cohort, `commands` members each sending `/studybot checkpoint` at the same time.
async fn acknowledgements(mode: Mode, commands: usize) {
    let fake = FakeSlack::start().await;
    let channel = fake.channel("study");
    let (dir, url, ids) = prepare(&fake, mode, std::slice::from_ref(&channel)).await;
    let port = free_port();
    rewrite_listen(dir.path(), port);
    let (bot, ready) = Bot::start(&fake, dir.path(), mode, port).await;
    let posted = fake.wait_for(Duration::from_secs(60), |f| !f.messages(&channel).is_empty()).await;
    let members: Vec<SlackUser> =
        (0..commands).map(|n| SlackUser::new(&format!("U0M{n:06}"), &format!("Member {n}"), false)).collect();
    let store = Store::connect_with(&url, Some(1)).await.expect("open the bench database");

    let fired = Instant::now();
    let mut deliveries = Vec::new();
    for member in &members {
        deliveries.push(fake.command(member, &channel, "checkpoint").await);
    }
    let done = |f: &FakeSlack| {
        members.iter().zip(&deliveries).filter(|(m, id)| !f.acks(id).is_empty() && answered(f, m, id)).count()
    };
    let (mut stored, mut stored_after, mut answered_after) = (0, None, None);
    while fired.elapsed() < Duration::from_secs(180) && (stored_after.is_none() || answered_after.is_none()) {
        if answered_after.is_none() && done(&fake) == commands {
            answered_after = Some(fired.elapsed());
        }
        if stored_after.is_none() {
            stored = store.list_cohort_checkpoints(ids[0]).await.map_or(stored, |c| c.len());
            stored_after = (stored == commands).then(|| fired.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    store.close().await;
    let figures = Figures::collect(&fake, &members, &deliveries, mode);
    let answered_n = done(&fake);
    let stored_secs = stored_after.unwrap_or_else(|| fired.elapsed()).as_secs_f64();
    println!(
        "slack  acks {}: {commands} `/studybot checkpoint` from {commands} members at once (bot ready: {ready}, \
         lesson posted: {posted}): acked {}/{commands}, answered {answered_n}/{commands} (\"Day 121 done\": {}) \
         {} · ack p50 {} ms, p95 {} ms, max {} ms = {:.2}× Slack's 3,000 ms · acks after the deadline: {} \
         (HTTP timeouts, status 0: {}) · direct answers {}, holding replies \"{HOLDING}\" {} · {stored}/{commands} \
         checkpoints stored {stored_secs:.2} s after the first command = {:.1} checkpoints/s · 429s from the fake: {}",
        mode.name(),
        figures.acked,
        figures.done_texts,
        answered_after
            .map_or("never all".to_string(), |d| format!("all answered after {:.2} s", d.as_secs_f64())),
        percentile(&figures.ack_ms, 50),
        percentile(&figures.ack_ms, 95),
        figures.ack_ms.last().copied().unwrap_or(0),
        figures.ack_ms.last().copied().unwrap_or(0) as f64 / DEADLINE_MS as f64,
        figures.late,
        figures.timeouts,
        figures.direct,
        figures.holding,
        stored as f64 / stored_secs,
        fake.rate_limited(),
    );
    let problems = bot.stop();
    report_log(&format!("slack  acks {}", mode.name()), &problems);
}

/// Whether `user` has seen an answer to delivery `id` other than the holding reply.
fn answered(fake: &FakeSlack, user: &SlackUser, id: &str) -> bool {
    let answers = fake.ephemerals(&user.id);
    answers.iter().filter(|e| e["id"] == id).any(|e| !e.to_string().contains(HOLDING))
}

/// What the acks and answers of one run add up to.
#[derive(Default)]
struct Figures {
    /// The first ack's latency per delivery that was acked, sorted.
    ack_ms: Vec<u64>,
    acked: usize,
    late: usize,
    timeouts: usize,
    direct: usize,
    holding: usize,
    done_texts: usize,
}

impl Figures {
    fn collect(fake: &FakeSlack, members: &[SlackUser], deliveries: &[String], mode: Mode) -> Figures {
        let mut f = Figures::default();
        for (member, id) in members.iter().zip(deliveries) {
            let Some(ack) = fake.acks(id).into_iter().next() else { continue };
            let after = ack["after_ms"].as_u64().unwrap_or(0);
            let timeout = mode == Mode::Http && ack["status"] == 0;
            f.acked += 1;
            f.ack_ms.push(after);
            f.timeouts += usize::from(timeout);
            f.late += usize::from(timeout || after > DEADLINE_MS);
            let answers: Vec<Value> =
                fake.ephemerals(&member.id).into_iter().filter(|e| e["id"] == id.as_str()).collect();
            let by_ack = answers.iter().find(|e| e["via"] == "ack");
            f.holding += usize::from(by_ack.is_some_and(|e| e.to_string().contains(HOLDING)));
            f.direct += usize::from(by_ack.is_some_and(|e| !e.to_string().contains(HOLDING)));
            f.done_texts += usize::from(answers.iter().any(|e| e.to_string().contains("Day 121 done")));
        }
        f.ack_ms.sort_unstable();
        f
    }
}

/// A database with one cohort per channel, due at [`DUE`], and the bot's config beside it.
async fn prepare(fake: &FakeSlack, mode: Mode, channels: &[String]) -> (tempfile::TempDir, String, Vec<i64>) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let store = Store::open(&url).await.unwrap();
    let mut ids = Vec::new();
    for channel in channels {
        ids.push(store.create_cohort(&cohort(&fake.team_id(), channel)).await.unwrap().id);
    }
    store.close().await;
    let config = format!(
        "[database]\nurl = \"{url}\"\n\n[slack]\nmode = \"{}\"\napi_url = \"{}\"\nlisten = \"127.0.0.1:0\"\n",
        mode.name(),
        fake.api_url()
    );
    std::fs::write(dir.path().join("studybot.toml"), config).unwrap();
    (dir, url, ids)
}

fn rewrite_listen(dir: &Path, port: u16) {
    let path = dir.join("studybot.toml");
    let config = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, config.replace("127.0.0.1:0", &format!("127.0.0.1:{port}"))).unwrap();
}

/// A port nothing listens on now, for the bot's HTTP endpoint.
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

fn cohort(team: &str, channel: &str) -> NewCohort {
    NewCohort {
        platform: Platform::Slack,
        workspace_id: team.to_string(),
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
        created_by: "U0ORGANIZER".into(),
        created_at: 0,
    }
}

/// A running `studybot run` on Slack.
struct Bot;

impl Bot {
    /// Starts the bot and waits until Slack can reach it: the socket connected, or the endpoint
    /// listening (then the fake's request urls point at it). Returns whether it got there.
    async fn start(fake: &FakeSlack, dir: &Path, mode: Mode, port: u16) -> (Process, bool) {
        let secret = match mode {
            Mode::Socket => ("STUDYBOT_SLACK__APP_TOKEN", APP_TOKEN),
            Mode::Http => ("STUDYBOT_SLACK__SIGNING_SECRET", SIGNING_SECRET),
        };
        let mut bot = Bot::spawn(dir, secret);
        let ready = match mode {
            Mode::Socket => fake.wait_connected(Duration::from_secs(60)).await,
            Mode::Http => {
                let listening =
                    bot.wait_log(0, "Slack Events API endpoint listening", Duration::from_secs(60)).await;
                fake.use_http(&format!("http://127.0.0.1:{port}/slack"));
                listening.is_ok()
            }
        };
        (bot, ready)
    }

    fn spawn(dir: &Path, secret: (&str, &str)) -> Process {
        let anchor = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_millis();
        let mut command = Command::new(env!("CARGO_BIN_EXE_studybot"));
        command
            .current_dir(dir)
            .env("STUDYBOT_SLACK__BOT_TOKEN", BOT_TOKEN)
            .env(secret.0, secret.1)
            .env("STUDYBOT_CURRICULUM__DIR", Path::new(env!("CARGO_MANIFEST_DIR")).join("curriculum"))
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            // Socket Mode: the health server on a free port. HTTP mode: where `slack.listen` says
            // (an empty variable is an unset one).
            .env(
                "STUDYBOT_HTTP__LISTEN",
                if secret.0 == "STUDYBOT_SLACK__APP_TOKEN" { "127.0.0.1:0" } else { "" },
            )
            .arg("run")
            .args(["--clock-origin", DUE, "--clock-speed", "1", "--clock-anchor-ms", &anchor.to_string()]);
        Process::start(command)
    }
}
