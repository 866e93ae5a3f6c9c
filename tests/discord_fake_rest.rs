//! serenity 0.12.5's HTTP client (limiter off, proxy on) against the fake Discord's REST API:
//! nonce dedupe, message limits, failures, 429s and headers, commands, DMs, files and history.

mod support;

use std::panic::AssertUnwindSafe;
use std::time::Duration;

use futures_util::FutureExt;

use serde_json::{Value, json};
use serenity::all::{
    ApplicationId, ChannelId, Command, CommandOptionType, CreateAttachment, CreateCommand,
    CreateCommandOption, CreateMessage, GetMessages, GuildId, HttpBuilder, InteractionContext, Nonce,
    Permissions, UserId,
};
use serenity::http::{ErrorResponse, Http, HttpError};
use support::fake_discord::{BOT_TOKEN, FakeDiscord, FakeUser};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn http_for(fake: &FakeDiscord, token: &str) -> Http {
    HttpBuilder::new(token).proxy(fake.url()).ratelimiter_disabled(true).build()
}

fn http_error(err: serenity::Error) -> ErrorResponse {
    match err {
        serenity::Error::Http(HttpError::UnsuccessfulRequest(response)) => response,
        other => panic!("expected an HTTP error response, got {other:?}"),
    }
}

/// A plain HTTP/1.1 GET, to see the status line, headers and body serenity does not expose.
async fn raw_get(fake: &FakeDiscord, path: &str, token: &str) -> (u16, String, Value) {
    let addr = fake.url().trim_start_matches("http://").to_string();
    let mut stream = TcpStream::connect(&addr).await.expect("connect");
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bot {token}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.expect("read");
    let text = String::from_utf8_lossy(&response);
    let (head, body) = text.split_once("\r\n\r\n").expect("head and body");
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("status");
    (status, head.to_ascii_lowercase(), serde_json::from_str(body).unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_repeated_nonce_returns_the_first_message_and_broken_limits_are_invalid_form_bodies() {
    let fake = FakeDiscord::start().await;
    let study = ChannelId::new(fake.channel("study"));
    let http = http_for(&fake, BOT_TOKEN);
    let post =
        || CreateMessage::new().content("Day 1").nonce(Nonce::String("c1-d1".into())).enforce_nonce(true);
    let first = study.send_message(&http, post()).await.expect("first post");
    let second = study.send_message(&http, post()).await.expect("same nonce");
    assert_eq!((first.id, fake.messages(study.get()).len()), (second.id, 1));
    assert_eq!(fake.messages(study.get())[0]["nonce"], json!("c1-d1"));

    let too_big = json!({"content": "x".repeat(2001), "embeds": [{"title": "t".repeat(257)}]});
    let err = http_error(http.send_message(study, vec![], &too_big).await.expect_err("over the limits"));
    let paths: Vec<_> = err.error.errors.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        (err.status_code.as_u16(), err.error.code, paths),
        (400, 50035, vec!["content", "embeds.0.title"])
    );
    let fields: Vec<Value> = (0..26).map(|i| json!({"name": format!("f{i}"), "value": "v"})).collect();
    let button = |i: usize| json!({"type": 2, "style": 1, "label": "L", "custom_id": format!("b{i}")});
    let rows: Vec<Value> = (0..6).map(|i| json!({"type": 1, "components": [button(i)]})).collect();
    let embed = json!({"description": "d".repeat(4097), "fields": fields});
    let crowded = json!({"embeds": [embed], "components": rows, "nonce": "n".repeat(26)});
    let err = http_error(http.send_message(study, vec![], &crowded).await.expect_err("crowded"));
    let mut paths: Vec<_> = err.error.errors.iter().map(|e| e.path.as_str()).collect();
    paths.sort_unstable();
    assert_eq!(paths, ["components", "embeds.0.description", "embeds.0.fields", "nonce"]);
    let err = http_error(http.send_message(study, vec![], &json!({"content": ""})).await.expect_err("empty"));
    assert_eq!(err.error.code, 50006);

    let closed = ChannelId::new(fake.channel("closed"));
    fake.fail_channel(closed.get(), 403);
    let err = http_error(closed.say(&http, "hello").await.expect_err("no access"));
    assert_eq!((err.status_code.as_u16(), err.error.code), (403, 50001));
    fake.fail_channel(closed.get(), 0);
    closed.say(&http, "hello").await.expect("access restored");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_429_blocks_its_scope_for_retry_after_and_serenity_sees_only_the_status() {
    let fake = FakeDiscord::start().await;
    let study = ChannelId::new(fake.channel("study"));
    let http = http_for(&fake, BOT_TOKEN);
    fake.force_429(1, 0.8, false);
    let err = http_error(study.say(&http, "Day 2").await.expect_err("429"));
    assert_eq!(err.status_code.as_u16(), 429);
    // Discord's 429 body has no `code`, which serenity's error type requires: retry_after is lost.
    assert_eq!(err.error.code, -1);
    let early = study.say(&http, "Day 2").await.expect_err("still blocked");
    assert_eq!(http_error(early).status_code.as_u16(), 429);
    assert_eq!((fake.rate_limited(), fake.over_limit_after_429()), (2, 1));
    tokio::time::sleep(Duration::from_millis(900)).await;
    study.say(&http, "Day 2").await.expect("after retry_after");
    assert_eq!(fake.over_limit_after_429(), 1);

    fake.force_429(1, 0.5, true);
    let (status, headers, body) = raw_get(&fake, "/api/v10/users/@me", BOT_TOKEN).await;
    assert_eq!(
        (status, &body),
        (429, &json!({"message": "You are being rate limited.", "retry_after": 0.5, "global": true}))
    );
    for header in ["retry-after: 1", "x-ratelimit-global: true", "x-ratelimit-scope: global"] {
        assert!(headers.contains(header), "{header} missing in {headers}");
    }
    tokio::time::sleep(Duration::from_millis(600)).await;
    let (status, headers, _) = raw_get(&fake, "/api/v10/users/@me", BOT_TOKEN).await;
    assert_eq!(status, 200);
    for header in [
        "x-ratelimit-limit:",
        "x-ratelimit-remaining:",
        "x-ratelimit-reset:",
        "x-ratelimit-reset-after:",
        "x-ratelimit-bucket:",
    ] {
        assert!(headers.contains(header), "{header} missing in {headers}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn per_channel_and_global_limits_answer_429_with_their_scope() {
    let fake = FakeDiscord::start().await;
    let (study, other) = (ChannelId::new(fake.channel("study")), ChannelId::new(fake.channel("other")));
    let http = http_for(&fake, BOT_TOKEN);
    fake.set_limits(50, (2, Duration::from_millis(500)));
    study.say(&http, "1").await.expect("1");
    study.say(&http, "2").await.expect("2");
    let err = http_error(study.say(&http, "3").await.expect_err("third in the window"));
    assert_eq!(err.status_code.as_u16(), 429);
    other.say(&http, "elsewhere").await.expect("another channel's bucket");
    tokio::time::sleep(Duration::from_millis(550)).await;
    study.say(&http, "3").await.expect("the window moved on");
    assert_eq!((fake.rate_limited(), fake.over_limit_after_429()), (1, 0));

    fake.set_limits(2, (5, Duration::from_secs(5)));
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let statuses = [
        raw_get(&fake, "/api/v10/users/@me", BOT_TOKEN).await.0,
        raw_get(&fake, "/api/v10/users/@me", BOT_TOKEN).await.0,
        raw_get(&fake, "/api/v10/users/@me", BOT_TOKEN).await.0,
    ];
    assert_eq!(statuses, [200, 200, 429]);
    let (_, headers, body) = raw_get(&fake, "/api/v10/users/@me", BOT_TOKEN).await;
    assert!(
        headers.contains("x-ratelimit-scope: global") && body["global"] == json!(true),
        "{headers} {body}"
    );
    assert_eq!(fake.over_limit_after_429(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_token_gets_401_and_unknown_routes_404_all_recorded() {
    let fake = FakeDiscord::start().await;
    let err = http_error(http_for(&fake, "wrong-token").get_current_user().await.expect_err("401"));
    assert_eq!((err.status_code.as_u16(), err.error.message.as_str()), (401, "401: Unauthorized"));
    let (status, _, body) = raw_get(&fake, "/api/v10/guilds/1/audit-logs", BOT_TOKEN).await;
    assert_eq!((status, body), (404, json!({"message": "404: Not Found", "code": 0})));
    let requests = fake.requests();
    assert_eq!(requests.len(), 2);
    assert!(!requests[0].authorized && requests[1].authorized);
    assert_eq!((requests[1].path.as_str(), requests[1].status), ("/api/v10/guilds/1/audit-logs", 404));
}

#[tokio::test(flavor = "multi_thread")]
async fn commands_application_dm_files_and_history_parse_in_serenity() {
    let fake = FakeDiscord::start().await;
    let study = ChannelId::new(fake.channel("study"));
    let http = http_for(&fake, BOT_TOKEN);
    assert_eq!(http.get_current_user().await.expect("me").id.get(), fake.bot_id());
    assert_eq!(http.get_current_application_info().await.expect("app").id.get(), fake.app_id());
    http.set_application_id(ApplicationId::new(fake.app_id()));
    let grace = CreateCommandOption::new(CommandOptionType::Integer, "grace", "Minutes of grace");
    let settings = CreateCommandOption::new(CommandOptionType::SubCommand, "settings", "Change settings")
        .add_sub_option(grace);
    let command = || {
        CreateCommand::new("studybot")
            .description("Study coach")
            .default_member_permissions(Permissions::MANAGE_GUILD)
            .add_option(settings.clone())
    };
    let guild = GuildId::new(fake.guild_id());
    let registered = guild.set_commands(&http, vec![command()]).await.expect("guild commands");
    assert_eq!(registered[0].default_member_permissions, Some(Permissions::MANAGE_GUILD));
    let again = guild.set_commands(&http, vec![command()]).await.expect("overwrite");
    assert_eq!(again[0].id, registered[0].id, "a command keeps its id across overwrites");
    Command::set_global_commands(&http, vec![CreateCommand::new("streak").description("Your streak")])
        .await
        .expect("global");
    let scopes: Vec<_> =
        fake.commands().iter().map(|c| c["scope"].as_str().unwrap_or("").to_owned()).collect();
    assert_eq!(scopes, ["guild", "global"]);
    let err = http_error(
        guild
            .set_commands(&http, vec![CreateCommand::new("Studybot").description("x")])
            .await
            .expect_err("uppercase"),
    );
    assert_eq!((err.error.code, err.error.errors[0].path.as_str()), (50035, "0.name"));

    let dm = UserId::new(1001).create_dm_channel(&http).await.expect("DM channel");
    assert_eq!(dm.recipient.id.get(), 1001);
    dm.id.say(&http, "Your streak: 3").await.expect("DM");
    assert_eq!(fake.dm_messages(1001)[0]["content"], json!("Your streak: 3"));

    let file = CreateAttachment::bytes(vec![137, 80, 78, 71], "chart.png");
    let chart = study
        .send_message(&http, CreateMessage::new().content("Leaderboard").add_file(file))
        .await
        .expect("file");
    assert_eq!((chart.attachments[0].filename.as_str(), chart.attachments[0].size), ("chart.png", 4));
    assert_eq!(fake.requests().last().expect("recorded").body["content"], json!("Leaderboard"));
    let later = study.say(&http, "Day 2").await.expect("post");
    let page = study.messages(&http, GetMessages::new().limit(2)).await.expect("history");
    assert_eq!(page.iter().map(|m| m.id).collect::<Vec<_>>(), [later.id, chart.id], "newest first");
}

/// Registrations are checked against the OpenAPI spec's option types and contexts; what a member
/// can then invoke is what the registration offers there, as Discord's client builds it.
#[tokio::test(flavor = "multi_thread")]
async fn registrations_follow_the_spec_and_invocations_follow_the_registrations() {
    let fake = FakeDiscord::start().await;
    let study = fake.channel("study");
    let http = http_for(&fake, BOT_TOKEN);
    http.set_application_id(ApplicationId::new(fake.app_id()));
    let option = |kind| CreateCommandOption::new(kind, "member", "a member of the cohort");
    let unknown =
        CreateCommand::new("progress").description("x").add_option(option(CommandOptionType::Unknown(12)));
    let err = http_error(Command::set_global_commands(&http, vec![unknown]).await.expect_err("type 12"));
    assert_eq!((err.error.code, err.error.errors[0].path.as_str()), (50035, "0.options.0.type"));
    let nowhere =
        CreateCommand::new("streak").description("x").contexts(vec![InteractionContext::Unknown(7)]);
    let err = http_error(Command::set_global_commands(&http, vec![nowhere]).await.expect_err("context 7"));
    assert_eq!(err.error.errors[0].path, "0.contexts");

    let progress = CreateCommand::new("progress")
        .description("Progress")
        .add_option(option(CommandOptionType::User))
        .contexts(vec![InteractionContext::Guild]);
    let streak = CreateCommand::new("streak").description("Your streak");
    Command::set_global_commands(&http, vec![progress, streak]).await.expect("registered");
    let bo = FakeUser::new(1002, "bo", false);
    let dm = fake.dm_with(&bo);
    assert!(fake.offered("progress", study) && !fake.offered("progress", dm), "contexts: [0]");
    assert!(fake.offered("streak", dm), "without contexts Discord offers a command everywhere");
    let typed = json!([{"name": "member", "type": 3, "value": "<@1001>"}]);
    let invoke = |channel, options| AssertUnwindSafe(fake.slash(&bo, channel, "progress", None, options));
    assert!(invoke(study, typed).catch_unwind().await.is_err(), "a USER option is picked, never typed");
    assert!(invoke(dm, json!([])).catch_unwind().await.is_err(), "not offered in a DM");
    invoke(study, json!([{"name": "member", "type": 6, "value": "1001"}])).await;
}
