//! The real `studybot run` (release build) on the console platform for the scale benchmark: a virtual clock, a record file, its log lines with the instant each arrived, its memory and CPU time.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::support::{Timeline, curriculum_dir};

/// What the bot logs: the scheduler's cache at debug (its "schedule loaded" / "schedule
/// reloaded" lines with counts), everything else at info.
const LOG_FILTER: &str = "info,studybot::scheduler::cache=debug";

/// A running bot; its stderr lines are collected as they come, each with its arrival instant.
pub struct Bot {
    child: Child,
    log: Arc<Mutex<Vec<(Instant, String)>>>,
    pub record: PathBuf,
    pub spawned: Instant,
    _dir: tempfile::TempDir,
}

impl Bot {
    /// `studybot run --record <file> --quiet` on `url` at `timeline`, the epoch read every `poll_ms`.
    pub fn spawn(url: &str, timeline: &Timeline, poll_ms: u64) -> Bot {
        let dir = tempfile::tempdir().expect("temp dir for the bot");
        let record = dir.path().join("record.jsonl");
        let anchor = timeline.anchor.duration_since(std::time::SystemTime::UNIX_EPOCH).unwrap().as_millis();
        let spawned = Instant::now();
        let mut child = Command::new(env!("CARGO_BIN_EXE_studybot"))
            .current_dir(dir.path())
            .env("STUDYBOT_DATABASE__URL", url)
            .env("STUDYBOT_CURRICULUM__DIR", curriculum_dir())
            .env("STUDYBOT_SCHEDULER__EPOCH_POLL_MS", poll_ms.to_string())
            .env("RUST_LOG", LOG_FILTER)
            .env("NO_COLOR", "1")
            .arg("run")
            .args(["--clock-origin", &timeline.origin.to_rfc3339()])
            .args(["--clock-speed", &timeline.speed.to_string()])
            .args(["--clock-anchor-ms", &anchor.to_string()])
            .args(["--quiet", "--record", &record.display().to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start studybot run");
        let log = Arc::new(Mutex::new(Vec::new()));
        let (stderr, sink) = (child.stderr.take().expect("piped stderr"), Arc::clone(&log));
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                sink.lock().unwrap().push((Instant::now(), strip_ansi(&line)));
            }
        });
        Bot { child, log, record, spawned, _dir: dir }
    }

    /// How many lines have been logged so far (a cursor for [`Bot::wait_log`]).
    pub fn lines(&self) -> usize {
        self.log.lock().unwrap().len()
    }

    /// Waits up to `timeout` for a line after `from` containing `needle`: its index, arrival
    /// instant and text. Panics with the log's tail when the bot exits or the time runs out.
    pub async fn wait_log(
        &mut self,
        from: usize,
        needle: &str,
        timeout: Duration,
    ) -> (usize, Instant, String) {
        let started = Instant::now();
        loop {
            {
                let log = self.log.lock().unwrap();
                if let Some(i) = (from..log.len()).find(|&i| log[i].1.contains(needle)) {
                    return (i, log[i].0, log[i].1.clone());
                }
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("the bot exited ({status}) before logging {needle:?}:\n{}", self.tail(30));
            }
            assert!(started.elapsed() < timeout, "no {needle:?} within {timeout:?}:\n{}", self.tail(30));
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }

    /// The last `n` log lines, for a failure message.
    pub fn tail(&self, n: usize) -> String {
        let log = self.log.lock().unwrap();
        log[log.len().saturating_sub(n)..].iter().map(|(_, l)| l.as_str()).collect::<Vec<_>>().join("\n")
    }

    /// (VmHWM, VmRSS) of the bot process in MB, from /proc/<pid>/status.
    pub fn rss_mb(&self) -> (f64, f64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        let field = |name: &str| {
            let line = status.lines().find(|l| l.starts_with(name)).unwrap_or_default();
            let kb: f64 = line.split_whitespace().nth(1).and_then(|v| v.parse().ok()).unwrap_or(0.0);
            kb / 1024.0
        };
        (field("VmHWM:"), field("VmRSS:"))
    }

    /// CPU seconds the bot has used (utime + stime of all its threads, /proc/<pid>/stat).
    pub fn cpu_secs(&self) -> f64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap_or_default();
        // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
        let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
        let fields: Vec<u64> =
            rest.split_whitespace().skip(11).take(2).filter_map(|v| v.parse().ok()).collect();
        fields.iter().sum::<u64>() as f64 / clock_ticks()
    }

    /// SIGTERM (SIGKILL after 15 s); returns the WARN and ERROR lines it logged.
    pub fn stop(mut self) -> Vec<String> {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(15) {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        let log = self.log.lock().unwrap();
        log.iter()
            .filter(|(_, l)| l.contains("WARN") || l.contains("ERROR"))
            .map(|(_, l)| l.clone())
            .collect()
    }
}

impl Drop for Bot {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The integer value of `key=` in a log line.
pub fn field(line: &str, key: &str) -> Option<i64> {
    let at = line.find(&format!(" {key}="))? + key.len() + 2;
    line[at..].split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
}

/// Clock ticks per second of /proc's CPU times (`getconf CLK_TCK`, 100 on Linux almost always).
fn clock_ticks() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        let out = Command::new("getconf").arg("CLK_TCK").output().ok();
        out.and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok()).unwrap_or(100.0)
    })
}

fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            chars.by_ref().find(|c| c.is_ascii_alphabetic());
        } else {
            out.push(c);
        }
    }
    out
}

/// How many posts the record holds in channels whose id starts with `prefix`.
pub fn recorded(record: &Path, prefix: &str) -> usize {
    super::support::posts(record).iter().filter(|p| p.channel.starts_with(prefix)).count()
}
