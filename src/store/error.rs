//! The store's error type; URLs in it are redacted so no database password reaches a message.

/// Errors at the store boundary. Callers branch on `Duplicate` and `NotFound`; everything else is
/// logged with its cause chain. No variant's text ever contains a database password: URLs go
/// through [`crate::redact::redact_url`] first.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "unsupported database URL `{url}`: expected `sqlite:` (e.g. sqlite://studybot.db) \
         or `postgres://` / `postgresql://`"
    )]
    UnsupportedUrl { url: String },

    #[error("cannot connect to the database at {url}")]
    Connect {
        url: String,
        #[source]
        source: sqlx::Error,
    },

    #[error("database migration failed")]
    Migrate(#[source] sqlx::migrate::MigrateError),

    /// A UNIQUE or PRIMARY KEY constraint refused the write. `source` is `None` when the store
    /// detected the conflict with `ON CONFLICT DO NOTHING` instead of letting the statement fail,
    /// which keeps a surrounding PostgreSQL transaction usable.
    #[error("duplicate row: {constraint}")]
    Duplicate {
        constraint: String,
        #[source]
        source: Option<sqlx::Error>,
    },

    #[error("{what} not found")]
    NotFound { what: &'static str },

    /// The row exists but is in a state the operation does not apply to.
    #[error("{what} is {state}, cannot {action}")]
    WrongState { what: &'static str, state: String, action: &'static str },

    /// The row belongs to another lease generation than the caller's: a newer leader has taken
    /// it over, so the caller's lease has ended and it must not touch the row.
    #[error("{what} belongs to lease generation {current}, not {generation}")]
    Stale { what: &'static str, generation: i64, current: i64 },

    /// A column held a value the code does not know, e.g. after a manual edit or a newer release.
    #[error("unexpected value {value:?} in column {column}")]
    Corrupt { column: &'static str, value: String },

    /// Text holding a NUL character. PostgreSQL cannot store one and SQLite can, so the store
    /// refuses it before any SQL runs: both backends answer alike, and an open PostgreSQL
    /// transaction is not aborted by a failed statement.
    #[error("{what} contains a NUL character")]
    Nul { what: &'static str },

    #[error("database error")]
    Database(#[source] sqlx::Error),

    /// A statement several writes shared failed (a batch's BEGIN, savepoint or COMMIT): each of
    /// them gets this, with the one cause behind it.
    #[error("the batched transaction failed")]
    Shared(#[source] std::sync::Arc<StoreError>),
}

/// Refuses `text` for `what` if it holds a NUL (see [`StoreError::Nul`]).
pub(crate) fn no_nul(what: &'static str, text: &str) -> Result<(), StoreError> {
    if text.contains('\0') { Err(StoreError::Nul { what }) } else { Ok(()) }
}

/// Diagnostic text (a platform's error message) is worth keeping even with a NUL in it: the NUL
/// becomes U+FFFD, on both backends.
pub(crate) fn scrub_nul(text: &str) -> String {
    text.replace('\0', "\u{fffd}")
}

impl StoreError {
    pub fn is_duplicate(&self) -> bool {
        matches!(self, StoreError::Duplicate { .. })
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        let class = crate::faults::ErrorClass::of(&err);
        if class == crate::faults::ErrorClass::ReadOnly {
            super::pool::note_read_only();
        }
        // Every database error passes here on its way up: the one place to count them. "No row"
        // is an answer, not a fault.
        if !matches!(err, sqlx::Error::RowNotFound) {
            crate::ops::metrics::db_error(class);
        }
        let constraint = match err.as_database_error() {
            Some(db) if db.is_unique_violation() => {
                db.constraint().map(str::to_owned).unwrap_or_else(|| db.message().to_owned())
            }
            _ => return StoreError::Database(err),
        };
        StoreError::Duplicate { constraint, source: Some(err) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_found_is_not_a_duplicate() {
        let err = StoreError::NotFound { what: "cohort" };
        assert_eq!(err.to_string(), "cohort not found");
        assert!(!err.is_duplicate());
    }
}
