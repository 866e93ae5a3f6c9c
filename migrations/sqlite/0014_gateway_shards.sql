-- studybot gateway shards (SQLite). Keep in step with migrations/postgres/0014_gateway_shards.sql:
-- same tables, columns and constraints; only the DDL dialect differs.

-- How many gateway shards a platform's bot runs, so every instance on the database agrees: the
-- first to start stores the count it was given (or the one Discord recommended), the others read it.
CREATE TABLE gateway_shards (
    platform    TEXT    PRIMARY KEY CHECK (platform IN ('discord')),
    shard_count INTEGER NOT NULL CHECK (shard_count BETWEEN 1 AND 65536),
    updated_at  INTEGER NOT NULL
);
