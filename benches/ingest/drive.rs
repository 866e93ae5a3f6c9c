//! The load: K concurrent clients POSTing signed `/studybot checkpoint` requests (or ✅ reaction_added events) to the bot as Slack would, and the naive one-row-per-transaction writer they are compared with.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use sha2::Sha256;
use sqlx::AssertSqlSafe;
use studybot::store::{Backend, Store};

use super::fake_slack::SIGNING_SECRET;
use super::{Shape, Via};

/// Slack gives up on a request url after 3 seconds.
const SLACK_DEADLINE: Duration = Duration::from_secs(3);
pub const HOLDING: &str = "Working on it";

/// What one request's acknowledgement said.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Ack {
    /// "✅ Day … done" inline: stored before the ack, so durable.
    Done,
    /// "⏳ Working on it…": the answer follows via response_url.
    Holding,
    /// Any other answer (e.g. "already checked", an error text).
    Other,
    /// An event's 200 with an empty body: taken, stored afterwards (Slack wants no more).
    Accepted,
    /// No answer within Slack's 3 s, a refused or failed request.
    Failed,
}

/// Every request's ack and its latency, and the wall time of the whole drive.
pub struct Drive {
    pub acks: Vec<(usize, Ack, u64)>,
    pub wall_secs: f64,
    pub sample_other: Option<String>,
}

impl Drive {
    pub fn count(&self, what: Ack) -> usize {
        self.acks.iter().filter(|(_, a, _)| *a == what).count()
    }

    /// Latencies (µs) of the acks that came back, sorted.
    pub fn latencies(&self) -> Vec<u64> {
        let mut us: Vec<u64> = self.acks.iter().filter(|(_, a, _)| *a != Ack::Failed).map(|a| a.2).collect();
        us.sort_unstable();
        us
    }
}

/// Sends `bodies` (form-encoded slash commands, or event callbacks as JSON) to `url`, `clients` at
/// a time, each client waiting for its ack before its next request.
pub async fn drive(url: &str, via: Via, bodies: Arc<Vec<String>>, clients: usize) -> Drive {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .timeout(SLACK_DEADLINE)
        .build()
        .expect("HTTP client");
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (client, bodies, next, url) =
            (client.clone(), Arc::clone(&bodies), Arc::clone(&next), url.to_string());
        tasks.push(tokio::spawn(async move {
            let (mut acks, mut other) = (Vec::new(), None);
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(body) = bodies.get(i) else { break };
                let sent = Instant::now();
                let (ack, text) = send(&client, &url, via, body).await;
                acks.push((i, ack, sent.elapsed().as_micros() as u64));
                if ack == Ack::Other || ack == Ack::Failed {
                    other.get_or_insert(text);
                }
            }
            (acks, other)
        }));
    }
    let mut drive = Drive { acks: Vec::new(), wall_secs: 0.0, sample_other: None };
    for task in tasks {
        let (acks, other) = task.await.expect("client task");
        drive.acks.extend(acks);
        drive.sample_other = drive.sample_other.or(other);
    }
    drive.wall_secs = started.elapsed().as_secs_f64();
    drive
}

async fn send(client: &reqwest::Client, url: &str, via: Via, body: &str) -> (Ack, String) {
    let ts = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
    let request = client
        .post(url)
        .header("Content-Type", via.content_type())
        .header("X-Slack-Request-Timestamp", ts.to_string())
        .header("X-Slack-Signature", sign(ts, body))
        .body(body.to_string());
    let text = match request.send().await {
        Ok(r) if r.status().is_success() => r.text().await.unwrap_or_default(),
        Ok(r) => return (Ack::Failed, format!("HTTP {}", r.status())),
        Err(e) => return (Ack::Failed, e.to_string()),
    };
    let ack = if via == Via::Reactions && text.is_empty() { Ack::Accepted } else { classify(&text) };
    (ack, text)
}

pub fn classify(text: &str) -> Ack {
    if text.contains("✅ Day") && text.contains(" done") {
        Ack::Done
    } else if text.contains(HOLDING) {
        Ack::Holding
    } else {
        Ack::Other
    }
}

/// `v0=` + hex(HMAC-SHA256(signing secret, "v0:{ts}:{body}")).
fn sign(ts: u64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SIGNING_SECRET.as_bytes()).expect("any key length");
    mac.update(format!("v0:{ts}:{body}").as_bytes());
    format!("v0={}", hex::encode(mac.finalize().into_bytes()))
}

/// The naive writer: `clients` tasks on a pool like the bot's (same size, same SQLite pragmas, via
/// `Store::connect`), each writing one checkpoint-like row per transaction. Returns rows/s.
pub async fn naive(url: &str, shape: &Shape) -> f64 {
    let store = Store::connect(url).await.expect("connect the naive writer");
    let ddl = match store.backend() {
        Backend::Sqlite => {
            "CREATE TABLE bench_naive (id INTEGER PRIMARY KEY AUTOINCREMENT, cohort_id INTEGER NOT NULL, \
             member_id INTEGER NOT NULL, day INTEGER NOT NULL, checked_at INTEGER NOT NULL, dedupe_key TEXT NOT NULL, \
             UNIQUE (cohort_id, member_id, day))"
        }
        Backend::Postgres => {
            "CREATE TABLE bench_naive (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, \
             cohort_id BIGINT NOT NULL, member_id BIGINT NOT NULL, day BIGINT NOT NULL, checked_at BIGINT NOT NULL, \
             dedupe_key TEXT NOT NULL, UNIQUE (cohort_id, member_id, day))"
        }
    };
    sqlx::raw_sql(ddl).execute(store.pool()).await.expect("create bench_naive");
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..shape.clients {
        let (store, next, shape) = (store.clone(), Arc::clone(&next), *shape);
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= shape.checkins {
                    break;
                }
                let (member, day) = shape.request(i);
                let mut tx = match store.backend() {
                    Backend::Sqlite => store.pool().begin_with("BEGIN IMMEDIATE").await,
                    Backend::Postgres => store.pool().begin().await,
                }
                .expect("naive BEGIN");
                sqlx::query(
                    "INSERT INTO bench_naive (cohort_id, member_id, day, checked_at, dedupe_key) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind((member % shape.cohorts) as i64)
                .bind(member as i64)
                .bind(day as i64)
                .bind(shape.due_at())
                .bind(format!("naive:{i}"))
                .execute(&mut *tx)
                .await
                .expect("naive INSERT");
                tx.commit().await.expect("naive COMMIT");
            }
        }));
    }
    for task in tasks {
        task.await.expect("naive task");
    }
    let rate = shape.checkins as f64 / started.elapsed().as_secs_f64();
    store.close().await;
    rate
}

/// (rows, distinct (cohort, member, day)) in `checkpoints` for the driven members' commands or
/// reactions.
pub async fn stored(url: &str, via: Via) -> (i64, i64) {
    let store = Store::connect_with(url, Some(1)).await.expect("connect for the check");
    let source = via.source();
    let from = format!(
        "FROM checkpoints c JOIN members m ON m.id = c.member_id \
         WHERE m.user_id LIKE 'U0M%' AND c.source = '{source}'"
    );
    let count = |sql: String| {
        let pool = store.pool().clone();
        async move { sqlx::query_scalar::<_, i64>(AssertSqlSafe(sql)).fetch_one(&pool).await.expect("count") }
    };
    let rows = count(format!("SELECT COUNT(*) {from}")).await;
    let distinct =
        count(format!("SELECT COUNT(*) FROM (SELECT DISTINCT c.cohort_id, c.member_id, c.day {from}) t"))
            .await;
    store.close().await;
    (rows, distinct)
}
