//! Money is whole pence in an `i64`: never a float, so sums are exact and the
//! ledger can balance to the penny.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Invalid;

/// An amount of money in pence (GBP). Negative amounts are allowed: the ledger
/// needs them for credits and reversals.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Pence(i64);

impl Pence {
    pub const ZERO: Pence = Pence(0);

    pub const fn new(pence: i64) -> Self {
        Self(pence)
    }

    pub const fn get(self) -> i64 {
        self.0
    }

    pub fn checked_add(self, other: Pence) -> Option<Pence> {
        self.0.checked_add(other.0).map(Pence)
    }

    /// Reads an amount as a person types it: `12`, `12.5`, `12.50`, `£1,250.00`,
    /// `-3.20`. More than two decimal places is refused rather than rounded,
    /// because rounding someone's money silently is a probity problem.
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let refuse = |why: &str| {
            Invalid::new(
                "amount",
                format!(
                    "'{}' is not an amount of money: {why}. Write it like 12.50",
                    input.trim()
                ),
            )
        };
        let trimmed = input.trim();
        let (negative, rest) = match trimmed.strip_prefix('-') {
            Some(rest) => (true, rest.trim_start()),
            None => (false, trimmed),
        };
        let rest = rest.strip_prefix('£').unwrap_or(rest).replace(',', "");
        if rest.is_empty() {
            return Err(refuse("there are no digits"));
        }
        let (whole, fraction) = match rest.split_once('.') {
            Some((w, f)) => (w, f),
            None => (rest.as_str(), ""),
        };
        if whole.is_empty() && fraction.is_empty() {
            return Err(refuse("there are no digits"));
        }
        if !whole.chars().all(|c| c.is_ascii_digit())
            || !fraction.chars().all(|c| c.is_ascii_digit())
        {
            return Err(refuse(
                "only digits, one decimal point and a leading £ are allowed",
            ));
        }
        if fraction.len() > 2 {
            return Err(refuse("it has more than two decimal places"));
        }
        let pounds: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| refuse("it is too large"))?
        };
        let pence_part: i64 = match fraction.len() {
            0 => 0,
            1 => {
                fraction
                    .parse::<i64>()
                    .map_err(|_| refuse("it is not a number"))?
                    * 10
            }
            _ => fraction.parse().map_err(|_| refuse("it is not a number"))?,
        };
        let total = pounds
            .checked_mul(100)
            .and_then(|p| p.checked_add(pence_part))
            .ok_or_else(|| refuse("it is too large"))?;
        Ok(Pence(if negative { -total } else { total }))
    }
}

impl fmt::Display for Pence {
    /// `£1,250.00`, `-£3.20`: the way a UK treasurer writes money.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let pounds = (abs / 100).to_string();
        let mut grouped = String::with_capacity(pounds.len() + pounds.len() / 3);
        for (i, c) in pounds.chars().enumerate() {
            if i > 0 && (pounds.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(c);
        }
        write!(f, "{sign}£{grouped}.{:02}", abs % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_amounts_as_people_write_them() {
        assert_eq!(Pence::parse("12").unwrap(), Pence::new(1200));
        assert_eq!(Pence::parse("12.5").unwrap(), Pence::new(1250));
        assert_eq!(Pence::parse(" £1,250.05 ").unwrap(), Pence::new(125_005));
        assert_eq!(Pence::parse("-3.20").unwrap(), Pence::new(-320));
        assert_eq!(Pence::parse(".75").unwrap(), Pence::new(75));
    }

    #[test]
    fn refuses_what_is_not_money_and_says_why() {
        let err = Pence::parse("12.345").unwrap_err();
        assert!(
            err.message.contains("more than two decimal places"),
            "{err}"
        );
        assert!(Pence::parse("").is_err());
        assert!(Pence::parse("£").is_err());
        assert!(Pence::parse("12a").is_err());
        assert!(Pence::parse("1e5").is_err());
        assert!(Pence::parse("99999999999999999999").is_err());
    }

    #[test]
    fn formats_like_a_treasurer() {
        assert_eq!(Pence::new(0).to_string(), "£0.00");
        assert_eq!(Pence::new(5).to_string(), "£0.05");
        assert_eq!(Pence::new(125_005).to_string(), "£1,250.05");
        assert_eq!(Pence::new(-320).to_string(), "-£3.20");
        assert_eq!(Pence::new(100_000_000).to_string(), "£1,000,000.00");
    }

    proptest! {
        #[test]
        fn display_then_parse_is_the_same_amount(p in -1_000_000_000_000i64..1_000_000_000_000i64) {
            let shown = Pence::new(p).to_string();
            prop_assert_eq!(Pence::parse(&shown).unwrap(), Pence::new(p));
        }
    }
}
