//! Slack's file upload flow, as its method pages describe it: files.getUploadURLExternal hands
//! out an upload URL and a file id for a declared `filename` and `length`; the bytes are POSTed
//! to that URL (raw or multipart; Slack answers 200 "OK - <length>"); files.completeUploadExternal
//! then shares the files in `channel_id` (or `channels`), with `initial_comment`, or keeps them
//! private without one. A file whose bytes did not all arrive cannot be completed.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::chat::{Content, store};
use super::state::{BOT_USER_ID, Data, Origin, Shared, unix_now};
use super::web::{Call, Reply};

/// Slack refuses alt text longer than this (`alt_txt_too_large`).
const ALT_TXT_MAX: usize = 1000;

/// A file from getUploadURLExternal on.
#[derive(Debug, Clone)]
pub struct FakeFile {
    pub id: String,
    pub name: String,
    pub length: usize,
    pub alt_txt: Option<String>,
    /// The bytes POSTed to the upload URL, once they were.
    pub content: Option<Vec<u8>>,
    pub title: Option<String>,
    /// Channels it was shared in by completeUploadExternal (empty: private, or not completed).
    pub shared_in: Vec<String>,
    pub completed: bool,
}

pub(super) fn get_upload_url(data: &mut Data, shared: &Arc<Shared>, call: &Call) -> Reply {
    let Some(name) = call.str("filename") else {
        return Reply::error("invalid_arguments");
    };
    let length = call.str("length").and_then(|l| l.parse::<usize>().ok());
    let Some(length) = length.filter(|l| *l > 0) else {
        return Reply::error("missing_argument");
    };
    let alt_txt = call.str("alt_txt");
    if alt_txt.as_ref().is_some_and(|a| a.chars().count() > ALT_TXT_MAX) {
        return Reply::error("alt_txt_too_large");
    }
    let id = format!("F0FAKE{:05}", data.next_number());
    let upload_url = format!("{}/upload/v1/{id}", shared.base_url());
    let file = FakeFile {
        id: id.clone(),
        name,
        length,
        alt_txt,
        content: None,
        title: None,
        shared_in: Vec::new(),
        completed: false,
    };
    data.files.push(file);
    Reply::ok(json!({"upload_url": upload_url, "file_id": id}))
}

/// POST /upload/v1/{id}: the file's bytes, raw (what slack-morphism sends) or as a multipart form.
pub(super) async fn upload(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let mut data = shared.lock();
    let Some(file) = data.files.iter_mut().find(|f| f.id == id && !f.completed) else {
        return (StatusCode::NOT_FOUND, "Not Found").into_response();
    };
    let content = multipart_file(&body).unwrap_or_else(|| body.to_vec());
    let length = content.len();
    file.content = Some(content);
    (StatusCode::OK, [("content-type", "text/plain; charset=utf-8")], format!("OK - {length}"))
        .into_response()
}

/// The first file part of a multipart body (`-F filename=@file`), if the body is one.
fn multipart_file(body: &[u8]) -> Option<Vec<u8>> {
    let first_line = body.split(|b| *b == b'\n').next()?;
    let boundary = first_line.strip_prefix(b"--")?.strip_suffix(b"\r").unwrap_or(first_line);
    let start = find(body, b"\r\n\r\n")? + 4;
    let mut end_marker = b"\r\n--".to_vec();
    end_marker.extend_from_slice(boundary);
    let end = start + find(&body[start..], &end_marker)?;
    Some(body[start..end].to_vec())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

pub(super) fn complete(data: &mut Data, call: &Call) -> Reply {
    let Some(Value::Array(items)) = call.json("files") else {
        return Reply::error("invalid_arguments");
    };
    let mut ids = Vec::new();
    for item in &items {
        let Some(id) = item["id"].as_str() else { return Reply::error("invalid_arguments") };
        match data.files.iter().find(|f| f.id == id && !f.completed) {
            None => return Reply::error("file_not_found"),
            // The declared length must have arrived at the upload URL.
            Some(f) if f.content.as_ref().map(Vec::len) != Some(f.length) => {
                return Reply::error("file_upload_incomplete");
            }
            Some(_) => ids.push((id.to_string(), item["title"].as_str().map(str::to_string))),
        }
    }
    let mut targets: Vec<String> = call.str("channel_id").into_iter().collect();
    targets.extend(
        call.str("channels")
            .map(|c| c.split(',').map(str::to_string).collect::<Vec<_>>())
            .unwrap_or_default(),
    );
    let mut channels = Vec::new();
    for target in targets {
        match data.resolve_channel(&target) {
            Some(channel) => channels.push(channel),
            None => return Reply::error("channel_not_found"),
        }
    }
    let mut shown = Vec::new();
    for (id, title) in &ids {
        let file = data.files.iter_mut().find(|f| &f.id == id).expect("checked above");
        file.completed = true;
        file.title = title.clone().or_else(|| Some(file.name.clone()));
        file.shared_in = channels.clone();
        shown.push(file_object(file));
    }
    let comment = call.str("initial_comment");
    for channel in &channels {
        let content = Content { text: comment.clone(), blocks: None, metadata: None };
        let ts = store(data, channel, Origin::Posted, content, call.str("thread_ts"));
        if let Some(message) = data.messages.iter_mut().find(|m| &m.channel == channel && m.ts == ts) {
            message.json["files"] = json!(shown);
            message.json["upload"] = json!(true);
        }
    }
    Reply::ok(json!({"files": shown}))
}

/// The file object Slack returns (the fields slack-morphism's SlackFile reads, and a few more).
fn file_object(file: &FakeFile) -> Value {
    let ext = file.name.rsplit_once('.').map_or("", |(_, e)| e);
    json!({
        "id": file.id, "created": unix_now(), "timestamp": unix_now(), "name": file.name,
        "title": file.title, "mimetype": mimetype(ext), "filetype": ext, "user": BOT_USER_ID,
        "size": file.length, "mode": "hosted", "is_external": false, "is_public": false,
        "url_private": format!("https://files.slack.com/files-pri/T0FAKE0001-{}/{}", file.id, file.name),
        "permalink": format!("https://fake-study-group.slack.com/files/{BOT_USER_ID}/{}/{}", file.id, file.name),
    })
}

fn mimetype(ext: &str) -> &'static str {
    match ext {
        "csv" => "text/csv",
        "json" => "application/json",
        "png" => "image/png",
        _ => "application/octet-stream",
    }
}
