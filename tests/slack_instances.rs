//! Several `studybot run` instances of one Slack app on one PostgreSQL database (issue 19 §2):
//! over HTTP each request goes to whichever instance the load balancer picks, in Socket Mode
//! each instance holds its own connection and Slack spreads envelopes over them. Every command
//! is answered by the instance that got it, and every check-in is stored once — an event Slack
//! retries on the other instance included. Skipped (and says so) without PostgreSQL.

mod support;

use serde_json::Value;
use support::db::TestDb;
use support::slack_bot::{FakeSlack, Mode, STEP, SlackBot, member, organizer, setup_text};

/// Which instance took a delivery: the balanced url's index (HTTP) or the connection (Socket Mode).
fn served_by(ack: &Value) -> u64 {
    ack.get("instance").or_else(|| ack.get("connection")).and_then(Value::as_u64).unwrap_or(u64::MAX)
}

async fn two_instances_take_turns_and_store_each_check_in_once(mode: Mode) {
    let Some(db) = TestDb::postgres().await else { return };
    let mut h = SlackBot::new("2026-12-01T08:57:00Z", 30.0, mode).await.with_database(db.url());
    h.start().await;
    let mut other = h.start_instance().await;
    match mode {
        Mode::Http => h.fake.use_http_balanced(&[h.endpoint(), other.endpoint()]),
        Mode::Socket => h.fake.spread_over_connections(),
    }

    let setup = h.ask(&organizer(), &setup_text("2026-12-01")).await;
    assert!(setup.contains("Lakehouse") || setup.contains("days_121"), "{setup}");
    let members: Vec<_> = (1..=6).map(|i| member(&format!("U0M{i}"), &format!("M{i}"))).collect();
    let mut commands = Vec::new();
    for m in &members {
        let id = h.fake.command(m, &h.channel, "join").await;
        h.answered(m, &id).await;
        commands.push(id);
    }
    let post = h.wait_lesson(1).await;
    let ts = post["ts"].as_str().unwrap().to_string();
    let mut events = Vec::new();
    for m in &members {
        events.push(h.fake.react(m, &h.channel, &ts, "white_check_mark").await);
    }
    h.wait_checkpoints("one check-in per member", |rows| rows.len() == members.len()).await;

    // Slack retries the first event (its ack was lost), up to three times, until a retry lands
    // on the other instance.
    let first = events[0].clone();
    for retry in 1..=3 {
        h.fake.redeliver(&first).await;
        let acked = |f: &FakeSlack| f.acks(&first).len() > retry;
        assert!(h.fake.wait_for(STEP, acked).await, "{:?}", h.fake.acks(&first));
        let acks = h.fake.acks(&first);
        if acks.iter().any(|a| served_by(a) != served_by(&acks[0])) {
            break;
        }
    }
    let acks = h.fake.acks(&first);
    let on: std::collections::BTreeSet<u64> = acks.iter().map(served_by).collect();
    assert_eq!(on.len(), 2, "a retry went to the other instance: {acks:?}");
    if mode == Mode::Http {
        assert!(acks.iter().all(|a| a["status"] == 200), "{acks:?}");
    }
    // Give the retry time to be worked, then count again: still one row per member.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let rows = h.checkpoints().await;
    let mut who: Vec<&str> = rows.iter().map(|(user, _, _)| user.as_str()).collect();
    who.sort_unstable();
    who.dedup();
    assert_eq!((rows.len(), who.len()), (members.len(), members.len()), "{rows:?}");

    // Both instances did work: commands and events were spread over them.
    let servers = |ids: &[String]| -> std::collections::BTreeSet<u64> {
        ids.iter().flat_map(|id| h.fake.acks(id)).map(|a| served_by(&a)).collect()
    };
    assert_eq!(servers(&commands).len(), 2, "commands on both instances");
    assert_eq!(servers(&events).len(), 2, "events on both instances");
    let (a, b) = (h.stop(), other.bot.terminate().0);
    assert_eq!((a, b), (Some(0), Some(0)), "{}\n---\n{}", h.log(), other.bot.log());
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn over_http_two_instances_behind_a_load_balancer_store_each_check_in_once() {
    two_instances_take_turns_and_store_each_check_in_once(Mode::Http).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn in_socket_mode_two_connections_share_the_events_and_store_each_check_in_once() {
    two_instances_take_turns_and_store_each_check_in_once(Mode::Socket).await;
}
