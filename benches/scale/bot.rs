//! The real `studybot run` (release build) on the console platform for the scale benchmark: a virtual clock, a record file, its log lines with the instant each arrived, its memory and CPU time.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use super::process::Process;
use super::support::{Timeline, curriculum_dir};

/// What the bot logs: the scheduler's cache at debug (its "schedule reloaded" lines with counts),
/// everything else at info (with "schedule loaded").
const LOG_FILTER: &str = "info,studybot::scheduler::cache=debug";

/// A running bot and the record file it posts to.
pub struct Bot {
    pub process: Process,
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
        let mut command = Command::new(env!("CARGO_BIN_EXE_studybot"));
        command
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
            .args(["--quiet", "--record", &record.display().to_string()]);
        Bot { process: Process::start(command), record, spawned, _dir: dir }
    }

    /// Waits up to `timeout` for a line after `from` containing `needle`: its index, arrival
    /// instant and text. Panics with the log's tail when the bot exits or the time runs out.
    pub async fn wait_log(
        &mut self,
        from: usize,
        needle: &str,
        timeout: Duration,
    ) -> (usize, Instant, String) {
        self.process.wait_log(from, needle, timeout).await.unwrap_or_else(|why| panic!("{why}"))
    }
}

/// The integer value of `key=` in a log line.
pub fn field(line: &str, key: &str) -> Option<i64> {
    let at = line.find(&format!(" {key}="))? + key.len() + 2;
    line[at..].split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
}

/// How many posts the record holds in channels whose id starts with `prefix`.
pub fn recorded(record: &Path, prefix: &str) -> usize {
    super::support::posts(record).iter().filter(|p| p.channel.starts_with(prefix)).count()
}
