//! Shared helpers for integration tests.

#![allow(dead_code)] // each test crate uses a different subset

pub mod bot;
pub mod chat;
pub mod cli;
pub mod cycles;
pub mod db;
pub mod discord_bot;
pub mod discord_client;
pub mod fake_discord;
pub mod fake_slack;
pub mod fixtures;
pub mod inproc;
pub mod limited;
pub mod png;
pub mod proxy;
pub mod readback;
pub mod scrape;
pub mod slack_bot;
pub mod slack_client;
