//! Scale benchmark (issue 15 §3, §4, §6): the release binary with 10k cohorts and 100k members — time to its first scheduler pass, incremental reloads under 100 admin changes, RSS through them, and a 1,000-cohort fan-out — on SQLite, and on PostgreSQL when configured. Prints a table; asserts nothing about time.
//!
//! Each backend gets a fresh database. One console cohort is set up through the coach
//! (`/studybot setup`, which stores and binds the curriculum version of
//! curriculum/days_121_150_lakehouse_architecture.md); its row is cloned with multi-row
//! `INSERT … SELECT` in one transaction into `STUDYBOT_BENCH_COHORTS` (10,000) cohorts in all, each
//! with its own channel, and `STUDYBOT_BENCH_MEMBERS` (100,000) members are spread over them
//! (`members` + `cohort_members`). All start on the day of the virtual origin (00:05 UTC); the
//! lessons of all but the last `STUDYBOT_BENCH_FANOUT` (1,000) cohorts are spread over the day, so
//! a few are due at the start; the fan-out's are parked at 23:59.
//!
//! 1. `studybot run` (console platform, `--record`, virtual clock at the origin, speed 1, the epoch
//!    read every `STUDYBOT_BENCH_EPOCH_POLL_MS` (100) ms) starts; measured: spawn → "studybot
//!    running", → "schedule loaded", → "first scheduler pass done" (its `ticked` count), and
//!    RSS then.
//! 2. `STUDYBOT_BENCH_CHANGES` (100) admin changes, one at a time, from outside the bot as another
//!    instance would make them (`UPDATE cohorts SET grace_secs = grace_secs + 1` on a random
//!    spread cohort; the triggers stamp it and bump the epoch), each after a random pause within one
//!    poll interval; after each, the bench waits for the debug "schedule reloaded" line. Measured:
//!    commit → line latency (min ≈ the reload's own cost, p50, max), `reloaded=` per reload, RSS
//!    (VmHWM / VmRSS) after 4, 20 and the last change, and the bot's CPU time (utime + stime from
//!    /proc) across the changes next to the same wall time idle before them.
//! 3. Fan-out: one UPDATE moves the fan-out cohorts' lessons to the minute ≥ 30 s ahead on the
//!    bot's clock; measured: from that minute until the record holds one post per fan-out cohort,
//!    and RSS after.
//! 4. Restart: the bot stops and starts again on the same clock; measured: spawn → "schedule
//!    loaded" and its counts of cohorts due at once (`ready=`) and waiting for the wake-up saved
//!    after their last tick (`waiting=`).
//!
//! `cargo bench --bench scale`; PostgreSQL too with
//! `STUDYBOT_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres` (a throwaway database
//! per run, as tests/support/db.rs makes them).

#[path = "scale/bot.rs"]
mod bot;
#[path = "../tests/support/db.rs"]
#[allow(dead_code)]
mod db;
#[path = "common/process.rs"]
mod process;
#[path = "scale/seed.rs"]
mod seed;
#[path = "../tests/support/bot.rs"]
#[allow(dead_code)]
mod support;

use process::{percentile, report_log};
use std::time::{Duration, Instant, SystemTime};

use chrono::{DateTime, Timelike, Utc};
use db::{POSTGRES_URL_VAR, TestDb};
use rand::{Rng, SeedableRng};
use studybot::store::Store;
use support::Timeline;

/// The bot's virtual clock at spawn, and the cohorts' start date.
const ORIGIN: &str = "2026-12-01T00:05:00Z";
const START: &str = "2026-12-01";
/// RSS is reported after these many changes (and after the last).
const RSS_AFTER: [usize; 2] = [4, 20];

/// The knobs of one run (see the module doc).
#[derive(Clone, Copy)]
pub struct Shape {
    pub cohorts: usize,
    pub members: usize,
    pub fanout: usize,
    pub changes: usize,
    pub poll_ms: u64,
}

impl Shape {
    fn from_env() -> Shape {
        let n = |name: &str, default: usize| {
            std::env::var(name).ok().and_then(|v| v.replace('_', "").parse().ok()).unwrap_or(default)
        };
        let cohorts = n("STUDYBOT_BENCH_COHORTS", 10_000).max(2);
        Shape {
            cohorts,
            members: n("STUDYBOT_BENCH_MEMBERS", 100_000),
            fanout: n("STUDYBOT_BENCH_FANOUT", 1_000).min(cohorts - 1),
            changes: n("STUDYBOT_BENCH_CHANGES", 100).max(1),
            poll_ms: n("STUDYBOT_BENCH_EPOCH_POLL_MS", 100) as u64,
        }
    }
}

/// One backend's figures.
#[derive(Default)]
struct Figures {
    backend: &'static str,
    seed_secs: f64,
    running: f64,
    loaded: f64,
    first_pass: f64,
    ticked: i64,
    posted_at_start: usize,
    rss_start: (f64, f64),
    latencies: Vec<f64>,
    reloaded: Vec<i64>,
    rss_after: Vec<(usize, (f64, f64))>,
    cpu_changes: f64,
    cpu_idle: f64,
    fan_reloaded: i64,
    fan_reload_ms: f64,
    fan_secs: f64,
    rss_fan: (f64, f64),
    /// The restart: spawn → "schedule loaded", and its counts of cohorts due at once and waiting.
    restart_loaded: f64,
    restart_ready: i64,
    restart_waiting: i64,
}

#[tokio::main]
async fn main() {
    let shape = Shape::from_env();
    let started = Instant::now();
    println!(
        "scale: {} cohorts ({} in the fan-out), {} members, {} admin changes, epoch poll {} ms",
        shape.cohorts, shape.fanout, shape.members, shape.changes, shape.poll_ms
    );
    let mut table = vec![run("sqlite", &TestDb::sqlite(), &shape).await];
    match TestDb::postgres().await {
        Some(db) => {
            table.push(run("postgres", &db, &shape).await);
            db.cleanup().await;
        }
        None => println!("scale postgres: skipped ({POSTGRES_URL_VAR} is not set)"),
    }
    print_table(&shape, &table);
    println!("\nscale: done in {:.0} s", started.elapsed().as_secs_f64());
}

async fn run(backend: &'static str, db: &TestDb, shape: &Shape) -> Figures {
    let origin: DateTime<Utc> = ORIGIN.parse().unwrap();
    let seeded = seed::seed(db.url(), shape, START, origin).await;
    println!("scale {backend}: seeded in {:.1} s", seeded.secs);
    let mut f = Figures { backend, seed_secs: seeded.secs, ..Figures::default() };
    let timeline = Timeline::starting_now(origin, 1.0);
    let mut bot = bot::Bot::spawn(db.url(), &timeline, shape.poll_ms);
    let limit = Duration::from_secs(900);
    let spawned = bot.spawned;
    let since = |at: Instant| at.duration_since(spawned).as_secs_f64();
    let (_, at, _) = bot.wait_log(0, "studybot running", limit).await;
    f.running = since(at);
    let (_, at, line) = bot.wait_log(0, "schedule loaded", limit).await;
    f.loaded = since(at);
    let loaded = bot::field(&line, "cohorts").unwrap_or(-1);
    assert_eq!(loaded, shape.cohorts as i64, "the first load reads every cohort: {line}");
    let (_, at, line) = bot.wait_log(0, "first scheduler pass done", limit).await;
    (f.first_pass, f.ticked) = (since(at), bot::field(&line, "ticked").unwrap_or(-1));
    f.rss_start = bot.process.rss_mb();
    f.posted_at_start = bot::recorded(&bot.record, "");
    println!(
        "scale {backend}: running {:.1} s, schedule loaded {:.1} s, first pass done {:.1} s after spawn ({} ticked, {} lessons posted)",
        f.running, f.loaded, f.first_pass, f.ticked, f.posted_at_start
    );
    changes(&mut bot, db.url(), shape, &seeded.spread, &mut f).await;
    fanout(&mut bot, db.url(), shape, &timeline, &mut f).await;
    report_log(&format!("scale {backend}"), &bot.process.stop());
    restart(backend, db.url(), shape, &timeline, &mut f).await;
    f
}

/// The bot started again on the same database, on the same clock: how many cohorts its first load
/// finds due at once; the others wait for the wake-up saved after their last tick.
async fn restart(backend: &str, url: &str, shape: &Shape, timeline: &Timeline, f: &mut Figures) {
    let mut bot = bot::Bot::spawn(url, timeline, shape.poll_ms);
    let (_, at, line) = bot.wait_log(0, "schedule loaded", Duration::from_secs(900)).await;
    f.restart_loaded = at.duration_since(bot.spawned).as_secs_f64();
    f.restart_ready = bot::field(&line, "ready").unwrap_or(-1);
    f.restart_waiting = bot::field(&line, "waiting").unwrap_or(-1);
    println!(
        "scale {backend}: restart, schedule loaded {:.1} s after spawn: {} cohorts due at once, {} waiting for their wake-up",
        f.restart_loaded, f.restart_ready, f.restart_waiting
    );
    report_log(&format!("scale {backend} restart"), &bot.process.stop());
}

/// The admin changes, one at a time, each waited for until the bot reloads.
async fn changes(bot: &mut bot::Bot, url: &str, shape: &Shape, spread: &[i64], f: &mut Figures) {
    let store = Store::connect_with(url, Some(1)).await.expect("connect as another instance");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(15);
    let poll = Duration::from_millis(shape.poll_ms);
    // The bot idles (but for its polls and a few lessons falling due) about as long as the changes take.
    let idle = poll.mul_f64(shape.changes as f64).clamp(Duration::from_secs(3), Duration::from_secs(30));
    let cpu = bot.process.cpu_secs();
    tokio::time::sleep(idle).await;
    let idle_rate = (bot.process.cpu_secs() - cpu) / idle.as_secs_f64();
    let (cpu, wall) = (bot.process.cpu_secs(), Instant::now());
    for n in 1..=shape.changes {
        tokio::time::sleep(poll.mul_f64(rng.random::<f64>())).await;
        let cohort = spread[rng.random_range(0..spread.len())];
        let from = bot.process.lines();
        sqlx::query("UPDATE cohorts SET grace_secs = grace_secs + 1 WHERE id = $1")
            .bind(cohort)
            .execute(store.pool())
            .await
            .expect("admin change");
        let committed = Instant::now();
        let (_, at, line) = bot.wait_log(from, "schedule reloaded", Duration::from_secs(60)).await;
        f.latencies.push(at.saturating_duration_since(committed).as_secs_f64() * 1000.0);
        f.reloaded.push(bot::field(&line, "reloaded").unwrap_or(-1));
        if RSS_AFTER.contains(&n) || n == shape.changes {
            f.rss_after.push((n, bot.process.rss_mb()));
        }
    }
    f.cpu_changes = bot.process.cpu_secs() - cpu;
    f.cpu_idle = idle_rate * wall.elapsed().as_secs_f64();
    store.close().await;
    let mut sorted = f.latencies.clone();
    sorted.sort_by(f64::total_cmp);
    println!(
        "scale: {} changes; reload latency min {:.1} / p50 {:.1} / max {:.1} ms; reloaded per change {:?}..{:?}",
        shape.changes,
        sorted[0],
        percentile(&sorted, 50),
        sorted[sorted.len() - 1],
        f.reloaded.iter().min(),
        f.reloaded.iter().max()
    );
}

/// Moves the fan-out cohorts' lessons to one minute and waits until each has posted.
async fn fanout(bot: &mut bot::Bot, url: &str, shape: &Shape, timeline: &Timeline, f: &mut Figures) {
    let now = timeline.now();
    let at = (now + chrono::Duration::seconds(90)).with_second(0).unwrap().with_nanosecond(0).unwrap();
    let cron = format!("{} {} * * *", at.minute(), at.hour());
    let store = Store::connect_with(url, Some(1)).await.expect("connect as another instance");
    let from = bot.process.lines();
    let sql = "UPDATE cohorts SET schedule = $1 WHERE channel_id LIKE 'fan-%'";
    let moved = sqlx::query(sql).bind(&cron).execute(store.pool()).await.expect("move the fan-out");
    assert_eq!(moved.rows_affected(), shape.fanout as u64, "every fan-out cohort moves");
    let committed = Instant::now();
    store.close().await;
    let (_, reloaded, line) = bot.wait_log(from, "schedule reloaded", Duration::from_secs(120)).await;
    f.fan_reloaded = bot::field(&line, "reloaded").unwrap_or(-1);
    f.fan_reload_ms = reloaded.saturating_duration_since(committed).as_secs_f64() * 1000.0;
    // The real instant the bot's clock reads `at`.
    let real = timeline.anchor + (at - timeline.origin).to_std().unwrap().div_f64(timeline.speed);
    let wait = real.duration_since(SystemTime::now()).unwrap_or_default();
    println!(
        "scale: fan-out of {} cohorts at {at} (cron `{cron}`), {:.0} s from now",
        shape.fanout,
        wait.as_secs_f64()
    );
    tokio::time::sleep(wait).await;
    let due = Instant::now();
    let mut posted = 0;
    while due.elapsed() < Duration::from_secs(600) {
        posted = bot::recorded(&bot.record, "fan-");
        if posted >= shape.fanout {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    f.fan_secs = due.elapsed().as_secs_f64();
    f.rss_fan = bot.process.rss_mb();
    assert_eq!(posted, shape.fanout, "one post per fan-out cohort in the record");
}

fn print_table(shape: &Shape, table: &[Figures]) {
    println!();
    println!(
        "| measure | target (issue 15) | {} |",
        table.iter().map(|f| f.backend).collect::<Vec<_>>().join(" | ")
    );
    println!("|---|---|{}", "---|".repeat(table.len()));
    let row = |measure: String, target: &str, cell: &dyn Fn(&Figures) -> String| {
        println!("| {measure} | {target} | {} |", table.iter().map(cell).collect::<Vec<_>>().join(" | "));
    };
    let mb = |(peak, now): (f64, f64)| format!("{peak:.0} / {now:.0} MB");
    row("seed (setup + clones + members)".into(), "–", &|f| format!("{:.1} s", f.seed_secs));
    row("spawn → \"studybot running\"".into(), "–", &|f| format!("{:.1} s", f.running));
    row("spawn → \"schedule loaded\"".into(), "–", &|f| format!("{:.1} s", f.loaded));
    row("spawn → first scheduler pass done (cohorts ticked)".into(), "only cohorts with due work", &|f| {
        format!(
            "{:.1} s ({} of {}; {} had a lesson due)",
            f.first_pass, f.ticked, shape.cohorts, f.posted_at_start
        )
    });
    row("RSS after startup (VmHWM / VmRSS)".into(), "≤ 150 MB", &|f| mb(f.rss_start));
    let target = format!("only the changed cohort: ≤ 10 ms (+ up to {} ms poll)", shape.poll_ms);
    row(
        format!("reload after one admin change: min / p50 / max (epoch poll {} ms)", shape.poll_ms),
        &target,
        &|f| {
            let mut s = f.latencies.clone();
            s.sort_by(f64::total_cmp);
            format!("{:.1} / {:.1} / {:.1} ms", s[0], percentile(&s, 50), s[s.len() - 1])
        },
    );
    row("cohorts read per reload (min–max)".into(), "1", &|f| {
        format!("{}–{}", f.reloaded.iter().min().unwrap(), f.reloaded.iter().max().unwrap())
    });
    row(format!("bot CPU across {} changes (idle for the same time)", shape.changes), "–", &|f| {
        format!("{:.2} s ({:.2} s)", f.cpu_changes, f.cpu_idle)
    });
    let n = |i: usize| table[0].rss_after.get(i).map_or(0, |r| r.0);
    for (i, label) in (0..table[0].rss_after.len()).map(|i| (i, format!("RSS after {} admin changes", n(i))))
    {
        row(label, "≤ 150 MB, flat under churn", &|f| f.rss_after.get(i).map_or("–".into(), |r| mb(r.1)));
    }
    row(format!("fan-out: the move of {} cohorts → reload (cohorts read)", shape.fanout), "–", &|f| {
        format!("{:.0} ms ({})", f.fan_reload_ms, f.fan_reloaded)
    });
    row(format!("fan-out: {} lessons due at one minute → all in the record", shape.fanout), "–", &|f| {
        format!("{:.1} s", f.fan_secs)
    });
    row("RSS after the fan-out".into(), "≤ 150 MB", &|f| mb(f.rss_fan));
    row(
        "restart: spawn → \"schedule loaded\" (due at once / waiting for a saved wake-up)".into(),
        "only cohorts with due work",
        &|f| format!("{:.1} s ({} / {})", f.restart_loaded, f.restart_ready, f.restart_waiting),
    );
}
