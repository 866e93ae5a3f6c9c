//! The real `studybot run` (release build) in Slack HTTP mode against the fake Slack: its config, its log, its memory.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use super::fake_slack::{BOT_TOKEN, FakeSlack, SIGNING_SECRET};

/// A running bot; its stderr lines are collected as they come.
pub struct Bot {
    child: Child,
    log: Arc<Mutex<Vec<String>>>,
    pub port: u16,
    _dir: tempfile::TempDir,
}

impl Bot {
    /// Writes the config (as tests/support/slack_bot.rs does) and starts the bot at virtual `origin`.
    /// The startup reaction read-back is off (`reconcile_days = 0`): paced to Slack's Tier 3 it
    /// would take minutes for the seeded posts, and this bench measures ingest, not startup.
    pub fn spawn(fake: &FakeSlack, url: &str, origin: &str) -> Bot {
        let dir = tempfile::tempdir().expect("temp dir for the bot's config");
        let port = free_port();
        let config = format!(
            "[database]\nurl = \"{url}\"\n\n[slack]\nmode = \"http\"\napi_url = \"{}\"\nlisten = \"127.0.0.1:{port}\"\nreconcile_days = 0\n",
            fake.api_url()
        );
        std::fs::write(dir.path().join("studybot.toml"), config).expect("write studybot.toml");
        let anchor = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_millis();
        let mut child = Command::new(env!("CARGO_BIN_EXE_studybot"))
            .current_dir(dir.path())
            .env("STUDYBOT_SLACK__BOT_TOKEN", BOT_TOKEN)
            .env("STUDYBOT_SLACK__SIGNING_SECRET", SIGNING_SECRET)
            .env("STUDYBOT_CURRICULUM__DIR", Path::new(env!("CARGO_MANIFEST_DIR")).join("curriculum"))
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .arg("run")
            .args(["--clock-origin", origin, "--clock-speed", "1", "--clock-anchor-ms", &anchor.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start studybot run");
        let log = Arc::new(Mutex::new(Vec::new()));
        let (stderr, sink) = (child.stderr.take().expect("piped stderr"), Arc::clone(&log));
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        Bot { child, log, port, _dir: dir }
    }

    /// The slash command's request url.
    pub fn commands_url(&self) -> String {
        format!("http://127.0.0.1:{}/slack/commands", self.port)
    }

    /// Waits up to `timeout` for a log line containing `needle`; whether it came.
    pub async fn wait_log(&mut self, needle: &str, timeout: Duration) -> bool {
        let started = Instant::now();
        while started.elapsed() < timeout {
            if self.log.lock().unwrap().iter().any(|l| l.contains(needle)) {
                return true;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                eprintln!("ingest: the bot exited ({status}) before logging {needle:?}:\n{}", self.tail(30));
                return false;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        false
    }

    /// The last `n` log lines, for a failure message.
    pub fn tail(&self, n: usize) -> String {
        let log = self.log.lock().unwrap();
        log[log.len().saturating_sub(n)..].join("\n")
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
        log.iter().filter(|l| l.contains("WARN") || l.contains("ERROR")).cloned().collect()
    }
}

/// A port nothing listens on now, for the bot's endpoint.
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// Prints the bot's warnings and errors (distinct, without timestamps), if any.
pub fn report_log(label: &str, problems: &[String]) {
    let mut distinct: Vec<&str> = Vec::new();
    for line in problems {
        let text = line.split_once(' ').map_or(line.as_str(), |(_, rest)| rest.trim());
        if !distinct.contains(&text) {
            distinct.push(text);
        }
    }
    println!("ingest {label}: bot log had {} WARN/ERROR lines, {} distinct", problems.len(), distinct.len());
    for text in distinct.iter().take(5) {
        println!("ingest {label}:   {}", text.chars().take(300).collect::<String>());
    }
}
