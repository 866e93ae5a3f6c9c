-- studybot fenced leases (SQLite). Keep in step with migrations/postgres/0005_fenced_lease.sql:
-- same tables, columns and constraints; only the DDL dialect differs.

-- A lease that expires unless renewed: who holds `name` (the scheduler; later each Discord
-- shard), until when, and its generation. Taking a lease over (after it expired, or was
-- released) increments the generation. Times are the database's clock, epoch milliseconds, so
-- instances with skewed clocks agree on who holds it.
CREATE TABLE leases (
    name           TEXT    PRIMARY KEY,
    holder         TEXT    NOT NULL,
    generation     INTEGER NOT NULL CHECK (generation >= 1),
    acquired_at_ms INTEGER NOT NULL,
    renewed_at_ms  INTEGER NOT NULL,
    expires_at_ms  INTEGER NOT NULL
);

-- The lease generation that claimed an outbox row. Completing, deferring, closing or re-sending
-- a row is guarded by it in the statement itself, so a leader that lost its lease cannot touch a
-- row a newer leader has adopted. 0: claimed by an in-process tool (console, demo) or before
-- this migration.
ALTER TABLE lesson_posts ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;
