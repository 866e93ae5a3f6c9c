//! A TCP proxy in front of a database that a test can cut (every open connection dropped, new
//! ones closed at once) and restore: the database going away and coming back, on loopback.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use url::Url;

pub struct Proxy {
    port: u16,
    cut: Arc<AtomicBool>,
    /// Bumped on each cut: every forwarding task of an older generation ends.
    generation: watch::Sender<u64>,
}

impl Proxy {
    /// Forwards a free loopback port to the host and port of `url` (a postgres:// URL).
    pub async fn start(url: &str) -> Proxy {
        let target = Url::parse(url).expect("a database URL");
        let upstream =
            format!("{}:{}", target.host_str().unwrap_or("127.0.0.1"), target.port().unwrap_or(5432));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let cut = Arc::new(AtomicBool::new(false));
        let generation = watch::Sender::new(0_u64);
        let (refuse, changes) = (Arc::clone(&cut), generation.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                if refuse.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                tokio::spawn(forward(client, upstream.clone(), changes.subscribe()));
            }
        });
        Proxy { port, cut, generation }
    }

    /// `url` with its host and port replaced by the proxy's.
    pub fn url(&self, url: &str) -> String {
        let mut url = Url::parse(url).unwrap();
        url.set_host(Some("127.0.0.1")).unwrap();
        url.set_port(Some(self.port)).unwrap();
        url.to_string()
    }

    /// Drops every forwarded connection and closes new ones as they come.
    pub fn cut(&self) {
        self.cut.store(true, Ordering::SeqCst);
        self.generation.send_modify(|g| *g += 1);
    }

    pub fn restore(&self) {
        self.cut.store(false, Ordering::SeqCst);
    }
}

async fn forward(mut client: TcpStream, upstream: String, mut cut: watch::Receiver<u64>) {
    let Ok(mut server) = TcpStream::connect(&upstream).await else { return };
    tokio::select! {
        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
        _ = cut.changed() => {}
    }
}
