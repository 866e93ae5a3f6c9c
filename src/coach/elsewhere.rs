//! Where to go instead: the answer to a study command in a channel, or a direct message, that runs no cohort.

use super::{ChannelRef, Inbound};

/// Study commands act on a cohort, and a cohort lives in a channel. A member is sent to their
/// cohort's channel, and so is everyone in a direct message with the bot; an admin in a channel
/// without one is told how to start one there.
pub fn no_cohort(inbound: &Inbound) -> String {
    if is_direct(&inbound.channel) {
        "Study commands work in your study cohort's channel, not in a direct message: run them \
         there (`/help` lists them)."
            .into()
    } else if inbound.actor.is_admin {
        "This channel has no study cohort yet. Start one with `/studybot setup curriculum:<id>` \
         (see `/studybot curricula`); members' study commands work in their cohort's channel."
            .into()
    } else {
        "This channel has no study cohort. Study commands work in your cohort's channel: run them \
         there (`/help` lists them)."
            .into()
    }
}

/// A direct message with the bot rather than a channel: the Discord adapter files DMs under the
/// workspace `dm` (they belong to no server), and Slack's direct message channel ids start with
/// `D`. The console has channels only.
fn is_direct(channel: &ChannelRef) -> bool {
    match channel.platform.as_str() {
        "discord" => channel.workspace == "dm",
        "slack" => channel.channel.starts_with('D'),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coach::{Actor, InboundKind};

    fn asked(platform: &str, workspace: &str, channel: &str, is_admin: bool) -> String {
        let channel =
            ChannelRef { platform: platform.into(), workspace: workspace.into(), channel: channel.into() };
        let actor = Actor { user_id: "u1".into(), name: "ada".into(), is_admin };
        let kind = InboundKind::Text("/streak".into());
        no_cohort(&Inbound { channel, actor, dedupe_key: "k".into(), kind })
    }

    #[test]
    fn members_and_direct_messages_are_sent_to_the_cohort_channel_and_admins_to_setup() {
        let cases = [
            (("discord", "42", "7", false), "work in your cohort's channel"),
            (("discord", "42", "7", true), "/studybot setup"),
            (("discord", "dm", "7", false), "not in a direct message"),
            (("slack", "T1", "C1", false), "work in your cohort's channel"),
            (("slack", "T1", "C1", true), "/studybot setup"),
            (("slack", "T1", "D1", true), "not in a direct message"),
            (("console", "", "study", false), "work in your cohort's channel"),
            (("console", "", "study", true), "/studybot setup"),
        ];
        for ((platform, workspace, channel, admin), want) in cases {
            let reply = asked(platform, workspace, channel, admin);
            assert!(reply.contains(want), "{platform} {workspace} {channel} admin={admin}: {reply}");
            assert_eq!(
                reply.contains("/studybot setup"),
                admin && !reply.contains("direct message"),
                "{reply}"
            );
        }
    }
}
