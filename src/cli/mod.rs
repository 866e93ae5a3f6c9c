//! Command-line interface: argument parsing and dispatch to the subcommands.

mod backup;
mod curriculum;
mod demo;
mod export;
mod migrate;
mod quiz;
mod run;
mod schedule;
#[cfg(test)]
mod tests;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// studybot — a study-coach bot for Discord and Slack study groups.
///
/// It posts each day's lesson of a Markdown curriculum into a channel on schedule, records
/// every member's checkpoint, and keeps streaks, quizzes and leaderboards.
#[derive(Debug, Parser)]
#[command(name = "studybot", version, propagate_version = true)]
pub struct Cli {
    /// Configuration file (TOML). Without it, `studybot.toml` is read if present; STUDYBOT_*
    /// environment variables override both.
    #[arg(long, global = true, env = "STUDYBOT_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the bot: post each cohort's lessons on schedule (stops cleanly on SIGTERM/SIGINT)
    ///
    /// With SQLite one instance runs per database file; with PostgreSQL any number may run and
    /// one of them (holding the scheduler lease) posts, the others stand by to take over.
    Run(run::RunArgs),
    /// Simulate a whole cohort through the shipped curriculum on a virtual clock (no tokens needed)
    Demo(demo::DemoArgs),
    /// Chat with the coach in the terminal as any member, on a virtual clock
    Console(demo::ConsoleArgs),
    /// Check, export or preview curriculum files
    #[command(subcommand)]
    Curriculum(curriculum::CurriculumCommand),
    /// Check quiz banks against their curriculum
    #[command(subcommand)]
    Quiz(quiz::QuizCommand),
    /// Create or upgrade the database schema (also done at every start)
    Migrate,
    /// Write a consistent copy of the SQLite database to FILE, safe while the bot runs
    ///
    /// The copy is taken with SQLite's `VACUUM INTO` from one snapshot, checked with
    /// `PRAGMA integrity_check`, and renamed into place, so FILE is never half written. An
    /// existing FILE is refused unless --force. The database is the configured one (as for
    /// `studybot migrate`). A PostgreSQL database is backed up by pg_dump: this prints the command
    /// and exits with an error.
    Backup(backup::BackupArgs),
    /// Put a backup back in place of the configured SQLite database (stop the bot first)
    ///
    /// FILE must be a SQLite database that passes `PRAGMA integrity_check` and whose migrations
    /// are this studybot's (or an earlier part of them): a backup from a newer studybot is refused.
    /// It is refused while `studybot run` works on the database. The database it replaces is kept
    /// as `<db>.before-restore`; the backup is copied beside the database and renamed over it, and
    /// migrations then bring it up to date.
    Restore(backup::RestoreArgs),
    /// Copy every table of one database into another, e.g. SQLite into PostgreSQL (stop the bot first)
    ///
    /// The target is migrated first and must be empty (only the rows migrations insert), unless
    /// --force, which empties it. Tables are found in the databases' own catalogs and filled in
    /// foreign-key order, 500 rows per transaction, ids kept; PostgreSQL sequences then continue
    /// after the largest id. Each table is then verified by row count and a SHA-256 over its rows
    /// in key order, read from both databases; any difference exits with an error.
    Copy(backup::CopyArgs),
    /// Print a schedule's next lesson instants, to check a cron and timezone before using them
    Schedule(schedule::ScheduleArgs),
    /// Export one cohort's record: members × days (on time, late, freeze, excused, missed, open),
    /// streaks, points, quiz scores and content posts, as CSV or JSON
    Export(export::ExportArgs),
}

/// Runs a parsed command line; the exit code says whether it succeeded.
pub fn run(cli: Cli) -> ExitCode {
    let result = match cli.command {
        Command::Curriculum(cmd) => {
            init_logging(false);
            curriculum::run(cmd)
        }
        Command::Quiz(cmd) => {
            init_logging(false);
            quiz::run(cmd)
        }
        Command::Demo(args) => demo::demo(&args),
        Command::Console(args) => {
            migrate::load_config(cli.config.as_deref()).and_then(|c| demo::console(&args, &c))
        }
        Command::Run(args) => migrate::load_config(cli.config.as_deref()).and_then(|c| run::run(&args, &c)),
        Command::Migrate => migrate::load_config(cli.config.as_deref()).and_then(|c| migrate::run(&c)),
        Command::Backup(args) => {
            migrate::load_config(cli.config.as_deref()).and_then(|c| backup::backup(&args, &c))
        }
        Command::Restore(args) => {
            migrate::load_config(cli.config.as_deref()).and_then(|c| backup::restore(&args, &c))
        }
        // No config is loaded: both databases are named on the command line.
        Command::Copy(args) => {
            init_logging(false);
            backup::copy(&args)
        }
        Command::Export(args) => {
            migrate::load_config(cli.config.as_deref()).and_then(|c| export::run(&args, &c))
        }
        // No config is loaded: checking a schedule must work before any setup exists.
        Command::Schedule(args) => {
            init_logging(false);
            schedule::run(&args)
        }
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs `future` to its end on a new async runtime.
fn block_on<F: std::future::Future>(future: F) -> anyhow::Result<F::Output> {
    use anyhow::Context;
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    Ok(runtime.block_on(future))
}

/// Logs go to stderr so that stdout stays clean for command output such as JSON exports.
fn init_logging(json: bool) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = if json { builder.json().try_init() } else { builder.try_init() };
}
