//! A sliding-window log of reserved request instants for one rate-limit scope.

use std::collections::VecDeque;

use tokio::time::Instant;

use super::Rate;

/// Reserved instants (sorted, possibly in the future) and a 429 block for one scope.
///
/// Slots are not always reserved in time order: a quiet channel may take a global slot earlier than
/// one already reserved for a busy channel that waits on its own limit. So a new slot must fit every
/// window it falls into, not only the one ending at it.
#[derive(Debug, Default)]
pub(super) struct Window {
    slots: VecDeque<Instant>,
    /// When requests actually went out, in order: the check made on waking, since a task that
    /// wakes late would otherwise send closer to its neighbours than its reserved slot says.
    sent: VecDeque<Instant>,
    blocked_until: Option<Instant>,
}

impl Window {
    /// The earliest instant at or after `from` where one more request keeps at most `rate.count`
    /// requests in every interval of length `rate.per`, and no 429 block is in force.
    pub(super) fn earliest(&self, from: Instant, rate: Option<Rate>) -> Instant {
        let mut at = self.blocked_until.map_or(from, |until| from.max(until));
        let Some(rate) = rate else { return at };
        let k = rate.count.max(1) as usize;
        if self.slots.len() < k {
            return at;
        }
        // Every run of k consecutive slots spanning less than `per` forbids the open interval
        // (last - per, first + per). Runs come in order of both ends, so one pass finds the
        // first instant outside all of them.
        for i in 0..=self.slots.len() - k {
            let (first, last) = (self.slots[i], self.slots[i + k - 1]);
            if at + rate.per <= last {
                break;
            }
            if last.duration_since(first) < rate.per && at < first + rate.per {
                at = first + rate.per;
            }
        }
        at
    }

    /// When a request may actually go, judged by what was sent and any block: `now` if at once.
    pub(super) fn admits_at(&self, now: Instant, rate: Option<Rate>) -> Instant {
        let at = self.blocked_until.map_or(now, |until| now.max(until));
        let Some(rate) = rate else { return at };
        let k = rate.count.max(1) as usize;
        match self.sent.len().checked_sub(k) {
            Some(i) => at.max(self.sent[i] + rate.per),
            None => at,
        }
    }

    pub(super) fn record_sent(&mut self, now: Instant) {
        self.sent.push_back(now);
    }

    pub(super) fn insert(&mut self, at: Instant) {
        let index = self.slots.partition_point(|slot| *slot <= at);
        self.slots.insert(index, at);
    }

    /// Holds the scope back until `until` (a 429's retry_after); a longer block wins.
    pub(super) fn block(&mut self, until: Instant) {
        self.blocked_until = Some(self.blocked_until.map_or(until, |old| old.max(until)));
    }

    /// Drops slots that can no longer share a window with a request made at or after `now`.
    pub(super) fn forget_before(&mut self, now: Instant, rate: Option<Rate>) {
        let per = rate.map_or(std::time::Duration::ZERO, |rate| rate.per);
        while self.slots.front().is_some_and(|slot| *slot + per <= now) {
            self.slots.pop_front();
        }
        while self.sent.front().is_some_and(|sent| *sent + per <= now) {
            self.sent.pop_front();
        }
        if self.blocked_until.is_some_and(|until| until <= now) {
            self.blocked_until = None;
        }
    }

    /// True when the window constrains nothing any more and can be dropped.
    pub(super) fn is_idle(&mut self, now: Instant, rate: Option<Rate>) -> bool {
        self.forget_before(now, rate);
        self.slots.is_empty() && self.sent.is_empty() && self.blocked_until.is_none()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn rate(count: u32, secs: u64) -> Option<Rate> {
        Some(Rate { count, per: Duration::from_secs(secs) })
    }

    fn window(t0: Instant, offsets_ms: &[u64]) -> Window {
        let mut w = Window::default();
        for ms in offsets_ms {
            w.insert(t0 + Duration::from_millis(*ms));
        }
        w
    }

    #[test]
    fn earliest_finds_the_first_gap() {
        let t0 = Instant::now();
        let cases: &[(&[u64], u32, u64, u64, u64)] = &[
            // (slots ms, count, per s, from ms, expected ms)
            (&[], 1, 1, 0, 0),
            (&[0], 1, 1, 0, 1000),
            (&[0], 1, 1, 1000, 1000),
            (&[0, 100], 2, 1, 500, 1000),
            (&[0, 100], 3, 1, 500, 500),
            // A busy future leaves a gap before it only if the gap fits a whole window.
            (&[5000, 5100], 2, 1, 0, 0),
            (&[0, 1000, 2000], 1, 1, 0, 3000),
            (&[0, 2500], 1, 1, 0, 1000),
            (&[0, 1800], 1, 1, 0, 2800),
            (&[0, 200, 4000, 4100], 2, 1, 100, 1000),
            (&[0, 200, 1100, 1150], 2, 1, 100, 2100),
        ];
        for (slots, count, per, from, expected) in cases {
            let w = window(t0, slots);
            let got = w.earliest(t0 + Duration::from_millis(*from), rate(*count, *per));
            assert_eq!(got, t0 + Duration::from_millis(*expected), "slots {slots:?} count {count}");
        }
    }

    #[test]
    fn block_and_no_rate() {
        let t0 = Instant::now();
        let mut w = window(t0, &[0, 0, 0]);
        assert_eq!(w.earliest(t0, None), t0);
        w.block(t0 + Duration::from_secs(2));
        w.block(t0 + Duration::from_secs(1));
        assert_eq!(w.earliest(t0, None), t0 + Duration::from_secs(2));
        assert!(!w.is_idle(t0 + Duration::from_secs(1), rate(3, 1)));
        assert!(w.is_idle(t0 + Duration::from_secs(2), rate(3, 1)));
    }
}
