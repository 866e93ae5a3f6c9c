//! A replayed event — the same dedupe key again, as a platform redelivers a press or a command —
//! changes nothing and comes back as `Handled::Replay`, which an adapter can tell from an empty
//! answer: quiz options (a multiple-select toggle is not toggled back off), review presses, the
//! Done button and `/checkpoint`, on SQLite and PostgreSQL.

mod support;

use chrono::{DateTime, TimeZone, Utc};
use studybot::coach::{Actor, Block, Catalog, ChannelRef, Coach, Handled, Inbound, InboundKind, Outgoing};
use studybot::store::Platform;
use support::bot::{CURRICULUM, admin_does, curriculum_dir};
use support::db::Fixture;

backend_tests!(every_press_and_checkpoint_is_idempotent_by_its_key);

fn alice(kind: InboundKind, key: &str) -> Inbound {
    Inbound {
        channel: ChannelRef { platform: "console".into(), workspace: String::new(), channel: "study".into() },
        actor: Actor { user_id: "alice".into(), name: "Alice".into(), is_admin: false },
        dedupe_key: key.into(),
        kind,
    }
}

fn press(id: &str, key: &str) -> Inbound {
    alice(InboundKind::Button { id: id.into() }, key)
}

/// Handles `event`, which must not be refused.
async fn handle(coach: &Coach, event: &Inbound, at: DateTime<Utc>) -> Handled {
    coach.try_handle(event, at).await.unwrap_or_else(|e| panic!("{event:?} was refused: {e:?}"))
}

/// Handles `event` for the first time: its replies.
async fn first(coach: &Coach, event: &Inbound, at: DateTime<Utc>) -> Vec<Outgoing> {
    match handle(coach, event, at).await {
        Handled::Replies(replies) => replies,
        Handled::Replay => panic!("a first delivery taken for a replay: {event:?}"),
    }
}

fn text(replies: &[Outgoing]) -> String {
    let blocks = replies.iter().flat_map(|r| &r.message.blocks);
    blocks.filter_map(|b| if let Block::Text(t) = b { Some(t.as_str()) } else { None }).collect()
}

/// (label, id) of the buttons in the replies.
fn buttons(replies: &[Outgoing]) -> Vec<(String, String)> {
    let blocks = replies.iter().flat_map(|r| &r.message.blocks);
    let rows = blocks.filter_map(|b| if let Block::Buttons(row) = b { Some(row) } else { None });
    rows.flatten().map(|b| (b.label.clone(), b.id.clone())).collect()
}

async fn every_press_and_checkpoint_is_idempotent_by_its_key(fx: Fixture) {
    let coach = Coach::new(fx.store.clone(), Catalog::load_dir(&curriculum_dir()).unwrap());
    let setup = format!(
        "/studybot setup curriculum:{CURRICULUM} start:2026-03-02 schedule:\"0 9 * * *\" timezone:UTC"
    );
    admin_does(&coach, "study", &setup, Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()).await;
    let cohort = fx.store.find_cohort_by_channel(Platform::Console, "study").await.unwrap().unwrap().id;
    // Day 127, the last of module 17, is out: its quiz is open.
    let at = Utc.with_ymd_and_hms(2026, 3, 8, 10, 0, 0).unwrap();

    let done = press(&format!("done:{cohort}:127"), "done-press");
    assert!(text(&first(&coach, &done, at).await).contains("Day 127 done"));
    assert_eq!(handle(&coach, &done, at).await, Handled::Replay, "Done pressed once, delivered twice");
    let command = alice(InboundKind::Text("/checkpoint day:126".into()), "checkpoint-command");
    assert!(text(&first(&coach, &command, at).await).contains("Day 126 done"));
    assert_eq!(handle(&coach, &command, at).await, Handled::Replay);
    assert_eq!(fx.store.list_cohort_checkpoints(cohort).await.unwrap().len(), 2);

    let mut shown = first(&coach, &alice(InboundKind::Text("/quiz module:17".into()), "quiz"), at).await;
    let (mut toggled, mut answered, mut n) = (false, false, 0);
    while !text(&shown).contains("🏁") {
        n += 1;
        let ids = buttons(&shown);
        let submit = ids.iter().find(|(label, _)| label == "Submit").map(|(_, id)| id.clone());
        let option = ids[0].1.clone();
        let Some(submit) = submit else {
            let pressed = press(&option, &format!("press-{n}"));
            shown = first(&coach, &pressed, at).await;
            if !answered {
                // A redelivered answer neither answers the next question nor is refused.
                assert_eq!(handle(&coach, &pressed, at).await, Handled::Replay);
                // A second click is a new event: refused politely, as before.
                let again = coach.handle(&press(&option, &format!("double-click-{n}")), at).await;
                let again = again.into_replies();
                assert!(text(&again).contains("You already answered"), "{}", text(&again));
                answered = true;
            }
            continue;
        };
        let tick = press(&option, &format!("toggle-{n}"));
        assert!(text(&first(&coach, &tick, at).await).contains("☑ **A**)"));
        if !toggled {
            // Redelivered, the toggle would untick A again; it is a replay and A stays ticked.
            assert_eq!(handle(&coach, &tick, at).await, Handled::Replay);
            let b = ids[1].1.clone();
            let both = text(&first(&coach, &press(&b, &format!("toggle-b-{n}")), at).await);
            assert!(both.contains("☑ **A**)") && both.contains("☑ **B**)"), "{both}");
            toggled = true;
        }
        shown = first(&coach, &press(&submit, &format!("submit-{n}")), at).await;
    }
    assert!(toggled && answered, "module 17 has single and multiple-select questions");

    // Answering every first option missed some: they are due in review a lesson later.
    let later = Utc.with_ymd_and_hms(2026, 3, 9, 10, 0, 0).unwrap();
    let review = first(&coach, &alice(InboundKind::Text("/quiz review".into()), "review"), later).await;
    let (_, option) = buttons(&review).into_iter().next().expect("a review question with buttons");
    let pressed = press(&option, "review-press");
    first(&coach, &pressed, later).await;
    assert_eq!(handle(&coach, &pressed, later).await, Handled::Replay, "a review press delivered twice");
}
