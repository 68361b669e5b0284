//! When an outgoing message that could not be delivered is tried again.
//! Mail servers refuse for a while (greylisting, a full queue, an outage):
//! waiting longer after each failure rides that out without hammering them,
//! and a message that keeps failing is given up on and left for a person.

use chrono::{DateTime, Duration, Utc};

/// Attempts before a message is given up on. With the waits below the last
/// attempt comes about twenty hours after the first.
pub const MAX_ATTEMPTS: i64 = 13;

/// The wait after the first failure; each further failure doubles it.
pub const FIRST_WAIT_SECONDS: i64 = 30;

/// No wait is longer than this.
pub const LONGEST_WAIT_MINUTES: i64 = 6 * 60;

/// How long an attempt may take before the message is free to be claimed
/// again (by this server or another), should the one that claimed it stop.
pub const LEASE_MINUTES: i64 = 5;

/// The wait after `attempts` failed attempts (1 after the first failure).
pub fn backoff(attempts: i64) -> Duration {
    let doublings = u32::try_from((attempts - 1).clamp(0, 20)).unwrap_or(20);
    let wait = FIRST_WAIT_SECONDS.saturating_mul(1_i64 << doublings);
    Duration::seconds(wait).min(Duration::minutes(LONGEST_WAIT_MINUTES))
}

/// When to try again after `attempts` failed attempts, or None to give up.
pub fn next_attempt(attempts: i64, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    (attempts < MAX_ATTEMPTS).then(|| now + backoff(attempts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn waits_double_up_to_a_ceiling_and_then_the_message_is_given_up() {
        assert_eq!(backoff(1), Duration::seconds(30));
        assert_eq!(backoff(2), Duration::seconds(60));
        assert_eq!(backoff(3), Duration::seconds(120));
        assert_eq!(
            backoff(0),
            Duration::seconds(30),
            "never less than the first wait"
        );
        assert_eq!(backoff(15), Duration::hours(6));
        assert_eq!(backoff(i64::MAX), Duration::hours(6));
        let now = Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap();
        assert_eq!(next_attempt(1, now), Some(now + Duration::seconds(30)));
        assert_eq!(next_attempt(MAX_ATTEMPTS, now), None);
    }

    #[test]
    fn all_the_attempts_together_span_about_a_day() {
        let total: Duration = (1..MAX_ATTEMPTS).map(backoff).sum();
        assert!(
            total > Duration::hours(12) && total < Duration::hours(36),
            "{total}"
        );
    }
}
