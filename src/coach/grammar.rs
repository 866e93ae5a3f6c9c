//! The command grammar shared by every platform: `/name sub key:value …`, values quoted or running to the next `key:`.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::commands::{self, Kind, MODULE_MAX, Param, Spec, Sub};
use super::error::UserError;
use crate::curriculum::text::quoted;
use crate::domain::DayNumber;

/// A command bound to its table entry, with typed values.
#[derive(Debug, Clone)]
pub struct Call {
    pub spec: &'static Spec,
    pub sub: &'static Sub,
    values: BTreeMap<&'static str, Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Int(i64),
    Day(DayNumber),
    Date(NaiveDate),
    Text(String),
    Flag,
}

impl Call {
    pub fn int(&self, name: &str) -> Option<i64> {
        match self.values.get(name) {
            Some(Value::Int(n)) => Some(*n),
            _ => None,
        }
    }

    pub fn day(&self, name: &str) -> Option<DayNumber> {
        match self.values.get(name) {
            Some(Value::Day(d)) => Some(*d),
            _ => None,
        }
    }

    pub fn date(&self, name: &str) -> Option<NaiveDate> {
        match self.values.get(name) {
            Some(Value::Date(d)) => Some(*d),
            _ => None,
        }
    }

    /// Text, word, URL and choice values.
    pub fn text(&self, name: &str) -> Option<&str> {
        match self.values.get(name) {
            Some(Value::Text(t)) => Some(t),
            _ => None,
        }
    }

    pub fn flag(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }

    pub fn usage(&self) -> String {
        self.sub.usage(self.spec.name)
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Token {
    key: Option<String>,
    value: String,
    quoted: bool,
}

/// Parses chat text such as `/studybot setup curriculum:x schedule:0 9 * * MON-FRI timezone:UTC`.
pub fn parse(text: &str) -> Result<Call, UserError> {
    let tokens = tokenize(text.trim())?;
    let Some(first) = tokens.first().filter(|t| t.key.is_none() && t.value.starts_with('/')) else {
        return Err(UserError("Commands start with `/`, e.g. `/checkpoint` or `/studybot help`.".into()));
    };
    let name = first.value.trim_start_matches('/').to_lowercase();
    let Some(spec) = commands::find(&name) else {
        return Err(UserError(format!("Unknown command `/{}`. Try `/studybot help`.", quoted(&name))));
    };
    let mut rest = &tokens[1..];
    let sub = if spec.has_subcommands() {
        let word = rest.first().filter(|t| t.key.is_none()).map(|t| t.value.to_lowercase());
        let word = word.unwrap_or_else(|| "help".into());
        rest = rest.get(1..).unwrap_or_default();
        spec.sub(&word).ok_or_else(|| {
            let names: Vec<_> = spec.subs.iter().map(|s| s.name).collect();
            let word = quoted(&word);
            UserError(format!("Unknown subcommand `{word}` of /{name}; try one of: {}.", names.join(", ")))
        })?
    } else {
        &spec.subs[0]
    };
    bind_tokens(spec, sub, rest)
}

/// Binds options given by name (Discord's slash-command options) against the same table.
pub fn bind(name: &str, sub: &str, options: &[(String, String)]) -> Result<Call, UserError> {
    let unknown = |what: String| UserError(format!("Unknown {what}."));
    let spec = commands::find(name).ok_or_else(|| unknown(format!("command `/{}`", quoted(name))))?;
    let sub = spec.sub(sub).ok_or_else(|| unknown(format!("subcommand `{}` of /{name}", quoted(sub))))?;
    let tokens: Vec<Token> = options
        .iter()
        .filter(|(_, v)| v != "false")
        .map(|(k, v)| Token { key: Some(k.clone()), value: v.clone(), quoted: true })
        .collect();
    bind_tokens(spec, sub, &tokens)
}

fn bind_tokens(spec: &'static Spec, sub: &'static Sub, tokens: &[Token]) -> Result<Call, UserError> {
    let usage = || format!("Usage: `{}`", sub.usage(spec.name));
    let mut raw: BTreeMap<&'static str, String> = BTreeMap::new();
    let mut open_text: Option<&'static str> = None;
    for token in tokens {
        if let Some(key) = &token.key {
            let param = sub.params.iter().find(|p| p.name == key.to_lowercase()).ok_or_else(|| {
                UserError(format!("`/{}` has no option `{}:`. {}", spec.name, quoted(key), usage()))
            })?;
            raw.insert(param.name, token.value.clone());
            open_text = (param.kind == Kind::Text && !token.quoted).then_some(param.name);
            continue;
        }
        if let Some(name) = open_text {
            let value = raw.entry(name).or_default();
            value.push(' ');
            value.push_str(&token.value);
            continue;
        }
        let param = positional_target(sub, &raw, &token.value)
            .ok_or_else(|| UserError(format!("Unexpected `{}`. {}", quoted(&token.value), usage())))?;
        raw.insert(param.name, token.value.clone());
        open_text = (param.kind == Kind::Text && !token.quoted).then_some(param.name);
    }
    let mut values = BTreeMap::new();
    for param in sub.params {
        match raw.get(param.name) {
            Some(text) => {
                values.insert(
                    param.name,
                    convert(param, text.trim()).map_err(|e| UserError(format!("{e} {}", usage())))?,
                );
            }
            None if param.required => {
                return Err(UserError(format!("`{}` is required. {}", param.name, usage())));
            }
            None => {}
        }
    }
    Ok(Call { spec, sub, values })
}

/// A plain word fills a flag of that name, else the first parameter still empty.
fn positional_target<'a>(sub: &'a Sub, raw: &BTreeMap<&str, String>, word: &str) -> Option<&'a Param> {
    let flag = sub.params.iter().find(|p| p.kind == Kind::Flag && p.name.eq_ignore_ascii_case(word));
    flag.or_else(|| sub.params.iter().find(|p| p.kind != Kind::Flag && !raw.contains_key(p.name)))
}

fn convert(param: &Param, text: &str) -> Result<Value, String> {
    let name = param.name;
    // Checked before any kind: PostgreSQL refuses NUL in text where SQLite stores it, and no
    // control character means anything in a member, an item or a link, so both refuse alike.
    if let Some(c) = control_character(text) {
        return Err(format!("`{name}` contains a control character ({}); remove it.", c.escape_debug()));
    }
    let shown = quoted(text);
    match param.kind {
        Kind::Day => DayNumber::parse(text).map(Value::Day).map_err(|e| format!("`{name}` {e}.")),
        Kind::Int => match text.parse::<i64>() {
            Ok(n) if (1..=MODULE_MAX).contains(&n) => Ok(Value::Int(n)),
            _ => Err(format!("`{name}` must be a whole number between 1 and {MODULE_MAX} — got `{shown}`.")),
        },
        Kind::Bounded(min, max) => match text.parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(Value::Int(n)),
            _ => Err(format!("`{name}` must be a whole number from {min} to {max}, not `{shown}`.")),
        },
        Kind::Date => NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map(Value::Date)
            .map_err(|_| format!("`{name}` must be a date like 2026-12-01, not `{shown}`.")),
        Kind::Flag => Ok(Value::Flag),
        Kind::Choice(options) => {
            let lower = text.to_lowercase();
            match options.iter().find(|o| **o == lower) {
                Some(o) => Ok(Value::Text((*o).to_string())),
                None => Err(format!("`{name}` must be one of {}, not `{shown}`.", options.join(", "))),
            }
        }
        Kind::Url => match url::Url::parse(text) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {
                Ok(Value::Text(text.into()))
            }
            _ => Err(format!("`{name}` must be a full link like https://example.com/post, not `{shown}`.")),
        },
        Kind::Word | Kind::Text if text.is_empty() => Err(format!("`{name}` is empty.")),
        Kind::Word | Kind::Text => Ok(Value::Text(text.to_string())),
    }
}

/// The first control character of `text` other than tab and line breaks (which are whitespace
/// to the grammar): typed input containing one is refused on every platform.
pub fn control_character(text: &str) -> Option<char> {
    text.chars().find(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
}

/// Splits on whitespace, keeping `"quoted text"` and `key:"quoted text"` together.
fn tokenize(text: &str) -> Result<Vec<Token>, UserError> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let mut word = String::new();
        let mut key = None;
        let mut quoted = false;
        while let Some(&c) = chars.peek() {
            if c.is_whitespace() {
                break;
            }
            chars.next();
            if c == '"' || c == '\u{201c}' {
                quoted = true;
                word.push_str(&read_quoted(&mut chars)?);
            } else if c == ':' && key.is_none() && !quoted && is_key(&word) && chars.peek() != Some(&'/') {
                key = Some(std::mem::take(&mut word));
            } else {
                word.push(c);
            }
        }
        tokens.push(Token { key, value: word, quoted });
    }
    Ok(tokens)
}

fn read_quoted(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Result<String, UserError> {
    let mut out = String::new();
    for c in chars.by_ref() {
        if c == '"' || c == '\u{201d}' {
            return Ok(out);
        }
        out.push(c);
    }
    Err(UserError("A quote `\"` is not closed.".into()))
}

/// `day`, `set-day`, `remind_hours`: what may stand before a `:` as an option name.
fn is_key(word: &str) -> bool {
    let mut chars = word.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setup_with_spaced_cron_and_quotes() {
        let call =
            parse("/studybot setup curriculum:lakehouse start:2026-12-01 schedule:0 9 * * MON-FRI timezone:Europe/Berlin")
                .unwrap();
        assert_eq!(call.sub.name, "setup");
        assert_eq!(call.text("curriculum"), Some("lakehouse"));
        assert_eq!(call.date("start"), NaiveDate::from_ymd_opt(2026, 12, 1));
        assert_eq!(call.text("schedule"), Some("0 9 * * MON-FRI"));
        assert_eq!(call.text("timezone"), Some("Europe/Berlin"));
        let quoted = parse("/studybot setup curriculum:x schedule:\"30 2 * * *\" timezone:UTC").unwrap();
        assert_eq!(quoted.text("schedule"), Some("30 2 * * *"));
    }

    #[test]
    fn positionals_flags_and_defaults() {
        let call = parse("/checkpoint day:123 undo").unwrap();
        assert_eq!((call.day("day").map(u32::from), call.flag("undo")), (Some(123), true));
        let call = parse("/checkpoint").unwrap();
        assert_eq!((call.day("day"), call.flag("undo")), (None, false));
        let call = parse("/studybot set-day 130").unwrap();
        assert_eq!(call.day("day").map(u32::from), Some(130));
        let call = parse("/studybot holiday add 2026-12-24").unwrap();
        assert_eq!(
            (call.text("action"), call.date("date")),
            (Some("add"), NaiveDate::from_ymd_opt(2026, 12, 24))
        );
        let call = parse("/assess Delta Lake and Apache Iceberg expertise").unwrap();
        assert_eq!(call.text("item"), Some("Delta Lake and Apache Iceberg expertise"));
        let call = parse("/posted linkedin https://www.linkedin.com/posts/x day:121").unwrap();
        assert_eq!(call.text("url"), Some("https://www.linkedin.com/posts/x"));
        assert_eq!(call.day("day").map(u32::from), Some(121));
        let call = parse("/leaderboard by:streak").unwrap();
        assert_eq!((call.text("by"), call.text("action")), (Some("streak"), None));
        assert_eq!(parse("/studybot").unwrap().sub.name, "help");
        let call = parse("/studybot curriculum apply reason:fixed the typos in day 130").unwrap();
        assert_eq!(call.sub.name, "curriculum");
        assert_eq!(
            (call.text("action"), call.text("reason")),
            (Some("apply"), Some("fixed the typos in day 130"))
        );
        assert_eq!(parse("/studybot curriculum").unwrap().text("action"), None);
    }

    #[test]
    fn bad_input_gets_a_reason_and_the_usage() {
        let cases = [
            ("checkpoint", "start with `/`"),
            ("/nope", "Unknown command `/nope`"),
            ("/studybot frobnicate", "Unknown subcommand `frobnicate`"),
            ("/checkpoint day:abc", "`day` must be a whole number"),
            ("/checkpoint day:-1", "`day` must be a whole number between 1 and 100000 — got `-1`."),
            ("/checkpoint day:0", "between 1 and 100000 — got `0`."),
            ("/checkpoint day:4294967295", "between 1 and 100000 — got `4294967295`."),
            ("/studybot set-day -5", "`day` must be a whole number between 1 and 100000 — got `-5`."),
            ("/studybot preview day:99999999999999999999", "got `99999999999999999999`."),
            ("/posted blog https://example.com/x day:0", "`day` must be a whole number between 1"),
            ("/studybot setup curriculum:x day:-1", "`day` must be a whole number between 1"),
            ("/quiz module:-1", "`module` must be a whole number between 1 and 10000 — got `-1`."),
            ("/quiz module:0", "`module` must be a whole number between 1"),
            ("/progress member:a\0b", "`member` contains a control character (\\0); remove it."),
            ("/assess item\u{1b}[31m", "`item` contains a control character (\\u{1b})"),
            ("/posted blog https://example.com/\u{7}", "`url` contains a control character"),
            ("/remind o\0n", "`state` contains a control character"),
            ("/stre\0ak", "Unknown command `/stre\\0ak`"),
            ("/streak \u{1}", "Unexpected `\\u{1}`"),
            ("/checkpoint colour:red", "has no option `colour:`"),
            ("/studybot holiday add 24.12.2026", "must be a date like 2026-12-01"),
            ("/studybot holiday", "`action` is required"),
            ("/remind maybe", "must be one of on, off"),
            ("/posted blog not-a-url", "must be a full link"),
            ("/streak extra", "Unexpected `extra`"),
            ("/assess \"unclosed", "not closed"),
        ];
        for (text, want) in cases {
            let err = parse(text).unwrap_err().0;
            assert!(err.contains(want), "{text}: {err}");
        }
        assert!(
            parse("/checkpoint day:abc").unwrap_err().0.contains("Usage: `/checkpoint [day:<day>] [undo]`")
        );
    }

    #[test]
    fn discord_options_bind_to_the_same_table() {
        let call =
            bind("checkpoint", "", &[("day".into(), "121".into()), ("undo".into(), "true".into())]).unwrap();
        assert_eq!((call.day("day").map(u32::from), call.flag("undo")), (Some(121), true));
        assert!(bind("studybot", "setup", &[]).unwrap_err().0.contains("`curriculum` is required"));
    }
}
