//! `/studybot dashboard [public:on|off]`: the admin gets a private, expiring link to the cohort's
//! web page; `public:on` makes the members' leaderboard page open to anyone with its address,
//! `off` withdraws it. Both are audited. The links come from [`DashboardLinks`], which
//! `ops::dashboard` implements from the configuration; the coach never sees the secret.
//!
//! ```text
//! /studybot dashboard
//! 🔗 The dashboard of Lakehouse Architecture (cohort 1), for you only, valid until Mon 14 Dec 09:00 UTC:
//! https://studybot.example.org/dashboard/1/1797238800.5f0c…
//! ```

use chrono::{DateTime, Utc};

use super::context::CohortCtx;
use super::error::CoachResult;
use super::{Call, Coach, Inbound, Outgoing, audit};
use crate::store;

/// A private link and when it stops working.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub url: String,
    pub expires: DateTime<Utc>,
}

/// Makes the dashboard's links. `Err` is the sentence for the admin: what the operator has to
/// set before there are links (it never holds the secret).
pub trait DashboardLinks: Send + Sync {
    /// The admin page of `cohort_id`, signed, valid from `now` for the configured days.
    fn admin(&self, cohort_id: i64, now: DateTime<Utc>) -> Result<Link, String>;
    /// The public leaderboard page of `cohort_id` (served only while it is on).
    fn public(&self, cohort_id: i64) -> Result<String, String>;
}

/// The answer when this process was given no [`DashboardLinks`] at all.
pub const NOT_CONFIGURED: &str = "The web dashboard is not configured: the bot's operator sets a secret \
    (STUDYBOT_DASHBOARD__SECRET) and the bot's public address (http.public_url) — see docs/dashboard.md.";

pub(super) async fn command(
    coach: &Coach,
    inbound: &Inbound,
    ctx: &CohortCtx,
    call: &Call,
    now: DateTime<Utc>,
) -> CoachResult<Vec<Outgoing>> {
    let reply = match call.text("public") {
        Some(state) => public(coach, inbound, ctx, state == "on", now).await?,
        None => private(coach, inbound, ctx, now).await?,
    };
    Ok(vec![Outgoing::ephemeral(reply)])
}

async fn private(
    coach: &Coach,
    inbound: &Inbound,
    ctx: &CohortCtx,
    now: DateTime<Utc>,
) -> CoachResult<String> {
    let Some(links) = coach.dashboard() else { user_error!("{NOT_CONFIGURED}") };
    let link = match links.admin(ctx.cohort.id, now) {
        Ok(link) => link,
        Err(why) => user_error!("{why}"),
    };
    let until = ctx.local(link.expires);
    // Handing out a link gives read access to every member's record: noted like an export.
    let detail = format!("private dashboard link, valid until {until}");
    let mut tx = coach.store.begin().await?;
    store::record_audit(&mut tx, &audit::entry(inbound, ctx.cohort.id, "dashboard.link", detail, now))
        .await?;
    tx.commit().await?;
    Ok(format!(
        "🔗 The dashboard of **{}** (cohort {}), for you only, valid until {until}:\n{}\n\
         Whoever holds this link sees every member's record until then: keep it out of the channel. \
         `/studybot dashboard public:on` makes a members' leaderboard page anyone may see.",
        ctx.curriculum.title, ctx.cohort.id, link.url
    ))
}

async fn public(
    coach: &Coach,
    inbound: &Inbound,
    ctx: &CohortCtx,
    on: bool,
    now: DateTime<Utc>,
) -> CoachResult<String> {
    let address = coach.dashboard().map(|links| links.public(ctx.cohort.id));
    if on {
        match &address {
            None => user_error!("{NOT_CONFIGURED}"),
            Some(Err(why)) => user_error!("{why}"),
            Some(Ok(_)) => {}
        }
    }
    let mut tx = coach.store.begin().await?;
    let changed =
        store::set_dashboard_public(&mut tx, ctx.cohort.id, on, &inbound.actor.user_id, now.timestamp())
            .await?;
    if !changed {
        drop(tx);
        return Ok(match (on, address) {
            (true, Some(Ok(url))) => format!("The public leaderboard page is already on: {url}"),
            _ => "The public leaderboard page is already off.".into(),
        });
    }
    let detail = if on { "public leaderboard page on" } else { "public leaderboard page withdrawn" };
    store::record_audit(&mut tx, &audit::entry(inbound, ctx.cohort.id, "dashboard.public", detail, now))
        .await?;
    tx.commit().await?;
    Ok(match (on, address) {
        (true, Some(Ok(url))) => format!(
            "🌐 The members' leaderboard (names, points and streaks; nothing else) is public at {url}\n\
             `/studybot dashboard public:off` withdraws it."
        ),
        _ => "🔒 The public leaderboard page is withdrawn: its address now answers 404.".into(),
    })
}
