//! The metrics studybot exposes (names, help, buckets), the recorder that renders them in the
//! Prometheus text format, and one small function per event, called from the few central places.
//!
//! Without an installed recorder (`http.listen = "off"`, or any command other than `run`) every
//! function here is a no-op, so tests and tools pay nothing.

use std::time::Duration;

use metrics::{Unit, counter, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::faults::ErrorClass;

pub const LESSON_POSTS: &str = "studybot_lesson_posts_total";
pub const LESSON_LATENESS: &str = "studybot_lesson_lateness_seconds";
pub const CHECKINS: &str = "studybot_checkins_total";
pub const HANDLING: &str = "studybot_handling_seconds";
pub const ACKS_LATE: &str = "studybot_acks_late_total";
pub const TURNED_AWAY: &str = "studybot_requests_turned_away_total";
pub const RATE_LIMITED: &str = "studybot_rate_limited_total";
pub const RATE_LIMIT_WAIT: &str = "studybot_rate_limit_wait_seconds";
pub const LEASE_HOLDER: &str = "studybot_lease_holder";
pub const LEASE_TAKEOVERS: &str = "studybot_lease_takeovers_total";
pub const DB_ERRORS: &str = "studybot_db_errors_total";
pub const ACTIVE_COHORTS: &str = "studybot_active_cohorts";
pub const ACTIVE_MEMBERS: &str = "studybot_active_members";
pub const WRITER_BATCH: &str = "studybot_writer_batch_size";
pub const READY: &str = "studybot_ready";
pub const BUILD_INFO: &str = "studybot_build_info";

/// Discord's interaction deadline and Slack's acknowledgement deadline are both 3 s.
pub const ACK_DEADLINE: Duration = Duration::from_secs(3);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Counter,
    Gauge,
    Histogram,
}

/// One metric: its name, type, labels and what it means (the same text as `# HELP`).
pub struct Metric {
    pub name: &'static str,
    pub kind: Kind,
    pub labels: &'static str,
    pub help: &'static str,
}

/// Every metric, in the order docs/operations.md lists them.
pub const METRICS: &[Metric] = &[
    Metric {
        name: LESSON_POSTS,
        kind: Kind::Counter,
        labels: "platform, outcome",
        help: "Lesson post attempts by outcome: sent (confirmed by the platform), retried (a temporary failure, retried later), failed (refused for good; the cohort is flagged), abandoned (too late to post)",
    },
    Metric {
        name: LESSON_LATENESS,
        kind: Kind::Histogram,
        labels: "platform",
        help: "Seconds from a lesson's due instant (on the scheduler's clock) to its confirmed send",
    },
    Metric {
        name: CHECKINS,
        kind: Kind::Counter,
        labels: "platform, source",
        help: "Check-ins recorded (committed), by source: reaction, button, command, admin",
    },
    Metric {
        name: HANDLING,
        kind: Kind::Histogram,
        labels: "platform, kind",
        help: "Seconds the coach took to handle an event, by kind: command, reaction, button",
    },
    Metric {
        name: ACKS_LATE,
        kind: Kind::Counter,
        labels: "platform",
        help: "Interactions and events whose acknowledgement went out after the platform's 3 s deadline",
    },
    Metric {
        name: TURNED_AWAY,
        kind: Kind::Counter,
        labels: "platform, kind",
        help: "Requests turned away because slack.max_in_flight requests' work was in flight: events (answered 503, so Slack delivers them again), commands (a busy reply), interactions (503)",
    },
    Metric {
        name: RATE_LIMITED,
        kind: Kind::Counter,
        labels: "platform",
        help: "HTTP 429 answers received from the platform",
    },
    Metric {
        name: RATE_LIMIT_WAIT,
        kind: Kind::Histogram,
        labels: "platform",
        help: "Seconds a request waited for the platform's rate limits (pacing and 429 retry_after) before it went out",
    },
    Metric {
        name: LEASE_HOLDER,
        kind: Kind::Gauge,
        labels: "",
        help: "1 while this instance holds the scheduler lease (posts lessons), else 0",
    },
    Metric {
        name: LEASE_TAKEOVERS,
        kind: Kind::Counter,
        labels: "",
        help: "Times this instance took the scheduler lease (a new generation): at start, and on taking over from an instance that stopped renewing",
    },
    Metric {
        name: DB_ERRORS,
        kind: Kind::Counter,
        labels: "class",
        help: "Database errors by class: disk_full, read_only, busy, connection_lost, constraint, other",
    },
    Metric {
        name: ACTIVE_COHORTS,
        kind: Kind::Gauge,
        labels: "",
        help: "Active cohorts (not paused, flagged or completed), refreshed by the lease holder once a minute",
    },
    Metric {
        name: ACTIVE_MEMBERS,
        kind: Kind::Gauge,
        labels: "",
        help: "Distinct members of active cohorts, refreshed by the lease holder once a minute",
    },
    Metric {
        name: WRITER_BATCH,
        kind: Kind::Histogram,
        labels: "",
        help: "Writes per group-commit transaction of members' check-ins and answers",
    },
    Metric {
        name: READY,
        kind: Kind::Gauge,
        labels: "",
        help: "1 when the last readiness check (each /readyz and each /metrics scrape) passed, else 0",
    },
    Metric {
        name: BUILD_INFO,
        kind: Kind::Gauge,
        labels: "version, platform",
        help: "Always 1; the labels say which version runs and on which platform",
    },
];

const SECONDS_FAST: &[f64] = &[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0];
const SECONDS_WAIT: &[f64] = &[0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0];
const SECONDS_LATE: &[f64] =
    &[1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0, 7200.0, 21600.0];
const BATCH: &[f64] = &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0];

/// What a lesson post came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostOutcome {
    Sent,
    Retried,
    Failed,
    Abandoned,
}

impl PostOutcome {
    const ALL: [PostOutcome; 4] =
        [PostOutcome::Sent, PostOutcome::Retried, PostOutcome::Failed, PostOutcome::Abandoned];

    fn label(self) -> &'static str {
        match self {
            PostOutcome::Sent => "sent",
            PostOutcome::Retried => "retried",
            PostOutcome::Failed => "failed",
            PostOutcome::Abandoned => "abandoned",
        }
    }
}

/// Installs the process-wide recorder for `platform` (`discord`, `slack`, `console`) and starts
/// every series this process can have at zero, so rates and alerts see them from the first scrape.
pub fn install(platform: &'static str) -> anyhow::Result<PrometheusHandle> {
    let mut builder = PrometheusBuilder::new();
    for (name, buckets) in [
        (LESSON_LATENESS, SECONDS_LATE),
        (HANDLING, SECONDS_FAST),
        (RATE_LIMIT_WAIT, SECONDS_WAIT),
        (WRITER_BATCH, BATCH),
    ] {
        builder = builder.set_buckets_for_metric(Matcher::Full(name.into()), buckets)?;
    }
    let handle = builder.install_recorder()?;
    for metric in METRICS {
        let unit = metric.name.ends_with("_seconds").then_some(Unit::Seconds);
        let (name, help) = (metric.name, metric.help);
        match (metric.kind, unit) {
            (Kind::Counter, _) => metrics::describe_counter!(name, help),
            (Kind::Gauge, _) => metrics::describe_gauge!(name, help),
            (Kind::Histogram, Some(unit)) => metrics::describe_histogram!(name, unit, help),
            (Kind::Histogram, None) => metrics::describe_histogram!(name, help),
        }
    }
    start_at_zero(platform);
    Ok(handle)
}

fn start_at_zero(platform: &'static str) {
    for outcome in PostOutcome::ALL {
        counter!(LESSON_POSTS, "platform" => platform, "outcome" => outcome.label()).absolute(0);
    }
    for source in ["reaction", "button", "command", "admin"] {
        counter!(CHECKINS, "platform" => platform, "source" => source).absolute(0);
    }
    for kind in ["command", "reaction", "button"] {
        let _ = histogram!(HANDLING, "platform" => platform, "kind" => kind);
    }
    let _ = histogram!(LESSON_LATENESS, "platform" => platform);
    let _ = histogram!(RATE_LIMIT_WAIT, "platform" => platform);
    let _ = histogram!(WRITER_BATCH);
    counter!(ACKS_LATE, "platform" => platform).absolute(0);
    for kind in ["event", "command", "interaction"] {
        counter!(TURNED_AWAY, "platform" => platform, "kind" => kind).absolute(0);
    }
    counter!(RATE_LIMITED, "platform" => platform).absolute(0);
    for class in ErrorClass::ALL {
        counter!(DB_ERRORS, "class" => class.label()).absolute(0);
    }
    counter!(LEASE_TAKEOVERS).absolute(0);
    gauge!(LEASE_HOLDER).set(0.0);
    gauge!(ACTIVE_COHORTS).set(0.0);
    gauge!(ACTIVE_MEMBERS).set(0.0);
    gauge!(READY).set(0.0);
    gauge!(BUILD_INFO, "version" => env!("CARGO_PKG_VERSION"), "platform" => platform).set(1.0);
}

/// A platform name as a static label; anything unknown is `other`, so a label never grows.
pub fn platform_label(platform: &str) -> &'static str {
    match platform {
        "discord" => "discord",
        "slack" => "slack",
        "console" => "console",
        _ => "other",
    }
}

pub fn lesson_post(platform: &str, outcome: PostOutcome) {
    counter!(LESSON_POSTS, "platform" => platform_label(platform), "outcome" => outcome.label()).increment(1);
}

pub fn lesson_lateness(platform: &str, seconds: f64) {
    histogram!(LESSON_LATENESS, "platform" => platform_label(platform)).record(seconds.max(0.0));
}

/// A check-in committed; `source` is the checkpoint's source as stored.
pub fn checkin(platform: &str, source: &str) {
    let source = match source {
        "reaction" => "reaction",
        "button" => "button",
        "command" => "command",
        "admin" => "admin",
        _ => "other",
    };
    counter!(CHECKINS, "platform" => platform_label(platform), "source" => source).increment(1);
}

pub fn handled(platform: &str, kind: &'static str, took: Duration) {
    histogram!(HANDLING, "platform" => platform_label(platform), "kind" => kind).record(took.as_secs_f64());
}

/// An acknowledgement that took `took` from receipt: counted when it missed the deadline.
pub fn ack(platform: &'static str, took: Duration) {
    if took > ACK_DEADLINE {
        counter!(ACKS_LATE, "platform" => platform).increment(1);
    }
}

pub fn turned_away(platform: &'static str, kind: &'static str) {
    counter!(TURNED_AWAY, "platform" => platform, "kind" => kind).increment(1);
}

pub fn rate_limited(platform: &'static str) {
    counter!(RATE_LIMITED, "platform" => platform).increment(1);
}

pub fn rate_limit_wait(platform: &'static str, waited: Duration) {
    histogram!(RATE_LIMIT_WAIT, "platform" => platform).record(waited.as_secs_f64());
}

pub fn lease_held(held: bool) {
    gauge!(LEASE_HOLDER).set(if held { 1.0 } else { 0.0 });
}

pub fn lease_taken() {
    counter!(LEASE_TAKEOVERS).increment(1);
}

pub fn db_error(class: ErrorClass) {
    counter!(DB_ERRORS, "class" => class.label()).increment(1);
}

pub fn active(cohorts: i64, members: i64) {
    gauge!(ACTIVE_COHORTS).set(cohorts as f64);
    gauge!(ACTIVE_MEMBERS).set(members as f64);
}

pub fn writer_batch(size: usize) {
    histogram!(WRITER_BATCH).record(size as f64);
}

pub fn ready(ready: bool) {
    gauge!(READY).set(if ready { 1.0 } else { 0.0 });
}
