//! The Web API under /api/<method>: parameters, tokens, rate limits, injected failures, recording.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::state::{Data, Recorded, Shared};
use super::{APP_TOKEN, BOT_TOKEN, methods};

/// One parsed call, as the method handlers see it.
pub(super) struct Call {
    pub method: String,
    pub params: Value,
}

impl Call {
    /// A parameter as text: form and query values are strings, JSON ones may be anything.
    pub fn str(&self, name: &str) -> Option<String> {
        match &self.params[name] {
            Value::String(s) if !s.is_empty() => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    pub fn flag(&self, name: &str) -> bool {
        matches!(&self.params[name], Value::Bool(true))
            || self.str(name).is_some_and(|v| v == "true" || v == "1")
    }

    /// A JSON-valued parameter: JSON bodies carry it as is, forms as a JSON string.
    pub fn json(&self, name: &str) -> Option<Value> {
        match &self.params[name] {
            Value::String(s) => serde_json::from_str(s).ok(),
            Value::Null => None,
            v => Some(v.clone()),
        }
    }
}

/// An answer: status, JSON body and extra headers.
pub(super) struct Reply {
    pub status: u16,
    pub body: Value,
    pub headers: Vec<(&'static str, String)>,
}

impl Reply {
    pub fn ok(mut body: Value) -> Reply {
        body["ok"] = json!(true);
        Reply { status: 200, body, headers: Vec::new() }
    }

    /// Slack answers API errors with HTTP 200 and `ok: false`.
    pub fn error(error: &str) -> Reply {
        Reply { status: 200, body: json!({"ok": false, "error": error}), headers: Vec::new() }
    }

    fn rate_limited(retry_after: u64) -> Reply {
        let body = json!({"ok": false, "error": "ratelimited"});
        Reply { status: 429, body, headers: vec![("Retry-After", retry_after.to_string())] }
    }
}

pub(super) async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    raw: Bytes,
) -> Response {
    // slack-morphism formats "{base}/{method}", so a base ending in '/' gives "/api//method".
    let api_method = uri.path().strip_prefix("/api/").map(|m| m.trim_start_matches('/').to_string());
    let Some(api_method) = api_method else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let params = parse_params(uri.query(), content_type, &raw);
    let bearer = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    let token = bearer
        .and_then(|b| b.strip_prefix("Bearer "))
        .map(str::to_owned)
        .or_else(|| params.get("token").and_then(Value::as_str).map(str::to_owned));
    let call = Call { method: api_method.clone(), params: params.clone() };
    let delay = shared.lock().delays.get(&api_method).copied();
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    let mut data = shared.lock();
    let reply = serve(&mut data, &shared, &call, token.as_deref());
    data.requests.push(Recorded {
        method: method.to_string(),
        path: uri.path().to_string(),
        api_method,
        token,
        params,
        status: reply.status,
        response: reply.body.clone(),
    });
    drop(data);
    respond(reply)
}

fn respond(reply: Reply) -> Response {
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, axum::Json(reply.body)).into_response();
    for (name, value) in reply.headers {
        if let Ok(v) = value.parse() {
            response.headers_mut().insert(name, v);
        }
    }
    response
}

/// Token first (Slack checks auth before limits), then rate limits, injected failures, the method.
fn serve(data: &mut Data, shared: &Arc<Shared>, call: &Call, token: Option<&str>) -> Reply {
    if let Err(refusal) = authorize(&call.method, token) {
        return refusal;
    }
    let channel = call.str("channel").or_else(|| call.str("channel_id"));
    if let Err(retry_after) = data.limits.admit(&call.method, channel.as_deref(), Instant::now()) {
        return Reply::rate_limited(retry_after);
    }
    let posting = matches!(
        call.method.as_str(),
        "chat.postMessage" | "chat.postEphemeral" | "chat.update" | "files.completeUploadExternal"
    );
    if let Some(error) = channel.as_ref().and_then(|c| data.failures.get(c)).filter(|_| posting) {
        return Reply::error(error);
    }
    methods::route(data, shared, call)
}

/// apps.connections.open takes the app-level token; every other method the bot token.
fn authorize(method: &str, token: Option<&str>) -> Result<(), Reply> {
    let wanted = if method == "apps.connections.open" { APP_TOKEN } else { BOT_TOKEN };
    match token {
        None | Some("") => Err(Reply::error("not_authed")),
        Some(t) if t == wanted => Ok(()),
        Some(t) if t == APP_TOKEN || t == BOT_TOKEN => Err(Reply::error("not_allowed_token_type")),
        Some(_) => Err(Reply::error("invalid_auth")),
    }
}

/// Query pairs and the body (JSON object or form) merged into one JSON object.
fn parse_params(query: Option<&str>, content_type: &str, raw: &[u8]) -> Value {
    let mut params = Map::new();
    let pairs = query.map(|q| url::form_urlencoded::parse(q.as_bytes()).into_owned().collect::<Vec<_>>());
    for (k, v) in pairs.unwrap_or_default() {
        params.insert(k, Value::String(v));
    }
    if content_type.starts_with("application/json") {
        if let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(raw) {
            params.extend(body);
        }
    } else if content_type.starts_with("application/x-www-form-urlencoded") {
        for (k, v) in url::form_urlencoded::parse(raw).into_owned() {
            params.insert(k, Value::String(v));
        }
    }
    Value::Object(params)
}
