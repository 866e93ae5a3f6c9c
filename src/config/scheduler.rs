//! `[scheduler]`: the scheduler lease's timing, and how many cohorts tick at once, how often the
//! schedule epoch is read, how long ticks may finish after a stop request, how long handled
//! events' dedupe keys are kept.

use serde::Deserialize;

/// The scheduler's knobs, in whole seconds (the epoch poll in milliseconds). The defaults suit
/// production; tests shorten the lease to see takeovers quickly.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SchedulerConfig {
    /// How long the scheduler lease lasts unless renewed: a frozen or cut-off leader is replaced
    /// within this plus one `lease_renew_secs`.
    pub lease_ttl_secs: u64,
    /// How often the leader renews the lease, and how often a standby tries to take it over.
    /// At most half the TTL, so one failed renewal never loses the lease.
    pub lease_renew_secs: u64,
    /// The longest one platform send may take before it is cut off. A new leader waits this long
    /// after taking over before it touches the posts its predecessor claimed but did not confirm.
    pub send_timeout_secs: u64,
    /// Cohorts ticked at the same time; the pacer keeps their posts within platform limits.
    pub concurrency: usize,
    /// How often the schedule epoch is read, so a change made through another instance is seen.
    pub epoch_poll_ms: u64,
    /// After SIGTERM, how long in-flight ticks may run before they are dropped.
    pub shutdown_grace_secs: u64,
    /// How long the dedupe key of a handled event is kept, so that a redelivery is refused: far
    /// longer than any platform redelivers (Slack's retries come within minutes). The leader
    /// deletes older keys once an hour.
    pub processed_events_retention_days: u64,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        SchedulerConfig {
            lease_ttl_secs: 15,
            lease_renew_secs: 5,
            send_timeout_secs: 10,
            concurrency: 32,
            epoch_poll_ms: 2000,
            shutdown_grace_secs: 5,
            processed_events_retention_days: 7,
        }
    }
}

impl SchedulerConfig {
    /// What serde cannot check: ranges, and the renewal against the TTL. `Err` names the key.
    pub(super) fn validate(&self) -> Result<(), (&'static str, String)> {
        let within = |key: &'static str, value: u64, low: u64, high: u64| {
            if (low..=high).contains(&value) { Ok(()) } else { Err((key, format!("must be {low}-{high}"))) }
        };
        within("scheduler.lease_ttl_secs", self.lease_ttl_secs, 2, 600)?;
        within("scheduler.lease_renew_secs", self.lease_renew_secs, 1, 300)?;
        within("scheduler.send_timeout_secs", self.send_timeout_secs, 1, 300)?;
        within("scheduler.concurrency", self.concurrency as u64, 1, 1024)?;
        within("scheduler.epoch_poll_ms", self.epoch_poll_ms, 50, 60_000)?;
        within("scheduler.shutdown_grace_secs", self.shutdown_grace_secs, 0, 60)?;
        within("scheduler.processed_events_retention_days", self.processed_events_retention_days, 1, 365)?;
        self.check_renewal(self.lease_renew_secs).map_err(|reason| ("scheduler.lease_renew_secs", reason))
    }

    /// A renewal interval that leaves room for at least one failed renewal before the lease expires.
    pub fn check_renewal(&self, renew_secs: u64) -> Result<(), String> {
        if renew_secs.saturating_mul(2) > self.lease_ttl_secs {
            return Err(format!(
                "a lease renewed every {renew_secs} s needs scheduler.lease_ttl_secs of at least {} (it is {})",
                renew_secs * 2,
                self.lease_ttl_secs
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_renewal_must_fit_twice_in_the_ttl() {
        assert_eq!(SchedulerConfig::default().validate(), Ok(()));
        let short = SchedulerConfig { lease_ttl_secs: 8, lease_renew_secs: 5, ..SchedulerConfig::default() };
        let (key, reason) = short.validate().unwrap_err();
        assert_eq!(key, "scheduler.lease_renew_secs");
        assert!(reason.contains("at least 10"), "{reason}");
        let zero = SchedulerConfig { concurrency: 0, ..SchedulerConfig::default() };
        assert_eq!(zero.validate().unwrap_err().0, "scheduler.concurrency");
        for days in [0, 366] {
            let retention =
                SchedulerConfig { processed_events_retention_days: days, ..SchedulerConfig::default() };
            let (key, reason) = retention.validate().unwrap_err();
            assert_eq!(
                (key, reason.as_str()),
                ("scheduler.processed_events_retention_days", "must be 1-365")
            );
        }
    }
}
