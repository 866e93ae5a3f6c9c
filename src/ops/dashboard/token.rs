//! Dashboard link tokens: a cohort id and an expiry, signed with HMAC-SHA256 under
//! `dashboard.secret`, written `<expires>.<hex signature>` in the URL after the cohort id.
//!
//! ```text
//! /dashboard/7/1797206400.3f1c…e9   cohort 7, valid until 2026-12-14T00:00:00Z
//! ```

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::config::Secret;

type HmacSha256 = Hmac<Sha256>;

/// What the signature covers, so a token of another purpose or format version never verifies.
const CONTEXT: &str = "studybot-dashboard-v1";

/// Signs and checks tokens with one secret.
#[derive(Clone)]
pub struct Signer {
    key: Secret,
}

/// Why a token was refused. The server answers every one of them with the same bare 403; the
/// reason is for tests and logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Not `<digits>.<64 hex digits>`.
    Malformed,
    /// The signature does not match this cohort and expiry under our secret.
    Forged,
    /// It was genuine, and has run out.
    Expired,
}

impl Signer {
    pub fn new(key: Secret) -> Signer {
        Signer { key }
    }

    fn mac(&self, cohort_id: i64, expires: i64) -> HmacSha256 {
        let mut mac =
            HmacSha256::new_from_slice(self.key.expose().as_bytes()).expect("HMAC takes any key length");
        mac.update(format!("{CONTEXT}:{cohort_id}:{expires}").as_bytes());
        mac
    }

    /// The token for `cohort_id` valid until `expires` (epoch seconds): URL-safe as it is.
    pub fn sign(&self, cohort_id: i64, expires: i64) -> String {
        format!("{expires}.{}", hex::encode(self.mac(cohort_id, expires).finalize().into_bytes()))
    }

    /// Whether `token` was signed for `cohort_id` and is still valid at `now` (epoch seconds);
    /// `Ok` holds its expiry. The signature is compared in constant time, and checked before the expiry, so a forged
    /// token learns nothing about which expiries would have been accepted.
    pub fn verify(&self, cohort_id: i64, token: &str, now: i64) -> Result<i64, Refused> {
        let (expires, signature) = token.split_once('.').ok_or(Refused::Malformed)?;
        if expires.is_empty() || !expires.bytes().all(|b| b.is_ascii_digit()) || signature.len() != 64 {
            return Err(Refused::Malformed);
        }
        let expires: i64 = expires.parse().map_err(|_| Refused::Malformed)?;
        let signature = hex::decode(signature).map_err(|_| Refused::Malformed)?;
        self.mac(cohort_id, expires).verify_slice(&signature).map_err(|_| Refused::Forged)?;
        if now >= expires {
            return Err(Refused::Expired);
        }
        Ok(expires)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_796_000_000;

    fn signer(key: &str) -> Signer {
        Signer::new(Secret::new(key))
    }

    #[test]
    fn a_token_opens_its_own_cohort_until_it_expires() {
        let s = signer("k".repeat(32).as_str());
        let token = s.sign(7, NOW + 60);
        assert!(token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.'), "URL-safe: {token}");
        assert_eq!(s.verify(7, &token, NOW), Ok(NOW + 60));
        assert_eq!(s.verify(7, &token, NOW + 59), Ok(NOW + 60));
        assert_eq!(s.verify(7, &token, NOW + 60), Err(Refused::Expired));
        assert_eq!(s.verify(8, &token, NOW), Err(Refused::Forged), "another cohort");
    }

    #[test]
    fn changed_expiry_other_secret_and_garbage_are_refused() {
        let s = signer("k".repeat(32).as_str());
        let token = s.sign(7, NOW + 60);
        let (_, sig) = token.split_once('.').unwrap();
        assert_eq!(s.verify(7, &format!("{}.{sig}", NOW + 6000), NOW), Err(Refused::Forged), "extended");
        assert_eq!(signer("other secret, 32 bytes long......").verify(7, &token, NOW), Err(Refused::Forged));
        let flipped =
            format!("{}{}", &token[..token.len() - 1], if token.ends_with('0') { '1' } else { '0' });
        assert_eq!(s.verify(7, &flipped, NOW), Err(Refused::Forged));
        for bad in
            ["", ".", "123", "abc.def", &format!("{}.{}", NOW + 60, "zz".repeat(32)), "-1.00", &token[1..]]
        {
            assert!(s.verify(7, bad, NOW).is_err(), "{bad:?}");
        }
        assert_eq!(s.verify(7, &format!("+{token}"), NOW), Err(Refused::Malformed), "one spelling per token");
    }

    #[test]
    fn a_known_vector() {
        // Fixed, so a change of format or context shows up as a failing test, not as links
        // that stopped working in production.
        let s = signer("0123456789abcdef0123456789abcdef");
        let token = s.sign(1, 1_800_000_000);
        let mut mac = HmacSha256::new_from_slice(b"0123456789abcdef0123456789abcdef").unwrap();
        mac.update(b"studybot-dashboard-v1:1:1800000000");
        assert_eq!(token, format!("1800000000.{}", hex::encode(mac.finalize().into_bytes())));
    }
}
