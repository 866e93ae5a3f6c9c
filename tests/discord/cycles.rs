//! An admin queues the next cycle and begins it by finishing this one, and exports the record as a
//! file attached to the private answer, over the real serenity client.

use super::*;

#[tokio::test(flavor = "multi_thread")]
async fn the_next_cycle_is_queued_and_begins_when_an_admin_finishes_this_one() {
    let h = running("2026-12-02T10:00:00Z", "2026-12-02").await;
    let studybot = h.fake.commands().into_iter().find(|c| c["name"] == "studybot").unwrap();
    let subs = studybot["options"].as_array().unwrap();
    let next = subs.iter().find(|o| o["name"] == "next").expect("/studybot next is registered");
    let cancel = next["options"].as_array().unwrap().iter().find(|o| o["name"] == "cancel").unwrap();
    assert_eq!(cancel["type"], 5, "BOOLEAN: {next}");
    assert!(subs.iter().any(|o| o["name"] == "finish"), "{studybot}");

    let olivia = organizer();
    h.ask(&olivia, "join", None, json!([])).await;
    let queued = h.ask(&olivia, "studybot", Some("next"), json!([opt("curriculum", CURRICULUM)])).await;
    assert!(queued.contains("⏭ Queued after **Days 121-150"), "{queued}");
    let shown = h.ask(&olivia, "studybot", Some("next"), json!([])).await;
    assert!(shown.contains("⏭ Next after"), "{shown}");

    // Finish: the answer asks to confirm with a button, which the admin presses.
    let asked = h.slash(&olivia, "studybot", Some("finish"), json!([])).await;
    let confirm = h.fake.responses(&asked)[0].clone();
    assert_eq!(confirm["body"]["data"]["flags"], json!(64), "asked privately: {confirm}");
    let (label, custom_id) = answer_buttons(&confirm).into_iter().next().expect("a confirm button");
    assert_eq!(label, "Finish the cycle");
    let on = confirm["message_id"].as_str().and_then(|m| m.parse().ok()).expect("the answer's message");
    let press = h.fake.press(&olivia, h.channel, on, &custom_id, true).await;
    h.answered(&press).await;
    assert!(
        reply_text(&h.fake.responses(&press)[0]).contains("is finished"),
        "{:?}",
        h.fake.responses(&press)
    );

    // The final board goes to the channel, naming the next cycle, which has begun.
    let ended = |f: &FakeDiscord| f.messages(h.channel).iter().any(|m| message_text(m).contains("⏭ Next:"));
    assert!(h.fake.wait_for(STEP, ended).await, "{:?}", h.fake.messages(h.channel));
    let post = h.fake.messages(h.channel).into_iter().find(|m| message_text(m).contains("⏭ Next:")).unwrap();
    let text = message_text(&post);
    assert!(
        text.contains("🏁 Olivia finished **Days 121-150") && text.contains("Cycle 2 of this channel"),
        "{text}"
    );
    let store = h.store().await;
    let cycles = store.list_channel_cycles(Platform::Discord, &h.channel.to_string()).await.unwrap();
    assert_eq!(cycles.len(), 2, "{cycles:?}");
    assert!(cycles[0].archived_at.is_some() && cycles[1].archived_at.is_none());
    store.close().await;
    let progress = h.ask(&olivia, "progress", None, json!([opt("cycle", "1")])).await;
    assert!(progress.contains("(cycle 1, finished:"), "{progress}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_admin_exports_the_record_as_a_file_attached_to_the_private_answer() {
    let h = running("2026-12-02T10:00:00Z", "2026-12-02").await;
    let (olivia, bo) = (organizer(), member(42, "Bo"));
    h.ask(&olivia, "join", None, json!([])).await;
    h.ask(&bo, "join", None, json!([])).await;

    let id = h.slash(&olivia, "studybot", Some("export"), json!([])).await;
    let answer = h.fake.responses(&id)[0].clone();
    assert_eq!(answer["body"]["data"]["flags"], json!(64), "for the admin alone: {answer}");
    assert!(reply_text(&answer).contains("📎 The record of"), "{answer}");
    let meta = &answer["body"]["data"]["attachments"][0];
    assert_eq!(meta["id"], "0", "described as files[0]: {answer}");
    // The upload as Discord received it: multipart, `payload_json` beside `files[0]`.
    let request = h
        .fake
        .requests()
        .into_iter()
        .find(|r| r.path.ends_with("/callback") && !r.files.is_empty())
        .expect("a callback with a file");
    assert_eq!(request.status, 204, "Discord took it: {:?}", request.body);
    let file = &request.files[0];
    assert_eq!((file.field.as_str(), file.content_type.as_str()), ("files[0]", "text/csv"));
    assert_eq!(meta["filename"], file.filename.as_str());
    assert!(file.filename.starts_with("studybot-cohort-") && file.filename.ends_with(".csv"), "{file:?}");
    let csv = String::from_utf8(file.content.clone()).unwrap();
    assert!(csv.starts_with("member,day 121,"), "{csv}");
    assert!(csv.contains("\r\nOlivia,") && csv.contains("\r\nBo,"), "{csv}");
    // The message the answer made carries the attachment, with its description.
    let on = answer["message_id"].as_str().and_then(|m| m.parse().ok()).expect("the answer's message");
    let shown = h.fake.message(on).expect("stored");
    assert_eq!(shown["attachments"][0]["filename"], file.filename.as_str(), "{shown}");
    assert!(
        shown["attachments"][0]["description"].as_str().is_some_and(|d| d.contains("2 members")),
        "{shown}"
    );

    let json_id = h.slash(&olivia, "studybot", Some("export"), json!([opt("format", "json")])).await;
    let sent = h.fake.requests().into_iter().filter(|r| !r.files.is_empty()).nth(1).expect("a second upload");
    let record: serde_json::Value = serde_json::from_slice(&sent.files[0].content).expect("JSON");
    assert_eq!(record["members"].as_array().map(Vec::len), Some(2), "{record}");
    assert!(
        h.fake.responses(&json_id)[0]["body"]["data"]["attachments"][0]["filename"]
            .as_str()
            .is_some_and(|n| n.ends_with(".json"))
    );
}
