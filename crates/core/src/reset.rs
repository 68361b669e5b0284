//! Password reset: how long a reset link lasts, when it may no longer be
//! used, and how often one may be asked for. The link's secret is drawn and
//! hashed by the web layer; these are the rules every door applies to it.

use chrono::{DateTime, Duration, Utc};

use crate::throttle::{Failures, WINDOW_MINUTES};

/// A reset link works for one hour after it is sent.
pub const LIFETIME_MINUTES: i64 = 60;

/// Requests for one email address within the window before further ones are
/// refused: enough for a message that went astray, too few to flood an inbox.
pub const ACCOUNT_LIMIT: i64 = 3;

/// Requests from one network address within the window, across email
/// addresses, before it is refused.
pub const ADDRESS_LIMIT: i64 = 10;

/// When a link issued at `issued` stops working.
pub fn expires_at(issued: DateTime<Utc>) -> DateTime<Utc> {
    issued + Duration::minutes(LIFETIME_MINUTES)
}

/// Why a reset link cannot be used. Each has its own page, so the person
/// knows whether to ask for a new link or just sign in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No such link was ever sent (or it was mistyped or cut short).
    Unknown,
    /// The link has already been used to set a password.
    Used,
    /// The hour is up.
    Expired,
}

impl Refusal {
    /// What the refusal page says, as a heading and what to do next.
    pub fn explain(self) -> (&'static str, &'static str) {
        match self {
            Refusal::Unknown => (
                "This link is not valid",
                "The link may have been copied incompletely. Check that you used the whole link from the email, or ask for a new one.",
            ),
            Refusal::Used => (
                "This link has already been used",
                "Each link works once. If you have just set a new password, sign in with it. If not, ask for a new link.",
            ),
            Refusal::Expired => (
                "This link has expired",
                "Links to reset a password work for one hour. Ask for a new one and use it within the hour.",
            ),
        }
    }
}

/// Whether a stored link may be used at `now`.
pub fn check(
    used_at: Option<DateTime<Utc>>,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), Refusal> {
    if used_at.is_some() {
        Err(Refusal::Used)
    } else if now >= expires_at {
        Err(Refusal::Expired)
    } else {
        Ok(())
    }
}

/// Whether another reset link may be asked for, given the recent requests
/// for the email address and from the network address (counted whether or
/// not an account exists, so the answer reveals nothing). `Err` carries the
/// instant after which to try again.
pub fn may_request(recent: Failures, now: DateTime<Utc>) -> Result<(), DateTime<Utc>> {
    let window = Duration::minutes(WINDOW_MINUTES);
    let until = |latest: Option<DateTime<Utc>>| latest.unwrap_or(now) + window;
    if recent.for_account >= ACCOUNT_LIMIT && until(recent.latest_for_account) > now {
        return Err(until(recent.latest_for_account));
    }
    if recent.from_address >= ADDRESS_LIMIT && until(recent.latest_from_address) > now {
        return Err(until(recent.latest_from_address));
    }
    Ok(())
}

/// "Try again after 3:45pm", in UK time, for the refusal message.
pub fn try_again_message(until: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let minutes = (until - now).num_minutes().max(1);
    format!(
        "Too many requests for a reset link. Check your email for the links already sent, or try again after {} (in about {minutes} minute{})",
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
    fn a_link_works_for_an_hour_and_once() {
        let issued = now();
        let ends = expires_at(issued);
        assert_eq!(check(None, ends, issued + Duration::minutes(59)), Ok(()));
        assert_eq!(
            check(None, ends, issued + Duration::minutes(60)),
            Err(Refusal::Expired)
        );
        assert_eq!(check(Some(issued), ends, issued), Err(Refusal::Used));
        // A used link says so even after it would have expired: that is the
        // more useful thing to know.
        assert_eq!(
            check(Some(issued), ends, issued + Duration::hours(3)),
            Err(Refusal::Used)
        );
    }

    #[test]
    fn every_refusal_says_what_to_do() {
        for r in [Refusal::Unknown, Refusal::Used, Refusal::Expired] {
            let (title, next) = r.explain();
            assert!(!title.is_empty() && next.len() > 20, "{r:?}");
        }
    }

    #[test]
    fn a_few_requests_are_allowed_then_refused_until_the_window_ends() {
        let mut f = Failures {
            for_account: 2,
            latest_for_account: Some(now()),
            ..Failures::default()
        };
        assert_eq!(may_request(f, now()), Ok(()));
        f.for_account = 3;
        assert_eq!(may_request(f, now()), Err(now() + Duration::minutes(15)));
        assert_eq!(may_request(f, now() + Duration::minutes(16)), Ok(()));
        let from_one_place = Failures {
            from_address: 10,
            latest_from_address: Some(now()),
            ..Failures::default()
        };
        assert!(may_request(from_one_place, now()).is_err());
    }

    #[test]
    fn the_refusal_says_when_to_come_back() {
        let msg = try_again_message(now() + Duration::minutes(15), now());
        assert!(
            msg.contains("3:45pm") && msg.contains("15 minutes"),
            "{msg}"
        );
    }
}
