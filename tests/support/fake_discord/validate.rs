//! Discord's limits on message bodies, answered the way Discord does: 400 "Invalid Form Body"
//! (code 50035) with the offending paths under `errors`, or 50006 for an empty message.

use std::collections::HashSet;

use serde_json::{Value, json};

/// The error tree Discord nests by path, each leaf holding `_errors: [{code, message}]`.
#[derive(Default)]
struct Errors(Option<Value>);

impl Errors {
    fn add(&mut self, path: &[&str], code: &str, message: String) {
        let mut node = self.0.get_or_insert_with(|| json!({}));
        for key in path {
            node =
                node.as_object_mut().expect("error tree nodes are objects").entry(*key).or_insert(json!({}));
        }
        let list = node.as_object_mut().expect("object").entry("_errors").or_insert(json!([]));
        list.as_array_mut().expect("array").push(json!({"code": code, "message": message}));
    }

    fn max_len(&mut self, path: &[&str], value: Option<&Value>, max: usize) -> usize {
        let len = value.and_then(Value::as_str).map_or(0, |s| s.chars().count());
        if len > max {
            self.add(path, "BASE_TYPE_MAX_LENGTH", format!("Must be {max} or fewer in length."));
        }
        len
    }

    fn max_items(&mut self, path: &[&str], value: Option<&Value>, max: usize) -> Vec<Value> {
        let items = value.and_then(Value::as_array).cloned().unwrap_or_default();
        if items.len() > max {
            self.add(path, "BASE_TYPE_MAX_LENGTH", format!("Must be {max} or fewer in length."));
        }
        items
    }
}

/// Checks a message body (create or edit). `under` nests the paths, e.g. `data` for an
/// interaction callback. Returns the 400 body to send when a limit is broken.
pub(super) fn message(body: &Value, under: Option<&str>, creating: bool) -> Result<(), Value> {
    let mut errors = Errors::default();
    let root: Vec<&str> = under.into_iter().collect();
    let path = root.as_slice();
    errors.max_len(&join(path, &["content"]), body.get("content"), 2000);
    if body.get("nonce").is_some_and(Value::is_string) {
        errors.max_len(&join(path, &["nonce"]), body.get("nonce"), 25);
    }
    let embeds = errors.max_items(&join(path, &["embeds"]), body.get("embeds"), 10);
    let mut total = 0;
    for (i, embed) in embeds.iter().enumerate() {
        let i = i.to_string();
        total += embed_chars(&mut errors, &join(path, &["embeds", &i]), embed);
    }
    if total > 6000 {
        errors.add(
            &join(path, &["embeds"]),
            "MAX_EMBED_SIZE_EXCEEDED",
            "Embed size exceeds maximum size of 6000".into(),
        );
    }
    components(&mut errors, &join(path, &["components"]), body.get("components"));
    if let Some(tree) = errors.0 {
        return Err(json!({"code": 50035, "message": "Invalid Form Body", "errors": tree}));
    }
    if creating && is_empty(body) {
        return Err(json!({"code": 50006, "message": "Cannot send an empty message"}));
    }
    Ok(())
}

/// `path` extended by `rest`: the error tree path of a nested field.
fn join<'a>(path: &[&'a str], rest: &[&'a str]) -> Vec<&'a str> {
    [path, rest].concat()
}

fn is_empty(body: &Value) -> bool {
    let blank = |key: &str| match body.get(key) {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.is_empty(),
        Some(Value::Array(a)) => a.is_empty(),
        Some(_) => false,
    };
    ["content", "embeds", "components", "attachments", "sticker_ids", "poll"].iter().all(|k| blank(k))
}

/// Checks one embed's fields and returns the characters it counts towards the 6000 total.
fn embed_chars(errors: &mut Errors, path: &[&str], embed: &Value) -> usize {
    let mut total = errors.max_len(&join(path, &["title"]), embed.get("title"), 256);
    total += errors.max_len(&join(path, &["description"]), embed.get("description"), 4096);
    total += errors.max_len(&join(path, &["footer", "text"]), embed.pointer("/footer/text"), 2048);
    total += errors.max_len(&join(path, &["author", "name"]), embed.pointer("/author/name"), 256);
    let fields = errors.max_items(&join(path, &["fields"]), embed.get("fields"), 25);
    for (j, field) in fields.iter().enumerate() {
        let j = j.to_string();
        for (key, max) in [("name", 256), ("value", 1024)] {
            let field_path = join(path, &["fields", &j, key]);
            let len = errors.max_len(&field_path, field.get(key), max);
            if len == 0 {
                errors.add(&field_path, "BASE_TYPE_REQUIRED", "This field is required".into());
            }
            total += len;
        }
    }
    total
}

fn components(errors: &mut Errors, path: &[&str], rows: Option<&Value>) {
    let rows = errors.max_items(path, rows, 5);
    let mut custom_ids = HashSet::new();
    for (i, row) in rows.iter().enumerate() {
        let i = i.to_string();
        let row_path = [path, &[i.as_str()]].concat();
        if row["type"].as_u64() != Some(1) {
            errors.add(
                &row_path,
                "UNION_TYPE_CHOICES",
                "Value of field \"type\" must be one of (1,).".into(),
            );
            continue;
        }
        let children_path = [row_path.as_slice(), &["components"]].concat();
        let children = errors.max_items(&children_path, row.get("components"), 5);
        for (j, child) in children.iter().enumerate() {
            let j = j.to_string();
            let child_path = [children_path.as_slice(), &[j.as_str()]].concat();
            component(errors, &child_path, child, &mut custom_ids);
        }
    }
}

/// A button (type 2) or a select menu (types 3, 5–8) inside an action row.
fn component(errors: &mut Errors, path: &[&str], c: &Value, seen: &mut HashSet<String>) {
    let link = c["type"].as_u64() == Some(2) && c["style"].as_u64() == Some(5);
    if link {
        if c.get("url").and_then(Value::as_str).is_none() {
            errors.add(&join(path, &["url"]), "BASE_TYPE_REQUIRED", "This field is required".into());
        }
    } else {
        match c.get("custom_id").and_then(Value::as_str) {
            None | Some("") => {
                errors.add(&join(path, &["custom_id"]), "BASE_TYPE_REQUIRED", "This field is required".into())
            }
            Some(id) if !seen.insert(id.to_string()) => errors.add(
                &join(path, &["custom_id"]),
                "COMPONENT_CUSTOM_ID_DUPLICATED",
                "Component custom id cannot be duplicated".into(),
            ),
            Some(_) => {}
        }
        errors.max_len(&join(path, &["custom_id"]), c.get("custom_id"), 100);
    }
    if c["type"].as_u64() == Some(2) {
        errors.max_len(&join(path, &["label"]), c.get("label"), 80);
        return;
    }
    errors.max_len(&join(path, &["placeholder"]), c.get("placeholder"), 150);
    let options = errors.max_items(&join(path, &["options"]), c.get("options"), 25);
    for (k, option) in options.iter().enumerate() {
        let k = k.to_string();
        errors.max_len(&join(path, &["options", &k, "label"]), option.get("label"), 100);
        errors.max_len(&join(path, &["options", &k, "value"]), option.get("value"), 100);
    }
}

/// Discord's rules for a multipart upload ("Uploading Files"): parts named `files[n]`, at most
/// 10, 10 MiB together (413, code 40005), and the message's `attachments` (under `data` for an
/// interaction callback) describing them by `id` = n, with a 1–1,024 character filename and a
/// description of at most 1,024.
pub(super) fn uploads(req: &super::rest::Req) -> Result<(), super::rest::Reply> {
    use super::rest::Reply;
    if req.uploads.is_empty() {
        return Ok(());
    }
    let total: usize = req.uploads.iter().map(|u| u.size).sum();
    if total > 10 * 1024 * 1024 {
        return Err(Reply::error(413, "Request entity too large", 40005));
    }
    let mut indexes = HashSet::new();
    for upload in &req.uploads {
        let n = upload.field.strip_prefix("files[").and_then(|r| r.strip_suffix(']'));
        match n.and_then(|n| n.parse::<u64>().ok()) {
            Some(n) => indexes.insert(n.to_string()),
            None => {
                return Err(Reply::invalid_field(&upload.field, "UNKNOWN_FIELD", "Unknown form field."));
            }
        };
    }
    let callback = req.segs.first().is_some_and(|s| s == "interactions");
    let (message, root) = if callback { (&req.body["data"], vec!["data"]) } else { (&req.body, vec![]) };
    let mut errors = Errors::default();
    let items = errors.max_items(&join(&root, &["attachments"]), message.get("attachments"), 10);
    if req.uploads.len() > 10 {
        errors.add(&join(&root, &["files"]), "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.".into());
    }
    for (i, item) in items.iter().enumerate() {
        let i = i.to_string();
        let path = join(&root, &["attachments", &i]);
        let id = match &item["id"] {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        };
        match id {
            None => errors.add(&join(&path, &["id"]), "BASE_TYPE_REQUIRED", "This field is required".into()),
            Some(id) if !indexes.contains(&id) => errors.add(
                &join(&path, &["id"]),
                "ATTACHMENT_NOT_FOUND",
                format!("No file was uploaded as files[{id}]."),
            ),
            Some(_) => {}
        }
        if let Some(name) = item.get("filename").and_then(Value::as_str) {
            let len = name.chars().count();
            if len == 0 || len > 1024 {
                errors.add(
                    &join(&path, &["filename"]),
                    "BASE_TYPE_BAD_LENGTH",
                    "Must be between 1 and 1024 in length.".into(),
                );
            }
        }
        errors.max_len(&join(&path, &["description"]), item.get("description"), 1024);
    }
    match errors.0 {
        Some(tree) => Err(Reply::invalid_form(tree)),
        None => Ok(()),
    }
}
