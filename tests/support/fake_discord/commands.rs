//! Application command registration (bulk overwrite, guild or global) with Discord's checks.

use serde_json::{Value, json};

use super::rest::{Reply, Req};
use super::state::{APP_ID, Data};

/// PUT …/commands: replaces the commands of `guild` (global ones for `None`); a name that
/// existed there keeps its id.
pub(super) fn put(data: &mut Data, req: &Req, guild: Option<u64>) -> Reply {
    let Some(list) = req.body.as_array() else {
        let errors = json!({"_errors": [{"code": "BASE_TYPE_ARRAY", "message": "Must be an array."}]});
        return Reply::invalid_form(errors);
    };
    let mut errors = json!({});
    for (i, command) in list.iter().enumerate() {
        if let Some(e) = check_command(command) {
            errors[i.to_string()] = e;
        }
    }
    if errors.as_object().is_some_and(|e| !e.is_empty()) {
        return Reply::invalid_form(errors);
    }
    let built: Vec<Value> = list.iter().map(|c| build(data, c, guild)).collect();
    data.commands.retain(|c| !in_scope(c, guild));
    data.commands.extend(built.iter().cloned());
    Reply::json(Value::Array(built.into_iter().map(strip_scope).collect()))
}

/// GET …/commands: the commands of `guild`, or the global ones for `None`.
pub(super) fn list(data: &Data, guild: Option<u64>) -> Reply {
    let list = data.commands.iter().filter(|c| in_scope(c, guild)).cloned().map(strip_scope);
    Reply::json(Value::Array(list.collect()))
}

/// A stored command is registered in `guild` (`scope` "guild" with that `guild_id`), or for
/// `None` globally.
pub(super) fn in_scope(command: &Value, guild: Option<u64>) -> bool {
    match guild {
        Some(g) => {
            command["scope"] == "guild" && command["guild_id"].as_str() == Some(g.to_string().as_str())
        }
        None => command["scope"] == "global",
    }
}

fn strip_scope(mut command: Value) -> Value {
    if let Some(map) = command.as_object_mut() {
        map.remove("scope");
    }
    command
}

fn invalid(errors: Value) -> Reply {
    Reply {
        status: 400,
        body: Some(json!({"code": 50035, "message": "Invalid Form Body", "errors": errors})),
    }
}

/// The command as Discord returns it (plus `scope`, which the REST answer leaves out).
fn build(data: &mut Data, body: &Value, guild: Option<u64>) -> Value {
    let name = body["name"].as_str().unwrap_or_default();
    let existing = data.commands.iter().find(|c| in_scope(c, guild) && c["name"] == name);
    let existing = existing.and_then(|c| c["id"].as_str()).map(str::to_owned);
    let id = existing.unwrap_or_else(|| data.snowflake().to_string());
    let mut command = json!({
        "id": id, "application_id": APP_ID.to_string(), "version": data.snowflake().to_string(),
        "type": body.get("type").cloned().unwrap_or(json!(1)), "name": name,
        "name_localizations": body.get("name_localizations").cloned().unwrap_or(Value::Null),
        "description": body.get("description").cloned().unwrap_or(json!("")),
        "description_localizations": body.get("description_localizations").cloned().unwrap_or(Value::Null),
        "default_member_permissions": body.get("default_member_permissions").cloned().unwrap_or(Value::Null),
        "nsfw": body.get("nsfw").cloned().unwrap_or(json!(false)),
        "contexts": body.get("contexts").cloned().unwrap_or(Value::Null),
        "integration_types": body.get("integration_types").cloned().unwrap_or(json!([0])),
        "scope": if guild.is_some() { "guild" } else { "global" },
    });
    if let Some(options) = body.get("options").filter(|o| o.as_array().is_some_and(|a| !a.is_empty())) {
        command["options"] = options.clone();
    }
    match guild {
        Some(g) => command["guild_id"] = json!(g.to_string()),
        None => command["dm_permission"] = body.get("dm_permission").cloned().unwrap_or(json!(true)),
    }
    command
}

/// Discord's rules for names (1–32, lowercase), descriptions (1–100), ≤ 25 options and choices,
/// required options before optional ones, option types and where commands may be used (the
/// OpenAPI spec's `ApplicationCommandUpdateRequest`); returns the command's error subtree.
fn check_command(command: &Value) -> Option<Value> {
    let chat_input = command.get("type").and_then(Value::as_u64).unwrap_or(1) == 1;
    let mut errors = json!({});
    check_name(&mut errors, command);
    if chat_input {
        check_description(&mut errors, command);
    }
    // InteractionContextType GUILD, BOT_DM, PRIVATE_CHANNEL; ApplicationIntegrationType
    // GUILD_INSTALL, USER_INSTALL: each a non-empty list of distinct values, or null.
    check_enum_list(&mut errors, command, "contexts", &[0, 1, 2]);
    check_enum_list(&mut errors, command, "integration_types", &[0, 1]);
    check_options(&mut errors, command.get("options"), None);
    errors.as_object().is_some_and(|e| !e.is_empty()).then_some(errors)
}

fn check_enum_list(errors: &mut Value, command: &Value, key: &str, allowed: &[u64]) {
    let Some(value) = command.get(key).filter(|v| !v.is_null()) else { return };
    let list: Vec<Option<u64>> =
        value.as_array().map_or(Vec::new(), |l| l.iter().map(Value::as_u64).collect());
    let valid = value.is_array()
        && !list.is_empty()
        && list.iter().all(|v| v.is_some_and(|v| allowed.contains(&v)))
        && list.iter().enumerate().all(|(i, v)| !list[..i].contains(v));
    if !valid {
        errors[key] =
            leaf("BASE_TYPE_CHOICES", &format!("Value must be a list of distinct values of {allowed:?}."));
    }
}

fn check_name(errors: &mut Value, item: &Value) {
    let name = item["name"].as_str().unwrap_or("");
    let valid = (1..=32).contains(&name.chars().count())
        && name.chars().all(|c| c == '-' || c == '_' || (c.is_alphanumeric() && !c.is_uppercase()));
    if !valid {
        errors["name"] = leaf("APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid");
    }
}

fn check_description(errors: &mut Value, item: &Value) {
    let len = item["description"].as_str().map_or(0, |d| d.chars().count());
    if !(1..=100).contains(&len) {
        errors["description"] = leaf("BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.");
    }
}

/// ApplicationCommandOptionType: SUB_COMMAND 1, SUB_COMMAND_GROUP 2, STRING 3, INTEGER 4, BOOLEAN
/// 5, USER 6, CHANNEL 7, ROLE 8, MENTIONABLE 9, NUMBER 10, ATTACHMENT 11. A subcommand group
/// holds subcommands only, a subcommand no subcommands or groups; `parent` is the enclosing type.
fn option_type_error(option: &Value, parent: Option<u64>) -> Option<Value> {
    let kind = option["type"].as_u64().filter(|t| (1..=11).contains(t));
    let fits = match (kind, parent) {
        (None, _) => false,
        (Some(1 | 2), None) => true,
        (Some(1), Some(2)) => true,
        (Some(1 | 2), Some(_)) | (Some(_), Some(2)) => false,
        (Some(_), _) => true,
    };
    (!fits).then(|| leaf("BASE_TYPE_CHOICES", "Value must be one of the option types allowed here."))
}

fn check_options(errors: &mut Value, options: Option<&Value>, parent: Option<u64>) {
    let options = options.and_then(Value::as_array).cloned().unwrap_or_default();
    if options.len() > 25 {
        errors["options"] = leaf("BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.");
        return;
    }
    let mut seen_optional = false;
    for (i, option) in options.iter().enumerate() {
        let mut e = json!({});
        if let Some(error) = option_type_error(option, parent) {
            e["type"] = error;
        }
        check_name(&mut e, option);
        check_description(&mut e, option);
        let required = option["required"].as_bool().unwrap_or(false);
        if required && seen_optional {
            e["required"] = leaf(
                "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                "Required options must be placed before non-required options",
            );
        }
        seen_optional |= !required;
        if option["choices"].as_array().is_some_and(|c| c.len() > 25) {
            e["choices"] = leaf("BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.");
        }
        check_options(&mut e, option.get("options"), option["type"].as_u64());
        if e.as_object().is_some_and(|e| !e.is_empty()) {
            errors["options"][i.to_string()] = e;
        }
    }
}

fn leaf(code: &str, message: &str) -> Value {
    json!({"_errors": [{"code": code, "message": message}]})
}
