//! Configuration: defaults, the TOML file and STUDYBOT_* environment variables, with secrets kept out of logs.

mod dashboard;
mod discord;
mod error;
mod http;
mod scheduler;
mod secret;
mod sources;
#[cfg(test)]
mod tests;

use std::fmt;
use std::path::{Path, PathBuf};

use figment::{Figment, Profile};
use serde::Deserialize;
use url::Url;

use crate::redact::has_password;
pub use crate::redact::redact_url;
pub use dashboard::DashboardConfig;
pub use discord::{DiscordConfig, Shards};
pub use error::ConfigError;
pub use http::HttpConfig;
pub use scheduler::SchedulerConfig;
pub use secret::Secret;
pub use sources::env_var_name;
use sources::{EnvVars, FileRole, TomlFile, field_names};

/// The config file read when the caller names none; its absence is not an error.
pub const DEFAULT_PATH: &str = "studybot.toml";

/// Keys that may be set only from the environment or the secrets file, never the config file.
/// A new section lists its tokens here (e.g. `discord.token`) and types them as [`Secret`].
pub const SECRET_KEYS: &[&str] = &[
    "database.password",
    "discord.token",
    "slack.bot_token",
    "slack.app_token",
    "slack.signing_secret",
    "dashboard.secret",
];

/// The whole configuration. A new section is a new field here (with `Default`); the environment
/// picks it up by itself, because the known `STUDYBOT_<SECTION>__*` prefixes come from these fields.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub database: DatabaseConfig,
    pub curriculum: CurriculumConfig,
    pub log: LogConfig,
    pub scheduler: SchedulerConfig,
    /// The HTTP server: health, readiness, metrics (and Slack's routes in its HTTP mode).
    pub http: HttpConfig,
    /// The read-only web dashboard per cohort, served by the HTTP server.
    pub dashboard: DashboardConfig,
    /// Present (a `[discord]` table, or any `STUDYBOT_DISCORD__*` variable) → `run` serves Discord.
    pub discord: Option<DiscordConfig>,
    /// Present (a `[slack]` table, or any `STUDYBOT_SLACK__*` variable) → `run` serves Slack.
    pub slack: Option<SlackConfig>,
    /// A TOML file holding only secret keys (Docker/Kubernetes secrets). Relative to the working directory.
    pub secrets_file: Option<PathBuf>,
}

#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseConfig {
    /// `sqlite://…` or `postgres://…`. May hold a password when it came from the environment,
    /// so log it only through [`redact_url`] (as `Debug` does).
    pub url: String,
    pub max_connections: u32,
    /// Filled into a postgres URL that has no password of its own; see [`Self::connect_url`].
    pub password: Option<Secret>,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self { url: "sqlite://studybot.db".into(), max_connections: 5, password: None }
    }
}

impl fmt::Debug for DatabaseConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseConfig")
            .field("url", &redact_url(&self.url))
            .field("max_connections", &self.max_connections)
            .field("password", &self.password)
            .finish()
    }
}

impl DatabaseConfig {
    /// The URL to connect with: `url`, plus `password` when the URL is postgres and has none.
    /// A password already in the URL (from the environment) wins.
    pub fn connect_url(&self) -> Secret {
        let Some(password) = &self.password else { return Secret::new(self.url.clone()) };
        let Ok(mut url) = Url::parse(&self.url) else { return Secret::new(self.url.clone()) };
        let is_postgres = matches!(url.scheme(), "postgres" | "postgresql");
        if !is_postgres || has_password(&url) {
            return Secret::new(self.url.clone());
        }
        match url.set_password(Some(&secret::encode_userinfo(password.expose()))) {
            Ok(()) => Secret::new(url.to_string()),
            // A postgres URL without a host (a Unix socket given by query parameter) has no userinfo.
            Err(()) => {
                url.query_pairs_mut().append_pair("password", password.expose());
                Secret::new(url.to_string())
            }
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CurriculumConfig {
    /// Directory of curriculum Markdown files. Relative to the working directory. Without it
    /// (the default `curriculum` absent), the binary runs the curriculum built into it.
    pub dir: PathBuf,
}

/// The default curriculum folder; when it is absent the binary runs its built-in curriculum.
pub const DEFAULT_CURRICULUM_DIR: &str = "curriculum";

impl Default for CurriculumConfig {
    fn default() -> Self {
        Self { dir: DEFAULT_CURRICULUM_DIR.into() }
    }
}

/// How Slack reaches the bot.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SlackMode {
    /// A websocket the bot opens (app-level token): no public URL needed.
    #[default]
    Socket,
    /// The Events API: Slack POSTs to the bot's HTTP server, signed with the signing secret.
    Http,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SlackConfig {
    pub mode: SlackMode,
    /// `xoxb-…`: `STUDYBOT_SLACK__BOT_TOKEN`.
    pub bot_token: Option<Secret>,
    /// `xapp-…` with `connections:write`, Socket Mode only: `STUDYBOT_SLACK__APP_TOKEN`.
    pub app_token: Option<Secret>,
    /// HTTP mode only: `STUDYBOT_SLACK__SIGNING_SECRET`.
    pub signing_secret: Option<Secret>,
    /// The Web API base; another one for a proxy or a fake in tests.
    pub api_url: String,
    /// HTTP mode: an older name for `http.listen`, still read (the two must agree when both are set).
    pub listen: Option<String>,
    /// Member ids allowed the admin commands besides workspace admins and owners.
    #[serde(deserialize_with = "text_list")]
    pub admins: Vec<String>,
    /// At startup, the ✅ reactions on the lesson posts of this many days are read back
    /// (reactions.get), so reactions changed while the bot was away count.
    pub reconcile_days: u32,
    /// How many requests' work (events, commands, button presses) may be in flight at once;
    /// past it events are answered 503 (Slack delivers them again) and commands a busy reply.
    pub max_in_flight: usize,
}

impl Default for SlackConfig {
    fn default() -> Self {
        Self {
            mode: SlackMode::Socket,
            bot_token: None,
            app_token: None,
            signing_secret: None,
            api_url: "https://slack.com/api".into(),
            listen: None,
            admins: Vec::new(),
            reconcile_days: 3,
            max_in_flight: 10_000,
        }
    }
}

/// A list of words from TOML (`["U1", "U2"]`) or from one environment string (`U1,U2`).
fn text_list<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Words {
        List(Vec<String>),
        Text(String),
    }
    Ok(match Words::deserialize(deserializer)? {
        Words::List(words) => words,
        Words::Text(text) => text
            .trim()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .split(',')
            .map(|w| w.trim().trim_matches('"').to_string())
            .filter(|w| !w.is_empty())
            .collect(),
    })
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    pub format: LogFormat,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

impl Config {
    /// Where `studybot run`'s HTTP server listens, or `None` when it is off (see [`HttpConfig`]).
    /// Validated when the configuration was loaded, so an invalid address reads as off here.
    pub fn http_listen(&self) -> Option<std::net::SocketAddr> {
        http::resolve(&self.http, self.slack.as_ref()).ok().flatten()
    }

    /// `http.public_url` as a base for links (with a trailing `/`), or `None` when unset.
    /// Validated when the configuration was loaded, so an invalid one reads as unset here.
    pub fn public_url(&self) -> Option<Url> {
        self.http.public_url.as_deref().and_then(|u| http::public_base(u).ok())
    }

    /// Loads from `path` (or `studybot.toml` if present) and the process environment.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        Self::load_from(path, std::env::vars())
    }

    /// Like [`Config::load`], with the environment passed in so tests need not touch the process's.
    pub fn load_from(
        path: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        match path {
            Some(path) => load_layers(path, true, env),
            None => load_layers(Path::new(DEFAULT_PATH), false, env),
        }
    }
}

/// Defaults → config file → secrets file → environment, later layers winning.
fn load_layers(
    path: &Path,
    required: bool,
    env: impl IntoIterator<Item = (String, String)>,
) -> Result<Config, ConfigError> {
    let file = TomlFile::read(path, FileRole::Config, required)?;
    if let Some(file) = &file {
        reject_secrets(file)?;
    }
    let env: Vec<(String, String)> = env.into_iter().collect();
    let discord_token = env.iter().find(|(k, _)| k == "DISCORD_TOKEN").map(|(_, v)| Secret::new(v.clone()));
    let env = EnvVars::scoped(env, field_names::<Config>());

    // The secrets file's path is itself configuration, so read the other layers first to find it.
    let mut figment = layered(file.as_ref(), None, &env);
    let mut config: Config = figment.extract_lossy()?;
    if let Some(secrets_path) = &config.secrets_file {
        let secrets = TomlFile::read(secrets_path, FileRole::Secrets, true)?.expect("required");
        only_secrets(&secrets)?;
        figment = layered(file.as_ref(), Some(&secrets), &env);
        config = figment.extract_lossy()?;
    }
    if let Some(discord) = config.discord.as_mut().filter(|d| d.token.is_none()) {
        discord.token = discord_token;
    }
    validate(&config, &figment)?;
    Ok(config)
}

fn layered(file: Option<&TomlFile>, secrets: Option<&TomlFile>, env: &EnvVars) -> Figment {
    let mut figment = Figment::new();
    if let Some(file) = file {
        figment = figment.merge(file);
    }
    if let Some(secrets) = secrets {
        figment = figment.merge(secrets);
    }
    figment.merge(env)
}

/// The config file is usually checked in or baked into an image; secrets must come from elsewhere.
fn reject_secrets(file: &TomlFile) -> Result<(), ConfigError> {
    if let Some(key) = SECRET_KEYS.iter().find(|key| file.get(key).is_some()) {
        let parts: Vec<&str> = key.split('.').collect();
        return Err(ConfigError::SecretInFile {
            key: key.to_string(),
            path: file.path.clone(),
            env_var: env_var_name(&parts),
        });
    }
    let url = file.get("database.url").and_then(toml::Value::as_str);
    if url.and_then(|u| Url::parse(u).ok()).is_some_and(|u| has_password(&u)) {
        return Err(ConfigError::PasswordInUrl { path: file.path.clone() });
    }
    Ok(())
}

/// A secrets file that sets ordinary keys would hide configuration where nobody looks for it.
fn only_secrets(file: &TomlFile) -> Result<(), ConfigError> {
    match file.leaf_keys().into_iter().find(|key| !SECRET_KEYS.contains(&key.as_str())) {
        Some(key) => Err(ConfigError::NotASecret {
            key,
            path: file.path.clone(),
            allowed: SECRET_KEYS.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", "),
        }),
        None => Ok(()),
    }
}

/// Checks what serde cannot; `figment` names the layer the offending value came from.
fn validate(config: &Config, figment: &Figment) -> Result<(), ConfigError> {
    let invalid = |key: &str, reason: String| {
        let parts: Vec<&str> = key.split('.').collect();
        let location = figment
            .find_metadata(key)
            .map_or_else(|| format!("key `{key}`"), |md| md.interpolate(&Profile::Default, &parts));
        ConfigError::Invalid { location, reason }
    };
    let db = &config.database;
    match Url::parse(&db.url) {
        Ok(url) if matches!(url.scheme(), "sqlite" | "postgres" | "postgresql") => {}
        Ok(url) => {
            let reason = format!("unsupported scheme `{}`; use sqlite:// or postgres://", url.scheme());
            return Err(invalid("database.url", reason));
        }
        Err(e) => {
            let reason = format!("`{}` is not a URL ({e})", redact_url(&db.url));
            return Err(invalid("database.url", reason));
        }
    }
    if db.max_connections == 0 {
        return Err(invalid("database.max_connections", "must be at least 1".into()));
    }
    config.scheduler.validate().map_err(|(key, reason)| invalid(key, reason))?;
    if let Some(discord) = &config.discord {
        discord::validate_discord(discord).map_err(|(key, reason)| invalid(key, reason))?;
    }
    if let Some(slack) = &config.slack {
        validate_slack(slack).map_err(|(key, reason)| invalid(key, reason))?;
    }
    http::resolve(&config.http, config.slack.as_ref()).map_err(|(key, reason)| invalid(key, reason))?;
    if let Some(public) = &config.http.public_url {
        http::public_base(public).map_err(|reason| invalid("http.public_url", reason))?;
    }
    config.dashboard.validate().map_err(|(key, reason)| invalid(key, reason))?;
    if config.discord.is_some() && config.slack.is_some() {
        // Both sections may come from the file, the environment or one of each: name neither source.
        let location = "`[discord]` and `[slack]`".to_string();
        let reason =
            "one process serves one platform; run a second instance (its own config) for Slack".into();
        return Err(ConfigError::Invalid { location, reason });
    }
    Ok(())
}

fn validate_slack(slack: &SlackConfig) -> Result<(), (&'static str, String)> {
    let missing = |s: &Option<Secret>| s.as_ref().is_none_or(|t| t.expose().trim().is_empty());
    if missing(&slack.bot_token) {
        return Err(("slack.bot_token", "no bot token: set STUDYBOT_SLACK__BOT_TOKEN (xoxb-…)".into()));
    }
    match slack.mode {
        SlackMode::Socket if missing(&slack.app_token) => {
            let reason = "Socket Mode needs an app-level token: set STUDYBOT_SLACK__APP_TOKEN (xapp-…), or mode = \"http\"";
            return Err(("slack.app_token", reason.into()));
        }
        SlackMode::Http if missing(&slack.signing_secret) => {
            let reason = "HTTP mode needs the app's signing secret: set STUDYBOT_SLACK__SIGNING_SECRET";
            return Err(("slack.signing_secret", reason.into()));
        }
        _ => {}
    }
    if slack.reconcile_days > 30 {
        return Err(("slack.reconcile_days", "must be 0-30".into()));
    }
    if !(1..=1_000_000).contains(&slack.max_in_flight) {
        return Err(("slack.max_in_flight", "must be 1-1000000".into()));
    }
    match Url::parse(&slack.api_url) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => Ok(()),
        _ => Err(("slack.api_url", format!("`{}` is not an http(s) URL", slack.api_url))),
    }
}
