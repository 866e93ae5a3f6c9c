//! `DayNumber`: a curriculum day — a whole number from 1 to [`DayNumber::MAX`] — parsed once where
//! it enters (a command, a curriculum file, a database row) and carried as this type everywhere.

use std::fmt;

/// A day number checked where it enters, so `/checkpoint day:-1` is refused with the range
/// instead of wrapping into some other day, and a corrupt row is an error instead of day 0.
/// Whether the curriculum has that day is the coach's question; this only says the number can be
/// one. It serialises as the plain number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct DayNumber(u32);

/// Why text is not a day number; the text says what was typed and what would do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be a whole number between {} and {} — got `{got}`", DayNumber::MIN, DayNumber::MAX)]
pub struct DayNumberError {
    got: String,
}

impl DayNumber {
    pub const MIN: u32 = 1;
    /// Far beyond any cycle (curricula count in the hundreds), and what Discord offers as the
    /// option's maximum when no curriculum is loaded.
    pub const MAX: u32 = 100_000;

    /// Parses a typed number; `got` in the error is the text as typed, cut short if long.
    pub fn parse(text: &str) -> Result<DayNumber, DayNumberError> {
        let text = text.trim();
        let number = text.parse::<i64>().ok();
        number
            .and_then(|n| DayNumber::new(n).ok())
            .ok_or_else(|| DayNumberError { got: crate::curriculum::text::quoted(text) })
    }

    pub fn new(n: i64) -> Result<DayNumber, DayNumberError> {
        match u32::try_from(n) {
            Ok(day) if (DayNumber::MIN..=DayNumber::MAX).contains(&day) => Ok(DayNumber(day)),
            _ => Err(DayNumberError { got: n.to_string() }),
        }
    }

    pub fn get(self) -> u32 {
        self.0
    }

    /// The day after this one, unless that is past [`DayNumber::MAX`].
    pub fn next(self) -> Option<DayNumber> {
        DayNumber::new(i64::from(self.0) + 1).ok()
    }

    /// How many days `later` comes after `self` (negative when it comes before).
    pub fn until(self, later: DayNumber) -> i64 {
        i64::from(later.0) - i64::from(self.0)
    }
}

impl TryFrom<i64> for DayNumber {
    type Error = DayNumberError;

    fn try_from(n: i64) -> Result<DayNumber, DayNumberError> {
        DayNumber::new(n)
    }
}

impl TryFrom<u32> for DayNumber {
    type Error = DayNumberError;

    fn try_from(n: u32) -> Result<DayNumber, DayNumberError> {
        DayNumber::new(i64::from(n))
    }
}

impl From<DayNumber> for i64 {
    fn from(day: DayNumber) -> i64 {
        i64::from(day.0)
    }
}

/// So `slot.day == 121` reads as it should in rules and tests.
impl PartialEq<u32> for DayNumber {
    fn eq(&self, other: &u32) -> bool {
        self.0 == *other
    }
}

impl PartialOrd<u32> for DayNumber {
    fn partial_cmp(&self, other: &u32) -> Option<std::cmp::Ordering> {
        self.0.partial_cmp(other)
    }
}

impl fmt::Display for DayNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl From<DayNumber> for u32 {
    fn from(day: DayNumber) -> u32 {
        day.0
    }
}

/// A day number from a literal a test knows is valid.
#[cfg(test)]
pub(crate) fn day(n: u32) -> DayNumber {
    DayNumber::try_from(n).expect("a valid day number")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_from_1_to_max_and_nothing_else() {
        assert_eq!(DayNumber::parse("121").map(DayNumber::get), Ok(121));
        assert_eq!(DayNumber::parse(" 1 ").map(DayNumber::get), Ok(1));
        assert_eq!(DayNumber::parse("100000").map(DayNumber::get), Ok(DayNumber::MAX));
        let cases = [
            ("-1", "got `-1`"),
            ("0", "got `0`"),
            ("100001", "got `100001`"),
            ("4294967296", "got `4294967296`"),
            ("99999999999999999999999", "got `99999999999999999999999`"),
            ("1.5", "got `1.5`"),
            ("abc", "got `abc`"),
            ("a\0b", "got `a\\0b`"),
        ];
        for (text, want) in cases {
            let err = DayNumber::parse(text).unwrap_err().to_string();
            assert_eq!(err, format!("must be a whole number between 1 and 100000 — {want}"), "{text}");
        }
        assert!(DayNumber::parse(&"9".repeat(500)).unwrap_err().to_string().ends_with("…`"));
    }
}
