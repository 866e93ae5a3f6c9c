-- studybot dashboard (SQLite). Keep in step with migrations/postgres/0015_dashboard.sql: same
-- tables, columns and constraints; only the DDL dialect differs.

-- `/studybot dashboard public:on`: the cohort's members' leaderboard page needs no token. A row
-- while it is public; `public:off` deletes it (the audit log keeps who turned it on and off).
CREATE TABLE dashboard_public (
    cohort_id  INTEGER PRIMARY KEY REFERENCES cohorts (id) ON DELETE CASCADE,
    -- Platform user id of the admin who made it public.
    made_by    TEXT    NOT NULL,
    made_at    INTEGER NOT NULL
);
