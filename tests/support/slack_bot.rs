//! The real `studybot run` on Slack in a test: a fake Slack on loopback, the binary pointed at it
//! through `slack.api_url`, in Socket Mode or over HTTP (the fake POSTs signed requests to the
//! bot's own endpoint), and a SQLite file to read back.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde_json::Value;
use studybot::store::{Platform, Store};

use super::bot::{Bot, CURRICULUM, Timeline};
use super::db::sqlite_url;
pub use super::fake_slack::{APP_TOKEN, BOT_TOKEN, FakeSlack, SIGNING_SECRET, SlackUser};
pub use super::readback::STEP;
use super::readback::{Readback, wait_log_count};

/// How Slack reaches the bot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Socket,
    Http,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Socket => "socket",
            Mode::Http => "http",
        }
    }
}

pub struct SlackBot {
    pub fake: FakeSlack,
    pub bot: Option<Bot>,
    pub mode: Mode,
    pub channel: String,
    pub timeline: Timeline,
    pub url: String,
    pub dir: tempfile::TempDir,
    /// The bot's HTTP endpoint port (HTTP mode).
    pub port: u16,
    bot_token: String,
    app_token: String,
    /// More environment for every instance (e.g. the dashboard's secret).
    extra_env: Vec<(String, String)>,
}

impl SlackBot {
    /// A fake Slack and a config for it; the bot is not started yet.
    pub async fn new(origin: &str, speed: f64, mode: Mode) -> SlackBot {
        let fake = FakeSlack::start().await;
        let dir = tempfile::tempdir().unwrap();
        let url = sqlite_url(dir.path());
        let port = free_port();
        let config = format!(
            "[database]\nurl = \"{url}\"\n\n[slack]\nmode = \"{}\"\napi_url = \"{}\"\nlisten = \"127.0.0.1:{port}\"\n",
            mode.name(),
            fake.api_url()
        );
        std::fs::write(dir.path().join("studybot.toml"), config).unwrap();
        let origin: DateTime<Utc> = origin.parse().unwrap();
        let channel = fake.channel("study");
        SlackBot {
            fake,
            bot: None,
            mode,
            channel,
            timeline: Timeline::starting_now(origin, speed),
            url,
            dir,
            port,
            bot_token: BOT_TOKEN.into(),
            app_token: APP_TOKEN.into(),
            extra_env: Vec::new(),
        }
    }

    pub fn with_bot_token(mut self, token: &str) -> SlackBot {
        self.bot_token = token.into();
        self
    }

    /// An environment variable for every instance started from now on.
    pub fn with_env(mut self, name: &str, value: &str) -> SlackBot {
        self.extra_env.push((name.to_string(), value.to_string()));
        self
    }

    pub fn with_app_token(mut self, token: &str) -> SlackBot {
        self.app_token = token.into();
        self
    }

    /// Runs on the database at `url` (a PostgreSQL one, to share it with another instance).
    pub fn with_database(mut self, url: &str) -> SlackBot {
        let path = self.dir.path().join("studybot.toml");
        let config = std::fs::read_to_string(&path).unwrap();
        std::fs::write(
            &path,
            config.replace(&format!("url = \"{}\"", self.url), &format!("url = \"{url}\"")),
        )
        .unwrap();
        self.url = url.to_string();
        self
    }

    /// Another instance of the same bot (same database, tokens and clock) with its own endpoint
    /// port: started, and connected (Socket Mode) or listening (HTTP).
    pub async fn start_instance(&self) -> Instance {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let config = std::fs::read_to_string(self.dir.path().join("studybot.toml")).unwrap();
        let config = config.replace(&format!("127.0.0.1:{}", self.port), &format!("127.0.0.1:{port}"));
        std::fs::write(dir.path().join("studybot.toml"), config).unwrap();
        let connected = self.fake.live_connections();
        let bot = Bot::spawn(dir.path(), &self.env(), &self.timeline, &["--lease-poll".into(), "1".into()]);
        let instance = Instance { bot, port, _dir: dir };
        match self.mode {
            Mode::Socket => {
                let more = |f: &FakeSlack| f.live_connections() > connected;
                assert!(
                    self.fake.wait_for(STEP, more).await,
                    "no second connection:\n{}",
                    instance.bot.log()
                );
            }
            Mode::Http => {
                wait_log_count(|| instance.bot.log(), "Slack Events API endpoint listening", 1).await
            }
        }
        wait_log_count(|| instance.bot.log(), "studybot running", 1).await;
        instance
    }

    /// Appends lines to the `[slack]` section (it is the config's last).
    pub fn with_slack_config(self, lines: &str) -> SlackBot {
        let path = self.dir.path().join("studybot.toml");
        let config = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, format!("{config}{lines}\n")).unwrap();
        self
    }

    /// Starts `studybot run` and waits until Slack can reach it: the socket connected, or the
    /// endpoint listening and the fake's request urls pointed at it.
    pub async fn start(&mut self) {
        self.spawn();
        match self.mode {
            Mode::Socket => {
                let connected = self.fake.wait_connected(STEP).await;
                assert!(connected, "no Socket Mode connection; bot log:\n{}", self.log());
            }
            Mode::Http => {
                self.wait_log("Slack Events API endpoint listening").await;
                self.fake.use_http(&self.endpoint());
            }
        }
        self.wait_log("studybot running").await;
    }

    /// The bot's request url prefix in HTTP mode: `…/slack` (+ `/events`, `/commands`, `/interactions`).
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}/slack", self.port)
    }

    /// Starts the process with the mode's secrets in the environment, as an operator sets them.
    pub fn spawn(&mut self) {
        let env = self.env();
        self.bot =
            Some(Bot::spawn(self.dir.path(), &env, &self.timeline, &["--lease-poll".into(), "1".into()]));
    }

    /// The mode's secrets, as an operator sets them in the environment.
    fn env(&self) -> Vec<(&str, &str)> {
        let mut env = vec![("STUDYBOT_SLACK__BOT_TOKEN", self.bot_token.as_str())];
        env.push(match self.mode {
            Mode::Socket => ("STUDYBOT_SLACK__APP_TOKEN", self.app_token.as_str()),
            Mode::Http => ("STUDYBOT_SLACK__SIGNING_SECRET", SIGNING_SECRET),
        });
        // HTTP mode listens where the config's `slack.listen` (the older key) says: an empty
        // variable is an unset one, so the port-0 default of every test bot gives way.
        if self.mode == Mode::Http {
            env.push(("STUDYBOT_HTTP__LISTEN", ""));
        }
        env.extend(self.extra_env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        env
    }

    /// SIGTERM and the exit code.
    pub fn stop(&mut self) -> Option<i32> {
        self.bot.take().and_then(|mut b| b.terminate().0)
    }

    pub fn log(&self) -> String {
        self.bot.as_ref().map(Bot::log).unwrap_or_default()
    }

    pub async fn wait_log(&self, needle: &str) {
        wait_log_count(|| self.log(), needle, 1).await;
    }

    pub async fn wait_log_count(&self, needle: &str, n: usize) {
        wait_log_count(|| self.log(), needle, n).await;
    }

    /// `/studybot <text>` typed by `user` in the study channel; returns the delivery id once the
    /// bot has answered it.
    pub async fn command(&self, user: &SlackUser, text: &str) -> String {
        let id = self.fake.command(user, &self.channel, text).await;
        self.answered(user, &id).await;
        id
    }

    /// The text of everything `user` alone saw in answer to `/studybot <text>`.
    pub async fn ask(&self, user: &SlackUser, text: &str) -> String {
        self.ask_in(&self.channel, user, text).await
    }

    /// The same, typed in `channel` (an id) instead of the cohort's.
    pub async fn ask_in(&self, channel: &str, user: &SlackUser, text: &str) -> String {
        let id = self.fake.command(user, channel, text).await;
        self.answered(user, &id).await;
        self.answer_text(user, &id)
    }

    /// What `user` alone saw in answer to delivery `id` (the ack's payload, response_url posts).
    pub fn answers(&self, user: &SlackUser, id: &str) -> Vec<Value> {
        self.fake.ephemerals(&user.id).into_iter().filter(|e| e["id"] == id).collect()
    }

    /// What `user` still sees of the answers to delivery `id`: without those a later answer replaced.
    pub fn shown(&self, user: &SlackUser, id: &str) -> Vec<Value> {
        self.fake.shown_ephemerals(&user.id).into_iter().filter(|e| e["id"] == id).collect()
    }

    pub fn answer_text(&self, user: &SlackUser, id: &str) -> String {
        self.answers(user, id).iter().map(message_text).collect::<Vec<_>>().join("\n")
    }

    /// Waits until the bot has answered delivery `id` with something other than a holding reply.
    pub async fn answered(&self, user: &SlackUser, id: &str) {
        let done = |_: &FakeSlack| {
            self.answers(user, id)
                .iter()
                .map(message_text)
                .any(|t| !t.is_empty() && !t.contains("Working on it"))
        };
        assert!(
            self.fake.wait_for(STEP, done).await,
            "no answer to {id}: {:?} acks {:?}\n{}",
            self.answers(user, id),
            self.fake.acks(id),
            self.log()
        );
    }

    /// A press of button `action_id` by `user` on message `ts` (`ephemeral` for a quiz question
    /// only `user` sees); returns the delivery id once the bot has answered it.
    pub async fn press(&self, user: &SlackUser, ts: &str, action_id: &str, ephemeral: bool) -> String {
        let id = self.fake.press(user, &self.channel, ts, action_id, action_id, ephemeral).await;
        self.answered(user, &id).await;
        id
    }

    /// Lesson posts in the channel (messages with a Done button), oldest first.
    pub fn lesson_posts(&self) -> Vec<Value> {
        let posts = self.fake.messages(&self.channel).into_iter();
        posts.filter(|m| buttons(m).iter().any(|(_, id)| id.starts_with("done:"))).collect()
    }

    /// Waits for the `n`th lesson post, and for the bot to have recorded its ts.
    pub async fn wait_lesson(&self, n: usize) -> Value {
        let done = |_: &FakeSlack| self.lesson_posts().len() >= n;
        assert!(
            self.fake.wait_for(STEP, done).await,
            "no lesson post #{n}: {}\n{}",
            self.fake.request_log(),
            self.log()
        );
        let post = self.lesson_posts()[n - 1].clone();
        self.readback().wait_confirmed(post["ts"].as_str().unwrap_or_default(), || self.log()).await;
        post
    }

    pub fn readback(&self) -> Readback {
        Readback { url: self.url.clone(), platform: Platform::Slack, channel: self.channel.clone() }
    }

    pub async fn store(&self) -> Store {
        self.readback().store().await
    }

    pub async fn cohort_id(&self) -> i64 {
        self.readback().cohort_id().await
    }

    pub async fn checkpoints(&self) -> Vec<(String, u32, String)> {
        self.readback().checkpoints().await
    }

    pub async fn wait_checkpoints(&self, what: &str, done: impl Fn(&[(String, u32, String)]) -> bool) {
        self.readback().wait_checkpoints(what, || self.log(), done).await;
    }

    /// Sets the cohort up through the coach itself at virtual instant `at`, before the bot runs.
    pub async fn setup_at(&self, at: &str, start: &str) {
        self.readback().setup_at(&self.fake.team_id(), &organizer().id, at, start).await;
    }

    pub fn dir(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }
}

/// A second (third, …) process of the same bot, from [`SlackBot::start_instance`].
pub struct Instance {
    pub bot: Bot,
    pub port: u16,
    _dir: tempfile::TempDir,
}

impl Instance {
    /// Its request url prefix in HTTP mode.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}/slack", self.port)
    }
}

/// A port nothing listens on now, for the bot's endpoint.
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// The text a member sees in a message or answer: every block's text (header, sections and their
/// fields, context, button labels), or the fallback `text` when there are no blocks.
pub fn message_text(m: &Value) -> String {
    let blocks = m["blocks"].as_array().cloned().unwrap_or_default();
    if blocks.is_empty() {
        return m["text"].as_str().unwrap_or_default().to_string();
    }
    let mut out = Vec::new();
    let text = |v: &Value| v["text"].as_str().map(str::to_string);
    for block in &blocks {
        out.extend(text(&block["text"]));
        for field in block["fields"].as_array().into_iter().flatten() {
            out.extend(text(field));
        }
        for element in block["elements"].as_array().into_iter().flatten() {
            out.extend(text(element).or_else(|| text(&element["text"])));
        }
    }
    out.retain(|s| !s.is_empty());
    out.join("\n")
}

/// (label, action id) of each button of a message or answer.
pub fn buttons(m: &Value) -> Vec<(String, String)> {
    let blocks = m["blocks"].as_array().cloned().unwrap_or_default();
    blocks
        .iter()
        .filter(|b| b["type"] == "actions")
        .flat_map(|b| b["elements"].as_array().cloned().unwrap_or_default())
        .filter_map(|e| Some((e["text"]["text"].as_str()?.to_string(), e["action_id"].as_str()?.to_string())))
        .collect()
}

pub fn organizer() -> SlackUser {
    SlackUser::new("U0ORGANIZER", "Olivia", true)
}

pub fn member(id: &str, name: &str) -> SlackUser {
    SlackUser::new(id, name, false)
}

pub fn setup_text(start: &str) -> String {
    format!("setup curriculum:{CURRICULUM} start:{start} schedule:\"0 9 * * *\" timezone:UTC")
}

/// A bot on a fresh fake with a cohort set up by the organizer, starting `start`.
pub async fn running(origin: &str, start: &str, mode: Mode) -> SlackBot {
    running_with(origin, start, mode, "").await
}

/// [`running`], with `slack_config` lines appended to the `[slack]` section first.
pub async fn running_with(origin: &str, start: &str, mode: Mode, slack_config: &str) -> SlackBot {
    let mut h = SlackBot::new(origin, 30.0, mode).await.with_slack_config(slack_config);
    h.start().await;
    let reply = h.ask(&organizer(), &setup_text(start)).await;
    assert!(reply.contains(CURRICULUM) || reply.contains("Lakehouse"), "{reply}");
    h
}
