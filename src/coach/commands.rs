//! The command table: every chat command, its subcommands and typed parameters, shared by all platforms.
//!
//! Slack and the console send text that `grammar` parses against this table; Discord registers
//! slash commands from it and maps their options onto the same names.

mod admin;
mod help;

pub use help::{full_help, help};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A curriculum day: a [`crate::domain::DayNumber`] (whether the curriculum has it is the
    /// coach's question).
    Day,
    /// A module number, 1 to [`MODULE_MAX`]; which modules exist depends on the curriculum.
    Int,
    /// A whole number within fixed bounds, inclusive (hours, seconds).
    Bounded(i64, i64),
    /// `YYYY-MM-DD`.
    Date,
    /// One word (an id, a timezone).
    Word,
    /// A cycle of the channel: its number or its curriculum's id. Given by name only
    /// (`cycle:1`): a bare word is not taken for one, so a typo in a choice stays a usage error.
    Cycle,
    /// A member of the chat: Discord offers a user picker and sends the user's id; typed, it is
    /// `@name`, a `<@id>` mention or an id (`coach/progress.rs` looks it up).
    User,
    /// Free text that may contain spaces: it runs to the next `key:`.
    Text,
    /// An absolute http(s) URL.
    Url,
    /// Present or absent, given by its name (`undo`).
    Flag,
    Choice(&'static [&'static str]),
}

#[derive(Debug)]
pub struct Param {
    pub name: &'static str,
    pub kind: Kind,
    pub required: bool,
    pub about: &'static str,
}

#[derive(Debug)]
pub struct Sub {
    /// Empty for a command without subcommands.
    pub name: &'static str,
    pub about: &'static str,
    pub params: &'static [Param],
    /// What runs it. The coach matches on this, never on a name, and the match is exhaustive: a
    /// command cannot reach the wrong use case, or none, by its spelling.
    pub handler: Handler,
}

/// The use case behind each entry of [`COMMANDS`], one per subcommand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Handler {
    /// `/help`: the member commands, for everyone (admins are pointed at `/studybot help`).
    Help,
    /// `/studybot help`: every command for an admin, the member commands for anyone else.
    FullHelp,
    Curricula,
    Setup,
    /// An admin command on the channel's cohort (`coach/admin.rs`).
    Admin(AdminOp),
    /// Ending this cycle or queueing the next (`coach/cycles_admin.rs`).
    Cycle(CycleOp),
    Join,
    Checkpoint,
    Leaderboard,
    Quiz,
    Review,
    /// A member's own view or record (`coach/progress.rs`).
    Own(OwnOp),
    /// `/forget`: delete the member's data, after a confirmation (`coach/forget.rs`).
    Forget,
    /// `/leave`: no more reminders or direct messages; history kept.
    Leave,
}

/// The admin subcommands of `/studybot` that act on an existing cohort.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AdminOp {
    Pause,
    Resume,
    Skip,
    SetDay,
    Holiday,
    Preview,
    Status,
    Curriculum,
    Settings,
    /// Fix one member's day (`coach/correct.rs`).
    Correct,
    /// The channel's recent admin acts (`coach/audit.rs`).
    Audit,
    /// The cohort's record as a file (`coach/export.rs`).
    Export,
    /// A link to the cohort's web dashboard; its public page on or off (`coach/dashboard.rs`).
    Dashboard,
}

impl AdminOp {
    /// Whether it moves the cohort's lesson calendar, which a completed cohort no longer has.
    pub fn changes_calendar(self) -> bool {
        match self {
            AdminOp::Pause | AdminOp::Resume | AdminOp::Skip | AdminOp::SetDay | AdminOp::Holiday => true,
            AdminOp::Preview
            | AdminOp::Status
            | AdminOp::Curriculum
            | AdminOp::Settings
            | AdminOp::Correct
            | AdminOp::Audit
            | AdminOp::Export
            | AdminOp::Dashboard => false,
        }
    }
}

/// The admin subcommands of `/studybot` about the channel's cycles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CycleOp {
    Finish,
    Next,
}

/// A member's commands about themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OwnOp {
    Streak,
    Progress,
    Remind,
    Posted,
    Assess,
}

#[derive(Debug)]
pub struct Spec {
    pub name: &'static str,
    pub about: &'static str,
    pub subs: &'static [Sub],
}

const fn p(name: &'static str, kind: Kind, required: bool, about: &'static str) -> Param {
    Param { name, kind, required, about }
}

const fn sub(name: &'static str, about: &'static str, params: &'static [Param], handler: Handler) -> Sub {
    Sub { name, about, params, handler }
}

/// The largest module number a command accepts; what Discord offers without a curriculum.
pub const MODULE_MAX: i64 = 10_000;

const ON_OFF: Kind = Kind::Choice(&["on", "off"]);

pub static COMMANDS: &[Spec] = &[
    Spec {
        name: "studybot",
        about: "Set up and run the study cohort of this channel",
        subs: admin::STUDYBOT,
    },
    Spec {
        name: "help",
        about: "The study commands you can use",
        subs: &[sub("", "The study commands you can use", &[], Handler::Help)],
    },
    Spec {
        name: "join",
        about: "Join this channel's cohort",
        subs: &[sub("", "Join this channel's cohort", &[], Handler::Join)],
    },
    Spec {
        name: "checkpoint",
        about: "Mark a lesson done",
        subs: &[sub(
            "",
            "Mark a lesson done (default: the latest posted day)",
            &[
                p("day", Kind::Day, false, "curriculum day"),
                p("undo", Kind::Flag, false, "take the checkpoint back"),
            ],
            Handler::Checkpoint,
        )],
    },
    Spec {
        name: "streak",
        about: "Your current and best streak",
        subs: &[sub("", "Your current and best streak", &[], Handler::Own(OwnOp::Streak))],
    },
    Spec {
        name: "progress",
        about: "Days done, streaks, modules, checklist and content",
        subs: &[sub(
            "",
            "Your progress, or a member's",
            &[
                p("member", Kind::User, false, "a member of the cohort"),
                p(
                    "cycle",
                    Kind::Cycle,
                    false,
                    "an earlier cycle of this channel: its number or curriculum id",
                ),
            ],
            Handler::Own(OwnOp::Progress),
        )],
    },
    Spec {
        name: "leaderboard",
        about: "The cohort's top 10 and your rank",
        subs: &[sub(
            "",
            "The cohort's top 10 and your rank; optout/optin hides or shows you",
            &[
                p(
                    "action",
                    Kind::Choice(&["optout", "optin"]),
                    false,
                    "hide yourself from boards, or show again",
                ),
                p(
                    "by",
                    Kind::Choice(&["points", "streak", "lessons", "quiz"]),
                    false,
                    "ranking (default: points)",
                ),
                p("period", Kind::Choice(&["all", "week"]), false, "all time (default) or this week"),
                p(
                    "scope",
                    Kind::Choice(&["cycle", "journey"]),
                    false,
                    "this cycle (default) or every cycle of this channel",
                ),
                p(
                    "cycle",
                    Kind::Cycle,
                    false,
                    "an earlier cycle of this channel: its number or curriculum id",
                ),
            ],
            Handler::Leaderboard,
        )],
    },
    Spec {
        name: "quiz",
        about: "Take a module quiz or the final assessment",
        subs: &[sub(
            "",
            "Take a quiz, privately: module:<N>, final or review (without one: the quizzes and when they open)",
            &[
                p("module", Kind::Int, false, "module number, e.g. 17"),
                p("final", Kind::Flag, false, "the final assessment"),
                p("review", Kind::Flag, false, "the questions you missed that are due again"),
            ],
            Handler::Quiz,
        )],
    },
    Spec {
        name: "review",
        about: "A warm-up review question with each lesson post",
        subs: &[sub(
            "",
            "Turn warm-up review questions on or off",
            &[p("state", ON_OFF, true, "on or off")],
            Handler::Review,
        )],
    },
    Spec {
        name: "remind",
        about: "Reminders before your streak window closes",
        subs: &[sub(
            "",
            "Turn reminders on or off",
            &[p("state", ON_OFF, true, "on or off")],
            Handler::Own(OwnOp::Remind),
        )],
    },
    Spec {
        name: "posted",
        about: "Log a LinkedIn or blog post the curriculum asked for",
        subs: &[sub(
            "",
            "Log a LinkedIn or blog post the curriculum asked for",
            &[
                p("kind", Kind::Choice(&["linkedin", "blog"]), true, "linkedin or blog"),
                p("url", Kind::Url, true, "the post's address"),
                p("day", Kind::Day, false, "the day whose prompt it answers (default: the latest)"),
            ],
            Handler::Own(OwnOp::Posted),
        )],
    },
    Spec {
        name: "leave",
        about: "Stop reminders and direct messages; your history stays",
        subs: &[sub("", "Stop reminders and direct messages; your history stays", &[], Handler::Leave)],
    },
    Spec {
        name: "forget",
        about: "Delete everything the bot keeps about you (asks you to confirm)",
        subs: &[sub(
            "",
            "Delete your data in this cycle, or everywhere (asks you to confirm)",
            &[p("everywhere", Kind::Flag, false, "in every cohort on this platform, and your name")],
            Handler::Forget,
        )],
    },
    Spec {
        name: "assess",
        about: "The cycle assessment checklist; tick an item with item:",
        subs: &[sub(
            "",
            "Show the cycle assessment checklist, or tick an item of it",
            &[p("item", Kind::Text, false, "item text or number to tick (without: show the list)")],
            Handler::Own(OwnOp::Assess),
        )],
    },
];

pub fn find(name: &str) -> Option<&'static Spec> {
    COMMANDS.iter().find(|s| s.name == name)
}

impl Spec {
    pub fn has_subcommands(&self) -> bool {
        self.subs.iter().any(|s| !s.name.is_empty())
    }

    pub fn sub(&self, name: &str) -> Option<&'static Sub>
    where
        Self: 'static,
    {
        self.subs.iter().find(|s| s.name == name)
    }
}

impl Sub {
    /// Whether only the cohort's admins may run it: setting a cohort up and the admin commands.
    pub fn admin(&self) -> bool {
        match self.handler {
            Handler::Setup | Handler::Admin(_) | Handler::Cycle(_) => true,
            Handler::Help
            | Handler::FullHelp
            | Handler::Curricula
            | Handler::Join
            | Handler::Checkpoint
            | Handler::Leaderboard
            | Handler::Quiz
            | Handler::Review
            | Handler::Own(_)
            | Handler::Forget
            | Handler::Leave => false,
        }
    }

    /// `/studybot setup curriculum:<id> [start:<date>] …`
    pub fn usage(&self, command: &str) -> String {
        let mut out = format!("/{command}");
        if !self.name.is_empty() {
            out.push(' ');
            out.push_str(self.name);
        }
        for param in self.params {
            let shape = match param.kind {
                Kind::Flag => param.name.to_string(),
                Kind::Choice(options) => options.join("|"),
                Kind::Date => format!("{}:<YYYY-MM-DD>", param.name),
                _ => format!("{}:<{}>", param.name, param.name),
            };
            out.push(' ');
            out.push_str(&if param.required { shape } else { format!("[{shape}]") });
        }
        out
    }
}

#[cfg(test)]
mod tests;
