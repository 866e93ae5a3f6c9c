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
                    self.seen.lock().expect("admin cache").insert(user_id.to_string(), seen);
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
