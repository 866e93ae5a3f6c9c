//! Coach: the platform-neutral use cases — cohorts, lessons, checkpoints, streaks, leaderboards, progress.
//!
//! Adapters turn wire events into an [`Inbound`], call [`Coach::handle`], and render the
//! [`Outgoing`] messages; the scheduler (or the console's virtual clock) calls [`Coach::tick`].
//! Nothing here reads the clock: every entry point takes `now`.
//!
//! One shape for use cases. `impl Coach` is the facade: the entry points adapters and the
//! scheduler call (`handle`, `try_handle`, `tick`, `tick_cohort`, the reaction read-back) and the
//! coach's own state (store, catalog, version cache). Every use case is a free function in its
//! room that takes the coach first — `checkpoint::command(coach, inbound, call, now)`,
//! `settle::complete(coach, ctx, now, out)` — and a command reaches its use case through the
//! [`Handler`] of its entry in [`commands::COMMANDS`], matched exhaustively: no name is compared.

#[macro_use]
pub mod error;
mod admin;
mod audit;
mod catalog;
pub mod charts;
mod checkins;
mod checkpoint;
pub mod commands;
mod context;
mod contexts;
mod correct;
mod cycles;
mod cycles_admin;
pub mod dashboard;
mod delivery;
mod drift;
mod elsewhere;
pub mod export;
mod fence;
mod forget;
pub mod grammar;
mod journey;
mod leaderboard;
pub mod lesson;
pub mod message;
mod posting;
mod progress;
mod quiz;
mod reconcile;
mod settle;
mod setup;
pub mod shipped;
mod stats;
mod status;
mod tick;
mod unflag;
mod version;
mod version_admin;
mod writer;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::sync::Notify;

pub use catalog::Catalog;
pub use commands::{AdminOp, CycleOp, Handler, OwnOp};
pub use context::{CohortCtx, instant};
pub use dashboard::{DashboardLinks, Link};
pub use delivery::{Delivery, DeliveryError};
pub use error::{CoachError, CoachResult, UserError};
pub use fence::Fence;
pub use grammar::Call;
pub use message::{Attachment, Block, Button, ChannelRef, LessonCard, Message, Outgoing, Table, Target};
pub use progress::Mark;
pub use reconcile::{ReadReactions, RecentPost, Reconciled};
pub use tick::{TickReport, wakeup};
pub use version::{Version, content_hash};
pub use writer::{MAX_BATCH, WriterStats};

use crate::faults::{Episode, ErrorClass};
use crate::store::{Platform, Store};

/// Who sent an event. Whether they are an admin is the adapter's call (Discord permissions,
/// Slack workspace admin, the console's `:admin`), since only the platform knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: String,
    pub name: String,
    pub is_admin: bool,
}

/// One inbound event from a platform.
#[derive(Debug, Clone)]
pub struct Inbound {
    pub channel: ChannelRef,
    pub actor: Actor,
    /// Unique per event (Discord interaction id, Slack `event_id`, channel+message+user+emoji for
    /// reactions): a replay with a key already seen changes nothing.
    pub dedupe_key: String,
    pub kind: InboundKind,
}

#[derive(Debug, Clone)]
pub enum InboundKind {
    /// Chat text such as `/checkpoint day:121` (Slack, console).
    Text(String),
    /// A command already bound to the table (Discord slash command options).
    Call(Call),
    ReactionAdded {
        message_id: String,
        emoji: String,
    },
    ReactionRemoved {
        message_id: String,
        emoji: String,
    },
    Button {
        id: String,
    },
}

/// What handling an event came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Handled {
    /// The replies to send; none when there is nothing to say.
    Replies(Vec<Outgoing>),
    /// The event was handled before: a redelivery or a duplicate, known by its dedupe key. It
    /// changed nothing now and its answer went out the first time, so an adapter that may answer
    /// an event only once (a Discord interaction) sends nothing at all.
    Replay,
}

impl Handled {
    /// The replies, none for a replay: for callers to whom a replay is just silence.
    pub fn into_replies(self) -> Vec<Outgoing> {
        match self {
            Handled::Replies(replies) => replies,
            Handled::Replay => Vec::new(),
        }
    }
}

impl From<Vec<Outgoing>> for Handled {
    fn from(replies: Vec<Outgoing>) -> Handled {
        Handled::Replies(replies)
    }
}

/// The emoji that marks a lesson done, by name and as the character.
pub fn is_checkpoint_emoji(emoji: &str) -> bool {
    matches!(emoji, "✅" | "white_check_mark" | ":white_check_mark:")
}

#[derive(Clone)]
pub struct Coach {
    store: Store,
    catalog: Catalog,
    changes: Arc<Notify>,
    versions: Arc<version::Versions>,
    /// Cohort contexts per channel, for events.
    contexts: Arc<contexts::Contexts>,
    /// Events that failed on our side: one log line per episode, however many members it hits.
    failing: Arc<Episode>,
    /// Members' writes from events, group-committed.
    writer: Arc<writer::Writer>,
    /// Makes the web dashboard's links; `None` where no dashboard is configured.
    dashboard: Option<Arc<dyn DashboardLinks>>,
}

impl Coach {
    pub fn new(store: Store, catalog: Catalog) -> Coach {
        let versions = Arc::new(version::Versions::default());
        // A cohort on the file's version needs no parse of its stored copy: same hash, same text.
        for version in catalog.versions() {
            versions.remember(Arc::clone(version));
        }
        let failing = Arc::new(Episode::new("handling events"));
        let contexts = Arc::default();
        let writer = Arc::new(writer::Writer::new(store.clone()));
        let changes = Arc::new(Notify::new());
        Coach { store, catalog, changes, versions, contexts, failing, writer, dashboard: None }
    }

    /// The coach with the web dashboard's links, for `/studybot dashboard`.
    pub fn with_dashboard(mut self, links: Arc<dyn DashboardLinks>) -> Coach {
        self.dashboard = Some(links);
        self
    }

    fn dashboard(&self) -> Option<&dyn DashboardLinks> {
        self.dashboard.as_deref()
    }

    /// Notified after every admin command in this process, so a scheduler sleeping until its
    /// next due post re-reads the cohorts at once (other instances learn through the
    /// database's schedule epoch).
    pub fn changes(&self) -> Arc<Notify> {
        Arc::clone(&self.changes)
    }

    /// Passes a command's result through, waking the scheduler when it changed something.
    fn changed<T>(&self, result: CoachResult<T>) -> CoachResult<T> {
        if result.is_ok() {
            self.changes.notify_one();
        }
        result
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The group-committing writer that members' writes from events go through.
    fn writer(&self) -> &writer::Writer {
        &self.writer
    }

    /// How many transactions members' writes took so far, and how many writes they held.
    pub fn writer_stats(&self) -> WriterStats {
        self.writer.stats()
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Handles one event. Never fails: a [`UserError`] becomes the reply, anything else is logged
    /// with its cause chain and the user gets an apology, never internals. A replayed event comes
    /// back as [`Handled::Replay`], never as a refusal: a redelivery is not the member's mistake.
    #[tracing::instrument(skip_all, fields(platform = %inbound.channel.platform, user = %inbound.actor.user_id))]
    pub async fn handle(&self, inbound: &Inbound, now: DateTime<Utc>) -> Handled {
        let started = std::time::Instant::now();
        let handled = self.handle_timed(inbound, now).await;
        let kind = match inbound.kind {
            InboundKind::Text(_) | InboundKind::Call(_) => "command",
            InboundKind::ReactionAdded { .. } | InboundKind::ReactionRemoved { .. } => "reaction",
            InboundKind::Button { .. } => "button",
        };
        crate::ops::metrics::handled(&inbound.channel.platform, kind, started.elapsed());
        handled
    }

    async fn handle_timed(&self, inbound: &Inbound, now: DateTime<Utc>) -> Handled {
        match self.try_handle(inbound, now).await {
            Ok(handled) => handled,
            Err(CoachError::User(e)) => Handled::Replies(vec![Outgoing::ephemeral(e.0)]),
            Err(e) => {
                let class =
                    self.failing.failed(&anyhow::Error::from(e), "the member was answered with an apology");
                Handled::Replies(vec![Outgoing::ephemeral(apology(class))])
            }
        }
    }

    /// Handles one event and says how it went: the replies or a replay, or a [`CoachError::User`]
    /// refusal (bad input, not allowed, not found) or an internal error, neither logged nor turned
    /// into a reply yet. For callers that must know, such as tools and tests; adapters call
    /// [`Coach::handle`].
    pub async fn try_handle(&self, inbound: &Inbound, now: DateTime<Utc>) -> CoachResult<Handled> {
        match self.dispatch(inbound, now).await {
            Err(CoachError::NoCohort) => Err(UserError(elsewhere::no_cohort(inbound)).into()),
            other => other,
        }
    }

    async fn dispatch(&self, inbound: &Inbound, now: DateTime<Utc>) -> CoachResult<Handled> {
        match &inbound.kind {
            InboundKind::Text(text) => {
                let call = grammar::parse(text)?;
                self.command(inbound, &call, now).await
            }
            InboundKind::Call(call) => self.command(inbound, call, now).await,
            InboundKind::ReactionAdded { message_id, emoji } if is_checkpoint_emoji(emoji) => {
                checkpoint::reaction(self, inbound, message_id, true, now).await
            }
            InboundKind::ReactionRemoved { message_id, emoji } if is_checkpoint_emoji(emoji) => {
                checkpoint::reaction(self, inbound, message_id, false, now).await
            }
            InboundKind::ReactionAdded { .. } | InboundKind::ReactionRemoved { .. } => {
                Ok(Handled::Replies(Vec::new()))
            }
            InboundKind::Button { id } if id.starts_with("quiz:") => {
                quiz::button(self, inbound, id, now).await
            }
            InboundKind::Button { id } if id.starts_with("review:") || id.starts_with("warmup:") => {
                quiz::review_button(self, inbound, id, now).await
            }
            InboundKind::Button { id } if id.starts_with("result:") => {
                quiz::result_button(self, inbound, id).await.map(Handled::Replies)
            }
            InboundKind::Button { id } if forget::is_forget_button(id) => {
                forget::forget_button(self, inbound, id, now).await.map(Handled::Replies)
            }
            InboundKind::Button { id } if cycles_admin::is_finish_button(id) => {
                cycles_admin::finish_button(self, inbound, id, now).await.map(Handled::Replies)
            }
            InboundKind::Button { id } => checkpoint::button(self, inbound, id, now).await,
        }
    }

    async fn command(&self, inbound: &Inbound, call: &Call, now: DateTime<Utc>) -> CoachResult<Handled> {
        if call.sub.admin() && !inbound.actor.is_admin {
            user_error!(
                "Sorry, `/{} {}` is for the cohort's admins. Ask an admin of this channel; `/help` lists the commands you can use.",
                call.spec.name,
                call.sub.name
            );
        }
        let replies = match call.sub.handler {
            // The one command that keeps its dedupe key: the rest answer a duplicate again.
            Handler::Checkpoint => return checkpoint::command(self, inbound, call, now).await,
            Handler::Help => Ok(vec![Outgoing::ephemeral(commands::help(inbound.actor.is_admin))]),
            Handler::FullHelp => Ok(vec![Outgoing::ephemeral(commands::full_help(inbound.actor.is_admin))]),
            Handler::Curricula => setup::curricula(self),
            Handler::Setup => self.changed(setup::setup(self, inbound, call, now).await),
            Handler::Admin(op) => self.changed(admin::run(self, inbound, op, call, now).await),
            Handler::Cycle(op) => self.changed(cycles_admin::run(self, inbound, op, call, now).await),
            Handler::Join => checkpoint::join(self, inbound, now).await,
            Handler::Leaderboard => leaderboard::command(self, inbound, call, now).await,
            Handler::Quiz => quiz::command(self, inbound, call, now).await,
            Handler::Review => quiz::warmup_command(self, inbound, call, now).await,
            Handler::Own(op) => progress::run(self, inbound, op, call, now).await,
            Handler::Forget => forget::forget(self, inbound, call).await,
            Handler::Leave => forget::leave(self, inbound, now).await,
        };
        replies.map(Handled::Replies)
    }
}

/// What a member is told when their event failed on our side. A database fault rolled the
/// event's transaction back — the reply for a write is only built after its commit — so it says
/// that nothing was recorded.
fn apology(class: ErrorClass) -> String {
    let why = match class {
        ErrorClass::DiskFull => "the bot's database is full",
        ErrorClass::ReadOnly => "the bot's database cannot be written right now",
        ErrorClass::Busy => "the bot's database is busy",
        ErrorClass::ConnectionLost => "the bot cannot reach its database",
        ErrorClass::Constraint | ErrorClass::Other => {
            return "Sorry — something went wrong on our side. It has been logged; please try again.".into();
        }
    };
    format!("Sorry — {why}, so nothing was recorded. It has been logged; please try again in a few minutes.")
}

/// `1 lesson done`, `2 lessons done`.
fn plural<N: Into<u64>>(n: N, one: &str, many: &str) -> String {
    let n: u64 = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The platform of a channel, as the store knows it.
fn platform_of(channel: &ChannelRef) -> CoachResult<Platform> {
    Platform::parse(&channel.platform)
        .ok_or_else(|| CoachError::Other(anyhow::anyhow!("unknown platform {}", channel.platform)))
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_is_singular() {
        let said: Vec<String> =
            [0_u32, 1, 2].into_iter().map(|n| super::plural(n, "lesson done", "lessons done")).collect();
        assert_eq!(said, ["0 lessons done", "1 lesson done", "2 lessons done"]);
    }
}
