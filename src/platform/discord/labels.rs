//! How a Discord channel is named in a message sent elsewhere (`#study in Study Group`): learnt from the gateway, else looked up over REST, and cached.
//!
//! The label matters most when the bot has lost access to the channel — the direct message that
//! says a lesson post failed — and then GET /channels/{id} answers 403. GUILD_CREATE lists every
//! channel of a guild with its name, so names learnt there (or in CHANNEL_CREATE/UPDATE) while
//! the bot could see the channel still name it afterwards.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use serde::Deserialize;
use serenity::http::{LightMethod, Route};
use serenity::model::id::{ChannelId, GuildId};

use super::delivery::snowflake;
use super::rest::Rest;
use crate::coach::ChannelRef;
use crate::faults::chain;

/// The name Discord gives a channel the bot may not view, under its channel-obfuscation rule:
/// never learnt, so it cannot replace the name learnt while the bot could see the channel.
const HIDDEN: &str = "___hidden___";

#[derive(Default)]
pub struct Labels {
    /// Complete labels (`#name in Server`) by channel id.
    channels: Mutex<HashMap<String, String>>,
    /// Server names by guild id.
    guilds: Mutex<HashMap<u64, String>>,
}

/// The fields of a channel object (GET /channels/{id}) a label needs.
#[derive(Deserialize)]
struct ChannelInfo {
    name: Option<String>,
    guild_id: Option<String>,
}

/// The field of a guild object (GET /guilds/{id}) a label needs.
#[derive(Deserialize)]
struct GuildInfo {
    name: String,
}

impl Labels {
    /// A guild as GUILD_CREATE shows it: its name and its channels' (id, name).
    pub fn learn_guild(&self, guild: u64, name: &str, channels: impl IntoIterator<Item = (u64, String)>) {
        lock(&self.guilds).insert(guild, name.to_string());
        for (channel, channel_name) in channels {
            self.learn_channel(guild, channel, &channel_name);
        }
    }

    /// A channel created or renamed (CHANNEL_CREATE/UPDATE), in a guild whose name is known.
    pub fn learn_channel(&self, guild: u64, channel: u64, name: &str) {
        if name == HIDDEN {
            return;
        }
        let Some(server) = lock(&self.guilds).get(&guild).cloned() else { return };
        lock(&self.channels).insert(channel.to_string(), format!("#{name} in {server}"));
    }

    /// The cached label, else one looked up (and cached once both names were found). A channel
    /// that cannot be read is still placed in its server, from the cohort's guild id.
    pub async fn label(&self, rest: &Rest, channel: &ChannelRef) -> String {
        if let Some(label) = lock(&self.channels).get(&channel.channel) {
            return label.clone();
        }
        let (name, guild) = match channel_info(rest, channel).await {
            Some(info) => (info.name, info.guild_id.as_deref().and_then(snowflake)),
            None => (None, None),
        };
        let found = name.is_some();
        let name = format!("#{}", name.as_deref().unwrap_or(&channel.channel));
        let Some(server) = self.server(rest, guild.or_else(|| snowflake(&channel.workspace))).await else {
            return name;
        };
        let label = format!("{name} in {server}");
        if found {
            lock(&self.channels).insert(channel.channel.clone(), label.clone());
        }
        label
    }

    /// A server's name: known from the gateway or an earlier lookup, else asked for.
    async fn server(&self, rest: &Rest, guild: Option<u64>) -> Option<String> {
        let guild = guild?;
        if let Some(name) = lock(&self.guilds).get(&guild) {
            return Some(name.clone());
        }
        let route = Route::Guild { guild_id: GuildId::new(guild) };
        match rest.call::<GuildInfo>(route, LightMethod::Get, None::<&()>, Vec::new()).await {
            Ok(info) => {
                lock(&self.guilds).insert(guild, info.name.clone());
                Some(info.name)
            }
            Err(e) => {
                tracing::debug!(error = %chain(&e), guild, "server name not found for a channel label");
                None
            }
        }
    }
}

/// GET /channels/{id}; `None` when it cannot be read (403 once the bot lost access, 404 once deleted).
async fn channel_info(rest: &Rest, channel: &ChannelRef) -> Option<ChannelInfo> {
    let route = Route::Channel { channel_id: ChannelId::new(snowflake(&channel.channel)?) };
    match rest.call(route, LightMethod::Get, None::<&()>, Vec::new()).await {
        Ok(info) => Some(info),
        Err(e) => {
            tracing::debug!(error = %chain(&e), channel = %channel.channel, "channel name not found for a label");
            None
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Each update is one insert, so a panic elsewhere cannot leave a map half-changed.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_channel_hidden_later_keeps_the_name_learnt_while_it_was_visible() {
        let labels = Labels::default();
        labels.learn_guild(1, "Study Group", [(10, "study".to_string()), (11, HIDDEN.to_string())]);
        labels.learn_channel(1, 10, HIDDEN);
        labels.learn_channel(2, 12, "elsewhere"); // a guild whose name is not known
        let known = lock(&labels.channels).clone();
        assert_eq!(known, HashMap::from([("10".to_string(), "#study in Study Group".to_string())]));
        labels.learn_channel(1, 10, "study-2026");
        assert_eq!(lock(&labels.channels)["10"], "#study-2026 in Study Group", "a rename is learnt");
    }
}
