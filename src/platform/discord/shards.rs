//! Gateway shards: how many (`discord.shards`, agreed through the database so every instance
//! runs the same count), whether Discord's session start budget allows them now, and which are
//! connected — the instance is ready (`/readyz`) only while all of them are.
//!
//! Discord routes a guild's events to shard `(guild_id >> 22) % shards` and direct messages to
//! shard 0. Which instance runs which shard is [`super::spread`]'s.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

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

/// The shards this instance holds, until when (the local deadline of each shard's lease), which
/// of them have a live session, and since when each has been starting. The instance is ready
/// (`/readyz`) once it has settled what it holds and every shard it holds has a session.
#[derive(Debug, Default)]
pub struct Links {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    total: u32,
    /// Shard → the monotonic deadline until which its events are this instance's to handle.
    held: BTreeMap<u32, Instant>,
    /// Shard → when its session was started, until it first connects.
    starting: BTreeMap<u32, Instant>,
    connected: BTreeSet<u32>,
    /// The first claim round has run: holding nothing is then a settled state (more instances
    /// than shards), not a start that has not happened yet.
    settled: bool,
}

impl Links {
    pub fn set_total(&self, total: u32) {
        self.lock().total = total;
    }

    pub fn total(&self) -> u32 {
        self.lock().total
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// This instance holds shard `id` until `deadline` (renewals move it on).
    pub fn hold(&self, id: u32, deadline: Instant) {
        self.lock().held.insert(id, deadline);
    }

    /// Shard `id`'s session is being started now.
    pub fn starting(&self, id: u32) {
        self.lock().starting.insert(id, Instant::now());
    }

    /// This instance no longer holds shard `id`: its events are left to the next holder.
    pub fn release(&self, id: u32) {
        let mut state = self.lock();
        state.held.remove(&id);
        state.starting.remove(&id);
        state.connected.remove(&id);
        drop(state);
        self.report();
    }

    /// The first claim round is done.
    pub fn settle(&self) {
        self.lock().settled = true;
        self.report();
    }

    /// Whether an event that came over shard `id` is this instance's to handle: it holds the
    /// shard and the shard's lease has not passed its deadline (a frozen process that wakes up
    /// past it leaves the event to whoever took the shard over).
    pub fn owns(&self, id: u32) -> bool {
        self.lock().held.get(&id).is_some_and(|deadline| Instant::now() < *deadline)
    }

    /// Shard `id` is connected (READY or RESUMED); true when every shard held is.
    pub fn connected(&self, id: u32) -> bool {
        let all = {
            let mut state = self.lock();
            state.starting.remove(&id);
            state.connected.insert(id);
            state.all_connected()
        };
        self.report();
        all
    }

    /// Shard `id` left the connected stage: the instance is not ready until it is back.
    pub fn lost(&self, id: u32) {
        self.lock().connected.remove(&id);
        self.report();
    }

    /// Gives the gateway up when a held shard has had no session for `limit` since it was
    /// started: serenity retries a refused session every 5 s for ever (a 4011 "sharding
    /// required" too), and every IDENTIFY spends the day's session start budget, past which
    /// Discord resets the token.
    pub fn stalled(&self, limit: Duration) -> Option<String> {
        let (missing, total) = {
            let state = self.lock();
            let missing: Vec<String> = state
                .starting
                .iter()
                .filter(|(_, since)| since.elapsed() >= limit)
                .map(|(id, _)| id.to_string())
                .collect();
            (missing, state.total)
        };
        if missing.is_empty() {
            return None;
        }
        Some(format!(
            "shard {} of {total} had no Discord session {}s after it was started; if the log says \
             \"Shard has too many guilds\", Discord requires sharding for this many servers: set \
             discord.shards = \"auto\" (or a larger number)",
            missing.join(", "),
            limit.as_secs()
        ))
    }

    /// Tells `/readyz`: connected once settled with every held shard connected; connecting
    /// while no shard has a session; disconnected (reconnecting) otherwise — naming the
    /// shards without a session (serenity retries each every 5 s).
    fn report(&self) {
        let state = self.lock();
        let link = if state.settled && state.all_connected() {
            Link::Connected
        } else if state.connected.is_empty() {
            Link::Connecting
        } else {
            Link::Disconnected
        };
        let missing: Vec<String> =
            state.held.keys().filter(|id| !state.connected.contains(id)).map(u32::to_string).collect();
        let detail = (!missing.is_empty())
            .then(|| format!("Discord shard {} of {} without a session", missing.join(", "), state.total));
        drop(state);
        health::set_link_with(link, detail);
    }
}

impl State {
    fn all_connected(&self) -> bool {
        self.held.keys().all(|id| self.connected.contains(id))
    }
}

/// Whether a post in `workspace` (a guild id; anything else is a direct message) comes over
/// shard `shard` of `total`: Discord routes a guild to `(guild_id >> 22) % total`, DMs to 0.
pub fn routes_to(workspace: &str, shard: u32, total: u32) -> bool {
    let home = workspace.parse::<u64>().map_or(0, |guild| (guild >> 22) % u64::from(total.max(1)));
    home == u64::from(shard)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_post_is_read_back_by_the_shard_its_guild_is_routed_to() {
        let guild = (7_u64 << 22) | 12_345; // (guild >> 22) % 4 == 3
        let on: Vec<u32> = (0..4).filter(|s| routes_to(&guild.to_string(), *s, 4)).collect();
        assert_eq!(on, [3]);
        assert!(routes_to("dm", 0, 4), "direct messages come over shard 0");
        assert!(routes_to(&guild.to_string(), 0, 1), "one shard carries everything");
    }

    #[test]
    fn an_instance_is_ready_once_every_shard_it_holds_is_connected() {
        let links = Links::default();
        links.set_total(4);
        let later = Instant::now() + Duration::from_secs(60);
        links.hold(1, later);
        links.hold(3, later);
        links.settle();
        assert!(!links.connected(1));
        assert!(links.connected(3), "shards 0 and 2 are another instance's");
        assert!(links.owns(3) && !links.owns(0));
        links.hold(2, Instant::now());
        assert!(!links.owns(2), "past its deadline, a shard's events are not this instance's");
    }
}
