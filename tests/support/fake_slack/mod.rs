//! A fake Slack on 127.0.0.1: the Web API and Socket Mode on one port, as slack-morphism 2.31.1 speaks them.
//!
//! Wire facts this fake follows (read from slack-morphism 2.31.1 and Slack's docs):
//! - slack-morphism sends every POST method as JSON (`application/json; charset=utf-8`, bearer
//!   token) and GET methods (auth.test, users.info, conversations.history, reactions.get) as query
//!   strings. It joins `"{api_url}/{method}"`, so `api_url()`'s trailing '/' gives `/api//method`;
//!   the fake accepts both, and `Recorded::path` keeps what arrived.
//! - API errors are HTTP 200 with `{"ok":false,"error"}`; a missing token is `not_authed`, an
//!   unknown one `invalid_auth`, the other kind of token `not_allowed_token_type`. Rate limits are
//!   429 with `Retry-After` (whole seconds) and `{"ok":false,"error":"ratelimited"}`.
//! - Socket Mode: apps.connections.open (app token) hands out a single-use
//!   `ws://…/socket?ticket=…`; the fake sends `hello` (with `debug_info.host`, which slack-morphism
//!   requires), then envelopes. Envelopes sent while no connection is live wait for the next hello.
//!   slack-morphism acks every envelope; a slash command's ack always carries a `payload` (often
//!   `{}`); a non-empty one is the command's answer.
//! - HTTP mode: events are JSON, commands a form, interactions a form with one `payload` field;
//!   each signed (`X-Slack-Signature`, `X-Slack-Request-Timestamp`). The fake waits 3 s for an
//!   answer, as Slack does, and records a timeout as status 0.
//! - A response_url answer (or a command's ack payload) is ephemeral unless `response_type` is
//!   `in_channel`. `replace_original` / `delete_original` act on the message the url belongs to:
//!   the pressed message, or for a command the ephemeral it last showed (its ack's answer or an
//!   earlier response_url post); without them an answer is a new message. Blocks in either are
//!   checked as chat.postMessage checks them (400 `invalid_blocks` on a response_url).
//!
//! Choices of this fake: reactions.add/remove by the bot dispatch reaction_added/_removed back
//! (Slack does); `react`/`unreact` send nothing when nothing changes; chat.postMessage adds a
//! `block_id` (and a button `action_id`) where the bot left them out, as Slack does; channel ids
//! look like `C0…`, DMs `D0…`; users are known once a test has used them; conversations.info
//! answers the documented conversation object for known channels and DMs, team.info the one
//! workspace ("Fake Study Group", `team` optional, another id `team_not_found`); a `plain_text`
//! object holding `&amp;`, `&lt;` or `&gt;` is refused as `invalid_blocks` (Slack would show the
//! entity as written, since it decodes them only in mrkdwn). Not modelled: threads
//! beyond storing `thread_ts`, files, views/modals, message events, Enterprise Grid, the
//! 30-minute expiry of response_urls, automatic retries of unacked envelopes (use `redeliver`).

mod chat;
mod deliver;
mod drive;
mod files;
mod http;
mod limits;
mod methods;
mod payloads;
mod responses;
mod socket;
mod state;
mod web;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::{any, get, post};
use serde_json::{Value, json};
use tokio::task::JoinHandle;

pub use files::FakeFile;
pub use state::Recorded;
use state::{BOT_USER_ID, Origin, Shared, TEAM_ID};

pub const BOT_TOKEN: &str = "xoxb-fake";
pub const APP_TOKEN: &str = "xapp-fake";
pub const SIGNING_SECRET: &str = "fake-signing-secret";
/// The slash command `command()` types.
pub const COMMAND: &str = "/studybot";

/// A workspace member. `admin` makes users.info say `is_admin: true`.
#[derive(Debug, Clone)]
pub struct SlackUser {
    pub id: String,
    pub name: String,
    pub admin: bool,
}

impl SlackUser {
    pub fn new(id: &str, name: &str, admin: bool) -> SlackUser {
        SlackUser { id: id.to_string(), name: name.to_string(), admin }
    }
}

pub struct FakeSlack {
    shared: Arc<Shared>,
    server: JoinHandle<()>,
}

impl Drop for FakeSlack {
    /// Stops listening and drops live websockets, so a bot still running sees Slack go away.
    fn drop(&mut self) {
        self.server.abort();
        self.shared.lock().socket.drop_all();
    }
}

impl FakeSlack {
    /// Binds 127.0.0.1:0 and serves on the current tokio runtime.
    pub async fn start() -> FakeSlack {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("local addr").port();
        let shared = Arc::new(Shared::new(port));
        let app = Router::new()
            .route("/socket", get(socket::upgrade))
            .route("/response/{id}", post(responses::handle))
            .route("/api/{*method}", any(web::handle))
            .route("/upload/v1/{id}", post(files::upload))
            .with_state(Arc::clone(&shared));
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeSlack { shared, server }
    }

    /// The bot's Slack API url: `http://127.0.0.1:PORT/api/`.
    pub fn api_url(&self) -> String {
        format!("{}/api/", self.shared.base_url())
    }

    pub fn team_id(&self) -> String {
        TEAM_ID.to_string()
    }

    pub fn bot_user_id(&self) -> String {
        BOT_USER_ID.to_string()
    }

    /// The id of public channel `name` (with or without '#'), created on first use.
    pub fn channel(&self, name: &str) -> String {
        self.shared.lock().channel_named(name)
    }

    /// The DM channel the bot opened with `user_id` (conversations.open), if any.
    pub fn dm_channel(&self, user_id: &str) -> Option<String> {
        let data = self.shared.lock();
        data.channels.iter().find(|(_, c)| c.dm_user.as_deref() == Some(user_id)).map(|(id, _)| id.clone())
    }

    /// The DM channel between `user` and the bot, as when the member opens it from the app's
    /// Messages tab (the bot may not have written there yet).
    pub fn dm_with(&self, user: &SlackUser) -> String {
        let mut data = self.shared.lock();
        data.remember(user);
        data.dm_channel(&user.id).0
    }

    /// Makes a user known to users.info before any event of theirs.
    pub fn add_user(&self, user: &SlackUser) {
        self.shared.lock().remember(user);
    }

    /// Polls `done` every 10 ms until it holds or `timeout` passes; returns whether it held.
    pub async fn wait_for(&self, timeout: Duration, done: impl Fn(&FakeSlack) -> bool) -> bool {
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

    /// Every Web API request, in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.lock().requests.clone()
    }

    /// Web API requests for one method (e.g. "chat.postMessage").
    pub fn calls(&self, api_method: &str) -> Vec<Recorded> {
        self.requests().into_iter().filter(|r| r.api_method == api_method).collect()
    }

    /// Messages the bot chat.postMessage'd to `channel`, oldest first, as stored now (updates
    /// applied, deletions left out), with `metadata` and `reactions` when they have any.
    pub fn messages(&self, channel: &str) -> Vec<Value> {
        self.channel_messages(channel, |origin| *origin == Origin::Posted)
    }

    /// Everything conversations.history would show in `channel` (posts and `in_channel` answers).
    pub fn history(&self, channel: &str) -> Vec<Value> {
        self.channel_messages(channel, |_| true)
    }

    fn channel_messages(&self, channel: &str, keep: impl Fn(&Origin) -> bool) -> Vec<Value> {
        let data = self.shared.lock();
        let visible = data.messages.iter().filter(|m| m.channel == channel && !m.deleted && keep(&m.origin));
        visible.map(|m| chat::shown(&data, m, true)).collect()
    }

    /// What `user_id` alone saw, in order: chat.postEphemeral calls (`via: "chat.postEphemeral"`),
    /// response_url posts (`via: "response_url"`) and command ack payloads (`via: "ack"`) that
    /// were not `in_channel`; the latter two carry the delivery `id`. Each has a `message_ts`; one
    /// that a later `replace_original` / `delete_original` took away is marked `replaced` /
    /// `deleted`, and the answer that replaced it names it in `replaces`.
    pub fn ephemerals(&self, user_id: &str) -> Vec<Value> {
        let data = self.shared.lock();
        data.ephemerals.iter().filter(|e| e["user"] == user_id).cloned().collect()
    }

    /// Every file the bot started uploading, in order, with what arrived and where it was shared.
    pub fn files(&self) -> Vec<FakeFile> {
        self.shared.lock().files.clone()
    }

    /// The ephemeral messages `user_id` sees now: `ephemerals` without the replaced and deleted.
    pub fn shown_ephemerals(&self, user_id: &str) -> Vec<Value> {
        let gone = |e: &Value| e.get("replaced").is_some() || e.get("deleted").is_some();
        self.ephemerals(user_id).into_iter().filter(|e| !gone(e)).collect()
    }

    /// User ids that reacted with `reaction` on a message, in the order they did.
    pub fn reactions(&self, channel: &str, ts: &str, reaction: &str) -> Vec<String> {
        let data = self.shared.lock();
        let found = data.reactions.iter().find(|r| r.channel == channel && r.ts == ts && r.name == reaction);
        found.map(|r| r.users.clone()).unwrap_or_default()
    }

    /// chat.postMessage / chat.postEphemeral / chat.update / files.completeUploadExternal to `channel` answer
    /// `{"ok":false,"error":error}` ("channel_not_found", "not_in_channel", …); "" clears it.
    pub fn fail_channel(&self, channel: &str, error: &str) {
        let mut data = self.shared.lock();
        match error {
            "" => data.failures.remove(channel),
            _ => data.failures.insert(channel.to_string(), error.to_string()),
        };
    }

    /// Web API `method` answers only after `delay` (zero: at once again), as a slow Slack would.
    pub fn delay_method(&self, method: &str, delay: Duration) {
        let mut data = self.shared.lock();
        match delay.is_zero() {
            true => data.delays.remove(method),
            false => data.delays.insert(method.to_string(), delay),
        };
    }

    /// A summary for assertion messages: one line per Web API request.
    pub fn request_log(&self) -> Value {
        let lines: Vec<String> = self
            .requests()
            .iter()
            .map(|r| format!("{} {} → {} {}", r.method, r.api_method, r.status, r.response["error"]))
            .collect();
        json!(lines)
    }
}
