//! Spaced review: per member and question, the Leitner box and when the question comes back.

use sqlx::AnyConnection;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::error::StoreError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewRow {
    pub question_id: String,
    pub leitner_box: i64,
    /// The number of posted lessons at which the question is due again.
    pub due_lesson: i64,
}

impl ReviewRow {
    fn from_row(row: &AnyRow) -> Result<ReviewRow, StoreError> {
        Ok(ReviewRow {
            question_id: row.try_get("question_id")?,
            leitner_box: row.try_get("leitner_box")?,
            due_lesson: row.try_get("due_lesson")?,
        })
    }
}

pub async fn get_review(
    conn: &mut AnyConnection,
    cohort_id: i64,
    member_id: i64,
    question_id: &str,
) -> Result<Option<ReviewRow>, StoreError> {
    let row = sqlx::query(
        "SELECT question_id, leitner_box, due_lesson FROM quiz_reviews \
         WHERE cohort_id = $1 AND member_id = $2 AND question_id = $3",
    )
    .bind(cohort_id)
    .bind(member_id)
    .bind(question_id)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(ReviewRow::from_row).transpose()
}

/// Sets the question's box and due lesson, or takes it out of review (`None`: graduated).
pub async fn put_review(
    conn: &mut AnyConnection,
    cohort_id: i64,
    member_id: i64,
    question_id: &str,
    review: Option<(i64, i64)>,
    now: i64,
) -> Result<(), StoreError> {
    let Some((leitner_box, due_lesson)) = review else {
        sqlx::query("DELETE FROM quiz_reviews WHERE cohort_id = $1 AND member_id = $2 AND question_id = $3")
            .bind(cohort_id)
            .bind(member_id)
            .bind(question_id)
            .execute(conn)
            .await?;
        return Ok(());
    };
    sqlx::query(
        "INSERT INTO quiz_reviews (cohort_id, member_id, question_id, leitner_box, due_lesson, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (cohort_id, member_id, question_id) \
         DO UPDATE SET leitner_box = excluded.leitner_box, due_lesson = excluded.due_lesson, \
         updated_at = excluded.updated_at",
    )
    .bind(cohort_id)
    .bind(member_id)
    .bind(question_id)
    .bind(leitner_box)
    .bind(due_lesson)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// The member's questions due at `lessons` posted lessons, lowest box first.
pub async fn list_due_reviews(
    conn: &mut AnyConnection,
    cohort_id: i64,
    member_id: i64,
    lessons: i64,
) -> Result<Vec<ReviewRow>, StoreError> {
    let rows = sqlx::query(
        "SELECT question_id, leitner_box, due_lesson FROM quiz_reviews \
         WHERE cohort_id = $1 AND member_id = $2 AND due_lesson <= $3 \
         ORDER BY leitner_box, due_lesson, question_id",
    )
    .bind(cohort_id)
    .bind(member_id)
    .bind(lessons)
    .fetch_all(conn)
    .await?;
    rows.iter().map(ReviewRow::from_row).collect()
}
