//! Rendering checked against the JSON Discord would receive, for real and hostile input.

use std::path::Path;

use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;
use crate::coach::lesson as coach_lesson;
use crate::coach::{LessonCard, Table};
use crate::curriculum::{self, Field, Resource, Work, WorkKind};
use crate::domain::day;
use crate::platform::arbitrary;

fn chars(v: &Value) -> usize {
    v.as_str().map_or(0, |s| s.chars().count())
}

fn within(v: &Value, what: &str, min: usize, max: usize) -> usize {
    let n = chars(v);
    assert!(v.is_string() && (min..=max).contains(&n), "{what}: {n} characters, want {min}..={max}: {v}");
    n
}

/// Every limit Discord puts on one message, checked on the JSON it would receive.
fn check_limits(v: &Value) {
    let empty = vec![];
    let embeds = v["embeds"].as_array().unwrap_or(&empty);
    let rows = v["components"].as_array().unwrap_or(&empty);
    let content = v.get("content").map_or(0, |c| within(c, "content", 0, CONTENT_MAX));
    let text = v["content"].as_str().unwrap_or("");
    assert!(!text.trim().is_empty() || !embeds.is_empty() || !rows.is_empty(), "empty message: {v}");
    assert!(content > 0 || v.get("content").is_none() || !embeds.is_empty() || !rows.is_empty());
    assert!(embeds.len() <= EMBEDS_MAX, "{} embeds", embeds.len());
    let total: usize = embeds.iter().map(check_embed).sum();
    assert!(total <= lesson::EMBED_TOTAL_MAX, "embeds hold {total} characters");
    assert!(rows.len() <= ROWS_MAX, "{} rows", rows.len());
    let mut ids = std::collections::HashSet::new();
    for row in rows {
        assert_eq!(row["type"], 1);
        let buttons = row["components"].as_array().expect("buttons");
        assert!((1..=BUTTONS_PER_ROW).contains(&buttons.len()), "{} buttons in a row", buttons.len());
        for b in buttons {
            assert_eq!(b["type"], 2);
            within(&b["label"], "label", 1, LABEL_MAX);
            within(&b["custom_id"], "custom_id", 1, CUSTOM_ID_MAX);
            assert!(ids.insert(b["custom_id"].clone()), "duplicate id {}", b["custom_id"]);
        }
    }
    assert_eq!(v["allowed_mentions"], json!({"parse": [], "users": [], "roles": []}));
    if let Some(nonce) = v.get("nonce") {
        within(nonce, "nonce", 1, NONCE_MAX);
        assert_eq!(v["enforce_nonce"], true);
    }
}

fn check_embed(e: &Value) -> usize {
    let mut total = within(&e["title"], "title", 1, lesson::TITLE_MAX);
    if let Some(d) = e.get("description") {
        total += within(d, "description", 1, lesson::DESCRIPTION_MAX);
    }
    let fields = e["fields"].as_array().map_or(&[][..], Vec::as_slice);
    assert!(fields.len() <= lesson::FIELDS_MAX, "{} fields", fields.len());
    for f in fields {
        total += within(&f["name"], "field name", 1, lesson::FIELD_NAME_MAX);
        total += within(&f["value"], "field value", 1, lesson::FIELD_VALUE_MAX);
    }
    if let Some(footer) = e.get("footer") {
        total += within(&footer["text"], "footer", 1, lesson::FOOTER_MAX);
    }
    total
}

/// Every rendering of every message, as JSON, each checked against the limits.
fn checked(message: &Message) -> Vec<Value> {
    let out = render(message);
    assert!(!out.is_empty());
    out.into_iter()
        .map(|m| {
            let v = serde_json::to_value(m.clone().into_create(Some("outbox:123456789:121"))).unwrap();
            check_limits(&v);
            check_limits(&serde_json::to_value(m.clone().into_response(true)).unwrap());
            check_limits(&serde_json::to_value(m.clone().into_followup(false)).unwrap());
            check_limits(&serde_json::to_value(m.into_edit()).unwrap());
            v
        })
        .collect()
}

/// All text of a rendering, for checking that nothing was lost.
fn all_text(messages: &[Value]) -> String {
    let mut out = String::new();
    let mut take = |v: &Value| {
        out.push_str(v.as_str().unwrap_or(""));
        out.push('\n');
    };
    for m in messages {
        take(&m["content"]);
        for e in m["embeds"].as_array().into_iter().flatten() {
            take(&e["title"]);
            take(&e["description"]);
            take(&e["footer"]["text"]);
            for f in e["fields"].as_array().into_iter().flatten() {
                take(&f["name"]);
                take(&f["value"]);
            }
        }
    }
    out
}

#[test]
fn day_123_of_the_real_curriculum_as_an_embed_with_its_done_button() {
    let path = Path::new("curriculum/days_121_150_lakehouse_architecture.md");
    let curriculum = curriculum::load(path).unwrap().curriculum;
    let out = checked(&coach_lesson::post(&curriculum, 7, day(123)).unwrap());
    assert_eq!(out.len(), 1);
    let m = &out[0];
    assert_eq!(m["content"], "Done? React ✅, press Done, or type `/checkpoint day:123`.");
    let embed = &m["embeds"][0];
    assert_eq!(embed["title"], "Day 123 — ACID Transactions");
    assert_eq!(embed["description"], "Implement ACID transactions in big data");
    let fields: Vec<(&str, &str)> = embed["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["name"].as_str().unwrap(), f["value"].as_str().unwrap()))
        .collect();
    let want = [
        ("🛠️ Task (30 min)", "Practice atomic writes, isolation, consistency"),
        (
            "📚 Resources",
            "[ACID Transactions in Delta Lake](https://docs.delta.io/latest/concurrency-control.html)\n\
             [Transaction Log](https://docs.delta.io/latest/delta-log.html)",
        ),
        ("🐍 Python skill", "Transaction management, concurrency patterns"),
        ("✅ Checkpoint", "ACID-compliant data pipeline"),
        ("📝 LinkedIn post", "“ACID transactions at big data scale: How Delta Lake delivers consistency”"),
    ];
    assert_eq!(fields, want);
    assert_eq!(
        embed["footer"]["text"],
        "Module 17: Delta Lake Fundamentals (Days 121-127) · lesson 3 of 7 · day 3 of 30 in the cycle"
    );
    assert!(embed["color"].is_number());
    let done = json!([{"type": 1, "components": [{"type": 2, "style": 3, "label": "Done", "custom_id": "done:7:123", "disabled": false}]}]);
    assert_eq!(m["components"], done);
    assert_eq!(m["nonce"], "outbox:123456789:121");
}

fn words(prefix: &str, count: usize) -> String {
    (0..count).map(|i| format!("{prefix}{i:05}")).collect::<Vec<_>>().join(" ")
}

fn huge_card() -> LessonCard {
    LessonCard {
        day: day(123),
        title: "ACID Transactions".into(),
        section: "Module 17: Delta Lake Fundamentals (Days 121-127)".into(),
        position: (3, 7),
        progress: (3, 30),
        objective: Some(words("obj", 800)),
        work: Some(Work { kind: WorkKind::Task, minutes: 30, text: words("task", 2000) }),
        resources: (0..40)
            .map(|i| Resource {
                title: format!("res{i:05} guide"),
                url: format!("https://example.com/r{i:05}"),
            })
            .collect(),
        python_skill: Some(words("py", 300)),
        fields: (0..30)
            .map(|i| Field { label: format!("label{i:05}"), text: words(&format!("f{i:02}x"), 60) })
            .collect(),
        checkpoint: Some(words("check", 200)),
        linkedin_post: Some(words("linked", 100)),
        blog_post: Some(words("blog", 100)),
    }
}

#[test]
fn a_huge_lesson_continues_in_more_messages_within_every_limit_and_loses_nothing() {
    let card = huge_card();
    let message = Message::default()
        .with(Block::Lesson(Box::new(card.clone())))
        .with(Block::Text("Done? React ✅".into()))
        .with(Block::Buttons(vec![Button {
            id: coach_lesson::done_button_id(1, day(123)),
            label: "Done ✅".into(),
        }]));
    let out = checked(&message);
    assert!(out.len() >= 5, "{} messages", out.len());
    assert!(out[0]["components"].as_array().is_some_and(|r| r.len() == 1));
    assert_eq!(out[0]["embeds"][0]["title"], "Day 123 — ACID Transactions");
    for m in &out[1..] {
        assert!(m["components"].as_array().is_none_or(Vec::is_empty), "buttons after the first: {m}");
        assert_eq!(m["embeds"][0]["title"], "Day 123 — ACID Transactions (continued)");
    }
    let text = all_text(&out);
    let mut input: Vec<String> =
        [&card.objective, &card.python_skill, &card.checkpoint, &card.linkedin_post, &card.blog_post]
            .into_iter()
            .flatten()
            .cloned()
            .collect();
    input.push(card.work.as_ref().unwrap().text.clone());
    input.extend(card.fields.iter().flat_map(|f| [f.label.clone(), f.text.clone()]));
    input.extend(card.resources.iter().flat_map(|r| [r.title.clone(), r.url.clone()]));
    for word in input.iter().flat_map(|t| t.split_whitespace()) {
        assert!(text.contains(word), "lost `{word}`");
    }
    assert!(text.contains("🛠️ Task (cont.)") && text.contains("label00029"));
}

#[test]
fn sparse_cards_leave_out_what_they_lack_and_never_send_a_blank_field() {
    let bare = LessonCard {
        objective: None,
        work: None,
        resources: vec![],
        python_skill: None,
        fields: vec![
            Field { label: " ".into(), text: "\n".into() },
            Field { label: "AI Focus".into(), text: "RAG".into() },
        ],
        checkpoint: None,
        linkedin_post: None,
        blog_post: Some("Why".into()),
        ..huge_card()
    };
    let out = checked(&Message::default().with(Block::Lesson(Box::new(bare))));
    let embed = &out[0]["embeds"][0];
    assert!(embed.get("description").is_none());
    let fields = json!([
        {"name": "—", "value": "—", "inline": false},
        {"name": "AI Focus", "value": "RAG", "inline": false},
        {"name": "✍️ Blog post", "value": "“Why”", "inline": false},
    ]);
    assert_eq!(embed["fields"], fields);
    let long_title = LessonCard { title: "t".repeat(300), ..huge_card() };
    let out = checked(&Message::default().with(Block::Lesson(Box::new(long_title))));
    assert!(out[0]["embeds"][0]["title"].as_str().unwrap().ends_with("t…"));
    assert!(out[1]["embeds"][0]["title"].as_str().unwrap().ends_with("t… (continued)"));
}

#[test]
fn buttons_fill_rows_of_five_and_get_their_style() {
    let quiz: Vec<Button> = ["A", "B", "C", "D", "E", "Submit"]
        .iter()
        .enumerate()
        .map(|(i, l)| Button {
            id: format!("quiz:9:0:{}", if *l == "Submit" { "submit".into() } else { i.to_string() }),
            label: (*l).into(),
        })
        .collect();
    let out = checked(&Message::text("Pick").with(Block::Buttons(quiz)));
    let rows = out[0]["components"].as_array().unwrap();
    let shape: Vec<Vec<(&str, i64)>> = rows
        .iter()
        .map(|r| {
            r["components"]
                .as_array()
                .unwrap()
                .iter()
                .map(|b| (b["label"].as_str().unwrap(), b["style"].as_i64().unwrap()))
                .collect()
        })
        .collect();
    assert_eq!(shape, vec![vec![("A", 1), ("B", 1), ("C", 1), ("D", 1), ("E", 1)], vec![("Submit", 3)]]);
    let many: Vec<Button> =
        (0..32).map(|i| Button { id: format!("review:1:q:{i}"), label: i.to_string() }).collect();
    let out = checked(&Message::default().with(Block::Buttons(many)));
    let rows: Vec<usize> = out.iter().map(|m| m["components"].as_array().unwrap().len()).collect();
    assert_eq!(rows, [5, 2]);
}

#[test]
fn long_text_splits_at_lines_into_messages_and_blocks_join_with_newlines() {
    let lines: Vec<String> = (0..300).map(|i| format!("line{i:05}")).collect();
    let long = lines.join("\n");
    assert_eq!(long.chars().count(), 2999);
    let cases: Vec<(Message, Vec<String>)> = vec![
        (Message::text(long.clone()), vec![lines[..199].join("\n"), lines[199..].join("\n")]),
        (Message::text("one").with(Block::Text("two".into())), vec!["one\ntwo".into()]),
        (Message::default(), vec!["…".into()]),
        (Message::text("  \n"), vec!["…".into()]),
    ];
    for (message, want) in cases {
        let out = checked(&message);
        let got: Vec<String> = out.iter().map(|m| m["content"].as_str().unwrap().to_string()).collect();
        assert_eq!(got, want);
    }
}

#[test]
fn tables_are_code_blocks_between_text() {
    let table = Table {
        title: "Leaderboard".into(),
        columns: vec!["#".into(), "Member".into()],
        rows: vec![vec!["1".into(), "ann".into()]],
        footer: Some("You: #1".into()),
    };
    let out = checked(&Message::text("Top:").with(Block::Table(table)).with(Block::Text("Bye".into())));
    assert_eq!(out[0]["content"], "Top:\n**Leaderboard**\n```\n#  Member\n1  ann\n```\nYou: #1\nBye");
}

#[test]
fn no_conversion_lets_a_message_ping() {
    let m = render(&Message::text("@everyone <@123> <@&456>")).remove(0);
    let none = json!({"parse": [], "users": [], "roles": []});
    let all = [
        serde_json::to_value(m.clone().into_create(None)).unwrap(),
        serde_json::to_value(m.clone().into_response(false)).unwrap(),
        serde_json::to_value(m.clone().into_followup(true)).unwrap(),
        serde_json::to_value(m.into_edit()).unwrap(),
    ];
    for v in all {
        check_limits(&v);
        assert_eq!(v["allowed_mentions"], none, "{v}");
    }
}

#[test]
fn nonces_fit_and_stay_stable() {
    let long = "outbox:cohort-123456789:day-121:attempt";
    let cases = [
        ("outbox:1:121", "outbox:1:121".to_string()),
        (long, format!("{:016x}", crate::hash::fnv1a_64(long.as_bytes()))),
    ];
    for (key, want) in cases {
        let v = serde_json::to_value(render(&Message::text("x")).remove(0).into_create(Some(key))).unwrap();
        check_limits(&v);
        assert_eq!((v["nonce"].as_str(), &v["enforce_nonce"]), (Some(want.as_str()), &json!(true)));
    }
}

#[test]
fn the_longest_button_ids_the_coach_builds_fit_discord() {
    // Formats from coach::lesson, coach::quiz (`quiz:<attempt>:<no>:<press>`) and coach::quiz::review
    // (`review:` or `warmup:<cohort>:<question id>:<mask>:<press>`) and coach::quiz::result
    // (`result:<attempt>:<page>`), with every number at its widest.
    let question_id = "q".repeat(crate::quiz::Question::ID_MAX);
    let default_id = format!("m{}-{}", u32::MAX, "s".repeat(48));
    assert!(default_id.len() <= crate::quiz::Question::ID_MAX);
    let ids = [
        coach_lesson::done_button_id(i64::MIN, day(crate::domain::DayNumber::MAX)),
        format!("quiz:{}:{}:submit", i64::MIN, usize::MAX),
        format!("review:{}:{question_id}:{}:submit", i64::MIN, u8::MAX),
        format!("warmup:{}:{question_id}:{}:submit", i64::MIN, u8::MAX),
        format!("result:{}:{}", i64::MIN, usize::MAX),
    ];
    for id in ids {
        assert!(id.chars().count() <= CUSTOM_ID_MAX, "{id}: {}", id.chars().count());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_message_renders_within_discords_limits(blocks in arbitrary::blocks("[a-z0-9:]{1,100}")) {
        checked(&Message { blocks });
    }
}
