-- studybot curriculum versions and audit (SQLite). Keep in step with
-- migrations/postgres/0006_curriculum_versions.sql: same tables, columns, constraints and
-- triggers; only the DDL dialect differs.

-- Every curriculum a cohort has run on, as it was read: the Markdown source and the quiz bank's
-- source, keyed by the SHA-256 of both. A row is never changed (the trigger below refuses it):
-- a cohort runs on its row whatever later happens to the file on disk.
CREATE TABLE curriculum_versions (
    hash          TEXT    PRIMARY KEY CHECK (length(hash) = 64),
    curriculum_id TEXT    NOT NULL,
    title         TEXT    NOT NULL,
    source        TEXT    NOT NULL,
    -- NULL when the curriculum had no (valid) quiz bank.
    bank_source   TEXT,
    created_at    INTEGER NOT NULL
);
CREATE INDEX curriculum_versions_curriculum ON curriculum_versions (curriculum_id, created_at);

CREATE TRIGGER curriculum_versions_immutable BEFORE UPDATE ON curriculum_versions
BEGIN SELECT RAISE(ABORT, 'curriculum versions are immutable'); END;

-- The version a cohort runs on. NULL only for cohorts set up before this migration: they are
-- bound to the file as it is when the bot first loads them after the upgrade.
ALTER TABLE cohorts ADD COLUMN curriculum_version TEXT REFERENCES curriculum_versions (hash);

-- Admin acts and deletions: who, when, what, why. Not tied to the cohort by a foreign key, so
-- the record outlives a deleted cohort.
CREATE TABLE audit (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         INTEGER NOT NULL,
    platform   TEXT    NOT NULL DEFAULT '',
    actor      TEXT    NOT NULL,
    cohort_id  INTEGER,
    action     TEXT    NOT NULL,
    detail     TEXT    NOT NULL DEFAULT '',
    reason     TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX audit_cohort ON audit (cohort_id, at);
