//! At startup: the ✅ reactions on recent lesson posts, read back with reactions.get and handed to the coach.
//!
//! Slack retries an event it could not deliver for about an hour; reactions made during a longer
//! outage are never sent. Reading back who has the ✅ on each recent post closes that gap, through
//! the same checkpoint code as a live reaction. Checkpoints made by button or command are kept.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use slack_morphism::errors::SlackClientError;
use slack_morphism::prelude::*;
use tokio::time::Instant;

use super::delivery::CHECK_REACTION;
use super::runtime::Shared;
use crate::coach::{Actor, ReadReactions, RecentPost};

/// A 429 here is waited out and retried this often before the post is skipped.
const RETRIES: u32 = 3;

/// reactions.get is a Tier 3 method: about 50 calls a minute per workspace. The read-back keeps
/// to that by itself rather than leaning on 429s.
pub const TIER3: (usize, Duration) = (50, Duration::from_secs(60));

/// Reconciles the lesson posts of the last `days` whose window is open, one reactions.get at a
/// time, paced per workspace to Tier 3.
pub async fn recent(shared: &Shared, days: u32) {
    let clock = &shared.clock;
    let reader = Reader { shared, tier: Tier::new(TIER3) };
    shared.coach.reconcile_recent("slack", days, || clock.now(), &reader).await;
}

/// At most `count` calls in any `per` for each workspace.
pub struct Tier {
    count: usize,
    per: Duration,
    calls: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl Tier {
    pub fn new((count, per): (usize, Duration)) -> Tier {
        Tier { count: count.max(1), per, calls: Mutex::default() }
    }

    /// Waits until `workspace` may make another call, and counts it.
    pub async fn wait(&self, workspace: &str) {
        loop {
            let until = {
                let mut calls = self.calls.lock().expect("tier lock");
                let recent = calls.entry(workspace.to_string()).or_default();
                let now = Instant::now();
                while recent.front().is_some_and(|at| now.duration_since(*at) >= self.per) {
                    recent.pop_front();
                }
                if recent.len() < self.count {
                    recent.push_back(now);
                    return;
                }
                recent.front().map(|oldest| *oldest + self.per)
            };
            if let Some(until) = until {
                tokio::time::sleep_until(until).await;
            }
        }
    }
}

struct Reader<'a> {
    shared: &'a Shared,
    tier: Tier,
}

impl ReadReactions for Reader<'_> {
    type Error = SlackClientError;

    async fn reacted(&self, post: &RecentPost) -> Result<Vec<Actor>, SlackClientError> {
        self.tier.wait(&post.channel.workspace).await;
        self.shared.reacted(post).await
    }
}

impl Shared {
    /// Everyone but the bot who has ✅ on the post; `full` asks Slack for every user, not the
    /// first few. No users.info: a member's name and admin flag come from the cache, or stay
    /// unknown (a checkpoint needs neither, and the stored name is kept).
    async fn reacted(&self, post: &RecentPost) -> Result<Vec<Actor>, SlackClientError> {
        let request = SlackApiReactionsGetRequest::new()
            .with_channel(SlackChannelId::new(post.channel.channel.clone()))
            .with_timestamp(SlackTs::new(post.message_id.clone()))
            .with_full(true);
        let mut attempt = 0;
        let answer = loop {
            let session = self.api.client.open_session(&self.api.token);
            match session.reactions_get(&request).await {
                Err(SlackClientError::RateLimitError(limit)) if attempt < RETRIES => {
                    attempt += 1;
                    tokio::time::sleep(limit.retry_after.unwrap_or(Duration::from_secs(1))).await;
                }
                other => break other?,
            }
        };
        let SlackApiReactionsGetResponse::Message(found) = answer else { return Ok(Vec::new()) };
        let reactions = found.message.content.reactions.unwrap_or_default();
        let users = reactions.into_iter().filter(|r| r.name.0 == CHECK_REACTION).flat_map(|r| r.users);
        Ok(users.filter(|u| u.0 != self.bot_user).map(|user| self.admins.known(&user.0)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_tier_keeps_each_workspace_to_its_calls_per_minute() {
        let tier = Tier::new((50, Duration::from_secs(60)));
        let started = Instant::now();
        for _ in 0..120 {
            tier.wait("T1").await;
        }
        // Calls 51-100 wait for the first minute to pass, 101-120 for the second.
        assert_eq!(started.elapsed(), Duration::from_secs(120));
        let other = Instant::now();
        tier.wait("T2").await;
        assert_eq!(other.elapsed(), Duration::ZERO, "another workspace has its own budget");
    }
}
