//! A lesson card as Block Kit: a header, one mrkdwn section per part, a context footer.

use slack_morphism::blocks::{
    SlackBlock, SlackBlockMarkDownText, SlackContextBlock, SlackContextBlockElement, SlackHeaderBlock,
    SlackSectionBlock,
};

use super::mrkdwn::{escape, mrkdwn, one_line, plain};
use super::split::{self, len, trim};
use super::{CONTEXT_TEXT_MAX, HEADER_MAX, SECTION_MAX};
use crate::coach::LessonCard;
use crate::curriculum::Resource;

const CONTINUED: &str = " (continued)";
/// A label this long is already unreadable; the cap keeps room for the text in every section.
const LABEL_MAX: usize = 200;
/// A link longer than this is shown as text, so a cut can never fall inside `<url|title>`.
const LINK_MAX: usize = 1000;

/// The card's blocks in order, and the header a message that continues the card starts with.
pub struct Lesson {
    pub blocks: Vec<SlackBlock>,
    pub continued_header: SlackBlock,
}

/// One part of the card before splitting: its label, the label of its continuations, its mrkdwn.
struct Part {
    label: String,
    more: String,
    text: String,
}

pub fn render(card: &LessonCard) -> Lesson {
    // The header is plain_text (shown as written); the notification text is mrkdwn (escaped).
    let title = plain(&format!("Day {} — {}", card.day, card.title));
    let mut blocks = vec![header(&trim(&title, HEADER_MAX))];
    for part in parts(card) {
        blocks.extend(part.sections());
    }
    blocks.push(footer(card));
    let continued = format!("{}{CONTINUED}", trim(&title, HEADER_MAX - len(CONTINUED)));
    Lesson { blocks, continued_header: header(&continued) }
}

pub fn summary(card: &LessonCard) -> String {
    escape(&one_line(&format!("Day {} — {}", card.day, card.title)))
}

fn header(text: &str) -> SlackBlock {
    SlackHeaderBlock::new(slack_morphism::pt!(text)).into()
}

/// `<section> · lesson X of Y · day P of N in the cycle`, as on the console and Discord.
fn footer(card: &LessonCard) -> SlackBlock {
    let text = format!(
        "{} · lesson {} of {} · day {} of {} in the cycle",
        card.section, card.position.0, card.position.1, card.progress.0, card.progress.1
    );
    let text = trim(&escape(&text), CONTEXT_TEXT_MAX);
    let element = SlackContextBlockElement::MarkDown(SlackBlockMarkDownText::new(text));
    SlackContextBlock::new(vec![element]).into()
}

/// The parts in the console's order.
fn parts(card: &LessonCard) -> Vec<Part> {
    let mut out = Vec::new();
    let text = |t: &Option<String>| t.as_deref().map(mrkdwn);
    out.extend(text(&card.objective).map(|t| Part::new("🎯 Objective", t)));
    if let Some(work) = &card.work {
        let kind = work.kind.label();
        out.push(Part {
            label: format!("🛠️ {kind} ({} min)", work.minutes),
            more: format!("🛠️ {kind} (cont.)"),
            text: mrkdwn(&work.text),
        });
    }
    if !card.resources.is_empty() {
        let lines: Vec<String> = card.resources.iter().map(|r| format!("• {}", link(r))).collect();
        out.push(Part::new("📚 Resources", lines.join("\n")));
    }
    out.extend(text(&card.python_skill).map(|t| Part::new("🐍 Python skill", t)));
    out.extend(card.fields.iter().map(|f| Part::new(&f.label, mrkdwn(&f.text))));
    out.extend(text(&card.checkpoint).map(|t| Part::new("✅ Checkpoint", t)));
    let quoted = |t: &Option<String>| t.as_deref().map(|t| format!("“{}”", mrkdwn(t)));
    out.extend(quoted(&card.linkedin_post).map(|t| Part::new("📝 LinkedIn post", t)));
    out.extend(quoted(&card.blog_post).map(|t| Part::new("✍️ Blog post", t)));
    out
}

/// `<url|title>` for an http(s) URL, both escaped; anything else (`!channel`, `@U1`, `javascript:`)
/// is shown as text, since Slack would read `<!channel|x>` as a mention.
fn link(resource: &Resource) -> String {
    let title = escape(&one_line(&resource.title));
    let url = resource.url.trim();
    let lower = url.to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://")) {
        let shown = [title, one_line(&escape(url))];
        return shown.into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" — ");
    }
    // A space ends the URL and `|` starts the title, so both are percent-encoded.
    let url: String = url
        .chars()
        .map(|c| match c {
            '|' => "%7C".to_string(),
            c if c.is_whitespace() => "%20".to_string(),
            c => c.to_string(),
        })
        .collect();
    let url = escape(&url);
    let link = if title.trim().is_empty() { format!("<{url}>") } else { format!("<{url}|{title}>") };
    if len(&link) <= LINK_MAX { link } else { format!("{title} — {url}") }
}

impl Part {
    fn new(label: &str, text: String) -> Part {
        let label = one_line(label);
        let more = if label.is_empty() { String::new() } else { format!("{label} (cont.)") };
        Part { label, more, text }
    }

    /// `*label*` above the first chunk and `*label (cont.)*` above the others; a part with
    /// neither label nor text is left out, since Slack refuses a blank section.
    fn sections(&self) -> Vec<SlackBlock> {
        let heading = |label: &str| match label {
            "" => String::new(),
            label => format!("*{}*", trim(&escape(label), LABEL_MAX)),
        };
        let (first, more) = (heading(&self.label), heading(&self.more));
        let room = SECTION_MAX - len(&first).max(len(&more)) - 1;
        let mut chunks = split::split(&self.text, room);
        if chunks.is_empty() && !first.is_empty() {
            chunks.push(String::new());
        }
        chunks
            .iter()
            .enumerate()
            .map(|(i, chunk)| {
                let label = if i == 0 { &first } else { &more };
                let text = match (label.is_empty(), chunk.is_empty()) {
                    (true, _) => chunk.clone(),
                    (false, true) => label.clone(),
                    (false, false) => format!("{label}\n{chunk}"),
                };
                SlackSectionBlock::new().with_text(slack_morphism::md!(text)).into()
            })
            .collect()
    }
}
