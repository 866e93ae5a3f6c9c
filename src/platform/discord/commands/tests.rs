//! Slash command JSON as Discord receives it, and interaction data as Discord sends it.

use std::path::Path;

use serde_json::{Value, json};

use super::*;

const LAKEHOUSE: Bounds = Bounds { days: (121, 150), modules: (17, 21) };

fn definitions_json() -> Vec<Value> {
    definitions(&LAKEHOUSE).iter().map(|c| serde_json::to_value(c).unwrap()).collect()
}

fn command(name: &str) -> Value {
    definitions_json().into_iter().find(|c| c["name"] == name).unwrap()
}

fn option<'a>(options: &'a Value, name: &str) -> &'a Value {
    options.as_array().unwrap().iter().find(|o| o["name"] == name).unwrap_or_else(|| panic!("no {name}"))
}

#[test]
fn studybot_is_for_server_managers_in_servers() {
    let studybot = command("studybot");
    assert_eq!(studybot["default_member_permissions"], "32");
    assert_eq!(studybot["contexts"], json!([0]));
    let setup = option(&studybot["options"], "setup");
    assert_eq!(setup["type"], 1);
    let first = &setup["options"][0];
    assert_eq!(
        (&first["name"], &first["type"], &first["required"]),
        (&json!("curriculum"), &json!(3), &json!(true))
    );
    let day = option(&setup["options"], "day");
    assert_eq!((&day["type"], &day["min_value"], &day["max_value"]), (&json!(4), &json!(121), &json!(150)));
    let start = option(&setup["options"], "start");
    assert!(start["description"].as_str().unwrap().contains("YYYY-MM-DD"));
    let quiz = option(&option(&studybot["options"], "settings")["options"], "quiz");
    assert_eq!((&quiz["type"], &quiz["min_value"], &quiz["max_value"]), (&json!(4), &json!(10), &json!(600)));
    for other in definitions_json().iter().filter(|c| c["name"] != "studybot") {
        assert!(other.get("default_member_permissions").is_none(), "{}", other["name"]);
    }
}

#[test]
fn every_command_is_offered_in_servers_only() {
    for command in definitions_json() {
        assert_eq!(command["contexts"], json!([0]), "GUILD only: {}", command["name"]);
        assert!(command.get("dm_permission").is_none(), "deprecated in favour of contexts");
    }
    assert!(command("help").get("default_member_permissions").is_none(), "/help is for everyone");
}

#[test]
fn a_member_is_picked_as_a_user_and_bound_as_their_id() {
    let member = option(&command("progress")["options"], "member").clone();
    assert_eq!((&member["type"], &member["required"]), (&json!(6), &json!(false)), "USER: {member}");
    assert!(member["max_length"].is_null(), "a length is for strings only: {member}");
    let picked =
        data(json!({"name": "progress", "options": [{"name": "member", "type": 6, "value": "1002"}]}));
    let call = call_from(&picked).unwrap();
    assert_eq!((call.spec.name, call.text("member")), ("progress", Some("1002")));
}

#[test]
fn options_carry_their_kinds_and_choices() {
    let leaderboard = command("leaderboard");
    let values = |name: &str| -> Vec<Value> {
        option(&leaderboard["options"], name)["choices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["value"].clone())
            .collect()
    };
    assert_eq!(values("by"), [json!("points"), json!("streak"), json!("lessons"), json!("quiz")]);
    assert_eq!(values("period"), [json!("all"), json!("week")]);
    let checkpoint = command("checkpoint");
    assert_eq!(option(&checkpoint["options"], "undo")["type"], 5);
    let quiz = command("quiz");
    let module = option(&quiz["options"], "module");
    assert_eq!((&module["min_value"], &module["max_value"]), (&json!(17), &json!(21)));
    let posted = command("posted");
    let names: Vec<&Value> = posted["options"].as_array().unwrap().iter().map(|o| &o["name"]).collect();
    assert_eq!(names, [&json!("kind"), &json!("url"), &json!("day")]);
}

/// Names, descriptions and option order as Discord validates them, for every command.
fn check(options: &Value, path: &str) {
    let options = options.as_array().map_or(&[][..], Vec::as_slice);
    assert!(options.len() <= 25, "{path}: {} options", options.len());
    let required: Vec<bool> = options.iter().map(|o| o["required"] == true).collect();
    assert!(required.windows(2).all(|w| w[0] || !w[1]), "{path}: optional before required");
    for o in options {
        check_named(o, path);
        check(&o["options"], &format!("{path} {}", o["name"]));
    }
}

fn check_named(v: &Value, path: &str) {
    let name = v["name"].as_str().unwrap();
    let valid = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_';
    assert!((1..=NAME_MAX).contains(&name.len()) && name.chars().all(valid), "{path}: name {name}");
    let description = v["description"].as_str().unwrap().chars().count();
    assert!((1..=DESCRIPTION_MAX).contains(&description), "{path} {name}: description of {description}");
}

/// Discord's limit on a command's name, description and value properties together, its options,
/// subcommands and choices included.
const COMBINED_MAX: usize = 4_000;

/// The characters of every `name`, `description` and `value` string in `v`, recursively.
fn combined(v: &Value) -> usize {
    match v {
        Value::Object(map) => map
            .iter()
            .map(|(key, value)| match (key.as_str(), value) {
                ("name" | "description" | "value", Value::String(s)) => s.chars().count(),
                (_, nested) => combined(nested),
            })
            .sum(),
        Value::Array(items) => items.iter().map(combined).sum(),
        _ => 0,
    }
}

#[test]
fn every_command_keeps_discords_rules() {
    let all = definitions_json();
    assert_eq!(all.len(), COMMANDS.len());
    for c in &all {
        check_named(c, "");
        check(&c["options"], c["name"].as_str().unwrap());
        let size = combined(c);
        assert!(size <= COMBINED_MAX, "/{}: {size} characters of names, descriptions and values", c["name"]);
    }
    assert_eq!(description(&"x".repeat(150)).chars().count(), 100);
    assert!(description(&"x".repeat(150)).ends_with('…'));
}

#[test]
fn bounds_come_from_the_loaded_curricula() {
    let catalog = Catalog::load_dir(Path::new("curriculum")).unwrap();
    let bounds = Bounds::from_catalog(&catalog);
    assert_eq!(bounds.days, (121, 150));
    assert_eq!(bounds.modules.0, 17);
    assert!(bounds.modules.1 >= 17);
    let empty = Bounds::from_catalog(&Catalog::default());
    assert!(empty.days.0 >= 1 && empty.days.1 > 1000 && empty.modules.0 >= 1);
}

fn data(options: Value) -> CommandData {
    serde_json::from_value(
        json!({"id": "1", "name": options["name"], "type": 1, "options": options["options"]}),
    )
    .unwrap()
}

#[test]
fn interaction_options_bind_to_the_table() {
    let setup = data(json!({"name": "studybot", "options": [{"name": "setup", "type": 1, "options": [
        {"name": "curriculum", "type": 3, "value": "x"},
        {"name": "day", "type": 4, "value": 121},
        {"name": "schedule", "type": 3, "value": "0 9 * * MON-FRI"},
        {"name": "start", "type": 3, "value": "2026-12-01"}]}]}));
    let call = call_from(&setup).unwrap();
    assert_eq!((call.spec.name, call.sub.name), ("studybot", "setup"));
    assert_eq!((call.text("curriculum"), call.day("day").map(u32::from)), (Some("x"), Some(121)));
    assert_eq!(call.text("schedule"), Some("0 9 * * MON-FRI"));
    assert_eq!(call.date("start"), chrono::NaiveDate::from_ymd_opt(2026, 12, 1));

    let undo = |value: bool| {
        data(json!({"name": "checkpoint", "options": [
            {"name": "day", "type": 4, "value": 122}, {"name": "undo", "type": 5, "value": value}]}))
    };
    let call = call_from(&undo(true)).unwrap();
    assert_eq!((call.day("day").map(u32::from), call.flag("undo")), (Some(122), true));
    assert!(!call_from(&undo(false)).unwrap().flag("undo"));
    assert_eq!(call_from(&data(json!({"name": "streak", "options": []}))).unwrap().spec.name, "streak");
    let quiz =
        call_from(&data(json!({"name": "quiz", "options": [{"name": "final", "type": 5, "value": true}]})))
            .unwrap();
    assert!(quiz.flag("final"));
}

#[test]
fn a_wrong_shape_is_a_user_error() {
    let cases = [
        (json!({"name": "nope", "options": []}), "Unknown command"),
        (json!({"name": "studybot", "options": []}), "Unknown subcommand"),
        (
            json!({"name": "studybot", "options": [{"name": "frob", "type": 1, "options": []}]}),
            "Unknown subcommand",
        ),
        (
            json!({"name": "studybot", "options": [{"name": "g", "type": 2, "options": []}]}),
            "subcommand groups",
        ),
        (
            json!({"name": "checkpoint", "options": [{"name": "day", "type": 3, "value": "abc"}]}),
            "whole number",
        ),
        (
            json!({"name": "checkpoint", "options": [{"name": "colour", "type": 3, "value": "red"}]}),
            "no option",
        ),
        (
            json!({"name": "checkpoint", "options": [{"name": "day", "type": 8, "value": "5"}]}),
            "in that form",
        ),
        (json!({"name": "review", "options": []}), "`state` is required"),
        (
            json!({"name": "checkpoint", "options": [{"name": "day", "type": 4, "value": -1}]}),
            "`day` must be a whole number between 1 and 100000 — got `-1`",
        ),
        (
            json!({"name": "quiz", "options": [{"name": "module", "type": 4, "value": 0}]}),
            "`module` must be a whole number between 1 and 10000 — got `0`",
        ),
        (
            json!({"name": "progress", "options": [{"name": "member", "type": 3, "value": "a\0b"}]}),
            "`member` contains a control character (\\0)",
        ),
    ];
    for (json, want) in cases {
        let err = call_from(&data(json.clone())).unwrap_err().0;
        assert!(err.contains(want), "{json}: {err}");
    }
}

#[test]
fn admins_may_manage_the_server() {
    let cases = [
        (None, false),
        (Some(Permissions::empty()), false),
        (Some(Permissions::SEND_MESSAGES | Permissions::MANAGE_MESSAGES), false),
        (Some(Permissions::MANAGE_GUILD), true),
        (Some(Permissions::ADMINISTRATOR), true),
        (Some(Permissions::SEND_MESSAGES | Permissions::MANAGE_GUILD), true),
    ];
    for (permissions, want) in cases {
        assert_eq!(is_admin(permissions), want, "{permissions:?}");
    }
}
