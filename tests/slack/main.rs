//! The real bot on Slack, end to end: `studybot run` through slack-morphism against a fake Slack
//! on loopback, in Socket Mode and over HTTP — setup, lessons, checkpoints, retries, quizzes.
//!
//! Every scenario runs in both modes (`…::socket` and `…::http`): the same fake, the same
//! assertions, only the way Slack reaches the bot differs. Each test starts its own fake and its
//! own bot process on a virtual clock (30× real time) and reads results back from the fake's
//! records and the bot's SQLite file. Reconnects, signatures and failures: tests/slack_recovery.rs.

#[path = "../support/mod.rs"]
mod support;

mod more;

use serde_json::json;
use studybot::store::Platform;
use support::bot::CURRICULUM;
use support::slack_bot::{
    FakeSlack, Mode, STEP, SlackBot, buttons, member, message_text, organizer, running, setup_text,
};

/// Runs `scenario` once per mode, as `scenario::socket` and `scenario::http`.
macro_rules! in_both_modes {
    ($($scenario:ident),* $(,)?) => {$(
        mod $scenario {
            use super::*;

            #[tokio::test(flavor = "multi_thread")]
            async fn socket() {
                super::$scenario(Mode::Socket).await;
            }

            #[tokio::test(flavor = "multi_thread")]
            async fn http() {
                super::$scenario(Mode::Http).await;
            }
        }
    )*};
}

in_both_modes!(
    an_admin_sets_up_the_cohort_and_a_member_is_refused,
    a_lesson_is_posted_at_its_time_and_checked_by_reaction_button_and_command,
    a_retried_event_and_a_repeated_command_count_once,
    a_quiz_is_taken_with_ephemeral_buttons_and_the_leaderboard_is_a_table,
    a_command_outside_the_cohort_channel_says_where_to_go_and_help_fits_who_asks,
);

async fn an_admin_sets_up_the_cohort_and_a_member_is_refused(mode: Mode) {
    let mut h = SlackBot::new("2026-12-01T08:00:00Z", 30.0, mode).await;
    h.start().await;

    let mallory = member("U0MALLORY", "Mallory");
    let refused = h.ask(&mallory, &setup_text("2026-12-02")).await;
    assert!(refused.contains("is for the cohort's admins"), "{refused}");
    let store = h.store().await;
    assert!(store.list_active_cohorts().await.unwrap().is_empty(), "nothing set up by a non-admin");
    store.close().await;
    // users.info said so: the fake's Mallory is no admin.
    let looked_up = h.fake.calls("users.info");
    assert!(looked_up.iter().any(|c| c.params.to_string().contains("U0MALLORY")), "{looked_up:?}");

    let olivia = organizer();
    let id = h.command(&olivia, &setup_text("2026-12-02")).await;
    let answers = h.answers(&olivia, &id);
    assert_eq!(answers[0]["via"], "ack", "the answer rides on the acknowledgement: {answers:?}");
    assert_ne!(answers[0]["response_type"], "in_channel", "the organizer's answer is ephemeral");
    acked_in_time(&h.fake, &id);
    assert!(h.cohort_id().await > 0);
    let status = h.ask(&olivia, "status").await;
    assert!(status.contains("121"), "{status}");

    // Bad input gets the grammar's help, not silence.
    let unknown = h.ask(&olivia, "frobnicate").await;
    assert!(unknown.contains("setup") && unknown.contains("status"), "the list of subcommands: {unknown}");
    let malformed = h.ask(&olivia, "remind hour:25").await;
    assert!(malformed.contains("Usage: `/studybot remind"), "usage in Slack's terms: {malformed}");
    let empty = h.ask(&mallory, "").await;
    assert!(empty.contains("checkpoint"), "`/studybot` alone is help: {empty}");
    assert_eq!(h.stop(), Some(0), "{}", h.log());
}

async fn a_lesson_is_posted_at_its_time_and_checked_by_reaction_button_and_command(mode: Mode) {
    let h = running("2026-12-01T08:58:00Z", "2026-12-01", mode).await;
    let cohort = h.cohort_id().await;
    assert!(h.lesson_posts().is_empty(), "nothing before 09:00");
    let post = h.wait_lesson(1).await;
    let ts = post["ts"].as_str().unwrap().to_string();

    let blocks = post["blocks"].as_array().unwrap();
    assert_eq!(blocks[0]["type"], "header", "{post}");
    assert!(blocks[0]["text"]["text"].as_str().unwrap().starts_with("Day 121"), "{post}");
    let footer = blocks.iter().find(|b| b["type"] == "context").expect("a context footer");
    assert!(message_text(&json!({"blocks": [footer]})).contains("day 1 of 30"), "{footer}");
    assert!(blocks.len() <= 50, "{} blocks", blocks.len());
    assert_eq!(buttons(&post), vec![("Done ✅".to_string(), format!("done:{cohort}:121"))]);
    assert_eq!(post["metadata"]["event_type"], "studybot_lesson", "{post}");
    let bot_reacted =
        |f: &FakeSlack| f.reactions(&h.channel, &ts, "white_check_mark").contains(&f.bot_user_id());
    assert!(h.fake.wait_for(STEP, bot_reacted).await, "the bot adds ✅ itself");

    let (alice, bob, carol) =
        (member("U0ALICE", "Alice"), member("U0BOB", "Bob"), member("U0CAROL", "Carol"));
    h.fake.react(&alice, &h.channel, &ts, "white_check_mark").await;
    h.fake.react(&alice, &h.channel, &ts, "tada").await; // another emoji is just a reaction
    let press = h.press(&bob, &ts, &format!("done:{cohort}:121"), false).await;
    let pressed = h.answers(&bob, &press);
    assert!(message_text(&pressed[0]).contains("Day 121 done"), "{pressed:?}");
    assert_ne!(pressed[0]["replace_original"], true, "a press on the lesson post leaves it be");
    let by_command = h.ask(&carol, "checkpoint").await;
    assert!(by_command.contains("Day 121 done"), "{by_command}");
    h.wait_checkpoints("one checkpoint from each source", |c| {
        let mut c = c.to_vec();
        c.sort();
        c == [
            ("U0ALICE".into(), 121, "reaction".into()),
            ("U0BOB".into(), 121, "button".into()),
            ("U0CAROL".into(), 121, "command".into()),
        ]
    })
    .await;

    // Removing ✅ undoes the reaction's checkpoint; adding it again counts again.
    h.fake.unreact(&alice, &h.channel, &ts, "white_check_mark").await;
    h.wait_checkpoints("alice's undone", |c| c.len() == 2 && !c.iter().any(|x| x.0 == "U0ALICE")).await;
    h.fake.react(&alice, &h.channel, &ts, "white_check_mark").await;
    h.wait_checkpoints("alice's back", |c| c.len() == 3).await;
    // Undo by command too.
    let undone = h.ask(&carol, "checkpoint 121 undo").await;
    assert!(!undone.contains("Sorry"), "{undone}");
    h.wait_checkpoints("carol's undone", |c| c.len() == 2 && !c.iter().any(|x| x.0 == "U0CAROL")).await;

    // The bot's own ✅ is no checkpoint; a ✅ on another message is none either.
    assert!(!h.checkpoints().await.iter().any(|c| c.0 == h.fake.bot_user_id()));
    let elsewhere = h.fake.channel("random");
    h.fake.react(&bob, &elsewhere, &ts, "white_check_mark").await;
    let progress = h.ask(&alice, "progress").await;
    assert!(progress.contains("1/"), "alice has one day done: {progress}");
    assert_eq!(h.checkpoints().await.len(), 2);
}

async fn a_retried_event_and_a_repeated_command_count_once(mode: Mode) {
    let h = running("2026-12-01T08:59:00Z", "2026-12-01", mode).await;
    let ts = h.wait_lesson(1).await["ts"].as_str().unwrap().to_string();
    let dave = member("U0DAVE", "Dave");
    let event = h.fake.react(&dave, &h.channel, &ts, "white_check_mark").await;
    h.wait_checkpoints("dave's reaction", |c| c.len() == 1).await;
    // Slack retries an event it thinks was not acknowledged: same event_id, a retry marker.
    h.fake.redeliver(&event).await;
    let retried = |f: &FakeSlack| f.acks(&event).len() == 2;
    assert!(h.fake.wait_for(STEP, retried).await, "{:?}", h.fake.acks(&event));
    let acks = h.fake.acks(&event);
    match mode {
        Mode::Socket => assert_eq!(acks[1]["attempt"], 2, "a new envelope: {acks:?}"),
        Mode::Http => {
            assert_eq!((acks[1]["status"].clone(), acks[1]["retry_num"].clone()), (json!(200), json!(1)))
        }
    }
    // The retry was acknowledged and changed nothing.
    let erin = member("U0ERIN", "Erin");
    let id = h.command(&erin, "checkpoint").await;
    h.wait_checkpoints("erin's", |c| c.len() == 2).await;
    // The same command delivered twice (same trigger_id): one checkpoint.
    h.fake.redeliver(&id).await;
    assert!(h.fake.wait_for(STEP, |f| f.acks(&id).len() == 2).await, "{:?}", h.fake.acks(&id));
    let again = h.answer_text(&erin, &id);
    assert!(again.contains("Day 121 done"), "{again}");
    let checkpoints = h.checkpoints().await;
    assert_eq!(checkpoints.len(), 2, "{checkpoints:?}");
    let progress = h.ask(&dave, "progress").await;
    assert!(progress.contains("1/"), "dave has one day done: {progress}");
}

async fn a_quiz_is_taken_with_ephemeral_buttons_and_the_leaderboard_is_a_table(mode: Mode) {
    let mut h = SlackBot::new("2026-12-08T10:00:00Z", 30.0, mode).await;
    h.setup_at("2026-11-30T12:00:00Z", "2026-12-01").await;
    h.start().await;
    // A display name that tries to ping the channel.
    let frank = member("U0FRANK", "<!channel> Frank");
    let first = h.command(&frank, "quiz module:17").await;
    let mut latest = h.answers(&frank, &first).last().cloned().unwrap();
    let mut presses = 0;
    let mut result = String::new();
    // Answer every question with its first option (and Submit for multiple select).
    while !result.contains("🏁") {
        let shown = buttons(&latest);
        assert!(!shown.is_empty() && presses < 60, "a question with buttons: {latest}");
        assert_ne!(latest["response_type"], "in_channel", "quiz questions are ephemeral: {latest}");
        let mut ids = vec![shown[0].1.clone()];
        if let Some((_, submit)) = shown.iter().find(|(label, _)| label == "Submit") {
            ids.push(submit.clone());
        }
        for action_id in ids {
            let press = h.press(&frank, "0", &action_id, true).await;
            let answers = h.answers(&frank, &press);
            assert_eq!(
                answers[0]["replace_original"], true,
                "a press on the question replaces it: {answers:?}"
            );
            assert_eq!(answers.len(), 1, "one message, no second one: {answers:?}");
            latest = answers[0].clone();
            result = message_text(&latest);
            presses += 1;
        }
    }
    assert!(result.contains("17"), "{result}");
    assert_eq!(result.matches("❌ *").count(), result.matches("📖 Day").count(), "{result}");
    assert!(presses >= 17, "module 17 has 17 questions; {presses} presses");

    let board = h.ask(&frank, "leaderboard by:quiz").await;
    let block: Vec<&str> =
        board.split("```").nth(1).expect("a code block").trim_matches('\n').lines().collect();
    assert_eq!(block[0].split_whitespace().collect::<Vec<_>>(), ["#", "Member", "Quiz"], "{board}");
    assert!(block[1].starts_with("1  &lt;!channel&gt; Frank"), "the name is escaped, no ping: {board}");
    assert!(!board.contains("<!channel>"), "{board}");
    let widths: Vec<usize> =
        block.iter().map(|l| l.replace("&lt;", "<").replace("&gt;", ">").chars().count()).collect();
    assert!(widths.iter().all(|w| *w == widths[0]), "columns aligned as shown: {board}");
    // Nothing of the quiz went to the channel.
    assert!(h.fake.history(&h.channel).iter().all(|m| !message_text(m).contains("🏁")));
}

/// Slack wants an acknowledgement within 3 s: in HTTP mode the fake records a timeout as status 0.
fn acked_in_time(fake: &FakeSlack, id: &str) {
    let acks = fake.acks(id);
    assert!(!acks.is_empty(), "acknowledged: {acks:?}");
    if acks[0].get("status").is_some() {
        assert_eq!(acks[0]["status"], 200, "{acks:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_member_listed_in_the_config_may_run_the_admin_commands() {
    let mut h = SlackBot::new("2026-12-01T08:00:00Z", 30.0, Mode::Socket)
        .await
        .with_slack_config("admins = [\"U0NIA\"]");
    h.start().await;
    let (nia, oscar) = (member("U0NIA", "Nia"), member("U0OSCAR", "Oscar"));
    let refused = h.ask(&oscar, &setup_text("2026-12-02")).await;
    assert!(refused.contains("is for the cohort's admins"), "{refused}");
    let done = h.ask(&nia, &setup_text("2026-12-02")).await;
    assert!(!done.contains("is for the cohort's admins"), "{done}");
    assert!(h.cohort_id().await > 0, "set up by a listed member who is no workspace admin");
}

async fn a_command_outside_the_cohort_channel_says_where_to_go_and_help_fits_who_asks(mode: Mode) {
    let h = running("2026-12-01T08:00:00Z", "2026-12-02", mode).await;
    let (olivia, mallory) = (organizer(), member("U0MALLORY", "Mallory"));
    let general = h.fake.channel("general");
    let elsewhere = h.ask_in(&general, &mallory, "streak").await;
    assert!(elsewhere.contains("work in your cohort's channel"), "{elsewhere}");
    assert!(!elsewhere.contains("/studybot setup"), "not a member's to do: {elsewhere}");
    let admin = h.ask_in(&general, &olivia, "streak").await;
    assert!(admin.contains("/studybot setup curriculum:"), "the admin may start one here: {admin}");
    let dm = h.fake.dm_with(&olivia);
    let in_dm = h.ask_in(&dm, &olivia, "streak").await;
    assert!(in_dm.contains("not in a direct message") && !in_dm.contains("setup"), "{in_dm}");

    // Slack has one command, so `/studybot help` is the help: a member's commands, or all of them.
    let refused = h.ask(&mallory, "pause").await;
    assert!(refused.contains("`/studybot help` lists the commands you can use"), "{refused}");
    let for_mallory = h.ask(&mallory, "help").await;
    assert!(for_mallory.contains("/studybot checkpoint") && !for_mallory.contains("pause"), "{for_mallory}");
    // Slack sends `@name` as typed: the member is found by their display name.
    h.ask(&mallory, "join").await;
    let about = h.ask(&olivia, "progress member:@mallory").await;
    assert!(about.contains("📈 Mallory — "), "{about}");
    let for_olivia = h.ask(&olivia, "help").await;
    assert!(
        for_olivia.contains("/studybot pause") && for_olivia.contains("/studybot checkpoint"),
        "{for_olivia}"
    );
}
