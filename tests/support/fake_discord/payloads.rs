//! JSON shapes of Discord objects (users, members, messages, interactions, reactions, READY, guilds).

use serde_json::{Value, json};

use super::state::{APP_ID, BOT_ID, BOT_NAME, Data, now_iso};

const VIEW_CHANNEL: u64 = 1 << 10;
const SEND_MESSAGES: u64 = 1 << 11;
const EMBED_LINKS: u64 = 1 << 14;
const ATTACH_FILES: u64 = 1 << 15;
const READ_MESSAGE_HISTORY: u64 = 1 << 16;
const ADD_REACTIONS: u64 = 1 << 6;
const USE_APPLICATION_COMMANDS: u64 = 1 << 31;
pub(super) const MANAGE_GUILD: u64 = 1 << 5;
const MANAGE_MESSAGES: u64 = 1 << 13;

/// What an ordinary member may do in a study channel.
pub(super) const MEMBER_PERMISSIONS: u64 = VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | ADD_REACTIONS
    | USE_APPLICATION_COMMANDS;
const BOT_PERMISSIONS: u64 = MEMBER_PERMISSIONS | MANAGE_MESSAGES;

/// Discord's documented attachment limit for an unboosted guild (25 MiB).
const ATTACHMENT_SIZE_LIMIT: u64 = 26_214_400;

pub(super) fn user(id: u64, name: &str, bot: bool) -> Value {
    json!({
        "id": id.to_string(), "username": name, "discriminator": "0",
        "global_name": if bot { Value::Null } else { json!(name) },
        "avatar": null, "bot": bot, "system": false, "public_flags": 0, "flags": 0,
        "banner": null, "accent_color": null, "avatar_decoration_data": null,
    })
}

pub(super) fn bot_user() -> Value {
    let mut bot = user(BOT_ID, BOT_NAME, true);
    bot["verified"] = json!(true);
    bot["mfa_enabled"] = json!(false);
    bot
}

/// A guild member; `permissions` is only present where Discord sends it (interactions).
pub(super) fn member(user: Value, permissions: Option<u64>) -> Value {
    let mut m = json!({
        "user": user, "nick": null, "avatar": null, "banner": null, "roles": [],
        "joined_at": "2024-09-01T09:00:00.000000+00:00", "premium_since": null,
        "deaf": false, "mute": false, "flags": 0, "pending": false,
        "communication_disabled_until": null,
    });
    if let Some(p) = permissions {
        m["permissions"] = json!(p.to_string());
    }
    m
}

/// READY of a session on `shard` (`[id, count]`), listing that shard's `guilds` as unavailable.
pub(super) fn ready(session_id: &str, resume_url: &str, shard: Value, guilds: &[u64]) -> Value {
    let guilds: Vec<Value> =
        guilds.iter().map(|g| json!({"id": g.to_string(), "unavailable": true})).collect();
    json!({
        "v": 10, "user": bot_user(), "guilds": guilds,
        "session_id": session_id, "resume_gateway_url": resume_url, "shard": shard,
        "application": {"id": APP_ID.to_string(), "flags": 0},
        "private_channels": [], "presences": [], "relationships": [], "user_settings": {},
        "guild_join_requests": [], "geo_ordered_rtc_regions": [], "_trace": ["fake-discord"],
    })
}

pub(super) fn guild_channel(id: u64, guild: u64, name: &str, position: usize) -> Value {
    json!({
        "id": id.to_string(), "type": 0, "guild_id": guild.to_string(), "name": name,
        "position": position, "permission_overwrites": [], "nsfw": false, "parent_id": null,
        "topic": null, "last_message_id": null, "rate_limit_per_user": 0, "flags": 0,
    })
}

pub(super) fn dm_channel(id: u64, recipient: Value) -> Value {
    json!({"id": id.to_string(), "type": 1, "last_message_id": null, "flags": 0, "recipients": [recipient]})
}

pub(super) fn channel(data: &Data, id: u64) -> Option<Value> {
    let c = data.channels.get(&id)?;
    Some(match c.guild {
        Some(g) => {
            let position = data.guild_channels(g).position(|(k, _)| k == id).unwrap_or(0);
            guild_channel(id, g, &c.name, position)
        }
        None => {
            let u = c.dm_user.unwrap_or_default();
            dm_channel(id, user(u, &data.username(u), false))
        }
    })
}

/// GET /guilds/{g}/channels: the guild's text channels in `position` order.
pub(super) fn guild_channels(data: &Data, guild: u64) -> Value {
    let channels = data.guild_channels(guild).enumerate();
    Value::Array(channels.map(|(i, (id, c))| guild_channel(id, guild, &c.name, i)).collect())
}

/// The guild object as GET /guilds/{id} returns it: the fields serenity's `PartialGuild` requires.
pub(super) fn guild(id: u64, name: &str) -> Value {
    let everyone = json!({
        "id": id.to_string(), "name": "@everyone", "color": 0, "hoist": false, "icon": null,
        "colors": {"primary_color": 0, "secondary_color": null, "tertiary_color": null},
        "unicode_emoji": null, "position": 0, "permissions": MEMBER_PERMISSIONS.to_string(),
        "managed": false, "mentionable": false, "flags": 0,
    });
    json!({
        "id": id.to_string(), "name": name, "icon": null, "icon_hash": null,
        "splash": null, "discovery_splash": null, "owner_id": "1000", "afk_channel_id": null,
        "afk_timeout": 300, "verification_level": 1, "default_message_notifications": 1,
        "explicit_content_filter": 0, "roles": [everyone], "emojis": [], "features": [],
        "mfa_level": 0, "application_id": null, "system_channel_id": null,
        "system_channel_flags": 0, "rules_channel_id": null, "vanity_url_code": null,
        "description": null, "banner": null, "premium_tier": 0, "premium_subscription_count": 0,
        "preferred_locale": "en-US", "public_updates_channel_id": null, "nsfw_level": 0,
        "stickers": [], "premium_progress_bar_enabled": false, "safety_alerts_channel_id": null,
    })
}

/// The GUILD_CREATE of a known guild that follows READY: the fields serenity's `Guild` requires,
/// with the guild's channels.
pub(super) fn guild_create(data: &Data, id: u64) -> Value {
    let channels = guild_channels(data, id);
    let mut guild = guild(id, data.guilds.get(&id).map_or("", String::as_str));
    // GUILD_CREATE's extra fields (json! nests too deep for one literal).
    let extra = json!({
        "joined_at": "2024-09-01T09:00:00.000000+00:00", "large": false, "unavailable": false,
        "member_count": 1, "voice_states": [], "members": [member(bot_user(), None)],
        "channels": channels, "threads": [], "presences": [], "stage_instances": [],
        "guild_scheduled_events": [], "soundboard_sounds": [], "incidents_data": null,
    });
    for (key, value) in extra.as_object().into_iter().flatten() {
        guild[key] = value.clone();
    }
    guild
}

/// A message as Discord returns it, built from what the bot sent (`body`).
pub(super) fn message(
    id: u64,
    channel: u64,
    guild: Option<u64>,
    body: &Value,
    attachments: Vec<Value>,
) -> Value {
    let mut m = json!({
        "id": id.to_string(), "channel_id": channel.to_string(), "author": bot_user(),
        "content": body.get("content").and_then(Value::as_str).unwrap_or(""),
        "timestamp": now_iso(), "edited_timestamp": null,
        "tts": body.get("tts").and_then(Value::as_bool).unwrap_or(false),
        "mention_everyone": false, "mentions": [], "mention_roles": [], "attachments": attachments,
        "embeds": embeds(body), "components": components(body), "pinned": false, "type": 0,
        "flags": body.get("flags").and_then(Value::as_u64).unwrap_or(0),
    });
    if let Some(g) = guild {
        m["guild_id"] = json!(g.to_string());
    }
    if let Some(nonce) = body.get("nonce").filter(|n| !n.is_null()) {
        m["nonce"] = nonce.clone();
    }
    m
}

/// Applies an edit (PATCH) to a stored message: only the fields the body carries change.
pub(super) fn edit_message(m: &mut Value, body: &Value) {
    for key in ["content", "flags"] {
        if let Some(v) = body.get(key).filter(|v| !v.is_null()) {
            m[key] = v.clone();
        }
    }
    if body.get("embeds").is_some() {
        m["embeds"] = embeds(body);
    }
    if body.get("components").is_some() {
        m["components"] = components(body);
    }
    m["edited_timestamp"] = json!(now_iso());
}

/// Embeds as sent, with the `type` Discord fills in.
fn embeds(body: &Value) -> Value {
    let mut list = body.get("embeds").and_then(Value::as_array).cloned().unwrap_or_default();
    for embed in &mut list {
        if embed.get("type").is_none() {
            embed["type"] = json!("rich");
        }
    }
    Value::Array(list)
}

/// Components as sent, with the numeric `id` Discord generates depth-first from 1 when absent.
fn components(body: &Value) -> Value {
    let mut rows = body.get("components").and_then(Value::as_array).cloned().unwrap_or_default();
    let mut next = 1;
    for row in &mut rows {
        number_component(row, &mut next);
        for child in row.get_mut("components").and_then(Value::as_array_mut).into_iter().flatten() {
            number_component(child, &mut next);
        }
    }
    Value::Array(rows)
}

fn number_component(c: &mut Value, next: &mut u64) {
    if c.get("id").is_none() {
        c["id"] = json!(*next);
    }
    *next += 1;
}

/// The fields every interaction carries, for a member of the channel's guild or a DM user.
pub(super) struct Invocation<'a> {
    pub id: &'a str,
    pub token: &'a str,
    pub kind: u8,
    pub user: Value,
    pub permissions: u64,
    pub channel: Value,
    pub guild: Option<u64>,
}

pub(super) fn interaction(inv: Invocation<'_>, data: Value) -> Value {
    let channel_id = inv.channel["id"].clone();
    let mut i = json!({
        "id": inv.id, "application_id": APP_ID.to_string(), "type": inv.kind, "data": data,
        "channel": inv.channel, "channel_id": channel_id, "token": inv.token, "version": 1,
        "app_permissions": BOT_PERMISSIONS.to_string(), "locale": "en-US", "entitlements": [],
        "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
    });
    match inv.guild {
        Some(g) => {
            i["guild_id"] = json!(g.to_string());
            i["guild_locale"] = json!("en-US");
            i["member"] = member(inv.user, Some(inv.permissions));
            i["authorizing_integration_owners"] = json!({"0": g.to_string()});
            i["context"] = json!(0);
        }
        None => {
            i["user"] = inv.user;
            i["authorizing_integration_owners"] = json!({"0": "0"});
            i["context"] = json!(1);
        }
    }
    i
}

/// The emoji object for a reaction key: `name:id` is a custom emoji, anything else unicode.
pub(super) fn emoji(key: &str) -> Value {
    match key.rsplit_once(':') {
        Some((name, id)) if id.parse::<u64>().is_ok() => json!({"id": id, "name": name, "animated": false}),
        _ => json!({"id": null, "name": key}),
    }
}

pub(super) struct ReactionEvent<'a> {
    pub user: Value,
    pub channel: u64,
    pub message: u64,
    pub guild: Option<u64>,
    pub emoji: &'a str,
    pub author: Option<u64>,
}

pub(super) fn reaction_add(r: ReactionEvent<'_>) -> Value {
    let mut d = reaction_remove(&r);
    if r.guild.is_some() {
        d["member"] = member(r.user, None);
    }
    d["burst_colors"] = json!([]);
    if let Some(author) = r.author {
        d["message_author_id"] = json!(author.to_string());
    }
    d
}

pub(super) fn reaction_remove(r: &ReactionEvent<'_>) -> Value {
    let mut d = json!({
        "user_id": r.user["id"], "channel_id": r.channel.to_string(),
        "message_id": r.message.to_string(), "emoji": emoji(r.emoji), "burst": false, "type": 0,
    });
    if let Some(g) = r.guild {
        d["guild_id"] = json!(g.to_string());
    }
    d
}

pub(super) fn application() -> Value {
    json!({
        "id": APP_ID.to_string(), "name": BOT_NAME, "icon": null, "description": "",
        "bot_public": true, "bot_require_code_grant": false, "verify_key": "0".repeat(64),
        "owner": user(1000, "organizer", false), "team": null, "flags": 0, "bot": bot_user(),
        "summary": "", "rpc_origins": [], "tags": [], "redirect_uris": [],
        "interactions_endpoint_url": null, "role_connections_verification_url": null,
    })
}

pub(super) fn rate_limited(retry_after: f64, global: bool) -> Value {
    json!({"message": "You are being rate limited.", "retry_after": retry_after, "global": global})
}

pub(super) fn error(message: &str, code: u64) -> Value {
    json!({"message": message, "code": code})
}
