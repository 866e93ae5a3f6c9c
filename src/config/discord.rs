//! The `[discord]` section: the token, where commands are registered, the REST proxy, the
//! read-back window and the gateway shard count.

use serde::Deserialize;
use url::Url;

use super::Secret;

/// How many gateway shards the bot runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Shards {
    /// The count Discord recommends (`GET /gateway/bot`) when the first instance starts.
    #[default]
    Auto,
    /// This many, 1-65536.
    Fixed(u32),
}

impl<'de> Deserialize<'de> for Shards {
    /// `"auto"`, a number, or a number as text (an environment variable).
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Shards, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Number(i64),
            Text(String),
        }
        let refuse =
            |what: &str| serde::de::Error::custom(format!("`{what}` is not `auto` or a shard count 1-65536"));
        let n = match Raw::deserialize(deserializer)? {
            Raw::Text(t) if t.trim().eq_ignore_ascii_case("auto") => return Ok(Shards::Auto),
            Raw::Text(t) => t.trim().parse::<i64>().map_err(|_| refuse(&t))?,
            Raw::Number(n) => n,
        };
        match u32::try_from(n) {
            Ok(n) if (1..=65_536).contains(&n) => Ok(Shards::Fixed(n)),
            _ => Err(refuse(&n.to_string())),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DiscordConfig {
    /// The bot token: `STUDYBOT_DISCORD__TOKEN`, or `DISCORD_TOKEN` when that is unset.
    pub token: Option<Secret>,
    /// Guild ids whose slash commands are registered per guild (instant updates); empty means
    /// global registration, which Discord can take up to an hour to show. In the environment:
    /// `STUDYBOT_DISCORD__GUILDS=123,456` (brackets optional).
    #[serde(deserialize_with = "id_list")]
    pub guilds: Vec<u64>,
    /// A base URL that replaces `https://discord.com` for every REST call (a shared rate-limit
    /// proxy such as twilight-http-proxy, or a fake in tests).
    pub rest_proxy: Option<String>,
    /// After a restart or a full re-identify, the ✅ reactions on the lesson posts of this many
    /// days are read back through REST, so reactions changed while the bot was away count.
    pub reconcile_days: u32,
    /// Gateway shards: `auto` (Discord's recommendation, stored so every instance agrees) or a
    /// number. Discord refuses a session without sharding past 2,500 servers.
    pub shards: Shards,
    /// How long every shard may take to have a session at startup (plus 5 s a shard for
    /// serenity's pacing) before the bot gives up with exit 1, instead of spending the day's
    /// session budget on a session Discord keeps refusing.
    pub connect_timeout_secs: u64,
}

impl Default for DiscordConfig {
    fn default() -> Self {
        Self {
            token: None,
            guilds: Vec::new(),
            rest_proxy: None,
            reconcile_days: 3,
            shards: Shards::Auto,
            connect_timeout_secs: 120,
        }
    }
}

/// A list of ids from TOML (`[123, "456"]`) or from one environment string (`123,456`).
fn id_list<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Vec<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Id {
        Number(u64),
        Text(String),
    }
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Ids {
        List(Vec<Id>),
        Text(String),
    }
    let parse = |text: &str| {
        let id = text.trim().trim_matches('"');
        id.parse::<u64>().map_err(|_| serde::de::Error::custom(format!("`{id}` is not a numeric id")))
    };
    let items = match Ids::deserialize(deserializer)? {
        Ids::List(ids) => ids,
        Ids::Text(text) => {
            let inner = text.trim().trim_start_matches('[').trim_end_matches(']');
            inner.split(',').filter(|t| !t.trim().is_empty()).map(|t| Id::Text(t.to_string())).collect()
        }
    };
    items
        .into_iter()
        .map(|id| match id {
            Id::Number(n) => Ok(n),
            Id::Text(t) => parse(&t),
        })
        .collect()
}

pub(super) fn validate_discord(discord: &DiscordConfig) -> Result<(), (&'static str, String)> {
    if discord.token.as_ref().is_none_or(|t| t.expose().trim().is_empty()) {
        let reason = "no bot token: set STUDYBOT_DISCORD__TOKEN (or DISCORD_TOKEN) in the environment".into();
        return Err(("discord.token", reason));
    }
    if let Some(proxy) = &discord.rest_proxy {
        match Url::parse(proxy) {
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {}
            _ => return Err(("discord.rest_proxy", format!("`{proxy}` is not an http(s) URL"))),
        }
    }
    if !(1..=3600).contains(&discord.connect_timeout_secs) {
        return Err(("discord.connect_timeout_secs", "must be 1-3600".into()));
    }
    if discord.reconcile_days > 30 {
        return Err(("discord.reconcile_days", "must be 0-30".into()));
    }
    Ok(())
}
