-- studybot re-opened lesson posts (SQLite). Keep in step with
-- migrations/postgres/0007_reopened_posts.sql: same columns; only the DDL dialect differs.

-- When `/studybot resume` re-opened a post the platform had refused (`failed` → `claimed`), in
-- epoch seconds; NULL for a post never re-opened. Its lateness counts from then, not from
-- `due_at`: the admin asked for it at that instant.
ALTER TABLE lesson_posts ADD COLUMN reopened_at INTEGER;
