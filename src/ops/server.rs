//! The one HTTP server of `studybot run`: `/healthz`, `/readyz`, `/metrics`, the cohorts'
//! dashboard when it is configured, and Slack's signed routes when Slack runs in HTTP mode,
//! mounted once the Slack side has started.

use std::net::SocketAddr;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::PrometheusHandle;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

use super::dashboard::Dashboard;
use super::{health, metrics};
use crate::faults::chain;
use crate::store::Store;

/// How often histogram samples are folded in between scrapes, so they never pile up.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// The Prometheus text format's content type.
const TEXT_FORMAT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Routes mounted after the server started (Slack's, which need the Slack side running), and
/// taken away again when that side shuts down.
#[derive(Clone, Default)]
pub struct Mount(Arc<RwLock<Option<Router>>>);

impl Mount {
    pub fn set(&self, router: Option<Router>) {
        *self.0.write().unwrap_or_else(PoisonError::into_inner) = router;
    }

    fn get(&self) -> Option<Router> {
        self.0.read().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

#[derive(Clone)]
struct Ops {
    store: Store,
    handle: PrometheusHandle,
    mount: Mount,
}

/// The running server.
pub struct Server {
    pub address: SocketAddr,
    pub mount: Mount,
    stop: CancellationToken,
    served: JoinHandle<()>,
}

impl Server {
    /// Binds `listen` (a failure names the address) and serves until [`Server::shutdown`]; with
    /// the dashboard's routes when there is one.
    pub async fn start(
        listen: SocketAddr,
        store: Store,
        handle: PrometheusHandle,
        dashboard: Option<Dashboard>,
    ) -> anyhow::Result<Server> {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {listen} (http.listen): {e}"))?;
        let address = listener.local_addr()?;
        let mount = Mount::default();
        let ops = Ops { store, handle: handle.clone(), mount: mount.clone() };
        let stop = CancellationToken::new();
        let dashboard = dashboard.map(Dashboard::router);
        let paths = if dashboard.is_some() {
            "/healthz, /readyz, /metrics, /dashboard"
        } else {
            "/healthz, /readyz, /metrics"
        };
        let router = match dashboard {
            Some(dashboard) => router(ops).merge(dashboard),
            None => router(ops),
        };
        let (until, upkeep_stop) = (stop.clone(), stop.clone());
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    () = tokio::time::sleep(UPKEEP_EVERY) => handle.run_upkeep(),
                    () = upkeep_stop.cancelled() => return,
                }
            }
        });
        let served = tokio::spawn(async move {
            let serving = axum::serve(listener, router).with_graceful_shutdown(until.cancelled_owned());
            if let Err(e) = serving.await {
                tracing::error!(error = %chain(&e), "the HTTP server stopped");
            }
        });
        tracing::info!(%address, "HTTP server listening ({paths})");
        Ok(Server { address, mount, stop, served })
    }

    /// Stops taking connections and lets those in progress finish, for up to two seconds.
    pub async fn shutdown(self) {
        self.stop.cancel();
        if tokio::time::timeout(Duration::from_secs(2), self.served).await.is_err() {
            tracing::warn!("the HTTP server did not stop in time");
        }
    }
}

fn router(ops: Ops) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(scrape))
        .fallback(mounted)
        .with_state(ops)
}

async fn readyz(State(ops): State<Ops>) -> Response {
    match ready(&ops).await {
        Ok(()) => "ready".into_response(),
        Err(why) => (StatusCode::SERVICE_UNAVAILABLE, why).into_response(),
    }
}

/// Runs the readiness check and keeps `studybot_ready` in step with it.
async fn ready(ops: &Ops) -> Result<(), String> {
    let result = health::check(&ops.store).await;
    metrics::ready(result.is_ok());
    result
}

async fn scrape(State(ops): State<Ops>) -> Response {
    // A scrape also checks readiness, so `studybot_ready` is fresh without a separate prober.
    let _ = ready(&ops).await;
    ([(header::CONTENT_TYPE, TEXT_FORMAT)], ops.handle.render()).into_response()
}

async fn mounted(State(ops): State<Ops>, request: Request) -> Response {
    match ops.mount.get() {
        Some(router) => match router.oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        },
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
