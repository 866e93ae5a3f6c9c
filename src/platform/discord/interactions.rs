//! Answering an interaction: the first response within Discord's 3 seconds (or a defer), then edits and follow-ups.

use std::time::{Duration, Instant};

use serenity::all::{CommandInteraction, ComponentInteraction, MessageFlags};
use serenity::builder::{CreateInteractionResponse, CreateInteractionResponseMessage};
use serenity::http::{LightMethod, Route};
use serenity::model::id::{ApplicationId, InteractionId};

use super::events::Shared;
use super::render::{self, DiscordMessage};
use super::rest::RestError;
use crate::coach::{Attachment, Delivery, Fence, Handled, Inbound, Outgoing, Target};
use crate::faults::chain;

/// Work that has not answered by then is deferred: Discord drops an interaction whose first
/// response comes after 3 s, and the request itself needs some of that time.
const DEFER_AFTER: Duration = Duration::from_millis(1800);

/// Discord's error code for a second initial response to one interaction.
const ALREADY_ACKNOWLEDGED: i64 = 40060;

/// How to answer one interaction.
pub struct Answer {
    id: InteractionId,
    app: ApplicationId,
    token: String,
    /// A press on an ephemeral message (a quiz question) replaces that message with the answer;
    /// anything else gets a new private reply.
    update: bool,
    /// When the interaction came in: Discord's 3 s count from about then.
    received: Instant,
}

impl Answer {
    pub fn command(cmd: &CommandInteraction) -> Answer {
        let received = Instant::now();
        Answer { id: cmd.id, app: cmd.application_id, token: cmd.token.clone(), update: false, received }
    }

    pub fn press(press: &ComponentInteraction) -> Answer {
        let ephemeral = press.message.flags.is_some_and(|f| f.contains(MessageFlags::EPHEMERAL));
        let (id, app, token) = (press.id, press.application_id, press.token.clone());
        Answer { id, app, token, update: ephemeral, received: Instant::now() }
    }
}

/// Runs the coach on `inbound` and answers: at once when it is quick, else a defer first.
pub async fn answer(shared: &Shared, inbound: &Inbound, answer: Answer) {
    let work = shared.coach.handle(inbound, shared.clock.now());
    tokio::pin!(work);
    let quick = tokio::select! {
        out = &mut work => Some(out),
        () = tokio::time::sleep(DEFER_AFTER) => None,
    };
    let (handled, deferred) = match quick {
        Some(out) => (out, false),
        None => {
            let defer = if answer.update {
                CreateInteractionResponse::Acknowledge
            } else {
                CreateInteractionResponse::Defer(CreateInteractionResponseMessage::new().ephemeral(true))
            };
            callback(shared, &answer, &defer, None).await;
            (work.await, true)
        }
    };
    let Handled::Replies(replies) = handled else {
        // Handled before, by this process or another instance on the same database: Discord
        // has its answer and refuses a second one (40060), so this delivery gets none.
        tracing::debug!(interaction = %answer.id, "a replayed interaction gets no second answer");
        return;
    };
    let mut private = Vec::new();
    for reply in replies {
        match reply.to {
            Target::Ephemeral => private.extend(render::render(&reply.message)),
            _ => deliver(shared, &reply).await,
        }
    }
    respond(shared, &answer, private, deferred).await;
}

/// Input Discord let through but the command table refuses: a private reply saying why.
pub async fn refuse(shared: &Shared, answer: &Answer, reason: &str) {
    let message = render::render(&crate::coach::Message::text(reason));
    respond(shared, answer, message, false).await;
}

/// A public or direct message from an event, through the same pacer as lesson posts.
pub async fn deliver(shared: &Shared, reply: &Outgoing) {
    if let Err(e) = shared.delivery.send(reply, Fence::unfenced()).await {
        tracing::warn!(error = %chain(&e), "reply not delivered");
    }
}

async fn respond(shared: &Shared, answer: &Answer, parts: Vec<DiscordMessage>, deferred: bool) {
    let mut parts = parts.into_iter();
    match (parts.next(), deferred) {
        (Some(mut first), false) => {
            let file = first.file.take();
            let data = first.into_response(true);
            let response = if answer.update {
                CreateInteractionResponse::UpdateMessage(data)
            } else {
                CreateInteractionResponse::Message(data)
            };
            callback(shared, answer, &response, file.as_ref()).await;
        }
        (Some(mut first), true) => {
            let route = Route::WebhookOriginalInteractionResponse {
                application_id: answer.app,
                token: &answer.token,
            };
            let file = first.file.take();
            let edit = first.into_edit();
            let sent = shared.rest.call_maybe_upload(route, LightMethod::Patch, &edit, file.as_ref(), None);
            log(sent.await, "edit");
        }
        // Nothing to say (a replay never gets here): a press is acknowledged silently, a command
        // is told so, since Discord shows "did not respond" for one left unanswered.
        (None, false) if answer.update => {
            callback(shared, answer, &CreateInteractionResponse::Acknowledge, None).await
        }
        (None, false) => {
            let data = render::render(&crate::coach::Message::text("Nothing changed."))
                .remove(0)
                .into_response(true);
            callback(shared, answer, &CreateInteractionResponse::Message(data), None).await;
        }
        (None, true) => {}
    }
    for mut part in parts {
        let route = Route::WebhookFollowupMessages { application_id: answer.app, token: &answer.token };
        let file = part.file.take();
        let followup = part.into_followup(true);
        let sent = shared.rest.call_maybe_upload(route, LightMethod::Post, &followup, file.as_ref(), None);
        log(sent.await, "follow-up");
    }
}

/// The initial response (or a defer), with the file of its message if any.
async fn callback(
    shared: &Shared,
    answer: &Answer,
    response: &CreateInteractionResponse,
    file: Option<&Attachment>,
) {
    let route = Route::InteractionResponse { interaction_id: answer.id, token: &answer.token };
    let result = shared.rest.call_maybe_upload(route, LightMethod::Post, response, file, Some("data")).await;
    // Only an initial response (or a defer) goes through here: the acknowledgement.
    crate::ops::metrics::ack("discord", answer.received.elapsed());
    match result {
        // Another instance on the same database answered first (each gets every interaction),
        // a race the dedupe keys cannot close for commands that keep none: not a fault.
        Err(RestError::Status { code: ALREADY_ACKNOWLEDGED, .. }) => {
            tracing::debug!(interaction = %answer.id, "interaction already answered elsewhere");
        }
        result => log(result, "response"),
    }
}

fn log(result: Result<(), RestError>, what: &str) {
    if let Err(e) = result {
        tracing::warn!(error = %chain(&e), "interaction {what} failed");
    }
}
