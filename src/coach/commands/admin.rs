//! The subcommands of `/studybot`: setting a channel up and running its cohort and cycles, for
//! the cohort's admins (and `help`, `curricula`, for anyone).

use super::{AdminOp, CycleOp, Handler, Kind, ON_OFF, Sub, p, sub};
use crate::coach::export;

pub(super) static STUDYBOT: &[Sub] = &[
    sub("help", "Every studybot command, the admin ones included", &[], Handler::FullHelp),
    sub("curricula", "List the curricula this bot can run", &[], Handler::Curricula),
    sub(
        "setup",
        "Bind this channel to a curriculum",
        &[
            p("curriculum", Kind::Word, true, "curriculum id (see /studybot curricula)"),
            p("start", Kind::Date, false, "first lesson date, YYYY-MM-DD (default: tomorrow)"),
            p("day", Kind::Day, false, "curriculum day to start at (default: the first)"),
            p("schedule", Kind::Text, false, "cron, e.g. 0 9 * * MON-FRI (the default)"),
            p("timezone", Kind::Word, false, "IANA timezone, e.g. Europe/Berlin (default: UTC)"),
        ],
        Handler::Setup,
    ),
    sub("pause", "Pause lesson posts (no streak breaks while paused)", &[], Handler::Admin(AdminOp::Pause)),
    sub("resume", "Resume lesson posts", &[], Handler::Admin(AdminOp::Resume)),
    sub("skip", "Move the next lesson to the next lesson date", &[], Handler::Admin(AdminOp::Skip)),
    sub(
        "set-day",
        "Post this curriculum day next",
        &[p("day", Kind::Day, true, "curriculum day")],
        Handler::Admin(AdminOp::SetDay),
    ),
    sub(
        "holiday",
        "Add or remove a date that is not a lesson day",
        &[
            p("action", Kind::Choice(&["add", "remove"]), true, "add or remove"),
            p("date", Kind::Date, true, "YYYY-MM-DD"),
        ],
        Handler::Admin(AdminOp::Holiday),
    ),
    sub(
        "preview",
        "Show a lesson exactly as it will be posted",
        &[p("day", Kind::Day, false, "day (default: the next)")],
        Handler::Admin(AdminOp::Preview),
    ),
    sub(
        "status",
        "Curriculum, posts (posted, pending, failed), members, completion",
        &[],
        Handler::Admin(AdminOp::Status),
    ),
    sub(
        "curriculum",
        "This cohort's curriculum version against the file on disk; apply moves to the file's",
        &[
            p(
                "action",
                Kind::Choice(&["show", "apply"]),
                false,
                "show the difference (default), or apply: run the cohort on the file's version",
            ),
            p("reason", Kind::Text, false, "why you apply it, for the audit log"),
        ],
        Handler::Admin(AdminOp::Curriculum),
    ),
    sub(
        "settings",
        "Change grace period, reminders, weekly leaderboard time, or catch-up after downtime",
        &[
            p(
                "grace",
                Kind::Bounded(0, 72),
                false,
                "hours after the next lesson a check still counts as on time",
            ),
            p(
                "reminder",
                Kind::Bounded(0, 72),
                false,
                "hours before the window closes that reminders go out",
            ),
            p("leaderboard", Kind::Text, false, "cron of the weekly leaderboard post, e.g. 0 17 * * FRI"),
            p(
                "catchup",
                Kind::Choice(&["latest", "all", "none"]),
                false,
                "after downtime post only the latest missed lesson, all of them, or none",
            ),
            p(
                "lateness",
                Kind::Bounded(1, 168),
                false,
                "hours overdue after which a lesson is never posted late",
            ),
            p("quiz", Kind::Bounded(10, 600), false, "seconds to answer each quiz question (10-600)"),
        ],
        Handler::Admin(AdminOp::Settings),
    ),
    sub(
        "correct",
        "Fix a member's day: done, late, excused or clear",
        &[
            p("member", Kind::User, true, "the member"),
            p("day", Kind::Day, true, "a posted day"),
            p("status", Kind::Choice(&["done", "late", "excused", "clear"]), true, "what the day becomes"),
            p("reason", Kind::Text, true, "why, for the audit log"),
        ],
        Handler::Admin(AdminOp::Correct),
    ),
    sub(
        "audit",
        "Recent admin actions, newest first",
        &[p("member", Kind::User, false, "only those about this member")],
        Handler::Admin(AdminOp::Audit),
    ),
    sub(
        "export",
        "The cohort's record as a file: members × days, streaks, points, quiz scores, posts",
        &[p("format", Kind::Choice(export::FORMATS), false, "csv (the default, for a spreadsheet) or json")],
        Handler::Admin(AdminOp::Export),
    ),
    sub(
        "dashboard",
        "A private link to the cohort's web page; public:on shares a members' leaderboard page",
        &[p(
            "public",
            ON_OFF,
            false,
            "on: a leaderboard page anyone with its address sees; off: withdraw it",
        )],
        Handler::Admin(AdminOp::Dashboard),
    ),
    sub(
        "finish",
        "End this cycle now with its final leaderboard (asks you to confirm)",
        &[],
        Handler::Cycle(CycleOp::Finish),
    ),
    sub(
        "next",
        "Queue the cycle that follows this one; alone, show it; with cancel, remove it",
        &[
            p("curriculum", Kind::Word, false, "curriculum id of the next cycle (see /studybot curricula)"),
            p(
                "start",
                Kind::Date,
                false,
                "its first lesson date, YYYY-MM-DD (default: the next lesson date after this cycle)",
            ),
            p("schedule", Kind::Text, false, "cron (default: this cycle's)"),
            p("timezone", Kind::Word, false, "IANA timezone (default: this cycle's)"),
            p("cancel", Kind::Flag, false, "remove the queued cycle"),
        ],
        Handler::Cycle(CycleOp::Next),
    ),
];
