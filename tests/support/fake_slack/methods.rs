//! The Web API methods the bot uses (besides chat.*): auth, team, users, conversations, reactions, apps.

use std::sync::Arc;

use serde_json::{Value, json};

use super::chat;
use super::deliver;
use super::files;
use super::payloads;
use super::state::{
    APP_ID, BOT_ID, BOT_NAME, BOT_USER_ID, Data, Shared, TEAM_DOMAIN, TEAM_ID, TEAM_NAME, unix_now,
};
use super::web::{Call, Reply};

const HISTORY_DEFAULT_LIMIT: usize = 100;
const HISTORY_MAX_LIMIT: usize = 999;

pub(super) fn route(data: &mut Data, shared: &Arc<Shared>, call: &Call) -> Reply {
    match call.method.as_str() {
        "auth.test" => auth_test(),
        "chat.postMessage" => chat::post_message(data, call),
        "chat.postEphemeral" => chat::post_ephemeral(data, call),
        "chat.update" => chat::update(data, call),
        "chat.delete" => chat::delete(data, call),
        "reactions.add" => react(data, shared, call, true),
        "reactions.remove" => react(data, shared, call, false),
        "reactions.get" => reactions_get(data, call),
        "conversations.history" => history(data, call),
        "conversations.open" => open_dm(data, call),
        "conversations.info" => conversation_info(data, call),
        "team.info" => team_info(call),
        "users.info" => users_info(data, call),
        "apps.connections.open" => connections_open(data, shared),
        "files.getUploadURLExternal" => files::get_upload_url(data, shared, call),
        "files.completeUploadExternal" => files::complete(data, call),
        _ => Reply::error("unknown_method"),
    }
}

fn auth_test() -> Reply {
    Reply::ok(json!({
        "url": format!("https://{TEAM_DOMAIN}.slack.com/"), "team": TEAM_NAME,
        "user": BOT_NAME, "team_id": TEAM_ID, "user_id": BOT_USER_ID, "bot_id": BOT_ID,
        "is_enterprise_install": false,
    }))
}

fn users_info(data: &Data, call: &Call) -> Reply {
    let id = call.str("user").unwrap_or_default();
    if id == BOT_USER_ID {
        return Reply::ok(json!({"user": payloads::user(&payloads::bot_user(), true)}));
    }
    match data.users.get(&id) {
        Some(user) => Reply::ok(json!({"user": payloads::user(user, false)})),
        None => Reply::error("user_not_found"),
    }
}

/// conversations.info: the conversation object of a channel or DM the fake knows.
fn conversation_info(data: &Data, call: &Call) -> Reply {
    let id = call.str("channel").unwrap_or_default();
    match data.channels.get(&id) {
        Some(channel) => Reply::ok(json!({"channel": payloads::conversation(&id, channel)})),
        None => Reply::error("channel_not_found"),
    }
}

/// team.info: the one workspace; `team` may name it or be left out (the token's own).
fn team_info(call: &Call) -> Reply {
    match call.str("team") {
        Some(team) if team != TEAM_ID => Reply::error("team_not_found"),
        _ => Reply::ok(json!({"team": payloads::team()})),
    }
}

/// reactions.add / reactions.remove by the bot. Slack sends reaction_added/_removed for the
/// bot's own reactions too, so the bot sees them come back.
fn react(data: &mut Data, shared: &Arc<Shared>, call: &Call, add: bool) -> Reply {
    let (channel, ts) = (call.str("channel").unwrap_or_default(), call.str("timestamp").unwrap_or_default());
    let Some(name) = call.str("name") else {
        return Reply::error("invalid_name");
    };
    if name.contains(':') || name.contains(' ') {
        return Reply::error("invalid_name");
    }
    if !data.channels.contains_key(&channel) {
        return Reply::error("channel_not_found");
    }
    if data.message(&channel, &ts).is_none() {
        return Reply::error("message_not_found");
    }
    let users = data.reaction_users(&channel, &ts, &name);
    let present = users.iter().any(|u| u == BOT_USER_ID);
    match (add, present) {
        (true, true) => return Reply::error("already_reacted"),
        (false, false) => return Reply::error("no_reaction"),
        (true, false) => users.push(BOT_USER_ID.to_string()),
        (false, true) => users.retain(|u| u != BOT_USER_ID),
    }
    let event = payloads::reaction_event(data, add, BOT_USER_ID, &channel, &ts, &name);
    deliver::send_event(data, shared, event, BOT_USER_ID, &channel);
    Reply::ok(json!({}))
}

fn reactions_get(data: &Data, call: &Call) -> Reply {
    let (channel, ts) = (call.str("channel").unwrap_or_default(), call.str("timestamp").unwrap_or_default());
    if !data.channels.contains_key(&channel) {
        return Reply::error("channel_not_found");
    }
    match data.message(&channel, &ts) {
        None => Reply::error("message_not_found"),
        Some(stored) => {
            let message = chat::shown(data, stored, false);
            Reply::ok(json!({"type": "message", "channel": channel, "message": message}))
        }
    }
}

/// Newest first, `oldest`/`latest` exclusive unless `inclusive`, paged by an opaque cursor.
fn history(data: &Data, call: &Call) -> Reply {
    let channel = call.str("channel").unwrap_or_default();
    if !data.channels.contains_key(&channel) {
        return Reply::error("channel_not_found");
    }
    let limit = call.str("limit").and_then(|l| l.parse().ok()).unwrap_or(HISTORY_DEFAULT_LIMIT);
    let limit = limit.clamp(1, HISTORY_MAX_LIMIT);
    let offset = match call.str("cursor") {
        None => 0,
        Some(cursor) => match cursor.strip_prefix("fake_offset:").and_then(|o| o.parse().ok()) {
            Some(offset) => offset,
            None => return Reply::error("invalid_cursor"),
        },
    };
    let ts_of = |name: &str| call.str(name).and_then(|t| t.parse::<f64>().ok());
    let (oldest, latest, inclusive) = (ts_of("oldest"), ts_of("latest"), call.flag("inclusive"));
    let in_range = |ts: f64| {
        let after = oldest.is_none_or(|o| ts > o || (inclusive && ts == o));
        let before = latest.is_none_or(|l| ts < l || (inclusive && ts == l));
        after && before
    };
    let with_metadata = call.flag("include_all_metadata");
    let mut found: Vec<Value> = data
        .messages
        .iter()
        .filter(|m| m.channel == channel && !m.deleted && in_range(m.ts.parse().unwrap_or(0.0)))
        .map(|m| chat::shown(data, m, with_metadata))
        .collect();
    found.reverse();
    let page: Vec<Value> = found.iter().skip(offset).take(limit).cloned().collect();
    let has_more = found.len() > offset + page.len();
    let next_cursor = if has_more { format!("fake_offset:{}", offset + page.len()) } else { String::new() };
    Reply::ok(json!({
        "messages": page, "has_more": has_more, "pin_count": 0, "channel_actions_ts": null,
        "channel_actions_count": 0, "response_metadata": {"next_cursor": next_cursor},
    }))
}

/// A DM with one user: `users` as a JSON array (slack-morphism) or a comma-separated string.
fn open_dm(data: &mut Data, call: &Call) -> Reply {
    // Slack documents `users` as a comma-separated string of ids; anything else is refused.
    let users: Vec<String> = match call.json("users").or_else(|| call.params.get("users").cloned()) {
        Some(Value::Array(_)) => return Reply::error("invalid_arguments"),
        _ => call
            .str("users")
            .map(|u| u.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect())
            .unwrap_or_default(),
    };
    let user = match users.as_slice() {
        [user] => user.clone(),
        [] => return Reply::error("users_list_not_supplied"),
        _ => return Reply::error("not_supported"),
    };
    if !data.users.contains_key(&user) {
        return Reply::error("user_not_found");
    }
    let (id, existed) = data.dm_channel(&user);
    let channel = if call.flag("return_im") {
        json!({
            "id": id, "created": unix_now(), "is_im": true, "is_org_shared": false, "user": user,
            "last_read": "0000000000.000000", "latest": null, "unread_count": 0,
            "unread_count_display": 0, "is_open": true, "priority": 0,
        })
    } else {
        json!({"id": id})
    };
    let mut body = json!({"channel": channel});
    if existed {
        body["no_op"] = json!(true);
        body["already_open"] = json!(true);
    }
    Reply::ok(body)
}

/// A single-use websocket url, like Slack's `wss://wss-primary.slack.com/link/?ticket=…`.
fn connections_open(data: &mut Data, shared: &Arc<Shared>) -> Reply {
    let ticket = format!("fake-ticket-{}", data.next_number());
    data.socket.tickets.insert(ticket.clone());
    let url = format!("ws://127.0.0.1:{}/socket?ticket={ticket}&app_id={APP_ID}", shared.port);
    Reply::ok(json!({"url": url}))
}
