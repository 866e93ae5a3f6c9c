//! Check-ins that arrive together are written together (the writer's multi-row batches) and leave
//! exactly what the same events leave handled one at a time: every check-in stored once, a
//! redelivered key a replay, a second check-in of a day "already checked", joins in between, and
//! each member's summary equal to the one-at-a-time cohort's — on SQLite and PostgreSQL.

mod support;

use std::collections::BTreeMap;

use chrono::{TimeZone, Utc};
use futures_util::future::join_all;
use studybot::coach::{Actor, Block, Catalog, ChannelRef, Coach, Handled, Inbound, InboundKind};
use studybot::store::{MemberStats, Platform};
use support::bot::{CURRICULUM, admin_does, curriculum_dir};
use support::db::Fixture;

backend_tests!(check_ins_written_together_leave_what_one_at_a_time_leaves);

const MEMBERS: usize = 90;

fn says(channel: &str, user: usize, key: String, text: String) -> Inbound {
    Inbound {
        channel: ChannelRef { platform: "console".into(), workspace: String::new(), channel: channel.into() },
        actor: Actor { user_id: format!("u{user:03}"), name: format!("Member {user}"), is_admin: false },
        dedupe_key: key,
        kind: InboundKind::Text(text),
    }
}

/// The events of one channel: members check in days 121–123 (every fifth also sends one day
/// twice under two keys, every seventh has one event delivered twice, every eleventh joins first).
fn events(channel: &str) -> Vec<Inbound> {
    let mut all = Vec::new();
    for user in 0..MEMBERS {
        if user % 11 == 0 {
            all.push(says(channel, user, format!("{channel}-join-{user}"), "/join".into()));
        }
        for day in 121..=123 {
            let key = format!("{channel}-{user}-{day}");
            all.push(says(channel, user, key.clone(), format!("/checkpoint day:{day}")));
            if user % 7 == 0 && day == 122 {
                all.push(says(channel, user, key, format!("/checkpoint day:{day}")));
            }
        }
        if user % 5 == 0 {
            all.push(says(channel, user, format!("{channel}-{user}-again"), "/checkpoint day:121".into()));
        }
    }
    all
}

fn text(handled: &Handled) -> String {
    let Handled::Replies(replies) = handled else { return "(replay)".into() };
    let blocks = replies.iter().flat_map(|r| &r.message.blocks);
    blocks.filter_map(|b| if let Block::Text(t) = b { Some(t.as_str()) } else { None }).collect()
}

/// How many answers said what: done, already checked, replay, welcome.
fn tally(answers: &[Handled]) -> [usize; 4] {
    let mut counts = [0; 4];
    for answer in answers {
        let t = text(answer);
        let slot = match () {
            _ if t.contains("done —") => 0,
            _ if t.contains("was already checked") => 1,
            _ if t == "(replay)" => 2,
            _ if t.contains("Welcome") => 3,
            _ => panic!("unexpected answer: {t}"),
        };
        counts[slot] += 1;
    }
    counts
}

/// Each member's summary in the cohort of `channel`, by user id, without the row's own ids.
async fn summaries(fx: &Fixture, channel: &str) -> BTreeMap<String, MemberStats> {
    let cohort = fx.store.find_cohort_by_channel(Platform::Console, channel).await.unwrap().unwrap().id;
    let mut users = BTreeMap::new();
    for user in 0..MEMBERS {
        let user = format!("u{user:03}");
        let member = fx.store.find_member(Platform::Console, &user).await.unwrap().unwrap();
        users.insert(member.id, user);
    }
    let rows = fx.store.list_member_stats(cohort).await.unwrap();
    rows.into_iter().map(|s| (users[&s.member_id].clone(), MemberStats { cohort_id: 0, ..s })).collect()
}

async fn check_ins_written_together_leave_what_one_at_a_time_leaves(fx: Fixture) {
    let coach = Coach::new(fx.store.clone(), Catalog::load_dir(&curriculum_dir()).unwrap());
    let set_up_at = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    for channel in ["together", "alone"] {
        let setup = format!(
            "/studybot setup curriculum:{CURRICULUM} start:2026-03-02 schedule:\"0 9 * * *\" timezone:UTC"
        );
        admin_does(&coach, channel, &setup, set_up_at).await;
    }
    // Days 121–123 are out.
    let at = Utc.with_ymd_and_hms(2026, 3, 4, 10, 0, 0).unwrap();

    let mut alone = Vec::new();
    for event in events("alone") {
        alone.push(coach.try_handle(&event, at).await.unwrap());
    }
    let before = coach.writer_stats();
    let together = join_all(events("together").iter().map(|e| coach.try_handle(e, at))).await;
    let together: Vec<Handled> = together.into_iter().map(|r| r.unwrap()).collect();
    let writer = coach.writer_stats();

    let expected = [MEMBERS * 3, MEMBERS.div_ceil(5), MEMBERS.div_ceil(7), MEMBERS.div_ceil(11)];
    assert_eq!(tally(&alone), expected, "done, already, replay, welcome one at a time");
    assert_eq!(tally(&together), expected, "done, already, replay, welcome together");
    let (writes, batches) = (writer.writes - before.writes, writer.batches - before.batches);
    assert!(batches < writes / 4, "{writes} concurrent writes took {batches} transactions");

    for channel in ["together", "alone"] {
        let cohort = fx.store.find_cohort_by_channel(Platform::Console, channel).await.unwrap().unwrap().id;
        let stored = fx.store.list_cohort_checkpoints(cohort).await.unwrap();
        assert_eq!(stored.len(), MEMBERS * 3, "#{channel}: one checkpoint per member and day");
        // Day 121's window has closed: late for everybody, 122 and 123 on time.
        assert_eq!(stored.iter().filter(|c| c.on_time).count(), MEMBERS * 2, "#{channel}");
        assert_eq!(fx.store.list_cohort_members(cohort).await.unwrap().len(), MEMBERS, "#{channel}");
    }
    let (together, alone) = (summaries(&fx, "together").await, summaries(&fx, "alone").await);
    assert_eq!(together.len(), MEMBERS);
    for (user, stats) in &alone {
        let mine = &together[user];
        assert_eq!(
            MemberStats { member_id: 0, ..mine.clone() },
            MemberStats { member_id: 0, ..stats.clone() },
            "{user}"
        );
        assert_eq!(stats.lessons_done, 3, "{user}");
    }
}
