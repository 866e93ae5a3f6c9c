//! studybot: a study-coach bot that posts a Markdown curriculum's daily lessons and tracks progress.

pub mod cli;
pub mod coach;
pub mod config;
pub mod curriculum;
pub mod demo;
pub mod domain;
pub mod faults;
pub mod files;
pub mod hash;
pub mod ops;
pub mod pictures;
pub mod platform;
pub mod quiz;
pub mod redact;
pub mod scheduler;
pub mod store;
