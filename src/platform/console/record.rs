//! The console platform under `studybot run`: prints what the bot posts and, with a record file,
//! appends each post as a JSON line — the platform's own record, read back after a crash.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::Context;
use serde::{Deserialize, Serialize};

use super::render;
use crate::coach::{ChannelRef, Delivery, DeliveryError, Fence, Message, Outgoing};

/// One line of the record file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedPost {
    pub nonce: String,
    pub message_id: String,
    pub channel: String,
    /// Real time of the post, epoch milliseconds.
    pub at_ms: i64,
}

/// Prints posts to stdout; with a record file, makes each post durable (written and fsynced)
/// before it counts as made, the way a real platform has the message once it answers.
pub struct RecordDelivery {
    file: Option<Mutex<File>>,
    path: Option<PathBuf>,
    by_nonce: Mutex<HashMap<String, String>>,
    next_id: AtomicU64,
    quiet: bool,
}

impl RecordDelivery {
    /// Opens (or creates) the record. A line cut short by a crash is ignored: that post was not
    /// made, so the scheduler finds no record of it and sends it again.
    pub fn open(path: Option<&Path>, quiet: bool) -> anyhow::Result<RecordDelivery> {
        let mut by_nonce = HashMap::new();
        let file = match path {
            Some(path) => {
                let (file, posts) = open_record(path)?;
                by_nonce.extend(posts.into_iter().map(|p| (p.nonce, p.message_id)));
                Some(Mutex::new(file))
            }
            None => None,
        };
        let next_id = AtomicU64::new(by_nonce.len() as u64 + 1);
        Ok(RecordDelivery {
            file,
            path: path.map(Path::to_path_buf),
            by_nonce: Mutex::new(by_nonce),
            next_id,
            quiet,
        })
    }

    fn append(&self, post: &RecordedPost) -> Result<(), DeliveryError> {
        let Some(file) = &self.file else { return Ok(()) };
        let mut line = serde_json::to_string(post).map_err(|e| DeliveryError::Temporary(e.to_string()))?;
        line.push('\n');
        let mut file = file.lock().map_err(|_| DeliveryError::Temporary("record lock poisoned".into()))?;
        let write = file.write_all(line.as_bytes()).and_then(|()| file.sync_data());
        write.map_err(|e| {
            let path = self.path.as_deref().unwrap_or(Path::new("record")).display().to_string();
            DeliveryError::Temporary(format!("writing {path}: {e}"))
        })
    }
}

/// Reads every complete line and leaves the file positioned for appending on a fresh line.
fn open_record(path: &Path) -> anyhow::Result<(File, Vec<RecordedPost>)> {
    let mut file = OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(path)
        .with_context(|| format!("opening the record file {}", path.display()))?;
    let mut text = String::new();
    file.read_to_string(&mut text).with_context(|| format!("reading {}", path.display()))?;
    let posts = parse(&text, path);
    if !text.is_empty() && !text.ends_with('\n') {
        file.write_all(b"\n").with_context(|| format!("repairing {}", path.display()))?;
    }
    file.seek(SeekFrom::End(0))?;
    Ok((file, posts))
}

/// Every post in a record file, in order, for tests and audits.
pub fn read_record(path: &Path) -> anyhow::Result<Vec<RecordedPost>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(parse(&text, path))
}

/// The posts of a record. Only whole JSON lines are ever appended, so a line that does not parse
/// is what a crash mid-write left (a torn tail, later closed by the repair newline): that post
/// was not made, and the line is skipped.
fn parse(text: &str, path: &Path) -> Vec<RecordedPost> {
    let mut posts = Vec::new();
    for (n, line) in text.split_inclusive('\n').enumerate() {
        let Some(line) = line.strip_suffix('\n') else { continue };
        match serde_json::from_str(line) {
            Ok(post) => posts.push(post),
            Err(_) => tracing::warn!("{}:{}: torn record line skipped", path.display(), n + 1),
        }
    }
    posts
}

impl Delivery for RecordDelivery {
    async fn post(
        &self,
        channel: &ChannelRef,
        message: &Message,
        nonce: &str,
        fence: &Fence,
    ) -> Result<String, DeliveryError> {
        fence.check()?;
        let n = self.next_id.fetch_add(1, Ordering::Relaxed);
        let message_id = format!("p{}-{n}", std::process::id());
        let at_ms = chrono::Utc::now().timestamp_millis();
        let post = RecordedPost {
            nonce: nonce.into(),
            message_id: message_id.clone(),
            channel: channel.channel.clone(),
            at_ms,
        };
        self.append(&post)?;
        if let Ok(mut seen) = self.by_nonce.lock() {
            seen.insert(nonce.to_string(), message_id.clone());
        }
        if !self.quiet {
            println!("── #{} ── {message_id}\n{}", channel.channel, render(message));
        }
        Ok(message_id)
    }

    async fn send(&self, outgoing: &Outgoing, fence: &Fence) -> Result<(), DeliveryError> {
        fence.check()?;
        if !self.quiet {
            println!("── {:?}\n{}", outgoing.to, render(&outgoing.message));
        }
        Ok(())
    }

    async fn find_post(&self, _channel: &ChannelRef, nonce: &str) -> Result<Option<String>, DeliveryError> {
        let known = |seen: &HashMap<String, String>| seen.get(nonce).cloned();
        let lock =
            || self.by_nonce.lock().map_err(|_| DeliveryError::Temporary("record lock poisoned".into()));
        if let Some(id) = known(&*lock()?) {
            return Ok(Some(id));
        }
        // Another instance sharing the record may have posted since this one opened it (a
        // standby that just took over): read the file again before answering "not posted".
        let Some(path) = &self.path else { return Ok(None) };
        let posts = read_record(path).map_err(|e| DeliveryError::Temporary(format!("{e:#}")))?;
        let mut seen = lock()?;
        for post in posts {
            seen.entry(post.nonce).or_insert(post.message_id);
        }
        Ok(known(&seen))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn channel() -> ChannelRef {
        ChannelRef { platform: "console".into(), workspace: String::new(), channel: "study".into() }
    }

    #[tokio::test]
    async fn a_reopened_record_finds_earlier_posts_and_skips_a_torn_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("posts.jsonl");
        let first = RecordDelivery::open(Some(&path), true).unwrap();
        let id = first.post(&channel(), &Message::text("day 1"), "sb-1-1", Fence::unfenced()).await.unwrap();
        drop(first);
        // A crash in the middle of the next write leaves half a line behind.
        OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"{\"nonce\":\"sb-1-2\",\"mes")
            .unwrap();

        let again = RecordDelivery::open(Some(&path), true).unwrap();
        assert_eq!(again.find_post(&channel(), "sb-1-1").await.unwrap(), Some(id));
        assert_eq!(again.find_post(&channel(), "sb-1-2").await.unwrap(), None);
        again.post(&channel(), &Message::text("day 2"), "sb-1-2", Fence::unfenced()).await.unwrap();
        drop(again);
        let nonces: Vec<String> = read_record(&path).unwrap().into_iter().map(|p| p.nonce).collect();
        assert_eq!(nonces, ["sb-1-1", "sb-1-2"]);
        // The torn line, now closed by the repair newline, does not stop a later restart.
        let third = RecordDelivery::open(Some(&path), true).unwrap();
        assert!(third.find_post(&channel(), "sb-1-2").await.unwrap().is_some());
    }
}
