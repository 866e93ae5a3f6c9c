//! JSON shapes Slack sends: messages, users, conversations, the team, event callbacks, slash
//! commands, block_actions.

use serde_json::{Value, json};

use super::SlackUser;
use super::state::{
    APP_ID, BOT_ID, BOT_NAME, BOT_USER_ID, Channel, Data, TEAM_DOMAIN, TEAM_ID, TEAM_NAME,
    VERIFICATION_TOKEN, unix_now,
};

/// A message posted with the bot token, as chat.postMessage and conversations.history show it.
pub(super) fn bot_message(ts: &str, text: Option<String>, blocks: Option<Value>) -> Value {
    let mut message = json!({
        "type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID, "app_id": APP_ID,
        "team": TEAM_ID, "ts": ts, "text": text.unwrap_or_default(), "bot_profile": bot_profile(),
    });
    if let Some(blocks) = blocks {
        message["blocks"] = blocks;
    }
    message
}

fn bot_profile() -> Value {
    json!({
        "id": BOT_ID, "app_id": APP_ID, "user_id": BOT_USER_ID, "name": BOT_NAME, "deleted": false,
        "updated": 1_700_000_000, "team_id": TEAM_ID,
        "icons": {"image_36": "https://a.slack-edge.com/fake_36.png", "image_48": "https://a.slack-edge.com/fake_48.png"},
    })
}

/// users.info's `user`: what slack-morphism's SlackUser reads, plus the flags Slack always sends.
pub(super) fn user(user: &SlackUser, bot: bool) -> Value {
    json!({
        "id": user.id, "team_id": TEAM_ID, "name": user.name, "deleted": false, "color": "9f69e7",
        "real_name": user.name, "tz": "Europe/Berlin", "tz_label": "Central European Time",
        "tz_offset": 3600, "is_admin": user.admin, "is_owner": false, "is_primary_owner": false,
        "is_restricted": false, "is_ultra_restricted": false, "is_bot": bot, "is_app_user": false,
        "updated": 1_700_000_000, "is_email_confirmed": !bot, "who_can_share_contact_card": "EVERYONE",
        "profile": {
            "title": "", "phone": "", "skype": "", "real_name": user.name,
            "real_name_normalized": user.name, "display_name": user.name,
            "display_name_normalized": user.name, "status_text": "", "status_emoji": "",
            "status_expiration": 0, "avatar_hash": "g0fake", "team": TEAM_ID,
            "image_24": "https://a.slack-edge.com/fake_24.png",
            "image_48": "https://a.slack-edge.com/fake_48.png",
        },
    })
}

/// A conversation object as conversations.info returns it: a public channel, or a DM.
pub(super) fn conversation(id: &str, channel: &Channel) -> Value {
    let created = 1_700_000_000;
    if let Some(user) = &channel.dm_user {
        return json!({
            "id": id, "created": created, "is_im": true, "is_org_shared": false, "user": user,
            "is_user_deleted": false, "priority": 0, "context_team_id": TEAM_ID,
        });
    }
    let about = |value: &str| json!({"value": value, "creator": BOT_USER_ID, "last_set": created});
    json!({
        "id": id, "name": channel.name, "name_normalized": channel.name, "is_channel": true,
        "is_group": false, "is_im": false, "is_mpim": false, "is_private": false, "created": created,
        "is_archived": false, "is_general": false, "unlinked": 0, "is_shared": false,
        "is_frozen": false, "is_org_shared": false, "is_pending_ext_shared": false,
        "pending_shared": [], "context_team_id": TEAM_ID, "updated": 1_700_000_000_000_u64,
        "parent_conversation": null, "creator": BOT_USER_ID, "is_ext_shared": false,
        "shared_team_ids": [TEAM_ID], "pending_connected_team_ids": [], "is_member": true,
        "topic": about(""), "purpose": about(""), "previous_names": [],
    })
}

/// The workspace as team.info returns it.
pub(super) fn team() -> Value {
    json!({
        "id": TEAM_ID, "name": TEAM_NAME, "url": format!("https://{TEAM_DOMAIN}.slack.com/"),
        "domain": TEAM_DOMAIN, "email_domain": "", "is_verified": false,
        "avatar_base_url": "https://ca.slack-edge.com/",
        "icon": {"image_34": "https://a.slack-edge.com/team_34.png", "image_default": true},
    })
}

pub(super) fn bot_user() -> SlackUser {
    SlackUser::new(BOT_USER_ID, BOT_NAME, false)
}

/// The Events API outer payload around one `event`.
pub(super) fn event_callback(event: Value, event_id: &str) -> Value {
    json!({
        "token": VERIFICATION_TOKEN, "team_id": TEAM_ID, "context_team_id": TEAM_ID,
        "context_enterprise_id": null, "api_app_id": APP_ID, "event": event,
        "type": "event_callback", "event_id": event_id, "event_time": unix_now(),
        "authorizations": [{
            "enterprise_id": null, "team_id": TEAM_ID, "user_id": BOT_USER_ID,
            "is_bot": true, "is_enterprise_install": false,
        }],
        "is_ext_shared_channel": false,
        "event_context": format!("4-fake-{event_id}"),
    })
}

/// reaction_added / reaction_removed on a message; `item_user` is the message's author.
pub(super) fn reaction_event(
    data: &mut Data,
    added: bool,
    user: &str,
    channel: &str,
    ts: &str,
    reaction: &str,
) -> Value {
    let author = data.message(channel, ts).and_then(|m| m.json["user"].as_str().map(str::to_owned));
    let event_ts = data.next_ts();
    let mut event = json!({
        "type": if added { "reaction_added" } else { "reaction_removed" },
        "user": user, "reaction": reaction,
        "item": {"type": "message", "channel": channel, "ts": ts},
        "event_ts": event_ts,
    });
    if let Some(author) = author {
        event["item_user"] = json!(author);
    }
    event
}

/// A slash command as Slack sends it: every value a string, as in the HTTP form.
pub(super) fn command(
    data: &mut Data,
    user: &SlackUser,
    channel: &str,
    command: &str,
    text: &str,
    response_url: &str,
) -> Value {
    json!({
        "token": VERIFICATION_TOKEN, "team_id": TEAM_ID, "team_domain": TEAM_DOMAIN,
        "channel_id": channel, "channel_name": data.channel_name(channel),
        "user_id": user.id, "user_name": user.name, "command": command, "text": text,
        "api_app_id": APP_ID, "is_enterprise_install": "false",
        "response_url": response_url, "trigger_id": data.trigger_id(),
    })
}

/// What a pressed button looks like to block_actions: (block_id, button text).
fn find_button(message: Option<&Value>, action_id: &str) -> Option<(String, Value)> {
    let blocks = message?.get("blocks")?.as_array()?;
    blocks.iter().find_map(|block| {
        let elements = block.get("elements")?.as_array()?;
        let accessory = block.get("accessory").into_iter();
        let button = elements.iter().chain(accessory).find(|e| e["action_id"] == action_id)?;
        Some((block["block_id"].as_str()?.to_string(), button["text"].clone()))
    })
}

/// A block_actions interaction. `container` is what slack-morphism needs to parse it at all;
/// ephemeral sources carry no `message` (Slack does not send it for them).
pub(super) fn block_actions(
    data: &mut Data,
    user: &SlackUser,
    channel: &str,
    message_ts: &str,
    (action_id, value): (&str, &str),
    ephemeral: bool,
    response_url: &str,
) -> Value {
    let stored = data.message(channel, message_ts).filter(|_| !ephemeral);
    let message = stored.map(|m| super::chat::shown(data, m, false));
    let (block_id, text) = find_button(message.as_ref(), action_id)
        .unwrap_or_else(|| ("fake-block".to_string(), json!({"type": "plain_text", "text": value})));
    let action_ts = data.next_ts();
    let mut payload = json!({
        "type": "block_actions",
        "user": {"id": user.id, "username": user.name, "name": user.name, "team_id": TEAM_ID},
        "api_app_id": APP_ID, "token": VERIFICATION_TOKEN,
        "container": {
            "type": "message", "message_ts": message_ts, "channel_id": channel, "is_ephemeral": ephemeral,
        },
        "trigger_id": data.trigger_id(),
        "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
        "enterprise": null, "is_enterprise_install": false,
        "channel": {"id": channel, "name": data.channel_name(channel)},
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [{
            "action_id": action_id, "block_id": block_id, "text": text, "value": value,
            "type": "button", "action_ts": action_ts,
        }],
    });
    if let Some(message) = message {
        payload["message"] = message;
    }
    payload
}
