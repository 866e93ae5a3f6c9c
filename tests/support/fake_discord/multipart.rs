//! Request bodies: JSON, or multipart/form-data (what serenity sends when a message has files).

use serde_json::{Value, json};

/// A file part of a multipart body.
#[derive(Debug, Clone)]
pub struct Upload {
    /// The form field, e.g. `files[0]`.
    pub field: String,
    pub filename: String,
    pub size: usize,
    pub content_type: String,
    pub content: Vec<u8>,
}

/// The JSON body (`payload_json` for multipart) and any uploaded files.
pub(super) fn parse(content_type: Option<&str>, body: &[u8]) -> (Value, Vec<Upload>) {
    let boundary = content_type
        .filter(|ct| ct.starts_with("multipart/form-data"))
        .and_then(|ct| ct.split("boundary=").nth(1))
        .map(|b| b.trim_matches('"').to_string());
    match boundary {
        Some(boundary) => multipart(body, &boundary),
        None if body.is_empty() => (Value::Null, Vec::new()),
        None => (
            serde_json::from_slice(body).unwrap_or_else(|_| json!(String::from_utf8_lossy(body))),
            Vec::new(),
        ),
    }
}

fn multipart(body: &[u8], boundary: &str) -> (Value, Vec<Upload>) {
    let delimiter = format!("--{boundary}");
    let mut payload = Value::Null;
    let mut uploads = Vec::new();
    for part in split(body, delimiter.as_bytes()).into_iter().skip(1) {
        let Some(head_end) = find(part, b"\r\n\r\n") else { continue };
        let head = String::from_utf8_lossy(&part[..head_end]).to_string();
        let mut content = &part[head_end + 4..];
        content = content.strip_suffix(b"\r\n").unwrap_or(content);
        let field = disposition(&head, "name").unwrap_or_default();
        match disposition(&head, "filename") {
            Some(filename) => uploads.push(Upload {
                field,
                filename,
                size: content.len(),
                content_type: header(&head, "content-type").unwrap_or("application/octet-stream".into()),
                content: content.to_vec(),
            }),
            None if field == "payload_json" => {
                payload = serde_json::from_slice(content).unwrap_or(Value::Null)
            }
            None => {}
        }
    }
    (payload, uploads)
}

fn split<'a>(body: &'a [u8], delimiter: &[u8]) -> Vec<&'a [u8]> {
    let mut parts = Vec::new();
    let mut rest = body;
    while let Some(at) = find(rest, delimiter) {
        parts.push(&rest[..at]);
        rest = &rest[at + delimiter.len()..];
    }
    parts.push(rest);
    parts
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A parameter of the Content-Disposition header, e.g. `name="files[0]"`.
fn disposition(head: &str, key: &str) -> Option<String> {
    let line = head.lines().find(|l| l.to_ascii_lowercase().starts_with("content-disposition"))?;
    line.split(';')
        .map(str::trim)
        .find_map(|p| p.strip_prefix(&format!("{key}=")).map(|v| v.trim_matches('"').to_string()))
}

fn header(head: &str, name: &str) -> Option<String> {
    head.lines().find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.trim().eq_ignore_ascii_case(name).then(|| v.trim().to_string())
    })
}
