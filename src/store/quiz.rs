//! Quiz attempts and their answers.

use sqlx::AnyConnection;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::error::StoreError;
use super::pool::Store;
use super::types::{QuizState, enum_col, flag_col};

macro_rules! attempt_columns {
    () => {
        "id, cohort_id, member_id, quiz_key, attempt_no, seed, started_at, finished_at, score, \
         max_score, state, question_no, asked_at, pending, counted"
    };
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewQuizAttempt {
    pub cohort_id: i64,
    pub member_id: i64,
    pub quiz_key: String,
    /// Stored so the question order and choices can be rebuilt after a restart.
    pub seed: i64,
    pub started_at: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct QuizAttempt {
    pub id: i64,
    pub cohort_id: i64,
    pub member_id: i64,
    pub quiz_key: String,
    pub attempt_no: i64,
    pub seed: i64,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub score: Option<i64>,
    pub max_score: Option<i64>,
    pub state: QuizState,
    /// Index (in the attempt's shuffled order) of the question on screen.
    pub question_no: i64,
    /// When that question was shown: its time limit runs from here.
    pub asked_at: Option<i64>,
    /// Options toggled on a multiple-select question, not yet submitted.
    pub pending: String,
    /// The member's first completed attempt at this quiz: the one that scores.
    pub counted: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum QuizStart {
    Started(QuizAttempt),
    /// The member already has an open attempt at this quiz (at most one, enforced by an index).
    AlreadyOpen(QuizAttempt),
}

#[derive(Debug, Clone, PartialEq)]
pub struct QuizAnswer {
    pub attempt_id: i64,
    pub position: i64,
    pub question_id: String,
    pub chosen: String,
    pub correct: bool,
    pub answered_at: i64,
}

impl QuizAttempt {
    fn from_row(row: &AnyRow) -> Result<QuizAttempt, StoreError> {
        Ok(QuizAttempt {
            id: row.try_get("id")?,
            cohort_id: row.try_get("cohort_id")?,
            member_id: row.try_get("member_id")?,
            quiz_key: row.try_get("quiz_key")?,
            attempt_no: row.try_get("attempt_no")?,
            seed: row.try_get("seed")?,
            started_at: row.try_get("started_at")?,
            finished_at: row.try_get("finished_at")?,
            score: row.try_get("score")?,
            max_score: row.try_get("max_score")?,
            state: enum_col(row, "state", QuizState::parse)?,
            question_no: row.try_get("question_no")?,
            asked_at: row.try_get("asked_at")?,
            pending: row.try_get("pending")?,
            counted: flag_col(row, "counted")?,
        })
    }
}

/// Starts the next attempt (numbered after the member's previous ones) unless one is open.
/// Two concurrent starts compute the same number; the UNIQUE constraint lets only one in and
/// the loser reports `Duplicate`.
#[tracing::instrument(skip_all, fields(cohort_id = new.cohort_id))]
pub async fn start_quiz_attempt(
    conn: &mut AnyConnection,
    new: &NewQuizAttempt,
) -> Result<QuizStart, StoreError> {
    if let Some(open) = find_open_attempt(conn, new).await? {
        return Ok(QuizStart::AlreadyOpen(open));
    }
    // `WHERE true` keeps SQLite from parsing ON CONFLICT as part of the SELECT.
    let row = sqlx::query(concat!(
        "INSERT INTO quiz_attempts (cohort_id, member_id, quiz_key, attempt_no, seed, \
         started_at, state) \
         SELECT $1, $2, $3, COALESCE(MAX(attempt_no), 0) + 1, $4, $5, 'open' FROM quiz_attempts \
         WHERE cohort_id = $1 AND member_id = $2 AND quiz_key = $3 \
         RETURNING ",
        attempt_columns!()
    ))
    .bind(new.cohort_id)
    .bind(new.member_id)
    .bind(&new.quiz_key)
    .bind(new.seed)
    .bind(new.started_at)
    .fetch_one(conn)
    .await?;
    Ok(QuizStart::Started(QuizAttempt::from_row(&row)?))
}

async fn find_open_attempt(
    conn: &mut AnyConnection,
    new: &NewQuizAttempt,
) -> Result<Option<QuizAttempt>, StoreError> {
    let sql = concat!(
        "SELECT ",
        attempt_columns!(),
        " FROM quiz_attempts \
         WHERE cohort_id = $1 AND member_id = $2 AND quiz_key = $3 AND state = 'open'"
    );
    let row = sqlx::query(sql)
        .bind(new.cohort_id)
        .bind(new.member_id)
        .bind(&new.quiz_key)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(QuizAttempt::from_row).transpose()
}

/// Finishes an open attempt with its score; a finished or abandoned one is left as it was. The
/// member's first finished attempt at the quiz becomes the counted one (a partial UNIQUE index
/// keeps it to one); later ones are practice.
#[tracing::instrument(skip_all, fields(attempt_id = id))]
pub async fn finish_quiz_attempt(
    conn: &mut AnyConnection,
    id: i64,
    score: i64,
    max_score: i64,
    finished_at: i64,
) -> Result<QuizAttempt, StoreError> {
    let sql = concat!(
        "UPDATE quiz_attempts SET state = 'finished', score = $2, max_score = $3, finished_at = $4, \
         counted = CASE WHEN EXISTS (SELECT 1 FROM quiz_attempts o WHERE o.cohort_id = quiz_attempts.cohort_id \
         AND o.member_id = quiz_attempts.member_id AND o.quiz_key = quiz_attempts.quiz_key \
         AND o.counted = 1) THEN 0 ELSE 1 END \
         WHERE id = $1 AND state = 'open' RETURNING ",
        attempt_columns!()
    );
    let row = sqlx::query(sql)
        .bind(id)
        .bind(score)
        .bind(max_score)
        .bind(finished_at)
        .fetch_optional(&mut *conn)
        .await?;
    if let Some(row) = row {
        return QuizAttempt::from_row(&row);
    }
    let state: Option<String> = sqlx::query_scalar("SELECT state FROM quiz_attempts WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?;
    Err(match state {
        None => StoreError::NotFound { what: "quiz attempt" },
        Some(state) => StoreError::WrongState { what: "quiz attempt", state, action: "finish it" },
    })
}

/// Records one answer; a repeated answer for the same position is refused with `Duplicate` so a
/// double click cannot change a submitted answer.
#[tracing::instrument(skip_all, fields(attempt_id = answer.attempt_id))]
pub async fn record_quiz_answer(conn: &mut AnyConnection, answer: &QuizAnswer) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO quiz_answers (attempt_id, position, question_id, chosen, correct, \
         answered_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(answer.attempt_id)
    .bind(answer.position)
    .bind(&answer.question_id)
    .bind(&answer.chosen)
    .bind(i64::from(answer.correct))
    .bind(answer.answered_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Shows question `question_no` of an open attempt at `asked_at`, clearing toggled options.
#[tracing::instrument(skip_all, fields(attempt_id = id))]
pub async fn ask_question(
    conn: &mut AnyConnection,
    id: i64,
    question_no: i64,
    asked_at: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE quiz_attempts SET question_no = $2, asked_at = $3, pending = '' \
         WHERE id = $1 AND state = 'open'",
    )
    .bind(id)
    .bind(question_no)
    .bind(asked_at)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Keeps the options toggled on the question on screen (multiple select) until Submit.
pub async fn set_pending(conn: &mut AnyConnection, id: i64, pending: &str) -> Result<bool, StoreError> {
    let done = sqlx::query("UPDATE quiz_attempts SET pending = $2 WHERE id = $1 AND state = 'open'")
        .bind(id)
        .bind(pending)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn get_attempt(conn: &mut AnyConnection, id: i64) -> Result<Option<QuizAttempt>, StoreError> {
    let sql = concat!("SELECT ", attempt_columns!(), " FROM quiz_attempts WHERE id = $1");
    let row = sqlx::query(sql).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(QuizAttempt::from_row).transpose()
}

/// The answers given in an attempt, in order.
pub async fn list_attempt_answers(
    conn: &mut AnyConnection,
    attempt_id: i64,
) -> Result<Vec<QuizAnswer>, StoreError> {
    let rows = sqlx::query(
        "SELECT attempt_id, position, question_id, chosen, correct, answered_at FROM quiz_answers \
         WHERE attempt_id = $1 ORDER BY position",
    )
    .bind(attempt_id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(QuizAnswer {
                attempt_id: row.try_get("attempt_id")?,
                position: row.try_get("position")?,
                question_id: row.try_get("question_id")?,
                chosen: row.try_get("chosen")?,
                correct: flag_col(row, "correct")?,
                answered_at: row.try_get("answered_at")?,
            })
        })
        .collect()
}

/// The cohort's open attempts started before `before` are abandoned (never scored); returns how many.
pub async fn expire_attempts(
    conn: &mut AnyConnection,
    cohort_id: i64,
    before: i64,
) -> Result<u64, StoreError> {
    let done = sqlx::query(
        "UPDATE quiz_attempts SET state = 'abandoned' WHERE cohort_id = $1 AND state = 'open' AND started_at < $2",
    )
    .bind(cohort_id)
    .bind(before)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// Every counted attempt of the cohort (the first finished one of each member and quiz), or of one
/// quiz of it, as (member id, quiz key, right answers, questions), by member and quiz.
#[tracing::instrument(skip_all)]
pub async fn counted_quiz_scores(
    conn: &mut AnyConnection,
    cohort_id: i64,
    quiz_key: Option<&str>,
) -> Result<Vec<(i64, String, i64, i64)>, StoreError> {
    let rows: Vec<(i64, String, Option<i64>, Option<i64>)> = sqlx::query_as(
        "SELECT member_id, quiz_key, score, max_score FROM quiz_attempts \
         WHERE cohort_id = $1 AND counted = 1 AND (CAST($2 AS TEXT) IS NULL OR quiz_key = $2) \
         ORDER BY member_id, quiz_key",
    )
    .bind(cohort_id)
    .bind(quiz_key)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|(m, q, s, max)| (m, q, s.unwrap_or(0), max.unwrap_or(0))).collect())
}

/// Sum of the scores of the member's counted attempts in the cohort (one per quiz).
pub async fn counted_quiz_score(
    conn: &mut AnyConnection,
    cohort_id: i64,
    member_id: i64,
) -> Result<i64, StoreError> {
    let sum: Option<i64> = sqlx::query_scalar(
        "SELECT CAST(SUM(score) AS BIGINT) FROM quiz_attempts WHERE cohort_id = $1 AND member_id = $2 AND counted = 1",
    )
    .bind(cohort_id)
    .bind(member_id)
    .fetch_one(conn)
    .await?;
    Ok(sum.unwrap_or(0))
}

impl Store {
    pub async fn start_quiz_attempt(&self, new: &NewQuizAttempt) -> Result<QuizStart, StoreError> {
        start_quiz_attempt(&mut *self.acquire_write().await?, new).await
    }

    pub async fn finish_quiz_attempt(
        &self,
        id: i64,
        score: i64,
        max_score: i64,
        finished_at: i64,
    ) -> Result<QuizAttempt, StoreError> {
        let mut conn = self.acquire_write().await?;
        finish_quiz_attempt(&mut conn, id, score, max_score, finished_at).await
    }

    pub async fn record_quiz_answer(&self, answer: &QuizAnswer) -> Result<(), StoreError> {
        record_quiz_answer(&mut *self.acquire_write().await?, answer).await
    }
}
