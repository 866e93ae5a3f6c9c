//! Where a bot's answers land (ephemeral, threads, response_url) and what the fake refuses
//! (entities in plain text, bad history pages).

use super::*;

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
