//! Socket Mode: the websocket at /socket, hello and disconnect frames, envelopes out, acks in.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::sync::mpsc::{self, UnboundedSender};

use super::FakeSlack;
use super::deliver;
use super::state::{APP_ID, Shared};

/// How long a closing socket waits for the client's close frame before it is dropped.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

/// What a connection's task should do next.
pub(super) enum Out {
    Text(String),
    /// A close frame (normal closure), then wait briefly for the client's answer.
    Close,
    /// Drop the TCP connection without a close frame, like a network failure.
    Drop,
}

struct Conn {
    id: u64,
    tx: UnboundedSender<Out>,
    /// Envelopes go to live connections; a connection stops being live at `disconnect`.
    live: bool,
}

#[derive(Default)]
pub(super) struct Socket {
    pub opened: usize,
    conns: Vec<Conn>,
    /// Unused urls handed out by apps.connections.open.
    pub tickets: HashSet<String>,
    /// Envelopes sent while no connection was live; they go out after the next hello.
    pending: Vec<String>,
    /// Every frame a client sent, in order.
    pub frames: Vec<Value>,
    /// Envelopes go round the live connections (several instances of one app, each with its own
    /// connection), instead of to the newest.
    pub spread: bool,
    sent: usize,
}

impl Socket {
    fn live_count(&self) -> usize {
        self.conns.iter().filter(|c| c.live).count()
    }

    /// Sends on the newest live connection, or with `spread` on the next one round the live
    /// ones (Slack spreads an app's envelopes over its connections); the connection's id.
    pub fn send(&mut self, frame: String) -> Option<u64> {
        let live: Vec<&Conn> = self.conns.iter().filter(|c| c.live).collect();
        let chosen = match (live.is_empty(), self.spread) {
            (true, _) => None,
            (false, true) => Some(live[self.sent % live.len()]),
            (false, false) => live.last().copied(),
        };
        self.sent += 1;
        match chosen {
            Some(conn) => {
                _ = conn.tx.send(Out::Text(frame));
                Some(conn.id)
            }
            None => {
                self.pending.push(frame);
                None
            }
        }
    }

    fn attach(&mut self, tx: UnboundedSender<Out>) -> u64 {
        self.opened += 1;
        let id = self.opened as u64;
        self.conns.push(Conn { id, tx, live: true });
        let hello = json!({
            "type": "hello", "num_connections": self.live_count(),
            "debug_info": {"host": "applink-fake-1", "build_number": 118, "approximate_connection_time": 18060},
            "connection_info": {"app_id": APP_ID},
        });
        let conn = self.conns.last().expect("just pushed");
        let _ = conn.tx.send(Out::Text(hello.to_string()));
        for frame in std::mem::take(&mut self.pending) {
            let _ = conn.tx.send(Out::Text(frame));
        }
        id
    }

    /// Cuts every connection without a frame (the fake is going away).
    pub fn drop_all(&mut self) {
        for conn in &mut self.conns {
            conn.live = false;
            let _ = conn.tx.send(Out::Drop);
        }
    }

    fn detach(&mut self, id: u64) {
        self.conns.retain(|c| c.id != id);
    }

    /// Stops sending on the newest live connection and tells its task what to do with it.
    fn retire_newest(&mut self, outs: Vec<Out>) {
        if let Some(conn) = self.conns.iter_mut().rev().find(|c| c.live) {
            conn.live = false;
            for out in outs {
                let _ = conn.tx.send(out);
            }
        }
    }
}

pub(super) async fn upgrade(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<HashMap<String, String>>,
    ws: WebSocketUpgrade,
) -> Response {
    // Each url from apps.connections.open works once, as Slack's tickets do.
    let ticket = query.get("ticket").cloned().unwrap_or_default();
    if !shared.lock().socket.tickets.remove(&ticket) {
        return (StatusCode::UNAUTHORIZED, "invalid ticket").into_response();
    }
    ws.on_upgrade(move |socket| run(shared, socket))
}

async fn run(shared: Arc<Shared>, mut socket: WebSocket) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let conn = shared.lock().socket.attach(tx);
    loop {
        tokio::select! {
            out = rx.recv() => match out {
                Some(Out::Text(text)) => {
                    if socket.send(Message::Text(text.into())).await.is_err() {
                        break;
                    }
                },
                Some(Out::Close) => {
                    let _ = socket.send(Message::Close(None)).await;
                    drain(&mut socket).await;
                    break;
                },
                Some(Out::Drop) | None => break,
            },
            msg = socket.recv() => match msg {
                Some(Ok(Message::Text(text))) => {
                    let frame: Value = serde_json::from_str(text.as_str()).unwrap_or(Value::Null);
                    deliver::on_ack(&mut shared.lock(), frame, conn);
                },
                Some(Ok(Message::Close(_))) => {
                    drain(&mut socket).await;
                    break;
                },
                Some(Ok(_)) => {},
                Some(Err(_)) | None => break,
            },
        }
    }
    shared.lock().socket.detach(conn);
}

/// Reads until the peer is gone (or the grace ends), so a pending close answer gets flushed.
async fn drain(socket: &mut WebSocket) {
    let _ = tokio::time::timeout(CLOSE_GRACE, async { while let Some(Ok(_)) = socket.recv().await {} }).await;
}

impl FakeSlack {
    /// Envelopes go round every live connection (as Slack spreads them over the connections of
    /// several instances), not only to the newest.
    pub fn spread_over_connections(&self) {
        self.shared.lock().socket.spread = true;
    }

    /// Live Socket Mode connections now.
    pub fn live_connections(&self) -> usize {
        self.shared.lock().socket.live_count()
    }

    /// Websocket connections opened so far (reconnects count).
    pub fn connections(&self) -> usize {
        self.shared.lock().socket.opened
    }

    /// Waits until a connection is open and has had its hello.
    pub async fn wait_connected(&self, timeout: Duration) -> bool {
        self.wait_for(timeout, |fake| fake.shared.lock().socket.live_count() > 0).await
    }

    /// `{"type":"disconnect","reason":"refresh_requested"}` on the newest connection, then a close
    /// frame; envelopes sent meanwhile wait for the client's next connection.
    pub async fn send_disconnect(&self) {
        let frame = json!({
            "type": "disconnect", "reason": "refresh_requested",
            "debug_info": {"host": "applink-fake-1"},
        });
        self.shared.lock().socket.retire_newest(vec![Out::Text(frame.to_string()), Out::Close]);
    }

    /// Drops the newest connection's TCP stream without any frame, like a network failure.
    pub async fn drop_connection(&self) {
        self.shared.lock().socket.retire_newest(vec![Out::Drop]);
    }

    /// Every frame the bot sent over Socket Mode (acks), in order.
    pub fn socket_frames(&self) -> Vec<Value> {
        self.shared.lock().socket.frames.clone()
    }
}
