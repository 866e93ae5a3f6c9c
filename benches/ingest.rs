//! Ingest benchmark (issue 15 §6): durable check-ins per second through the real release binary, next to a naive one-row-per-transaction writer, with ack latency, exactly-once storage and the bot's RSS — on SQLite, and on PostgreSQL when configured. Prints a table; asserts nothing about time (a lost or doubled check-in is printed loudly).
//!
//! Each backend: a fresh database is seeded through the store (`Store::open`, `create_cohort`) and
//! multi-row SQL in one transaction — `STUDYBOT_BENCH_COHORTS` (200) Slack cohorts with today's
//! lesson post sent, `STUDYBOT_BENCH_MEMBERS` (5,000) members spread over them, and
//! `STUDYBOT_BENCH_STORED` (0) earlier check-ins by other members of those cohorts (30 each, with
//! their `processed_events` rows). The naive writer runs first: `STUDYBOT_BENCH_CLIENTS` (64) tasks
//! on a pool made by `Store::connect` (the bot's pool size and SQLite pragmas), each inserting one
//! row per transaction into a plain table, `STUDYBOT_BENCH_CHECKINS` (20,000) rows in all. Then
//! `studybot run` (the release build) starts in Slack HTTP mode against the fake Slack (its startup
//! reaction read-back off) and runs until its first scheduler pass has caught up with the seeded
//! days (window closes, the weekly board), then stops — a database as a running bot leaves it
//! (`STUDYBOT_BENCH_WARM=0` skips this, so the burst meets that catch-up). It starts again, and once it runs the same number of clients POST the same number of signed
//! slash commands (`/studybot checkpoint day:D`, form-encoded, `X-Slack-Signature` v0 and
//! `X-Slack-Request-Timestamp`, 3 s client timeout as Slack) to `/slack/commands`; request `i` is
//! member `i % M` for day `121 + i / M`, so concurrent requests are distinct members. The payloads
//! (and their response_urls) come from the fake, so a late answer lands there.
//!
//! A check-in is durable when its ack carries "✅ Day … done" (the bot answers after the commit);
//! durable/s = those acks / wall time of the drive. Holding replies ("Working on it", the answer then
//! goes to the response_url) and anything else are counted apart. Ack latency is per request, from
//! send to body. At the end the `checkpoints` rows of the driven members are counted (must be N,
//! all distinct), and VmHWM / VmRSS of the bot are read from /proc, with the CPU time per
//! check-in of the bot and of this process (the clients and the fake Slack) during the drive.
//!
//! `STUDYBOT_BENCH_VIA=reactions` drives ✅ instead: each driven member adds `white_check_mark` to
//! today's lesson post in its channel, a signed `reaction_added` event callback (JSON, minted by
//! the fake) POSTed to `/slack/events` — one per member, so it wants `STUDYBOT_BENCH_CHECKINS` equal
//! to `STUDYBOT_BENCH_MEMBERS`. Slack wants an event acknowledged with an empty 200 and the bot
//! stores it afterwards, so durable/s is then the stored rows over the time until the last is
//! stored (polled every 100 ms), and the ack latency is the 200's.
//!
//! Then the same load goes straight to a `Coach` in this process on a database seeded alike
//! (`ingest/direct.rs`): no HTTP, signing or process boundary, so it shows what the
//! group-committed writer itself sustains next to the naive writer.
//!
//! `cargo bench --bench ingest`; PostgreSQL too with
//! `STUDYBOT_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres` (a throwaway database
//! per run, as tests/support/db.rs makes them).

#[path = "ingest/bot.rs"]
mod bot;
#[path = "../tests/support/db.rs"]
#[allow(dead_code)]
mod db;
#[path = "ingest/direct.rs"]
mod direct;
#[path = "ingest/drive.rs"]
mod drive;
#[path = "../tests/support/fake_slack/mod.rs"]
#[allow(dead_code)]
mod fake_slack;
#[path = "common/process.rs"]
#[allow(dead_code)]
mod process;
#[path = "ingest/seed.rs"]
mod seed;

use process::{percentile, report_log};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use db::{POSTGRES_URL_VAR, TestDb};
use drive::Ack;
use fake_slack::FakeSlack;

/// The bot's virtual now: half an hour after today's lesson was due.
const ORIGIN: &str = "2026-12-01T09:30:00Z";
const TODAY: &str = "2026-12-01";
const DUE: &str = "2026-12-01T09:00:00Z";
const FIRST_DAY: usize = 121;

/// What the clients send: slash commands, or ✅ reactions as Events API callbacks.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Via {
    Commands,
    Reactions,
}

impl Via {
    /// The bot's request path under `/slack/`: the slash command's, or Event Subscriptions'.
    pub fn path(self) -> &'static str {
        match self {
            Via::Commands => "commands",
            Via::Reactions => "events",
        }
    }

    /// The body's `Content-Type`, as Slack sends it.
    pub fn content_type(self) -> &'static str {
        match self {
            Via::Commands => "application/x-www-form-urlencoded",
            Via::Reactions => "application/json",
        }
    }

    /// The `checkpoints.source` the bot stores for it.
    pub fn source(self) -> &'static str {
        match self {
            Via::Commands => "command",
            Via::Reactions => "reaction",
        }
    }

    /// What a successful ack is, for the table's header.
    pub fn acked(self) -> &'static str {
        match self {
            Via::Commands => "done inline",
            Via::Reactions => "accepted (200)",
        }
    }
}

/// The knobs of one run (see the module doc).
#[derive(Clone, Copy)]
pub struct Shape {
    pub cohorts: usize,
    pub members: usize,
    pub checkins: usize,
    pub clients: usize,
    pub stored: usize,
    /// Whether a first bot catches up with the seed before the burst (see [`warm_up`]).
    pub warm: bool,
    pub via: Via,
}

impl Shape {
    fn from_env() -> Shape {
        let n = |name: &str, default: usize| {
            std::env::var(name).ok().and_then(|v| v.replace('_', "").parse().ok()).unwrap_or(default)
        };
        let shape = Shape {
            cohorts: n("STUDYBOT_BENCH_COHORTS", 200).max(1),
            members: n("STUDYBOT_BENCH_MEMBERS", 5_000).max(1),
            checkins: n("STUDYBOT_BENCH_CHECKINS", 20_000).max(1),
            clients: n("STUDYBOT_BENCH_CLIENTS", 64).max(1),
            stored: n("STUDYBOT_BENCH_STORED", 0),
            warm: n("STUDYBOT_BENCH_WARM", 1) != 0,
            via: match std::env::var("STUDYBOT_BENCH_VIA").as_deref() {
                Ok("reactions") => Via::Reactions,
                Ok("commands") | Err(_) => Via::Commands,
                Ok(other) => panic!("STUDYBOT_BENCH_VIA is `commands` or `reactions`, not `{other}`"),
            },
        };
        assert!(
            shape.via == Via::Commands || shape.checkins == shape.members,
            "a member reacts once to today's post: with STUDYBOT_BENCH_VIA=reactions, check-ins must equal members"
        );
        assert!(shape.days() <= 30, "check-ins / members must be at most 30 (the curriculum's days)");
        shape
    }

    /// Days each member checks in: the lessons due so far (today's is the last).
    pub fn days(&self) -> usize {
        self.checkins.div_ceil(self.members)
    }

    pub fn today_day(&self) -> usize {
        FIRST_DAY + self.days() - 1
    }

    pub fn today(&self) -> String {
        TODAY.into()
    }

    pub fn start_date(&self) -> String {
        let today: NaiveDate = TODAY.parse().unwrap();
        (today - chrono::Duration::days(self.days() as i64 - 1)).to_string()
    }

    pub fn due_at(&self) -> i64 {
        DUE.parse::<DateTime<Utc>>().unwrap().timestamp()
    }

    /// Request `i`: (member index, day).
    pub fn request(&self, i: usize) -> (usize, usize) {
        (i % self.members, FIRST_DAY + i / self.members)
    }
}

/// One backend's figures.
struct Figures {
    backend: &'static str,
    drive: drive::Drive,
    naive: f64,
    late_done: usize,
    stored: (i64, i64),
    rss: (f64, f64),
    /// CPU seconds during the drive: the bot's, and this process's (clients and fake Slack).
    cpu: (f64, f64),
    /// From the last ack until every check-in was stored.
    settle_secs: f64,
    /// The same load handed to a coach in this process: check-ins/s and sorted latencies (µs).
    direct: (f64, Vec<u64>),
}

#[tokio::main]
async fn main() {
    let shape = Shape::from_env();
    println!(
        "ingest: {} cohorts, {} members, {} check-ins ({} per member) as {:?}, {} clients, {} stored check-ins before",
        shape.cohorts,
        shape.members,
        shape.checkins,
        shape.days(),
        shape.via,
        shape.clients,
        shape.stored
    );
    let mut table = vec![run("sqlite", &TestDb::sqlite(), &TestDb::sqlite(), &shape).await];
    match (TestDb::postgres().await, TestDb::postgres().await) {
        (Some(db), Some(alike)) => {
            table.push(run("postgres", &db, &alike, &shape).await);
            db.cleanup().await;
            alike.cleanup().await;
        }
        _ => println!("ingest postgres: skipped ({POSTGRES_URL_VAR} is not set)"),
    }
    print_table(&shape, &table);
}

/// One backend: the bot driven over HTTP on `db`, then the coach driven directly on `alike`.
async fn run(backend: &'static str, db: &TestDb, alike: &TestDb, shape: &Shape) -> Figures {
    let fake = FakeSlack::start().await;
    let seeded = seed::seed(db.url(), &fake, shape).await;
    println!("ingest {backend}: seeded in {:.1} s", seeded.secs);
    let naive = drive::naive(db.url(), shape).await;
    println!("ingest {backend}: naive writer {naive:.0} rows/s");
    let (ids, bodies) = requests(&fake, &seeded, shape).await;
    if shape.warm {
        warm_up(&fake, db.url(), backend).await;
    }
    let started = Instant::now();
    let mut bot = bot::Bot::spawn(&fake, db.url(), ORIGIN);
    let ready = bot.wait_log("studybot running", Duration::from_secs(120)).await;
    assert!(ready, "the bot did not start:\n{}", bot.process.tail(40));
    println!("ingest {backend}: bot up {:.1} s after spawn", started.elapsed().as_secs_f64());
    let (bot_cpu, own_cpu) = (bot.process.cpu_secs(), own_cpu_secs());
    let drive = drive::drive(&bot.url(shape.via), shape.via, Arc::new(bodies), shape.clients).await;
    let cpu_since = || (bot.process.cpu_secs() - bot_cpu, own_cpu_secs() - own_cpu);
    let mut cpu = cpu_since();
    let settled = Instant::now();
    let stored = settle(db.url(), shape.via, shape.checkins as i64).await;
    let settle_secs = settled.elapsed().as_secs_f64();
    if shape.via == Via::Reactions {
        // Events are stored after their ack: their work goes on until the last is stored.
        cpu = cpu_since();
    }
    let late_done = drive
        .acks
        .iter()
        .filter(|(i, a, _)| *a != Ack::Done && fake.responses(&ids[*i]).iter().any(late_done))
        .count();
    let rss = bot.process.rss_mb();
    println!(
        "ingest {backend}: drive {:.1} s; stored {}/{} {:.1} s after the last ack; {late_done} done via response_url{}",
        drive.wall_secs,
        stored.0,
        shape.checkins,
        settle_secs,
        drive.sample_other.as_ref().map_or(String::new(), |s| format!("; first other answer: {s:.200}"))
    );
    report_log(&format!("ingest {backend}"), &bot.process.stop());
    let seeded = seed::seed(alike.url(), &fake, shape).await;
    let direct = direct::direct(alike.url(), &fake.team_id(), &seeded, shape, ORIGIN.parse().unwrap()).await;
    println!("ingest {backend}: direct to the coach {:.0} check-ins/s", direct.0);
    Figures { backend, drive, naive, late_done, stored, rss, cpu, settle_secs, direct }
}

/// The database as a running bot leaves it: a first bot catches up with the seeded days (their
/// window closes and the weekly board, every cohort ticked at once) and stops, having saved each
/// cohort's next wake-up; the burst then meets a restarted bot, as it would after a deploy.
async fn warm_up(fake: &FakeSlack, url: &str, backend: &str) {
    let started = Instant::now();
    let mut bot = bot::Bot::spawn(fake, url, ORIGIN);
    let done = bot.wait_log("first scheduler pass done", Duration::from_secs(900)).await;
    assert!(done, "the warm-up bot did not finish its first pass:\n{}", bot.process.tail(40));
    let secs = started.elapsed().as_secs_f64();
    report_log(&format!("ingest {backend} warm-up"), &bot.process.stop());
    println!("ingest {backend}: warm-up bot caught up with the seed in {secs:.1} s, stopped");
}

/// The N requests, minted by the fake (so a command's response_url is its own) and encoded as
/// Slack sends them: a command form-encoded, an event callback as JSON. (delivery ids, bodies).
async fn requests(fake: &FakeSlack, seeded: &seed::Seeded, shape: &Shape) -> (Vec<String>, Vec<String>) {
    let (mut ids, mut bodies) = (Vec::new(), Vec::new());
    for i in 0..shape.checkins {
        let (member, day) = shape.request(i);
        let (user, at) = (&seeded.members[member], member % shape.cohorts);
        let id = match shape.via {
            Via::Commands => fake.command(user, &seeded.channels[at], &format!("checkpoint day:{day}")).await,
            Via::Reactions => {
                fake.react(user, &seeded.channels[at], &seeded.posts[at], "white_check_mark").await
            }
        };
        let payload = fake.delivered(&id).expect("the fake keeps what it minted");
        if shape.via == Via::Reactions {
            ids.push(id);
            bodies.push(payload.to_string());
            continue;
        }
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in payload.as_object().into_iter().flatten() {
            form.append_pair(k, v.as_str().map_or_else(|| v.to_string(), str::to_owned).as_str());
        }
        ids.push(id);
        bodies.push(form.finish());
    }
    (ids, bodies)
}

fn late_done(answer: &serde_json::Value) -> bool {
    drive::classify(&answer.to_string()) == Ack::Done
}

/// Waits until all `expected` check-ins are stored, or the count stops moving for 10 s.
async fn settle(url: &str, via: Via, expected: i64) -> (i64, i64) {
    let (mut last, mut since) = (drive::stored(url, via).await, Instant::now());
    while last.0 < expected && since.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = drive::stored(url, via).await;
        if now != last {
            (last, since) = (now, Instant::now());
        }
    }
    last
}

fn print_table(shape: &Shape, table: &[Figures]) {
    println!();
    let acked = shape.via.acked();
    println!(
        "| backend | durable check-ins/s | naive rows/s | bot/naive | ack p50 | p95 | p99 | max (ms) | {acked} | \
         holding (done later) | other | failed | stored once | bot RSS peak / now | CPU µs per check-in: bot / clients |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for f in table {
        let d = &f.drive;
        let durable = match shape.via {
            Via::Commands => d.count(Ack::Done) as f64 / d.wall_secs,
            Via::Reactions => f.stored.1 as f64 / (d.wall_secs + f.settle_secs),
        };
        let lat = d.latencies();
        let ms = |p: usize| percentile(&lat, p) as f64 / 1000.0;
        let once = f.stored.0 == shape.checkins as i64 && f.stored.1 == f.stored.0;
        println!(
            "| {} | {durable:.0} | {:.0} | {:.2}× | {:.1} | {:.1} | {:.1} | {:.1} | {} | {} ({}) | {} | {} | {} | {:.0} / {:.0} MB | {:.0} / {:.0} |",
            f.backend,
            f.naive,
            durable / f.naive,
            ms(50),
            ms(95),
            ms(99),
            lat.last().copied().unwrap_or(0) as f64 / 1000.0,
            d.count(Ack::Done) + d.count(Ack::Accepted),
            d.count(Ack::Holding),
            f.late_done,
            d.count(Ack::Other),
            d.count(Ack::Failed),
            if once { format!("yes ({} rows)", f.stored.0) } else { "NO".into() },
            f.rss.0,
            f.rss.1,
            f.cpu.0 * 1e6 / d.acks.len().max(1) as f64,
            f.cpu.1 * 1e6 / d.acks.len().max(1) as f64,
        );
    }
    println!();
    println!("| backend | direct to the coach: check-ins/s | naive rows/s | direct/naive | p50 | p99 (ms) |");
    println!("|---|---|---|---|---|---|");
    for f in table {
        let ms = |p: usize| percentile(&f.direct.1, p) as f64 / 1000.0;
        println!(
            "| {} | {:.0} | {:.0} | {:.2}× | {:.1} | {:.1} |",
            f.backend,
            f.direct.0,
            f.naive,
            f.direct.0 / f.naive,
            ms(50),
            ms(99)
        );
    }
    // The first requests meet a cold bot: each cohort's context loaded on its first event, each
    // member's name asked of Slack once, the scheduler's first pass running beside them.
    let warm_from = shape.checkins / 20;
    for f in table {
        let split = |warm: bool| {
            let mut us: Vec<u64> = f
                .drive
                .acks
                .iter()
                .filter(|(i, a, _)| *a != Ack::Failed && (*i >= warm_from) == warm)
                .map(|a| a.2)
                .collect();
            us.sort_unstable();
            percentile(&us, 99) as f64 / 1000.0
        };
        println!(
            "ingest {}: ack p99 of the first {warm_from} requests {:.1} ms, of the rest {:.1} ms",
            f.backend,
            split(false),
            split(true)
        );
    }
    for f in table.iter().filter(|f| f.stored.0 != shape.checkins as i64 || f.stored.1 != f.stored.0) {
        println!(
            "!!! ingest {}: STORED CHECK-INS MISMATCH: {} rows, {} distinct, expected exactly {} — lost or doubled check-ins",
            f.backend, f.stored.0, f.stored.1, shape.checkins
        );
    }
}

/// CPU seconds (user + system) of this process: the clients and the fake Slack.
fn own_cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
    let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or_default().split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}
