//! `studybot schedule`: lists a cron schedule's next lesson instants so an organizer can check it.

use std::process::ExitCode;

use anyhow::anyhow;
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, SecondsFormat, Utc};
use clap::Args;

use crate::curriculum::text::quoted;
use crate::domain::{CronSpec, Timezone, local_instant, upcoming};

/// Appended to every input error: a working command line is the quickest way to a fix.
const TRY: &str = r#"try --cron "0 9 * * MON-FRI" --tz Europe/Berlin"#;

// The variant's doc comment in `Command` is the about text; the rules live here, beside the code.
#[derive(Debug, Args)]
#[command(after_help = r#"Output:
  One line per lesson date, the instant in RFC 3339 with the timezone's offset at that moment,
  always numeric (+00:00 for UTC, never Z), so clock changes are visible. Lessons are keyed by
  local date: a time that a spring-forward gap skips moves to the first instant after the gap,
  and a time that fall-back repeats is taken the first time, so every date gets exactly one.

Examples:
  studybot schedule --cron "0 9 * * MON-FRI" --tz Europe/Berlin
  studybot schedule --cron "30 2 * * *" --tz Europe/Berlin --from 2026-03-27 --count 5
    2026-03-27T02:30:00+01:00
    2026-03-28T02:30:00+01:00
    2026-03-29T03:00:00+02:00   (02:30 does not exist that night: first instant after the jump)
    2026-03-30T02:30:00+02:00
    2026-03-31T02:30:00+02:00
"#)]
pub struct ScheduleArgs {
    /// Cron expression: minute hour day-of-month month day-of-week, in local time,
    /// e.g. "0 9 * * MON-FRI" (weekdays at 09:00) or "30 18 * * 1,3" (Mon and Wed at 18:30)
    #[arg(long, value_name = "EXPR")]
    cron: String,

    /// IANA timezone the cron times are read in, e.g. Europe/Berlin, America/New_York or UTC
    #[arg(long, value_name = "TZ")]
    tz: String,

    /// List instants strictly after this moment [default: now]. RFC 3339 with an offset
    /// (2026-03-27T00:00:00Z, 2026-03-27T08:00:00+01:00), or a local date or date-time in --tz
    /// (2026-03-27 means its midnight, 2026-03-27T08:00)
    #[arg(long, value_name = "DATETIME")]
    from: Option<String>,

    /// How many instants to print, 1 to 1000, e.g. --count 30
    #[arg(long, value_name = "N", default_value_t = 10,
          value_parser = clap::value_parser!(u16).range(1..=1000))]
    count: u16,
}

pub fn run(args: &ScheduleArgs) -> anyhow::Result<ExitCode> {
    let spec = CronSpec::parse(&args.cron).map_err(|e| anyhow!("{e} — {TRY}"))?;
    let tz = Timezone::parse(&args.tz).map_err(|e| anyhow!("{e} — {TRY}"))?;
    let after = match &args.from {
        Some(text) => parse_from(text, &tz)?,
        None => Utc::now(),
    };
    let count = usize::from(args.count);
    let instants = upcoming(&spec, &tz, after, count);
    if instants.is_empty() {
        let spec = quoted(spec.as_str());
        return Err(anyhow!("schedule `{spec}` never fires in the next five years in {tz} — {TRY}"));
    }
    let mut text = String::new();
    for at in &instants {
        text.push_str(&at.to_rfc3339_opts(SecondsFormat::Secs, false));
        text.push('\n');
    }
    if instants.len() < count {
        // Not an error: a yearly schedule is legitimate, the organizer just sees fewer lines.
        eprintln!("note: only {} of {count} instants within the next five years", instants.len());
    }
    super::curriculum::print_stdout(&text)
}

/// An instant from RFC 3339, or a date / date-time without offset read as wall-clock time in
/// `tz` — organizers think in their group's local time, so that form needs no offset arithmetic.
fn parse_from(text: &str, tz: &Timezone) -> anyhow::Result<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at.to_utc());
    }
    let local = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .or_else(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok().map(|d| d.and_time(NaiveTime::MIN)));
    // The same gap/overlap rule as lesson times, so a --from in a DST change is never rejected.
    local.map(|at| local_instant(tz.tz(), at.date(), at.time())).ok_or_else(|| {
        let text = quoted(text);
        anyhow!(
            "--from `{text}` is not a date or time; write 2026-03-27, 2026-03-27T08:00 (in --tz) \
             or 2026-03-27T08:00:00+01:00 — {TRY}"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn berlin() -> Timezone {
        Timezone::parse("Europe/Berlin").unwrap()
    }

    #[test]
    fn from_accepts_rfc3339_and_local_forms() {
        let cases = [
            ("2026-03-27T00:00:00Z", "2026-03-27T00:00:00+00:00"),
            ("2026-03-27T08:00:00+01:00", "2026-03-27T07:00:00+00:00"),
            ("2026-03-27", "2026-03-26T23:00:00+00:00"),
            ("2026-03-27T08:00", "2026-03-27T07:00:00+00:00"),
            ("2026-03-27 08:00:30", "2026-03-27T07:00:30+00:00"),
            // Inside the spring-forward gap: the first instant after it.
            ("2026-03-29T02:30", "2026-03-29T01:00:00+00:00"),
            // Inside the fall-back overlap: the first occurrence (still +02:00).
            ("2026-10-25T02:30", "2026-10-25T00:30:00+00:00"),
        ];
        for (input, expected) in cases {
            let at = parse_from(input, &berlin()).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(at.to_rfc3339_opts(SecondsFormat::Secs, false), expected, "{input}");
        }
    }

    #[test]
    fn from_rejects_other_text_with_an_example() {
        for input in ["tomorrow", "27.03.2026", "2026-02-30", ""] {
            let message = parse_from(input, &berlin()).expect_err(input).to_string();
            assert!(message.contains("2026-03-27T08:00") && message.contains("--cron"), "{message}");
        }
    }
}
