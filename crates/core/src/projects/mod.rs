//! Projects: their stages and title here; what they are, who owns them,
//! their mandate, team, updates and contacts in the modules below.

pub mod contacts;
pub mod details;
pub mod mandate;
pub mod ownership;
pub mod team;
pub mod updates;

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Invalid;

/// Where a project is in its life. Open stages run idea → selected → planning →
/// delivery → completed; paused and closed can be reached from any open stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Idea,
    Selected,
    Planning,
    Delivery,
    Completed,
    Paused,
    Closed,
}

impl Stage {
    /// In the order a person reads a project's life.
    pub const ALL: [Stage; 7] = [
        Stage::Idea,
        Stage::Selected,
        Stage::Planning,
        Stage::Delivery,
        Stage::Completed,
        Stage::Paused,
        Stage::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Idea => "idea",
            Stage::Selected => "selected",
            Stage::Planning => "planning",
            Stage::Delivery => "delivery",
            Stage::Completed => "completed",
            Stage::Paused => "paused",
            Stage::Closed => "closed",
        }
    }

    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Stage::Idea => "Idea",
            Stage::Selected => "Selected",
            Stage::Planning => "Planning",
            Stage::Delivery => "In delivery",
            Stage::Completed => "Completed",
            Stage::Paused => "Paused",
            Stage::Closed => "Closed",
        }
    }

    /// A stage in which work can still move forward.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            Stage::Idea | Stage::Selected | Stage::Planning | Stage::Delivery
        )
    }

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let wanted = input.trim().to_lowercase();
        Stage::ALL
            .into_iter()
            .find(|s| s.as_str() == wanted)
            .ok_or_else(|| {
                Invalid::new(
                    "stage",
                    format!(
                        "'{}' is not a stage: choose one of idea, selected, planning, delivery, completed, paused or closed",
                        input.trim()
                    ),
                )
            })
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A project title: what a passer-by reads first, so it must say something and
/// fit on a line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Title(String);

impl Title {
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let tidy = input.split_whitespace().collect::<Vec<_>>().join(" ");
        if tidy.chars().count() < 3 {
            return Err(Invalid::new(
                "title",
                "Enter a title of at least 3 characters",
            ));
        }
        if tidy.chars().count() > 120 {
            return Err(Invalid::new(
                "title",
                "Enter a title of 120 characters or fewer",
            ));
        }
        Ok(Self(tidy))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_round_trip_and_only_four_are_open() {
        for stage in Stage::ALL {
            assert_eq!(Stage::parse(stage.as_str()).unwrap(), stage);
        }
        let open: Vec<_> = Stage::ALL.into_iter().filter(|s| s.is_open()).collect();
        assert_eq!(
            open,
            [
                Stage::Idea,
                Stage::Selected,
                Stage::Planning,
                Stage::Delivery
            ]
        );
        assert!(Stage::parse("finished")
            .unwrap_err()
            .message
            .contains("'finished' is not a stage"));
    }

    #[test]
    fn titles_are_tidied_and_bounded() {
        assert_eq!(Title::parse("  BBQ   bike ").unwrap().as_str(), "BBQ bike");
        assert!(Title::parse("ab").is_err());
        assert!(Title::parse(&"a".repeat(121)).is_err());
    }
}
