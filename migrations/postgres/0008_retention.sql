-- studybot retention and weekly scores (PostgreSQL). Keep in step with
-- migrations/sqlite/0008_retention.sql: same indexes; only the DDL dialect differs.

-- The weekly leaderboard sums one cohort's checkpoints over a range of checked_at: an index
-- range scan instead of reading the cohort's whole history.
CREATE INDEX checkpoints_cohort_checked ON checkpoints (cohort_id, checked_at);

-- The scheduler deletes processed_events older than scheduler.processed_events_retention_days
-- by received_at; 0001 already indexes it (processed_events_received), so nothing to add here.
