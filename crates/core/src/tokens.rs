//! API tokens: what a token may do, and what a person may call it.

use std::fmt;

use crate::Invalid;

/// What a token allows. A read token can never change anything, whatever
/// its owner could do in a browser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    Read,
    Write,
}

impl Scope {
    pub const ALL: [Scope; 2] = [Scope::Read, Scope::Write];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Scope::Read => "Read only",
            Scope::Write => "Read and change",
        }
    }

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        match input.trim() {
            "read" => Ok(Scope::Read),
            "write" => Ok(Scope::Write),
            "" => Err(Invalid::new("scope", "Choose what the token may do")),
            other => Err(Invalid::new(
                "scope",
                format!("'{other}' is not a token scope: choose read or write"),
            )),
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The name a person gives a token so they can tell it apart later
/// ("ward newsletter script", "Open Data export").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenName(String);

impl TokenName {
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let name = input.split_whitespace().collect::<Vec<_>>().join(" ");
        if name.is_empty() {
            return Err(Invalid::new(
                "name",
                "Enter a name for the token, so you can tell it apart later",
            ));
        }
        if name.chars().count() > 60 {
            return Err(Invalid::new(
                "name",
                "Enter a name of 60 characters or fewer",
            ));
        }
        Ok(Self(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Every token starts with this, so a leaked one is easy to recognise (and
/// to search for in code and logs).
pub const PREFIX: &str = "cpt_";

/// Whether text has the shape of a token; the store decides if it is one.
pub fn looks_like_token(s: &str) -> bool {
    s.strip_prefix(PREFIX)
        .is_some_and(|rest| rest.len() == 64 && rest.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_and_names_are_checked() {
        assert_eq!(Scope::parse("read").unwrap(), Scope::Read);
        assert!(Scope::parse("admin")
            .unwrap_err()
            .message
            .contains("read or write"));
        assert_eq!(
            TokenName::parse("  my   script ").unwrap().as_str(),
            "my script"
        );
        assert!(TokenName::parse(" ").is_err());
        assert!(TokenName::parse(&"x".repeat(61)).is_err());
    }

    #[test]
    fn tokens_have_a_recognisable_shape() {
        assert!(looks_like_token(&format!("cpt_{}", "a1".repeat(32))));
        assert!(!looks_like_token("cpt_short"));
        assert!(!looks_like_token(&"a1".repeat(32)));
    }
}
