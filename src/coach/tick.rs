//! Time-driven work: lesson posts through the outbox, reminders, weekly leaderboards, and (in
//! `settle`) closing windows and completion. Called by the scheduler or the console's virtual clock.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use super::context::CohortCtx;
use super::drift::tell_drift;
use super::error::{CoachError, CoachResult};
use super::leaderboard::{By, board_message, with_chart};
use super::posting::Posting;
use super::settle::{close_windows, complete};
use super::{ChannelRef, Coach, Delivery, DeliveryError, Fence, Message, Outgoing};
use crate::domain::{CronSpec, DayNumber, Timezone, reminder_due, upcoming};
use crate::faults::chain;
use crate::store::{self, CohortState};

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TickReport {
    /// (cohort id, day) of every lesson posted.
    pub posted: Vec<(i64, DayNumber)>,
    /// Posts a crash left unconfirmed that the platform showed were made: completed, not re-sent.
    pub recovered: usize,
    /// Other messages sent: notices, reminders, leaderboards.
    pub messages: usize,
    pub completed: Vec<i64>,
    /// Cohorts stopped by a permanent delivery failure.
    pub flagged: Vec<i64>,
    /// The earliest retry of a post that failed for a temporary reason.
    pub retry: Option<DateTime<Utc>>,
    /// The earliest real instant at which the cohort needs another tick whatever the cohort's
    /// clock says: claims of an older lease generation become ours to reconcile then.
    pub wake_real: Option<std::time::Instant>,
}

impl TickReport {
    pub fn retry_at(&mut self, at: DateTime<Utc>) {
        self.retry = Some(self.retry.map_or(at, |r| r.min(at)));
    }

    pub fn wake_real(&mut self, at: std::time::Instant) {
        self.wake_real = Some(self.wake_real.map_or(at, |w| w.min(at)));
    }

    /// Adds another cohort's report to this one.
    pub fn merge(&mut self, other: TickReport) {
        self.posted.extend(other.posted);
        self.recovered += other.recovered;
        self.messages += other.messages;
        self.completed.extend(other.completed);
        self.flagged.extend(other.flagged);
        if let Some(at) = other.retry {
            self.retry_at(at);
        }
        if let Some(at) = other.wake_real {
            self.wake_real(at);
        }
    }
}

/// How far back a tick looks for windows that closed, so a missed tick still settles them.
pub(super) const LOOKBACK: Duration = Duration::days(7);

impl Coach {
    /// Every cohort the clock drives (active or paused), with its calendar. A cohort whose
    /// curriculum or settings are broken is logged and left out rather than stopping the others;
    /// a database error fails the whole load (a cohort left out for it would not be driven).
    pub async fn scheduled_cohorts(&self) -> CoachResult<Vec<Arc<CohortCtx>>> {
        // Stamps read before the cohorts: a change in between leaves a context older than its
        // stamp, which the next event then loads again.
        let stamps: HashMap<i64, i64> =
            self.store.cohorts_changed_since(i64::MIN).await?.into_iter().collect();
        self.load_scheduled(&stamps, None).await
    }

    /// The cohorts among `changed` (id and change stamp, read before this call) as
    /// [`Coach::scheduled_cohorts`] lists them, in four statements however many: one gone or no
    /// longer driven by the clock (completed, flagged) is not listed, nor one that cannot be
    /// loaded (logged).
    pub async fn scheduled_cohorts_in(&self, changed: &[(i64, i64)]) -> CoachResult<Vec<Arc<CohortCtx>>> {
        let ids: Vec<i64> = changed.iter().map(|(id, _)| *id).collect();
        self.load_scheduled(&changed.iter().copied().collect(), Some(&ids)).await
    }

    async fn load_scheduled(
        &self,
        stamps: &HashMap<i64, i64>,
        ids: Option<&[i64]>,
    ) -> CoachResult<Vec<Arc<CohortCtx>>> {
        let mut out = Vec::new();
        for (cohort, rows) in self.store.list_scheduled_cohorts(ids).await? {
            let id = cohort.id;
            match CohortCtx::with_rows(self, cohort, &rows).await {
                Ok(ctx) => out.push(Arc::new(ctx)),
                Err(CoachError::Store(e)) => return Err(CoachError::Store(e)),
                Err(e) => tracing::warn!(error = %chain(&e), cohort = id, "cohort skipped"),
            }
        }
        // Events share them: after a restart, the first event of each channel finds its context
        // loaded instead of loading it while a burst waits.
        self.contexts.seed(stamps, &out);
        Ok(out)
    }

    /// One cohort as [`Coach::scheduled_cohorts`] would list it: `None` when it is gone or no
    /// longer driven by the clock (completed, flagged), an error when it cannot be loaded.
    pub async fn scheduled_cohort(&self, id: i64) -> CoachResult<Option<Arc<CohortCtx>>> {
        let stamp = self.store.cohort_stamp(id).await?;
        match self.store.get_cohort(id).await? {
            Some(cohort) if matches!(cohort.state, CohortState::Active | CohortState::Paused) => {
                let ctx = Arc::new(CohortCtx::load(self, cohort).await?);
                // Events take the reload too, instead of keeping the old one beside it.
                self.contexts.seed(&HashMap::from([(id, stamp)]), std::slice::from_ref(&ctx));
                Ok(Some(ctx))
            }
            _ => Ok(None),
        }
    }

    /// Does everything due at `now` for every active cohort, one cohort after another, for an
    /// in-process tool that owns its database (the console, the demo): no lease, no fence.
    #[tracing::instrument(skip_all)]
    pub async fn tick<D: Delivery>(&self, delivery: &D, now: DateTime<Utc>) -> CoachResult<TickReport> {
        let mut report = TickReport::default();
        for ctx in self.scheduled_cohorts().await? {
            report.merge(self.tick_cohort(&ctx, delivery, Fence::unfenced(), now).await?);
        }
        Ok(report)
    }

    /// Everything due at `now` for one cohort: lesson posts, closing windows, reminders, the
    /// weekly board and completion. Safe to call at any instant and again: claims make it
    /// idempotent. Every send goes through `fence`; once it has ended, nothing more is sent.
    #[tracing::instrument(skip_all, fields(cohort = ctx.cohort.id))]
    pub async fn tick_cohort<D: Delivery>(
        &self,
        ctx: &CohortCtx,
        delivery: &D,
        fence: &Fence,
        now: DateTime<Utc>,
    ) -> CoachResult<TickReport> {
        let mut report = TickReport::default();
        let mut out = Vec::new();
        // Telling about a changed file must never stop the lessons it is about.
        if let Err(e) = tell_drift(self, ctx, delivery, now, &mut out).await {
            tracing::warn!(error = %chain(&e), "curriculum drift not told");
        }
        if ctx.cohort.state == CohortState::Active {
            let posting =
                Posting { coach: self, ctx, delivery, fence, now, report: &mut report, out: &mut out };
            posting.run().await?;
        }
        if fence.is_ended() {
            return Ok(report);
        }
        close_windows(self, ctx, now, &mut out).await?;
        reminders(self, ctx, now, &mut out).await?;
        weekly_board(self, ctx, now, &mut out).await?;
        super::quiz::on_tick(self, ctx, now, &mut out).await?;
        if complete(self, ctx, now, &mut out).await? {
            report.completed.push(ctx.cohort.id);
        }
        for message in &out {
            match delivery.send(message, fence).await {
                Ok(()) => report.messages += 1,
                Err(DeliveryError::Fenced(_)) => break,
                Err(e) => tracing::warn!(error = %chain(&e), "message not delivered"),
            }
        }
        Ok(report)
    }

    /// The earliest instant after `now` at which [`Coach::tick`] has something to do.
    pub async fn next_wakeup(&self, now: DateTime<Utc>) -> CoachResult<Option<DateTime<Utc>>> {
        let contexts = self.scheduled_cohorts().await?;
        Ok(contexts.iter().filter_map(|ctx| wakeup(ctx, now)).min())
    }
}

/// The earliest instant after `now` at which the cohort has time-driven work: its next lesson,
/// a window closing, a reminder, the weekly board. Pure: the scheduler calls it for each cohort
/// after each tick, so it sleeps until the nearest one instead of polling.
pub fn wakeup(ctx: &CohortCtx, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let mut times = Vec::new();
    if let Some(next) = ctx.slots.next(now) {
        times.push(next.at);
    }
    for slot in ctx.slots.due_slots(now).iter().rev().take(2) {
        if let Some(close) = ctx.closes_at(slot) {
            times.push(close);
            times.push(close - Duration::hours(ctx.cohort.reminder_hours));
        }
    }
    times.extend(weekly_fires(ctx, now, now + Duration::days(8)).first());
    times.into_iter().filter(|t| *t > now).min()
}

/// Nudges members who asked for it, once per lesson, before the latest window closes.
async fn reminders(
    coach: &Coach,
    ctx: &CohortCtx,
    now: DateTime<Utc>,
    out: &mut Vec<Outgoing>,
) -> CoachResult<()> {
    let Some(slot) = ctx.slots.due(now) else { return Ok(()) };
    let Some(close) = ctx.closes_at(&slot) else { return Ok(()) };
    let hours = u32::try_from(ctx.cohort.reminder_hours).unwrap_or(0);
    if !reminder_due(u32::MAX, close, hours, now) {
        return Ok(());
    }
    for (membership, member) in coach.store.list_cohort_member_profiles(ctx.cohort.id).await? {
        if !membership.remind {
            continue;
        }
        let streak =
            coach.store.get_member_stats(ctx.cohort.id, member.id).await?.map_or(0, |s| s.current_streak);
        let checked = coach.store.get_checkpoint(ctx.cohort.id, member.id, slot.day).await?.is_some();
        let streak = u32::try_from(streak).unwrap_or(0);
        if checked || !reminder_due(streak, close, hours, now) {
            continue;
        }
        if coach
            .store
            .notice_once(ctx.cohort.id, member.id, "reminder", &slot.day.to_string(), now.timestamp())
            .await?
        {
            let text = format!(
                "⏰ Your {streak}-day streak: day {} is still open until {}. `/checkpoint day:{}` when done.",
                slot.day,
                ctx.local(close),
                slot.day
            );
            out.push(direct(&member, text));
        }
    }
    Ok(())
}

async fn weekly_board(
    coach: &Coach,
    ctx: &CohortCtx,
    now: DateTime<Utc>,
    out: &mut Vec<Outgoing>,
) -> CoachResult<()> {
    let Some(first) = ctx.slots.due_slots(now).first().map(|s| s.at) else { return Ok(()) };
    let Some(fire) = weekly_fires(ctx, now - LOOKBACK, now).into_iter().rev().find(|f| *f > first) else {
        return Ok(());
    };
    if !coach.store.claim_job(&format!("weekly:{}", ctx.cohort.id), fire.timestamp(), now.timestamp()).await?
    {
        return Ok(());
    }
    let board = board_message(coach, ctx, By::Points, true, None, now).await?;
    // Drawn off the async workers: a fan-out of boards at the same minute must not hold up the
    // members' check-ins arriving meanwhile.
    let file = format!("cohort-{}-week", ctx.cohort.id);
    let board = tokio::task::spawn_blocking(move || with_chart(board, &file))
        .await
        .map_err(|e| CoachError::Other(anyhow::anyhow!("drawing the weekly chart failed: {e}")))?;
    out.push(Outgoing::channel(&channel(ctx), board));
    Ok(())
}

pub(super) fn channel(ctx: &CohortCtx) -> ChannelRef {
    ChannelRef {
        platform: ctx.cohort.platform.as_str().to_string(),
        workspace: ctx.cohort.workspace_id.clone(),
        channel: ctx.cohort.channel_id.clone(),
    }
}

pub(super) fn direct(member: &store::Member, text: String) -> Outgoing {
    Outgoing::direct(member.platform.as_str(), &member.user_id, Message::text(text))
}

/// Fires of the weekly leaderboard schedule in `(from, until]`.
fn weekly_fires(ctx: &CohortCtx, from: DateTime<Utc>, until: DateTime<Utc>) -> Vec<DateTime<Utc>> {
    let (Ok(spec), Ok(tz)) =
        (CronSpec::parse(&ctx.cohort.leaderboard_schedule), Timezone::parse(&ctx.cohort.timezone))
    else {
        return Vec::new();
    };
    upcoming(&spec, &tz, from, 16)
        .into_iter()
        .map(|t| t.with_timezone(&Utc))
        .filter(|t| *t <= until)
        .collect()
}
