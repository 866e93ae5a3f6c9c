//! Gateway shards: how many (`discord.shards`, agreed through the database so every instance
//! runs the same count), whether Discord's session start budget allows them now, and which are
//! connected — the instance is ready (`/readyz`) only while all of them are.
//!
//! Discord routes a guild's events to shard `(guild_id >> 22) % shards` and direct messages to
//! shard 0; serenity boots the shards one after another, 5 s apart, which keeps within any
//! `max_concurrency` bucket.

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::time::Duration;

use serde::Deserialize;
use serenity::http::{LightMethod, Route};

use super::rest::Rest;
use crate::config::Shards;
use crate::ops::health::{self, Link};
use crate::store::{Platform, Store};

/// `GET /gateway/bot`: the recommended shard count and the session start budget.
#[derive(Debug, Clone, Deserialize)]
pub struct GatewayBot {
    pub shards: u32,
    pub session_start_limit: StartLimit,
}

#[derive(Debug, Clone, Deserialize)]
pub struct StartLimit {
    pub remaining: u32,
    /// Milliseconds until `remaining` is back to `total`.
    pub reset_after: u64,
    pub max_concurrency: u32,
}

/// Asks Discord for its recommendation and agrees on the count with the other instances.
pub async fn plan(rest: &Rest, store: &Store, wanted: Shards, now: i64) -> anyhow::Result<(u32, StartLimit)> {
    let bot: GatewayBot = rest
        .call(Route::GatewayBot, LightMethod::Get, None::<&()>, Vec::new())
        .await
        .map_err(|e| anyhow::anyhow!("asking Discord for the gateway (GET /gateway/bot): {e}"))?;
    let fixed = match wanted {
        Shards::Auto => None,
        Shards::Fixed(n) => Some(n),
    };
    let count = store.agree_shard_count(Platform::Discord, fixed, bot.shards, now).await?;
    tracing::info!(
        shards = count,
        recommended = bot.shards,
        remaining_sessions = bot.session_start_limit.remaining,
        max_concurrency = bot.session_start_limit.max_concurrency,
        "Discord gateway shards planned"
    );
    Ok((count, bot.session_start_limit))
}

/// Waits until the budget can start `count` sessions: Discord resets the token of a bot that
/// starts more than it allows.
pub async fn within_budget(limit: &StartLimit, count: u32) {
    if limit.remaining >= count {
        return;
    }
    let wait = Duration::from_millis(limit.reset_after);
    tracing::warn!(
        remaining = limit.remaining,
        needed = count,
        wait_secs = wait.as_secs(),
        "Discord's session start limit is used up; the gateway connects when it resets"
    );
    tokio::time::sleep(wait).await;
}

/// Which shards have a live session.
#[derive(Debug, Default)]
pub struct Links {
    total: Mutex<u32>,
    connected: Mutex<BTreeSet<u32>>,
    given_up: Mutex<Option<String>>,
}

impl Links {
    pub fn set_total(&self, total: u32) {
        *self.total.lock().expect("shard links") = total;
    }

    /// Why the gateway was given up, if it was.
    pub fn given_up(&self) -> Option<String> {
        self.given_up.lock().expect("shard links").clone()
    }

    /// Shard `id` is connected (READY or RESUMED); true when that makes all of them.
    pub fn connected(&self, id: u32) -> bool {
        let all = {
            let mut connected = self.connected.lock().expect("shard links");
            connected.insert(id);
            connected.len() as u32 >= (*self.total.lock().expect("shard links")).max(1)
        };
        if all {
            health::set_link(Link::Connected);
        }
        all
    }

    /// Gives the gateway up unless every shard connected within `limit` of the start: serenity
    /// retries a refused session every 5 s for ever (a 4011 "sharding required" too), and every
    /// IDENTIFY spends the day's session start budget, past which Discord resets the token.
    pub async fn watch_startup(&self, limit: Duration) -> Option<String> {
        tokio::time::sleep(limit).await;
        let total = *self.total.lock().expect("shard links");
        let connected = self.connected.lock().expect("shard links").clone();
        let missing: Vec<String> =
            (0..total).filter(|s| !connected.contains(s)).map(|s| s.to_string()).collect();
        if missing.is_empty() {
            return None;
        }
        let reason = format!(
            "shard {} of {total} had no Discord session {}s after the start; if the log says \
             \"Shard has too many guilds\", Discord requires sharding for this many servers: set \
             discord.shards = \"auto\" (or a larger number)",
            missing.join(", "),
            limit.as_secs()
        );
        self.given_up.lock().expect("shard links").get_or_insert(reason.clone());
        Some(reason)
    }

    /// Shard `id` left the connected stage: the instance is not ready until it is back.
    pub fn lost(&self, id: u32) {
        self.connected.lock().expect("shard links").remove(&id);
        health::set_link(Link::Disconnected);
    }
}
