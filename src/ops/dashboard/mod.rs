//! The read-only web dashboard per cohort, on the ops HTTP server: `/dashboard/{cohort}/{token}` for
//! an admin's signed link, `/dashboard/public/{cohort}` for the members' leaderboard while it is
//! public; and the links `/studybot dashboard` hands out (see docs/dashboard.md).

pub mod data;
pub mod pages;
pub mod token;

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Utc};
use url::Url;

use crate::coach::{Coach, DashboardLinks, Link, instant};
use crate::config::Config;
use crate::faults::chain;
use crate::scheduler::Clock;
use token::Signer;

/// No script runs, nothing is framed, forms go nowhere; styles are inline and pictures, when
/// they come, are `data:` PNGs.
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; \
                   form-action 'none'; frame-ancestors 'none'";

/// What the dashboard's routes need: the coach (for the cohort's record), the signer and the
/// process's clock, which decides whether a link has expired.
pub struct Dashboard {
    coach: Coach,
    signer: Signer,
    clock: Arc<dyn Clock>,
}

impl Dashboard {
    /// The dashboard when `dashboard.secret` is set; without it there is none and its routes
    /// answer 404 like any unknown path.
    pub fn from_config(config: &Config, coach: Coach, clock: Arc<dyn Clock>) -> Option<Dashboard> {
        let signer = Signer::new(config.dashboard.secret()?.clone());
        Some(Dashboard { coach, signer, clock })
    }

    /// The routes, to merge into the server's router.
    pub fn router(self) -> Router {
        Router::new()
            .route("/dashboard/public/{cohort}", get(public))
            .route("/dashboard/{cohort}/{token}", get(admin))
            .with_state(Arc::new(self))
    }
}

/// The links of `/studybot dashboard`, from the configuration: they need the secret and
/// `http.public_url`, not a running server (`studybot console` hands out links to the pages
/// `studybot run` serves from the same database).
pub struct ConfigLinks {
    signer: Option<Signer>,
    base: Option<Url>,
    link_days: u32,
    serving: bool,
}

impl ConfigLinks {
    pub fn new(config: &Config) -> ConfigLinks {
        ConfigLinks {
            signer: config.dashboard.secret().cloned().map(Signer::new),
            base: config.public_url(),
            link_days: config.dashboard.link_days,
            serving: config.http_listen().is_some(),
        }
    }

    /// The signer and the base URL, or what the operator has to set first.
    fn ready(&self) -> Result<(&Signer, &Url), String> {
        let Some(signer) = &self.signer else {
            return Err("The web dashboard is not configured: the bot's operator sets a secret of at least \
                        32 bytes in STUDYBOT_DASHBOARD__SECRET (see docs/dashboard.md)."
                .into());
        };
        if !self.serving {
            return Err("The web dashboard needs the bot's HTTP server, which is off: the bot's operator \
                        sets http.listen (see docs/dashboard.md)."
                .into());
        }
        let Some(base) = &self.base else {
            return Err("The dashboard has no public address yet: the bot's operator sets http.public_url \
                        to where people reach the bot's HTTP server, e.g. https://studybot.example.org \
                        (see docs/dashboard.md)."
                .into());
        };
        Ok((signer, base))
    }
}

fn joined(base: &Url, path: &str) -> Result<String, String> {
    base.join(path).map(String::from).map_err(|e| format!("http.public_url does not take a path: {e}"))
}

impl DashboardLinks for ConfigLinks {
    fn admin(&self, cohort_id: i64, now: DateTime<Utc>) -> Result<Link, String> {
        let (signer, base) = self.ready()?;
        let expires = now.timestamp() + i64::from(self.link_days) * 86_400;
        let url = joined(base, &format!("dashboard/{cohort_id}/{}", signer.sign(cohort_id, expires)))?;
        Ok(Link { url, expires: instant(expires) })
    }

    fn public(&self, cohort_id: i64) -> Result<String, String> {
        joined(self.ready()?.1, &format!("dashboard/public/{cohort_id}"))
    }
}

/// Headers every dashboard answer carries: nothing cached or indexed, no referrer (a link in
/// the page must not carry the token to the site it points at), no script.
fn guarded(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CACHE_CONTROL, "no-store"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::CONTENT_SECURITY_POLICY, CSP),
        (HeaderName::from_static("x-robots-tag"), "noindex, nofollow"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

/// A wrong, forged or expired link, or another cohort's: the same bare answer for each.
fn forbidden() -> Response {
    guarded((StatusCode::FORBIDDEN, "Forbidden").into_response())
}

fn not_found() -> Response {
    guarded((StatusCode::NOT_FOUND, "Not found").into_response())
}

fn failed(e: &(dyn std::error::Error + 'static)) -> Response {
    tracing::error!(error = %chain(e), "the dashboard could not read the cohort");
    guarded(
        (StatusCode::INTERNAL_SERVER_ERROR, "The dashboard could not be shown; try again.").into_response(),
    )
}

async fn admin(State(d): State<Arc<Dashboard>>, Path((cohort, token)): Path<(String, String)>) -> Response {
    let now = d.clock.now();
    let Ok(cohort_id) = cohort.parse::<i64>() else { return forbidden() };
    let Ok(expires) = d.signer.verify(cohort_id, &token, now.timestamp()) else { return forbidden() };
    let ctx = match data::context(&d.coach, cohort_id).await {
        Ok(Some(ctx)) => ctx,
        Ok(None) => return not_found(),
        Err(e) => return failed(&e),
    };
    match data::admin_page(&d.coach, &ctx, now, instant(expires)).await {
        Ok(page) => guarded(pages::admin(&page).into_response()),
        Err(e) => failed(&e),
    }
}

async fn public(State(d): State<Arc<Dashboard>>, Path(cohort): Path<String>) -> Response {
    let Ok(cohort_id) = cohort.parse::<i64>() else { return not_found() };
    match d.coach.store().is_dashboard_public(cohort_id).await {
        Ok(true) => {}
        Ok(false) => return not_found(),
        Err(e) => return failed(&e),
    }
    let now = d.clock.now();
    let ctx = match data::context(&d.coach, cohort_id).await {
        Ok(Some(ctx)) => ctx,
        Ok(None) => return not_found(),
        Err(e) => return failed(&e),
    };
    match data::public_page(&d.coach, &ctx, now).await {
        Ok(page) => guarded(pages::public(&page).into_response()),
        Err(e) => failed(&e),
    }
}
