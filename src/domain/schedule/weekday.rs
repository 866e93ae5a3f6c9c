//! Day-of-week translation: Unix cron numbers (0/7 = Sunday) to names the cron crate (1 = Sunday) reads alike.

use std::collections::BTreeSet;

const NAMES: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// Rewrites a 5-field day-of-week field so numbers mean what Unix cron users expect:
/// `1-5` → `MON-FRI`, `0,6` → `SUN,SAT`, `1-5/2` → `MON,WED,FRI`. Items without numbers in
/// their base (names, `*`, `?`, `*/2`, `MON-FRI/2`) already agree between the two and pass
/// through untouched. The error is a reason phrase for [`super::ScheduleError::DayOfWeek`].
pub(super) fn translate(field: &str) -> Result<String, String> {
    let items: Vec<String> = field.split(',').map(translate_item).collect::<Result<_, _>>()?;
    Ok(items.join(","))
}

fn translate_item(item: &str) -> Result<String, String> {
    let (base, step) = match item.split_once('/') {
        Some((base, step)) => (base, Some(parse_step(item, step)?)),
        None => (item, None),
    };
    if !base.bytes().any(|b| b.is_ascii_digit()) {
        return Ok(item.to_string());
    }
    let (first, last) = match base.split_once('-') {
        Some((first, last)) => (parse_day(item, first)?, parse_day(item, last)?),
        // `2/3` means "from Tuesday on, every third day", as in cronie.
        None => {
            let day = parse_day(item, base)?;
            (day, if step.is_some() { 7 } else { day })
        }
    };
    if first > last {
        return Err(format!("`{item}` runs backwards; write the earlier day first, e.g. `1-5`"));
    }
    let days: BTreeSet<usize> = (first..=last).step_by(step.unwrap_or(1)).map(|day| day % 7).collect();
    Ok(names(&days))
}

fn parse_day(item: &str, token: &str) -> Result<usize, String> {
    match token.parse::<usize>() {
        Ok(day) if day <= 7 => Ok(day),
        Ok(_) => Err(format!("`{item}` is out of range: use 0-7 (0 and 7 = Sunday) or SUN-SAT")),
        Err(_) => Err(format!("`{item}` mixes names and numbers or is not a day; use 0-7 or SUN-SAT")),
    }
}

fn parse_step(item: &str, step: &str) -> Result<usize, String> {
    match step.parse::<usize>() {
        Ok(step) if (1..=7).contains(&step) => Ok(step),
        _ => Err(format!("`{item}` has an invalid step; use 1-7, e.g. `*/2`")),
    }
}

/// Days (0 = Sunday) as names, consecutive runs folded into ranges: {1..=5} → `MON-FRI`.
fn names(days: &BTreeSet<usize>) -> String {
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for &day in days {
        match runs.last_mut() {
            Some((_, end)) if *end + 1 == day => *end = day,
            _ => runs.push((day, day)),
        }
    }
    let parts: Vec<String> = runs
        .into_iter()
        .map(|(start, end)| match start == end {
            true => NAMES[start].to_string(),
            false => format!("{}-{}", NAMES[start], NAMES[end]),
        })
        .collect();
    parts.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_become_names_and_names_pass_through() {
        let cases = [
            ("1-5", "MON-FRI"),
            ("0,6", "SUN,SAT"),
            ("0", "SUN"),
            ("7", "SUN"),
            ("6,7", "SAT,SUN"),
            ("0-6", "SUN-SAT"),
            ("1-7", "SUN-SAT"),
            ("5-7", "SUN,FRI-SAT"),
            ("1,3,5", "MON,WED,FRI"),
            ("1-5/2", "MON,WED,FRI"),
            ("0-6/3", "SUN,WED,SAT"),
            ("2/3", "TUE,FRI"),
            ("1/2", "SUN-MON,WED,FRI"),
            ("1-2,4-5", "MON-TUE,THU-FRI"),
            ("MON-FRI", "MON-FRI"),
            ("mon,wed", "mon,wed"),
            ("SAT,0", "SAT,SUN"),
            ("MON-FRI/2", "MON-FRI/2"),
            ("*", "*"),
            ("?", "?"),
            ("*/2", "*/2"),
        ];
        for (input, expected) in cases {
            assert_eq!(translate(input).as_deref(), Ok(expected), "input {input}");
        }
    }

    #[test]
    fn bad_fields_say_what_is_wrong() {
        let cases = [
            ("8", "out of range"),
            ("1-9", "out of range"),
            ("5-1", "backwards"),
            ("MON-5", "mixes names and numbers"),
            ("1-5/0", "invalid step"),
            ("*/x", "invalid step"),
        ];
        for (input, expected) in cases {
            let err = translate(input).expect_err(input);
            assert!(err.contains(expected), "input {input}: {err}");
        }
    }
}
