//! Coach messages as Slack messages (Block Kit), each within Block Kit's limits.
//!
//! A lesson card becomes a header, mrkdwn sections and a context footer; text and tables become
//! sections; buttons become actions blocks. Every piece of coach text is escaped, so member
//! names or checklist items cannot ping or link. What passes 50 blocks continues in the next
//! message, and the buttons stay on the first: that is the lesson post members press Done on.

mod lesson;
mod mrkdwn;
mod split;
mod table;
#[cfg(test)]
mod tests;

use std::collections::HashSet;
use std::rc::Rc;

use slack_morphism::blocks::{
    SlackActionBlockElement, SlackActionsBlock, SlackBlock, SlackBlockButtonElement, SlackBlockButtonStyle,
    SlackSectionBlock,
};
use slack_morphism::{SlackActionId, SlackMessageContent};

pub use self::mrkdwn::escape;
use self::mrkdwn::{one_line, plain, slack_commands};
use self::split::{len, trim};
use crate::coach::{Block, Button, Message};

pub const BLOCKS_MAX: usize = 50;
pub const SECTION_MAX: usize = 3000;
pub const HEADER_MAX: usize = 150;
pub const CONTEXT_ELEMENTS_MAX: usize = 10;
pub const CONTEXT_TEXT_MAX: usize = 2000;
pub const ACTIONS_MAX: usize = 25;
pub const BUTTON_TEXT_MAX: usize = 75;
pub const ACTION_ID_MAX: usize = 255;
pub const BUTTON_VALUE_MAX: usize = 2000;
pub const TEXT_MAX: usize = 40_000;
/// The notification line: a summary, since Slack shows it only where the blocks cannot be.
const SUMMARY_MAX: usize = 300;
/// Actions blocks on one message (25 buttons each); the rest of the first message stays for content.
const ACTIONS_BLOCKS_MAX: usize = 10;
const CONTINUED: &str = " (continued)";
const EMPTY: &str = "…";

/// One Slack message, valid on its own; `text` is the notification and accessibility fallback.
#[derive(Debug, Clone)]
pub struct SlackMessage {
    pub text: String,
    pub blocks: Vec<SlackBlock>,
}

impl SlackMessage {
    /// The content for `chat.postMessage` and its kin.
    pub fn content(self) -> SlackMessageContent {
        let content = SlackMessageContent::new().with_text(self.text);
        if self.blocks.is_empty() { content } else { content.with_blocks(self.blocks) }
    }
}

/// One block of the rendering, before it is placed in a message.
enum Item {
    /// `continues` is the header a message starting with this block repeats (a continued lesson).
    Content {
        block: SlackBlock,
        continues: Option<Rc<SlackBlock>>,
    },
    Actions(SlackBlock),
}

/// The message as one or more Slack messages, in posting order; never empty.
pub fn render(message: &Message) -> Vec<SlackMessage> {
    let summary = summary(&message.blocks);
    let continued = format!("{}{CONTINUED}", trim(&summary, SUMMARY_MAX - len(CONTINUED)));
    paginate(items(&message.blocks))
        .into_iter()
        .enumerate()
        .map(|(i, blocks)| SlackMessage {
            text: if i == 0 { summary.clone() } else { continued.clone() },
            blocks,
        })
        .collect()
}

/// The blocks in message order; consecutive texts share sections, as they share Discord's content.
fn items(blocks: &[Block]) -> Vec<Item> {
    let mut items = Vec::new();
    let mut text: Vec<&str> = Vec::new();
    let mut buttons = Buttons::default();
    for block in blocks {
        if !matches!(block, Block::Text(_)) {
            items.extend(text_sections(&text.join("\n")));
            text.clear();
        }
        match block {
            Block::Text(t) => text.push(t),
            Block::Lesson(card) => {
                let lesson = lesson::render(card);
                let header = Rc::new(lesson.continued_header);
                for (i, block) in lesson.blocks.into_iter().enumerate() {
                    // The card's own header needs no repeat.
                    let continues = (i > 0).then(|| Rc::clone(&header));
                    items.push(Item::Content { block, continues });
                }
            }
            Block::Table(t) => items.extend(sections(&table::render(t)).into_iter().map(content)),
            Block::Buttons(row) => items.extend(buttons.blocks(row)),
            // Shared through Slack's file upload flow by the adapter (`files.rs`), not in a message.
            Block::File(_) => {}
        }
    }
    items.extend(text_sections(&text.join("\n")));
    items
}

fn text_sections(text: &str) -> impl Iterator<Item = Item> {
    sections(&mrkdwn::mrkdwn(&slack_commands(text))).into_iter().map(content)
}

/// mrkdwn sections of at most 3,000 characters, cut at lines, then words.
fn sections(mrkdwn: &str) -> Vec<SlackBlock> {
    split::split(mrkdwn, SECTION_MAX)
        .into_iter()
        .map(|text| SlackSectionBlock::new().with_text(slack_morphism::md!(text)).into())
        .collect()
}

fn content(block: SlackBlock) -> Item {
    Item::Content { block, continues: None }
}

/// Buttons in the first message, content after them in the rest; a message continuing a lesson
/// starts with the lesson's header marked "(continued)".
fn paginate(items: Vec<Item>) -> Vec<Vec<SlackBlock>> {
    if items.len() <= BLOCKS_MAX {
        return vec![items.into_iter().map(Item::into_block).collect()];
    }
    // The first message's content gets what its buttons leave.
    let mut room = BLOCKS_MAX - items.iter().filter(|i| matches!(i, Item::Actions(_))).count();
    let (mut first, mut late_actions, mut rest) = (Vec::new(), Vec::new(), Vec::new());
    for item in items {
        match item {
            Item::Actions(block) if rest.is_empty() => first.push(block),
            Item::Actions(block) => late_actions.push(block),
            Item::Content { block, .. } if rest.is_empty() && room > 0 => {
                first.push(block);
                room -= 1;
            }
            item => rest.push(item),
        }
    }
    first.extend(late_actions);
    let mut pages = vec![first];
    let mut page: Vec<SlackBlock> = Vec::new();
    for item in rest {
        let Item::Content { block, continues } = item else { continue };
        if page.len() == BLOCKS_MAX {
            pages.push(std::mem::take(&mut page));
        }
        if page.is_empty() {
            page.extend(continues.map(|header| (*header).clone()));
        }
        page.push(block);
    }
    if !page.is_empty() {
        pages.push(page);
    }
    pages
}

impl Item {
    fn into_block(self) -> SlackBlock {
        match self {
            Item::Content { block, .. } | Item::Actions(block) => block,
        }
    }
}

/// Coach text as one mrkdwn string, e.g. a shared file's comment.
pub fn mrkdwn_text(text: &str) -> String {
    mrkdwn::mrkdwn(&slack_commands(text))
}

/// The first line that says what the message is: the lesson's day and title, a text's first line.
fn summary(blocks: &[Block]) -> String {
    let first_line = |text: &str| text.lines().map(str::trim).find(|l| !l.is_empty()).map(str::to_string);
    let found = blocks.iter().find_map(|block| match block {
        Block::Lesson(card) => Some(lesson::summary(card)),
        Block::Text(text) => first_line(text).map(|l| mrkdwn::mrkdwn(&slack_commands(&l))),
        Block::Table(table) => first_line(&table.title).map(|l| escape(&l)),
        Block::Buttons(_) | Block::File(_) => None,
    });
    trim(&one_line(&found.unwrap_or_else(|| EMPTY.to_string())), SUMMARY_MAX)
}

/// Buttons of one message: 25 to an actions block, each id once (Slack refuses a repeated
/// action_id, and a second button with the same id would do the same thing anyway).
#[derive(Default)]
struct Buttons {
    seen: HashSet<String>,
    blocks: usize,
}

impl Buttons {
    fn blocks(&mut self, row: &[Button]) -> Vec<Item> {
        let kept: Vec<SlackActionBlockElement> =
            row.iter().filter(|b| sendable(b) && self.seen.insert(b.id.clone())).map(button).collect();
        let mut out = Vec::new();
        for chunk in kept.chunks(ACTIONS_MAX) {
            if self.blocks == ACTIONS_BLOCKS_MAX {
                tracing::warn!(buttons = kept.len(), "buttons left out: more than one message can carry");
                break;
            }
            self.blocks += 1;
            out.push(Item::Actions(SlackActionsBlock::new(chunk.to_vec()).into()));
        }
        out
    }
}

/// The coach keeps ids short by construction; cutting one would change what the press means, so
/// one that does not fit `action_id` is left out rather than sent.
fn sendable(button: &Button) -> bool {
    let ok = !button.id.is_empty() && len(&button.id) <= ACTION_ID_MAX;
    if !ok {
        tracing::warn!(id_chars = len(&button.id), "button left out: its id does not fit Slack's action_id");
    }
    ok
}

/// The id goes in `action_id` (what the press event names) and in `value`; Done and Submit are primary.
fn button(button: &Button) -> SlackActionBlockElement {
    let done = button.id.starts_with("done:");
    // A button's text is plain_text: shown as written, never parsed for mentions.
    let label = plain(&button.label);
    let label = match label.as_str() {
        "" if done => "Done".to_string(),
        "" => "•".to_string(),
        _ => trim(&label, BUTTON_TEXT_MAX),
    };
    let mut element = SlackBlockButtonElement::new(slack_morphism::pt!(label))
        .with_action_id(SlackActionId(button.id.clone()))
        .with_value(button.id.clone());
    if done || button.label.trim() == "Submit" {
        element = element.with_style(SlackBlockButtonStyle::Primary);
    }
    element.into()
}
