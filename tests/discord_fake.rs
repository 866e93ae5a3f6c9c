//! The real serenity 0.12.5 client against the fake Discord: gateway lifecycle (READY, heartbeats,
//! RESUME, RECONNECT, INVALID_SESSION), interactions, reactions, REST limits and failures, and
//! guilds on their shards. The client is `support::discord_client`'s.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde_json::json;
use serenity::all::{
    ChannelId, CommandDataOptionValue, CreateCommand, CreateInteractionResponse,
    CreateInteractionResponseFollowup, CreateInteractionResponseMessage, EditInteractionResponse, Event,
    GuildId, Interaction, Permissions, ReactionType, UserId,
};
use support::discord_client::{Bot, Seen, WAIT, http_error, interaction, post_lesson, reaction_added};
use support::fake_discord::{BOT_TOKEN, FakeDiscord, FakeUser};

#[tokio::test(flavor = "multi_thread")]
async fn connect_identifies_with_the_intents_and_heartbeats_are_acked() {
    let fake = FakeDiscord::start_with_heartbeat(Duration::from_millis(300)).await;
    let mut bot = Bot::start(&fake, BOT_TOKEN).await;
    let ready = bot.ready().await;
    assert_eq!(ready.application.id.get(), fake.app_id());
    assert_eq!(ready.user.id.get(), fake.bot_id());
    let guild = *bot.next("GUILD_CREATE", |s| if let Seen::Guild(g) = s { Some(g) } else { None }).await;
    assert_eq!(guild.id.get(), fake.guild_id());
    let identify = fake.last_identify().expect("IDENTIFY");
    assert_eq!(identify["intents"], json!(1 | 1 << 10 | 1 << 13), "{identify}");
    assert!(fake.wait_ready(WAIT).await);
    // Serenity restarts the shard when a heartbeat goes unacknowledged for an interval, so three
    // heartbeats on one IDENTIFY prove the acks arrive.
    assert!(
        fake.wait_for(WAIT, |f| f.heartbeat_count() >= 3).await,
        "heartbeats: {}",
        fake.heartbeat_count()
    );
    assert_eq!(fake.last_heartbeat_seq(), Some(2), "READY is s=1, GUILD_CREATE s=2");
    assert_eq!((fake.identify_count(), fake.resume_count()), (1, 0));
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn slash_command_reaches_the_handler_and_its_responses_reach_the_fake() {
    let fake = FakeDiscord::start().await;
    let study = fake.channel("study");
    let mut bot = Bot::start(&fake, BOT_TOKEN).await;
    bot.ready().await;
    let admin = FakeUser::new(1001, "ada", true);
    let options = json!([{"name": "grace", "type": 4, "value": 30}]);
    let id = fake.slash(&admin, study, "studybot", Some("settings"), options).await;
    let Interaction::Command(command) = bot.next("INTERACTION_CREATE", interaction).await else {
        panic!("expected a command interaction");
    };
    assert_eq!(command.id.to_string(), id);
    assert_eq!((command.data.name.as_str(), command.user.id.get()), ("studybot", 1001));
    let CommandDataOptionValue::SubCommand(sub) = &command.data.options[0].value else {
        panic!("subcommand")
    };
    assert_eq!(
        (command.data.options[0].name.as_str(), &sub[0].value),
        ("settings", &CommandDataOptionValue::Integer(30))
    );
    let permissions = command.member.as_ref().and_then(|m| m.permissions).expect("member permissions");
    assert!(permissions.contains(Permissions::MANAGE_GUILD));
    let reply = CreateInteractionResponseMessage::new().content("Saved.").ephemeral(true);
    command.create_response(&bot.http, CreateInteractionResponse::Message(reply)).await.expect("callback");
    command
        .create_followup(&bot.http, CreateInteractionResponseFollowup::new().content("More."))
        .await
        .expect("follow-up");
    command.edit_response(&bot.http, EditInteractionResponse::new().content("Saved!")).await.expect("edit");
    let responses = fake.responses(&id);
    let kinds: Vec<_> = responses.iter().map(|r| r["kind"].as_str().unwrap_or("")).collect();
    assert_eq!(kinds, ["callback", "followup", "edit"]);
    assert_eq!(
        (responses[0]["body"]["type"].as_u64(), responses[0]["body"]["data"]["flags"].as_u64()),
        (Some(4), Some(64))
    );
    let again = CreateInteractionResponse::Message(CreateInteractionResponseMessage::new().content("twice"));
    let err = http_error(command.create_response(&bot.http, again).await.expect_err("second callback"));
    assert_eq!((err.status_code.as_u16(), err.error.code), (400, 40060));

    let member = FakeUser::new(1002, "bo", false);
    let lesson = post_lesson(&bot.http, study).await;
    let id = fake.press(&member, study, lesson.id.get(), "done:1", false).await;
    let Interaction::Component(press) = bot.next("button press", interaction).await else {
        panic!("component")
    };
    assert_eq!((press.data.custom_id.as_str(), press.message.id), ("done:1", lesson.id));
    assert!(
        !press
            .member
            .as_ref()
            .and_then(|m| m.permissions)
            .expect("perms")
            .contains(Permissions::MANAGE_GUILD)
    );
    let update = CreateInteractionResponseMessage::new().content("Day 1 — done by 1");
    press.create_response(&bot.http, CreateInteractionResponse::UpdateMessage(update)).await.expect("update");
    assert_eq!(fake.responses(&id)[0]["body"]["type"], json!(7));
    assert_eq!(fake.message(lesson.id.get()).expect("lesson")["content"], json!("Day 1 — done by 1"));
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn reactions_reach_the_handler_in_sequence_and_the_bots_own_is_stored_and_dispatched() {
    let fake = FakeDiscord::start_with_heartbeat(Duration::from_millis(300)).await;
    let study = fake.channel("study");
    let mut bot = Bot::start(&fake, BOT_TOKEN).await;
    bot.ready().await;
    let lesson = post_lesson(&bot.http, study).await.id;
    let ada = FakeUser::new(1001, "ada", false);
    fake.react(&ada, study, lesson.get(), "✅").await;
    let added = bot.next("reaction add", reaction_added).await;
    assert_eq!(
        (added.user_id.map(|u| u.get()), added.guild_id.map(|g| g.get())),
        (Some(1001), Some(fake.guild_id()))
    );
    assert!(added.emoji.unicode_eq("✅") && added.member.is_some() && added.message_id == lesson);
    fake.unreact(&ada, study, lesson.get(), "✅").await;
    let removed =
        bot.next("reaction remove", |s| if let Seen::ReactionRemove(r) = s { Some(r) } else { None }).await;
    assert_eq!(removed.user_id.map(|u| u.get()), Some(1001));
    assert!(fake.reactions(study, lesson.get(), "✅").is_empty());

    let check = ReactionType::Unicode("✅".into());
    bot.http.create_reaction(ChannelId::new(study), lesson, &check).await.expect("bot reacts");
    assert_eq!(fake.reactions(study, lesson.get(), "✅"), [fake.bot_id()]);
    let own = bot.next("the bot's own reaction", reaction_added).await;
    assert_eq!(own.user_id.map(|u| u.get()), Some(fake.bot_id()));
    fake.react(&ada, study, lesson.get(), "✅").await;
    let users =
        bot.http.get_reaction_users(ChannelId::new(study), lesson, &check, 100, None).await.expect("users");
    assert_eq!(users.iter().map(|u| u.id.get()).collect::<Vec<_>>(), [1001, fake.bot_id()]);
    let after = bot
        .http
        .get_reaction_users(ChannelId::new(study), lesson, &check, 100, Some(1001))
        .await
        .expect("page");
    assert_eq!(after.len(), 1);
    // READY 1, GUILD_CREATE 2, add 3, remove 4, the bot's add 5, add 6: the heartbeat carries the
    // last sequence the client saw.
    assert!(
        fake.wait_for(WAIT, |f| f.last_heartbeat_seq() == Some(6)).await,
        "seq {:?}",
        fake.last_heartbeat_seq()
    );
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dropped_connection_resumes_and_replays_what_was_dispatched_meanwhile_once() {
    let fake = FakeDiscord::start().await;
    let study = fake.channel("study");
    let mut bot = Bot::start(&fake, BOT_TOKEN).await;
    bot.ready().await;
    bot.next("GUILD_CREATE", |s| matches!(s, Seen::Guild(_)).then_some(())).await;
    let lesson = post_lesson(&bot.http, study).await.id.get();
    let session = fake.session_id().expect("session");
    fake.drop_connection().await;
    let ada = FakeUser::new(1001, "ada", false);
    fake.react(&ada, study, lesson, "✅").await;
    let id = fake.slash(&ada, study, "streak", None, json!([])).await;
    assert!(fake.wait_for(WAIT, |f| f.resume_count() == 1 && f.identify_count() == 1).await);
    assert!(fake.wait_ready(WAIT).await);
    let resume = fake.last_resume().expect("RESUME");
    assert_eq!((resume["session_id"].as_str(), resume["seq"].as_u64()), (Some(session.as_str()), Some(2)));
    let seen = bot.drain(Duration::from_secs(2)).await;
    let adds =
        seen.iter().filter(|s| matches!(s, Seen::ReactionAdd(r) if r.message_id.get() == lesson)).count();
    let slashes =
        seen.iter().filter(|s| matches!(s, Seen::Interaction(i) if i.id().to_string() == id)).count();
    assert_eq!((adds, slashes), (1, 1), "{seen:?}");
    assert!(seen.iter().any(|s| matches!(s, Seen::Resumed)));
    // Both were sequenced before RESUMED, on no connection: they arrived by replay.
    let order: Vec<String> =
        fake.dispatched().iter().map(|f| f["t"].as_str().unwrap_or("").to_owned()).collect();
    let at = |t: &str| order.iter().position(|o| o == t).unwrap_or_else(|| panic!("no {t} in {order:?}"));
    assert!(
        at("MESSAGE_REACTION_ADD") < at("RESUMED") && at("INTERACTION_CREATE") < at("RESUMED"),
        "{order:?}"
    );
    assert_eq!((fake.identify_count(), fake.resume_count()), (1, 1));
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn reconnect_resumes_and_an_invalid_session_identifies_again() {
    let fake = FakeDiscord::start().await;
    let study = fake.channel("study");
    let mut bot = Bot::start(&fake, BOT_TOKEN).await;
    bot.ready().await;
    fake.send_reconnect().await;
    bot.next("RESUMED after op 7", |s| matches!(s, Seen::Resumed).then_some(())).await;
    assert_eq!((fake.identify_count(), fake.resume_count()), (1, 1));
    let lesson = post_lesson(&bot.http, study).await.id.get();
    fake.react(&FakeUser::new(1001, "ada", false), study, lesson, "✅").await;
    bot.next("a reaction on the resumed connection", reaction_added).await;

    fake.send_invalid_session(false).await;
    // serenity waits 5 s between IDENTIFYs of a shard, and restarting the shard takes its time.
    let ready = tokio::time::timeout(Duration::from_secs(30), bot.ready()).await.expect("READY again");
    assert_eq!(ready.application.id.get(), fake.app_id());
    assert_eq!((fake.identify_count(), fake.resume_count()), (2, 1));
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_token_gets_401_from_rest_and_4004_from_the_gateway() {
    let fake = FakeDiscord::start().await;
    let bot = Bot::start(&fake, "wrong-token").await;
    let err = http_error(bot.http.get_current_user().await.expect_err("401"));
    assert_eq!(err.status_code.as_u16(), 401);
    let ended = tokio::time::timeout(WAIT, bot.run).await.expect("client.start returns").expect("joined");
    assert!(
        matches!(
            ended,
            Err(serenity::Error::Gateway(serenity::gateway::GatewayError::InvalidAuthentication))
        ),
        "{ended:?}"
    );
    assert_eq!(fake.identify_count(), 1);
    assert!(!fake.requests().iter().any(|r| r.authorized));
}

#[tokio::test(flavor = "multi_thread")]
async fn every_dispatched_payload_is_an_event_serenity_knows() {
    let fake = FakeDiscord::start().await;
    let study = fake.channel("study");
    let mut bot = Bot::start(&fake, BOT_TOKEN).await;
    bot.ready().await;
    let (ada, bo) = (FakeUser::new(1001, "ada", true), FakeUser::new(1002, "bo", false));
    fake.channel("week-2");
    let lesson = post_lesson(&bot.http, study).await.id.get();
    fake.react(&bo, study, lesson, "✅").await;
    fake.react(&bo, study, lesson, "studyparrot:1200000000000000001").await;
    fake.unreact(&bo, study, lesson, "✅").await;
    fake.slash(&ada, study, "studybot", Some("pause"), json!([])).await;
    fake.press(&bo, study, lesson, "done:1", false).await;
    fake.press(&bo, study, lesson, "done:1", true).await;
    let dm = UserId::new(1002).create_dm_channel(&bot.http).await.expect("DM channel");
    let note = dm.id.say(&bot.http, "Your streak: 3").await.expect("DM").id.get();
    fake.react(&bo, dm.id.get(), note, "👍").await;
    fake.slash(&bo, dm.id.get(), "streak", None, json!([])).await;
    // Eight events above reach the handler; with READY, GUILD_CREATE and CHANNEL_CREATE, eleven
    // frames went out.
    let seen = bot.drain(Duration::from_secs(2)).await;
    let handled = seen
        .iter()
        .filter(|s| matches!(s, Seen::Interaction(_) | Seen::ReactionAdd(_) | Seen::ReactionRemove(_)));
    assert_eq!(handled.count(), 8, "{seen:?}");
    let frames = fake.dispatched();
    assert_eq!(frames.len(), 11, "{frames:?}");
    for frame in frames {
        let event: Event = serde_json::from_value(json!({"t": frame["t"], "d": frame["d"]}))
            .unwrap_or_else(|e| panic!("{e}: {frame}"));
        assert!(!matches!(event, Event::Unknown(_)), "serenity did not recognise {frame}");
    }
    assert!(fake.withheld().is_empty());
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_resume_of_an_expired_session_is_refused_and_the_client_identifies_again() {
    let fake = FakeDiscord::start().await;
    let mut bot = Bot::start(&fake, BOT_TOKEN).await;
    bot.ready().await;
    fake.expire_session().await;
    fake.drop_connection().await;
    let ready = tokio::time::timeout(Duration::from_secs(30), bot.ready()).await.expect("READY again");
    assert_eq!(ready.session_id, fake.session_id().expect("a new session"));
    assert_eq!((fake.identify_count(), fake.resume_count()), (2, 1));
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deferred_reply_is_completed_by_editing_the_original() {
    let fake = FakeDiscord::start().await;
    let study = fake.channel("study");
    let mut bot = Bot::start(&fake, BOT_TOKEN).await;
    bot.ready().await;
    let id = fake.slash(&FakeUser::new(1001, "ada", false), study, "progress", None, json!([])).await;
    let Interaction::Command(command) = bot.next("INTERACTION_CREATE", interaction).await else {
        panic!("expected a command interaction");
    };
    let defer = CreateInteractionResponse::Defer(CreateInteractionResponseMessage::new().ephemeral(true));
    command.create_response(&bot.http, defer).await.expect("deferred");
    let thinking = command.get_response(&bot.http).await.expect("@original");
    assert_eq!(thinking.flags.map(|f| f.bits()), Some(64 | 128), "ephemeral and loading");
    let done = command
        .edit_response(&bot.http, EditInteractionResponse::new().content("Day 3 of 30"))
        .await
        .expect("edit");
    assert_eq!(
        (done.id, done.content.as_str(), done.flags.map(|f| f.bits())),
        (thinking.id, "Day 3 of 30", Some(64))
    );
    let kinds: Vec<_> =
        fake.responses(&id).iter().map(|r| r["kind"].as_str().unwrap_or("").to_owned()).collect();
    assert_eq!(kinds, ["callback", "edit"]);
    assert!(fake.messages(study).is_empty(), "interaction replies are not channel posts");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn each_shard_carries_only_its_guilds_and_a_second_guilds_events_come_over_its_shard() {
    let fake = FakeDiscord::start().await;
    fake.recommend_shards(2);
    // Added guild k is on shard k % shards; the preset guild is on shard 0 of 2.
    let (west, east) = (fake.add_guild("West Wing"), fake.add_guild("East Wing"));
    let home = fake.guild_id();
    assert_eq!([fake.shard_of(home, 2), fake.shard_of(west, 2), fake.shard_of(east, 2)], [0, 0, 1]);
    let (study, east_study) = (fake.channel("study"), fake.guild_channel(east, "study"));
    assert_ne!(study, east_study, "a channel name is per guild");
    let mut bot = Bot::start_autosharded(&fake).await;
    let mut readies: BTreeMap<u32, BTreeSet<u64>> = BTreeMap::new();
    let mut creates: BTreeMap<u64, (String, Vec<u64>)> = BTreeMap::new();
    while readies.len() < 2 || creates.len() < 3 {
        match bot.next("READY and GUILD_CREATE of both shards", Some).await {
            Seen::Ready(r) => {
                let shard = r.shard.map(|s| s.id.0).expect("READY names its shard");
                readies.insert(shard, r.guilds.iter().map(|g| g.id.get()).collect());
            }
            Seen::Guild(g) => {
                creates.insert(g.id.get(), (g.name.clone(), g.channels.keys().map(|c| c.get()).collect()));
            }
            _ => {}
        }
    }
    assert_eq!(readies, BTreeMap::from([(0, BTreeSet::from([west, home])), (1, BTreeSet::from([east]))]));
    assert_eq!(creates[&east], ("East Wing".to_string(), vec![east_study]));
    assert_eq!(creates[&home], ("Study Group".to_string(), vec![study]));
    assert_eq!(creates[&west], ("West Wing".to_string(), vec![]));
    let routed = fake.routed();
    let frames = fake.dispatched();
    assert_eq!(routed.len(), frames.len(), "no RESUMED in between");
    let guild_of = |i: usize| frames[i]["d"]["id"].as_str().and_then(|g| g.parse::<u64>().ok());
    let mut created_on: Vec<(u64, u64)> = (0..routed.len())
        .filter(|i| routed[*i].1 == "GUILD_CREATE")
        .map(|i| (routed[i].0, guild_of(i).expect("GUILD_CREATE names its guild")))
        .collect();
    created_on.sort_unstable();
    assert_eq!(created_on, [(0, west), (0, home), (1, east)], "each GUILD_CREATE on its guild's shard");

    // Commands registered in the second guild are offered in its channels only.
    let streak = CreateCommand::new("streak").description("Your streak");
    GuildId::new(east).set_commands(&bot.http, vec![streak]).await.expect("commands in the second guild");
    assert!(fake.offered("streak", east_study) && !fake.offered("streak", study));
    let ada = FakeUser::new(1001, "ada", false);
    let id = fake.slash(&ada, east_study, "streak", None, json!([])).await;
    let Interaction::Command(command) = bot.next("INTERACTION_CREATE", interaction).await else {
        panic!("expected a command interaction");
    };
    assert_eq!(command.id.to_string(), id);
    assert_eq!(
        (command.guild_id.map(|g| g.get()), command.data.guild_id.map(|g| g.get())),
        (Some(east), Some(east))
    );
    assert_eq!((command.channel_id.get(), command.guild_locale.as_deref()), (east_study, Some("en-US")));
    let lesson = post_lesson(&bot.http, east_study).await;
    assert_eq!(lesson.guild_id.map(|g| g.get()), Some(east));
    fake.react(&ada, east_study, lesson.id.get(), "✅").await;
    let added = bot.next("reaction add", reaction_added).await;
    assert_eq!(added.guild_id.map(|g| g.get()), Some(east));
    let last: Vec<_> = fake.routed().into_iter().rev().take(2).collect();
    assert_eq!(
        last,
        [(1, "MESSAGE_REACTION_ADD".to_string()), (1, "INTERACTION_CREATE".to_string())],
        "the second guild's events come over its shard"
    );

    // REST answers the second guild with its own name and channels.
    let guild = bot.http.get_guild(GuildId::new(east)).await.expect("a known guild");
    assert_eq!(guild.name, "East Wing");
    let channels = GuildId::new(east).channels(&bot.http).await.expect("the guild's channels");
    assert_eq!(channels.keys().map(|c| c.get()).collect::<Vec<_>>(), [east_study]);
    bot.stop().await;
}
