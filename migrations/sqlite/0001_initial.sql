-- studybot initial schema (SQLite). Keep in step with migrations/postgres/0001_initial.sql:
-- same tables, columns and constraints; only the DDL dialect differs.
-- Types are limited to what sqlx's Any driver decodes: INTEGER, REAL, TEXT, BLOB.
-- Instants are INTEGER epoch seconds UTC, local dates TEXT 'YYYY-MM-DD', flags INTEGER 0/1.

CREATE TABLE cohorts (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    platform          TEXT    NOT NULL CHECK (platform IN ('discord', 'slack', 'console')),
    workspace_id      TEXT    NOT NULL DEFAULT '',
    channel_id        TEXT    NOT NULL,
    curriculum_id     TEXT    NOT NULL,
    start_date        TEXT    NOT NULL,
    first_day         INTEGER NOT NULL DEFAULT 1,
    schedule          TEXT    NOT NULL,
    timezone          TEXT    NOT NULL,
    catch_up          TEXT    NOT NULL DEFAULT 'latest',
    max_lateness_secs INTEGER NOT NULL DEFAULT 43200,
    quiz_seconds      INTEGER NOT NULL DEFAULT 60,
    state             TEXT    NOT NULL DEFAULT 'active'
                      CHECK (state IN ('active', 'paused', 'completed', 'flagged')),
    flag_reason       TEXT,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    CONSTRAINT cohorts_channel_key UNIQUE (platform, channel_id)
);

CREATE TABLE cohort_holidays (
    cohort_id  INTEGER NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    local_date TEXT    NOT NULL,
    PRIMARY KEY (cohort_id, local_date)
);

CREATE TABLE cohort_pauses (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    cohort_id  INTEGER NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    paused_at  INTEGER NOT NULL,
    resumed_at INTEGER,
    CHECK (resumed_at IS NULL OR resumed_at >= paused_at)
);
-- At most one open pause per cohort.
CREATE UNIQUE INDEX cohort_pauses_open_key ON cohort_pauses (cohort_id) WHERE resumed_at IS NULL;

CREATE TABLE cohort_adjustments (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    cohort_id  INTEGER NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    kind       TEXT    NOT NULL CHECK (kind IN ('skip', 'set_day')),
    local_date TEXT    NOT NULL,
    day        INTEGER,
    created_at INTEGER NOT NULL,
    CHECK (kind <> 'set_day' OR day IS NOT NULL)
);
CREATE INDEX cohort_adjustments_cohort ON cohort_adjustments (cohort_id, local_date);

CREATE TABLE members (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    platform     TEXT    NOT NULL CHECK (platform IN ('discord', 'slack', 'console')),
    user_id      TEXT    NOT NULL,
    display_name TEXT    NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    CONSTRAINT members_user_key UNIQUE (platform, user_id)
);

CREATE TABLE cohort_members (
    cohort_id INTEGER NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    member_id INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    joined_at INTEGER NOT NULL,
    is_admin  INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1)),
    PRIMARY KEY (cohort_id, member_id)
);
CREATE INDEX cohort_members_member ON cohort_members (member_id);

-- The outbox: a row is claimed before the send and completed with the message id after.
CREATE TABLE lesson_posts (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    cohort_id           INTEGER NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    day                 INTEGER NOT NULL,
    local_date          TEXT    NOT NULL,
    due_at              INTEGER NOT NULL,
    state               TEXT    NOT NULL DEFAULT 'claimed'
                        CHECK (state IN ('claimed', 'sent', 'failed', 'abandoned')),
    nonce               TEXT    NOT NULL,
    claimed_by          TEXT    NOT NULL,
    claimed_at          INTEGER NOT NULL,
    attempts            INTEGER NOT NULL DEFAULT 1,
    platform_message_id TEXT,
    sent_at             INTEGER,
    last_error          TEXT,
    CONSTRAINT lesson_posts_day_key UNIQUE (cohort_id, day),
    CONSTRAINT lesson_posts_date_key UNIQUE (cohort_id, local_date),
    CONSTRAINT lesson_posts_nonce_key UNIQUE (nonce)
);
CREATE INDEX lesson_posts_message ON lesson_posts (platform_message_id);
CREATE INDEX lesson_posts_state ON lesson_posts (cohort_id, state);

CREATE TABLE checkpoints (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    cohort_id  INTEGER NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    member_id  INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    day        INTEGER NOT NULL,
    source     TEXT    NOT NULL CHECK (source IN ('reaction', 'button', 'command', 'admin')),
    checked_at INTEGER NOT NULL,
    on_time    INTEGER NOT NULL DEFAULT 0 CHECK (on_time IN (0, 1)),
    dedupe_key TEXT,
    CONSTRAINT checkpoints_member_day_key UNIQUE (cohort_id, member_id, day)
);
CREATE INDEX checkpoints_member ON checkpoints (member_id);

-- A replayed inbound event finds its key here and is a no-op.
CREATE TABLE processed_events (
    dedupe_key  TEXT    PRIMARY KEY,
    kind        TEXT    NOT NULL,
    received_at INTEGER NOT NULL
);
CREATE INDEX processed_events_received ON processed_events (received_at);

CREATE TABLE quiz_attempts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    cohort_id   INTEGER NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    member_id   INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    quiz_key    TEXT    NOT NULL,
    attempt_no  INTEGER NOT NULL CHECK (attempt_no >= 1),
    seed        INTEGER NOT NULL,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER,
    score       INTEGER,
    max_score   INTEGER,
    state       TEXT    NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'finished', 'abandoned')),
    CONSTRAINT quiz_attempts_no_key UNIQUE (cohort_id, member_id, quiz_key, attempt_no)
);
-- At most one open attempt per member and quiz.
CREATE UNIQUE INDEX quiz_attempts_open_key ON quiz_attempts (cohort_id, member_id, quiz_key)
    WHERE state = 'open';
CREATE INDEX quiz_attempts_member ON quiz_attempts (member_id);

CREATE TABLE quiz_answers (
    attempt_id  INTEGER NOT NULL REFERENCES quiz_attempts (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    question_id TEXT    NOT NULL,
    chosen      TEXT    NOT NULL,
    correct     INTEGER NOT NULL CHECK (correct IN (0, 1)),
    answered_at INTEGER NOT NULL,
    PRIMARY KEY (attempt_id, position)
);

CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    name         TEXT    NOT NULL,
    scheduled_at INTEGER NOT NULL,
    state        TEXT    NOT NULL DEFAULT 'pending',
    payload      TEXT    NOT NULL DEFAULT '',
    CONSTRAINT jobs_name_time_key UNIQUE (name, scheduled_at)
);
CREATE INDEX jobs_due ON jobs (state, scheduled_at);
