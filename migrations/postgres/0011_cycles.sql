-- studybot cycles (PostgreSQL). Keep in step with migrations/sqlite/0011_cycles.sql: same tables,
-- columns, constraints and triggers; only the DDL dialect differs.
--
-- A channel keeps a sequence of cohorts, one per cycle: the current one (archived_at NULL) and
-- the finished ones before it, read-only with all their history.
ALTER TABLE cohorts DROP CONSTRAINT cohorts_channel_key;
-- 1 for a channel's first cycle, then 2, 3, …
ALTER TABLE cohorts ADD COLUMN cycle_no BIGINT NOT NULL DEFAULT 1 CHECK (cycle_no >= 1);
-- When the next cycle replaced it; NULL for the channel's current cycle.
ALTER TABLE cohorts ADD COLUMN archived_at BIGINT;
ALTER TABLE cohorts ADD CONSTRAINT cohorts_archived_completed CHECK (archived_at IS NULL OR state = 'completed');

-- One current cycle per channel; every cycle of a channel has its own number.
CREATE UNIQUE INDEX cohorts_current_key ON cohorts (platform, channel_id) WHERE archived_at IS NULL;
CREATE UNIQUE INDEX cohorts_cycle_key ON cohorts (platform, channel_id, cycle_no);

-- The cycle queued to follow a running one (`/studybot next`): at most one per cycle, begun when
-- it completes. The curriculum is stored as it was when queued, like a cohort's own version.
CREATE TABLE queued_cycles (
    cohort_id          BIGINT  PRIMARY KEY REFERENCES cohorts (id) ON DELETE CASCADE,
    curriculum_id      TEXT    NOT NULL,
    curriculum_version TEXT    NOT NULL REFERENCES curriculum_versions (hash),
    first_day          BIGINT  NOT NULL,
    -- Local date of the first lesson; NULL: the schedule's next lesson date after the current
    -- cycle completes.
    start_date         TEXT,
    schedule           TEXT    NOT NULL,
    timezone           TEXT    NOT NULL,
    created_by         TEXT    NOT NULL,
    created_at         BIGINT  NOT NULL
);

-- Journey stats. carried_streak: the journey streak a member brought into this cycle from the
-- one before (0 when the gap between them was longer than the schedule's own). journey_streak:
-- carried_streak plus this cycle's streak while it has not broken since the cycle began, else
-- this cycle's streak.
ALTER TABLE member_stats ADD COLUMN carried_streak BIGINT NOT NULL DEFAULT 0 CHECK (carried_streak >= 0);
ALTER TABLE member_stats ADD COLUMN journey_streak BIGINT NOT NULL DEFAULT 0 CHECK (journey_streak >= 0);
