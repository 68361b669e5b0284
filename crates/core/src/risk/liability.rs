//! The liability matrix: for each liability that matters to a project, which
//! party holds it and what shows that they do. A liability nobody holds, or
//! held without evidence, is a gap, and a gap keeps the project out of
//! delivery: the question "who would have been liable?" is answered before
//! anything happens, not after.

use serde::{Deserialize, Serialize};

use super::Facts;
use crate::projects::details::Activity;
use crate::Invalid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    Landowner,
    Council,
    FundHolder,
    DeliveryGroup,
    Venue,
    Supplier,
}

impl Party {
    pub const ALL: [Party; 6] = [
        Party::Landowner,
        Party::Council,
        Party::FundHolder,
        Party::DeliveryGroup,
        Party::Venue,
        Party::Supplier,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Party::Landowner => "landowner",
            Party::Council => "council",
            Party::FundHolder => "fund_holder",
            Party::DeliveryGroup => "delivery_group",
            Party::Venue => "venue",
            Party::Supplier => "supplier",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Party::Landowner => "Landowner",
            Party::Council => "Council",
            Party::FundHolder => "Fund holder",
            Party::DeliveryGroup => "Delivery group or lead",
            Party::Venue => "Venue",
            Party::Supplier => "Supplier",
        }
    }

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        Party::ALL
            .into_iter()
            .find(|p| p.as_str() == input.trim())
            .ok_or_else(|| Invalid::new("party", "Choose who holds this liability from the list"))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Liability {
    PublicLiability,
    EmployersLiability,
    PropertyDamage,
    FoodSafety,
    Safeguarding,
    FinancialProbity,
}

impl Liability {
    pub const ALL: [Liability; 6] = [
        Liability::PublicLiability,
        Liability::EmployersLiability,
        Liability::PropertyDamage,
        Liability::FoodSafety,
        Liability::Safeguarding,
        Liability::FinancialProbity,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Liability::PublicLiability => "public_liability",
            Liability::EmployersLiability => "employers_liability",
            Liability::PropertyDamage => "property_damage",
            Liability::FoodSafety => "food_safety",
            Liability::Safeguarding => "safeguarding",
            Liability::FinancialProbity => "financial_probity",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Liability::PublicLiability => "Public liability",
            Liability::EmployersLiability => "Employer's liability",
            Liability::PropertyDamage => "Damage to property",
            Liability::FoodSafety => "Food safety",
            Liability::Safeguarding => "Safeguarding",
            Liability::FinancialProbity => "Financial probity and payments",
        }
    }

    /// What the question is, for someone filling in the matrix.
    pub fn question(self) -> &'static str {
        match self {
            Liability::PublicLiability => {
                "If a member of the public is hurt or their things damaged, whose insurance pays?"
            }
            Liability::EmployersLiability => {
                "If a volunteer or worker is hurt, who is their employer in law and insured for it?"
            }
            Liability::PropertyDamage => {
                "If the land, building or equipment is damaged, who answers for it?"
            }
            Liability::FoodSafety => {
                "Who is the registered food business operator answerable for the food?"
            }
            Liability::Safeguarding => {
                "Whose safeguarding policy applies, and who is the named lead?"
            }
            Liability::FinancialProbity => {
                "Who holds the money and answers for each payment being proper?"
            }
        }
    }

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        Liability::ALL
            .into_iter()
            .find(|l| l.as_str() == input.trim())
            .ok_or_else(|| Invalid::new("liability", "That is not a liability the matrix knows"))
    }

    /// The liabilities that matter to a project with these facts.
    pub fn relevant(facts: &Facts) -> Vec<Liability> {
        let physical = facts.physical();
        Liability::ALL
            .into_iter()
            .filter(|l| match l {
                Liability::PublicLiability | Liability::EmployersLiability => physical,
                Liability::PropertyDamage => [
                    Activity::ThirdPartyPremises,
                    Activity::ToolsAndMachinery,
                    Activity::FireOrBarbecue,
                    Activity::Vehicles,
                    Activity::WorkingAtHeight,
                ]
                .into_iter()
                .any(|a| facts.has(a)),
                Liability::FoodSafety => facts.has(Activity::Food),
                Liability::Safeguarding => facts.has(Activity::ChildrenOrVulnerableAdults),
                // Every project that spends money answers for it.
                Liability::FinancialProbity => true,
            })
            .collect()
    }
}

/// Who holds one liability, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Holding {
    pub liability: Liability,
    pub party: Option<Party>,
    /// The organisation or person, by name ("Lambeth Housing Co-op").
    pub holder: String,
    /// What shows it: a policy and its number, an agreement.
    pub evidence: String,
    pub document_id: Option<i64>,
    /// Set by an officer when the liability does not arise, with why.
    pub not_applicable: String,
}

impl Holding {
    pub fn has_evidence(&self) -> bool {
        !self.evidence.trim().is_empty() || self.document_id.is_some()
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct HoldingForm {
    #[serde(default)]
    pub party: String,
    #[serde(default)]
    pub holder: String,
    #[serde(default)]
    pub evidence: String,
    #[serde(default)]
    pub document: String,
    #[serde(default)]
    pub not_applicable: String,
}

impl Holding {
    /// `officer` says whether the person may mark the liability as not
    /// arising, which, like a waiver, is an officer's call.
    pub fn parse(
        liability: Liability,
        form: &HoldingForm,
        officer: bool,
    ) -> Result<Self, Vec<Invalid>> {
        let mut errors = Vec::new();
        let line = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        let not_applicable = form.not_applicable.trim().to_owned();
        if !not_applicable.is_empty() {
            if !officer {
                errors.push(Invalid::new(
                    "not_applicable",
                    "Only a council officer can record that a liability does not arise",
                ));
            } else if not_applicable.chars().count() < 10 {
                errors.push(Invalid::new(
                    "not_applicable",
                    "Say why this liability does not arise (at least 10 characters)",
                ));
            }
        }
        let party = match form.party.trim() {
            "" => None,
            p => Party::parse(p).map_err(|e| errors.push(e)).ok(),
        };
        let holder = line(&form.holder);
        let evidence = form.evidence.trim().replace("\r\n", "\n");
        let document_id = match form.document.trim() {
            "" => None,
            id => match id.parse::<i64>() {
                Ok(id) => Some(id),
                Err(_) => {
                    errors.push(Invalid::new("document", "Choose a document from the list"));
                    None
                }
            },
        };
        if party.is_some() && holder.chars().count() < 2 && not_applicable.is_empty() {
            errors.push(Invalid::new(
                "holder",
                "Name the organisation or person who holds it",
            ));
        }
        if holder.chars().count() > 200 {
            errors.push(Invalid::new(
                "holder",
                "Write the name in 200 characters or fewer",
            ));
        }
        if evidence.chars().count() > 1000 {
            errors.push(Invalid::new(
                "evidence",
                "Write the evidence in 1,000 characters or fewer",
            ));
        }
        if errors.is_empty() {
            Ok(Holding {
                liability,
                party,
                holder,
                evidence,
                document_id,
                not_applicable,
            })
        } else {
            Err(errors)
        }
    }
}

/// A liability that matters and is not covered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Gap {
    Unheld { liability: Liability },
    NoEvidence { liability: Liability, party: Party },
}

impl Gap {
    pub fn liability(&self) -> Liability {
        match self {
            Gap::Unheld { liability } | Gap::NoEvidence { liability, .. } => *liability,
        }
    }

    pub fn message(&self) -> String {
        match self {
            Gap::Unheld { liability } => format!(
                "Nobody holds {}: record who does, with their policy or agreement",
                liability.label().to_lowercase()
            ),
            Gap::NoEvidence { liability, party } => format!(
                "{} is held by the {} but nothing shows it: record their policy or agreement",
                liability.label(),
                party.label().to_lowercase()
            ),
        }
    }
}

/// The gaps in a project's matrix.
pub fn gaps(facts: &Facts, holdings: &[Holding]) -> Vec<Gap> {
    Liability::relevant(facts)
        .into_iter()
        .filter_map(|liability| {
            let held = holdings.iter().find(|h| h.liability == liability);
            match held {
                Some(h) if !h.not_applicable.is_empty() => None,
                Some(Holding {
                    party: Some(party), ..
                }) if !held.is_some_and(Holding::has_evidence) => Some(Gap::NoEvidence {
                    liability,
                    party: *party,
                }),
                Some(Holding { party: Some(_), .. }) => None,
                _ => Some(Gap::Unheld { liability }),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::risk::fixtures::facts;

    fn held(liability: Liability, party: Party, evidence: &str) -> Holding {
        Holding {
            liability,
            party: Some(party),
            holder: "Someone".into(),
            evidence: evidence.into(),
            document_id: None,
            not_applicable: String::new(),
        }
    }

    #[test]
    fn what_matters_follows_the_activities() {
        let growing = facts(&[Activity::PhysicalWork, Activity::ThirdPartyPremises]);
        assert_eq!(
            Liability::relevant(&growing),
            [
                Liability::PublicLiability,
                Liability::EmployersLiability,
                Liability::PropertyDamage,
                Liability::FinancialProbity
            ]
        );
        let food = facts(&[Activity::Food, Activity::ChildrenOrVulnerableAdults]);
        let r = Liability::relevant(&food);
        assert!(r.contains(&Liability::FoodSafety) && r.contains(&Liability::Safeguarding));
        let online = facts(&[Activity::OnlineOnly]);
        assert_eq!(Liability::relevant(&online), [Liability::FinancialProbity]);
    }

    #[test]
    fn unheld_and_unevidenced_liabilities_are_gaps() {
        let growing = facts(&[Activity::PhysicalWork, Activity::ThirdPartyPremises]);
        let holdings = vec![
            held(Liability::PublicLiability, Party::Landowner, ""),
            held(
                Liability::EmployersLiability,
                Party::DeliveryGroup,
                "Policy EL-77",
            ),
            held(
                Liability::FinancialProbity,
                Party::FundHolder,
                "Fund-holding agreement",
            ),
        ];
        assert_eq!(
            gaps(&growing, &holdings),
            [
                Gap::NoEvidence {
                    liability: Liability::PublicLiability,
                    party: Party::Landowner
                },
                Gap::Unheld {
                    liability: Liability::PropertyDamage
                },
            ]
        );
    }

    #[test]
    fn an_officer_may_record_that_a_liability_does_not_arise() {
        let form = HoldingForm {
            not_applicable: "No employees or volunteers under direction".into(),
            ..HoldingForm::default()
        };
        assert!(Holding::parse(Liability::EmployersLiability, &form, false).is_err());
        let h = Holding::parse(Liability::EmployersLiability, &form, true).unwrap();
        let f = facts(&[Activity::PhysicalWork]);
        assert!(!gaps(&f, &[h])
            .iter()
            .any(|g| g.liability() == Liability::EmployersLiability));
    }

    #[test]
    fn a_holder_must_be_named() {
        let form = HoldingForm {
            party: "venue".into(),
            ..HoldingForm::default()
        };
        let e = Holding::parse(Liability::PublicLiability, &form, false).unwrap_err();
        assert_eq!(e[0].field, "holder");
    }
}
