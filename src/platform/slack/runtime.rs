//! Running on Slack: the token check, the shared state, and Socket Mode's listener and callbacks.

use std::sync::Arc;

use anyhow::Context as _;
use slack_morphism::errors::SlackClientError;
use slack_morphism::prelude::*;
use tokio_util::task::TaskTracker;

use super::admins::Admins;
use super::admission::{Admission, Busy};
use super::answer;
use super::delivery::{SlackApi, SlackDelivery};
use super::events;
use crate::coach::{Coach, Target};
use crate::faults::chain;
use crate::scheduler::Clock;
use crate::scheduler::pacing::{Limits, Paced};

/// What every event handler needs; one per process.
pub struct Shared {
    pub coach: Coach,
    pub clock: Arc<dyn Clock>,
    pub api: SlackApi,
    pub delivery: Arc<Paced<SlackDelivery>>,
    pub admins: Admins,
    /// Places for requests' work in flight (`slack.max_in_flight`).
    pub admission: Admission,
    /// The bot's own user id: its ✅ under each post is no checkpoint.
    pub bot_user: String,
    /// Every task an event starts (its work, its late answer, its public replies): shutdown
    /// waits for them within the grace period instead of dropping them mid-write.
    pub tasks: TaskTracker,
}

impl Shared {
    /// Checks the bot token (auth.test) and builds the shared state. A token Slack refuses stops
    /// startup with a message that says so.
    pub async fn connect(
        api: SlackApi,
        coach: Coach,
        clock: Arc<dyn Clock>,
        config: &crate::config::SlackConfig,
    ) -> anyhow::Result<Shared> {
        let session = api.client.open_session(&api.token);
        let me = match session.auth_test().await {
            Ok(me) => me,
            Err(e) => match refused(&e) {
                Some(code) => anyhow::bail!(
                    "Slack rejected the bot token ({code}). Set STUDYBOT_SLACK__BOT_TOKEN to the xoxb-… token from your \
                     app's OAuth & Permissions page; see docs/slack.md"
                ),
                None => return Err(anyhow::anyhow!("checking the bot token with Slack: {e}")),
            },
        };
        tracing::info!(team = ?me.team, "Slack token accepted");
        let delivery =
            Arc::new(Paced::new(SlackDelivery::new(api.clone()), Limits::slack()).on_platform("slack"));
        let bot_user = me.user_id.to_string();
        let tasks = TaskTracker::new();
        let (admins, admission) = (Admins::new(config.admins.clone()), Admission::new(config.max_in_flight));
        Ok(Shared { coach, clock, api, delivery, admins, admission, bot_user, tasks })
    }
}

/// The error code when Slack refused a token itself (not a network or server failure).
fn refused(e: &SlackClientError) -> Option<&str> {
    let SlackClientError::ApiError(e) = e else { return None };
    let codes = ["invalid_auth", "not_authed", "token_revoked", "account_inactive", "not_allowed_token_type"];
    codes.contains(&e.code.as_str()).then_some(e.code.as_str())
}

/// Checks the app-level token with apps.connections.open: slack-morphism's listener only logs a
/// refusal and retries forever, which would leave a bot that looks up but hears nothing.
async fn check_app_token(api: &SlackApi, token: &SlackApiToken) -> anyhow::Result<()> {
    let session = api.client.open_session(token);
    match session.apps_connections_open(&SlackApiAppsConnectionOpenRequest::new()).await {
        Ok(_) => Ok(()),
        Err(e) => match refused(&e) {
            Some(code) => anyhow::bail!(
                "Slack rejected the app-level token ({code}). Set STUDYBOT_SLACK__APP_TOKEN to an xapp-… token with \
                 connections:write from your app's Basic Information page, and turn Socket Mode on; see docs/slack.md"
            ),
            None => Err(anyhow::anyhow!("opening Socket Mode (apps.connections.open): {e}")),
        },
    }
}

/// Socket Mode: a websocket the bot opens with the app-level token; no public URL needed.
pub async fn socket_mode(
    shared: Arc<Shared>,
    app_token: &str,
) -> anyhow::Result<SlackClientSocketModeListener<SlackClientHyperHttpsConnector>> {
    let token = SlackApiToken::new(SlackApiTokenValue::new(app_token.trim().to_string()));
    check_app_token(&shared.api, &token).await?;
    let callbacks = SlackSocketModeListenerCallbacks::new()
        .with_command_events(on_command)
        .with_interaction_events(on_interaction)
        .with_push_events(on_push);
    let environment = Arc::new(
        SlackClientEventsListenerEnvironment::new(Arc::clone(&shared.api.client))
            .with_error_handler(on_error)
            .with_user_state(shared),
    );
    // One connection: two would deliver every event twice (dedupe would catch it, at a cost).
    let config = SlackClientSocketModeConfig::new().with_max_connections_count(1);
    let listener = SlackClientSocketModeListener::new(&config, environment, callbacks);
    listener
        .listen_for(&token)
        .await
        .context("opening the Socket Mode connection (apps.connections.open)")?;
    listener.start().await;
    Ok(listener)
}

async fn state(states: &SlackClientEventsUserState) -> Arc<Shared> {
    states
        .read()
        .await
        .get_user_state::<Arc<Shared>>()
        .cloned()
        .expect("the listener carries the shared state")
}

async fn on_command(
    event: SlackCommandEvent,
    _client: Arc<SlackHyperClient>,
    states: SlackClientEventsUserState,
) -> UserCallbackResult<SlackCommandEventResponse> {
    let shared = state(&states).await;
    Ok(answer::command(&shared, event).await)
}

async fn on_interaction(
    event: SlackInteractionEvent,
    _client: Arc<SlackHyperClient>,
    states: SlackClientEventsUserState,
) -> UserCallbackResult<()> {
    let shared = state(&states).await;
    take_interaction(&shared, event)?;
    Ok(())
}

/// A callback's error: the envelope is left unacknowledged, so Slack delivers it again. A request
/// turned away ([`Busy`]) is logged by the admission, once a minute.
fn on_error(
    error: Box<dyn std::error::Error + Send + Sync>,
    _client: Arc<SlackHyperClient>,
    _states: SlackClientEventsUserState,
) -> axum::http::StatusCode {
    if error.is::<Busy>() {
        return axum::http::StatusCode::SERVICE_UNAVAILABLE;
    }
    tracing::error!(error = %error, "Slack Socket Mode callback failed");
    axum::http::StatusCode::BAD_REQUEST
}

/// A button press, in either mode: acknowledged at once, its answer following through the
/// response_url; or turned away when too much work is in flight.
pub fn take_interaction(shared: &Arc<Shared>, event: SlackInteractionEvent) -> Result<(), Busy> {
    let place = shared.admission.admit("interaction").ok_or(Busy)?;
    let task = Arc::clone(shared);
    shared.tasks.spawn(async move {
        interaction(&task, event).await;
        drop(place);
    });
    Ok(())
}

/// What a button press does, in either mode.
async fn interaction(shared: &Arc<Shared>, event: SlackInteractionEvent) {
    let SlackInteractionEvent::BlockActions(actions) = event else { return };
    let Some(user) = &actions.user else { return };
    let actor = shared.admins.actor(&shared.api, user.id.as_ref()).await;
    let (Some(inbound), Some(url)) = (events::press(&actions, actor), actions.response_url.as_ref()) else {
        return;
    };
    let replace = match &actions.container {
        SlackInteractionActionContainer::Message(m) => m.is_ephemeral.unwrap_or(false),
        _ => false,
    };
    answer::press(shared, inbound, url, replace).await;
}

async fn on_push(
    event: SlackPushEventCallback,
    _client: Arc<SlackHyperClient>,
    states: SlackClientEventsUserState,
) -> UserCallbackResult<()> {
    let shared = state(&states).await;
    push(&shared, event).await?;
    Ok(())
}

/// A reaction event, in either mode. It is usually stored before the acknowledgement, so a crash
/// before that makes Slack deliver it again; work that takes longer (a busy database) goes on
/// after an acknowledgement within Slack's 3 s, since a late one only brings a retry, and the
/// reconciliation at startup covers a crash in between. With `slack.max_in_flight` requests'
/// work already in flight it is turned away ([`Busy`]) and must not be acknowledged, so that
/// Slack delivers it again.
pub async fn push(shared: &Arc<Shared>, event: SlackPushEventCallback) -> Result<(), Busy> {
    let received = std::time::Instant::now();
    let place = shared.admission.admit("event").ok_or(Busy)?;
    let task = Arc::clone(shared);
    let work = shared.tasks.spawn(async move {
        reaction(&task, event).await;
        drop(place);
    });
    if tokio::time::timeout(answer::ANSWER_WITHIN, work).await.is_err() {
        tracing::debug!("a slow reaction event is acknowledged before it is stored");
    }
    crate::ops::metrics::ack("slack", received.elapsed());
    Ok(())
}

async fn reaction(shared: &Shared, event: SlackPushEventCallback) {
    let (user, emoji) = match &event.event {
        SlackEventCallbackBody::ReactionAdded(e) => (e.user.to_string(), &e.reaction),
        SlackEventCallbackBody::ReactionRemoved(e) => (e.user.to_string(), &e.reaction),
        _ => return,
    };
    // The bot's own ✅ under each post is there for members to click.
    if user == shared.bot_user {
        return;
    }
    // Only a ✅ is a check-in (it needs the member's name, not their admin flag); any other
    // reaction in the channel asks Slack nothing.
    let actor = if crate::coach::is_checkpoint_emoji(emoji.as_ref()) {
        shared.admins.member(&shared.api, &user).await
    } else {
        shared.admins.known(&user)
    };
    let Some(inbound) = events::reaction(&event, actor) else { return };
    let replies = shared.coach.handle(&inbound, shared.clock.now()).await.into_replies();
    for reply in replies.iter().filter(|r| r.to != Target::Ephemeral) {
        if let Err(e) =
            crate::coach::Delivery::send(&shared.delivery, reply, crate::coach::Fence::unfenced()).await
        {
            tracing::warn!(error = %chain(&e), "reply not delivered");
        }
    }
}
