//! `studybot backup`, `restore` and `copy`: the operator's side of backups and of moving to
//! PostgreSQL; the work itself is in `store` (backup.rs, copy.rs).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

use crate::config::{Config, redact_url};
use crate::store::{Backend, CopyReport, backup_sqlite, copy_database, restore_sqlite};

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The backup file to write (a SQLite database); refused if it exists, unless --force
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Replace FILE if it exists
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The backup to put back (a file written by `studybot backup`)
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub struct CopyArgs {
    /// The database to copy from, e.g. sqlite://studybot.db
    #[arg(long, value_name = "URL")]
    pub from: String,
    /// The database to copy into, e.g. postgres://studybot@db.example/studybot (a password is
    /// best given in PGPASSWORD, not on the command line)
    #[arg(long, value_name = "URL")]
    pub to: String,
    /// Empty the target's tables first when it already holds rows
    #[arg(long)]
    pub force: bool,
}

pub fn backup(args: &BackupArgs, config: &Config) -> anyhow::Result<ExitCode> {
    let url = config.database.connect_url();
    let url = url.expose();
    if Backend::from_url(url)? == Backend::Postgres {
        eprintln!("{}", pg_dump_advice(url, &args.file));
        return Ok(ExitCode::FAILURE);
    }
    let info = super::block_on(backup_sqlite(url, &args.file, args.force))??;
    println!(
        "backed up {} to {} ({} bytes; {})",
        redact_url(url),
        info.path.display(),
        info.bytes,
        info.history
    );
    Ok(ExitCode::SUCCESS)
}

pub fn restore(args: &RestoreArgs, config: &Config) -> anyhow::Result<ExitCode> {
    let url = config.database.connect_url();
    let restored = super::block_on(restore_sqlite(url.expose(), &args.file))??;
    println!(
        "restored {} ({}) into {}; schema migrated to this studybot's",
        restored.backup.path.display(),
        restored.backup.history,
        restored.database.display()
    );
    if let Some(before) = restored.before {
        println!("the database it replaced is kept as {}", before.display());
    }
    Ok(ExitCode::SUCCESS)
}

pub fn copy(args: &CopyArgs) -> anyhow::Result<ExitCode> {
    let (from, to) = (redact_url(&args.from), redact_url(&args.to));
    let report = super::block_on(copy_database(&args.from, &args.to, args.force))?
        .with_context(|| format!("copying {from} to {to}"))?;
    print!("{}", render(&report));
    let bad: Vec<&str> = report.mismatches().map(|t| t.table.as_str()).collect();
    if bad.is_empty() {
        println!("every table of {from} is in {to}, row for row");
        Ok(ExitCode::SUCCESS)
    } else {
        anyhow::bail!("{} table(s) differ after the copy: {}", bad.len(), bad.join(", "))
    }
}

/// One line per table: rows on each side, the start of the checksum, and whether they match.
fn render(report: &CopyReport) -> String {
    let width = report.tables.iter().map(|t| t.table.len()).max().unwrap_or(5).max(5);
    let mut out = format!("{:width$}  {:>9}  {:>9}  {:16}  result\n", "table", "source", "target", "sha256");
    for t in &report.tables {
        let verdict = if t.matches() { "ok" } else { "MISMATCH" };
        let sum = &t.source.sha256[..16];
        let _ = writeln!(
            out,
            "{:width$}  {:>9}  {:>9}  {sum:16}  {verdict}",
            t.table, t.source.rows, t.target.rows
        );
    }
    let secs = report.elapsed.as_secs_f64();
    let rate = report.rows() as f64 / secs.max(1e-9);
    let _ = writeln!(
        out,
        "copied {} rows of {} tables in {secs:.2} s ({rate:.0} rows/s)",
        report.rows(),
        report.tables.len()
    );
    out
}

/// What to run instead of `studybot backup` on PostgreSQL: the URL without its password (which
/// belongs in PGPASSWORD or ~/.pgpass), quoted for a POSIX shell.
fn pg_dump_advice(url: &str, file: &Path) -> String {
    let target = without_password(url);
    format!(
        "studybot backup copies SQLite databases; a PostgreSQL database is backed up by pg_dump:\n\n  \
         pg_dump --format=custom --file={} --dbname={}\n\n\
         (give the password in PGPASSWORD or ~/.pgpass). Put it back with\n  \
         pg_restore --clean --if-exists --dbname={} {}\n\
         See docs/operations.md, \"Backup, restore and moving to PostgreSQL\".",
        shell_quote(&file.display().to_string()),
        shell_quote(&target),
        shell_quote(&target),
        shell_quote(&file.display().to_string()),
    )
}

fn without_password(url: &str) -> String {
    let Ok(mut parsed) = url::Url::parse(url) else { return redact_url(url) };
    let _ = parsed.set_password(None);
    let pairs: Vec<(String, String)> = parsed
        .query_pairs()
        .filter(|(k, _)| !k.eq_ignore_ascii_case("password") && !k.eq_ignore_ascii_case("sslpassword"))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    parsed.set_query(None);
    if !pairs.is_empty() {
        parsed.query_pairs_mut().extend_pairs(pairs);
    }
    parsed.to_string()
}

fn shell_quote(text: &str) -> String {
    if text.chars().all(|c| c.is_ascii_alphanumeric() || "/._-:@=".contains(c)) {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pg_dump_command_carries_no_password_and_is_quoted() {
        let advice = pg_dump_advice(
            "postgres://bot:hunter2@db:5432/studybot?password=x&sslmode=require",
            Path::new("my backup.dump"),
        );
        assert!(!advice.contains("hunter2") && !advice.contains("password=x"), "{advice}");
        assert!(
            advice.contains("pg_dump --format=custom --file='my backup.dump' --dbname='postgres://bot@db:5432/studybot?sslmode=require'"),
            "{advice}"
        );
    }
}
