//! Coach text as Slack mrkdwn: escaped so it cannot ping or link, Discord-style bold and commands made Slack's.

use crate::coach::commands::COMMANDS;

/// Words that notify a whole channel when Slack parses them after `@`.
const BROADCASTS: [&str; 3] = ["here", "channel", "everyone"];
/// Between `@` and `here` it keeps the text readable and stops Slack from seeing `@here`.
const JOINER: char = '\u{200d}';

/// Text as Slack shows it literally: `&`, `<` and `>` become entities, so `<!channel>`, `<@U1>`
/// and `<https://x|y>` cannot ping or link, and `@here`, `@channel`, `@everyone` get a
/// zero-width joiner after the `@`. Formatting characters (`*`, `_`, `` ` ``) are kept: the
/// coach uses them on purpose and they cannot notify anyone.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '@' => {
                out.push('@');
                if broadcast_follows(&text[i + 1..]) {
                    out.push(JOINER);
                }
            }
            _ => out.push(c),
        }
    }
    out
}

/// `here`, `channel` or `everyone` as a whole word (any case): `@herald` names nobody.
fn broadcast_follows(rest: &str) -> bool {
    BROADCASTS.iter().any(|word| {
        let whole = rest.get(..word.len()).is_some_and(|p| p.eq_ignore_ascii_case(word));
        let next = rest.get(word.len()..).and_then(|r| r.chars().next());
        whole && !next.is_some_and(char::is_alphanumeric)
    })
}

/// Labels, titles and button text stay on one line, with runs of whitespace as one space.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Text for a `plain_text` object (a header, a button label): on one line, otherwise as written.
/// Slack decodes `&amp;`, `&lt;` and `&gt;` only where it parses mrkdwn; a `plain_text` object
/// has no formatting and no mentions, so it is shown literally and escaping it would show
/// members `&amp;`.
pub fn plain(text: &str) -> String {
    one_line(text)
}

/// Coach text as mrkdwn: escaped, then Discord's `**bold**` as Slack's `*bold*`.
pub fn mrkdwn(text: &str) -> String {
    bold(&escape(text))
}

/// `**` becomes `*` outside backticks; inside code the text stays as written.
fn bold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut code = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '`' {
            code = !code;
        } else if c == '*' && !code && chars.peek() == Some(&'*') {
            chars.next();
        }
        out.push(c);
    }
    out
}

/// The coach names commands as Discord has them (`/checkpoint day:123`); Slack gives the app one
/// command, so there the same command is `/studybot checkpoint day:123` (see `text::command_line`).
/// Only a `/name` that starts a word and names a top-level command is rewritten, so links and
/// paths such as `https://x.io/quiz` stay as they are.
pub fn slack_commands(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut previous: Option<char> = None;
    for (i, c) in text.char_indices() {
        out.push(c);
        let starts_word = previous.is_none_or(|p| p.is_whitespace() || matches!(p, '`' | '(' | '"' | '“'));
        if c == '/' && starts_word && names_a_command(&text[i + 1..]) {
            out.push_str("studybot ");
        }
        previous = Some(c);
    }
    out
}

fn names_a_command(rest: &str) -> bool {
    let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_')).unwrap_or(rest.len());
    let (word, after) = rest.split_at(end);
    word != "studybot" && !after.starts_with('/') && COMMANDS.iter().any(|spec| spec.name == word)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_text_cannot_ping_or_link() {
        let cases = [
            ("<!channel>", "&lt;!channel&gt;"),
            ("<!here|here>", "&lt;!here|here&gt;"),
            ("<@U123> and <#C1|general>", "&lt;@U123&gt; and &lt;#C1|general&gt;"),
            ("<!subteam^S1>", "&lt;!subteam^S1&gt;"),
            ("@here", "@\u{200d}here"),
            ("hi @Channel and @EVERYONE!", "hi @\u{200d}Channel and @\u{200d}EVERYONE!"),
            ("mail me@herald.example or @here.", "mail me@herald.example or @\u{200d}here."),
            ("@hero @ here @here_x @", "@hero @ here @\u{200d}here_x @"),
            ("*bold* _it_ ~s~", "*bold* _it_ ~s~"),
            ("a ` tick", "a ` tick"),
            ("&lt; already", "&amp;lt; already"),
            ("<https://evil.example|click>", "&lt;https://evil.example|click&gt;"),
            ("Tom & Jerry > Itchy", "Tom &amp; Jerry &gt; Itchy"),
            ("ünïcödé 😀", "ünïcödé 😀"),
        ];
        for (text, want) in cases {
            assert_eq!(escape(text), want, "{text}");
        }
    }

    #[test]
    fn discord_bold_becomes_slack_bold_outside_code() {
        let cases = [
            ("**Day 3** done", "*Day 3* done"),
            ("a `**kept**` b **x**", "a `**kept**` b *x*"),
            ("```\n**code**\n```\n**y**", "```\n**code**\n```\n*y*"),
            ("*single* stays", "*single* stays"),
            ("**<b>**", "*&lt;b&gt;*"),
        ];
        for (text, want) in cases {
            assert_eq!(mrkdwn(text), want, "{text}");
        }
    }

    #[test]
    fn commands_are_written_as_slack_has_them() {
        let cases = [
            ("type `/checkpoint day:123`.", "type `/studybot checkpoint day:123`."),
            ("e.g. `/checkpoint` or `/studybot help`", "e.g. `/studybot checkpoint` or `/studybot help`"),
            ("  /quiz module:3 — take it", "  /studybot quiz module:3 — take it"),
            ("/leaderboard", "/studybot leaderboard"),
            ("Unknown command `/nope`.", "Unknown command `/nope`."),
            ("see https://x.io/quiz and a/streak", "see https://x.io/quiz and a/streak"),
            ("path /review/notes", "path /review/notes"),
            ("/quizzes", "/quizzes"),
            ("ünï /streak", "ünï /studybot streak"),
        ];
        for (text, want) in cases {
            assert_eq!(slack_commands(text), want, "{text}");
        }
    }
}
