//! The real serenity 0.12.5 client wired to the fake Discord, as the bot builds it: an event
//! handler that forwards what it sees to the test, and helpers to wait for it.

use std::sync::Arc;
use std::time::Duration;

use serenity::all::{
    ChannelId, ClientBuilder, Context, CreateActionRow, CreateButton, CreateMessage, EventHandler,
    GatewayIntents, Guild, HttpBuilder, Interaction, Message, Reaction, Ready, ResumedEvent, ShardManager,
};
use serenity::http::{Http, HttpError};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::task::JoinHandle;

use super::fake_discord::{BOT_TOKEN, FakeDiscord};

/// How long `Bot::next` waits for an event.
pub const WAIT: Duration = Duration::from_secs(10);

/// What the bot's event handler saw.
#[derive(Debug)]
pub enum Seen {
    Ready(Box<Ready>),
    Guild(Box<Guild>),
    Resumed,
    Interaction(Box<Interaction>),
    ReactionAdd(Reaction),
    ReactionRemove(Reaction),
}

struct Forward(UnboundedSender<Seen>);

#[serenity::async_trait]
impl EventHandler for Forward {
    async fn ready(&self, _: Context, ready: Ready) {
        let _ = self.0.send(Seen::Ready(Box::new(ready)));
    }
    async fn guild_create(&self, _: Context, guild: Guild, _: Option<bool>) {
        let _ = self.0.send(Seen::Guild(Box::new(guild)));
    }
    async fn resume(&self, _: Context, _: ResumedEvent) {
        let _ = self.0.send(Seen::Resumed);
    }
    async fn interaction_create(&self, _: Context, interaction: Interaction) {
        let _ = self.0.send(Seen::Interaction(Box::new(interaction)));
    }
    async fn reaction_add(&self, _: Context, reaction: Reaction) {
        let _ = self.0.send(Seen::ReactionAdd(reaction));
    }
    async fn reaction_remove(&self, _: Context, reaction: Reaction) {
        let _ = self.0.send(Seen::ReactionRemove(reaction));
    }
}

/// A serenity client pointed at the fake, as the real bot builds it.
pub struct Bot {
    pub http: Arc<Http>,
    shards: Arc<ShardManager>,
    events: UnboundedReceiver<Seen>,
    /// `Client::start`, until it returns (a refused IDENTIFY ends it with an error).
    pub run: JoinHandle<serenity::Result<()>>,
}

impl Bot {
    /// One shard, as `Client::start` runs it.
    pub async fn start(fake: &FakeDiscord, token: &str) -> Bot {
        Bot::launch(fake, token, false).await
    }

    /// Like `start`, with as many shards as `GET /gateway/bot` recommends.
    pub async fn start_autosharded(fake: &FakeDiscord) -> Bot {
        Bot::launch(fake, BOT_TOKEN, true).await
    }

    async fn launch(fake: &FakeDiscord, token: &str, autosharded: bool) -> Bot {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_test_writer()
            .try_init();
        let http = HttpBuilder::new(token).proxy(fake.url()).ratelimiter_disabled(true).build();
        let intents = GatewayIntents::GUILDS
            | GatewayIntents::GUILD_MESSAGE_REACTIONS
            | GatewayIntents::DIRECT_MESSAGE_REACTIONS;
        let (tx, events) = unbounded_channel();
        let mut client =
            ClientBuilder::new_with_http(http, intents).event_handler(Forward(tx)).await.expect("client");
        let (http, shards) = (Arc::clone(&client.http), Arc::clone(&client.shard_manager));
        let run = tokio::spawn(async move {
            if autosharded { client.start_autosharded().await } else { client.start().await }
        });
        Bot { http, shards, events, run }
    }

    /// The next event `pick` accepts (others are skipped); panics after `WAIT`.
    pub async fn next<T>(&mut self, what: &str, pick: impl Fn(Seen) -> Option<T>) -> T {
        let found = tokio::time::timeout(WAIT, async {
            while let Some(seen) = self.events.recv().await {
                if let Some(found) = pick(seen) {
                    return Some(found);
                }
            }
            None
        });
        found.await.ok().flatten().unwrap_or_else(|| panic!("no {what} within {WAIT:?}"))
    }

    /// Everything that arrives within `window`.
    pub async fn drain(&mut self, window: Duration) -> Vec<Seen> {
        let mut seen = Vec::new();
        let _ = tokio::time::timeout(window, async {
            while let Some(s) = self.events.recv().await {
                seen.push(s);
            }
        })
        .await;
        seen
    }

    pub async fn ready(&mut self) -> Ready {
        *self.next("READY", |s| if let Seen::Ready(r) = s { Some(r) } else { None }).await
    }

    pub async fn stop(self) {
        self.shards.shutdown_all().await;
        let _ = tokio::time::timeout(WAIT, self.run).await;
    }
}

pub fn reaction_added(s: Seen) -> Option<Reaction> {
    if let Seen::ReactionAdd(r) = s { Some(r) } else { None }
}

pub fn interaction(s: Seen) -> Option<Interaction> {
    if let Seen::Interaction(i) = s { Some(*i) } else { None }
}

/// The bot posts a lesson with a Done button, as the coach would.
pub async fn post_lesson(http: &Http, channel: u64) -> Message {
    let button = CreateButton::new("done:1").label("Done");
    let lesson =
        CreateMessage::new().content("Day 1").components(vec![CreateActionRow::Buttons(vec![button])]);
    ChannelId::new(channel).send_message(http, lesson).await.expect("lesson posted")
}

pub fn http_error(err: serenity::Error) -> serenity::http::ErrorResponse {
    match err {
        serenity::Error::Http(HttpError::UnsuccessfulRequest(response)) => response,
        other => panic!("expected an HTTP error response, got {other:?}"),
    }
}
