//! The fake's shared state: workspace objects, deliveries and the request log, behind one lock.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use super::SlackUser;
use super::limits::Limits;
use super::socket::Socket;

pub(super) const TEAM_ID: &str = "T0FAKE0001";
pub(super) const TEAM_DOMAIN: &str = "fake-study-group";
pub(super) const TEAM_NAME: &str = "Fake Study Group";
pub(super) const APP_ID: &str = "A0FAKE0001";
/// The bot's user id and its bot id differ, as on Slack: events carry the first, messages both.
pub(super) const BOT_USER_ID: &str = "U0BOT00001";
pub(super) const BOT_ID: &str = "B0BOT00001";
pub(super) const BOT_NAME: &str = "studybot";
/// The legacy verification token Slack still puts in payloads; bots must not rely on it.
pub(super) const VERIFICATION_TOKEN: &str = "fake-verification-token";

/// One Web API request as the fake received it, with what it answered.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// The path as received (slack-morphism joins its base url and the method with a `/`).
    pub path: String,
    pub api_method: String,
    /// The bearer token (or a `token` parameter), if any.
    pub token: Option<String>,
    /// Query parameters and the JSON or form body merged into one object.
    pub params: Value,
    pub status: u16,
    /// The JSON body of the answer.
    pub response: Value,
}

/// A channel the fake knows: a public channel made by `channel(name)`, or a DM.
pub(super) struct Channel {
    pub name: String,
    pub dm_user: Option<String>,
}

/// How a stored channel message came to be.
#[derive(Clone, PartialEq, Eq)]
pub(super) enum Origin {
    Posted,
    /// An `in_channel` answer to the command or press with this id.
    Response(String),
}

pub(super) struct Stored {
    pub channel: String,
    pub ts: String,
    pub origin: Origin,
    /// The message as conversations.history returns it, without reactions and metadata.
    pub json: Value,
    pub metadata: Option<Value>,
    pub deleted: bool,
}

/// What a delivery carries and how Slack frames it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Kind {
    Event,
    Command,
    Interactive,
}

/// The message a press came from: (channel, ts, ephemeral).
pub(super) type Source = (String, String, bool);

/// One event, command or interaction the fake sent the bot (once, or again by `redeliver`).
pub(super) struct Delivery {
    pub kind: Kind,
    pub envelope_id: String,
    pub payload: Value,
    pub user: String,
    pub channel: String,
    pub source: Option<Source>,
    /// Sends so far: 1 after the first; `retry_attempt` is `attempts - 1`.
    pub attempts: u32,
    pub last_sent: Instant,
    pub acks: Vec<Value>,
    pub responses: Vec<Value>,
    /// Socket Mode: the connection each send went out on (`None`: held until one opens).
    pub connections: Vec<Option<u64>>,
}

/// One emoji on one message, with the users who chose it in the order they did.
pub(super) struct Reaction {
    pub channel: String,
    pub ts: String,
    pub name: String,
    pub users: Vec<String>,
}

pub(super) struct Data {
    last_ts_micros: u128,
    counter: u64,
    pub channels: BTreeMap<String, Channel>,
    pub users: BTreeMap<String, SlackUser>,
    pub messages: Vec<Stored>,
    pub ephemerals: Vec<Value>,
    /// Reactions in the order they were first added (Slack lists them so).
    pub reactions: Vec<Reaction>,
    pub requests: Vec<Recorded>,
    pub deliveries: HashMap<String, Delivery>,
    /// envelope id → delivery id (they differ for events, whose id is the event id).
    pub envelopes: HashMap<String, String>,
    pub failures: HashMap<String, String>,
    /// Web API method → how long the fake takes to answer it (a slow Slack).
    pub delays: HashMap<String, std::time::Duration>,
    pub limits: Limits,
    /// Files from files.getUploadURLExternal on, in that order.
    pub files: Vec<super::files::FakeFile>,
    pub socket: Socket,
    pub http: Option<HttpTarget>,
    /// `use_http_balanced`: the instances' request urls, taken in turn.
    pub balanced: Vec<HttpTarget>,
    balanced_next: usize,
    /// The `use_http` url that request paths are joined to.
    pub bot_url: String,
}

/// Where the bot listens in HTTP (Events API) mode.
#[derive(Clone)]
pub(super) struct HttpTarget {
    pub events: String,
    pub commands: String,
    pub interactions: String,
}

pub(super) struct Shared {
    pub port: u16,
    pub http_client: reqwest::Client,
    data: Mutex<Data>,
}

impl Shared {
    pub fn new(port: u16) -> Shared {
        let data = Data {
            last_ts_micros: 0,
            counter: 0,
            channels: BTreeMap::new(),
            users: BTreeMap::new(),
            messages: Vec::new(),
            ephemerals: Vec::new(),
            reactions: Vec::new(),
            requests: Vec::new(),
            deliveries: HashMap::new(),
            envelopes: HashMap::new(),
            failures: HashMap::new(),
            delays: HashMap::new(),
            limits: Limits::default(),
            files: Vec::new(),
            socket: Socket::default(),
            http: None,
            balanced: Vec::new(),
            balanced_next: 0,
            bot_url: String::new(),
        };
        let http_client = reqwest::Client::builder().build().expect("reqwest client");
        Shared { port, http_client, data: Mutex::new(data) }
    }

    /// A panicking test thread must not take the whole fake down with a poisoned lock.
    pub fn lock(&self) -> MutexGuard<'_, Data> {
        self.data.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Data {
    /// Where the next HTTP delivery goes, and which instance that is: the next balanced url in
    /// turn, or the one `use_http` url; `None` in Socket Mode.
    pub fn next_http_target(&mut self) -> Option<(usize, HttpTarget)> {
        if self.balanced.is_empty() {
            return self.http.clone().map(|t| (0, t));
        }
        let i = self.balanced_next % self.balanced.len();
        self.balanced_next += 1;
        Some((i, self.balanced[i].clone()))
    }

    /// A message timestamp: the current time in microseconds, strictly rising, as Slack's `ts`.
    pub fn next_ts(&mut self) -> String {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_micros());
        let micros = now.max(self.last_ts_micros + 1);
        self.last_ts_micros = micros;
        format!("{}.{:06}", micros / 1_000_000, micros % 1_000_000)
    }

    pub fn next_number(&mut self) -> u64 {
        self.counter += 1;
        self.counter
    }

    /// A Socket Mode envelope id: Slack sends UUIDs.
    pub fn envelope_id(&mut self) -> String {
        let n = self.next_number();
        format!("{:08x}-5a1c-4f00-8000-{:012x}", n, n * 7919)
    }

    pub fn event_id(&mut self) -> String {
        format!("Ev0FAKE{:05}", self.next_number())
    }

    pub fn trigger_id(&mut self) -> String {
        format!("{}.{}.{:032x}", 1_000_000 + self.next_number(), 4_242, self.counter * 104_729)
    }

    pub fn channel_named(&mut self, name: &str) -> String {
        let name = name.trim_start_matches('#');
        let found = self.channels.iter().find(|(_, c)| c.dm_user.is_none() && c.name == name);
        if let Some((id, _)) = found {
            return id.clone();
        }
        let id = format!("C0{:08}", self.next_number());
        self.channels.insert(id.clone(), Channel { name: name.to_string(), dm_user: None });
        id
    }

    /// The one DM channel with `user`, and whether it existed already.
    pub fn dm_channel(&mut self, user: &str) -> (String, bool) {
        let found = self.channels.iter().find(|(_, c)| c.dm_user.as_deref() == Some(user));
        if let Some((id, _)) = found {
            return (id.clone(), true);
        }
        let id = format!("D0{:08}", self.next_number());
        self.channels.insert(id.clone(), Channel { name: String::new(), dm_user: Some(user.to_string()) });
        (id, false)
    }

    /// Resolves what a bot may pass as `channel`: an id, `#name`, or a user id (their DM).
    pub fn resolve_channel(&mut self, given: &str) -> Option<String> {
        if self.channels.contains_key(given) {
            return Some(given.to_string());
        }
        if let Some(name) = given.strip_prefix('#') {
            let found = self.channels.iter().find(|(_, c)| c.dm_user.is_none() && c.name == name);
            return found.map(|(id, _)| id.clone());
        }
        if (given.starts_with('U') || given.starts_with('W')) && self.users.contains_key(given) {
            return Some(self.dm_channel(given).0);
        }
        None
    }

    pub fn channel_name(&self, id: &str) -> String {
        match self.channels.get(id) {
            Some(Channel { dm_user: Some(_), .. }) => "directmessage".to_string(),
            Some(c) => c.name.clone(),
            None => String::new(),
        }
    }

    pub fn remember(&mut self, user: &SlackUser) {
        self.users.insert(user.id.clone(), user.clone());
    }

    pub fn message(&self, channel: &str, ts: &str) -> Option<&Stored> {
        self.messages.iter().find(|m| m.channel == channel && m.ts == ts && !m.deleted)
    }

    pub fn message_mut(&mut self, channel: &str, ts: &str) -> Option<&mut Stored> {
        self.messages.iter_mut().find(|m| m.channel == channel && m.ts == ts && !m.deleted)
    }

    /// `[{name, users, count}]` for a message, in the order the reactions were first added.
    pub fn reactions_of(&self, channel: &str, ts: &str) -> Vec<Value> {
        let on_message = self.reactions.iter().filter(|r| r.channel == channel && r.ts == ts);
        on_message
            .filter(|r| !r.users.is_empty())
            .map(|r| serde_json::json!({"name": r.name, "users": r.users, "count": r.users.len()}))
            .collect()
    }

    /// The users of one reaction, created empty on first use.
    pub fn reaction_users(&mut self, channel: &str, ts: &str, name: &str) -> &mut Vec<String> {
        let at = self.reactions.iter().position(|r| r.channel == channel && r.ts == ts && r.name == name);
        let at = at.unwrap_or_else(|| {
            let (channel, ts, name) = (channel.to_string(), ts.to_string(), name.to_string());
            self.reactions.push(Reaction { channel, ts, name, users: Vec::new() });
            self.reactions.len() - 1
        });
        &mut self.reactions[at].users
    }
}

pub(super) fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}
