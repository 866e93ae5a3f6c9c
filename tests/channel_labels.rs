//! `Delivery::channel_label` — "#study in Study Group" — through the real serenity and
//! slack-morphism clients against the fakes: the lookups made (once per channel), their shapes
//! as each client reads them, and what is said when a lookup fails.

mod support;

use serenity::all::{ChannelId, GuildId, HttpBuilder};
use slack_morphism::prelude::*;
use studybot::coach::{ChannelRef, Delivery};
use studybot::platform::discord::DiscordDelivery;
use studybot::platform::slack::{SlackApi, SlackDelivery};
use support::fake_discord::{self, FakeDiscord};
use support::fake_slack::{self, FakeSlack};
use support::slack_client::{bot_token, client};

fn channel(platform: &str, workspace: &str, id: &str) -> ChannelRef {
    ChannelRef { platform: platform.into(), workspace: workspace.into(), channel: id.into() }
}

#[tokio::test(flavor = "multi_thread")]
async fn discord_names_the_channel_and_its_server_once() {
    let fake = FakeDiscord::start().await;
    let study = fake.channel("study");
    let delivery = DiscordDelivery::connect(fake_discord::BOT_TOKEN, Some(&fake.url())).unwrap();
    let here = channel("discord", &fake.guild_id().to_string(), &study.to_string());
    assert_eq!(delivery.channel_label(&here).await, "#study in Study Group");
    assert_eq!(delivery.channel_label(&here).await, "#study in Study Group");
    let lookups: Vec<String> = fake
        .requests()
        .iter()
        .filter(|r| r.method == "GET")
        .map(|r| format!("{} {}", r.path, r.status))
        .collect();
    assert_eq!(
        lookups,
        [format!("/api/v10/channels/{study} 200"), format!("/api/v10/guilds/{} 200", fake.guild_id())],
        "one lookup of each, then the cache"
    );

    // What the fake answers is what serenity's own models read.
    let http = HttpBuilder::new(fake_discord::BOT_TOKEN).proxy(fake.url()).ratelimiter_disabled(true).build();
    let guild = http.get_guild(GuildId::new(fake.guild_id())).await.expect("a PartialGuild");
    assert_eq!(guild.name, "Study Group");
    let read = http.get_channel(ChannelId::new(study)).await.expect("a Channel");
    assert_eq!(read.guild().map(|c| (c.name, c.guild_id.get())), Some(("study".into(), fake.guild_id())));

    // A channel Discord does not know: its id, and nothing cached, so a later call looks again.
    let gone = channel("discord", "", "999");
    assert_eq!(delivery.channel_label(&gone).await, "#999");
    let other = fake.channel("other");
    fake.fail_channel(other, 403);
    assert_eq!(
        delivery.channel_label(&channel("discord", "", &other.to_string())).await,
        format!("#{other}")
    );
    // One the bot may no longer read, in the cohort's server: its id, in that server.
    let here_but_closed = channel("discord", &fake.guild_id().to_string(), &other.to_string());
    assert_eq!(delivery.channel_label(&here_but_closed).await, format!("#{other} in Study Group"));
    fake.fail_channel(other, 0);
    assert_eq!(
        delivery.channel_label(&channel("discord", "", &other.to_string())).await,
        "#other in Study Group"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn slack_names_the_channel_and_its_workspace_once() {
    let fake = FakeSlack::start().await;
    let study = fake.channel("study");
    let delivery = SlackDelivery::new(SlackApi::new(&fake.api_url(), fake_slack::BOT_TOKEN).unwrap());
    let here = channel("slack", &fake.team_id(), &study);
    assert_eq!(delivery.channel_label(&here).await, "#study in Fake Study Group");
    assert_eq!(delivery.channel_label(&here).await, "#study in Fake Study Group");
    let info = fake.calls("conversations.info");
    assert_eq!(info.len(), 1, "cached after the first lookup");
    assert_eq!(info[0].params["channel"], study.as_str());
    let team = fake.calls("team.info");
    assert_eq!((team.len(), team[0].params["team"].as_str()), (1, Some(fake.team_id().as_str())));

    // The shapes as slack-morphism reads them.
    let (session_client, token) = (client(&fake, None), bot_token());
    let session = session_client.open_session(&token);
    let request = SlackApiConversationsInfoRequest::new(SlackChannelId::new(study.clone()));
    let read = session.conversations_info(&request).await.expect("conversations.info");
    assert_eq!((read.channel.name.as_deref(), read.channel.flags.is_channel), (Some("study"), Some(true)));
    let read = session.team_info(&SlackApiTeamInfoRequest { team: None }).await.expect("team.info");
    assert_eq!(read.team.name.as_deref(), Some("Fake Study Group"));

    // A channel Slack does not know: its id, with the workspace name, and looked up again later.
    let label = delivery.channel_label(&channel("slack", &fake.team_id(), "C0NOPE")).await;
    assert_eq!(label, "#C0NOPE in Fake Study Group");
    delivery.channel_label(&channel("slack", &fake.team_id(), "C0NOPE")).await;
    assert_eq!(fake.calls("conversations.info").len(), 4);
}
