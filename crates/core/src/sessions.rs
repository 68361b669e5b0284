//! How long a signed-in session lasts. A session ends when it has been idle
//! too long, or when it has simply lived too long, whichever comes first: a
//! shared computer in a library must not stay signed in for days.

use chrono::{DateTime, Duration, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lifetime {
    pub idle: Duration,
    pub absolute: Duration,
}

impl Default for Lifetime {
    fn default() -> Self {
        Self {
            idle: Duration::hours(2),
            absolute: Duration::hours(12),
        }
    }
}

impl Lifetime {
    /// When a session created at `created` and last used at `last_seen` ends.
    pub fn expires_at(&self, created: DateTime<Utc>, last_seen: DateTime<Utc>) -> DateTime<Utc> {
        (last_seen + self.idle).min(created + self.absolute)
    }

    pub fn is_live(
        &self,
        created: DateTime<Utc>,
        last_seen: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> bool {
        now < self.expires_at(created, last_seen)
    }

    /// Whether a use at `now` is worth recording: writing on every request
    /// would turn every page view into a database write.
    pub fn should_touch(&self, last_seen: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        now - last_seen > Duration::minutes(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn idle_and_absolute_limits_both_end_a_session() {
        let l = Lifetime::default();
        let t0 = Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap();
        assert!(l.is_live(t0, t0, t0 + Duration::minutes(119)));
        assert!(
            !l.is_live(t0, t0, t0 + Duration::minutes(121)),
            "idle too long"
        );
        // Used every hour, it still ends 12 hours after it began.
        let last = t0 + Duration::hours(11) + Duration::minutes(59);
        assert!(l.is_live(t0, last, t0 + Duration::hours(11) + Duration::minutes(59)));
        assert!(!l.is_live(t0, last, t0 + Duration::hours(12)));
    }
}
