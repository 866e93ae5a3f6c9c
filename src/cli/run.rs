//! `studybot run`: the bot itself — Discord or Slack (with `[discord]` or `[slack]` configured) or the console, and the scheduler under its lease, until SIGTERM or SIGINT.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use anyhow::Context;
use chrono::{DateTime, Utc};
use clap::Args;
use tokio_util::sync::CancellationToken;

use crate::coach::{Coach, Delivery};
use crate::config::{Config, DiscordConfig, SlackConfig, redact_url};
use crate::ops::dashboard::{ConfigLinks, Dashboard};
use crate::ops::health::{self, Link};
use crate::ops::metrics;
use crate::ops::server::Server;
use crate::platform::console::RecordDelivery;
use crate::platform::discord::Discord;
use crate::platform::slack::Slack;
use crate::scheduler::leader::{self, LeaseTiming};
use crate::scheduler::pacing::{Limits, Paced};
use crate::scheduler::{Clock, ScaledClock, Scheduler, SchedulerConfig, SystemClock};
use crate::store::Store;

/// How long the whole shutdown may take after SIGTERM before the process exits anyway.
const SHUTDOWN_LIMIT: Duration = Duration::from_secs(10);

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Console platform: also append each lesson post to FILE as a JSON line. It is the
    /// platform's own record, read after a crash to tell a post that was made from one that was not.
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,

    /// Console platform: do not print posts on stdout.
    #[arg(long)]
    pub quiet: bool,

    /// Rehearsal: run on a virtual clock that reads DATETIME (RFC 3339) at the anchor instant.
    #[arg(long, value_name = "DATETIME", requires = "clock_speed")]
    pub clock_origin: Option<DateTime<Utc>>,

    /// Rehearsal: how many times faster than real time the virtual clock runs (e.g. 3600).
    #[arg(long, value_name = "FACTOR", requires = "clock_origin", value_parser = crate::scheduler::clock::parse_speed)]
    pub clock_speed: Option<f64>,

    /// Rehearsal: the real instant (epoch milliseconds) at which the virtual clock reads
    /// --clock-origin; default: when this process starts. Restarts given the same value share
    /// one virtual timeline.
    #[arg(long, value_name = "EPOCH_MS", requires = "clock_origin",
          value_parser = clap::value_parser!(u64).range(..=crate::scheduler::clock::MAX_ANCHOR_MS))]
    pub clock_anchor_ms: Option<u64>,

    /// Seconds between renewals of the scheduler lease, and between a standby instance's
    /// attempts to take it over; overrides `scheduler.lease_renew_secs` (default 5). At most half
    /// of `scheduler.lease_ttl_secs`.
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=300))]
    pub lease_poll: Option<u64>,
}

pub fn run(args: &RunArgs, config: &Config) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let result = runtime.block_on(serve(args, config));
    runtime.shutdown_timeout(Duration::from_secs(1));
    result.map(|()| ExitCode::SUCCESS)
}

async fn serve(args: &RunArgs, config: &Config) -> anyhow::Result<()> {
    let url = config.database.connect_url();
    let store = Store::connect_with(url.expose(), Some(config.database.max_connections)).await?;
    store.migrate().await.with_context(|| format!("migrating {}", redact_url(&config.database.url)))?;
    let catalog = crate::coach::shipped::load(&config.curriculum.dir)?;
    let coach = Coach::new(store.clone(), catalog).with_dashboard(Arc::new(ConfigLinks::new(config)));
    // One clock for the process: the scheduler posts by it and the dashboard expires links by it.
    let clock = clock(args);
    let server = start_http(config, &store, &coach, &clock).await?;
    let stop = CancellationToken::new();
    watch_signals(stop.clone())?;
    let lease = LeaseArgs {
        url: url.expose(),
        store: &store,
        timing: lease_timing(args, config)?,
        scheduler: SchedulerConfig::from(&config.scheduler),
        stop: &stop,
    };
    let served = match (&config.discord, &config.slack) {
        (Some(discord), _) => serve_discord(discord, coach, clock, &lease, args).await,
        (None, Some(slack)) => serve_slack(slack, coach, clock, &lease, server.as_ref()).await,
        (None, None) => {
            let record = RecordDelivery::open(args.record.as_deref(), args.quiet)?;
            let delivery = Paced::new(record, Limits::none()).on_platform("console");
            health::set_link(Link::Connected);
            let scheduler = Scheduler::new(coach, delivery, clock, lease.scheduler.clone());
            tracing::info!(database = %redact_url(&config.database.url), platform = "console", "studybot running");
            lead(&scheduler, &lease).await
        }
    };
    if let Some(server) = server {
        server.shutdown().await;
    }
    let closed = tokio::time::timeout(SHUTDOWN_LIMIT / 2, store.close()).await;
    if closed.is_err() {
        tracing::warn!("database connections did not close in time");
    }
    served
}

/// The platform this process serves, as its metrics name it.
fn platform(config: &Config) -> &'static str {
    match (&config.discord, &config.slack) {
        (Some(_), _) => "discord",
        (None, Some(_)) => "slack",
        (None, None) => "console",
    }
}

/// The HTTP server (health, readiness, metrics, the dashboard; Slack's routes in HTTP mode),
/// unless `http.listen` turns it off. A port already taken stops the start with the address.
async fn start_http(
    config: &Config,
    store: &Store,
    coach: &Coach,
    clock: &Arc<dyn Clock>,
) -> anyhow::Result<Option<Server>> {
    let dashboard = Dashboard::from_config(config, coach.clone(), Arc::clone(clock));
    let Some(listen) = config.http_listen() else {
        if dashboard.is_some() {
            tracing::warn!("dashboard.secret is set but the HTTP server is off (http.listen): no dashboard");
        }
        tracing::info!("HTTP server off (http.listen): no /healthz, /readyz or /metrics");
        return Ok(None);
    };
    if dashboard.is_some() && config.public_url().is_none() {
        tracing::warn!(
            "the dashboard is served, but /studybot dashboard hands out no links until http.public_url is set"
        );
    }
    let handle = metrics::install(platform(config)).context("installing the metrics recorder")?;
    Server::start(listen, store.clone(), handle, dashboard).await.map(Some)
}

/// Where the lease lives, its timing, the scheduler's settings and when to stop: what [`lead`]
/// needs besides the scheduler.
struct LeaseArgs<'a> {
    url: &'a str,
    store: &'a Store,
    timing: LeaseTiming,
    scheduler: SchedulerConfig,
    stop: &'a CancellationToken,
}

/// `[scheduler]`, with `--lease-poll` replacing the renewal interval when given.
fn lease_timing(args: &RunArgs, config: &Config) -> anyhow::Result<LeaseTiming> {
    let mut timing = LeaseTiming::from_config(&config.scheduler);
    if let Some(poll) = args.lease_poll {
        config.scheduler.check_renewal(poll).map_err(|why| anyhow::anyhow!("--lease-poll {poll}: {why}"))?;
        timing.renew = Duration::from_secs(poll);
    }
    Ok(timing)
}

/// Slack: events are served by every instance (Socket Mode or HTTP); lesson posts only by the
/// lease holder.
async fn serve_slack(
    config: &SlackConfig,
    coach: Coach,
    clock: Arc<dyn Clock>,
    lease: &LeaseArgs<'_>,
    server: Option<&Server>,
) -> anyhow::Result<()> {
    let slack = Slack::start(config, coach.clone(), Arc::clone(&clock), server).await?;
    tracing::info!(platform = "slack", "studybot running");
    let scheduler = Scheduler::new(coach, slack.delivery(), clock, lease.scheduler.clone());
    let led = lead(&scheduler, lease).await;
    slack.shutdown(lease.scheduler.shutdown_grace).await;
    led
}

/// Discord: each guild's events are served by the instance holding its shard; lesson posts
/// only by the scheduler lease's holder. A gateway that gives up (a token refused at IDENTIFY) stops the process with the reason.
async fn serve_discord(
    config: &DiscordConfig,
    coach: Coach,
    clock: Arc<dyn Clock>,
    lease: &LeaseArgs<'_>,
    args: &RunArgs,
) -> anyhow::Result<()> {
    if args.record.is_some() || args.quiet {
        tracing::warn!("--record and --quiet apply to the console platform only; ignored on Discord");
    }
    let mut discord =
        Discord::start(config, coach.clone(), Arc::clone(&clock), lease.url, lease.timing).await?;
    tracing::info!(platform = "discord", "studybot running");
    let scheduler = Scheduler::new(coach, discord.delivery(), clock, lease.scheduler.clone());
    let watch_gateway = async {
        tokio::select! {
            why = discord.failed() => {
                lease.stop.cancel();
                Some(why)
            }
            () = lease.stop.cancelled() => None,
        }
    };
    let (led, failure) = tokio::join!(lead(&scheduler, lease), watch_gateway);
    discord.shutdown().await;
    match failure {
        Some(why) => Err(anyhow::anyhow!(why)),
        None => led,
    }
}

fn clock(args: &RunArgs) -> Arc<dyn Clock> {
    let (Some(origin), Some(speed)) = (args.clock_origin, args.clock_speed) else {
        return Arc::new(SystemClock);
    };
    let anchor = args
        .clock_anchor_ms
        .map_or_else(SystemTime::now, |ms| SystemTime::UNIX_EPOCH + Duration::from_millis(ms));
    tracing::info!(%origin, speed, "virtual clock");
    Arc::new(ScaledClock::new(origin, anchor, speed))
}

/// Runs the scheduler whenever this instance holds the scheduler lease; stands by (PostgreSQL)
/// or refuses (SQLite, one instance per file) while another instance has it.
async fn lead<D: Delivery>(scheduler: &Scheduler<D>, lease: &LeaseArgs<'_>) -> anyhow::Result<()> {
    leader::lead(lease.url, lease.store, lease.timing, lease.stop, |fence, term| async move {
        scheduler.run(&fence, term).await;
    })
    .await
}

/// SIGTERM (containers, systemd) and SIGINT (Ctrl-C) both ask for a clean stop.
fn watch_signals(stop: CancellationToken) -> anyhow::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).context("listening for SIGTERM")?;
    let mut int = signal(SignalKind::interrupt()).context("listening for SIGINT")?;
    tokio::spawn(async move {
        tokio::select! {
            _ = term.recv() => tracing::info!("SIGTERM: stopping"),
            _ = int.recv() => tracing::info!("SIGINT: stopping"),
        }
        stop.cancel();
    });
    Ok(())
}
