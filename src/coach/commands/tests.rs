use std::collections::HashMap;

use super::*;

/// A number per handler. The match is exhaustive, so a new use case must be listed here, and
/// the test below then fails until an entry of the table runs it.
fn index(handler: Handler) -> usize {
    match handler {
        Handler::Help => 0,
        Handler::FullHelp => 1,
        Handler::Curricula => 2,
        Handler::Setup => 3,
        Handler::Admin(AdminOp::Pause) => 4,
        Handler::Admin(AdminOp::Resume) => 5,
        Handler::Admin(AdminOp::Skip) => 6,
        Handler::Admin(AdminOp::SetDay) => 7,
        Handler::Admin(AdminOp::Holiday) => 8,
        Handler::Admin(AdminOp::Preview) => 9,
        Handler::Admin(AdminOp::Status) => 10,
        Handler::Admin(AdminOp::Curriculum) => 11,
        Handler::Admin(AdminOp::Settings) => 12,
        Handler::Join => 13,
        Handler::Checkpoint => 14,
        Handler::Leaderboard => 15,
        Handler::Quiz => 16,
        Handler::Review => 17,
        Handler::Own(OwnOp::Streak) => 18,
        Handler::Own(OwnOp::Progress) => 19,
        Handler::Own(OwnOp::Remind) => 20,
        Handler::Own(OwnOp::Posted) => 21,
        Handler::Own(OwnOp::Assess) => 22,
        Handler::Cycle(CycleOp::Finish) => 23,
        Handler::Cycle(CycleOp::Next) => 24,
        Handler::Admin(AdminOp::Correct) => 25,
        Handler::Admin(AdminOp::Audit) => 26,
        Handler::Forget => 27,
        Handler::Leave => 28,
        Handler::Admin(AdminOp::Export) => 29,
        Handler::Admin(AdminOp::Dashboard) => 30,
    }
}
const HANDLERS: usize = 31;

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
            // Discord shows `/studybot` to admins only, so a member's help lists none of it.
            let member = !admin && spec.name != "studybot";
            assert_eq!(help(false).contains(&sub.usage(spec.name)), member, "/{} {}", spec.name, sub.name);
            assert!(full_help(true).contains(&sub.usage(spec.name)), "/{} {}", spec.name, sub.name);
        }
    }
}

#[test]
fn help_is_the_member_commands_and_points_admins_to_the_full_list() {
    let pointer = "`/studybot help` lists the admin commands";
    assert!(!help(false).contains(pointer) && help(true).contains(pointer));
    assert_eq!(full_help(false), help(false), "a member asking /studybot help gets the member list");
    assert!(full_help(true).contains("/studybot pause") && !full_help(true).contains(pointer));
    let help = find("help").expect("a top-level /help");
    assert!(!help.has_subcommands() && !help.subs[0].admin());
    assert_eq!(help.subs[0].handler, Handler::Help);
}
