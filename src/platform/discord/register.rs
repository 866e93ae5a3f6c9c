//! Slash command registration: per configured guild (instant), or global.

use serenity::http::{LightMethod, Route};
use serenity::model::id::{ApplicationId, GuildId};

use super::commands::{self, Bounds};
use super::events::Shared;
use super::rest::RestError;
use crate::faults::chain;

/// Registers the whole command table, replacing what was there (PUT is a bulk overwrite, so a
/// command removed from the table disappears too). Failures are logged with what to do.
pub async fn commands(shared: &Shared, app: ApplicationId) {
    // Day options must reach every day a running cohort has, not only what the files have now.
    let bounds = match shared.coach.curricula_in_use().await {
        Ok(curricula) => Bounds::from_curricula(curricula.iter().map(AsRef::as_ref)),
        Err(e) => {
            tracing::warn!(error = %chain(&e), "cohorts' curricula not read; command ranges come from the files");
            Bounds::from_catalog(shared.coach.catalog())
        }
    };
    let definitions = commands::definitions(&bounds);
    if shared.guilds.is_empty() {
        let route = Route::Commands { application_id: app };
        let result = shared.rest.call_empty(route, LightMethod::Put, Some(&definitions)).await;
        report(result, "globally (Discord may take up to an hour to show changes)");
        return;
    }
    for guild in shared.guilds.iter().filter_map(|g| super::delivery::snowflake(&g.to_string())) {
        let route = Route::GuildCommands { application_id: app, guild_id: GuildId::new(guild) };
        let result = shared.rest.call_empty(route, LightMethod::Put, Some(&definitions)).await;
        report(result, &format!("in guild {guild}"));
    }
}

fn report(result: Result<(), RestError>, scope: &str) {
    match result {
        Ok(()) => tracing::info!("slash commands registered {scope}"),
        Err(e) if e.status() == Some(403) => tracing::error!(
            error = %chain(&e),
            "cannot register slash commands {scope}: invite the bot again with the `applications.commands` scope (see docs/discord.md)"
        ),
        Err(e) => tracing::error!(error = %chain(&e), "cannot register slash commands {scope}"),
    }
}
