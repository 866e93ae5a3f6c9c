//! Which database a URL points at, decided by its scheme.

use super::error::StoreError;
use crate::redact::redact_url;

/// The two supported databases. They share every query; only the migrations and the connection
/// setup differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend an open connection speaks.
    pub fn of(conn: &sqlx::AnyConnection) -> Backend {
        if conn.backend_name().eq_ignore_ascii_case("postgresql") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }

    pub fn from_url(url: &str) -> Result<Backend, StoreError> {
        let scheme = url.split_once(':').map(|(s, _)| s.to_ascii_lowercase());
        match scheme.as_deref() {
            Some("sqlite") => Ok(Backend::Sqlite),
            Some("postgres" | "postgresql") => Ok(Backend::Postgres),
            _ => Err(StoreError::UnsupportedUrl { url: redact_url(url) }),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

impl std::fmt::Display for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_url_accepts_sqlite_and_postgres_only() {
        let ok = [
            ("sqlite://studybot.db", Backend::Sqlite),
            ("sqlite::memory:", Backend::Sqlite),
            ("SQLite:data.db", Backend::Sqlite),
            ("postgres://u@h/db", Backend::Postgres),
            ("postgresql://u@h/db", Backend::Postgres),
        ];
        for (url, want) in ok {
            assert_eq!(Backend::from_url(url).unwrap(), want, "{url}");
        }
        for url in ["mysql://u:hunter2@h/db", "studybot.db", ""] {
            let err = Backend::from_url(url).unwrap_err().to_string();
            assert!(err.contains("sqlite:") && err.contains("postgres://"), "{err}");
            assert!(!err.contains("hunter2"), "{err}");
        }
    }
}
