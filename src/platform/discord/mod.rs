//! Discord adapter: slash command definitions, option binding, and coach messages as Discord messages.

pub mod commands;
pub mod render;
