-- studybot corrections (SQLite). Keep in step with migrations/postgres/0012_corrections.sql:
-- same tables, columns and constraints; only the DDL dialect differs.

-- Days an admin excused for a member (`/studybot correct status:excused`): the day's window
-- closing without a check neither breaks nor grows the member's streak and spends no freeze
-- (domain/streak.rs). At most one per cohort, member and day; gone with the cohort or member.
CREATE TABLE day_excusals (
    cohort_id  INTEGER NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
    member_id  INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    day        INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (cohort_id, member_id, day)
);
CREATE INDEX day_excusals_member ON day_excusals (member_id);

-- `/studybot audit` reads a channel's newest entries first, cohort by cohort.
CREATE INDEX audit_cohort_id ON audit (cohort_id, id);

-- The member an entry is about (platform user id; '' for acts on the whole cohort), so
-- `/studybot audit member:` can filter on it.
ALTER TABLE audit ADD COLUMN member TEXT NOT NULL DEFAULT '';
