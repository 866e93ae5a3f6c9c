//! Unit tests for loading and layering; the user-facing cases are in tests/config.rs.

use std::fs;

use super::*;

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn db(url: &str, password: Option<&str>) -> DatabaseConfig {
    DatabaseConfig { url: url.into(), password: password.map(Secret::new), ..Default::default() }
}

#[test]
fn implicit_missing_file_means_defaults_and_env() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DEFAULT_PATH);
    let config = load_layers(&path, false, env(&[("STUDYBOT_LOG__FORMAT", "json")])).unwrap();
    assert_eq!(config.database.url, "sqlite://studybot.db");
    assert_eq!(config.log.format, LogFormat::Json);
}

#[test]
fn top_level_keys_come_from_the_struct() {
    assert_eq!(
        field_names::<Config>(),
        [
            "database",
            "curriculum",
            "log",
            "scheduler",
            "http",
            "dashboard",
            "discord",
            "slack",
            "secrets_file"
        ]
    );
}

#[test]
fn connect_url_fills_in_the_password() {
    let cases = [
        ("postgres://bot@db/studybot", Some("s3cret"), "postgres://bot:s3cret@db/studybot"),
        ("postgres://bot@db/studybot", Some("p@ss/w%rd"), "postgres://bot:p%40ss%2Fw%25rd@db/studybot"),
        ("postgresql://db/studybot", Some("pw"), "postgresql://:pw@db/studybot"),
        // The URL's own password wins over the separate one.
        ("postgres://bot:inurl@db/studybot", Some("pw"), "postgres://bot:inurl@db/studybot"),
        ("postgres://bot@db/studybot", None, "postgres://bot@db/studybot"),
        // SQLite has no password; the setting is ignored.
        ("sqlite://studybot.db", Some("pw"), "sqlite://studybot.db"),
    ];
    for (url, password, want) in cases {
        assert_eq!(db(url, password).connect_url().expose(), want, "url {url}");
    }
}

#[test]
fn database_debug_redacts_url_and_password() {
    let text = format!("{:?}", db("postgres://bot:hunter2@db/x", Some("hunter3")));
    assert!(!text.contains("hunter2") && !text.contains("hunter3"), "{text}");
    assert!(text.contains("postgres://bot:***@db/x"), "{text}");
}

#[test]
fn validation_names_the_variable_and_hides_the_password() {
    let (_dir, path) = empty_file();
    let bad_scheme = env(&[("STUDYBOT_DATABASE__URL", "mysql://u:hunter2@h/db")]);
    let err = Config::load_from(Some(&path), bad_scheme).unwrap_err().to_string();
    assert!(err.contains("STUDYBOT_DATABASE__URL") && err.contains("mysql"), "{err}");
    assert!(!err.contains("hunter2"), "{err}");

    let zero = env(&[("STUDYBOT_DATABASE__MAX_CONNECTIONS", "0")]);
    let err = Config::load_from(Some(&path), zero).unwrap_err().to_string();
    assert!(err.contains("STUDYBOT_DATABASE__MAX_CONNECTIONS"), "{err}");
}

#[test]
fn wrong_type_from_env_does_not_echo_the_value() {
    let (_dir, path) = empty_file();
    // A URL set one level too high: the value lands on the section itself.
    let vars = env(&[("STUDYBOT_DATABASE", "postgres://u:hunter2@h/db")]);
    let err = Config::load_from(Some(&path), vars).unwrap_err().to_string();
    assert!(err.contains("STUDYBOT_DATABASE"), "{err}");
    assert!(!err.contains("hunter2"), "{err}");
}

#[test]
fn env_values_that_look_structured_stay_strings() {
    let (_dir, path) = empty_file();
    let vars = env(&[("STUDYBOT_DATABASE__PASSWORD", "[not-an-array]"), ("STUDYBOT_CURRICULUM__DIR", "42")]);
    let config = Config::load_from(Some(&path), vars).unwrap();
    assert_eq!(config.database.password.unwrap().expose(), "[not-an-array]");
    assert_eq!(config.curriculum.dir, PathBuf::from("42"));
}

#[test]
fn secrets_file_may_hold_only_secrets() {
    let (dir, config_path) = empty_file();
    let secrets = dir.path().join("secrets.toml");
    fs::write(&secrets, "[database]\npassword = \"pw\"\nurl = \"sqlite://x.db\"\n").unwrap();
    let vars = env(&[("STUDYBOT_SECRETS_FILE", secrets.to_str().unwrap())]);
    let err = Config::load_from(Some(&config_path), vars).unwrap_err().to_string();
    assert!(err.contains("database.url") && err.contains("secrets.toml"), "{err}");
}

fn empty_file() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("studybot.toml");
    fs::write(&path, "").unwrap();
    (dir, path)
}

#[test]
fn discord_section_takes_its_token_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("studybot.toml");
    fs::write(&path, "[discord]\nguilds = [123]\nrest_proxy = \"http://127.0.0.1:9\"\n").unwrap();
    let config = load_layers(&path, true, env(&[("STUDYBOT_DISCORD__TOKEN", "abc")])).unwrap();
    let discord = config.discord.unwrap();
    assert_eq!(
        (discord.token.unwrap().expose(), discord.guilds, discord.reconcile_days),
        ("abc", vec![123], 3)
    );
    // DISCORD_TOKEN is the fallback, and the scoped variable wins over it.
    let config = load_layers(&path, true, env(&[("DISCORD_TOKEN", "plain")])).unwrap();
    assert_eq!(config.discord.unwrap().token.unwrap().expose(), "plain");
    let both = env(&[("DISCORD_TOKEN", "plain"), ("STUDYBOT_DISCORD__TOKEN", "scoped")]);
    assert_eq!(load_layers(&path, true, both).unwrap().discord.unwrap().token.unwrap().expose(), "scoped");
}

#[test]
fn discord_without_a_token_or_with_a_bad_proxy_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("studybot.toml");
    fs::write(&path, "[discord]\n").unwrap();
    let e = load_layers(&path, true, env(&[])).unwrap_err().to_string();
    assert!(e.contains("STUDYBOT_DISCORD__TOKEN"), "{e}");
    fs::write(&path, "[discord]\nrest_proxy = \"discord.example\"\n").unwrap();
    let e = load_layers(&path, true, env(&[("DISCORD_TOKEN", "t")])).unwrap_err().to_string();
    assert!(e.contains("rest_proxy") && e.contains("not an http(s) URL"), "{e}");
    fs::write(&path, "[discord]\ntoken = \"in-the-file\"\n").unwrap();
    let e = load_layers(&path, true, env(&[])).unwrap_err().to_string();
    assert!(e.contains("STUDYBOT_DISCORD__TOKEN") && !e.contains("in-the-file"), "{e}");
    // No section and no variable: the console platform, and DISCORD_TOKEN alone does not switch.
    let none = dir.path().join("none.toml");
    fs::write(&none, "").unwrap();
    assert!(load_layers(&none, true, env(&[("DISCORD_TOKEN", "t")])).unwrap().discord.is_none());
}

#[test]
fn discord_guilds_come_from_the_environment_as_a_list() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DEFAULT_PATH);
    for list in ["[123,456]", "123, 456", "[\"123\", 456]"] {
        let vars = env(&[("STUDYBOT_DISCORD__TOKEN", "t"), ("STUDYBOT_DISCORD__GUILDS", list)]);
        let config = load_layers(&path, false, vars).unwrap();
        assert_eq!(config.discord.unwrap().guilds, vec![123, 456], "{list}");
    }
    let vars = env(&[("STUDYBOT_DISCORD__TOKEN", "t"), ("STUDYBOT_DISCORD__GUILDS", "12,abc")]);
    let e = load_layers(&path, false, vars).unwrap_err().to_string();
    assert!(e.contains("STUDYBOT_DISCORD__GUILDS") && e.contains("`abc` is not a numeric id"), "{e}");
}

#[test]
fn slack_modes_need_their_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("studybot.toml");
    fs::write(&path, "[slack]\nadmins = [\"U1\"]\n").unwrap();
    let socket_env =
        || env(&[("STUDYBOT_SLACK__BOT_TOKEN", "xoxb-1"), ("STUDYBOT_SLACK__APP_TOKEN", "xapp-1")]);
    let slack = load_layers(&path, true, socket_env()).unwrap().slack.unwrap();
    assert_eq!(
        (slack.mode, slack.admins, slack.api_url.as_str()),
        (SlackMode::Socket, vec!["U1".to_string()], "https://slack.com/api")
    );
    let e =
        load_layers(&path, true, env(&[("STUDYBOT_SLACK__BOT_TOKEN", "xoxb-1")])).unwrap_err().to_string();
    assert!(e.contains("STUDYBOT_SLACK__APP_TOKEN"), "{e}");
    fs::write(&path, "[slack]\nmode = \"http\"\n").unwrap();
    let e =
        load_layers(&path, true, env(&[("STUDYBOT_SLACK__BOT_TOKEN", "xoxb-1")])).unwrap_err().to_string();
    assert!(e.contains("STUDYBOT_SLACK__SIGNING_SECRET"), "{e}");
    let http = env(&[
        ("STUDYBOT_SLACK__BOT_TOKEN", "xoxb-1"),
        ("STUDYBOT_SLACK__SIGNING_SECRET", "s"),
        ("STUDYBOT_SLACK__ADMINS", "U1, U2"),
    ]);
    let config = load_layers(&path, true, http).unwrap();
    let slack = config.slack.as_ref().unwrap();
    assert_eq!(
        (slack.mode, slack.admins.len(), slack.listen.as_deref(), slack.reconcile_days),
        (SlackMode::Http, 2, None, 3)
    );
    // HTTP mode without any listen key keeps the address it always had.
    assert_eq!(config.http_listen(), Some("0.0.0.0:3000".parse().unwrap()));
    fs::write(&path, "[slack]\nreconcile_days = 31\n").unwrap();
    let e = load_layers(&path, true, socket_env()).unwrap_err().to_string();
    assert!(e.contains("slack.reconcile_days") && e.contains("0-30"), "{e}");
    assert_eq!(slack.max_in_flight, 10_000);
    fs::write(&path, "[slack]\nmax_in_flight = 0\n").unwrap();
    let e = load_layers(&path, true, socket_env()).unwrap_err().to_string();
    assert!(e.contains("slack.max_in_flight") && e.contains("1-1000000"), "{e}");
    fs::write(&path, "[discord]\n[slack]\n").unwrap();
    let both = env(&[
        ("STUDYBOT_DISCORD__TOKEN", "d"),
        ("STUDYBOT_SLACK__BOT_TOKEN", "x"),
        ("STUDYBOT_SLACK__APP_TOKEN", "a"),
    ]);
    let e = load_layers(&path, true, both).unwrap_err().to_string();
    assert!(e.contains("`[discord]` and `[slack]`") && !e.contains("environment"), "{e}");
    fs::write(&path, "[slack]\nbot_token = \"xoxb-in-file\"\n").unwrap();
    let e = load_layers(&path, true, env(&[])).unwrap_err().to_string();
    assert!(e.contains("STUDYBOT_SLACK__BOT_TOKEN") && !e.contains("xoxb-in-file"), "{e}");
}
