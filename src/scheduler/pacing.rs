//! Pacing: keeps posts within the platform rate limits and honours 429 retry_after.

mod window;

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use self::window::Window;
use crate::coach::{ChannelRef, Delivery, DeliveryError, Fence, Message, Outgoing, Target};
use crate::ops::metrics;

/// At most `count` requests in any interval of length `per`. A `count` of 0 is read as 1, so a
/// misconfigured limit slows delivery down instead of stopping it for good.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub count: u32,
    pub per: Duration,
}

impl Rate {
    pub const fn new(count: u32, per: Duration) -> Rate {
        Rate { count, per }
    }
}

/// The limits one platform enforces: across the whole bot, and per channel (a direct message's
/// user counts as a channel).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Limits {
    pub global: Option<Rate>,
    pub per_channel: Option<Rate>,
}

impl Limits {
    /// Discord: 50 requests per second per bot; message creation is 5 per 5 s per channel.
    pub fn discord() -> Limits {
        Limits {
            global: Some(Rate::new(50, Duration::from_secs(1))),
            per_channel: Some(Rate::new(5, Duration::from_secs(5))),
        }
    }

    /// Slack: `chat.postMessage` allows about 1 message per second per channel. Slack has no
    /// bot-wide limit; its method tiers count per workspace, so a global cap here would throttle a
    /// bot serving many workspaces for no reason. A workspace-wide 429 still blocks through
    /// `retry_after`.
    pub fn slack() -> Limits {
        Limits { global: None, per_channel: Some(Rate::new(1, Duration::from_secs(1))) }
    }

    /// No limits (the console).
    pub fn none() -> Limits {
        Limits { global: None, per_channel: None }
    }

    /// The limits of a platform by its name (`discord`, `slack`); anything else gets none.
    pub fn for_platform(platform: &str) -> Limits {
        match platform.to_ascii_lowercase().as_str() {
            "discord" => Limits::discord(),
            "slack" => Limits::slack(),
            _ => Limits::none(),
        }
    }

    /// The rate the pacer keeps to: the platform's, with its period stretched by 5 %, so timer
    /// jitter and requests overtaking each other on the way never add up to a 429.
    fn rate(&self, scope: &Scope) -> Option<Rate> {
        let rate = match scope {
            Scope::Global => self.global,
            Scope::Channel(_) | Scope::User { .. } => self.per_channel,
        }?;
        Some(Rate { count: rate.count, per: rate.per + rate.per / 20 })
    }

    /// How often idle windows are swept: the longest period, so nothing still in force is dropped.
    fn sweep_period(&self) -> Duration {
        let periods = [self.global, self.per_channel].into_iter().flatten().map(|rate| rate.per);
        periods.max().unwrap_or(Duration::ZERO).max(Duration::from_secs(1))
    }
}

/// Counters for tests and benchmarks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PaceStats {
    /// Requests handed to the inner delivery, retries included.
    pub requests: u64,
    /// Retries made after the platform answered 429.
    pub retried_after_429: u64,
    /// Requests given up as `Temporary` after the retry bound.
    pub gave_up: u64,
    /// Total time callers slept before their requests, summed over callers.
    pub waited: Duration,
}

/// How many times a request is retried after a 429 before it fails as `Temporary`.
pub const DEFAULT_MAX_RETRIES: u32 = 5;

/// A [`Delivery`] that waits before each request until the platform's limits allow it, and
/// retries after a 429 once its `retry_after` has passed.
///
/// Safe to share between many concurrent tasks: each caller reserves its slot under a short lock,
/// in arrival order, and sleeps outside it. A busy channel waits on its own limit without holding
/// back other channels.
pub struct Paced<D> {
    inner: D,
    limits: Limits,
    max_retries: u32,
    /// The platform label of its metrics (429s, time waited).
    platform: &'static str,
    state: Mutex<State>,
}

/// Which limit a request counts against (besides the global one).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Scope {
    Global,
    Channel(ChannelRef),
    User { platform: String, user_id: String },
}

#[derive(Debug)]
struct State {
    windows: HashMap<Scope, Window>,
    stats: PaceStats,
    next_sweep: Instant,
}

impl<D> Paced<D> {
    pub fn new(inner: D, limits: Limits) -> Paced<D> {
        let state =
            State { windows: HashMap::new(), stats: PaceStats::default(), next_sweep: Instant::now() };
        let platform = "other";
        Paced { inner, limits, max_retries: DEFAULT_MAX_RETRIES, platform, state: Mutex::new(state) }
    }

    /// Names the platform in its metrics (`discord`, `slack`, `console`); default `other`.
    pub fn on_platform(mut self, platform: &'static str) -> Paced<D> {
        self.platform = platform;
        self
    }

    /// Changes how many times a request is retried after a 429 (default [`DEFAULT_MAX_RETRIES`]).
    pub fn with_max_retries(mut self, max_retries: u32) -> Paced<D> {
        self.max_retries = max_retries;
        self
    }

    pub fn inner(&self) -> &D {
        &self.inner
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    pub fn stats(&self) -> PaceStats {
        self.lock().stats
    }

    /// How many scopes (global, channels, users) currently hold pacing state; windows idle longer
    /// than their period are dropped, so this stays near the number of recently active channels.
    pub fn tracked_scopes(&self) -> usize {
        let mut state = self.lock();
        let now = Instant::now();
        state.sweep(&self.limits, now);
        state.windows.len()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Every update leaves the state consistent, so a panic elsewhere cannot poison it.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `attempt` when the limits allow, retrying after 429s up to the bound.
    async fn paced<T, F, Fut>(&self, local: Option<Scope>, mut attempt: F) -> Result<T, DeliveryError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, DeliveryError>>,
    {
        let mut not_before = Instant::now();
        let mut retries = 0;
        loop {
            let asked = Instant::now();
            let at = self.lock().reserve(&self.limits, local.as_ref(), not_before);
            if at > asked {
                metrics::rate_limit_wait(self.platform, at - asked);
            }
            tokio::time::sleep_until(at).await;
            // A late wake-up, or a 429 block set while this request slept, can make its slot
            // wrong: check it against what was actually sent, else take a new slot.
            if let Err(later) = self.lock().admit(&self.limits, local.as_ref()) {
                not_before = later;
                continue;
            }
            let (retry_after, global) = match attempt().await {
                Err(DeliveryError::RateLimited { retry_after, global }) => (retry_after, global),
                other => return other,
            };
            metrics::rate_limited(self.platform);
            let mut state = self.lock();
            if retries >= self.max_retries {
                state.stats.gave_up += 1;
                return Err(DeliveryError::Temporary(format!(
                    "still rate limited after {retries} retries (retry after {retry_after:?})"
                )));
            }
            retries += 1;
            state.stats.retried_after_429 += 1;
            tracing::debug!(?retry_after, global, retries, "rate limited; retrying");
            not_before = state.block(if global { Some(&Scope::Global) } else { local.as_ref() }, retry_after);
        }
    }
}

impl State {
    /// Takes the earliest slot allowed by the global window and the request's own, and returns it.
    fn reserve(&mut self, limits: &Limits, local: Option<&Scope>, not_before: Instant) -> Instant {
        let now = Instant::now();
        if now >= self.next_sweep {
            self.sweep(limits, now);
        }
        let scopes = [Some(&Scope::Global), local];
        let mut at = not_before.max(now);
        // Each window can only push the slot later, so this settles once no window moves it.
        loop {
            let mut next = at;
            for scope in scopes.into_iter().flatten() {
                if let Some(window) = self.windows.get(scope) {
                    next = window.earliest(next, limits.rate(scope));
                }
            }
            if next == at {
                break;
            }
            at = next;
        }
        for scope in scopes.into_iter().flatten() {
            if limits.rate(scope).is_some() {
                self.windows.entry(scope.clone()).or_default().insert(at);
            }
        }
        self.stats.requests += 1;
        self.stats.waited += at - now;
        at
    }

    /// Lets a request go now if what was actually sent in its scopes allows it, and records it.
    fn admit(&mut self, limits: &Limits, local: Option<&Scope>) -> Result<(), Instant> {
        let now = Instant::now();
        let scopes = [Some(&Scope::Global), local];
        let mut at = now;
        for scope in scopes.into_iter().flatten() {
            if let Some(window) = self.windows.get(scope) {
                at = at.max(window.admits_at(now, limits.rate(scope)));
            }
        }
        if at > now {
            return Err(at);
        }
        for scope in scopes.into_iter().flatten() {
            if limits.rate(scope).is_some() {
                self.windows.entry(scope.clone()).or_default().record_sent(now);
            }
        }
        Ok(())
    }

    /// Blocks `scope` for `retry_after` from now and returns when the retry may go. A request with
    /// no scope of its own (an ephemeral reply) only waits itself.
    fn block(&mut self, scope: Option<&Scope>, retry_after: Duration) -> Instant {
        let until = Instant::now() + retry_after;
        if let Some(scope) = scope {
            self.windows.entry(scope.clone()).or_default().block(until);
        }
        until
    }

    fn sweep(&mut self, limits: &Limits, now: Instant) {
        self.windows.retain(|scope, window| !window.is_idle(now, limits.rate(scope)));
        self.next_sweep = now + limits.sweep_period();
    }
}

fn channel_scope(channel: &ChannelRef) -> Scope {
    Scope::Channel(channel.clone())
}

/// Ephemeral replies count only against the global limit: they answer an interaction and have no
/// channel of their own to pace.
fn target_scope(target: &Target) -> Option<Scope> {
    match target {
        Target::Channel(channel) => Some(channel_scope(channel)),
        Target::Direct { platform, user_id } => {
            Some(Scope::User { platform: platform.clone(), user_id: user_id.clone() })
        }
        Target::Ephemeral => None,
    }
}

impl<D: Delivery> Delivery for Paced<D> {
    async fn post(
        &self,
        channel: &ChannelRef,
        message: &Message,
        nonce: &str,
        fence: &Fence,
    ) -> Result<String, DeliveryError> {
        self.paced(Some(channel_scope(channel)), || self.inner.post(channel, message, nonce, fence)).await
    }

    async fn send(&self, outgoing: &Outgoing, fence: &Fence) -> Result<(), DeliveryError> {
        self.paced(target_scope(&outgoing.to), || self.inner.send(outgoing, fence)).await
    }

    async fn find_post(&self, channel: &ChannelRef, nonce: &str) -> Result<Option<String>, DeliveryError> {
        self.paced(Some(channel_scope(channel)), || self.inner.find_post(channel, nonce)).await
    }

    async fn mark_post(
        &self,
        channel: &ChannelRef,
        message_id: &str,
        fence: &Fence,
    ) -> Result<(), DeliveryError> {
        self.paced(Some(channel_scope(channel)), || self.inner.mark_post(channel, message_id, fence)).await
    }

    /// Not paced: the platforms cache labels, so it is a request or two per channel and process.
    async fn channel_label(&self, channel: &ChannelRef) -> String {
        self.inner.channel_label(channel).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_by_platform() {
        assert_eq!(Limits::for_platform("Discord"), Limits::discord());
        assert_eq!(Limits::for_platform("slack"), Limits::slack());
        assert_eq!(Limits::for_platform("console"), Limits::none());
        assert_eq!(Limits::discord().per_channel, Some(Rate::new(5, Duration::from_secs(5))));
        assert_eq!(Limits::slack().global, None);
    }
}
