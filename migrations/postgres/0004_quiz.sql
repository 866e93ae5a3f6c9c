-- studybot quiz schema (PostgreSQL). Keep in step with migrations/sqlite/0004_quiz.sql:
-- same tables, columns and constraints; only the DDL dialect differs.

-- The question on screen and when it was shown (its time limit runs from there), and the options
-- toggled on a multiple-select question before Submit: an attempt in progress survives a restart.
ALTER TABLE quiz_attempts ADD COLUMN question_no BIGINT NOT NULL DEFAULT 0 CHECK (question_no >= 0);
ALTER TABLE quiz_attempts ADD COLUMN asked_at BIGINT;
ALTER TABLE quiz_attempts ADD COLUMN pending TEXT NOT NULL DEFAULT '';
-- The first completed attempt counts for points and the quiz leaderboard; retakes are practice.
ALTER TABLE quiz_attempts ADD COLUMN counted BIGINT NOT NULL DEFAULT 0 CHECK (counted IN (0, 1));
CREATE UNIQUE INDEX quiz_attempts_counted_key ON quiz_attempts (cohort_id, member_id, quiz_key)
    WHERE counted = 1;

-- Spaced review: each question a member missed, its Leitner box (1-3) and the number of posted
-- lessons at which it comes back.
CREATE TABLE quiz_reviews (
    cohort_id   BIGINT  NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    member_id   BIGINT  NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    question_id TEXT    NOT NULL,
    leitner_box BIGINT  NOT NULL CHECK (leitner_box BETWEEN 1 AND 3),
    due_lesson  BIGINT  NOT NULL CHECK (due_lesson >= 0),
    updated_at  BIGINT  NOT NULL,
    PRIMARY KEY (cohort_id, member_id, question_id)
);
CREATE INDEX quiz_reviews_member ON quiz_reviews (member_id);

-- One warm-up review question under each lesson post, for members who opt in (`/review on`).
ALTER TABLE cohort_members ADD COLUMN review_warmup BIGINT NOT NULL DEFAULT 0
    CHECK (review_warmup IN (0, 1));
