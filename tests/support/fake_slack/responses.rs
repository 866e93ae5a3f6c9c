//! response_url: the per-command / per-press webhook, and how an answer lands (ephemeral, in
//! channel, replacing or deleting the pressed message or the ephemeral the url belongs to).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::chat::{self, Content};
use super::state::{BOT_USER_ID, Data, Origin, Shared};

/// Slack accepts up to five posts to one response_url (within 30 minutes).
const MAX_USES: usize = 5;

pub(super) fn url(shared: &Shared, id: &str) -> String {
    format!("{}/response/{id}", shared.base_url())
}

/// POST /response/{id}: JSON like chat.postMessage's, plus response_type / replace_original /
/// delete_original. Answers `{"ok":true}`; unknown or used-up urls get 404, blocks Slack would
/// refuse 400 `invalid_blocks` (both recorded as `{"refused": body, "error": …}`).
pub(super) async fn handle(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    raw: Bytes,
) -> Response {
    let body: Value =
        serde_json::from_slice(&raw).unwrap_or_else(|_| json!({"unparsed": String::from_utf8_lossy(&raw)}));
    let mut data = shared.lock();
    let Some(delivery) = data.deliveries.get_mut(&id) else {
        return refusal(StatusCode::NOT_FOUND, json!({"ok": false, "error": "expired_url"}));
    };
    if delivery.responses.len() >= MAX_USES {
        delivery.responses.push(json!({"refused": body, "error": "used_url"}));
        return refusal(StatusCode::NOT_FOUND, json!({"ok": false, "error": "used_url"}));
    }
    let body = match checked(&mut data, body) {
        Ok(body) => body,
        Err((body, error)) => {
            let delivery = data.deliveries.get_mut(&id).expect("found above");
            delivery.responses.push(json!({"refused": body, "error": error}));
            return refusal(StatusCode::BAD_REQUEST, error);
        }
    };
    data.deliveries.get_mut(&id).expect("found above").responses.push(body.clone());
    apply(&mut data, &id, &body, "response_url");
    axum::Json(json!({"ok": true})).into_response()
}

fn refusal(status: StatusCode, body: Value) -> Response {
    (status, axum::Json(body)).into_response()
}

/// The answer with its blocks checked as chat.postMessage checks them (Slack refuses the same
/// blocks on a response_url or in an ack), and Slack's generated block ids filled in; or the
/// answer back with the refusal.
pub(super) fn checked(data: &mut Data, mut body: Value) -> Result<Value, (Value, Value)> {
    let Some(blocks) = body.get("blocks").filter(|b| !b.is_null()).cloned() else {
        return Ok(body);
    };
    match chat::check_blocks(data, blocks) {
        Ok(blocks) => {
            body["blocks"] = blocks;
            Ok(body)
        }
        Err(reply) => Err((body, reply.body)),
    }
}

/// Lands an answer to delivery `id`: replaces or deletes the pressed message when asked,
/// otherwise posts in the channel (`in_channel`) or shows it to the user alone (the default).
pub(super) fn apply(data: &mut Data, id: &str, body: &Value, via: &str) {
    let Some(delivery) = data.deliveries.get(id) else {
        return;
    };
    let (user, channel, source) = (delivery.user.clone(), delivery.channel.clone(), delivery.source.clone());
    let flag = |name: &str| body[name] == true || body[name] == "true";
    let shared_source = source.as_ref().filter(|(_, _, ephemeral)| !ephemeral);
    if let Some((c, ts, _)) = shared_source.filter(|_| flag("delete_original") || flag("replace_original")) {
        if let Some(stored) = data.message_mut(c, ts).filter(|m| m.json["user"] == BOT_USER_ID) {
            if flag("delete_original") {
                stored.deleted = true;
            } else {
                replace(stored, body);
            }
        }
        return;
    }
    if body["response_type"] == "in_channel" {
        let content = Content {
            text: body["text"].as_str().map(str::to_owned),
            blocks: body.get("blocks").cloned(),
            metadata: None,
        };
        chat::store(data, &channel, Origin::Response(id.to_string()), content, None);
        return;
    }
    let pressed = source.map(|(_, ts, _)| ts);
    let mut shown = body.clone();
    shown["via"] = json!(via);
    shown["channel"] = json!(channel);
    shown["user"] = json!(user);
    shown["id"] = json!(id);
    shown["message_ts"] = json!(data.next_ts());
    if flag("replace_original") || flag("delete_original") {
        let Some(original) = ephemeral_original(data, id, &user, pressed.as_deref()) else {
            data.ephemerals.push(shown);
            return;
        };
        let gone = if flag("delete_original") { "deleted" } else { "replaced" };
        let original = &mut data.ephemerals[original];
        original[gone] = json!(true);
        // The message stays where it was, with its ts, and shows the answer instead.
        shown["message_ts"] = original["message_ts"].clone();
        shown["replaces"] = original["message_ts"].clone();
        if gone == "deleted" {
            return;
        }
    }
    data.ephemerals.push(shown);
}

/// The ephemeral message a response_url's replace_original / delete_original acts on: the
/// pressed ephemeral message for a press, else the latest one shown for the same command (its
/// ack's or an earlier response_url post), as long as the member still sees it.
fn ephemeral_original(data: &Data, id: &str, user: &str, pressed: Option<&str>) -> Option<usize> {
    let visible = |e: &Value| e["user"] == user && e.get("replaced").is_none() && e.get("deleted").is_none();
    data.ephemerals.iter().rposition(|e| {
        visible(e)
            && match pressed {
                Some(ts) => e["message_ts"] == ts,
                None => e["id"] == id,
            }
    })
}

fn replace(stored: &mut super::state::Stored, body: &Value) {
    stored.json["text"] = body.get("text").cloned().unwrap_or(json!(""));
    match body.get("blocks") {
        Some(blocks) => stored.json["blocks"] = blocks.clone(),
        None => _ = stored.json.as_object_mut().map(|m| m.remove("blocks")),
    }
}
