//! Operating the bot: readiness, the Prometheus metrics, the cohorts' web dashboard, and the HTTP
//! server that serves them.

pub mod dashboard;
pub mod health;
pub mod metrics;
pub mod server;
