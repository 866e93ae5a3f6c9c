//! The small message model the coach speaks; each platform adapter renders it in its own way.

use serde::Serialize;

use crate::curriculum::{Field, Resource, Work};
use crate::domain::DayNumber;

/// Where an outgoing message goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Target {
    /// Visible to everyone in the cohort's channel.
    Channel(ChannelRef),
    /// Only the member who acted sees it (Discord ephemeral reply, Slack ephemeral, console inline).
    Ephemeral,
    /// A private message to one member.
    Direct { platform: String, user_id: String },
}

/// A platform channel: ids are opaque strings scoped by platform.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct ChannelRef {
    pub platform: String,
    pub workspace: String,
    pub channel: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outgoing {
    pub to: Target,
    pub message: Message,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Message {
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Block {
    Text(String),
    Lesson(Box<LessonCard>),
    Table(Table),
    Buttons(Vec<Button>),
    /// A file that goes with the message (a cohort's record as CSV): Discord attaches it, Slack
    /// shares it through its file upload flow, the console writes it to disk.
    File(Attachment),
}

/// A file's name, type, description (alt text) and bytes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attachment {
    /// The file name people see and save it as, e.g. `cohort-12-record.csv`.
    pub name: String,
    /// Its media type, e.g. `text/csv`.
    pub content_type: String,
    /// One line on what it holds: Discord's attachment description, Slack's title.
    pub description: String,
    /// The content; a logged message shows its size, not its bytes.
    #[serde(rename = "size", serialize_with = "size_of")]
    pub bytes: Vec<u8>,
}

fn size_of<S: serde::Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(bytes.len() as u64)
}

/// One lesson as posted: everything an adapter needs for an embed, Block Kit or plain text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LessonCard {
    pub day: DayNumber,
    pub title: String,
    pub section: String,
    /// 1-based position of the lesson in its section, and the section's size.
    pub position: (usize, usize),
    /// 1-based position of the lesson in the cycle, and the cycle's size.
    pub progress: (usize, usize),
    pub objective: Option<String>,
    pub work: Option<Work>,
    pub resources: Vec<Resource>,
    pub python_skill: Option<String>,
    pub fields: Vec<Field>,
    pub checkpoint: Option<String>,
    pub linkedin_post: Option<String>,
    pub blog_post: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Table {
    pub title: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// A line under the table, e.g. the caller's own rank.
    pub footer: Option<String>,
}

/// A button; `id` comes back in the press event (e.g. `done:12:121`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Button {
    pub id: String,
    pub label: String,
}

impl Message {
    pub fn text(text: impl Into<String>) -> Message {
        Message { blocks: vec![Block::Text(text.into())] }
    }

    /// The files the message carries, in block order.
    pub fn files(&self) -> impl Iterator<Item = &Attachment> {
        self.blocks.iter().filter_map(|b| match b {
            Block::File(file) => Some(file),
            _ => None,
        })
    }

    pub fn with(mut self, block: Block) -> Message {
        self.blocks.push(block);
        self
    }
}

impl Outgoing {
    pub fn ephemeral(text: impl Into<String>) -> Outgoing {
        Outgoing { to: Target::Ephemeral, message: Message::text(text) }
    }

    pub fn ephemeral_message(message: Message) -> Outgoing {
        Outgoing { to: Target::Ephemeral, message }
    }

    pub fn channel(channel: &ChannelRef, message: Message) -> Outgoing {
        Outgoing { to: Target::Channel(channel.clone()), message }
    }

    /// A direct message to a platform user.
    pub fn direct(platform: &str, user_id: &str, message: Message) -> Outgoing {
        Outgoing {
            to: Target::Direct { platform: platform.to_string(), user_id: user_id.to_string() },
            message,
        }
    }
}
