//! Operating the bot: readiness, the Prometheus metrics, and the HTTP server that serves both.

pub mod health;
pub mod metrics;
pub mod server;
