//! Interaction routes: the callback, @original and follow-ups through the webhook token, and
//! application command registration.

use serde_json::{Value, json};

use super::rest::{Reply, Req};
use super::state::{APP_ID, Data, Origin, Stored};
use super::validate;
use super::{messages, payloads};

const EPHEMERAL: u64 = 1 << 6;
/// Discord's flag on the "is thinking…" message a deferred response creates.
const LOADING: u64 = 1 << 7;

pub(super) fn route(data: &mut Data, req: &Req, segs: &[&str]) -> Reply {
    let app_ok = |app: &str| app == APP_ID.to_string();
    match (req.method.as_str(), segs) {
        ("POST", ["interactions", id, token, "callback"]) => callback(data, req, id, token),
        (method, ["webhooks", app, token, rest @ ..]) if app_ok(app) => {
            webhook(data, req, method, token, rest)
        }
        (_, ["webhooks", ..]) => unknown_webhook(),
        (_, ["applications", app, ..]) if !app_ok(app) => Reply::error(403, "Missing Access", 50001),
        (method, ["applications", _, "guilds", g, "commands"]) => guild_commands(data, req, method, g),
        ("PUT", ["applications", _, "commands"]) => super::commands::put(data, req, None),
        ("GET", ["applications", _, "commands"]) => super::commands::list(data, None),
        _ => Reply::not_found(),
    }
}

/// …/guilds/{g}/commands of a guild the bot is in; another guild is 403 Missing Access.
fn guild_commands(data: &mut Data, req: &Req, method: &str, guild: &str) -> Reply {
    let known = guild.parse::<u64>().ok().filter(|g| data.guilds.contains_key(g));
    match (method, known) {
        (_, None) => Reply::error(403, "Missing Access", 50001),
        ("PUT", Some(g)) => super::commands::put(data, req, Some(g)),
        ("GET", Some(g)) => super::commands::list(data, Some(g)),
        _ => Reply::not_found(),
    }
}

fn unknown_webhook() -> Reply {
    Reply::error(404, "Unknown Webhook", 10015)
}

fn unknown_message() -> Reply {
    Reply::error(404, "Unknown Message", 10008)
}

/// POST /interactions/{id}/{token}/callback: one response per interaction, 204.
fn callback(data: &mut Data, req: &Req, id: &str, token: &str) -> Reply {
    let Some(inter) = data.interactions.get(id).filter(|i| i.token == token) else {
        return Reply::error(404, "Unknown interaction", 10062);
    };
    if inter.acked {
        return Reply::error(400, "Interaction has already been acknowledged.", 40060);
    }
    let kind = req.body["type"].as_u64().unwrap_or(0);
    let payload = req.body.get("data").cloned().unwrap_or_else(|| json!({}));
    // UPDATE_MESSAGE and DEFERRED_UPDATE_MESSAGE only exist for component interactions.
    if !matches!((kind, inter.component_message.is_some()), (4 | 5 | 9, _) | (6 | 7, true)) {
        return Reply::invalid_field("type", "BASE_TYPE_CHOICES", "Value must be one of {4, 5, 6, 7, 9}.");
    }
    if matches!(kind, 4 | 7)
        && let Err(body) = validate::message(&payload, Some("data"), kind == 4)
    {
        return Reply { status: 400, body: Some(body) };
    }
    let original = data.original_message(id, kind, &payload, req);
    let inter = data.interactions.get_mut(id).expect("found above");
    inter.acked = true;
    inter.original = original;
    let after_ms = req.now.duration_since(inter.at).as_millis() as u64;
    // The message the response created or updated, as Discord's `with_response` would tell.
    let message_id = original.map(|m| m.to_string());
    inter
        .responses
        .push(json!({"kind": "callback", "body": req.body, "message_id": message_id, "after_ms": after_ms}));
    Reply::no_content()
}

/// /webhooks/{app}/{token}…: follow-ups and @original, addressed by the interaction token.
fn webhook(data: &mut Data, req: &Req, method: &str, token: &str, rest: &[&str]) -> Reply {
    let Some(id) = data.interactions.iter().find(|(_, i)| i.token == token).map(|(id, _)| id.clone()) else {
        return unknown_webhook();
    };
    let inter = &data.interactions[&id];
    if !inter.acked {
        return unknown_webhook();
    }
    let target =
        match rest {
            [] => None,
            ["messages", "@original"] => Some(inter.original),
            ["messages", m] => Some(m.parse::<u64>().ok().filter(|m| {
                data.messages.get(m).is_some_and(|s| s.origin == Origin::Interaction(id.clone()))
            })),
            _ => return Reply::not_found(),
        };
    match (method, target) {
        ("POST", None) => followup(data, req, &id),
        (_, Some(None)) => unknown_message(),
        ("GET", Some(Some(m))) => Reply::json(data.messages[&m].json.clone()),
        ("PATCH", Some(Some(m))) => edit(data, req, &id, m),
        ("DELETE", Some(Some(m))) => {
            data.messages.remove(&m);
            Reply::no_content()
        }
        _ => Reply::not_found(),
    }
}

fn followup(data: &mut Data, req: &Req, id: &str) -> Reply {
    if let Err(body) = validate::message(&req.body, None, req.uploads.is_empty()) {
        return Reply { status: 400, body: Some(body) };
    }
    let channel = data.interactions[id].channel;
    let files = messages::attachments(data, req, channel);
    let message = data.interaction_message(id, channel, &req.body, 0, files);
    let inter = data.interactions.get_mut(id).expect("exists");
    let after_ms = req.now.duration_since(inter.at).as_millis() as u64;
    let message_id = message.to_string();
    inter
        .responses
        .push(json!({"kind": "followup", "body": req.body, "message_id": message_id, "after_ms": after_ms}));
    Reply::json(data.messages[&message].json.clone())
}

fn edit(data: &mut Data, req: &Req, id: &str, message: u64) -> Reply {
    if let Err(body) = validate::message(&req.body, None, false) {
        return Reply { status: 400, body: Some(body) };
    }
    let channel = data.messages[&message].channel;
    let files = messages::attachments(data, req, channel);
    let json = &mut data.messages.get_mut(&message).expect("checked").json;
    payloads::edit_message(json, &req.body);
    if !files.is_empty() {
        json["attachments"] = json!(files);
    }
    let flags = json["flags"].as_u64().unwrap_or(0);
    json["flags"] = json!(flags & !LOADING);
    let reply = json.clone();
    let inter = data.interactions.get_mut(id).expect("exists");
    let after_ms = req.now.duration_since(inter.at).as_millis() as u64;
    let message_id = message.to_string();
    inter
        .responses
        .push(json!({"kind": "edit", "body": req.body, "message_id": message_id, "after_ms": after_ms}));
    Reply::json(reply)
}

impl Data {
    /// The message a callback of `kind` makes the interaction's @original: a new reply (4), an
    /// "is thinking…" placeholder (5), or the pressed message, updated (7) or not (6).
    fn original_message(&mut self, id: &str, kind: u64, payload: &Value, req: &Req) -> Option<u64> {
        let inter = &self.interactions[id];
        let (channel, component) = (inter.channel, inter.component_message);
        let message_type = if inter.kind == 2 { 20 } else { 0 };
        match kind {
            4 => {
                let files = messages::attachments(self, req, channel);
                Some(self.interaction_message(id, channel, payload, message_type, files))
            }
            5 => {
                let flags = LOADING | (payload["flags"].as_u64().unwrap_or(0) & EPHEMERAL);
                let placeholder = json!({"flags": flags});
                Some(self.interaction_message(id, channel, &placeholder, message_type, Vec::new()))
            }
            7 => {
                if let Some(pressed) = component.and_then(|m| self.messages.get_mut(&m)) {
                    payloads::edit_message(&mut pressed.json, payload);
                }
                component
            }
            6 => component,
            _ => None,
        }
    }

    /// Stores a message the bot sent through an interaction (webhook-authored, as Discord shows it).
    fn interaction_message(
        &mut self,
        interaction: &str,
        channel: u64,
        body: &Value,
        kind: u8,
        files: Vec<Value>,
    ) -> u64 {
        let id = self.snowflake();
        let mut json = payloads::message(id, channel, self.guild_of(channel), body, files);
        json["type"] = json!(kind);
        json["webhook_id"] = json!(APP_ID.to_string());
        json["application_id"] = json!(APP_ID.to_string());
        let origin = Origin::Interaction(interaction.to_string());
        self.messages.insert(id, Stored { channel, origin, json });
        id
    }
}
