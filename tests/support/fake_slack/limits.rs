//! Web API rate limits as Slack applies them: chat.postMessage per channel, optional per-method
//! tiers (reactions.add, conversations.history), forced 429s, and the Retry-After blocks a client
//! must wait out.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use super::FakeSlack;

struct Forced {
    left: usize,
    retry_after: u64,
}

pub(super) struct Limits {
    pub per_channel: (u32, Duration),
    /// Method → (limit, window, calls in the window); none by default. Slack's tiers count per
    /// workspace: Tier 3 (reactions.add) about 50 a minute, and conversations.history 1 a minute
    /// for non-Marketplace apps since 2025.
    tiers: HashMap<String, (u32, Duration, VecDeque<Instant>)>,
    posts: HashMap<String, VecDeque<Instant>>,
    /// Scope (`method` or `method:channel`) → blocked until, set by each 429.
    blocks: HashMap<String, Instant>,
    forced: Option<Forced>,
    pub rate_limited: usize,
    pub over_limit: usize,
}

impl Default for Limits {
    /// Slack's documented pace for chat.postMessage: about one message per second per channel.
    fn default() -> Limits {
        Limits {
            per_channel: (1, Duration::from_secs(1)),
            tiers: HashMap::new(),
            posts: HashMap::new(),
            blocks: HashMap::new(),
            forced: None,
            rate_limited: 0,
            over_limit: 0,
        }
    }
}

impl Limits {
    /// Admits a Web API call or answers the Retry-After (whole seconds) of its 429.
    pub fn admit(&mut self, method: &str, channel: Option<&str>, now: Instant) -> Result<(), u64> {
        let channel_scope = channel.map(|c| format!("{method}:{c}"));
        let scopes = [Some(method.to_string()), channel_scope.clone()];
        for scope in scopes.iter().flatten() {
            if let Some(until) = self.blocks.get(scope).filter(|until| **until > now) {
                let wait = (*until - now).as_secs_f64().ceil().max(1.0) as u64;
                self.over_limit += 1;
                self.rate_limited += 1;
                return Err(wait);
            }
        }
        if let Some(forced) = self.forced.as_mut().filter(|f| f.left > 0) {
            forced.left -= 1;
            let retry_after = forced.retry_after;
            return Err(self.reject(method.to_string(), now, retry_after));
        }
        if let (Some(scope), Some(c)) = (&channel_scope, channel)
            && method == "chat.postMessage"
        {
            let (limit, per) = self.per_channel;
            let log = self.posts.entry(c.to_string()).or_default();
            if let Some(wait) = full(log, limit, per, now) {
                return Err(self.reject(scope.clone(), now, secs(wait)));
            }
            log.push_back(now);
        }
        if let Some((limit, per, log)) = self.tiers.get_mut(method) {
            if let Some(wait) = full(log, *limit, *per, now) {
                return Err(self.reject(method.to_string(), now, secs(wait)));
            }
            log.push_back(now);
        }
        Ok(())
    }

    fn reject(&mut self, scope: String, now: Instant, retry_after: u64) -> u64 {
        self.blocks.insert(scope, now + Duration::from_secs(retry_after));
        self.rate_limited += 1;
        retry_after
    }
}

/// Retry-After is whole seconds; never tell a client 0.
fn secs(wait: Duration) -> u64 {
    wait.as_secs_f64().ceil().max(1.0) as u64
}

/// When `log` already holds `limit` requests within `per`, how long until a slot frees.
fn full(log: &mut VecDeque<Instant>, limit: u32, per: Duration, now: Instant) -> Option<Duration> {
    while log.front().is_some_and(|t| now.duration_since(*t) >= per) {
        log.pop_front();
    }
    if (log.len() as u32) < limit {
        return None;
    }
    let oldest = *log.front()?;
    Some(per.saturating_sub(now - oldest))
}

impl FakeSlack {
    /// chat.postMessage allowance per channel (default 1 per second).
    pub fn set_rate_limit(&self, per_channel: (u32, Duration)) {
        self.shared.lock().limits.per_channel = per_channel;
    }

    /// Limits `method` workspace-wide to `limit` calls per window (`None`, the default, leaves
    /// it unlimited), e.g. `("reactions.add", Some((50, 60 s)))` for Tier 3.
    pub fn set_method_limit(&self, method: &str, limit: Option<(u32, Duration)>) {
        let tiers = &mut self.shared.lock().limits.tiers;
        match limit {
            Some((n, per)) => _ = tiers.insert(method.to_string(), (n, per, VecDeque::new())),
            None => _ = tiers.remove(method),
        }
    }

    /// The next `n` Web API calls get 429 with this Retry-After; each blocks its method for as long.
    pub fn force_429(&self, n: usize, retry_after_secs: u64) {
        self.shared.lock().limits.forced = Some(Forced { left: n, retry_after: retry_after_secs });
    }

    /// How many 429s the fake sent.
    pub fn rate_limited(&self) -> usize {
        self.shared.lock().limits.rate_limited
    }

    /// Calls that arrived while an earlier 429 for their method (or channel) was still in force.
    pub fn over_limit_after_429(&self) -> usize {
        self.shared.lock().limits.over_limit
    }
}
