//! `studybot migrate`: create or upgrade the database schema.

use std::path::Path;
use std::process::ExitCode;

pub fn run(_config: Option<&Path>) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not wired yet")
}
