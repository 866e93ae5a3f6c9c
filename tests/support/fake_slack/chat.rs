//! chat.postMessage, chat.postEphemeral, chat.update, chat.delete: validation, storage, answers.

use serde_json::{Value, json};

use super::payloads;
use super::state::{BOT_USER_ID, Data, Origin, Stored};
use super::web::{Call, Reply};

/// Slack truncates beyond 40,000 characters and refuses much longer text; the fake refuses at it.
const MAX_TEXT: usize = 40_000;
const MAX_BLOCKS: usize = 50;
const MAX_SECTION_TEXT: usize = 3_000;
const MAX_ACTION_ELEMENTS: usize = 25;
const MAX_BUTTON_TEXT: usize = 75;

/// The content of a post: validated text, blocks (with Slack's generated ids) and metadata.
pub(super) struct Content {
    pub text: Option<String>,
    pub blocks: Option<Value>,
    pub metadata: Option<Value>,
}

/// Reads and checks text, blocks and metadata the way Slack does before it stores anything.
pub(super) fn content(data: &mut Data, call: &Call) -> Result<Content, Reply> {
    let text = call.str("text");
    let blocks = match call.params.get("blocks").filter(|b| !b.is_null()) {
        None => None,
        Some(_) => Some(call.json("blocks").ok_or_else(|| Reply::error("invalid_blocks_format"))?),
    };
    if text.is_none() && blocks.as_ref().is_none_or(|b| b.as_array().is_none_or(Vec::is_empty)) {
        return Err(Reply::error("no_text"));
    }
    if text.as_ref().is_some_and(|t| t.chars().count() > MAX_TEXT) {
        return Err(Reply::error("msg_too_long"));
    }
    let blocks = blocks.map(|b| check_blocks(data, b)).transpose()?;
    let metadata = call.json("metadata");
    if let Some(m) = &metadata
        && (!m["event_type"].is_string() || !(m["event_payload"].is_object() || m["event_payload"].is_null()))
    {
        return Err(Reply::error("invalid_metadata_format"));
    }
    Ok(Content { text, blocks, metadata })
}

fn invalid_blocks(detail: String) -> Reply {
    let mut reply = Reply::error("invalid_blocks");
    reply.body["errors"] = json!([detail]);
    reply
}

/// Slack's Block Kit limits, and the block_id / action_id it fills in when a bot leaves them out.
pub(super) fn check_blocks(data: &mut Data, blocks: Value) -> Result<Value, Reply> {
    let Value::Array(mut blocks) = blocks else {
        return Err(Reply::error("invalid_blocks_format"));
    };
    if blocks.len() > MAX_BLOCKS {
        return Err(invalid_blocks(format!(
            "no more than {MAX_BLOCKS} items allowed [json-pointer:/blocks]"
        )));
    }
    let mut action_ids = Vec::new();
    for (i, block) in blocks.iter_mut().enumerate() {
        if !block["type"].is_string() {
            return Err(invalid_blocks(format!("missing required field: type [json-pointer:/blocks/{i}]")));
        }
        let section_text = block["text"]["text"].as_str().map_or(0, |t| t.chars().count());
        if block["type"] == "section" && section_text > MAX_SECTION_TEXT {
            let limit = MAX_SECTION_TEXT + 1;
            return Err(invalid_blocks(format!(
                "must be less than {limit} characters [json-pointer:/blocks/{i}/text/text]"
            )));
        }
        if let Some(pointer) = entity_in_plain_text(block, &format!("/blocks/{i}")) {
            return Err(invalid_blocks(format!(
                "plain_text shows entities as written [json-pointer:{pointer}]"
            )));
        }
        if block.get("block_id").is_none() {
            block["block_id"] = json!(format!("fk{:04}", data.next_number()));
        }
        let is_actions = block["type"] == "actions";
        if let Some(elements) = block.get_mut("elements").and_then(Value::as_array_mut).filter(|_| is_actions)
        {
            check_elements(data, i, elements, &mut action_ids)?;
        }
    }
    Ok(Value::Array(blocks))
}

/// The HTML entities Slack decodes where it parses mrkdwn (and the message `text`).
const ENTITIES: [&str; 3] = ["&amp;", "&lt;", "&gt;"];

/// Where a `plain_text` object holds an entity. Slack decodes entities only where it parses
/// mrkdwn; a plain_text object (a header, a button label) is shown as written, so members would
/// read `&amp;`. Real Slack accepts it; the fake refuses it, so the mistake fails a test.
fn entity_in_plain_text(value: &Value, pointer: &str) -> Option<String> {
    match value {
        Value::Object(object) => {
            let plain = object.get("type").and_then(Value::as_str) == Some("plain_text");
            let text = object.get("text").and_then(Value::as_str).filter(|_| plain);
            if text.is_some_and(|t| ENTITIES.iter().any(|e| t.contains(e))) {
                return Some(format!("{pointer}/text"));
            }
            object.iter().find_map(|(key, v)| entity_in_plain_text(v, &format!("{pointer}/{key}")))
        }
        Value::Array(items) => {
            items.iter().enumerate().find_map(|(i, v)| entity_in_plain_text(v, &format!("{pointer}/{i}")))
        }
        _ => None,
    }
}

fn check_elements(
    data: &mut Data,
    i: usize,
    elements: &mut [Value],
    action_ids: &mut Vec<String>,
) -> Result<(), Reply> {
    if elements.len() > MAX_ACTION_ELEMENTS {
        let limit = MAX_ACTION_ELEMENTS;
        return Err(invalid_blocks(format!(
            "no more than {limit} items allowed [json-pointer:/blocks/{i}/elements]"
        )));
    }
    for (j, element) in elements.iter_mut().enumerate() {
        let pointer = format!("/blocks/{i}/elements/{j}");
        if element["text"]["text"].as_str().is_some_and(|t| t.chars().count() > MAX_BUTTON_TEXT) {
            let limit = MAX_BUTTON_TEXT + 1;
            return Err(invalid_blocks(format!(
                "must be less than {limit} characters [json-pointer:{pointer}/text/text]"
            )));
        }
        if element.get("action_id").is_none() {
            element["action_id"] = json!(format!("fka{:04}", data.next_number()));
        }
        let id = element["action_id"].as_str().unwrap_or_default().to_string();
        if action_ids.contains(&id) {
            return Err(invalid_blocks(format!("action_id already exists [json-pointer:{pointer}]")));
        }
        action_ids.push(id);
    }
    Ok(())
}

/// The stored message as Slack shows it, with reactions when there are any.
pub(super) fn shown(data: &Data, stored: &Stored, with_metadata: bool) -> Value {
    let mut json = stored.json.clone();
    let reactions = data.reactions_of(&stored.channel, &stored.ts);
    if !reactions.is_empty() {
        json["reactions"] = json!(reactions);
    }
    if let Some(metadata) = stored.metadata.as_ref().filter(|_| with_metadata) {
        json["metadata"] = metadata.clone();
    }
    json
}

/// Stores a channel message and returns its ts.
pub(super) fn store(
    data: &mut Data,
    channel: &str,
    origin: Origin,
    content: Content,
    thread: Option<String>,
) -> String {
    let ts = data.next_ts();
    let mut json = payloads::bot_message(&ts, content.text, content.blocks);
    if let Some(thread_ts) = thread {
        json["thread_ts"] = json!(thread_ts);
    }
    let metadata = content.metadata;
    data.messages.push(Stored {
        channel: channel.to_string(),
        ts: ts.clone(),
        origin,
        json,
        metadata,
        deleted: false,
    });
    ts
}

pub(super) fn post_message(data: &mut Data, call: &Call) -> Reply {
    let Some(channel) = call.str("channel").and_then(|c| data.resolve_channel(&c)) else {
        return Reply::error("channel_not_found");
    };
    let content = match content(data, call) {
        Ok(content) => content,
        Err(reply) => return reply,
    };
    let ts = store(data, &channel, Origin::Posted, content, call.str("thread_ts"));
    let message = data.message(&channel, &ts).map(|m| shown(data, m, true)).unwrap_or_default();
    Reply::ok(json!({"channel": channel, "ts": ts, "message": message}))
}

pub(super) fn post_ephemeral(data: &mut Data, call: &Call) -> Reply {
    let Some(channel) = call.str("channel").and_then(|c| data.resolve_channel(&c)) else {
        return Reply::error("channel_not_found");
    };
    let Some(user) = call.str("user").filter(|u| data.users.contains_key(u)) else {
        return Reply::error("user_not_found");
    };
    let content = match content(data, call) {
        Ok(content) => content,
        Err(reply) => return reply,
    };
    let message_ts = data.next_ts();
    data.ephemerals.push(json!({
        "via": "chat.postEphemeral", "channel": channel, "user": user, "message_ts": message_ts,
        "text": content.text, "blocks": content.blocks,
    }));
    Reply::ok(json!({"message_ts": message_ts}))
}

pub(super) fn update(data: &mut Data, call: &Call) -> Reply {
    let (Some(channel), Some(ts)) = (call.str("channel"), call.str("ts")) else {
        return Reply::error("message_not_found");
    };
    if data.message(&channel, &ts).is_none() {
        return Reply::error("message_not_found");
    }
    if data.message(&channel, &ts).is_some_and(|m| m.json["user"] != BOT_USER_ID) {
        return Reply::error("cant_update_message");
    }
    let content = match content(data, call) {
        Ok(content) => content,
        Err(reply) => return reply,
    };
    let edited_ts = data.next_ts();
    let stored = data.message_mut(&channel, &ts).expect("checked above");
    stored.json["text"] = json!(content.text.clone().unwrap_or_default());
    match content.blocks {
        Some(blocks) => stored.json["blocks"] = blocks,
        None => _ = stored.json.as_object_mut().map(|m| m.remove("blocks")),
    }
    stored.json["edited"] = json!({"user": BOT_USER_ID, "ts": edited_ts});
    if content.metadata.is_some() {
        stored.metadata = content.metadata;
    }
    let message = shown(data, data.message(&channel, &ts).expect("checked above"), true);
    Reply::ok(json!({"channel": channel, "ts": ts, "text": message["text"], "message": message}))
}

pub(super) fn delete(data: &mut Data, call: &Call) -> Reply {
    let (channel, ts) = (call.str("channel").unwrap_or_default(), call.str("ts").unwrap_or_default());
    match data.message_mut(&channel, &ts) {
        None => Reply::error("message_not_found"),
        Some(m) if m.json["user"] != BOT_USER_ID => Reply::error("cant_delete_message"),
        Some(m) => {
            m.deleted = true;
            Reply::ok(json!({"channel": channel, "ts": ts}))
        }
    }
}
