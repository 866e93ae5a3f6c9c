//! HTTP (Events API) mode: signed POSTs to the bot's request urls, retry headers, raw posts.

use std::sync::Arc;
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use super::state::{HttpTarget, Kind, Shared, unix_now};
use super::{FakeSlack, SIGNING_SECRET, deliver};

/// Slack gives up on a request url after 3 seconds (and retries events later).
const DEADLINE: Duration = Duration::from_secs(3);

/// `v0=` + hex(HMAC-SHA256(secret, "v0:{timestamp}:{body}")), Slack's request signature.
pub(super) fn signature(timestamp: i64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SIGNING_SECRET.as_bytes()).expect("any key length");
    mac.update(format!("v0:{timestamp}:{body}").as_bytes());
    format!("v0={}", hex::encode(mac.finalize().into_bytes()))
}

/// Events go as JSON; commands as a form; interactions as a form with one `payload` field.
fn body_of(kind: Kind, payload: &Value) -> (String, &'static str) {
    const FORM: &str = "application/x-www-form-urlencoded";
    match kind {
        Kind::Event => (payload.to_string(), "application/json"),
        Kind::Command => {
            let mut form = url::form_urlencoded::Serializer::new(String::new());
            for (k, v) in payload.as_object().into_iter().flatten() {
                form.append_pair(k, v.as_str().map_or_else(|| v.to_string(), str::to_owned).as_str());
            }
            (form.finish(), FORM)
        }
        Kind::Interactive => {
            let form = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("payload", &payload.to_string())
                .finish();
            (form, FORM)
        }
    }
}

/// POSTs one delivery in the background (Slack does not wait on the user), then records
/// `{status, body, after_ms, retry_num, instance}` as its ack (`instance`: which of the balanced
/// urls took it); a timeout records status 0.
pub(super) fn post_delivery(
    shared: &Arc<Shared>,
    (instance, target): (usize, &HttpTarget),
    id: &str,
    kind: Kind,
    payload: &Value,
    retry: u32,
) {
    let url = match kind {
        Kind::Event => target.events.clone(),
        Kind::Command => target.commands.clone(),
        Kind::Interactive => target.interactions.clone(),
    };
    let (body, content_type) = body_of(kind, payload);
    let mut headers = signed_headers(&body, content_type);
    if retry > 0 && kind == Kind::Event {
        headers.push(("X-Slack-Retry-Num".into(), retry.to_string()));
        headers.push(("X-Slack-Retry-Reason".into(), "http_timeout".into()));
    }
    let (shared, id) = (Arc::clone(shared), id.to_string());
    tokio::spawn(async move {
        let started = Instant::now();
        let (status, text) = post(&shared.http_client, &url, body, headers).await;
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        let answer = json!({
            "status": status, "body": body, "after_ms": started.elapsed().as_millis() as u64,
            "retry_num": retry, "instance": instance,
        });
        deliver::on_http_answer(&mut shared.lock(), &id, answer);
    });
}

fn signed_headers(body: &str, content_type: &str) -> Vec<(String, String)> {
    let timestamp = unix_now();
    vec![
        ("Content-Type".into(), content_type.into()),
        ("X-Slack-Request-Timestamp".into(), timestamp.to_string()),
        ("X-Slack-Signature".into(), signature(timestamp, body)),
    ]
}

/// One POST with Slack's deadline: (status, body), or (0, "timeout: …") when it never answered.
async fn post(
    client: &reqwest::Client,
    url: &str,
    body: String,
    headers: Vec<(String, String)>,
) -> (u16, String) {
    let mut request = client.post(url).timeout(DEADLINE).body(body);
    for (name, value) in headers {
        request = request.header(name, value);
    }
    match request.send().await {
        Ok(response) => {
            let status = response.status().as_u16();
            (status, response.text().await.unwrap_or_default())
        }
        Err(err) => (0, format!("{}: {err}", if err.is_timeout() { "timeout" } else { "error" })),
    }
}

fn join(base: &str, path: &str) -> String {
    if path.starts_with("http://") || path.starts_with("https://") {
        return path.to_string();
    }
    format!("{}/{}", base.trim_end_matches('/'), path.trim_start_matches('/'))
}

impl FakeSlack {
    /// HTTP mode: events go to `{bot_url}/events`, commands to `{bot_url}/commands`,
    /// interactions to `{bot_url}/interactions`, each signed with SIGNING_SECRET.
    pub fn use_http(&self, bot_url: &str) {
        self.shared.lock().bot_url = bot_url.to_string();
        self.use_http_paths("/events", "/commands", "/interactions");
    }

    /// The three request urls, each a path under the `use_http` url or a full url.
    pub fn use_http_paths(&self, events: &str, commands: &str, interactions: &str) {
        let mut data = self.shared.lock();
        let base = data.bot_url.clone();
        data.http = Some(HttpTarget {
            events: join(&base, events),
            commands: join(&base, commands),
            interactions: join(&base, interactions),
        });
    }

    /// HTTP mode behind a load balancer: each delivery (a retry too) goes to the next of
    /// `bot_urls` in turn, as to several instances behind one request url.
    pub fn use_http_balanced(&self, bot_urls: &[String]) {
        let mut data = self.shared.lock();
        data.bot_url = bot_urls.first().cloned().unwrap_or_default();
        data.balanced = bot_urls
            .iter()
            .map(|base| HttpTarget {
                events: join(base, "/events"),
                commands: join(base, "/commands"),
                interactions: join(base, "/interactions"),
            })
            .collect();
        data.http = data.balanced.first().cloned();
    }

    /// Back to Socket Mode for later deliveries.
    pub fn use_socket_mode(&self) {
        let mut data = self.shared.lock();
        data.http = None;
        data.balanced.clear();
    }

    /// POSTs `body` to `path` (under the `use_http` url, or a full url) with exactly `headers`
    /// (a Content-Type is guessed when missing): for unsigned, tampered and stale requests.
    pub async fn post_raw(
        &self,
        path: &str,
        body: &str,
        mut headers: Vec<(String, String)>,
    ) -> (u16, String) {
        let base = self.shared.lock().bot_url.clone();
        if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("content-type")) {
            let json = body.trim_start().starts_with('{');
            let guessed = if json { "application/json" } else { "application/x-www-form-urlencoded" };
            headers.push(("Content-Type".into(), guessed.into()));
        }
        post(&self.shared.http_client, &join(&base, path), body.to_string(), headers).await
    }

    /// Slack's signature of `body` at `timestamp`: "v0=…".
    pub fn sign(&self, timestamp: i64, body: &str) -> String {
        signature(timestamp, body)
    }

    /// The url_verification handshake Slack does when a request url is saved: (status, body).
    pub async fn url_verification(&self, challenge: &str) -> (u16, String) {
        let body = json!({"token": super::state::VERIFICATION_TOKEN, "challenge": challenge, "type": "url_verification"}).to_string();
        let url = self.shared.lock().http.as_ref().map(|t| t.events.clone()).unwrap_or_default();
        let headers = signed_headers(&body, "application/json");
        post(&self.shared.http_client, &url, body, headers).await
    }
}
