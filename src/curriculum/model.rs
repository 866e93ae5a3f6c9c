//! The typed curriculum: what the parser produces and what `curriculum export` prints as JSON.
//!
//! The serialized field order and names are a published schema (docs/curriculum-format.md):
//! other tools consume the export, so a change here is a breaking change.

use serde::Serialize;

use crate::domain::DayNumber;

/// One 30-day cycle as written by its author.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Curriculum {
    pub title: String,
    /// Where the title stands (0 when there is none), for diagnostics; not part of the export schema.
    #[serde(skip)]
    pub title_line: usize,
    pub goals: Vec<String>,
    pub sections: Vec<Section>,
    pub assessment: Vec<Checklist>,
    pub success_criteria: Option<String>,
}

/// An H2 that holds days: a module, or any other group such as a final assessment block.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Section {
    pub heading: String,
    pub module: Option<u32>,
    pub title: String,
    pub first_day: Option<u32>,
    pub last_day: Option<u32>,
    pub days: Vec<Day>,
    /// Where the heading stands, for diagnostics; not part of the export schema.
    #[serde(skip)]
    pub line: usize,
}

/// One lesson.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Day {
    pub day: DayNumber,
    pub title: String,
    pub objective: Option<String>,
    pub work: Option<Work>,
    pub resources: Vec<Resource>,
    pub python_skill: Option<String>,
    pub checkpoint: Option<String>,
    pub linkedin_post: Option<String>,
    pub blog_post: Option<String>,
    /// Every other labelled line, in the order written, so unknown labels survive.
    pub fields: Vec<Field>,
    #[serde(skip)]
    pub line: usize,
}

/// The timed work of a day: a `Task (30 min)` or a `Project (30 min)` line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Work {
    pub kind: WorkKind,
    pub minutes: u32,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WorkKind {
    Task,
    Project,
}

impl WorkKind {
    pub fn label(self) -> &'static str {
        match self {
            WorkKind::Task => "Task",
            WorkKind::Project => "Project",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Resource {
    pub title: String,
    pub url: String,
}

/// A labelled line the parser has no dedicated slot for (`Features`, `AI Focus`, ...).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Field {
    pub label: String,
    pub text: String,
}

/// One `### heading` of the cycle assessment with its `- [ ] item` lines.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Checklist {
    pub heading: String,
    pub items: Vec<String>,
}

impl Curriculum {
    pub fn days(&self) -> impl Iterator<Item = &Day> {
        self.sections.iter().flat_map(|s| s.days.iter())
    }

    pub fn day(&self, number: DayNumber) -> Option<(&Section, &Day)> {
        self.sections.iter().find_map(|s| s.days.iter().find(|d| d.day == number).map(|d| (s, d)))
    }

    pub fn first_day(&self) -> Option<DayNumber> {
        self.days().map(|d| d.day).min()
    }

    pub fn last_day(&self) -> Option<DayNumber> {
        self.days().map(|d| d.day).max()
    }

    /// `121-150`, the range of days a reader is told about (`none` for a curriculum without days).
    pub fn days_label(&self) -> String {
        match (self.first_day(), self.last_day()) {
            (Some(first), Some(last)) => format!("{first}-{last}"),
            _ => "none".into(),
        }
    }

    pub fn resource_count(&self) -> usize {
        self.days().map(|d| d.resources.len()).sum()
    }
}
