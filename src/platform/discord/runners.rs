//! The gateway sessions this instance runs: one serenity shard manager per shard, so shards can
//! be started and stopped one by one as this instance's shard leases come and go.
//!
//! serenity 0.12.5's own manager boots a fixed range of shards at start; its `restart` can boot
//! any shard but first waits 5 s for a shutdown that never comes when the shard is not running.
//! A manager per shard has neither problem; the IDENTIFY pacing its queuer would give (one every
//! 5 s) is done by the caller ([`super::spread`]), by `max_concurrency` bucket.

use std::collections::BTreeMap;
use std::sync::Arc;

use futures_util::StreamExt as _;
use serenity::all::{EventHandler, GatewayIntents, Http, ShardRunnerMessage};
use serenity::gateway::{PresenceData, ShardManager, ShardManagerOptions};
use serenity::prelude::TypeMap;
use tokio::sync::{Mutex, RwLock, mpsc};

/// What a new shard manager is built from, and the managers running now.
pub struct Runners {
    http: Arc<Http>,
    handler: Arc<dyn EventHandler>,
    ws_url: Arc<Mutex<String>>,
    data: Arc<RwLock<TypeMap>>,
    intents: GatewayIntents,
    total: u32,
    running: BTreeMap<u32, Arc<ShardManager>>,
    /// Why a shard's session ended for good (a token refused at IDENTIFY, disallowed intents).
    failures: mpsc::UnboundedSender<String>,
}

impl Runners {
    /// Asks Discord for the gateway URL (`GET /gateway`, as serenity's client does) and returns
    /// no running shard yet, plus the channel that reports fatal session errors.
    pub async fn new(
        http: Arc<Http>,
        handler: Arc<dyn EventHandler>,
        intents: GatewayIntents,
        total: u32,
    ) -> (Runners, mpsc::UnboundedReceiver<String>) {
        let url = match http.get_gateway().await {
            Ok(gateway) => gateway.url,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the gateway URL; using Discord's default");
                "wss://gateway.discord.gg".to_string()
            }
        };
        let (failures, failed) = mpsc::unbounded_channel();
        let runners = Runners {
            http,
            handler,
            ws_url: Arc::new(Mutex::new(url)),
            data: Arc::new(RwLock::new(TypeMap::new())),
            intents,
            total,
            running: BTreeMap::new(),
            failures,
        };
        (runners, failed)
    }

    /// Starts shard `id` of the total: its IDENTIFY goes out at once.
    pub fn boot(&mut self, id: u32) {
        if self.running.contains_key(&id) {
            return;
        }
        let (manager, mut ended) = ShardManager::new(ShardManagerOptions {
            data: Arc::clone(&self.data),
            event_handlers: vec![Arc::clone(&self.handler)],
            raw_event_handlers: Vec::new(),
            shard_index: id,
            shard_init: 1,
            shard_total: self.total,
            ws_url: Arc::clone(&self.ws_url),
            http: Arc::clone(&self.http),
            intents: self.intents,
            presence: Some(PresenceData::default()),
        });
        if let Err(e) = manager.initialize() {
            let _ = self.failures.send(e.to_string());
        }
        let failures = self.failures.clone();
        tokio::spawn(async move {
            if let Some(Err(e)) = ended.next().await {
                let _ = failures.send(serenity::Error::Gateway(e).to_string());
            }
        });
        tracing::info!(shard = id, shards = self.total, "starting the gateway session of a shard");
        self.running.insert(id, manager);
    }

    /// Closes shard `id`'s session with 1000 and waits (up to 5 s) until it has closed.
    pub async fn stop(&mut self, id: u32) {
        if let Some(manager) = self.running.remove(&id) {
            close(&manager).await;
        }
    }

    pub async fn stop_all(&mut self) {
        while let Some((_, manager)) = self.running.pop_first() {
            close(&manager).await;
        }
    }
}

/// Asks the shard runner itself to close its session with 1000, then the manager. The manager's
/// `shutdown_all` alone does not reach a runner started by a re-identify (op 9): serenity 0.12.5
/// then holds a stale shutdown acknowledgement, forgets the runner before passing the request
/// on, and the socket died with the process instead of closing.
async fn close(manager: &ShardManager) {
    for (id, runner) in manager.runners.lock().await.iter() {
        runner.runner_tx.send_to_shard(ShardRunnerMessage::Shutdown(*id, 1000));
    }
    manager.shutdown_all().await;
}
