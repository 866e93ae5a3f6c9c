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

/// The fastest a rehearsal clock may run: a 30-day cycle in under a second of real time.
pub const MAX_SPEED: f64 = 1e7;

/// The latest anchor (epoch milliseconds) the clock takes: 9999-12-31T23:59:59.999Z, the end of
/// what RFC 3339 (and so `--clock-origin`) can write.
pub const MAX_ANCHOR_MS: u64 = 253_402_300_799_999;

/// `--clock-speed`: a finite factor greater than 0 and at most [`MAX_SPEED`].
pub fn parse_speed(text: &str) -> Result<f64, String> {
    let speed: f64 = text.trim().parse().map_err(|_| "expected a number such as 3600".to_string())?;
    if speed.is_finite() && speed > 0.0 && speed <= MAX_SPEED {
        Ok(speed)
    } else {
        Err(format!("must be a finite number greater than 0 and at most {MAX_SPEED:e} (e.g. 3600)"))
    }
}

impl ScaledClock {
    /// `speed` outside (0, [`MAX_SPEED`]] is brought into it (NaN runs at real speed); the CLI
    /// refuses such values before they get here.
    pub fn new(origin: DateTime<Utc>, anchor: SystemTime, speed: f64) -> ScaledClock {
        let speed = if speed.is_nan() { 1.0 } else { speed.clamp(f64::MIN_POSITIVE, MAX_SPEED) };
        ScaledClock { origin, anchor, speed }
    }

    /// Saturates at the ends of what chrono represents rather than overflowing.
    fn at(&self, real: SystemTime) -> DateTime<Utc> {
        let elapsed = match real.duration_since(self.anchor) {
            Ok(d) => d.as_secs_f64(),
            Err(e) => -e.duration().as_secs_f64(),
        };
        // A float-to-int cast saturates, and so does everything after it.
        let virtual_ms = (elapsed * self.speed * 1000.0) as i64;
        let ahead = chrono::Duration::try_milliseconds(virtual_ms);
        match ahead.and_then(|d| self.origin.checked_add_signed(d)) {
            Some(t) => t,
            None if virtual_ms < 0 => DateTime::<Utc>::MIN_UTC,
            None => DateTime::<Utc>::MAX_UTC,
        }
    }
}

impl Clock for ScaledClock {
    fn now(&self) -> DateTime<Utc> {
        self.at(SystemTime::now())
    }

    fn real_until(&self, at: DateTime<Utc>) -> Duration {
        let ahead = (at - self.now()).to_std().unwrap_or_default();
        // Round up so a wake-up never lands just before the instant it waited for.
        let real = Duration::try_from_secs_f64(ahead.as_secs_f64() / self.speed).unwrap_or(Duration::MAX);
        real.saturating_add(Duration::from_millis(1))
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
    fn speeds_must_be_finite_positive_and_at_most_the_maximum() {
        assert_eq!(parse_speed("3600"), Ok(3600.0));
        assert_eq!(parse_speed("1e7"), Ok(MAX_SPEED));
        assert_eq!(parse_speed("0.5"), Ok(0.5));
        for bad in ["inf", "-inf", "NaN", "0", "-0", "-5", "1e300", "10000001", "", "fast"] {
            assert!(parse_speed(bad).is_err(), "{bad}");
        }
        assert!(parse_speed("inf").unwrap_err().contains("finite number greater than 0 and at most 1e7"));
    }

    #[test]
    fn extreme_clocks_saturate_instead_of_panicking() {
        let origin = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
        let far = SystemTime::UNIX_EPOCH + Duration::from_millis(u64::MAX);
        for speed in [f64::INFINITY, f64::NAN, 0.0, -1.0, 1e300, f64::MIN_POSITIVE, MAX_SPEED] {
            let clock = ScaledClock::new(origin, far, speed);
            let _ =
                (clock.now(), clock.at(SystemTime::UNIX_EPOCH), clock.real_until(DateTime::<Utc>::MAX_UTC));
            let clock = ScaledClock::new(origin, SystemTime::UNIX_EPOCH, speed);
            let _ = (clock.now(), clock.at(far), clock.real_until(DateTime::<Utc>::MAX_UTC));
        }
        let slow = ScaledClock::new(origin, SystemTime::now(), f64::MIN_POSITIVE);
        assert_eq!(slow.real_until(origin + chrono::Duration::days(1)), Duration::MAX);
    }

    #[test]
    fn real_wait_shrinks_by_the_speed() {
        let clock = ScaledClock::new(Utc::now(), SystemTime::now(), 86_400.0);
        let wait = clock.real_until(clock.now() + chrono::Duration::days(1));
        assert!(wait <= Duration::from_millis(1001), "{wait:?}");
        assert_eq!(SystemClock.real_until(Utc::now() - chrono::Duration::hours(1)), Duration::ZERO);
    }
}
