//! Interaction ids this process has taken in, so a duplicated dispatch of one gets no second answer.
//!
//! Discord accepts one initial response per interaction and refuses another with 40060
//! ("Interaction has already been acknowledged"). A duplicate of a press or a `/checkpoint` is
//! also known to the coach by its dedupe key ([`crate::coach::Handled::Replay`]), but `/streak`
//! and most commands keep no key, and a duplicate that waits on the database would be deferred
//! before the coach could say so. So the adapter drops a duplicate before any of that.

use std::collections::{HashSet, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// An interaction token lives 15 minutes; a duplicate after that could not be answered anyway.
const REMEMBER: Duration = Duration::from_secs(15 * 60);
/// A bound on memory whatever the traffic; the oldest ids are forgotten first.
const MAX_IDS: usize = 100_000;

#[derive(Default)]
pub struct Seen {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    ids: HashSet<u64>,
    order: VecDeque<(Instant, u64)>,
}

impl Seen {
    /// True the first time `id` is offered (within 15 minutes), false for a duplicate.
    pub fn first(&self, id: u64) -> bool {
        self.first_at(id, Instant::now())
    }

    fn first_at(&self, id: u64, now: Instant) -> bool {
        let mut inner = self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        while let Some(&(at, old)) = inner.order.front() {
            if now.duration_since(at) < REMEMBER && inner.order.len() < MAX_IDS {
                break;
            }
            inner.order.pop_front();
            inner.ids.remove(&old);
        }
        if !inner.ids.insert(id) {
            return false;
        }
        inner.order.push_back((now, id));
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_duplicate_is_known_until_the_token_would_have_expired() {
        let seen = Seen::default();
        let start = Instant::now();
        assert!(seen.first_at(1, start));
        assert!(seen.first_at(2, start));
        assert!(!seen.first_at(1, start + Duration::from_secs(1)), "a duplicate");
        assert!(!seen.first_at(2, start + REMEMBER - Duration::from_secs(1)));
        assert!(seen.first_at(3, start + REMEMBER), "ids older than 15 minutes are forgotten");
        assert!(seen.first_at(1, start + REMEMBER));
        assert_eq!(seen.inner.lock().unwrap().ids.len(), 2, "only 1 (again) and 3 are kept");
    }
}
