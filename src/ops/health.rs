//! Readiness: whether the database answers, the platform is connected and the scheduler lease's
//! state is known. The platform adapters and the lease loop report here; `/readyz` asks.

use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::time::Duration;

use crate::faults::chain;
use crate::store::Store;

/// How long `/readyz` waits for the database's `SELECT 1`.
pub const DB_TIMEOUT: Duration = Duration::from_secs(2);

/// The platform's connection as the adapter last reported it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// Not started yet, or still connecting.
    Connecting = 0,
    /// Discord's gateway READY (or RESUMED), Slack's Socket Mode connected or its HTTP routes
    /// mounted, the console always.
    Connected = 1,
    /// Was connected and lost it (a Discord shard reconnecting).
    Disconnected = 2,
}

static LINK: AtomicU8 = AtomicU8::new(Link::Connecting as u8);
/// What is missing while the link is not connected, when the adapter can say (which shards).
static LINK_DETAIL: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);
static LEASE_KNOWN: AtomicBool = AtomicBool::new(false);

/// What the adapter reports about its connection.
pub fn set_link(link: Link) {
    LINK.store(link as u8, Ordering::Relaxed);
}

/// The link with what it still lacks, e.g. "Discord shard 2, 3 of 4 without a session".
pub fn set_link_with(link: Link, detail: Option<String>) {
    *LINK_DETAIL.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = detail;
    set_link(link);
}

fn link_detail() -> Option<String> {
    LINK_DETAIL.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
}

pub fn link() -> Link {
    match LINK.load(Ordering::Relaxed) {
        1 => Link::Connected,
        2 => Link::Disconnected,
        _ => Link::Connecting,
    }
}

/// The lease loop has had one answer from the database: this instance holds the lease, or
/// knows who does.
pub fn set_lease_known() {
    LEASE_KNOWN.store(true, Ordering::Relaxed);
}

pub fn lease_known() -> bool {
    LEASE_KNOWN.load(Ordering::Relaxed)
}

/// `Ok` when ready, else the first reason it is not, in plain words for `/readyz`'s body.
pub async fn check(store: &Store) -> Result<(), String> {
    match tokio::time::timeout(DB_TIMEOUT, store.ping()).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(format!("database unreachable: {}", chain(&e))),
        Err(_) => return Err(format!("database unreachable: no answer to SELECT 1 within {DB_TIMEOUT:?}")),
    }
    let why = match link() {
        Link::Connected => None,
        Link::Connecting => Some("platform not connected yet"),
        Link::Disconnected => Some("platform connection lost; reconnecting"),
    };
    if let Some(why) = why {
        return Err(link_detail().map_or_else(|| why.to_string(), |detail| format!("{why}: {detail}")));
    }
    if !lease_known() {
        return Err("scheduler lease state not known yet".into());
    }
    Ok(())
}
