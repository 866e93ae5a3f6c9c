-- studybot initial schema (PostgreSQL). Keep in step with migrations/sqlite/0001_initial.sql:
-- same tables, columns and constraints; only the DDL dialect differs.
-- Types are limited to what sqlx's Any driver decodes: every integer is BIGINT so Any yields i64.
-- Instants are BIGINT epoch seconds UTC, local dates TEXT 'YYYY-MM-DD', flags BIGINT 0/1.

CREATE TABLE cohorts (
    id                BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    platform          TEXT    NOT NULL CHECK (platform IN ('discord', 'slack', 'console')),
    workspace_id      TEXT    NOT NULL DEFAULT '',
    channel_id        TEXT    NOT NULL,
    curriculum_id     TEXT    NOT NULL,
    start_date        TEXT    NOT NULL,
    first_day         BIGINT  NOT NULL DEFAULT 1,
    schedule          TEXT    NOT NULL,
    timezone          TEXT    NOT NULL,
    catch_up          TEXT    NOT NULL DEFAULT 'latest',
    max_lateness_secs BIGINT  NOT NULL DEFAULT 43200,
    quiz_seconds      BIGINT  NOT NULL DEFAULT 60,
    state             TEXT    NOT NULL DEFAULT 'active'
                      CHECK (state IN ('active', 'paused', 'completed', 'flagged')),
    flag_reason       TEXT,
    created_at        BIGINT  NOT NULL,
    updated_at        BIGINT  NOT NULL,
    CONSTRAINT cohorts_channel_key UNIQUE (platform, channel_id)
);

CREATE TABLE cohort_holidays (
    cohort_id  BIGINT  NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    local_date TEXT    NOT NULL,
    PRIMARY KEY (cohort_id, local_date)
);

CREATE TABLE cohort_pauses (
    id         BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    cohort_id  BIGINT  NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    paused_at  BIGINT  NOT NULL,
    resumed_at BIGINT ,
    CHECK (resumed_at IS NULL OR resumed_at >= paused_at)
);
-- At most one open pause per cohort.
CREATE UNIQUE INDEX cohort_pauses_open_key ON cohort_pauses (cohort_id) WHERE resumed_at IS NULL;

CREATE TABLE cohort_adjustments (
    id         BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    cohort_id  BIGINT  NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    kind       TEXT    NOT NULL CHECK (kind IN ('skip', 'set_day')),
    local_date TEXT    NOT NULL,
    day        BIGINT ,
    created_at BIGINT  NOT NULL,
    CHECK (kind <> 'set_day' OR day IS NOT NULL)
);
CREATE INDEX cohort_adjustments_cohort ON cohort_adjustments (cohort_id, local_date);

CREATE TABLE members (
    id           BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    platform     TEXT    NOT NULL CHECK (platform IN ('discord', 'slack', 'console')),
    user_id      TEXT    NOT NULL,
    display_name TEXT    NOT NULL DEFAULT '',
    created_at   BIGINT  NOT NULL,
    CONSTRAINT members_user_key UNIQUE (platform, user_id)
);

CREATE TABLE cohort_members (
    cohort_id BIGINT  NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    member_id BIGINT  NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    joined_at BIGINT  NOT NULL,
    is_admin  BIGINT  NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1)),
    PRIMARY KEY (cohort_id, member_id)
);
CREATE INDEX cohort_members_member ON cohort_members (member_id);

-- The outbox: a row is claimed before the send and completed with the message id after.
CREATE TABLE lesson_posts (
    id                  BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    cohort_id           BIGINT  NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    day                 BIGINT  NOT NULL,
    local_date          TEXT    NOT NULL,
    due_at              BIGINT  NOT NULL,
    state               TEXT    NOT NULL DEFAULT 'claimed'
                        CHECK (state IN ('claimed', 'sent', 'failed', 'abandoned')),
    nonce               TEXT    NOT NULL,
    claimed_by          TEXT    NOT NULL,
    claimed_at          BIGINT  NOT NULL,
    attempts            BIGINT  NOT NULL DEFAULT 1,
    platform_message_id TEXT,
    sent_at             BIGINT ,
    last_error          TEXT,
    CONSTRAINT lesson_posts_day_key UNIQUE (cohort_id, day),
    CONSTRAINT lesson_posts_date_key UNIQUE (cohort_id, local_date),
    CONSTRAINT lesson_posts_nonce_key UNIQUE (nonce)
);
CREATE INDEX lesson_posts_message ON lesson_posts (platform_message_id);
CREATE INDEX lesson_posts_state ON lesson_posts (cohort_id, state);

CREATE TABLE checkpoints (
    id         BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    cohort_id  BIGINT  NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    member_id  BIGINT  NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    day        BIGINT  NOT NULL,
    source     TEXT    NOT NULL CHECK (source IN ('reaction', 'button', 'command', 'admin')),
    checked_at BIGINT  NOT NULL,
    on_time    BIGINT  NOT NULL DEFAULT 0 CHECK (on_time IN (0, 1)),
    dedupe_key TEXT,
    CONSTRAINT checkpoints_member_day_key UNIQUE (cohort_id, member_id, day)
);
CREATE INDEX checkpoints_member ON checkpoints (member_id);

-- A replayed inbound event finds its key here and is a no-op.
CREATE TABLE processed_events (
    dedupe_key  TEXT    PRIMARY KEY,
    kind        TEXT    NOT NULL,
    received_at BIGINT  NOT NULL
);
CREATE INDEX processed_events_received ON processed_events (received_at);

CREATE TABLE quiz_attempts (
    id          BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    cohort_id   BIGINT  NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    member_id   BIGINT  NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    quiz_key    TEXT    NOT NULL,
    attempt_no  BIGINT  NOT NULL CHECK (attempt_no >= 1),
    seed        BIGINT  NOT NULL,
    started_at  BIGINT  NOT NULL,
    finished_at BIGINT ,
    score       BIGINT ,
    max_score   BIGINT ,
    state       TEXT    NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'finished', 'abandoned')),
    CONSTRAINT quiz_attempts_no_key UNIQUE (cohort_id, member_id, quiz_key, attempt_no)
);
-- At most one open attempt per member and quiz.
CREATE UNIQUE INDEX quiz_attempts_open_key ON quiz_attempts (cohort_id, member_id, quiz_key)
    WHERE state = 'open';
CREATE INDEX quiz_attempts_member ON quiz_attempts (member_id);

CREATE TABLE quiz_answers (
    attempt_id  BIGINT  NOT NULL REFERENCES quiz_attempts (id) ON DELETE CASCADE,
    position    BIGINT  NOT NULL,
    question_id TEXT    NOT NULL,
    chosen      TEXT    NOT NULL,
    correct     BIGINT  NOT NULL CHECK (correct IN (0, 1)),
    answered_at BIGINT  NOT NULL,
    PRIMARY KEY (attempt_id, position)
);

CREATE TABLE jobs (
    id           BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         TEXT    NOT NULL,
    scheduled_at BIGINT  NOT NULL,
    state        TEXT    NOT NULL DEFAULT 'pending',
    payload      TEXT    NOT NULL DEFAULT '',
    CONSTRAINT jobs_name_time_key UNIQUE (name, scheduled_at)
);
CREATE INDEX jobs_due ON jobs (state, scheduled_at);
