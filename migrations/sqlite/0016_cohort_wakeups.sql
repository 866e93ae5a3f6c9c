-- studybot persisted wake-ups (SQLite). Keep in step with
-- migrations/postgres/0016_cohort_wakeups.sql: same table; only the DDL dialect differs.

-- When each cohort next has time-driven work, as the scheduler computed it after the cohort's
-- last successful tick, with the schedule epoch its calendar was loaded at. A scheduler that
-- starts ticks at once only the cohorts without a wake-up, or changed since (their stamp in
-- cohort_changes is above `stamp`); the others wait for `next_at` (NULL: nothing time-driven).
-- No trigger: writing a wake-up is no change to the cohort.
CREATE TABLE cohort_wakeups (
    cohort_id INTEGER PRIMARY KEY REFERENCES cohorts (id) ON DELETE CASCADE,
    next_at   INTEGER,
    stamp     INTEGER NOT NULL
);
