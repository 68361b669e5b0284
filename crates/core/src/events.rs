//! Events: make days, drop-in meetups and learning sessions.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Invalid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A day (or several) of making: people turn ideas into projects.
    Make,
    /// An evening drop-in with no set agenda.
    Meetup,
    /// A session of the staff's action learning set.
    Learning,
    Other,
}

impl EventKind {
    pub const ALL: [EventKind; 4] = [
        EventKind::Make,
        EventKind::Meetup,
        EventKind::Learning,
        EventKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Make => "make",
            EventKind::Meetup => "meetup",
            EventKind::Learning => "learning",
            EventKind::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            EventKind::Make => "Make event",
            EventKind::Meetup => "Drop-in meetup",
            EventKind::Learning => "Learning session",
            EventKind::Other => "Event",
        }
    }

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let wanted = input.trim().to_lowercase();
        EventKind::ALL
            .into_iter()
            .find(|k| k.as_str() == wanted)
            .ok_or_else(|| {
                Invalid::new(
                    "kind",
                    format!(
                        "'{}' is not a kind of event: choose make, meetup, learning or other",
                        input.trim()
                    ),
                )
            })
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip() {
        for kind in EventKind::ALL {
            assert_eq!(EventKind::parse(kind.as_str()).unwrap(), kind);
        }
        assert!(EventKind::parse("party").is_err());
    }
}
