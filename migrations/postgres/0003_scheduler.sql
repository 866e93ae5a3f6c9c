-- studybot scheduler schema (PostgreSQL). Keep in step with migrations/sqlite/0003_scheduler.sql:
-- same tables, columns and triggers; only the DDL dialect differs.

-- When a claimed post whose send failed for a temporary reason may be tried again (epoch seconds).
ALTER TABLE lesson_posts ADD COLUMN retry_at BIGINT;

-- Platform user id of the organizer who set the cohort up: told when lesson posts fail for good.
ALTER TABLE cohorts ADD COLUMN created_by TEXT NOT NULL DEFAULT '';

-- One counter that every change to a cohort's calendar inputs bumps. Triggers do it, so no code
-- path can forget; a scheduler polls this single row to learn, across instances, that the
-- calendars it caches are stale.
CREATE TABLE schedule_epoch (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    epoch BIGINT  NOT NULL
);
INSERT INTO schedule_epoch (id, epoch) VALUES (1, 0);

CREATE FUNCTION bump_schedule_epoch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE schedule_epoch SET epoch = epoch + 1;
    RETURN NULL;
END
$$;

CREATE TRIGGER cohorts_epoch AFTER INSERT OR UPDATE OR DELETE ON cohorts
    FOR EACH STATEMENT EXECUTE FUNCTION bump_schedule_epoch();
CREATE TRIGGER cohort_holidays_epoch AFTER INSERT OR DELETE ON cohort_holidays
    FOR EACH STATEMENT EXECUTE FUNCTION bump_schedule_epoch();
CREATE TRIGGER cohort_pauses_epoch AFTER INSERT OR UPDATE ON cohort_pauses
    FOR EACH STATEMENT EXECUTE FUNCTION bump_schedule_epoch();
CREATE TRIGGER cohort_adjustments_epoch AFTER INSERT OR DELETE ON cohort_adjustments
    FOR EACH STATEMENT EXECUTE FUNCTION bump_schedule_epoch();
