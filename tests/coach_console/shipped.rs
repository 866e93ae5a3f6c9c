//! The shipped 30-day curriculum played to its end.

use chrono::{Datelike, Days, NaiveDate, Weekday};
use studybot::coach::Catalog;
use studybot::store::CohortState;

use crate::harness::*;
use crate::script::*;
use crate::support::db::Fixture;

/// Days 121–150 on every weekday from Mon 7 Dec 2026 (no holidays: 25 Dec and 1 Jan are posted),
/// the last on Fri 15 Jan 2027. Everyone reacts ✅ an hour after the post, except:
///  ann — never misses. 30 on time, streak 30. Freezes at her 7th, 14th, 21st, 28th on-time
///        lesson, capped at 2 → 2 held. 300 + 25 × (30 / 7 = 4) = 400.
///  ben — misses days 130, 140 and 150. Each run of 9 on-time days earns a freeze (his 7th, 14th,
///        21st on-time lessons: days 127, 135, 143), spent on the miss after it, so his streak
///        never resets: 27 on time, 3 missed, streak 27, best 27, held 0, used 3.
///        270 + 25 × (27 / 7 = 3) = 345.
///  cat — only days 121–127 (freeze on day 127), spent on day 128; 129 resets. 7 on time,
///        23 missed, current 0, best 7, held 0, used 1. 70 + 25 = 95.
pub(crate) async fn shipped_curriculum_cycle(fx: Fixture) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/curriculum/days_121_150_lakehouse_architecture.md");
    let mut catalog = Catalog::default();
    catalog
        .add("lakehouse", &std::fs::read_to_string(path).unwrap(), None)
        .expect("the shipped curriculum loads");
    let mut chat = Chat::new(fx.store.clone(), catalog, "2026-12-06T12:00");
    let setup = chat
        .act(
            ADMIN,
            "/studybot setup curriculum:lakehouse start:2026-12-07 schedule:0 9 * * MON-FRI timezone:UTC",
        )
        .await;
    assert!(setup.contains("from day 121, starting 2026-12-07"), "{setup}");

    let dates = weekdays_from(NaiveDate::from_ymd_opt(2026, 12, 7).unwrap(), 30);
    assert_eq!(dates.last().map(|d| d.to_string()), Some("2027-01-15".to_string()));
    for (day, date) in (121u32..).zip(&dates) {
        chat.advance_to(date.and_hms_opt(10, 0, 0).unwrap()).await;
        let react = format!(":react ✅ day:{day}");
        chat.act("ann", &react).await;
        if day % 10 != 0 {
            chat.act("ben", &react).await;
        }
        if day <= 127 {
            chat.act("cat", &react).await;
        }
    }
    chat.advance_to(at("2027-01-16T16:00")).await;

    let expected = [
        (
            "ann",
            Tally { on_time: 30, late: 0, missed: 0, current: 30, best: 30, held: 2, used: 0, points: 400 },
        ),
        (
            "ben",
            Tally { on_time: 27, late: 0, missed: 3, current: 27, best: 27, held: 0, used: 3, points: 345 },
        ),
        ("cat", Tally { on_time: 7, late: 0, missed: 23, current: 0, best: 7, held: 0, used: 1, points: 95 }),
    ];
    for (who, tally) in expected {
        assert_eq!(Tally::from(&chat.stats(who).await), tally, "{who}");
    }
    let streak = chat.act("ann", "/streak").await;
    assert!(streak.contains("🔥 ann: streak 30 (best 30) · ❄️ 2 freezes held · 30 lessons done"), "{streak}");
    let progress = chat.act("ben", "/progress").await;
    let nine = "✅".repeat(9);
    assert_eq!(strip(&progress), format!("{nine}❄{nine}❄{nine}❄"));

    let log = chat.console.take_log();
    let posted: Vec<(u32, String)> = Chat::lesson_posts(&log);
    let wanted: Vec<(u32, String)> =
        (121u32..).zip(&dates).map(|(day, d)| (day, format!("{} 09:00", d.format("%a %Y-%m-%d")))).collect();
    assert_eq!(posted, wanted);
    let cohort = chat.store().get_cohort(chat.cohort_id().await).await.unwrap().unwrap();
    assert_eq!(cohort.state, CohortState::Completed);
    let board_text = chat.act("cat", "/leaderboard").await;
    assert_eq!(board(&board_text).0, vec!["1 ann 400", "2 ben 345", "3 cat 95"]);
}

pub(crate) fn weekdays_from(start: NaiveDate, n: usize) -> Vec<NaiveDate> {
    let all = (0u64..).map(|i| start.checked_add_days(Days::new(i)).unwrap());
    all.filter(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)).take(n).collect()
}
