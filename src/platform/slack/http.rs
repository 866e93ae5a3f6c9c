//! The Events API over HTTP: each request's Slack signature is checked before anything is parsed or stored, then events, the command and interactions are served.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use slack_morphism::prelude::*;

use super::answer;
use super::runtime::{self, Shared};
use super::signature;
use crate::config::Secret;

/// Slack's payloads are small; anything larger is refused before it is read whole.
const BODY_LIMIT: usize = 1 << 20;

#[derive(Clone)]
struct Http {
    shared: Arc<Shared>,
    secret: Arc<Secret>,
}

/// The routes Slack is configured to call: `/slack/events` (Event Subscriptions),
/// `/slack/commands` (the slash command), `/slack/interactions` (Interactivity); all signed.
/// Slack's `ssl_check` is answered on every route. They are mounted on the process's HTTP
/// server (`crate::ops::server`), which also serves `GET /healthz` for load balancers.
pub fn router(shared: Arc<Shared>, secret: Secret) -> Router {
    let state = Http { shared, secret: Arc::new(secret) };
    Router::new()
        .route("/slack/events", post(events))
        .route("/slack/commands", post(commands))
        .route("/slack/interactions", post(interactions))
        .layer(middleware::from_fn_with_state(state.clone(), verify))
        .with_state(state)
}

/// The form field of Slack's certificate check, as Slack sends it (unencoded).
const SSL_CHECK: &[u8] = b"ssl_check=";

/// Slack's certificate check: a form POST of `token=…&ssl_check=1` to a request URL, which wants a
/// 200 with an empty body. It carries no event and is answered before the signature check, as
/// Slack's Bolt frameworks do, so a check sent without a signature is not logged as an attack.
fn is_ssl_check(body: &[u8]) -> bool {
    // Only a body that names the field is decoded: every request comes through here.
    !body.starts_with(b"{")
        && body.windows(SSL_CHECK.len()).any(|w| w == SSL_CHECK)
        && serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
            .is_ok_and(|form| form.iter().any(|(key, value)| key == "ssl_check" && value == "1"))
}

/// Refuses unsigned, tampered and stale requests with 401, logging why but never the body.
async fn verify(State(http): State<Http>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, BODY_LIMIT).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    if is_ssl_check(&bytes) {
        return StatusCode::OK.into_response();
    }
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    let checked = signature::verify(
        http.secret.expose(),
        header("x-slack-request-timestamp"),
        header("x-slack-signature"),
        &bytes,
        now,
    );
    if let Err(e) = checked {
        tracing::warn!(path = %parts.uri.path(), reason = %e, "Slack request refused");
        return (StatusCode::UNAUTHORIZED, "invalid signature").into_response();
    }
    if let Some(retry) = header("x-slack-retry-num") {
        tracing::debug!(retry, reason = header("x-slack-retry-reason"), "Slack redelivery");
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

async fn events(State(http): State<Http>, body: Bytes) -> Response {
    match serde_json::from_slice::<SlackPushEvent>(&body) {
        Ok(SlackPushEvent::UrlVerification(v)) => {
            axum::Json(serde_json::json!({ "challenge": v.challenge })).into_response()
        }
        Ok(SlackPushEvent::EventCallback(event)) => match runtime::push(&http.shared, event).await {
            Ok(()) => StatusCode::OK.into_response(),
            // Slack delivers it again (with X-Slack-Retry-Num), up to three times.
            Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
        },
        Ok(SlackPushEvent::AppRateLimited(_)) => StatusCode::OK.into_response(),
        Err(e) => bad_request("event", &e),
    }
}

async fn commands(State(http): State<Http>, body: Bytes) -> Response {
    match serde_urlencoded::from_bytes::<SlackCommandEvent>(&body) {
        Ok(event) => axum::Json(answer::command(&http.shared, event).await).into_response(),
        Err(e) => bad_request("command", &e),
    }
}

#[derive(serde::Deserialize)]
struct InteractionForm {
    payload: String,
}

async fn interactions(State(http): State<Http>, body: Bytes) -> Response {
    let parsed =
        serde_urlencoded::from_bytes::<InteractionForm>(&body).map_err(|e| e.to_string()).and_then(|form| {
            serde_json::from_str::<SlackInteractionEvent>(&form.payload).map_err(|e| e.to_string())
        });
    match parsed {
        Ok(event) => match runtime::take_interaction(&http.shared, event) {
            Ok(()) => StatusCode::OK.into_response(),
            Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
        },
        Err(e) => bad_request("interaction", &e),
    }
}

fn bad_request(what: &str, error: &dyn std::fmt::Display) -> Response {
    tracing::warn!(%error, "a signed Slack {what} that does not parse");
    StatusCode::BAD_REQUEST.into_response()
}
