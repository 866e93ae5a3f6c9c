//! Coach errors: a `UserError` is shown to the chat user; anything else is logged with its cause chain.

use crate::store::StoreError;

/// Something the user can fix; its text is the reply.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct UserError(pub String);

#[derive(Debug, thiserror::Error)]
pub enum CoachError {
    #[error(transparent)]
    User(#[from] UserError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
    /// The channel runs no cohort. `Coach::try_handle` turns it into a reply that fits who asked
    /// and where (`coach/elsewhere.rs`), which the use case that found it does not know.
    #[error("this channel has no study cohort")]
    NoCohort,
}

pub type CoachResult<T> = Result<T, CoachError>;

/// `user_error!("day {} is not posted yet", day)`: return early with a reply for the user.
#[macro_export]
macro_rules! user_error {
    ($($arg:tt)*) => {
        return Err($crate::coach::error::UserError(format!($($arg)*)).into())
    };
}
