//! Redaction of database URLs, shared by configuration and storage so no password reaches a log line.

use url::Url;

/// `url` with its password (userinfo, or a `password`/`sslpassword` query parameter as libpq
/// allows) replaced by `***`. A URL that does not parse is reduced to its scheme, since we cannot
/// tell where a password would be in it.
pub fn redact_url(url: &str) -> String {
    let Ok(mut parsed) = Url::parse(url) else {
        let scheme = url.split(':').next().unwrap_or_default();
        let scheme_ok = !scheme.is_empty() && scheme.chars().all(|c| c.is_ascii_alphanumeric());
        return if scheme_ok && scheme.len() < url.len() {
            format!("{scheme}:<unparseable URL>")
        } else {
            "<unparseable URL>".to_owned()
        };
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

/// Whether the URL carries a password, in the userinfo or as a query parameter.
pub fn has_password(url: &Url) -> bool {
    url.password().is_some() || url.query_pairs().any(|(k, _)| is_password_param(&k))
}

fn is_password_param(key: &str) -> bool {
    key.eq_ignore_ascii_case("password") || key.eq_ignore_ascii_case("sslpassword")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_url_hides_passwords() {
        let cases = [
            (
                "postgres://app:s3cr%40t@db.example:5432/studybot",
                "postgres://app:***@db.example:5432/studybot",
            ),
            (
                "postgresql://app:hunter2@localhost/db?sslmode=require",
                "postgresql://app:***@localhost/db?sslmode=require",
            ),
            (
                "postgres://app@localhost/db?password=hunter2&sslmode=disable",
                "postgres://app@localhost/db?password=***&sslmode=disable",
            ),
            ("postgres://db/x?sslpassword=hunter2", "postgres://db/x?sslpassword=***"),
            ("postgres://postgres@127.0.0.1:5432/postgres", "postgres://postgres@127.0.0.1:5432/postgres"),
            ("sqlite://data/studybot.db?mode=rwc", "sqlite://data/studybot.db?mode=rwc"),
            ("sqlite::memory:", "sqlite::memory:"),
            ("postgres://app:hunter2@[bad", "postgres:<unparseable URL>"),
            ("not a url with hunter2@host", "<unparseable URL>"),
            ("hunter2", "<unparseable URL>"),
        ];
        for (input, want) in cases {
            let got = redact_url(input);
            assert_eq!(got, want, "redact_url({input:?})");
            assert!(!got.contains("hunter2") && !got.contains("s3cr"), "{got}");
        }
    }
}
