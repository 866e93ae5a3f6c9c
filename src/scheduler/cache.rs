//! The scheduler's memory of the cohorts it drives: their calendars as of a schedule epoch and
//! when each next needs a tick, reloaded cohort by cohort as their change stamps move.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::coach::{Coach, CoachError, CohortCtx};
use crate::faults::chain;

#[derive(Default)]
pub(super) struct Cache {
    epoch: Option<i64>,
    /// Shared with the coach's event contexts where they are the same load.
    pub cohorts: HashMap<i64, Arc<CohortCtx>>,
    pub due: HashMap<i64, DateTime<Utc>>,
    /// Consecutive failed ticks per cohort, for its real-time backoff.
    pub failures: HashMap<i64, u32>,
}

impl Cache {
    /// Brings the cache up to the schedule epoch: every cohort the first time, then only the
    /// cohorts stamped after the cached epoch, each replacing its old entry (never two copies of
    /// the cache at once). A cohort whose row and calendar are unchanged keeps its wake-up; a new
    /// or changed one is due at `now`; one that is gone, completed or flagged leaves the cache.
    /// Returns how many cohorts were loaded.
    pub async fn refresh(&mut self, coach: &Coach, now: DateTime<Utc>) -> anyhow::Result<usize> {
        let store = coach.store();
        let epoch = store.schedule_epoch().await?;
        let Some(cached) = self.epoch else {
            let contexts = coach.scheduled_cohorts().await?;
            self.due = contexts.iter().map(|ctx| (ctx.cohort.id, now)).collect();
            self.cohorts = contexts.into_iter().map(|ctx| (ctx.cohort.id, ctx)).collect();
            self.epoch = Some(epoch);
            tracing::debug!(epoch, cohorts = self.cohorts.len(), "schedule loaded");
            return Ok(self.cohorts.len());
        };
        if cached == epoch {
            return Ok(0);
        }
        let changed = store.cohorts_changed_since(cached).await?;
        for &(id, _) in &changed {
            match coach.scheduled_cohort(id).await {
                Ok(Some(ctx)) => {
                    let old = self.cohorts.get(&id).filter(|old| old.same_schedule(&ctx));
                    let due = old.and(self.due.get(&id)).copied().unwrap_or(now);
                    self.due.insert(id, due);
                    self.cohorts.insert(id, ctx);
                }
                Ok(None) => self.forget(id),
                // The database failed: nothing past the cached epoch counts as read, so the
                // retry reloads these cohorts again.
                Err(CoachError::Store(e)) => return Err(e.into()),
                Err(e) => {
                    // As in the first load: a cohort that cannot be loaded (a broken curriculum
                    // version, a corrupt row) is left out, not the others.
                    tracing::warn!(error = %chain(&e), cohort = id, "cohort skipped");
                    self.forget(id);
                }
            }
        }
        // A change committed after the epoch was read is applied already: its stamp counts.
        let seen = changed.iter().map(|(_, stamp)| *stamp).max().unwrap_or(epoch);
        self.epoch = Some(epoch.max(seen));
        tracing::debug!(epoch, reloaded = changed.len(), cohorts = self.cohorts.len(), "schedule reloaded");
        Ok(changed.len())
    }

    fn forget(&mut self, id: i64) {
        self.cohorts.remove(&id);
        self.due.remove(&id);
        self.failures.remove(&id);
    }
}

#[cfg(test)]
mod tests;
