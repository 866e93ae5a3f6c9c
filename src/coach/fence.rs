//! The permission to send that a lease grants: its generation, and a deadline on this process's
//! monotonic clock that is checked immediately before every send.
//!
//! A process can stop for any length of time between two instructions (SIGSTOP, a stalled VM, a
//! debugger). Its lease expires in the database meanwhile and another instance takes over. When
//! it wakes, the first thing any of its sends does is read the monotonic clock: past the deadline
//! it sends nothing, and the fence ends, which makes the leader step down.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock, Mutex, PoisonError};
use std::task::Poll;
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use super::DeliveryError;

/// How long an unfenced send (the console, replies to members) may take.
const UNFENCED_SEND_TIMEOUT: Duration = Duration::from_secs(60);

/// Cheap to clone; every clone sees the same deadline.
#[derive(Clone)]
pub struct Fence {
    inner: Arc<State>,
}

struct State {
    generation: i64,
    /// Sends are refused from this instant on; each renewal moves it forward. `None`: never.
    deadline: Mutex<Option<Instant>>,
    /// Claims made under older generations may be adopted from this instant on.
    adopt_after: Instant,
    /// The longest a send may take; a send that passed the deadline check ends within it.
    send_timeout: Duration,
    ended: CancellationToken,
    told: AtomicBool,
}

impl Fence {
    /// A fence that never ends, for in-process tools that own their database (the console, the
    /// demo, tests) and for replies to members, which no lease governs. Generation 0.
    pub fn unfenced() -> &'static Fence {
        static UNFENCED: LazyLock<Fence> =
            LazyLock::new(|| Fence::build(0, None, Instant::now(), UNFENCED_SEND_TIMEOUT));
        &UNFENCED
    }

    /// The fence of lease `generation`, valid until `deadline`, adopting older claims from
    /// `adopt_after`, each send bounded by `send_timeout`.
    pub fn new(generation: i64, deadline: Instant, adopt_after: Instant, send_timeout: Duration) -> Fence {
        Fence::build(generation, Some(deadline), adopt_after, send_timeout)
    }

    fn build(
        generation: i64,
        deadline: Option<Instant>,
        adopt_after: Instant,
        send_timeout: Duration,
    ) -> Fence {
        let state = State {
            generation,
            deadline: Mutex::new(deadline),
            adopt_after,
            send_timeout,
            ended: CancellationToken::new(),
            told: AtomicBool::new(false),
        };
        Fence { inner: Arc::new(state) }
    }

    pub fn generation(&self) -> i64 {
        self.inner.generation
    }

    pub fn send_timeout(&self) -> Duration {
        self.inner.send_timeout
    }

    /// A renewal succeeded: sends are allowed until `deadline`. Never moves it back, and never
    /// revives an ended fence.
    pub fn extend(&self, deadline: Instant) {
        let mut current = self.inner.deadline.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(at) = current.as_mut() {
            *at = (*at).max(deadline);
        }
    }

    /// Ends the fence for good (the lease was lost or given up): every later send is refused.
    /// The first call logs `why`. The unfenced fence never ends.
    pub fn end(&self, why: &str) {
        if self.inner.deadline.lock().unwrap_or_else(PoisonError::into_inner).is_none() {
            return;
        }
        if !self.inner.told.swap(true, Ordering::SeqCst) {
            tracing::warn!(generation = self.generation(), "{why}");
        }
        self.inner.ended.cancel();
    }

    pub fn is_ended(&self) -> bool {
        self.inner.ended.is_cancelled()
    }

    /// Resolves once the fence has ended.
    pub async fn ended(&self) {
        self.inner.ended.cancelled().await;
    }

    /// Whether a send may start now. Past the deadline the fence ends and says so once: the
    /// process was frozen or its renewals failed for longer than the lease lasts.
    pub fn check(&self) -> Result<(), DeliveryError> {
        if self.is_ended() {
            return Err(DeliveryError::Fenced(format!("lease generation {} has ended", self.generation())));
        }
        let deadline = *self.inner.deadline.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(late) = deadline.and_then(|at| Instant::now().checked_duration_since(at)) else {
            return Ok(());
        };
        let why = format!(
            "lease deadline passed {late:?} ago (frozen, or renewals failed): sending nothing and stepping down"
        );
        self.end(&why);
        Err(DeliveryError::Fenced(why))
    }

    /// Runs one platform request: the deadline is checked immediately before it starts and again
    /// before every step it takes, and it is cut off after the send timeout. A process that wakes
    /// from a freeze in the middle of a request therefore drops it at its next step instead of
    /// finishing it late; and a send that passed the check ends within a known time — which is
    /// what a new leader waits for before it touches this lease's claims.
    pub async fn send<T>(
        &self,
        request: impl Future<Output = Result<T, DeliveryError>>,
    ) -> Result<T, DeliveryError> {
        self.check()?;
        let limit = self.inner.send_timeout;
        let mut request = std::pin::pin!(request);
        let mut timer = std::pin::pin!(tokio::time::sleep(limit));
        std::future::poll_fn(|cx| {
            self.check()?;
            if let Poll::Ready(result) = request.as_mut().poll(cx) {
                return Poll::Ready(result);
            }
            match timer.as_mut().poll(cx) {
                Poll::Ready(()) => {
                    Poll::Ready(Err(DeliveryError::Temporary(format!("no answer within {limit:?}"))))
                }
                Poll::Pending => Poll::Pending,
            }
        })
        .await
    }

    /// Whether claims made under an older generation may be touched: only once their lease has
    /// expired and a send it started has certainly ended.
    pub fn may_adopt(&self) -> bool {
        Instant::now() >= self.inner.adopt_after
    }

    pub fn adopt_after(&self) -> Instant {
        self.inner.adopt_after
    }
}

impl std::fmt::Debug for Fence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fence")
            .field("generation", &self.generation())
            .field("ended", &self.is_ended())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_send_past_the_deadline_is_refused_and_ends_the_fence() {
        let now = Instant::now();
        let fence = Fence::new(3, now + Duration::from_millis(50), now, Duration::from_secs(1));
        assert_eq!(fence.send(async { Ok::<_, DeliveryError>(7) }).await.unwrap(), 7);
        std::thread::sleep(Duration::from_millis(60));
        let refused = fence.send(async { Ok::<_, DeliveryError>(8) }).await;
        assert!(matches!(refused, Err(DeliveryError::Fenced(_))), "{refused:?}");
        assert!(fence.is_ended());
        // A renewal that arrives after the fence ended does not revive it.
        fence.extend(Instant::now() + Duration::from_secs(60));
        assert!(fence.check().is_err());
    }

    #[tokio::test]
    async fn renewals_move_the_deadline_forward_only() {
        let now = Instant::now();
        let fence = Fence::new(1, now + Duration::from_millis(30), now, Duration::from_secs(1));
        fence.extend(now + Duration::from_secs(60));
        fence.extend(now);
        std::thread::sleep(Duration::from_millis(40));
        assert!(fence.check().is_ok());
    }

    #[tokio::test(start_paused = true)]
    async fn a_send_is_cut_off_after_the_send_timeout() {
        let fence =
            Fence::new(1, Instant::now() + Duration::from_secs(3600), Instant::now(), Duration::from_secs(2));
        let slow = fence.send(async {
            tokio::time::sleep(Duration::from_secs(10)).await;
            Ok::<_, DeliveryError>(())
        });
        assert!(matches!(slow.await, Err(DeliveryError::Temporary(_))));
    }

    #[tokio::test]
    async fn a_request_in_flight_when_the_deadline_passes_is_dropped_at_its_next_step() {
        let now = Instant::now();
        let fence = Fence::new(2, now + Duration::from_millis(50), now, Duration::from_secs(10));
        let steps = std::sync::atomic::AtomicU32::new(0);
        let request = async {
            for _ in 0..10 {
                steps.fetch_add(1, Ordering::SeqCst);
                // A step that blocks the thread, as a frozen process would, past the deadline.
                std::thread::sleep(Duration::from_millis(30));
                tokio::task::yield_now().await;
            }
            Ok::<_, DeliveryError>(())
        };
        assert!(matches!(fence.send(request).await, Err(DeliveryError::Fenced(_))));
        assert!(steps.load(Ordering::SeqCst) <= 2, "the request went on after the deadline");
    }

    #[test]
    fn the_unfenced_fence_never_ends_by_time() {
        let fence = Fence::unfenced();
        assert_eq!(fence.generation(), 0);
        assert!(fence.check().is_ok() && fence.may_adopt());
    }
}
