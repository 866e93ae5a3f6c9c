//! Discord REST: serenity's routes and proxy rewriting, with the status, error code and `retry_after` that serenity's own error type drops.
//!
//! serenity's `Http::request` turns a 429 into an error without the body's `retry_after` or the
//! `X-RateLimit-Global` header, and its limiter must stay off behind a proxy (PLATFORMS.md). So
//! every call builds a serenity `Request` (same routes, same `rest_proxy` rewriting) and runs it
//! here, where the answer is read in full: the pacer is told exactly how long to wait.

use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use serenity::builder::CreateAttachment;
use serenity::http::{LightMethod, Multipart, MultipartUpload, Request, Route};

use crate::coach::{Attachment, DeliveryError};
use crate::config::Secret;

/// The fallback wait when a 429 carries no readable `retry_after`.
const DEFAULT_RETRY: Duration = Duration::from_secs(1);
const TIMEOUT: Duration = Duration::from_secs(15);
const DESCRIPTION_MAX: usize = 1024;
/// The largest file a bot may upload to a server without boosts (10 MiB).
pub const FILE_MAX: usize = 10 * 1024 * 1024;

pub struct Rest {
    client: reqwest::Client,
    /// `Bot <token>`, the Authorization header.
    auth: Secret,
    proxy: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum RestError {
    #[error("Discord answered {status}: {message} (code {code})")]
    Status { status: u16, code: i64, message: String },
    #[error("Discord rate limited the bot for {retry_after:?}")]
    RateLimited { retry_after: Duration, global: bool },
    #[error("cannot reach Discord: {0}")]
    Network(String),
    #[error("unexpected answer from Discord: {0}")]
    Decode(String),
}

impl RestError {
    pub fn status(&self) -> Option<u16> {
        match self {
            RestError::Status { status, .. } => Some(*status),
            RestError::RateLimited { .. } => Some(429),
            _ => None,
        }
    }
}

impl From<RestError> for DeliveryError {
    fn from(e: RestError) -> DeliveryError {
        match e {
            RestError::RateLimited { retry_after, global } => {
                DeliveryError::RateLimited { retry_after, global }
            }
            // Missing access, unknown channel, a bad token, a body Discord refuses: retrying the
            // same request cannot succeed; the cohort is flagged and its admin told.
            RestError::Status { status, .. } if (400..500).contains(&status) => {
                DeliveryError::Permanent(e.to_string())
            }
            other => DeliveryError::Temporary(other.to_string()),
        }
    }
}

#[derive(serde::Deserialize)]
struct ErrorBody {
    #[serde(default)]
    code: i64,
    #[serde(default)]
    message: String,
    retry_after: Option<f64>,
    #[serde(default)]
    global: bool,
}

impl Rest {
    pub fn new(token: &str, proxy: Option<&str>) -> anyhow::Result<Rest> {
        let client = reqwest::Client::builder().timeout(TIMEOUT).build()?;
        let auth = Secret::new(format!("Bot {}", token.trim()));
        Ok(Rest { client, auth, proxy: proxy.map(str::to_string) })
    }

    /// Runs one request and decodes its JSON answer.
    pub async fn call<T: DeserializeOwned>(
        &self,
        route: Route<'_>,
        method: LightMethod,
        body: Option<&(impl Serialize + ?Sized)>,
        params: Vec<(&'static str, String)>,
    ) -> Result<T, RestError> {
        let response = self.send(Request::new(route, method).body(json_body(body)?), params).await?;
        let bytes = response.bytes().await.map_err(|e| RestError::Network(e.without_url().to_string()))?;
        serde_json::from_slice(&bytes).map_err(|e| RestError::Decode(e.to_string()))
    }

    /// Runs one request whose answer carries nothing needed (204, or a body ignored).
    pub async fn call_empty(
        &self,
        route: Route<'_>,
        method: LightMethod,
        body: Option<&(impl Serialize + ?Sized)>,
    ) -> Result<(), RestError> {
        self.send(Request::new(route, method).body(json_body(body)?), Vec::new()).await.map(drop)
    }

    /// Runs one request that uploads `file` with the message `body` (Discord's "uploading
    /// files"): multipart/form-data with the JSON as `payload_json` and the file as `files[0]`,
    /// described in the body's `attachments` (under `under`, e.g. `data` for an interaction
    /// callback). Decodes the JSON answer, `Value::Null` when there is none (204).
    pub async fn upload(
        &self,
        route: Route<'_>,
        method: LightMethod,
        body: &(impl Serialize + ?Sized),
        file: &Attachment,
        under: Option<&str>,
    ) -> Result<Value, RestError> {
        let mut payload = serde_json::to_value(body).map_err(|e| RestError::Decode(e.to_string()))?;
        let message = match under {
            Some(key) => &mut payload[key],
            None => &mut payload,
        };
        message["attachments"] =
            json!([{"id": "0", "filename": file.name, "description": describe(&file.description)}]);
        let multipart = Multipart {
            upload: MultipartUpload::Attachments(vec![CreateAttachment::bytes(
                file.bytes.clone(),
                &file.name,
            )]),
            fields: Vec::new(),
            payload_json: Some(payload.to_string()),
        };
        let response = self.send(Request::new(route, method).multipart(Some(multipart)), Vec::new()).await?;
        let bytes = response.bytes().await.map_err(|e| RestError::Network(e.without_url().to_string()))?;
        if bytes.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&bytes).map_err(|e| RestError::Decode(e.to_string()))
    }

    /// [`Rest::upload`] when there is a file, else [`Rest::call_empty`].
    pub async fn call_maybe_upload(
        &self,
        route: Route<'_>,
        method: LightMethod,
        body: &(impl Serialize + ?Sized),
        file: Option<&Attachment>,
        under: Option<&str>,
    ) -> Result<(), RestError> {
        match file {
            Some(file) => self.upload(route, method, body, file, under).await.map(drop),
            None => self.call_empty(route, method, Some(body)).await,
        }
    }

    async fn send(
        &self,
        request: Request<'_>,
        params: Vec<(&'static str, String)>,
    ) -> Result<reqwest::Response, RestError> {
        let params = (!params.is_empty()).then_some(params);
        let request = request.params(params);
        let builder = request
            .build(&self.client, self.auth.expose(), self.proxy.as_deref())
            .map_err(|e| RestError::Network(e.to_string()))?;
        // Interaction and webhook tokens travel in the path: errors are reported without the URL.
        let response = builder.send().await.map_err(|e| RestError::Network(e.without_url().to_string()))?;
        if response.status().is_success() {
            return Ok(response);
        }
        Err(read_error(response).await)
    }
}

/// A request's JSON body, if it has one.
fn json_body(body: Option<&(impl Serialize + ?Sized)>) -> Result<Option<Vec<u8>>, RestError> {
    body.map(serde_json::to_vec).transpose().map_err(|e| RestError::Decode(e.to_string()))
}

/// Discord keeps an attachment description of at most 1,024 characters.
fn describe(text: &str) -> String {
    text.chars().take(DESCRIPTION_MAX).collect()
}

async fn read_error(response: reqwest::Response) -> RestError {
    let status = response.status().as_u16();
    let global_header = response.headers().get("x-ratelimit-global").is_some();
    let header_retry = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<f64>().ok());
    let body: Option<ErrorBody> = response.bytes().await.ok().and_then(|b| serde_json::from_slice(&b).ok());
    if status == 429 {
        let seconds = body.as_ref().and_then(|b| b.retry_after).or(header_retry);
        let retry_after = seconds
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map_or(DEFAULT_RETRY, |s| Duration::from_secs_f64(s.min(3600.0)));
        let global = global_header || body.as_ref().is_some_and(|b| b.global);
        return RestError::RateLimited { retry_after, global };
    }
    let (code, message) = body.map_or((0, String::new()), |b| (b.code, b.message));
    RestError::Status { status, code, message }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_errors_are_permanent_and_the_rest_temporary() {
        let status = |status| RestError::Status { status, code: 50001, message: "Missing Access".into() };
        assert!(
            matches!(DeliveryError::from(status(403)), DeliveryError::Permanent(m) if m.contains("Missing Access"))
        );
        assert!(matches!(DeliveryError::from(status(404)), DeliveryError::Permanent(_)));
        assert!(matches!(DeliveryError::from(status(502)), DeliveryError::Temporary(_)));
        assert!(matches!(
            DeliveryError::from(RestError::Network("reset".into())),
            DeliveryError::Temporary(_)
        ));
        let limited = RestError::RateLimited { retry_after: Duration::from_millis(800), global: true };
        assert!(matches!(
            DeliveryError::from(limited),
            DeliveryError::RateLimited { retry_after, global: true } if retry_after == Duration::from_millis(800)
        ));
    }
}
