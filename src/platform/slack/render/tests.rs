//! Rendering checked against the JSON Slack would receive, for real and hostile input.

mod buttons;
mod props;

use std::collections::HashSet;
use std::path::Path;

use serde_json::{Value, json};

use super::*;
use crate::coach::lesson as coach_lesson;
use crate::coach::{LessonCard, Table};
use crate::curriculum::{self, Field, Resource, Work, WorkKind};
use crate::domain::day;

fn units(v: &Value) -> usize {
    v.as_str().map_or(0, |s| s.encode_utf16().count())
}

fn within(v: &Value, what: &str, min: usize, max: usize) -> usize {
    let n = units(v);
    assert!(v.is_string() && (min..=max).contains(&n), "{what}: {n} characters, want {min}..={max}: {v}");
    assert!(!v.as_str().unwrap_or("").trim().is_empty(), "{what} is blank: {v}");
    n
}

/// Text Slack shows as written: no broadcast word after `@`, no `<` but the renderer's own
/// `<http…|…>` links, and `&` only in the three entities.
fn cannot_ping(text: &str) {
    let lower = text.to_lowercase();
    for word in ["@here", "@channel", "@everyone"] {
        assert!(!lower.contains(word), "`{word}` in {text:?}");
    }
    for (i, _) in text.match_indices('<') {
        let rest = &text[i + 1..];
        let end = rest.find('>').unwrap_or_else(|| panic!("unclosed `<` in {text:?}"));
        let inside = &rest[..end];
        let url = inside.split('|').next().unwrap_or("");
        let web = url.starts_with("http://") || url.starts_with("https://");
        let clean = !url.contains(char::is_whitespace) && !inside.contains(['<', '\n']);
        assert!(web && clean, "`<{inside}>` is not a link in {text:?}");
    }
    for (i, _) in text.match_indices('&') {
        let rest = &text[i..];
        assert!(["&amp;", "&lt;", "&gt;"].iter().any(|e| rest.starts_with(e)), "bare `&` in {text:?}");
    }
}

/// mrkdwn must not ping; plain_text cannot (Slack parses nothing in it) and is checked for
/// being sent as written by the tests that know what was written.
fn text_object(t: &Value, kind: &str, what: &str, max: usize) {
    assert_eq!(t["type"], kind, "{what}: {t}");
    within(&t["text"], what, 1, max);
    if kind == "mrkdwn" {
        cannot_ping(t["text"].as_str().unwrap_or(""));
    }
}

/// Every limit Block Kit puts on one message, checked on the JSON `chat.postMessage` would get.
fn check_limits(v: &Value) {
    within(&v["text"], "text", 1, TEXT_MAX);
    cannot_ping(v["text"].as_str().unwrap_or(""));
    let blocks = match v.get("blocks") {
        Some(b) => b.as_array().expect("blocks is an array").as_slice(),
        None => &[],
    };
    assert!(v.get("blocks").is_none() || !blocks.is_empty(), "an empty blocks array: {v}");
    assert!(blocks.len() <= BLOCKS_MAX, "{} blocks", blocks.len());
    let mut ids = HashSet::new();
    for block in blocks {
        match block["type"].as_str() {
            Some("header") => text_object(&block["text"], "plain_text", "header", HEADER_MAX),
            Some("section") => text_object(&block["text"], "mrkdwn", "section", SECTION_MAX),
            Some("context") => {
                let elements = block["elements"].as_array().expect("context elements");
                assert!((1..=CONTEXT_ELEMENTS_MAX).contains(&elements.len()), "{} elements", elements.len());
                for e in elements {
                    text_object(e, "mrkdwn", "context", CONTEXT_TEXT_MAX);
                }
            }
            Some("actions") => {
                let elements = block["elements"].as_array().expect("actions elements");
                assert!((1..=ACTIONS_MAX).contains(&elements.len()), "{} buttons", elements.len());
                for b in elements {
                    assert_eq!(b["type"], "button");
                    text_object(&b["text"], "plain_text", "button", BUTTON_TEXT_MAX);
                    within(&b["action_id"], "action_id", 1, ACTION_ID_MAX);
                    within(&b["value"], "value", 1, BUTTON_VALUE_MAX);
                    assert!(b.get("style").is_none() || b["style"] == "primary", "style {}", b["style"]);
                    assert!(ids.insert(b["action_id"].clone()), "duplicate action_id {}", b["action_id"]);
                }
            }
            other => panic!("unexpected block type {other:?}: {block}"),
        }
    }
}

/// Every rendering as the JSON Slack receives, each checked against the limits.
fn checked(message: &Message) -> Vec<Value> {
    let out = render(message);
    assert!(!out.is_empty());
    out.into_iter()
        .map(|m| {
            let v = serde_json::to_value(m.content()).unwrap();
            check_limits(&v);
            v
        })
        .collect()
}

fn blocks_of<'a>(m: &'a Value, kind: &str) -> Vec<&'a Value> {
    m["blocks"].as_array().into_iter().flatten().filter(|b| b["type"] == kind).collect()
}

/// All text of a rendering, for checking that nothing was lost.
fn all_text(messages: &[Value]) -> String {
    let mut out = String::new();
    for m in messages {
        for b in m["blocks"].as_array().into_iter().flatten() {
            let texts = std::iter::once(&b["text"]).chain(b["elements"].as_array().into_iter().flatten());
            for t in texts {
                out.push_str(t["text"].as_str().or(t.as_str()).unwrap_or(""));
                out.push('\n');
            }
        }
    }
    out
}

fn section(text: &str) -> Value {
    json!({"type": "section", "text": {"type": "mrkdwn", "text": text}})
}

#[test]
fn day_123_of_the_real_curriculum_as_blocks_with_its_done_button() {
    let path = Path::new("curriculum/days_121_150_lakehouse_architecture.md");
    let curriculum = curriculum::load(path).unwrap().curriculum;
    let out = checked(&coach_lesson::post(&curriculum, 7, day(123)).unwrap());
    assert_eq!(out.len(), 1);
    assert_eq!(out[0]["text"], "Day 123 — ACID Transactions");
    let want = json!([
        {"type": "header", "text": {"type": "plain_text", "text": "Day 123 — ACID Transactions"}},
        section("*🎯 Objective*\nImplement ACID transactions in big data"),
        section("*🛠️ Task (30 min)*\nPractice atomic writes, isolation, consistency"),
        section(
            "*📚 Resources*\n\
             • <https://docs.delta.io/latest/concurrency-control.html|ACID Transactions in Delta Lake>\n\
             • <https://docs.delta.io/latest/delta-log.html|Transaction Log>"
        ),
        section("*🐍 Python skill*\nTransaction management, concurrency patterns"),
        section("*✅ Checkpoint*\nACID-compliant data pipeline"),
        section("*📝 LinkedIn post*\n“ACID transactions at big data scale: How Delta Lake delivers consistency”"),
        {"type": "context", "elements": [{"type": "mrkdwn", "text":
            "Module 17: Delta Lake Fundamentals (Days 121-127) · lesson 3 of 7 · day 3 of 30 in the cycle"}]},
        section("Done? React ✅, press Done, or type `/studybot checkpoint day:123`."),
        {"type": "actions", "elements": [{"type": "button", "text": {"type": "plain_text", "text": "Done ✅"},
            "action_id": "done:7:123", "value": "done:7:123", "style": "primary"}]},
    ]);
    assert_eq!(out[0]["blocks"], want);
}

/// A lesson post as the coach builds it (coach::lesson::post), for a card made up here.
fn post(card: LessonCard) -> Message {
    let day = card.day;
    Message::default()
        .with(Block::Lesson(Box::new(card)))
        .with(Block::Text(format!("Done? React ✅, press Done, or type `/checkpoint day:{day}`.")))
        .with(Block::Buttons(vec![Button {
            id: coach_lesson::done_button_id(1, day),
            label: "Done ✅".into(),
        }]))
}

fn words(prefix: &str, count: usize) -> String {
    (0..count).map(|i| format!("{prefix}{i:05}")).collect::<Vec<_>>().join(" ")
}

fn huge_card() -> LessonCard {
    let task = words("task", 2100);
    assert!(task.len() >= 20_000);
    LessonCard {
        day: day(123),
        title: "ACID Transactions".into(),
        section: "Module 17: Delta Lake Fundamentals (Days 121-127)".into(),
        position: (3, 7),
        progress: (3, 30),
        objective: Some(words("obj", 800)),
        work: Some(Work { kind: WorkKind::Task, minutes: 30, text: task }),
        resources: (0..40)
            .map(|i| Resource {
                title: format!("res{i:05} guide"),
                url: format!("https://example.com/r{i:05}?a=1&b=2"),
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
    let big_fields = LessonCard {
        fields: (0..30)
            .map(|i| Field { label: format!("label{i:05}"), text: words(&format!("g{i:02}x"), 500) })
            .collect(),
        ..huge_card()
    };
    for (card, messages) in [(card, 1), (big_fields, 2)] {
        let out = checked(&post(card.clone()));
        assert_eq!(out.len(), messages);
        let done = blocks_of(&out[0], "actions");
        assert_eq!(done.len(), 1);
        assert_eq!(done[0]["elements"][0]["action_id"], "done:1:123");
        assert_eq!(out[0]["blocks"][0]["text"]["text"], "Day 123 — ACID Transactions");
        for m in &out[1..] {
            assert!(blocks_of(m, "actions").is_empty(), "buttons after the first: {m}");
            assert_eq!(m["text"], "Day 123 — ACID Transactions (continued)");
        }
        let text = all_text(&out);
        // Words as the output separates them: by spaces, and by the marks of links and bold.
        let shown: HashSet<&str> = text.split(|c: char| c.is_whitespace() || "<|>*“”".contains(c)).collect();
        let mut input: Vec<String> =
            [&card.objective, &card.python_skill, &card.checkpoint, &card.linkedin_post, &card.blog_post]
                .into_iter()
                .flatten()
                .cloned()
                .collect();
        input.push(card.work.as_ref().unwrap().text.clone());
        input.extend(card.fields.iter().flat_map(|f| [f.label.clone(), f.text.clone()]));
        input.extend(card.resources.iter().flat_map(|r| [r.title.clone(), escape(&r.url)]));
        for word in input.iter().flat_map(|t| t.split_whitespace()) {
            assert!(shown.contains(word), "lost `{word}`");
        }
        assert!(text.contains("*🛠️ Task (cont.)*\n") && text.contains("*label00029*"));
        assert!(text.contains("lesson 3 of 7 · day 3 of 30 in the cycle"));
    }
}

#[test]
fn a_continued_lesson_message_starts_with_its_header_marked_continued() {
    let card = LessonCard {
        fields: (0..70).map(|i| Field { label: format!("L{i}"), text: format!("t{i}") }).collect(),
        ..huge_card()
    };
    let out = checked(&post(card));
    assert_eq!(out.len(), 2);
    assert_eq!(out[0]["blocks"].as_array().unwrap().len(), BLOCKS_MAX);
    assert_eq!(out[0]["blocks"][49]["type"], "actions");
    let header = json!({"type": "header", "text": {"type": "plain_text",
        "text": "Day 123 — ACID Transactions (continued)"}});
    assert_eq!(out[1]["blocks"][0], header);
    let last = out[1]["blocks"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last, section("Done? React ✅, press Done, or type `/studybot checkpoint day:123`."));
}

#[test]
fn tables_are_code_blocks_between_text() {
    let table = Table {
        title: "Leaderboard".into(),
        columns: vec!["#".into(), "Member".into()],
        rows: vec![vec!["1".into(), "ann `x`".into()]],
        footer: Some("You: #1".into()),
    };
    let message = Message::text("Top:").with(Block::Table(table)).with(Block::Text("Bye".into()));
    let out = checked(&message);
    let want = json!([
        section("Top:"),
        section("*Leaderboard*\n```\n#  Member\n1  ann ˋxˋ\n```\nYou: #1"),
        section("Bye"),
    ]);
    assert_eq!(out[0]["blocks"], want);
    let tall = Table {
        title: "All".into(),
        columns: vec!["#".into(), "Member".into()],
        rows: (0..600).map(|i| vec![i.to_string(), format!("member{i:04}")]).collect(),
        footer: None,
    };
    let out = checked(&Message::default().with(Block::Table(tall)));
    let text = all_text(&out);
    assert!((0..600).all(|i| text.contains(&format!("member{i:04}"))));
    for s in blocks_of(&out[0], "section") {
        assert_eq!(s["text"]["text"].as_str().unwrap().matches("```").count(), 2, "{s}");
    }
}

#[test]
fn hostile_text_cannot_ping_anywhere() {
    let hostile = "<!channel> @here <@U123> <!subteam^S1> &lt; *bold* ` <https://evil.example|x>";
    let card = LessonCard {
        title: hostile.into(),
        section: hostile.into(),
        objective: Some(hostile.into()),
        resources: vec![
            Resource { title: hostile.into(), url: "https://ok.example/a b|c>d".into() },
            Resource { title: "mention".into(), url: "!channel".into() },
            Resource { title: "user".into(), url: "@U123".into() },
            Resource { title: String::new(), url: "https://x.example/<!here>".into() },
        ],
        fields: vec![Field { label: hostile.into(), text: hostile.into() }],
        ..huge_card()
    };
    let table = Table {
        title: hostile.into(),
        columns: vec![hostile.into()],
        rows: vec![vec![hostile.into()]],
        footer: Some(hostile.into()),
    };
    let message = Message::text(hostile)
        .with(Block::Lesson(Box::new(card)))
        .with(Block::Table(table))
        .with(Block::Buttons(vec![Button { id: "b:1".into(), label: hostile.into() }]));
    let out = checked(&message);
    assert_eq!(
        out[0]["text"],
        "&lt;!channel&gt; @\u{200d}here &lt;@U123&gt; &lt;!subteam^S1&gt; &amp;lt; *bold* ` &lt;https://evil.example|x&gt;"
    );
    // Headers and buttons are plain_text: Slack shows them as written and parses no mention there.
    let header = &blocks_of(&out[0], "header")[0]["text"]["text"];
    assert_eq!(header.as_str(), Some(trim(&format!("Day 123 — {hostile}"), HEADER_MAX).as_str()));
    let actions = blocks_of(&out[0], "actions");
    assert_eq!(actions[0]["elements"][0]["text"]["text"], trim(hostile, BUTTON_TEXT_MAX));
    let text = all_text(&out);
    assert!(text.contains("• <https://ok.example/a%20b%7Cc&gt;d|&lt;!channel&gt; @\u{200d}here"), "{text}");
    assert!(text.contains("• mention — !channel\n• user — @U123\n• <https://x.example/&lt;!here&gt;>"));
}

#[test]
fn plain_text_is_sent_as_written_and_only_mrkdwn_is_escaped() {
    let card = LessonCard {
        title: "Delta Lake Setup & First Table".into(),
        objective: Some("Compare <Parquet> & Delta".into()),
        ..huge_card()
    };
    let message =
        post(card).with(Block::Buttons(vec![Button { id: "quiz:1:0:0".into(), label: "A & <B>".into() }]));
    let out = checked(&message);
    let header = blocks_of(&out[0], "header")[0];
    assert_eq!(
        header["text"],
        json!({"type": "plain_text", "text": "Day 123 — Delta Lake Setup & First Table"})
    );
    assert_eq!(
        out[0]["text"], "Day 123 — Delta Lake Setup &amp; First Table",
        "the notification text is mrkdwn"
    );
    let objective = blocks_of(&out[0], "section")[0]["text"]["text"].as_str().unwrap();
    assert!(objective.contains("Compare &lt;Parquet&gt; &amp; Delta"), "{objective}");
    let labels: Vec<&Value> = blocks_of(&out[0], "actions")
        .iter()
        .flat_map(|a| a["elements"].as_array().unwrap())
        .map(|b| &b["text"]["text"])
        .collect();
    assert!(labels.contains(&&json!("A & <B>")), "{labels:?}");
    let fields = (0..70).map(|i| Field { label: format!("L{i}"), text: format!("t{i}") }).collect();
    let continued = checked(&post(LessonCard { title: "Q&A".into(), fields, ..huge_card() }));
    let header = &continued[1]["blocks"][0]["text"];
    assert_eq!(header["text"], "Day 123 — Q&A (continued)", "{header}");
}

#[test]
fn every_button_id_the_coach_builds_fits_action_id() {
    let question_id = "q".repeat(crate::quiz::Question::ID_MAX);
    let ids = [
        coach_lesson::done_button_id(i64::MIN, day(crate::domain::DayNumber::MAX)),
        format!("quiz:{}:{}:submit", i64::MIN, usize::MAX),
        format!("review:{}:{question_id}:{}:submit", i64::MIN, u8::MAX),
        format!("warmup:{}:{question_id}:{}:submit", i64::MIN, u8::MAX),
        format!("result:{}:{}", i64::MIN, usize::MAX),
    ];
    for id in ids {
        assert!(id.chars().count() <= ACTION_ID_MAX, "{id}");
    }
}
