//! How much Slack work one instance takes in at once: past the limit a request is turned away so that Slack delivers it again (an event) or the member sees why (a command), and an overload costs redeliveries rather than unbounded memory.
//!
//! Every event, command and button press holds a place from the moment it is taken in until its
//! work is done (stored and answered), also after its acknowledgement went out: a slow database
//! makes work outlive Slack's 3 s, and without a limit each such request would be one more task
//! held in memory for as long as the overload lasts.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::ops::metrics;

/// How often a turned-away request is logged (the metric counts each).
const WARN_EVERY: Duration = Duration::from_secs(60);

/// The places for work in flight.
pub struct Admission {
    places: Arc<Semaphore>,
    limit: usize,
    turned_away: AtomicU64,
    warned: std::sync::Mutex<Option<Instant>>,
}

/// One request's place, given back when its work is dropped.
pub type Place = OwnedSemaphorePermit;

/// A request turned away: no place was free.
#[derive(Debug, thiserror::Error)]
#[error("too much Slack work in flight (slack.max_in_flight)")]
pub struct Busy;

impl Admission {
    pub fn new(limit: usize) -> Admission {
        Admission {
            places: Arc::new(Semaphore::new(limit)),
            limit,
            turned_away: AtomicU64::new(0),
            warned: std::sync::Mutex::new(None),
        }
    }

    /// A place for one more `kind` of request (`event`, `command`, `interaction`), or none when
    /// the limit's worth of work is in flight: then it is counted and, at most once a minute,
    /// logged.
    pub fn admit(&self, kind: &'static str) -> Option<Place> {
        let place = Arc::clone(&self.places).try_acquire_owned().ok();
        if place.is_none() {
            metrics::turned_away("slack", kind);
            let total = self.turned_away.fetch_add(1, Ordering::Relaxed) + 1;
            let mut warned = self.warned.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if warned.is_none_or(|at| at.elapsed() >= WARN_EVERY) {
                *warned = Some(Instant::now());
                tracing::warn!(
                    in_flight = self.limit,
                    turned_away = total,
                    "Slack work in flight is at slack.max_in_flight: new requests are turned away \
                     (events get 503, so Slack delivers them again; commands a busy reply)"
                );
            }
        }
        place
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_run_out_at_the_limit_and_come_back_when_work_is_done() {
        let admission = Admission::new(2);
        let first = admission.admit("event").expect("one");
        let second = admission.admit("command").expect("two");
        assert!(admission.admit("event").is_none(), "the third is turned away");
        drop(first);
        let third = admission.admit("event").expect("a place came back");
        assert!(admission.admit("interaction").is_none());
        drop((second, third));
        assert_eq!(admission.places.available_permits(), 2);
        assert_eq!(admission.turned_away.load(Ordering::Relaxed), 2);
    }
}
