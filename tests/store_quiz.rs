//! Store tests for the quiz schema (migration 0004): attempt progress, the counted first attempt,
//! expiry and spaced-review rows, on both backends.

mod support;

use studybot::store::{self, QuizAnswer, QuizStart, QuizState, StoreError};
use support::db::Fixture;
use support::fixtures::*;

backend_tests!(
    attempt_progress_survives_a_reconnect,
    only_the_first_finished_attempt_counts,
    stale_open_attempts_expire,
    reviews_are_put_listed_when_due_and_graduate,
    quiz_attempts_number_and_finish,
);

async fn start(fx: &Fixture, cohort: i64, member: i64, at: i64) -> store::QuizAttempt {
    let new = store::NewQuizAttempt { started_at: at, ..new_attempt(cohort, member) };
    match fx.store.start_quiz_attempt(&new).await.unwrap() {
        QuizStart::Started(a) | QuizStart::AlreadyOpen(a) => a,
    }
}

async fn attempt_progress_survives_a_reconnect(fx: Fixture) {
    let (cohort, member) = cohort_with_member(&fx.store).await;
    let attempt = start(&fx, cohort, member, NOW).await;
    let mut conn = fx.store.acquire().await.unwrap();
    assert!(store::ask_question(&mut conn, attempt.id, 2, NOW + 90).await.unwrap());
    assert!(store::set_pending(&mut conn, attempt.id, "0,2").await.unwrap());
    drop(conn);

    // A restarted bot opens a new pool and finds the attempt where it was.
    let again = studybot::store::Store::open(&fx.url).await.unwrap();
    let open = store::get_attempt(&mut again.acquire().await.unwrap(), attempt.id).await.unwrap().unwrap();
    assert_eq!(
        (open.id, open.question_no, open.asked_at, open.pending.as_str()),
        (attempt.id, 2, Some(NOW + 90), "0,2")
    );
    again.close().await;
}

async fn only_the_first_finished_attempt_counts(fx: Fixture) {
    let (cohort, member) = cohort_with_member(&fx.store).await;
    let first = start(&fx, cohort, member, NOW).await;
    let answer = QuizAnswer { attempt_id: first.id, ..answer(first.id, 0) };
    fx.store.record_quiz_answer(&answer).await.unwrap();
    let err = fx.store.record_quiz_answer(&answer).await.unwrap_err();
    assert!(matches!(err, StoreError::Duplicate { .. }), "{err:?}");
    let answers =
        store::list_attempt_answers(&mut fx.store.acquire().await.unwrap(), first.id).await.unwrap();
    assert_eq!(answers, vec![answer]);

    let done = fx.store.finish_quiz_attempt(first.id, 9, 12, NOW + 600).await.unwrap();
    assert!(done.counted && done.state == QuizState::Finished);
    let retake = start(&fx, cohort, member, NOW + 700).await;
    let practice = fx.store.finish_quiz_attempt(retake.id, 12, 12, NOW + 900).await.unwrap();
    assert!(!practice.counted, "a retake is practice");
    let score =
        store::counted_quiz_score(&mut fx.store.acquire().await.unwrap(), cohort, member).await.unwrap();
    assert_eq!(score, 9);
    // The counted scores of the cohort, or of one quiz (a finished quiz's histogram); this one
    // finishes after the week read below.
    let other = store::NewQuizAttempt {
        quiz_key: "final".into(),
        started_at: NOW + 950,
        ..new_attempt(cohort, member)
    };
    let QuizStart::Started(other) = fx.store.start_quiz_attempt(&other).await.unwrap() else {
        panic!("started")
    };
    fx.store.finish_quiz_attempt(other.id, 3, 4, NOW + 2000).await.unwrap();
    let bo = join(&fx.store, cohort, "user-2", "Bo").await;
    let mut conn = fx.store.acquire().await.unwrap();
    let all = store::counted_quiz_scores(&mut conn, cohort, None).await.unwrap();
    let final_only = store::counted_quiz_scores(&mut conn, cohort, Some("final")).await.unwrap();
    assert_eq!(all, vec![(member, "final".into(), 3, 4), (member, "module-1".into(), 9, 12)]);
    assert_eq!(final_only, vec![(member, "final".into(), 3, 4)]);
    // What a recount reads sums the counted ones (9 + 3, the practice 12 not), per member.
    let records = store::batch::read_members(&mut conn, &[(cohort, member), (cohort, bo)]).await.unwrap();
    assert_eq!(records.quiz_scores.get(&(cohort, member)), Some(&12));
    assert_eq!(records.quiz_scores.get(&(cohort, bo)).copied().unwrap_or(0), 0);
    drop(conn);
    // The weekly board sums counted attempts finished in its range, the practice retake never.
    let week = fx.store.quiz_scores(cohort, NOW, NOW + 1000).await.unwrap();
    assert_eq!(week, vec![store::RangeScore { member_id: member, score: 9, last_at: NOW + 600 }]);
    assert_eq!(fx.store.quiz_scores(cohort, NOW + 601, NOW + 1000).await.unwrap(), vec![]);
    // The database itself refuses a second counted attempt.
    let raw = sqlx::query("UPDATE quiz_attempts SET counted = 1 WHERE id = $1")
        .bind(retake.id)
        .execute(&mut *fx.store.acquire().await.unwrap())
        .await;
    assert!(raw.is_err(), "two counted attempts for one quiz");
}

async fn stale_open_attempts_expire(fx: Fixture) {
    let (cohort, member) = cohort_with_member(&fx.store).await;
    let attempt = start(&fx, cohort, member, NOW).await;
    let mut conn = fx.store.acquire().await.unwrap();
    assert_eq!(store::expire_attempts(&mut conn, cohort, NOW).await.unwrap(), 0, "not older than the cutoff");
    assert_eq!(store::expire_attempts(&mut conn, cohort, NOW + 1).await.unwrap(), 1);
    let expired = store::get_attempt(&mut conn, attempt.id).await.unwrap().unwrap();
    assert_eq!(expired.state, QuizState::Abandoned, "no longer open");
    drop(conn);
    let err = fx.store.finish_quiz_attempt(attempt.id, 1, 1, NOW + 2).await.unwrap_err();
    assert!(matches!(err, StoreError::WrongState { .. }), "{err:?}");
}

async fn reviews_are_put_listed_when_due_and_graduate(fx: Fixture) {
    let (cohort, member) = cohort_with_member(&fx.store).await;
    let mut conn = fx.store.acquire().await.unwrap();
    store::put_review(&mut conn, cohort, member, "m17-a", Some((1, 5)), NOW).await.unwrap();
    store::put_review(&mut conn, cohort, member, "m17-b", Some((2, 7)), NOW).await.unwrap();
    let due = |n| {
        let store = fx.store.clone();
        async move {
            let mut conn = store.acquire().await.unwrap();
            let rows = store::list_due_reviews(&mut conn, cohort, member, n).await.unwrap();
            rows.into_iter().map(|r| r.question_id).collect::<Vec<_>>()
        }
    };
    assert_eq!(due(4).await, Vec::<String>::new());
    assert_eq!(due(5).await, vec!["m17-a"]);
    assert_eq!(due(7).await, vec!["m17-a", "m17-b"]);
    store::put_review(&mut conn, cohort, member, "m17-a", Some((2, 8)), NOW).await.unwrap();
    assert_eq!(store::get_review(&mut conn, cohort, member, "m17-a").await.unwrap().unwrap().leitner_box, 2);
    store::put_review(&mut conn, cohort, member, "m17-b", None, NOW).await.unwrap();
    assert!(store::get_review(&mut conn, cohort, member, "m17-b").await.unwrap().is_none());
    let bad = store::put_review(&mut conn, cohort, member, "m17-c", Some((4, 1)), NOW).await;
    assert!(bad.is_err(), "box 4 does not exist");
}

async fn quiz_attempts_number_and_finish(fx: Fixture) {
    let store = &fx.store;
    let (cohort, member) = cohort_with_member(store).await;
    let QuizStart::Started(first) = store.start_quiz_attempt(&new_attempt(cohort, member)).await.unwrap()
    else {
        panic!("start");
    };
    assert_eq!((first.attempt_no, first.state), (1, QuizState::Open));
    let again = store.start_quiz_attempt(&new_attempt(cohort, member)).await.unwrap();
    assert_eq!(again, QuizStart::AlreadyOpen(first.clone()));

    store.record_quiz_answer(&answer(first.id, 0)).await.unwrap();
    let dup = store.record_quiz_answer(&answer(first.id, 0)).await.unwrap_err();
    assert!(dup.is_duplicate(), "{dup:?}");

    let done = store.finish_quiz_attempt(first.id, 4, 5, NOW + 30).await.unwrap();
    assert_eq!((done.state, done.score, done.max_score), (QuizState::Finished, Some(4), Some(5)));
    let twice = store.finish_quiz_attempt(first.id, 5, 5, NOW + 40).await.unwrap_err();
    assert!(matches!(twice, StoreError::WrongState { .. }), "{twice:?}");

    let QuizStart::Started(second) = store.start_quiz_attempt(&new_attempt(cohort, member)).await.unwrap()
    else {
        panic!("second attempt");
    };
    assert_eq!(second.attempt_no, 2);
    // A second open attempt cannot be forced in past the code either.
    let raw = sqlx::query(
        "INSERT INTO quiz_attempts (cohort_id, member_id, quiz_key, attempt_no, seed, started_at, state) \
         VALUES ($1, $2, 'module-1', 3, 0, 0, 'open')",
    )
    .bind(cohort)
    .bind(member)
    .execute(store.pool())
    .await
    .unwrap_err();
    assert!(StoreError::from(raw).is_duplicate());
}
