//! Slack events → coach: reactions on lesson posts, the `/studybot` command and button presses, each with its dedupe key; who is an admin.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use slack_morphism::prelude::*;

use super::delivery::SlackApi;
use super::text;
use crate::coach::{Actor, ChannelRef, Inbound, InboundKind};
use crate::faults::chain;

/// How long a users.info answer is trusted: an admin demoted in Slack loses the admin commands
/// within this time.
const ADMIN_TTL: Duration = Duration::from_secs(300);

/// Who may run the admin commands: workspace admins and owners (users.info), and the members the
/// operator listed in `slack.admins`.
pub struct Admins {
    listed: Vec<String>,
    seen: Mutex<HashMap<String, (bool, String, Instant)>>,
}

impl Admins {
    pub fn new(listed: Vec<String>) -> Admins {
        Admins { listed, seen: Mutex::new(HashMap::new()) }
    }

    /// The member as an [`Actor`]: display name and admin flag, from users.info (cached). A
    /// failed lookup means "not an admin" (with the name last seen), never an error for the
    /// member; it is not cached, so the next event asks again.
    pub async fn actor(&self, api: &SlackApi, user_id: &str) -> Actor {
        let cached = self.seen.lock().expect("admin cache").get(user_id).cloned();
        let (admin, name) = match cached {
            Some((admin, name, at)) if at.elapsed() < ADMIN_TTL => (admin, name),
            stale => match lookup(api, user_id).await {
                Some((admin, name)) => {
                    let entry = (admin, name.clone(), Instant::now());
                    self.seen.lock().expect("admin cache").insert(user_id.to_string(), entry);
                    (admin, name)
                }
                None => (false, stale.map_or_else(|| user_id.to_string(), |(_, name, _)| name)),
            },
        };
        let is_admin = admin || self.listed.iter().any(|u| u == user_id);
        Actor { user_id: user_id.to_string(), name, is_admin }
    }
}

impl Admins {
    /// The member as far as it is known without asking Slack: the cached name and admin flag, or
    /// an empty name (the store then keeps the name it has) and no admin. For the startup
    /// read-back, which would otherwise call users.info once per reacting member.
    pub fn known(&self, user_id: &str) -> Actor {
        let cached = self.seen.lock().expect("admin cache").get(user_id).cloned();
        let (admin, name) = cached.map_or((false, String::new()), |(admin, name, _)| (admin, name));
        let is_admin = admin || self.listed.iter().any(|u| u == user_id);
        Actor { user_id: user_id.to_string(), name, is_admin }
    }
}

async fn lookup(api: &SlackApi, user_id: &str) -> Option<(bool, String)> {
    let session = api.client.open_session(&api.token);
    let request = SlackApiUsersInfoRequest::new(SlackUserId::new(user_id.to_string()));
    match session.users_info(&request).await {
        Ok(info) => {
            let user = info.user;
            let flags = user.flags;
            let admin = flags.is_admin.unwrap_or(false) || flags.is_owner.unwrap_or(false);
            let profile = user.profile.as_ref();
            let name = profile
                .and_then(|p| p.display_name.clone().filter(|n| !n.is_empty()))
                .or_else(|| profile.and_then(|p| p.real_name.clone()))
                .or(user.name.clone())
                .unwrap_or_else(|| user_id.to_string());
            Some((admin, name))
        }
        Err(e) => {
            tracing::warn!(error = %chain(&e), user = user_id, "users.info failed; treating the member as no admin");
            None
        }
    }
}

pub fn channel(team: &str, channel: &str) -> ChannelRef {
    ChannelRef { platform: "slack".into(), workspace: team.into(), channel: channel.into() }
}

/// A reaction event. Slack retries carry the same `event_id`, which is the dedupe key; a
/// removal and a re-add are new events with new ids, so both count.
pub fn reaction(event: &SlackPushEventCallback, actor: Actor) -> Option<Inbound> {
    let (user, name, item, added) = match &event.event {
        SlackEventCallbackBody::ReactionAdded(e) => (&e.user, &e.reaction, &e.item, true),
        SlackEventCallbackBody::ReactionRemoved(e) => (&e.user, &e.reaction, &e.item, false),
        _ => return None,
    };
    let SlackReactionsItem::Message(message) = item else { return None };
    let channel_id = message.origin.channel.as_ref()?;
    debug_assert_eq!(user.to_string(), actor.user_id);
    let message_id = message.origin.ts.to_string();
    let emoji = name.to_string();
    let kind = if added {
        InboundKind::ReactionAdded { message_id, emoji }
    } else {
        InboundKind::ReactionRemoved { message_id, emoji }
    };
    Some(Inbound {
        channel: channel(event.team_id.as_ref(), channel_id.as_ref()),
        actor,
        dedupe_key: format!("slack:{}", event.event_id),
        kind,
    })
}

/// `/studybot <text>`: the text goes through the same grammar as the console's. Slack gives a
/// command no id; its trigger id is unique per invocation.
pub fn command(event: &SlackCommandEvent, actor: Actor) -> Inbound {
    let line = text::command_line(event.text.as_deref().unwrap_or_default());
    Inbound {
        channel: channel(event.team_id.as_ref(), event.channel_id.as_ref()),
        actor,
        dedupe_key: format!("slack:command:{}", event.trigger_id),
        kind: InboundKind::Text(line),
    }
}

/// A button press: its action id is the coach's button id.
pub fn press(event: &SlackInteractionBlockActionsEvent, actor: Actor) -> Option<Inbound> {
    let action = event.actions.as_ref()?.first()?;
    let channel_id = match &event.container {
        SlackInteractionActionContainer::Message(m) => m.channel_id.clone(),
        _ => None,
    }
    .or_else(|| event.channel.as_ref().map(|c| c.id.clone()))?;
    Some(Inbound {
        channel: channel(event.team.id.as_ref(), channel_id.as_ref()),
        actor,
        dedupe_key: format!("slack:action:{}", event.trigger_id),
        kind: InboundKind::Button { id: action.action_id.to_string() },
    })
}
