//! The scheduler's memory of the cohorts it drives: their calendars as of a schedule epoch and
//! when each next needs a tick, reloaded cohort by cohort as their change stamps move.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::coach::{Coach, CohortCtx, wakeup};
use crate::store::Wakeup;

#[derive(Default)]
pub(super) struct Cache {
    epoch: Option<i64>,
    /// Shared with the coach's event contexts where they are the same load.
    pub cohorts: HashMap<i64, Arc<CohortCtx>>,
    pub due: HashMap<i64, DateTime<Utc>>,
    /// Consecutive failed ticks per cohort, for its real-time backoff.
    pub failures: HashMap<i64, u32>,
    /// The schedule epoch each cohort's calendar was loaded at: the stamp its saved wake-up
    /// carries, so a restart trusts the wake-up only while the cohort has not changed since.
    pub loaded_at: HashMap<i64, i64>,
    /// The wake-ups this scheduler saved last, so one that did not change is not written again.
    saved: HashMap<i64, Wakeup>,
}

/// What a [`Cache::refresh`] read.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Reload {
    /// Cohorts loaded.
    pub loaded: usize,
    /// Cohorts reloaded with their calendar unchanged: they keep their wake-up, to be saved again
    /// under the new stamp (no tick will save it for them).
    pub kept: Vec<i64>,
}

impl Cache {
    /// Brings the cache up to the schedule epoch: every cohort the first time, then only the
    /// cohorts stamped after the cached epoch, each replacing its old entry (never two copies of
    /// the cache at once). A cohort whose row and calendar are unchanged keeps its wake-up; a new
    /// or changed one is due at `now`; one that is gone, completed or flagged leaves the cache.
    pub async fn refresh(&mut self, coach: &Coach, now: DateTime<Utc>) -> anyhow::Result<Reload> {
        let store = coach.store();
        let epoch = store.schedule_epoch().await?;
        let Some(cached) = self.epoch else {
            return self.load_all(coach, epoch, now).await;
        };
        if cached == epoch {
            return Ok(Reload::default());
        }
        let changed = store.cohorts_changed_since(cached).await?;
        // Read all at once first: when the database fails nothing past the cached epoch counts
        // as read, and the retry reloads these cohorts again.
        let mut loaded: HashMap<i64, Arc<CohortCtx>> =
            coach.scheduled_cohorts_in(&changed).await?.into_iter().map(|ctx| (ctx.cohort.id, ctx)).collect();
        let mut kept = Vec::new();
        for (id, stamp) in &changed {
            let id = *id;
            // Gone, completed or flagged, or (as in the first load) not loadable — a broken
            // curriculum version, a corrupt row, logged — it leaves the cache, not the others.
            let Some(ctx) = loaded.remove(&id) else {
                self.forget(id);
                continue;
            };
            let old = self.cohorts.get(&id).filter(|old| old.same_schedule(&ctx));
            if old.and(self.due.get(&id)).is_some() {
                kept.push(id);
            } else {
                self.due.insert(id, now);
            }
            self.cohorts.insert(id, ctx);
            self.loaded_at.insert(id, epoch.max(*stamp));
        }
        // A change committed after the epoch was read is applied already: its stamp counts.
        let seen = changed.iter().map(|(_, stamp)| *stamp).max().unwrap_or(epoch);
        self.epoch = Some(epoch.max(seen));
        tracing::debug!(epoch, reloaded = changed.len(), cohorts = self.cohorts.len(), "schedule reloaded");
        Ok(Reload { loaded: changed.len(), kept })
    }

    /// The first load: every cohort the clock drives. A cohort with a wake-up saved after its
    /// last tick, and no change since, waits for it (or for nothing, when it has no time-driven
    /// work). One with a post claimed but not confirmed, or on a curriculum whose file changed (it
    /// has a notice to send), is due at once. So is one without a valid wake-up (never ticked, as
    /// on a fresh or upgraded database, or changed since) once a lesson of it is out; before its
    /// first lesson every time-driven job (posts, windows, reminders, boards, quizzes) has nothing
    /// to do, so it waits for its next wake-up instead of a tick that would find nothing.
    async fn load_all(&mut self, coach: &Coach, epoch: i64, now: DateTime<Utc>) -> anyhow::Result<Reload> {
        let saved: HashMap<i64, Option<i64>> =
            coach.store().valid_wakeups().await?.into_iter().map(|w| (w.cohort_id, w.next_at)).collect();
        // A claim not confirmed (a crash mid-send, a leader that lost its lease mid-tick) is
        // reconciled at once, whatever the wake-up or the calendar says.
        let unconfirmed: HashSet<i64> =
            coach.store().cohorts_with_unconfirmed_posts().await?.into_iter().collect();
        let contexts = coach.scheduled_cohorts().await?;
        let mut waiting = 0;
        for ctx in contexts {
            let id = ctx.cohort.id;
            let on_file = coach.catalog().version(&ctx.cohort.curriculum_id);
            let drifted = on_file.is_none_or(|v| v.hash != ctx.version.hash);
            let due = match saved.get(&id) {
                _ if drifted || unconfirmed.contains(&id) => Some(now),
                Some(at) => at.map(|at| DateTime::from_timestamp(at, 0).unwrap_or(now)),
                None if ctx.slots.due(now).is_none() => wakeup(&ctx, now),
                None => Some(now),
            };
            if due.is_none_or(|at| at > now) {
                waiting += 1;
            }
            if let Some(at) = due {
                self.due.insert(id, at);
            }
            self.loaded_at.insert(id, epoch);
            self.cohorts.insert(id, ctx);
        }
        self.epoch = Some(epoch);
        let ready = self.due.values().filter(|at| **at <= now).count();
        tracing::info!(epoch, cohorts = self.cohorts.len(), waiting, ready, "schedule loaded");
        Ok(Reload { loaded: self.cohorts.len(), kept: Vec::new() })
    }

    /// The wake-ups to save after a tick: each cohort's next due instant (or none), stamped with
    /// the epoch its calendar was loaded at; none that this cache saved already as it is.
    pub fn wakeups(&self, ids: &[i64]) -> Vec<Wakeup> {
        ids.iter()
            .filter_map(|id| {
                let stamp = *self.loaded_at.get(id)?;
                let next_at = self.due.get(id).map(DateTime::timestamp);
                Some(Wakeup { cohort_id: *id, next_at, stamp })
            })
            .filter(|w| self.saved.get(&w.cohort_id) != Some(w))
            .collect()
    }

    /// Records wake-ups as saved (their statement committed).
    pub fn saved(&mut self, wakeups: Vec<Wakeup>) {
        self.saved.extend(wakeups.into_iter().map(|w| (w.cohort_id, w)));
    }

    fn forget(&mut self, id: i64) {
        self.cohorts.remove(&id);
        self.due.remove(&id);
        self.failures.remove(&id);
        self.loaded_at.remove(&id);
        self.saved.remove(&id);
    }
}

#[cfg(test)]
mod tests;
