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
        return Err(UserError("Commands start with `/`, e.g. `/checkpoint` or `/help`.".into()));
    };
    let name = first.value.trim_start_matches('/').to_lowercase();
    let Some(spec) = commands::find(&name) else {
        return Err(UserError(format!("Unknown command `/{}`. Try `/help`.", quoted(&name))));
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
        let param = positional_target(sub, &raw, &token.value)?
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

/// Where a bare word goes, the way `Sub::usage` shows it: a flag of that name; else the one empty
/// choice that lists the word (two such choices are an error naming both); else the first empty
/// parameter that takes free values; else, when one choice is left empty, that choice, so that its
/// error lists what it accepts. `None`: the word has no place.
fn positional_target<'a>(
    sub: &'a Sub,
    raw: &BTreeMap<&str, String>,
    word: &str,
) -> Result<Option<&'a Param>, UserError> {
    let named_only = |p: &&Param| matches!(p.kind, Kind::Flag | Kind::Cycle);
    let empty = || sub.params.iter().filter(|p| !named_only(p) && !raw.contains_key(p.name));
    if let Some(flag) = sub.params.iter().find(|p| p.kind == Kind::Flag && p.name.eq_ignore_ascii_case(word))
    {
        return Ok(Some(flag));
    }
    let lower = word.to_lowercase();
    let listing: Vec<&Param> = empty()
        .filter(|p| matches!(p.kind, Kind::Choice(options) if options.contains(&lower.as_str())))
        .collect();
    match listing.as_slice() {
        [one] => return Ok(Some(one)),
        [] => {}
        many => {
            let names: Vec<String> =
                many.iter().map(|p| format!("`{}:{}`", p.name, quoted(&lower))).collect();
            return Err(UserError(format!(
                "`{}` could mean {}; write one of them.",
                quoted(word),
                names.join(" or ")
            )));
        }
    }
    if let Some(free) = empty().find(|p| !matches!(p.kind, Kind::Choice(_))) {
        return Ok(Some(free));
    }
    let mut choices = empty();
    Ok(match (choices.next(), choices.next()) {
        (Some(only), None) => Some(only),
        _ => None,
    })
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
        Kind::Word | Kind::Cycle | Kind::User | Kind::Text if text.is_empty() => {
            Err(format!("`{name}` is empty."))
        }
        Kind::Word | Kind::Cycle | Kind::User | Kind::Text => Ok(Value::Text(text.to_string())),
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
mod tests;
