//! Command-line interface: argument parsing and dispatch to the subcommands.

mod curriculum;
mod demo;
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
    /// Print a schedule's next lesson instants, to check a cron and timezone before using them
    Schedule(schedule::ScheduleArgs),
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
            migrate::load_config(cli.config.as_deref()).and_then(|c| demo::console(&args, &c.curriculum.dir))
        }
        Command::Run(args) => migrate::load_config(cli.config.as_deref()).and_then(|c| run::run(&args, &c)),
        Command::Migrate => migrate::load_config(cli.config.as_deref()).and_then(|c| migrate::run(&c)),
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

/// Logs go to stderr so that stdout stays clean for command output such as JSON exports.
fn init_logging(json: bool) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = if json { builder.json().try_init() } else { builder.try_init() };
}
