//! The real bot on Discord, end to end: `studybot run` through serenity against a fake Discord on loopback — setup, lessons, checkpoints, quizzes.
//!
//! Each test starts its own fake and its own bot process on a virtual clock (30× real time, so
//! a lesson due in two virtual minutes is posted four seconds later) and reads results back from
//! the fake's records and the bot's SQLite file. Reconnects and failures: tests/discord_recovery.rs.

#[path = "../support/mod.rs"]
mod support;

mod cycles;

use std::time::Duration;

use serde_json::json;
use studybot::store::Platform;
use support::bot::CURRICULUM;
use support::discord_bot::{
    DiscordBot, FakeDiscord, FakeUser, STEP, answer_buttons, buttons, id_of, member, message_text, opt,
    organizer, reply_text, running, setup_options, user_opt,
};

#[tokio::test(flavor = "multi_thread")]
async fn an_admin_sets_up_the_cohort_by_slash_command_and_a_member_is_refused() {
    let mut h = DiscordBot::new("2026-12-01T08:00:00Z", 30.0).await;
    h.start().await;

    let identify = h.fake.last_identify().expect("IDENTIFY");
    let intents = (1 << 0) | (1 << 10) | (1 << 13);
    assert_eq!(
        identify["intents"],
        json!(intents),
        "GUILDS | GUILD_MESSAGE_REACTIONS | DIRECT_MESSAGE_REACTIONS only"
    );

    let commands = h.fake.commands();
    let mut names: Vec<&str> = commands.iter().filter_map(|c| c["name"].as_str()).collect();
    names.sort_unstable();
    let expected = [
        "assess",
        "checkpoint",
        "forget",
        "help",
        "join",
        "leaderboard",
        "leave",
        "posted",
        "progress",
        "quiz",
        "remind",
        "review",
        "streak",
        "studybot",
    ];
    assert_eq!(names, expected);
    assert!(commands.iter().all(|c| c["scope"] == "guild"), "registered per configured guild");
    let studybot = commands.iter().find(|c| c["name"] == "studybot").unwrap();
    assert_eq!(studybot["default_member_permissions"], "32", "MANAGE_GUILD");
    let setup = studybot["options"].as_array().unwrap().iter().find(|o| o["name"] == "setup").unwrap();
    let day = setup["options"].as_array().unwrap().iter().find(|o| o["name"] == "day").unwrap();
    assert_eq!(
        (day["type"].clone(), day["min_value"].clone(), day["max_value"].clone()),
        (json!(4), json!(121), json!(150))
    );

    // A member whose server overrode the default permission still cannot set up.
    let refused = h.ask(&member(11, "Mallory"), "studybot", Some("setup"), setup_options("2026-12-02")).await;
    assert!(refused.contains("is for the cohort's admins"), "{refused}");
    let store = h.store().await;
    assert!(store.list_active_cohorts().await.unwrap().is_empty(), "nothing set up by a non-admin");
    store.close().await;

    let id = h.slash(&organizer(), "studybot", Some("setup"), setup_options("2026-12-02")).await;
    let first = &h.fake.responses(&id)[0];
    assert_eq!(first["body"]["data"]["flags"], json!(64), "the organizer's answer is ephemeral: {first}");
    assert!(h.cohort_id().await > 0);
    let status = h.ask(&organizer(), "studybot", Some("status"), json!([])).await;
    assert!(status.contains("121"), "{status}");
    assert_eq!(h.stop(), Some(0), "{}", h.log());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lesson_is_posted_at_its_time_and_checked_by_reaction_button_and_command() {
    let h = running("2026-12-01T08:58:00Z", "2026-12-01").await;
    let cohort = h.cohort_id().await;
    assert!(h.lesson_posts().is_empty(), "nothing before 09:00");
    let post = h.wait_lesson(1).await;
    let message = id_of(&post);

    let embed = &post["embeds"][0];
    assert!(embed["title"].as_str().unwrap().starts_with("Day 121 — "), "{embed}");
    assert!(embed["footer"]["text"].as_str().unwrap().contains("day 1 of 30"), "{embed}");
    assert_eq!(buttons(&post), vec![format!("done:{cohort}:121")]);
    let sent =
        h.fake.requests().into_iter().find(|r| r.method == "POST" && r.path.ends_with("/messages")).unwrap();
    assert_eq!(sent.body["allowed_mentions"]["parse"], json!([]), "nothing in a post can ping");
    assert_eq!(
        (sent.body["nonce"].clone(), sent.body["enforce_nonce"].clone()),
        (json!(format!("sb-{cohort}-121")), json!(true))
    );
    let bot_reacted = |f: &FakeDiscord| f.reactions(h.channel, message, "✅").contains(&f.bot_id());
    assert!(h.fake.wait_for(STEP, bot_reacted).await, "the bot adds ✅ itself");

    let (alice, bob, carol) = (member(21, "Alice"), member(22, "Bob"), member(23, "Carol"));
    h.fake.react(&alice, h.channel, message, "✅").await;
    h.fake.react(&alice, h.channel, message, "🎉").await; // another emoji is just a reaction
    let press = h.fake.press(&bob, h.channel, message, &format!("done:{cohort}:121"), false).await;
    h.answered(&press).await;
    let by_command = h.ask(&carol, "checkpoint", None, json!([])).await;
    assert!(by_command.contains("Day 121 done"), "{by_command}");
    let pressed = &h.fake.responses(&press)[0];
    assert_eq!(
        (pressed["body"]["type"].clone(), pressed["body"]["data"]["flags"].clone()),
        (json!(4), json!(64))
    );
    h.wait_checkpoints("one checkpoint from each source", |c| {
        let mut c = c.to_vec();
        c.sort();
        c == [
            ("21".into(), 121, "reaction".into()),
            ("22".into(), 121, "button".into()),
            ("23".into(), 121, "command".into()),
        ]
    })
    .await;

    // Removing ✅ undoes the reaction's checkpoint; adding it again counts again.
    h.fake.unreact(&alice, h.channel, message, "✅").await;
    h.wait_checkpoints("alice's undone", |c| c.len() == 2 && !c.iter().any(|x| x.0 == "21")).await;
    h.fake.react(&alice, h.channel, message, "✅").await;
    h.wait_checkpoints("alice's back", |c| c.len() == 3).await;

    // The bot's own ✅ is no checkpoint, and nobody's by its user id.
    assert!(!h.checkpoints().await.iter().any(|c| c.0 == h.fake.bot_id().to_string()));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_duplicated_dispatch_is_counted_once_and_answered_once() {
    let mut h = running("2026-12-01T08:59:00Z", "2026-12-01").await;
    let message = id_of(&h.wait_lesson(1).await);
    let dave = member(24, "Dave");
    let reaction = json!({
        "user_id": dave.id.to_string(), "channel_id": h.channel.to_string(), "message_id": message.to_string(),
        "guild_id": h.fake.guild_id().to_string(), "emoji": {"id": null, "name": "✅"}, "burst": false, "type": 0,
        "member": {"user": {"id": dave.id.to_string(), "username": "dave", "discriminator": "0", "avatar": null},
                   "roles": [], "joined_at": "2026-01-01T00:00:00.000000+00:00", "deaf": false, "mute": false, "flags": 0},
    });
    h.fake.dispatch("MESSAGE_REACTION_ADD", reaction.clone()).await;
    h.fake.dispatch("MESSAGE_REACTION_ADD", reaction).await;
    h.wait_checkpoints("dave's reaction", |c| c.len() == 1).await;

    // The same INTERACTION_CREATE twice — a check-in by command, one by the Done button, and a
    // command that keeps no dedupe key: one checkpoint each and one answer each. Discord refuses
    // a second answer to an interaction (400, code 40060), so the bot sends none.
    let (erin, finn) = (member(25, "Erin"), member(26, "Finn"));
    let command = h.slash(&erin, "checkpoint", None, json!([])).await;
    let done = format!("done:{}:121", h.cohort_id().await);
    let press = h.fake.press(&finn, h.channel, message, &done, false).await;
    h.answered(&press).await;
    let streak = h.slash(&erin, "streak", None, json!([])).await;
    let duplicated = [command, press, streak];
    answered_once_more(&h, &duplicated, &erin).await;
    let checkpoints = h.checkpoints().await;
    assert_eq!(checkpoints.len(), 3, "{checkpoints:?}");

    // A process that never saw them (another instance on the database, or this one restarted)
    // knows the check-ins by their keys: still no second answer.
    h.fake.react_offline(&dave, h.channel, message, "✅", true); // what the startup read-back sees
    assert_eq!(h.stop(), Some(0), "{}", h.log());
    h.start().await;
    answered_once_more(&h, &duplicated[..2], &erin).await;
    assert_eq!(h.checkpoints().await.len(), 3);
}

/// Dispatches each interaction again and checks that the bot sent no second initial response
/// (the fake refuses one with 40060) and logged no warning about an interaction.
async fn answered_once_more(h: &DiscordBot, ids: &[String], asker: &FakeUser) {
    for id in ids {
        h.fake.redispatch(id).await;
    }
    // Dispatched after the duplicates, answered after them; then a moment for any stray callback.
    let progress = h.ask(asker, "progress", None, json!([])).await;
    assert!(progress.contains("1/"), "one day done: {progress}");
    let twice = |f: &FakeDiscord| ids.iter().any(|id| f.callbacks(id).len() > 1);
    assert!(!h.fake.wait_for(Duration::from_millis(500), twice).await, "{}", h.fake.request_log());
    for id in ids {
        assert_eq!(h.fake.callbacks(id), [204], "one answer to {id}: {}", h.fake.request_log());
    }
    let log = h.log();
    let warned = log.lines().filter(|l| l.contains("WARN") && l.contains("interaction")).collect::<Vec<_>>();
    assert!(warned.is_empty(), "{warned:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_quiz_is_taken_with_buttons_and_the_leaderboard_is_a_table() {
    let mut h = DiscordBot::new("2026-12-08T10:00:00Z", 30.0).await;
    h.setup_at("2026-11-30T12:00:00Z", "2026-12-01").await;
    h.start().await;
    let frank = member(31, "Frank");
    let first = h.slash(&frank, "quiz", None, json!([opt("module", 17)])).await;
    let mut latest = h.fake.responses(&first).last().cloned().unwrap();
    let mut presses = 0;
    let mut result = String::new();
    // Answer every question with its first option (and Submit for multiple select).
    while !result.contains("🏁") {
        let shown = answer_buttons(&latest);
        assert!(!shown.is_empty() && presses < 60, "a question with buttons: {latest}");
        let rows = latest["body"]["data"]["components"].as_array().map_or(0, Vec::len);
        assert!(shown.len() <= 5 || rows >= 2, "more than five buttons go on a second row: {latest}");
        let mut ids = vec![shown[0].1.clone()];
        if let Some((_, submit)) = shown.iter().find(|(label, _)| label == "Submit") {
            ids.push(submit.clone());
        }
        for custom_id in ids {
            let on =
                latest["message_id"].as_str().and_then(|m| m.parse().ok()).expect("the question's message");
            let press = h.fake.press(&frank, h.channel, on, &custom_id, true).await;
            h.answered(&press).await;
            let answers = h.fake.responses(&press);
            assert_eq!(
                answers[0]["body"]["type"],
                json!(7),
                "a press on the question replaces it: {answers:?}"
            );
            // The question (or the toggled options, or the result) is the updated message, alone.
            assert_eq!(answers.len(), 1, "one message, no follow-ups: {answers:?}");
            latest = answers[0].clone();
            result = reply_text(&latest);
            presses += 1;
        }
    }
    assert!(result.contains("m17") || result.contains("17"), "{result}");
    assert!(presses >= 17, "module 17 has 17 questions; {presses} presses");
    // Each miss keeps its right answer, why and lesson together; more misses are a page away.
    assert!(result.chars().count() <= 2000, "{result}");
    assert_eq!(result.matches("❌ **").count(), result.matches("📖 Day").count(), "{result}");
    if let Some((_, more)) = answer_buttons(&latest).into_iter().find(|(label, _)| label == "More ▶") {
        let on = latest["message_id"].as_str().and_then(|m| m.parse().ok()).expect("the result's message");
        let press = h.fake.press(&frank, h.channel, on, &more, true).await;
        h.answered(&press).await;
        let page = h.fake.responses(&press);
        assert_eq!(
            (page.len(), &page[0]["body"]["type"]),
            (1, &json!(7)),
            "the page replaces the result: {page:?}"
        );
        let text = reply_text(&page[0]);
        assert!(text.contains("What you missed (") && text != result, "{text}");
    }

    let board = h.ask(&frank, "leaderboard", None, json!([opt("by", "quiz")])).await;
    let block: Vec<&str> =
        board.split("```").nth(1).expect("a code block").trim_matches('\n').lines().collect();
    assert_eq!(block[0].split_whitespace().collect::<Vec<_>>(), ["#", "Member", "Quiz"], "{board}");
    let points: u32 = block[1].split_whitespace().last().and_then(|p| p.parse().ok()).expect("points");
    let right =
        result.split("**: ").nth(1).and_then(|r| r.split('/').next()).and_then(|n| n.parse::<u32>().ok());
    assert!(
        block[1].starts_with("1  Frank") && Some(points) == right.map(|r| r * 5),
        "5 points per right answer: {board}\n{result}"
    );
    let widths: Vec<usize> = block.iter().map(|l| l.chars().count()).collect();
    assert!(widths.iter().all(|w| *w == widths[0]), "columns aligned: {board}");
}

#[tokio::test(flavor = "multi_thread")]
async fn progress_of_a_member_is_picked_as_a_user_and_reaches_the_coach_as_that_member() {
    let h = running("2026-12-01T08:00:00Z", "2026-12-02").await;
    let commands = h.fake.commands();
    let progress = commands.iter().find(|c| c["name"] == "progress").expect("/progress");
    assert_eq!(progress["options"][0]["name"], "member");
    assert_eq!(progress["options"][0]["type"], 6, "USER: the client offers a user picker: {progress}");
    let (ada, bo) = (member(41, "Ada"), member(42, "Bo"));
    h.ask(&bo, "join", None, json!([])).await;
    let about_bo = h.ask(&ada, "progress", None, json!([user_opt("member", &bo)])).await;
    assert!(about_bo.contains("📈 Bo — "), "Bo's progress: {about_bo}");
    let nobody = h.ask(&ada, "progress", None, json!([user_opt("member", &member(43, "Cy"))])).await;
    assert!(nobody.contains("No member"), "Cy never joined: {nobody}");
}

#[tokio::test(flavor = "multi_thread")]
async fn commands_are_offered_in_servers_only_and_a_channel_without_a_cohort_says_where_to_go() {
    let mut h = DiscordBot::new("2026-12-01T08:00:00Z", 30.0).await.without_guilds();
    h.start().await;
    let commands = h.fake.commands();
    assert!(commands.iter().all(|c| c["scope"] == "global" && c["contexts"] == json!([0])), "{commands:?}");
    let (olivia, bo) = (organizer(), member(42, "Bo"));
    let dm = h.fake.dm_with(&bo);
    for name in ["streak", "help", "studybot"] {
        assert!(h.fake.offered(name, h.channel) && !h.fake.offered(name, dm), "/{name} in a server only");
    }
    h.ask(&olivia, "studybot", Some("setup"), setup_options("2026-12-02")).await;

    let general = h.fake.channel("general");
    let elsewhere = h.ask_in(general, &bo, "streak", json!([])).await;
    assert!(elsewhere.contains("work in your cohort's channel"), "{elsewhere}");
    assert!(!elsewhere.contains("/studybot setup"), "not a member's to do: {elsewhere}");
    let admin = h.ask_in(general, &olivia, "streak", json!([])).await;
    assert!(admin.contains("/studybot setup curriculum:"), "the admin may start one here: {admin}");
}

#[tokio::test(flavor = "multi_thread")]
async fn help_is_for_everyone_and_a_refusal_points_to_it() {
    let h = running("2026-12-01T08:00:00Z", "2026-12-02").await;
    let commands = h.fake.commands();
    let help = commands.iter().find(|c| c["name"] == "help").expect("/help is registered");
    assert!(help["default_member_permissions"].is_null(), "everyone sees /help: {help}");

    let bo = member(42, "Bo");
    let refused = h.ask(&bo, "studybot", Some("pause"), json!([])).await;
    assert!(refused.contains("is for the cohort's admins") && refused.contains("`/help`"), "{refused}");
    let for_bo = h.ask(&bo, "help", None, json!([])).await;
    assert!(for_bo.contains("/checkpoint") && for_bo.contains("/progress [member:<member>]"), "{for_bo}");
    assert!(!for_bo.contains("/studybot"), "no command Discord hides from members: {for_bo}");
    let for_olivia = h.ask(&organizer(), "help", None, json!([])).await;
    assert!(for_olivia.contains("`/studybot help` lists the admin commands"), "{for_olivia}");
    let full = h.ask(&organizer(), "studybot", Some("help"), json!([])).await;
    assert!(full.contains("/studybot pause") && full.contains("/checkpoint"), "{full}");
}
