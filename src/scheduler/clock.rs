//! Clocks for the scheduler: the wall clock, and a scaled one for rehearsals and crash tests.

use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};

/// Where the scheduler reads the time and how long it really sleeps to reach an instant.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
    /// Real time to wait until `at` on this clock (zero if it has passed).
    fn real_until(&self, at: DateTime<Utc>) -> Duration;
    /// What this clock will read after `real` time has passed: waits that are about real time
    /// (a backoff, a lease) become instants on the clock the scheduler sleeps by.
    fn after_real(&self, real: Duration) -> DateTime<Utc>;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    fn real_until(&self, at: DateTime<Utc>) -> Duration {
        (at - Utc::now()).to_std().unwrap_or_default()
    }

    fn after_real(&self, real: Duration) -> DateTime<Utc> {
        let real = chrono::Duration::from_std(real).unwrap_or(chrono::Duration::MAX);
        Utc::now().checked_add_signed(real).unwrap_or(DateTime::<Utc>::MAX_UTC)
    }
}

/// A clock that runs `speed` times faster than real time: at the real instant `anchor` it reads
/// `origin`. Every process given the same three values reads the same time, so a test can kill
/// and restart the bot while lessons keep falling due on one virtual timeline.
#[derive(Debug, Clone, Copy)]
pub struct ScaledClock {
    origin: DateTime<Utc>,
    anchor: SystemTime,
    speed: f64,
}

impl ScaledClock {
    pub fn new(origin: DateTime<Utc>, anchor: SystemTime, speed: f64) -> ScaledClock {
        ScaledClock { origin, anchor, speed: speed.max(f64::MIN_POSITIVE) }
    }

    fn at(&self, real: SystemTime) -> DateTime<Utc> {
        let elapsed = match real.duration_since(self.anchor) {
            Ok(d) => d.as_secs_f64(),
            Err(e) => -e.duration().as_secs_f64(),
        };
        let virtual_ms = (elapsed * self.speed * 1000.0) as i64;
        self.origin + chrono::Duration::milliseconds(virtual_ms)
    }
}

impl Clock for ScaledClock {
    fn now(&self) -> DateTime<Utc> {
        self.at(SystemTime::now())
    }

    fn real_until(&self, at: DateTime<Utc>) -> Duration {
        let ahead = (at - self.now()).to_std().unwrap_or_default();
        // Round up so a wake-up never lands just before the instant it waited for.
        Duration::from_secs_f64(ahead.as_secs_f64() / self.speed) + Duration::from_millis(1)
    }

    fn after_real(&self, real: Duration) -> DateTime<Utc> {
        self.at(SystemTime::now() + real)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn scaled_clock_runs_fast_from_its_anchor() {
        let origin = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
        let anchor = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let clock = ScaledClock::new(origin, anchor, 3600.0);
        assert_eq!(clock.at(anchor + Duration::from_secs(2)), origin + chrono::Duration::hours(2));
        assert_eq!(clock.at(anchor - Duration::from_secs(1)), origin - chrono::Duration::hours(1));
    }

    #[test]
    fn real_wait_shrinks_by_the_speed() {
        let clock = ScaledClock::new(Utc::now(), SystemTime::now(), 86_400.0);
        let wait = clock.real_until(clock.now() + chrono::Duration::days(1));
        assert!(wait <= Duration::from_millis(1001), "{wait:?}");
        assert_eq!(SystemClock.real_until(Utc::now() - chrono::Duration::hours(1)), Duration::ZERO);
    }
}
