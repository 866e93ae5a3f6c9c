//! The REST API under /api/v10: authorization, recording, rate limits, failure injection, routing.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::limits::Scope;
use super::multipart::{self, Upload};
use super::state::{BOT_ID, Data, Recorded, Shared};
use super::{BOT_TOKEN, interactions, messages, payloads, validate};

/// One parsed request, as the route handlers see it.
pub(super) struct Req {
    pub method: Method,
    /// Path segments after `/api/v10/`, percent-decoded (emoji arrive encoded).
    pub segs: Vec<String>,
    pub query: Vec<(String, String)>,
    pub body: Value,
    pub uploads: Vec<Upload>,
    pub ws_url: String,
    pub now: Instant,
}

impl Req {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// A status and an optional JSON body.
pub(super) struct Reply {
    pub status: u16,
    pub body: Option<Value>,
}

impl Reply {
    pub fn json(body: Value) -> Reply {
        Reply { status: 200, body: Some(body) }
    }

    pub fn no_content() -> Reply {
        Reply { status: 204, body: None }
    }

    pub fn error(status: u16, message: &str, code: u64) -> Reply {
        Reply { status, body: Some(payloads::error(message, code)) }
    }

    pub fn not_found() -> Reply {
        Reply::error(404, "404: Not Found", 0)
    }

    /// 400 "Invalid Form Body" with one error at `field`.
    pub fn invalid_field(field: &str, code: &str, message: &str) -> Reply {
        Reply::invalid_form(json!({field: {"_errors": [{"code": code, "message": message}]}}))
    }

    /// 400 "Invalid Form Body" with Discord's nested error tree.
    pub fn invalid_form(errors: Value) -> Reply {
        Reply {
            status: 400,
            body: Some(json!({"code": 50035, "message": "Invalid Form Body", "errors": errors})),
        }
    }
}

pub(super) async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    raw: Bytes,
) -> Response {
    let auth = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    let authorized = auth == Some(format!("Bot {BOT_TOKEN}").as_str());
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let (body, uploads) = multipart::parse(content_type, &raw);
    let query = uri.query().map(str::to_owned);
    let req = Req {
        method: method.clone(),
        segs: api_segments(uri.path()).unwrap_or_default(),
        query: query.as_deref().map(parse_query).unwrap_or_default(),
        body: body.clone(),
        uploads: uploads.clone(),
        ws_url: shared.ws_url(),
        now: Instant::now(),
    };
    // GET /gateway is the one route Discord serves without a token.
    let open = method == Method::GET && uri.path() == "/api/v10/gateway";
    let mut data = shared.lock();
    let (reply, extra) = if !authorized && !open {
        (Reply::error(401, "401: Unauthorized", 0), Vec::new())
    } else if uri.path().starts_with("/api/v10/") {
        serve(&mut data, &req)
    } else {
        (Reply::not_found(), Vec::new())
    };
    let (method, path) = (method.to_string(), uri.path().to_string());
    let status = reply.status;
    data.requests.push(Recorded { method, path, query, authorized, body, files: uploads, status });
    drop(data);
    respond(reply, extra)
}

fn respond(reply: Reply, headers: Vec<(String, String)>) -> Response {
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = match reply.body {
        Some(body) => (status, axum::Json(body)).into_response(),
        None => status.into_response(),
    };
    for (name, value) in headers {
        if let (Ok(n), Ok(v)) = (HeaderName::try_from(name), HeaderValue::try_from(value)) {
            response.headers_mut().insert(n, v);
        }
    }
    response
}

/// Rate limits first (as Discord), then injected failures, then uploads' rules, then the route.
fn serve(data: &mut Data, req: &Req) -> (Reply, Vec<(String, String)>) {
    let scope = scope_of(req, data.limits.per_channel);
    let headers = match data.limits.admit(&scope, req.now) {
        Ok(headers) => headers,
        Err(rejection) => return (Reply { status: 429, body: Some(rejection.body) }, rejection.headers),
    };
    if let Err(refusal) = validate::uploads(req) {
        return (refusal, headers);
    }
    let failed = match req.segs.as_slice() {
        [first, channel, ..] if first == "channels" => {
            channel.parse().ok().and_then(|c| data.failures.get(&c))
        }
        _ => None,
    };
    let reply = match failed {
        Some(403) => Reply::error(403, "Missing Access", 50001),
        Some(404) => Reply::error(404, "Unknown Channel", 10003),
        Some(status) => Reply::error(*status, "Injected failure", 0),
        None => route(data, req),
    };
    (reply, headers)
}

fn route(data: &mut Data, req: &Req) -> Reply {
    let segs: Vec<&str> = req.segs.iter().map(String::as_str).collect();
    match (req.method.as_str(), segs.as_slice()) {
        ("GET", ["gateway"]) => Reply::json(json!({"url": req.ws_url})),
        ("GET", ["gateway", "bot"]) => gateway_bot(data, req),
        ("GET", ["users", "@me"]) => Reply::json(payloads::bot_user()),
        ("GET", ["oauth2", "applications", "@me"] | ["applications", "@me"]) => {
            Reply::json(payloads::application())
        }
        ("POST", ["users", "@me", "channels"]) => open_dm(data, req),
        ("GET", ["channels", c]) => {
            c.parse().ok().and_then(|c| payloads::channel(data, c)).map_or_else(unknown_channel, Reply::json)
        }
        (_, ["channels", ..]) => messages::route(data, req, &segs),
        ("GET", ["guilds", g] | ["guilds", g, "channels"]) => guild_route(data, g, segs.len() > 2),
        (_, ["interactions", ..] | ["webhooks", ..] | ["applications", ..]) => {
            interactions::route(data, req, &segs)
        }
        _ => Reply::not_found(),
    }
}

/// GET /guilds/{g} (the guild object, with its own name) or, with `channels`, GET
/// /guilds/{g}/channels, of any known guild; another id is 404 Unknown Guild.
fn guild_route(data: &Data, guild: &str, channels: bool) -> Reply {
    let known = guild.parse().ok().and_then(|g| data.guilds.get_key_value(&g));
    match known {
        None => Reply::error(404, "Unknown Guild", 10004),
        Some((id, _)) if channels => Reply::json(payloads::guild_channels(data, *id)),
        Some((id, name)) => Reply::json(payloads::guild(*id, name)),
    }
}

pub(super) fn unknown_channel() -> Reply {
    Reply::error(404, "Unknown Channel", 10003)
}

/// The recommended shard count and the session start budget (1,000 a day, each IDENTIFY counts).
fn gateway_bot(data: &Data, req: &Req) -> Reply {
    let gw = &data.gateway;
    let (remaining, reset_after) = match gw.session_budget {
        Some((remaining, reset_after)) => (remaining, reset_after),
        None => (1000usize.saturating_sub(gw.identify_count), 86_400_000),
    };
    let limit = json!({
        "total": 1000, "remaining": remaining, "reset_after": reset_after, "max_concurrency": gw.max_concurrency,
    });
    Reply::json(json!({"url": req.ws_url, "shards": gw.recommended_shards, "session_start_limit": limit}))
}

/// POST /users/@me/channels {recipient_id}: the one DM channel with that user.
fn open_dm(data: &mut Data, req: &Req) -> Reply {
    let recipient = match &req.body["recipient_id"] {
        Value::String(s) => s.parse().ok(),
        v => v.as_u64(),
    };
    let Some(user) = recipient.filter(|u| *u != BOT_ID) else {
        return Reply::invalid_field("recipient_id", "NUMBER_TYPE_COERCE", "Value is not snowflake.");
    };
    let id = data.dm_channel(user);
    Reply::json(payloads::channel(data, id).expect("just created"))
}

/// Which rate-limit bucket a request falls in; ids and tokens are the variable parts.
fn scope_of(req: &Req, per_channel: (u32, std::time::Duration)) -> Scope {
    let segs = &req.segs;
    let first = segs.first().map(String::as_str).unwrap_or("");
    let exempt = matches!(first, "interactions" | "webhooks");
    let variable = |i: usize, s: &String| s.parse::<u64>().is_ok() || (exempt && (1..=2).contains(&i));
    let template: Vec<&str> =
        segs.iter().enumerate().map(|(i, s)| if variable(i, s) { "{}" } else { s.as_str() }).collect();
    let route = format!("{} /{}", req.method, template.join("/"));
    let major = match first {
        "channels" | "guilds" => segs.get(1).cloned().unwrap_or_default(),
        "webhooks" | "interactions" => segs.iter().skip(1).take(2).cloned().collect::<Vec<_>>().join("/"),
        _ => String::new(),
    };
    let limit = (route == "POST /channels/{}/messages").then_some(per_channel);
    Scope { exempt, route, major, limit }
}

fn api_segments(path: &str) -> Option<Vec<String>> {
    let rest = path.strip_prefix("/api/v10/")?;
    Some(rest.trim_end_matches('/').split('/').map(percent_decode).collect())
}

/// serenity builds `?&limit=100&after=…`; empty pairs are skipped.
fn parse_query(query: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(query.as_bytes())
        .filter(|(k, _)| !k.is_empty())
        .map(|(k, v)| (k.into(), v.into()))
        .collect()
}

fn percent_decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex =
            bytes.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
