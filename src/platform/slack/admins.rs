//! Who a Slack member is: name and admin flag from users.info, cached, and not asked while Slack rate-limits the method; plus the admins the operator listed.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use slack_morphism::errors::SlackClientError;
use slack_morphism::prelude::*;

use super::delivery::SlackApi;
use crate::coach::Actor;
use crate::faults::chain;

/// How long a users.info answer is trusted: an admin demoted in Slack loses the admin commands
/// within this time.
const ADMIN_TTL: Duration = Duration::from_secs(300);
/// How long users.info is left alone after a 429 that gave no Retry-After.
const HOLD_WITHOUT_RETRY_AFTER: Duration = Duration::from_secs(30);
/// The most members the cache holds (about 100 bytes each): a workspace with more members than
/// this active at once keeps asking users.info for the ones it let go, rather than growing.
const CACHE_MAX: usize = 100_000;

/// Who may run the admin commands: workspace admins and owners (users.info), and the members the
/// operator listed in `slack.admins`.
pub struct Admins {
    listed: Vec<String>,
    seen: Mutex<HashMap<String, Seen>>,
    /// Set by a 429 from users.info (Tier 4, about 100 calls a minute): until then members are
    /// taken as last seen, so a burst of check-ins after a restart does not keep hitting the limit.
    held_until: Mutex<Option<Instant>>,
}

#[derive(Clone)]
struct Seen {
    admin: bool,
    name: String,
    at: Instant,
}

impl Admins {
    pub fn new(listed: Vec<String>) -> Admins {
        Admins { listed, seen: Mutex::new(HashMap::new()), held_until: Mutex::new(None) }
    }

    /// The member as an [`Actor`]: display name and admin flag, from users.info (cached). A
    /// lookup that fails, or is not made while users.info is rate-limited, means "not an admin",
    /// with the name last seen or none (the store then keeps the name it has), never an error for
    /// the member; it is not cached, so a later event asks again.
    pub async fn actor(&self, api: &SlackApi, user_id: &str) -> Actor {
        let cached = self.seen.lock().expect("admin cache").get(user_id).cloned();
        let (admin, name) = match cached {
            Some(seen) if seen.at.elapsed() < ADMIN_TTL => (seen.admin, seen.name),
            stale => match self.lookup(api, user_id).await {
                Some((admin, name)) => {
                    let seen = Seen { admin, name: name.clone(), at: Instant::now() };
                    remember(&mut self.seen.lock().expect("admin cache"), user_id, seen, CACHE_MAX);
                    (admin, name)
                }
                None => (false, stale.map(|seen| seen.name).unwrap_or_default()),
            },
        };
        self.actor_as(user_id, admin, name)
    }

    /// The member of an event that needs no admin flag (a ✅): a member seen before, however long
    /// ago, is taken as last seen; users.info is asked only for one not seen since the start. A
    /// member's daily ✅ then costs no call against users.info's tier.
    pub async fn member(&self, api: &SlackApi, user_id: &str) -> Actor {
        let cached = self.seen.lock().expect("admin cache").get(user_id).cloned();
        match cached {
            Some(seen) => self.actor_as(user_id, seen.admin, seen.name),
            None => self.actor(api, user_id).await,
        }
    }

    /// The member as far as it is known without asking Slack: the cached name and admin flag, or
    /// an empty name (the store then keeps the name it has) and no admin. For the startup
    /// read-back, which would otherwise call users.info once per reacting member.
    pub fn known(&self, user_id: &str) -> Actor {
        let cached = self.seen.lock().expect("admin cache").get(user_id).cloned();
        let (admin, name) = cached.map_or((false, String::new()), |seen| (seen.admin, seen.name));
        self.actor_as(user_id, admin, name)
    }

    fn actor_as(&self, user_id: &str, admin: bool, name: String) -> Actor {
        let is_admin = admin || self.listed.iter().any(|u| u == user_id);
        Actor { user_id: user_id.to_string(), name, is_admin }
    }

    /// users.info for one member: `(admin, display name)`, or none when it failed or is held.
    async fn lookup(&self, api: &SlackApi, user_id: &str) -> Option<(bool, String)> {
        if self.held_until.lock().expect("users.info hold").is_some_and(|until| Instant::now() < until) {
            return None;
        }
        let session = api.client.open_session(&api.token);
        let request = SlackApiUsersInfoRequest::new(SlackUserId::new(user_id.to_string()));
        match session.users_info(&request).await {
            Ok(info) => Some(named(info.user, user_id)),
            Err(SlackClientError::RateLimitError(limit)) => {
                let wait = limit.retry_after.unwrap_or(HOLD_WITHOUT_RETRY_AFTER);
                *self.held_until.lock().expect("users.info hold") = Some(Instant::now() + wait);
                tracing::warn!(
                    retry_after_secs = wait.as_secs(),
                    "users.info is rate-limited; members are taken as last seen (no admin commands for those not seen) until then"
                );
                None
            }
            Err(e) => {
                tracing::warn!(error = %chain(&e), user = user_id, "users.info failed; treating the member as no admin");
                None
            }
        }
    }
}

/// Caches `seen` for `user_id`. A full cache (`max` members) first lets go of the members whose
/// admin flag is past its time, then, if that freed less than a tenth, of the least recently
/// asked tenth: bounded memory, and a member let go is only asked again.
fn remember(cache: &mut HashMap<String, Seen>, user_id: &str, seen: Seen, max: usize) {
    if cache.len() >= max && !cache.contains_key(user_id) {
        cache.retain(|_, s| s.at.elapsed() < ADMIN_TTL);
        if cache.len() > max - max / 10 {
            let mut ages: Vec<Instant> = cache.values().map(|s| s.at).collect();
            let cut = ages.len() - (max - max / 10);
            let (_, &mut oldest_kept, _) = ages.select_nth_unstable(cut);
            cache.retain(|_, s| s.at >= oldest_kept);
        }
    }
    cache.insert(user_id.to_string(), seen);
}

/// The admin flag (admin or owner) and the name Slack shows: display name, else real name, else
/// the handle, else the user id.
fn named(user: SlackUser, user_id: &str) -> (bool, String) {
    let flags = user.flags;
    let admin = flags.is_admin.unwrap_or(false) || flags.is_owner.unwrap_or(false);
    let profile = user.profile.as_ref();
    let name = profile
        .and_then(|p| p.display_name.clone().filter(|n| !n.is_empty()))
        .or_else(|| profile.and_then(|p| p.real_name.clone()))
        .or(user.name.clone())
        .unwrap_or_else(|| user_id.to_string());
    (admin, name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(name: &str, ago: Duration) -> Seen {
        Seen { admin: false, name: name.into(), at: Instant::now() - ago }
    }

    #[test]
    fn a_full_cache_lets_go_of_stale_members_first_then_of_the_least_recently_asked() {
        let mut cache = HashMap::new();
        // 10 members: 3 past the admin flag's time, 7 fresh of different ages.
        for i in 0..3 {
            remember(&mut cache, &format!("U{i}"), seen("stale", ADMIN_TTL + Duration::from_secs(1)), 10);
        }
        for i in 3..10 {
            remember(&mut cache, &format!("U{i}"), seen("fresh", Duration::from_secs(20 - i)), 10);
        }
        assert_eq!(cache.len(), 10);
        // One more: the stale three go, nothing fresh.
        remember(&mut cache, "U10", seen("new", Duration::ZERO), 10);
        assert_eq!(cache.len(), 8);
        assert!((0..3).all(|i| !cache.contains_key(&format!("U{i}"))));
        assert!((3..11).all(|i| cache.contains_key(&format!("U{i}"))));
        // Fill it again with fresh members only: the least recently asked go, the newest stay.
        remember(&mut cache, "U11", seen("new", Duration::ZERO), 10);
        remember(&mut cache, "U12", seen("new", Duration::ZERO), 10);
        remember(&mut cache, "U13", seen("new", Duration::ZERO), 10);
        assert!(cache.len() <= 10, "bounded: {}", cache.len());
        assert!(!cache.contains_key("U3"), "the least recently asked went first");
        assert!(cache.contains_key("U13") && cache.contains_key("U10"));
        // A member already cached is refreshed, not counted twice.
        let before = cache.len();
        remember(&mut cache, "U13", seen("renamed", Duration::ZERO), before);
        assert_eq!(cache.len(), before);
        assert_eq!(cache["U13"].name, "renamed");
    }
}
