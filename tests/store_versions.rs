//! Store tests for curriculum versions and the audit trail (migration 0006), on both backends.

mod support;

use std::path::Path;

use sqlx::migrate::Migrator;
use studybot::store::{CurriculumVersion, NewAudit, Platform, Store};
use support::db::{Fixture, TestDb};
use support::fixtures::*;

backend_tests!(
    migration_0006_leaves_existing_cohorts_unbound,
    a_version_is_stored_once_and_never_changed,
    a_cohort_is_bound_once_and_moved_only_from_its_version,
    audit_entries_outlive_their_cohort,
    ensure_member_creates_or_keeps,
);

fn version(hash_digit: char, title: &str) -> CurriculumVersion {
    CurriculumVersion {
        hash: hash_digit.to_string().repeat(64),
        curriculum_id: "days_121_150_lakehouse_architecture".into(),
        title: title.into(),
        source: format!("# {title}\n"),
        bank_source: None,
        created_at: NOW,
    }
}

async fn migration_0006_leaves_existing_cohorts_unbound(fx: Fixture) {
    let db = TestDb::new(fx.backend).await.expect("the fixture's backend is available");
    let store = Store::connect(db.url()).await.unwrap();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(fx.backend.as_str());
    Migrator::new(dir).await.unwrap().run_to(4, store.pool()).await.unwrap();
    sqlx::query(
        "INSERT INTO cohorts (platform, channel_id, curriculum_id, start_date, schedule, timezone, \
         created_at, updated_at) VALUES ('slack', 'C1', 'c', '2026-11-02', 's', 'UTC', 0, 0)",
    )
    .execute(store.pool())
    .await
    .unwrap();
    store.migrate().await.expect("0006 over 0004 with data");
    let cohort = store.find_cohort_by_channel(Platform::Slack, "C1").await.unwrap().unwrap();
    assert_eq!(cohort.curriculum_version, None, "bound by the coach on first load, not by the migration");
    assert!(store.list_audit(cohort.id).await.unwrap().is_empty());
    store.close().await;
    db.cleanup().await;
}

async fn a_version_is_stored_once_and_never_changed(fx: Fixture) {
    let store = &fx.store;
    let first = version('a', "First");
    assert!(store.put_curriculum_version(&first).await.unwrap());
    assert!(!store.put_curriculum_version(&first).await.unwrap(), "the same version again is a no-op");
    let imposter = CurriculumVersion { title: "Other".into(), source: "# Other\n".into(), ..first.clone() };
    assert!(!store.put_curriculum_version(&imposter).await.unwrap());
    assert_eq!(store.get_curriculum_version(&first.hash).await.unwrap(), Some(first.clone()));
    assert_eq!(store.get_curriculum_version(&"f".repeat(64)).await.unwrap(), None);

    // The schema itself refuses an update and a malformed hash.
    let update = sqlx::query("UPDATE curriculum_versions SET source = 'x' WHERE hash = $1").bind(&first.hash);
    let err = update.execute(store.pool()).await.expect_err("versions are immutable");
    assert!(err.to_string().contains("immutable"), "{err}");
    let short = CurriculumVersion { hash: "abc".into(), ..version('b', "B") };
    assert!(store.put_curriculum_version(&short).await.is_err(), "a hash is 64 hex digits");
    assert_eq!(store.get_curriculum_version(&first.hash).await.unwrap(), Some(first));
}

async fn a_cohort_is_bound_once_and_moved_only_from_its_version(fx: Fixture) {
    let store = &fx.store;
    let (a, b) = (version('a', "A"), version('b', "B"));
    for v in [&a, &b] {
        store.put_curriculum_version(v).await.unwrap();
    }
    let cohort = store.create_cohort(&new_cohort(Platform::Discord, "chan-1")).await.unwrap();
    assert_eq!(cohort.curriculum_version, None);
    assert_eq!(store.bind_cohort_version(cohort.id, &a.hash).await.unwrap(), a.hash);
    assert_eq!(store.bind_cohort_version(cohort.id, &b.hash).await.unwrap(), a.hash, "bound once");
    let unknown = store.bind_cohort_version(cohort.id + 1, &a.hash).await;
    assert!(unknown.is_err(), "no such cohort");

    let epoch = store.schedule_epoch().await.unwrap();
    assert!(!store.set_cohort_version(cohort.id, &b.hash, &a.hash, NOW + 1).await.unwrap(), "not on b");
    assert!(store.set_cohort_version(cohort.id, &a.hash, &b.hash, NOW + 1).await.unwrap());
    assert!(store.schedule_epoch().await.unwrap() > epoch, "the scheduler learns of the move");
    let moved = store.get_cohort(cohort.id).await.unwrap().unwrap();
    assert_eq!((moved.curriculum_version, moved.updated_at), (Some(b.hash.clone()), NOW + 1));
    let missing = store.set_cohort_version(cohort.id, &b.hash, &"c".repeat(64), NOW + 2).await;
    assert!(missing.is_err(), "a cohort can only run a stored version");
}

async fn audit_entries_outlive_their_cohort(fx: Fixture) {
    let store = &fx.store;
    let cohort = store.create_cohort(&new_cohort(Platform::Slack, "C9")).await.unwrap();
    let entry = |at: i64, action: &str| NewAudit {
        at,
        platform: "slack".into(),
        actor: "U1".into(),
        cohort_id: Some(cohort.id),
        action: action.into(),
        detail: "version a → b".into(),
        reason: "typos".into(),
        member: String::new(),
    };
    let second = store.record_audit(&entry(NOW + 5, "curriculum.apply")).await.unwrap();
    let first = store.record_audit(&entry(NOW, "cohort.setup")).await.unwrap();
    assert_ne!(first, second);
    store.delete_cohort(cohort.id).await.unwrap();
    let kept = store.list_audit(cohort.id).await.unwrap();
    let actions: Vec<&str> = kept.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["cohort.setup", "curriculum.apply"], "oldest first, and kept after the delete");
    assert_eq!((kept[1].actor.as_str(), kept[1].reason.as_str()), ("U1", "typos"));
}

async fn ensure_member_creates_or_keeps(fx: Fixture) {
    let store = &fx.store;
    let named = store.upsert_member(Platform::Discord, "u-1", "Ada", NOW).await.unwrap();
    assert_eq!(store.ensure_member(Platform::Discord, "u-1", NOW + 9).await.unwrap(), named);
    let new = store.ensure_member(Platform::Discord, "organizer", NOW).await.unwrap();
    assert_eq!((new.display_name.as_str(), new.created_at), ("", NOW));
    assert_eq!(store.ensure_member(Platform::Discord, "organizer", NOW + 1).await.unwrap(), new);
}
