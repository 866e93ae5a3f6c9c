//! Slack request signing (HTTP mode): the `v0=` HMAC-SHA256 signature and its checks.
//!
//! The crate's own verifier also checks freshness against the wall clock, so the HMAC step is
//! kept here on its own: tests can run Slack's published 2018 example, and the caller passes `now`.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Slack's window: a request older or newer than this is refused, so a captured one cannot be replayed.
pub const MAX_SKEW_SECS: u64 = 300;
const VERSION: &str = "v0";

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SignatureError {
    #[error("the request has no X-Slack-Signature or X-Slack-Request-Timestamp header")]
    Missing,
    #[error("the request timestamp is {skew} s away from now, outside the 300 s window")]
    Stale { skew: i64 },
    #[error("the request signature does not match")]
    Mismatch,
    #[error("the request timestamp is not a whole number of seconds")]
    BadTimestamp,
}

fn mac(secret: &str, timestamp: &str, body: &[u8]) -> Hmac<Sha256> {
    // HMAC takes a key of any length, so this cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts any key length");
    mac.update(format!("{VERSION}:{timestamp}:").as_bytes());
    mac.update(body);
    mac
}

/// `v0=` + hex(HMAC-SHA256(secret, `v0:{timestamp}:{body}`)), as Slack sends in `X-Slack-Signature`.
pub fn expected(secret: &str, timestamp: &str, body: &[u8]) -> String {
    format!("{VERSION}={}", hex::encode(mac(secret, timestamp, body).finalize().into_bytes()))
}

/// Checks a request's `X-Slack-Request-Timestamp` and `X-Slack-Signature` against the raw body.
/// The timestamp is checked first, as Slack advises; the signature is compared in constant time.
pub fn verify(
    secret: &str,
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now: i64,
) -> Result<(), SignatureError> {
    let (Some(timestamp), Some(signature)) = (timestamp, signature) else {
        return Err(SignatureError::Missing);
    };
    let sent: i64 = timestamp.trim().parse().map_err(|_| SignatureError::BadTimestamp)?;
    let skew = now.saturating_sub(sent);
    if skew.unsigned_abs() > MAX_SKEW_SECS {
        return Err(SignatureError::Stale { skew });
    }
    let tag = signature
        .strip_prefix("v0=")
        .and_then(|hex_tag| hex::decode(hex_tag).ok())
        .ok_or(SignatureError::Mismatch)?;
    // verify_slice compares in constant time and refuses a tag of the wrong length without panicking.
    mac(secret, timestamp, body).verify_slice(&tag).map_err(|_| SignatureError::Mismatch)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Slack's published example (see PLATFORMS.md).
    const SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";
    const TS: &str = "1531420618";
    const NOW: i64 = 1_531_420_618;
    const BODY: &str = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    const SIGNATURE: &str = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

    #[test]
    fn slacks_published_example_signs_as_published() {
        assert_eq!(expected(SECRET, TS, BODY.as_bytes()), SIGNATURE);
    }

    #[test]
    fn verify_accepts_the_example_within_the_window_only() {
        let tampered = BODY.replace("roadrunner", "coyote");
        let short = &SIGNATURE[..SIGNATURE.len() - 2];
        let long = format!("{SIGNATURE}00");
        let upper = SIGNATURE.to_uppercase();
        type Case<'a> = (Option<&'a str>, Option<&'a str>, &'a str, i64, Result<(), SignatureError>);
        let cases: Vec<Case> = vec![
            (Some(TS), Some(SIGNATURE), BODY, NOW, Ok(())),
            (Some(TS), Some(SIGNATURE), BODY, NOW + 299, Ok(())),
            (Some(TS), Some(SIGNATURE), BODY, NOW - 299, Ok(())),
            (Some(TS), Some(SIGNATURE), BODY, NOW + 300, Ok(())),
            (Some(TS), Some(SIGNATURE), BODY, NOW + 301, Err(SignatureError::Stale { skew: 301 })),
            (Some(TS), Some(SIGNATURE), BODY, NOW - 301, Err(SignatureError::Stale { skew: -301 })),
            (Some(TS), Some(SIGNATURE), &tampered, NOW, Err(SignatureError::Mismatch)),
            (Some("1531420619"), Some(SIGNATURE), BODY, NOW, Err(SignatureError::Mismatch)),
            (None, Some(SIGNATURE), BODY, NOW, Err(SignatureError::Missing)),
            (Some(TS), None, BODY, NOW, Err(SignatureError::Missing)),
            (None, None, BODY, NOW, Err(SignatureError::Missing)),
            (Some("yesterday"), Some(SIGNATURE), BODY, NOW, Err(SignatureError::BadTimestamp)),
            (Some(""), Some(SIGNATURE), BODY, NOW, Err(SignatureError::BadTimestamp)),
            (Some(TS), Some(short), BODY, NOW, Err(SignatureError::Mismatch)),
            (Some(TS), Some(&long), BODY, NOW, Err(SignatureError::Mismatch)),
            (Some(TS), Some("v0="), BODY, NOW, Err(SignatureError::Mismatch)),
            (Some(TS), Some("v0=zz"), BODY, NOW, Err(SignatureError::Mismatch)),
            (Some(TS), Some(&SIGNATURE[3..]), BODY, NOW, Err(SignatureError::Mismatch)),
            (Some(TS), Some(&upper), BODY, NOW, Err(SignatureError::Mismatch)),
        ];
        for (i, (ts, signature, body, now, want)) in cases.into_iter().enumerate() {
            assert_eq!(verify(SECRET, ts, signature, body.as_bytes(), now), want, "case {i}");
        }
    }

    #[test]
    fn extreme_clocks_are_stale_not_a_panic() {
        let signature = expected(SECRET, "-9223372036854775808", b"");
        let got = verify(SECRET, Some("-9223372036854775808"), Some(&signature), b"", i64::MAX);
        assert_eq!(got, Err(SignatureError::Stale { skew: i64::MAX }));
    }

    #[test]
    fn errors_never_show_the_secret_or_the_signature() {
        for err in [SignatureError::Missing, SignatureError::Stale { skew: 9 }, SignatureError::Mismatch] {
            let text = err.to_string();
            assert!(!text.contains(SECRET) && !text.contains("a2114d57"), "{text}");
        }
    }
}
