//! The lease holder's metrics refresh: active cohorts and members, counted once a minute.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::ops::metrics;
use crate::store::Store;

/// How often the counts are taken: two cheap queries a minute.
pub const REFRESH: Duration = Duration::from_secs(60);

/// Counts at once, then every [`REFRESH`] until `stop`. A failed count keeps the last values
/// (the error is already counted in `studybot_db_errors_total`).
pub async fn refresh(store: &Store, stop: &CancellationToken) {
    loop {
        match store.active_counts().await {
            Ok(counts) => metrics::active(counts.cohorts, counts.members),
            Err(e) => tracing::debug!(error = %crate::faults::chain(&e), "active counts not refreshed"),
        }
        tokio::select! {
            () = tokio::time::sleep(REFRESH) => {}
            () = stop.cancelled() => return,
        }
    }
}
