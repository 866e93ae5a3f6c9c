//! `studybot export`: one cohort's record, for its operator, as CSV or JSON (the table itself is
//! built in `coach/export.rs`).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use chrono::{DateTime, Utc};
use clap::Args;

use crate::coach::export::{self, Format};
use crate::coach::{Coach, CohortCtx};
use crate::config::Config;
use crate::platform::console::parse_instant;
use crate::store::Store;

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The cohort (its id, as `/studybot status` and the logs give it)
    #[arg(long, value_name = "ID")]
    pub cohort: i64,
    /// CSV (a members × days grid and the totals) or JSON (the same, per member)
    #[arg(long, default_value = "csv", value_parser = parse_format)]
    pub format: Format,
    /// Write here instead of to standard output
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// The record as of this instant, e.g. 2026-12-14T12:00 (UTC; default: now)
    #[arg(long, value_name = "DATETIME", value_parser = parse_at)]
    pub at: Option<DateTime<Utc>>,
}

fn parse_format(text: &str) -> Result<Format, String> {
    Format::from_name(text)
        .ok_or_else(|| format!("`{text}` is not a format: use one of {}", export::FORMATS.join(", ")))
}

fn parse_at(text: &str) -> Result<DateTime<Utc>, String> {
    parse_instant(text).ok_or_else(|| format!("`{text}` is not a date-time like 2026-12-14T12:00"))
}

pub fn run(args: &ExportArgs, config: &Config) -> anyhow::Result<ExitCode> {
    let text = super::block_on(render(args, config))??;
    match &args.out {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
            Ok(ExitCode::SUCCESS)
        }
        None => super::curriculum::print_stdout(&text),
    }
}

async fn render(args: &ExportArgs, config: &Config) -> anyhow::Result<String> {
    let db = &config.database;
    let store = Store::connect_with(db.connect_url().expose(), Some(db.max_connections)).await?;
    let catalog = crate::coach::shipped::load(&config.curriculum.dir)?;
    let coach = Coach::new(store.clone(), catalog);
    let cohort = store.get_cohort(args.cohort).await?;
    let cohort = cohort.with_context(|| format!("there is no cohort {} in this database", args.cohort))?;
    let ctx = CohortCtx::load(&coach, cohort).await?;
    let record = export::record(&coach, &ctx, args.at.unwrap_or_else(Utc::now)).await?;
    store.close().await;
    Ok(args.format.render(&record))
}
