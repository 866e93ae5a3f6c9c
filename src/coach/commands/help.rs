//! The help texts: `/help` lists the member commands for everyone, `/studybot help` every command for an admin.

use super::COMMANDS;

/// `/help`: one line per member command; an admin is also pointed at the admin commands.
pub fn help(admin: bool) -> String {
    let mut lines = vec!["studybot commands (use them in your study cohort's channel):".to_string()];
    // `/studybot`'s own subcommands are left out: Discord shows `/studybot` to admins only.
    let member = COMMANDS.iter().filter(|spec| spec.name != "studybot");
    for spec in member {
        for sub in spec.subs.iter().filter(|s| !s.admin()) {
            lines.push(format!("  {} — {}", sub.usage(spec.name), sub.about));
        }
    }
    if admin {
        lines.push("You're an admin here: `/studybot help` lists the admin commands too.".into());
    }
    lines.join("\n")
}

/// `/studybot help`: every command and subcommand for an admin; anyone else gets [`help`].
pub fn full_help(admin: bool) -> String {
    if !admin {
        return help(false);
    }
    let mut lines = vec!["studybot commands:".to_string()];
    for spec in COMMANDS {
        for sub in spec.subs {
            let tag = if sub.admin() { " (admin)" } else { "" };
            lines.push(format!("  {} — {}{tag}", sub.usage(spec.name), sub.about));
        }
    }
    lines.join("\n")
}
