//! At startup: the ✅ reactions on recent lesson posts, read back with reactions.get and handed to the coach.
//!
//! Slack retries an event it could not deliver for about an hour; reactions made during a longer
//! outage are never sent. Reading back who has the ✅ on each recent post closes that gap, through
//! the same checkpoint code as a live reaction. Checkpoints made by button or command are kept.

use std::time::Duration;

use slack_morphism::errors::SlackClientError;
use slack_morphism::prelude::*;

use super::delivery::CHECK_REACTION;
use super::runtime::Shared;
use crate::coach::{Actor, ReadReactions, RecentPost};

/// A 429 here is waited out and retried this often before the post is skipped.
const RETRIES: u32 = 3;

/// Reconciles every lesson post of the last `days`, one reactions.get at a time.
pub async fn recent(shared: &Shared, days: u32) {
    let clock = &shared.clock;
    shared.coach.reconcile_recent("slack", days, || clock.now(), shared).await;
}

impl ReadReactions for Shared {
    type Error = SlackClientError;

    /// Everyone but the bot who has ✅ on the post; `full` asks Slack for every user, not the
    /// first few.
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
        let mut actors = Vec::new();
        for user in users.filter(|u| u.0 != self.bot_user) {
            actors.push(self.admins.actor(&self.api, &user.0).await);
        }
        Ok(actors)
    }
}
