//! Cohort contexts cached per channel for the events of that channel: an event reads one row (the
//! channel's cohort and its change stamp) instead of the cohort, its holidays, pauses and
//! adjustments, and its calendar is not computed again until the cohort changes. A check-in reads
//! none: it takes the cached context as it is, and its batch checks the stamp in the transaction
//! that writes it (`coach/checkpoint.rs`). The scheduler's first load seeds the cache, so a burst
//! right after a restart does not load contexts one by one.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::context::CohortCtx;
use super::error::CoachResult;
use super::{ChannelRef, Coach, platform_of};
use crate::store::Platform;

/// The most contexts kept; past it the cache starts over (a bot with more active channels than
/// this reads their cohorts as it did before the cache, and memory stays bounded).
const MAX_CACHED: usize = 20_000;

/// A channel, as its platform and id.
type Channel = (Platform, String);

/// The cohort's change stamp when its context was loaded, and the context.
type Stamped = (i64, Arc<CohortCtx>);

#[derive(Default)]
pub struct Contexts {
    by_channel: Mutex<HashMap<Channel, Stamped>>,
}

impl Contexts {
    /// The cohort bound to `channel`, from the cache when its stamp has not moved; `None` when
    /// the channel has none.
    pub(super) async fn get(coach: &Coach, channel: &ChannelRef) -> CoachResult<Option<Arc<CohortCtx>>> {
        let platform = platform_of(channel)?;
        let Some((id, stamp)) = coach.store.channel_cohort_stamp(platform, &channel.channel).await? else {
            return Ok(None);
        };
        let key = (platform, channel.channel.clone());
        let cached = coach.contexts.by_channel.lock().expect("contexts lock").get(&key).cloned();
        if let Some((_, ctx)) = cached.filter(|(seen, ctx)| *seen == stamp && ctx.cohort.id == id) {
            return Ok(Some(ctx));
        }
        // Loaded after the stamp was read: a change in between is in the context, and the next
        // event sees a newer stamp and loads again.
        let Some(cohort) = coach.store.get_cohort(id).await? else { return Ok(None) };
        let ctx = Arc::new(CohortCtx::load(coach, cohort).await?);
        let mut cache = coach.contexts.by_channel.lock().expect("contexts lock");
        if cache.len() >= MAX_CACHED {
            cache.clear();
        }
        cache.insert(key, (stamp, Arc::clone(&ctx)));
        Ok(Some(ctx))
    }

    /// The context cached for `channel` and the stamp it was cached under, without asking the
    /// store whether it is still current: for a check-in, whose batch checks the stamp inside its
    /// own transaction ([`CheckIn::cached_at`](super::checkins::CheckIn::cached_at)).
    pub(super) fn cached(&self, channel: &ChannelRef) -> Option<Stamped> {
        let key = (platform_of(channel).ok()?, channel.channel.clone());
        self.by_channel.lock().expect("contexts lock").get(&key).cloned()
    }

    /// Caches contexts the scheduler loaded, each under its cohort's stamp as read before the
    /// load (0 when it has none), so events share them; a context cached under the same or a
    /// newer stamp stays, an older one is replaced (and freed once the scheduler lets go of it).
    pub(super) fn seed(&self, stamps: &HashMap<i64, i64>, loaded: &[Arc<CohortCtx>]) {
        let mut cache = self.by_channel.lock().expect("contexts lock");
        for ctx in loaded {
            let (cohort, stamp) = (&ctx.cohort, stamps.get(&ctx.cohort.id).copied().unwrap_or(0));
            let key = (cohort.platform, cohort.channel_id.clone());
            // Newer than the cached entry, or a free place for a channel not cached yet.
            let newer = match cache.get(&key) {
                Some((seen, _)) => *seen < stamp,
                None => cache.len() < MAX_CACHED,
            };
            if newer {
                cache.insert(key, (stamp, Arc::clone(ctx)));
            }
        }
    }
}
