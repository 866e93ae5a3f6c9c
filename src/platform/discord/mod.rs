//! The Discord adapter: serenity's gateway for events, Discord REST (optionally through a proxy) for everything the bot says.
//!
//! Thin by design: events become [`crate::coach::Inbound`]s, the coach decides, and its
//! messages are rendered as embeds and buttons. Lesson posts go through the scheduler's pacer.

pub mod commands;
mod delivery;
mod events;
mod interactions;
mod labels;
mod reconcile;
mod register;
pub mod render;
mod rest;
mod seen;
mod shards;

use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use anyhow::Context as _;
use serde::Deserialize;
use serenity::all::{
    ClientBuilder, GatewayIntents, HttpBuilder, Permissions, ShardManager, ShardRunnerMessage,
};
use serenity::http::{LightMethod, Route};
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;

pub use delivery::DiscordDelivery;
use events::{Handler, Shared};
use rest::{Rest, RestError};

use crate::coach::Coach;
use crate::config::DiscordConfig;
use crate::scheduler::Clock;
use crate::scheduler::pacing::{Limits, Paced, Rate};

/// Nothing privileged: slash commands carry their options, so message content is never read.
pub fn intents() -> GatewayIntents {
    GatewayIntents::GUILDS
        | GatewayIntents::GUILD_MESSAGE_REACTIONS
        | GatewayIntents::DIRECT_MESSAGE_REACTIONS
}

/// What the invite URL asks for (docs/discord.md lists each with its reason).
pub fn invite_permissions() -> Permissions {
    Permissions::VIEW_CHANNEL
        | Permissions::SEND_MESSAGES
        | Permissions::EMBED_LINKS
        | Permissions::ADD_REACTIONS
        | Permissions::READ_MESSAGE_HISTORY
        | Permissions::USE_APPLICATION_COMMANDS
}

/// Discord's limits as the pacer sees them: a lesson post is two requests (the message and the
/// bot's ✅, which follows one round trip later), so the bot-wide 50 requests/s allows 22 posts/s
/// with room for that lag (the benchmark drew 429s at 25).
pub fn limits() -> Limits {
    Limits { global: Some(Rate::new(22, Duration::from_secs(1))), ..Limits::discord() }
}

/// A running connection to Discord.
pub struct Discord {
    shared: Arc<Shared>,
    shards: Arc<ShardManager>,
    /// serenity's client; `None` once [`Discord::failed`] has seen it end, since a finished
    /// JoinHandle must not be awaited again.
    gateway: Option<JoinHandle<Result<(), String>>>,
    /// Resolves (with an error) when serenity drops the event handler: every shard runner has
    /// ended, so every session has been closed.
    released: oneshot::Receiver<()>,
}

#[derive(Deserialize)]
struct Me {
    id: String,
    username: String,
}

impl Discord {
    /// Checks the token, then connects the gateway in the background. A token Discord refuses
    /// stops here with a message that says so; nothing reaches the gateway with it.
    pub async fn start(
        config: &DiscordConfig,
        coach: Coach,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<Discord> {
        let token = config.token.as_ref().context("no Discord token")?.expose().trim().to_string();
        let rest = Arc::new(Rest::new(&token, config.rest_proxy.as_deref())?);
        let me = check_token(&rest).await?;
        tracing::info!(bot = %me.username, "Discord token accepted");
        let bot_id = Arc::new(OnceLock::from(me.id));
        let delivery = Arc::new(
            Paced::new(DiscordDelivery::new(Arc::clone(&rest), Arc::clone(&bot_id)), limits())
                .on_platform("discord"),
        );
        let shared = Arc::new(Shared {
            coach,
            clock,
            rest,
            delivery,
            bot_id,
            guilds: config.guilds.clone(),
            reconcile_days: config.reconcile_days,
            registered: AtomicBool::new(false),
            ready: watch::Sender::new(0),
            shards: shards::Links::default(),
            reactions: AtomicU64::new(0),
            seen: seen::Seen::default(),
        });
        // serenity's limiter would send through discord.com whatever the proxy (PLATFORMS.md),
        // and pacing is ours anyway.
        let mut http = HttpBuilder::new(&token).ratelimiter_disabled(true);
        if let Some(proxy) = &config.rest_proxy {
            http = http.proxy(proxy.trim_end_matches('/'));
        }
        let (held, released) = oneshot::channel();
        let mut client = ClientBuilder::new_with_http(http.build(), intents())
            .event_handler(Handler(Arc::clone(&shared), held))
            .await
            .context("building the Discord client")?;
        let now = shared.clock.now().timestamp();
        let (count, budget) = shards::plan(&shared.rest, shared.coach.store(), config.shards, now).await?;
        shared.shards.set_total(count);
        let shards = Arc::clone(&client.shard_manager);
        let (links, manager) = (Arc::clone(&shared), Arc::clone(&shards));
        // serenity boots one shard every 5 s.
        let limit = Duration::from_secs(config.connect_timeout_secs + 5 * u64::from(count));
        let gateway = tokio::spawn(async move {
            shards::within_budget(&budget, count).await;
            let watch = Arc::clone(&links);
            let watchdog = tokio::spawn(async move {
                if watch.shards.watch_startup(limit).await.is_some() {
                    manager.shutdown_all().await;
                }
            });
            let started = client.start_shards(count).await.map_err(|e| e.to_string());
            watchdog.abort();
            started?;
            links.shards.given_up().map_or(Ok(()), Err)
        });
        Ok(Discord { shared, shards, gateway: Some(gateway), released })
    }

    /// The delivery the scheduler posts through; interactions share its pacer.
    pub fn delivery(&self) -> Arc<Paced<DiscordDelivery>> {
        Arc::clone(&self.shared.delivery)
    }

    /// Resolves when the gateway gave up (bad token at IDENTIFY, disallowed intents, …), with why.
    /// Cancel-safe: until it resolves, the gateway is still there for [`Discord::shutdown`].
    pub async fn failed(&mut self) -> String {
        let Some(gateway) = self.gateway.as_mut() else {
            return "the Discord gateway connection ended".into();
        };
        let ended = gateway.await;
        self.gateway = None;
        match ended {
            Ok(Ok(())) => "the Discord gateway connection ended".into(),
            Ok(Err(e)) => format!("the Discord gateway refused the bot: {e}"),
            Err(e) => format!("the Discord gateway task failed: {e}"),
        }
    }

    /// Waits until the gateway session is READY (tests and startup logs), up to `limit`.
    pub async fn wait_ready(&self, limit: Duration) -> bool {
        let mut ready = self.shared.ready.subscribe();
        tokio::time::timeout(limit, ready.wait_for(|n| *n > 0)).await.is_ok_and(|r| r.is_ok())
    }

    /// Closes the gateway session with close code 1000 and waits (up to 3 s) until it is closed.
    /// After a gateway failure there is no session left, and nothing to wait for.
    pub async fn shutdown(mut self) {
        let Some(gateway) = self.gateway.take() else { return };
        self.close_sessions().await;
        self.shards.shutdown_all().await;
        let closed = async {
            let _ = gateway.await;
            let _ = self.released.await;
        };
        if tokio::time::timeout(Duration::from_secs(3), closed).await.is_err() {
            tracing::warn!("the Discord gateway did not close in time");
        }
    }

    /// Asks every shard runner itself to close its session with 1000. `shutdown_all` alone does
    /// not reach a runner started by a re-identify (op 9): serenity 0.12.5 then holds a stale
    /// shutdown acknowledgement, forgets the runner before passing the request on, and the
    /// socket died with the process instead of closing.
    async fn close_sessions(&self) {
        for (id, runner) in self.shards.runners.lock().await.iter() {
            runner.runner_tx.send_to_shard(ShardRunnerMessage::Shutdown(*id, 1000));
        }
    }
}

async fn check_token(rest: &Rest) -> anyhow::Result<Me> {
    match rest.call::<Me>(Route::UserMe, LightMethod::Get, None::<&()>, Vec::new()).await {
        Ok(me) => Ok(me),
        Err(RestError::Status { status: 401, .. }) => anyhow::bail!(
            "Discord rejected the bot token (401 Unauthorized). Set STUDYBOT_DISCORD__TOKEN (or DISCORD_TOKEN) to the token \
             from the Developer Portal → your application → Bot → Reset Token; see docs/discord.md"
        ),
        Err(e) => Err(anyhow::anyhow!("checking the bot token with Discord: {e}")),
    }
}
