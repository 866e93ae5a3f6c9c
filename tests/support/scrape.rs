//! The bot's HTTP server from a test: GET a path, scrape `/metrics` and read series from it with
//! a Prometheus text-format parser.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use prometheus_parse::{Sample, Value};

/// One request, bounded: the status and body.
pub async fn get(address: SocketAddr, path: &str) -> (u16, String) {
    let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap();
    let response =
        client.get(format!("http://{address}{path}")).send().await.expect("the HTTP server answers");
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

/// A parsed `/metrics` page.
pub struct Scrape {
    pub text: String,
    pub samples: Vec<Sample>,
    pub took: Duration,
}

pub async fn scrape(address: SocketAddr) -> Scrape {
    let started = Instant::now();
    let (status, text) = get(address, "/metrics").await;
    let took = started.elapsed();
    assert_eq!(status, 200, "{text}");
    let lines = text.lines().map(|l| Ok(l.to_string()));
    let parsed = prometheus_parse::Scrape::parse(lines).expect("the Prometheus text format");
    Scrape { text, samples: parsed.samples, took }
}

impl Scrape {
    /// The value of a counter, gauge or untyped series whose labels include `labels`.
    pub fn value(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        self.series(name, labels).find_map(|s| match s.value {
            Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => Some(v),
            _ => None,
        })
    }

    /// How many observations a histogram series holds (its `_count`).
    pub fn count(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        self.value(&format!("{name}_count"), labels)
    }

    fn series<'a>(&'a self, name: &'a str, labels: &'a [(&str, &str)]) -> impl Iterator<Item = &'a Sample> {
        self.samples
            .iter()
            .filter(move |s| s.metric == name && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
    }

    /// Every series name on the page (`_bucket`, `_sum`, `_count` included), from the raw lines.
    pub fn names(&self) -> BTreeSet<String> {
        self.text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| l.split(['{', ' ']).next().map(str::to_string))
            .collect()
    }
}

/// Polls `/metrics` until `done` holds, for up to `limit`; the last scrape either way.
pub async fn scrape_until(address: SocketAddr, limit: Duration, done: impl Fn(&Scrape) -> bool) -> Scrape {
    let deadline = Instant::now() + limit;
    loop {
        let page = scrape(address).await;
        if done(&page) || Instant::now() >= deadline {
            return page;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
