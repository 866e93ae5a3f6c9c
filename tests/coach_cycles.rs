//! A channel's journey through several cycles, on the console and a virtual clock, on SQLite and
//! PostgreSQL: a cycle run to completion, the next begun in the same channel (by a setup after
//! completion, by a queued `next`, by `finish`), the finished cycle's history kept and viewable,
//! and journey stats and streaks carried over a weekend and broken by a longer gap.
//!
//! Three 3-day curricula numbered continuously (days 1-3, 4-6, 7-9) on a Monday-to-Friday
//! schedule at 09:00 UTC. Alpha starts Wednesday 6 Jan 2027, so its days fall on Wed, Thu, Fri;
//! its last window closes Saturday 15:00 (a day plus the 6-hour grace), when it completes.

mod support;

use studybot::store::{MemberStats, Platform};
use support::chat::Chat;
use support::db::Fixture;

backend_tests!(
    a_setup_after_completion_begins_the_next_cycle_and_keeps_the_first,
    a_next_cycle_set_up_again_before_its_first_lesson_still_follows_the_first,
    a_queued_cycle_begins_when_the_current_completes_and_a_long_gap_breaks_the_journey_streak,
    finish_ends_a_cycle_early_after_a_confirmation,
);

const SCHEDULE: &str = "schedule:0 9 * * MON-FRI timezone:UTC";

/// The console with alpha, beta and gamma at Sunday 3 Jan 2027 noon, and alpha set up by alice
/// to start on Wednesday.
async fn chat(fx: &Fixture) -> Chat {
    let cycles = [("alpha", (1, 3), "Alpha"), ("beta", (4, 6), "Beta"), ("gamma", (7, 9), "Gamma")];
    let mut chat = Chat::new(&fx.store, &cycles, "2027-01-03T12:00");
    let out = chat.admin(&format!("/studybot setup curriculum:alpha start:2027-01-06 {SCHEDULE}")).await;
    assert!(out.contains("now runs **Days 1-3: Alpha**"), "{out}");
    chat
}

/// Bob checks in on every day of the cycle on time; carol on all but its last day.
async fn play_cycle(chat: &mut Chat, dates: [&str; 3], days: [u32; 3]) -> String {
    let mut out = String::new();
    for (i, (date, day)) in dates.iter().zip(days).enumerate() {
        out += &chat.advance_to(&format!("{date}T10:00")).await;
        out += &chat.as_member("bob", &format!("/checkpoint day:{day}")).await;
        if i < 2 {
            out += &chat.as_member("carol", &format!("/checkpoint day:{day}")).await;
        }
    }
    out
}

async fn cycles(chat: &Chat) -> Vec<studybot::store::Cohort> {
    chat.store().list_channel_cycles(Platform::Console, "study").await.unwrap()
}

/// The counters that say a cycle's history is what it was.
fn record(s: &MemberStats) -> (i64, i64, i64, i64, i64, i64) {
    (s.lessons_done, s.on_time, s.missed, s.current_streak, s.points, s.journey_streak)
}

async fn a_setup_after_completion_begins_the_next_cycle_and_keeps_the_first(fx: Fixture) {
    let mut chat = chat(&fx).await;
    play_cycle(&mut chat, ["2027-01-06", "2027-01-07", "2027-01-08"], [1, 2, 3]).await;
    chat.as_member("bob", "/remind on").await;
    chat.as_member("carol", "/leaderboard optout").await;
    chat.admin("/studybot settings grace:2 quiz:90").await;

    let out = chat.admin(&format!("/studybot setup curriculum:beta {SCHEDULE}")).await;
    assert!(out.contains("This channel is running `alpha` (day 3 of 1-3 posted)"), "{out}");
    assert!(out.contains("`/studybot finish`") && out.contains("`/studybot next curriculum:<id>`"), "{out}");

    let out = chat.advance_to("2027-01-09T16:00").await;
    assert!(out.contains("That's the whole of **Days 1-3: Alpha**"), "{out}");
    assert!(out.contains("`/studybot setup` or `/studybot next`"), "no next cycle is queued: {out}");
    let alpha = cycles(&chat).await[0].clone();
    let (bob_before, carol_before) =
        (chat.stats_in(alpha.id, "bob").await, chat.stats_in(alpha.id, "carol").await);
    // Bob: 3 on time, streak 3, 30 points. Carol: days 1-2 on time, day 3 missed: streak 0.
    assert_eq!(record(&bob_before), (3, 3, 0, 3, 30, 3));
    assert_eq!(record(&carol_before), (2, 2, 1, 0, 20, 0));

    // Sunday: the next cycle, on Monday (the default schedule and zone are alpha's).
    chat.advance_to("2027-01-10T12:00").await;
    let out = chat.admin("/studybot setup curriculum:beta start:2027-01-11").await;
    assert!(out.contains("now runs **Days 4-6: Beta**"), "{out}");
    assert!(out.contains("day 4 — Mon 11 Jan 09:00"), "{out}");
    assert!(out.contains("Cycle 2 of this channel: 2 members carried over from `alpha`"), "{out}");
    assert!(out.contains("journey streaks carry on"), "a weekend is no gap: {out}");

    let cycles = cycles(&chat).await;
    assert_eq!(cycles.len(), 2);
    assert!(cycles[0].archived_at.is_some() && cycles[1].archived_at.is_none());
    assert_eq!((cycles[0].cycle_no, cycles[1].cycle_no), (1, 2));
    let beta = cycles[1].clone();
    // Members stay joined with their settings; the group's settings carry over too.
    let bob_id = chat.store().find_member(Platform::Console, "bob").await.unwrap().unwrap().id;
    let carol_id = chat.store().find_member(Platform::Console, "carol").await.unwrap().unwrap().id;
    let bob_in_beta = chat.store().get_cohort_member(beta.id, bob_id).await.unwrap().unwrap();
    let carol_in_beta = chat.store().get_cohort_member(beta.id, carol_id).await.unwrap().unwrap();
    assert!(bob_in_beta.remind && !bob_in_beta.leaderboard_optout);
    assert!(carol_in_beta.leaderboard_optout && !carol_in_beta.remind);
    assert_eq!((beta.grace_secs, beta.quiz_seconds), (2 * 3600, 90));

    // Fresh cycle stats; the journey carries bob's 3 and not carol's broken streak.
    let bob = chat.stats_in(beta.id, "bob").await;
    assert_eq!(record(&bob), (0, 0, 0, 0, 0, 3));
    assert_eq!(chat.stats_in(beta.id, "carol").await.journey_streak, 0);
    let out = chat.as_member("bob", "/progress").await;
    assert!(out.contains("Days 4-6: Beta (0 of 3 days posted)"), "{out}");
    assert!(out.contains("🧭 Journey: day 3 of 9 · 2 cycles · 3 lessons done · journey streak 3"), "{out}");

    // Monday: bob checks day 4 and his journey streak is 4; the boards of beta start at zero.
    chat.advance_to("2027-01-11T10:00").await;
    chat.as_member("bob", "/checkpoint").await;
    let out = chat.as_member("bob", "/streak").await;
    assert!(out.contains("streak 1 (best 1)"), "{out}");
    assert!(out.contains("day 4 of 9 · 2 cycles · 4 lessons done · journey streak 4"), "{out}");
    let out = chat.as_member("carol", "/leaderboard").await;
    assert!(out.contains("bob") && out.contains("You: #2 with 0 points (hidden from others)"), "{out}");
    let out = chat.as_member("carol", "/leaderboard scope:journey").await;
    assert!(out.contains("Journey leaderboard — Points (all 2 cycles of this channel)"), "{out}");
    assert!(out.contains("You: #2 with 20 points (hidden from others)"), "{out}");
    let out = chat.as_member("bob", "/leaderboard scope:journey by:streak").await;
    assert!(out.contains("You: #1 with 4 streak"), "{out}");

    // The finished cycle: unchanged, read-only, viewable.
    assert_eq!(record(&chat.stats_in(alpha.id, "bob").await), record(&bob_before));
    assert_eq!(record(&chat.stats_in(alpha.id, "carol").await), record(&carol_before));
    let out = chat.as_member("carol", "/progress cycle:1").await;
    assert!(out.contains("Days 1-3: Alpha (cycle 1, finished: 3 of 3 days posted)"), "{out}");
    assert!(out.contains("✅✅⬜"), "{out}");
    let out = chat.as_member("carol", "/leaderboard cycle:alpha").await;
    assert!(out.contains("You: #2 with 20 points (hidden from others)"), "{out}");
    let out = chat.as_member("carol", "/progress cycle:7").await;
    assert!(
        out.contains("This channel has no cycle `7`. Its cycles: 1 `alpha` (finished), 2 `beta` (current)."),
        "{out}"
    );
    // A ✅ on an alpha lesson post no longer counts anywhere.
    let out = chat.as_member("carol", "/checkpoint day:3").await;
    assert!(out.contains("Day 3 is not in this curriculum"), "{out}");
}

async fn a_next_cycle_set_up_again_before_its_first_lesson_still_follows_the_first(fx: Fixture) {
    let mut chat = chat(&fx).await;
    play_cycle(&mut chat, ["2027-01-06", "2027-01-07", "2027-01-08"], [1, 2, 3]).await;
    chat.advance_to("2027-01-10T12:00").await;
    let out = chat.admin("/studybot setup curriculum:gamma start:2027-01-11").await;
    assert!(out.contains("Cycle 2 of this channel"), "{out}");
    // A typo: the organizer meant beta. Nothing is posted yet, so the cycle is set up again,
    // still as the cycle after alpha, with alpha's members and their journey streaks.
    let out = chat.admin("/studybot setup curriculum:beta start:2027-01-11").await;
    assert!(out.contains("now runs **Days 4-6: Beta**"), "{out}");
    assert!(out.contains("Cycle 2 of this channel: 2 members carried over from `alpha`"), "{out}");
    assert!(out.contains("journey streaks carry on"), "{out}");
    let cycles = cycles(&chat).await;
    let shape: Vec<(i64, &str, bool)> =
        cycles.iter().map(|c| (c.cycle_no, c.curriculum_id.as_str(), c.archived_at.is_some())).collect();
    assert_eq!(shape, [(1, "alpha", true), (2, "beta", false)]);
    assert_eq!(chat.stats_in(cycles[1].id, "bob").await.journey_streak, 3);
}

async fn a_queued_cycle_begins_when_the_current_completes_and_a_long_gap_breaks_the_journey_streak(
    fx: Fixture,
) {
    let mut chat = chat(&fx).await;
    let out = chat.admin("/studybot next").await;
    assert!(out.contains("Nothing is queued after **Days 1-3: Alpha**"), "{out}");
    let out = chat.admin("/studybot next curriculum:beta start:2027-01-07").await;
    assert!(out.contains("the next cycle has to start after it"), "{out}");
    let out = chat.admin("/studybot next curriculum:beta").await;
    assert!(
        out.contains("⏭ Queued after **Days 1-3: Alpha**: **Days 4-6: Beta**, starting Mon 11 Jan"),
        "{out}"
    );
    let out = chat.admin("/studybot next").await;
    assert!(out.contains("Next after **Days 1-3: Alpha**: **Days 4-6: Beta**, starting Mon 11 Jan"), "{out}");

    play_cycle(&mut chat, ["2027-01-06", "2027-01-07", "2027-01-08"], [1, 2, 3]).await;
    let out = chat.advance_to("2027-01-09T16:00").await;
    assert!(out.contains("That's the whole of **Days 1-3: Alpha**"), "{out}");
    assert!(
        out.contains("⏭ Next: **Days 4-6: Beta**, starting Mon 11 Jan."),
        "the post names the next cycle: {out}"
    );
    assert!(out.contains("journey streaks carry on"), "{out}");
    let beta = cycles(&chat).await[1].clone();
    assert_eq!((beta.curriculum_id.as_str(), beta.start_date.as_str()), ("beta", "2027-01-11"));

    // Beta runs Mon-Wed on the queued schedule; its lessons are posted on their own.
    let out = play_cycle(&mut chat, ["2027-01-11", "2027-01-12", "2027-01-13"], [4, 5, 6]).await;
    assert_eq!(out.matches("📅 Day").count(), 3, "{out}");
    assert_eq!(chat.stats_in(beta.id, "bob").await.journey_streak, 6);

    // Gamma a week and a half later: lesson dates go by unused, so the journey streak starts again.
    let out = chat.admin("/studybot next curriculum:gamma start:2027-01-25").await;
    assert!(out.contains("**Days 7-9: Gamma**, starting Mon 25 Jan"), "{out}");
    let out = chat.advance_to("2027-01-14T16:00").await;
    assert!(out.contains("⏭ Next: **Days 7-9: Gamma**, starting Mon 25 Jan."), "{out}");
    assert!(out.contains("journey streaks start again"), "{out}");
    let gamma = cycles(&chat).await[2].clone();
    assert_eq!(chat.stats_in(gamma.id, "bob").await.journey_streak, 0);
    chat.advance_to("2027-01-25T10:00").await;
    chat.as_member("bob", "/checkpoint").await;
    let out = chat.as_member("bob", "/progress").await;
    assert!(out.contains("🧭 Journey: day 7 of 9 · 3 cycles · 7 lessons done · journey streak 1"), "{out}");
    // The finished cycles keep their own numbers.
    assert_eq!(chat.stats_in(beta.id, "bob").await.lessons_done, 3);
    let out = chat.as_member("bob", "/leaderboard scope:journey by:lessons").await;
    assert!(out.contains("You: #1 with 7 lessons"), "{out}");

    // A queued cycle can be cancelled.
    let out = chat.admin("/studybot next curriculum:alpha").await;
    assert!(out.contains("Queued after **Days 7-9: Gamma**"), "{out}");
    let out = chat.admin("/studybot next cancel").await;
    assert!(out.contains("Cancelled"), "{out}");
    let out = chat.admin("/studybot next").await;
    assert!(out.contains("Nothing is queued"), "{out}");
}

async fn finish_ends_a_cycle_early_after_a_confirmation(fx: Fixture) {
    let mut chat = chat(&fx).await;
    chat.advance_to("2027-01-06T10:00").await;
    chat.as_member("bob", "/checkpoint").await;
    let out = chat.as_member("bob", "/studybot finish").await;
    assert!(out.contains("for the cohort's admins"), "{out}");
    let out = chat.admin("/studybot finish").await;
    assert!(out.contains("Finish **Days 1-3: Alpha** now? 1 of 3 lessons have been posted"), "{out}");
    // A member cannot press the admin's button either.
    let cohort = cycles(&chat).await[0].id;
    let out = chat.run(&[":as bob", &format!(":press finish:{cohort}")]).await;
    assert!(out.contains("finishing a cycle is for the cohort's admins"), "{out}");
    let out = chat.run(&[":admin alice", &format!(":press finish:{cohort}")]).await;
    assert!(out.contains("🏁 alice finished **Days 1-3: Alpha** after day 1"), "{out}");
    assert!(out.contains("Leaderboard"), "the final board is posted: {out}");
    // No more lessons; the next cycle can be set up at once and carries bob's streak on Thursday.
    let out = chat.advance_to("2027-01-07T10:00").await;
    assert!(!out.contains("📅 Day"), "{out}");
    let out = chat.admin("/studybot next curriculum:beta start:2027-01-08").await;
    assert!(out.contains("Cycle 2 of this channel"), "a completed cycle is followed at once: {out}");
    assert!(out.contains("journey streaks start again"), "Thursday went by without a lesson: {out}");
    let out = chat.run(&[&format!(":press finish:{cohort}")]).await;
    assert!(out.contains("That cycle has already ended"), "{out}");
}
