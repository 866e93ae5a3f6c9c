//! What the console reads: bounded input lines, `:advance` durations and `:advance-to` instants, each refused with a reason instead of a panic.

use std::io::{self, BufRead, Read};

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};

/// The longest line the console reads; a longer one is skipped whole, so a runaway pipe (or a
/// file without newlines) cannot fill memory.
pub const MAX_LINE: usize = 64 * 1024;

/// How far one `:advance` (or `:advance-to`) may move the clock. Ten years covers any study
/// cycle; a mistyped number would otherwise run the coach through centuries of ticks.
pub const MAX_ADVANCE_DAYS: i64 = 3660;

/// One line of console input.
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    Text(String),
    /// Not UTF-8: reported and skipped, the console goes on.
    NotUtf8,
    /// Longer than [`MAX_LINE`] bytes: reported and skipped.
    TooLong,
}

/// Reads the next line (without its `\n` or `\r\n`); `None` at the end of input.
pub fn read_line<R: BufRead>(input: &mut R) -> io::Result<Option<Line>> {
    let mut bytes = Vec::new();
    let limit = MAX_LINE as u64 + 1;
    if input.by_ref().take(limit).read_until(b'\n', &mut bytes)? == 0 {
        return Ok(None);
    }
    if bytes.last() == Some(&b'\n') {
        bytes.pop();
    } else if bytes.len() > MAX_LINE {
        skip_line(input)?;
        return Ok(Some(Line::TooLong));
    }
    if bytes.last() == Some(&b'\r') {
        bytes.pop();
    }
    Ok(Some(String::from_utf8(bytes).map_or(Line::NotUtf8, Line::Text)))
}

/// Discards input up to and including the next newline, without holding it in memory.
fn skip_line<R: BufRead>(input: &mut R) -> io::Result<()> {
    loop {
        let buf = input.fill_buf()?;
        if buf.is_empty() {
            return Ok(());
        }
        match buf.iter().position(|b| *b == b'\n') {
            Some(end) => {
                input.consume(end + 1);
                return Ok(());
            }
            None => {
                let len = buf.len();
                input.consume(len);
            }
        }
    }
}

/// Why a duration or instant cannot move the clock; the text is the console's answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClockError {
    #[error("usage: :advance 1d | 3h | 30m | 45s | 2d12h")]
    Duration,
    #[error("usage: :advance-to 2026-12-01T09:00 (UTC) or 2026-12-01T09:00:00+01:00")]
    Instant,
    #[error("too far: at most {MAX_ADVANCE_DAYS} days at a time")]
    TooFar,
    #[error("the clock only moves forward")]
    Backwards,
}

/// `1d`, `3h`, `30m`, `45s`, `2d12h`: a positive duration of at most [`MAX_ADVANCE_DAYS`].
pub fn parse_duration(text: &str) -> Result<Duration, ClockError> {
    let mut seconds: u128 = 0;
    let mut number: Option<u128> = None;
    for c in text.trim().chars() {
        if let Some(digit) = c.to_digit(10) {
            // Saturates: a number this long is too far whatever its unit.
            number = Some(number.unwrap_or(0).saturating_mul(10).saturating_add(u128::from(digit)));
            continue;
        }
        let n = number.take().ok_or(ClockError::Duration)?;
        let unit: u128 = match c {
            'd' => 86_400,
            'h' => 3_600,
            'm' => 60,
            's' => 1,
            _ => return Err(ClockError::Duration),
        };
        seconds = seconds.saturating_add(n.saturating_mul(unit));
    }
    if number.is_some() || seconds == 0 {
        return Err(ClockError::Duration);
    }
    let max = MAX_ADVANCE_DAYS as u128 * 86_400;
    if seconds > max {
        return Err(ClockError::TooFar);
    }
    Ok(Duration::seconds(seconds as i64))
}

/// `2026-12-01T09:00` (UTC), `2026-12-01 09:00` or an RFC 3339 instant.
pub fn parse_instant(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
        .map(|n| n.and_utc())
}

/// The first and last instants the console clock may show: within them every date the coach
/// computes (a cycle, a cron five years ahead) stays inside what chrono can represent.
pub fn clock_range() -> (DateTime<Utc>, DateTime<Utc>) {
    let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
    let first = day(1970, 1, 1).and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    let last = day(9999, 12, 31).and_hms_opt(23, 59, 59).unwrap_or_default().and_utc();
    (first, last)
}

/// Where `:advance`/`:advance-to` may take a clock that reads `now`.
pub fn target(now: DateTime<Utc>, to: DateTime<Utc>) -> Result<DateTime<Utc>, ClockError> {
    if to < now {
        return Err(ClockError::Backwards);
    }
    if to - now > Duration::days(MAX_ADVANCE_DAYS) || to > clock_range().1 {
        return Err(ClockError::TooFar);
    }
    Ok(to)
}

/// The typed instant of `:advance-to`, within the bounds of [`target`].
pub fn advance_to(now: DateTime<Utc>, text: &str) -> Result<DateTime<Utc>, ClockError> {
    target(now, parse_instant(text).ok_or(ClockError::Instant)?)
}

/// `now` moved on by a typed duration, within the same bounds as [`target`].
pub fn advance(now: DateTime<Utc>, text: &str) -> Result<DateTime<Utc>, ClockError> {
    let by = parse_duration(text)?;
    target(now, now.checked_add_signed(by).ok_or(ClockError::TooFar)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(bytes: &[u8]) -> Vec<Line> {
        let mut input = io::BufReader::with_capacity(16, bytes);
        std::iter::from_fn(|| read_line(&mut input).unwrap()).collect()
    }

    #[test]
    fn durations_and_instants() {
        assert_eq!(parse_duration("1d"), Ok(Duration::days(1)));
        assert_eq!(parse_duration("2d12h"), Ok(Duration::hours(60)));
        assert_eq!(parse_duration("30m"), Ok(Duration::minutes(30)));
        for bad in ["", "d", "5", "1x", "-1d", "0h", "1d5", "١d"] {
            assert_eq!(parse_duration(bad), Err(ClockError::Duration), "{bad}");
        }
        let t = parse_instant("2026-12-01T09:00").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-12-01T09:00:00+00:00");
        assert_eq!(parse_instant("2026-12-01T10:00:00+01:00"), Some(t));
        assert_eq!(parse_instant("tomorrow"), None);
    }

    #[test]
    fn huge_durations_are_too_far_not_a_panic() {
        let now = parse_instant("2026-12-01T09:00").unwrap();
        for far in
            ["106751991167d", "106751991166d106751991166d", "99999999999999999999999999999999999999999d"]
        {
            assert_eq!(parse_duration(far), Err(ClockError::TooFar), "{far}");
            assert_eq!(advance(now, far), Err(ClockError::TooFar), "{far}");
        }
        assert_eq!(advance(now, &format!("{MAX_ADVANCE_DAYS}d")), Ok(now + Duration::days(MAX_ADVANCE_DAYS)));
        assert_eq!(advance(now, &format!("{MAX_ADVANCE_DAYS}d1s")), Err(ClockError::TooFar));
        let end = clock_range().1;
        assert_eq!(advance(end - Duration::hours(1), "2h"), Err(ClockError::TooFar));
        assert_eq!(target(now, now - Duration::seconds(1)), Err(ClockError::Backwards));
        let later = parse_instant("+262143-12-31T23:59:59Z");
        assert!(later.is_none_or(|t| target(now, t) == Err(ClockError::TooFar)));
    }

    #[test]
    fn lines_are_bounded_and_invalid_utf8_is_skipped() {
        let mut bytes = b"one\r\n\xff\xfe\ntwo\n".to_vec();
        bytes.extend(std::iter::repeat_n(b'x', MAX_LINE + 10));
        bytes.extend(b"\nthree");
        let expected = [
            Line::Text("one".into()),
            Line::NotUtf8,
            Line::Text("two".into()),
            Line::TooLong,
            Line::Text("three".into()),
        ];
        assert_eq!(lines(&bytes), expected);
        let exact = vec![b'y'; MAX_LINE];
        assert_eq!(lines(&exact), [Line::Text("y".repeat(MAX_LINE))]);
    }
}
