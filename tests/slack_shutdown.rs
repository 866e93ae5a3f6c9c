//! SIGTERM while a Slack event is still being worked on: the bot stops taking events, finishes
//! the ones it took within the shutdown grace, and only then exits — a member's check-in that
//! was acknowledged with "⏳ Working on it…" is stored and answered, not dropped mid-work.

mod support;

use std::time::{Duration, Instant};

use support::slack_bot::{FakeSlack, Mode, STEP, member, message_text, running};

#[tokio::test(flavor = "multi_thread")]
async fn an_event_in_progress_at_sigterm_is_finished_and_answered_socket() {
    an_event_in_progress_at_sigterm_is_finished_and_answered(Mode::Socket).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_event_in_progress_at_sigterm_is_finished_and_answered_http() {
    an_event_in_progress_at_sigterm_is_finished_and_answered(Mode::Http).await;
}

async fn an_event_in_progress_at_sigterm_is_finished_and_answered(mode: Mode) {
    let mut h = running("2026-12-01T08:58:00Z", "2026-12-01", mode).await;
    h.wait_lesson(1).await;
    // Zoe is new to the bot, so her command waits on users.info, which Slack answers slowly:
    // the command is acknowledged with a holding reply and its work goes on after SIGTERM.
    let zoe = member("U0ZOE", "Zoe");
    h.fake.delay_method("users.info", Duration::from_secs(3));
    let id = h.fake.command(&zoe, &h.channel, "checkpoint").await;
    let holding = |f: &FakeSlack| !f.acks(&id).is_empty();
    assert!(h.fake.wait_for(STEP, holding).await, "no acknowledgement: {}", h.log());
    assert!(h.answer_text(&zoe, &id).contains("Working on it"), "{}", h.answer_text(&zoe, &id));
    assert!(h.checkpoints().await.is_empty(), "not stored before users.info answers");

    let asked = Instant::now();
    let code = tokio::task::block_in_place(|| h.stop());
    let took = asked.elapsed();
    assert_eq!(code, Some(0), "{}", h.log());
    let answer = h.answer_text(&zoe, &id);
    assert!(
        answer.contains("Day 121 done"),
        "the late answer went out before the exit: {answer}\n{}",
        h.log()
    );
    let stored = h.checkpoints().await;
    assert_eq!(stored.iter().filter(|c| c.0 == "U0ZOE").count(), 1, "{stored:?}");
    assert!(!h.log().contains("dropped"), "{}", h.log());
    // The default grace is 5 s and users.info answered after 3: within it, not cut off.
    assert!(took < Duration::from_secs(9), "stopping took {took:?}");
    let answers = h.answers(&zoe, &id);
    assert!(answers.iter().map(message_text).any(|t| t.contains("Day 121 done")), "{answers:?}");
}
