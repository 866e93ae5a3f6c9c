//! Text with a NUL character at the store: PostgreSQL cannot hold one and SQLite can, so the store refuses it on both before any SQL runs, and a transaction goes on afterwards.

mod support;

use studybot::store::{self, ContentKind, NewContentPost, Platform, PostState, StoreError};
use support::db::Fixture;
use support::fixtures::*;

backend_tests!(
    identifiers_with_a_nul_are_refused_alike,
    a_refusal_leaves_the_transaction_usable,
    diagnostic_text_with_a_nul_is_kept_readable,
);

fn is_nul(result: Result<impl std::fmt::Debug, StoreError>, what: &str) {
    match result {
        Err(StoreError::Nul { what: got }) => assert_eq!(got, what),
        other => panic!("{what}: expected StoreError::Nul, got {other:?}"),
    }
}

async fn identifiers_with_a_nul_are_refused_alike(fx: Fixture) {
    let store = &fx.store;
    let (cohort, member) = cohort_with_member(store).await;
    is_nul(store.upsert_member(Platform::Slack, "U1\0", "Ada", NOW).await, "user id");
    is_nul(store.upsert_member(Platform::Slack, "U1", "A\0da", NOW).await, "display name");
    is_nul(store.find_member(Platform::Discord, "a\0b").await, "user id");
    is_nul(store.find_cohort_by_channel(Platform::Discord, "chan\0").await, "channel id");
    is_nul(store.create_cohort(&new_cohort(Platform::Discord, "c\0")).await, "channel id");
    is_nul(store.mark_event_processed("evt\0", "checkpoint", NOW).await, "dedupe key");
    let mut check = new_checkpoint(cohort, member, 121, store::CheckpointSource::Command);
    check.dedupe_key = Some("k\0".into());
    is_nul(store.record_checkpoint(&check).await, "dedupe key");
    is_nul(store.find_post_by_message(cohort, "m\0").await, "message id");
    let post = new_post(cohort, 121, "2026-11-02", "sb-1-121");
    let store::Claim::Claimed(claimed) = store.claim_post(&post).await.unwrap() else { panic!("claimed") };
    is_nul(store.complete_post(claimed.id, 0, "m\0", NOW).await, "message id");
    let url = NewContentPost {
        cohort_id: cohort,
        member_id: member,
        kind: ContentKind::Blog,
        day: day(121),
        url: "https://example.com/\0".into(),
        posted_at: NOW,
    };
    is_nul(store.add_content_post(&url).await, "url");
    is_nul(store.tick_assessment(cohort, member, "item\0", NOW).await, "item");
    // Nothing was written by any of them.
    assert_eq!(count(store, "SELECT COUNT(*) FROM members WHERE id <> $1", member).await, 0);
    assert!(store.find_member(Platform::Discord, "user-1").await.unwrap().is_some());
}

async fn a_refusal_leaves_the_transaction_usable(fx: Fixture) {
    let mut tx = fx.store.begin().await.unwrap();
    is_nul(store::upsert_member(&mut tx, Platform::Discord, "a\0b", "x", NOW).await, "user id");
    // On PostgreSQL a failed statement aborts the transaction; a refusal before SQL does not.
    let member = store::upsert_member(&mut tx, Platform::Discord, "ab", "x", NOW).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(fx.store.find_member(Platform::Discord, "ab").await.unwrap().map(|m| m.id), Some(member.id));
}

async fn diagnostic_text_with_a_nul_is_kept_readable(fx: Fixture) {
    let store = &fx.store;
    let (cohort, _) = cohort_with_member(store).await;
    let post = new_post(cohort, 121, "2026-11-02", "sb-1-121");
    let store::Claim::Claimed(claimed) = store.claim_post(&post).await.unwrap() else { panic!("claimed") };
    // A platform's error text is recorded even if it holds a NUL: the failure matters more.
    assert!(store.defer_post(claimed.id, 0, "bad\0gateway", NOW + 60).await.unwrap());
    let stored = store.get_post(claimed.id).await.unwrap().unwrap();
    assert_eq!(stored.last_error.as_deref(), Some("bad\u{fffd}gateway"));
    assert!(store.close_post(claimed.id, 0, PostState::Failed, "gone\0").await.unwrap());
    let stored = store.get_post(claimed.id).await.unwrap().unwrap();
    assert_eq!(stored.last_error.as_deref(), Some("gone\u{fffd}"));
    let flagged =
        store.set_cohort_state(cohort, store::CohortState::Flagged, Some("403\0"), NOW).await.unwrap();
    assert_eq!(flagged.flag_reason.as_deref(), Some("403\u{fffd}"));
}
