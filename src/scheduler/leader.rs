//! The scheduler lease over time: take it, renew it well before it expires, keep the fence's
//! deadline on the monotonic clock, step down when it cannot be kept; stand by (PostgreSQL) or
//! refuse to run (SQLite) while another instance holds it.

use std::future::Future;
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use crate::coach::Fence;
use crate::config::SchedulerConfig;
use crate::faults::{Backoff, Episode, chain};
use crate::ops::{health, metrics};
use crate::store::Store;
use crate::store::lease::{LeaseConn, LeaseRow, Opened, SCHEDULER, Taken};

/// The lease's clock: how long it lasts, how often it is renewed, how long a send may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeaseTiming {
    pub ttl: Duration,
    pub renew: Duration,
    pub send_timeout: Duration,
}

impl LeaseTiming {
    pub fn from_config(config: &SchedulerConfig) -> LeaseTiming {
        LeaseTiming {
            ttl: Duration::from_secs(config.lease_ttl_secs),
            renew: Duration::from_secs(config.lease_renew_secs),
            send_timeout: Duration::from_secs(config.send_timeout_secs),
        }
    }

    /// A tenth of the TTL: how much earlier than the database the leader gives up, and how much
    /// later a successor adopts, so clocks that run at slightly different rates cannot overlap.
    fn margin(&self) -> Duration {
        self.ttl / 10
    }

    /// The local deadline after a renewal (or acquisition) whose statement was sent at `sent`:
    /// the database computed the expiry from its clock when the statement ran, which was after
    /// `sent`, so this deadline falls before the expiry.
    pub(crate) fn deadline(&self, sent: Instant) -> Instant {
        sent + self.ttl - self.margin()
    }

    /// When this leader may adopt claims of older generations, given that the statement that
    /// took the lease returned at `taken`: the old lease had expired by then, and any send its
    /// holder started before its own deadline has ended within `send_timeout`.
    fn adopt_after(&self, taken: Instant) -> Instant {
        taken + self.send_timeout + self.margin()
    }
}

/// Who this process is in the lease row: host, pid and a random part, so a restarted process
/// with a recycled pid is never mistaken for its predecessor.
pub fn holder_id() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    let host = host.trim();
    let host = if host.is_empty() { "unknown-host" } else { host };
    format!("{host}:pid{}:{:08x}", std::process::id(), rand::random::<u32>())
}

/// Runs `work` whenever this instance holds the scheduler lease, until `stop`. `work` gets the
/// lease's fence and a token that is cancelled when the lease is lost or a stop is requested,
/// and must return soon after. On SQLite a second instance is refused with the reason (`Err`).
pub async fn lead<W, F>(
    url: &str,
    store: &Store,
    timing: LeaseTiming,
    stop: &CancellationToken,
    mut work: W,
) -> anyhow::Result<()>
where
    W: FnMut(Fence, CancellationToken) -> F,
    F: Future<Output = ()>,
{
    let mut conn = match LeaseConn::open(url, store, timing.renew.max(Duration::from_secs(1))).await? {
        Opened::Ready(conn) => conn,
        Opened::Refused(why) => anyhow::bail!("{why}"),
    };
    let holder = holder_id();
    let mut standing_by = false;
    let mut backoff = Backoff::new(timing.renew, Duration::from_secs(30));
    let failing = Episode::new("scheduler lease");
    while !stop.is_cancelled() {
        let sent = Instant::now();
        let wait = match conn.acquire(SCHEDULER, &holder, timing.ttl).await {
            Ok(Taken::Held(row)) => {
                standing_by = false;
                failing.recovered();
                backoff.reset();
                health::set_lease_known();
                metrics::lease_taken();
                metrics::lease_held(true);
                let lease = Held { row, sent, taken: Instant::now(), timing };
                lease.hold(&mut conn, &holder, stop, &mut work).await;
                metrics::lease_held(false);
                continue;
            }
            Ok(Taken::Busy(row)) => {
                failing.recovered();
                health::set_lease_known();
                if !standing_by {
                    tracing::info!("standing by: {}", busy(&row));
                    standing_by = true;
                }
                timing.renew
            }
            Err(e) => {
                failing.failed(&anyhow::Error::from(e), "cannot take the scheduler lease; retrying");
                backoff.next_wait()
            }
        };
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = stop.cancelled() => {}
        }
    }
    conn.close().await;
    tracing::info!("studybot stopped");
    Ok(())
}

fn busy(row: &LeaseRow) -> String {
    format!(
        "another studybot instance ({}) holds the scheduler lease (generation {}, {} ms left); this \
         instance takes over when it expires or is released",
        row.holder,
        row.generation,
        row.remaining_ms().max(0)
    )
}

/// A lease this instance has just taken.
struct Held {
    row: LeaseRow,
    /// When the statement that took it was sent, and when it returned.
    sent: Instant,
    taken: Instant,
    timing: LeaseTiming,
}

impl Held {
    /// Runs `work` while the lease holds, renewing it every `renew`; returns when it is lost, its
    /// fence ends, or a stop is requested, after `work` has returned. Then releases it.
    async fn hold<W, F>(self, conn: &mut LeaseConn, holder: &str, stop: &CancellationToken, work: &mut W)
    where
        W: FnMut(Fence, CancellationToken) -> F,
        F: Future<Output = ()>,
    {
        let Held { row, sent, taken, timing } = self;
        let generation = row.generation;
        // An exclusive lease (SQLite's lock file) proves every earlier holder dead: nothing of
        // theirs can still be in flight, so their claims are adopted at once. Waiting out a send
        // bound here would only make those lessons late, or too late to post at all.
        let adopt_after = if conn.exclusive() { taken } else { timing.adopt_after(taken) };
        let fence = Fence::new(generation, timing.deadline(sent), adopt_after, timing.send_timeout);
        tracing::info!(
            kind = conn.kind(),
            generation,
            "scheduler lease acquired: this instance posts lessons"
        );
        let term = stop.child_token();
        let renewing = async {
            renew(conn, holder, generation, timing, &fence, &term).await;
            term.cancel();
        };
        tokio::join!(work(fence.clone(), term.clone()), renewing);
        match conn.release(SCHEDULER, holder, generation).await {
            Ok(true) => tracing::info!(generation, "scheduler lease released"),
            Ok(false) => {}
            // A lease that was lost need not be released; one that could not be released expires.
            Err(_) if fence.is_ended() => {}
            Err(e) => {
                tracing::warn!(error = %chain(&e), "scheduler lease not released; it expires by itself")
            }
        }
    }
}

/// Renews every `renew` until the term ends. A renewal the database refuses ends the fence at
/// once; failed renewals are retried until the deadline passes, then the fence ends too.
async fn renew(
    conn: &mut LeaseConn,
    holder: &str,
    generation: i64,
    timing: LeaseTiming,
    fence: &Fence,
    term: &CancellationToken,
) {
    let failing = Episode::new("scheduler lease renewal");
    loop {
        tokio::select! {
            () = tokio::time::sleep(timing.renew) => {}
            () = term.cancelled() => return,
            () = fence.ended() => return,
        }
        if !conn.lock_intact() {
            fence.end("the scheduler lock file was deleted or replaced: stepping down");
            return;
        }
        let sent = Instant::now();
        match conn.renew(SCHEDULER, holder, generation, timing.ttl).await {
            Ok(Some(_)) => {
                fence.extend(timing.deadline(sent));
                failing.recovered();
            }
            Ok(None) => {
                fence.end(&format!(
                    "scheduler lease lost: generation {generation} expired or was taken over; stepping down"
                ));
                return;
            }
            Err(e) => {
                failing.failed(
                    &anyhow::Error::from(e),
                    "cannot renew the scheduler lease; retrying until its deadline",
                );
                if fence.check().is_err() {
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_deadline_falls_before_the_expiry_and_adoption_after_the_longest_send() {
        let timing = LeaseTiming {
            ttl: Duration::from_secs(15),
            renew: Duration::from_secs(5),
            send_timeout: Duration::from_secs(10),
        };
        let t = Instant::now();
        assert_eq!(timing.deadline(t), t + Duration::from_millis(13_500));
        assert_eq!(timing.adopt_after(t), t + Duration::from_millis(11_500));
    }

    #[test]
    fn holder_ids_differ_between_calls() {
        let (a, b) = (holder_id(), holder_id());
        assert_ne!(a, b);
        assert!(a.contains(&format!("pid{}", std::process::id())), "{a}");
    }
}
