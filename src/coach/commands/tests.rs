use std::collections::HashMap;

use super::*;

/// A number per handler. The match is exhaustive, so a new use case must be listed here, and
/// the test below then fails until an entry of the table runs it.
fn index(handler: Handler) -> usize {
    match handler {
        Handler::Help => 0,
        Handler::Curricula => 1,
        Handler::Setup => 2,
        Handler::Admin(AdminOp::Pause) => 3,
        Handler::Admin(AdminOp::Resume) => 4,
        Handler::Admin(AdminOp::Skip) => 5,
        Handler::Admin(AdminOp::SetDay) => 6,
        Handler::Admin(AdminOp::Holiday) => 7,
        Handler::Admin(AdminOp::Preview) => 8,
        Handler::Admin(AdminOp::Status) => 9,
        Handler::Admin(AdminOp::Curriculum) => 10,
        Handler::Admin(AdminOp::Settings) => 11,
        Handler::Join => 12,
        Handler::Checkpoint => 13,
        Handler::Leaderboard => 14,
        Handler::Quiz => 15,
        Handler::Review => 16,
        Handler::Own(OwnOp::Streak) => 17,
        Handler::Own(OwnOp::Progress) => 18,
        Handler::Own(OwnOp::Remind) => 19,
        Handler::Own(OwnOp::Posted) => 20,
        Handler::Own(OwnOp::Assess) => 21,
    }
}
const HANDLERS: usize = 22;

#[test]
fn every_subcommand_runs_its_own_handler_and_every_handler_is_reachable() {
    let mut seen: HashMap<Handler, String> = HashMap::new();
    for spec in COMMANDS {
        for sub in spec.subs {
            let usage = sub.usage(spec.name);
            if let Some(other) = seen.insert(sub.handler, usage.clone()) {
                panic!("`{usage}` and `{other}` both run {:?}", sub.handler);
            }
        }
    }
    let mut reached: Vec<usize> = seen.keys().map(|h| index(*h)).collect();
    reached.sort_unstable();
    assert_eq!(reached, (0..HANDLERS).collect::<Vec<_>>(), "a handler no command runs");
}

#[test]
fn admin_commands_are_setup_and_the_cohort_subcommands_of_studybot() {
    for spec in COMMANDS {
        for sub in spec.subs {
            let admin = spec.name == "studybot" && !matches!(sub.name, "help" | "curricula");
            assert_eq!(sub.admin(), admin, "/{} {}", spec.name, sub.name);
            assert_eq!(help(false).contains(&sub.usage(spec.name)), !admin, "/{} {}", spec.name, sub.name);
        }
    }
}
