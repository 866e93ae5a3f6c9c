//! Socket Mode (events, commands, interactions, a reconnect) and signed HTTP delivery, through the
//! real client against the fake Slack.

use super::*;

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
