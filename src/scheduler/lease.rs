//! The scheduler lease: one instance schedules (PostgreSQL advisory lock, SQLite lock file).
