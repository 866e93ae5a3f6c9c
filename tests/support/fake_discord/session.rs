//! Gateway sessions: IDENTIFY/RESUME/heartbeat handling, sequence numbers, replay and intent
//! filtering, and shards — one session per shard, each guild's events on shard
//! `(guild_id >> 22) % shards` and direct messages on shard 0, IDENTIFY paced per
//! `max_concurrency` bucket (one per 5 s), and a session refused with 4011 when its shard would
//! hold more guilds than the limit (2,500 on Discord). READY lists the shard's guilds as
//! unavailable and a GUILD_CREATE follows for each, on that shard.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

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
    /// The shard its IDENTIFY or RESUME was for.
    shard: Option<u64>,
}

struct Session {
    id: String,
    seq: u64,
    /// Every dispatch of the session (but RESUMED), kept to replay on RESUME.
    log: Vec<(u64, String)>,
    intents: u64,
}

/// How long one `max_concurrency` bucket waits between IDENTIFYs.
const IDENTIFY_WINDOW: Duration = Duration::from_secs(5);

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
    /// What `GET /gateway/bot` recommends.
    pub recommended_shards: u64,
    pub max_concurrency: u64,
    /// The most guilds one session may hold before IDENTIFY is closed with 4011.
    pub guild_limit: usize,
    /// Every IDENTIFY's `d`, in order.
    pub identifies: Vec<Value>,
    /// (shard, event name) of every dispatch, in order.
    pub routed: Vec<(u64, String)>,
    /// IDENTIFYs refused for coming too soon in their concurrency bucket.
    pub identify_refusals: usize,
    /// Discord's IDENTIFY pacing (one per `max_concurrency` bucket every 5 s), when enforced.
    pub pace_identify: bool,
    /// `session_start_limit` as (remaining, reset_after ms) instead of 1,000 a day.
    pub session_budget: Option<(usize, u64)>,
    /// The shard count of the sessions (the latest IDENTIFY's), 1 until one says otherwise.
    total: u64,
    sessions: BTreeMap<u64, Session>,
    /// Dispatches for a shard without a session; sent after its next READY.
    pending: Vec<(String, Value)>,
    /// When each concurrency bucket last identified.
    last_identify_at: BTreeMap<u64, Instant>,
    conns: Vec<Conn>,
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
            recommended_shards: 1,
            max_concurrency: 1,
            guild_limit: 2500,
            identifies: Vec::new(),
            routed: Vec::new(),
            identify_refusals: 0,
            pace_identify: false,
            session_budget: None,
            total: 1,
            sessions: BTreeMap::new(),
            pending: Vec::new(),
            last_identify_at: BTreeMap::new(),
            conns: Vec::new(),
            next_conn: 0,
            next_session: 0,
        }
    }

    /// The shard Discord sends an event on: its guild's (a GUILD_* event names it as `id`), or 0
    /// for a direct message.
    fn shard_of(&self, t: &str, d: &Value) -> u64 {
        let id = |v: &Value| v.as_str().and_then(|s| s.parse().ok()).or(v.as_u64());
        let guild = d
            .get("guild_id")
            .and_then(id)
            .or_else(|| t.starts_with("GUILD_").then(|| d.get("id").and_then(id)).flatten());
        guild.map_or(0, |g| shard_for(g, self.total))
    }

    /// Shards with a live connection now.
    pub fn ready_shards(&self) -> Vec<u64> {
        let mut shards: Vec<u64> = self.conns.iter().filter(|c| c.live).filter_map(|c| c.shard).collect();
        shards.sort_unstable();
        shards.dedup();
        shards
    }

    /// A new socket; a shard's newest connection is the one its events go to.
    pub fn attach(&mut self, tx: UnboundedSender<Out>, path: &'static str) -> u64 {
        self.next_conn += 1;
        let hello = json!({"op": 10, "d": {"heartbeat_interval": self.heartbeat_ms}, "s": null, "t": null});
        let _ = tx.send(Out::Text(hello.to_string()));
        self.conns.push(Conn { id: self.next_conn, path, tx, live: false, shard: None });
        self.next_conn
    }

    pub fn detach(&mut self, id: u64, ending: Ending) {
        self.endings.push((id, ending));
        self.conns.retain(|c| c.id != id);
    }

    /// Some connection is IDENTIFIED or RESUMED.
    pub fn is_ready(&self) -> bool {
        self.conns.iter().any(|c| c.live)
    }

    /// Whether `guild`'s shard (with the current shard count) has a session: its events go out
    /// or wait for a RESUME, rather than for a READY whose GUILD_CREATE lists them anyway.
    pub fn has_session_for(&self, guild: u64) -> bool {
        self.sessions.contains_key(&shard_for(guild, self.total))
    }

    /// Shard 0's session id.
    pub fn session_id(&self) -> Option<String> {
        self.sessions.get(&0).map(|s| s.id.clone())
    }

    /// Sends to the newest connection and forgets it: later dispatches wait for a RESUME.
    pub fn detach_current(&mut self, frames: Vec<Out>) {
        if let Some(conn) = self.conns.pop() {
            for out in frames {
                let _ = conn.tx.send(out);
            }
        }
    }

    pub fn invalidate_session(&mut self) {
        self.sessions.clear();
    }

    fn send(&self, shard: u64, text: String) {
        if let Some(conn) = self.conns.iter().rev().find(|c| c.live && c.shard == Some(shard)) {
            let _ = conn.tx.send(Out::Text(text));
        }
    }

    fn reply(&self, conn: u64, out: Out) {
        if let Some(c) = self.conns.iter().find(|c| c.id == conn) {
            let _ = c.tx.send(out);
        }
    }

    /// op 0 with the next `s` of the session of the event's shard; sent now if that shard's
    /// connection is live, else kept for its RESUME (or, without a session, its next READY).
    pub fn dispatch(&mut self, t: &str, d: Value) {
        let shard = self.shard_of(t, &d);
        let Some(session) = self.sessions.get(&shard) else {
            self.pending.push((t.to_string(), d));
            return;
        };
        if !intent_allows(session.intents, t, &d) {
            self.withheld.push((t.to_string(), d));
            return;
        }
        self.dispatch_on(shard, t, d);
    }

    /// op 0 on `shard`'s session whatever its content (READY, which names no guild).
    fn dispatch_on(&mut self, shard: u64, t: &str, d: Value) {
        let Some(session) = self.sessions.get_mut(&shard) else { return };
        session.seq += 1;
        let frame = json!({"op": 0, "s": session.seq, "t": t, "d": d});
        session.log.push((session.seq, frame.to_string()));
        self.send(shard, frame.to_string());
        self.routed.push((shard, t.to_string()));
        self.dispatched.push(frame);
    }
}

/// Discord's routing: `(guild_id >> 22) % shards`.
pub(super) fn shard_for(guild: u64, shards: u64) -> u64 {
    (guild >> 22) % shards.max(1)
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
        gw.identifies.push(d.clone());
        if !token_ok(&d) || gw.refuse_identify {
            gw.reply(conn, Out::Close(4004, "Authentication failed."));
            return;
        }
        let pair = |i: usize| d["shard"].get(i).and_then(Value::as_u64);
        let (shard, total) = match (pair(0), pair(1)) {
            (Some(id), Some(count)) if count >= 1 && id < count => (id, count),
            (None, None) => (0, 1),
            _ => {
                gw.reply(conn, Out::Close(4010, "Invalid shard."));
                return;
            }
        };
        // One IDENTIFY per `max_concurrency` bucket every 5 s; sooner is an invalid session.
        let bucket = shard % gw.max_concurrency.max(1);
        let now = Instant::now();
        let recent =
            gw.last_identify_at.get(&bucket).is_some_and(|at| now.duration_since(*at) < IDENTIFY_WINDOW);
        if gw.pace_identify && recent {
            gw.identify_refusals += 1;
            gw.reply(conn, Out::Text(json!({"op": 9, "d": false}).to_string()));
            return;
        }
        gw.last_identify_at.insert(bucket, now);
        let guilds: Vec<u64> =
            self.guilds.keys().copied().filter(|g| shard_for(*g, total) == shard).collect();
        let gw = &mut self.gateway;
        if guilds.len() > gw.guild_limit {
            gw.reply(conn, Out::Close(4011, "Sharding required."));
            return;
        }
        gw.total = total;
        gw.next_session += 1;
        let id = format!("{:032x}", 0xfa4e_0000_u64 + gw.next_session);
        let intents = d["intents"].as_u64().unwrap_or(0);
        gw.sessions.insert(shard, Session { id: id.clone(), seq: 0, log: Vec::new(), intents });
        match gw.conns.iter_mut().find(|c| c.id == conn) {
            Some(c) => {
                c.live = true;
                c.shard = Some(shard);
            }
            None => return,
        }
        gw.dispatch_on(shard, "READY", payloads::ready(&id, resume_url, json!([shard, total]), &guilds));
        for guild in guilds {
            let create = payloads::guild_create(self, guild);
            self.gateway.dispatch("GUILD_CREATE", create);
        }
        let pending = std::mem::take(&mut self.gateway.pending);
        for (t, d) in pending {
            self.gateway.dispatch(&t, d);
        }
    }

    fn resume(&mut self, conn: u64, d: Value) {
        let gw = &mut self.gateway;
        gw.resume_count += 1;
        gw.last_resume = Some(d.clone());
        let path = gw.conns.iter().find(|c| c.id == conn).map_or("?", |c| c.path);
        gw.resume_paths.push(path);
        if !token_ok(&d) {
            gw.reply(conn, Out::Close(4004, "Authentication failed."));
            return;
        }
        let known = gw.sessions.iter().find(|(_, s)| Some(s.id.as_str()) == d["session_id"].as_str());
        let Some(shard) = known.map(|(shard, _)| *shard) else {
            gw.reply(conn, Out::Text(json!({"op": 9, "d": false}).to_string()));
            return;
        };
        let Some(c) = gw.conns.iter_mut().find(|c| c.id == conn) else { return };
        c.live = true;
        c.shard = Some(shard);
        let from = d["seq"].as_u64().unwrap_or(0);
        let session = gw.sessions.get_mut(&shard).expect("found above");
        let replay: Vec<String> =
            session.log.iter().filter(|(s, _)| *s > from).map(|(_, f)| f.clone()).collect();
        session.seq += 1;
        let resumed = json!({"op": 0, "s": session.seq, "t": "RESUMED", "d": {"_trace": ["fake-discord"]}});
        for frame in replay {
            gw.send(shard, frame);
        }
        gw.send(shard, resumed.to_string());
        gw.dispatched.push(resumed);
    }
}
