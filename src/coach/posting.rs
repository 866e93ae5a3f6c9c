//! Lesson posts of one cohort: the catch-up policy, the outbox claim, reconciliation of posts a
//! crash left unconfirmed, retries with backoff, and what a permanent failure does.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};

use super::context::{CohortCtx, instant};
use super::error::CoachResult;
use super::tick::{TickReport, channel};
use super::{Coach, Delivery, DeliveryError, Message, Outgoing, lesson};
use crate::domain::{CatchUp, Slot, to_post};
use crate::store::{Claim, CohortState, LessonPost, NewLessonPost, PostState};

/// First retry after a temporary failure; doubles per attempt up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::seconds(30);
const MAX_BACKOFF: Duration = Duration::minutes(30);

/// Whether the cohort can take more posts in this tick: a permanent failure stops it.
#[derive(Debug, PartialEq, Eq)]
enum Flow {
    Continue,
    Stop,
}

impl Coach {
    /// Posts what is due for an active cohort. Rows a crash left claimed are reconciled first
    /// (found on the platform → completed; not found → re-sent with the same nonce), so no day
    /// is lost or doubled; then the catch-up policy picks the days to claim and send.
    pub(super) async fn post_lessons<D: Delivery>(
        &self,
        ctx: &CohortCtx,
        delivery: &D,
        now: DateTime<Utc>,
        report: &mut TickReport,
        out: &mut Vec<Outgoing>,
    ) -> CoachResult<()> {
        let mut handled = BTreeSet::new();
        for post in self.store.list_unconfirmed_posts(ctx.cohort.id).await? {
            handled.insert(post.day);
            if let Some(at) = post.retry_at.filter(|at| *at > now.timestamp()) {
                report.retry_at(instant(at));
                continue;
            }
            if self.reconcile(ctx, post, delivery, now, report, out).await? == Flow::Stop {
                return Ok(());
            }
        }
        let policy = CatchUp::parse(&ctx.cohort.catch_up).unwrap_or_default();
        for slot in to_post(policy, &ctx.calendar.due_slots(now), now, max_lateness(ctx)) {
            if handled.contains(&i64::from(slot.day)) {
                continue;
            }
            let Claim::Claimed(post) = self.store.claim_post(&new_post(ctx, &slot, now)).await? else {
                continue;
            };
            if self.send_post(ctx, post, delivery, now, report, out).await? == Flow::Stop {
                return Ok(());
            }
        }
        Ok(())
    }

    /// A claimed row without a confirmed send: the process that claimed it may have posted and
    /// died before recording the message id. Ask the platform before sending again.
    async fn reconcile<D: Delivery>(
        &self,
        ctx: &CohortCtx,
        post: LessonPost,
        delivery: &D,
        now: DateTime<Utc>,
        report: &mut TickReport,
        out: &mut Vec<Outgoing>,
    ) -> CoachResult<Flow> {
        match delivery.find_post(&channel(ctx), &post.nonce).await {
            Ok(Some(message_id)) => {
                self.store.complete_post(post.id, &message_id, now.timestamp()).await?;
                tracing::info!(cohort = ctx.cohort.id, day = post.day, %message_id, "unconfirmed post found");
                report.recovered += 1;
                Ok(Flow::Continue)
            }
            Ok(None) if now - instant(post.due_at) > max_lateness(ctx) => {
                let why = "unconfirmed after a restart and now too late to post";
                self.store.close_post(post.id, PostState::Abandoned, why).await?;
                tracing::warn!(cohort = ctx.cohort.id, day = post.day, "lesson post abandoned: {why}");
                Ok(Flow::Continue)
            }
            Ok(None) => {
                let Some(post) = self.store.reclaim_post(post.id, &instance(), now.timestamp()).await? else {
                    return Ok(Flow::Continue);
                };
                self.send_post(ctx, post, delivery, now, report, out).await
            }
            Err(e) => self.failed(ctx, post, e, now, report, out).await,
        }
    }

    async fn send_post<D: Delivery>(
        &self,
        ctx: &CohortCtx,
        post: LessonPost,
        delivery: &D,
        now: DateTime<Utc>,
        report: &mut TickReport,
        out: &mut Vec<Outgoing>,
    ) -> CoachResult<Flow> {
        let day = u32::try_from(post.day).unwrap_or(0);
        let Some(message) = lesson::post(&ctx.curriculum, ctx.cohort.id, day) else {
            let why = format!("day {day} is not in curriculum `{}`", ctx.cohort.curriculum_id);
            self.store.close_post(post.id, PostState::Failed, &why).await?;
            return Ok(Flow::Continue);
        };
        match delivery.post(&channel(ctx), &message, &post.nonce).await {
            Ok(message_id) => {
                self.store.complete_post(post.id, &message_id, now.timestamp()).await?;
                report.posted.push((ctx.cohort.id, day));
                super::quiz::warmups(self, ctx, now, out).await?;
                Ok(Flow::Continue)
            }
            Err(e) => self.failed(ctx, post, e, now, report, out).await,
        }
    }

    /// A temporary failure waits for a retry with backoff (never past `max_lateness`); a
    /// permanent one ends the row, flags the cohort and tells its admins, instead of retrying forever.
    async fn failed(
        &self,
        ctx: &CohortCtx,
        post: LessonPost,
        error: DeliveryError,
        now: DateTime<Utc>,
        report: &mut TickReport,
        out: &mut Vec<Outgoing>,
    ) -> CoachResult<Flow> {
        let (cohort, day) = (ctx.cohort.id, post.day);
        let DeliveryError::Permanent(reason) = &error else {
            let wait = match &error {
                DeliveryError::RateLimited { retry_after, .. } => {
                    backoff(post.attempts).max(Duration::from_std(*retry_after).unwrap_or(MAX_BACKOFF))
                }
                _ => backoff(post.attempts),
            };
            let retry = now + wait;
            if retry - instant(post.due_at) > max_lateness(ctx) {
                self.store.close_post(post.id, PostState::Abandoned, &error.to_string()).await?;
                tracing::warn!(cohort, day, %error, "lesson post abandoned: too late to retry");
            } else {
                self.store.defer_post(post.id, &error.to_string(), retry.timestamp()).await?;
                tracing::warn!(cohort, day, %error, attempts = post.attempts, %retry, "lesson post will be retried");
                report.retry_at(retry);
            }
            return Ok(Flow::Continue);
        };
        self.store.close_post(post.id, PostState::Failed, reason).await?;
        self.flag(ctx, day, reason, now, out).await?;
        report.flagged.push(cohort);
        Ok(Flow::Stop)
    }

    /// Stops the cohort's posts and tells the organizer (and admin members) what to fix.
    async fn flag(
        &self,
        ctx: &CohortCtx,
        day: i64,
        reason: &str,
        now: DateTime<Utc>,
        out: &mut Vec<Outgoing>,
    ) -> CoachResult<()> {
        let cohort = ctx.cohort.id;
        let flag = format!("lesson post for day {day} failed: {reason}");
        self.store.set_cohort_state(cohort, CohortState::Flagged, Some(&flag), now.timestamp()).await?;
        tracing::error!(cohort, day, %reason, "cohort flagged: the platform refused a lesson post");
        let text = format!(
            "⚠️ I could not post day {day} of **{}** in the cohort's channel: {reason}. Lesson posts for \
             this cohort are stopped. Fix the bot's access to the channel, then run `/studybot resume` there.",
            ctx.curriculum.title
        );
        // The organizer who set the cohort up, and any member recorded as an admin.
        let mut admins = BTreeSet::from([ctx.cohort.created_by.clone()]);
        for (membership, member) in self.store.list_cohort_member_profiles(cohort).await? {
            if membership.is_admin {
                admins.insert(member.user_id);
            }
        }
        for user_id in admins.iter().filter(|id| !id.is_empty()) {
            out.push(Outgoing::direct(ctx.cohort.platform.as_str(), user_id, Message::text(text.clone())));
        }
        Ok(())
    }
}

fn new_post(ctx: &CohortCtx, slot: &Slot, now: DateTime<Utc>) -> NewLessonPost {
    NewLessonPost {
        cohort_id: ctx.cohort.id,
        day: slot.day.into(),
        local_date: slot.date.format("%Y-%m-%d").to_string(),
        due_at: slot.at.timestamp(),
        nonce: super::lesson::post_nonce(ctx.cohort.id, slot.day),
        claimed_by: instance(),
        claimed_at: now.timestamp(),
    }
}

/// Who claimed a row, for diagnosing multi-instance deployments.
fn instance() -> String {
    format!("pid-{}", std::process::id())
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
