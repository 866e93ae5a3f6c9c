//! `studybot demo` and `studybot console`: the coach on the console platform, no tokens needed.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use chrono::{DateTime, Utc};
use clap::Args;

use crate::coach::{Catalog, Coach};
use crate::config::Config;
use crate::curriculum::text::quoted;
use crate::ops::dashboard::ConfigLinks;
use crate::platform::console::{Console, clock_range, parse_instant};
use crate::store::Store;

pub const SHIPPED: &str = "curriculum/days_121_150_lakehouse_architecture.md";

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Number of simulated members (1-12)
    #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u8).range(1..=12))]
    pub members: u8,
    /// Seed of the simulation; the same seed gives the same run
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Database URL (default: a temporary SQLite file, removed afterwards)
    #[arg(long, value_name = "URL")]
    pub db: Option<String>,
    /// Curriculum file to run
    #[arg(long, value_name = "FILE", default_value = SHIPPED)]
    pub curriculum: PathBuf,
    /// A second curriculum file, run as the next cycle in the same channel: queued with
    /// `/studybot next`, it begins when the first completes and members carry on
    #[arg(long, value_name = "FILE")]
    pub then: Option<PathBuf>,
    /// Print the whole chat transcript instead of the story
    #[arg(long)]
    pub verbose: bool,
}

#[derive(Debug, Args)]
pub struct ConsoleArgs {
    /// Curriculum file (default: every curriculum in `curriculum.dir`)
    #[arg(long, value_name = "FILE")]
    pub curriculum: Option<PathBuf>,
    /// Database URL (default: a temporary SQLite file, removed on exit)
    #[arg(long, value_name = "URL")]
    pub db: Option<String>,
    /// Start of the virtual clock, e.g. 2026-12-07T08:00 (UTC; default: now)
    #[arg(long, value_name = "DATETIME", value_parser = parse_start)]
    pub start: Option<DateTime<Utc>>,
    /// Where files the bot sends (`/studybot export`) are written (default: <temp>/studybot-files)
    #[arg(long, value_name = "DIR")]
    pub files: Option<PathBuf>,
}

fn parse_start(text: &str) -> Result<DateTime<Utc>, String> {
    let (first, last) = clock_range();
    match parse_instant(text) {
        Some(at) if (first..=last).contains(&at) => Ok(at),
        Some(_) => Err(format!("`{text}` is outside {} to {}", first.date_naive(), last.date_naive())),
        None => Err(format!("`{}` is not a date-time like 2026-12-07T08:00", quoted(text))),
    }
}

pub fn demo(args: &DemoArgs) -> anyhow::Result<ExitCode> {
    super::init_logging(false);
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let options = crate::demo::Options {
        members: usize::from(args.members),
        seed: args.seed,
        db_url: args.db.clone(),
        curriculum: &args.curriculum,
        then: args.then.as_deref(),
        verbose: args.verbose,
    };
    let mut out = std::io::stdout().lock();
    runtime.block_on(crate::demo::run(&options, &mut out))?;
    Ok(ExitCode::SUCCESS)
}

/// `studybot console`: with the dashboard configured, `/studybot dashboard` hands out links to
/// the pages `studybot run` serves from the same database.
pub fn console(args: &ConsoleArgs, config: &Config) -> anyhow::Result<ExitCode> {
    let curriculum_dir = &config.curriculum.dir;
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(async {
        let temp = tempfile::tempdir().context("creating a temp dir for the console database")?;
        let url = args
            .db
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", temp.path().join("console.db").display()));
        let store = Store::open(&url).await?;
        let catalog = match &args.curriculum {
            Some(file) => Catalog::load_file(file)?,
            None => crate::coach::shipped::load(curriculum_dir)?,
        };
        let ids: Vec<String> = catalog.iter().map(|(id, _)| id.to_string()).collect();
        let start = args.start.unwrap_or_else(Utc::now);
        let stdin = std::io::stdin();
        if stdin.is_terminal() {
            println!(
                "studybot console — curricula: {}. Type :help for directives, /help for commands.",
                ids.join(", ")
            );
        }
        let coach = Coach::new(store.clone(), catalog).with_dashboard(Arc::new(ConfigLinks::new(config)));
        let mut console = Console::new(coach, start, std::io::stdout());
        if let Some(dir) = &args.files {
            console = console.with_files_dir(dir);
        }
        console.run(stdin.lock()).await?;
        store.close().await;
        Ok(ExitCode::SUCCESS)
    })
}
