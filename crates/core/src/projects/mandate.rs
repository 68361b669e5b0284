//! The mandate: letting go, made explicit. An officer and the lead agree
//! what the lead may decide without asking, how much they may spend on
//! their own authority, and which council assets the project may use. It is
//! in force only once both have agreed the same text; any change clears
//! both agreements. The policy reads the powers of mandates in force.

use serde::Serialize;

use crate::money::Pence;
use crate::Invalid;

/// A decision the lead may take without asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Power {
    ChangePlan,
    ManageTeam,
    PublishNeeds,
    SpeakForProject,
}

impl Power {
    pub const ALL: [Power; 4] = [
        Power::ChangePlan,
        Power::ManageTeam,
        Power::PublishNeeds,
        Power::SpeakForProject,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Power::ChangePlan => "change_plan",
            Power::ManageTeam => "manage_team",
            Power::PublishNeeds => "publish_needs",
            Power::SpeakForProject => "speak_for_project",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Power::ChangePlan => "Change the plan: description, dates, activities and place",
            Power::ManageTeam => "Accept or decline people who ask to join, and give team roles",
            Power::PublishNeeds => "Publish the project's needs for skills and resources",
            Power::SpeakForProject => "Speak for the project to partners and the press",
        }
    }

    fn bit(self) -> u8 {
        match self {
            Power::ChangePlan => 1,
            Power::ManageTeam => 2,
            Power::PublishNeeds => 4,
            Power::SpeakForProject => 8,
        }
    }

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        Power::ALL
            .into_iter()
            .find(|p| p.as_str() == input.trim())
            .ok_or_else(|| {
                Invalid::new(
                    "powers",
                    format!(
                        "'{}' is not a decision the mandate can hand over",
                        input.trim()
                    ),
                )
            })
    }
}

/// A set of powers, small and `Copy` so the policy's actor can carry it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Powers(u8);

impl Powers {
    pub const NONE: Powers = Powers(0);

    pub fn of(powers: &[Power]) -> Self {
        Powers(powers.iter().fold(0, |acc, p| acc | p.bit()))
    }

    pub fn contains(self, p: Power) -> bool {
        self.0 & p.bit() != 0
    }

    pub fn list(self) -> Vec<Power> {
        Power::ALL
            .into_iter()
            .filter(|p| self.contains(*p))
            .collect()
    }

    /// Stored as the powers' names, comma-separated.
    pub fn encode(self) -> String {
        self.list()
            .iter()
            .map(|p| p.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }

    pub fn decode(stored: &str) -> Result<Self, Invalid> {
        let mut powers = Vec::new();
        for name in stored.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            powers.push(Power::parse(name)?);
        }
        Ok(Powers::of(&powers))
    }
}

/// A mandate in force for one project, as the policy sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InForce {
    pub project: i64,
    pub powers: Powers,
    pub spending_limit: Pence,
}

/// What the form proposes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terms {
    pub powers: Powers,
    pub spending_limit: Pence,
    /// One asset a line: "Rookery Road community hall, Tuesday evenings".
    pub council_assets: Vec<String>,
    pub notes: String,
}

impl Terms {
    pub fn parse(
        powers: &[String],
        spending_limit: &str,
        assets: &str,
        notes: &str,
    ) -> Result<Self, Vec<Invalid>> {
        let mut errors = Vec::new();
        let mut chosen = Vec::new();
        for p in powers {
            match Power::parse(p) {
                Ok(p) => chosen.push(p),
                Err(e) => errors.push(e),
            }
        }
        let spending_limit = if spending_limit.trim().is_empty() {
            Pence::ZERO
        } else {
            match Pence::parse(spending_limit) {
                Ok(p) if p.get() < 0 => {
                    errors.push(Invalid::new(
                        "spending_limit",
                        "The spending limit cannot be negative: enter 0 for none",
                    ));
                    Pence::ZERO
                }
                Ok(p) if p.get() > 10_000_000 => {
                    errors.push(Invalid::new(
                        "spending_limit",
                        "A lead's own spending authority is at most £100,000: above that, payments need approval",
                    ));
                    Pence::ZERO
                }
                Ok(p) => p,
                Err(e) => {
                    errors.push(Invalid::new("spending_limit", e.message));
                    Pence::ZERO
                }
            }
        };
        let council_assets: Vec<String> = assets
            .lines()
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|l| !l.is_empty())
            .collect();
        if council_assets.len() > 30 || council_assets.iter().any(|a| a.chars().count() > 200) {
            errors.push(Invalid::new(
                "council_assets",
                "List at most 30 assets, one a line, each in 200 characters or fewer",
            ));
        }
        let notes = notes.trim().to_owned();
        if notes.chars().count() > 2000 {
            errors.push(Invalid::new(
                "notes",
                "Write the notes in 2,000 characters or fewer",
            ));
        }
        if errors.is_empty() {
            Ok(Terms {
                powers: Powers::of(&chosen),
                spending_limit,
                council_assets,
                notes,
            })
        } else {
            Err(errors)
        }
    }
}

/// Who has agreed a mandate so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Agreement {
    pub officer: bool,
    pub lead: bool,
}

impl Agreement {
    pub fn in_force(self) -> bool {
        self.officer && self.lead
    }

    /// What is still needed, in words.
    pub fn waiting_for(self) -> Option<&'static str> {
        match (self.officer, self.lead) {
            (true, true) => None,
            (true, false) => Some("Waiting for the lead to agree"),
            (false, true) => Some("Waiting for a council officer to agree"),
            (false, false) => Some("Waiting for a council officer and the lead to agree"),
        }
    }
}

/// Which side of the agreement a person signs for: an officer for the
/// council, the lead for the project. Someone who is both (an officer who
/// leads a project) cannot agree with themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Officer,
    Lead,
}

pub fn side_for(is_officer: bool, is_lead: bool, already: Agreement) -> Result<Side, Invalid> {
    match (is_officer, is_lead) {
        (true, true) => Err(Invalid::new(
            "mandate",
            "You lead this project and are a council officer: another officer must agree the mandate with you",
        )),
        (true, false) if already.officer => Err(Invalid::new("mandate", "A council officer has already agreed this mandate")),
        (true, false) => Ok(Side::Officer),
        (false, true) if already.lead => Err(Invalid::new("mandate", "You have already agreed this mandate")),
        (false, true) => Ok(Side::Lead),
        (false, false) => Err(Invalid::new(
            "mandate",
            "Only the project's lead and a council officer agree its mandate",
        )),
    }
}

/// Whether a lead may spend this amount on their own authority under the
/// mandate in force; anything above needs a second approval.
pub fn may_spend_alone(mandate: Option<&InForce>, amount: Pence) -> bool {
    mandate.is_some_and(|m| amount.get() > 0 && amount <= m.spending_limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn powers_round_trip_through_storage() {
        let p = Powers::of(&[Power::ManageTeam, Power::ChangePlan]);
        assert_eq!(p.encode(), "change_plan,manage_team");
        assert_eq!(Powers::decode(&p.encode()).unwrap(), p);
        assert_eq!(Powers::decode("").unwrap(), Powers::NONE);
        assert!(Powers::decode("sell_the_hall").is_err());
        assert!(p.contains(Power::ChangePlan) && !p.contains(Power::PublishNeeds));
    }

    #[test]
    fn terms_read_with_every_mistake() {
        let t = Terms::parse(
            &["publish_needs".into()],
            "£250",
            "Hall\n\n  Tools   store ",
            "",
        )
        .unwrap();
        assert_eq!(t.spending_limit, Pence::new(25_000));
        assert_eq!(t.council_assets, ["Hall", "Tools store"]);
        let errors = Terms::parse(&["x".into()], "-5", "", &"n".repeat(2001)).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["powers", "spending_limit", "notes"]);
    }

    #[test]
    fn both_sides_must_agree_and_nobody_agrees_with_themselves() {
        let none = Agreement::default();
        assert_eq!(side_for(true, false, none).unwrap(), Side::Officer);
        assert_eq!(side_for(false, true, none).unwrap(), Side::Lead);
        assert!(side_for(true, true, none).is_err());
        assert!(side_for(false, false, none).is_err());
        let officer_done = Agreement {
            officer: true,
            lead: false,
        };
        assert!(side_for(true, false, officer_done).is_err());
        assert!(!officer_done.in_force());
        assert!(Agreement {
            officer: true,
            lead: true
        }
        .in_force());
    }

    #[test]
    fn spending_alone_stops_at_the_limit() {
        let m = InForce {
            project: 1,
            powers: Powers::NONE,
            spending_limit: Pence::new(10_000),
        };
        assert!(may_spend_alone(Some(&m), Pence::new(10_000)));
        assert!(!may_spend_alone(Some(&m), Pence::new(10_001)));
        assert!(
            !may_spend_alone(None, Pence::new(1)),
            "no mandate, no spending alone"
        );
    }
}
