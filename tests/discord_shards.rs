//! Discord sharding (issue 19 §1, §3): `discord.shards` is `auto` (Discord's recommendation from
//! `GET /gateway/bot`, stored so every instance agrees) or a number; the real bot identifies each
//! shard with `shard: [id, count]`, paced as Discord's `max_concurrency` allows, gets its guild's
//! events on the guild's shard only, and is told plainly when Discord requires sharding (4011).
//! The fake Discord routes like Discord: `(guild_id >> 22) % shards`, direct messages on shard 0.

mod support;

use serde_json::json;
use support::discord_bot::{DiscordBot, STEP, id_of, member, organizer, setup_options};
use support::fake_discord::Ending;

backend_tests!(the_shard_count_is_agreed_through_the_database);

async fn the_shard_count_is_agreed_through_the_database(fx: support::db::Fixture) {
    let store = &fx.store;
    let discord = studybot::store::Platform::Discord;
    let now = 1_796_115_600; // 2026-12-01T09:00:00Z
    // The first instance stores Discord's recommendation; a later one keeps it whatever is
    // recommended then, so all run the same count.
    assert_eq!(store.agree_shard_count(discord, None, 3, now).await.unwrap(), 3);
    assert_eq!(store.agree_shard_count(discord, None, 5, now).await.unwrap(), 3);
    // An operator's number replaces it, for every instance from then on.
    assert_eq!(store.agree_shard_count(discord, Some(4), 5, now).await.unwrap(), 4);
    assert_eq!(store.agree_shard_count(discord, None, 1, now).await.unwrap(), 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn auto_runs_the_recommended_shards_and_each_guild_is_served_on_its_own() {
    let mut h = DiscordBot::new("2026-12-01T08:58:00Z", 30.0).await;
    h.fake.recommend_shards(3);
    h.fake.pace_identify();
    h.start().await;

    let shards: Vec<_> = h.fake.identifies().iter().map(|d| d["shard"].clone()).collect();
    assert_eq!(shards, [json!([0, 3]), json!([1, 3]), json!([2, 3])], "one IDENTIFY per shard");
    assert_eq!(h.fake.identify_refusals(), 0, "IDENTIFYs paced within max_concurrency");
    assert_eq!(h.fake.ready_shards(), [0, 1, 2], "{}", h.log());
    let home = h.fake.guild_shard(3);
    let creates: Vec<u64> =
        h.fake.routed().into_iter().filter(|(_, t)| t == "GUILD_CREATE").map(|(s, _)| s).collect();
    assert_eq!(creates, [home], "the guild arrives on its shard only");
    let store = h.store().await;
    let stored = store.agree_shard_count(studybot::store::Platform::Discord, None, 9, 0).await.unwrap();
    assert_eq!(stored, 3, "the count is stored for the other instances");
    store.close().await;

    // The guild's interactions and reactions come over its shard and are handled.
    let olivia = organizer();
    let set_up = h.ask(&olivia, "studybot", Some("setup"), setup_options("2026-12-01")).await;
    assert!(set_up.contains("Lakehouse") || set_up.contains("121"), "{set_up}");
    let message = id_of(&h.wait_lesson(1).await);
    let ada = member(61, "Ada");
    h.fake.react(&ada, h.channel, message, "✅").await;
    h.wait_checkpoints("ada's ✅ over the guild's shard", |c| c.len() == 1).await;
    let off_home: Vec<_> = h
        .fake
        .routed()
        .into_iter()
        .filter(|(s, t)| *s != home && (t == "INTERACTION_CREATE" || t.starts_with("MESSAGE_REACTION")))
        .collect();
    assert!(off_home.is_empty(), "guild events only on shard {home}: {off_home:?}");
    assert_eq!(h.stop(), Some(0), "{}", h.log());
    let closed = h.fake.connection_endings().iter().filter(|(_, e)| *e == Ending::ClientClosed(1000)).count();
    assert_eq!(closed, 3, "every shard's session closed cleanly: {:?}", h.fake.connection_endings());
}

#[tokio::test(flavor = "multi_thread")]
async fn one_shard_where_discord_requires_sharding_stops_with_what_to_set() {
    let mut h = DiscordBot::new("2026-12-01T08:00:00Z", 30.0)
        .await
        .with_discord_config("shards = 1\nconnect_timeout_secs = 4");
    h.fake.limit_guilds_per_session(0);
    h.spawn();
    // Meanwhile `/readyz` names the shard that has no session.
    let address = h.bot.as_ref().unwrap().http_address();
    let named = "Discord shard 0 of 1 without a session";
    let mut seen = None;
    for _ in 0..30 {
        let (status, body) = support::scrape::get(address, "/readyz").await;
        if body.contains(named) {
            seen = Some(status);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(seen, Some(503), "/readyz names the shard without a session: {}", h.log());
    let code = h.bot.as_mut().unwrap().wait_exit(STEP).await;
    let log = h.log();
    assert_eq!(code, Some(1), "{log}");
    assert!(log.contains("Discord requires sharding") && log.contains("discord.shards"), "{log}");
    let endings = h.fake.connection_endings();
    assert!(endings.iter().all(|(_, e)| *e == Ending::ServerClosed(4011)), "{endings:?}");
    assert!(
        h.fake.identify_count() <= 3,
        "the session budget is not spent retrying: {}",
        h.fake.identify_count()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_spent_session_budget_is_waited_out_before_identifying() {
    let mut h = DiscordBot::new("2026-12-01T08:00:00Z", 30.0).await;
    h.fake.limit_sessions(0, std::time::Duration::from_secs(3));
    let spawned = std::time::Instant::now();
    h.start().await;
    assert!(h.log().contains("session start limit is used up"), "{}", h.log());
    // One shard alone would be READY within a second; the wait holds its IDENTIFY for the reset.
    assert!(spawned.elapsed() >= std::time::Duration::from_secs(3), "identified before the reset");
    assert_eq!((h.fake.identify_count(), h.fake.ready_shards()), (1, vec![0]));
}
