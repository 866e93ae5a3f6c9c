//! The tests over the small curriculum, each playing the script up to the instants it checks.

use chrono::NaiveDate;
use studybot::platform::console::render;
use studybot::store::{CheckpointSource, CohortState};

use crate::harness::*;
use crate::script::*;
use crate::support::db::Fixture;

/// Before the first lesson, a `/checkpoint` is refused. Mid-cycle a member may not pause the cohort,
/// nor check a day that isn't posted yet or isn't in the curriculum; none of it changes anything.
pub(crate) async fn refusals_change_nothing(fx: Fixture) {
    let mut cycle = Cycle::new(&fx);
    cycle.play_until("2026-12-04T12:03").await;
    cycle.assert_reply(
        "setup",
        "✅ This channel now runs **Days 1-12: Mini Lakehouse** (`mini_lakehouse`), from day 1, starting 2026-12-07",
    );
    cycle.assert_reply(
        "setup",
        "  • day 1 — Mon 7 Dec 09:00 UTC\n  • day 2 — Tue 8 Dec 09:00 UTC\n  • day 3 — Wed 9 Dec 09:00 UTC",
    );
    cycle.assert_reply("holiday", "📅 2026-12-17 is now a holiday. Next post: day 1 on Mon 7 Dec 09:00 UTC.");
    cycle.assert_reply("join", "👋 Welcome to Days 1-12: Mini Lakehouse, carol!");
    cycle.assert_reply("join", "Next lesson: day 1 on Mon 7 Dec 09:00 UTC.");
    cycle.assert_reply(
        "too-early",
        "No lesson has been posted yet. The first, day 1, comes on Mon 7 Dec 09:00 UTC.",
    );
    let cohort = cycle.chat.cohort_id().await;
    assert!(cycle.chat.store().list_cohort_checkpoints(cohort).await.unwrap().is_empty());

    cycle.play_until("2026-12-14T20:08").await;
    cycle.assert_reply(
        "bob-pause",
        "Sorry, `/studybot pause` is for the cohort's admins. Ask an admin of this channel; `/help` lists the commands you can use.",
    );
    let state = cycle.chat.store().get_cohort(cohort).await.unwrap().unwrap().state;
    assert_eq!(state, CohortState::Active);
    assert!(cycle.chat.store().list_pauses(cohort).await.unwrap().is_empty(), "no pause was recorded");
    cycle.assert_reply("bob-early", "Day 7 isn't posted yet; it's due Tue 15 Dec 09:00 UTC.");
    cycle.assert_reply("bob-outside", "Day 99 is not in this curriculum (days 1-12).");
    assert_eq!(cycle.chat.checkpoint_source("bob", 7).await, None);
    assert_eq!(cycle.chat.checkpoint_source("bob", 99).await, None);

    // The refused pause paused nothing: day 7 goes out on Tuesday as scheduled.
    cycle.play_until("2026-12-15T09:30").await;
    let posts: Vec<u32> = cycle.chat.console.posts().iter().map(|p| p.day.get()).collect();
    assert_eq!(posts, (1..=7).collect::<Vec<u32>>());
}

/// Removing ✅ undoes a reaction's checkpoint but not a command's; `/checkpoint day:N undo` undoes
/// a command's. A replayed event is deduplicated: no reply, no change — unlike a fresh duplicate,
/// which is answered "already checked".
pub(crate) async fn reaction_and_command_undo_and_replays_count_once(fx: Fixture) {
    let mut cycle = Cycle::new(&fx);
    cycle.play_until("2026-12-08T10:02").await;
    cycle.assert_silent("alice-replay");
    cycle.assert_reply("alice-press-dup", "Day 2 was already checked (Tue 8 Dec 10:00 UTC).");
    // Days 1 and 2 on time: 2 × 10 = 20 points; the replay did not add a third.
    let alice = cycle.chat.stats("alice").await;
    assert_eq!((alice.on_time, alice.current_streak, alice.points), (2, 2, 20));
    assert_eq!(cycle.chat.checkpoint_source("alice", 2).await, Some(CheckpointSource::Reaction));

    // Day 3: ✅ at 10:00 (streak 3, 30 points), removed at 10:05 (day 3 open again: streak 2,
    // 20 points; best is recomputed from the checkpoints that remain, so it is 2 too), given again
    // at 10:10 (streak 3, 30 points).
    cycle.play_until("2026-12-09T10:05").await;
    cycle.assert_reply("alice-unreact", "↩️ Day 3 is no longer checked. 🔥 Streak: 2 (best 2).");
    assert_eq!(cycle.chat.checkpoint_source("alice", 3).await, None);
    let alice = cycle.chat.stats("alice").await;
    assert_eq!((alice.on_time, alice.current_streak, alice.points), (2, 2, 20));
    cycle.play_until("2026-12-09T10:10").await;
    cycle.assert_reply("alice-rereact", "✅ Day 3 done — on time. 🔥 Streak: 3 (best 3) · 30 points.");
    assert_eq!(cycle.chat.checkpoint_source("alice", 3).await, Some(CheckpointSource::Reaction));
    // Dave's Done presses on days 1–3 are button checkpoints.
    cycle.play_until("2026-12-09T11:00").await;
    assert_eq!(cycle.chat.checkpoint_source("dave", 3).await, Some(CheckpointSource::Button));
    assert_eq!(cycle.chat.stats("dave").await.on_time, 3);

    // Bob, Mon 14 Dec: `/checkpoint` (day 6) at 20:00. So far: days 1–3 on time, day 4 late
    // (streak reset), day 5 on time → streak 1; day 6 makes 2. Points 5 × 10 + 5 = 55.
    cycle.play_until("2026-12-14T20:05").await;
    cycle.assert_reply("bob-react-dup", "Day 6 was already checked (Mon 14 Dec 20:00 UTC).");
    cycle.assert_silent("bob-unreact");
    cycle.assert_reply("bob-undo", "↩️ Day 6 is no longer checked. 🔥 Streak: 1 (best 3).");
    cycle.assert_silent("bob-undo-replay");
    cycle.assert_reply("bob-recheck", "✅ Day 6 done — on time. 🔥 Streak: 2 (best 3) · 55 points.");
    cycle.assert_silent("bob-recheck-replay");
    assert_eq!(cycle.chat.checkpoint_source("bob", 6).await, Some(CheckpointSource::Command));
    let bob = cycle.chat.stats("bob").await;
    assert_eq!((bob.on_time, bob.late, bob.current_streak, bob.best_streak, bob.points), (5, 1, 2, 3, 55));
    let cohort = cycle.chat.cohort_id().await;
    let bob_id = cycle.chat.member_id("bob").await;
    let bobs = cycle.chat.store().list_member_checkpoints(cohort, bob_id).await.unwrap();
    assert_eq!(bobs.iter().map(|c| c.day).collect::<Vec<_>>(), vec![1, 2, 3, 4, 5, 6], "one row per day");
}

/// After day 3 everyone visible has 30 points: all share rank 1, listed by who got there first
/// (alice re-reacted at 10:10, carol at 12:00, bob at 20:00). Dave opted out: he is not listed
/// but sees his own rank, marked hidden. At the end ranks differ and dave is 4th.
pub(crate) async fn leaderboard_ties_share_a_rank_and_opt_out_hides(fx: Fixture) {
    let mut cycle = Cycle::new(&fx);
    cycle.play_until("2026-12-09T20:31").await;
    cycle.assert_reply("dave-optout", "🙈 You're hidden from leaderboards.");
    let tied = vec!["1 alice 30", "1 carol 30", "1 bob 30"];
    let (rows, footer) = board(cycle.reply("board-dave"));
    assert_eq!(rows, tied);
    assert_eq!(footer.as_deref(), Some("You: #1 with 30 points (hidden from others)"));
    let (rows, footer) = board(cycle.reply("board-alice"));
    assert_eq!(rows, tied);
    assert_eq!(footer.as_deref(), Some("You: #1 with 30 points"));

    // Final points (see `cycle_totals_match_the_hand_computation`): alice 145, bob 135, carol 125,
    // dave 30 — dave would be 4th among the visible.
    cycle.play_until(END).await;
    cycle.play_until("2026-12-26T16:05").await;
    let (rows, footer) = board(cycle.reply("board-final-dave"));
    assert_eq!(rows, vec!["1 alice 145", "2 bob 135", "3 carol 125"]);
    assert_eq!(footer.as_deref(), Some("You: #4 with 30 points (hidden from others)"));
}

/// The holiday and the pause take dates out of the sequence: days keep their order, move to the
/// next lesson date, and nothing is missed meanwhile. A check during the pause is on time.
pub(crate) async fn holiday_and_pause_move_posts_without_breaking_streaks(fx: Fixture) {
    let mut cycle = Cycle::new(&fx);
    cycle.play_until("2026-12-18T16:00").await;
    cycle.assert_reply(
        "pause",
        "⏸️ Paused. No lessons are posted and no streak breaks until `/studybot resume`.",
    );
    let cohort = cycle.chat.cohort_id().await;
    let state = cycle.chat.store().get_cohort(cohort).await.unwrap().unwrap().state;
    assert_eq!(state, CohortState::Paused);

    // Mon 21 Dec, paused. Bob: days 1–3 on time, 4 late, 5–8 on time (his 7th on-time lesson,
    // day 8, earned a freeze), day 9 unchecked but its window is open → ⏳, not ⬜.
    // Streak 4 (days 5–8), best 4, lessons done 8; stored points 7 × 10 + 5 = 75.
    cycle.play_until("2026-12-21T12:01").await;
    cycle.assert_reply("bob-progress-paused", "📈 bob — Days 1-12: Mini Lakehouse (9 of 12 days posted)");
    assert_eq!(strip(cycle.reply("bob-progress-paused")), "✅✅✅🕒✅✅✅✅⏳");
    cycle.assert_reply("bob-progress-paused", "Done 8 (on time 7, late 1) · missed 0 · open 1");
    cycle.assert_reply("bob-progress-paused", "🔥 Streak 4 (best 4) · ❄ freezes 1 · 75 points");
    cycle.assert_reply("bob-streak-paused", "🔥 bob: streak 4 (best 4) · ❄️ 1 freeze held · 8 lessons done");
    // Alice, after the Monday that would have been day 10 without the pause: nothing missed.
    let alice = cycle.chat.stats("alice").await;
    assert_eq!((alice.on_time, alice.missed, alice.current_streak), (9, 0, 9));

    // Tue 22 Dec 10:00, still paused: without the pause day 9 would have closed Mon 21 15:00 and
    // this would be late; paused, it is on time. Bob: streak 5 (best 5), 8 × 10 + 5 = 85 points.
    cycle.play_until("2026-12-22T12:00").await;
    cycle.assert_reply("bob-day9-paused", "✅ Day 9 done — on time. 🔥 Streak: 5 (best 5) · 85 points.");
    cycle.assert_reply("resume", "▶️ Resumed. Next post: day 10 on Wed 23 Dec 09:00 UTC.");
    assert_eq!(cycle.chat.console.posts().len(), 9, "nothing is posted on Mon 21 or Tue 22 Dec");

    cycle.play_until(END).await;
    let log = cycle.chat.console.take_log();
    let expected: Vec<(u32, String)> = LESSON_DATES
        .iter()
        .enumerate()
        .map(|(i, date)| {
            let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
            (i as u32 + 1, format!("{} 09:00", date.format("%a %Y-%m-%d")))
        })
        .collect();
    assert_eq!(Chat::lesson_posts(&log), expected);
    let state = cycle.chat.store().get_cohort(cohort).await.unwrap().unwrap().state;
    assert_eq!(state, CohortState::Completed);
}

/// A check at the very instant a window closes is late; a minute before, on time; Friday's
/// window runs over the weekend. Late breaks a streak unless a freeze covers it, and each spent
/// freeze is told once, when the window closes.
pub(crate) async fn late_checks_and_freezes(fx: Fixture) {
    let mut cycle = Cycle::new(&fx);
    cycle.play_until("2026-12-11T15:00").await;
    // Carol, days 1–4 on time: streak 4, 40 points.
    cycle.assert_reply("carol-last-minute", "✅ Day 4 done — on time. 🔥 Streak: 4 (best 4) · 40 points.");
    // Bob, days 1–3 on time, day 4 at 15:00 sharp: late, no freeze → streak 0; 30 + 5 = 35.
    cycle.assert_reply(
        "bob-late",
        "✅ Day 4 done — late (its window closed Fri 11 Dec 15:00 UTC), so it counts for completion but not for \
         your streak. 🔥 Streak: 0 (best 3) · 35 points.",
    );
    let bob = cycle.chat.stats("bob").await;
    assert_eq!((bob.on_time, bob.late, bob.missed, bob.current_streak), (3, 1, 0, 0));

    // Carol's Friday lesson checked on Monday 14:00, before Monday's lesson + 6 h: on time. With
    // day 6 (checked at 12:00) that is days 1–6 on time: streak 6, 60 points.
    cycle.play_until("2026-12-14T14:00").await;
    cycle.assert_reply("carol-after-weekend", "✅ Day 5 done — on time. 🔥 Streak: 6 (best 6) · 60 points.");

    // Bob's day 10 window closed Thu 24 Dec 15:00 with no check: his freeze (earned on his 7th
    // on-time lesson, day 8) is spent there and his streak stays 5. Checked at 16:00: late, +5.
    // 8 on time + 2 late = 80 + 10 = 90 points; best 5.
    cycle.play_until("2026-12-24T16:00").await;
    cycle.assert_reply(
        "bob-late-covered",
        "✅ Day 10 done — late (its window closed Thu 24 Dec 15:00 UTC), so it counts for completion but not for \
         your streak. 🔥 Streak: 5 (best 5) · 90 points.",
    );

    cycle.play_until(END).await;
    // Freezes told once each: carol's for day 8 when its window closed (Fri 18 Dec 15:00, later
    // because of the Thu holiday; her day 9 was already on time → streak 8), bob's for day 10.
    let freeze_notes: Vec<_> = direct_texts(&cycle.chat.console.take_log())
        .into_iter()
        .filter(|(_, _, text)| text.contains("❄️"))
        .collect();
    let note = |day: u32, streak: u32| {
        format!(
            "❄️ A streak freeze covered day {day} in {MINI_TITLE} — your {streak}-day streak is safe. Freezes left: 0."
        )
    };
    assert_eq!(
        freeze_notes,
        vec![
            ("carol".to_string(), "Fri 18 15:00".to_string(), note(8, 8)),
            ("bob".to_string(), "Thu 24 15:00".to_string(), note(10, 5)),
        ]
    );
}

/// The whole cycle, worked out by hand per member (10 per on-time, 5 per late, 25 per 7 days of
/// best streak; a freeze every 7th on-time lesson, at most 2, spent on a missed or late lesson):
///
///  alice: 12 on time. Streak 12, best 12. Freeze earned at her 7th (day 7), never spent → 1.
///         120 + 25 × (12 / 7 = 1) = 145.
///  bob:   1–3 on time (3); 4 late, no freeze → 0; 5–8 on time (4; the 7th on-time, day 8, earns
///         a freeze); 9 on time (5); 10 late, freeze spent, stays 5; 11, 12 → 7. On time 10,
///         late 2, missed 0, best 7, held 0, used 1. 100 + 10 + 25 × 1 = 135.
///  carol: 1–7 on time (7, freeze earned); 8 missed, freeze spent, stays 7; 9, 10 → 9; 11 missed,
///         no freeze → 0; 12 → 1. On time 10, missed 2, best 9, held 0, used 1. 100 + 25 = 125.
///  dave:  1–3 on time, then 4–12 missed (9), no freeze ever. Best 3, current 0. 30.
pub(crate) async fn cycle_totals_match_the_hand_computation(fx: Fixture) {
    let mut cycle = Cycle::new(&fx);
    cycle.play_until(END).await;
    cycle.play_until("2026-12-26T16:05").await;
    let expected = [
        (
            "alice",
            Tally { on_time: 12, late: 0, missed: 0, current: 12, best: 12, held: 1, used: 0, points: 145 },
        ),
        (
            "bob",
            Tally { on_time: 10, late: 2, missed: 0, current: 7, best: 7, held: 0, used: 1, points: 135 },
        ),
        (
            "carol",
            Tally { on_time: 10, late: 0, missed: 2, current: 1, best: 9, held: 0, used: 1, points: 125 },
        ),
        ("dave", Tally { on_time: 3, late: 0, missed: 9, current: 0, best: 3, held: 0, used: 0, points: 30 }),
    ];
    for (who, tally) in expected {
        assert_eq!(Tally::from(&cycle.chat.stats(who).await), tally, "{who}");
    }

    // The same numbers in each member's `/progress`, with the per-day strip.
    let progress = [
        (
            "alice",
            "✅✅✅✅✅✅✅✅✅✅✅✅",
            "Done 12 (on time 12, late 0) · missed 0 · open 0",
            "🔥 Streak 12 (best 12) · ❄ freezes 1 · 145 points",
        ),
        (
            "bob",
            "✅✅✅🕒✅✅✅✅✅🕒✅✅",
            "Done 12 (on time 10, late 2) · missed 0 · open 0",
            "🔥 Streak 7 (best 7) · ❄ freezes 0 · 135 points",
        ),
        (
            "carol",
            "✅✅✅✅✅✅✅❄✅✅⬜✅",
            "Done 10 (on time 10, late 0) · missed 2 · open 0",
            "🔥 Streak 1 (best 9) · ❄ freezes 0 · 125 points",
        ),
        (
            "dave",
            "✅✅✅⬜⬜⬜⬜⬜⬜⬜⬜⬜",
            "Done 3 (on time 3, late 0) · missed 9 · open 0",
            "🔥 Streak 0 (best 3) · ❄ freezes 0 · 30 points",
        ),
    ];
    for (who, strip_wanted, done, streak) in progress {
        let tag = format!("progress-{who}");
        assert_eq!(strip(cycle.reply(&tag)), strip_wanted, "{who}");
        cycle.assert_reply(&tag, &format!("📈 {who} — {MINI_TITLE} (12 of 12 days posted)"));
        cycle.assert_reply(&tag, done);
        cycle.assert_reply(&tag, streak);
    }
    // Carol checked days 1–6 and 7, 9, 10, 12 of module 2.
    cycle.assert_reply(
        "progress-carol",
        "  Module 1: Foundations (Days 1-6) — 6/6\n  Module 2: Table Formats (Days 7-12) — 4/6",
    );

    // Content and the assessment checklist (alice, Thu 10 Dec: day 4 is the latest posted day).
    cycle.assert_reply("posted-default", "📝 Logged your linkedin post for day 4 — 1/3 so far.");
    cycle.assert_reply("posted-day1", "📝 Logged your linkedin post for day 1 — 2/3 so far.");
    cycle.assert_reply("posted-dup", "You already logged a linkedin post for day 4.");
    cycle.assert_reply("posted-future", "Day 9 hasn't been posted yet.");
    cycle.assert_reply("posted-no-prompt", "Day 2 has no blog prompt.");
    cycle.assert_reply("assess", "☑ Ticked 1.1 Delta table basics.");
    cycle.assert_reply("assess-list", "    1.1 ☑ Delta table basics\n    1.2 ☐ Time travel queries");
    // `/progress` counts the checklist instead of repeating it.
    cycle.assert_reply("progress-alice", "Cycle assessment: 1/");
    assert!(!cycle.reply("progress-alice").contains("1.2 ☐"), "{}", cycle.reply("progress-alice"));
    cycle.assert_reply("progress-alice", "Content: LinkedIn 2/3 · blog 0/2");
    cycle.assert_reply("progress-bob", "Content: LinkedIn 0/3 · blog 0/2");

    // The cohort completed once, with the final board in the channel.
    let log = cycle.chat.console.take_log();
    let finals: Vec<String> = log
        .iter()
        .map(|d| render(&d.message))
        .filter(|text| text.starts_with("🎓 That's the whole of"))
        .collect();
    assert_eq!(finals.len(), 1, "{finals:?}");
    assert!(finals[0].contains(&format!("**{MINI_TITLE}**")), "{}", finals[0]);
    assert_eq!(board(&finals[0]).0, vec!["1 alice 145", "2 bob 135", "3 carol 125"]);
}
