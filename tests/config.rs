//! Configuration as an operator meets it: layering, secrets, error messages, and the shipped example and docs.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use studybot::config::{Config, LogFormat};

/// A temp dir holding `studybot.toml` with `body`; kept alive by the returned guard.
fn config_file(body: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("studybot.toml");
    fs::write(&path, body).unwrap();
    (dir, path)
}

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn load(path: &Path, vars: &[(&str, &str)]) -> Result<Config, String> {
    Config::load_from(Some(path), env(vars)).map_err(|e| e.to_string())
}

fn repo_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(name)
}

#[test]
fn defaults() {
    let (_dir, path) = config_file("");
    let config = load(&path, &[]).unwrap();
    assert_eq!(config.database.url, "sqlite://studybot.db");
    assert_eq!(config.database.max_connections, 5);
    assert!(config.database.password.is_none());
    assert_eq!(config.curriculum.dir, PathBuf::from("curriculum"));
    assert_eq!(config.log.format, LogFormat::Text);
    assert!(config.secrets_file.is_none());
}

#[test]
fn file_overrides_defaults() {
    let (_dir, path) = config_file(
        "[database]\nurl = \"sqlite:///data/studybot.db\"\nmax_connections = 2\n[log]\nformat = \"json\"\n",
    );
    let config = load(&path, &[]).unwrap();
    assert_eq!(config.database.url, "sqlite:///data/studybot.db");
    assert_eq!(config.database.max_connections, 2);
    assert_eq!(config.log.format, LogFormat::Json);
    // Keys the file leaves out keep their defaults.
    assert_eq!(config.curriculum.dir, PathBuf::from("curriculum"));
}

#[test]
fn env_overrides_file() {
    let (_dir, path) = config_file("[database]\nurl = \"sqlite://a.db\"\nmax_connections = 2\n");
    let config = load(
        &path,
        &[
            ("STUDYBOT_DATABASE__URL", "postgres://bot@db/studybot"),
            ("STUDYBOT_DATABASE__MAX_CONNECTIONS", "9"),
        ],
    )
    .unwrap();
    assert_eq!(config.database.url, "postgres://bot@db/studybot");
    assert_eq!(config.database.max_connections, 9);
}

#[test]
fn unknown_key_in_file_names_key_and_file() {
    let (_dir, path) = config_file("[database]\nurll = \"sqlite://a.db\"\n");
    let err = load(&path, &[]).unwrap_err();
    assert!(err.contains("database.urll"), "{err}");
    assert!(err.contains(&path.display().to_string()), "{err}");

    let (_dir, path) = config_file("[databse]\nurl = \"sqlite://a.db\"\n");
    let err = load(&path, &[]).unwrap_err();
    assert!(err.contains("databse") && err.contains(&path.display().to_string()), "{err}");
}

#[test]
fn unknown_key_in_known_section_of_env_names_the_variable() {
    let (_dir, path) = config_file("");
    let err = load(&path, &[("STUDYBOT_DATABASE__URLL", "sqlite://a.db")]).unwrap_err();
    assert!(err.contains("STUDYBOT_DATABASE__URLL"), "{err}");
}

#[test]
fn ci_variables_are_ignored() {
    let (_dir, path) = config_file("");
    let config = load(
        &path,
        &[
            ("STUDYBOT_TEST_POSTGRES_URL", "postgres://ci:ci@localhost/postgres"),
            ("STUDYBOT_REQUIRE_POSTGRES", "1"),
        ],
    )
    .unwrap();
    assert_eq!(config.database.url, "sqlite://studybot.db");
}

#[test]
fn secret_in_file_is_an_error_naming_key_file_and_variable() {
    let (_dir, path) = config_file("[database]\npassword = \"hunter2\"\n");
    let err = load(&path, &[]).unwrap_err();
    assert!(err.contains("database.password"), "{err}");
    assert!(err.contains(&path.display().to_string()), "{err}");
    assert!(err.contains("STUDYBOT_DATABASE__PASSWORD"), "{err}");
    assert!(!err.contains("hunter2"), "{err}");
}

#[test]
fn password_in_file_url_is_an_error_but_in_env_url_is_accepted() {
    let (_dir, path) = config_file("[database]\nurl = \"postgres://bot:hunter2@db/studybot\"\n");
    let err = load(&path, &[]).unwrap_err();
    assert!(err.contains("database.url") && err.contains("STUDYBOT_DATABASE__PASSWORD"), "{err}");
    assert!(err.contains(&path.display().to_string()), "{err}");
    assert!(!err.contains("hunter2"), "{err}");

    let (_dir, path) = config_file("");
    let config = load(&path, &[("STUDYBOT_DATABASE__URL", "postgres://bot:hunter2@db/studybot")]).unwrap();
    assert_eq!(config.database.connect_url().expose(), "postgres://bot:hunter2@db/studybot");
}

#[test]
fn secret_from_env() {
    let (_dir, path) = config_file("[database]\nurl = \"postgres://bot@db/studybot\"\n");
    let config = load(&path, &[("STUDYBOT_DATABASE__PASSWORD", "hunter2")]).unwrap();
    assert_eq!(config.database.password.as_ref().unwrap().expose(), "hunter2");
    assert_eq!(config.database.connect_url().expose(), "postgres://bot:hunter2@db/studybot");
}

#[test]
fn secret_from_secrets_file_and_env_wins_over_it() {
    let (dir, path) = config_file("[database]\nurl = \"postgres://bot@db/studybot\"\n");
    let secrets = dir.path().join("secrets.toml");
    fs::write(&secrets, "[database]\npassword = \"from-file\"\n").unwrap();
    let secrets_var = ("STUDYBOT_SECRETS_FILE", secrets.to_str().unwrap());

    let config = load(&path, &[secrets_var]).unwrap();
    assert_eq!(config.database.password.unwrap().expose(), "from-file");

    let config = load(&path, &[secrets_var, ("STUDYBOT_DATABASE__PASSWORD", "from-env")]).unwrap();
    assert_eq!(config.database.password.unwrap().expose(), "from-env");
}

#[test]
fn secrets_file_named_in_config_file_is_read_and_must_exist() {
    let dir = tempfile::tempdir().unwrap();
    let secrets = dir.path().join("secrets.toml");
    let (_cdir, path) = config_file(&format!("secrets_file = {:?}\n", secrets.to_str().unwrap()));
    let err = load(&path, &[]).unwrap_err();
    assert!(err.contains("secrets file") && err.contains(&secrets.display().to_string()), "{err}");

    fs::write(&secrets, "[database]\npassword = \"pw\"\n").unwrap();
    assert_eq!(load(&path, &[]).unwrap().database.password.unwrap().expose(), "pw");
}

#[test]
fn debug_output_contains_no_secret() {
    let (_dir, path) = config_file("");
    let config = load(
        &path,
        &[
            ("STUDYBOT_DATABASE__URL", "postgres://bot:url-secret@db/x"),
            ("STUDYBOT_DATABASE__PASSWORD", "pw-secret"),
        ],
    )
    .unwrap();
    for text in [format!("{config:?}"), format!("{config:#?}")] {
        assert!(!text.contains("url-secret") && !text.contains("pw-secret"), "{text}");
        assert!(text.contains("postgres://bot:***@db/x"), "{text}");
    }
}

#[test]
fn explicit_missing_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nope.toml");
    let err = load(&path, &[]).unwrap_err();
    assert!(err.contains("nope.toml") && err.contains("does not exist"), "{err}");
}

#[test]
fn bad_log_format_names_the_key() {
    let (_dir, path) = config_file("[log]\nformat = \"xml\"\n");
    let err = load(&path, &[]).unwrap_err();
    assert!(err.contains("log.format") && err.contains("`json`"), "{err}");
}

#[test]
fn example_config_loads() {
    let config = Config::load_from(Some(&repo_file("studybot.example.toml")), Vec::new())
        .unwrap_or_else(|e| panic!("studybot.example.toml: {e}"));
    assert_eq!(config.database.url, "sqlite://studybot.db");
}

/// Every key in the example, dotted (`database.url`), including commented-out ones such as
/// `# secrets_file = …`, since those are documented settings too.
fn example_keys() -> BTreeSet<String> {
    let text = fs::read_to_string(repo_file("studybot.example.toml")).unwrap();
    let mut section = String::new();
    let mut keys = BTreeSet::new();
    for line in text.lines() {
        // `# key = …` is a documented optional key; `#   [database]` (indented) is an illustration.
        let line = line.trim();
        let line = line.strip_prefix("# ").unwrap_or(line);
        if line.starts_with(' ') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = format!("{name}.");
        } else if let Some((key, _)) = line.split_once(" = ") {
            let key = key.trim();
            if key.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                keys.insert(format!("{section}{key}"));
            }
        }
    }
    keys
}

#[test]
fn every_example_key_is_documented_with_its_env_var() {
    let docs = fs::read_to_string(repo_file("docs/configuration.md")).unwrap();
    let keys = example_keys();
    assert!(keys.contains("database.url") && keys.contains("database.password"), "{keys:?}");
    for key in &keys {
        let var = studybot::config::env_var_name(&key.split('.').collect::<Vec<_>>());
        assert!(docs.contains(&format!("`{key}`")), "docs/configuration.md does not mention `{key}`");
        assert!(docs.contains(&var), "docs/configuration.md does not mention {var}");
    }
}
