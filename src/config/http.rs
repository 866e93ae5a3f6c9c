//! `[http]`: the one HTTP server of `studybot run` (health, readiness, metrics, the dashboard,
//! and Slack's routes in HTTP mode), its public address, and how `slack.listen` still works.

use std::net::SocketAddr;

use serde::Deserialize;
use url::Url;

use super::{SlackConfig, SlackMode};

/// Where the server listens when nothing says otherwise: loopback, for a local Prometheus or a
/// sidecar; set `0.0.0.0:9464` to be scraped from elsewhere.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:9464";

/// Slack's HTTP mode listened here before `[http]` existed; kept as its default so an
/// installation that set neither key keeps its public address.
pub const SLACK_HTTP_DEFAULT_LISTEN: &str = "0.0.0.0:3000";

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpConfig {
    /// `IP:PORT` (port 0 picks a free port, logged at start), or `""` / `"off"` for no server.
    pub listen: Option<String>,
    /// The address people reach the server at from outside (`https://studybot.example.org`, a
    /// path prefix allowed): dashboard links start with it. Unset: no links are handed out.
    pub public_url: Option<String>,
}

/// `http.public_url` as a base to join paths onto: an absolute http(s) URL with a host, no
/// query, fragment or credentials; a trailing `/` is added so a path prefix is kept.
pub fn public_base(text: &str) -> Result<Url, String> {
    let text = text.trim();
    let refuse = |why: &str| format!("`{text}` {why}; give an address like https://studybot.example.org");
    let mut url = Url::parse(text).map_err(|_| refuse("is not a URL"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(refuse("is not an http(s) address with a host"));
    }
    if url.query().is_some()
        || url.fragment().is_some()
        || !url.username().is_empty()
        || url.password().is_some()
    {
        return Err(refuse("has a query, a fragment or credentials"));
    }
    if !url.path().ends_with('/') {
        url.set_path(&format!("{}/", url.path()));
    }
    Ok(url)
}

/// The address the server binds, or `None` when it is off. `Err` names the key and why.
pub fn resolve(
    http: &HttpConfig,
    slack: Option<&SlackConfig>,
) -> Result<Option<SocketAddr>, (&'static str, String)> {
    let slack_http = slack.filter(|s| s.mode == SlackMode::Http);
    let ours = http.listen.as_deref().map(str::trim);
    let alias = slack_http.and_then(|s| s.listen.as_deref()).map(str::trim);
    let (key, text) = match (ours, alias) {
        (Some(ours), Some(alias)) if ours != alias => {
            let reason = format!(
                "`{ours}`, but slack.listen says `{alias}`: one server serves health, metrics and Slack's routes; \
                 set only http.listen"
            );
            return Err(("http.listen", reason));
        }
        (Some(ours), _) => ("http.listen", ours),
        (None, Some(alias)) => ("slack.listen", alias),
        (None, None) if slack_http.is_some() => ("http.listen", SLACK_HTTP_DEFAULT_LISTEN),
        (None, None) => ("http.listen", DEFAULT_LISTEN),
    };
    if text.is_empty() || text.eq_ignore_ascii_case("off") {
        if slack_http.is_some() {
            let reason = "Slack's HTTP mode needs the HTTP server: set an address like 0.0.0.0:3000, or \
                          slack.mode = \"socket\""
                .to_string();
            return Err((key, reason));
        }
        return Ok(None);
    }
    match text.parse::<SocketAddr>() {
        Ok(addr) => Ok(Some(addr)),
        Err(_) => Err((key, format!("`{text}` is not an address like 127.0.0.1:9464 (or \"off\")"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn http(listen: Option<&str>) -> HttpConfig {
        HttpConfig { listen: listen.map(str::to_string), public_url: None }
    }

    fn slack(mode: SlackMode, listen: Option<&str>) -> SlackConfig {
        SlackConfig { mode, listen: listen.map(str::to_string), ..SlackConfig::default() }
    }

    #[test]
    fn defaults_and_off() {
        assert_eq!(resolve(&http(None), None), Ok(Some(DEFAULT_LISTEN.parse().unwrap())));
        assert_eq!(resolve(&http(Some("off")), None), Ok(None));
        assert_eq!(resolve(&http(Some("")), None), Ok(None));
        assert_eq!(resolve(&http(Some("127.0.0.1:0")), None), Ok(Some("127.0.0.1:0".parse().unwrap())));
        let (key, why) = resolve(&http(Some("localhost")), None).unwrap_err();
        assert_eq!(key, "http.listen");
        assert!(why.contains("`localhost`"), "{why}");
    }

    #[test]
    fn public_url_is_an_http_base_with_a_trailing_slash() {
        let base = |t: &str| public_base(t).map(|u| u.to_string());
        assert_eq!(base("https://studybot.example.org"), Ok("https://studybot.example.org/".into()));
        assert_eq!(base("http://10.0.0.5:9464/bot"), Ok("http://10.0.0.5:9464/bot/".into()));
        assert_eq!(base(" https://x.org/bot/ "), Ok("https://x.org/bot/".into()));
        for bad in ["studybot.example.org", "ftp://x.org", "https://x.org/?a=1", "https://u:p@x.org", "/dash"]
        {
            let why = public_base(bad).unwrap_err();
            assert!(why.contains("https://studybot.example.org"), "{bad}: {why}");
        }
    }

    #[test]
    fn slack_listen_is_an_alias_in_http_mode() {
        let old = slack(SlackMode::Http, Some("127.0.0.1:3001"));
        assert_eq!(resolve(&http(None), Some(&old)), Ok(Some("127.0.0.1:3001".parse().unwrap())));
        let neither = slack(SlackMode::Http, None);
        let want = SLACK_HTTP_DEFAULT_LISTEN.parse().unwrap();
        assert_eq!(resolve(&http(None), Some(&neither)), Ok(Some(want)));
        let same = resolve(&http(Some("127.0.0.1:3001")), Some(&old));
        assert_eq!(same, Ok(Some("127.0.0.1:3001".parse().unwrap())));
        assert_eq!(resolve(&http(Some("127.0.0.1:9000")), Some(&old)).unwrap_err().0, "http.listen");
        assert_eq!(resolve(&http(Some("off")), Some(&neither)).unwrap_err().0, "http.listen");
        let bad = slack(SlackMode::Http, Some("nowhere"));
        assert_eq!(resolve(&http(None), Some(&bad)).unwrap_err().0, "slack.listen");
        // Socket Mode never used slack.listen.
        let socket = slack(SlackMode::Socket, Some("127.0.0.1:3001"));
        assert_eq!(resolve(&http(None), Some(&socket)), Ok(Some(DEFAULT_LISTEN.parse().unwrap())));
    }
}
