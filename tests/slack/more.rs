//! A redelivered quiz press, a lesson header in plain text, the next cycle queued and begun, and
//! the record exported to a direct message, over the real slack-morphism client.

use super::*;

#[tokio::test(flavor = "multi_thread")]
async fn a_redelivered_quiz_press_changes_nothing_and_each_press_replaces_the_question() {
    let mut h = SlackBot::new("2026-12-08T10:00:00Z", 30.0, Mode::Socket).await;
    h.setup_at("2026-11-30T12:00:00Z", "2026-12-01").await;
    h.start().await;
    let gina = member("U0GINA", "Gina");
    let started = h.command(&gina, "quiz module:17").await;
    let mut question = h.answers(&gina, &started).last().cloned().unwrap();
    // Answer with the first option until a multiple-select question is on screen.
    while !buttons(&question).iter().any(|(label, _)| label == "Submit") {
        let ts = question["message_ts"].as_str().unwrap().to_string();
        let press = h.press(&gina, &ts, &buttons(&question)[0].1, true).await;
        question = h.answers(&gina, &press)[0].clone();
    }
    let (ts, options) = (question["message_ts"].as_str().unwrap().to_string(), buttons(&question));
    let tick = h.press(&gina, &ts, &options[0].1, true).await;
    assert!(message_text(&h.answers(&gina, &tick)[0]).contains("☑ *A*)"), "{:?}", h.answers(&gina, &tick));
    // The same block_actions again (same trigger_id): acknowledged, and it does not untick A.
    h.fake.redeliver(&tick).await;
    assert!(h.fake.wait_for(STEP, |f| f.acks(&tick).len() == 2).await, "{:?}", h.fake.acks(&tick));
    let more = h.press(&gina, &ts, &options[1].1, true).await;
    let both = message_text(&h.answers(&gina, &more)[0]);
    assert!(both.contains("☑ *A*)") && both.contains("☑ *B*)"), "A stays ticked: {both}");
    assert_eq!(
        h.fake.responses(&tick).len(),
        1,
        "the redelivery is not answered: {:?}",
        h.fake.responses(&tick)
    );
    // Every answer replaced the question it came from: one question on screen.
    let on_screen: Vec<_> =
        h.fake.shown_ephemerals(&gina.id).into_iter().filter(|e| !buttons(e).is_empty()).collect();
    assert_eq!(on_screen.len(), 1, "{on_screen:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lesson_header_is_plain_text_and_shows_an_ampersand_as_written() {
    // Day 122 is due at 09:00 on 12-02: "Delta Lake Setup & First Table".
    let mut h = SlackBot::new("2026-12-02T09:00:30Z", 30.0, Mode::Socket).await;
    h.setup_at("2026-11-30T12:00:00Z", "2026-12-01").await;
    h.start().await;
    let post = h.wait_lesson(1).await;
    let header = &post["blocks"][0]["text"];
    assert_eq!(header["type"], "plain_text", "{post}");
    assert_eq!(header["text"], "Day 122 — Delta Lake Setup & First Table", "{post}");
    assert_eq!(
        post["text"], "Day 122 — Delta Lake Setup &amp; First Table",
        "the notification text is mrkdwn"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_next_cycle_is_queued_and_begins_when_an_admin_finishes_this_one() {
    let h = running("2026-12-02T10:00:00Z", "2026-12-02", Mode::Socket).await;
    let olivia = organizer();
    h.ask(&olivia, "join").await;
    let queued = h.ask(&olivia, &format!("next curriculum:{CURRICULUM}")).await;
    assert!(queued.contains("⏭ Queued after *Days 121-150"), "{queued}");
    let shown = h.ask(&olivia, "next").await;
    assert!(shown.contains("⏭ Next after"), "{shown}");

    // Finish: the answer asks to confirm with a button, which the admin presses.
    let asked = h.command(&olivia, "finish").await;
    let confirm = h.answers(&olivia, &asked).last().cloned().unwrap();
    assert_ne!(confirm["response_type"], "in_channel", "asked privately: {confirm}");
    let (label, action_id) = buttons(&confirm).into_iter().next().expect("a confirm button");
    assert_eq!(label, "Finish the cycle");
    let ts = confirm["message_ts"].as_str().unwrap_or("0").to_string();
    let press = h.press(&olivia, &ts, &action_id, true).await;
    assert!(h.answer_text(&olivia, &press).contains("is finished"), "{:?}", h.answers(&olivia, &press));

    // The final board goes to the channel, naming the next cycle, which has begun.
    let ended = |f: &FakeSlack| f.history(&h.channel).iter().any(|m| message_text(m).contains("⏭ Next:"));
    assert!(h.fake.wait_for(STEP, ended).await, "{:?}", h.fake.history(&h.channel));
    let post = h.fake.history(&h.channel).into_iter().find(|m| message_text(m).contains("⏭ Next:")).unwrap();
    let text = message_text(&post);
    assert!(
        text.contains("🏁 Olivia finished *Days 121-150") && text.contains("Cycle 2 of this channel"),
        "{text}"
    );
    let store = h.store().await;
    let cycles = store.list_channel_cycles(Platform::Slack, &h.channel).await.unwrap();
    assert_eq!(cycles.len(), 2, "{cycles:?}");
    assert!(cycles[0].archived_at.is_some() && cycles[1].archived_at.is_none());
    store.close().await;
    let progress = h.ask(&olivia, "progress cycle:1").await;
    assert!(progress.contains("(cycle 1, finished:"), "{progress}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_admin_exports_the_record_and_gets_it_as_a_file_in_a_direct_message() {
    let h = running("2026-12-02T10:00:00Z", "2026-12-02", Mode::Socket).await;
    let (olivia, bo) = (organizer(), member("U0BO", "=Bo, \"the\" tester"));
    h.ask(&olivia, "join").await;
    h.ask(&bo, "join").await;
    let refused = h.ask(&bo, "export").await;
    assert!(refused.contains("is for the cohort's admins"), "{refused}");

    let said = h.ask(&olivia, "export").await;
    assert!(said.contains("📎 The record of") && said.contains("in your direct messages"), "{said}");
    let shared = |f: &FakeSlack| f.files().iter().any(|file| file.completed);
    assert!(h.fake.wait_for(STEP, shared).await, "{:?}\n{}", h.fake.files(), h.log());
    let files = h.fake.files();
    assert_eq!(files.len(), 1, "one upload: {files:?}");
    let file = &files[0];
    assert!(file.name.starts_with("studybot-cohort-") && file.name.ends_with(".csv"), "{file:?}");
    let csv = String::from_utf8(file.content.clone().expect("the bytes arrived")).unwrap();
    assert_eq!(csv.len(), file.length, "the declared length is what was uploaded");
    let lines: Vec<&str> = csv.split("\r\n").collect();
    assert!(lines[0].starts_with("member,day 121,"), "{csv}");
    assert!(lines.iter().any(|l| l.starts_with("Olivia,")), "{csv}");
    // A member-chosen name stays one cell and is no spreadsheet formula.
    assert!(lines.iter().any(|l| l.starts_with("\"'=Bo, \"\"the\"\" tester\",")), "{csv}");
    let dm = h.fake.dm_channel(&olivia.id).expect("a DM with the admin");
    assert_eq!(file.shared_in, vec![dm.clone()], "shared with the admin alone");
    let post =
        h.fake.messages(&dm).into_iter().find(|m| m.get("files").is_some()).expect("the file's message");
    assert!(message_text(&post).contains("The record of"), "introduced: {post}");
    assert!(h.fake.files().iter().all(|f| !f.shared_in.contains(&h.channel)), "never in the channel");

    let json_said = h.ask(&olivia, "export format:json").await;
    assert!(json_said.contains(".json"), "{json_said}");
    let two = |f: &FakeSlack| f.files().iter().filter(|file| file.completed).count() == 2;
    assert!(h.fake.wait_for(STEP, two).await, "{:?}", h.fake.files());
    let record: serde_json::Value =
        serde_json::from_slice(h.fake.files()[1].content.as_deref().unwrap()).expect("JSON");
    assert_eq!(record["members"].as_array().map(Vec::len), Some(2), "{record}");
    let audit = h.ask(&olivia, "audit").await;
    assert!(audit.contains("cohort.export"), "{audit}");

    // Slack refuses the share (an app installed before `files:write` was added): the admin is told.
    h.fake.fail_channel(&dm, "missing_scope");
    let id = h.command(&olivia, "export").await;
    let told = |_: &FakeSlack| h.answer_text(&olivia, &id).contains("could not be sent to you");
    assert!(h.fake.wait_for(STEP, told).await, "{}", h.answer_text(&olivia, &id));
    assert!(h.answer_text(&olivia, &id).contains("missing_scope"), "{}", h.answer_text(&olivia, &id));
}
