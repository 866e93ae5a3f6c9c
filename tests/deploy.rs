//! Checks on deploy/ that need no Docker: the image builds what README documents, Compose and the systemd unit are well-formed.

mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_yaml_ng::Value;
use studybot::config::Config;

const BUILD_COMMAND: &str = "cargo build --release --locked";
const SERVICE_EXEC: &str = "/usr/local/bin/studybot run --config /etc/studybot/studybot.toml";

fn repo_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(name)
}

fn read(name: &str) -> String {
    fs::read_to_string(repo_path(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Dockerfile instructions with `\` continuations joined, comments dropped.
fn dockerfile_instructions() -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in read("deploy/Dockerfile").lines().map(str::trim) {
        if line.starts_with('#') || (line.is_empty() && current.is_empty()) {
            continue;
        }
        current.push_str(line.trim_end_matches('\\').trim());
        current.push(' ');
        if !line.ends_with('\\') {
            out.push(current.trim().to_string());
            current.clear();
        }
    }
    out
}

#[test]
fn dockerfile_builds_what_the_readme_documents() {
    let instructions = dockerfile_instructions();
    let build_runs: Vec<&String> =
        instructions.iter().filter(|i| i.starts_with("RUN ") && i.contains("cargo build")).collect();
    assert!(!build_runs.is_empty(), "no `RUN cargo build` in deploy/Dockerfile");
    for run in build_runs {
        assert!(run.contains(BUILD_COMMAND), "Dockerfile builds with `{run}`, README says `{BUILD_COMMAND}`");
    }

    let readme = read("README.md");
    let section =
        readme.split("## Build from source").nth(1).expect("README has a `## Build from source` section");
    let section = section.split("\n## ").next().unwrap();
    assert!(section.contains(BUILD_COMMAND), "README's Build from source section lacks `{BUILD_COMMAND}`");

    let copies_binary = instructions.iter().any(|i| {
        i.starts_with("COPY --from=builder ")
            && i.contains("/target/release/studybot /usr/local/bin/studybot")
    });
    assert!(copies_binary, "the runtime stage must copy target/release/studybot to /usr/local/bin");
}

#[test]
fn dockerfile_runtime_stage_is_as_documented() {
    let instructions = dockerfile_instructions();
    let has = |want: &str| instructions.iter().any(|i| i == want);
    let from: Vec<&String> = instructions.iter().filter(|i| i.starts_with("FROM ")).collect();
    assert_eq!(from.len(), 2, "{from:?}");
    assert!(from[0].starts_with("FROM rust:1.95-bookworm AS builder"), "{}", from[0]);
    assert_eq!(from[1], "FROM debian:bookworm-slim");

    assert!(instructions.iter().any(|i| i.starts_with("RUN ") && i.contains("ca-certificates")));
    assert!(has("VOLUME [\"/data\"]"));
    assert!(has("USER studybot:studybot"), "the image must not run as root");
    assert!(has("ENTRYPOINT [\"studybot\"]"));
    assert!(has("CMD [\"run\", \"--config\", \"/etc/studybot/studybot.toml\"]"));
    assert!(has("COPY curriculum/ /usr/share/studybot/curriculum/"));
    assert!(has("COPY deploy/studybot.toml /etc/studybot/studybot.toml"));
}

#[test]
fn builder_image_is_new_enough_for_the_crate() {
    let manifest: toml::Table = read("Cargo.toml").parse().unwrap();
    let wanted = manifest["package"]["rust-version"].as_str().unwrap();
    let version = |v: &str| -> Vec<u32> { v.split('.').map(|n| n.parse().unwrap()).collect() };
    let image = dockerfile_instructions().into_iter().find(|i| i.starts_with("FROM rust:")).unwrap();
    let tag = image.trim_start_matches("FROM rust:").split('-').next().unwrap().to_string();
    assert!(version(&tag) >= version(wanted), "builder rust:{tag} is older than rust-version {wanted}");
}

#[test]
fn image_config_loads_and_points_into_the_image() {
    let config = Config::load_from(Some(&repo_path("deploy/studybot.toml")), Vec::new())
        .unwrap_or_else(|e| panic!("deploy/studybot.toml: {e}"));
    assert_eq!(config.database.url, "sqlite:///data/studybot.db", "the database belongs in the /data volume");
    assert_eq!(config.curriculum.dir, Path::new("/usr/share/studybot/curriculum"));
}

#[test]
fn dockerignore_keeps_build_output_and_secrets_out_of_the_context() {
    let ignore = read("deploy/Dockerfile.dockerignore");
    for pattern in ["target/", ".git/", "**/*.env"] {
        assert!(
            ignore.lines().any(|l| l.trim() == pattern),
            "deploy/Dockerfile.dockerignore lacks {pattern}"
        );
    }
}

#[test]
fn compose_is_valid_yaml_and_builds_the_dockerfile() {
    let compose: Value = serde_yaml_ng::from_str(&read("deploy/compose.yaml")).expect("compose.yaml is YAML");
    let studybot = &compose["services"]["studybot"];
    assert_eq!(studybot["build"]["dockerfile"].as_str(), Some("deploy/Dockerfile"));
    // The context is relative to deploy/, and must be the repository root the Dockerfile expects.
    let context = studybot["build"]["context"].as_str().unwrap();
    assert!(repo_path("deploy").join(context).join("Cargo.toml").is_file(), "context {context}");
    assert!(studybot["env_file"].as_sequence().is_some_and(|s| !s.is_empty()), "secrets come via env_file");
    assert!(repo_path("deploy/studybot.env.example").is_file(), "a template for the env_file");

    let postgres = &compose["services"]["postgres"];
    assert!(postgres["image"].as_str().is_some_and(|i| i.starts_with("postgres:15")), "{postgres:?}");
}

#[test]
fn compose_sets_no_secret_inline() {
    let compose: Value = serde_yaml_ng::from_str(&read("deploy/compose.yaml")).unwrap();
    for (name, service) in compose["services"].as_mapping().unwrap() {
        let Some(environment) = service["environment"].as_mapping() else { continue };
        for (key, value) in environment {
            let (key, value) = (key.as_str().unwrap(), value.as_str().unwrap_or_default());
            assert!(!key.contains("PASSWORD") && !key.contains("TOKEN"), "{name:?} sets {key} inline");
            let has_password = url::Url::parse(value).is_ok_and(|u| studybot::redact::has_password(&u));
            assert!(!has_password, "{name:?}: {key} holds a password; use the env_file");
        }
    }
}

/// `(section, key, value)` for every assignment in a systemd unit file.
fn unit_entries(text: &str) -> Vec<(String, String, String)> {
    let mut section = String::new();
    let mut out = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            section = line.trim_matches(['[', ']']).to_string();
        } else if let Some((key, value)) = line.split_once('=').filter(|_| !line.starts_with('#')) {
            out.push((section.clone(), key.trim().to_string(), value.trim().to_string()));
        }
    }
    out
}

#[test]
fn systemd_unit_has_the_required_settings() {
    let entries = unit_entries(&read("deploy/studybot.service"));
    let get = |section: &str, key: &str| -> Vec<&str> {
        entries.iter().filter(|(s, k, _)| s == section && k == key).map(|(_, _, v)| v.as_str()).collect()
    };
    assert_eq!(get("Service", "ExecStart"), [SERVICE_EXEC]);
    assert!(get("Service", "DynamicUser") == ["yes"] || !get("Service", "User").is_empty());
    for (key, want) in [
        ("ProtectSystem", "strict"),
        ("Restart", "on-failure"),
        ("TimeoutStopSec", "15"),
        ("StateDirectory", "studybot"),
        ("NoNewPrivileges", "yes"),
    ] {
        assert_eq!(get("Service", key), [want], "[Service] {key}");
    }
    assert!(!get("Service", "EnvironmentFile").is_empty(), "tokens come from an EnvironmentFile");
    assert_eq!(get("Install", "WantedBy"), ["multi-user.target"]);
}

/// `systemd-analyze verify` insists that ExecStart exists, so the check runs on a copy of the unit
/// pointing at the binary cargo just built; everything else is verified as shipped.
#[test]
fn systemd_unit_passes_systemd_analyze_verify() {
    if Command::new("systemd-analyze").arg("--version").output().is_err() {
        eprintln!("note: systemd-analyze is not on PATH; skipping `systemd-analyze verify`");
        return;
    }
    let unit = read("deploy/studybot.service");
    assert!(unit.contains(SERVICE_EXEC));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("studybot.service");
    fs::write(&path, unit.replace("/usr/local/bin/studybot", env!("CARGO_BIN_EXE_studybot"))).unwrap();

    let output = Command::new("systemd-analyze").args(["verify", "--man=no"]).arg(&path).output().unwrap();
    let diagnostics =
        String::from_utf8_lossy(&output.stderr).to_string() + &String::from_utf8_lossy(&output.stdout);
    // verify exits 0 on an unknown key or an unparsable value, and only warns; treat those as failures.
    let about_unit: Vec<&str> = diagnostics.lines().filter(|l| l.contains("studybot.service")).collect();
    assert!(output.status.success() && about_unit.is_empty(), "systemd-analyze verify:\n{diagnostics}");
}

#[test]
fn slack_manifest_asks_for_what_the_bot_uses() {
    let manifest: Value =
        serde_yaml_ng::from_str(&read("deploy/slack/manifest.yaml")).expect("manifest.yaml is YAML");
    let scopes: Vec<&str> = manifest["oauth_config"]["scopes"]["bot"]
        .as_sequence()
        .expect("bot scopes")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for scope in [
        "chat:write",
        "commands",
        "reactions:read",
        "reactions:write",
        "users:read",
        "channels:history",
        "groups:history",
        "channels:read",
        "groups:read",
        "team:read",
        "im:write",
        "files:write",
    ] {
        assert!(scopes.contains(&scope), "missing bot scope {scope}: {scopes:?}");
    }
    let events: Vec<&str> = manifest["settings"]["event_subscriptions"]["bot_events"]
        .as_sequence()
        .expect("bot events")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(events, ["reaction_added", "reaction_removed"]);
    assert_eq!(manifest["settings"]["interactivity"]["is_enabled"], Value::Bool(true));
    assert_eq!(manifest["settings"]["socket_mode_enabled"], Value::Bool(true));
    assert_eq!(manifest["features"]["slash_commands"][0]["command"].as_str(), Some("/studybot"));
}

#[test]
fn discord_docs_give_the_invite_permissions_the_code_defines() {
    let docs = read("docs/discord.md");
    let bits = studybot::platform::discord::invite_permissions().bits().to_string();
    assert!(docs.contains(&format!("permissions={bits}")), "docs/discord.md's invite URL must carry {bits}");
    assert!(docs.contains("scope=bot+applications.commands"));
}

/// The `studybot_*` names an alert expression uses, e.g. `studybot_lesson_lateness_seconds_bucket`.
fn metric_names(expr: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = expr;
    while let Some(at) = rest.find("studybot_") {
        let tail = &rest[at..];
        let end = tail.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(tail.len());
        names.push(tail[..end].to_string());
        rest = &tail[end..];
    }
    names
}

#[tokio::test(flavor = "multi_thread")]
async fn alert_rules_are_valid_and_name_only_metrics_the_binary_exposes() {
    let rules: Value = serde_yaml_ng::from_str(&read("deploy/prometheus/studybot-alerts.yml")).expect("YAML");
    let groups = rules["groups"].as_sequence().expect("a `groups` list");
    let mut used = std::collections::BTreeSet::new();
    let mut alerts = Vec::new();
    for group in groups {
        assert!(group["name"].as_str().is_some(), "a group without a name: {group:?}");
        for rule in group["rules"].as_sequence().expect("a group's `rules` list") {
            let alert = rule["alert"].as_str().expect("every rule is an alert");
            let expr = rule["expr"].as_str().unwrap_or_else(|| panic!("{alert}: no expr"));
            assert!(rule["labels"]["severity"].as_str().is_some(), "{alert}: no severity");
            assert!(rule["annotations"]["summary"].as_str().is_some(), "{alert}: no summary");
            if let Some(wait) = rule.get("for") {
                let wait = wait.as_str().unwrap_or_default();
                assert!(wait.ends_with('m') || wait.ends_with('s'), "{alert}: for: {wait}");
            }
            used.extend(metric_names(expr));
            alerts.push(alert.to_string());
        }
    }
    for wanted in
        ["LessonPostsFailing", "LessonsLate", "NoLeaseHolder", "NotReady", "DatabaseErrors", "AcksMissing"]
    {
        assert!(alerts.iter().any(|a| a.contains(wanted)), "no alert for {wanted}: {alerts:?}");
    }

    // What a real `studybot run` exposes, scraped.
    let dir = tempfile::tempdir().unwrap();
    let url = support::db::sqlite_url(dir.path());
    let timeline = support::bot::Timeline::starting_now("2026-12-01T08:00:00Z".parse().unwrap(), 1.0);
    let bot = support::bot::Bot::start(dir.path(), &url, &dir.path().join("r.jsonl"), &timeline, 1);
    let address = bot.http_address();
    let page = support::scrape::scrape_until(address, std::time::Duration::from_secs(30), |p| {
        p.value("studybot_lease_holder", &[]) == Some(1.0)
    })
    .await;
    let exposed = page.names();
    let missing: Vec<&String> = used.iter().filter(|name| !exposed.contains(*name)).collect();
    assert!(missing.is_empty(), "alerts use metrics the binary does not expose: {missing:?}\n{exposed:?}");
}
