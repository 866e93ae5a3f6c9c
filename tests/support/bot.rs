//! The real `studybot run` binary in a test: cohorts set up through the coach, a process on a
//! virtual clock writing the console platform's record, its log lines captured.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use chrono::{DateTime, Utc};
use studybot::coach::{Actor, Catalog, ChannelRef, Coach, Inbound, InboundKind, Outgoing};
use studybot::platform::console::{RecordedPost, read_record};
use studybot::scheduler::{Clock, ScaledClock};
use studybot::store::Store;

pub const CURRICULUM: &str = "days_121_150_lakehouse_architecture";

pub fn curriculum_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("curriculum")
}

/// One cohort to set up: its channel, cron and timezone.
pub struct CohortSpec {
    pub channel: &'static str,
    pub schedule: &'static str,
    pub timezone: &'static str,
}

/// Sets up each cohort as an admin would in its channel at `now`, then the settings given
/// (e.g. `catchup:all lateness:24`). Returns the cohort ids in order.
pub async fn setup_cohorts(
    url: &str,
    now: DateTime<Utc>,
    start: &str,
    specs: &[CohortSpec],
    settings: &str,
) -> Vec<i64> {
    let store = Store::open(url).await.expect("open the test database");
    let coach = Coach::new(store.clone(), Catalog::load_dir(&curriculum_dir()).expect("load curricula"));
    let mut ids = Vec::new();
    for spec in specs {
        let setup = format!(
            "/studybot setup curriculum:{CURRICULUM} start:{start} schedule:\"{}\" timezone:{}",
            spec.schedule, spec.timezone
        );
        for text in [setup, format!("/studybot settings {settings}")] {
            admin_does(&coach, spec.channel, &text, now).await;
        }
        let cohort = store.find_cohort_by_channel(studybot::store::Platform::Console, spec.channel).await;
        ids.push(cohort.expect("query").expect("cohort was set up").id);
    }
    store.close().await;
    ids
}

/// An organizer's command in `channel`, handled at `at`: its replies. A refusal (a typo in an
/// option, a missing permission) or an internal error fails the test with the coach's reason.
pub async fn admin_does(coach: &Coach, channel: &str, text: &str, at: DateTime<Utc>) -> Vec<Outgoing> {
    match coach.try_handle(&admin_says(channel, text), at).await {
        Ok(handled) => handled.into_replies(),
        Err(e) => panic!("`{text}` in #{channel} was refused: {e:?}"),
    }
}

pub fn admin_says(channel: &str, text: &str) -> Inbound {
    Inbound {
        channel: ChannelRef { platform: "console".into(), workspace: String::new(), channel: channel.into() },
        actor: Actor { user_id: "organizer".into(), name: "Organizer".into(), is_admin: true },
        dedupe_key: format!("setup-{channel}-{text}"),
        kind: InboundKind::Text(text.into()),
    }
}

/// The virtual timeline every process of a test shares: it reads `origin` at real `anchor`.
#[derive(Clone, Copy)]
pub struct Timeline {
    pub origin: DateTime<Utc>,
    pub anchor: SystemTime,
    pub speed: f64,
}

impl Timeline {
    pub fn starting_now(origin: DateTime<Utc>, speed: f64) -> Timeline {
        Timeline { origin, anchor: SystemTime::now(), speed }
    }

    /// What the bot's own clock reads (the same `ScaledClock` it builds from the flags).
    pub fn now(&self) -> DateTime<Utc> {
        ScaledClock::new(self.origin, self.anchor, self.speed).now()
    }
}

/// A running `studybot run`; its stderr lines are collected as they come.
pub struct Bot {
    pub child: Child,
    log: Arc<Mutex<Vec<String>>>,
    /// The thread taking in stderr; joined once the process has exited, so the log then holds
    /// its last lines.
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Bot {
    pub fn start(dir: &Path, url: &str, record: &Path, timeline: &Timeline, lease_poll: u32) -> Bot {
        Bot::start_with(dir, url, record, timeline, lease_poll, &[])
    }

    /// [`Bot::start`] with more environment, e.g. a short `STUDYBOT_SCHEDULER__LEASE_TTL_SECS`.
    pub fn start_with(
        dir: &Path,
        url: &str,
        record: &Path,
        timeline: &Timeline,
        lease_poll: u32,
        env: &[(&str, &str)],
    ) -> Bot {
        let mut args: Vec<String> = vec!["--quiet".into(), "--record".into(), record.display().to_string()];
        args.extend(["--lease-poll".into(), lease_poll.to_string()]);
        let mut all = vec![("STUDYBOT_DATABASE__URL", url)];
        all.extend_from_slice(env);
        Bot::spawn(dir, &all, timeline, &args)
    }

    /// `studybot run` in `dir` with the shipped curricula, on `timeline`, with extra environment
    /// variables and arguments.
    pub fn spawn(dir: &Path, env: &[(&str, &str)], timeline: &Timeline, args: &[String]) -> Bot {
        let anchor_ms = timeline.anchor.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_millis();
        let mut child = Command::new(env!("CARGO_BIN_EXE_studybot"))
            .current_dir(dir)
            .env("STUDYBOT_CURRICULUM__DIR", curriculum_dir())
            .env("RUST_LOG", "info")
            // Tests run many bots at once: each HTTP server on a port of its own, read from the log.
            .env("STUDYBOT_HTTP__LISTEN", "127.0.0.1:0")
            .envs(env.iter().copied())
            .arg("run")
            .args(["--clock-origin", &timeline.origin.to_rfc3339()])
            .args(["--clock-speed", &timeline.speed.to_string()])
            .args(["--clock-anchor-ms", &anchor_ms.to_string()])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start studybot run");
        let log = Arc::new(Mutex::new(Vec::new()));
        let stderr = child.stderr.take().expect("piped stderr");
        let sink = Arc::clone(&log);
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        Bot { child, log, reader: Some(reader) }
    }

    /// Whether the process has exited, and with which code; once it has, the log is complete.
    pub fn exited(&mut self) -> Option<Option<i32>> {
        let code = self.child.try_wait().ok().flatten().map(|s| s.code())?;
        self.read_to_end();
        Some(code)
    }

    /// Waits for the stderr reader (the process has exited: its end of the pipe is closed).
    fn read_to_end(&mut self) {
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
    }

    /// Waits up to `limit` for the process to exit on its own and returns its code; fails with
    /// the log when it is still running then.
    pub async fn wait_exit(&mut self, limit: Duration) -> Option<i32> {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(code) = self.exited() {
                return code;
            }
            assert!(Instant::now() < deadline, "still running: {}", self.log());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn logged(&self, needle: &str) -> bool {
        self.log.lock().unwrap().iter().any(|l| l.contains(needle))
    }

    /// Waits up to `limit` for a log line containing `needle`; returns how long it took.
    pub fn wait_for_log(&self, needle: &str, limit: Duration) -> Option<Duration> {
        let started = Instant::now();
        while started.elapsed() < limit {
            if self.logged(needle) {
                return Some(started.elapsed());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    pub fn log(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    /// The address the HTTP server bound, from its start line; waits up to 20 s for it.
    pub fn http_address(&self) -> std::net::SocketAddr {
        let needle = "HTTP server listening";
        assert!(
            self.wait_for_log(needle, Duration::from_secs(20)).is_some(),
            "no HTTP server: {}",
            self.log()
        );
        let line = self.log.lock().unwrap().iter().find(|l| l.contains(needle)).cloned().expect("just seen");
        // The field may be coloured: `address` ESC[0m ESC[2m = ESC[0m 127.0.0.1:…
        let after = line.split("address").nth(1).unwrap_or_default();
        let value = after.split('=').nth(1).unwrap_or_default().trim_start_matches("\u{1b}[0m");
        let address = value.split(|c: char| c.is_whitespace() || c == '\u{1b}').next().unwrap_or_default();
        address.parse().unwrap_or_else(|_| panic!("no address in `{line}`"))
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGSTOP: the process stops between two instructions, holding whatever it held.
    pub fn freeze(&self) {
        self.send_signal("STOP");
    }

    /// SIGCONT: the frozen process carries on where it stopped.
    pub fn thaw(&self) {
        self.send_signal("CONT");
    }

    fn send_signal(&self, name: &str) {
        let status = Command::new("kill").args([&format!("-{name}"), &self.child.id().to_string()]).status();
        assert!(status.is_ok_and(|s| s.success()), "kill -{name} {}", self.child.id());
    }

    /// How many log lines contain `needle`.
    pub fn count_logged(&self, needle: &str) -> usize {
        self.log.lock().unwrap().iter().filter(|l| l.contains(needle)).count()
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill(); // SIGKILL
        let _ = self.child.wait();
        self.read_to_end();
    }

    /// SIGTERM, then the exit status (killed after 15 s if it does not stop).
    pub fn terminate(&mut self) -> (Option<i32>, Duration) {
        self.signal("TERM")
    }

    /// Sends `SIG<name>` and waits for the exit status (killed after 15 s if it does not stop).
    pub fn signal(&mut self, name: &str) -> (Option<i32>, Duration) {
        let started = Instant::now();
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args([&format!("-{name}"), &pid]).status();
        while started.elapsed() < Duration::from_secs(15) {
            if let Ok(Some(status)) = self.child.try_wait() {
                self.read_to_end();
                return (status.code(), started.elapsed());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.kill();
        (None, started.elapsed())
    }
}

impl Drop for Bot {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.kill();
        }
    }
}

/// How many times each nonce appears in the record.
pub fn post_counts(record: &Path) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for post in read_record(record).unwrap_or_default() {
        *counts.entry(post.nonce).or_insert(0) += 1;
    }
    counts
}

pub fn posts(record: &Path) -> Vec<RecordedPost> {
    read_record(record).unwrap_or_default()
}

/// The nonce of every lesson of the shipped curriculum for these cohorts.
pub fn expected_nonces(cohorts: &[i64]) -> Vec<String> {
    cohorts.iter().flat_map(|c| (121..=150).map(move |day| format!("sb-{c}-{day}"))).collect()
}
