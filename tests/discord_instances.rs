//! Three `studybot run` instances of one Discord bot on one PostgreSQL database, 4 gateway shards
//! and 41 guilds with a cohort each (issue 19, done-when): the shards are spread over the
//! instances through shard leases, every guild's events are handled by the one instance holding
//! its shard — one answer per interaction, never a 40060 — every lesson is posted once, and
//! after one instance is killed (SIGKILL) and another frozen (SIGSTOP), the last one serves every
//! guild again within the lease TTL plus one poll, with nothing doubled — the frozen one too,
//! once it wakes. Skipped (and says so) without PostgreSQL.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use serde_json::Value;
use studybot::store::Platform;
use studybot::store::lease::list_leases;
use support::bot::Bot;
use support::db::TestDb;
use support::discord_bot::{DiscordBot, FakeDiscord, STEP, buttons, id_of, member, organizer, setup_options};
use support::readback::{Readback, wait_log_count};

const SHARDS: u64 = 4;
const GUILDS: usize = 40;
/// The leases' TTL; every instance renews and polls every second (`--lease-poll 1`).
const TTL_SECS: u64 = 4;
const POLL_SECS: u64 = 1;

/// Shard → the pid in its holder id, for the shard leases not expired now.
async fn holders(url: &str) -> BTreeMap<u64, u32> {
    let store = studybot::store::Store::open(url).await.unwrap();
    let rows = list_leases(&mut store.acquire().await.unwrap(), "discord-shard:").await.unwrap();
    store.close().await;
    let pid = |holder: &str| holder.split(":pid").nth(1)?.split(':').next()?.parse().ok();
    rows.iter()
        .filter(|r| r.remaining_ms() > 0)
        .filter_map(|r| Some((r.name.strip_prefix("discord-shard:")?.parse().ok()?, pid(&r.holder)?)))
        .collect()
}

/// Waits until the unexpired shard leases satisfy `done`; returns them.
async fn wait_holders(
    url: &str,
    what: &str,
    done: impl Fn(&BTreeMap<u64, u32>) -> bool,
) -> BTreeMap<u64, u32> {
    let deadline = Instant::now() + STEP;
    loop {
        let now = holders(url).await;
        if done(&now) {
            return now;
        }
        assert!(Instant::now() < deadline, "{what}: shard holders {now:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Each guild: its id and the cohort's channel.
struct Guild {
    id: u64,
    channel: u64,
}

#[tokio::test(flavor = "multi_thread")]
async fn three_instances_share_four_shards_and_take_over_a_killed_and_a_frozen_one() {
    let Some(db) = TestDb::postgres().await else { return };
    let url = db.url().to_string();
    let mut h = DiscordBot::new("2026-12-01T08:58:00Z", 30.0)
        .await
        .without_guilds()
        .with_discord_config("shards = 4")
        .with_database(&url)
        .with_env("STUDYBOT_SCHEDULER__LEASE_TTL_SECS", &TTL_SECS.to_string())
        .with_env("STUDYBOT_SCHEDULER__LEASE_RENEW_SECS", &POLL_SECS.to_string());
    h.fake.set_max_concurrency(SHARDS);
    let mut guilds = vec![Guild { id: h.fake.guild_id(), channel: h.channel }];
    for k in 0..GUILDS {
        let id = h.fake.add_guild(&format!("Study Group {k}"));
        guilds.push(Guild { id, channel: h.fake.guild_channel(id, "study") });
    }
    let on_shards: BTreeSet<u64> = guilds.iter().map(|g| (g.id >> 22) % SHARDS).collect();
    assert_eq!(on_shards.len(), SHARDS as usize, "guilds on every shard");
    let all = guilds.len();

    h.start().await;
    let mut bots: Vec<Bot> = vec![h.bot.take().unwrap(), h.spawn_instance(), h.spawn_instance()];
    let pids: Vec<u32> = bots.iter().map(Bot::pid).collect();
    let spread = wait_holders(&url, "4 shards over 3 instances", |held| {
        held.len() == SHARDS as usize && held.values().collect::<BTreeSet<_>>().len() == 3
    })
    .await;
    let ready = |f: &FakeDiscord| f.ready_shards().len() == SHARDS as usize;
    assert!(h.fake.wait_for(STEP, ready).await, "{:?}", h.fake.ready_shards());
    for bot in &bots {
        wait_log_count(|| bot.log(), "every Discord shard this instance holds is connected", 1).await;
    }

    // Every guild sets its cohort up; each interaction is answered by one instance.
    let olivia = organizer();
    let mut interactions = Vec::new();
    for g in &guilds {
        interactions.push(
            h.slash_in(g.channel, &olivia, "studybot", Some("setup"), setup_options("2026-12-01")).await,
        );
    }
    // Each guild gets its lesson; one member reacts to it, another checks in with /checkpoint.
    for (i, g) in guilds.iter().enumerate() {
        let post = wait_lesson(&h, &url, g).await;
        h.fake.react(&member(100 + i as u64, &format!("R{i}")), g.channel, id_of(&post), "✅").await;
    }
    wait_stored(&url, all, &bots).await;
    interactions.extend(checkpoint_everywhere(&h, &guilds, 200).await);
    wait_stored(&url, 2 * all, &bots).await;
    // The shards were spread — every instance took some — and handed over (the first instance
    // ran all four until the others came) without two sessions of one shard at once.
    for bot in &bots {
        assert!(bot.count_logged("Discord shard lease taken") > 0, "{}", bot.log());
    }
    assert!(bots[0].count_logged("handing a Discord shard over") >= 2, "{}", bots[0].log());
    assert_eq!(h.fake.shard_overlaps(), Vec::<u64>::new(), "a shard ran in two processes at once");

    // One instance dies, another freezes: the third serves every guild within TTL + one poll.
    let survivor = pids.iter().copied().find(|p| spread.values().any(|h| h == p)).unwrap_or(pids[0]);
    let mut rest: Vec<usize> = (0..3).filter(|i| pids[*i] != survivor).collect();
    let (killed, frozen) = (rest.remove(0), rest.remove(0));
    let down = Instant::now();
    bots[killed].kill();
    bots[frozen].freeze();
    wait_holders(&url, "every shard taken over", |held| {
        held.len() == SHARDS as usize && held.values().all(|p| *p == survivor)
    })
    .await;
    let taken_over = down.elapsed();
    interactions.extend(checkpoint_everywhere(&h, &guilds, 300).await);
    let served = down.elapsed();
    wait_stored(&url, 3 * all, &bots).await;
    eprintln!(
        "takeover: every shard re-leased {} ms after SIGKILL + SIGSTOP, every guild answered again \
         within {} ms (lease TTL {TTL_SECS} s, poll {POLL_SECS} s)",
        taken_over.as_millis(),
        served.as_millis()
    );
    assert!(taken_over <= Duration::from_secs(TTL_SECS + 2 * POLL_SECS), "took {taken_over:?}");

    // The frozen one wakes past its deadlines: it closes what it lost and handles none of it,
    // then takes its share back from the survivor.
    bots[frozen].thaw();
    wait_log_count(|| bots[frozen].log(), "Discord shard lease lost", 1).await;
    let back = pids[frozen];
    wait_holders(&url, "the woken instance takes its share back", |held| {
        held.len() == SHARDS as usize && held.values().filter(|p| **p == back).count() == 2
    })
    .await;
    wait_log_count(|| bots[frozen].log(), "every Discord shard this instance holds is connected", 2).await;
    interactions.extend(checkpoint_everywhere(&h, &guilds, 400).await);
    wait_stored(&url, 4 * all, &bots).await;

    // One answer per interaction, no 40060 anywhere, one lesson per guild, nothing doubled.
    for id in &interactions {
        assert_eq!(h.fake.callbacks(id).len(), 1, "interaction {id}: {:?}", h.fake.callbacks(id));
    }
    let refused: Vec<_> = h
        .fake
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/callback") && r.status >= 400)
        .map(|r| (r.path, r.status, r.body))
        .collect();
    assert!(refused.is_empty(), "refused answers: {refused:?}");
    for g in &guilds {
        assert_eq!(lesson_posts(&h, g.channel).len(), 1, "guild {}: one lesson post", g.id);
    }
    let (distinct, rows) = stored(&url).await;
    assert_eq!((distinct.len(), rows), (4 * all, 4 * all), "one checkpoint per member and day");

    for i in [frozen, pids.iter().position(|p| *p == survivor).unwrap()] {
        assert_eq!(bots[i].terminate().0, Some(0), "{}", bots[i].log());
    }
    db.cleanup().await;
}

/// `/checkpoint` in every guild by a member of its own (ids from `first`); returns the
/// interaction ids once each is answered.
async fn checkpoint_everywhere(h: &DiscordBot, guilds: &[Guild], first: u64) -> Vec<String> {
    let mut ids = Vec::new();
    for (i, g) in guilds.iter().enumerate() {
        let who = member(first + i as u64, &format!("M{}", first + i as u64));
        ids.push(h.slash_in(g.channel, &who, "checkpoint", None, Value::Null).await);
    }
    ids
}

fn lesson_posts(h: &DiscordBot, channel: u64) -> Vec<Value> {
    let posts = h.fake.messages(channel).into_iter();
    posts.filter(|m| buttons(m).iter().any(|b| b.starts_with("done:"))).collect()
}

/// The guild's first lesson post, once the bot has recorded it.
async fn wait_lesson(h: &DiscordBot, url: &str, g: &Guild) -> Value {
    let posted = |_: &FakeDiscord| !lesson_posts(h, g.channel).is_empty();
    assert!(h.fake.wait_for(STEP, posted).await, "no lesson in guild {}", g.id);
    let post = lesson_posts(h, g.channel).remove(0);
    let readback =
        Readback { url: url.to_string(), platform: Platform::Discord, channel: g.channel.to_string() };
    readback.wait_confirmed(post["id"].as_str().unwrap_or_default(), String::new).await;
    post
}

/// Checkpoints in the database: the distinct (cohort, member, day), and how many rows in all.
async fn stored(url: &str) -> (BTreeSet<(i64, i64, i64)>, usize) {
    let store = studybot::store::Store::open(url).await.unwrap();
    let rows: Vec<(i64, i64, i64)> = sqlx::query_as("SELECT cohort_id, member_id, day FROM checkpoints")
        .fetch_all(store.pool())
        .await
        .unwrap();
    store.close().await;
    let n = rows.len();
    (rows.into_iter().collect(), n)
}

async fn wait_stored(url: &str, n: usize, bots: &[Bot]) {
    let deadline = Instant::now() + STEP;
    loop {
        let (_, rows) = stored(url).await;
        if rows >= n {
            return;
        }
        let logs: Vec<String> = bots.iter().map(Bot::log).collect();
        assert!(
            Instant::now() < deadline,
            "{rows} checkpoints stored, waiting for {n}\n{}",
            logs.join("\n---\n")
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
