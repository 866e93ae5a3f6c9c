//! A rate-limited fake platform: the referee that rejects, counts and records what a pacer sends.
//!
//! It enforces [`Limits`] on its own side with its own bookkeeping (a log of accepted instants per
//! scope, checked at arrival) and shares no code with the pacer it judges.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use studybot::coach::{Block, ChannelRef, Delivery, DeliveryError, Fence, Message, Outgoing, Target};
use studybot::scheduler::pacing::{Limits, Rate};
use tokio::time::Instant;

/// One accepted post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posted {
    pub channel: ChannelRef,
    pub nonce: String,
    /// `f1`, `f2`, … in order of acceptance.
    pub id: String,
    pub at: Instant,
}

/// A request that broke a limit or a 429 block and was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub scope: String,
    pub request: u32,
    pub at: Instant,
}

/// A fake platform that enforces rate limits like Discord or Slack would.
pub struct LimitedFake {
    limits: Limits,
    state: Mutex<FakeState>,
}

#[derive(Default)]
struct FakeState {
    requests: u32,
    accepted: HashMap<String, VecDeque<Instant>>,
    blocked: HashMap<String, Instant>,
    inject: HashMap<u32, (Duration, bool)>,
    permanent: HashSet<ChannelRef>,
    posts: Vec<Posted>,
    /// (channel, message id) of each ✅ the bot asked to add under a post.
    marks: Vec<(ChannelRef, String)>,
    sent: Vec<(Target, Instant)>,
    /// The text blocks of each message `sent`, in the same order.
    texts: Vec<String>,
    violations: Vec<Violation>,
}

const GLOBAL: &str = "global";

impl LimitedFake {
    pub fn new(limits: Limits) -> LimitedFake {
        LimitedFake { limits, state: Mutex::new(FakeState::default()) }
    }

    /// Answers request number `request` (1-based, counting every request) with a 429.
    pub fn inject_429(&self, request: u32, retry_after: Duration, global: bool) {
        self.lock().inject.insert(request, (retry_after, global));
    }

    /// Every request to `channel` fails with `Permanent` (after passing the limits).
    pub fn fail_permanently(&self, channel: &ChannelRef) {
        self.lock().permanent.insert(channel.clone());
    }

    /// `channel` works again, as after the organizer fixed the bot's access.
    pub fn heal(&self, channel: &ChannelRef) {
        self.lock().permanent.remove(channel);
    }

    pub fn posts(&self) -> Vec<Posted> {
        self.lock().posts.clone()
    }

    pub fn marks(&self) -> Vec<(ChannelRef, String)> {
        self.lock().marks.clone()
    }

    pub fn sent(&self) -> Vec<(Target, Instant)> {
        self.lock().sent.clone()
    }

    /// The text of each message sent to `to`, in order.
    pub fn texts_to(&self, to: &Target) -> Vec<String> {
        let state = self.lock();
        state
            .sent
            .iter()
            .zip(&state.texts)
            .filter(|((t, _), _)| t == to)
            .map(|(_, text)| text.clone())
            .collect()
    }

    pub fn violations(&self) -> Vec<Violation> {
        self.lock().violations.clone()
    }

    /// Every request received, rejected ones included.
    pub fn requests(&self) -> u32 {
        self.lock().requests
    }

    pub fn posts_per_channel(&self) -> HashMap<ChannelRef, usize> {
        let mut counts = HashMap::new();
        for post in &self.lock().posts {
            *counts.entry(post.channel.clone()).or_insert(0) += 1;
        }
        counts
    }

    fn lock(&self) -> MutexGuard<'_, FakeState> {
        self.state.lock().expect("fake state lock")
    }

    /// Admits or rejects one request against the global scope and `local`.
    fn admit(&self, local: Option<String>) -> Result<(), DeliveryError> {
        let now = Instant::now();
        let mut state = self.lock();
        state.requests += 1;
        let request = state.requests;
        if let Some((retry_after, global)) = state.inject.remove(&request) {
            let scope = if global { GLOBAL.to_string() } else { local.clone().unwrap_or_default() };
            state.blocked.insert(scope, now + retry_after);
            return Err(DeliveryError::RateLimited { retry_after, global });
        }
        let scopes: Vec<(String, Option<Rate>)> = std::iter::once((GLOBAL.to_string(), self.limits.global))
            .chain(local.map(|scope| (scope, self.limits.per_channel)))
            .collect();
        for (scope, rate) in &scopes {
            if let Some(retry_after) = state.wait_needed(scope, *rate, now) {
                let global = scope == GLOBAL;
                state.violations.push(Violation { scope: scope.clone(), request, at: now });
                return Err(DeliveryError::RateLimited { retry_after, global });
            }
        }
        for (scope, _) in scopes {
            state.accepted.entry(scope).or_default().push_back(now);
        }
        Ok(())
    }
}

impl FakeState {
    /// How long a request in `scope` at `now` would still have to wait, if at all.
    fn wait_needed(&mut self, scope: &str, rate: Option<Rate>, now: Instant) -> Option<Duration> {
        if let Some(until) = self.blocked.get(scope).filter(|until| now < **until) {
            return Some(*until - now);
        }
        let rate = rate?;
        let log = self.accepted.entry(scope.to_string()).or_default();
        // Only requests in (now - per, now] count.
        while log.front().is_some_and(|at| *at + rate.per <= now) {
            log.pop_front();
        }
        let count = rate.count.max(1) as usize;
        (log.len() >= count).then(|| log[log.len() - count] + rate.per - now)
    }
}

fn channel_scope(channel: &ChannelRef) -> String {
    format!("channel:{}:{}:{}", channel.platform, channel.workspace, channel.channel)
}

impl Delivery for LimitedFake {
    async fn post(
        &self,
        channel: &ChannelRef,
        _message: &Message,
        nonce: &str,
        fence: &Fence,
    ) -> Result<String, DeliveryError> {
        fence.check()?;
        self.admit(Some(channel_scope(channel)))?;
        let mut state = self.lock();
        if state.permanent.contains(channel) {
            return Err(DeliveryError::Permanent(format!("unknown channel {}", channel.channel)));
        }
        let id = format!("f{}", state.posts.len() + 1);
        let at = Instant::now();
        state.posts.push(Posted { channel: channel.clone(), nonce: nonce.to_string(), id: id.clone(), at });
        Ok(id)
    }

    async fn send(&self, outgoing: &Outgoing, fence: &Fence) -> Result<(), DeliveryError> {
        fence.check()?;
        let scope = match &outgoing.to {
            Target::Channel(channel) => Some(channel_scope(channel)),
            Target::Direct { platform, user_id } => Some(format!("user:{platform}:{user_id}")),
            Target::Ephemeral => None,
        };
        self.admit(scope)?;
        let mut state = self.lock();
        if let Target::Channel(channel) = &outgoing.to
            && state.permanent.contains(channel)
        {
            return Err(DeliveryError::Permanent(format!("unknown channel {}", channel.channel)));
        }
        state.sent.push((outgoing.to.clone(), Instant::now()));
        let text = outgoing.message.blocks.iter().filter_map(|b| match b {
            Block::Text(text) => Some(text.as_str()),
            _ => None,
        });
        state.texts.push(text.collect::<Vec<_>>().join("\n"));
        Ok(())
    }

    async fn mark_post(
        &self,
        channel: &ChannelRef,
        message_id: &str,
        fence: &Fence,
    ) -> Result<(), DeliveryError> {
        fence.check()?;
        self.admit(Some(channel_scope(channel)))?;
        self.lock().marks.push((channel.clone(), message_id.to_string()));
        Ok(())
    }

    async fn find_post(&self, channel: &ChannelRef, nonce: &str) -> Result<Option<String>, DeliveryError> {
        self.admit(Some(channel_scope(channel)))?;
        let state = self.lock();
        let found = state.posts.iter().find(|post| &post.channel == channel && post.nonce == nonce);
        Ok(found.map(|post| post.id.clone()))
    }
}
