//! How repeated failed sign-ins are slowed and then refused. Counting happens
//! in store; this is the rule that turns the counts into a decision, so that
//! the web page, the API and any later door give the same answer.

use chrono::{DateTime, Duration, Utc};

/// The window in which failures are counted.
pub const WINDOW_MINUTES: i64 = 15;
/// Failures for one account before it is locked for the rest of the window.
pub const ACCOUNT_LIMIT: i64 = 5;
/// Failures from one address (across accounts) before it is refused.
pub const ADDRESS_LIMIT: i64 = 20;
/// Failures after which each further attempt is slowed down.
pub const SLOW_AFTER: i64 = 2;

/// Recent failures, as store counts them within the window.
#[derive(Debug, Clone, Copy, Default)]
pub struct Failures {
    pub for_account: i64,
    pub latest_for_account: Option<DateTime<Utc>>,
    pub from_address: i64,
    pub latest_from_address: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Check the password now.
    Allow,
    /// Check it, but only after waiting this long: guessing becomes slow.
    Slow(std::time::Duration),
    /// Do not check it at all until this instant.
    RefuseUntil(DateTime<Utc>),
}

pub fn decide(f: Failures, now: DateTime<Utc>) -> Decision {
    let window = Duration::minutes(WINDOW_MINUTES);
    let until = |latest: Option<DateTime<Utc>>| latest.unwrap_or(now) + window;
    if f.for_account >= ACCOUNT_LIMIT && until(f.latest_for_account) > now {
        return Decision::RefuseUntil(until(f.latest_for_account));
    }
    if f.from_address >= ADDRESS_LIMIT && until(f.latest_from_address) > now {
        return Decision::RefuseUntil(until(f.latest_from_address));
    }
    let worst = f.for_account.max(f.from_address / 4);
    if worst > SLOW_AFTER {
        // One more second per failure, never more than five: enough to make
        // guessing slow without making a person who mistyped wait long.
        let secs = (worst - SLOW_AFTER).clamp(1, 5) as u64;
        return Decision::Slow(std::time::Duration::from_secs(secs));
    }
    Decision::Allow
}

/// "Try again after 3:45pm", in UK time, for the refusal message.
pub fn try_again_message(until: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let minutes = (until - now).num_minutes().max(1);
    format!(
        "Too many attempts to sign in. Try again after {} (in about {minutes} minute{}), or reset your password",
        crate::local_time::clock_time(until),
        if minutes == 1 { "" } else { "s" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 15, 30, 0).unwrap()
    }

    #[test]
    fn a_few_mistakes_are_allowed_then_slowed_then_refused() {
        let mut f = Failures {
            for_account: 1,
            latest_for_account: Some(now()),
            ..Failures::default()
        };
        assert_eq!(decide(f, now()), Decision::Allow);
        f.for_account = 3;
        assert_eq!(
            decide(f, now()),
            Decision::Slow(std::time::Duration::from_secs(1))
        );
        f.for_account = 5;
        assert_eq!(
            decide(f, now()),
            Decision::RefuseUntil(now() + Duration::minutes(15))
        );
    }

    #[test]
    fn a_lock_ends_with_its_window() {
        let f = Failures {
            for_account: 7,
            latest_for_account: Some(now() - Duration::minutes(16)),
            ..Failures::default()
        };
        assert_ne!(decide(f, now()), Decision::RefuseUntil(now()));
        assert!(matches!(decide(f, now()), Decision::Slow(_)));
    }

    #[test]
    fn one_address_trying_many_accounts_is_refused() {
        let f = Failures {
            from_address: 20,
            latest_from_address: Some(now()),
            ..Failures::default()
        };
        assert!(matches!(decide(f, now()), Decision::RefuseUntil(_)));
    }

    #[test]
    fn the_refusal_says_when_to_come_back() {
        let msg = try_again_message(now() + Duration::minutes(15), now());
        assert!(msg.contains("3:45pm"), "{msg}");
        assert!(msg.contains("15 minutes"), "{msg}");
    }
}
