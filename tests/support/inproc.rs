//! The bot assembled inside the test process, as `studybot run` assembles it — store, coach,
//! scheduler under its fenced lease, the console platform's record — so a test can inject a fault
//! into the very connections it uses, and members who check in all the while. Log lines are
//! captured, so a test can count what a fault made the bot print.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use studybot::coach::{Actor, Catalog, ChannelRef, Coach, Inbound, InboundKind, Outgoing};
use studybot::platform::console::RecordDelivery;
use studybot::scheduler::leader::{self, LeaseTiming};
use studybot::scheduler::pacing::{Limits, Paced};
use studybot::scheduler::{Clock, ScaledClock, Scheduler, SchedulerConfig};
use studybot::store::Store;
use tokio_util::sync::CancellationToken;

use super::bot::{CohortSpec, curriculum_dir, setup_cohorts};

/// Every log line of this test process at INFO and above, as written.
pub fn captured() -> &'static Mutex<Vec<String>> {
    static LINES: OnceLock<Mutex<Vec<String>>> = OnceLock::new();
    static INIT: OnceLock<()> = OnceLock::new();
    INIT.get_or_init(|| {
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter("info,sqlx=warn")
            .with_ansi(false)
            .with_writer(|| Capture)
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("one global subscriber per test binary");
    });
    LINES.get_or_init(|| Mutex::new(Vec::new()))
}

struct Capture;

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        let mut lines = captured().lock().unwrap();
        lines.extend(text.lines().filter(|l| !l.trim().is_empty()).map(str::to_owned));
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// How many captured lines there are now; lines since then are `captured()[mark..]`.
pub fn log_mark() -> usize {
    captured().lock().unwrap().len()
}

pub fn log_since(mark: usize) -> Vec<String> {
    captured().lock().unwrap()[mark..].to_vec()
}

/// The bot's pool size: small, so a test can hold every connection at once.
pub const POOL_SIZE: u32 = 4;

/// A 4 s lease renewed every second, sends bounded by 2 s: what the fault tests run with.
pub fn short_lease() -> LeaseTiming {
    LeaseTiming {
        ttl: Duration::from_secs(4),
        renew: Duration::from_secs(1),
        send_timeout: Duration::from_secs(2),
    }
}

/// The bot, running in tasks of this process until [`InProc::stop`].
pub struct InProc {
    pub store: Store,
    pub coach: Coach,
    pub clock: Arc<ScaledClock>,
    pub record: PathBuf,
    pub cohorts: Vec<(String, i64)>,
    /// When day 121 is due: the day after `origin`, 09:00 UTC; one lesson a day after that.
    pub first_lesson: DateTime<Utc>,
    stop: CancellationToken,
    running: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl InProc {
    /// Sets up `n` cohorts (`c0`, `c1`, …; daily at 09:00 UTC, `catchup:all lateness:168`) at
    /// `origin`, starting the next day, and runs the bot on a clock `speed` times real time from
    /// `origin`.
    pub async fn start(url: &str, dir: &Path, n: usize, origin: DateTime<Utc>, speed: f64) -> InProc {
        let specs: Vec<CohortSpec> = (0..n)
            .map(|i| CohortSpec { channel: format!("c{i}").leak(), schedule: "0 9 * * *", timezone: "UTC" })
            .collect();
        let first = origin.date_naive().succ_opt().expect("a next day");
        let first_lesson = first.and_hms_opt(9, 0, 0).expect("09:00").and_utc();
        let start = first.format("%Y-%m-%d").to_string();
        let ids = setup_cohorts(url, origin, &start, &specs, "catchup:all lateness:168").await;
        let store = Store::connect_with(url, Some(POOL_SIZE)).await.expect("open the bot's store");
        let catalog = Catalog::load_dir(&curriculum_dir()).expect("load curricula");
        let coach = Coach::new(store.clone(), catalog);
        let record = dir.join("posts.jsonl");
        let delivery = Paced::new(RecordDelivery::open(Some(&record), true).unwrap(), Limits::none());
        let clock = Arc::new(ScaledClock::new(origin, SystemTime::now(), speed));
        let config = SchedulerConfig { poll: Duration::from_millis(200), ..SchedulerConfig::default() };
        let scheduler =
            Arc::new(Scheduler::new(coach.clone(), delivery, clock.clone() as Arc<dyn Clock>, config));
        let stop = CancellationToken::new();
        let (url, lead_store, lead_stop) = (url.to_owned(), store.clone(), stop.clone());
        let running = tokio::spawn(async move {
            leader::lead(&url, &lead_store, short_lease(), &lead_stop, move |fence, term| {
                let scheduler = Arc::clone(&scheduler);
                async move {
                    scheduler.run(&fence, term).await;
                }
            })
            .await
        });
        let cohorts = specs.iter().map(|s| s.channel.to_owned()).zip(ids).collect();
        InProc { store, coach, clock, record, cohorts, first_lesson, stop, running }
    }

    pub async fn stop(self) {
        self.stop.cancel();
        let done = tokio::time::timeout(Duration::from_secs(15), self.running).await;
        done.expect("the bot stops within 15 s").expect("the bot task").expect("the bot ends cleanly");
        self.store.close().await;
    }

    /// The latest day due at the bot's clock, if any.
    pub fn due_day(&self) -> Option<u32> {
        let days = (self.clock.now() - self.first_lesson).num_days();
        (self.clock.now() >= self.first_lesson).then(|| 121 + u32::try_from(days.min(29)).unwrap_or(0))
    }

    /// What a member typing `text` in `channel` is answered, at the bot's clock.
    pub async fn say(&self, channel: &str, user: &str, text: &str, key: &str) -> Vec<Outgoing> {
        let inbound = Inbound {
            channel: ChannelRef {
                platform: "console".into(),
                workspace: String::new(),
                channel: channel.into(),
            },
            actor: Actor { user_id: user.into(), name: user.into(), is_admin: false },
            dedupe_key: key.into(),
            kind: InboundKind::Text(text.into()),
        };
        self.coach.handle(&inbound, self.clock.now()).await.into_replies()
    }
}

/// What became of one member's check-in for one day, as the member was told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Told {
    /// "✅ Day N done" or "already checked": the bot said it is recorded.
    Recorded,
    /// "… nothing was recorded": the bot said it is not.
    NotRecorded,
    /// Anything else (e.g. the day is not posted yet).
    Other,
}

pub fn told(replies: &[Outgoing]) -> Told {
    let text = format!("{replies:?}");
    if text.contains("nothing was recorded") {
        Told::NotRecorded
    } else if text.contains("done —") || text.contains("was already checked") {
        Told::Recorded
    } else {
        Told::Other
    }
}

/// Members checking in while the bot runs: each attempt is (channel, member, day) with the
/// answer. A member whose check-in was refused tries again on the next round.
#[derive(Default)]
pub struct CheckIns {
    pub attempts: Vec<(String, String, u32, Told, Duration)>,
}

impl CheckIns {
    /// One round: every member of every cohort checks the latest due day in, at once.
    pub async fn round(&mut self, bot: &InProc, members: usize, started: std::time::Instant) {
        let Some(day) = bot.due_day() else { return };
        let mut calls = Vec::new();
        for (channel, _) in &bot.cohorts {
            for m in 0..members {
                let user = format!("m{m}");
                let n = self.attempts.len() + calls.len();
                let key = format!("checkin-{channel}-{user}-{n}");
                calls.push(async move {
                    let replies = bot.say(channel, &user, &format!("/checkpoint day:{day}"), &key).await;
                    (channel.clone(), user, day, told(&replies), started.elapsed())
                });
            }
        }
        self.attempts.extend(futures_util::future::join_all(calls).await);
    }

    /// (channel, member, day) → whether the bot ever said it was recorded.
    pub fn outcomes(&self) -> BTreeMap<(String, String, u32), bool> {
        let mut out = BTreeMap::new();
        for (channel, user, day, told, _) in &self.attempts {
            if *day == 0 || *told == Told::Other {
                continue;
            }
            let recorded = out.entry((channel.clone(), user.clone(), *day)).or_insert(false);
            *recorded |= *told == Told::Recorded;
        }
        out
    }
}
