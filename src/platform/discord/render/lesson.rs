//! A lesson card as Discord embeds: the console's content, split so every embed keeps Discord's limits.

use serenity::builder::{CreateEmbed, CreateEmbedFooter};

use super::split::{self, len, trim};
use crate::coach::LessonCard;

pub const TITLE_MAX: usize = 256;
pub const DESCRIPTION_MAX: usize = 4096;
pub const FIELDS_MAX: usize = 25;
pub const FIELD_NAME_MAX: usize = 256;
pub const FIELD_VALUE_MAX: usize = 1024;
pub const FOOTER_MAX: usize = 2048;
/// The sum of every title, description, field and footer of the embeds of one message.
pub const EMBED_TOTAL_MAX: usize = 6000;

/// A teal that sets lesson posts apart from the bot's plain-text replies.
const COLOUR: u32 = 0x00_AD_D4;
const CONTINUED: &str = " (continued)";
/// Discord refuses an empty field name or value.
const BLANK: &str = "—";

/// One embed of a lesson and its size as Discord counts it; parts after the first continue it.
pub struct Part {
    pub embed: CreateEmbed,
    pub chars: usize,
    pub continued: bool,
}

/// One embed field before splitting: `more` names its continuation fields.
struct Field {
    name: String,
    more: String,
    value: String,
}

/// The card as one embed, or as several when it passes 6,000 characters or 25 fields.
pub fn parts(card: &LessonCard) -> Vec<Part> {
    let full_title = format!("Day {} — {}", card.day, card.title);
    let title = trim(&full_title, TITLE_MAX);
    let continued_title = format!("{}{CONTINUED}", trim(&full_title, TITLE_MAX - len(CONTINUED)));
    let footer = trim(&footer(card), FOOTER_MAX);
    let fixed = len(&title) + len(&footer);
    let mut fields = fields(card);
    let description = match card.objective.as_deref().filter(|o| !o.trim().is_empty()) {
        Some(objective) => {
            // The first embed must hold its title, description and footer within the total.
            let room = DESCRIPTION_MAX.min(EMBED_TOTAL_MAX - fixed);
            let mut chunks = split::split(objective, room).into_iter();
            let first = chunks.next();
            let rest: Vec<String> = chunks.collect();
            if !rest.is_empty() {
                let more = "🎯 Objective (cont.)".to_string();
                fields.insert(0, Field { name: more.clone(), more, value: rest.join("\n") });
            }
            first
        }
        None => None,
    };
    let mut builder = Builder::new(&footer);
    builder.start(&title, description.as_deref(), false);
    for field in &fields {
        let mut values = split::split(&field.value, FIELD_VALUE_MAX);
        if values.is_empty() {
            values.push(BLANK.to_string());
        }
        for (i, value) in values.iter().enumerate() {
            let name = if i == 0 { &field.name } else { &field.more };
            builder.field(&continued_title, name, value);
        }
    }
    builder.finish()
}

/// `<section> · lesson X of Y · day P of N in the cycle`, as the console's second line.
fn footer(card: &LessonCard) -> String {
    format!(
        "{} · lesson {} of {} · day {} of {} in the cycle",
        card.section, card.position.0, card.position.1, card.progress.0, card.progress.1
    )
}

/// The fields in the console's order.
fn fields(card: &LessonCard) -> Vec<Field> {
    let mut out = Vec::new();
    if let Some(work) = &card.work {
        let kind = work.kind.label();
        let name = format!("🛠️ {kind} ({} min)", work.minutes);
        out.push(Field { name, more: format!("🛠️ {kind} (cont.)"), value: work.text.clone() });
    }
    if !card.resources.is_empty() {
        let lines: Vec<String> = card.resources.iter().map(|r| link(&r.title, &r.url)).collect();
        out.push(Field::new("📚 Resources", lines.join("\n")));
    }
    let quoted = |text: &Option<String>| text.as_ref().map(|t| format!("“{t}”"));
    let named = std::iter::once(("🐍 Python skill", card.python_skill.clone()))
        .chain(card.fields.iter().map(|f| (f.label.as_str(), Some(f.text.clone()))))
        .chain([
            ("✅ Checkpoint", card.checkpoint.clone()),
            ("📝 LinkedIn post", quoted(&card.linkedin_post)),
            ("✍️ Blog post", quoted(&card.blog_post)),
        ]);
    out.extend(named.filter_map(|(name, value)| Some(Field::new(name, value?))));
    out
}

impl Field {
    fn new(name: &str, value: String) -> Field {
        let name = name.trim();
        if name.is_empty() {
            return Field { name: BLANK.into(), more: BLANK.into(), value };
        }
        let more = format!("{} (cont.)", trim(name, FIELD_NAME_MAX - len(" (cont.)")));
        Field { name: trim(name, FIELD_NAME_MAX), more, value }
    }
}

/// `[title](url)`; brackets in the title and parentheses or spaces in the URL would end the link early.
fn link(title: &str, url: &str) -> String {
    let title = title.replace('[', "\\[").replace(']', "\\]");
    let url = url.replace(' ', "%20").replace('(', "%28").replace(')', "%29");
    if title.trim().is_empty() { format!("<{url}>") } else { format!("[{title}]({url})") }
}

/// Fills embeds field by field, starting a continuation embed when the next field would not fit.
struct Builder<'a> {
    footer: &'a str,
    parts: Vec<Part>,
    current: Option<Part>,
    fields: usize,
}

impl<'a> Builder<'a> {
    fn new(footer: &'a str) -> Builder<'a> {
        Builder { footer, parts: Vec::new(), current: None, fields: 0 }
    }

    fn start(&mut self, title: &str, description: Option<&str>, continued: bool) {
        self.close();
        let mut embed =
            CreateEmbed::new().title(title).colour(COLOUR).footer(CreateEmbedFooter::new(self.footer));
        let mut chars = len(title) + len(self.footer);
        if let Some(text) = description {
            embed = embed.description(text);
            chars += len(text);
        }
        self.current = Some(Part { embed, chars, continued });
        self.fields = 0;
    }

    fn field(&mut self, continued_title: &str, name: &str, value: &str) {
        let size = len(name) + len(value);
        let fits = |part: &Part| part.chars + size <= EMBED_TOTAL_MAX;
        if self.fields == FIELDS_MAX || !self.current.as_ref().is_some_and(fits) {
            self.start(continued_title, None, true);
        }
        if let Some(part) = self.current.take() {
            let embed = part.embed.field(name, value, false);
            self.current = Some(Part { embed, chars: part.chars + size, ..part });
            self.fields += 1;
        }
    }

    fn close(&mut self) {
        self.parts.extend(self.current.take());
    }

    fn finish(mut self) -> Vec<Part> {
        self.close();
        self.parts
    }
}
