//! Every command example in README.md and docs/ goes through the grammar the bot uses: what the
//! documentation tells a member to type is what the bot understands.

use std::path::Path;

use studybot::coach::grammar;
use studybot::platform::slack::text::command_line;

/// Names that look like commands in prose but are not examples of one.
const NOT_EXAMPLES: &[&str] = &[
    // The pattern of Slack's one command, Slack's own /invite, and an error Slack itself shows.
    "/studybot <subcommand>",
    "/invite @studybot",
    "/studybot failed with the error \"dispatch_failed\"",
    // The HTTP server's endpoints (docs/operations.md).
    "/healthz",
    "/readyz",
    "/metrics",
];

/// `/…` spans in backticks and lines of code blocks that start with `/`, each with its line and
/// whether its paragraph speaks of Slack (where `/studybot checkpoint` stands for `/checkpoint`).
fn examples(text: &str) -> Vec<(usize, String, bool)> {
    let mut out = Vec::new();
    let mut in_block = false;
    let lines: Vec<&str> = text.lines().collect();
    // Whether each line's paragraph (lines between blank ones) speaks of Slack.
    let mut slack_paragraph = Vec::with_capacity(lines.len());
    for block in lines.chunk_by(|a, b| a.trim().is_empty() == b.trim().is_empty()) {
        let slack = block.iter().any(|l| l.contains("Slack"));
        slack_paragraph.extend(std::iter::repeat_n(slack, block.len()));
    }
    for (i, line) in lines.iter().enumerate() {
        if line.trim_start().starts_with("```") {
            in_block = !in_block;
            continue;
        }
        if in_block {
            if is_command(line.trim()) {
                out.push((i + 1, line.trim().to_string(), slack_paragraph[i]));
            }
            continue;
        }
        for (n, span) in line.split('`').enumerate() {
            if n % 2 == 1 && is_command(span) {
                out.push((i + 1, span.to_string(), slack_paragraph[i]));
            }
        }
    }
    out
}

/// `/name …` with a plain word for a name; not a path such as `/slack/commands` or `/etc/x.toml`.
fn is_command(text: &str) -> bool {
    let first = text.split(' ').next().unwrap_or_default();
    first.len() > 1
        && first.starts_with('/')
        && first[1..].chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// Placeholders the docs write for a value (`<day>`, `key:<why>`, `key:…`) filled with one the
/// grammar accepts for that option.
fn filled(example: &str) -> String {
    let sample = |key: &str| match key {
        "day" | "" => "121",
        "module" => "17",
        "curriculum" => "days_121_150_lakehouse_architecture",
        "catchup" => "all",
        "lateness" => "24",
        "reason" => "\"fixed a typo\"",
        other => panic!("no sample value for the placeholder of `{other}` in `{example}`"),
    };
    example
        .split(' ')
        .map(|word| {
            // `[key:<x>]` is an optional option; given here.
            let word = word.trim_start_matches('[').trim_end_matches(']');
            match word.split_once(':') {
                Some((key, value)) if value.starts_with('<') || value == "…" => {
                    format!("{key}:{}", sample(key))
                }
                None if word.starts_with('<') => sample("").to_string(),
                _ => word.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn every_command_example_in_the_docs_parses() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![root.join("README.md")];
    let mut docs: Vec<_> = std::fs::read_dir(root.join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    let mut checked = 0;
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let slack_doc = file.ends_with("slack.md");
        for (line, example, slack_paragraph) in examples(&text) {
            if NOT_EXAMPLES.contains(&example.as_str()) {
                continue;
            }
            let typed = filled(&example);
            // Slack's one command: `/studybot checkpoint` stands for `/checkpoint`.
            let typed = if slack_doc || slack_paragraph {
                command_line(typed.trim_start_matches("/studybot"))
            } else {
                typed
            };
            let at = format!("{}:{line}: `{example}`", file.strip_prefix(root).unwrap().display());
            match grammar::parse(&typed) {
                Ok(call) => {
                    let first = typed.split(' ').next().unwrap().trim_start_matches('/');
                    assert_eq!(call.spec.name, first.to_lowercase(), "{at}");
                }
                // A bare name (`/posted`, `/studybot setup`) names a command in prose: it must
                // exist, and only its required options may be missing.
                Err(e) => {
                    let words = typed.split(' ').count();
                    assert!(words <= 2 && e.0.contains("is required"), "{at} as `{typed}`: {}", e.0);
                }
            }
            checked += 1;
        }
    }
    assert!(checked >= 30, "only {checked} examples found: did the docs lose their examples?");
}

#[test]
fn placeholders_are_filled_the_way_a_member_would() {
    assert_eq!(filled("/checkpoint <day>"), "/checkpoint 121");
    assert_eq!(filled("/quiz module:<N>"), "/quiz module:17");
    assert_eq!(
        filled("/studybot curriculum apply [reason:<why>]"),
        "/studybot curriculum apply reason:\"fixed a typo\""
    );
    assert_eq!(filled("/leaderboard by:streak period:week"), "/leaderboard by:streak period:week");
}
