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
    assert!(parse("/checkpoint day:abc").unwrap_err().0.contains("Usage: `/checkpoint [day:<day>] [undo]`"));
}

#[test]
fn discord_options_bind_to_the_same_table() {
    let call =
        bind("checkpoint", "", &[("day".into(), "121".into()), ("undo".into(), "true".into())]).unwrap();
    assert_eq!((call.day("day").map(u32::from), call.flag("undo")), (Some(121), true));
    assert!(bind("studybot", "setup", &[]).unwrap_err().0.contains("`curriculum` is required"));
}

#[test]
fn a_bare_word_binds_to_the_choice_that_lists_it() {
    let call = parse("/leaderboard week").unwrap();
    assert_eq!((call.text("period"), call.text("action"), call.text("by")), (Some("week"), None, None));
    let call = parse("/leaderboard Streak WEEK").unwrap();
    assert_eq!((call.text("by"), call.text("period")), (Some("streak"), Some("week")));
    let call = parse("/leaderboard optout").unwrap();
    assert_eq!((call.text("action"), call.text("period")), (Some("optout"), None));
    let call = parse("/studybot settings all").unwrap();
    assert_eq!((call.text("catchup"), call.int("grace")), (Some("all"), None));
    let call = parse("/studybot settings none grace:4").unwrap();
    assert_eq!((call.text("catchup"), call.int("grace")), (Some("none"), Some(4)));
    // A word no choice lists still fills the first free parameter, as before.
    assert_eq!(parse("/studybot settings 5").unwrap().int("grace"), Some(5));
    let call = parse("/posted https://example.com/p linkedin").unwrap();
    assert_eq!((call.text("kind"), call.text("url")), (Some("linkedin"), Some("https://example.com/p")));
    // One choice left: its error lists what it takes. Several: the word has no place.
    assert!(parse("/remind maybe").unwrap_err().0.contains("`state` must be one of on, off, not `maybe`"));
    let err = parse("/leaderboard month").unwrap_err().0;
    assert!(
        err.contains(
            "Unexpected `month`. Usage: `/leaderboard [optout|optin] [points|streak|lessons|quiz] [all|week] \
             [cycle|journey] [cycle:<cycle>]`"
        ),
        "{err}"
    );
    // A choice already given is not filled twice.
    assert!(parse("/leaderboard week all").unwrap_err().0.contains("Unexpected `all`"));
}

#[test]
fn a_word_two_choices_list_is_an_error_naming_both() {
    static PARAMS: &[Param] = &[
        Param { name: "scope", kind: Kind::Choice(&["all", "mine"]), required: false, about: "" },
        Param { name: "period", kind: Kind::Choice(&["all", "week"]), required: false, about: "" },
    ];
    static SUB: Sub = Sub { name: "", about: "", params: PARAMS, handler: commands::Handler::Leaderboard };
    let err = positional_target(&SUB, &BTreeMap::new(), "All").unwrap_err().0;
    assert_eq!(err, "`All` could mean `scope:all` or `period:all`; write one of them.");
    let given = BTreeMap::from([("scope", "mine".to_string())]);
    assert_eq!(positional_target(&SUB, &given, "all").unwrap().map(|p| p.name), Some("period"));
    assert_eq!(positional_target(&SUB, &BTreeMap::new(), "week").unwrap().map(|p| p.name), Some("period"));
}

/// A value of `kind` the grammar accepts, as a member would type it.
fn sample(kind: Kind) -> String {
    match kind {
        Kind::Day => "121".into(),
        Kind::Int => "17".into(),
        Kind::Bounded(min, _) => min.to_string(),
        Kind::Date => "2026-12-01".into(),
        Kind::Word => "lakehouse".into(),
        Kind::Cycle => "1".into(),
        Kind::User => "@ada".into(),
        Kind::Text => "two words".into(),
        Kind::Url => "https://example.com/post".into(),
        Kind::Flag => String::new(),
        Kind::Choice(options) => options[0].into(),
    }
}

/// Every usage line the help prints, its placeholders filled and each choice tried as the bare
/// word the help shows, parses back to the same subcommand with each value on its own parameter.
#[test]
fn every_usage_line_of_the_help_parses_as_shown() {
    for spec in commands::COMMANDS {
        for sub in spec.subs {
            let usage = sub.usage(spec.name);
            let widest = sub
                .params
                .iter()
                .map(|p| if let Kind::Choice(options) = p.kind { options.len() } else { 1 })
                .max()
                .unwrap_or(1);
            for round in 0..widest {
                let mut line = Vec::new();
                let mut want: Vec<(&str, String)> = Vec::new();
                for shape in usage.split(' ') {
                    let shape = shape.trim_start_matches('[').trim_end_matches(']');
                    if shape.starts_with('/') || shape == sub.name {
                        line.push(shape.to_string());
                        continue;
                    }
                    let key = shape.split(':').next().unwrap_or_default();
                    let param = match sub.params.iter().find(|p| p.name == key) {
                        Some(param) => param,
                        None => sub
                            .params
                            .iter()
                            .find(|p| matches!(p.kind, Kind::Choice(o) if o.join("|") == shape))
                            .unwrap_or_else(|| panic!("{usage}: `{shape}` names no parameter")),
                    };
                    match param.kind {
                        Kind::Flag => line.push(param.name.into()),
                        Kind::Choice(options) => {
                            let word = options[round % options.len()];
                            line.push(word.into());
                            want.push((param.name, word.into()));
                        }
                        kind => {
                            assert_eq!(
                                shape.split_once(':').map(|(_, v)| v.starts_with('<')),
                                Some(true),
                                "{usage}"
                            );
                            // Free text runs to the next `key:`; quoted, it ends where the quote does.
                            let typed = if kind == Kind::Text {
                                format!("\"{}\"", sample(kind))
                            } else {
                                sample(kind)
                            };
                            line.push(format!("{}:{typed}", param.name));
                            want.push((param.name, sample(kind)));
                        }
                    }
                }
                let line = line.join(" ");
                let call = parse(&line).unwrap_or_else(|e| panic!("`{line}` (help: `{usage}`): {}", e.0));
                assert_eq!((call.spec.name, call.sub.name), (spec.name, sub.name), "{line}");
                for (name, value) in want {
                    let got = match call.values.get(name) {
                        Some(Value::Int(n)) => n.to_string(),
                        Some(Value::Day(d)) => d.to_string(),
                        Some(Value::Date(d)) => d.to_string(),
                        Some(Value::Text(t)) => t.clone(),
                        other => panic!("`{line}`: `{name}` is {other:?}"),
                    };
                    assert_eq!(got, value, "`{line}`: `{name}`");
                }
                for flag in sub.params.iter().filter(|p| p.kind == Kind::Flag) {
                    assert!(call.flag(flag.name), "`{line}`: flag `{}`", flag.name);
                }
            }
        }
    }
}
