//! The same check-ins handed straight to a coach in this process — no HTTP, no signing, no Slack
//! adapter, no process boundary — on a database seeded alike: what the group-committed writer
//! sustains by itself, next to the naive one-row-per-transaction writer.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use chrono::{DateTime, Utc};
use studybot::coach::{Actor, Catalog, ChannelRef, Coach, Handled, Inbound, InboundKind};
use studybot::store::Store;

use super::Shape;
use super::seed::Seeded;

/// Check-ins per second and the sorted latencies (µs) of `shape.checkins` `/checkpoint` commands
/// from `shape.clients` tasks; every answer must be a first "done".
pub async fn direct(
    url: &str,
    team: &str,
    seeded: &Seeded,
    shape: &Shape,
    now: DateTime<Utc>,
) -> (f64, Vec<u64>) {
    let store = Store::open(url).await.expect("open the seeded database");
    let curricula = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("curriculum");
    let coach = Arc::new(Coach::new(store, Catalog::load_dir(&curricula).expect("the shipped curriculum")));
    let events: Arc<Vec<Inbound>> = Arc::new(
        (0..shape.checkins)
            .map(|i| {
                let (member, day) = shape.request(i);
                let user = &seeded.members[member];
                Inbound {
                    channel: ChannelRef {
                        platform: "slack".into(),
                        workspace: team.to_string(),
                        channel: seeded.channels[member % shape.cohorts].clone(),
                    },
                    actor: Actor { user_id: user.id.clone(), name: user.name.clone(), is_admin: false },
                    dedupe_key: format!("direct:{i}"),
                    kind: InboundKind::Text(format!("/checkpoint day:{day}")),
                }
            })
            .collect(),
    );
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let tasks: Vec<_> = (0..shape.clients)
        .map(|_| {
            let (coach, events, next) = (Arc::clone(&coach), Arc::clone(&events), Arc::clone(&next));
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                while let Some(event) = events.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let sent = Instant::now();
                    let handled = coach.try_handle(event, now).await;
                    latencies.push(sent.elapsed().as_micros() as u64);
                    let said = match &handled {
                        Ok(Handled::Replies(replies)) => format!("{replies:?}"),
                        other => format!("{other:?}"),
                    };
                    assert!(said.contains("✅ Day"), "a direct check-in was not done: {said:.300}");
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.expect("direct client task"));
    }
    let rate = shape.checkins as f64 / started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    coach.store().clone().close().await;
    (rate, latencies)
}
