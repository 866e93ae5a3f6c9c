-- studybot per-cohort change stamps (SQLite). Keep in step with
-- migrations/postgres/0009_cohort_changes.sql: same table and triggers; only the dialect differs.

-- Which cohort each bump of the schedule epoch was for: a scheduler that cached the calendars as
-- of epoch E reloads only the cohorts whose stamp is above E, not all of them, and an event
-- handler checks one cohort's stamp to know whether its cached context is still current. The
-- triggers below replace those of 0003: each still bumps the epoch, and records the cohort. A
-- deleted cohort keeps its stamp (no foreign key), so a cache learns that it is gone.
CREATE TABLE cohort_changes (
    cohort_id INTEGER PRIMARY KEY,
    epoch     INTEGER NOT NULL
);
CREATE INDEX cohort_changes_by_epoch ON cohort_changes (epoch);

DROP TRIGGER cohorts_epoch_insert;
DROP TRIGGER cohorts_epoch_update;
DROP TRIGGER cohorts_epoch_delete;
DROP TRIGGER cohort_holidays_epoch_insert;
DROP TRIGGER cohort_holidays_epoch_delete;
DROP TRIGGER cohort_pauses_epoch_insert;
DROP TRIGGER cohort_pauses_epoch_update;
DROP TRIGGER cohort_adjustments_epoch_insert;
DROP TRIGGER cohort_adjustments_epoch_delete;

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
CREATE TRIGGER cohort_holidays_changed_insert AFTER INSERT ON cohort_holidays
BEGIN
    UPDATE schedule_epoch SET epoch = epoch + 1;
    INSERT INTO cohort_changes (cohort_id, epoch) SELECT NEW.cohort_id, epoch FROM schedule_epoch WHERE id = 1
        ON CONFLICT (cohort_id) DO UPDATE SET epoch = excluded.epoch;
END;
CREATE TRIGGER cohort_holidays_changed_delete AFTER DELETE ON cohort_holidays
BEGIN
    UPDATE schedule_epoch SET epoch = epoch + 1;
    INSERT INTO cohort_changes (cohort_id, epoch) SELECT OLD.cohort_id, epoch FROM schedule_epoch WHERE id = 1
        ON CONFLICT (cohort_id) DO UPDATE SET epoch = excluded.epoch;
END;
CREATE TRIGGER cohort_pauses_changed_insert AFTER INSERT ON cohort_pauses
BEGIN
    UPDATE schedule_epoch SET epoch = epoch + 1;
    INSERT INTO cohort_changes (cohort_id, epoch) SELECT NEW.cohort_id, epoch FROM schedule_epoch WHERE id = 1
        ON CONFLICT (cohort_id) DO UPDATE SET epoch = excluded.epoch;
END;
CREATE TRIGGER cohort_pauses_changed_update AFTER UPDATE ON cohort_pauses
BEGIN
    UPDATE schedule_epoch SET epoch = epoch + 1;
    INSERT INTO cohort_changes (cohort_id, epoch) SELECT NEW.cohort_id, epoch FROM schedule_epoch WHERE id = 1
        ON CONFLICT (cohort_id) DO UPDATE SET epoch = excluded.epoch;
END;
CREATE TRIGGER cohort_adjustments_changed_insert AFTER INSERT ON cohort_adjustments
BEGIN
    UPDATE schedule_epoch SET epoch = epoch + 1;
    INSERT INTO cohort_changes (cohort_id, epoch) SELECT NEW.cohort_id, epoch FROM schedule_epoch WHERE id = 1
        ON CONFLICT (cohort_id) DO UPDATE SET epoch = excluded.epoch;
END;
CREATE TRIGGER cohort_adjustments_changed_delete AFTER DELETE ON cohort_adjustments
BEGIN
    UPDATE schedule_epoch SET epoch = epoch + 1;
    INSERT INTO cohort_changes (cohort_id, epoch) SELECT OLD.cohort_id, epoch FROM schedule_epoch WHERE id = 1
        ON CONFLICT (cohort_id) DO UPDATE SET epoch = excluded.epoch;
END;
