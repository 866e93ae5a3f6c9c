//! Coach messages as Discord messages (content, embeds, buttons), each within Discord's limits.
//!
//! A lesson card becomes an embed; text and tables become the content; buttons become action
//! rows. What does not fit one message continues in the next, and the buttons stay on the first:
//! that is the lesson post members press Done on. Files go one to a message, the first with the
//! first part (see `Rest::upload`); a picture is shown in an embed (`attachment://name`).

mod lesson;
mod split;
mod table;
#[cfg(test)]
mod tests;

use std::collections::HashSet;

use serenity::builder::{
    CreateActionRow, CreateAllowedMentions, CreateButton, CreateEmbed, CreateInteractionResponseFollowup,
    CreateInteractionResponseMessage, CreateMessage, EditInteractionResponse,
};
use serenity::model::application::ButtonStyle;
use serenity::model::channel::Nonce;

use self::split::{len, trim};
use crate::coach::{Attachment, Block, Button, Message};

pub const CONTENT_MAX: usize = 2000;
pub const EMBEDS_MAX: usize = 10;
pub const ROWS_MAX: usize = 5;
pub const BUTTONS_PER_ROW: usize = 5;
pub const LABEL_MAX: usize = 80;
pub const CUSTOM_ID_MAX: usize = 100;
/// Discord keeps a nonce of at most 25 characters.
pub const NONCE_MAX: usize = 25;

/// One Discord message, valid on its own.
#[derive(Debug, Clone)]
pub struct DiscordMessage {
    pub content: String,
    pub embeds: Vec<CreateEmbed>,
    pub components: Vec<CreateActionRow>,
    /// A file uploaded with the message.
    pub file: Option<Attachment>,
}

/// The message as one or more Discord messages, in posting order; never empty.
pub fn render(message: &Message) -> Vec<DiscordMessage> {
    let mut contents = contents(&message.blocks);
    let embeds = embed_groups(&message.blocks);
    let rows = row_groups(&message.blocks);
    let (files, too_big): (Vec<&Attachment>, Vec<&Attachment>) =
        message.files().partition(|f| f.bytes.len() <= super::rest::FILE_MAX);
    contents.extend(too_big.iter().map(|f| too_big_note(f)));
    let count = contents.len().max(embeds.len()).max(rows.len()).max(files.len()).max(1);
    let (mut contents, mut embeds, mut rows) = (contents.into_iter(), embeds.into_iter(), rows.into_iter());
    let mut files = files.into_iter();
    (0..count)
        .map(|_| {
            let mut out = DiscordMessage {
                content: contents.next().unwrap_or_default(),
                embeds: embeds.next().unwrap_or_default(),
                components: rows.next().unwrap_or_default(),
                file: files.next().cloned(),
            };
            // A picture shows in an embed that references its attachment by name.
            if let Some(file) = out.file.as_ref().filter(|f| f.content_type.starts_with("image/"))
                && out.embeds.len() < EMBEDS_MAX
            {
                out.embeds.push(CreateEmbed::new().image(format!("attachment://{}", file.name)));
            }
            if out.content.is_empty()
                && out.embeds.is_empty()
                && out.components.is_empty()
                && out.file.is_none()
            {
                // Discord refuses a message with nothing in it.
                out.content = "…".into();
            }
            out
        })
        .collect()
}

/// Said instead of a file Discord would refuse (413).
fn too_big_note(file: &Attachment) -> String {
    let mib = file.bytes.len() as f64 / (1024.0 * 1024.0);
    trim(
        &format!(
            "📎 {} is {mib:.1} MiB, more than the 10 MiB Discord takes from a bot; the bot's operator can write it with `studybot export`.",
            file.name
        ),
        CONTENT_MAX,
    )
}

/// Text and tables in block order, packed into contents of at most 2,000 characters. A table
/// is never cut, so its code block stays whole.
fn contents(blocks: &[Block]) -> Vec<String> {
    let mut units: Vec<String> = Vec::new();
    let mut text: Vec<&str> = Vec::new();
    for block in blocks {
        match block {
            Block::Text(t) => text.push(t),
            Block::Table(t) => {
                units.extend(split::split(&text.join("\n"), CONTENT_MAX));
                text.clear();
                units.push(table::render(t, CONTENT_MAX));
            }
            Block::Lesson(_) | Block::Buttons(_) | Block::File(_) => {}
        }
    }
    units.extend(split::split(&text.join("\n"), CONTENT_MAX));
    let mut packed: Vec<String> = Vec::new();
    for unit in units {
        match packed.last_mut() {
            Some(last) if len(last) + 1 + len(&unit) <= CONTENT_MAX => {
                last.push('\n');
                last.push_str(&unit);
            }
            _ => packed.push(unit),
        }
    }
    packed
}

/// Lesson embeds grouped per message: at most 10 and 6,000 characters together, and a
/// continued lesson starts a message of its own.
fn embed_groups(blocks: &[Block]) -> Vec<Vec<CreateEmbed>> {
    let mut groups: Vec<(Vec<CreateEmbed>, usize)> = Vec::new();
    let cards = blocks.iter().filter_map(|b| match b {
        Block::Lesson(card) => Some(card),
        _ => None,
    });
    for part in cards.flat_map(|card| lesson::parts(card)) {
        match groups.last_mut() {
            Some((embeds, chars))
                if !part.continued
                    && embeds.len() < EMBEDS_MAX
                    && *chars + part.chars <= lesson::EMBED_TOTAL_MAX =>
            {
                embeds.push(part.embed);
                *chars += part.chars;
            }
            _ => groups.push((vec![part.embed], part.chars)),
        }
    }
    groups.into_iter().map(|(embeds, _)| embeds).collect()
}

/// Each block of buttons starts a row; rows hold 5 buttons and a message 5 rows.
fn row_groups(blocks: &[Block]) -> Vec<Vec<CreateActionRow>> {
    let mut seen = HashSet::new();
    let mut rows = Vec::new();
    for block in blocks {
        let Block::Buttons(buttons) = block else { continue };
        // Discord refuses a message whose buttons share an id; a second one would do the same anyway.
        let kept: Vec<&Button> = buttons.iter().filter(|b| sendable(b) && seen.insert(&b.id)).collect();
        for row in kept.chunks(BUTTONS_PER_ROW) {
            rows.push(CreateActionRow::Buttons(row.iter().map(|b| button(b)).collect()));
        }
    }
    let mut groups = Vec::new();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        groups.push(rows.by_ref().take(ROWS_MAX).collect());
    }
    groups
}

/// The coach keeps ids within 100 characters by construction (see the tests); cutting one
/// would change what the press means, so one that is not is left out rather than sent.
fn sendable(button: &Button) -> bool {
    let ok = !button.id.is_empty() && len(&button.id) <= CUSTOM_ID_MAX;
    debug_assert!(ok, "button id out of Discord's 1..=100 characters: {:?}", button.id);
    if !ok {
        tracing::warn!(id_chars = len(&button.id), "button left out: its id does not fit Discord");
    }
    ok
}

fn button(button: &Button) -> CreateButton {
    let (style, label) = if button.id.starts_with("done:") {
        (ButtonStyle::Success, button.label.replace('✅', "").trim().to_string())
    } else if button.label == "Submit" {
        (ButtonStyle::Success, button.label.clone())
    } else {
        (ButtonStyle::Primary, button.label.trim().to_string())
    };
    let label = match label.as_str() {
        "" if button.id.starts_with("done:") => "Done".to_string(),
        "" => "•".to_string(),
        _ => trim(&label, LABEL_MAX),
    };
    CreateButton::new(button.id.as_str()).style(style).label(label)
}

/// No @everyone, role or user pings, whatever member-supplied text the message carries.
fn no_mentions() -> CreateAllowedMentions {
    CreateAllowedMentions::new().empty_users().empty_roles()
}

/// A nonce longer than Discord keeps is replaced by its stable hash, so a re-send after a
/// restart still carries the same nonce.
fn nonce(key: &str) -> Nonce {
    if len(key) <= NONCE_MAX {
        Nonce::String(key.to_string())
    } else {
        Nonce::String(format!("{:016x}", crate::hash::fnv1a_64(key.as_bytes())))
    }
}

impl DiscordMessage {
    /// A channel post; with a nonce Discord returns the earlier post instead of a second one.
    pub fn into_create(self, nonce_key: Option<&str>) -> CreateMessage {
        let mut out = CreateMessage::new()
            .embeds(self.embeds)
            .components(self.components)
            .allowed_mentions(no_mentions());
        if !self.content.is_empty() {
            out = out.content(self.content);
        }
        if let Some(key) = nonce_key {
            out = out.nonce(nonce(key)).enforce_nonce(true);
        }
        out
    }

    pub fn into_response(self, ephemeral: bool) -> CreateInteractionResponseMessage {
        let mut out = CreateInteractionResponseMessage::new()
            .embeds(self.embeds)
            .components(self.components)
            .allowed_mentions(no_mentions())
            .ephemeral(ephemeral);
        if !self.content.is_empty() {
            out = out.content(self.content);
        }
        out
    }

    pub fn into_followup(self, ephemeral: bool) -> CreateInteractionResponseFollowup {
        let mut out = CreateInteractionResponseFollowup::new()
            .embeds(self.embeds)
            .components(self.components)
            .allowed_mentions(no_mentions())
            .ephemeral(ephemeral);
        if !self.content.is_empty() {
            out = out.content(self.content);
        }
        out
    }

    /// Replaces the whole message: empty content, embeds and rows clear what was there.
    pub fn into_edit(self) -> EditInteractionResponse {
        EditInteractionResponse::new()
            .content(self.content)
            .embeds(self.embeds)
            .components(self.components)
            .allowed_mentions(no_mentions())
    }
}
