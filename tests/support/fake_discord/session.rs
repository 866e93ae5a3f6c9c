//! Gateway sessions: IDENTIFY/RESUME/heartbeat handling, sequence numbers, replay and intent filtering.

use serde_json::{Value, json};
use tokio::sync::mpsc::UnboundedSender;

use super::BOT_TOKEN;
use super::payloads;
use super::state::Data;

/// How a gateway connection ended, as the fake saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// The client sent a close frame with this code.
    ClientClosed(u16),
    /// The client went away without a close frame (TCP closed or reset).
    ClientDropped,
    /// The fake sent a close frame with this code.
    ServerClosed(u16),
    /// The fake dropped the connection (`drop_connection`, or the fake went away).
    ServerDropped,
}

/// What a connection's socket task should do next.
pub(super) enum Out {
    Text(String),
    /// A close frame with this code and reason, then wait for the client's answer.
    Close(u16, &'static str),
    /// Drop the TCP connection without a close frame.
    Drop,
}

struct Conn {
    id: u64,
    /// The URL path it connected to: `/`, or `/resume` (READY's `resume_gateway_url`).
    path: &'static str,
    tx: UnboundedSender<Out>,
    /// IDENTIFIED or RESUMED: dispatches go out on it.
    live: bool,
}

struct Session {
    id: String,
    seq: u64,
    /// Every dispatch of the session (but RESUMED), kept to replay on RESUME.
    log: Vec<(u64, String)>,
}

pub(super) struct Gateway {
    pub heartbeat_ms: u64,
    pub identify_count: usize,
    pub resume_count: usize,
    pub heartbeat_count: usize,
    pub last_identify: Option<Value>,
    pub last_resume: Option<Value>,
    /// The URL path of each RESUME's connection, in order.
    pub resume_paths: Vec<&'static str>,
    pub last_heartbeat_seq: Option<u64>,
    /// Every frame a client sent, in order.
    pub frames: Vec<Value>,
    /// Every dispatch frame sequenced in any session, in order (RESUMED included).
    pub dispatched: Vec<Value>,
    /// Events not sent because the IDENTIFY intents exclude them.
    pub withheld: Vec<(String, Value)>,
    /// How each connection ended, by connection number (1, 2, …) in the order they ended.
    pub endings: Vec<(u64, Ending)>,
    /// IDENTIFY is answered with close 4004 even with the right token (revoked after startup).
    pub refuse_identify: bool,
    intents: u64,
    session: Option<Session>,
    /// Dispatches made while no session existed; sent after the next READY.
    pending: Vec<(String, Value)>,
    conn: Option<Conn>,
    next_conn: u64,
    next_session: u64,
}

impl Gateway {
    pub fn new(heartbeat_ms: u64) -> Gateway {
        Gateway {
            heartbeat_ms,
            identify_count: 0,
            resume_count: 0,
            heartbeat_count: 0,
            last_identify: None,
            last_resume: None,
            resume_paths: Vec::new(),
            last_heartbeat_seq: None,
            frames: Vec::new(),
            dispatched: Vec::new(),
            withheld: Vec::new(),
            endings: Vec::new(),
            refuse_identify: false,
            intents: 0,
            session: None,
            pending: Vec::new(),
            conn: None,
            next_conn: 0,
            next_session: 0,
        }
    }

    /// A new socket becomes the current connection (a client only ever uses its newest one).
    pub fn attach(&mut self, tx: UnboundedSender<Out>, path: &'static str) -> u64 {
        self.next_conn += 1;
        let hello = json!({"op": 10, "d": {"heartbeat_interval": self.heartbeat_ms}, "s": null, "t": null});
        let _ = tx.send(Out::Text(hello.to_string()));
        self.conn = Some(Conn { id: self.next_conn, path, tx, live: false });
        self.next_conn
    }

    pub fn detach(&mut self, id: u64, ending: Ending) {
        self.endings.push((id, ending));
        if self.conn.as_ref().is_some_and(|c| c.id == id) {
            self.conn = None;
        }
    }

    pub fn is_ready(&self) -> bool {
        self.conn.as_ref().is_some_and(|c| c.live)
    }

    pub fn session_id(&self) -> Option<String> {
        self.session.as_ref().map(|s| s.id.clone())
    }

    /// Sends to the current connection and forgets it: later dispatches wait for a RESUME.
    pub fn detach_current(&mut self, frames: Vec<Out>) {
        if let Some(conn) = self.conn.take() {
            for out in frames {
                let _ = conn.tx.send(out);
            }
        }
    }

    pub fn invalidate_session(&mut self) {
        self.session = None;
    }

    fn send(&self, text: String) {
        if let Some(conn) = self.conn.as_ref().filter(|c| c.live) {
            let _ = conn.tx.send(Out::Text(text));
        }
    }

    fn reply(&self, conn: u64, out: Out) {
        if let Some(c) = self.conn.as_ref().filter(|c| c.id == conn) {
            let _ = c.tx.send(out);
        }
    }

    /// op 0 with the session's next `s`; sent now if a connection is live, else kept for RESUME.
    pub fn dispatch(&mut self, t: &str, d: Value) {
        if !intent_allows(self.intents, t, &d) && self.session.is_some() {
            self.withheld.push((t.to_string(), d));
            return;
        }
        let Some(session) = self.session.as_mut() else {
            self.pending.push((t.to_string(), d));
            return;
        };
        session.seq += 1;
        let frame = json!({"op": 0, "s": session.seq, "t": t, "d": d});
        session.log.push((session.seq, frame.to_string()));
        self.send(frame.to_string());
        self.dispatched.push(frame);
    }
}

/// Discord sends an event only when the IDENTIFY intents ask for it.
fn intent_allows(intents: u64, t: &str, d: &Value) -> bool {
    const GUILDS: u64 = 1;
    const GUILD_MESSAGES: u64 = 1 << 9;
    const GUILD_MESSAGE_REACTIONS: u64 = 1 << 10;
    const DIRECT_MESSAGES: u64 = 1 << 12;
    const DIRECT_MESSAGE_REACTIONS: u64 = 1 << 13;
    let in_guild = d.get("guild_id").is_some_and(|g| !g.is_null());
    let needed = match t {
        t if t.starts_with("MESSAGE_REACTION_") => {
            if in_guild {
                GUILD_MESSAGE_REACTIONS
            } else {
                DIRECT_MESSAGE_REACTIONS
            }
        }
        t if t.starts_with("MESSAGE_") => {
            if in_guild {
                GUILD_MESSAGES
            } else {
                DIRECT_MESSAGES
            }
        }
        t if t.starts_with("GUILD_") || t.starts_with("CHANNEL_") => GUILDS,
        _ => 0,
    };
    intents & needed == needed
}

fn token_ok(d: &Value) -> bool {
    let token = d["token"].as_str().unwrap_or("");
    token.strip_prefix("Bot ").unwrap_or(token) == BOT_TOKEN
}

impl Data {
    /// Handles one frame a client sent on connection `conn`.
    pub fn on_gateway_frame(&mut self, conn: u64, frame: Value, resume_url: &str) {
        self.gateway.frames.push(frame.clone());
        let d = frame.get("d").cloned().unwrap_or(Value::Null);
        match frame["op"].as_u64() {
            Some(1) => {
                self.gateway.heartbeat_count += 1;
                self.gateway.last_heartbeat_seq = d.as_u64();
                self.gateway.reply(conn, Out::Text(json!({"op": 11, "d": null}).to_string()));
            }
            Some(2) => self.identify(conn, d, resume_url),
            Some(6) => self.resume(conn, d),
            _ => {}
        }
    }

    fn identify(&mut self, conn: u64, d: Value, resume_url: &str) {
        let gw = &mut self.gateway;
        gw.identify_count += 1;
        gw.last_identify = Some(d.clone());
        if !token_ok(&d) || gw.refuse_identify {
            gw.reply(conn, Out::Close(4004, "Authentication failed."));
            return;
        }
        gw.intents = d["intents"].as_u64().unwrap_or(0);
        gw.next_session += 1;
        let id = format!("{:032x}", 0xfa4e_0000_u64 + gw.next_session);
        gw.session = Some(Session { id: id.clone(), seq: 0, log: Vec::new() });
        match gw.conn.as_mut().filter(|c| c.id == conn) {
            Some(c) => c.live = true,
            None => return,
        }
        let shard = d.get("shard").cloned().unwrap_or(json!([0, 1]));
        gw.dispatch("READY", payloads::ready(&id, resume_url, shard));
        let guild = payloads::guild_create(self);
        self.gateway.dispatch("GUILD_CREATE", guild);
        for (t, d) in std::mem::take(&mut self.gateway.pending) {
            self.gateway.dispatch(&t, d);
        }
    }

    fn resume(&mut self, conn: u64, d: Value) {
        let gw = &mut self.gateway;
        gw.resume_count += 1;
        gw.last_resume = Some(d.clone());
        let path = gw.conn.as_ref().filter(|c| c.id == conn).map_or("?", |c| c.path);
        gw.resume_paths.push(path);
        if !token_ok(&d) {
            gw.reply(conn, Out::Close(4004, "Authentication failed."));
            return;
        }
        let known = gw.session.as_ref().is_some_and(|s| Some(s.id.as_str()) == d["session_id"].as_str());
        if !known {
            gw.reply(conn, Out::Text(json!({"op": 9, "d": false}).to_string()));
            return;
        }
        let Some(c) = gw.conn.as_mut().filter(|c| c.id == conn) else { return };
        c.live = true;
        let from = d["seq"].as_u64().unwrap_or(0);
        let session = gw.session.as_mut().expect("checked above");
        let replay: Vec<String> =
            session.log.iter().filter(|(s, _)| *s > from).map(|(_, f)| f.clone()).collect();
        session.seq += 1;
        let resumed = json!({"op": 0, "s": session.seq, "t": "RESUMED", "d": {"_trace": ["fake-discord"]}});
        for frame in replay {
            gw.send(frame);
        }
        gw.send(resumed.to_string());
        gw.dispatched.push(resumed);
    }
}
