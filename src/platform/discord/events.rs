//! Gateway events → coach: READY (commands, reconciliation), ✅ reactions on lesson posts, slash commands and button presses; channel names for labels.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use serenity::all::{
    ConnectionStage, Context, EventHandler, Guild, GuildChannel, GuildId, Interaction, Member, Reaction,
    ReactionType, Ready, ResumedEvent, ShardStageUpdateEvent, User,
};
use serenity::async_trait;
use tokio::sync::{oneshot, watch};

use super::delivery::DiscordDelivery;
use super::interactions::{self, Answer};
use super::rest::Rest;
use super::seen::Seen;
use super::{commands, reconcile, register};
use crate::coach::{Actor, ChannelRef, Coach, Inbound, InboundKind, Target};
use crate::scheduler::Clock;
use crate::scheduler::pacing::Paced;

/// What every event handler needs; one per process.
pub struct Shared {
    pub coach: Coach,
    pub clock: Arc<dyn Clock>,
    pub rest: Arc<Rest>,
    pub delivery: Arc<Paced<DiscordDelivery>>,
    pub bot_id: Arc<OnceLock<String>>,
    pub guilds: Vec<u64>,
    pub reconcile_days: u32,
    /// Slash commands are registered on the first READY only; a re-identify changes nothing.
    pub registered: AtomicBool,
    /// Counts READY events (full identifies), for the startup wait and for tests reading logs.
    pub ready: watch::Sender<u64>,
    /// Which gateway shards are connected.
    pub shards: super::shards::Links,
    /// Makes each reaction event's dedupe key unique: reactions are deduplicated by state (a
    /// second ✅ on a checked day changes nothing), so a re-add after a removal still counts.
    pub reactions: AtomicU64,
    /// Interactions already taken in: a duplicated dispatch gets no second answer.
    pub seen: Seen,
}

/// The event handler serenity runs. Its second field lives exactly as long as serenity holds
/// the handler — until the shard queuer and every shard runner have ended — so dropping it tells
/// [`super::Discord::shutdown`] that each session has finished its close handshake.
pub struct Handler(
    pub Arc<Shared>,
    #[expect(dead_code, reason = "held only to be dropped with the handler")] pub oneshot::Sender<()>,
);

#[async_trait]
impl EventHandler for Handler {
    async fn ready(&self, ctx: Context, ready: Ready) {
        let shared = Arc::clone(&self.0);
        let _ = shared.bot_id.set(ready.user.id.to_string());
        let shard = ctx.shard_id.0;
        tracing::info!(bot = %ready.user.name, shard, guilds = ready.guilds.len(), "Discord gateway ready");
        if !shared.shards.owns(shard) {
            // A session of a shard this instance has handed over (its runner was between
            // reconnects when it was stopped): close it, its events are another instance's.
            tracing::warn!(shard, "a session of a shard this instance no longer holds: closing it");
            ctx.shard.shutdown_clean();
            return;
        }
        let all = shared.shards.connected(shard);
        // Once per table, whichever instance gets there first (`register`).
        if !shared.registered.swap(true, Ordering::SeqCst) {
            register::commands(&shared, ready.application.id).await;
        }
        // A READY means a new session: reactions made on this shard's guilds while no session
        // was open never arrive.
        reconcile::recent(&shared, shard).await;
        if all {
            tracing::info!(
                shards = shared.shards.total(),
                "every Discord shard this instance holds is connected"
            );
            shared.ready.send_modify(|n| *n += 1);
        }
    }

    /// Every channel of the guild with its name: kept for the labels that name a channel in a
    /// direct message, even after the bot has lost access to it.
    async fn guild_create(&self, _ctx: Context, guild: Guild, _is_new: Option<bool>) {
        let channels = guild.channels.values().map(|c| (c.id.get(), c.name.clone()));
        self.0.delivery.inner().labels().learn_guild(guild.id.get(), &guild.name, channels);
    }

    async fn channel_create(&self, _ctx: Context, channel: GuildChannel) {
        self.0.delivery.inner().labels().learn_channel(
            channel.guild_id.get(),
            channel.id.get(),
            &channel.name,
        );
    }

    async fn channel_update(&self, _ctx: Context, _old: Option<GuildChannel>, new: GuildChannel) {
        self.0.delivery.inner().labels().learn_channel(new.guild_id.get(), new.id.get(), &new.name);
    }

    async fn resume(&self, ctx: Context, _event: ResumedEvent) {
        tracing::info!(shard = ctx.shard_id.0, "Discord gateway session resumed");
        self.0.shards.connected(ctx.shard_id.0);
    }

    /// A shard that leaves the connected stage (reconnecting, resuming) makes the instance
    /// unready until READY or RESUMED says it is back.
    async fn shard_stage_update(&self, _ctx: Context, event: ShardStageUpdateEvent) {
        if event.old == ConnectionStage::Connected && event.new != ConnectionStage::Connected {
            self.0.shards.lost(event.shard_id.0);
        }
    }

    async fn reaction_add(&self, ctx: Context, reaction: Reaction) {
        if self.holds(&ctx) {
            self.reaction(reaction, true).await;
        }
    }

    async fn reaction_remove(&self, ctx: Context, reaction: Reaction) {
        if self.holds(&ctx) {
            self.reaction(reaction, false).await;
        }
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        let shared = &self.0;
        if !self.holds(&ctx) {
            return;
        }
        let id = match &interaction {
            Interaction::Command(cmd) => cmd.id,
            Interaction::Component(press) => press.id,
            _ => return,
        };
        // Discord accepts one answer per interaction: a duplicate is dropped, silently.
        if !shared.seen.first(id.get()) {
            tracing::debug!(interaction = %id, "a duplicated interaction is ignored");
            return;
        }
        let (inbound, answer) = match &interaction {
            Interaction::Command(cmd) => {
                let kind = match commands::call_from(&cmd.data) {
                    Ok(call) => InboundKind::Call(call),
                    Err(e) => {
                        interactions::refuse(shared, &Answer::command(cmd), &e.0).await;
                        return;
                    }
                };
                let actor = actor(&cmd.user, cmd.member.as_deref());
                (
                    inbound(cmd.guild_id, cmd.channel_id.get(), actor, &cmd.id.to_string(), kind),
                    Answer::command(cmd),
                )
            }
            Interaction::Component(press) => {
                let actor = actor(&press.user, press.member.as_ref());
                let kind = InboundKind::Button { id: press.data.custom_id.clone() };
                let key = press.id.to_string();
                (inbound(press.guild_id, press.channel_id.get(), actor, &key, kind), Answer::press(press))
            }
            _ => return,
        };
        interactions::answer(shared, &inbound, answer).await;
    }
}

impl Handler {
    /// Whether the event's shard is still this instance's: after a freeze past the shard lease's
    /// deadline, the event is left to the instance that took the shard over.
    fn holds(&self, ctx: &Context) -> bool {
        let held = self.0.shards.owns(ctx.shard_id.0);
        if !held {
            tracing::info!(
                shard = ctx.shard_id.0,
                "an event on a shard this instance no longer holds is left to its holder"
            );
        }
        held
    }

    async fn reaction(&self, reaction: Reaction, added: bool) {
        let shared = &self.0;
        let Some(user) = reaction.user_id else { return };
        // The bot's own ✅ under each post is there for members to click, not a checkpoint.
        if shared.bot_id.get().is_some_and(|bot| *bot == user.to_string()) {
            return;
        }
        let ReactionType::Unicode(emoji) = &reaction.emoji else { return };
        let name = reaction.member.as_ref().map_or_else(|| user.to_string(), member_name);
        let actor = Actor { user_id: user.to_string(), name, is_admin: false };
        let message_id = reaction.message_id.to_string();
        let n = shared.reactions.fetch_add(1, Ordering::Relaxed);
        let verb = if added { "add" } else { "remove" };
        let key = format!(
            "discord:reaction:{message_id}:{user}:{verb}:{}:{n}",
            shared.clock.now().timestamp_millis()
        );
        let emoji = emoji.clone();
        let kind = if added {
            InboundKind::ReactionAdded { message_id, emoji }
        } else {
            InboundKind::ReactionRemoved { message_id, emoji }
        };
        let event = inbound(reaction.guild_id, reaction.channel_id.get(), actor, &key, kind);
        let replies = shared.coach.handle(&event, shared.clock.now()).await.into_replies();
        // A reaction has nobody to answer privately; anything public or direct still goes out.
        for reply in replies.iter().filter(|r| r.to != Target::Ephemeral) {
            interactions::deliver(shared, reply).await;
        }
    }
}

fn inbound(guild: Option<GuildId>, channel: u64, actor: Actor, key: &str, kind: InboundKind) -> Inbound {
    let channel = ChannelRef {
        platform: "discord".into(),
        workspace: guild.map_or_else(|| "dm".to_string(), |g| g.to_string()),
        channel: channel.to_string(),
    };
    let dedupe_key = if key.starts_with("discord:") { key.to_string() } else { format!("discord:{key}") };
    Inbound { channel, actor, dedupe_key, kind }
}

/// Who acted; an admin is whoever may manage the server, read from the interaction itself since
/// a server can hand `/studybot` to other roles whatever its default permission says.
fn actor(user: &User, member: Option<&Member>) -> Actor {
    let name =
        member.map_or_else(|| user.global_name.clone().unwrap_or_else(|| user.name.clone()), member_name);
    let is_admin = commands::is_admin(member.and_then(|m| m.permissions));
    Actor { user_id: user.id.to_string(), name, is_admin }
}

fn member_name(member: &Member) -> String {
    let user = &member.user;
    member.nick.clone().or_else(|| user.global_name.clone()).unwrap_or_else(|| user.name.clone())
}
