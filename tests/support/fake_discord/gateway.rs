//! The gateway websocket: one task per connection, and the test's levers on the gateway.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::Ending;
use super::FakeDiscord;
use super::session::Out;
use super::state::{RESUME_PATH, Shared};

/// How long a closing socket waits for the client's close frame before it is dropped.
const CLOSE_GRACE: Duration = Duration::from_secs(5);

/// The gateway URL `GET /gateway` names.
pub(super) async fn upgrade(State(shared): State<Arc<Shared>>, ws: WebSocketUpgrade) -> Response {
    ws.on_upgrade(move |socket| run(shared, socket, "/"))
}

/// READY's session-specific `resume_gateway_url`, where Discord wants RESUMEs.
pub(super) async fn upgrade_resume(State(shared): State<Arc<Shared>>, ws: WebSocketUpgrade) -> Response {
    ws.on_upgrade(move |socket| run(shared, socket, RESUME_PATH))
}

async fn run(shared: Arc<Shared>, mut socket: WebSocket, path: &'static str) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let conn = shared.lock().gateway.attach(tx, path);
    let ending = loop {
        tokio::select! {
            out = rx.recv() => match out {
                Some(Out::Text(text)) => {
                    if socket.send(Message::Text(text.into())).await.is_err() {
                        break Ending::ClientDropped;
                    }
                },
                Some(Out::Close(code, reason)) => {
                    let frame = CloseFrame { code, reason: reason.into() };
                    let _ = socket.send(Message::Close(Some(frame))).await;
                    drain(&mut socket).await;
                    break Ending::ServerClosed(code);
                },
                // Dropping the socket closes TCP without a close frame, like a network failure.
                Some(Out::Drop) | None => break Ending::ServerDropped,
            },
            msg = socket.recv() => match msg {
                Some(Ok(Message::Text(text))) => {
                    let frame: Value = serde_json::from_str(text.as_str()).unwrap_or(Value::Null);
                    shared.lock().on_gateway_frame(conn, frame, &shared.resume_url());
                },
                // Reading on after a close frame sends tungstenite's automatic answer, which
                // serenity waits for before it reconnects or shuts down.
                Some(Ok(Message::Close(frame))) => {
                    drain(&mut socket).await;
                    // A close frame without a body is code 1005 ("no status received").
                    break Ending::ClientClosed(frame.map_or(1005, |f| f.code));
                },
                Some(Ok(_)) => {},
                Some(Err(_)) | None => break Ending::ClientDropped,
            },
        }
    };
    shared.lock().gateway.detach(conn, ending);
}

/// Reads until the peer is gone (or the grace ends), so a pending close answer gets flushed.
async fn drain(socket: &mut WebSocket) {
    let _ = tokio::time::timeout(CLOSE_GRACE, async { while let Some(Ok(_)) = socket.recv().await {} }).await;
}

impl FakeDiscord {
    /// Waits until a connection is IDENTIFIED or RESUMED (dispatches reach the client).
    pub async fn wait_ready(&self, timeout: Duration) -> bool {
        self.wait_for(timeout, |fake| fake.shared.lock().gateway.is_ready()).await
    }

    pub fn identify_count(&self) -> usize {
        self.shared.lock().gateway.identify_count
    }

    /// RESUME frames received (whether or not the session was still known).
    pub fn resume_count(&self) -> usize {
        self.shared.lock().gateway.resume_count
    }

    pub fn heartbeat_count(&self) -> usize {
        self.shared.lock().gateway.heartbeat_count
    }

    /// The `d` of the last heartbeat: the last sequence number the client had seen.
    pub fn last_heartbeat_seq(&self) -> Option<u64> {
        self.shared.lock().gateway.last_heartbeat_seq
    }

    pub fn last_identify(&self) -> Option<Value> {
        self.shared.lock().gateway.last_identify.clone()
    }

    /// The path of the URL each RESUME came over, in order: `/resume` is READY's
    /// `resume_gateway_url`, `/` the URL `GET /gateway` named.
    pub fn resume_paths(&self) -> Vec<&'static str> {
        self.shared.lock().gateway.resume_paths.clone()
    }

    pub fn last_resume(&self) -> Option<Value> {
        self.shared.lock().gateway.last_resume.clone()
    }

    /// The id of the current session (READY's `session_id`), if one exists.
    pub fn session_id(&self) -> Option<String> {
        self.shared.lock().gateway.session_id()
    }

    /// Every frame the client sent over the gateway, in order.
    pub fn gateway_frames(&self) -> Vec<Value> {
        self.shared.lock().gateway.frames.clone()
    }

    /// Every dispatch frame (`{op: 0, s, t, d}`) the fake sequenced, in order, across sessions.
    pub fn dispatched(&self) -> Vec<Value> {
        self.shared.lock().gateway.dispatched.clone()
    }

    /// Events not sent because the IDENTIFY intents do not cover them.
    pub fn withheld(&self) -> Vec<(String, Value)> {
        self.shared.lock().gateway.withheld.clone()
    }

    /// op 0 with the next `s`; while no connection is live it waits for a RESUME (or, before
    /// any session exists, for the next READY).
    pub async fn dispatch(&self, t: &str, d: Value) {
        self.shared.lock().gateway.dispatch(t, d);
    }

    /// Closes the TCP connection without a close frame; the session stays resumable.
    pub async fn drop_connection(&self) {
        self.shared.lock().gateway.detach_current(vec![Out::Drop]);
    }

    /// op 7: the client should reconnect and RESUME; the old socket is left for it to close.
    pub async fn send_reconnect(&self) {
        let frame = json!({"op": 7, "d": null}).to_string();
        self.shared.lock().gateway.detach_current(vec![Out::Text(frame)]);
    }

    /// How each gateway connection ended so far, as (connection number, ending), in the order
    /// they ended; connections are numbered 1, 2, … as they open.
    pub fn connection_endings(&self) -> Vec<(u64, Ending)> {
        self.shared.lock().gateway.endings.clone()
    }

    /// From now on IDENTIFY is closed with 4004 even with the right token, as Discord does with
    /// a token revoked after the bot started (REST still accepts it here).
    pub fn refuse_identify(&self) {
        self.shared.lock().gateway.refuse_identify = true;
    }

    /// `GET /gateway/bot` recommends `shards` from now on.
    pub fn recommend_shards(&self, shards: u64) {
        self.shared.lock().gateway.recommended_shards = shards;
    }

    /// A session whose shard would hold more than `guilds` guilds is closed with 4011 at IDENTIFY
    /// (Discord's limit is 2,500; with only the preset guild, 0 makes sharding required).
    pub fn limit_guilds_per_session(&self, guilds: usize) {
        self.shared.lock().gateway.guild_limit = guilds;
    }

    /// `GET /gateway/bot` says `remaining` sessions may start before the budget resets in
    /// `reset_after` (as Discord reports a day's budget nearly spent).
    pub fn limit_sessions(&self, remaining: usize, reset_after: Duration) {
        self.shared.lock().gateway.session_budget = Some((remaining, reset_after.as_millis() as u64));
    }

    /// Every IDENTIFY's `d`, in order.
    pub fn identifies(&self) -> Vec<Value> {
        self.shared.lock().gateway.identifies.clone()
    }

    /// Shards with a live session now, ascending.
    pub fn ready_shards(&self) -> Vec<u64> {
        self.shared.lock().gateway.ready_shards()
    }

    /// (shard, event name) of every dispatch, in order: where Discord sent each event.
    pub fn routed(&self) -> Vec<(u64, String)> {
        self.shared.lock().gateway.routed.clone()
    }

    /// From now on an IDENTIFY within 5 s of another in its `max_concurrency` bucket gets op 9
    /// (not resumable), as Discord paces them; off by default, so restarts in tests are quick.
    pub fn pace_identify(&self) {
        self.shared.lock().gateway.pace_identify = true;
    }

    /// IDENTIFYs answered with op 9 for coming within 5 s of another in their concurrency bucket.
    pub fn identify_refusals(&self) -> usize {
        self.shared.lock().gateway.identify_refusals
    }

    /// The shard the preset guild's events go on with `shards` shards.
    pub fn guild_shard(&self, shards: u64) -> u64 {
        self.shard_of(self.guild_id(), shards)
    }

    /// The shard `guild`'s events go on with `shards` shards: `(guild >> 22) % shards`.
    pub fn shard_of(&self, guild: u64, shards: u64) -> u64 {
        super::session::shard_for(guild, shards)
    }

    /// Forgets the session without telling the client, as Discord does after a long outage: its
    /// next RESUME gets op 9 `false` and it must IDENTIFY again.
    pub async fn expire_session(&self) {
        self.shared.lock().gateway.invalidate_session();
    }

    /// op 9: `false` forgets the session (the client must IDENTIFY again; what is dispatched
    /// meanwhile waits for the next READY, what was unsent is lost), `true` keeps it resumable.
    pub async fn send_invalid_session(&self, resumable: bool) {
        let frame = json!({"op": 9, "d": resumable}).to_string();
        let mut data = self.shared.lock();
        if !resumable {
            data.gateway.invalidate_session();
        }
        data.gateway.detach_current(vec![Out::Text(frame)]);
    }
}
