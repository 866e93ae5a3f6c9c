//! `Coach::try_handle` says how an event went as a typed result, so a test (or a tool) that sets
//! a cohort up cannot mistake a refused command — a typo in an option — for a done one.

mod support;

use chrono::{TimeZone, Utc};
use studybot::coach::{Catalog, Coach, CoachError};
use studybot::store::{Platform, Store};
use support::bot::{CURRICULUM, admin_does, admin_says, curriculum_dir};
use support::db::sqlite_url;

async fn coach(dir: &tempfile::TempDir) -> Coach {
    let store = Store::open(&sqlite_url(dir.path())).await.unwrap();
    Coach::new(store, Catalog::load_dir(&curriculum_dir()).unwrap())
}

fn setup(option: &str) -> String {
    format!("/studybot setup curriculum:{CURRICULUM} start:2026-12-07 {option}:UTC")
}

#[tokio::test]
async fn a_misspelled_option_is_a_user_error_and_nothing_is_set_up() {
    let dir = tempfile::tempdir().unwrap();
    let coach = coach(&dir).await;
    let at = Utc.with_ymd_and_hms(2026, 12, 6, 12, 0, 0).unwrap();
    // A refusal does not say "Sorry"; only the typed result tells it from a success.
    let result = coach.try_handle(&admin_says("study", &setup("timezon")), at).await;
    let Err(CoachError::User(refusal)) = result else { panic!("not refused: {result:?}") };
    assert!(refusal.0.contains("has no option `timezon:`"), "{}", refusal.0);
    assert!(!refusal.0.contains("Sorry"), "{}", refusal.0);
    let cohort = coach.store().find_cohort_by_channel(Platform::Console, "study").await.unwrap();
    assert!(cohort.is_none(), "nothing was set up");
    // `handle` gives the same refusal as the member's reply.
    let replies = coach.handle(&admin_says("study", &setup("timezon")), at).await;
    assert!(format!("{replies:?}").contains("has no option `timezon:`"), "{replies:?}");
    // Spelled right, it is Ok and the cohort exists.
    let replies = coach.try_handle(&admin_says("study", &setup("timezone")), at).await.unwrap();
    assert!(format!("{replies:?}").contains("day 121"), "{replies:?}");
    assert!(coach.store().find_cohort_by_channel(Platform::Console, "study").await.unwrap().is_some());
}

#[tokio::test]
#[should_panic(expected = "was refused")]
async fn the_test_helper_fails_on_a_refused_setup() {
    let dir = tempfile::tempdir().unwrap();
    let coach = coach(&dir).await;
    let at = Utc.with_ymd_and_hms(2026, 12, 6, 12, 0, 0).unwrap();
    admin_does(&coach, "study", &setup("timezon"), at).await;
}
