//! The `Secret` newtype and URL redaction, so passwords and tokens never reach a log line.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, Visitor};
use url::Url;

/// A secret value (token, password). `Debug` and `Display` print `***`; only `expose()` reads it.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself. Call it only where the value leaves the process (a connect, an API call).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(SecretVisitor)
    }
}

/// Accepts any scalar, so a numeric password in a secrets file is taken as text instead of
/// failing with a type error — serde's type errors quote the value they rejected.
struct SecretVisitor;

impl Visitor<'_> for SecretVisitor {
    type Value = Secret;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Secret, E> {
        Ok(Secret::new(v))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Secret, E> {
        Ok(Secret(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Secret, E> {
        Ok(Secret(v.to_string()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Secret, E> {
        Ok(Secret(v.to_string()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Secret, E> {
        Ok(Secret(v.to_string()))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Secret, E> {
        Ok(Secret(v.to_string()))
    }
}

/// `url` with its password (userinfo or a `password`/`sslpassword` query parameter) replaced by
/// `***`. A URL that does not parse is shown only if it cannot hold credentials.
pub fn redact_url(url: &str) -> String {
    let Ok(mut parsed) = Url::parse(url) else {
        let may_hold_credentials = url.contains('@') || url.to_ascii_lowercase().contains("password");
        return if may_hold_credentials { "***".into() } else { url.into() };
    };
    if !has_password(&parsed) {
        // Leave it byte-for-byte as written: re-serialising normalises, which confuses readers.
        return url.into();
    }
    if parsed.password().is_some() {
        // Cannot fail: a URL with a password has a host.
        let _ = parsed.set_password(Some("***"));
    }
    let pairs: Vec<(String, String)> = parsed
        .query_pairs()
        .map(|(k, v)| {
            let v = if is_password_param(&k) { "***".into() } else { v.into_owned() };
            (k.into_owned(), v)
        })
        .collect();
    if !pairs.is_empty() {
        parsed.query_pairs_mut().clear().extend_pairs(pairs);
    }
    parsed.to_string()
}

/// Whether the URL carries a password, in the userinfo or as a query parameter (libpq allows both).
pub(crate) fn has_password(url: &Url) -> bool {
    url.password().is_some() || url.query_pairs().any(|(k, _)| is_password_param(&k))
}

fn is_password_param(key: &str) -> bool {
    key.eq_ignore_ascii_case("password") || key.eq_ignore_ascii_case("sslpassword")
}

/// Percent-encodes everything but ASCII alphanumerics, as sqlx does, so a password holding
/// `%`, `@` or `/` survives the trip through the URL's userinfo unchanged.
pub(crate) fn encode_userinfo(raw: &str) -> String {
    raw.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => char::from(b).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_never_prints_its_value() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?}"), "***");
        assert_eq!(format!("{s}"), "***");
        assert_eq!(format!("{:?}", Some(s.clone())), "Some(***)");
        assert_eq!(s.expose(), "hunter2");
    }

    #[test]
    fn redact_url_cases() {
        let cases = [
            ("sqlite://studybot.db", "sqlite://studybot.db"),
            ("sqlite::memory:", "sqlite::memory:"),
            ("postgres://bot@db:5432/studybot", "postgres://bot@db:5432/studybot"),
            ("postgres://bot:hunter2@db:5432/studybot", "postgres://bot:***@db:5432/studybot"),
            (
                "postgres://db/studybot?password=hunter2&sslmode=require",
                "postgres://db/studybot?password=***&sslmode=require",
            ),
            ("postgres://db/x?sslpassword=hunter2", "postgres://db/x?sslpassword=***"),
            ("not a url with hunter2@host", "***"),
            ("not a url", "not a url"),
        ];
        for (input, want) in cases {
            assert_eq!(redact_url(input), want, "input: {input}");
        }
    }

    #[test]
    fn encode_userinfo_escapes_everything_but_alphanumerics() {
        assert_eq!(encode_userinfo("aZ9"), "aZ9");
        assert_eq!(encode_userinfo("p@ss/w%rd"), "p%40ss%2Fw%25rd");
    }

    #[test]
    fn secret_deserializes_from_scalars() {
        let s: Secret = toml::from_str::<toml::Table>("p = 12345").unwrap()["p"].clone().try_into().unwrap();
        assert_eq!(s.expose(), "12345");
    }
}
