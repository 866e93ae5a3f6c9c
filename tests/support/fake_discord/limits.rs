//! Rate limits as Discord applies them: a global per-second limit, per-channel message buckets,
//! 429 blocks that a well-behaved client waits out, and the X-RateLimit-* headers.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use super::FakeDiscord;
use super::payloads;

const GLOBAL_SCOPE: &str = "global";

/// How one request is limited.
pub(super) struct Scope {
    /// Interaction callbacks and webhooks are not bound to the global limit.
    pub exempt: bool,
    /// The route with ids replaced, e.g. `POST /channels/{}/messages`.
    pub route: String,
    /// The top-level resource id (channel, guild, webhook) that splits the bucket.
    pub major: String,
    /// The per-bucket limit, when the fake enforces one for this route.
    pub limit: Option<(u32, Duration)>,
}

impl Scope {
    fn key(&self) -> String {
        format!("{}:{}", self.route, self.major)
    }

    /// Discord's bucket ids are opaque hashes of the route, without the top-level resource.
    fn bucket_hash(&self) -> String {
        format!("{:016x}", fnv1a(self.route.as_bytes()))
    }
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3))
}

struct Forced {
    left: usize,
    retry_after: f64,
    global: bool,
}

/// A 429 to send: status, body and headers.
pub(super) struct Rejection {
    pub body: Value,
    pub headers: Vec<(String, String)>,
}

pub(super) struct Limits {
    pub global_per_sec: u32,
    pub per_channel: (u32, Duration),
    global_log: VecDeque<Instant>,
    buckets: HashMap<String, VecDeque<Instant>>,
    /// Scope key (or `global`) → blocked until, set by each 429.
    blocks: HashMap<String, Instant>,
    forced: Option<Forced>,
    pub rate_limited: usize,
    pub over_limit: usize,
}

impl Default for Limits {
    /// Discord's documented numbers: 50 requests/s globally, 5 messages per 5 s per channel.
    fn default() -> Limits {
        Limits {
            global_per_sec: 50,
            per_channel: (5, Duration::from_secs(5)),
            global_log: VecDeque::new(),
            buckets: HashMap::new(),
            blocks: HashMap::new(),
            forced: None,
            rate_limited: 0,
            over_limit: 0,
        }
    }
}

impl Limits {
    /// Admits a request (returning the headers for its answer) or rejects it with a 429.
    pub fn admit(&mut self, scope: &Scope, now: Instant) -> Result<Vec<(String, String)>, Rejection> {
        if scope.exempt {
            self.buckets.entry(scope.key()).or_default().push_back(now);
            return Ok(self.headers(scope, now));
        }
        if let Some(rejection) = self.blocked(scope, now) {
            self.over_limit += 1;
            return Err(rejection);
        }
        if let Some(forced) = self.forced.as_mut().filter(|f| f.left > 0) {
            forced.left -= 1;
            let (retry_after, global) = (forced.retry_after, forced.global);
            return Err(self.reject(scope, now, retry_after, global));
        }
        let second = Duration::from_secs(1);
        if let Some(wait) = full(&mut self.global_log, self.global_per_sec, second, now) {
            return Err(self.reject(scope, now, wait.as_secs_f64(), true));
        }
        if let Some((limit, per)) = scope.limit {
            let log = self.buckets.entry(scope.key()).or_default();
            if let Some(wait) = full(log, limit, per, now) {
                return Err(self.reject(scope, now, wait.as_secs_f64(), false));
            }
        }
        self.global_log.push_back(now);
        self.buckets.entry(scope.key()).or_default().push_back(now);
        Ok(self.headers(scope, now))
    }

    /// A request that arrives while an earlier 429 for its scope is still in force.
    fn blocked(&mut self, scope: &Scope, now: Instant) -> Option<Rejection> {
        for (key, global) in [(GLOBAL_SCOPE.to_string(), true), (scope.key(), false)] {
            if let Some(until) = self.blocks.get(&key).filter(|until| **until > now) {
                let wait = (*until - now).as_secs_f64();
                self.rate_limited += 1;
                return Some(self.rejection(scope, now, wait, global));
            }
        }
        None
    }

    fn reject(&mut self, scope: &Scope, now: Instant, retry_after: f64, global: bool) -> Rejection {
        let retry_after = (retry_after * 1000.0).ceil() / 1000.0;
        let key = if global { GLOBAL_SCOPE.to_string() } else { scope.key() };
        self.blocks.insert(key, now + Duration::from_secs_f64(retry_after));
        self.rate_limited += 1;
        self.rejection(scope, now, retry_after, global)
    }

    fn rejection(&mut self, scope: &Scope, now: Instant, retry_after: f64, global: bool) -> Rejection {
        let mut headers = self.headers(scope, now);
        headers.push(("Retry-After".into(), format!("{}", retry_after.ceil() as u64)));
        headers.push(("X-RateLimit-Scope".into(), if global { "global" } else { "user" }.into()));
        if global {
            headers.push(("X-RateLimit-Global".into(), "true".into()));
        } else {
            set(&mut headers, "X-RateLimit-Remaining", "0".into());
            set(&mut headers, "X-RateLimit-Reset-After", format!("{retry_after:.3}"));
            set(&mut headers, "X-RateLimit-Reset", format!("{:.3}", epoch_secs() + retry_after));
        }
        Rejection { body: payloads::rate_limited(retry_after, global), headers }
    }

    /// X-RateLimit-* for the request's bucket; routes without an enforced limit report a
    /// one-second bucket of the global size.
    fn headers(&mut self, scope: &Scope, now: Instant) -> Vec<(String, String)> {
        let (limit, per) = scope.limit.unwrap_or((self.global_per_sec, Duration::from_secs(1)));
        let log = self.buckets.entry(scope.key()).or_default();
        prune(log, per, now);
        let reset_after = log.front().map_or(per, |first| per.saturating_sub(now - *first)).as_secs_f64();
        vec![
            ("X-RateLimit-Limit".into(), limit.to_string()),
            ("X-RateLimit-Remaining".into(), limit.saturating_sub(log.len() as u32).to_string()),
            ("X-RateLimit-Reset".into(), format!("{:.3}", epoch_secs() + reset_after)),
            ("X-RateLimit-Reset-After".into(), format!("{reset_after:.3}")),
            ("X-RateLimit-Bucket".into(), scope.bucket_hash()),
        ]
    }
}

/// When `log` already holds `limit` requests within `per`, how long until a slot frees.
fn full(log: &mut VecDeque<Instant>, limit: u32, per: Duration, now: Instant) -> Option<Duration> {
    prune(log, per, now);
    if (log.len() as u32) < limit {
        return None;
    }
    let oldest = *log.front()?;
    Some(per.saturating_sub(now - oldest).max(Duration::from_millis(1)))
}

fn prune(log: &mut VecDeque<Instant>, per: Duration, now: Instant) {
    while log.front().is_some_and(|t| now.duration_since(*t) >= per) {
        log.pop_front();
    }
}

fn set(headers: &mut [(String, String)], name: &str, value: String) {
    if let Some(h) = headers.iter_mut().find(|(n, _)| n == name) {
        h.1 = value;
    }
}

fn epoch_secs() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64())
}

impl FakeDiscord {
    /// Changes the global limit (requests per second) and the per-channel message bucket.
    pub fn set_limits(&self, global_per_sec: u32, per_channel: (u32, Duration)) {
        let mut data = self.shared.lock();
        data.limits.global_per_sec = global_per_sec;
        data.limits.per_channel = per_channel;
    }

    /// The next `n` requests bound to the global limit get a 429 with this `retry_after`.
    pub fn force_429(&self, n: usize, retry_after: f64, global: bool) {
        self.shared.lock().limits.forced = Some(Forced { left: n, retry_after, global });
    }

    /// How many 429s the fake sent.
    pub fn rate_limited(&self) -> usize {
        self.shared.lock().limits.rate_limited
    }

    /// Requests that arrived while an earlier 429 for their scope was in force.
    pub fn over_limit_after_429(&self) -> usize {
        self.shared.lock().limits.over_limit
    }
}
