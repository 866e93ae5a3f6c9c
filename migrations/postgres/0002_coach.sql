-- studybot coach schema (PostgreSQL). Keep in step with migrations/sqlite/0002_coach.sql:
-- same tables, columns and constraints; only the DDL dialect differs.
-- Every integer is BIGINT so Any yields i64. Instants are BIGINT epoch seconds UTC, local dates
-- TEXT 'YYYY-MM-DD', flags BIGINT 0/1.

-- Grace after a lesson's deadline, reminder lead time, and the weekly leaderboard cron
-- (5 fields, in the cohort's timezone). completed_at is set once, when the last day is done.
ALTER TABLE cohorts ADD COLUMN grace_secs BIGINT NOT NULL DEFAULT 21600 CHECK (grace_secs >= 0);
ALTER TABLE cohorts ADD COLUMN reminder_hours BIGINT NOT NULL DEFAULT 3 CHECK (reminder_hours >= 0);
ALTER TABLE cohorts ADD COLUMN leaderboard_schedule TEXT NOT NULL DEFAULT '0 17 * * FRI';
ALTER TABLE cohorts ADD COLUMN completed_at BIGINT;

ALTER TABLE cohort_members ADD COLUMN remind BIGINT NOT NULL DEFAULT 0 CHECK (remind IN (0, 1));
ALTER TABLE cohort_members ADD COLUMN leaderboard_optout BIGINT NOT NULL DEFAULT 0
    CHECK (leaderboard_optout IN (0, 1));

-- When a claimed job (e.g. one weekly leaderboard slot) was taken.
ALTER TABLE jobs ADD COLUMN claimed_at BIGINT;

-- Per-member summary, written in the same transaction as each checkpoint, so a leaderboard reads
-- N rows from an index instead of aggregating checkpoints.
CREATE TABLE member_stats (
    cohort_id      BIGINT  NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    member_id      BIGINT  NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    lessons_done   BIGINT  NOT NULL DEFAULT 0 CHECK (lessons_done >= 0),
    on_time        BIGINT  NOT NULL DEFAULT 0 CHECK (on_time >= 0),
    late           BIGINT  NOT NULL DEFAULT 0 CHECK (late >= 0),
    missed         BIGINT  NOT NULL DEFAULT 0 CHECK (missed >= 0),
    current_streak BIGINT  NOT NULL DEFAULT 0 CHECK (current_streak >= 0),
    best_streak    BIGINT  NOT NULL DEFAULT 0 CHECK (best_streak >= current_streak),
    freezes_held   BIGINT  NOT NULL DEFAULT 0 CHECK (freezes_held >= 0),
    freezes_used   BIGINT  NOT NULL DEFAULT 0 CHECK (freezes_used >= 0),
    quiz_points    BIGINT  NOT NULL DEFAULT 0,
    points         BIGINT  NOT NULL DEFAULT 0,
    -- When `points` last increased: equal scores rank the member who got there first higher.
    reached_at     BIGINT  NOT NULL DEFAULT 0,
    updated_at     BIGINT  NOT NULL,
    PRIMARY KEY (cohort_id, member_id)
);
-- One index per leaderboard order: "top N within a cohort" is an index range scan with LIMIT.
CREATE INDEX member_stats_points ON member_stats (cohort_id, points DESC, reached_at, member_id);
CREATE INDEX member_stats_streak ON member_stats (cohort_id, current_streak DESC, reached_at, member_id);
CREATE INDEX member_stats_lessons ON member_stats (cohort_id, lessons_done DESC, reached_at, member_id);
CREATE INDEX member_stats_quiz ON member_stats (cohort_id, quiz_points DESC, reached_at, member_id);
CREATE INDEX member_stats_member ON member_stats (member_id);

-- "Tell once" records, e.g. ('freeze_used', '124') or ('reminder', '124').
CREATE TABLE notices (
    cohort_id  BIGINT  NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    member_id  BIGINT  NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    kind       TEXT    NOT NULL,
    key        TEXT    NOT NULL,
    created_at BIGINT  NOT NULL,
    PRIMARY KEY (cohort_id, member_id, kind, key)
);
CREATE INDEX notices_member ON notices (member_id);

-- `/posted linkedin|blog <url>`: one post of each kind per member and curriculum day.
CREATE TABLE content_posts (
    id        BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    cohort_id BIGINT  NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    member_id BIGINT  NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    kind      TEXT    NOT NULL CHECK (kind IN ('linkedin', 'blog')),
    day       BIGINT  NOT NULL,
    url       TEXT    NOT NULL,
    posted_at BIGINT  NOT NULL,
    CONSTRAINT content_posts_member_day_key UNIQUE (cohort_id, member_id, kind, day)
);
CREATE INDEX content_posts_member ON content_posts (member_id);

-- `/assess <item>`: the final-assessment checklist, one tick per item.
CREATE TABLE assessment_ticks (
    cohort_id BIGINT  NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    member_id BIGINT  NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    item      TEXT    NOT NULL,
    ticked_at BIGINT  NOT NULL,
    PRIMARY KEY (cohort_id, member_id, item)
);
CREATE INDEX assessment_ticks_member ON assessment_ticks (member_id);
