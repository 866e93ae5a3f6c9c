-- studybot scheduler schema (SQLite). Keep in step with migrations/postgres/0003_scheduler.sql:
-- same tables, columns and triggers; only the DDL dialect differs.

-- When a claimed post whose send failed for a temporary reason may be tried again (epoch seconds).
ALTER TABLE lesson_posts ADD COLUMN retry_at INTEGER;

-- Platform user id of the organizer who set the cohort up: told when lesson posts fail for good.
ALTER TABLE cohorts ADD COLUMN created_by TEXT NOT NULL DEFAULT '';

-- One counter that every change to a cohort's calendar inputs bumps. Triggers do it, so no code
-- path can forget; a scheduler polls this single row to learn, across instances, that the
-- calendars it caches are stale.
CREATE TABLE schedule_epoch (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    epoch INTEGER NOT NULL
);
INSERT INTO schedule_epoch (id, epoch) VALUES (1, 0);

CREATE TRIGGER cohorts_epoch_insert AFTER INSERT ON cohorts
BEGIN UPDATE schedule_epoch SET epoch = epoch + 1; END;
CREATE TRIGGER cohorts_epoch_update AFTER UPDATE ON cohorts
BEGIN UPDATE schedule_epoch SET epoch = epoch + 1; END;
CREATE TRIGGER cohorts_epoch_delete AFTER DELETE ON cohorts
BEGIN UPDATE schedule_epoch SET epoch = epoch + 1; END;
CREATE TRIGGER cohort_holidays_epoch_insert AFTER INSERT ON cohort_holidays
BEGIN UPDATE schedule_epoch SET epoch = epoch + 1; END;
CREATE TRIGGER cohort_holidays_epoch_delete AFTER DELETE ON cohort_holidays
BEGIN UPDATE schedule_epoch SET epoch = epoch + 1; END;
CREATE TRIGGER cohort_pauses_epoch_insert AFTER INSERT ON cohort_pauses
BEGIN UPDATE schedule_epoch SET epoch = epoch + 1; END;
CREATE TRIGGER cohort_pauses_epoch_update AFTER UPDATE ON cohort_pauses
BEGIN UPDATE schedule_epoch SET epoch = epoch + 1; END;
CREATE TRIGGER cohort_adjustments_epoch_insert AFTER INSERT ON cohort_adjustments
BEGIN UPDATE schedule_epoch SET epoch = epoch + 1; END;
CREATE TRIGGER cohort_adjustments_epoch_delete AFTER DELETE ON cohort_adjustments
BEGIN UPDATE schedule_epoch SET epoch = epoch + 1; END;
