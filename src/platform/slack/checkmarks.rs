//! The bot's ✅ under each lesson post, added by one worker paced to `reactions.add`'s tier, so a burst of posts never loses its ✅ to a 429.
//!
//! Slack puts `reactions.add` in Tier 3: about 50 calls a minute per workspace. A hundred cohorts
//! due at 09:00 post within seconds (chat.postMessage is limited per channel), but their ✅ follow
//! over two minutes. The ✅ is an invitation to click, not a checkpoint: queuing it never delays a
//! post, and one lost in a crash costs nothing that members' own ✅ would not make up for.

use std::time::Duration;

use slack_morphism::errors::SlackClientError;
use slack_morphism::prelude::*;
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::delivery::{CHECK_REACTION, SlackApi};
use crate::faults::chain;

/// Tier 3's 50 a minute, with a margin.
const PACE: Duration = Duration::from_millis(1250);
/// Tries per ✅ before it is given up (429s and network errors; Slack's refusals are final).
const ATTEMPTS: u32 = 6;
/// The wait after a 429 that names none, or after a network error.
const BACKOFF: Duration = Duration::from_secs(2);

/// The queue of ✅ to add; cheap to share.
pub struct CheckMarks {
    queue: mpsc::UnboundedSender<(SlackChannelId, SlackTs)>,
}

impl CheckMarks {
    /// Starts the worker on the current tokio runtime; it ends when `CheckMarks` is dropped.
    pub fn start(api: SlackApi) -> CheckMarks {
        let (queue, rx) = mpsc::unbounded_channel();
        tokio::spawn(work(api, rx));
        CheckMarks { queue }
    }

    /// Queues a ✅ under message `ts` in `channel`.
    pub fn add(&self, channel: SlackChannelId, ts: SlackTs) {
        if self.queue.send((channel, ts)).is_err() {
            tracing::warn!("the ✅ worker has stopped; a lesson post goes without the bot's ✅");
        }
    }
}

async fn work(api: SlackApi, mut rx: mpsc::UnboundedReceiver<(SlackChannelId, SlackTs)>) {
    let mut next = Instant::now();
    while let Some((channel, ts)) = rx.recv().await {
        for attempt in 1..=ATTEMPTS {
            tokio::time::sleep_until(next).await;
            next = Instant::now() + PACE;
            let wait = match add(&api, &channel, &ts).await {
                Ok(()) => break,
                Err(SlackClientError::RateLimitError(limit)) => limit.retry_after.unwrap_or(BACKOFF),
                Err(SlackClientError::ApiError(e)) if e.code == "already_reacted" => break,
                Err(e @ SlackClientError::ApiError(_)) => {
                    tracing::warn!(error = %chain(&e), channel = %channel, "Slack refused the bot's ✅ under a lesson post");
                    break;
                }
                Err(e) if attempt == ATTEMPTS => {
                    tracing::warn!(error = %chain(&e), channel = %channel, "the bot's ✅ under a lesson post was given up");
                    break;
                }
                Err(_) => BACKOFF,
            };
            next = next.max(Instant::now() + wait);
        }
    }
}

async fn add(api: &SlackApi, channel: &SlackChannelId, ts: &SlackTs) -> Result<(), SlackClientError> {
    let session = api.client.open_session(&api.token);
    let request = SlackApiReactionsAddRequest::new(channel.clone(), CHECK_REACTION.into(), ts.clone());
    session.reactions_add(&request).await.map(|_| ())
}
