//! The real slack-morphism client wired to the fake Slack: Web API client, a Socket Mode listener
//! and an Events API (HTTP) listener whose callbacks forward what they receive to the test.

use std::sync::Arc;

use axum::Extension;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use slack_morphism::prelude::*;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::task::JoinHandle;

use super::fake_slack::{APP_TOKEN, BOT_TOKEN, FakeSlack, SIGNING_SECRET};

/// What a listener callback received.
#[derive(Debug)]
pub enum Seen {
    Push(Box<SlackPushEventCallback>),
    Command(Box<SlackCommandEvent>),
    Interaction(Box<SlackInteractionEvent>),
}

/// The text every command callback answers with: "got: <command text>".
pub fn answer_to(text: &str) -> String {
    format!("got: {text}")
}

/// A client pointed at the fake, built as the bot builds it (http and https, HTTP/1).
pub fn client(fake: &FakeSlack, rate_control: Option<SlackApiRateControlConfig>) -> Arc<SlackHyperClient> {
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_native_roots()
        .expect("native root certificates")
        .https_or_http()
        .enable_http1()
        .build();
    let mut connector = SlackClientHyperConnector::with_connector(https).with_slack_api_url(&fake.api_url());
    if let Some(config) = rate_control {
        connector = connector.with_rate_control(config);
    }
    Arc::new(SlackClient::new(connector))
}

pub fn bot_token() -> SlackApiToken {
    SlackApiToken::new(BOT_TOKEN.into())
}

async fn forward(state: &SlackClientEventsUserState, seen: Seen) {
    let storage = state.read().await;
    if let Some(tx) = storage.get_user_state::<UnboundedSender<Seen>>() {
        let _ = tx.send(seen);
    }
}

async fn on_push(
    event: SlackPushEventCallback,
    _client: Arc<SlackHyperClient>,
    state: SlackClientEventsUserState,
) -> UserCallbackResult<()> {
    forward(&state, Seen::Push(Box::new(event))).await;
    Ok(())
}

async fn on_command(
    event: SlackCommandEvent,
    _client: Arc<SlackHyperClient>,
    state: SlackClientEventsUserState,
) -> UserCallbackResult<SlackCommandEventResponse> {
    let text = answer_to(event.text.as_deref().unwrap_or_default());
    forward(&state, Seen::Command(Box::new(event))).await;
    Ok(SlackCommandEventResponse::new(SlackMessageContent::new().with_text(text)))
}

async fn on_interaction(
    event: SlackInteractionEvent,
    _client: Arc<SlackHyperClient>,
    state: SlackClientEventsUserState,
) -> UserCallbackResult<()> {
    forward(&state, Seen::Interaction(Box::new(event))).await;
    Ok(())
}

/// A Socket Mode listener with one connection (the default is two, five seconds apart).
pub struct SocketBot {
    pub client: Arc<SlackHyperClient>,
    pub seen: UnboundedReceiver<Seen>,
    listener: SlackClientSocketModeListener<SlackClientHyperHttpsConnector>,
}

impl SocketBot {
    pub async fn start(fake: &FakeSlack) -> SocketBot {
        SocketBot::start_with(fake, SlackClientSocketModeConfig::new().with_max_connections_count(1)).await
    }

    pub async fn start_with(fake: &FakeSlack, config: SlackClientSocketModeConfig) -> SocketBot {
        let client = client(fake, None);
        let (tx, seen) = unbounded_channel();
        let environment =
            Arc::new(SlackClientEventsListenerEnvironment::new(Arc::clone(&client)).with_user_state(tx));
        let callbacks = SlackSocketModeListenerCallbacks::new()
            .with_push_events(on_push)
            .with_command_events(on_command)
            .with_interaction_events(on_interaction);
        let listener = SlackClientSocketModeListener::new(&config, environment, callbacks);
        listener.listen_for(&SlackApiToken::new(APP_TOKEN.into())).await.expect("listen_for");
        listener.start().await;
        SocketBot { client, seen, listener }
    }

    pub async fn stop(self) {
        self.listener.shutdown().await;
    }
}

async fn http_push(
    Extension(environment): Extension<Arc<SlackHyperListenerEnvironment>>,
    Extension(event): Extension<SlackPushEvent>,
) -> Response {
    match event {
        SlackPushEvent::UrlVerification(verification) => verification.challenge.into_response(),
        SlackPushEvent::EventCallback(callback) => {
            forward(&environment.user_state, Seen::Push(Box::new(callback))).await;
            StatusCode::OK.into_response()
        }
        SlackPushEvent::AppRateLimited(_) => StatusCode::OK.into_response(),
    }
}

async fn http_command(
    Extension(environment): Extension<Arc<SlackHyperListenerEnvironment>>,
    Extension(event): Extension<SlackCommandEvent>,
) -> axum::Json<SlackCommandEventResponse> {
    let text = answer_to(event.text.as_deref().unwrap_or_default());
    forward(&environment.user_state, Seen::Command(Box::new(event))).await;
    axum::Json(SlackCommandEventResponse::new(SlackMessageContent::new().with_text(text)))
}

async fn http_interaction(
    Extension(environment): Extension<Arc<SlackHyperListenerEnvironment>>,
    Extension(event): Extension<SlackInteractionEvent>,
) -> StatusCode {
    forward(&environment.user_state, Seen::Interaction(Box::new(event))).await;
    StatusCode::OK
}

/// An Events API server on 127.0.0.1:0 with slack-morphism's signature-checking layer on
/// /slack/events, /slack/commands and /slack/interactions.
pub struct HttpBot {
    pub url: String,
    pub seen: UnboundedReceiver<Seen>,
    server: JoinHandle<()>,
}

impl Drop for HttpBot {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl HttpBot {
    pub async fn start(fake: &FakeSlack) -> HttpBot {
        let (tx, seen) = unbounded_channel();
        let environment =
            Arc::new(SlackClientEventsListenerEnvironment::new(client(fake, None)).with_user_state(tx));
        let listener = SlackEventsAxumListener::new(environment);
        let secret = SlackSigningSecret::new(SIGNING_SECRET.into());
        let push = listener.events_layer(&secret).with_event_extractor(SlackEventsExtractors::push_event());
        let command =
            listener.events_layer(&secret).with_event_extractor(SlackEventsExtractors::command_event());
        let interaction =
            listener.events_layer(&secret).with_event_extractor(SlackEventsExtractors::interaction_event());
        let app = Router::new()
            .route("/slack/events", post(http_push).layer(push))
            .route("/slack/commands", post(http_command).layer(command))
            .route("/slack/interactions", post(http_interaction).layer(interaction));
        let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://127.0.0.1:{}/slack", tcp.local_addr().expect("addr").port());
        let server = tokio::spawn(async move {
            let _ = axum::serve(tcp, app).await;
        });
        HttpBot { url, seen, server }
    }
}
