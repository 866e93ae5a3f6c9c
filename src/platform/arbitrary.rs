//! Arbitrary coach messages for the renderers' property tests: texts that stress splitting, counting and escaping, lesson cards past every limit, long tables, many buttons.

use proptest::prelude::*;

use crate::coach::{Block, Button, LessonCard, Table};
use crate::curriculum::{Field, Resource, Work, WorkKind};
use crate::domain::day;

/// Up to five blocks; button ids follow `button_ids` (a regex), since what an id may be is the
/// platform's rule.
pub fn blocks(button_ids: &'static str) -> impl Strategy<Value = Vec<Block>> {
    prop::collection::vec(block(button_ids), 0..6)
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z ]{0,30}",
        "[\\PC\n`@<>&]{0,400}",
        prop::collection::vec("[\\PC`]{0,120}", 0..60).prop_map(|l| l.join("\n")),
        (0usize..5000).prop_map(|n| "é&".repeat(n)),
        (0usize..3000).prop_map(|n| "😀<".repeat(n)),
        Just("@here <!channel> **b** ```".to_string()),
    ]
}

fn card() -> impl Strategy<Value = LessonCard> {
    let fields = prop::collection::vec((text(), text()), 0..35);
    let resources = prop::collection::vec((text(), "(https?://)?[a-z:/.|<>& ]{0,600}"), 0..45);
    (text(), text(), prop::option::of(text()), prop::option::of(text()), fields, resources, (0usize..9000))
        .prop_map(|(title, section, objective, skill, fields, resources, work)| LessonCard {
            day: day(7),
            title: title.repeat(3),
            section: section.repeat(6),
            position: (1, 2),
            progress: (1, 30),
            objective: objective.map(|o| o.repeat(12)),
            work: Some(Work { kind: WorkKind::Project, minutes: 30, text: "word ".repeat(work) }),
            resources: resources.into_iter().map(|(title, url)| Resource { title, url }).collect(),
            python_skill: skill,
            fields: fields
                .into_iter()
                .map(|(label, text)| Field { label: label.repeat(4), text: text.repeat(4) })
                .collect(),
            checkpoint: None,
            linkedin_post: Some("share".into()),
            blog_post: None,
        })
}

fn table_block() -> impl Strategy<Value = Block> {
    (text(), prop::collection::vec("[\\PC`]{0,70}", 0..12), 0usize..400, prop::option::of(text())).prop_map(
        |(title, columns, rows, footer)| {
            let width = columns.len().max(1);
            let rows = (0..rows).map(|r| (0..width).map(|c| format!("{r}&{c}")).collect()).collect();
            Block::Table(Table { title, columns, rows, footer })
        },
    )
}

fn block(button_ids: &'static str) -> impl Strategy<Value = Block> {
    let buttons = prop::collection::vec((button_ids, "[\\PC]{0,100}"), 0..40)
        .prop_map(|b| Block::Buttons(b.into_iter().map(|(id, label)| Button { id, label }).collect()));
    prop_oneof![
        text().prop_map(Block::Text),
        card().prop_map(|c| Block::Lesson(Box::new(c))),
        table_block(),
        buttons,
    ]
}
