//! Pictures on Discord (issue 20 §1) through the fake Discord: `/progress` answers privately with
//! the member's calendar and `/studybot status` with the cohort grid, each a PNG uploaded with the
//! answer (multipart `files[0]`), described by its alt text and shown by an embed that references
//! it (`attachment://…`), as Discord documents.

mod support;

use serde_json::{Value, json};
use support::discord_bot::{DiscordBot, member, organizer, running};
use support::png::Decoded;

/// The answer to interaction `id` that carries a file, the file's metadata, and its bytes as
/// Discord received them.
fn picture_of(h: &DiscordBot, id: &str) -> (Value, Value, Vec<u8>) {
    let answer = h.fake.responses(id).into_iter().find(|r| !data_of(r)["attachments"].is_null());
    let answer = answer.unwrap_or_else(|| panic!("no answer with a file: {:?}", h.fake.responses(id)));
    let meta = data_of(&answer)["attachments"][0].clone();
    let upload = h.fake.requests().into_iter().find(|r| r.path.contains(id) && !r.files.is_empty());
    let upload = upload.expect("the answer's upload");
    assert!(upload.status < 300, "Discord took it: {} {:?}", upload.status, upload.body);
    let file = &upload.files[0];
    assert_eq!((file.field.as_str(), file.content_type.as_str()), ("files[0]", "image/png"));
    assert_eq!(meta["filename"], file.filename.as_str());
    (answer, meta, file.content.clone())
}

/// The message data of a callback (`body.data`) or of an edit (`body`).
fn data_of(response: &Value) -> &Value {
    if response["body"]["data"].is_object() { &response["body"]["data"] } else { &response["body"] }
}

#[tokio::test(flavor = "multi_thread")]
async fn progress_and_status_answer_with_a_picture_an_embed_shows() {
    let h = running("2026-12-02T10:00:00Z", "2026-12-02").await;
    let (olivia, bo) = (organizer(), member(42, "Bo"));
    h.ask(&olivia, "join", None, json!([])).await;
    h.ask(&bo, "join", None, json!([])).await;
    h.ask(&bo, "checkpoint", None, json!([])).await;

    let id = h.slash(&bo, "progress", None, json!([])).await;
    let (answer, meta, png) = picture_of(&h, &id);
    assert_eq!(data_of(&answer)["flags"], json!(64), "for the member alone: {answer}");
    let name = meta["filename"].as_str().unwrap();
    assert!(name.starts_with("progress-bo") && name.ends_with(".png"), "{meta}");
    let alt = meta["description"].as_str().unwrap_or_default();
    assert!(alt.contains("1 on time") && alt.chars().count() <= 1024, "alt text: {meta}");
    let embeds = data_of(&answer)["embeds"].as_array().cloned().unwrap_or_default();
    let shown = embeds.iter().any(|e| e["image"]["url"] == format!("attachment://{name}"));
    assert!(shown, "an embed shows the picture: {embeds:?}");
    Decoded::from_png(name, &png).assert_drawn(name);

    let id = h.slash(&olivia, "studybot", Some("status"), json!([])).await;
    let (_, meta, png) = picture_of(&h, &id);
    let name = meta["filename"].as_str().unwrap();
    assert!(name.starts_with("cohort-") && name.ends_with("-grid.png"), "{meta}");
    assert!(meta["description"].as_str().is_some_and(|d| d.contains("2 members")), "{meta}");
    let grid = Decoded::from_png(name, &png);
    grid.assert_drawn(name);
    let on_time = studybot::pictures::color(studybot::pictures::Cell::OnTime);
    assert!(grid.count(on_time) > 0, "Bo's day on time is in the grid");
}
