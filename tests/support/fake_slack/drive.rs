//! The test's levers on the bot: slash commands, button presses, reactions, redelivery, and what
//! came back (acks, response_url posts).

use serde_json::Value;

use super::deliver::{self, Subject};
use super::payloads;
use super::responses;
use super::state::Kind;
use super::{COMMAND, FakeSlack, SlackUser};

impl FakeSlack {
    /// `/studybot <text>` typed by `user` in `channel` (an id); returns the delivery id (the
    /// Socket Mode envelope id). Its response_url is served by the fake: see `responses(id)`.
    pub async fn command(&self, user: &SlackUser, channel: &str, text: &str) -> String {
        self.slash(user, channel, COMMAND, text).await
    }

    /// Any slash command, e.g. `/checkpoint 12`.
    pub async fn slash(&self, user: &SlackUser, channel: &str, command: &str, text: &str) -> String {
        let mut data = self.shared.lock();
        data.remember(user);
        let id = data.envelope_id();
        let url = responses::url(&self.shared, &id);
        let payload = payloads::command(&mut data, user, channel, command, text, &url);
        let subject = Subject { user: user.id.clone(), channel: channel.to_string(), source: None };
        deliver::start(&mut data, &self.shared, Kind::Command, id.clone(), id.clone(), payload, subject);
        id
    }

    /// A press of the button `action_id` on message `message_ts` in `channel` (a chat.postMessage
    /// ts, or a chat.postEphemeral message_ts with `ephemeral`): a block_actions interaction with
    /// `container`, the message (unless ephemeral) and a response_url. Returns the delivery id.
    pub async fn press(
        &self,
        user: &SlackUser,
        channel: &str,
        message_ts: &str,
        action_id: &str,
        value: &str,
        ephemeral: bool,
    ) -> String {
        let mut data = self.shared.lock();
        data.remember(user);
        let id = data.envelope_id();
        let url = responses::url(&self.shared, &id);
        let action = (action_id, value);
        let payload = payloads::block_actions(&mut data, user, channel, message_ts, action, ephemeral, &url);
        let source = Some((channel.to_string(), message_ts.to_string(), ephemeral));
        let subject = Subject { user: user.id.clone(), channel: channel.to_string(), source };
        deliver::start(&mut data, &self.shared, Kind::Interactive, id.clone(), id.clone(), payload, subject);
        id
    }

    /// `user` adds `reaction` (a name without colons, e.g. "white_check_mark") to a message:
    /// stored, and reaction_added sent. Returns the event id, or "" when the user had already
    /// reacted so (Slack sends nothing then).
    pub async fn react(&self, user: &SlackUser, channel: &str, ts: &str, reaction: &str) -> String {
        self.reaction(user, channel, ts, reaction, true)
    }

    /// `user` removes `reaction`: reaction_removed, or "" when there was nothing to remove.
    pub async fn unreact(&self, user: &SlackUser, channel: &str, ts: &str, reaction: &str) -> String {
        self.reaction(user, channel, ts, reaction, false)
    }

    fn reaction(&self, user: &SlackUser, channel: &str, ts: &str, reaction: &str, add: bool) -> String {
        let mut data = self.shared.lock();
        data.remember(user);
        if !set_reaction(&mut data, user, channel, ts, reaction, add) {
            return String::new();
        }
        let event = payloads::reaction_event(&mut data, add, &user.id, channel, ts, reaction);
        deliver::send_event(&mut data, &self.shared, event, &user.id, channel)
    }

    /// Changes a reaction without any event, as if it happened while the bot was away: only
    /// reactions.get / conversations.history show it.
    pub fn react_offline(&self, user: &SlackUser, channel: &str, ts: &str, reaction: &str, present: bool) {
        let mut data = self.shared.lock();
        data.remember(user);
        set_reaction(&mut data, user, channel, ts, reaction, present);
    }

    /// Sends delivery `id` again. Socket Mode: a new envelope id, same payload, events with
    /// `retry_attempt` + 1 and `retry_reason: "timeout"`; HTTP: events with X-Slack-Retry-Num /
    /// X-Slack-Retry-Reason. Commands and presses go out unchanged (Slack never retries them;
    /// this models a duplicate).
    pub async fn redeliver(&self, id: &str) {
        let mut data = self.shared.lock();
        deliver::send(&mut data, &self.shared, id);
    }

    /// The bot's acks for delivery `id`, in order. Socket Mode: the ack frame (`envelope_id`,
    /// `payload`) plus `after_ms` and `attempt`; HTTP: `{status, body, after_ms, retry_num}`.
    pub fn acks(&self, id: &str) -> Vec<Value> {
        self.shared.lock().deliveries.get(id).map(|d| d.acks.clone()).unwrap_or_default()
    }

    /// Everything POSTed to the response_url of command/press `id`, in order (a post refused
    /// after the fifth appears as `{"refused": body}`).
    pub fn responses(&self, id: &str) -> Vec<Value> {
        self.shared.lock().deliveries.get(id).map(|d| d.responses.clone()).unwrap_or_default()
    }

    /// The payload the fake sent for delivery `id` (event callback, command or interaction).
    pub fn delivered(&self, id: &str) -> Option<Value> {
        self.shared.lock().deliveries.get(id).map(|d| d.payload.clone())
    }
}

/// Adds or removes one user's reaction; false when nothing changed.
fn set_reaction(
    data: &mut super::state::Data,
    user: &SlackUser,
    channel: &str,
    ts: &str,
    reaction: &str,
    add: bool,
) -> bool {
    let users = data.reaction_users(channel, ts, reaction);
    let present = users.contains(&user.id);
    match (add, present) {
        (true, false) => users.push(user.id.clone()),
        (false, true) => users.retain(|u| *u != user.id),
        _ => return false,
    }
    true
}
