//! A fake Discord on 127.0.0.1: REST (/api/v10) and the gateway on one port, as serenity 0.12.5 speaks them.
//!
//! Wire facts this fake follows (read from serenity 0.12.5 and Discord's docs):
//! - `GET /api/v10/gateway` answers `{"url": "ws://127.0.0.1:PORT"}` like Discord (no path);
//!   serenity connects to `url + "?v=10"`, so the websocket is served at `/`. READY's
//!   `resume_gateway_url` is another URL, `ws://127.0.0.1:PORT/resume`, served too, and
//!   `resume_paths()` tells which one each RESUME came over: serenity 0.12.5 ignores READY's
//!   and always reconnects to `GET /gateway`'s (docs/discord.md).
//! - The IDENTIFY/RESUME token is `"Bot fake-bot-token"` (serenity sends the HTTP form);
//!   both that and the bare token are accepted, anything else closes with 4004.
//! - A 429 body is Discord's `{"message","retry_after","global"}` without `code`: serenity's
//!   `DiscordJsonError` requires `code`, so with the limiter disabled it reports status 429
//!   with `code: -1` and a decode message — `retry_after` does not reach the caller.
//! - Events go out only when the IDENTIFY intents cover them (reactions need
//!   GUILD_/DIRECT_MESSAGE_REACTIONS); withheld ones are listed by `withheld()`.
//!
//! Differences from the brief: the application id differs from the bot id (Discord makes them
//! equal for new apps; keeping them apart catches a mix-up); `messages(channel)` lists what was
//! POSTed to the channel, interaction replies are in `responses(id)` (GET history shows both,
//! minus ephemeral ones); `react`/`unreact` dispatch only when they change something (Discord
//! sends no event for a reaction that is already there); `fail_channel` fails every request
//! under /channels/{c}, and a status of 0 clears it; GET /gateway needs no token (as on Discord;
//! serenity would otherwise fall back to the real gateway url). Not modelled: MESSAGE_CREATE/
//! UPDATE/DELETE dispatches (the bot's intents exclude them), zlib-compressed frames, the 3 s
//! interaction deadline (each response records `after_ms` instead), `with_response` callbacks.
//!
//! Added to the brief's API: `start_with_heartbeat` (a short HELLO interval), `wait_for`,
//! `expire_session` (the next RESUME is refused), `last_heartbeat_seq`, `last_resume`,
//! `resume_paths`, `offered` and `dm_with` (what a member can invoke where, `invoke.rs`),
//! `session_id`, `gateway_frames`, `dispatched`, `withheld`, `message(id)`, `dm_channel`,
//! `request_log`, `connection_endings` (each connection's close code or drop, by side),
//! `redispatch` (an INTERACTION_CREATE again, same id and token), `callbacks` (the status of each
//! initial response to one interaction; a second is refused 400 with code 40060 "Interaction has
//! already been acknowledged.", as Discord does), `refuse_identify` (4004 at IDENTIFY for a token
//! REST still accepts), and for many guilds `add_guild`, `guild_channel` and `shard_of` (below).
//!
//! Guilds: besides the preset guild (`guild_id()`, "Study Group", whose channels `channel(name)`
//! makes), `add_guild(name)` adds more and `guild_channel(guild, name)` makes their text channels.
//! Each guild is routed to its own shard, `(guild_id >> 22) % shards`, and added guilds take
//! successive shards: READY of a shard lists that shard's guilds (unavailable) and a GUILD_CREATE
//! follows for each, on it; `limit_guilds_per_session` counts them per shard. Everything
//! guild-scoped carries the guild of its channel: interactions (`guild_id`, `guild_locale`,
//! the member with its permissions), reactions, messages and channel objects. GET /guilds/{id}
//! answers a known guild as a guild object with its own name (for channel labels), GET
//! /guilds/{id}/channels its text channels, any other id 404 Unknown Guild (10004); guild
//! commands may be registered in any known guild (another is 403 Missing Access) and are
//! offered in that guild's channels only.

mod actors;
mod commands;
mod gateway;
mod interactions;
mod invoke;
mod limits;
mod messages;
mod multipart;
mod payloads;
mod rest;
mod session;
mod state;
mod validate;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use serde_json::{Value, json};
use tokio::task::JoinHandle;

pub use session::Ending;
pub use state::Recorded;
use state::{APP_ID, BOT_ID, GUILD_ID, Origin, Shared};

/// The only token the fake accepts.
pub const BOT_TOKEN: &str = "fake-bot-token";

/// Discord's usual HELLO interval.
const DEFAULT_HEARTBEAT: Duration = Duration::from_millis(41_250);

/// A member of every guild (and a user who can DM the bot). `admin` adds MANAGE_GUILD to the
/// member's permissions.
#[derive(Debug, Clone)]
pub struct FakeUser {
    pub id: u64,
    pub name: String,
    pub admin: bool,
}

impl FakeUser {
    pub fn new(id: u64, name: &str, admin: bool) -> FakeUser {
        FakeUser { id, name: name.to_string(), admin }
    }
}

pub struct FakeDiscord {
    shared: Arc<Shared>,
    server: JoinHandle<()>,
}

impl Drop for FakeDiscord {
    /// Stops listening and cuts the gateway connection, so a bot still running sees Discord go away.
    fn drop(&mut self) {
        self.server.abort();
        self.shared.lock().gateway.detach_current(vec![session::Out::Drop]);
    }
}

impl FakeDiscord {
    /// Binds 127.0.0.1:0 and serves on the current tokio runtime.
    pub async fn start() -> FakeDiscord {
        FakeDiscord::start_with_heartbeat(DEFAULT_HEARTBEAT).await
    }

    /// Like `start`, with the HELLO `heartbeat_interval` a test wants to see exercised.
    pub async fn start_with_heartbeat(interval: Duration) -> FakeDiscord {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("local addr").port();
        let shared = Arc::new(Shared::new(port, interval.as_millis() as u64));
        let app = Router::new()
            .route("/", get(gateway::upgrade))
            .route("/gateway", get(gateway::upgrade))
            .route(state::RESUME_PATH, get(gateway::upgrade_resume))
            .fallback(rest::handle)
            .with_state(Arc::clone(&shared));
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeDiscord { shared, server }
    }

    /// The bot's rest proxy: `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.shared.port)
    }

    pub fn bot_id(&self) -> u64 {
        BOT_ID
    }

    pub fn app_id(&self) -> u64 {
        APP_ID
    }

    pub fn guild_id(&self) -> u64 {
        GUILD_ID
    }

    /// The id of the preset guild's text channel `name` (`guild_channel(guild_id(), name)`).
    pub fn channel(&self, name: &str) -> u64 {
        self.guild_channel(GUILD_ID, name)
    }

    /// Another guild named `name`, with no channels yet; returns its id. The k-th guild added
    /// (from 0) is routed to shard `k % shards` for any shard count from 1 to 8 (and every count
    /// dividing 840), so successive guilds fill successive shards; the preset guild keeps its id.
    pub fn add_guild(&self, name: &str) -> u64 {
        self.shared.lock().add_guild(name)
    }

    /// The id of text channel `name` in `guild`, created on first use: announced with
    /// CHANNEL_CREATE once a session exists for the guild's shard, listed in its GUILD_CREATE
    /// before that. Panics for a guild the fake does not know.
    pub fn guild_channel(&self, guild: u64, name: &str) -> u64 {
        let mut data = self.shared.lock();
        assert!(data.guilds.contains_key(&guild), "guild_channel: no guild {guild} (add_guild makes one)");
        let (id, created) = data.channel_named(guild, name);
        if created && data.gateway.has_session_for(guild) {
            let channel = payloads::channel(&data, id).expect("just created");
            data.gateway.dispatch("CHANNEL_CREATE", channel);
        }
        id
    }

    /// Polls `done` every 10 ms until it holds or `timeout` passes; returns whether it held.
    pub async fn wait_for(&self, timeout: Duration, done: impl Fn(&FakeDiscord) -> bool) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if done(self) {
                return true;
            }
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Every REST request, in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.lock().requests.clone()
    }

    /// Messages POSTed to a channel, oldest first, as currently stored (edits applied).
    pub fn messages(&self, channel: u64) -> Vec<Value> {
        let data = self.shared.lock();
        let posted = data.messages.values().filter(|m| m.channel == channel && m.origin == Origin::Channel);
        posted.map(|m| m.json.clone()).collect()
    }

    /// The DM channel the bot opened with `user_id` (POST /users/@me/channels), if any.
    pub fn dm_channel(&self, user_id: u64) -> Option<u64> {
        let data = self.shared.lock();
        data.channels.iter().find(|(_, c)| c.dm_user == Some(user_id)).map(|(id, _)| *id)
    }

    /// Messages POSTed to the DM channel with `user_id`.
    pub fn dm_messages(&self, user_id: u64) -> Vec<Value> {
        self.dm_channel(user_id).map(|c| self.messages(c)).unwrap_or_default()
    }

    /// User ids that reacted with `emoji` (a unicode emoji or `name:id`), ascending.
    pub fn reactions(&self, channel: u64, message_id: u64, emoji: &str) -> Vec<u64> {
        let data = self.shared.lock();
        let users = data.reactions.get(&(channel, message_id, emoji.to_string()));
        users.map(|u| u.iter().copied().collect()).unwrap_or_default()
    }

    /// What the bot answered to an interaction, in order: each `{"kind": "callback" | "edit" |
    /// "followup", "body": …, "after_ms": …}` (edits and follow-ups also carry `message_id`).
    pub fn responses(&self, interaction_id: &str) -> Vec<Value> {
        let data = self.shared.lock();
        data.interactions.get(interaction_id).map(|i| i.responses.clone()).unwrap_or_default()
    }

    /// A stored message by id (channel post, interaction reply or follow-up), as GET returns it.
    pub fn message(&self, message_id: u64) -> Option<Value> {
        self.shared.lock().messages.get(&message_id).map(|m| m.json.clone())
    }

    /// Registered commands as Discord returned them, each with `"scope": "guild" | "global"`.
    pub fn commands(&self) -> Vec<Value> {
        self.shared.lock().commands.clone()
    }

    /// Requests under /channels/{channel} fail: 403 Missing Access (50001), 404 Unknown
    /// Channel (10003), or any other status with code 0; 0 clears the failure.
    pub fn fail_channel(&self, channel: u64, status: u16) {
        let mut data = self.shared.lock();
        match status {
            0 => data.failures.remove(&channel),
            _ => data.failures.insert(channel, status),
        };
    }

    /// A summary for assertion messages: request lines with their statuses.
    pub fn request_log(&self) -> Value {
        let lines: Vec<String> =
            self.requests().iter().map(|r| format!("{} {} → {}", r.method, r.path, r.status)).collect();
        json!(lines)
    }
}
