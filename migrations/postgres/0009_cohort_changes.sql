-- studybot per-cohort change stamps (PostgreSQL). Keep in step with
-- migrations/sqlite/0009_cohort_changes.sql: same table and triggers; only the dialect differs.

-- Which cohort each bump of the schedule epoch was for: a scheduler that cached the calendars as
-- of epoch E reloads only the cohorts whose stamp is above E, not all of them, and an event
-- handler checks one cohort's stamp to know whether its cached context is still current. The
-- row triggers below replace the statement triggers of 0003: each still bumps the epoch, and
-- records the cohort. The epoch row's lock orders the bumps as their transactions commit. A
-- deleted cohort keeps its stamp (no foreign key), so a cache learns that it is gone.
CREATE TABLE cohort_changes (
    cohort_id BIGINT PRIMARY KEY,
    epoch     BIGINT NOT NULL
);
CREATE INDEX cohort_changes_by_epoch ON cohort_changes (epoch);

DROP TRIGGER cohorts_epoch ON cohorts;
DROP TRIGGER cohort_holidays_epoch ON cohort_holidays;
DROP TRIGGER cohort_pauses_epoch ON cohort_pauses;
DROP TRIGGER cohort_adjustments_epoch ON cohort_adjustments;
DROP FUNCTION bump_schedule_epoch();

-- The cohort's id is the column named by the trigger's argument (`id` on cohorts, `cohort_id`
-- on the rest), read from the row that changed.
CREATE FUNCTION record_cohort_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed BIGINT;
    stamp   BIGINT;
BEGIN
    IF TG_OP = 'DELETE' THEN
        changed := (to_jsonb(OLD) ->> TG_ARGV[0])::BIGINT;
    ELSE
        changed := (to_jsonb(NEW) ->> TG_ARGV[0])::BIGINT;
    END IF;
    UPDATE schedule_epoch SET epoch = epoch + 1 WHERE id = 1 RETURNING epoch INTO stamp;
    INSERT INTO cohort_changes (cohort_id, epoch) VALUES (changed, stamp)
        ON CONFLICT (cohort_id) DO UPDATE SET epoch = EXCLUDED.epoch;
    RETURN NULL;
END
$$;

CREATE TRIGGER cohorts_changed AFTER INSERT OR UPDATE OR DELETE ON cohorts
    FOR EACH ROW EXECUTE FUNCTION record_cohort_change('id');
CREATE TRIGGER cohort_holidays_changed AFTER INSERT OR DELETE ON cohort_holidays
    FOR EACH ROW EXECUTE FUNCTION record_cohort_change('cohort_id');
CREATE TRIGGER cohort_pauses_changed AFTER INSERT OR UPDATE ON cohort_pauses
    FOR EACH ROW EXECUTE FUNCTION record_cohort_change('cohort_id');
CREATE TRIGGER cohort_adjustments_changed AFTER INSERT OR DELETE ON cohort_adjustments
    FOR EACH ROW EXECUTE FUNCTION record_cohort_change('cohort_id');
