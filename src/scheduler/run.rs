//! The scheduler loop: keeps each cohort's next wake-up, sleeps until the nearest one, and ticks
//! the cohorts that are due, several at a time.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use tokio_util::sync::CancellationToken;

use super::cache::Cache;
use super::clock::Clock;
use super::retention::Retention;
use crate::coach::{Coach, CoachResult, CohortCtx, Delivery, Fence, TickReport, wakeup};
use crate::faults::{Backoff, Episode, chain};

/// The first real-time wait after a failure; it doubles per failure up to [`RETRY_CAP`].
const RETRY_FIRST: Duration = Duration::from_secs(1);
const RETRY_CAP: Duration = Duration::from_secs(30);

#[derive(Debug, Clone)]
pub struct SchedulerConfig {
    /// Cohorts ticked at the same time; the pacer keeps their posts within platform limits.
    pub concurrency: usize,
    /// How often the schedule epoch is read, so a change made by another instance takes effect.
    pub poll: Duration,
    /// After a stop request, how long in-flight ticks may run before they are dropped (their
    /// claimed posts are then reconciled at the next start).
    pub shutdown_grace: Duration,
    /// How long handled events' dedupe keys are kept, on the scheduler's clock; the leader
    /// deletes older ones once an hour.
    pub processed_events_retention: chrono::Duration,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        SchedulerConfig::from(&crate::config::SchedulerConfig::default())
    }
}

impl From<&crate::config::SchedulerConfig> for SchedulerConfig {
    fn from(config: &crate::config::SchedulerConfig) -> Self {
        SchedulerConfig {
            concurrency: config.concurrency,
            poll: Duration::from_millis(config.epoch_poll_ms),
            shutdown_grace: Duration::from_secs(config.shutdown_grace_secs),
            processed_events_retention: i64::try_from(config.processed_events_retention_days)
                .ok()
                .and_then(chrono::Duration::try_days)
                .unwrap_or(chrono::Duration::MAX),
        }
    }
}

pub struct Scheduler<D> {
    coach: Coach,
    delivery: D,
    clock: Arc<dyn Clock>,
    config: SchedulerConfig,
    /// Reading the cohorts, and ticking them: each logs once per episode of failures.
    reading: Episode,
    ticking: Episode,
    retention: Retention,
}

impl<D: Delivery> Scheduler<D> {
    pub fn new(coach: Coach, delivery: D, clock: Arc<dyn Clock>, config: SchedulerConfig) -> Self {
        let (reading, ticking) = (Episode::new("reading the cohorts"), Episode::new("cohort tick"));
        let retention = Retention::new(config.processed_events_retention);
        Scheduler { coach, delivery, clock, config, reading, ticking, retention }
    }

    pub fn delivery(&self) -> &D {
        &self.delivery
    }

    /// Runs until `stop` is cancelled or `fence` ends; returns what it did. Every send goes
    /// through `fence`. Database errors are logged once per episode and retried with backoff on
    /// real time, whatever the virtual clock: a scheduler that gives up posts nothing. Beside
    /// the posting, old dedupe keys are deleted once an hour and the active counts are refreshed
    /// once a minute; that work never holds it up.
    #[tracing::instrument(skip_all, fields(generation = fence.generation()))]
    pub async fn run(&self, fence: &Fence, stop: CancellationToken) -> TickReport {
        let housekeeping = stop.child_token();
        let schedule = async {
            let total = self.schedule(fence, &stop).await;
            housekeeping.cancel();
            total
        };
        let retention = self.retention.run(self.coach.store(), &*self.clock, fence, &housekeeping);
        let gauges = super::gauges::refresh(self.coach.store(), &housekeeping);
        let (total, (), ()) = tokio::join!(schedule, retention, gauges);
        tracing::info!(posted = total.posted.len(), "scheduler stopped");
        total
    }

    /// The posting loop of [`Scheduler::run`].
    async fn schedule(&self, fence: &Fence, stop: &CancellationToken) -> TickReport {
        let mut cache = Cache::default();
        let mut total = TickReport::default();
        let mut backoff = Backoff::new(RETRY_FIRST, RETRY_CAP);
        let changes = self.coach.changes();
        let mut first_pass = true;
        while !stop.is_cancelled() && !fence.is_ended() {
            let reload = match cache.refresh(&self.coach, self.clock.now()).await {
                Ok(reload) => reload,
                Err(e) => {
                    let wait = backoff.next_wait();
                    self.reading.failed(&e, &format!("retrying in {wait:?}"));
                    tokio::select! {
                        () = tokio::time::sleep(wait) => continue,
                        () = stop.cancelled() => break,
                    }
                }
            };
            self.reading.recovered();
            backoff.reset();
            self.save_wakeups(&mut cache, &reload.kept, fence).await;
            let now = self.clock.now();
            let ready: Vec<i64> = cache.due.iter().filter(|(_, at)| **at <= now).map(|(id, _)| *id).collect();
            if !ready.is_empty() {
                let ticked = ready.len();
                match self.tick_ready(&mut cache, ready, fence, now, stop).await {
                    Some(report) => total.merge(report),
                    None => break,
                }
                if std::mem::take(&mut first_pass) {
                    tracing::info!(ticked, cohorts = cache.cohorts.len(), "first scheduler pass done");
                }
                continue;
            }
            let nearest = cache.due.values().min().map(|at| self.clock.real_until(*at));
            let wait = nearest.unwrap_or(self.config.poll).min(self.config.poll);
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = changes.notified() => {}
                () = stop.cancelled() => break,
                () = fence.ended() => break,
            }
        }
        total
    }

    /// Ticks `due`, `concurrency` at a time, starting no new tick once `stopping` is set. A plain
    /// loop over `FuturesUnordered` rather than stream combinators: their closures over borrowed
    /// cohorts make the future not `Send` (rust-lang/rust#102211), and a scheduler must be
    /// spawnable.
    async fn tick_all(
        &self,
        due: &[&CohortCtx],
        fence: &Fence,
        now: DateTime<Utc>,
        stopping: &AtomicBool,
    ) -> Vec<(i64, CoachResult<TickReport>)> {
        let mut queue = due.iter();
        let mut running = FuturesUnordered::new();
        let mut results = Vec::with_capacity(due.len());
        loop {
            while running.len() < self.config.concurrency.max(1) && !stopping.load(Ordering::Relaxed) {
                let Some(ctx) = queue.next() else { break };
                running.push(self.tick_one(ctx, fence, now));
            }
            match running.next().await {
                Some(result) => results.push(result),
                None => return results,
            }
        }
    }

    async fn tick_one(
        &self,
        ctx: &CohortCtx,
        fence: &Fence,
        now: DateTime<Utc>,
    ) -> (i64, CoachResult<TickReport>) {
        (ctx.cohort.id, self.coach.tick_cohort(ctx, &self.delivery, fence, now).await)
    }

    /// Ticks the ready cohorts, `concurrency` at a time. On a stop request no new tick starts and
    /// the running ones get `shutdown_grace`; `None` means they did not finish in it.
    async fn tick_ready(
        &self,
        cache: &mut Cache,
        ready: Vec<i64>,
        fence: &Fence,
        now: DateTime<Utc>,
        stop: &CancellationToken,
    ) -> Option<TickReport> {
        let stopping = AtomicBool::new(false);
        let results = {
            let due: Vec<&CohortCtx> =
                ready.iter().filter_map(|id| cache.cohorts.get(id).map(Arc::as_ref)).collect();
            let work = self.tick_all(&due, fence, now, &stopping);
            tokio::pin!(work);
            tokio::select! {
                results = &mut work => results,
                () = stop.cancelled() => {
                    stopping.store(true, Ordering::Relaxed);
                    tokio::time::timeout(self.config.shutdown_grace, work).await.ok()?
                }
            }
        };
        let mut report = TickReport::default();
        let mut ticked = Vec::with_capacity(results.len());
        for (id, result) in results {
            if result.is_ok() {
                ticked.push(id);
            }
            let next = match result {
                Ok(tick) => {
                    cache.failures.remove(&id);
                    let retry = tick.retry;
                    let real = tick.wake_real.map(|at| {
                        self.clock.after_real(at.saturating_duration_since(std::time::Instant::now()))
                    });
                    report.merge(tick);
                    let at = cache.cohorts.get(&id).and_then(|ctx| wakeup(ctx, now));
                    at.into_iter().chain(retry).chain(real).min()
                }
                Err(e) => {
                    let failures = cache.failures.entry(id).or_default();
                    *failures += 1;
                    let wait = (RETRY_FIRST * 2_u32.pow((*failures - 1).min(5))).min(RETRY_CAP);
                    self.ticking
                        .failed(&anyhow::Error::from(e), &format!("retrying cohort {id} in {wait:?}"));
                    Some(self.clock.after_real(wait))
                }
            };
            match next {
                Some(at) => cache.due.insert(id, at),
                None => cache.due.remove(&id),
            };
        }
        if cache.failures.is_empty() {
            self.ticking.recovered();
        }
        self.save_wakeups(cache, &ticked, fence).await;
        Some(report)
    }

    /// Saves the cohorts' wake-ups, so that a restart ticks only what is due. A wake-up not saved
    /// leaves the older one, already past or stamped before the cohort's change, and the cohort
    /// is ticked at once at the next start. Nothing is saved once `fence` has ended: a tick cut
    /// short by it (its posts or windows left for the next leader) must not look done. A wake-up
    /// this scheduler saved already as it is is not written again.
    async fn save_wakeups(&self, cache: &mut Cache, ids: &[i64], fence: &Fence) {
        if fence.is_ended() {
            return;
        }
        let wakeups = cache.wakeups(ids);
        if wakeups.is_empty() {
            return;
        }
        match self.coach.store().save_wakeups(&wakeups).await {
            Ok(()) => cache.saved(wakeups),
            Err(e) => {
                tracing::warn!(error = %chain(&e), "wake-ups not saved; a restart ticks these cohorts at once")
            }
        }
    }
}
