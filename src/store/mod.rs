//! Storage: the only place with SQL, over sqlx Any on SQLite and PostgreSQL.
//!
//! Every query is written once with `$1..$n` placeholders and only integer, text and blob
//! columns, so it runs unchanged on both backends. Invariants (one post per cohort and day, one
//! checkpoint per member and day, one cohort per channel, replayed events) are UNIQUE constraints
//! in the migrations; the functions here turn a conflict into an outcome value instead of relying
//! on a read-then-write check.
//!
//! Each repository function takes `&mut AnyConnection`, so it also runs inside a transaction from
//! [`Store::begin`]; `Store` has a same-named method that borrows a pooled connection.

mod backend;
mod checkpoints;
mod cohorts;
mod error;
mod members;
mod outbox;
mod pool;
mod quiz;
mod types;

pub use crate::redact::redact_url;
pub use backend::Backend;
pub use checkpoints::{
    Checkpoint, CheckpointOutcome, NewCheckpoint, get_checkpoint, mark_event_processed, record_checkpoint,
    undo_checkpoint,
};
pub use cohorts::{
    Cohort, DEFAULT_CATCH_UP, DEFAULT_MAX_LATENESS_SECS, DEFAULT_QUIZ_SECONDS, NewCohort, create_cohort,
    delete_cohort, find_cohort_by_channel, get_cohort, set_cohort_state,
};
pub use error::StoreError;
pub use members::{CohortMember, Member, add_cohort_member, list_cohort_members, upsert_member};
pub use outbox::{
    Claim, LessonPost, NewLessonPost, claim_post, complete_post, find_post_by_message, get_post,
    list_unconfirmed_posts,
};
pub use pool::Store;
pub use quiz::{
    NewQuizAttempt, QuizAnswer, QuizAttempt, QuizStart, finish_quiz_attempt, record_quiz_answer,
    start_quiz_attempt,
};
pub use types::{CheckpointSource, CohortState, Platform, PostState, QuizState};
