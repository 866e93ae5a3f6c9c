//! Storage: the only place with SQL, over sqlx Any on SQLite and PostgreSQL.
//!
//! Every query is written once with `$1..$n` placeholders and only integer, text and blob
//! columns, so it runs unchanged on both backends. Invariants (one post per cohort and day, one
//! checkpoint per member and day, one current cohort per channel, replayed events) are UNIQUE constraints
//! in the migrations; the functions here turn a conflict into an outcome value instead of relying
//! on a read-then-write check.
//!
//! Each repository function takes `&mut AnyConnection`, so it also runs inside a transaction from
//! [`Store::begin`]; `Store` has a same-named method that borrows a pooled connection.

mod activity;
mod audit;
mod backend;
mod backup;
pub mod batch;
mod calendar;
mod changes;
mod checkpoints;
// Its `cohort_columns!` is used by `cycles`.
#[macro_use]
mod cohorts;
mod copy;
mod corrections;
mod cycles;
mod dashboard;
mod error;
mod forget;
mod health;
mod history;
mod jobs;
mod json_rows;
pub mod lease;
mod members;
mod outbox;
mod pool;
mod quiz;
mod ranges;
mod review;
mod shards;
mod stats;
mod tx;
mod types;
mod versions;

pub use crate::redact::redact_url;
pub use activity::{
    ContentPost, NewContentPost, add_content_post, list_assessment_ticks, list_cohort_assessment_ticks,
    list_cohort_content_posts, list_content_posts, notice_once, tick_assessment,
};
pub use audit::{AuditEntry, NewAudit, list_audit, list_recent_audit, record_audit};
pub use backend::Backend;
pub use backup::{BackupError, BackupInfo, Restored, backup_sqlite, inspect, restore_sqlite, sqlite_file};
pub use calendar::{
    AdjustmentRow, CalendarRows, add_adjustment, add_holiday, calendar_rows, end_pause, list_adjustments,
    list_holidays, list_pauses, remove_holiday, scheduled_calendar_rows, start_pause,
};
pub use changes::{
    Wakeup, channel_cohort_stamp, cohort_stamp, cohort_stamps, cohorts_changed_since, save_wakeups,
    valid_wakeups,
};
pub use checkpoints::{
    Checkpoint, CheckpointOutcome, NewCheckpoint, count_checkpoints_by_day, get_checkpoint,
    list_checkpoints_between, list_cohort_checkpoints, list_day_checkins, list_member_checkpoints,
    mark_event_processed, purge_processed_events, purge_processed_events_batch, record_checkpoint,
    undo_checkpoint,
};
pub use cohorts::{
    Cohort, DEFAULT_CATCH_UP, DEFAULT_GRACE_SECS, DEFAULT_LEADERBOARD_SCHEDULE, DEFAULT_MAX_LATENESS_SECS,
    DEFAULT_QUIZ_SECONDS, DEFAULT_REMINDER_HOURS, NewCohort, complete_cohort, create_cohort, delete_cohort,
    find_cohort_by_channel, get_cohort, list_active_cohorts, list_cohorts, schedule_epoch, set_cohort_start,
    set_cohort_state, set_quiz_seconds, update_cohort_catch_up, update_cohort_schedule,
    update_cohort_settings,
};
pub use copy::{CopyError, CopyReport, Digest256, TableReport, copy_database};
pub use corrections::{delete_checkpoint, excuse_day, list_cohort_excusals, list_excused_days, unexcuse_day};
pub use cycles::{
    JourneyStats, QueuedCycle, archive_cohort, carry_members, delete_queued_cycle, get_queued_cycle,
    journey_stats, list_channel_cycles, put_queued_cycle, unarchive_cohort,
};
pub use dashboard::{is_dashboard_public, set_dashboard_public};
pub use error::StoreError;
pub use forget::{Deleted, cohort_deletions, forget_everywhere, forget_in_cohort, record_deletion};
pub use health::ActiveCounts;
pub use history::{SchemaHistory, latest_version, schema_history};
pub use jobs::claim_job;
pub use members::{
    CohortMember, Member, add_cohort_member, enrol_member, ensure_member, find_member, get_cohort_member,
    list_cohort_member_profiles, list_cohort_members, set_leaderboard_optout, set_left, set_remind,
    set_review_warmup, upsert_member,
};
pub use outbox::{
    Claim, LessonPost, NewLessonPost, SentPost, claim_post, close_post, cohorts_with_unconfirmed_posts,
    complete_post, defer_post, find_post_by_message, get_post, list_posts, list_sent_since,
    list_unconfirmed_posts, reclaim_post, reopen_post,
};
pub use pool::Store;
pub use quiz::{
    NewQuizAttempt, QuizAnswer, QuizAttempt, QuizStart, ask_question, counted_quiz_score,
    counted_quiz_scores, expire_attempts, finish_quiz_attempt, get_attempt, list_attempt_answers,
    record_quiz_answer, set_pending, start_quiz_attempt,
};
pub use ranges::{CheckpointWeights, RangeScore, checkpoint_scores, quiz_scores};
pub use review::{ReviewRow, get_review, list_due_reviews, put_review};
pub use stats::{
    MemberStats, StatsOrder, get_member_stats, list_member_stats, top_member_stats, upsert_member_stats,
};
pub use tx::{Tx, WriteConn};
pub use types::{AdjustmentKind, CheckpointSource, CohortState, ContentKind, Platform, PostState, QuizState};
pub use versions::{
    CurriculumVersion, bind_cohort_version, get_curriculum_version, put_curriculum_version,
    set_cohort_version,
};
