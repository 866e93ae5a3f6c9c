//! What Discord's client lets a member invoke: a registered command where its `contexts` allow it,
//! with each option of its registered type and within its limits, USER values `resolved`.
//!
//! A member never types an option's wire form: the client offers the registered options and a
//! picker for users, so an invocation that the registration does not allow is a test error here.

use serde_json::{Map, Value, json};

use super::commands::in_scope;
use super::payloads;
use super::state::Data;

/// InteractionContextType: GUILD 0, BOT_DM 1, PRIVATE_CHANNEL 2.
const GUILD: u64 = 0;
const BOT_DM: u64 = 1;

const SUB_COMMAND: u64 = 1;
const STRING: u64 = 3;
const INTEGER: u64 = 4;
const BOOLEAN: u64 = 5;
const USER: u64 = 6;
const NUMBER: u64 = 10;

impl Data {
    /// The registered command `name` as the client offers it in `channel`: a command of the
    /// channel's guild there, a global one where its contexts allow. `None`: not offered there.
    pub(super) fn offered(&self, name: &str, channel: u64) -> Option<&Value> {
        let in_guild = self.guild_of(channel);
        let scoped = |guild| self.commands.iter().find(|c| c["name"] == name && in_scope(c, guild));
        let guild = in_guild.and_then(|g| scoped(Some(g)));
        let context = if in_guild.is_some() { GUILD } else { BOT_DM };
        guild.or_else(|| scoped(None).filter(|c| contexts(c).contains(&context)))
    }

    /// The `data` of the interaction for `/name [sub] options`, as the client builds it from the
    /// registration. With nothing registered (serenity-only tests) the options go out as given.
    pub(super) fn command_data(
        &self,
        name: &str,
        sub: Option<&str>,
        options: Value,
        channel: u64,
    ) -> Result<Value, String> {
        let wrap = |options: Value| match sub {
            Some(sub) => json!([{"name": sub, "type": SUB_COMMAND, "options": options}]),
            None => options,
        };
        if self.commands.is_empty() {
            return Ok(json!({"name": name, "type": 1, "options": wrap(options)}));
        }
        let command = self.offered(name, channel).ok_or_else(|| {
            format!("Discord offers no `/{name}` in channel {channel}: not registered there, or its contexts exclude it")
        })?;
        let params = match sub {
            Some(sub) => registered(command, sub, SUB_COMMAND)?.get("options").cloned().unwrap_or(json!([])),
            None => command.get("options").cloned().unwrap_or(json!([])),
        };
        let mut resolved = Map::new();
        let given = options.as_array().cloned().unwrap_or_default();
        for option in &given {
            let name = option["name"].as_str().unwrap_or_default();
            check_value(
                registered(&json!({"options": params}), name, option["type"].as_u64().unwrap_or(0))?,
                option,
            )?;
            if option["type"] == USER {
                self.resolve_user(&mut resolved, &option["value"], channel);
            }
        }
        for param in params.as_array().into_iter().flatten().filter(|p| p["required"] == true) {
            if !given.iter().any(|o| o["name"] == param["name"]) {
                return Err(format!("the client requires `{}` before it sends the command", param["name"]));
            }
        }
        let mut data = json!({"id": command["id"], "name": name, "type": 1, "options": wrap(options)});
        if let Some(guild) = command.get("guild_id") {
            data["guild_id"] = guild.clone();
        }
        if !resolved.is_empty() {
            data["resolved"] = Value::Object(resolved);
        }
        Ok(data)
    }

    /// `resolved.users` for a picked user, and in a guild `resolved.members`: Discord's partial
    /// member, without `user`, `deaf` and `mute`, with the member's `permissions`.
    fn resolve_user(&self, resolved: &mut Map<String, Value>, id: &Value, channel: u64) {
        let id = id.as_str().unwrap_or_default();
        let user = payloads::user(id.parse().unwrap_or(0), &self.username(id.parse().unwrap_or(0)), false);
        let users = resolved.entry("users").or_insert_with(|| json!({}));
        users[id] = user.clone();
        if self.guild_of(channel).is_some() {
            let mut member = payloads::member(user, Some(payloads::MEMBER_PERMISSIONS));
            if let Some(fields) = member.as_object_mut() {
                for partial in ["user", "deaf", "mute"] {
                    fields.remove(partial);
                }
            }
            let members = resolved.entry("members").or_insert_with(|| json!({}));
            members[id] = member;
        }
    }
}

/// A global command's contexts; without any, what Discord applies: `dm_permission: false` keeps
/// it out of DMs, else a new command is offered everywhere (GUILD, BOT_DM, PRIVATE_CHANNEL).
fn contexts(command: &Value) -> Vec<u64> {
    match command["contexts"].as_array() {
        Some(list) => list.iter().filter_map(Value::as_u64).collect(),
        None if command["dm_permission"] == false => vec![GUILD],
        None => vec![GUILD, BOT_DM, 2],
    }
}

/// The registered option `name` of `parent`, which must have type `kind`: the client sends each
/// option as the type it was registered with, never another.
fn registered<'a>(parent: &'a Value, name: &str, kind: u64) -> Result<&'a Value, String> {
    let options = parent["options"].as_array().map_or(&[][..], Vec::as_slice);
    let option = options
        .iter()
        .find(|o| o["name"] == name)
        .ok_or_else(|| format!("no option `{name}` is registered"))?;
    match option["type"].as_u64() {
        Some(t) if t == kind => Ok(option),
        t => Err(format!("`{name}` is registered with type {t:?}; the client cannot send it as type {kind}")),
    }
}

/// The value as the client would send it for that registration: its JSON type, choices and limits.
fn check_value(param: &Value, option: &Value) -> Result<(), String> {
    let name = &param["name"];
    let value = &option["value"];
    let in_range = |n: f64| {
        param["min_value"].as_f64().is_none_or(|min| n >= min)
            && param["max_value"].as_f64().is_none_or(|max| n <= max)
    };
    let ok = match param["type"].as_u64() {
        Some(STRING) => value.as_str().is_some_and(|s| {
            let len = s.chars().count() as u64;
            param["min_length"].as_u64().is_none_or(|min| len >= min)
                && param["max_length"].as_u64().is_none_or(|max| len <= max)
        }),
        Some(INTEGER) => value.as_i64().is_some_and(|n| in_range(n as f64)),
        Some(NUMBER) => value.as_f64().is_some_and(in_range),
        Some(BOOLEAN) => value.is_boolean(),
        Some(USER) => value.as_str().is_some_and(|s| s.parse::<u64>().is_ok()),
        _ => false,
    };
    // serenity sends `choices: []` for an option without any.
    let choices = param["choices"].as_array().filter(|list| !list.is_empty());
    let chosen = choices.is_none_or(|list| list.iter().any(|c| c["value"] == *value));
    if ok && chosen {
        Ok(())
    } else {
        Err(format!("the client cannot send {value} for `{name}` as registered: {param}"))
    }
}
