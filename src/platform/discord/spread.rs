//! Which gateway shards this instance runs. With SQLite (one instance per database) it runs them
//! all. With PostgreSQL every shard has a lease row (`discord-shard:<id>`, the scheduler's fenced
//! lease design) and every instance a presence row (`discord-instance:<holder>`): each instance
//! claims its fair share of the shards, renews what it holds, starts a shard's session only once
//! its lease is taken and releases the lease only once the session is closed — so no two
//! processes run a shard at once — and takes over the shards of an instance that died or froze
//! when their leases expire.
//!
//! Fair shares: the live instances, ordered by holder id, get `total / n` shards each and the
//! first `total % n` one more. An instance that joins lowers the others' shares; they close and
//! release their extra shards, and it claims them on its next round.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::events::Shared;
use super::runners::Runners;
use super::shards::{self, StartLimit};
use crate::faults::Episode;
use crate::scheduler::leader::{LeaseTiming, holder_id};
use crate::store::lease::{LeaseConn, LeaseRow, Taken};

const SHARD: &str = "discord-shard:";
const INSTANCE: &str = "discord-instance:";
/// Discord allows one IDENTIFY per `max_concurrency` bucket every 5 s, counted when they
/// arrive; a session's IDENTIFY leaves some time after its start (connect, HELLO), and not
/// always as long after as the one before it did, hence the margin.
const IDENTIFY_GAP: Duration = Duration::from_millis(5_500);
/// How often an instance that runs every shard checks for a shard that cannot connect.
const WATCH: Duration = Duration::from_secs(1);

/// How this instance gets its shards.
pub enum Claims {
    /// All of them (SQLite: no other instance can run on the database).
    All,
    /// Through shard leases on the lease connection.
    Leased { conn: LeaseConn, timing: LeaseTiming },
}

/// What the loop needs besides its claims.
pub struct Spread {
    pub shared: Arc<Shared>,
    pub runners: Runners,
    pub failures: mpsc::UnboundedReceiver<String>,
    pub budget: StartLimit,
    /// How long a started shard may take to connect before the gateway is given up.
    pub connect_limit: Duration,
}

/// A shard lease this instance holds.
struct Held {
    generation: i64,
    deadline: Instant,
}

impl Spread {
    /// Runs until `stop` (then closes every session and releases every lease) or until the
    /// gateway is given up (`Err` with why).
    pub async fn run(mut self, mut claims: Claims, stop: CancellationToken) -> Result<(), String> {
        let holder = holder_id();
        let mut held: BTreeMap<u32, Held> = BTreeMap::new();
        let mut boots = Boots::new(self.budget.max_concurrency);
        let mut presence: Option<i64> = None;
        let failing = Episode::new("Discord shard leases");
        let total = self.shared.shards.total();
        let outcome = loop {
            match &mut claims {
                Claims::All => {
                    for id in 0..total {
                        if let std::collections::btree_map::Entry::Vacant(free) = held.entry(id) {
                            free.insert(Held { generation: 0, deadline: far_future() });
                            self.shared.shards.hold(id, far_future());
                            boots.queue(id);
                        }
                    }
                    self.shared.shards.settle();
                }
                Claims::Leased { conn, timing } => {
                    let round = Round { conn, timing: *timing, holder: &holder, total };
                    match round
                        .run(&mut self.runners, &self.shared.shards, &mut held, &mut presence, &mut boots)
                        .await
                    {
                        Ok(()) => {
                            failing.recovered();
                            self.shared.shards.settle();
                        }
                        Err(e) => {
                            failing.failed(&e, "cannot renew or claim Discord shard leases; retrying");
                        }
                    }
                }
            }
            // The first start may wait hours for Discord's session budget: a stop ends the wait.
            tokio::select! {
                () = boots.start_due(&mut self.runners, &self.shared, &self.budget) => {}
                () = stop.cancelled() => break Ok(()),
            }
            if let Some(why) = self.shared.shards.stalled(self.connect_limit) {
                break Err(why);
            }
            let poll = match &claims {
                Claims::All => WATCH,
                Claims::Leased { timing, .. } => timing.renew,
            };
            let wait = boots.next_due().map_or(poll, |due| poll.min(due));
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = stop.cancelled() => break Ok(()),
                Some(why) = self.failures.recv() => break Err(why),
            }
        };
        self.runners.stop_all().await;
        if let Claims::Leased { mut conn, .. } = claims {
            for (id, lease) in &held {
                let _ = conn.release(&shard_lease(*id), &holder, lease.generation).await;
            }
            if let Some(generation) = presence {
                let _ = conn.release(&format!("{INSTANCE}{holder}"), &holder, generation).await;
            }
            conn.close().await;
        }
        outcome
    }
}

/// One round on the lease connection: stay present, renew what is held, give back what is over
/// this instance's share, claim what is free up to it.
struct Round<'a> {
    conn: &'a mut LeaseConn,
    timing: LeaseTiming,
    holder: &'a str,
    total: u32,
}

impl Round<'_> {
    async fn run(
        self,
        runners: &mut Runners,
        links: &shards::Links,
        held: &mut BTreeMap<u32, Held>,
        presence: &mut Option<i64>,
        boots: &mut Boots,
    ) -> anyhow::Result<()> {
        let Round { conn, timing, holder, total } = self;
        let sent = Instant::now();
        let mut lost = Vec::new();
        let mut failed = None;
        for (id, lease) in held.iter_mut() {
            match conn.renew(&shard_lease(*id), holder, lease.generation, timing.ttl).await {
                Ok(Some(_)) => {
                    lease.deadline = timing.deadline(sent);
                    links.hold(*id, lease.deadline);
                }
                Ok(None) => lost.push(*id),
                Err(e) => {
                    if Instant::now() >= lease.deadline {
                        lost.push(*id);
                    }
                    failed = Some(e);
                }
            }
        }
        for id in lost {
            tracing::warn!(
                shard = id,
                "Discord shard lease lost (expired or taken over): closing its session"
            );
            held.remove(&id);
            links.release(id);
            boots.forget(id);
            runners.stop(id).await;
        }
        if let Some(e) = failed {
            return Err(e.into());
        }
        let me = format!("{INSTANCE}{holder}");
        let renewed = match *presence {
            Some(generation) => conn.renew(&me, holder, generation, timing.ttl).await?.is_some(),
            None => false,
        };
        if !renewed {
            *presence = match conn.acquire(&me, holder, timing.ttl).await? {
                Taken::Held(row) => Some(row.generation),
                Taken::Busy(_) => None,
            };
        }
        let live = live_instances(&conn.list(INSTANCE).await?, holder);
        let target = share(total, &live, holder);
        while held.len() > target {
            let Some((id, lease)) = held.pop_last() else { break };
            tracing::info!(shard = id, share = target, "handing a Discord shard over to another instance");
            links.release(id);
            boots.forget(id);
            runners.stop(id).await;
            conn.release(&shard_lease(id), holder, lease.generation).await?;
        }
        if held.len() < target {
            let rows = conn.list(SHARD).await?;
            let taken: Vec<u32> = rows
                .iter()
                .filter(|row| row.remaining_ms() > 0)
                .filter_map(|row| row.name.strip_prefix(SHARD)?.parse().ok())
                .collect();
            let rank = live.iter().position(|h| h == holder).unwrap_or(0) as u32;
            let first = rank * total / u32::try_from(live.len()).unwrap_or(1).max(1);
            for id in (0..total).map(|k| (first + k) % total) {
                if held.len() >= target {
                    break;
                }
                if held.contains_key(&id) || taken.contains(&id) {
                    continue;
                }
                let sent = Instant::now();
                if let Taken::Held(row) = conn.acquire(&shard_lease(id), holder, timing.ttl).await? {
                    let deadline = timing.deadline(sent);
                    tracing::info!(shard = id, generation = row.generation, "Discord shard lease taken");
                    held.insert(id, Held { generation: row.generation, deadline });
                    links.hold(id, deadline);
                    boots.queue(id);
                }
            }
        }
        Ok(())
    }
}

fn shard_lease(id: u32) -> String {
    format!("{SHARD}{id}")
}

/// The holders of unexpired presence rows, by holder id, this instance among them.
fn live_instances(rows: &[LeaseRow], me: &str) -> Vec<String> {
    let mut live: Vec<String> =
        rows.iter().filter(|r| r.remaining_ms() > 0).map(|r| r.holder.clone()).collect();
    if !live.iter().any(|h| h == me) {
        live.push(me.to_string());
    }
    live.sort();
    live.dedup();
    live
}

/// This instance's fair share of `total` shards among `live` instances.
fn share(total: u32, live: &[String], me: &str) -> usize {
    let n = u32::try_from(live.len()).unwrap_or(u32::MAX).max(1);
    let rank = live.iter().position(|h| h == me).unwrap_or(0) as u32;
    (total / n + u32::from(rank < total % n)) as usize
}

fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(100 * 365 * 24 * 3600)
}

/// Shards whose lease is held but whose session has not been started, started as Discord's
/// IDENTIFY limit allows: one per `max_concurrency` bucket (`id % max_concurrency`) every 5 s.
struct Boots {
    queue: VecDeque<u32>,
    buckets: u32,
    last: BTreeMap<u32, Instant>,
    budget_checked: bool,
}

impl Boots {
    fn new(max_concurrency: u32) -> Boots {
        Boots {
            queue: VecDeque::new(),
            buckets: max_concurrency.max(1),
            last: BTreeMap::new(),
            budget_checked: false,
        }
    }

    fn queue(&mut self, id: u32) {
        if !self.queue.contains(&id) {
            self.queue.push_back(id);
        }
    }

    fn forget(&mut self, id: u32) {
        self.queue.retain(|q| *q != id);
    }

    /// How long until the next queued shard may identify, if one is queued.
    fn next_due(&self) -> Option<Duration> {
        self.queue.iter().map(|id| self.wait_for(*id)).min()
    }

    fn wait_for(&self, id: u32) -> Duration {
        self.last
            .get(&(id % self.buckets))
            .map_or(Duration::ZERO, |at| IDENTIFY_GAP.saturating_sub(at.elapsed()))
    }

    /// Starts every queued shard whose bucket is free; the first time, waits until Discord's
    /// session start budget covers them.
    async fn start_due(&mut self, runners: &mut Runners, shared: &Shared, budget: &StartLimit) {
        if self.queue.is_empty() {
            return;
        }
        if !self.budget_checked {
            self.budget_checked = true;
            shards::within_budget(budget, u32::try_from(self.queue.len()).unwrap_or(u32::MAX)).await;
        }
        let mut later = VecDeque::new();
        while let Some(id) = self.queue.pop_front() {
            if self.wait_for(id) > Duration::ZERO {
                later.push_back(id);
                continue;
            }
            self.last.insert(id % self.buckets, Instant::now());
            shared.shards.starting(id);
            runners.boot(id);
        }
        self.queue = later;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_add_up_to_the_total_and_differ_by_at_most_one() {
        let live: Vec<String> = ["a", "b", "c"].iter().map(|s| (*s).to_string()).collect();
        let shares: Vec<usize> = live.iter().map(|h| share(4, &live, h)).collect();
        assert_eq!(shares, [2, 1, 1]);
        assert_eq!(share(4, &live[..1], "a"), 4);
        let many: Vec<String> = (0..6).map(|i| format!("h{i}")).collect();
        assert_eq!(many.iter().map(|h| share(4, &many, h)).sum::<usize>(), 4);
    }

    #[test]
    fn a_bucket_identifies_once_every_five_seconds() {
        let mut boots = Boots::new(2);
        for id in 0..4 {
            boots.queue(id);
        }
        assert_eq!(boots.next_due(), Some(Duration::ZERO));
        boots.last.insert(0, Instant::now());
        assert!(boots.wait_for(2) > Duration::from_secs(5), "shard 2 shares shard 0's bucket");
        assert_eq!(boots.wait_for(1), Duration::ZERO, "shard 1 is in the other bucket");
    }
}
