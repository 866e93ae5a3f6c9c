//! Slack's one slash command, `/studybot <text>`, turned into the command line the shared grammar parses.
//!
//! A Slack app registers one command, so `/studybot checkpoint day:121` stands for Discord's
//! `/checkpoint day:121`, and `/studybot setup …` for `/studybot setup …`.

use crate::coach::commands;

/// The grammar's command line for the text after `/studybot`: `checkpoint day:121` →
/// `/checkpoint day:121`, `setup curriculum:x` → `/studybot setup curriculum:x`, empty →
/// `/studybot help`. A first word that names nothing goes to `/studybot`, whose grammar answers
/// "unknown subcommand" with the list of subcommands.
pub fn command_line(text: &str) -> String {
    let text = text.trim();
    let (first, rest) = match text.split_once(char::is_whitespace) {
        Some((first, rest)) => (first, rest.trim_start()),
        None => (text, ""),
    };
    // Members used to Discord type the slash too: `/studybot /streak`.
    let word = first.trim_start_matches('/');
    let name = word.to_lowercase();
    let line = if name.is_empty() || (name == "studybot" && rest.is_empty()) {
        "/studybot help".to_string()
    } else if name == "studybot" {
        format!("/studybot {rest}")
    } else if name != "help" && commands::find(&name).is_some() {
        format!("/{word} {rest}")
    } else {
        // A subcommand of /studybot, or an unknown word that the grammar answers with the list.
        // `help` too: Slack has no `/help` of its own, so `/studybot help` is the one help there
        // (every command for an admin, the member commands for anyone else).
        format!("/studybot {word} {rest}")
    };
    line.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coach::grammar;

    #[test]
    fn slack_text_becomes_the_shared_command_line() {
        let cases = [
            ("checkpoint day:121", "/checkpoint day:121", "checkpoint", ""),
            ("streak", "/streak", "streak", ""),
            ("  Streak  ", "/Streak", "streak", ""),
            ("/streak", "/streak", "streak", ""),
            ("checkpoint 123 undo", "/checkpoint 123 undo", "checkpoint", ""),
            ("setup curriculum:x", "/studybot setup curriculum:x", "studybot", "setup"),
            ("help", "/studybot help", "studybot", "help"),
            ("", "/studybot help", "studybot", "help"),
            ("   ", "/studybot help", "studybot", "help"),
            ("studybot", "/studybot help", "studybot", "help"),
            ("studybot status", "/studybot status", "studybot", "status"),
            ("status", "/studybot status", "studybot", "status"),
            ("set-day 130", "/studybot set-day 130", "studybot", "set-day"),
            (
                "setup curriculum:x schedule:0 9 * * MON-FRI",
                "/studybot setup curriculum:x schedule:0 9 * * MON-FRI",
                "studybot",
                "setup",
            ),
            ("leaderboard by:streak", "/leaderboard by:streak", "leaderboard", ""),
            ("quiz module:17", "/quiz module:17", "quiz", ""),
            ("review on", "/review on", "review", ""),
            ("resume", "/studybot resume", "studybot", "resume"),
            ("posted\tlinkedin https://x.io/p", "/posted linkedin https://x.io/p", "posted", ""),
            ("assess Delta Lake expertise", "/assess Delta Lake expertise", "assess", ""),
        ];
        for (text, line, command, sub) in cases {
            assert_eq!(command_line(text), line, "{text:?}");
            let call = grammar::parse(&command_line(text)).unwrap_or_else(|e| panic!("{text:?}: {}", e.0));
            assert_eq!((call.spec.name, call.sub.name), (command, sub), "{text:?}");
        }
    }

    #[test]
    fn bare_choices_bind_as_the_help_shows_them() {
        let call = grammar::parse(&command_line("leaderboard week")).unwrap();
        assert_eq!((call.text("period"), call.text("action")), (Some("week"), None));
        let call = grammar::parse(&command_line("settings all")).unwrap();
        assert_eq!((call.text("catchup"), call.int("grace")), (Some("all"), None));
    }

    #[test]
    fn unknown_words_get_the_subcommand_list() {
        let cases = [
            ("frobnicate", "/studybot frobnicate", "Unknown subcommand `frobnicate` of /studybot"),
            ("frobnicate now please", "/studybot frobnicate now please", "Unknown subcommand `frobnicate`"),
            ("checkin day:3", "/studybot checkin day:3", "Unknown subcommand `checkin`"),
            ("?", "/studybot ?", "try one of: help, curricula, setup"),
        ];
        for (text, line, error) in cases {
            assert_eq!(command_line(text), line, "{text:?}");
            let err = grammar::parse(&command_line(text)).unwrap_err().0;
            assert!(err.contains(error), "{text:?}: {err}");
        }
    }
}
