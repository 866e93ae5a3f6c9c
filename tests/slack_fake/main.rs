//! The real slack-morphism 2.31.1 client against the fake Slack: Web API methods and errors,
//! rate limits, Socket Mode (events, commands, interactions, reconnect) and signed HTTP delivery.

#[path = "../support/mod.rs"]
mod support;

mod answers;
mod socket;

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
