//! The real slack-morphism 2.31.1 client against the fake Slack: Web API methods and errors,
//! rate limits, Socket Mode (events, commands, interactions, reconnect) and signed HTTP delivery.

mod support;

use std::collections::HashMap;
use std::time::Duration;

use serde_json::json;
use slack_morphism::errors::SlackClientError;
use slack_morphism::prelude::*;
use support::fake_slack::{BOT_TOKEN, FakeSlack, SlackUser};
use support::slack_client::{HttpBot, Seen, SocketBot, answer_to, bot_token, client};
use tokio::sync::mpsc::UnboundedReceiver;

const WAIT: Duration = Duration::from_secs(10);

/// The next thing a listener saw, or a panic after WAIT.
async fn next(seen: &mut UnboundedReceiver<Seen>) -> Seen {
    tokio::time::timeout(WAIT, seen.recv()).await.expect("nothing arrived in time").expect("listener gone")
}

fn ana() -> SlackUser {
    SlackUser::new("U0ANA00001", "ana", false)
}

fn lesson_content() -> SlackMessageContent {
    let done =
        SlackBlockButtonElement::new(pt!("Done")).with_action_id("done".into()).with_value("day-1".into());
    let blocks = slack_blocks![
        some_into(SlackSectionBlock::new().with_text(md!("*Day 1*: lakehouse basics"))),
        some_into(SlackActionsBlock::new(slack_blocks![some_into(done)]))
    ];
    let payload =
        HashMap::from([("cohort".to_string(), "7".to_string()), ("day".to_string(), "1".to_string())]);
    SlackMessageContent::new()
        .with_text("Day 1: lakehouse basics".into())
        .with_blocks(blocks)
        .with_metadata(SlackMessageMetadata::new("studybot_lesson".into()).with_event_payload(payload))
}

#[tokio::test(flavor = "multi_thread")]
async fn web_api_round_trip_through_the_real_client() {
    let fake = FakeSlack::start().await;
    let general = fake.channel("general");
    let client = client(&fake, None);
    let token = bot_token();
    let session = client.open_session(&token);

    let me = session.auth_test().await.expect("auth.test");
    // slack-morphism joins "{api_url}/{method}": the trailing '/' of api_url() doubles.
    assert_eq!(fake.requests()[0].path, "/api//auth.test");
    assert_eq!(
        (me.user_id.0.as_str(), me.team_id.0.as_str()),
        (fake.bot_user_id().as_str(), fake.team_id().as_str())
    );

    let request = SlackApiChatPostMessageRequest::new(general.clone().into(), lesson_content());
    let posted = session.chat_post_message(&request).await.expect("chat.postMessage");
    let stored = fake.messages(&general);
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["ts"], posted.ts.0);
    assert_eq!(stored[0]["blocks"][1]["elements"][0]["action_id"], "done");
    assert!(stored[0]["blocks"][0]["block_id"].is_string(), "Slack fills in block ids");
    assert_eq!(fake.calls("chat.postMessage")[0].params["metadata"]["event_type"], "studybot_lesson");

    let channel: SlackChannelId = general.clone().into();
    let add = SlackApiReactionsAddRequest::new(channel.clone(), "white_check_mark".into(), posted.ts.clone());
    session.reactions_add(&add).await.expect("reactions.add");
    let again = session.reactions_add(&add).await.expect_err("a second identical reaction");
    assert!(matches!(again, SlackClientError::ApiError(ref e) if e.code == "already_reacted"), "{again:?}");
    let get =
        SlackApiReactionsGetRequest::new().with_channel(channel.clone()).with_timestamp(posted.ts.clone());
    let SlackApiReactionsGetResponse::Message(got) =
        session.reactions_get(&get).await.expect("reactions.get")
    else {
        panic!("reactions.get answered a file");
    };
    let reactions = got.message.content.reactions.expect("reactions");
    assert_eq!((reactions[0].name.0.as_str(), reactions[0].count), ("white_check_mark", 1));
    assert_eq!(fake.reactions(&general, &posted.ts.0, "white_check_mark"), vec![fake.bot_user_id()]);

    let history = SlackApiConversationsHistoryRequest::new().with_channel(channel.clone()).with_limit(10);
    let plain = session.conversations_history(&history).await.expect("history");
    assert!(plain.messages[0].content.metadata.is_none(), "metadata only when asked for");
    let full = session
        .conversations_history(&history.clone().with_include_all_metadata(true))
        .await
        .expect("history");
    let metadata = full.messages[0].content.metadata.clone().expect("metadata");
    assert_eq!(metadata.event_payload.expect("payload")["day"], "1");
    assert_eq!(full.messages[0].content.text.as_deref(), Some("Day 1: lakehouse basics"));

    let boss = SlackUser::new("U0BOSS0001", "boss", true);
    fake.add_user(&boss);
    fake.add_user(&ana());
    let info =
        session.users_info(&SlackApiUsersInfoRequest::new(boss.id.clone().into())).await.expect("users.info");
    assert_eq!(info.user.flags.is_admin, Some(true));
    let info = session.users_info(&SlackApiUsersInfoRequest::new(ana().id.into())).await.expect("users.info");
    assert_eq!((info.user.flags.is_admin, info.user.name.as_deref()), (Some(false), Some("ana")));

    // conversations.open takes `users` as a comma-separated string, as Slack documents it; the
    // JSON array slack-morphism's own request sends is refused, as the bot must not rely on it.
    let open = SlackApiConversationsOpenRequest::new().with_users(vec![ana().id.into()]);
    let refused = session.conversations_open(&open).await.expect_err("users as an array");
    assert!(format!("{refused:?}").contains("invalid_arguments"), "{refused:?}");
    let documented = json!({ "users": ana().id });
    let dm: SlackApiConversationsOpenResponse<SlackBasicChannelInfo> = session
        .http_session_api
        .http_post("conversations.open", &documented, None)
        .await
        .expect("conversations.open");
    assert_eq!(Some(dm.channel.id.0.clone()), fake.dm_channel(&ana().id));
    assert!(dm.channel.id.0.starts_with('D'));
}

#[tokio::test(flavor = "multi_thread")]
async fn tokens_errors_and_rate_limits() {
    let fake = FakeSlack::start().await;
    let general = fake.channel("general");
    let client = client(&fake, None);
    let wrong = SlackApiToken::new("xoxb-wrong".into());
    let err = client.open_session(&wrong).auth_test().await.expect_err("a wrong token");
    assert!(matches!(err, SlackClientError::ApiError(ref e) if e.code == "invalid_auth"), "{err:?}");

    let token = bot_token();
    let session = client.open_session(&token);
    let post = |text: &str| {
        SlackApiChatPostMessageRequest::new(
            general.clone().into(),
            SlackMessageContent::new().with_text(text.into()),
        )
    };
    fake.force_429(1, 2);
    let err = session.chat_post_message(&post("first")).await.expect_err("a forced 429");
    let SlackClientError::RateLimitError(limited) = err else { panic!("not a rate limit error: {err:?}") };
    assert_eq!(limited.retry_after, Some(Duration::from_secs(2)));
    assert_eq!(fake.rate_limited(), 1);

    // A second post to the same channel within a second breaks Slack's per-channel pace.
    tokio::time::sleep(Duration::from_secs(2)).await;
    session.chat_post_message(&post("one")).await.expect("first post");
    let err = session.chat_post_message(&post("two")).await.expect_err("too fast");
    assert!(matches!(err, SlackClientError::RateLimitError(_)), "{err:?}");

    // With rate control and retries, the client waits out Retry-After and never comes back early.
    let config = SlackApiRateControlConfig::new().with_max_retries(3);
    let paced = support::slack_client::client(&fake, Some(config));
    let paced_session = paced.open_session(&token);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    fake.force_429(1, 1);
    paced_session.chat_post_message(&post("three")).await.expect("retried after Retry-After");
    assert_eq!(fake.over_limit_after_429(), 0, "{}", fake.request_log());

    fake.fail_channel(&general, "not_in_channel");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let err = session.chat_post_message(&post("four")).await.expect_err("injected failure");
    assert!(matches!(err, SlackClientError::ApiError(ref e) if e.code == "not_in_channel"), "{err:?}");
    let url = format!("{}files.frobnicate", fake.api_url());
    let unknown = reqwest::Client::new().post(url).bearer_auth(BOT_TOKEN).send().await.expect("post");
    let unknown: serde_json::Value = unknown.json().await.expect("json");
    assert_eq!(unknown["error"], "unknown_method");
    assert_eq!(fake.calls("files.frobnicate").len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn socket_mode_delivers_events_commands_and_interactions() {
    let fake = FakeSlack::start().await;
    let general = fake.channel("general");
    let mut bot = SocketBot::start(&fake).await;
    assert!(fake.wait_connected(WAIT).await, "{}", fake.request_log());
    let token = bot_token();
    let session = bot.client.open_session(&token);
    let request = SlackApiChatPostMessageRequest::new(general.clone().into(), lesson_content());
    let ts = session.chat_post_message(&request).await.expect("post").ts.0;

    let event_id = fake.react(&ana(), &general, &ts, "white_check_mark").await;
    let Seen::Push(callback) = next(&mut bot.seen).await else { panic!("expected a push event") };
    assert_eq!(callback.event_id.0, event_id);
    let SlackEventCallbackBody::ReactionAdded(added) = callback.event else { panic!("{:?}", callback.event) };
    assert_eq!((added.user.0.as_str(), added.reaction.0.as_str()), (ana().id.as_str(), "white_check_mark"));
    let SlackReactionsItem::Message(item) = added.item else { panic!("not a message item") };
    assert_eq!((item.origin.channel.map(|c| c.0), item.origin.ts.0), (Some(general.clone()), ts.clone()));
    assert!(fake.wait_for(WAIT, |f| f.acks(&event_id).len() == 1).await);

    let command_id = fake.command(&ana(), &general, "streak").await;
    let Seen::Command(command) = next(&mut bot.seen).await else { panic!("expected a command") };
    assert_eq!((command.command.0.as_str(), command.text.as_deref()), ("/studybot", Some("streak")));
    assert!(fake.wait_for(WAIT, |f| !f.acks(&command_id).is_empty()).await);
    assert_eq!(fake.acks(&command_id)[0]["payload"]["text"], answer_to("streak"));
    assert_eq!(fake.ephemerals(&ana().id)[0]["via"], "ack");

    // The bot answers later through response_url (slack-morphism posts it without a token).
    let reply = SlackApiPostWebhookMessageRequest::new(SlackMessageContent::new().with_text("later".into()));
    bot.client.respond_to_event(&command.response_url, &reply).await.expect("response_url");
    assert_eq!(fake.responses(&command_id), vec![json!({"text": "later"})]);

    let press_id = fake.press(&ana(), &general, &ts, "done", "day-1", false).await;
    let Seen::Interaction(interaction) = next(&mut bot.seen).await else { panic!("expected an interaction") };
    let SlackInteractionEvent::BlockActions(actions) = *interaction else { panic!("not block_actions") };
    let action = &actions.actions.expect("actions")[0];
    assert_eq!((action.action_id.0.as_str(), action.value.as_deref()), ("done", Some("day-1")));
    assert_eq!(actions.message.expect("the pressed message").origin.ts.0, ts);
    assert!(fake.wait_for(WAIT, |f| f.acks(&press_id).len() == 1).await);
    assert!(fake.acks(&press_id)[0].get("payload").is_none(), "block_actions get a bare ack");

    // The bot's own reaction comes back as an event, as on Slack.
    let channel: SlackChannelId = general.clone().into();
    let add = SlackApiReactionsAddRequest::new(channel, "eyes".into(), ts.clone().into());
    session.reactions_add(&add).await.expect("reactions.add");
    let Seen::Push(own) = next(&mut bot.seen).await else { panic!("expected the bot's own reaction") };
    assert!(
        matches!(own.event, SlackEventCallbackBody::ReactionAdded(ref r) if r.user.0 == fake.bot_user_id())
    );

    // A redelivered event keeps its event_id: the bot's dedupe key.
    fake.redeliver(&event_id).await;
    let Seen::Push(again) = next(&mut bot.seen).await else { panic!("expected the redelivery") };
    assert_eq!(again.event_id.0, event_id);
    assert!(fake.wait_for(WAIT, |f| f.acks(&event_id).len() == 2).await);
    let acks = fake.acks(&event_id);
    assert_ne!(acks[0]["envelope_id"], acks[1]["envelope_id"], "a redelivery is a new envelope");
    assert_eq!(acks[1]["attempt"], 2);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn socket_mode_reconnects_after_disconnect() {
    let fake = FakeSlack::start().await;
    let general = fake.channel("general");
    let config = SlackClientSocketModeConfig::new()
        .with_max_connections_count(1)
        .with_ping_interval_in_seconds(1)
        .with_ping_failure_threshold_times(2);
    let mut bot = SocketBot::start_with(&fake, config).await;
    assert!(fake.wait_connected(WAIT).await);
    assert_eq!(fake.connections(), 1);

    fake.send_disconnect().await;
    assert!(fake.wait_for(WAIT, |f| f.connections() == 2).await, "{}", fake.request_log());
    assert_eq!(fake.calls("apps.connections.open").len(), 2);
    let event_id = fake.react(&ana(), &general, "1700000000.000100", "white_check_mark").await;
    let Seen::Push(callback) = next(&mut bot.seen).await else { panic!("expected a push event") };
    assert_eq!(callback.event_id.0, event_id);

    // The client pings every second here and gives up after two unanswered: the fake pongs.
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(fake.connections(), 2, "pings went unanswered");

    fake.drop_connection().await;
    assert!(fake.wait_for(WAIT, |f| f.connections() == 3).await);
    let command_id = fake.command(&ana(), &general, "progress").await;
    assert!(matches!(next(&mut bot.seen).await, Seen::Command(_)));
    assert!(fake.wait_for(WAIT, |f| !f.acks(&command_id).is_empty()).await);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn http_mode_posts_signed_requests_the_events_layer_accepts() {
    let fake = FakeSlack::start().await;
    let general = fake.channel("general");
    let mut bot = HttpBot::start(&fake).await;
    fake.use_http(&bot.url);
    let (status, body) = fake.url_verification("challenge-42").await;
    assert_eq!((status, body.as_str()), (200, "challenge-42"));

    let event_id = fake.react(&ana(), &general, "1700000000.000100", "white_check_mark").await;
    let Seen::Push(callback) = next(&mut bot.seen).await else { panic!("expected a push event") };
    assert_eq!(callback.event_id.0, event_id);
    assert!(fake.wait_for(WAIT, |f| f.acks(&event_id).len() == 1).await);
    assert_eq!(fake.acks(&event_id)[0]["status"], 200);

    let command_id = fake.command(&ana(), &general, "streak").await;
    assert!(matches!(next(&mut bot.seen).await, Seen::Command(_)));
    assert!(fake.wait_for(WAIT, |f| !f.acks(&command_id).is_empty()).await);
    assert_eq!(fake.acks(&command_id)[0]["body"]["text"], answer_to("streak"));
    assert_eq!(fake.ephemerals(&ana().id)[0]["text"], answer_to("streak"));

    let press_id = fake.press(&ana(), &general, "1700000000.000100", "done", "day-1", true).await;
    assert!(matches!(next(&mut bot.seen).await, Seen::Interaction(_)));
    assert!(fake.wait_for(WAIT, |f| !f.acks(&press_id).is_empty()).await);
    assert_eq!(fake.acks(&press_id)[0]["status"], 200);

    fake.redeliver(&event_id).await;
    assert!(matches!(next(&mut bot.seen).await, Seen::Push(_)));
    assert!(fake.wait_for(WAIT, |f| f.acks(&event_id).len() == 2).await);
    assert_eq!(fake.acks(&event_id)[1]["retry_num"], 1);

    let body = json!({"type": "event_callback"}).to_string();
    let now = chrono::Utc::now().timestamp();
    let signed = |ts: i64, sig: String| {
        vec![
            ("X-Slack-Request-Timestamp".to_string(), ts.to_string()),
            ("X-Slack-Signature".to_string(), sig),
        ]
    };
    let unsigned = fake.post_raw("/events", &body, Vec::new()).await;
    let tampered = fake.post_raw("/events", &body, signed(now, fake.sign(now, "{}"))).await;
    let stale = fake.post_raw("/events", &body, signed(now - 600, fake.sign(now - 600, &body))).await;
    for (what, (status, _)) in [("unsigned", unsigned), ("tampered", tampered), ("stale", stale)] {
        assert_eq!(status, 400, "{what} request accepted");
    }
    assert!(bot.seen.try_recv().is_err(), "a refused request reached a handler");
}

/// A fake Slack with Ana and #general, and a Socket Mode client connected to it.
async fn ana_in_general() -> (FakeSlack, String, SocketBot) {
    let fake = FakeSlack::start().await;
    let general = fake.channel("general");
    fake.add_user(&ana());
    let bot = SocketBot::start(&fake).await;
    assert!(fake.wait_connected(WAIT).await);
    (fake, general, bot)
}

#[tokio::test(flavor = "multi_thread")]
async fn answers_land_where_slack_shows_them() {
    let (fake, general, mut bot) = ana_in_general().await;
    let token = bot_token();
    let session = bot.client.open_session(&token);
    let channel: SlackChannelId = general.clone().into();
    let post = SlackApiChatPostMessageRequest::new(channel.clone(), lesson_content());
    let ts = session.chat_post_message(&post).await.expect("post").ts;

    let text = |t: &str| SlackMessageContent::new().with_text(t.into());
    let update = SlackApiChatUpdateRequest::new(channel.clone(), text("Day 1 (updated)"), ts.clone());
    session.chat_update(&update).await.expect("chat.update");
    assert_eq!(fake.messages(&general)[0]["text"], "Day 1 (updated)");
    assert!(fake.messages(&general)[0]["edited"]["ts"].is_string());

    let only_ana = SlackApiChatPostEphemeralRequest::new(channel.clone(), ana().id.into(), text("only you"));
    session.chat_post_ephemeral(&only_ana).await.expect("chat.postEphemeral");
    let shown = fake.ephemerals(&ana().id);
    assert_eq!(
        (shown[0]["via"].as_str(), shown[0]["text"].as_str()),
        (Some("chat.postEphemeral"), Some("only you"))
    );
    let ephemeral_ts = shown[0]["message_ts"].as_str().expect("message_ts").to_string();

    // A press on an ephemeral message: no `message`, and the container says so.
    let press_id = fake.press(&ana(), &general, &ephemeral_ts, "quiz_a", "a", true).await;
    let Seen::Interaction(interaction) = next(&mut bot.seen).await else { panic!("expected an interaction") };
    let SlackInteractionEvent::BlockActions(actions) = *interaction else { panic!("not block_actions") };
    assert!(actions.message.is_none());
    let SlackInteractionActionContainer::Message(container) = &actions.container else { panic!("container") };
    assert_eq!(container.is_ephemeral, Some(true));
    let replace = SlackApiPostWebhookMessageRequest::new(text("Answer recorded")).with_replace_original(true);
    let url = actions.response_url.expect("response_url");
    bot.client.respond_to_event(&url, &replace).await.expect("response_url");
    assert_eq!(fake.responses(&press_id)[0]["replace_original"], true);
    assert_eq!(fake.ephemerals(&ana().id)[1]["via"], "response_url");
    // It replaced the pressed message: Ana sees the answer in its place, not both.
    let now_shown = fake.shown_ephemerals(&ana().id);
    assert_eq!(now_shown.len(), 1, "{now_shown:?}");
    assert_eq!(
        (now_shown[0]["text"].as_str(), now_shown[0]["message_ts"].as_str()),
        (Some("Answer recorded"), Some(ephemeral_ts.as_str()))
    );
    // Without replace_original an answer is a second message.
    let more = SlackApiPostWebhookMessageRequest::new(text("and more"));
    bot.client.respond_to_event(&url, &more).await.expect("a second answer");
    assert_eq!(fake.shown_ephemerals(&ana().id).len(), 2);

    // On a channel message, replace_original edits it and delete_original removes it.
    let done = fake.press(&ana(), &general, &ts.0, "done", "day-1", false).await;
    let Seen::Interaction(_) = next(&mut bot.seen).await else { panic!("expected an interaction") };
    let url = fake.delivered(&done).expect("payload")["response_url"].as_str().expect("url").to_string();
    let url: SlackResponseUrl = url::Url::parse(&url).expect("url").into();
    bot.client.respond_to_event(&url, &replace).await.expect("replace");
    assert_eq!(fake.messages(&general)[0]["text"], "Answer recorded");
    let delete =
        SlackApiPostWebhookMessageRequest::new(SlackMessageContent::new()).with_delete_original(true);
    bot.client.respond_to_event(&url, &delete).await.expect("delete");
    assert!(fake.messages(&general).is_empty());
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_entity_in_plain_text_is_refused_wherever_blocks_go() {
    let (fake, general, mut bot) = ana_in_general().await;
    let token = bot_token();
    let session = bot.client.open_session(&token);
    // Slack shows plain_text as written: "&amp;" would reach members as "&amp;". mrkdwn decodes it.
    let header = |t: &str| -> SlackMessageContent {
        let blocks = slack_blocks![
            some_into(SlackHeaderBlock::new(pt!(t))),
            some_into(SlackSectionBlock::new().with_text(md!("Tom &amp; Jerry")))
        ];
        SlackMessageContent::new().with_text("Day 122".into()).with_blocks(blocks)
    };
    let escaped =
        SlackApiChatPostMessageRequest::new(general.clone().into(), header("Setup &amp; First Table"));
    let err = session.chat_post_message(&escaped).await.expect_err("an entity in a header");
    let SlackClientError::ApiError(refused) = err else { panic!("not an API error: {err:?}") };
    assert_eq!(refused.code, "invalid_blocks", "{refused:?}");
    // Another channel: chat.postMessage allows about one message a second per channel.
    let random = fake.channel("random");
    let plain = SlackApiChatPostMessageRequest::new(random.into(), header("Setup & First Table"));
    session.chat_post_message(&plain).await.expect("a header as written");

    // The same check on a response_url: 400 invalid_blocks, nothing shown.
    let _press = fake.press(&ana(), &general, "1700000000.000100", "quiz_a", "a", true).await;
    let Seen::Interaction(interaction) = next(&mut bot.seen).await else { panic!("expected an interaction") };
    let SlackInteractionEvent::BlockActions(actions) = *interaction else { panic!("not block_actions") };
    let url = actions.response_url.expect("response_url");
    let answer = SlackApiPostWebhookMessageRequest::new(header("Q&amp;A"));
    bot.client.respond_to_event(&url, &answer).await.expect_err("an entity in a header, by response_url");
    assert!(fake.ephemerals(&ana().id).is_empty(), "{:?}", fake.ephemerals(&ana().id));
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn history_pages_and_posts_are_validated() {
    let fake = FakeSlack::start().await;
    let log = fake.channel("log");
    fake.set_rate_limit((10, Duration::from_secs(1)));
    let client = client(&fake, None);
    let token = bot_token();
    let session = client.open_session(&token);
    let channel: SlackChannelId = log.clone().into();
    for n in 1..=3 {
        let content = SlackMessageContent::new().with_text(format!("post {n}"));
        session
            .chat_post_message(&SlackApiChatPostMessageRequest::new(channel.clone(), content))
            .await
            .expect("post");
    }
    let first = SlackApiConversationsHistoryRequest::new().with_channel(channel.clone()).with_limit(2);
    let page = session.conversations_history(&first).await.expect("history");
    let texts = |p: &SlackApiConversationsHistoryResponse| {
        p.messages.iter().map(|m| m.content.text.clone().unwrap_or_default()).collect::<Vec<_>>()
    };
    assert_eq!((texts(&page), page.has_more), (vec!["post 3".to_string(), "post 2".to_string()], Some(true)));
    let cursor = page.response_metadata.and_then(|m| m.next_cursor).expect("cursor");
    let rest = session.conversations_history(&first.with_cursor(cursor)).await.expect("history");
    assert_eq!((texts(&rest), rest.has_more), (vec!["post 1".to_string()], Some(false)));

    let error_of = |result: Result<SlackApiChatPostMessageResponse, SlackClientError>| match result {
        Err(SlackClientError::ApiError(e)) => e.code,
        other => panic!("expected an API error, got {other:?}"),
    };
    let empty = SlackApiChatPostMessageRequest::new(channel.clone(), SlackMessageContent::new());
    assert_eq!(error_of(session.chat_post_message(&empty).await), "no_text");
    let blocks: Vec<SlackBlock> =
        (0..51).map(|_| SlackSectionBlock::new().with_text(md!("x")).into()).collect();
    let too_many =
        SlackApiChatPostMessageRequest::new(channel.clone(), SlackMessageContent::new().with_blocks(blocks));
    assert_eq!(error_of(session.chat_post_message(&too_many).await), "invalid_blocks");
    let nowhere = SlackApiChatPostMessageRequest::new(
        "C0NOWHERE".into(),
        SlackMessageContent::new().with_text("x".into()),
    );
    assert_eq!(error_of(session.chat_post_message(&nowhere).await), "channel_not_found");
}
