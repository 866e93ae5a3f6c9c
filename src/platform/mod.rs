//! Platform adapters: each turns its wire events into coach events and renders coach messages.

#[cfg(test)]
pub mod arbitrary;
pub mod console;
pub mod discord;
pub mod slack;
pub mod split;
pub mod table;
