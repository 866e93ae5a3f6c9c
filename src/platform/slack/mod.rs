//! The Slack adapter: Block Kit rendering, request signing, and the `/studybot` command text.

pub mod render;
pub mod signature;
pub mod text;
