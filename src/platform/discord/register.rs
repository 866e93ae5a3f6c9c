//! Slash command registration: per configured guild (instant), or global — once per command
//! table across the instances on a database (and restarts), not by every instance at every start.

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
    // The same table for the same application and guilds needs registering once: the key says
    // which, and a claim left by an instance that died mid-way is taken over after 5 minutes.
    let table = serde_json::to_vec(&(app.get(), &shared.guilds, &definitions)).unwrap_or_default();
    let key = format!("discord-commands:{:016x}", crate::hash::fnv1a_64(&table));
    let now = shared.clock.now().timestamp();
    let store = shared.coach.store();
    match store.claim_once(&key, now, now - STALE_CLAIM_SECS).await {
        Ok(true) => {}
        Ok(false) => {
            tracing::info!(
                "slash commands already registered (this command table, by this or another instance)"
            );
            return;
        }
        Err(e) => tracing::warn!(error = %chain(&e), "registration claim not stored; registering anyway"),
    }
    let mut all = true;
    if shared.guilds.is_empty() {
        let route = Route::Commands { application_id: app };
        let result = shared.rest.call_empty(route, LightMethod::Put, Some(&definitions)).await;
        all &= report(result, "globally (Discord may take up to an hour to show changes)");
    }
    for guild in shared.guilds.iter().filter_map(|g| super::delivery::snowflake(&g.to_string())) {
        let route = Route::GuildCommands { application_id: app, guild_id: GuildId::new(guild) };
        let result = shared.rest.call_empty(route, LightMethod::Put, Some(&definitions)).await;
        all &= report(result, &format!("in guild {guild}"));
    }
    // A failure is released, so the next start (or another instance) tries again.
    if let Err(e) = store.finish_once(&key, all).await {
        tracing::warn!(error = %chain(&e), "registration claim not updated");
    }
}

/// After this long a registration claim whose instance never finished it is taken over.
const STALE_CLAIM_SECS: i64 = 300;

/// Logs the outcome; true when it succeeded.
fn report(result: Result<(), RestError>, scope: &str) -> bool {
    let ok = result.is_ok();
    match result {
        Ok(()) => tracing::info!("slash commands registered {scope}"),
        Err(e) if e.status() == Some(403) => tracing::error!(
            error = %chain(&e),
            "cannot register slash commands {scope}: invite the bot again with the `applications.commands` scope (see docs/discord.md)"
        ),
        Err(e) => tracing::error!(error = %chain(&e), "cannot register slash commands {scope}"),
    }
    ok
}
