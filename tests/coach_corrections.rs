//! Corrections and the audit trail on the console and a virtual clock, on SQLite and PostgreSQL:
//! `/studybot correct` recomputes a member's streak, points and place on the board from the
//! corrected record; every admin act leaves an audit entry that `/studybot audit` shows.
//!
//! Alpha has days 1-6 on a Monday-to-Friday schedule at 09:00 Berlin time from Monday 4 Jan
//! 2027: days 1-5 fall on Monday to Friday, day 6 on Monday 11 Jan, when day 5's window closes
//! at 15:00 (the next lesson plus the 6-hour grace).

mod support;

use studybot::store::{MemberStats, Platform};
use support::chat::Chat;
use support::db::Fixture;

backend_tests!(
    a_correction_recomputes_streak_points_and_the_board,
    corrections_are_refused_with_a_reason_to_the_admin,
    every_admin_act_is_audited_and_listed_newest_first,
    an_excusal_is_stored_once_and_goes_with_its_cohort,
);

/// Alpha and beta set up by alice at Sunday 3 Jan 2027 noon: alpha starts on Monday.
async fn chat(fx: &Fixture) -> Chat {
    let cycles = [("alpha", (1, 6), "Alpha"), ("beta", (7, 9), "Beta")];
    let mut chat = Chat::new(&fx.store, &cycles, "2027-01-03T12:00");
    let out = chat
        .admin("/studybot setup curriculum:alpha start:2027-01-04 schedule:0 9 * * MON-FRI timezone:Europe/Berlin")
        .await;
    assert!(out.contains("now runs **Days 1-6: Alpha**"), "{out}");
    chat
}

/// `who`'s summary in the current cycle.
async fn stats(chat: &Chat, who: &str) -> MemberStats {
    chat.stats_in(chat.cohort().await, who).await
}

/// Whether `first` is ranked above `second` on the points board.
async fn ranks_above(chat: &mut Chat, first: &str, second: &str) -> bool {
    let out = chat.as_member("dave", "/leaderboard").await;
    let at = |who: &str| out.find(who).unwrap_or_else(|| panic!("{who} on the board: {out}"));
    at(first) < at(second)
}

/// (on time, late, missed, current streak, best streak, points)
fn record(s: &MemberStats) -> (i64, i64, i64, i64, i64, i64) {
    (s.on_time, s.late, s.missed, s.current_streak, s.best_streak, s.points)
}

/// Bob checks in on time on days 1, 2, 4 and 5 and misses day 3; carol is on time on days 1 to 4
/// and late on day 5. Then the clock stands at Monday 11 Jan 16:00.
async fn play_week(chat: &mut Chat) {
    for (date, day) in ["04", "05", "06", "07", "08"].iter().zip(1..=5) {
        chat.run(&[&format!(":advance-to 2027-01-{date}T10:00")]).await;
        if day != 3 {
            chat.as_member("bob", &format!("/checkpoint day:{day}")).await;
        }
        if day != 5 {
            chat.as_member("carol", &format!("/checkpoint day:{day}")).await;
        }
    }
    chat.run(&[":advance-to 2027-01-11T16:00"]).await;
    chat.as_member("carol", "/checkpoint day:5").await;
}

async fn a_correction_recomputes_streak_points_and_the_board(fx: Fixture) {
    let mut chat = chat(&fx).await;
    chat.as_member("dave", "/join").await;
    play_week(&mut chat).await;
    assert_eq!(record(&stats(&chat, "bob").await), (4, 0, 1, 2, 2, 40));
    assert_eq!(record(&stats(&chat, "carol").await), (4, 1, 0, 0, 4, 45));
    assert!(ranks_above(&mut chat, "carol", "bob").await);

    // Excused: the streak holds over day 3 and goes on; not missed, no points.
    let out = chat.admin("/studybot correct member:bob day:3 status:excused reason:was ill").await;
    assert!(
        out.contains("✏️ bob, day 3: missed → excused (was ill). Streak 4 (best 4) · 40 points."),
        "{out}"
    );
    assert_eq!(record(&stats(&chat, "bob").await), (4, 0, 0, 4, 4, 40));
    let out = chat.as_member("bob", "/progress").await;
    assert!(out.contains("✅✅❄✅✅⏳"), "{out}");
    assert!(out.contains("missed 0 · excused 1 · open 1"), "{out}");

    // Done: an on-time lesson, ten points more, and bob passes carol.
    let out = chat.admin("/studybot correct member:@bob day:3 status:done reason:checked in by DM").await;
    assert!(out.contains("day 3: excused → done"), "{out}");
    assert_eq!(record(&stats(&chat, "bob").await), (5, 0, 0, 5, 5, 50));
    assert!(ranks_above(&mut chat, "bob", "carol").await);

    // Late: done, but the streak breaks at day 3.
    let out = chat.admin("/studybot correct member:bob day:3 status:late reason:it was late").await;
    assert!(out.contains("day 3: done → late"), "{out}");
    assert_eq!(record(&stats(&chat, "bob").await), (4, 1, 0, 2, 2, 45));

    // Clear: as it was before any correction.
    let out = chat.admin("/studybot correct member:bob day:3 status:clear reason:undo").await;
    assert!(out.contains("day 3: late → clear"), "{out}");
    assert_eq!(record(&stats(&chat, "bob").await), (4, 0, 1, 2, 2, 40));
    assert!(ranks_above(&mut chat, "carol", "bob").await);

    // A member's own check-in can be corrected too: carol's late day 5 becomes on time.
    chat.admin("/studybot correct member:carol day:5 status:done reason:the post was late").await;
    assert_eq!(record(&stats(&chat, "carol").await), (5, 0, 0, 5, 5, 50));
    let cohort = chat.cohort().await;
    let audit = chat.store().list_audit(cohort).await.unwrap();
    let corrections: Vec<(&str, &str)> = audit
        .iter()
        .filter(|e| e.action == "member.correct")
        .map(|e| (e.member.as_str(), e.reason.as_str()))
        .collect();
    assert_eq!(
        corrections,
        [
            ("bob", "was ill"),
            ("bob", "checked in by DM"),
            ("bob", "it was late"),
            ("bob", "undo"),
            ("carol", "the post was late")
        ]
    );
}

async fn corrections_are_refused_with_a_reason_to_the_admin(fx: Fixture) {
    let mut chat = chat(&fx).await;
    chat.run(&[":advance-to 2027-01-05T10:00"]).await;
    chat.as_member("bob", "/checkpoint day:1").await;
    let refusals = [
        ("/studybot correct member:bob day:4 status:done reason:x", "Day 4 has not been posted yet"),
        ("/studybot correct member:bob day:40 status:done reason:x", "Day 40 is not in this curriculum"),
        ("/studybot correct member:zed day:1 status:done reason:x", "No member `zed` in this cohort"),
        ("/studybot correct member:bob day:1 status:done", "`reason` is required"),
        ("/studybot correct member:bob day:1 status:maybe reason:x", "`status` must be one of"),
        ("/studybot correct member:bob day:2 status:late reason:x", "Day 2's window is open until"),
    ];
    for (line, says) in refusals {
        let out = chat.admin(line).await;
        assert!(out.contains(says), "{line}: {out}");
    }
    let out = chat.as_member("bob", "/studybot correct member:bob day:1 status:clear reason:x").await;
    assert!(out.contains("is for the cohort's admins"), "{out}");
    let bob = stats(&chat, "bob").await;
    assert_eq!((bob.on_time, bob.points), (1, 10), "nothing changed");
    assert!(
        chat.store()
            .list_audit(chat.cohort().await)
            .await
            .unwrap()
            .iter()
            .all(|e| e.action == "cohort.setup")
    );
}

async fn every_admin_act_is_audited_and_listed_newest_first(fx: Fixture) {
    let mut chat = chat(&fx).await;
    chat.run(&[":advance-to 2027-01-04T10:00"]).await;
    chat.as_member("bob", "/checkpoint").await;
    let acts = [
        "/studybot holiday add 2027-01-06",
        "/studybot pause",
        "/studybot resume",
        "/studybot skip",
        "/studybot set-day 4",
        "/studybot settings grace:8",
        "/studybot correct member:bob day:1 status:excused reason:a test",
        "/studybot next curriculum:beta",
        "/studybot next cancel",
    ];
    for act in acts {
        let out = chat.admin(act).await;
        assert!(!out.contains("Sorry") && !out.contains("Usage"), "{act}: {out}");
    }
    let alpha = chat.cohort().await;
    let out = chat.admin(&format!(":press finish:{alpha}")).await;
    assert!(out.contains("🏁 alice finished"), "{out}");
    let out = chat.admin("/studybot next curriculum:beta start:2027-01-07").await;
    assert!(out.contains("Cycle 2 of this channel"), "{out}");

    let actions: Vec<String> =
        chat.store().list_audit(alpha).await.unwrap().into_iter().map(|e| e.action).collect();
    let expected = [
        "cohort.setup",
        "cohort.holiday",
        "cohort.pause",
        "cohort.resume",
        "cohort.skip",
        "cohort.set-day",
        "cohort.settings",
        "member.correct",
        "cycle.next",
        "cycle.next",
        "cycle.finish",
    ];
    assert_eq!(actions, expected);
    let beta = chat.cohort().await;
    let begun: Vec<String> =
        chat.store().list_audit(beta).await.unwrap().into_iter().map(|e| e.action).collect();
    assert_eq!(begun, ["cycle.next"], "the next cycle's beginning is the new cycle's");

    let out = chat.admin("/studybot audit").await;
    assert!(out.contains("🧾 Audit log (newest first, times in Europe/Berlin):"), "{out}");
    let shown: Vec<&str> = out.lines().filter(|l| l.starts_with("• ")).collect();
    assert_eq!(shown.len(), 12, "{out}");
    assert!(shown[0].contains("· alice · cycle.next · cycle 2 began"), "newest first: {out}");
    assert!(shown[11].contains("· alice · cohort.setup · alpha from day 1"), "{out}");
    assert!(shown[11].starts_with("• Sun 3 Jan 13:00 CET"), "in the cohort's timezone: {out}");
    assert!(out.contains("member.correct · bob day 1: done → excused — “a test”"), "{out}");
    let out = chat.admin("/studybot audit member:bob").await;
    assert!(out.contains("— about bob"), "{out}");
    assert_eq!(out.lines().filter(|l| l.starts_with("• ")).count(), 1, "only the correction: {out}");
    let out = chat.as_member("bob", "/studybot audit").await;
    assert!(out.contains("is for the cohort's admins"), "{out}");
}

async fn an_excusal_is_stored_once_and_goes_with_its_cohort(fx: Fixture) {
    let mut chat = chat(&fx).await;
    chat.run(&[":advance-to 2027-01-05T10:00"]).await;
    chat.as_member("bob", "/join").await;
    let cohort = chat.cohort().await;
    let bob = chat.store().find_member(Platform::Console, "bob").await.unwrap().unwrap();
    let day = |n: u32| studybot::domain::DayNumber::new(i64::from(n)).unwrap();
    for _ in 0..2 {
        chat.admin("/studybot correct member:bob day:1 status:excused reason:twice").await;
    }
    assert_eq!(chat.store().list_excused_days(cohort, bob.id).await.unwrap(), [day(1)]);
    chat.admin("/studybot correct member:bob day:1 status:clear reason:no").await;
    assert!(chat.store().list_excused_days(cohort, bob.id).await.unwrap().is_empty());
    chat.admin("/studybot correct member:bob day:2 status:excused reason:again").await;
    assert!(chat.store().delete_cohort(cohort).await.unwrap());
    assert!(chat.store().list_excused_days(cohort, bob.id).await.unwrap().is_empty(), "ON DELETE CASCADE");
}
