//! Answering Slack within its 3 seconds: a command's first reply rides on the acknowledgement, the rest (and anything slow) goes to its `response_url`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use slack_morphism::prelude::*;
use tokio::sync::oneshot;

use super::events;
use super::render::{self, SlackMessage};
use super::runtime::Shared;
use crate::coach::{Attachment, Block, Delivery, Fence, Handled, Inbound, Message, Outgoing, Target};
use crate::faults::chain;
use crate::ops::metrics;

/// Work that has not answered by then is acknowledged with a holding reply: Slack wants the
/// acknowledgement within 3 s, and the way back takes some of that time.
pub const ANSWER_WITHIN: Duration = Duration::from_millis(1800);

/// Runs a command and returns what rides on its acknowledgement (ephemeral). Slow work (the
/// member's users.info lookup included) is answered later through the `response_url`, replacing
/// the holding reply.
pub async fn command(shared: &Arc<Shared>, event: SlackCommandEvent) -> SlackCommandEventResponse {
    let received = Instant::now();
    let Some(place) = shared.admission.admit("command") else {
        let busy =
            "⏳ studybot is very busy right now and did not take this in. Please try again in a minute.";
        let reply = render::render(&Message::text(busy)).remove(0);
        return SlackCommandEventResponse::new(reply.content())
            .with_response_type(SlackMessageResponseType::Ephemeral);
    };
    let (tx, rx) = oneshot::channel();
    let task = Arc::clone(shared);
    let url = event.response_url.clone();
    let late_url = url.clone();
    shared.tasks.spawn(async move {
        let actor = task.admins.actor(&task.api, event.user_id.as_ref()).await;
        let inbound = events::command(&event, actor);
        let handled = task.coach.handle(&inbound, task.clock.now()).await;
        let user = inbound.actor.user_id.clone();
        // The receiver is gone when the acknowledgement went out with the holding reply: the
        // answer takes its place (`replace_original` on a command's response_url replaces the
        // ephemeral message the command showed), so the member is not left with "Working on it".
        if let Err((handled, user)) = tx.send((handled, user)) {
            let parts = command_parts(&task, handled, &user, &late_url);
            respond(&task, &late_url, parts, true).await;
        }
        drop(place);
    });
    let mut private = match tokio::time::timeout(ANSWER_WITHIN, rx).await {
        Ok(Ok((handled, user))) => command_parts(shared, handled, &user, &url),
        _ => render::render(&Message::text("⏳ Working on it…")),
    };
    let first = private.remove(0);
    respond(shared, &url, private, false).await;
    metrics::ack("slack", received.elapsed());
    SlackCommandEventResponse::new(first.content()).with_response_type(SlackMessageResponseType::Ephemeral)
}

/// A command's private answer as Slack messages, never none: the member typed something and
/// sees an answer, also to a repeated command (Slack wants one in the acknowledgement).
fn command_parts(
    shared: &Arc<Shared>,
    handled: Handled,
    user: &str,
    url: &SlackResponseUrl,
) -> Vec<SlackMessage> {
    let private = route(shared, handled.into_replies(), user, url);
    if private.is_empty() { render::render(&Message::text("Nothing changed.")) } else { private }
}

/// A button press, already acknowledged: the answer goes to the `response_url`, replacing the
/// pressed message when that was an ephemeral one (a quiz question). A replayed press gets no
/// answer: the first one already replaced the question, and a second would replace its verdict.
pub async fn press(shared: &Arc<Shared>, inbound: Inbound, url: &SlackResponseUrl, replace: bool) {
    if let Handled::Replies(replies) = shared.coach.handle(&inbound, shared.clock.now()).await {
        let private = route(shared, replies, &inbound.actor.user_id, url);
        respond(shared, url, private, replace).await;
    }
}

/// Hands the public and direct replies, and the files of private ones, to a task (the pacer may
/// hold them for a while, and an acknowledgement must not wait on that); returns the private
/// ones, rendered, each file replaced by a line saying where it went.
fn route(
    shared: &Arc<Shared>,
    replies: Vec<Outgoing>,
    user: &str,
    url: &SlackResponseUrl,
) -> Vec<SlackMessage> {
    let (mut private, public): (Vec<Outgoing>, Vec<Outgoing>) =
        replies.into_iter().partition(|r| r.to == Target::Ephemeral);
    for reply in &mut private {
        share_files(shared, &mut reply.message, user, url);
    }
    if !public.is_empty() {
        let task = Arc::clone(shared);
        shared.tasks.spawn(async move {
            for reply in public {
                if let Err(e) = task.delivery.send(&reply, Fence::unfenced()).await {
                    tracing::warn!(error = %chain(&e), "reply not delivered");
                }
            }
        });
    }
    private.iter().flat_map(|r| render::render(&r.message)).collect()
}

/// Shares the message's files in `user`'s DM (an ephemeral message cannot carry one), from a
/// task; each file block becomes a line saying so, and a failed upload is reported privately.
fn share_files(shared: &Arc<Shared>, message: &mut Message, user: &str, url: &SlackResponseUrl) {
    let files: Vec<Attachment> = message.files().cloned().collect();
    if files.is_empty() {
        return;
    }
    let comment = message.blocks.iter().find_map(|b| match b {
        Block::Text(text) => Some(text.clone()),
        _ => None,
    });
    for block in &mut message.blocks {
        if let Block::File(file) = block {
            *block = Block::Text(format!("📎 `{}` is in your direct messages with studybot.", file.name));
        }
    }
    let (task, user, url) = (Arc::clone(shared), user.to_string(), url.clone());
    shared.tasks.spawn(async move {
        for file in files {
            let comment = comment.clone().unwrap_or_else(|| file.description.clone());
            let comment = render::mrkdwn_text(&comment);
            if let Err(e) = task.delivery.inner().share_privately(&user, &file, &comment).await {
                tracing::warn!(error = %chain(&e), file = %file.name, "file not shared");
                let hint = if e.to_string().contains("missing_scope") {
                    " The Slack app needs the `files:write` scope: ask whoever installed it to reinstall it from the current manifest."
                } else {
                    " Try again in a minute."
                };
                let note = format!("📎 `{}` could not be sent to you: {e}.{hint}", file.name);
                respond(&task, &url, render::render(&Message::text(note)), false).await;
            }
        }
    });
}

/// Posts `parts` to the `response_url` in order; with `replace_first` the first replaces the
/// message the url belongs to (the pressed message, or the command's holding reply).
async fn respond(shared: &Shared, url: &SlackResponseUrl, parts: Vec<SlackMessage>, replace_first: bool) {
    for (i, part) in parts.into_iter().enumerate() {
        let request = SlackApiPostWebhookMessageRequest::new(part.content())
            .with_replace_original(replace_first && i == 0);
        if let Err(e) = shared.api.client.respond_to_event(url, &request).await {
            tracing::warn!(error = %chain(&e), "response to Slack not delivered");
        }
    }
}
