//! The platform side of delivery: what an adapter implements so the coach can post and send.

use std::future::Future;

use super::{ChannelRef, Message, Outgoing};

/// The platform side of posting. Adapters implement it; the console prints.
pub trait Delivery: Sync {
    /// Posts a lesson and returns the platform's message id. `nonce` lets a platform that can
    /// (Discord `enforce_nonce`, a Slack marker) recognise a repeat of the same post.
    fn post(
        &self,
        channel: &ChannelRef,
        message: &Message,
        nonce: &str,
    ) -> impl Future<Output = Result<String, DeliveryError>> + Send;
    /// Sends any other message (notices, leaderboards, direct messages).
    fn send(&self, outgoing: &Outgoing) -> impl Future<Output = Result<(), DeliveryError>> + Send;
    /// Looks for a post already made with `nonce` (the platform's own record, or a Slack marker in
    /// recent history) and returns its message id. Used after a crash, before any re-send. A
    /// platform that cannot look (Discord) answers `None` and relies on the nonce when re-posting.
    fn find_post(
        &self,
        channel: &ChannelRef,
        nonce: &str,
    ) -> impl Future<Output = Result<Option<String>, DeliveryError>> + Send {
        let _ = (channel, nonce);
        async { Ok(None) }
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
}

/// One delivery shared by the scheduler and an adapter's event handlers (one pacer for both).
impl<D: Delivery + Send> Delivery for std::sync::Arc<D> {
    async fn post(
        &self,
        channel: &ChannelRef,
        message: &Message,
        nonce: &str,
    ) -> Result<String, DeliveryError> {
        self.as_ref().post(channel, message, nonce).await
    }

    async fn send(&self, outgoing: &Outgoing) -> Result<(), DeliveryError> {
        self.as_ref().send(outgoing).await
    }

    async fn find_post(&self, channel: &ChannelRef, nonce: &str) -> Result<Option<String>, DeliveryError> {
        self.as_ref().find_post(channel, nonce).await
    }

    async fn channel_label(&self, channel: &ChannelRef) -> String {
        self.as_ref().channel_label(channel).await
    }
}
