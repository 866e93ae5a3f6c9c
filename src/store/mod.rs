//! Storage: the only place with SQL, over sqlx Any on SQLite and PostgreSQL.
