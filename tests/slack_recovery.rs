//! The real bot on Slack when things go wrong: Socket Mode reconnects, forged or stale requests in
//! HTTP mode, a bad token, refused posts, rate limits, slow work, lost confirmations.

mod support;

use std::time::Duration;

use support::readback::{Readback, forget_post_confirmation, lock_database};
use support::slack_bot::{
    FakeSlack, Mode, STEP, SlackBot, SlackUser, member, message_text, organizer, running, running_with,
};

#[tokio::test(flavor = "multi_thread")]
async fn socket_mode_reconnects_after_a_disconnect_and_events_sent_meanwhile_count_once() {
    let h = running("2026-12-01T08:59:00Z", "2026-12-01", Mode::Socket).await;
    let ts = h.wait_lesson(1).await["ts"].as_str().unwrap().to_string();
    let (gina, hal, ida) = (member("U0GINA", "Gina"), member("U0HAL", "Hal"), member("U0IDA", "Ida"));
    h.fake.react(&gina, &h.channel, &ts, "white_check_mark").await;
    h.wait_checkpoints("gina", |c| c.len() == 1).await;
    let opened = h.fake.connections();

    // Slack asks the app to reconnect; an event sent meanwhile waits for the new connection.
    h.fake.send_disconnect().await;
    let hal_event = h.fake.react(&hal, &h.channel, &ts, "white_check_mark").await;
    let reconnected = |f: &FakeSlack| f.connections() > opened;
    assert!(h.fake.wait_for(STEP, reconnected).await, "no new connection: {}", h.log());
    h.wait_checkpoints("hal's reaction delivered after the reconnect", |c| c.len() == 2).await;
    assert!(h.fake.wait_for(STEP, |f| !f.acks(&hal_event).is_empty()).await);
    assert!(h.fake.calls("apps.connections.open").len() >= 2, "a fresh url for the new connection");

    // The network drops the connection without a word: the client reconnects too.
    let opened = h.fake.connections();
    h.fake.drop_connection().await;
    let reconnected = |f: &FakeSlack| f.connections() > opened;
    assert!(h.fake.wait_for(STEP, reconnected).await, "no reconnect after a drop: {}", h.log());
    h.fake.unreact(&gina, &h.channel, &ts, "white_check_mark").await;
    let by_command = h.ask(&ida, "checkpoint").await;
    assert!(by_command.contains("Day 121 done"), "{by_command}");
    h.wait_checkpoints("after the drop: gina out, ida in", |c| {
        let users: Vec<&str> = c.iter().map(|x| x.0.as_str()).collect();
        users == ["U0HAL", "U0IDA"] || users == ["U0IDA", "U0HAL"]
    })
    .await;
}

/// POSTs `body` to the bot's events url with these signature headers.
async fn post_event(h: &SlackBot, body: &str, timestamp: Option<i64>, signature: Option<String>) -> u16 {
    let mut headers = vec![("Content-Type".to_string(), "application/json".to_string())];
    if let Some(ts) = timestamp {
        headers.push(("X-Slack-Request-Timestamp".into(), ts.to_string()));
    }
    if let Some(sig) = signature {
        headers.push(("X-Slack-Signature".into(), sig));
    }
    h.fake.post_raw("/events", body, headers).await.0
}

fn unix_now() -> i64 {
    chrono::Utc::now().timestamp()
}

#[tokio::test(flavor = "multi_thread")]
async fn http_mode_refuses_unsigned_tampered_and_stale_requests_before_reading_them() {
    let h = running("2026-12-01T08:59:00Z", "2026-12-01", Mode::Http).await;
    let ts = h.wait_lesson(1).await["ts"].as_str().unwrap().to_string();
    let (challenge_status, challenge) =
        h.fake.url_verification("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P").await;
    assert_eq!(challenge_status, 200);
    assert!(challenge.contains("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"), "{challenge}");

    // A forged reaction_added from a member who never reacted: a real event's shape.
    let team = h.fake.team_id();
    let forged = serde_json::json!({
        "token": "x", "team_id": team, "api_app_id": "A0FAKE0001", "type": "event_callback",
        "event_id": "Ev0FORGED", "event_time": unix_now(), "authorizations": [], "is_ext_shared_channel": false,
        "event_context": "x",
        "event": {
            "type": "reaction_added", "user": "U0MALLORY", "reaction": "white_check_mark",
            "item_user": h.fake.bot_user_id(), "event_ts": "1.1",
            "item": {"type": "message", "channel": h.channel, "ts": ts},
        },
    })
    .to_string();
    let now = unix_now();
    let cases = [
        ("unsigned", None, None),
        ("no timestamp", None, Some(h.fake.sign(now, &forged))),
        ("signed with another secret", Some(now), Some(format!("v0={}", "ab".repeat(32)))),
        ("tampered: the signature of another body", Some(now), Some(h.fake.sign(now, "{}"))),
        ("stale: signed 6 minutes ago", Some(now - 360), Some(h.fake.sign(now - 360, &forged))),
        ("from the future", Some(now + 360), Some(h.fake.sign(now + 360, &forged))),
        ("not a signature", Some(now), Some("v1=zz".to_string())),
    ];
    let refused = cases.len();
    for (what, timestamp, signature) in cases {
        assert_eq!(post_event(&h, &forged, timestamp, signature).await, 401, "{what}");
    }
    h.wait_log_count("Slack request refused", refused).await;
    let log = h.log();
    assert!(!log.contains("U0MALLORY") && !log.contains("Ev0FORGED"), "no body in the log: {log}");
    assert!(h.checkpoints().await.is_empty(), "nothing stored from a refused request");
    // Commands and interactions are behind the same check.
    let form = format!("command=%2Fstudybot&text=checkpoint&user_id=U0MALLORY&team_id={team}");
    assert_eq!(h.fake.post_raw("/commands", &form, vec![]).await.0, 401);
    assert_eq!(h.fake.post_raw("/interactions", "payload=%7B%7D", vec![]).await.0, 401);

    // Slack's certificate check, signed or not, on every route: 200 with an empty body, and
    // nothing else happens (no refusal logged, nothing stored).
    let check = "token=gIkuvaNzQIHg97ATvDxqgjtO&ssl_check=1";
    for path in ["/commands", "/events", "/interactions"] {
        let signed = vec![
            ("X-Slack-Request-Timestamp".to_string(), now.to_string()),
            ("X-Slack-Signature".to_string(), h.fake.sign(now, check)),
        ];
        for headers in [signed, vec![]] {
            assert_eq!(
                h.fake.post_raw(path, check, headers).await,
                (200, String::new()),
                "ssl_check on {path}"
            );
        }
    }
    // One more refusal after them: once it is in the log, any refusal of a check would be too.
    assert_eq!(h.fake.post_raw("/commands", &form, vec![]).await.0, 401);
    h.wait_log_count("Slack request refused", refused + 3).await;
    assert_eq!(h.log().matches("Slack request refused").count(), refused + 3, "{}", h.log());
    assert!(h.checkpoints().await.is_empty());

    // Load balancers probe without a signature.
    let health = reqwest::get(format!("http://127.0.0.1:{}/healthz", h.port)).await.unwrap();
    assert_eq!((health.status().as_u16(), health.text().await.unwrap()), (200, "ok".to_string()));

    // The same event signed now is accepted: the check is what refused it.
    assert_eq!(post_event(&h, &forged, Some(now), Some(h.fake.sign(now, &forged))).await, 200);
    h.wait_checkpoints("the signed event counts", |c| c.len() == 1 && c[0].0 == "U0MALLORY").await;
    assert!(h.checkpoints().await.len() == 1);
}

/// Runs the bot until it exits on its own; returns the exit code and the log.
async fn exit_of(mut h: SlackBot) -> (Option<i32>, String, SlackBot) {
    h.spawn();
    let code = h.bot.as_mut().unwrap().wait_exit(STEP).await;
    (code, h.log(), h)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_token_stops_startup_with_a_message_that_says_so() {
    for mode in [Mode::Socket, Mode::Http] {
        let h = SlackBot::new("2026-12-01T08:00:00Z", 30.0, mode).await.with_bot_token("xoxb-not-the-token");
        let (code, log, h) = exit_of(h).await;
        assert_eq!(code, Some(1), "{mode:?}: {log}");
        assert!(log.contains("Slack rejected the bot token (invalid_auth)"), "{mode:?}: {log}");
        assert!(!log.contains("xoxb-not-the-token"), "the token never reaches the log: {log}");
        assert!(h.fake.calls("apps.connections.open").is_empty(), "no socket with a refused token");
    }
    let h =
        SlackBot::new("2026-12-01T08:00:00Z", 30.0, Mode::Socket).await.with_app_token("xapp-not-the-token");
    let (code, log, _) = exit_of(h).await;
    assert_eq!(code, Some(1), "{log}");
    assert!(log.contains("Slack rejected the app-level token (invalid_auth)"), "{log}");
    assert!(!log.contains("xapp-not-the-token"), "the token never reaches the log: {log}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_post_refused_by_slack_flags_the_cohort_and_is_posted_once_after_resume() {
    let h = running("2026-12-01T08:59:00Z", "2026-12-01", Mode::Socket).await;
    h.fake.fail_channel(&h.channel, "not_in_channel");
    let olivia = organizer();
    let told = |f: &FakeSlack| f.dm_channel(&olivia.id).is_some_and(|dm| !f.messages(&dm).is_empty());
    assert!(
        h.fake.wait_for(STEP, told).await,
        "the organizer gets a DM: {}\n{}",
        h.fake.request_log(),
        h.log()
    );
    let dm = h.fake.dm_channel(&olivia.id).unwrap();
    let text = message_text(&h.fake.messages(&dm)[0]);
    assert!(text.contains("not_in_channel"), "{text}");
    assert!(text.contains("day 121") && text.contains("in #study in Fake Study Group:"), "{text}");
    // The organizer invites the bot, checks, and resumes.
    h.fake.fail_channel(&h.channel, "");
    let status = h.ask(&olivia, "status").await;
    assert!(status.to_lowercase().contains("flagged"), "{status}");
    assert!(status.contains("Posted: 0 of 30 days · pending: 0 · failed: 1 · abandoned: 0"), "{status}");
    assert!(status.contains("Failed: day 121 (Slack refused the post: not_in_channel)"), "{status}");
    assert!(h.lesson_posts().is_empty());
    let resumed = h.ask(&olivia, "resume").await;
    assert!(resumed.contains("Day 121 is posted again now."), "{resumed}");

    let ts = h.wait_lesson(1).await["ts"].as_str().unwrap().to_string();
    let channel = h.channel.clone();
    let marked = |f: &FakeSlack| f.reactions(&channel, &ts, "white_check_mark") == [f.bot_user_id()];
    assert!(h.fake.wait_for(STEP, marked).await, "with the bot's ✅: {}", h.fake.request_log());
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(h.lesson_posts().len(), 1, "posted once: {}", h.fake.request_log());
    let nonce = serde_json::json!(format!("sb-{}-121", h.cohort_id().await));
    let sends: Vec<(Option<bool>, serde_json::Value)> = h
        .fake
        .calls("chat.postMessage")
        .into_iter()
        .filter(|c| c.params["channel"] == h.channel.as_str())
        .map(|c| (c.response["ok"].as_bool(), c.params["metadata"]["event_payload"]["nonce"].clone()))
        .collect();
    assert_eq!(
        sends,
        [(Some(false), nonce.clone()), (Some(true), nonce)],
        "refused, then sent again with its nonce"
    );
    let status = h.ask(&olivia, "status").await;
    assert!(status.contains("State: active ·"), "{status}");
    assert!(status.contains("Posted: 1 of 30 days · pending: 0 · failed: 0 · abandoned: 0"), "{status}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_429_is_waited_out_and_the_lesson_posted_once() {
    let h = running("2026-12-01T08:59:00Z", "2026-12-01", Mode::Socket).await;
    h.fake.force_429(2, 1);
    h.wait_lesson(1).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(h.lesson_posts().len(), 1, "{}", h.fake.request_log());
    assert!(h.fake.rate_limited() >= 1, "the fake answered 429: {}", h.fake.request_log());
    assert_eq!(
        h.fake.over_limit_after_429(),
        0,
        "nothing sent inside a 429 window: {}",
        h.fake.request_log()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn slow_work_is_acknowledged_in_time_and_answered_through_the_response_url() {
    for mode in [Mode::Socket, Mode::Http] {
        let h = running("2026-12-01T08:59:00Z", "2026-12-01", mode).await;
        let ts = h.wait_lesson(1).await["ts"].as_str().unwrap().to_string();
        let (lena, max) = (member("U0LENA", "Lena"), member("U0MAX", "Max"));
        let mut lock = lock_database(&h.url).await;
        let id = h.fake.command(&lena, &h.channel, "checkpoint").await;
        let event = h.fake.react(&max, &h.channel, &ts, "white_check_mark").await;
        let acked = |f: &FakeSlack| !f.acks(&id).is_empty() && !f.acks(&event).is_empty();
        assert!(h.fake.wait_for(STEP, acked).await, "{mode:?}: acknowledged while the database is busy");
        if mode == Mode::Http {
            assert_eq!(
                h.fake.acks(&event)[0]["status"],
                200,
                "within Slack's 3 s: {:?}",
                h.fake.acks(&event)
            );
        }
        let holding = h.answers(&lena, &id);
        assert_eq!(holding.len(), 1, "{mode:?}: {holding:?}");
        assert!(message_text(&holding[0]).contains("Working on it"), "{mode:?}: {holding:?}");
        if mode == Mode::Http {
            assert_eq!(h.fake.acks(&id)[0]["status"], 200, "within Slack's 3 s: {:?}", h.fake.acks(&id));
        }
        sqlx::query("ROLLBACK").execute(&mut lock).await.unwrap();
        let answered = |f: &FakeSlack| !f.responses(&id).is_empty();
        assert!(h.fake.wait_for(STEP, answered).await, "{mode:?}: {}", h.log());
        let late = message_text(&h.fake.responses(&id)[0]);
        assert!(late.contains("Day 121 done"), "{mode:?}: {late}");
        assert_eq!(h.answers(&lena, &id)[1]["via"], "response_url");
        // The answer took the holding reply's place: Lena sees one message, and it is the answer.
        assert_eq!(h.fake.responses(&id)[0]["replace_original"], true, "{mode:?}");
        let shown = h.shown(&lena, &id);
        assert_eq!(shown.len(), 1, "{mode:?}: {shown:?}");
        assert!(message_text(&shown[0]).contains("Day 121 done"), "{mode:?}: {shown:?}");
        h.wait_checkpoints("lena's command and max's ✅, once the database is free", |c| c.len() == 2).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_post_whose_confirmation_was_lost_is_found_not_posted_again_and_gets_its_check_mark() {
    let mut h = running("2026-12-01T08:59:00Z", "2026-12-01", Mode::Socket).await;
    let ts = h.wait_lesson(1).await["ts"].as_str().unwrap().to_string();
    let bot = SlackUser::new(&h.fake.bot_user_id(), "studybot", false);
    let channel = h.channel.clone();
    let marked = |f: &FakeSlack| f.reactions(&channel, &ts, "white_check_mark") == [f.bot_user_id()];
    assert!(h.fake.wait_for(STEP, marked).await, "the fresh post got its ✅: {}", h.fake.request_log());
    assert_eq!(h.stop(), Some(0));
    forget_post_confirmation(&h.url, 121).await;
    // The crash came before the paced ✅ worker got to it.
    h.fake.react_offline(&bot, &h.channel, &ts, "white_check_mark", false);

    h.start().await;
    let found = h.readback().wait_post_id(121, || format!("{}\n{}", h.fake.request_log(), h.log())).await;
    assert_eq!(found, ts.clone(), "the existing post was found");
    assert!(h.fake.wait_for(STEP, marked).await, "the bot's ✅ is back: {}", h.fake.request_log());
    let adds = h.fake.calls("reactions.add");
    assert_eq!(adds.len(), 2, "once for the fresh post, once after the restart: {}", h.fake.request_log());
    assert_eq!(
        (adds[1].params["timestamp"].as_str(), adds[1].response["ok"].as_bool()),
        (Some(ts.as_str()), Some(true))
    );
    assert_eq!(h.lesson_posts().len(), 1, "and not posted again: {}", h.fake.request_log());
    assert!(!h.fake.calls("conversations.history").is_empty(), "found through the channel's history");
    assert_eq!(h.fake.calls("chat.postMessage").len(), 1, "{}", h.fake.request_log());
    // Members check in on the post that was found.
    h.fake.react(&member("U0JO", "Jo"), &h.channel, &ts, "white_check_mark").await;
    h.wait_checkpoints("a reaction on the found post", |c| c.len() == 1).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn every_post_gets_its_check_mark_when_reactions_add_is_rate_limited() {
    let mut h = SlackBot::new("2026-12-01T08:59:30Z", 30.0, Mode::Socket).await;
    // Four cohorts due at the same minute in four channels; reactions.add allows 2 per 3 s.
    let channels: Vec<String> = (1..=4).map(|i| h.fake.channel(&format!("study-{i}"))).collect();
    for channel in &channels {
        let readback = Readback { channel: channel.clone(), ..h.readback() };
        readback.setup_at(&h.fake.team_id(), &organizer().id, "2026-11-30T12:00:00Z", "2026-12-01").await;
    }
    h.fake.set_method_limit("reactions.add", Some((2, Duration::from_secs(3))));
    h.start().await;
    let checked = |f: &FakeSlack| {
        channels.iter().all(|c| {
            let posts = f.messages(c);
            posts.len() == 1
                && f.reactions(c, posts[0]["ts"].as_str().unwrap(), "white_check_mark") == [f.bot_user_id()]
        })
    };
    assert!(
        h.fake.wait_for(STEP, checked).await,
        "a ✅ under every post: {}\n{}",
        h.fake.request_log(),
        h.log()
    );
    assert!(h.fake.rate_limited() >= 1, "the limit was reached: {}", h.fake.request_log());
    assert_eq!(h.fake.over_limit_after_429(), 0, "each 429 waited out: {}", h.fake.request_log());
    assert_eq!(h.fake.calls("chat.postMessage").len(), 4, "one post per cohort: {}", h.fake.request_log());
}

#[tokio::test(flavor = "multi_thread")]
async fn reactions_changed_while_the_bot_was_away_are_reconciled_at_startup() {
    let mut h = running("2026-12-01T08:59:00Z", "2026-12-01", Mode::Socket).await;
    let ts = h.wait_lesson(1).await["ts"].as_str().unwrap().to_string();
    let (ivy, jack, kim) = (member("U0IVY", "Ivy"), member("U0JACK", "Jack"), member("U0KIM", "Kim"));
    h.fake.react(&ivy, &h.channel, &ts, "white_check_mark").await;
    h.wait_checkpoints("ivy", |c| c.len() == 1).await;
    let by_command = h.ask(&kim, "checkpoint").await;
    assert!(by_command.contains("Day 121 done"), "{by_command}");
    h.wait_log("reactions reconciled").await; // the first start's pass, with nothing to change

    // Down for longer than Slack retries: jack reacts, ivy and kim take their ✅ away (kim's
    // checkpoint came by command), and someone adds a 🎉, which is no checkpoint.
    assert_eq!(h.stop(), Some(0));
    h.fake.react_offline(&jack, &h.channel, &ts, "white_check_mark", true);
    h.fake.react_offline(&ivy, &h.channel, &ts, "white_check_mark", false);
    h.fake.react_offline(&kim, &h.channel, &ts, "white_check_mark", false);
    h.fake.react_offline(&ivy, &h.channel, &ts, "tada", true);
    let looked_up = h.fake.calls("users.info").len();
    h.start().await;
    h.wait_log("reactions reconciled").await;
    // The read-back needs user ids only: no users.info, even for jack, never seen live.
    assert_eq!(h.fake.calls("users.info").len(), looked_up, "users.info during the read-back");
    let mut now = h.checkpoints().await;
    now.sort();
    assert_eq!(
        now,
        [("U0JACK".into(), 121, "reaction".into()), ("U0KIM".into(), 121, "command".into())],
        "jack in, ivy out, kim kept:\n{}",
        h.log()
    );
    assert!(h.fake.calls("reactions.get").iter().any(|c| c.params["full"] == "true"), "every user asked for");
    assert_eq!(h.fake.calls("chat.postMessage").len(), 1, "the post is not posted again");
    // The bot's own ✅ is still no checkpoint.
    assert!(!now.iter().any(|c| c.0 == h.fake.bot_user_id()));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slow_users_info_does_not_hold_up_the_acknowledgement() {
    let h = running("2026-12-01T08:59:00Z", "2026-12-01", Mode::Socket).await;
    h.wait_lesson(1).await;
    // A member the bot has not looked up yet, while users.info takes longer than Slack's 3 s.
    h.fake.delay_method("users.info", Duration::from_secs(4));
    let nora = member("U0NORA", "Nora");
    let id = h.fake.command(&nora, &h.channel, "checkpoint").await;
    let acked = |f: &FakeSlack| !f.acks(&id).is_empty();
    assert!(h.fake.wait_for(STEP, acked).await, "acknowledged");
    let looked_up = |f: &FakeSlack| f.calls("users.info").iter().any(|c| c.params["user"] == "U0NORA");
    assert!(!looked_up(&h.fake), "the acknowledgement went out before users.info answered");
    assert!(message_text(&h.answers(&nora, &id)[0]).contains("Working on it"), "{:?}", h.answers(&nora, &id));
    h.answered(&nora, &id).await;
    assert!(h.answer_text(&nora, &id).contains("Day 121 done"), "{}", h.answer_text(&nora, &id));
    let shown = h.shown(&nora, &id);
    assert!(shown.len() == 1 && message_text(&shown[0]).contains("Day 121 done"), "{shown:?}");
    assert!(looked_up(&h.fake));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rate_limited_users_info_is_waited_out_and_the_stored_names_are_kept() {
    let mut h = running("2026-12-01T08:59:00Z", "2026-12-01", Mode::Socket).await;
    h.wait_lesson(1).await;
    let (nora, omar, pia) = (member("U0NORA", "Nora"), member("U0OMAR", "Omar"), member("U0PIA", "Pia"));
    let first = h.ask(&nora, "checkpoint").await;
    assert!(first.contains("Day 121 done"), "{first}");
    // Restarted, the bot has nobody cached, and users.info allows one call a minute: a 09:00
    // burst after a deploy.
    assert_eq!(h.stop(), Some(0));
    h.fake.set_method_limit("users.info", Some((1, Duration::from_secs(60))));
    h.start().await;
    let asked = h.fake.calls("users.info").len();
    let omar_said = h.ask(&omar, "checkpoint").await; // the minute's one call
    let nora_said = h.ask(&nora, "checkpoint").await; // answered 429
    let pia_said = h.ask(&pia, "checkpoint").await; // not asked while the 429 holds
    assert!(
        omar_said.contains("Day 121 done") && pia_said.contains("Day 121 done"),
        "{omar_said} / {pia_said}"
    );
    assert!(nora_said.contains("121"), "{nora_said}");
    assert_eq!(h.fake.calls("users.info").len() - asked, 2, "{}", h.fake.request_log());
    assert_eq!(h.fake.rate_limited(), 1, "{}", h.fake.request_log());
    assert_eq!(h.fake.over_limit_after_429(), 0, "users.info asked inside its 429: {}", h.fake.request_log());
    // Nora keeps the name she had (not her user id); Pia, new, is named by her id until a name comes.
    let store = h.store().await;
    let mut names = Vec::new();
    for user in ["U0NORA", "U0OMAR", "U0PIA"] {
        let found = store.find_member(studybot::store::Platform::Slack, user).await.expect("read member");
        names.push(found.map(|m| m.display_name).unwrap_or_default());
    }
    assert_eq!(names, ["Nora", "Omar", "U0PIA"]);
    store.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reaction_other_than_a_check_mark_asks_slack_nothing() {
    let h = running("2026-12-01T08:59:00Z", "2026-12-01", Mode::Socket).await;
    let ts = h.wait_lesson(1).await["ts"].as_str().unwrap().to_string();
    let ivy = member("U0IVY", "Ivy");
    let looked_up =
        |f: &FakeSlack| f.calls("users.info").iter().filter(|c| c.params["user"] == "U0IVY").count();
    // Handled (and acknowledged) once the bot is done with it.
    let id = h.fake.react(&ivy, &h.channel, &ts, "tada").await;
    assert!(h.fake.wait_for(STEP, |f| !f.acks(&id).is_empty()).await, "acknowledged");
    assert_eq!(looked_up(&h.fake), 0, "a 🎉 is no check-in: {}", h.fake.request_log());
    h.fake.react(&ivy, &h.channel, &ts, "white_check_mark").await;
    h.wait_checkpoints("ivy", |c| c.len() == 1).await;
    assert_eq!(looked_up(&h.fake), 1, "a ✅ from a member not seen yet names them");
}

#[tokio::test(flavor = "multi_thread")]
async fn past_max_in_flight_an_event_gets_503_and_counts_once_when_slack_delivers_it_again() {
    let h = running_with("2026-12-01T08:59:00Z", "2026-12-01", Mode::Http, "max_in_flight = 2").await;
    let ts = h.wait_lesson(1).await["ts"].as_str().unwrap().to_string();
    // users.info slower than Slack's 3 s: a ✅ from a member not seen yet stays in flight after
    // its acknowledgement, until users.info answers.
    h.fake.delay_method("users.info", Duration::from_secs(5));
    let (nora, omar, pia) = (member("U0NORA", "Nora"), member("U0OMAR", "Omar"), member("U0PIA", "Pia"));
    let status = |h: &SlackBot, id: &str, n: usize| h.fake.acks(id).get(n).map(|a| a["status"].clone());
    let mut held = Vec::new();
    for who in [&nora, &omar] {
        held.push(h.fake.react(who, &h.channel, &ts, "white_check_mark").await);
    }
    // Acknowledged within Slack's 3 s, while users.info still keeps them.
    assert!(h.fake.wait_for(STEP, |f| held.iter().all(|id| !f.acks(id).is_empty())).await, "acknowledged");
    for id in &held {
        assert_eq!(status(&h, id, 0), Some(200.into()), "{:?}", h.fake.acks(id));
    }
    // Both still in flight: Pia's ✅ is turned away so that Slack delivers it again, and her
    // command is answered, not left to time out.
    let turned = h.fake.react(&pia, &h.channel, &ts, "white_check_mark").await;
    assert!(h.fake.wait_for(STEP, |f| !f.acks(&turned).is_empty()).await, "answered");
    assert_eq!(status(&h, &turned, 0), Some(503.into()), "{:?}", h.fake.acks(&turned));
    let said = h.fake.command(&pia, &h.channel, "checkpoint").await;
    assert!(h.fake.wait_for(STEP, |f| !f.acks(&said).is_empty()).await, "answered");
    let busy = message_text(&h.answers(&pia, &said)[0]);
    assert!(busy.contains("very busy") && busy.contains("try again"), "{busy}");
    // Once users.info answers the held work is stored and its places come back; Slack delivers
    // Pia's ✅ again (up to three times) until it is taken in, and it is stored once.
    h.wait_checkpoints("Nora's and Omar's ✅", |c| c.len() == 2).await;
    for _ in 0..3 {
        let n = h.fake.acks(&turned).len();
        h.fake.redeliver(&turned).await;
        assert!(h.fake.wait_for(STEP, |f| f.acks(&turned).len() > n).await, "answered");
        if status(&h, &turned, n) == Some(200.into()) {
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    h.wait_checkpoints("Pia's ✅ delivered again", |c| c.len() == 3).await;
    let users: Vec<String> = h.checkpoints().await.into_iter().map(|c| c.0).collect();
    assert!(
        ["U0NORA", "U0OMAR", "U0PIA"].iter().all(|u| users.iter().filter(|x| x == u).count() == 1),
        "{users:?}"
    );
    let address = h.endpoint().trim_start_matches("http://").trim_end_matches("/slack").parse().unwrap();
    let page = support::scrape::scrape(address).await;
    let turned_away =
        |kind| page.value("studybot_requests_turned_away_total", &[("platform", "slack"), ("kind", kind)]);
    assert!(
        turned_away("event") >= Some(1.0) && turned_away("command") == Some(1.0),
        "{:?}",
        turned_away("event")
    );
    assert!(h.log().contains("slack.max_in_flight"), "the operator is told why");
}

#[tokio::test(flavor = "multi_thread")]
async fn in_socket_mode_an_event_past_max_in_flight_is_left_unacknowledged_for_slack_to_send_again() {
    let h = running_with("2026-12-01T08:59:00Z", "2026-12-01", Mode::Socket, "max_in_flight = 1").await;
    let ts = h.wait_lesson(1).await["ts"].as_str().unwrap().to_string();
    h.fake.delay_method("users.info", Duration::from_secs(4));
    let (nora, omar) = (member("U0NORA", "Nora"), member("U0OMAR", "Omar"));
    let held = h.fake.react(&nora, &h.channel, &ts, "white_check_mark").await;
    assert!(h.fake.wait_for(STEP, |f| !f.acks(&held).is_empty()).await, "acknowledged");
    // Nora's ✅ still waits for users.info: Omar's finds no place and gets no ack.
    let turned = h.fake.react(&omar, &h.channel, &ts, "white_check_mark").await;
    assert!(!h.fake.wait_for(Duration::from_secs(1), |f| !f.acks(&turned).is_empty()).await, "not acked");
    h.wait_checkpoints("Nora's ✅", |c| c.len() == 1).await;
    // Slack sends the envelope again; now it is taken in, acknowledged and stored once.
    for _ in 0..3 {
        h.fake.redeliver(&turned).await;
        if h.fake.wait_for(Duration::from_secs(3), |f| !f.acks(&turned).is_empty()).await {
            break;
        }
    }
    h.wait_checkpoints("Omar's ✅ sent again", |c| c.len() == 2).await;
    assert_eq!(h.fake.acks(&turned).len(), 1, "{:?}", h.fake.acks(&turned));
    assert!(!h.log().contains("callback failed"), "a turned-away event is no error");
}
