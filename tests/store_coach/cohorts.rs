//! Cohorts and their calendars in the store: settings, listing by state, pauses, holidays and
//! adjustments, memberships.

use studybot::store::{
    AdjustmentKind, CalendarRows, CohortState, DEFAULT_GRACE_SECS, DEFAULT_LEADERBOARD_SCHEDULE,
    DEFAULT_REMINDER_HOURS, Platform, StoreError,
};

use crate::support::db::Fixture;
use crate::support::fixtures::*;

pub(crate) async fn cohort_settings_schedule_and_completion(fx: Fixture) {
    let store = &fx.store;
    let plain = store.create_cohort(&new_cohort(Platform::Slack, "C1")).await.unwrap();
    assert_eq!((plain.grace_secs, plain.reminder_hours), (DEFAULT_GRACE_SECS, DEFAULT_REMINDER_HOURS));
    assert_eq!(
        (plain.leaderboard_schedule.as_str(), plain.completed_at),
        (DEFAULT_LEADERBOARD_SCHEDULE, None)
    );
    let mut custom = new_cohort(Platform::Slack, "C2");
    custom.grace_secs = Some(0);
    custom.reminder_hours = Some(5);
    custom.leaderboard_schedule = Some("0 9 * * MON".into());
    let custom = store.create_cohort(&custom).await.unwrap();
    assert_eq!((custom.grace_secs, custom.reminder_hours), (0, 5));
    assert_eq!(custom.leaderboard_schedule, "0 9 * * MON");
    assert_eq!(store.get_cohort(custom.id).await.unwrap(), Some(custom.clone()));

    let moved =
        store.update_cohort_schedule(plain.id, "0 0 7 * * MON-SAT", "Asia/Tokyo", NOW + 1).await.unwrap();
    assert_eq!((moved.schedule.as_str(), moved.timezone.as_str()), ("0 0 7 * * MON-SAT", "Asia/Tokyo"));
    assert_eq!(moved.updated_at, NOW + 1);
    let started = store.set_cohort_start(plain.id, "2026-12-01", day(125), NOW + 2).await.unwrap();
    assert_eq!(
        (started.start_date.as_str(), started.first_day, started.updated_at),
        ("2026-12-01", day(125), NOW + 2)
    );
    let tuned = store.update_cohort_settings(plain.id, 7_200, 1, "0 18 * * SUN", NOW + 3).await.unwrap();
    assert_eq!((tuned.grace_secs, tuned.reminder_hours, tuned.updated_at), (7_200, 1, NOW + 3));
    assert_eq!(tuned.leaderboard_schedule, "0 18 * * SUN");
    let negative = store.update_cohort_settings(plain.id, -1, 1, "0 18 * * SUN", NOW).await.unwrap_err();
    assert!(matches!(negative, StoreError::Database(_)), "{negative:?}");
    for missing in [
        store.update_cohort_schedule(9_999, "s", "UTC", NOW).await.unwrap_err(),
        store.set_cohort_start(9_999, "2026-12-01", day(1), NOW).await.unwrap_err(),
        store.complete_cohort(9_999, NOW).await.unwrap_err(),
        store.update_cohort_settings(9_999, 0, 0, "s", NOW).await.unwrap_err(),
    ] {
        assert!(matches!(missing, StoreError::NotFound { what: "cohort" }), "{missing:?}");
    }

    assert!(store.complete_cohort(plain.id, NOW + 10).await.unwrap(), "first completion");
    assert!(!store.complete_cohort(plain.id, NOW + 20).await.unwrap(), "already completed");
    let done = store.get_cohort(plain.id).await.unwrap().unwrap();
    assert_eq!((done.state, done.completed_at), (CohortState::Completed, Some(NOW + 10)));
    let reopened = store.set_cohort_state(plain.id, CohortState::Active, None, NOW + 30).await.unwrap();
    assert_eq!(reopened.completed_at, None, "a reopened cohort is not completed");
    let closed = store.set_cohort_state(plain.id, CohortState::Completed, None, NOW + 40).await.unwrap();
    assert_eq!(closed.completed_at, Some(NOW + 40));
}

pub(crate) async fn cohorts_are_listed_by_state(fx: Fixture) {
    let store = &fx.store;
    let mut ids = Vec::new();
    for (channel, state) in [
        ("a", CohortState::Active),
        ("p", CohortState::Paused),
        ("c", CohortState::Completed),
        ("f", CohortState::Flagged),
    ] {
        let cohort = store.create_cohort(&new_cohort(Platform::Discord, channel)).await.unwrap();
        store.set_cohort_state(cohort.id, state, Some("why"), NOW).await.unwrap();
        ids.push(cohort.id);
    }
    let active: Vec<i64> = store.list_active_cohorts().await.unwrap().iter().map(|c| c.id).collect();
    assert_eq!(active, vec![ids[0], ids[1]]);
    let listed = store.list_cohorts(&[CohortState::Flagged, CohortState::Completed]).await.unwrap();
    assert_eq!(listed.iter().map(|c| c.id).collect::<Vec<_>>(), vec![ids[2], ids[3]]);
    assert_eq!(listed[1].flag_reason.as_deref(), Some("why"));
    assert!(store.list_cohorts(&[]).await.unwrap().is_empty());
}

pub(crate) async fn one_open_pause_at_a_time(fx: Fixture) {
    let store = &fx.store;
    let (cohort, _) = cohort_with_member(store).await;
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move { store.start_pause(cohort, NOW + i).await })
        })
        .collect();
    let mut opened = 0;
    for task in tasks {
        opened += i32::from(task.await.unwrap().expect("a refused pause is not an error"));
    }
    assert_eq!(opened, 1, "exactly one concurrent /pause opens a pause");
    let paused_at = store.list_pauses(cohort).await.unwrap()[0].0;

    assert!(!store.start_pause(cohort, NOW + 100).await.unwrap(), "second open refused");
    let err = store.end_pause(cohort, paused_at - 1).await.unwrap_err();
    assert!(matches!(err, StoreError::Database(_)), "resume before pause: {err:?}");
    assert!(store.end_pause(cohort, NOW + 200).await.unwrap());
    assert!(!store.end_pause(cohort, NOW + 201).await.unwrap(), "nothing open");
    assert!(store.start_pause(cohort, NOW + 300).await.unwrap(), "a new pause after the resume");
    let pauses = store.list_pauses(cohort).await.unwrap();
    assert_eq!(pauses, vec![(paused_at, Some(NOW + 200)), (NOW + 300, None)]);
}

pub(crate) async fn holidays_and_adjustments(fx: Fixture) {
    let store = &fx.store;
    let (cohort, _) = cohort_with_member(store).await;
    assert!(store.add_holiday(cohort, "2026-12-25").await.unwrap());
    assert!(store.add_holiday(cohort, "2026-12-24").await.unwrap());
    assert!(!store.add_holiday(cohort, "2026-12-25").await.unwrap(), "already a holiday");
    assert_eq!(store.list_holidays(cohort).await.unwrap(), vec!["2026-12-24", "2026-12-25"]);
    assert!(store.remove_holiday(cohort, "2026-12-24").await.unwrap());
    assert!(!store.remove_holiday(cohort, "2026-12-24").await.unwrap(), "already removed");
    assert_eq!(store.list_holidays(cohort).await.unwrap(), vec!["2026-12-25"]);

    let skip = store.add_adjustment(cohort, AdjustmentKind::Skip, "2026-11-09", None, NOW).await.unwrap();
    let set = store
        .add_adjustment(cohort, AdjustmentKind::SetDay, "2026-11-05", Some(day(124)), NOW + 1)
        .await
        .unwrap();
    assert_eq!((skip.kind, skip.day, skip.cohort_id), (AdjustmentKind::Skip, None, cohort));
    assert_eq!(
        (set.kind, set.day, set.local_date.as_str()),
        (AdjustmentKind::SetDay, Some(day(124)), "2026-11-05")
    );
    assert_eq!(store.list_adjustments(cohort).await.unwrap(), vec![skip, set], "in the order made");
}

/// A restart reads every driven cohort's calendar at once, a reload those of the cohorts that
/// changed: the same rows, in the same orders, as reading them cohort by cohort; a completed
/// cohort's are left out, a cohort without any has none.
pub(crate) async fn calendars_read_at_once_match_one_by_one(fx: Fixture) {
    let store = &fx.store;
    let mut ids = Vec::new();
    for channel in ["a", "b", "c", "d"] {
        ids.push(store.create_cohort(&new_cohort(Platform::Console, channel)).await.unwrap().id);
    }
    let [a, b, c, d] = ids[..] else { unreachable!() };
    for date in ["2026-12-24", "2026-12-08"] {
        assert!(store.add_holiday(a, date).await.unwrap());
    }
    assert!(store.add_holiday(c, "2026-12-09").await.unwrap());
    assert!(store.start_pause(a, NOW + 100).await.unwrap());
    assert!(store.end_pause(a, NOW + 200).await.unwrap());
    assert!(store.start_pause(a, NOW + 300).await.unwrap());
    store.add_adjustment(b, AdjustmentKind::SetDay, "2026-12-11", Some(day(125)), NOW).await.unwrap();
    store.add_adjustment(a, AdjustmentKind::Skip, "2026-12-10", None, NOW + 1).await.unwrap();
    store.add_adjustment(b, AdjustmentKind::Skip, "2026-12-01", None, NOW + 2).await.unwrap();
    assert!(store.complete_cohort(c, NOW + 500).await.unwrap());

    let all = store.list_scheduled_cohorts(None).await.unwrap();
    assert_eq!(all.iter().map(|(cohort, _)| cohort.id).collect::<Vec<_>>(), [a, b, d]);
    for (cohort, rows) in &all {
        assert_eq!(rows, &store.calendar_rows(cohort.id).await.unwrap(), "cohort {}", cohort.id);
    }
    let rows = |id| &all.iter().find(|(cohort, _)| cohort.id == id).unwrap().1;
    assert_eq!(rows(a).holidays, ["2026-12-08", "2026-12-24"]);
    assert_eq!(rows(a).pauses, [(NOW + 100, Some(NOW + 200)), (NOW + 300, None)]);
    assert_eq!(
        rows(b).adjustments.iter().map(|r| r.local_date.as_str()).collect::<Vec<_>>(),
        ["2026-12-11", "2026-12-01"],
        "in the order made"
    );
    assert_eq!(rows(d), &CalendarRows::default());

    // A reload of some: only those still driven by the clock, with their own rows only.
    let some = store.list_scheduled_cohorts(Some(&[b, c, 9_999])).await.unwrap();
    assert_eq!(some.iter().map(|(cohort, _)| cohort.id).collect::<Vec<_>>(), [b]);
    assert_eq!(&some[0].1, rows(b));
    assert!(store.list_scheduled_cohorts(Some(&[])).await.unwrap().is_empty());
}

pub(crate) async fn memberships_carry_remind_and_optout(fx: Fixture) {
    let store = &fx.store;
    let (cohort, member) = cohort_with_member(store).await;
    let found = store.find_member(Platform::Discord, "user-1").await.unwrap().unwrap();
    assert_eq!((found.id, found.display_name.as_str()), (member, "Ada"));
    assert_eq!(store.find_member(Platform::Slack, "user-1").await.unwrap(), None);

    let plain = store.get_cohort_member(cohort, member).await.unwrap().unwrap();
    assert!(!plain.remind && !plain.leaderboard_optout && !plain.is_admin);
    let reminded = store.set_remind(cohort, member, true).await.unwrap();
    assert!(reminded.remind && !reminded.leaderboard_optout);
    let hidden = store.set_leaderboard_optout(cohort, member, true).await.unwrap();
    assert!(hidden.remind && hidden.leaderboard_optout);
    assert_eq!(store.list_cohort_members(cohort).await.unwrap(), vec![hidden.clone()]);
    let profiles = store.list_cohort_member_profiles(cohort).await.unwrap();
    assert_eq!(profiles, vec![(hidden.clone(), found.clone())]);
    let rejoined = store.add_cohort_member(cohort, member, true, NOW + 5).await.unwrap();
    assert_eq!(rejoined, hidden, "joining again keeps the flags");
    assert!(!store.set_remind(cohort, member, false).await.unwrap().remind);

    let stranger = store.upsert_member(Platform::Discord, "user-2", "Bo", NOW).await.unwrap();
    assert_eq!(store.get_cohort_member(cohort, stranger.id).await.unwrap(), None);
    let err = store.set_leaderboard_optout(cohort, stranger.id, true).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound { what: "membership" }), "{err:?}");
}
