//! The platform side of delivery: what an adapter implements so the coach can post and send.

use std::future::Future;

use super::{ChannelRef, Fence, Message, Outgoing};

/// The platform side of posting. Adapters implement it; the console prints.
///
/// `post` and `send` take the sender's [`Fence`]: the implementation that makes the platform
/// request runs it through [`Fence::send`], so the lease deadline is checked immediately before
/// the request (after any wait for rate limits) and the request is bounded in time. Wrappers
/// (the pacer, `Arc`) pass the fence on.
pub trait Delivery: Sync {
    /// Posts a lesson and returns the platform's message id. `nonce` lets a platform that can
    /// (Discord `enforce_nonce`, a Slack marker) recognise a repeat of the same post.
    fn post(
        &self,
        channel: &ChannelRef,
        message: &Message,
        nonce: &str,
        fence: &Fence,
    ) -> impl Future<Output = Result<String, DeliveryError>> + Send;
    /// Sends any other message (notices, leaderboards, direct messages). Replies to members pass
    /// [`Fence::unfenced`]: no lease governs them.
    fn send(
        &self,
        outgoing: &Outgoing,
        fence: &Fence,
    ) -> impl Future<Output = Result<(), DeliveryError>> + Send;
    /// Looks for a post already made with `nonce` and returns its message id. Used after a crash,
    /// before any re-send. Every platform looks: Discord searches the bot's recent messages for the
    /// Done button naming the post's cohort and day, Slack its recent history for the
    /// `studybot_lesson` metadata carrying the nonce, the console its record. The default answers
    /// `None` (not found, so the post is sent again with the same nonce), for a delivery that keeps
    /// no record, such as a test double.
    fn find_post(
        &self,
        channel: &ChannelRef,
        nonce: &str,
    ) -> impl Future<Output = Result<Option<String>, DeliveryError>> + Send {
        let _ = (channel, nonce);
        async { Ok(None) }
    }
    /// Adds the bot's own ✅ under a lesson post, as `post` does for a fresh one: for a post that
    /// [`Delivery::find_post`] found after a crash, whose ✅ may never have been added. Idempotent:
    /// the ✅ may be there already. The default does nothing, for a platform without reactions.
    fn mark_post(
        &self,
        channel: &ChannelRef,
        message_id: &str,
        fence: &Fence,
    ) -> impl Future<Output = Result<(), DeliveryError>> + Send {
        let _ = (channel, message_id, fence);
        async { Ok(()) }
    }
    /// How people name a channel, with its server or workspace when the platform has one:
    /// `#general in Data Study Group`. For messages that point at a channel from elsewhere (a
    /// direct message to its organizer). Never fails: a platform that cannot look answers with
    /// what it has, down to `#<channel id>`.
    fn channel_label(&self, channel: &ChannelRef) -> impl Future<Output = String> + Send {
        let label = format!("#{}", channel.channel);
        async move { label }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// Worth retrying later (network, 5xx, rate limit).
    #[error("temporary delivery failure: {0}")]
    Temporary(String),
    /// Retrying will not help (channel gone, permission missing).
    #[error("permanent delivery failure: {0}")]
    Permanent(String),
    /// The platform answered 429: wait `retry_after` before the next request in that scope
    /// (the whole bot when `global`, else the channel).
    #[error("rate limited for {retry_after:?}{}", if *.global { " (global)" } else { "" })]
    RateLimited { retry_after: std::time::Duration, global: bool },
    /// Not sent, and must not be: the sender's lease has ended (see [`Fence::check`]).
    #[error("not sent: {0}")]
    Fenced(String),
}

/// One delivery shared by the scheduler and an adapter's event handlers (one pacer for both).
impl<D: Delivery + Send> Delivery for std::sync::Arc<D> {
    async fn post(
        &self,
        channel: &ChannelRef,
        message: &Message,
        nonce: &str,
        fence: &Fence,
    ) -> Result<String, DeliveryError> {
        self.as_ref().post(channel, message, nonce, fence).await
    }

    async fn send(&self, outgoing: &Outgoing, fence: &Fence) -> Result<(), DeliveryError> {
        self.as_ref().send(outgoing, fence).await
    }

    async fn find_post(&self, channel: &ChannelRef, nonce: &str) -> Result<Option<String>, DeliveryError> {
        self.as_ref().find_post(channel, nonce).await
    }

    async fn mark_post(
        &self,
        channel: &ChannelRef,
        message_id: &str,
        fence: &Fence,
    ) -> Result<(), DeliveryError> {
        self.as_ref().mark_post(channel, message_id, fence).await
    }

    async fn channel_label(&self, channel: &ChannelRef) -> String {
        self.as_ref().channel_label(channel).await
    }
}
