//! Reactions changed while an adapter was away: read back from the platform and applied to the reaction checkpoints.
//!
//! A platform that delivers reactions only to a connected bot (Discord's gateway) loses the ones
//! made during a restart or a full re-identify. The adapter lists the recent lesson posts, asks the
//! platform who has the ✅ on each now, and hands that list here; the difference is applied through
//! the same checkpoint code as a live reaction, so streaks and points follow.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::context::CohortCtx;
use super::contexts::Contexts;
use super::error::CoachResult;
use super::{Actor, ChannelRef, Coach, Inbound, InboundKind, checkpoint, platform_of};
use crate::domain::DayNumber;
use crate::faults::chain;
use crate::store::{CheckpointSource, Platform};

/// A lesson post whose reactions an adapter can read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecentPost {
    pub channel: ChannelRef,
    pub cohort_id: i64,
    pub day: DayNumber,
    pub message_id: String,
}

/// How an adapter reads back who has the ✅ on a post now (bots left out).
pub trait ReadReactions: Sync {
    type Error: std::error::Error + Send + Sync + 'static;
    /// Whether this reader reads `post` (a Discord instance reads only its shards' guilds).
    fn covers(&self, _post: &RecentPost) -> bool {
        true
    }
    fn reacted(&self, post: &RecentPost) -> impl Future<Output = Result<Vec<Actor>, Self::Error>> + Send;
}

/// What one reconciliation changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reconciled {
    pub added: usize,
    pub removed: usize,
}

impl Coach {
    /// Lesson posts on `platform` sent at or after `since`, for cohorts still running, whose
    /// check-in window is still open at `now`: a ✅ on an older post could only be a late
    /// check-in nobody is waiting for, and reading it back would cost a platform call per post.
    /// One store query however many cohorts there are; each cohort's calendar comes from the
    /// context cache the live events use.
    pub async fn recent_posts(
        &self,
        platform: &str,
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> CoachResult<Vec<RecentPost>> {
        let Some(kind) = Platform::parse(platform) else { return Ok(Vec::new()) };
        let mut out = Vec::new();
        let mut ctx: Option<(i64, Option<Arc<CohortCtx>>)> = None;
        for sent in self.store.list_sent_since(kind, since.timestamp()).await? {
            let (post, cohort_id) = (&sent.post, sent.post.cohort_id);
            let channel = ChannelRef {
                platform: platform.to_string(),
                workspace: sent.workspace_id.clone(),
                channel: sent.channel_id.clone(),
            };
            if ctx.as_ref().is_none_or(|(id, _)| *id != cohort_id) {
                let loaded = match Contexts::get(self, &channel).await {
                    Ok(loaded) => loaded.filter(|c| c.cohort.id == cohort_id),
                    Err(e) => {
                        tracing::warn!(error = %chain(&e), cohort = cohort_id, "cohort skipped in the read-back");
                        None
                    }
                };
                ctx = Some((cohort_id, loaded));
            }
            let Some((_, Some(cohort))) = &ctx else { continue };
            let open = cohort
                .slots
                .slot_of(post.day)
                .is_some_and(|slot| cohort.closes_at(&slot).is_none_or(|c| c > now));
            if let (true, Some(message_id)) = (open, post.platform_message_id.clone()) {
                out.push(RecentPost { channel, cohort_id, day: post.day, message_id });
            }
        }
        Ok(out)
    }

    /// Reconciles every lesson post on `platform` sent within the last `days`: `reader` reads
    /// who has the ✅ on a post now (one platform request at a time, so a restart of a bot with
    /// many cohorts stays far below the rate limits); a post it cannot read is skipped and logged.
    pub async fn reconcile_recent(
        &self,
        platform: &str,
        days: u32,
        now: impl Fn() -> DateTime<Utc>,
        reader: &impl ReadReactions,
    ) -> Reconciled {
        let mut total = Reconciled::default();
        if days == 0 {
            return total;
        }
        let since = now() - chrono::Duration::days(i64::from(days));
        let posts = match self.recent_posts(platform, since, now()).await {
            Ok(posts) => posts.into_iter().filter(|p| reader.covers(p)).collect::<Vec<_>>(),
            Err(e) => {
                tracing::error!(error = %chain(&e), platform, "cannot list recent lesson posts to reconcile");
                return total;
            }
        };
        for post in &posts {
            let users = match reader.reacted(post).await {
                Ok(users) => users,
                Err(e) => {
                    let channel = &post.channel.channel;
                    tracing::warn!(error = %chain(&e), day = %post.day, %channel, "cannot read reactions");
                    continue;
                }
            };
            match self.reconcile_reactions(post, &users, now()).await {
                Ok(r) => (total.added, total.removed) = (total.added + r.added, total.removed + r.removed),
                Err(e) => tracing::warn!(error = %chain(&e), day = %post.day, "reactions not reconciled"),
            }
        }
        let (posts, added, removed) = (posts.len(), total.added, total.removed);
        tracing::info!(platform, posts, added, removed, "reactions reconciled");
        total
    }

    /// Brings the reaction checkpoints of `post` in line with `reacted`, the members who have the
    /// ✅ on it now: a reaction added while away is recorded, one removed while away is undone.
    /// Checkpoints made by button or command are never touched.
    pub async fn reconcile_reactions(
        &self,
        post: &RecentPost,
        reacted: &[Actor],
        now: DateTime<Utc>,
    ) -> CoachResult<Reconciled> {
        let platform = platform_of(&post.channel)?;
        let mut names: HashMap<String, String> = HashMap::new();
        let mut checked: HashMap<String, CheckpointSource> = HashMap::new();
        for (user, name, source) in self.store.list_day_checkins(post.cohort_id, post.day).await? {
            names.insert(user.clone(), name);
            checked.insert(user, source);
        }
        let present: HashSet<&str> = reacted.iter().map(|a| a.user_id.as_str()).collect();
        let mut report = Reconciled::default();
        for actor in reacted.iter().filter(|a| !checked.contains_key(&a.user_id)) {
            report.added += usize::from(apply(self, post, actor, true, now).await);
        }
        let gone = checked
            .iter()
            .filter(|(u, s)| **s == CheckpointSource::Reaction && !present.contains(u.as_str()));
        for (user, _) in gone {
            let name = names.get(user).cloned().unwrap_or_else(|| user.clone());
            let actor = Actor { user_id: user.clone(), name, is_admin: false };
            report.removed += usize::from(apply(self, post, &actor, false, now).await);
        }
        tracing::debug!(?platform, day = %post.day, ?report, "reactions reconciled");
        Ok(report)
    }
}

/// One reaction change, through the live path; a failure is logged and the rest go on.
async fn apply(coach: &Coach, post: &RecentPost, actor: &Actor, added: bool, now: DateTime<Utc>) -> bool {
    let emoji = "✅".to_string();
    let message_id = post.message_id.clone();
    let kind = if added {
        InboundKind::ReactionAdded { message_id, emoji }
    } else {
        InboundKind::ReactionRemoved { message_id, emoji }
    };
    let verb = if added { "add" } else { "remove" };
    let inbound = Inbound {
        channel: post.channel.clone(),
        actor: actor.clone(),
        dedupe_key: format!("reconcile:{}:{}:{verb}:{}", post.message_id, actor.user_id, now.timestamp()),
        kind,
    };
    match checkpoint::reaction(coach, &inbound, &post.message_id, added, now).await {
        Ok(_) => true,
        Err(e) => {
            tracing::warn!(error = %chain(&e), day = %post.day, user = %actor.user_id, "reaction not reconciled");
            false
        }
    }
}
