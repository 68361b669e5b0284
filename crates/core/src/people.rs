//! Who people are to the product: an email address that identifies them, a
//! name others see, and a role that the policy module reads.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Invalid;

/// An email address, trimmed and lower-cased so that one person cannot hold two
/// accounts by changing the case of their address.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let normalised = input.trim().to_lowercase();
        let refuse = |why: &str| {
            Invalid::new(
                "email",
                format!("Enter an email address like name@example.org: {why}"),
            )
        };
        if normalised.is_empty() {
            return Err(refuse("it is empty"));
        }
        if normalised.len() > 254 {
            return Err(refuse("it is longer than 254 characters"));
        }
        if normalised
            .chars()
            .any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(refuse("it contains a space"));
        }
        let Some((local, domain)) = normalised.rsplit_once('@') else {
            return Err(refuse("it has no @"));
        };
        if local.is_empty() || local.contains('@') {
            return Err(refuse("the part before the @ is missing or has a second @"));
        }
        if !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
            || domain.contains("..")
        {
            return Err(refuse("the part after the @ is not a domain"));
        }
        Ok(Self(normalised))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The name a person is shown by: trimmed, not empty, not a paragraph.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let trimmed = input.split_whitespace().collect::<Vec<_>>().join(" ");
        if trimmed.is_empty() {
            return Err(Invalid::new("name", "Enter a name"));
        }
        if trimmed.chars().count() > 80 {
            return Err(Invalid::new(
                "name",
                "Enter a name of 80 characters or fewer",
            ));
        }
        Ok(Self(trimmed))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A person's role across the whole product. Roles within one project or one
/// fund holder are memberships, not roles: this is only what holds everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Resident,
    Officer,
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Resident, Role::Officer, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Resident => "resident",
            Role::Officer => "officer",
            Role::Admin => "admin",
        }
    }

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let wanted = input.trim().to_lowercase();
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == wanted)
            .ok_or_else(|| {
                Invalid::new(
                    "role",
                    format!(
                        "'{}' is not a role: choose resident, officer or admin",
                        input.trim()
                    ),
                )
            })
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_so_one_person_has_one_account() {
        let a = Email::parse("  Amara.Okafor@Example.ORG ").unwrap();
        let b = Email::parse("amara.okafor@example.org").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.as_str(), "amara.okafor@example.org");
    }

    #[test]
    fn emails_that_cannot_be_delivered_are_refused() {
        for bad in [
            "",
            "no-at-sign",
            "@example.org",
            "a@b",
            "a@.org",
            "a b@example.org",
            "a@example..org",
        ] {
            let err = Email::parse(bad).unwrap_err();
            assert_eq!(err.field, "email");
            assert!(
                err.message.starts_with("Enter an email address"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn names_are_tidied_and_bounded() {
        assert_eq!(
            DisplayName::parse("  Sam   Patel ").unwrap().as_str(),
            "Sam Patel"
        );
        assert!(DisplayName::parse("   ").is_err());
        assert!(DisplayName::parse(&"x".repeat(81)).is_err());
    }

    #[test]
    fn roles_round_trip_and_unknown_roles_are_named() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()).unwrap(), role);
        }
        assert_eq!(Role::parse(" Officer ").unwrap(), Role::Officer);
        let err = Role::parse("mayor").unwrap_err();
        assert!(err.message.contains("'mayor' is not a role"));
    }
}

/// Whether a role change may go ahead: the borough must never be left
/// without an administrator, or nobody could put that right.
pub fn check_role_change(from: Role, to: Role, admins_now: i64) -> Result<(), Invalid> {
    if from == Role::Admin && to != Role::Admin && admins_now <= 1 {
        return Err(Invalid::new(
            "role",
            "This is the only administrator. Make someone else an administrator first",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod role_change_tests {
    use super::*;

    #[test]
    fn the_last_administrator_stays() {
        assert!(check_role_change(Role::Admin, Role::Officer, 1).is_err());
        assert!(check_role_change(Role::Admin, Role::Officer, 2).is_ok());
        assert!(check_role_change(Role::Resident, Role::Admin, 0).is_ok());
        assert!(check_role_change(Role::Admin, Role::Admin, 1).is_ok());
    }
}
