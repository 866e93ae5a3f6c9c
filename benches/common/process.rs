//! The bot as a child process of a benchmark: its stderr lines with the instant each arrived, waits on them, its memory and CPU time from /proc, and a stop that cannot hang.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct Process {
    child: Child,
    log: Arc<Mutex<Vec<(Instant, String)>>>,
}

impl Process {
    /// Starts `command` with stdin and stdout closed and stderr collected line by line.
    pub fn start(mut command: Command) -> Process {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start studybot");
        let log = Arc::new(Mutex::new(Vec::new()));
        let (stderr, sink) = (child.stderr.take().expect("piped stderr"), Arc::clone(&log));
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                sink.lock().unwrap().push((Instant::now(), strip_ansi(&line)));
            }
        });
        Process { child, log }
    }

    /// How many lines have been logged so far (a cursor for [`Process::wait_log`]).
    pub fn lines(&self) -> usize {
        self.log.lock().unwrap().len()
    }

    /// Waits up to `timeout` for a line after `from` containing `needle`: its index, arrival
    /// instant and text; or why not (the process exited, or the time ran out), with the log's tail.
    pub async fn wait_log(
        &mut self,
        from: usize,
        needle: &str,
        timeout: Duration,
    ) -> Result<(usize, Instant, String), String> {
        let started = Instant::now();
        loop {
            {
                let log = self.log.lock().unwrap();
                if let Some(i) = (from..log.len()).find(|&i| log[i].1.contains(needle)) {
                    return Ok((i, log[i].0, log[i].1.clone()));
                }
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!(
                    "the bot exited ({status}) before logging {needle:?}:\n{}",
                    self.tail(30)
                ));
            }
            if started.elapsed() >= timeout {
                return Err(format!("no {needle:?} within {timeout:?}:\n{}", self.tail(30)));
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }

    /// The last `n` log lines, for a failure message.
    pub fn tail(&self, n: usize) -> String {
        let log = self.log.lock().unwrap();
        log[log.len().saturating_sub(n)..].iter().map(|(_, l)| l.as_str()).collect::<Vec<_>>().join("\n")
    }

    /// (VmHWM, VmRSS) of the process in MB, from /proc/<pid>/status.
    pub fn rss_mb(&self) -> (f64, f64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        let field = |name: &str| {
            let line = status.lines().find(|l| l.starts_with(name)).unwrap_or_default();
            let kb: f64 = line.split_whitespace().nth(1).and_then(|v| v.parse().ok()).unwrap_or(0.0);
            kb / 1024.0
        };
        (field("VmHWM:"), field("VmRSS:"))
    }

    /// CPU seconds the process has used (utime + stime of all its threads, /proc/<pid>/stat).
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
        self.kill();
        let log = self.log.lock().unwrap();
        log.iter()
            .filter(|(_, l)| l.contains("WARN") || l.contains("ERROR"))
            .map(|(_, l)| l.clone())
            .collect()
    }

    fn kill(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
    }
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
    println!("{label}: bot log had {} WARN/ERROR lines, {} distinct", problems.len(), distinct.len());
    for text in distinct.iter().take(5) {
        println!("{label}:   {}", text.chars().take(700).collect::<String>());
    }
}

/// Nearest-rank percentile of sorted values; an empty list gives the default (0).
pub fn percentile<T: Copy + Default>(sorted: &[T], p: usize) -> T {
    if sorted.is_empty() {
        return T::default();
    }
    sorted[(sorted.len() * p).div_ceil(100).max(1) - 1]
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
