//! The curriculum parser: a single pass over the Markdown lines, building typed values and diagnostics.

use std::sync::LazyLock;

use regex::Regex;

use super::diagnostic::{Diagnostic, utf8_text};
use super::model::{Checklist, Curriculum, Day, Field, Section, Work, WorkKind};
use super::text::{checklist_item, clean_heading, labelled, links, list_item, shorten, unquote};
use crate::domain::DayNumber;

static DAY_HEADING: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?i:day)\s+(\d+)\s*(?:[-–—:|]\s*(.*?))?\s*$").unwrap());
/// What an author meant as a day heading even when it does not parse.
static DAY_ATTEMPT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?i:day)(?:[\s#]*\d|\s+\S+\s+[-–—:|]\s)").unwrap());
static DAY_RANGE_HEADING: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?i:day)\s+\d+\s*[-–—]\s*\d+\s*(?:[-–—:|]|$)").unwrap());
static WORK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?i:(task|project))\s*\(\s*(\d+)\s*(?i:min|mins|minutes)\.?\s*\)$").unwrap()
});
static MODULE_PREFIX: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?i:module)\s+(\d+)\s*[:\-–—]\s*(.*)$").unwrap());
static DAYS_PREFIX: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?i:days?)\s+(\d+)(?:\s*[-–—]\s*(\d+))?\s*[:\-–—]\s*(.*)$").unwrap());
static DAYS_SUFFIX: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(.*?)\s*\((?i:days?)\s+(\d+)(?:\s*[-–—]\s*(\d+))?\)$").unwrap());

/// Parses raw bytes; text that is not UTF-8 is an error at the line of the first bad byte.
pub fn parse_bytes(bytes: &[u8]) -> Result<(Curriculum, Vec<Diagnostic>), Diagnostic> {
    utf8_text(bytes).map(parse)
}

/// Parses curriculum Markdown. Never fails: problems become diagnostics beside a best-effort value.
pub fn parse(text: &str) -> (Curriculum, Vec<Diagnostic>) {
    let mut parser = Parser::default();
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    for (index, raw) in text.split('\n').enumerate() {
        parser.line(index + 1, raw.strip_suffix('\r').unwrap_or(raw));
    }
    parser.finish()
}

/// An H2 and what it has gathered so far; its role is decided when it closes.
#[derive(Default)]
struct Block {
    heading: String,
    line: usize,
    goals: bool,
    days: Vec<Day>,
    checklists: Vec<Checklist>,
}

/// What indented lines under a day attach to.
#[derive(Clone, Copy, PartialEq)]
enum Open {
    Nothing,
    Resources { indent: usize },
    Field { index: usize, indent: usize },
}

#[derive(Default)]
struct Parser {
    title: Option<String>,
    title_line: usize,
    goals: Vec<String>,
    sections: Vec<Section>,
    assessment: Vec<Checklist>,
    success_criteria: Option<String>,
    diagnostics: Vec<Diagnostic>,
    block: Option<Block>,
    day: Option<Day>,
    open: Option<Open>,
    in_fence: bool,
    /// Sections after the cycle assessment (journey summaries, notes) are not part of the cycle.
    trailing: bool,
}

impl Parser {
    fn line(&mut self, number: usize, line: &str) {
        let trimmed = line.trim();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            self.in_fence = !self.in_fence;
            self.continue_field(line);
            return;
        }
        if self.in_fence {
            self.continue_field(line);
            return;
        }
        if let Some(h) = trimmed.strip_prefix("# ") {
            if self.title.is_none() {
                self.title = Some(clean_heading(h));
                self.title_line = number;
            }
        } else if let Some(h) = trimmed.strip_prefix("## ") {
            self.start_block(number, h);
        } else if let Some(h) = trimmed.strip_prefix("### ") {
            if !self.trailing {
                self.h3(number, h);
            }
        } else if !trimmed.is_empty() {
            self.body(number, line);
        }
    }

    fn start_block(&mut self, number: usize, raw: &str) {
        self.close_block();
        let heading = clean_heading(raw);
        let goals = heading.to_lowercase().split_whitespace().any(|w| w == "goals");
        self.block = Some(Block { heading, line: number, goals, ..Block::default() });
    }

    fn h3(&mut self, number: usize, raw: &str) {
        self.close_day();
        let heading = clean_heading(raw);
        if DAY_RANGE_HEADING.is_match(&heading) {
            self.error(
                number,
                format!(
                    "`{}` names a range of days; give each day its own heading: `### **Day 59 - Title**`",
                    shorten(&heading)
                ),
            );
        } else if let Some(caps) = DAY_HEADING.captures(&heading) {
            match DayNumber::parse(&caps[1]) {
                Ok(day) => self.start_day(number, day, caps.get(2).map_or("", |m| m.as_str())),
                Err(e) => self.error(number, format!("the day number {e}")),
            }
        } else if DAY_ATTEMPT.is_match(&heading) {
            self.error(
                number,
                format!(
                    "cannot read the day heading `{}`; write it as `### **Day 121 - Title**`",
                    shorten(&heading)
                ),
            );
        } else {
            let block = self.block.get_or_insert_with(Block::default);
            block.checklists.push(Checklist { heading, items: Vec::new() });
        }
    }

    fn start_day(&mut self, number: usize, day: DayNumber, title: &str) {
        self.day = Some(Day {
            day,
            title: title.trim().to_string(),
            objective: None,
            work: None,
            resources: Vec::new(),
            python_skill: None,
            checkpoint: None,
            linkedin_post: None,
            blog_post: None,
            fields: Vec::new(),
            line: number,
        });
        self.open = Some(Open::Nothing);
    }

    /// Any non-heading, non-blank line.
    fn body(&mut self, number: usize, line: &str) {
        let item = list_item(line);
        let (indent, content) = item.unwrap_or((0, line.trim()));
        if self.day.is_some() && self.nested(number, item.is_some(), indent, content) {
            return;
        }
        if let Some((label, text)) = labelled(content) {
            if label.eq_ignore_ascii_case("success criteria") {
                self.success_criteria = Some(text.to_string());
                return;
            }
            if self.day.is_some() {
                return self.label(number, indent, label, text);
            }
        }
        if self.day.is_none() && !self.trailing && item.is_some() {
            self.block_item(content);
        }
    }

    /// Lines indented under a `Resources:` or other open label. Returns whether it took the line.
    fn nested(&mut self, number: usize, is_item: bool, indent: usize, content: &str) -> bool {
        match self.open {
            Some(Open::Resources { indent: base }) if is_item && indent > base => {
                self.resource_links(number, content);
                true
            }
            Some(Open::Field { index, indent: base }) if is_item && indent > base => {
                if let Some(day) = self.day.as_mut() {
                    append_line(&mut day.fields[index].text, &format!("- {content}"));
                }
                true
            }
            _ => false,
        }
    }

    fn continue_field(&mut self, line: &str) {
        if let (Some(Open::Field { index, .. }), Some(day)) = (self.open, self.day.as_mut()) {
            append_line(&mut day.fields[index].text, line);
        }
    }

    fn label(&mut self, number: usize, indent: usize, label: String, text: &str) {
        let key = label.to_lowercase().split_whitespace().collect::<Vec<_>>().join(" ");
        self.open = Some(Open::Nothing);
        match key.as_str() {
            "resources" | "resource" => {
                self.open = Some(Open::Resources { indent });
                if !text.is_empty() {
                    self.resource_links(number, text);
                }
            }
            _ => self.day_label(indent, label, &key, text),
        }
    }

    /// Puts a labelled line in its slot; a label with no slot, or a slot already filled, becomes a field.
    fn day_label(&mut self, indent: usize, label: String, key: &str, text: &str) {
        let Some(day) = self.day.as_mut() else { return };
        let slot = match key {
            "learning objective" | "objective" => &mut day.objective,
            "python skill" | "python skills" => &mut day.python_skill,
            "checkpoint" => &mut day.checkpoint,
            "linkedin post" => &mut day.linkedin_post,
            "blog post" => &mut day.blog_post,
            _ => {
                if day.work.is_none()
                    && let Some(caps) = WORK.captures(&label)
                    && let Ok(minutes) = caps[2].parse()
                {
                    let kind =
                        if caps[1].eq_ignore_ascii_case("task") { WorkKind::Task } else { WorkKind::Project };
                    day.work = Some(Work { kind, minutes, text: text.to_string() });
                    return;
                }
                return self.push_field(indent, label, text);
            }
        };
        if slot.is_some() {
            return self.push_field(indent, label, text);
        }
        let quoted = matches!(key, "linkedin post" | "blog post");
        *slot = Some(if quoted { unquote(text) } else { text }.to_string());
    }

    fn push_field(&mut self, indent: usize, label: String, text: &str) {
        let Some(day) = self.day.as_mut() else { return };
        day.fields.push(Field { label, text: text.to_string() });
        self.open = Some(Open::Field { index: day.fields.len() - 1, indent });
    }

    fn resource_links(&mut self, number: usize, text: &str) {
        match links(text) {
            Ok(found) => {
                if let Some(day) = self.day.as_mut() {
                    day.resources.extend(found);
                }
            }
            Err(why) => self.error(number, format!("resource is not a link: {why}")),
        }
    }

    /// A list item outside any day: a goal, or an assessment checklist entry.
    fn block_item(&mut self, content: &str) {
        let Some(block) = self.block.as_mut() else { return };
        if block.goals {
            self.goals.push(content.to_string());
        } else if let Some(item) = checklist_item(content) {
            if block.checklists.is_empty() {
                let heading = block.heading.clone();
                block.checklists.push(Checklist { heading, items: Vec::new() });
            }
            if let Some(list) = block.checklists.last_mut() {
                list.items.push(item.to_string());
            }
        }
    }

    fn close_day(&mut self) {
        self.open = None;
        if let Some(day) = self.day.take() {
            self.block.get_or_insert_with(Block::default).days.push(day);
        }
    }

    fn close_block(&mut self) {
        self.close_day();
        let Some(block) = self.block.take() else { return };
        if !block.days.is_empty() {
            self.sections.push(section(block));
        } else if !self.trailing && block.heading.to_lowercase().contains("assessment") {
            let lists = block.checklists.into_iter().filter(|c| !c.items.is_empty());
            self.assessment.extend(lists);
            self.trailing = true;
        }
    }

    fn error(&mut self, line: usize, message: String) {
        self.diagnostics.push(Diagnostic::error(line, message));
    }

    fn finish(mut self) -> (Curriculum, Vec<Diagnostic>) {
        self.close_block();
        let curriculum = Curriculum {
            title: self.title.unwrap_or_default(),
            title_line: self.title_line,
            goals: self.goals,
            sections: self.sections,
            assessment: self.assessment,
            success_criteria: self.success_criteria,
        };
        (curriculum, self.diagnostics)
    }
}

fn append_line(text: &mut String, line: &str) {
    if !text.is_empty() {
        text.push('\n');
    }
    text.push_str(line);
}

/// Reads `Module N: Title (Days a-b)`, `Days a-b: Title` or a plain title.
fn section(block: Block) -> Section {
    let (module, rest) = match MODULE_PREFIX.captures(&block.heading) {
        Some(c) => (c[1].parse().ok(), c.get(2).map_or("", |m| m.as_str()).to_string()),
        None => (None, block.heading.clone()),
    };
    let range = |a: &str, b: Option<regex::Match>| {
        let first = a.parse().ok();
        (first, b.map_or(first, |m| m.as_str().parse().ok()))
    };
    let (title, (first_day, last_day)) = if let Some(c) = DAYS_PREFIX.captures(&rest) {
        (c[3].to_string(), range(&c[1], c.get(2)))
    } else if let Some(c) = DAYS_SUFFIX.captures(&rest) {
        (c[1].to_string(), range(&c[2], c.get(3)))
    } else {
        (rest, (None, None))
    };
    Section {
        heading: block.heading,
        module,
        title: title.trim().to_string(),
        first_day,
        last_day,
        days: block.days,
        line: block.line,
    }
}
