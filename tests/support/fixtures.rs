//! Row builders and small queries shared by the store tests.

use studybot::domain::DayNumber;
use studybot::store::{
    CheckpointSource, Claim, ContentKind, DEFAULT_CATCH_UP, DEFAULT_MAX_LATENESS_SECS, DEFAULT_QUIZ_SECONDS,
    MemberStats, NewCheckpoint, NewCohort, NewContentPost, NewLessonPost, NewQuizAttempt, Platform,
    QuizAnswer, Store,
};

/// 2026-11-02T08:00:00Z.
pub const NOW: i64 = 1_793_606_400;
/// 2100-01-01T00:00:00Z: beyond i32::MAX seconds, so a 32-bit column or decode would break it.
pub const BEYOND_I32: i64 = 4_102_444_800;

/// A day number from a literal the test knows is valid.
pub fn day(n: u32) -> DayNumber {
    DayNumber::try_from(n).expect("a valid day number")
}

pub fn new_cohort(platform: Platform, channel: &str) -> NewCohort {
    NewCohort {
        platform,
        workspace_id: "guild-1".into(),
        channel_id: channel.into(),
        curriculum_id: "days_121_150_lakehouse_architecture".into(),
        start_date: "2026-11-02".into(),
        first_day: day(121),
        schedule: "0 0 9 * * MON-FRI".into(),
        timezone: "Europe/Berlin".into(),
        catch_up: DEFAULT_CATCH_UP.into(),
        max_lateness_secs: DEFAULT_MAX_LATENESS_SECS,
        quiz_seconds: DEFAULT_QUIZ_SECONDS,
        grace_secs: None,
        reminder_hours: None,
        leaderboard_schedule: None,
        created_by: "organizer".into(),
        created_at: NOW,
    }
}

pub fn new_post(cohort_id: i64, n: u32, local_date: &str, nonce: &str) -> NewLessonPost {
    NewLessonPost {
        cohort_id,
        day: day(n),
        local_date: local_date.into(),
        due_at: NOW,
        nonce: nonce.into(),
        claimed_by: "instance-a".into(),
        claimed_at: NOW,
        generation: 0,
    }
}

/// Marks day `n` of `cohort`, due at `due`, posted as `message_id`: claimed and completed as a
/// scheduler would.
pub async fn mark_posted(store: &Store, cohort_id: i64, n: u32, due: i64, message_id: &str) {
    let local_date =
        chrono::DateTime::from_timestamp(due, 0).expect("a due instant").date_naive().to_string();
    let new = NewLessonPost {
        due_at: due,
        claimed_at: due,
        claimed_by: "test".into(),
        ..new_post(cohort_id, n, &local_date, &format!("sb-{cohort_id}-{n}"))
    };
    let Claim::Claimed(post) = store.claim_post(&new).await.unwrap() else { panic!("claim day {n}") };
    store.complete_post(post.id, 0, message_id, due).await.unwrap();
}

pub fn new_checkpoint(cohort_id: i64, member_id: i64, n: u32, source: CheckpointSource) -> NewCheckpoint {
    NewCheckpoint {
        cohort_id,
        member_id,
        day: day(n),
        source,
        checked_at: NOW,
        on_time: true,
        dedupe_key: Some(format!("evt-{n}-{source}")),
    }
}

/// A cohort with one member in it: (cohort_id, member_id).
pub async fn cohort_with_member(store: &Store) -> (i64, i64) {
    let cohort = store.create_cohort(&new_cohort(Platform::Discord, "chan-1")).await.unwrap();
    let member = store.upsert_member(Platform::Discord, "user-1", "Ada", NOW).await.unwrap();
    store.add_cohort_member(cohort.id, member.id, false, NOW).await.unwrap();
    (cohort.id, member.id)
}

pub async fn count(store: &Store, sql: &'static str, id: i64) -> i64 {
    sqlx::query_scalar(sql).bind(id).fetch_one(store.pool()).await.unwrap()
}

pub fn new_attempt(cohort_id: i64, member_id: i64) -> NewQuizAttempt {
    NewQuizAttempt { cohort_id, member_id, quiz_key: "module-1".into(), seed: 42, started_at: NOW }
}

pub fn answer(attempt_id: i64, position: i64) -> QuizAnswer {
    QuizAnswer {
        attempt_id,
        position,
        question_id: format!("q{position}"),
        chosen: "b".into(),
        correct: position % 2 == 0,
        answered_at: NOW,
    }
}

/// Upserts the member `user_id` (Discord) and joins them to `cohort_id`; returns the member id.
pub async fn join(store: &Store, cohort_id: i64, user_id: &str, name: &str) -> i64 {
    let member = store.upsert_member(Platform::Discord, user_id, name, NOW).await.unwrap();
    store.add_cohort_member(cohort_id, member.id, false, NOW).await.unwrap();
    member.id
}

pub fn stats(cohort_id: i64, member_id: i64, points: i64, reached_at: i64) -> MemberStats {
    MemberStats { cohort_id, member_id, points, reached_at, updated_at: NOW, ..MemberStats::default() }
}

pub fn content(cohort_id: i64, member_id: i64, kind: ContentKind, n: u32) -> NewContentPost {
    NewContentPost {
        cohort_id,
        member_id,
        kind,
        day: day(n),
        url: format!("https://example.com/{kind}/{n}"),
        posted_at: NOW,
    }
}
