//! The fake's shared state: everything the REST routes and the gateway read and record, behind one lock.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Mutex, MutexGuard};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use super::limits::Limits;
use super::session::Gateway;

/// The bot user's id (its application id differs on purpose, so a mix-up between the two shows).
pub(super) const BOT_ID: u64 = 1_273_000_000_000_000_001;
pub(super) const APP_ID: u64 = 1_273_000_000_000_000_002;
pub(super) const GUILD_ID: u64 = 1_273_000_000_000_000_003;
pub(super) const GUILD_NAME: &str = "Study Group";
/// Added guild k's id is `((ADDED_GUILD_BASE + k) << 22) | 1`: the base is a multiple of 840
/// (every shard count 1–8 divides it), so guild k lands on shard `k % shards`; its timestamp
/// part is 2024-08-01, like a real guild's snowflake, and below every id `snowflake` makes.
const ADDED_GUILD_BASE: u64 = 840 * 360_000_000;
pub(super) const BOT_NAME: &str = "studybot";
/// Where READY's `resume_gateway_url` points on this host.
pub(super) const RESUME_PATH: &str = "/resume";

/// Discord's epoch (2015-01-01T00:00:00Z) in Unix milliseconds; snowflakes count from it.
const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;

/// One REST request as the fake received it, with the status it answered.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub authorized: bool,
    /// The JSON body (`payload_json` for multipart), `Null` when there was none.
    pub body: Value,
    /// The files of a multipart body, as uploaded.
    pub files: Vec<super::multipart::Upload>,
    pub status: u16,
}

/// A text channel of a guild, or a DM channel with one user.
pub(super) struct Channel {
    pub name: String,
    /// The guild of a text channel; `None` for a DM channel.
    pub guild: Option<u64>,
    pub dm_user: Option<u64>,
}

/// Where a stored message came from: `messages(channel)` lists only `Channel` ones.
#[derive(Clone, PartialEq, Eq)]
pub(super) enum Origin {
    Channel,
    Interaction(String),
}

pub(super) struct Stored {
    pub channel: u64,
    pub origin: Origin,
    pub json: Value,
}

impl Stored {
    pub fn ephemeral(&self) -> bool {
        self.json["flags"].as_u64().unwrap_or(0) & 64 != 0
    }
}

/// An interaction the fake dispatched, and what the bot answered to it.
pub(super) struct Interaction {
    pub token: String,
    pub channel: u64,
    /// The message whose button was pressed (component interactions only).
    pub component_message: Option<u64>,
    pub kind: u8,
    pub at: Instant,
    pub acked: bool,
    pub original: Option<u64>,
    pub responses: Vec<Value>,
}

pub(super) struct Data {
    last_id: u64,
    /// Guild id → name: the preset guild and every `add_guild`, on their shards.
    pub guilds: BTreeMap<u64, String>,
    /// Guilds added so far (the preset one not counted).
    added_guilds: u64,
    pub channels: BTreeMap<u64, Channel>,
    pub users: HashMap<u64, String>,
    pub messages: BTreeMap<u64, Stored>,
    /// (channel, nonce) → (message id, when it was created), for `enforce_nonce`.
    pub nonces: HashMap<(u64, String), (u64, Instant)>,
    /// (channel, message, emoji) → user ids, ascending as Discord pages them.
    pub reactions: BTreeMap<(u64, u64, String), BTreeSet<u64>>,
    pub requests: Vec<Recorded>,
    pub commands: Vec<Value>,
    pub interactions: HashMap<String, Interaction>,
    pub failures: HashMap<u64, u16>,
    pub limits: Limits,
    pub gateway: Gateway,
}

pub(super) struct Shared {
    pub port: u16,
    data: Mutex<Data>,
}

impl Shared {
    pub fn new(port: u16, heartbeat_ms: u64) -> Shared {
        let mut users = HashMap::new();
        users.insert(BOT_ID, BOT_NAME.to_string());
        let data = Data {
            last_id: 0,
            guilds: BTreeMap::from([(GUILD_ID, GUILD_NAME.to_string())]),
            added_guilds: 0,
            channels: BTreeMap::new(),
            users,
            messages: BTreeMap::new(),
            nonces: HashMap::new(),
            reactions: BTreeMap::new(),
            requests: Vec::new(),
            commands: Vec::new(),
            interactions: HashMap::new(),
            failures: HashMap::new(),
            limits: Limits::default(),
            gateway: Gateway::new(heartbeat_ms),
        };
        Shared { port, data: Mutex::new(data) }
    }

    /// A panicking test thread must not take the whole fake down with a poisoned lock.
    pub fn lock(&self) -> MutexGuard<'_, Data> {
        self.data.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn ws_url(&self) -> String {
        format!("ws://127.0.0.1:{}", self.port)
    }

    /// READY's `resume_gateway_url`: like Discord's, another URL than `GET /gateway`'s.
    pub fn resume_url(&self) -> String {
        format!("{}{RESUME_PATH}", self.ws_url())
    }
}

impl Data {
    /// A fresh snowflake: time-based like Discord's, and strictly rising so ids sort by creation.
    pub fn snowflake(&mut self) -> u64 {
        let now_ms = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
        let id = (now_ms.saturating_sub(DISCORD_EPOCH_MS) << 22).max(self.last_id + 1);
        self.last_id = id;
        id
    }

    /// A new guild named `name`: the k-th added (from 0) is routed to shard `k % shards`.
    pub fn add_guild(&mut self, name: &str) -> u64 {
        let id = ((ADDED_GUILD_BASE + self.added_guilds) << 22) | 1;
        self.added_guilds += 1;
        self.guilds.insert(id, name.to_string());
        id
    }

    /// Text channel `name` of `guild` and whether it was just created.
    pub fn channel_named(&mut self, guild: u64, name: &str) -> (u64, bool) {
        let same = |c: &Channel| c.guild == Some(guild) && c.name == name;
        if let Some((id, _)) = self.channels.iter().find(|(_, c)| same(c)) {
            return (*id, false);
        }
        let id = self.snowflake();
        self.channels.insert(id, Channel { name: name.to_string(), guild: Some(guild), dm_user: None });
        (id, true)
    }

    /// The text channels of `guild`, oldest first (their order is their `position`).
    pub fn guild_channels(&self, guild: u64) -> impl Iterator<Item = (u64, &Channel)> {
        self.channels.iter().filter(move |(_, c)| c.guild == Some(guild)).map(|(id, c)| (*id, c))
    }

    pub fn dm_channel(&mut self, user: u64) -> u64 {
        if let Some((id, _)) = self.channels.iter().find(|(_, c)| c.dm_user == Some(user)) {
            return *id;
        }
        let id = self.snowflake();
        self.channels.insert(id, Channel { name: String::new(), guild: None, dm_user: Some(user) });
        id
    }

    /// The guild a channel belongs to: `None` for DM channels (and unknown ones).
    pub fn guild_of(&self, channel: u64) -> Option<u64> {
        self.channels.get(&channel).and_then(|c| c.guild)
    }

    pub fn username(&self, id: u64) -> String {
        self.users.get(&id).cloned().unwrap_or_else(|| format!("user{id}"))
    }
}

/// Discord's timestamp format (ISO 8601 with microseconds and an explicit offset).
pub(super) fn now_iso() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, false)
}
