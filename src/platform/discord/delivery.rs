//! Lesson posts, channel notices and direct messages through Discord REST: the platform side of `Delivery`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use serde::Deserialize;
use serenity::builder::CreateMessage;
use serenity::http::{LightMethod, Route};
use serenity::model::id::{ChannelId, MessageId};

use super::labels::Labels;
use super::render::{self, DiscordMessage};
use super::rest::{Rest, RestError};
use crate::coach::lesson::{parse_done_button, parse_post_nonce};
use crate::coach::{ChannelRef, Delivery, DeliveryError, Fence, Message, Outgoing, Target};
use crate::faults::chain;

/// ✅, percent-encoded as the reactions routes want it.
pub const CHECK_EMOJI: &str = "%E2%9C%85";
/// How far back `find_post` looks in a channel's history.
const HISTORY: u32 = 50;

pub struct DiscordDelivery {
    rest: Arc<Rest>,
    /// The bot's own user id, known from READY: its messages are the lesson posts.
    bot_id: Arc<OnceLock<String>>,
    /// DM channel per user id, so a second DM skips the lookup.
    dms: Mutex<HashMap<String, ChannelId>>,
    /// How channels are named in messages sent elsewhere.
    labels: Labels,
}

#[derive(Deserialize)]
struct Posted {
    id: String,
    #[serde(default)]
    author: Option<Author>,
    #[serde(default)]
    components: Vec<Row>,
}

#[derive(Deserialize)]
struct Author {
    id: String,
}

#[derive(Deserialize)]
struct Row {
    #[serde(default)]
    components: Vec<Component>,
}

#[derive(Deserialize)]
struct Component {
    custom_id: Option<String>,
}

#[derive(Deserialize)]
struct DmChannel {
    id: String,
}

impl DiscordDelivery {
    pub fn new(rest: Arc<Rest>, bot_id: Arc<OnceLock<String>>) -> DiscordDelivery {
        DiscordDelivery { rest, bot_id, dms: Mutex::new(HashMap::new()), labels: Labels::default() }
    }

    /// A delivery of its own for `token`, through `rest_proxy` if given (tools and tests that
    /// talk to Discord without the gateway).
    pub fn connect(token: &str, rest_proxy: Option<&str>) -> anyhow::Result<DiscordDelivery> {
        Ok(DiscordDelivery::new(Arc::new(Rest::new(token, rest_proxy)?), Arc::new(OnceLock::new())))
    }

    /// Channel names from the gateway (see [`Labels`]).
    pub fn labels(&self) -> &Labels {
        &self.labels
    }

    async fn create(&self, channel: ChannelId, message: CreateMessage) -> Result<String, RestError> {
        let route = Route::ChannelMessages { channel_id: channel };
        let posted: Posted = self.rest.call(route, LightMethod::Post, Some(&message), Vec::new()).await?;
        Ok(posted.id)
    }

    /// Sends every part of a rendered message, in order, each with its file; the first failure
    /// stops the rest.
    async fn create_all(&self, channel: ChannelId, parts: Vec<DiscordMessage>) -> Result<(), DeliveryError> {
        for mut part in parts {
            match part.file.take() {
                Some(file) => {
                    let route = Route::ChannelMessages { channel_id: channel };
                    let create = part.into_create(None);
                    self.rest.upload(route, LightMethod::Post, &create, &file, None).await?;
                }
                None => drop(self.create(channel, part.into_create(None)).await?),
            }
        }
        Ok(())
    }

    /// Adds the bot's own ✅ under a lesson post, so members only need to click it.
    async fn react(&self, channel: ChannelId, message: MessageId) -> Result<(), RestError> {
        let route = Route::ChannelMessageReactionMe {
            channel_id: channel,
            message_id: message,
            reaction: CHECK_EMOJI,
        };
        self.rest.call_empty(route, LightMethod::Put, None::<&()>).await
    }

    async fn dm_channel(&self, user_id: &str) -> Result<ChannelId, DeliveryError> {
        if let Some(id) = self.dms.lock().expect("dm cache").get(user_id) {
            return Ok(*id);
        }
        let body = serde_json::json!({ "recipient_id": user_id });
        let dm: DmChannel =
            self.rest.call(Route::UserMeDmChannels, LightMethod::Post, Some(&body), Vec::new()).await?;
        let id = snowflake(&dm.id).map(ChannelId::new).ok_or_else(|| bad_id("DM channel", &dm.id))?;
        self.dms.lock().expect("dm cache").insert(user_id.to_string(), id);
        Ok(id)
    }
}

impl Delivery for DiscordDelivery {
    async fn post(
        &self,
        channel: &ChannelRef,
        message: &Message,
        nonce: &str,
        fence: &Fence,
    ) -> Result<String, DeliveryError> {
        let channel_id = channel_id(channel)?;
        let mut parts = render::render(message).into_iter();
        let first = parts.next().ok_or_else(|| DeliveryError::Permanent("nothing to post".into()))?;
        let create = async { Ok(self.create(channel_id, first.into_create(Some(nonce))).await?) };
        let id = fence.send(create).await?;
        if let Some(message_id) = snowflake(&id).map(MessageId::new) {
            match self.react(channel_id, message_id).await {
                // Honoured like any 429: the pacer waits, then posts again, and the nonce makes
                // Discord answer with this same message rather than a second one.
                Err(RestError::RateLimited { retry_after, global }) => {
                    return Err(DeliveryError::RateLimited { retry_after, global });
                }
                Err(e) => {
                    tracing::warn!(error = %chain(&e), channel = %channel.channel, "could not add ✅ under the lesson post")
                }
                Ok(()) => {}
            }
        }
        // The post and its ✅ exist from here on: nothing below may make the scheduler send it again.
        for part in parts {
            if let Err(e) = self.create(channel_id, part.into_create(None)).await {
                tracing::warn!(error = %chain(&e), channel = %channel.channel, "lesson continuation not posted");
            }
        }
        Ok(id)
    }

    async fn send(&self, outgoing: &Outgoing, fence: &Fence) -> Result<(), DeliveryError> {
        let parts = render::render(&outgoing.message);
        match &outgoing.to {
            Target::Channel(channel) => fence.send(self.create_all(channel_id(channel)?, parts)).await,
            Target::Direct { user_id, .. } => {
                let dm = self.dm_channel(user_id).await?;
                fence.send(self.create_all(dm, parts)).await
            }
            // Only an interaction can show an ephemeral message; the adapter answers those itself.
            Target::Ephemeral => {
                tracing::warn!("an ephemeral message outside an interaction was dropped");
                Ok(())
            }
        }
    }

    /// Discord answers 204 whether or not the bot's ✅ was there already.
    async fn mark_post(
        &self,
        channel: &ChannelRef,
        message_id: &str,
        fence: &Fence,
    ) -> Result<(), DeliveryError> {
        let channel_id = channel_id(channel)?;
        let message =
            snowflake(message_id).map(MessageId::new).ok_or_else(|| bad_id("message", message_id))?;
        fence.send(async { Ok(self.react(channel_id, message).await?) }).await
    }

    async fn channel_label(&self, channel: &ChannelRef) -> String {
        self.labels.label(&self.rest, channel).await
    }

    /// A post whose confirmation was lost: Discord keeps no searchable nonce, so the bot's recent
    /// messages are searched for the Done button that names this cohort and day.
    async fn find_post(&self, channel: &ChannelRef, nonce: &str) -> Result<Option<String>, DeliveryError> {
        let Some(wanted) = parse_post_nonce(nonce) else { return Ok(None) };
        let Some(bot) = self.bot_id.get() else { return Ok(None) };
        let route = Route::ChannelMessages { channel_id: channel_id(channel)? };
        let params = vec![("limit", HISTORY.to_string())];
        let history: Vec<Posted> = self.rest.call(route, LightMethod::Get, None::<&()>, params).await?;
        let found = history.into_iter().find(|m| {
            m.author.as_ref().is_some_and(|a| &a.id == bot)
                && m.components
                    .iter()
                    .flat_map(|r| &r.components)
                    .any(|c| c.custom_id.as_deref().and_then(parse_done_button) == Some(wanted))
        });
        Ok(found.map(|m| m.id))
    }
}

/// A Discord id: a non-zero integer (serenity's id types panic on zero).
pub fn snowflake(text: &str) -> Option<u64> {
    text.parse::<u64>().ok().filter(|n| *n != 0)
}

fn channel_id(channel: &ChannelRef) -> Result<ChannelId, DeliveryError> {
    snowflake(&channel.channel).map(ChannelId::new).ok_or_else(|| bad_id("channel", &channel.channel))
}

fn bad_id(what: &str, id: &str) -> DeliveryError {
    DeliveryError::Permanent(format!("`{id}` is not a Discord {what} id"))
}
