//! The console's delivery side: what the coach posts and sends is recorded, in order, for the
//! console to print.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};

use crate::coach::{ChannelRef, Delivery, DeliveryError, Fence, Message, Outgoing, Target};

/// What the console "platform" was asked to deliver, in order: its own record of posts.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivered {
    pub message_id: Option<String>,
    pub to: Target,
    pub message: Message,
    pub at: DateTime<Utc>,
}

/// The console's delivery side: records every message; ids are `m1`, `m2`, ….
#[derive(Default)]
pub struct ConsoleDelivery {
    records: Mutex<Vec<Delivered>>,
    next_id: AtomicU64,
    pub(super) now: Mutex<DateTime<Utc>>,
}

impl ConsoleDelivery {
    fn push(&self, message_id: Option<String>, to: Target, message: Message) {
        let at = *self.now.lock().expect("clock lock");
        self.records.lock().expect("records lock").push(Delivered { message_id, to, message, at });
    }

    pub(super) fn drain(&self) -> Vec<Delivered> {
        std::mem::take(&mut *self.records.lock().expect("records lock"))
    }
}

impl Delivery for ConsoleDelivery {
    async fn post(
        &self,
        channel: &ChannelRef,
        message: &Message,
        _nonce: &str,
        fence: &Fence,
    ) -> Result<String, DeliveryError> {
        fence.check()?;
        let id = format!("m{}", self.next_id.fetch_add(1, Ordering::SeqCst) + 1);
        self.push(Some(id.clone()), Target::Channel(channel.clone()), message.clone());
        Ok(id)
    }

    async fn send(&self, outgoing: &Outgoing, fence: &Fence) -> Result<(), DeliveryError> {
        fence.check()?;
        self.push(None, outgoing.to.clone(), outgoing.message.clone());
        Ok(())
    }
}
