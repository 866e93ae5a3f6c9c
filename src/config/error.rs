//! `ConfigError`: what went wrong while loading configuration, phrased so no message can carry a secret.

use std::io;
use std::path::PathBuf;

use figment::Profile;
use figment::error::{Actual, Kind};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{what} {} does not exist", path.display())]
    NotFound { what: &'static str, path: PathBuf },

    #[error("cannot read {what} {}", path.display())]
    Read {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    #[error("{what} {} is not valid TOML (line {line}, column {column}): {message}", path.display())]
    Syntax { what: &'static str, path: PathBuf, line: usize, column: usize, message: String },

    #[error(
        "config file {}, key `{key}`: secrets may not be set in the config file; \
         set the environment variable {env_var} or put it in the secrets file (`secrets_file`)",
        path.display()
    )]
    SecretInFile { key: String, path: PathBuf, env_var: String },

    #[error(
        "config file {}, key `database.url`: the URL contains a password; remove it and \
         set the environment variable STUDYBOT_DATABASE__PASSWORD instead",
        path.display()
    )]
    PasswordInUrl { path: PathBuf },

    #[error(
        "secrets file {}, key `{key}`: not a secret; the secrets file may hold only {allowed}",
        path.display()
    )]
    NotASecret { key: String, path: PathBuf, allowed: String },

    /// A value that does not fit its key. `location` names the key and the file or variable.
    #[error("{location}: {reason}")]
    Invalid { location: String, reason: String },
}

impl From<figment::Error> for ConfigError {
    /// Takes the first error only: serde stops at the first bad value anyway.
    fn from(error: figment::Error) -> Self {
        let profile = error.profile.clone().unwrap_or(Profile::Default);
        let key = error.path.join(".");
        let location = match &error.metadata {
            Some(md) if !error.path.is_empty() => md.interpolate(&profile, &error.path),
            Some(md) => md.name.to_string(),
            None if !key.is_empty() => format!("key `{key}`"),
            None => "configuration".into(),
        };
        ConfigError::Invalid { location, reason: describe(&error.kind) }
    }
}

/// figment's own wording quotes the offending value; this names only its type, because the value
/// may be a URL with a password or a token set under the wrong variable.
fn describe(kind: &Kind) -> String {
    match kind {
        Kind::UnknownField(_, expected) => {
            format!("unknown key; expected one of {}", one_of(expected))
        }
        Kind::UnknownVariant(_, expected) => {
            format!("unknown value; expected one of {}", one_of(expected))
        }
        Kind::InvalidType(actual, expected) => {
            format!("expected {}, found {}", readable(expected), type_of(actual))
        }
        Kind::InvalidValue(actual, expected) => {
            format!("invalid value ({}), expected {}", type_of(actual), readable(expected))
        }
        Kind::MissingField(field) => format!("missing key `{field}`"),
        Kind::DuplicateField(field) => format!("duplicate key `{field}`"),
        Kind::InvalidLength(len, expected) => format!("invalid length {len}, expected {expected}"),
        Kind::Message(message) => message.clone(),
        Kind::ISizeOutOfRange(_) | Kind::USizeOutOfRange(_) => "integer out of range".into(),
        Kind::Unsupported(actual) => format!("unsupported type {}", type_of(actual)),
        Kind::UnsupportedKey(actual, expected) => {
            format!("unsupported key type {}, expected {expected}", type_of(actual))
        }
    }
}

/// serde says "struct LogConfig" where a config author thinks of a TOML table.
fn readable(expected: &str) -> &str {
    if expected.starts_with("struct ") { "a table" } else { expected }
}

fn one_of(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    quoted.join(", ")
}

fn type_of(actual: &Actual) -> String {
    match actual {
        Actual::Bool(_) => "a boolean".into(),
        Actual::Unsigned(_) | Actual::Signed(_) => "an integer".into(),
        Actual::Float(_) => "a float".into(),
        Actual::Char(_) | Actual::Str(_) => "a string".into(),
        Actual::Bytes(_) => "bytes".into(),
        Actual::Map => "a table".into(),
        Actual::Seq => "an array".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figment_type_errors_do_not_quote_the_value() {
        let kind = Kind::InvalidType(
            Actual::Str("postgres://u:hunter2@h/db".into()),
            "struct DatabaseConfig".into(),
        );
        let text = describe(&kind);
        assert_eq!(text, "expected a table, found a string");
    }

    #[test]
    fn unknown_key_lists_the_expected_keys() {
        let text = describe(&Kind::UnknownField("urll".into(), &["url", "max_connections"]));
        assert_eq!(text, "unknown key; expected one of `url`, `max_connections`");
    }
}
