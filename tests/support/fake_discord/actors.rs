//! Guild members acting: slash commands, button presses and reactions, dispatched as Discord would.

use std::time::Instant;

use serde_json::{Value, json};

use super::payloads::{self, Invocation, MANAGE_GUILD, MEMBER_PERMISSIONS};
use super::state::{Data, Interaction};
use super::{FakeDiscord, FakeUser};

impl FakeUser {
    fn permissions(&self) -> u64 {
        if self.admin { MEMBER_PERMISSIONS | MANAGE_GUILD } else { MEMBER_PERMISSIONS }
    }

    fn json(&self) -> Value {
        payloads::user(self.id, &self.name, false)
    }
}

impl FakeDiscord {
    /// INTERACTION_CREATE type 2 from `user` in `channel`; `options` is Discord's options array
    /// of the command, or of the subcommand `sub`. Returns the interaction id. Once the bot has
    /// registered commands, only what the client would send goes out (`invoke.rs`): a command
    /// not offered in that channel, or an option not as registered, panics.
    pub async fn slash(
        &self,
        user: &FakeUser,
        channel: u64,
        name: &str,
        sub: Option<&str>,
        options: Value,
    ) -> String {
        let mut data = self.shared.lock();
        let options = if options.is_null() { json!([]) } else { options };
        let mut payload =
            data.command_data(name, sub, options, channel).unwrap_or_else(|e| panic!("/{name}: {e}"));
        if payload["id"].is_null() {
            payload["id"] = json!(data.snowflake().to_string());
        }
        data.interact(user, channel, 2, None, payload)
    }

    /// The DM channel between `user` and the bot, opened as a member opens one from the bot's
    /// profile (the bot may not have written there yet).
    pub fn dm_with(&self, user: &FakeUser) -> u64 {
        let mut data = self.shared.lock();
        data.users.insert(user.id, user.name.clone());
        data.dm_channel(user.id)
    }

    /// Whether Discord's client offers `/name` in `channel` (registered there, and for a DM
    /// allowed by the command's `contexts`).
    pub fn offered(&self, name: &str, channel: u64) -> bool {
        self.shared.lock().offered(name, channel).is_some()
    }

    /// INTERACTION_CREATE type 3 (a button, component_type 2) on a message the bot sent; the
    /// interaction carries that message, with the EPHEMERAL flag when `ephemeral`.
    pub async fn press(
        &self,
        user: &FakeUser,
        channel: u64,
        message_id: u64,
        custom_id: &str,
        ephemeral: bool,
    ) -> String {
        let mut data = self.shared.lock();
        let payload = json!({"custom_id": custom_id, "component_type": 2});
        data.interact(user, channel, 3, Some((message_id, ephemeral)), payload)
    }

    /// Dispatches interaction `id`'s INTERACTION_CREATE again, unchanged (same id and token), as a
    /// duplicated dispatch would arrive. Its callback is refused with 40060 once one was accepted.
    pub async fn redispatch(&self, id: &str) {
        let mut data = self.shared.lock();
        let mut dispatched = data.gateway.dispatched.iter().rev();
        let frame = dispatched.find(|f| f["t"] == "INTERACTION_CREATE" && f["d"]["id"] == id).cloned();
        let frame = frame.unwrap_or_else(|| panic!("no interaction {id} was dispatched"));
        data.gateway.dispatch("INTERACTION_CREATE", frame["d"].clone());
    }

    /// The status of every initial response the bot sent for interaction `id`, accepted (204) or
    /// refused (400 for a second one, as Discord answers with code 40060), in order.
    pub fn callbacks(&self, id: &str) -> Vec<u16> {
        let prefix = format!("/api/v10/interactions/{id}/");
        let requests = self.requests().into_iter();
        let callbacks = requests.filter(|r| r.method == "POST" && r.path.starts_with(&prefix));
        callbacks.filter(|r| r.path.ends_with("/callback")).map(|r| r.status).collect()
    }

    /// Adds `user`'s reaction (GET reactions lists it) and dispatches MESSAGE_REACTION_ADD.
    pub async fn react(&self, user: &FakeUser, channel: u64, message_id: u64, emoji: &str) {
        let mut data = self.shared.lock();
        data.users.insert(user.id, user.name.clone());
        data.set_reaction(user.id, (channel, message_id), emoji, true);
    }

    /// Removes `user`'s reaction and dispatches MESSAGE_REACTION_REMOVE.
    pub async fn unreact(&self, user: &FakeUser, channel: u64, message_id: u64, emoji: &str) {
        let mut data = self.shared.lock();
        data.users.insert(user.id, user.name.clone());
        data.set_reaction(user.id, (channel, message_id), emoji, false);
    }

    /// Changes the stored reactions without any dispatch, as if it happened while the bot was down.
    pub fn react_offline(&self, user: &FakeUser, channel: u64, message_id: u64, emoji: &str, present: bool) {
        let mut data = self.shared.lock();
        data.users.insert(user.id, user.name.clone());
        data.store_reaction(user.id, (channel, message_id), emoji, present);
    }
}

impl Data {
    /// Records and dispatches one interaction; `pressed` is the message and whether it is ephemeral.
    fn interact(
        &mut self,
        user: &FakeUser,
        channel: u64,
        kind: u8,
        pressed: Option<(u64, bool)>,
        payload: Value,
    ) -> String {
        self.users.insert(user.id, user.name.clone());
        let channel_json =
            payloads::channel(self, channel).unwrap_or_else(|| panic!("unknown channel {channel}"));
        let id = self.snowflake().to_string();
        let token = format!("fake-interaction-token-{id}");
        let inv = Invocation {
            id: &id,
            token: &token,
            kind,
            user: user.json(),
            permissions: user.permissions(),
            channel: with_permissions(channel_json, user.permissions()),
            guild: self.guild_of(channel),
        };
        let mut event = payloads::interaction(inv, payload);
        if let Some((message, ephemeral)) = pressed {
            let stored = self.messages.get(&message).filter(|m| m.channel == channel);
            let stored = stored.unwrap_or_else(|| panic!("press: no message {message} in channel {channel}"));
            let mut json = stored.json.clone();
            if ephemeral {
                json["flags"] = json!(json["flags"].as_u64().unwrap_or(0) | 64);
            }
            event["message"] = json;
        }
        let record = Interaction {
            token,
            channel,
            component_message: pressed.map(|(m, _)| m),
            kind,
            at: Instant::now(),
            acked: false,
            original: None,
            responses: Vec::new(),
        };
        self.interactions.insert(id.clone(), record);
        self.gateway.dispatch("INTERACTION_CREATE", event);
        id
    }
}

/// Interactions carry the channel with the invoking member's permissions in it.
fn with_permissions(mut channel: Value, permissions: u64) -> Value {
    channel["permissions"] = json!(permissions.to_string());
    channel
}
