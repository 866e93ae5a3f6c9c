//! Channel routes: create (with nonce dedupe), list, get, edit and delete messages; reactions.

use std::time::Duration;

use serde_json::{Value, json};

use super::payloads::{self, ReactionEvent};
use super::rest::{Reply, Req, unknown_channel};
use super::state::{BOT_ID, Data, Origin, Stored};
use super::validate;

/// Discord returns the existing message for a repeated nonce "within the past few minutes".
const NONCE_WINDOW: Duration = Duration::from_secs(5 * 60);

pub(super) fn route(data: &mut Data, req: &Req, segs: &[&str]) -> Reply {
    let channel = segs.get(1).and_then(|c| c.parse::<u64>().ok()).filter(|c| data.channels.contains_key(c));
    let Some(channel) = channel else { return unknown_channel() };
    let message = |m: &str| {
        m.parse::<u64>().ok().filter(|id| data.messages.get(id).is_some_and(|s| s.channel == channel))
    };
    match (req.method.as_str(), &segs[2..]) {
        ("POST", ["messages"]) => create(data, req, channel),
        ("GET", ["messages"]) => list(data, req, channel),
        (method, ["messages", m, rest @ ..]) => match message(m) {
            None => Reply::error(404, "Unknown Message", 10008),
            Some(id) => on_message(data, req, method, (channel, id), rest),
        },
        _ => Reply::not_found(),
    }
}

fn on_message(data: &mut Data, req: &Req, method: &str, (channel, id): (u64, u64), rest: &[&str]) -> Reply {
    match (method, rest) {
        ("GET", []) => Reply::json(with_reactions(data, id)),
        ("PATCH", []) => edit(data, req, id),
        ("DELETE", []) => {
            data.messages.remove(&id);
            Reply::no_content()
        }
        ("PUT", ["reactions", emoji, "@me"]) => {
            data.set_reaction(BOT_ID, (channel, id), emoji, true);
            Reply::no_content()
        }
        ("DELETE", ["reactions", emoji, "@me"]) => {
            data.set_reaction(BOT_ID, (channel, id), emoji, false);
            Reply::no_content()
        }
        ("GET", ["reactions", emoji]) => reaction_users(data, req, (channel, id), emoji),
        _ => Reply::not_found(),
    }
}

/// POST /channels/{c}/messages: validated, deduplicated by nonce when `enforce_nonce` is set.
fn create(data: &mut Data, req: &Req, channel: u64) -> Reply {
    if let Err(body) = validate::message(&req.body, None, req.uploads.is_empty()) {
        return Reply { status: 400, body: Some(body) };
    }
    let nonce = nonce_key(&req.body);
    if let Some(nonce) = &nonce
        && req.body["enforce_nonce"].as_bool() == Some(true)
        && let Some((id, at)) = data.nonces.get(&(channel, nonce.clone()))
        && req.now.duration_since(*at) < NONCE_WINDOW
        && let Some(existing) = data.messages.get(id)
    {
        return Reply::json(existing.json.clone());
    }
    let id = data.snowflake();
    let attachments = attachments(data, req, channel);
    let json = payloads::message(id, channel, data.guild_of(channel), &req.body, attachments);
    data.messages.insert(id, Stored { channel, origin: Origin::Channel, json: json.clone() });
    if let Some(nonce) = nonce {
        data.nonces.insert((channel, nonce), (id, req.now));
    }
    Reply::json(json)
}

fn nonce_key(body: &Value) -> Option<String> {
    match body.get("nonce")? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The attachment objects of a message's uploads, as Discord returns them; the filename and
/// description are the `attachments` metadata's when it names the file.
pub(super) fn attachments(data: &mut Data, req: &Req, channel: u64) -> Vec<Value> {
    let mut list = Vec::new();
    for upload in &req.uploads {
        let id = data.snowflake();
        let path = format!("attachments/{channel}/{id}/{}", upload.filename);
        let meta = described(req, &upload.field);
        list.push(json!({
            "id": id.to_string(), "filename": upload.filename, "size": upload.size,
            "url": format!("https://cdn.discordapp.com/{path}"),
            "proxy_url": format!("https://media.discordapp.net/{path}"),
            "content_type": upload.content_type, "width": null, "height": null,
            "description": meta["description"].clone(),
        }));
    }
    list
}

/// The `attachments` entry describing the upload in form field `field` (`files[n]` has id n).
fn described(req: &Req, field: &str) -> Value {
    let n = field.strip_prefix("files[").and_then(|r| r.strip_suffix(']')).unwrap_or_default();
    let callback = req.segs.first().is_some_and(|s| s == "interactions");
    let message = if callback { &req.body["data"] } else { &req.body };
    let items = message["attachments"].as_array().cloned().unwrap_or_default();
    let same = |v: &Value| v.as_str().map(str::to_string).or_else(|| v.as_u64().map(|n| n.to_string()));
    items.into_iter().find(|a| same(&a["id"]).as_deref() == Some(n)).unwrap_or(Value::Null)
}

/// GET /channels/{c}/messages: newest first, `limit` 1–100 (default 50), `before`/`after`.
fn list(data: &Data, req: &Req, channel: u64) -> Reply {
    let limit =
        req.param("limit").map_or(Some(50), |l| l.parse::<usize>().ok()).filter(|l| (1..=100).contains(l));
    let Some(limit) = limit else {
        let message = "int value should be less than or equal to 100.";
        return Reply::invalid_field("limit", "NUMBER_TYPE_MAX", message);
    };
    let id_param = |name| req.param(name).and_then(|v| v.parse::<u64>().ok());
    let (before, after) = (id_param("before"), id_param("after"));
    let ids: Vec<u64> = data
        .messages
        .iter()
        .filter(|(_, s)| s.channel == channel && !s.ephemeral())
        .filter(|(id, _)| before.is_none_or(|b| **id < b) && after.is_none_or(|a| **id > a))
        .map(|(id, _)| *id)
        .collect();
    // `after` pages forward from the oldest matching; otherwise the newest come first.
    let page: Vec<u64> = if after.is_some() {
        ids.iter().take(limit).copied().collect()
    } else {
        ids.iter().skip(ids.len().saturating_sub(limit)).copied().collect()
    };
    Reply::json(Value::Array(page.iter().rev().map(|id| with_reactions(data, *id)).collect()))
}

fn edit(data: &mut Data, req: &Req, id: u64) -> Reply {
    if let Err(body) = validate::message(&req.body, None, false) {
        return Reply { status: 400, body: Some(body) };
    }
    let stored = data.messages.get_mut(&id).expect("checked by route");
    payloads::edit_message(&mut stored.json, &req.body);
    Reply::json(with_reactions(data, id))
}

/// A stored message with its `reactions` summary, as GET returns it.
fn with_reactions(data: &Data, id: u64) -> Value {
    let stored = &data.messages[&id];
    let mut json = stored.json.clone();
    let reactions: Vec<Value> = data
        .reactions
        .iter()
        .filter(|((c, m, _), users)| *c == stored.channel && *m == id && !users.is_empty())
        .map(|((_, _, emoji), users)| {
            json!({
                "count": users.len(), "count_details": {"burst": 0, "normal": users.len()},
                "me": users.contains(&BOT_ID), "me_burst": false, "burst_colors": [],
                "emoji": payloads::emoji(emoji),
            })
        })
        .collect();
    if !reactions.is_empty() {
        json["reactions"] = Value::Array(reactions);
    }
    json
}

/// GET …/reactions/{emoji}: users ascending by id, `after` and `limit` (1–100, default 25).
fn reaction_users(data: &Data, req: &Req, (channel, id): (u64, u64), emoji: &str) -> Reply {
    let limit = req.param("limit").and_then(|l| l.parse::<usize>().ok()).unwrap_or(25).clamp(1, 100);
    let after = req.param("after").and_then(|a| a.parse::<u64>().ok()).unwrap_or(0);
    let users = data.reactions.get(&(channel, id, emoji.to_string()));
    let page = users.into_iter().flatten().filter(|u| **u > after).take(limit);
    Reply::json(page.map(|u| payloads::user(*u, &data.username(*u), *u == BOT_ID)).collect())
}

impl Data {
    /// Adds or removes one user's reaction and, when that changed anything, dispatches
    /// MESSAGE_REACTION_ADD/REMOVE as Discord does (for the bot's own reactions too).
    pub fn set_reaction(&mut self, user: u64, (channel, message): (u64, u64), emoji: &str, present: bool) {
        if !self.store_reaction(user, (channel, message), emoji, present) {
            return;
        }
        let guild = self.guild_of(channel);
        let author = self.messages.get(&message).and_then(|m| m.json["author"]["id"].as_str()?.parse().ok());
        let user_json = payloads::user(user, &self.username(user), user == BOT_ID);
        let event = ReactionEvent { user: user_json, channel, message, guild, emoji, author };
        if present {
            self.gateway.dispatch("MESSAGE_REACTION_ADD", payloads::reaction_add(event));
        } else {
            self.gateway.dispatch("MESSAGE_REACTION_REMOVE", payloads::reaction_remove(&event));
        }
    }

    /// Changes the stored reactions only; returns whether anything changed.
    pub fn store_reaction(
        &mut self,
        user: u64,
        (channel, message): (u64, u64),
        emoji: &str,
        present: bool,
    ) -> bool {
        let users = self.reactions.entry((channel, message, emoji.to_string())).or_default();
        if present { users.insert(user) } else { users.remove(&user) }
    }
}
