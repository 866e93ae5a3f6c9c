//! The scheduler: sleeps until the nearest due work, posts lessons exactly once through a paced
//! delivery, and holds the lease that lets only one instance schedule.

pub mod clock;
pub mod lease;
pub mod pacing;
mod run;

pub use clock::{Clock, ScaledClock, SystemClock};
pub use run::{Scheduler, SchedulerConfig};
