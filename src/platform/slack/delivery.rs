//! Lesson posts, channel notices and direct messages through Slack's Web API: the platform side of `Delivery`.
//!
//! Each lesson post carries the outbox nonce as message metadata (`studybot_lesson`), the marker
//! `find_post` looks for in the channel's recent history after a crash.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use slack_morphism::errors::SlackClientError;
#[cfg(test)]
use slack_morphism::errors::{SlackClientApiError, SlackRateLimitError};
use slack_morphism::prelude::*;

use super::checkmarks::CheckMarks;
use super::render;
use crate::coach::{ChannelRef, Delivery, DeliveryError, Fence, Message, Outgoing, Target};
use crate::faults::chain;

/// The metadata event type that marks a lesson post.
pub const LESSON_EVENT: &str = "studybot_lesson";
/// The reaction the bot adds under each post, as Slack names ✅.
pub const CHECK_REACTION: &str = "white_check_mark";
/// How far back `find_post` looks.
const HISTORY: u16 = 100;

/// The Web API client and the bot token; cheap to clone.
#[derive(Clone)]
pub struct SlackApi {
    pub client: Arc<SlackHyperClient>,
    pub token: SlackApiToken,
}

impl SlackApi {
    /// A client for `api_url` (Slack's, a proxy's, or a fake's): http and https both work.
    pub fn new(api_url: &str, bot_token: &str) -> anyhow::Result<SlackApi> {
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_native_roots()?
            .https_or_http()
            .enable_http1()
            .build();
        let connector = SlackClientHyperConnector::with_connector(https)
            .with_slack_api_url(api_url.trim_end_matches('/'));
        let token = SlackApiToken::new(SlackApiTokenValue::new(bot_token.trim().to_string()));
        Ok(SlackApi { client: Arc::new(SlackClient::new(connector)), token })
    }
}

pub struct SlackDelivery {
    pub(super) api: SlackApi,
    /// DM channel per user id.
    dms: Mutex<HashMap<String, SlackChannelId>>,
    /// `#name in Workspace` per channel id, once both names were found.
    labels: Mutex<HashMap<String, String>>,
    checkmarks: CheckMarks,
}

impl SlackDelivery {
    /// Needs a tokio runtime: the ✅ worker starts with it.
    pub fn new(api: SlackApi) -> SlackDelivery {
        let checkmarks = CheckMarks::start(api.clone());
        SlackDelivery { api, dms: Mutex::new(HashMap::new()), labels: Mutex::new(HashMap::new()), checkmarks }
    }

    /// `#name in Workspace` (conversations.info, team.info), and whether both parts were found.
    async fn look_up_label(&self, channel: &ChannelRef) -> (String, bool) {
        let session = self.api.client.open_session(&self.api.token);
        let request = SlackApiConversationsInfoRequest::new(SlackChannelId::new(channel.channel.clone()));
        let name = match session.conversations_info(&request).await {
            Ok(info) => info.channel.name,
            Err(e) => {
                tracing::debug!(error = %chain(&e), channel = %channel.channel, "channel name not found for a label");
                None
            }
        };
        let found = name.is_some();
        let name = format!("#{}", name.as_deref().unwrap_or(&channel.channel));
        let team = (!channel.workspace.is_empty()).then(|| SlackTeamId::new(channel.workspace.clone()));
        match session.team_info(&SlackApiTeamInfoRequest { team }).await {
            Ok(SlackApiTeamInfoResponse { team: SlackTeamInfo { name: Some(team), .. } }) => {
                (format!("{name} in {team}"), found)
            }
            Ok(_) => (name, false),
            Err(e) => {
                tracing::debug!(error = %chain(&e), "workspace name not found for a label");
                (name, false)
            }
        }
    }

    async fn post_one(
        &self,
        channel: &SlackChannelId,
        content: SlackMessageContent,
    ) -> Result<SlackTs, DeliveryError> {
        let session = self.api.client.open_session(&self.api.token);
        let request = SlackApiChatPostMessageRequest::new(channel.clone(), content);
        Ok(session.chat_post_message(&request).await.map_err(delivery_error)?.ts)
    }

    /// The message's parts, then its files (a picture shows inline under the text).
    async fn post_all(&self, channel: &SlackChannelId, message: &Message) -> Result<(), DeliveryError> {
        for part in render::render(message) {
            self.post_one(channel, part.content()).await?;
        }
        // The text is out: a file Slack refuses (an app installed before `files:write`) must
        // not make the caller send the message again.
        for file in message.files() {
            if let Err(e) = self.share(channel.clone(), file, None).await {
                tracing::warn!(error = %chain(&e), file = %file.name, "file not shared in the channel");
            }
        }
        Ok(())
    }

    pub(super) async fn dm_channel(&self, user_id: &str) -> Result<SlackChannelId, DeliveryError> {
        if let Some(id) = self.dms.lock().expect("dm cache").get(user_id) {
            return Ok(id.clone());
        }
        let session = self.api.client.open_session(&self.api.token);
        // conversations.open documents `users` as a comma-separated string (slack_sdk joins a
        // list before sending); slack-morphism's request would send a JSON array.
        let request = OpenDm { users: user_id };
        let opened: SlackApiConversationsOpenResponse<SlackBasicChannelInfo> = session
            .http_session_api
            .http_post("conversations.open", &request, Some(&SLACK_TIER3_METHOD_CONFIG))
            .await
            .map_err(delivery_error)?;
        let id = opened.channel.id;
        self.dms.lock().expect("dm cache").insert(user_id.to_string(), id.clone());
        Ok(id)
    }
}

/// conversations.open for one member's DM, as the method documents it.
#[derive(serde::Serialize)]
struct OpenDm<'a> {
    users: &'a str,
}

impl Delivery for SlackDelivery {
    async fn post(
        &self,
        channel: &ChannelRef,
        message: &Message,
        nonce: &str,
        fence: &Fence,
    ) -> Result<String, DeliveryError> {
        let channel_id = SlackChannelId::new(channel.channel.clone());
        let mut parts = render::render(message).into_iter();
        let first = parts.next().ok_or_else(|| DeliveryError::Permanent("nothing to post".into()))?;
        let marker = SlackMessageMetadata {
            event_type: LESSON_EVENT.into(),
            event_payload: Some(HashMap::from([("nonce".to_string(), nonce.to_string())])),
        };
        let ts = fence.send(self.post_one(&channel_id, first.content().with_metadata(marker))).await?;
        // The post exists from here on: what follows must not make the scheduler send it again.
        self.checkmarks.add(channel_id.clone(), ts.clone());
        for part in parts {
            if let Err(e) = self.post_one(&channel_id, part.content()).await {
                tracing::warn!(error = %chain(&e), channel = %channel.channel, "lesson continuation not posted");
            }
        }
        Ok(ts.to_string())
    }

    async fn send(&self, outgoing: &Outgoing, fence: &Fence) -> Result<(), DeliveryError> {
        match &outgoing.to {
            Target::Channel(channel) => {
                let channel = SlackChannelId::new(channel.channel.clone());
                fence.send(self.post_all(&channel, &outgoing.message)).await
            }
            Target::Direct { user_id, .. } => {
                let dm = self.dm_channel(user_id).await?;
                fence.send(self.post_all(&dm, &outgoing.message)).await
            }
            // Only an event can show an ephemeral message; the adapter answers those itself.
            Target::Ephemeral => {
                tracing::warn!("an ephemeral message outside an event was dropped");
                Ok(())
            }
        }
    }

    /// Queued for the paced ✅ worker like a fresh post's, which takes `already_reacted` as done.
    async fn mark_post(
        &self,
        channel: &ChannelRef,
        message_id: &str,
        fence: &Fence,
    ) -> Result<(), DeliveryError> {
        fence.check()?;
        let channel = SlackChannelId::new(channel.channel.clone());
        self.checkmarks.add(channel, SlackTs::new(message_id.to_string()));
        Ok(())
    }

    /// Looked up once per channel: conversations.info needs `channels:read` (`groups:read` for a
    /// private channel) and team.info `team:read`; without them the label is the channel id.
    async fn channel_label(&self, channel: &ChannelRef) -> String {
        if let Some(label) = self.labels.lock().expect("label cache").get(&channel.channel) {
            return label.clone();
        }
        let (label, complete) = self.look_up_label(channel).await;
        if complete {
            self.labels.lock().expect("label cache").insert(channel.channel.clone(), label.clone());
        }
        label
    }

    /// The lesson post carrying `nonce` in its metadata among the channel's recent messages.
    async fn find_post(&self, channel: &ChannelRef, nonce: &str) -> Result<Option<String>, DeliveryError> {
        let session = self.api.client.open_session(&self.api.token);
        let request = SlackApiConversationsHistoryRequest::new()
            .with_channel(SlackChannelId::new(channel.channel.clone()))
            .with_limit(HISTORY)
            .with_include_all_metadata(true);
        let history = session.conversations_history(&request).await.map_err(delivery_error)?;
        let found = history.messages.into_iter().find(|m| {
            m.content.metadata.as_ref().is_some_and(|md| {
                md.event_type == LESSON_EVENT
                    && md.event_payload.as_ref().and_then(|p| p.get("nonce")).is_some_and(|n| n == nonce)
            })
        });
        Ok(found.map(|m| m.origin.ts.to_string()))
    }
}

/// Slack's errors as the scheduler understands them: a 429 with its wait, errors that retrying
/// cannot fix (a channel the bot is not in, a revoked token) as permanent, the rest temporary.
pub fn delivery_error(e: SlackClientError) -> DeliveryError {
    match e {
        SlackClientError::RateLimitError(limit) => DeliveryError::RateLimited {
            retry_after: limit.retry_after.unwrap_or(std::time::Duration::from_secs(1)),
            global: false,
        },
        SlackClientError::ApiError(api) if is_permanent(&api.code) => {
            DeliveryError::Permanent(format!("Slack refused the post: {}", api.code))
        }
        other => DeliveryError::Temporary(other.to_string()),
    }
}

fn is_permanent(code: &str) -> bool {
    matches!(
        code,
        "channel_not_found"
            | "not_in_channel"
            | "is_archived"
            | "invalid_auth"
            | "account_inactive"
            | "token_revoked"
            | "missing_scope"
            | "restricted_action"
            | "msg_too_long"
            | "invalid_blocks"
            | "no_text"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slack_errors_become_delivery_errors() {
        let api = |code: &str| SlackClientError::ApiError(SlackClientApiError::new(code.into()));
        assert!(
            matches!(delivery_error(api("not_in_channel")), DeliveryError::Permanent(m) if m.contains("not_in_channel"))
        );
        assert!(matches!(delivery_error(api("internal_error")), DeliveryError::Temporary(_)));
        let limited = SlackClientError::RateLimitError(
            SlackRateLimitError::new().with_retry_after(std::time::Duration::from_secs(3)),
        );
        assert!(matches!(
            delivery_error(limited),
            DeliveryError::RateLimited { retry_after, global: false } if retry_after.as_secs() == 3
        ));
    }
}
