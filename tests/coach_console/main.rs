//! A scripted cohort played through the console platform on a virtual clock, on SQLite and PostgreSQL.
//!
//! The main cycle runs a 12-day curriculum written in `script.rs`, so every expected number can be
//! worked out by hand (`small.rs`); the last test runs the shipped 30-day curriculum with a simple
//! pattern (`shipped.rs`). The hand computations sit next to the assertions; the rules are in
//! docs/streaks.md and src/domain/.

#[path = "../support/mod.rs"]
mod support;

mod harness;
mod script;
mod shipped;
mod small;

use shipped::shipped_curriculum_cycle;
use small::{
    cycle_totals_match_the_hand_computation, holiday_and_pause_move_posts_without_breaking_streaks,
    late_checks_and_freezes, leaderboard_ties_share_a_rank_and_opt_out_hides,
    reaction_and_command_undo_and_replays_count_once, refusals_change_nothing,
};

backend_tests!(
    refusals_change_nothing,
    reaction_and_command_undo_and_replays_count_once,
    leaderboard_ties_share_a_rank_and_opt_out_hides,
    holiday_and_pause_move_posts_without_breaking_streaks,
    late_checks_and_freezes,
    cycle_totals_match_the_hand_computation,
    shipped_curriculum_cycle,
);
