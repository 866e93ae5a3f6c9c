//! The `studybot` binary run to its end in a test: in a directory, with environment variables,
//! its output as text.

use std::path::Path;
use std::process::{Command, Output};

/// Runs `studybot args` in `dir` with `env` (and no RUST_LOG), to its end.
pub fn studybot(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_studybot"));
    cmd.args(args).current_dir(dir).env_remove("RUST_LOG").env_remove("STUDYBOT_CONFIG");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("the studybot binary runs")
}

/// The same, on a blocking thread, so a test's async tasks go on meanwhile.
pub async fn studybot_async(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let dir = dir.to_owned();
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    let env: Vec<(String, String)> = env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        studybot(&dir, &args, &env)
    })
    .await
    .expect("the studybot thread")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
