//! Buttons in actions blocks of 25 and long text split at lines, within Block Kit's limits.

use super::*;

#[test]
fn a_quiz_with_five_options_and_submit_fits_one_actions_block() {
    let quiz: Vec<Button> = ["A", "B", "C", "D", "E", "Submit"]
        .iter()
        .enumerate()
        .map(|(i, l)| Button {
            id: format!("quiz:9:0:{}", if *l == "Submit" { "submit".into() } else { i.to_string() }),
            label: (*l).into(),
        })
        .collect();
    let out = checked(&Message::text("**Question 1 of 5**\nWhich is ACID?").with(Block::Buttons(quiz)));
    assert_eq!(out.len(), 1);
    assert_eq!(out[0]["text"], "*Question 1 of 5*");
    assert_eq!(out[0]["blocks"][0], section("*Question 1 of 5*\nWhich is ACID?"));
    let actions = blocks_of(&out[0], "actions");
    assert_eq!(actions.len(), 1);
    let shape: Vec<(&str, &str, Option<&str>)> = actions[0]["elements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (b["text"]["text"].as_str().unwrap(), b["action_id"].as_str().unwrap(), b["style"].as_str()))
        .collect();
    let want = [
        ("A", "quiz:9:0:0", None),
        ("B", "quiz:9:0:1", None),
        ("C", "quiz:9:0:2", None),
        ("D", "quiz:9:0:3", None),
        ("E", "quiz:9:0:4", None),
        ("Submit", "quiz:9:0:submit", Some("primary")),
    ];
    assert_eq!(shape, want);
}

#[test]
fn buttons_fill_blocks_of_25_skip_bad_ids_and_stay_on_the_first_message() {
    let mut many: Vec<Button> =
        (0..60).map(|i| Button { id: format!("review:1:q:{i}"), label: format!("{i}") }).collect();
    many.push(Button { id: "review:1:q:0".into(), label: "again".into() });
    many.push(Button { id: String::new(), label: "no id".into() });
    many.push(Button { id: "x".repeat(ACTION_ID_MAX + 1), label: "too long".into() });
    many.push(Button { id: "x".repeat(ACTION_ID_MAX), label: " \n ".into() });
    many.push(Button { id: "done:1:2".into(), label: String::new() });
    let long_text = (0..60).map(|i| format!("{i} {}", "w".repeat(2990))).collect::<Vec<_>>().join("\n");
    let out = checked(&Message::text(long_text).with(Block::Buttons(many)));
    assert!(out.len() >= 2);
    let sizes: Vec<usize> =
        blocks_of(&out[0], "actions").iter().map(|a| a["elements"].as_array().unwrap().len()).collect();
    assert_eq!(sizes, [25, 25, 12]);
    let last = blocks_of(&out[0], "actions")[2]["elements"].as_array().unwrap().clone();
    assert_eq!(last[10]["text"]["text"], "•");
    assert_eq!((&last[11]["text"]["text"], &last[11]["style"]), (&json!("Done"), &json!("primary")));
    assert!(out[1..].iter().all(|m| blocks_of(m, "actions").is_empty()));
}

#[test]
fn buttons_before_a_long_text_still_leave_the_first_message_full() {
    let long_text = (0..60).map(|i| format!("{i} {}", "w".repeat(2990))).collect::<Vec<_>>().join("\n");
    let pick = Button { id: "pick:1".into(), label: "Pick".into() };
    let out = checked(&Message::default().with(Block::Buttons(vec![pick])).with(Block::Text(long_text)));
    let sizes: Vec<usize> = out.iter().map(|m| m["blocks"].as_array().unwrap().len()).collect();
    assert_eq!(sizes, [50, 11]);
    assert_eq!(out[0]["blocks"][0]["type"], "actions");
}

#[test]
fn long_text_splits_at_lines_and_texts_join_with_newlines() {
    let lines: Vec<String> = (0..400).map(|i| format!("line{i:05}")).collect();
    let long = lines.join("\n");
    assert_eq!(long.len(), 3999);
    let cases: Vec<(Message, Vec<Value>)> = vec![
        (
            Message::text(long.clone()),
            vec![section(&lines[..299].join("\n")), section(&lines[299..].join("\n"))],
        ),
        (Message::text("one").with(Block::Text("two".into())), vec![section("one\ntwo")]),
        (Message::text("a & b").with(Block::Text("<@U1>".into())), vec![section("a &amp; b\n&lt;@U1&gt;")]),
    ];
    for (message, want) in cases {
        let out = checked(&message);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0]["blocks"], Value::Array(want));
    }
    for empty in [Message::default(), Message::text("  \n")] {
        let out = checked(&empty);
        assert_eq!(out, vec![json!({"text": "…"})]);
    }
}
