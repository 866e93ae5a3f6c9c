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
mod runners;
mod seen;
mod shards;
mod spread;

use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use anyhow::Context as _;
use serde::Deserialize;
use serenity::all::{EventHandler, GatewayIntents, HttpBuilder, Permissions};
use serenity::http::{LightMethod, Route};
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use delivery::DiscordDelivery;
use events::{Handler, Shared};
use rest::{Rest, RestError};

use crate::coach::Coach;
use crate::config::DiscordConfig;
use crate::scheduler::Clock;
use crate::scheduler::leader::LeaseTiming;
use crate::scheduler::pacing::{Limits, Paced, Rate};
use crate::store::Backend;
use crate::store::lease::{LeaseConn, Opened};

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
    /// Stops the shards' loop ([`spread`]), which closes every session and releases every lease.
    stop: CancellationToken,
    /// That loop; `None` once [`Discord::failed`] has seen it end, since a finished JoinHandle
    /// must not be awaited again.
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
    /// Checks the token, then connects the gateway in the background: every shard on SQLite, a
    /// fair share of them through shard leases on PostgreSQL (`url` is the database's, `timing`
    /// the leases'). A token Discord refuses stops here with a message that says so; nothing
    /// reaches the gateway with it.
    pub async fn start(
        config: &DiscordConfig,
        coach: Coach,
        clock: Arc<dyn Clock>,
        url: &str,
        timing: LeaseTiming,
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
        let now = shared.clock.now().timestamp();
        let (count, budget) = shards::plan(&shared.rest, shared.coach.store(), config.shards, now).await?;
        shared.shards.set_total(count);
        let claims = match Backend::from_url(url)? {
            Backend::Sqlite => spread::Claims::All,
            Backend::Postgres => {
                let round_trip = timing.renew.max(Duration::from_secs(1));
                match LeaseConn::open(url, shared.coach.store(), round_trip).await? {
                    Opened::Ready(conn) => spread::Claims::Leased { conn, timing },
                    Opened::Refused(why) => anyhow::bail!("{why}"),
                }
            }
        };
        // serenity's limiter would send through discord.com whatever the proxy (PLATFORMS.md),
        // and pacing is ours anyway.
        let mut http = HttpBuilder::new(&token).ratelimiter_disabled(true);
        if let Some(proxy) = &config.rest_proxy {
            http = http.proxy(proxy.trim_end_matches('/'));
        }
        let (held, released) = oneshot::channel();
        let handler: Arc<dyn EventHandler> = Arc::new(Handler(Arc::clone(&shared), held));
        let (runners, failures) =
            runners::Runners::new(Arc::new(http.build()), handler, intents(), count).await;
        let spread = spread::Spread {
            shared: Arc::clone(&shared),
            runners,
            failures,
            budget,
            connect_limit: Duration::from_secs(config.connect_timeout_secs),
        };
        let stop = CancellationToken::new();
        let gateway = tokio::spawn(spread.run(claims, stop.clone()));
        Ok(Discord { shared, stop, gateway: Some(gateway), released })
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

    /// Closes every gateway session with close code 1000, releases the shard leases, and waits
    /// (up to 5 s) until all is done. After a gateway failure there is nothing left to close.
    pub async fn shutdown(mut self) {
        let Some(gateway) = self.gateway.take() else { return };
        self.stop.cancel();
        let closed = async {
            let _ = gateway.await;
            let _ = self.released.await;
        };
        if tokio::time::timeout(Duration::from_secs(5), closed).await.is_err() {
            tracing::warn!("the Discord gateway did not close in time");
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
