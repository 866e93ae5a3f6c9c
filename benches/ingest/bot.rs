//! The real `studybot run` (release build) in Slack HTTP mode against the fake Slack: its config, its log, its memory.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, SystemTime};

use super::Via;
use super::fake_slack::{BOT_TOKEN, FakeSlack, SIGNING_SECRET};
use super::process::Process;

/// A running bot and the port of its Slack endpoint.
pub struct Bot {
    pub process: Process,
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
        let mut command = Command::new(env!("CARGO_BIN_EXE_studybot"));
        command
            .current_dir(dir.path())
            .env("STUDYBOT_SLACK__BOT_TOKEN", BOT_TOKEN)
            .env("STUDYBOT_SLACK__SIGNING_SECRET", SIGNING_SECRET)
            .env("STUDYBOT_CURRICULUM__DIR", Path::new(env!("CARGO_MANIFEST_DIR")).join("curriculum"))
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .arg("run")
            .args(["--clock-origin", origin, "--clock-speed", "1", "--clock-anchor-ms", &anchor.to_string()]);
        Bot { process: Process::start(command), port, _dir: dir }
    }

    /// The request url of `via`: the slash command's, or Event Subscriptions'.
    pub fn url(&self, via: Via) -> String {
        format!("http://127.0.0.1:{}/slack/{}", self.port, via.path())
    }

    /// Waits up to `timeout` for a log line containing `needle`; whether it came (why not is printed).
    pub async fn wait_log(&mut self, needle: &str, timeout: Duration) -> bool {
        match self.process.wait_log(0, needle, timeout).await {
            Ok(_) => true,
            Err(why) => {
                eprintln!("ingest: {why}");
                false
            }
        }
    }
}

/// A port nothing listens on now, for the bot's endpoint.
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}
