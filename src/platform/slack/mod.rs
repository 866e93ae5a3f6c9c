//! The Slack adapter: Socket Mode or the Events API for events, the Web API for everything the bot says.
//!
//! Thin by design: events become [`crate::coach::Inbound`]s (the one `/studybot` command goes
//! through the console's grammar), the coach decides, and its messages are rendered in Block Kit.

mod admins;
mod admission;
mod answer;
mod checkmarks;
mod delivery;
mod events;
mod files;
mod http;
mod reconcile;
pub mod render;
mod runtime;
pub mod signature;
pub mod text;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use slack_morphism::prelude::*;

pub use delivery::{SlackApi, SlackDelivery};
pub use http::router;
pub use runtime::Shared;

use crate::coach::Coach;
use crate::config::{SlackConfig, SlackMode};
use crate::ops::health::{self, Link};
use crate::ops::server::{Mount, Server};
use crate::scheduler::Clock;
use crate::scheduler::pacing::Paced;

/// A running connection to Slack, in either mode.
pub struct Slack {
    shared: Arc<Shared>,
    socket: Option<SlackClientSocketModeListener<SlackClientHyperHttpsConnector>>,
    /// HTTP mode: where Slack's routes are mounted on the process's HTTP server.
    http: Option<Mount>,
    reconciling: tokio::task::JoinHandle<()>,
}

impl Slack {
    /// Checks the bot token, opens Socket Mode or mounts the Events API routes on `server` (the
    /// process's HTTP server, which HTTP mode needs), then reads back the ✅ on recent posts in
    /// the background.
    pub async fn start(
        config: &SlackConfig,
        coach: Coach,
        clock: Arc<dyn Clock>,
        server: Option<&Server>,
    ) -> anyhow::Result<Slack> {
        let token = config.bot_token.as_ref().context("no Slack bot token")?;
        let api = SlackApi::new(&config.api_url, token.expose())?;
        let shared = Arc::new(Shared::connect(api, coach, clock, config).await?);
        let (socket, http) = match config.mode {
            SlackMode::Socket => {
                let app_token = config.app_token.as_ref().context("no Slack app-level token")?;
                let listener = runtime::socket_mode(Arc::clone(&shared), app_token.expose()).await?;
                tracing::info!("Slack Socket Mode started");
                health::set_link(Link::Connected);
                (Some(listener), None)
            }
            SlackMode::Http => {
                let secret = config.signing_secret.clone().context("no Slack signing secret")?;
                let server = server.context("Slack's HTTP mode needs the HTTP server (http.listen)")?;
                server.mount.set(Some(router(Arc::clone(&shared), secret)));
                tracing::info!(address = %server.address, "Slack Events API endpoint listening");
                health::set_link(Link::Connected);
                (None, Some(server.mount.clone()))
            }
        };
        let (days, events) = (config.reconcile_days, Arc::clone(&shared));
        let reconciling = tokio::spawn(async move { reconcile::recent(&events, days).await });
        Ok(Slack { shared, socket, http, reconciling })
    }

    /// The delivery the scheduler posts through; events share its pacer.
    pub fn delivery(&self) -> Arc<Paced<SlackDelivery>> {
        Arc::clone(&self.shared.delivery)
    }

    /// Closes the websocket or takes the HTTP routes down (Slack gets 404s and retries
    /// elsewhere or later), then gives the events already taken in
    /// (a check-in being stored, an answer on its way to the response_url) up to `grace` to
    /// finish; what is still running after that is named in the log and dropped.
    pub async fn shutdown(self, grace: Duration) {
        self.reconciling.abort();
        if let Some(listener) = &self.socket {
            listener.shutdown().await;
        }
        if let Some(mount) = &self.http {
            mount.set(None);
        }
        health::set_link(Link::Disconnected);
        let tasks = &self.shared.tasks;
        tasks.close();
        if !tasks.is_empty() {
            tracing::info!(running = tasks.len(), "waiting for Slack events in progress");
        }
        if tokio::time::timeout(grace, tasks.wait()).await.is_err() {
            tracing::warn!(
                running = tasks.len(),
                grace_secs = grace.as_secs(),
                "Slack events still in progress at shutdown were dropped"
            );
        }
    }
}
