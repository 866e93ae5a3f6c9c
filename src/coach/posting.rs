//! Lesson posts of one cohort: the catch-up policy, the outbox claim, reconciliation of posts a
//! crash left unconfirmed, retries with backoff, and what a permanent failure does.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};

use super::context::{CohortCtx, instant};
use super::error::CoachResult;
use super::tick::{TickReport, channel};
use super::{Coach, Delivery, DeliveryError, Fence, Message, Outgoing, lesson};
use crate::domain::{CatchUp, DayNumber, Slot, to_post};
use crate::faults::chain;
use crate::ops::metrics::{self, PostOutcome};
use crate::store::{Claim, CohortState, LessonPost, NewLessonPost, PostState, StoreError};

/// First retry after a temporary failure; doubles per attempt up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::seconds(30);
const MAX_BACKOFF: Duration = Duration::minutes(30);

/// Whether the cohort can take more posts in this tick: a permanent failure stops it.
#[derive(Debug, PartialEq, Eq)]
enum Flow {
    Continue,
    Stop,
}

/// One cohort's lesson posts in one tick: who sends, under which fence, and what it reports.
pub(super) struct Posting<'a, D> {
    pub coach: &'a Coach,
    pub ctx: &'a CohortCtx,
    pub delivery: &'a D,
    pub fence: &'a Fence,
    pub now: DateTime<Utc>,
    pub report: &'a mut TickReport,
    pub out: &'a mut Vec<Outgoing>,
}

impl<D: Delivery> Posting<'_, D> {
    /// Posts what is due for an active cohort. Rows left claimed (by a crash, a deferred failure
    /// or an older leader) are reconciled first (found on the platform → completed; not found →
    /// re-sent with the same nonce), so no day is lost or doubled; then the catch-up policy picks
    /// the days to claim and send.
    pub async fn run(mut self) -> CoachResult<()> {
        let mut handled = BTreeSet::new();
        for post in self.coach.store.list_unconfirmed_posts(self.ctx.cohort.id).await? {
            handled.insert(post.day);
            if post.generation > self.fence.generation() {
                self.fence.end("a newer leader holds this cohort's claims: stepping down");
                return Ok(());
            }
            if post.generation < self.fence.generation() && !self.fence.may_adopt() {
                // An older leader's send may still be in flight; its claims wait until it has ended.
                self.report.wake_real(self.fence.adopt_after());
                continue;
            }
            if let Some(at) = post.retry_at.filter(|at| *at > self.now.timestamp()) {
                self.report.retry_at(instant(at));
                continue;
            }
            if self.reconcile(post).await? == Flow::Stop {
                return Ok(());
            }
        }
        let ctx = self.ctx;
        let policy = CatchUp::parse(&ctx.cohort.catch_up).unwrap_or_default();
        for slot in to_post(policy, &ctx.slots.due_slots(self.now), self.now, max_lateness(ctx)) {
            if handled.contains(&slot.day) {
                continue;
            }
            let claim = self.coach.store.claim_post(&new_post(ctx, &slot, self.fence, self.now)).await?;
            let post = match claim {
                Claim::Claimed(post) => post,
                Claim::Stale => {
                    self.fence.end("the scheduler lease is no longer current: stepping down");
                    return Ok(());
                }
                Claim::AlreadyClaimed(_) | Claim::AlreadySent(_) | Claim::Closed(_) => continue,
            };
            if self.send_post(post).await? == Flow::Stop {
                return Ok(());
            }
        }
        Ok(())
    }

    /// A claimed row without a confirmed send: the process that claimed it may have posted and
    /// died (or froze) before recording the message id. The row is made this generation's first —
    /// refused by the database unless this lease is current — then the platform is asked before
    /// anything is sent again.
    async fn reconcile(&mut self, post: LessonPost) -> CoachResult<Flow> {
        let (store, fence, now) = (&self.coach.store, self.fence, self.now);
        let Some(post) =
            store.reclaim_post(post.id, fence.generation(), &instance(), now.timestamp()).await?
        else {
            return Ok(Flow::Continue);
        };
        let day = post.day;
        match self.delivery.find_post(&channel(self.ctx), &post.nonce).await {
            Ok(Some(message_id)) => {
                if !self.completed(&post, &message_id).await? {
                    return Ok(Flow::Stop);
                }
                tracing::info!(%day, %message_id, "unconfirmed post found");
                self.count(PostOutcome::Sent);
                self.report.recovered += 1;
                Ok(self.mark(&message_id).await)
            }
            Ok(None) if now - late_since(&post) > max_lateness(self.ctx) => {
                let why = "unconfirmed after a restart and now too late to post";
                store.close_post(post.id, fence.generation(), PostState::Abandoned, why).await?;
                self.count(PostOutcome::Abandoned);
                tracing::warn!(%day, "lesson post abandoned: {why}");
                Ok(Flow::Continue)
            }
            Ok(None) => self.send_post(post).await,
            Err(e) => self.failed(post, e).await,
        }
    }

    /// The bot's ✅ under a post found on the platform: the crash may have come before `post` added
    /// it. Without it members only lose a click, so a failure is logged and the tick goes on.
    async fn mark(&self, message_id: &str) -> Flow {
        match self.delivery.mark_post(&channel(self.ctx), message_id, self.fence).await {
            Ok(()) => Flow::Continue,
            Err(DeliveryError::Fenced(_)) => Flow::Stop,
            Err(e) => {
                tracing::warn!(%message_id, error = %chain(&e), "could not add ✅ under a recovered lesson post");
                Flow::Continue
            }
        }
    }

    async fn send_post(&mut self, post: LessonPost) -> CoachResult<Flow> {
        let (ctx, fence) = (self.ctx, self.fence);
        let day = post.day;
        let Some(message) = lesson::post(&ctx.curriculum, ctx.cohort.id, day) else {
            let why = format!("day {day} is not in curriculum `{}`", ctx.cohort.curriculum_id);
            self.coach.store.close_post(post.id, fence.generation(), PostState::Failed, &why).await?;
            self.count(PostOutcome::Failed);
            return Ok(Flow::Continue);
        };
        match self.delivery.post(&channel(ctx), &message, &post.nonce, fence).await {
            Ok(message_id) => {
                if !self.completed(&post, &message_id).await? {
                    return Ok(Flow::Stop);
                }
                self.count(PostOutcome::Sent);
                let late = (self.now - instant(post.due_at)).num_milliseconds() as f64 / 1000.0;
                metrics::lesson_lateness(ctx.cohort.platform.as_str(), late);
                self.report.posted.push((ctx.cohort.id, day));
                super::quiz::warmups(self.coach, ctx, self.now, self.out).await?;
                Ok(Flow::Continue)
            }
            // The lease ended: the row stays claimed for the next leader to reconcile.
            Err(DeliveryError::Fenced(_)) => Ok(Flow::Stop),
            Err(e) => self.failed(post, e).await,
        }
    }

    /// Records the send. `false` when a newer leader has adopted the row meanwhile: this lease
    /// has ended, and that leader will find the post on the platform and complete it.
    async fn completed(&mut self, post: &LessonPost, message_id: &str) -> CoachResult<bool> {
        let generation = self.fence.generation();
        match self.coach.store.complete_post(post.id, generation, message_id, self.now.timestamp()).await {
            Ok(_) => Ok(true),
            Err(StoreError::Stale { current, .. }) => {
                let why =
                    format!("lease generation {current} took over this instance's claims: stepping down");
                self.fence.end(&why);
                Ok(false)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// A temporary failure waits for a retry with backoff (never past `max_lateness`); a
    /// permanent one ends the row, flags the cohort and tells its admins, instead of retrying forever.
    async fn failed(&mut self, post: LessonPost, error: DeliveryError) -> CoachResult<Flow> {
        let (cohort, day, generation) = (self.ctx.cohort.id, post.day, self.fence.generation());
        let store = &self.coach.store;
        let reason = match &error {
            DeliveryError::Permanent(reason) => reason.clone(),
            DeliveryError::Fenced(_) => return Ok(Flow::Stop),
            DeliveryError::RateLimited { .. } | DeliveryError::Temporary(_) => {
                let retry = self.now + retry_wait(&post, &error);
                if retry - late_since(&post) > max_lateness(self.ctx) {
                    store.close_post(post.id, generation, PostState::Abandoned, &error.to_string()).await?;
                    self.count(PostOutcome::Abandoned);
                    tracing::warn!(%day, %error, "lesson post abandoned: too late to retry");
                } else {
                    store.defer_post(post.id, generation, &error.to_string(), retry.timestamp()).await?;
                    self.count(PostOutcome::Retried);
                    tracing::warn!(%day, %error, attempts = post.attempts, %retry, "lesson post will be retried");
                    self.report.retry_at(retry);
                }
                return Ok(Flow::Continue);
            }
        };
        store.close_post(post.id, generation, PostState::Failed, &reason).await?;
        self.count(PostOutcome::Failed);
        self.flag(day, &reason).await?;
        self.report.flagged.push(cohort);
        Ok(Flow::Stop)
    }

    /// Counts what a post came to, by the cohort's platform.
    fn count(&self, outcome: PostOutcome) {
        metrics::lesson_post(self.ctx.cohort.platform.as_str(), outcome);
    }

    /// Stops the cohort's posts and tells the organizer (and admin members) what to fix.
    async fn flag(&mut self, day: DayNumber, reason: &str) -> CoachResult<()> {
        let ctx = self.ctx;
        let cohort = ctx.cohort.id;
        let flag = format!("lesson post for day {day} failed: {reason}");
        let store = &self.coach.store;
        store.set_cohort_state(cohort, CohortState::Flagged, Some(&flag), self.now.timestamp()).await?;
        tracing::error!(%day, %reason, "cohort flagged: the platform refused a lesson post");
        // An organizer may run several cohorts of one curriculum: the server and channel say which.
        let label = self.delivery.channel_label(&channel(ctx)).await;
        let text = format!(
            "⚠️ I could not post day {day} of **{}** in {label}: {reason}. Lesson posts for this cohort are \
             stopped. Fix the bot's access to {label}, then run `/studybot resume` there: day {day} is posted \
             then if it is still the current lesson.",
            ctx.curriculum.title
        );
        // The organizer who set the cohort up, and any member recorded as an admin.
        let mut admins = BTreeSet::from([ctx.cohort.created_by.clone()]);
        for (membership, member) in store.list_cohort_member_profiles(cohort).await? {
            if membership.is_admin {
                admins.insert(member.user_id);
            }
        }
        for user_id in admins.iter().filter(|id| !id.is_empty()) {
            let dm = Outgoing::direct(ctx.cohort.platform.as_str(), user_id, Message::text(text.clone()));
            self.out.push(dm);
        }
        Ok(())
    }
}

/// How long a temporary failure waits: the backoff, and never less than a 429's `retry_after`.
fn retry_wait(post: &LessonPost, error: &DeliveryError) -> Duration {
    match error {
        DeliveryError::RateLimited { retry_after, .. } => {
            backoff(post.attempts).max(Duration::from_std(*retry_after).unwrap_or(MAX_BACKOFF))
        }
        _ => backoff(post.attempts),
    }
}

fn new_post(ctx: &CohortCtx, slot: &Slot, fence: &Fence, now: DateTime<Utc>) -> NewLessonPost {
    NewLessonPost {
        cohort_id: ctx.cohort.id,
        day: slot.day,
        local_date: slot.date.format("%Y-%m-%d").to_string(),
        due_at: slot.at.timestamp(),
        nonce: super::lesson::post_nonce(ctx.cohort.id, slot.day),
        claimed_by: instance(),
        claimed_at: now.timestamp(),
        generation: fence.generation(),
    }
}

/// Who claimed a row, for diagnosing multi-instance deployments.
fn instance() -> String {
    format!("pid-{}", std::process::id())
}

/// Where a post's lateness counts from: its lesson's instant, or the resume that re-opened it
/// after the platform refused it (an admin asked for it then, however late the lesson was).
fn late_since(post: &LessonPost) -> DateTime<Utc> {
    instant(post.reopened_at.unwrap_or(post.due_at).max(post.due_at))
}

fn max_lateness(ctx: &CohortCtx) -> Duration {
    Duration::seconds(ctx.cohort.max_lateness_secs.max(0))
}

/// 30 s, 1 min, 2 min, … up to 30 min after the `attempts`-th failure.
fn backoff(attempts: i64) -> Duration {
    let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 16)).unwrap_or(16);
    (FIRST_BACKOFF * 2_i32.pow(doublings)).min(MAX_BACKOFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let secs: Vec<i64> = [0, 1, 2, 3, 6, 7, 100].iter().map(|a| backoff(*a).num_seconds()).collect();
        assert_eq!(secs, vec![30, 30, 60, 120, 960, 1800, 1800]);
    }
}
