//! After a new gateway session: the ✅ reactions on recent lesson posts, read back through REST and handed to the coach.

use serde::Deserialize;
use serenity::http::{LightMethod, Route};
use serenity::model::id::{ChannelId, MessageId};

use super::delivery::{CHECK_EMOJI, snowflake};
use super::events::Shared;
use super::rest::RestError;
use super::shards::routes_to;
use crate::coach::{Actor, ReadReactions, RecentPost};

/// Discord's page size for the users who reacted.
const PAGE: usize = 100;
/// A 429 here is waited out and retried this often before the post is skipped.
const RETRIES: u32 = 3;

#[derive(Deserialize)]
struct ReactedUser {
    id: String,
    username: String,
    #[serde(default)]
    global_name: Option<String>,
    #[serde(default)]
    bot: bool,
}

/// Reconciles every lesson post of the last `reconcile_days` in the guilds of `shard`.
pub async fn recent(shared: &Shared, shard: u32) {
    let clock = &shared.clock;
    let reader = ShardReader { shared, shard, total: shared.shards.total() };
    shared.coach.reconcile_recent("discord", shared.reconcile_days, || clock.now(), &reader).await;
}

/// Reads the reactions of the posts in the guilds one shard carries.
struct ShardReader<'a> {
    shared: &'a Shared,
    shard: u32,
    total: u32,
}

impl ReadReactions for ShardReader<'_> {
    type Error = RestError;

    fn covers(&self, post: &RecentPost) -> bool {
        routes_to(&post.channel.workspace, self.shard, self.total)
    }

    async fn reacted(&self, post: &RecentPost) -> Result<Vec<Actor>, RestError> {
        reacted(self.shared, post).await
    }
}

/// Everyone but bots who has the ✅ on `post` now, page by page.
async fn reacted(shared: &Shared, post: &RecentPost) -> Result<Vec<Actor>, RestError> {
    let (Some(channel), Some(message)) = (snowflake(&post.channel.channel), snowflake(&post.message_id))
    else {
        return Ok(Vec::new());
    };
    let mut users = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = page(shared, ChannelId::new(channel), MessageId::new(message), after.as_deref()).await?;
        let full = page.len() >= PAGE;
        after = page.last().map(|u| u.id.clone());
        users.extend(page.into_iter().filter(|u| !u.bot).map(|u| Actor {
            name: u.global_name.unwrap_or(u.username),
            user_id: u.id,
            is_admin: false,
        }));
        if !full || after.is_none() {
            return Ok(users);
        }
    }
}

async fn page(
    shared: &Shared,
    channel_id: ChannelId,
    message_id: MessageId,
    after: Option<&str>,
) -> Result<Vec<ReactedUser>, RestError> {
    let mut attempt = 0;
    loop {
        let route = Route::ChannelMessageReactionEmoji { channel_id, message_id, reaction: CHECK_EMOJI };
        let mut params = vec![("limit", PAGE.to_string())];
        params.extend(after.map(|a| ("after", a.to_string())));
        match shared.rest.call(route, LightMethod::Get, None::<&()>, params).await {
            Err(RestError::RateLimited { retry_after, .. }) if attempt < RETRIES => {
                attempt += 1;
                tokio::time::sleep(retry_after).await;
            }
            other => return other,
        }
    }
}
