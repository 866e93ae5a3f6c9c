//! Text enums stored in TEXT columns, and helpers that decode Any rows into them.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::error::StoreError;
use crate::domain::DayNumber;

/// Declares a fieldless enum stored as fixed TEXT values (the migrations CHECK the same set).
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

text_enum! {
    /// Chat platform that scopes channel and user ids.
    Platform { Discord = "discord", Slack = "slack", Console = "console" }
}

text_enum! {
    CohortState { Active = "active", Paused = "paused", Completed = "completed", Flagged = "flagged" }
}

text_enum! {
    /// Outbox row lifecycle: `Claimed` before the send, `Sent` once the platform returned an id.
    PostState { Claimed = "claimed", Sent = "sent", Failed = "failed", Abandoned = "abandoned" }
}

text_enum! {
    /// How a checkpoint arrived; undo is only allowed through the same channel (a removed ✅ must
    /// not undo a `/checkpoint`).
    CheckpointSource { Reaction = "reaction", Button = "button", Command = "command", Admin = "admin" }
}

text_enum! {
    /// A calendar correction: skip a local date, or set which curriculum day a date shows.
    AdjustmentKind { Skip = "skip", SetDay = "set_day" }
}

text_enum! {
    /// What `/posted` logs; the curriculum asks for both.
    ContentKind { Linkedin = "linkedin", Blog = "blog" }
}

text_enum! {
    QuizState { Open = "open", Finished = "finished", Abandoned = "abandoned" }
}

/// Decodes a TEXT column into one of the enums above, reporting unknown values as `Corrupt`.
pub(crate) fn enum_col<T>(
    row: &AnyRow,
    column: &'static str,
    parse: fn(&str) -> Option<T>,
) -> Result<T, StoreError> {
    enum_value(column, row.try_get(column)?, parse)
}

/// [`enum_col`] for a value read otherwise (from an aggregated read's JSON).
pub(crate) fn enum_value<T>(
    column: &'static str,
    text: String,
    parse: fn(&str) -> Option<T>,
) -> Result<T, StoreError> {
    parse(&text).ok_or(StoreError::Corrupt { column, value: text })
}

/// Flags are INTEGER 0/1 because a SQLite BOOLEAN column does not decode under Any.
pub(crate) fn flag_col(row: &AnyRow, column: &'static str) -> Result<bool, StoreError> {
    let value: i64 = row.try_get(column)?;
    Ok(value != 0)
}

/// A day number column: a value out of range is a corrupt row, never day 0 or some other day.
pub(super) fn day_col(row: &AnyRow, column: &'static str) -> Result<DayNumber, StoreError> {
    day_value(column, row.try_get(column)?)
}

/// [`day_col`] for a value read otherwise (from an aggregated read's JSON).
pub(super) fn day_value(column: &'static str, n: i64) -> Result<DayNumber, StoreError> {
    DayNumber::new(n).map_err(|_| StoreError::Corrupt { column, value: n.to_string() })
}

/// A nullable day number column.
pub(super) fn opt_day_col(row: &AnyRow, column: &'static str) -> Result<Option<DayNumber>, StoreError> {
    let n: Option<i64> = row.try_get(column)?;
    n.map(|n| DayNumber::new(n).map_err(|_| StoreError::Corrupt { column, value: n.to_string() })).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_enums_round_trip() {
        for s in [PostState::Claimed, PostState::Sent, PostState::Failed, PostState::Abandoned] {
            assert_eq!(PostState::parse(s.as_str()), Some(s));
        }
        assert_eq!(Platform::parse("slack"), Some(Platform::Slack));
        assert_eq!(CheckpointSource::parse("Reaction"), None);
    }
}
