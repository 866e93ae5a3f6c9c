//! Arbitrary coach messages render within every Block Kit limit, buttons on the first message only.

use proptest::prelude::*;

use super::*;

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
            day: 7,
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

fn block() -> impl Strategy<Value = Block> {
    let buttons = prop::collection::vec(("[a-z0-9:]{0,260}", "[\\PC]{0,100}"), 0..40)
        .prop_map(|b| Block::Buttons(b.into_iter().map(|(id, label)| Button { id, label }).collect()));
    prop_oneof![
        text().prop_map(Block::Text),
        card().prop_map(|c| Block::Lesson(Box::new(c))),
        table_block(),
        buttons,
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_message_renders_within_slacks_limits(blocks in prop::collection::vec(block(), 0..6)) {
        let message = Message { blocks };
        let out = checked(&message);
        let has_buttons = out[0]["blocks"].as_array().is_some_and(|b| b.iter().any(|b| b["type"] == "actions"));
        for m in &out[1..] {
            prop_assert!(blocks_of(m, "actions").is_empty(), "buttons after the first message");
        }
        let pressable = message.blocks.iter().any(|b| matches!(b, Block::Buttons(row)
            if row.iter().any(|b| !b.id.is_empty() && b.id.len() <= ACTION_ID_MAX)));
        prop_assert_eq!(has_buttons, pressable);
    }
}
