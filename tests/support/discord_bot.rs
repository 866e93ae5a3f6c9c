//! The real `studybot run` on Discord in a test: a fake Discord on loopback, the binary pointed at it through `discord.rest_proxy`, a SQLite file to read back.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use studybot::store::{Platform, Store};

use super::bot::{Bot, CURRICULUM, Timeline};
use super::db::sqlite_url;
pub use super::fake_discord::{BOT_TOKEN, FakeDiscord, FakeUser};
pub use super::readback::STEP;
use super::readback::{Readback, wait_log_count};

pub struct DiscordBot {
    pub fake: FakeDiscord,
    pub bot: Option<Bot>,
    pub channel: u64,
    pub timeline: Timeline,
    pub url: String,
    pub dir: tempfile::TempDir,
    token: String,
    /// More environment for every instance (e.g. a short lease TTL).
    env: Vec<(String, String)>,
}

impl DiscordBot {
    /// A fake Discord and a config for it; the bot is not started yet.
    pub async fn new(origin: &str, speed: f64) -> DiscordBot {
        let fake = FakeDiscord::start().await;
        let dir = tempfile::tempdir().unwrap();
        let url = sqlite_url(dir.path());
        let config = format!(
            "[database]\nurl = \"{url}\"\n\n[discord]\nguilds = [{}]\nrest_proxy = \"{}\"\nreconcile_days = 3\n",
            fake.guild_id(),
            fake.url()
        );
        std::fs::write(dir.path().join("studybot.toml"), config).unwrap();
        let origin: DateTime<Utc> = origin.parse().unwrap();
        let channel = fake.channel("study");
        DiscordBot {
            fake,
            bot: None,
            channel,
            timeline: Timeline::starting_now(origin, speed),
            url,
            dir,
            token: BOT_TOKEN.into(),
            env: Vec::new(),
        }
    }

    /// No `guilds` in the config: commands are registered globally.
    pub fn without_guilds(self) -> DiscordBot {
        let path = self.dir.path().join("studybot.toml");
        let config = std::fs::read_to_string(&path).unwrap();
        let kept: Vec<&str> = config.lines().filter(|l| !l.starts_with("guilds")).collect();
        std::fs::write(&path, kept.join("\n")).unwrap();
        self
    }

    /// Appends lines to the `[discord]` section (it is the config's last).
    pub fn with_discord_config(self, lines: &str) -> DiscordBot {
        let path = self.dir.path().join("studybot.toml");
        let config = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, format!("{}\n{lines}\n", config.trim_end())).unwrap();
        self
    }

    /// Another database than the SQLite file (PostgreSQL, for several instances).
    pub fn with_database(mut self, url: &str) -> DiscordBot {
        let path = self.dir.path().join("studybot.toml");
        let config = std::fs::read_to_string(&path).unwrap();
        let config = config.replace(&format!("url = \"{}\"", self.url), &format!("url = \"{url}\""));
        std::fs::write(&path, config).unwrap();
        self.url = url.to_string();
        self
    }

    /// An environment variable for every instance started from now on.
    pub fn with_env(mut self, name: &str, value: &str) -> DiscordBot {
        self.env.push((name.to_string(), value.to_string()));
        self
    }

    pub fn with_token(mut self, token: &str) -> DiscordBot {
        self.token = token.into();
        self
    }

    /// Starts `studybot run` and waits until its gateway session is READY.
    pub async fn start(&mut self) {
        self.spawn();
        let fake = &self.fake;
        let ready = fake.wait_for(STEP, |f| f.identify_count() + f.resume_count() > 0).await;
        assert!(ready && fake.wait_ready(STEP).await, "no READY; bot log:\n{}", self.log());
        self.wait_log("every Discord shard this instance holds is connected").await;
    }

    pub fn spawn(&mut self) {
        self.bot = Some(self.spawn_instance());
    }

    /// Another process of the same bot (same config, database, token and clock), not waited for.
    pub fn spawn_instance(&self) -> Bot {
        let mut env = vec![("STUDYBOT_DISCORD__TOKEN", self.token.as_str())];
        env.extend(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        Bot::spawn(self.dir.path(), &env, &self.timeline, &["--lease-poll".into(), "1".into()])
    }

    /// SIGTERM and the exit code.
    pub fn stop(&mut self) -> Option<i32> {
        self.bot.take().and_then(|mut b| b.terminate().0)
    }

    pub fn log(&self) -> String {
        self.bot.as_ref().map(Bot::log).unwrap_or_default()
    }

    /// Waits for the `n`th log line containing `needle`.
    pub async fn wait_log_count(&self, needle: &str, n: usize) {
        wait_log_count(|| self.log(), needle, n).await;
    }

    pub async fn wait_log(&self, needle: &str) {
        self.wait_log_count(needle, 1).await;
    }

    /// A slash command; returns the interaction id once the bot has answered it.
    pub async fn slash(&self, user: &FakeUser, name: &str, sub: Option<&str>, options: Value) -> String {
        self.slash_in(self.channel, user, name, sub, options).await
    }

    /// A slash command in another channel than the cohort's.
    pub async fn slash_in(
        &self,
        channel: u64,
        user: &FakeUser,
        name: &str,
        sub: Option<&str>,
        options: Value,
    ) -> String {
        let id = self.fake.slash(user, channel, name, sub, options).await;
        self.answered(&id).await;
        id
    }

    /// The text of the bot's answer to a slash command in `channel`.
    pub async fn ask_in(&self, channel: u64, user: &FakeUser, name: &str, options: Value) -> String {
        let id = self.slash_in(channel, user, name, None, options).await;
        self.fake.responses(&id).iter().map(reply_text).collect::<Vec<_>>().join("\n")
    }

    /// The text of the bot's answer to a slash command (first response, with edits applied).
    pub async fn ask(&self, user: &FakeUser, name: &str, sub: Option<&str>, options: Value) -> String {
        let id = self.slash(user, name, sub, options).await;
        self.fake.responses(&id).iter().map(reply_text).collect::<Vec<_>>().join("\n")
    }

    /// Waits until the bot has answered interaction `id` with something other than a defer.
    pub async fn answered(&self, id: &str) {
        let done = |f: &FakeDiscord| f.responses(id).iter().any(|r| !reply_text(r).is_empty());
        assert!(
            self.fake.wait_for(STEP, done).await,
            "no answer to {id}: {:?}\n{}",
            self.fake.responses(id),
            self.log()
        );
    }

    /// Lesson posts in the channel (messages with a Done button), oldest first.
    pub fn lesson_posts(&self) -> Vec<Value> {
        self.fake
            .messages(self.channel)
            .into_iter()
            .filter(|m| buttons(m).iter().any(|b| b.starts_with("done:")))
            .collect()
    }

    /// Waits for the `n`th lesson post, and for the bot to have recorded its message id: a member
    /// reacts to a post they can see, which is some time after the bot confirmed it.
    pub async fn wait_lesson(&self, n: usize) -> Value {
        let done = |_: &FakeDiscord| self.lesson_posts().len() >= n;
        assert!(
            self.fake.wait_for(STEP, done).await,
            "no lesson post #{n}: {}\n{}",
            self.fake.request_log(),
            self.log()
        );
        let post = self.lesson_posts()[n - 1].clone();
        self.readback().wait_confirmed(post["id"].as_str().unwrap_or_default(), || self.log()).await;
        post
    }

    pub fn readback(&self) -> Readback {
        Readback { url: self.url.clone(), platform: Platform::Discord, channel: self.channel.to_string() }
    }

    pub async fn store(&self) -> Store {
        self.readback().store().await
    }

    pub async fn cohort_id(&self) -> i64 {
        self.readback().cohort_id().await
    }

    /// Checkpoints of the channel's cohort.
    pub async fn checkpoints(&self) -> Vec<(String, u32, String)> {
        self.readback().checkpoints().await
    }

    /// Waits until the checkpoints satisfy `done`.
    pub async fn wait_checkpoints(&self, what: &str, done: impl Fn(&[(String, u32, String)]) -> bool) {
        self.readback().wait_checkpoints(what, || self.log(), done).await;
    }

    /// Sets the cohort up through the coach itself at virtual instant `at`, before the bot runs.
    pub async fn setup_at(&self, at: &str, start: &str) {
        self.readback().setup_at(&self.fake.guild_id().to_string(), "9001", at, start).await;
    }

    pub fn dir(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }
}

/// The text a member sees in one recorded answer: content, embed text and button labels.
pub fn reply_text(response: &Value) -> String {
    let body = &response["body"];
    let data = if body["data"].is_object() { &body["data"] } else { body };
    message_text(data)
}

pub fn message_text(m: &Value) -> String {
    let mut out = vec![m["content"].as_str().unwrap_or_default().to_string()];
    for embed in m["embeds"].as_array().into_iter().flatten() {
        out.push(embed["title"].as_str().unwrap_or_default().to_string());
        out.push(embed["description"].as_str().unwrap_or_default().to_string());
        for field in embed["fields"].as_array().into_iter().flatten() {
            out.push(format!(
                "{}: {}",
                field["name"].as_str().unwrap_or_default(),
                field["value"].as_str().unwrap_or_default()
            ));
        }
    }
    out.retain(|s| !s.is_empty());
    out.join("\n")
}

/// The custom ids of a message's buttons.
pub fn buttons(m: &Value) -> Vec<String> {
    let rows = m["components"].as_array().cloned().unwrap_or_default();
    rows.iter()
        .flat_map(|r| r["components"].as_array().cloned().unwrap_or_default())
        .filter_map(|c| c["custom_id"].as_str().map(str::to_string))
        .collect()
}

/// (label, custom id) of each button of the latest answer to an interaction.
pub fn answer_buttons(response: &Value) -> Vec<(String, String)> {
    let body = &response["body"];
    let data = if body["data"].is_object() { &body["data"] } else { body };
    let rows = data["components"].as_array().cloned().unwrap_or_default();
    rows.iter()
        .flat_map(|r| r["components"].as_array().cloned().unwrap_or_default())
        .filter_map(|c| Some((c["label"].as_str()?.to_string(), c["custom_id"].as_str()?.to_string())))
        .collect()
}

/// A string option.
pub fn opt(name: &str, value: impl Into<Value>) -> Value {
    let value = value.into();
    let kind = match value {
        Value::Number(_) => 4,
        Value::Bool(_) => 5,
        _ => 3,
    };
    json!({ "name": name, "type": kind, "value": value })
}

/// A USER option: the member picked in the client's user picker, sent as their id.
pub fn user_opt(name: &str, user: &FakeUser) -> Value {
    json!({ "name": name, "type": 6, "value": user.id.to_string() })
}

pub fn id_of(m: &Value) -> u64 {
    m["id"].as_str().and_then(|s| s.parse().ok()).expect("a message id")
}

pub fn organizer() -> FakeUser {
    FakeUser::new(9001, "Olivia", true)
}

pub fn member(id: u64, name: &str) -> FakeUser {
    FakeUser::new(id, name, false)
}

pub fn setup_options(start: &str) -> Value {
    json!([
        opt("curriculum", CURRICULUM),
        opt("start", start),
        opt("schedule", "0 9 * * *"),
        opt("timezone", "UTC"),
    ])
}

/// A bot on a fresh fake with a cohort set up by the organizer, starting `start`.
pub async fn running(origin: &str, start: &str) -> DiscordBot {
    let mut h = DiscordBot::new(origin, 30.0).await;
    h.start().await;
    let reply = h.ask(&organizer(), "studybot", Some("setup"), setup_options(start)).await;
    assert!(reply.contains(CURRICULUM) || reply.contains("Lakehouse"), "{reply}");
    h
}
