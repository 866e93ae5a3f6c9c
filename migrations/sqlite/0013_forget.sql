-- studybot forgetting and leaving (SQLite). Keep in step with migrations/postgres/0013_forget.sql:
-- same tables, columns and constraints; only the DDL dialect differs.

-- `/leave`: when the member left the cohort's reminders and direct messages; their history stays.
-- NULL while they take part (`/join` clears it).
ALTER TABLE cohort_members ADD COLUMN left_at INTEGER;

-- `/forget`: one row per deletion, with what was deleted counted and nothing about who. Not tied
-- to the cohort by a foreign key, so the record outlives a deleted cohort.
CREATE TABLE deletions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    at            INTEGER NOT NULL,
    platform      TEXT    NOT NULL,
    -- NULL when the member's data was deleted in every cohort of the platform.
    cohort_id     INTEGER,
    checkpoints   INTEGER NOT NULL CHECK (checkpoints >= 0),
    quiz_attempts INTEGER NOT NULL CHECK (quiz_attempts >= 0)
);
CREATE INDEX deletions_cohort ON deletions (cohort_id, at);
