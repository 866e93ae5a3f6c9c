//! `studybot migrate`: create or upgrade the database schema of the configured database.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

use crate::config::{Config, redact_url};
use crate::store::Store;

pub fn run(config: &Config) -> anyhow::Result<ExitCode> {
    super::block_on(migrate(config))??;
    Ok(ExitCode::SUCCESS)
}

async fn migrate(config: &Config) -> anyhow::Result<()> {
    let db = &config.database;
    let shown = redact_url(&db.url);
    let store = Store::connect_with(db.connect_url().expose(), Some(db.max_connections)).await?;
    store.migrate().await.with_context(|| format!("migrating {shown}"))?;
    tracing::info!(database = %shown, backend = store.backend().as_str(), "database schema is up to date");
    store.close().await;
    Ok(())
}

/// Loads the configuration for commands that need it; logging starts once its format is known.
pub fn load_config(path: Option<&Path>) -> anyhow::Result<Config> {
    let config = Config::load(path)?;
    super::init_logging(config.log.format == crate::config::LogFormat::Json);
    Ok(config)
}
