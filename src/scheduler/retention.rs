//! Housekeeping under the scheduler lease: the dedupe keys of handled events are deleted once they
//! are older than any redelivery, in batches, at most once an hour, beside the lesson posting and
//! never in its way.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use super::clock::Clock;
use crate::coach::Fence;
use crate::faults::chain;
use crate::store::Store;

/// How often the leader purges, on real time: the table grows by the events of an hour between
/// two purges, and a rehearsal clock running fast does not turn it into a busy loop.
pub const PURGE_EVERY: Duration = Duration::from_secs(3600);
/// Rows per DELETE statement: each one holds SQLite's write lock for milliseconds, so check-ins
/// and lesson claims wait at most that long behind it.
pub const PURGE_BATCH: u32 = 5_000;

pub(super) struct Retention {
    /// How long a key is kept, on the scheduler's clock (the one events are stamped with).
    keep: chrono::Duration,
    /// When this process last started a purge. It outlives a lease term, so a leader that loses
    /// and retakes the lease does not purge again within the hour.
    last: Mutex<Option<Instant>>,
}

impl Retention {
    pub(super) fn new(keep: chrono::Duration) -> Retention {
        Retention { keep, last: Mutex::new(None) }
    }

    /// Purges once the last purge is an hour old (at once on the first lease term), then every
    /// hour, until `done` is cancelled or `fence` ends. A failed purge is logged and tried again
    /// an hour later: the keys only take space, and lessons go on being posted meanwhile.
    pub(super) async fn run(
        &self,
        store: &Store,
        clock: &dyn Clock,
        fence: &Fence,
        done: &CancellationToken,
    ) {
        loop {
            let last = *self.lock();
            let wait = last.map_or(Duration::ZERO, |at| PURGE_EVERY.saturating_sub(at.elapsed()));
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = done.cancelled() => return,
                () = fence.ended() => return,
            }
            *self.lock() = Some(Instant::now());
            // Events are stamped with this clock's `now`, so the cutoff is taken on it too.
            let Some(cutoff) = clock.now().checked_sub_signed(self.keep) else { continue };
            let before = cutoff.timestamp();
            tokio::select! {
                purged = store.purge_processed_events(before, PURGE_BATCH) => match purged {
                    Ok(0) => tracing::debug!(before, "no event dedupe keys to delete"),
                    Ok(deleted) => tracing::info!(deleted, before, "old event dedupe keys deleted"),
                    Err(e) => tracing::warn!(
                        error = %chain(&e),
                        "deleting old event dedupe keys failed; trying again in an hour"
                    ),
                },
                () = done.cancelled() => return,
                () = fence.ended() => return,
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Instant>> {
        self.last.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
