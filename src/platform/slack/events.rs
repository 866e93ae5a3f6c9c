//! Slack events → coach: reactions on lesson posts, the `/studybot` command and button presses, each with its dedupe key.

use slack_morphism::prelude::*;

use super::text;
use crate::coach::{Actor, ChannelRef, Inbound, InboundKind};

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
