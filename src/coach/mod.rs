//! Coach: the platform-neutral use cases — cohorts, lessons, checkpoints, streaks, leaderboards, progress.
