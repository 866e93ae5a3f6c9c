//! Deliveries to the bot: envelopes over Socket Mode or signed POSTs, redelivery, and the acks.

use std::sync::Arc;
use std::time::Instant;

use serde_json::{Value, json};

use super::http;
use super::payloads;
use super::responses;
use super::state::{Data, Delivery, Kind, Shared, Source};

impl Kind {
    fn envelope_type(self) -> &'static str {
        match self {
            Kind::Event => "events_api",
            Kind::Command => "slash_commands",
            Kind::Interactive => "interactive",
        }
    }
}

/// What a new delivery is about: who, where, and (for presses) which message.
pub(super) struct Subject {
    pub user: String,
    pub channel: String,
    pub source: Option<Source>,
}

/// Registers a delivery under `id` (the event id for events, else the envelope id) and sends it.
pub(super) fn start(
    data: &mut Data,
    shared: &Arc<Shared>,
    kind: Kind,
    id: String,
    envelope_id: String,
    payload: Value,
    subject: Subject,
) {
    data.envelopes.insert(envelope_id.clone(), id.clone());
    let delivery = Delivery {
        kind,
        envelope_id,
        payload,
        user: subject.user,
        channel: subject.channel,
        source: subject.source,
        attempts: 0,
        last_sent: Instant::now(),
        acks: Vec::new(),
        connections: Vec::new(),
        responses: Vec::new(),
    };
    data.deliveries.insert(id.clone(), delivery);
    send(data, shared, &id);
}

/// Wraps an event in its callback and delivers it; returns the event id.
pub(super) fn send_event(
    data: &mut Data,
    shared: &Arc<Shared>,
    event: Value,
    user: &str,
    channel: &str,
) -> String {
    let event_id = data.event_id();
    let envelope_id = data.envelope_id();
    let payload = payloads::event_callback(event, &event_id);
    let subject = Subject { user: user.to_string(), channel: channel.to_string(), source: None };
    start(data, shared, Kind::Event, event_id.clone(), envelope_id, payload, subject);
    event_id
}

/// Sends a delivery (again): over HTTP when `use_http` was called, else as a Socket Mode envelope.
pub(super) fn send(data: &mut Data, shared: &Arc<Shared>, id: &str) {
    let http_target = data.next_http_target();
    let Some(first) = data.deliveries.get(id).map(|d| (d.attempts == 0).then(|| d.envelope_id.clone()))
    else {
        return;
    };
    // A redelivery is a new envelope: only the event_id (or a command's trigger_id) repeats.
    let envelope_id = first.unwrap_or_else(|| data.envelope_id());
    data.envelopes.insert(envelope_id.clone(), id.to_string());
    let delivery = data.deliveries.get_mut(id).expect("checked above");
    delivery.attempts += 1;
    delivery.last_sent = Instant::now();
    let retry = delivery.attempts - 1;
    match http_target {
        Some((instance, target)) => {
            http::post_delivery(shared, (instance, &target), id, delivery.kind, &delivery.payload, retry)
        }
        None => {
            let mut envelope = json!({
                "envelope_id": envelope_id,
                "type": delivery.kind.envelope_type(),
                // Only slash commands take their answer in the ack; block_actions do not.
                "accepts_response_payload": delivery.kind == Kind::Command,
                "payload": delivery.payload,
            });
            if delivery.kind == Kind::Event {
                envelope["retry_attempt"] = json!(retry);
                envelope["retry_reason"] = json!(if retry > 0 { "timeout" } else { "" });
            }
            let connection = data.socket.send(envelope.to_string());
            if let Some(delivery) = data.deliveries.get_mut(id) {
                delivery.connections.push(connection);
            }
        }
    }
}

/// A frame from the bot over Socket Mode: an ack `{envelope_id, payload?}`. A slash command's ack
/// payload is its answer, checked and shown like a response_url post (ephemeral unless `in_channel`).
pub(super) fn on_ack(data: &mut Data, frame: Value, connection: u64) {
    data.socket.frames.push(frame.clone());
    let Some(id) = frame["envelope_id"].as_str().and_then(|e| data.envelopes.get(e)).cloned() else {
        return;
    };
    let Some(delivery) = data.deliveries.get_mut(&id) else {
        return;
    };
    let mut ack = frame.clone();
    ack["after_ms"] = json!(delivery.last_sent.elapsed().as_millis() as u64);
    ack["attempt"] = json!(delivery.attempts);
    ack["connection"] = json!(connection);
    delivery.acks.push(ack);
    if delivery.kind == Kind::Command
        && let Some(payload) = frame.get("payload").filter(|p| has_content(p))
    {
        show_ack(data, &id, payload.clone());
    }
}

/// Shows a command's ack payload, or records on the ack why Slack would refuse it.
fn show_ack(data: &mut Data, id: &str, payload: Value) {
    match responses::checked(data, payload) {
        Ok(payload) => responses::apply(data, id, &payload, "ack"),
        Err((_, error)) => {
            let ack = data.deliveries.get_mut(id).and_then(|d| d.acks.last_mut());
            ack.into_iter().for_each(|ack| ack["refused"] = error.clone());
        }
    }
}

/// An answer worth showing: it has text or blocks (slack-morphism always sends a payload, often `{}`).
pub(super) fn has_content(payload: &Value) -> bool {
    payload.get("text").is_some_and(|t| t.as_str().is_some_and(|t| !t.is_empty()))
        || payload.get("blocks").is_some_and(|b| b.as_array().is_some_and(|b| !b.is_empty()))
}

/// Records what the bot answered to an HTTP delivery; a command's JSON answer is shown.
pub(super) fn on_http_answer(data: &mut Data, id: &str, answer: Value) {
    let Some(delivery) = data.deliveries.get_mut(id) else {
        return;
    };
    delivery.acks.push(answer.clone());
    if delivery.kind == Kind::Command && answer["status"] == 200 && has_content(&answer["body"]) {
        show_ack(data, id, answer["body"].clone());
    }
}
