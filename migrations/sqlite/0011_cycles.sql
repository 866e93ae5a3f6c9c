-- no-transaction
-- studybot cycles (SQLite). Keep in step with migrations/postgres/0011_cycles.sql: same tables,
-- columns, constraints and triggers; only the DDL dialect differs.
--
-- A channel keeps a sequence of cohorts, one per cycle: the current one (archived_at NULL) and
-- the finished ones before it, read-only with all their history. SQLite cannot drop the
-- one-cohort-per-channel UNIQUE of 0001, so the table is rebuilt the documented way (foreign
-- keys off around a transaction, copy, drop, rename), which keeps every row and id; this is why
-- the file runs outside sqlx's own transaction.
PRAGMA foreign_keys = OFF;
BEGIN;

CREATE TABLE cohorts_new (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    platform             TEXT    NOT NULL CHECK (platform IN ('discord', 'slack', 'console')),
    workspace_id         TEXT    NOT NULL DEFAULT '',
    channel_id           TEXT    NOT NULL,
    curriculum_id        TEXT    NOT NULL,
    start_date           TEXT    NOT NULL,
    first_day            INTEGER NOT NULL DEFAULT 1,
    schedule             TEXT    NOT NULL,
    timezone             TEXT    NOT NULL,
    catch_up             TEXT    NOT NULL DEFAULT 'latest',
    max_lateness_secs    INTEGER NOT NULL DEFAULT 43200,
    quiz_seconds         INTEGER NOT NULL DEFAULT 60,
    state                TEXT    NOT NULL DEFAULT 'active'
                         CHECK (state IN ('active', 'paused', 'completed', 'flagged')),
    flag_reason          TEXT,
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL,
    grace_secs           INTEGER NOT NULL DEFAULT 21600 CHECK (grace_secs >= 0),
    reminder_hours       INTEGER NOT NULL DEFAULT 3 CHECK (reminder_hours >= 0),
    leaderboard_schedule TEXT    NOT NULL DEFAULT '0 17 * * FRI',
    completed_at         INTEGER,
    created_by           TEXT    NOT NULL DEFAULT '',
    curriculum_version   TEXT REFERENCES curriculum_versions (hash),
    -- 1 for a channel's first cycle, then 2, 3, …
    cycle_no             INTEGER NOT NULL DEFAULT 1 CHECK (cycle_no >= 1),
    -- When the next cycle replaced it; NULL for the channel's current cycle.
    archived_at          INTEGER,
    CHECK (archived_at IS NULL OR state = 'completed')
);

INSERT INTO cohorts_new (id, platform, workspace_id, channel_id, curriculum_id, start_date,
    first_day, schedule, timezone, catch_up, max_lateness_secs, quiz_seconds, state, flag_reason,
    created_at, updated_at, grace_secs, reminder_hours, leaderboard_schedule, completed_at,
    created_by, curriculum_version)
SELECT id, platform, workspace_id, channel_id, curriculum_id, start_date, first_day, schedule,
    timezone, catch_up, max_lateness_secs, quiz_seconds, state, flag_reason, created_at,
    updated_at, grace_secs, reminder_hours, leaderboard_schedule, completed_at, created_by,
    curriculum_version
FROM cohorts;

-- Dropping the table drops its triggers (0009's); they are made again below, unchanged.
DROP TABLE cohorts;
ALTER TABLE cohorts_new RENAME TO cohorts;

-- One current cycle per channel; every cycle of a channel has its own number.
CREATE UNIQUE INDEX cohorts_current_key ON cohorts (platform, channel_id) WHERE archived_at IS NULL;
CREATE UNIQUE INDEX cohorts_cycle_key ON cohorts (platform, channel_id, cycle_no);

CREATE TRIGGER cohorts_changed_insert AFTER INSERT ON cohorts
BEGIN
    UPDATE schedule_epoch SET epoch = epoch + 1;
    INSERT INTO cohort_changes (cohort_id, epoch) SELECT NEW.id, epoch FROM schedule_epoch WHERE id = 1
        ON CONFLICT (cohort_id) DO UPDATE SET epoch = excluded.epoch;
END;
CREATE TRIGGER cohorts_changed_update AFTER UPDATE ON cohorts
BEGIN
    UPDATE schedule_epoch SET epoch = epoch + 1;
    INSERT INTO cohort_changes (cohort_id, epoch) SELECT NEW.id, epoch FROM schedule_epoch WHERE id = 1
        ON CONFLICT (cohort_id) DO UPDATE SET epoch = excluded.epoch;
END;
CREATE TRIGGER cohorts_changed_delete AFTER DELETE ON cohorts
BEGIN
    UPDATE schedule_epoch SET epoch = epoch + 1;
    INSERT INTO cohort_changes (cohort_id, epoch) SELECT OLD.id, epoch FROM schedule_epoch WHERE id = 1
        ON CONFLICT (cohort_id) DO UPDATE SET epoch = excluded.epoch;
END;

-- The cycle queued to follow a running one (`/studybot next`): at most one per cycle, begun when
-- it completes. The curriculum is stored as it was when queued, like a cohort's own version.
CREATE TABLE queued_cycles (
    cohort_id          INTEGER PRIMARY KEY REFERENCES cohorts (id) ON DELETE CASCADE,
    curriculum_id      TEXT    NOT NULL,
    curriculum_version TEXT    NOT NULL REFERENCES curriculum_versions (hash),
    first_day          INTEGER NOT NULL,
    -- Local date of the first lesson; NULL: the schedule's next lesson date after the current
    -- cycle completes.
    start_date         TEXT,
    schedule           TEXT    NOT NULL,
    timezone           TEXT    NOT NULL,
    created_by         TEXT    NOT NULL,
    created_at         INTEGER NOT NULL
);

-- Journey stats. carried_streak: the journey streak a member brought into this cycle from the
-- one before (0 when the gap between them was longer than the schedule's own). journey_streak:
-- carried_streak plus this cycle's streak while it has not broken since the cycle began, else
-- this cycle's streak.
ALTER TABLE member_stats ADD COLUMN carried_streak INTEGER NOT NULL DEFAULT 0 CHECK (carried_streak >= 0);
ALTER TABLE member_stats ADD COLUMN journey_streak INTEGER NOT NULL DEFAULT 0 CHECK (journey_streak >= 0);

COMMIT;
PRAGMA foreign_keys = ON;
