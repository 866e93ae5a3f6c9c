//! The `[dashboard]` section: the secret that signs dashboard links, and how long a link lives.

use serde::Deserialize;

use super::Secret;

/// How many days a dashboard link works when nothing says otherwise.
pub const DEFAULT_LINK_DAYS: u32 = 7;

/// The longest a link may live: a leaked link should not open a cohort for a season.
pub const MAX_LINK_DAYS: u32 = 90;

/// The shortest secret taken: HMAC-SHA256 wants at least its output's 32 bytes of key.
pub const MIN_SECRET_BYTES: usize = 32;

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DashboardConfig {
    /// Signs the links (`STUDYBOT_DASHBOARD__SECRET`, at least 32 bytes). Unset: no dashboard
    /// (its routes answer 404 and `/studybot dashboard` says it is not configured).
    pub secret: Option<Secret>,
    /// Days a link from `/studybot dashboard` works, 1 to 90.
    pub link_days: u32,
}

impl Default for DashboardConfig {
    fn default() -> Self {
        Self { secret: None, link_days: DEFAULT_LINK_DAYS }
    }
}

impl DashboardConfig {
    /// The secret when one is set (an empty value counts as unset).
    pub fn secret(&self) -> Option<&Secret> {
        self.secret.as_ref().filter(|s| !s.expose().trim().is_empty())
    }

    pub(super) fn validate(&self) -> Result<(), (&'static str, String)> {
        if !(1..=MAX_LINK_DAYS).contains(&self.link_days) {
            return Err(("dashboard.link_days", format!("must be 1-{MAX_LINK_DAYS} days")));
        }
        match self.secret() {
            Some(secret) if secret.expose().len() < MIN_SECRET_BYTES => Err((
                "dashboard.secret",
                format!(
                    "is shorter than {MIN_SECRET_BYTES} bytes; make one with `openssl rand -hex 32` \
                     and set STUDYBOT_DASHBOARD__SECRET"
                ),
            )),
            _ => Ok(()),
        }
    }
}
