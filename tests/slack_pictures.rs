//! Pictures on Slack (issue 20 §1) through the fake Slack: an ephemeral answer cannot carry a
//! file, so `/progress` says the calendar is in the member's direct messages and shares it there
//! through Slack's upload flow (files.getUploadURLExternal, the upload URL,
//! files.completeUploadExternal), with its alt text; never in the channel.

mod support;

use support::png::Decoded;
use support::slack_bot::{FakeSlack, Mode, STEP, member, running};

#[tokio::test(flavor = "multi_thread")]
async fn progress_shares_the_calendar_in_the_members_direct_messages() {
    let h = running("2026-12-02T10:00:00Z", "2026-12-02", Mode::Socket).await;
    let bo = member("U0BO", "Bo");
    h.ask(&bo, "join").await;
    h.ask(&bo, "checkpoint").await;

    let said = h.ask(&bo, "progress").await;
    assert!(said.contains("Streak") && said.contains(".png` is in your direct messages"), "{said}");
    let shared = |f: &FakeSlack| f.files().iter().any(|file| file.completed);
    assert!(h.fake.wait_for(STEP, shared).await, "{:?}\n{}", h.fake.files(), h.log());
    let files = h.fake.files();
    let file = files.iter().find(|f| f.name.ends_with(".png")).expect("a picture");
    assert!(file.name.starts_with("progress-bo"), "{file:?}");
    let alt = file.alt_txt.as_deref().unwrap_or_default();
    assert!(alt.contains("1 on time"), "the picture's alt text: {alt}");
    let png = file.content.clone().expect("the bytes arrived");
    assert_eq!(png.len(), file.length, "the declared length is what was uploaded");
    Decoded::from_png(&file.name, &png).assert_drawn(&file.name);
    let dm = h.fake.dm_channel(&bo.id).expect("a DM with the member");
    assert_eq!(file.shared_in, vec![dm], "shared with the member alone");
    assert!(files.iter().all(|f| !f.shared_in.contains(&h.channel)), "never in the channel");
}
