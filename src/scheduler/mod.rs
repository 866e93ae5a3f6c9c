//! The scheduler: sleeps until the nearest due work, posts lessons exactly once through a paced
//! delivery, holds the lease that lets only one instance schedule, and keeps the dedupe log
//! trimmed while it leads.

mod cache;
pub mod clock;
mod gauges;
pub mod leader;
pub mod pacing;
mod retention;
mod run;

/// The lease lives in the store (it is SQL and a lock file beside the database); the scheduler is
/// what holds it.
pub use crate::store::lease;
pub use clock::{Clock, ScaledClock, SystemClock};
pub use run::{Scheduler, SchedulerConfig};
